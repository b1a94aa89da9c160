/*
 * compaction.c — Kafka's log compaction (cleanup.policy=compact) over a partition's
 * stored batches, and the table of each key's latest offset it works from.
 *
 * The key table. On a compacted log every append writes, for each record, its key's
 * latest offset into log_keys (one row per key, upserted), so cleaning is a lookup per
 * record rather than a map built from a scan of the log, and "the latest value of a key"
 * is one lookup (kd_log_key_lookup). A compressed batch is opened for it (as Kafka's
 * broker decompresses batches appended to a compacted topic). A keyless record cannot
 * be compacted: appends to a compacted log refuse it (INVALID_RECORD, log.c).
 *
 * Transactions. Only committed records count, as Kafka's cleaner ignores aborted data and
 * stops at the last stable offset. A transactional batch's keys wait in log_txn_keys
 * under its producer; its COMMIT marker moves them into log_keys (where newer than the
 * key's latest: a record committed meanwhile by another producer stays latest), its ABORT
 * marker drops them (kd_compaction_txn_end). A pass stops at the last stable offset, and
 * removes every record of an aborted transaction; the markers themselves are kept (Kafka
 * drops a marker only delete.retention.ms after its transaction's data is gone; keeping
 * it costs one small batch per transaction and partition, and no reader can miss it).
 *
 * A pass. The cleanable part of the log runs from its start to the first batch that is
 * still in Kafka's "active segment" (appended within segment.ms, among the newest
 * segment.bytes) or younger than min.compaction.lag.ms. A pass starts when the dirty
 * part (appended since the last pass) is at least min.cleanable.dirty.ratio of the
 * cleanable part, or its oldest batch waited max.compaction.lag.ms; it walks the
 * cleanable batches in bounded steps (a cursor stored with the log), and in each batch
 * drops every record whose key has a newer offset, and every latest record that is a
 * tombstone (null value) stored longer ago than delete.retention.ms (its key leaves the
 * table). A batch keeps its base offset, its last offset delta, its producer fields and
 * its timestamps; its records keep their offsets (gaps appear), their bytes unchanged:
 * only the record count, the length and the CRC are written again (a compressed batch's
 * kept records are compressed again with its codec). A batch left with no record is
 * deleted. Idempotent producers' state lives in log_producers and is kept.
 */
#include <stdlib.h>
#include <string.h>

#include "compaction.h"
#include "internal.h"
#include "sql.h"
#include "txn_log.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS log_keys (key BLOB PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID",
    /* Keys of open transactions' records, counted in log_keys once committed. */
    ("CREATE TABLE IF NOT EXISTS log_txn_keys (producer_id INTEGER NOT NULL, key BLOB NOT NULL,"
     " offset INTEGER NOT NULL, PRIMARY KEY (producer_id, key)) WITHOUT ROWID"),
    /* cleaned_through: batches below it were cleaned by a pass; clean_bytes: what that
     * pass left below it; cursor: the next batch of the pass under way (-1: none);
     * pass_end: where that pass stops; pass_bytes: what it kept so far. */
    ("CREATE TABLE IF NOT EXISTS log_compaction ("
     " id INTEGER PRIMARY KEY CHECK (id = 0),"
     " cleaned_through INTEGER NOT NULL,"
     " clean_bytes INTEGER NOT NULL,"
     " cursor INTEGER NOT NULL,"
     " pass_end INTEGER NOT NULL,"
     " pass_bytes INTEGER NOT NULL)"),
    "INSERT OR IGNORE INTO log_compaction (id, cleaned_through, clean_bytes, cursor, pass_end, pass_bytes)"
    " VALUES (0, 0, 0, -1, 0, 0)",
};

/* Bytes of stored batches one step reads at most (besides the first batch). */
#define STEP_BYTES (8 << 20)

int32_t kd_compaction_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

/* ---- on append ---- */

