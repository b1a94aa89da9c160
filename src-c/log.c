/*
 * log.c — a partition's log, stored through the storage door.
 *
 * The log is Kafka's: a sequence of RecordBatches with consecutive offsets. It is
 * stored as one row per batch, keyed by base offset (the table's rowid, so seeks
 * by offset are a B-tree lookup and need no second index), holding the batch's
 * bytes exactly as a Kafka Fetch returns them. Rows are the unit Durable Object
 * SQLite bills and limits, so one row per batch of a thousand records keeps
 * writes cheap and throughput bound by bytes, not rows.
 *
 * Invariants:
 *   - Batches are contiguous: a row's base_offset is the previous row's
 *     last_offset + 1, and the first row's is >= log_start_offset.
 *   - The high watermark (next offset) is the last row's last_offset + 1, or
 *     log_state.next_offset when the log holds no rows (a new log, or one that
 *     retention emptied). log_state is written only when that can happen, so an
 *     append writes exactly one row per batch and nothing else.
 *   - A stored batch passed kd_batch_read and carries its assigned base offset.
 *     The base offset lies outside the CRC's span, so assigning it never touches
 *     the payload, compressed or not.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record_batch.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS log_batches ("
    " base_offset INTEGER PRIMARY KEY,"
    " last_offset INTEGER NOT NULL,"
    " first_timestamp INTEGER NOT NULL,"
    " max_timestamp INTEGER NOT NULL,"
    " record_count INTEGER NOT NULL,"
    " size_bytes INTEGER NOT NULL,"
    " producer_id INTEGER NOT NULL,"
    " producer_epoch INTEGER NOT NULL,"
    " base_sequence INTEGER NOT NULL,"
    " appended_at INTEGER NOT NULL,"
    " data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS log_state ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " log_start_offset INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL,"
    " retired INTEGER NOT NULL DEFAULT 0)",
    "INSERT OR IGNORE INTO log_state (id, log_start_offset, next_offset) VALUES (0, 0, 0)",
};

typedef struct {
    int64_t log_start_offset;
    int64_t high_watermark;
} log_offsets;

int32_t kd_log_open(uint32_t db)
{
    kd_scratch_reset();
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

/* Reads the log's offsets; a retired log (its topic deleted) is an unknown partition. */
static int32_t read_offsets(uint32_t db, log_offsets *o)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT log_start_offset, next_offset, retired FROM log_state WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the log's state");
    int64_t retired = 0;
    if (rc == 1) {
        o->log_start_offset = kd_host_column_int64(stmt, 0);
        o->high_watermark = kd_host_column_int64(stmt, 1);
        retired = kd_host_column_int64(stmt, 2);
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return kd_fail(KD_ERR_STORAGE, "the log's state row is missing: was kd_log_open called?");
    if (retired)
        return kd_fail(KD_UNKNOWN_TOPIC_OR_PARTITION, "this partition's topic was deleted");
    int found;
    int64_t last;
    rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT last_offset FROM log_batches ORDER BY base_offset DESC LIMIT 1"),
                        &last, &found);
    if (rc)
        return rc;
    if (found && last + 1 > o->high_watermark)
        o->high_watermark = last + 1;
    return 0;
}

int32_t kd_log_offsets(uint32_t db)
{
    kd_scratch_reset();
    log_offsets o;
    int32_t rc = read_offsets(db, &o);
    if (rc)
        return rc;
    if (!kd_out_i64(o.log_start_offset) || !kd_out_i64(o.high_watermark))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    return 0;
}

/*
 * Retires the log when its topic is deleted: its batches are dropped and every
 * later call answers UNKNOWN_TOPIC_OR_PARTITION, so a producer holding stale
 * metadata can never have a record acknowledged into a log nobody can read.
 */
int32_t kd_log_retire(uint32_t db)
{
    kd_scratch_reset();
    int32_t rc = kd_sql_run(db, "DELETE FROM log_batches");
    return rc ? rc : kd_sql_run(db, "UPDATE log_state SET retired = 1 WHERE id = 0");
}

/* ---- append ---- */

/* Validates a produce set whole; fills *records with its record count. As Kafka's
 * broker does, a batch whose header max timestamp is not its records' own gets the
 * right one (and a new CRC): later timestamp lookups trust the header. */
