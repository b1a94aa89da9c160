/*
 * libFuzzer target: kd_log_configure on arbitrary config text, then an arbitrary
 * program of appends, retention steps and DeleteRecords over an in-memory SQLite,
 * each call in a transaction as the Worker's shim makes it.
 *
 * Input: the config text up to the first NUL byte (all of it when there is none),
 * then 10-byte instructions: u8 op, u8 arg, i64 value (little-endian):
 *   op % 3 == 0  append (arg % 4) + 1 batches of (arg / 4 % 8) + 1 records stamped `value`
 *   op % 3 == 1  a retention step at now = value, deleting at most (arg % 16) + 1 rows
 *   op % 3 == 2  DeleteRecords to offset `value`
 * After every instruction:
 *   - the log start never goes down, the high watermark never goes down (nothing
 *     appended is ever renumbered) and start <= high watermark;
 *   - the log reads from its start, and below it is OFFSET_OUT_OF_RANGE;
 *   - a step's reported size is the bytes of the rows it left.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "internal.h"
#include "kd_list.h"
#include "storage.h"

#define DB 1

typedef struct {
    int op;
    uint8_t arg;
    int64_t value;
    kbuf sets;
} instruction;

static int32_t run(void *p)
{
    instruction *in = p;
    switch (in->op) {
    case 0: return kd_log_append(DB, in->sets.p, (uint32_t)in->sets.len, 0, 1 << 20);
    case 1: return kd_log_retention(DB, in->value, (uint32_t)(in->arg % 16) + 1);
    default: return kd_log_delete_records(DB, in->value);
    }
}

static void offsets(int64_t *start, int64_t *hw)
{
    if (kd_log_offsets(DB) != 0)
        abort();
    *start = (int64_t)rd_le(kd_out_ptr(), 8);
    *hw = (int64_t)rd_le(kd_out_ptr() + 8, 8);
}

static int64_t stored_bytes(sqlite3 *conn)
{
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(conn, "SELECT coalesce(sum(size_bytes), 0) FROM log_batches", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    sqlite3 *conn;
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
        abort();
    kd_native_attach(DB, conn);
    if (kd_log_open(DB) != 0)
        abort();
    size_t config_len = 0;
    while (config_len < size && data[config_len] != 0)
        config_len++;
    int32_t rc = kd_log_configure(DB, data, (uint32_t)config_len);
    if (rc != 0 && rc != KD_INVALID_CONFIG)
        abort();
    int64_t start = 0, hw = 0;
    for (size_t at = config_len + 1; at + 10 <= size; at += 10) {
        instruction in = {data[at] % 3, data[at + 1], (int64_t)rd_le(data + at + 2, 8), {0}};
        if (in.op == 0) {
            int batches = in.arg % 4 + 1;
            kb_le(&in.sets, 1, 4);
            kbuf set = {0};
            for (int i = 0; i < batches; i++) {
                size_t n = 0;
                uint8_t *b = make_batch((uint32_t)(in.arg / 4 % 8) + 1, in.value, 4, &n);
                if (b)
                    kb_put(&set, b, n);
                free(b);
            }
            kb_le(&in.sets, set.len, 4);
            kb_put(&in.sets, set.p, set.len);
            kb_free(&set);
        }
        rc = kd_native_in_transaction(DB, run, &in);
        if (rc < 0)
            abort(); /* storage is in memory and healthy: only Kafka errors are expected */
        if (rc == 0 && in.op == 1 && (int64_t)rd_le(kd_out_ptr() + 20, 8) != stored_bytes(conn))
            abort();
        kb_free(&in.sets);
        int64_t s, h;
        offsets(&s, &h);
        if (s < start || h < hw || s > h)
            abort();
        start = s;
        hw = h;
        if (kd_log_fetch(DB, start, 1, 1) != 0)
            abort();
        if (start > 0 && kd_log_fetch(DB, start - 1, 1, 1) != KD_OFFSET_OUT_OF_RANGE)
            abort();
    }
    kd_native_detach(DB);
    sqlite3_close(conn);
    kd_release_scratch();
    return 0;
}