int32_t kd_compaction_check_keys(const uint8_t *set, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        kd_batch b;
        kd_batch_header(set + pos, &b); /* validated by the caller */
        pos += b.size;
        kd_record_iter it;
        kd_record rec;
        uint8_t *decompressed;
        int32_t rc = kd_batch_open_records(&b, &it, &decompressed);
        if (rc == 0)
            while ((rc = kd_record_next(&it, &rec)) == 1 && rec.key != NULL)
                ;
        if (rc == 1) /* a record without a key */
            rc = kd_fail(KD_INVALID_RECORD, "a compacted topic takes only records with a key");
        free(decompressed);
        if (rc < 0 || rc > 1)
            return rc;
    }
    return 0;
}

int32_t kd_compaction_index(uint32_t db, const kd_batch *b)
{
    kd_record_iter it;
    kd_record rec;
    uint8_t *decompressed;
    bool transactional = (b->attributes & KD_ATTR_TRANSACTIONAL) != 0;
    int32_t rc = kd_batch_open_records(b, &it, &decompressed), more;
    while (!rc && (more = kd_record_next(&it, &rec)) == 1) {
        if (rec.key == NULL)
            continue;
        int32_t stmt = transactional ? kd_sql_prepare(db, "INSERT INTO log_txn_keys (key, offset, producer_id)"
                                                          " VALUES (?1, ?2, ?3) ON CONFLICT (producer_id, key)"
                                                          " DO UPDATE SET offset = excluded.offset")
                                     : kd_sql_prepare(db, "INSERT INTO log_keys (key, offset) VALUES (?1, ?2)"
                                                          " ON CONFLICT (key) DO UPDATE SET offset = excluded.offset");
        if (stmt < 0) {
            rc = stmt;
            break;
        }
        rc = kd_sql_bind_blob(stmt, 1, rec.key, (uint32_t)rec.key_len);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 2, rec.offset);
        if (!rc && transactional)
            rc = kd_sql_bind_i64(stmt, 3, b->producer_id);
        if (!rc && (rc = kd_sql_step(stmt, "indexing a key")) > 0)
            rc = 0;
        kd_host_finalize(stmt);
    }
    free(decompressed);
    return rc;
}

int32_t kd_compaction_txn_end(uint32_t db, int64_t producer_id, bool commit)
{
    int32_t rc = 0;
    if (commit) /* WHERE in the SELECT also keeps SQLite's upsert parse unambiguous */
        rc = kd_sql_exec(kd_sql_prepare_args(db,
                                             "INSERT INTO log_keys (key, offset) SELECT key, offset FROM log_txn_keys"
                                             " WHERE producer_id = ?1 ON CONFLICT (key)"
                                             " DO UPDATE SET offset = max(offset, excluded.offset)",
                                             "i", producer_id));
    return rc ? rc
              : kd_sql_exec(
                    kd_sql_prepare_args(db, "DELETE FROM log_txn_keys WHERE producer_id = ?1", "i", producer_id));
}

/* ---- the pass's state ---- */

typedef struct {
    int64_t cleaned_through, clean_bytes, cursor, pass_end, pass_bytes;
} compaction_state;

static int32_t load_state(uint32_t db, compaction_state *s)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT cleaned_through, clean_bytes, cursor, pass_end, pass_bytes"
                                      " FROM log_compaction WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading compaction's state");
    if (rc == 1) {
        int64_t *fields[] = {&s->cleaned_through, &s->clean_bytes, &s->cursor, &s->pass_end, &s->pass_bytes};
        for (uint32_t i = 0; i < 5; i++)
            *fields[i] = kd_host_column_int64(stmt, i);
        rc = 0;
    } else if (rc == 0) {
        rc = kd_fail(KD_ERR_STORAGE, "compaction's state row is missing: was kd_log_open called?");
    }
    kd_host_finalize(stmt);
    return rc;
}