static int32_t validate_set(uint8_t *set, size_t len, int32_t max_batch_bytes, int64_t *records)
{
    if (len == 0)
        return kd_fail(KD_CORRUPT_MESSAGE, "a produce set holds no batches");
    int64_t limit = max_batch_bytes < KD_MAX_STORED_BATCH_BYTES ? max_batch_bytes : KD_MAX_STORED_BATCH_BYTES;
    *records = 0;
    for (size_t pos = 0; pos < len;) {
        kd_batch b;
        int32_t rc = kd_batch_read(set + pos, len - pos, &b);
        if (rc)
            return rc;
        if ((int64_t)b.size > limit)
            return kd_fail(KD_MESSAGE_TOO_LARGE, "batch of %zu bytes exceeds the limit of %lld bytes%s",
                           b.size, (long long)limit,
                           limit == KD_MAX_STORED_BATCH_BYTES ? " (a Durable Object SQLite row holds 2 MB)" : "");
        if (b.attributes & KD_ATTR_CONTROL)
            return kd_fail(KD_CORRUPT_MESSAGE, "producers may not send control batches");
        if (b.attributes & KD_ATTR_TIMESTAMP_LOG_APPEND)
            return kd_fail(KD_INVALID_TIMESTAMP, "producers may not set the timestamp type to LogAppendTime");
        if (b.records_max_timestamp != b.max_timestamp)
            kd_batch_set_max_timestamp(set + pos, b.size, b.records_max_timestamp);
        *records += b.record_count;
        pos += b.size;
    }
    return 0;
}

static int32_t insert_batch(int32_t stmt, const kd_batch *b, int64_t now_ms)
{
    int32_t rc = 0;
    int64_t last = b->base_offset + b->last_offset_delta;
    const int64_t ints[] = {b->base_offset,  last,          b->first_timestamp, b->max_timestamp,
                            b->record_count, (int64_t)b->size, b->producer_id, b->producer_epoch,
                            b->base_sequence, now_ms};
    for (uint32_t i = 0; i < sizeof ints / sizeof ints[0] && !rc; i++)
        rc = kd_sql_bind_i64(stmt, i + 1, ints[i]);
    if (!rc)
        rc = kd_sql_bind_blob(stmt, 11, b->data, (uint32_t)b->size);
    if (!rc)
        rc = kd_sql_step(stmt, "storing a batch");
    return rc < 0 ? rc : 0;
}

static const char INSERT_BATCH[] =
    "INSERT INTO log_batches (base_offset, last_offset, first_timestamp, max_timestamp, record_count,"
    " size_bytes, producer_id, producer_epoch, base_sequence, appended_at, data)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* Assigns offsets to a validated set and stores its batches, one row each. */
static int32_t store_set(uint32_t db, uint8_t *set, size_t len, int64_t now_ms, int64_t *next_offset)
{
    for (size_t pos = 0; pos < len;) {
        kd_batch b;
        kd_batch_set_base_offset(set + pos, *next_offset);
        kd_batch_header(set + pos, &b); /* validate_set accepted these bytes */
        int32_t stmt = kd_sql_prepare(db, INSERT_BATCH);
        if (stmt < 0)
            return stmt;
        int32_t rc = insert_batch(stmt, &b, now_ms);
        kd_host_finalize(stmt);
        if (rc)
            return rc;
        *next_offset += b.record_count;
        pos += b.size;
    }
    return 0;
}

/* Checks the framing of the produce sets (counts and lengths, nothing inside the
 * batches) so that a malformed call is refused before anything is written. */
static int32_t check_framing(const uint8_t *in, uint32_t in_len, uint32_t *set_count)
{
    kd_le_reader r = {in, in_len, 0};
    if (!kd_le_u32(&r, set_count) || *set_count > in_len / 4)
        return kd_fail(KD_ERR_INVALID_ARG, "produce sets are malformed");
    for (uint32_t i = 0; i < *set_count; i++) {
        uint32_t set_len;
        const uint8_t *set;
        if (!kd_le_u32(&r, &set_len) || !kd_le_bytes(&r, set_len, &set))
            return kd_fail(KD_ERR_INVALID_ARG, "produce set %u runs past the input", (unsigned)i);
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "%zu bytes follow the last produce set", r.len - r.pos);
    return 0;
}

