/*
 * txn_log.c — a partition's side of Kafka transactions (Kafka 3.x, before KIP-890).
 *
 * A transactional producer writes batches marked TRANSACTIONAL; its coordinator later
 * ends the transaction on every partition it touched with a control batch, a COMMIT or
 * ABORT marker (kd_log_write_txn_marker). Between the two, the partition must know:
 *
 *   - which producers have a transaction open here, and its first offset: the last
 *     stable offset (LSO) is the smallest of those, else the high watermark, and a
 *     read_committed consumer reads only below it (Kafka's ProducerStateManager);
 *   - which ranges were aborted (producer id, first offset, the marker's offset): a
 *     Fetch answers those overlapping what it returns, so a client drops their
 *     batches itself (Kafka's transaction index); the core's own decoded reads skip
 *     them here.
 *
 * Tables (created by kd_log_open, every row written in the transaction of the append
 * or marker that changes it, so a crash leaves them agreeing with the batches):
 *   log_txns (producer_id, first_offset NULL when none is open, coordinator_epoch of
 *     the last marker): one row per producer that ever wrote a transactional batch.
 *   log_aborted_txns (last_offset = the ABORT marker's offset, producer_id,
 *     first_offset): pruned below the log start when a marker is written.
 *
 * The producer's epoch lives with its sequence numbers in log.c's log_producers; a
 * marker with a newer epoch (the coordinator fencing a producer) becomes its epoch
 * there, with no batches remembered, so its next batch starts at sequence 0.
 *
 * Control batches are never a user's record: the decoded reads skip them
 * (kd_batch_records_out), compaction keeps them (compaction.c) and never indexes
 * their key (kd_log_store_control). On a compacted log a transaction's keys count as
 * their keys' latest values only once committed, and compaction removes aborted
 * records (kd_compaction_txn_end, compaction.c).
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"
#include "internal.h"
#include "record_batch.h"
#include "rest_json.h"
#include "sql.h"
#include "txn_log.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS log_txns ("
    " producer_id INTEGER PRIMARY KEY,"
    " first_offset INTEGER,"
    " coordinator_epoch INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_txns_open ON log_txns (first_offset)",
    "CREATE TABLE IF NOT EXISTS log_aborted_txns ("
    " last_offset INTEGER PRIMARY KEY,"
    " producer_id INTEGER NOT NULL,"
    " first_offset INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_aborted_by_producer ON log_aborted_txns (producer_id, last_offset)",
};

int32_t kd_txn_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

int32_t kd_txn_retire(uint32_t db)
{
    int32_t rc = kd_sql_run(db, "DELETE FROM log_txns");
    return rc ? rc : kd_sql_run(db, "DELETE FROM log_aborted_txns");
}

/* ---- appends (log.c calls these while it judges and stores a set) ---- */

int32_t kd_txn_load(uint32_t db, int64_t producer_id, kd_txn_entry *t)
{
    int found = 0;
    t->first_offset = -1;
    t->opened = false;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                    "SELECT first_offset FROM log_txns"
                                                    " WHERE producer_id = ?1 AND first_offset IS NOT NULL",
                                                    "i", producer_id),
                                &t->first_offset, &found);
    if (!found)
        t->first_offset = -1;
    return rc;
}

int32_t kd_txn_judge(kd_txn_entry *t, const kd_batch *b, int64_t base)
{
    bool transactional = (b->attributes & KD_ATTR_TRANSACTIONAL) != 0;
    if (t->first_offset >= 0 && !transactional)
        return kd_fail(KD_INVALID_TXN_STATE,
                       "producer %lld has a transaction open at offset %lld: its batches must be transactional",
                       (long long)b->producer_id, (long long)t->first_offset);
    if (transactional && t->first_offset < 0) {
        t->first_offset = base;
        t->opened = true;
    }
    return 0;
}

int32_t kd_txn_store(uint32_t db, int64_t producer_id, const kd_txn_entry *t)
{
    if (!t->opened)
        return 0;
    return kd_sql_exec(
        kd_sql_prepare_args(db,
                            "INSERT INTO log_txns (producer_id, first_offset, coordinator_epoch)"
                            " VALUES (?1, ?2, -1)"
                            " ON CONFLICT (producer_id) DO UPDATE SET first_offset = excluded.first_offset",
                            "ii", producer_id, t->first_offset));
}