static int32_t store_state(uint32_t db, const compaction_state *s)
{
    int32_t stmt = kd_sql_prepare(db, "UPDATE log_compaction SET cleaned_through = ?1, clean_bytes = ?2,"
                                      " cursor = ?3, pass_end = ?4, pass_bytes = ?5 WHERE id = 0");
    if (stmt < 0)
        return stmt;
    const int64_t v[] = {s->cleaned_through, s->clean_bytes, s->cursor, s->pass_end, s->pass_bytes};
    int32_t rc = 0;
    for (uint32_t i = 0; i < 5 && !rc; i++)
        rc = kd_sql_bind_i64(stmt, i + 1, v[i]);
    if (!rc)
        rc = kd_sql_step(stmt, "storing compaction's state");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

/* ---- what may be cleaned ---- */

/* Clock arithmetic that saturates (times come from the host; configs may be huge). */
static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* The first moment strictly after at + delay. */
static int64_t due_after(int64_t at, int64_t delay)
{
    return add_sat(add_sat(at, delay), 1);
}

static void earlier(int64_t *deadline, int64_t at)
{
    if (at >= 0 && (*deadline < 0 || at < *deadline))
        *deadline = at;
}

/*
 * The first offset compaction leaves alone: the start of the newest batches appended
 * within segment.ms whose bytes stay within segment.bytes (Kafka's active segment), or
 * the first batch younger than min.compaction.lag.ms, whichever comes first. Also when
 * that moves: the deadline at which the oldest of those batches becomes cleanable.
 */
static int32_t first_uncleanable(uint32_t db, const kd_log_config *c, int64_t now_ms, int64_t hw, int64_t *first,
                                 int64_t *deadline)
{
    *first = hw;
    int32_t stmt = kd_sql_prepare(db, "SELECT base_offset, size_bytes, appended_at FROM log_batches"
                                      " ORDER BY base_offset DESC LIMIT 100000");
    if (stmt < 0)
        return stmt;
    int64_t bytes = 0, oldest_append = -1;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "finding the active segment")) == 1) {
        int64_t size = kd_host_column_int64(stmt, 1), appended = kd_host_column_int64(stmt, 2);
        if (appended < add_sat(now_ms, -c->segment_ms) || bytes > c->segment_bytes - size)
            break;
        bytes += size;
        *first = kd_host_column_int64(stmt, 0);
        oldest_append = appended;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    if (oldest_append >= 0)
        earlier(deadline, due_after(oldest_append, c->segment_ms));
    if (c->min_compaction_lag_ms > 0) {
        stmt = kd_sql_prepare(db, "SELECT base_offset, max_timestamp FROM log_batches WHERE base_offset ="
                                  " (SELECT min(base_offset) FROM log_batches WHERE max_timestamp > ?1)");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_i64(stmt, 1, add_sat(now_ms, -c->min_compaction_lag_ms));
        if (!rc && (rc = kd_sql_step(stmt, "finding the compaction lag")) == 1) {
            int64_t base = kd_host_column_int64(stmt, 0);
            if (base < *first)
                *first = base;
            earlier(deadline, due_after(kd_host_column_int64(stmt, 1), c->min_compaction_lag_ms));
            rc = 0;
        }
        kd_host_finalize(stmt);
    }
    return rc < 0 ? rc : 0;
}

/* The bytes of the batches in [from, to), and the oldest one's append time (-1: none). */
static int32_t range_bytes(uint32_t db, int64_t from, int64_t to, int64_t *bytes, int64_t *oldest_append)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT coalesce(sum(size_bytes), 0), min(appended_at) FROM log_batches"
                                      " WHERE base_offset >= ?1 AND base_offset < ?2");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, from);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, to);
    *bytes = 0;
    *oldest_append = -1;
    if (!rc && (rc = kd_sql_step(stmt, "measuring the dirty part")) == 1) {
        *bytes = kd_host_column_int64(stmt, 0);
        if (kd_host_column_type(stmt, 1) != KD_COL_NULL)
            *oldest_append = kd_host_column_int64(stmt, 1);
        rc = 0;
    }
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

/* ---- cleaning one batch ---- */

static int32_t latest_offset(uint32_t db, const uint8_t *key, int32_t len, int64_t *offset, int *found)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT offset FROM log_keys WHERE key = ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_blob(stmt, 1, key, (uint32_t)len);
    return rc ? (kd_host_finalize(stmt), rc) : kd_sql_one_i64(stmt, offset, found);
}

