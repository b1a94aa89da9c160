/*
 * libFuzzer target: kd_log_append on arbitrary produce sets, over an in-memory
 * SQLite through the native storage host, each call in a transaction as the
 * Worker's shim makes it. The input is appended twice, the second time as a
 * producer's retry would send it, so idempotent batches meet the state their
 * first append left. Whatever is appended:
 *   - a new set's offsets start at the high watermark, a duplicate's lie below
 *     it and start at a stored batch, and the high watermark equals the records
 *     stored;
 *   - the log stays readable from its start;
 *   - a set whose batches all carry producer ids, acknowledged the first time,
 *     is refused or acknowledged with the same offsets the second time: never
 *     stored twice.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"
#include "storage.h"

#define MAX_SETS 4096

typedef struct {
    uint8_t *sets;
    uint32_t len;
} append_arg;

static int32_t append(void *arg)
{
    append_arg *a = arg;
    return kd_log_append(1, a->sets, a->len, 0, 1 << 20);
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Per set of the input: whether every batch in it carries a producer id (judged
 * from the headers alone; a set that does not frame cleanly counts as not). */
static uint32_t idempotent_sets(const uint8_t *data, size_t size, bool *all_idempotent)
{
    if (size < 4)
        return 0;
    uint32_t count = (uint32_t)le(data, 4);
    size_t at = 4;
    uint32_t i = 0;
    for (; i < count && i < MAX_SETS && at + 4 <= size; i++) {
        size_t len = (size_t)le(data + at, 4);
        at += 4;
        if (len > size - at)
            break;
        bool all = len > 0;
        for (size_t pos = 0; all && pos < len;) {
            if (len - pos < 61) {
                all = false;
                break;
            }
            const uint8_t *b = data + at + pos;
            size_t batch = 12 + (size_t)(int32_t)be(b + 8, 4);
            if ((int64_t)be(b + 43, 8) < 0 || batch < 61 || batch > len - pos)
                all = false;
            pos += batch;
        }
        all_idempotent[i] = all;
        at += len;
    }
    return i;
}

typedef struct {
    int32_t error;
    int64_t base, last;
} result;

/* Runs one append of a copy of the input; checks each acknowledgement against the
 * log's end and returns how many set results it gave. */
static uint32_t append_once(const uint8_t *data, size_t size, int64_t *next, result *results)
{
    uint8_t *copy = malloc(size ? size : 1); /* the append rewrites base offsets in place */
    memcpy(copy, data, size);
    append_arg arg = {copy, (uint32_t)size};
    uint32_t n = 0;
    if (kd_native_in_transaction(1, append, &arg) == 0) {
        n = kd_out_len() / KD_APPEND_RESULT_SIZE;
        uint8_t *out = malloc(n * KD_APPEND_RESULT_SIZE + 1);
        memcpy(out, kd_out_ptr(), n * KD_APPEND_RESULT_SIZE);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *r = out + KD_APPEND_RESULT_SIZE * i;
            result res = {(int32_t)le(r, 4), (int64_t)le(r + 8, 8), (int64_t)le(r + 16, 8)};
            if (i < MAX_SETS)
                results[i] = res;
            if (res.error != 0)
                continue;
            if (res.base > res.last)
                abort();
            if (res.base == *next) {
                *next = res.last + 1;
            } else {
                /* A duplicate: offsets already stored, starting at a batch. */
                if (res.base < 0 || res.last >= *next)
                    abort();
                if (kd_log_fetch(1, res.base, 1, 1) != 0 || kd_out_len() < 16 + 61 ||
                    (int64_t)be(kd_out_ptr() + 16, 8) != res.base)
                    abort();
            }
        }
        free(out);
    }
    free(copy);
    return n < MAX_SETS ? n : MAX_SETS;
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
    static bool all_idempotent[MAX_SETS];
    static result first[MAX_SETS], second[MAX_SETS];
    uint32_t sets = idempotent_sets(data, size, all_idempotent);
    int64_t next = 0;
    uint32_t n1 = append_once(data, size, &next, first);
    uint32_t n2 = append_once(data, size, &next, second);
    if (n1 != n2)
        abort();
    for (uint32_t i = 0; i < n1 && i < sets; i++)
        if (all_idempotent[i] && first[i].error == 0 && second[i].error == 0 &&
            (second[i].base != first[i].base || second[i].last != first[i].last))
            abort();
    if (kd_log_offsets(1) != 0 || (int64_t)le(kd_out_ptr() + 8, 8) != next)
        abort();
    if (kd_log_fetch(1, 0, 1 << 30, 1) != 0 || kd_batch_inspect(kd_out_ptr() + 16, kd_out_len() - 16) != 0)
        abort();
    kd_native_detach(1);
    sqlite3_close(conn);
    return 0;
}
