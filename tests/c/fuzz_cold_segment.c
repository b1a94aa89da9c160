/*
 * libFuzzer target: the cold segment reader — kd_log_fetch_cold and kd_log_read_cold
 * given arbitrary bytes as an object's (at an arbitrary position, for an arbitrary
 * offset and size), and kd_tier_locate / the reads over an arbitrary segment index
 * stored in SQLite. The log (cold_fixture.h) has two cold segments and a hot part.
 *
 * Input: u8 flags (1: min_one, 2: a read rather than a fetch, 4: replace the first
 * segment's index), i64 offset, i32 max_bytes, i32 position, u16 index length, then
 * that many index bytes (when flag 4), then the object's bytes.
 *
 * Whatever the input: no crash, no leak; an answer that is not an error is well formed
 * (the offsets, then whole batches that pass their CRC, from the batch holding the
 * offset on); the index is restored after each input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"
#include "cold_fixture.h"
#include "record_batch.h"

static cold_fixture fixture;
static bool ready;

/* Checks a fetch's answer: 16 bytes of offsets, then batches back to back. */
static void check_fetch(int64_t offset)
{
    const uint8_t *o = kd_out_ptr();
    size_t len = kd_out_len();
    if (len < 16)
        abort();
    bool first = true;
    for (size_t pos = 16; pos < len;) {
        kd_batch b;
        if (kd_batch_read(o + pos, len - pos, &b) != 0)
            abort();
        if (first && b.base_offset + b.last_offset_delta < offset)
            abort();
        first = false;
        pos += b.size;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        if (cold_fixture_open(&fixture) != 0)
            abort();
        ready = true;
    }
    if (size < 19)
        return 0;
    uint8_t flags = data[0];
    int64_t offset = (int64_t)(rd_le(data + 1, 8) % 52) - 2; /* -2 .. 49: the log is 0..48 */
    int32_t max_bytes = (int32_t)rd_le(data + 9, 4);
    int32_t position = (int32_t)rd_le(data + 13, 4);
    size_t index_len = rd_le(data + 17, 2);
    size_t at = 19;
    bool replace = flags & 4;
    if (replace && index_len > size - at)
        return 0;
    sqlite3_exec(fixture.conn, "SAVEPOINT fuzz", NULL, NULL, NULL);
    if (replace) {
        sqlite3_stmt *s;
        sqlite3_prepare_v2(fixture.conn, "UPDATE log_segments SET batch_index = ?1 WHERE base_offset = 0", -1, &s,
                           NULL);
        sqlite3_bind_blob(s, 1, data + at, (int)index_len, SQLITE_TRANSIENT);
        sqlite3_step(s);
        sqlite3_finalize(s);
        at += index_len;
    }
    const uint8_t *object = data + at;
    uint32_t object_len = (uint32_t)(size - at);
    if (kd_tier_locate(COLD_DB, offset, max_bytes, flags & 1) == 0 && kd_out_len() < 4)
        abort();
    if (flags & 2) {
        int32_t rc = kd_log_read_cold(COLD_DB, offset, 1000, max_bytes, object, object_len, position);
        if (rc == 0 && kd_out_len() < 20)
            abort();
    } else if (kd_log_fetch_cold(COLD_DB, offset, max_bytes, flags & 1, object, object_len, position) == 0) {
        check_fetch(offset);
    }
    sqlite3_exec(fixture.conn, "ROLLBACK TO fuzz", NULL, NULL, NULL);
    sqlite3_exec(fixture.conn, "RELEASE fuzz", NULL, NULL, NULL);
    return 0;
}