static int32_t forget_key(uint32_t db, const uint8_t *key, int32_t len, int64_t offset)
{
    int32_t stmt = kd_sql_prepare(db, "DELETE FROM log_keys WHERE key = ?1 AND offset = ?2");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_blob(stmt, 1, key, (uint32_t)len);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, offset);
    if (!rc)
        rc = kd_sql_step(stmt, "forgetting a deleted key");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

typedef struct {
    int64_t now_ms;
    const kd_log_config *config;
    int64_t records_removed, bytes_removed, batches_deleted;
} clean_totals;

/* Writes batch `b` again holding only the records `keep` marks (of those `records`
 * iterates, from its start), or deletes it; its new size in *size (0 when deleted). */
static int32_t rewrite_batch(uint32_t db, const kd_batch *b, kd_record_iter records, const uint8_t *keep, int32_t kept,
                             int64_t *size)
{
    *size = 0;
    int32_t stmt;
    int32_t rc;
    if (kept == 0) {
        stmt = kd_sql_prepare(db, "DELETE FROM log_batches WHERE base_offset = ?1");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_i64(stmt, 1, b->base_offset);
    } else {
        /* The kept records' bytes as they are, then a batch of them (compressed again
         * with the batch's codec when it has one). */
        uint8_t *kept_records = malloc(records.end - records.pos + 1);
        if (!kept_records)
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        size_t len = 0;
        kd_record rec;
        for (int32_t i = 0; records.pos < records.end; i++) {
            size_t from = records.pos;
            if (kd_record_next(&records, &rec) != 1)
                break; /* checked when opened */
            if (keep[i]) {
                memcpy(kept_records + len, records.records + from, records.pos - from);
                len += records.pos - from;
            }
        }
        uint8_t *out;
        size_t at;
        rc = kd_batch_with_records(b, kept_records, len, kept, &out, &at);
        free(kept_records);
        if (rc)
            return rc;
        *size = (int64_t)at;
        stmt = kd_sql_prepare(db, "UPDATE log_batches SET data = ?1, size_bytes = ?2, record_count = ?3"
                                  " WHERE base_offset = ?4");
        rc = stmt < 0 ? stmt : kd_sql_bind_blob(stmt, 1, out, (uint32_t)at);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 2, (int64_t)at);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 3, kept);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 4, b->base_offset);
        free(out);
        if (stmt < 0)
            return stmt;
    }
    if (!rc)
        rc = kd_sql_step(stmt, kept ? "writing a compacted batch" : "deleting an emptied batch");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

/* Decides each record of one stored batch and rewrites it when something goes; adds
 * the batch's size after cleaning to *kept_bytes. */
