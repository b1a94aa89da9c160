/*
 * libFuzzer target: a partition log's life. kd_log_configure on arbitrary config text,
 * then an arbitrary program of appends, retention steps, DeleteRecords, compaction
 * steps (the record rewriter) and key lookups over an in-memory SQLite, each call in a
 * transaction as the Worker's shim makes it.
 *
 * Input: the config text up to the first NUL byte (all of it when there is none),
 * then 10-byte instructions: u8 op, u8 arg, i64 value (little-endian):
 *   op % 5 == 0  append (arg % 4) + 1 batches of (arg / 4 % 8) + 1 records stamped `value`,
 *                with keys from 3 (some keyless when arg's top bit is set) and some
 *                null values (tombstones), appended at time `value`
 *   op % 5 == 1  a retention step at now = value, deleting at most (arg % 16) + 1 rows
 *   op % 5 == 2  DeleteRecords to offset `value`
 *   op % 5 == 3  a compaction step at now = value, reading at most (arg % 16) + 1 rows
 *   op % 5 == 4  the latest record of key k<arg % 4>
 * After every instruction:
 *   - the log start never goes down, the high watermark never goes down (nothing
 *     appended is ever renumbered) and start <= high watermark;
 *   - the log reads from its start, and below it is OFFSET_OUT_OF_RANGE;
 *   - a retention step's reported size is the bytes of the rows it left;
 *   - compaction never moves the log start or the high watermark;
 *   - a key's latest record, when there is one, is that key's and at or after the start.
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
    case 0: return kd_log_append(DB, in->sets.p, (uint32_t)in->sets.len, in->value, 1 << 20);
    case 1: return kd_log_retention(DB, in->value, (uint32_t)(in->arg % 16) + 1);
    case 2: return kd_log_delete_records(DB, in->value);
    case 3: return kd_log_compact(DB, in->value, (uint32_t)(in->arg % 16) + 1);
    default: {
        char key[4] = {'k', (char)('0' + in->arg % 4), 0, 0};
        return kd_log_key_lookup(DB, (const uint8_t *)key, 2);
    }
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
    if (sqlite3_prepare_v2(conn, "SELECT coalesce(sum(size_bytes), 0) FROM log_batches", -1, &s, NULL) == SQLITE_OK &&
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
        instruction in = {data[at] % 5, data[at + 1], (int64_t)rd_le(data + at + 2, 8), {0}};
        if (in.op == 0) {
            int batches = in.arg % 4 + 1;
            uint32_t records = (uint32_t)(in.arg / 4 % 8) + 1;
            kb_le(&in.sets, 1, 4);
            kbuf set = {0};
            for (int i = 0; i < batches; i++) {
                kbuf list = {0};
                kb_params(&list, kparams_default(), records);
                for (uint32_t r = 0; r < records; r++) {
                    uint32_t mix = (uint32_t)(in.value >> (r % 32)) ^ (r * 7u) ^ (uint32_t)i;
                    char key[4] = {'k', (char)('0' + mix % 4), 0, 0};
                    bool keyless = (in.arg & 0x80) && mix % 5 == 0;
                    bool tombstone = mix % 3 == 0;
                    kb_record(&list, (int64_t)((uint64_t)in.value + r), keyless ? NULL : key, keyless ? -1 : 2,
                              tombstone ? NULL : "v", tombstone ? -1 : 1, 0, NULL, NULL);
                }
                if (kd_batch_encode(list.p, (uint32_t)list.len) == 0)
                    kb_put(&set, kd_out_ptr(), kd_out_len());
                kb_free(&list);
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
        if (rc == 0 && in.op == 4 && rd_le(kd_out_ptr() + 16, 4) == 1) {
            const uint8_t *r = kd_out_ptr() + 20;
            if ((int64_t)rd_le(r, 8) < (int64_t)rd_le(kd_out_ptr(), 8) || (int32_t)rd_le(r + 16, 4) != 2 ||
                r[20] != 'k' || r[21] != (uint8_t)('0' + in.arg % 4))
                abort();
        }
        kb_free(&in.sets);
        int64_t s, h;
        offsets(&s, &h);
        if (s < start || h < hw || s > h)
            abort();
        if (in.op == 3 && (s != start || h != hw))
            abort();
        start = s;
        hw = h;
        if (kd_log_fetch(DB, start, 1, 1) != 0 || kd_log_read(DB, start, 1000, 1 << 20) != 0)
            abort();
        if (start > 0 && kd_log_fetch(DB, start - 1, 1, 1) != KD_OFFSET_OUT_OF_RANGE)
            abort();
    }
    kd_native_detach(DB);
    sqlite3_close(conn);
    kd_release_scratch();
    return 0;
}