/* ---- the last stable offset ---- */

/* The first offset of the earliest open transaction, else the high watermark; never
 * below the log start (retention or DeleteRecords may pass an open transaction). */
int32_t kd_txn_last_stable(uint32_t db, int64_t log_start, int64_t high_watermark, int64_t *lso)
{
    int found = 0;
    int64_t first = 0;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT first_offset FROM log_txns WHERE first_offset IS NOT NULL"
                                                   " ORDER BY first_offset LIMIT 1"),
                                &first, &found);
    if (rc)
        return rc;
    *lso = !found ? high_watermark : first < log_start ? log_start : first;
    return 0;
}

/* The log's bounds and its LSO; UNKNOWN_TOPIC_OR_PARTITION for a retired log. */
static int32_t bounds(uint32_t db, int64_t *log_start, int64_t *high_watermark, int64_t *lso)
{
    int32_t rc = kd_log_state(db, log_start, high_watermark);
    return rc ? rc : kd_txn_last_stable(db, *log_start, *high_watermark, lso);
}

/* ---- markers ---- */

/* A control batch: the 61-byte header, then one record of 17 bytes (length 16,
 * attributes, timestamp and offset deltas 0, a 4-byte key, a 6-byte value, no headers). */
#define MARKER_RECORD_BYTES 17
#define MARKER_BATCH_BYTES (KD_BATCH_HEADER_SIZE + MARKER_RECORD_BYTES)

static void marker_batch(uint8_t *out, int64_t producer_id, int16_t producer_epoch, bool commit,
                         int32_t coordinator_epoch, int64_t now_ms)
{
    memset(out, 0, MARKER_BATCH_BYTES);
    kd_put_be32(out + 8, MARKER_BATCH_BYTES - 12); /* batchLength */
    out[16] = 2;                                   /* magic */
    kd_put_be16(out + 21, KD_ATTR_CONTROL | KD_ATTR_TRANSACTIONAL);
    kd_put_be32(out + 23, 0); /* lastOffsetDelta */
    kd_put_be64(out + 27, (uint64_t)now_ms);
    kd_put_be64(out + 35, (uint64_t)now_ms);
    kd_put_be64(out + 43, (uint64_t)producer_id);
    kd_put_be16(out + 51, (uint16_t)producer_epoch);
    kd_put_be32(out + 53, UINT32_MAX); /* baseSequence -1 */
    kd_put_be32(out + 57, 1);          /* recordCount */
    uint8_t *r = out + KD_BATCH_HEADER_SIZE;
    static const uint8_t framing[] = {16 << 1, 0, 0, 0, 4 << 1}; /* zigzag varints: length, attrs, deltas, key len */
    memcpy(r, framing, sizeof framing);
    kd_put_be16(r + 5, 0);              /* key: version */
    kd_put_be16(r + 7, commit ? 1 : 0); /* key: type */
    r[9] = 6 << 1;                      /* value length */
    kd_put_be16(r + 10, 0);             /* value: version */
    kd_put_be32(r + 12, (uint32_t)coordinator_epoch);
    r[16] = 0; /* header count */
    kd_put_be32(out + 17, kd_crc32c_update(0, out + 21, MARKER_BATCH_BYTES - 21));
}

/* What the partition knows of a producer for a marker. */
typedef struct {
    bool known;                /* log_producers has it */
    int64_t epoch;             /* its epoch there */
    bool has_txn_row;          /* log_txns has it */
    int64_t first_offset;      /* of its open transaction; -1: none */
    int64_t coordinator_epoch; /* of its last marker; -1: none */
} marker_subject;

