/*
 * libFuzzer target: kd_log_append on arbitrary produce sets, over an in-memory
 * SQLite through the native storage host, each call in a transaction as the
 * Worker's shim makes it. Whatever is appended, the log must stay readable from
 * its start, and its high watermark must equal the offsets acknowledged.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"
#include "storage.h"

typedef struct {
    uint8_t *sets;
    uint32_t len;
} append_arg;

static int32_t append(void *arg)
{
    append_arg *a = arg;
    return kd_log_append(1, a->sets, a->len, 0, 1 << 20);
}

static int64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return (int64_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    sqlite3 *conn;
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
        abort();
    kd_native_attach(1, conn);
    if (kd_log_open(1) != 0)
        abort();
    uint8_t *copy = malloc(size ? size : 1); /* the append rewrites base offsets in place */
    memcpy(copy, data, size);
    int64_t acknowledged = 0;
    append_arg arg = {copy, (uint32_t)size};
    if (kd_native_in_transaction(1, append, &arg) == 0) {
        for (uint32_t at = 0; at + 24 <= kd_out_len(); at += 24) {
            const uint8_t *r = kd_out_ptr() + at;
            if (r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0)
                acknowledged += le64(r + 16) - le64(r + 8) + 1;
        }
    }
    if (kd_log_offsets(1) != 0 || le64(kd_out_ptr() + 8) != acknowledged)
        abort();
    if (kd_log_fetch(1, 0, 1 << 30) != 0 || kd_batch_inspect(kd_out_ptr() + 16, kd_out_len() - 16) != 0)
        abort();
    free(copy);
    kd_native_detach(1);
    sqlite3_close(conn);
    return 0;
}