static int32_t clean_batch(uint32_t db, const uint8_t *data, size_t len, int64_t appended_at, clean_totals *t,
                           int64_t *kept_bytes)
{
    kd_batch b;
    int32_t rc = kd_batch_read(data, len, &b);
    if (rc)
        return rc == KD_CORRUPT_MESSAGE ? kd_fail(KD_ERR_STORAGE, "a stored batch is damaged") : rc;
    if (b.attributes & KD_ATTR_CONTROL) {
        *kept_bytes += (int64_t)b.size;
        return 0;
    }
    kd_record_iter it;
    uint8_t *decompressed;
    if ((rc = kd_batch_open_records(&b, &it, &decompressed)) != 0) {
        free(decompressed);
        return rc == KD_CORRUPT_MESSAGE ? kd_fail(KD_ERR_STORAGE, "a stored batch is damaged") : rc;
    }
    /* An aborted transaction's records are no one's value: all of them go. */
    bool aborted = false;
    if (b.attributes & KD_ATTR_TRANSACTIONAL)
        rc = kd_txn_batch_aborted(db, b.producer_id, b.base_offset, &aborted);
    if (rc) {
        free(decompressed);
        return rc;
    }
    kd_record_iter start = it;
    uint8_t *keep = malloc((size_t)b.record_count);
    if (!keep) {
        free(decompressed);
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    bool tombstones_expired = appended_at < add_sat(t->now_ms, -t->config->delete_retention_ms);
    int32_t kept = 0, i = 0;
    kd_record rec;
    while (!rc && (rc = kd_record_next(&it, &rec)) == 1) {
        bool stays = !aborted;
        rc = 0;
        if (stays && rec.key != NULL) {
            int64_t latest = -1;
            int found = 0;
            rc = latest_offset(db, rec.key, rec.key_len, &latest, &found);
            if (!rc && found && latest > rec.offset)
                stays = false; /* a newer record of the key exists */
            else if (!rc && found && latest == rec.offset && rec.value == NULL && tombstones_expired) {
                stays = false; /* a delete marker that has been seen long enough */
                rc = forget_key(db, rec.key, rec.key_len, rec.offset);
            }
        }
        keep[i++] = stays;
        kept += stays;
    }
    int64_t after = (int64_t)b.size;
    if (rc == 0 && kept < b.record_count) {
        rc = rewrite_batch(db, &b, start, keep, kept, &after);
        t->records_removed += b.record_count - kept;
        if (kept == 0)
            t->batches_deleted++;
        if (!rc)
            rc = kd_retention_removed(db, b.base_offset, (int64_t)b.size - after);
    }
    free(keep);
    free(decompressed);
    if (rc)
        return rc;
    t->bytes_removed += (int64_t)b.size - after;
    *kept_bytes += after;
    return 0;
}

/* ---- a step ---- */

static int32_t clean_some(uint32_t db, compaction_state *s, uint32_t max_rows, clean_totals *t, bool *more)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT base_offset, appended_at, data FROM log_batches"
                                      " WHERE base_offset >= ?1 AND base_offset < ?2 ORDER BY base_offset");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, s->cursor);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, s->pass_end);
    uint32_t rows = 0;
    int64_t read = 0;
    /* Batches are read into a list first: rewriting a row while the statement that
     * reads the table is open would disturb it. */
    typedef struct {
        int64_t base, appended;
        uint8_t *data;
        size_t len;
    } row;
    row *list = calloc(max_rows, sizeof *list);
    if (!list)
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    while (!rc && rows < max_rows && (rows == 0 || read < STEP_BYTES) &&
           (rc = kd_sql_step(stmt, "reading batches to clean")) == 1) {
        row *r = &list[rows];
        r->base = kd_host_column_int64(stmt, 0);
        r->appended = kd_host_column_int64(stmt, 1);
        uint32_t n = 0;
        rc = kd_sql_column_dup(stmt, 2, &r->data, &n);
        r->len = n;
        read += n;
        rows++;
    }
    *more = rc == 0 && rows > 0 && (rows == max_rows || read >= STEP_BYTES);
    kd_host_finalize(stmt);
    if (rc < 0) {
        for (uint32_t i = 0; i < rows; i++)
            free(list[i].data);
        free(list);
        return rc;
    }
    rc = 0;
    for (uint32_t i = 0; i < rows && !rc; i++)
        rc = clean_batch(db, list[i].data, list[i].len, list[i].appended, t, &s->pass_bytes);
    int64_t next = rows > 0 ? list[rows - 1].base + 1 : s->pass_end;
    for (uint32_t i = 0; i < rows; i++)
        free(list[i].data);
    free(list);
    if (rc)
        return rc;
    s->cursor = *more ? next : -1;
    return 0;
}