static int32_t load_subject(uint32_t db, int64_t producer_id, marker_subject *m)
{
    int found = 0;
    int32_t rc = kd_sql_one_i64(
        kd_sql_prepare_args(db, "SELECT producer_epoch FROM log_producers WHERE producer_id = ?1", "i", producer_id),
        &m->epoch, &found);
    m->known = found;
    if (rc)
        return rc;
    int32_t stmt = kd_sql_prepare_args(
        db, "SELECT first_offset IS NULL, first_offset, coordinator_epoch FROM log_txns WHERE producer_id = ?1", "i",
        producer_id);
    if (stmt < 0)
        return stmt;
    rc = kd_sql_step(stmt, "reading a producer's transaction");
    m->has_txn_row = rc == 1;
    m->first_offset = rc == 1 && !kd_host_column_int64(stmt, 0) ? kd_host_column_int64(stmt, 1) : -1;
    m->coordinator_epoch = rc == 1 ? kd_host_column_int64(stmt, 2) : -1;
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

/* Writes the marker and the state it ends; *marker_offset is where it went. */
static int32_t end_transaction(uint32_t db, int64_t producer_id, int16_t epoch, bool commit, int32_t coordinator_epoch,
                               int64_t now_ms, const marker_subject *m, int64_t log_start, int64_t high_watermark,
                               int64_t *marker_offset)
{
    uint8_t batch[MARKER_BATCH_BYTES];
    marker_batch(batch, producer_id, epoch, commit, coordinator_epoch, now_ms);
    *marker_offset = high_watermark;
    int64_t next = high_watermark;
    int32_t rc = kd_log_store_control(db, batch, sizeof batch, now_ms, &next);
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(
            db, "UPDATE log_txns SET first_offset = NULL, coordinator_epoch = ?2 WHERE producer_id = ?1", "ii",
            producer_id, (int64_t)coordinator_epoch));
    /* A compacted log's key table takes the transaction's keys only on commit. */
    if (!rc)
        rc = kd_compaction_txn_end(db, producer_id, commit);
    if (!rc && !commit)
        rc = kd_sql_exec(kd_sql_prepare_args(db,
                                             "INSERT INTO log_aborted_txns (last_offset, producer_id, first_offset)"
                                             " VALUES (?1, ?2, ?3)",
                                             "iii", *marker_offset, producer_id, m->first_offset));
    /* A newer epoch (the coordinator fenced the producer) becomes the producer's, its
     * sequences forgotten, as Kafka's ProducerStateEntry.maybeUpdateProducerEpoch. */
    if (!rc && m->known && epoch > m->epoch)
        rc = kd_sql_exec(kd_sql_prepare_args(db,
                                             "UPDATE log_producers SET producer_epoch = ?2, batches = x'',"
                                             " updated_at = ?3 WHERE producer_id = ?1",
                                             "iii", producer_id, (int64_t)epoch, now_ms));
    /* Aborted ranges wholly below the log start can no longer overlap a read. */
    if (!rc)
        rc =
            kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM log_aborted_txns WHERE last_offset < ?1", "i", log_start));
    return rc;
}

int32_t kd_log_write_txn_marker(uint32_t db, int64_t producer_id, int32_t producer_epoch, int32_t commit,
                                int32_t coordinator_epoch, int64_t now_ms)
{
    kd_scratch_reset();
    if (producer_id < 0 || producer_epoch < 0 || producer_epoch > INT16_MAX || (commit != 0 && commit != 1))
        return kd_fail(KD_INVALID_REQUEST, "a marker needs a producer id, an epoch from 0 to 32767 and commit 0 or 1");
    int64_t log_start = 0, high_watermark = 0, lso = 0; /* set before use; gcc -O2 cannot tell */
    int32_t rc = bounds(db, &log_start, &high_watermark, &lso);
    if (rc)
        return rc;
    marker_subject m;
    if ((rc = load_subject(db, producer_id, &m)) != 0)
        return rc;
    if (m.known && producer_epoch < m.epoch)
        return kd_fail(KD_INVALID_PRODUCER_EPOCH, "producer %lld's epoch %d is older than its current epoch %lld",
                       (long long)producer_id, (int)producer_epoch, (long long)m.epoch);
    if (m.has_txn_row && coordinator_epoch < m.coordinator_epoch)
        return kd_fail(KD_TRANSACTION_COORDINATOR_FENCED,
                       "coordinator epoch %d is older than the last marker's %lld for producer %lld",
                       (int)coordinator_epoch, (long long)m.coordinator_epoch, (long long)producer_id);
    int64_t marker_offset = -1;
    if (m.first_offset >= 0) { /* else nothing is open: a retry, answered as done */
        if (high_watermark >= KD_MAX_OFFSET)
            return kd_fail(KD_RECORD_LIST_TOO_LARGE, "the log would pass offset 2^53");
        rc = end_transaction(db, producer_id, (int16_t)producer_epoch, commit != 0, coordinator_epoch, now_ms, &m,
                             log_start, high_watermark, &marker_offset);
        if (!rc)
            rc = kd_txn_last_stable(db, log_start, high_watermark + 1, &lso);
        if (rc)
            return rc;
    }
    return kd_out_i64(marker_offset) && kd_out_i64(lso) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- reads with an isolation level ---- */

/* Whether the transactional batch at base_offset of a producer was aborted: the
 * producer's first aborted range ending after it begins at or before it. */
int32_t kd_txn_batch_aborted(uint32_t db, int64_t producer_id, int64_t base_offset, bool *aborted)
{
    int found = 0;
    int64_t first = 0;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                    "SELECT first_offset FROM log_aborted_txns WHERE producer_id = ?1"
                                                    " AND last_offset > ?2 ORDER BY last_offset LIMIT 1",
                                                    "ii", producer_id, base_offset),
                                &first, &found);
    *aborted = found && first <= base_offset;
    return rc;
}