int32_t kd_log_append(uint32_t db, uint8_t *in, uint32_t in_len, int64_t now_ms, int32_t max_batch_bytes)
{
    kd_scratch_reset();
    uint32_t set_count;
    int32_t rc = check_framing(in, in_len, &set_count);
    if (rc)
        return rc;
    log_offsets o;
    if ((rc = read_offsets(db, &o)) != 0)
        return rc;
    int64_t next_offset = o.high_watermark;

    kd_le_reader r = {in, in_len, 4};
    for (uint32_t i = 0; i < set_count; i++) {
        uint32_t set_len;
        const uint8_t *set; /* inside the caller's input, which this call may rewrite */
        kd_le_u32(&r, &set_len);
        kd_le_bytes(&r, set_len, &set);

        int64_t records = 0;
        int32_t err = validate_set((uint8_t *)set, set_len, max_batch_bytes, &records);
        if (!err && records > KD_MAX_OFFSET - next_offset)
            err = kd_fail(KD_RECORD_LIST_TOO_LARGE, "the log would pass offset 2^53");
        int64_t base = next_offset;
        if (!err) {
            rc = store_set(db, (uint8_t *)set, set_len, now_ms, &next_offset);
            if (rc)
                return rc;
        }
        bool ok = kd_out_i32(err) && kd_out_i32(err ? 0 : (int32_t)records) &&
                  kd_out_i64(err ? -1 : base) && kd_out_i64(err ? -1 : next_offset - 1);
        if (!ok)
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* ---- fetch ---- */

/*
 * Walks the stored batches from `offset` within max_bytes (at least one), calling
 * emit for each. The first batch is the one containing `offset`: the last row
 * whose base offset is <= offset, found through the rowid B-tree.
 */
typedef int32_t (*batch_sink)(const uint8_t *data, size_t len, void *arg);

/* What a sink returns to end the walk early without an error. */
#define WALK_STOP INT32_MIN

static const char FETCH_FROM[] =
    "SELECT size_bytes, data FROM log_batches WHERE base_offset >="
    " coalesce((SELECT max(base_offset) FROM log_batches WHERE base_offset <= ?1), ?1)"
    " ORDER BY base_offset";

static int32_t walk_batches(uint32_t db, int64_t offset, int32_t max_bytes, log_offsets *o, batch_sink emit,
                            void *arg)
{
    if (max_bytes < 0)
        return kd_fail(KD_INVALID_FETCH_SIZE, "max bytes %d is negative", (int)max_bytes);
    int32_t rc = read_offsets(db, o);
    if (rc)
        return rc;
    if (offset < o->log_start_offset || offset > o->high_watermark)
        return kd_fail(KD_OFFSET_OUT_OF_RANGE, "offset %lld is outside the log [%lld, %lld]", (long long)offset,
                       (long long)o->log_start_offset, (long long)o->high_watermark);
    if (offset == o->high_watermark)
        return 0;

    int32_t stmt = kd_sql_prepare(db, FETCH_FROM);
    if (stmt < 0)
        return stmt;
    rc = kd_sql_bind_i64(stmt, 1, offset);
    int64_t total = 0;
    uint8_t *row = NULL;
    size_t row_cap = 0;
    while (!rc && (rc = kd_sql_step(stmt, "reading batches")) == 1) {
        int64_t size = kd_host_column_int64(stmt, 0);
        if (total > 0 && total + size > max_bytes) {
            rc = 0;
            break;
        }
        int32_t n = kd_host_column_bytes(stmt, 1);
        if (n < 0 || n != size) {
            rc = kd_fail(KD_ERR_STORAGE, "stored batch size %d disagrees with its row (%lld)", (int)n,
                         (long long)size);
            break;
        }
        if ((size_t)n > row_cap) {
            uint8_t *grown = realloc(row, (size_t)n);
            if (!grown) {
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
                break;
            }
            row = grown;
            row_cap = (size_t)n;
        }
        if (kd_host_column_copy(stmt, 1, row, (uint32_t)n) != n) {
            rc = kd_fail(KD_ERR_STORAGE, "storage copied less of a batch than it holds");
            break;
        }
        total += size;
        rc = emit(row, (size_t)n, arg);
        if (rc == 0 && total >= max_bytes)
            break;
    }
    kd_host_finalize(stmt);
    free(row);
    /* rc is 0 (done, or stopped at the byte limit), 1 never (a row is always
     * handled), WALK_STOP, or an error from storage or the sink. */
    return rc == WALK_STOP ? 0 : rc;
}

static int32_t emit_bytes(const uint8_t *data, size_t len, void *arg)
{
    (void)arg;
    return kd_out_append(data, len) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_log_fetch(uint32_t db, int64_t offset, int32_t max_bytes)
{
    kd_scratch_reset();
    log_offsets o = {0, 0};
    if (!kd_out_i64(0) || !kd_out_i64(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = walk_batches(db, offset, max_bytes, &o, emit_bytes, NULL);
    if (rc)
        return rc;
    kd_out_patch_i64(0, o.log_start_offset);
    kd_out_patch_i64(8, o.high_watermark);
    return 0;
}

typedef struct {
    int64_t min_offset;
    uint32_t max_records;
    uint32_t count;
} read_state;

static int32_t emit_records(const uint8_t *data, size_t len, void *arg)
{
    read_state *s = arg;
    uint32_t before = s->count;
    int32_t rc = kd_batch_records_out(data, len, s->min_offset, s->max_records, &s->count);
    /* A compressed batch after some records ends the read there: the caller gets
     * what precedes it, and the error only when it is the first thing to read. */
    if (rc == KD_UNSUPPORTED_COMPRESSION_TYPE && before > 0 && s->count == before)
        return WALK_STOP;
    if (rc)
        return rc;
    return s->count >= s->max_records ? WALK_STOP : 0;
}

int32_t kd_log_read(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes)
{
    kd_scratch_reset();
    log_offsets o = {0, 0};
    read_state s = {offset, max_records, 0};
    if (!kd_out_i64(0) || !kd_out_i64(0) || !kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = walk_batches(db, offset, max_bytes, &o, emit_records, &s);
    if (rc)
        return rc;
    kd_out_patch_i64(0, o.log_start_offset);
    kd_out_patch_i64(8, o.high_watermark);
    kd_out_patch_u32(16, s.count);
    return 0;
}