int32_t kd_log_compact(uint32_t db, int64_t now_ms, uint32_t max_rows)
{
    kd_scratch_reset();
    if (max_rows == 0)
        return kd_fail(KD_ERR_INVALID_ARG, "a compaction step must be allowed to read a row");
    kd_log_config c;
    compaction_state s;
    int64_t start = 0, hw = 0;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (!rc)
        rc = kd_log_config_load(db, &c);
    if (!rc)
        rc = load_state(db, &s);
    if (rc)
        return rc;
    clean_totals t = {now_ms, &c, 0, 0, 0};
    bool more = false;
    int64_t deadline = -1;
    if (c.compact && s.cursor < 0) {
        int64_t first = hw, dirty = 0, oldest_dirty = -1;
        rc = first_uncleanable(db, &c, now_ms, hw, &first, &deadline);
        /* Nothing from the first open transaction on is cleaned (Kafka's first unstable
         * offset): its records count only once committed. */
        int64_t lso = hw;
        if (!rc)
            rc = kd_txn_last_stable(db, start, hw, &lso);
        if (!rc && lso < first)
            first = lso;
        if (!rc && first > s.cleaned_through)
            rc = range_bytes(db, s.cleaned_through, first, &dirty, &oldest_dirty);
        if (rc)
            return rc;
        /* Kafka's rule: clean when dirty / (clean + dirty) >= min.cleanable.dirty.ratio,
         * or when the oldest dirty batch waited max.compaction.lag.ms. */
        /* Sizes are far below 2^53, so the products cannot overflow. */
        bool ratio = dirty > 0 && dirty * 1000 >= (int64_t)c.min_dirty_permille * (s.clean_bytes + dirty);
        bool lagged = oldest_dirty >= 0 && oldest_dirty <= add_sat(now_ms, -c.max_compaction_lag_ms);
        if (ratio || lagged) {
            s.cursor = start;
            s.pass_end = first;
            s.pass_bytes = 0;
        } else if (oldest_dirty >= 0) {
            earlier(&deadline, due_after(oldest_dirty, c.max_compaction_lag_ms));
        }
    }
    if (c.compact && s.cursor >= 0) {
        if (s.cursor < start)
            s.cursor = start;
        rc = clean_some(db, &s, max_rows, &t, &more);
        if (!rc && !more) {
            s.cleaned_through = s.pass_end;
            s.clean_bytes = s.pass_bytes;
            s.cursor = -1;
            /* Keys whose latest record retention or DeleteRecords removed. */
            int32_t stmt = kd_sql_prepare(db, "DELETE FROM log_keys WHERE offset < ?1");
            rc = stmt < 0 ? stmt : kd_sql_bind_i64(stmt, 1, start);
            if (!rc && (rc = kd_sql_step(stmt, "forgetting removed keys")) > 0)
                rc = 0;
            if (stmt >= 0)
                kd_host_finalize(stmt);
        }
        /* A batch at the log's end may have gone: keep the high watermark. */
        if (!rc && t.batches_deleted > 0)
            rc = kd_log_set_start(db, start, hw);
        if (!rc)
            rc = store_state(db, &s);
        if (rc)
            return rc;
    }
    bool ok = kd_out_i32((int32_t)t.records_removed) && kd_out_i32(more) && kd_out_i32(c.compact) &&
              kd_out_i64(t.bytes_removed) && kd_out_i64(more ? -1 : deadline);
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- the latest value of a key ---- */

int32_t kd_log_key_lookup(uint32_t db, const uint8_t *key, uint32_t len)
{
    kd_scratch_reset();
    kd_log_config c;
    int64_t start = 0, hw = 0;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (!rc)
        rc = kd_log_config_load(db, &c);
    if (rc)
        return rc;
    if (!c.compact)
        return kd_fail(KD_INVALID_REQUEST, "keys are looked up in compacted topics only (cleanup.policy=compact)");
    if (!kd_out_i64(start) || !kd_out_i64(hw) || !kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int64_t offset = -1;
    int found = 0;
    if ((rc = latest_offset(db, key, (int32_t)len, &offset, &found)) != 0)
        return rc;
    if (!found || offset < start)
        return 0; /* no record of the key, or retention has removed it */
    int32_t stmt = kd_sql_prepare(db, "SELECT data FROM log_batches WHERE base_offset ="
                                      " (SELECT max(base_offset) FROM log_batches WHERE base_offset <= ?1)");
    if (stmt < 0)
        return stmt;
    rc = kd_sql_bind_i64(stmt, 1, offset);
    uint8_t *data = NULL;
    uint32_t n = 0;
    if (!rc && (rc = kd_sql_step(stmt, "reading a key's batch")) == 1)
        rc = kd_sql_column_dup(stmt, 0, &data, &n);
    kd_host_finalize(stmt);
    uint32_t count = 0;
    if (!rc && data)
        rc = kd_batch_records_out(data, n, offset, 1, &count);
    free(data);
    if (rc)
        return rc;
    kd_out_patch_u32(16, count);
    return 0;
}