typedef struct {
    uint32_t db;
    bool committed;
    int64_t end; /* batches reaching it are not read: the LSO, or no limit */
    bool decode; /* records (kd_log_read) rather than batch bytes (kd_log_fetch) */
    int64_t min_offset;
    uint32_t max_records, count;
    int64_t skipped_to;     /* decode: past the batches walked while no record was given */
    int64_t upper;          /* fetch: past the last batch given */
    kd_rest_messages *rest; /* decode as REST messages (rest_json.c) rather than a kd record list */
} isolated_read;

static int32_t isolated_sink(const uint8_t *data, size_t len, void *arg)
{
    isolated_read *s = arg;
    if (len < KD_BATCH_HEADER_SIZE)
        return kd_fail(KD_ERR_STORAGE, "a stored batch is shorter than its header");
    kd_batch b;
    kd_batch_header(data, &b);
    if (b.base_offset < 0 || b.base_offset > KD_MAX_OFFSET || b.last_offset_delta < 0)
        return kd_fail(KD_ERR_STORAGE, "a stored batch's offsets are damaged");
    /* A batch is read only whole below the end (the LSO sits inside one only when the
     * log start passed an open transaction's first offset), as Kafka's segment read. */
    int64_t after = b.base_offset + b.last_offset_delta + 1;
    if (after > s->end)
        return KD_WALK_STOP;
    if (!s->decode) {
        s->upper = after;
        return kd_out_append(data, len) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    /* The stored bytes are bounded by the walk; decoded ones are bounded here. */
    if (s->count > 0 && (s->rest ? s->rest->list_bytes : kd_out_size()) >= KD_MAX_READ_BYTES)
        return KD_WALK_STOP;
    bool skip = (b.attributes & KD_ATTR_CONTROL) != 0;
    int32_t rc = 0;
    if (!skip && s->committed && (b.attributes & KD_ATTR_TRANSACTIONAL))
        rc = kd_txn_batch_aborted(s->db, b.producer_id, b.base_offset, &skip);
    /* Stored batches are trusted: the append validated them, and the cold tier's walk
     * checks its bytes before they get here, so the CRC is not computed again. */
    if (!rc && !skip && s->rest)
        rc = kd_batch_records_each(data, len, true, s->min_offset, s->max_records, &s->count, kd_rest_message_out,
                                   s->rest);
    else if (!rc && !skip)
        rc = kd_batch_stored_records_out(data, len, s->min_offset, s->max_records, &s->count);
    if (rc)
        return rc;
    if (s->count == 0 && after > s->skipped_to)
        s->skipped_to = after;
    return s->count >= s->max_records ? KD_WALK_STOP : 0;
}

/* Cold bytes for a read, or none (hot). */
typedef struct {
    const uint8_t *bytes;
    uint32_t len;
    int64_t position;
} cold_source;

static int32_t walk(uint32_t db, int64_t offset, int32_t max_bytes, bool min_one, const cold_source *cold,
                    isolated_read *s)
{
    int64_t log_start, high_watermark;
    if (!cold)
        return kd_log_walk(db, offset, max_bytes, min_one, &log_start, &high_watermark, isolated_sink, s);
    int32_t rc = kd_log_check_read(db, offset, &max_bytes, &log_start, &high_watermark);
    return rc ? rc
              : kd_tier_walk(db, offset, max_bytes, min_one, cold->bytes, cold->len, cold->position, isolated_sink, s);
}

static int32_t start_read(uint32_t db, int64_t offset, int32_t isolation, isolated_read *s, int64_t *log_start,
                          int64_t *high_watermark, int64_t *lso)
{
    if (isolation != KD_READ_UNCOMMITTED && isolation != KD_READ_COMMITTED)
        return kd_fail(KD_INVALID_REQUEST, "isolation level %d is neither 0 (read_uncommitted) nor 1 (read_committed)",
                       (int)isolation);
    int32_t rc = bounds(db, log_start, high_watermark, lso);
    if (rc)
        return rc;
    s->db = db;
    s->committed = isolation == KD_READ_COMMITTED;
    s->end = s->committed ? *lso : INT64_MAX;
    s->min_offset = offset;
    s->skipped_to = offset;
    s->upper = -1;
    return 0;
}

/* The aborted transactions overlapping [offset, upper): Kafka's collectAbortedTxns. */
static int32_t out_aborted(uint32_t db, int64_t offset, int64_t upper)
{
    size_t count_at = kd_out_size();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (upper <= offset)
        return 0;
    int32_t stmt = kd_sql_prepare_args(db,
                                       "SELECT producer_id, first_offset FROM log_aborted_txns"
                                       " WHERE last_offset >= ?1 AND first_offset < ?2 ORDER BY last_offset",
                                       "ii", offset, upper);
    if (stmt < 0)
        return stmt;
    uint32_t n = 0;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "reading aborted transactions")) == 1) {
        if (!kd_out_i64(kd_host_column_int64(stmt, 0)) || !kd_out_i64(kd_host_column_int64(stmt, 1))) {
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    kd_out_patch_u32(count_at, n);
    return 0;
}

static int32_t fetch_isolated(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch, int32_t isolation,
                              const cold_source *cold)
{
    kd_scratch_reset();
    isolated_read s = {0};
    int64_t log_start = 0, high_watermark = 0, lso = 0; /* set before use; gcc -O2 cannot tell */
    int32_t rc = start_read(db, offset, isolation, &s, &log_start, &high_watermark, &lso);
    if (rc)
        return rc;
    if (!kd_out_i64(log_start) || !kd_out_i64(high_watermark) || !kd_out_i64(lso) || !kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    size_t batches_at = kd_out_size();
    if ((rc = walk(db, offset, max_bytes, min_one_batch != 0, cold, &s)) != 0)
        return rc;
    kd_out_patch_u32(batches_at - 4, (uint32_t)(kd_out_size() - batches_at));
    return s.committed ? out_aborted(db, offset, s.upper)
                       : (kd_out_u32(0) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory"));
}

/* The records as a kd record list, or with `rest` as REST messages: then the head goes
 * on with i64 last_offset and i64 record_bytes, and the messages' JSON follows. */
static int32_t read_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes, int32_t isolation,
                             const cold_source *cold, kd_rest_messages *rest)
{
    kd_scratch_reset();
    isolated_read s = {0};
    int64_t log_start = 0, high_watermark = 0, lso = 0; /* set before use; gcc -O2 cannot tell */
    int32_t rc = start_read(db, offset, isolation, &s, &log_start, &high_watermark, &lso);
    if (rc)
        return rc;
    s.decode = true;
    s.max_records = max_records;
    if (!kd_out_i64(log_start) || !kd_out_i64(high_watermark) || !kd_out_i64(lso) || !kd_out_i64(offset) ||
        !kd_out_u32(0) || (rest && !(kd_out_i64(-1) && kd_out_i64(0))))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (rest) {
        /* Decoding stops where a kd record list would have: it is bounded as one. */
        rest->list_bytes = 36;
        s.rest = rest;
    }
    if (max_records > 0 && (rc = walk(db, offset, max_bytes, true, cold, &s)) != 0)
        return rc;
    kd_out_patch_i64(24, s.skipped_to);
    kd_out_patch_u32(32, s.count);
    if (rest) {
        kd_out_patch_i64(36, rest->last_offset);
        kd_out_patch_i64(44, (int64_t)rest->record_bytes);
    }
    return 0;
}

int32_t kd_log_fetch_isolated(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch, int32_t isolation)
{
    return fetch_isolated(db, offset, max_bytes, min_one_batch, isolation, NULL);
}

int32_t kd_log_read_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes, int32_t isolation)
{
    return read_isolated(db, offset, max_records, max_bytes, isolation, NULL, NULL);
}

int32_t kd_log_fetch_cold_isolated(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch,
                                   int32_t isolation, const uint8_t *bytes, uint32_t len, int64_t position)
{
    cold_source cold = {bytes, len, position};
    return fetch_isolated(db, offset, max_bytes, min_one_batch, isolation, &cold);
}

int32_t kd_log_read_cold_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                  int32_t isolation, const uint8_t *bytes, uint32_t len, int64_t position)
{
    cold_source cold = {bytes, len, position};
    return read_isolated(db, offset, max_records, max_bytes, isolation, &cold, NULL);
}

/* kd_log_read_rest_isolated's encoding, checked. */
static int32_t rest_messages(int32_t encoding, kd_rest_messages *m)
{
    if (encoding != KD_REST_ENCODING_JSON && encoding != KD_REST_ENCODING_BASE64)
        return kd_fail(KD_INVALID_REQUEST, "encoding %d is neither 0 (json) nor 1 (base64)", (int)encoding);
    *m = (kd_rest_messages){.encoding = encoding, .last_offset = -1};
    return 0;
}

int32_t kd_log_read_rest_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                  int32_t isolation, int32_t encoding)
{
    kd_rest_messages m;
    int32_t rc = rest_messages(encoding, &m);
    return rc ? rc : read_isolated(db, offset, max_records, max_bytes, isolation, NULL, &m);
}

int32_t kd_log_read_rest_cold_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                       int32_t isolation, int32_t encoding, const uint8_t *bytes, uint32_t len,
                                       int64_t position)
{
    kd_rest_messages m;
    cold_source cold = {bytes, len, position};
    int32_t rc = rest_messages(encoding, &m);
    return rc ? rc : read_isolated(db, offset, max_records, max_bytes, isolation, &cold, &m);
}

/* ---- offsets ---- */

int32_t kd_log_list_offset(uint32_t db, int64_t timestamp, int32_t isolation)
{
    if (isolation != KD_READ_COMMITTED || timestamp != KD_LIST_LATEST)
        return kd_log_offset_for_time(db, timestamp);
    kd_scratch_reset();
    int64_t log_start = 0, high_watermark = 0, lso = 0; /* set before use; gcc -O2 cannot tell */
    int32_t rc = bounds(db, &log_start, &high_watermark, &lso);
    if (rc)
        return rc;
    return kd_out_i64(lso) && kd_out_i64(-1) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_log_txn_state(uint32_t db)
{
    kd_scratch_reset();
    int64_t log_start = 0, high_watermark = 0, lso = 0; /* set before use; gcc -O2 cannot tell */
    int32_t rc = bounds(db, &log_start, &high_watermark, &lso);
    if (rc)
        return rc;
    if (!kd_out_i64(log_start) || !kd_out_i64(high_watermark) || !kd_out_i64(lso) || !kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(db, "SELECT producer_id, first_offset FROM log_txns WHERE first_offset IS NOT NULL"
                                      " ORDER BY producer_id");
    if (stmt < 0)
        return stmt;
    uint32_t n = 0;
    while ((rc = kd_sql_step(stmt, "reading open transactions")) == 1) {
        if (!kd_out_i64(kd_host_column_int64(stmt, 0)) || !kd_out_i64(kd_host_column_int64(stmt, 1))) {
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    kd_out_patch_u32(24, n);
    return 0;
}

/* ---- Produce ---- */

int32_t kd_produce_txn_check(const uint8_t *records, uint32_t len, int32_t has_transactional_id)
{
    kd_scratch_reset();
    /* Kafka looks at each partition's first batch (ProduceRequest.hasTransactionalRecords);
     * a damaged one is the append's to refuse. */
    bool transactional = len >= KD_BATCH_HEADER_SIZE && (kd_be16(records + 21) & KD_ATTR_TRANSACTIONAL);
    if (transactional && !has_transactional_id)
        return kd_fail(KD_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                       "a produce of transactional batches must name its transactional id");
    return 0;
}
