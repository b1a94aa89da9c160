/*
 * tiering.c — the cold tier: a partition's oldest batches moved out of its SQLite into
 * segment objects in an object store (R2), as Kafka's tiered storage (KIP-405) moves
 * log segments to remote storage.
 *
 * With remote.storage.enable=true, batches past the topic's local retention
 * (local.retention.ms / local.retention.bytes; -2, the default, means retention.ms /
 * retention.bytes, as in Kafka) move, oldest first, into segments: each segment is
 * batches back to back, exactly as a Kafka Fetch returns them (a Kafka .log file), at
 * most segment.bytes and the host's limit; as Kafka uploads only rolled segments, a
 * segment moves once full (the next batch would not fit) or once its first batch has
 * been due for segment.ms. SQLite keeps a row per segment in
 * log_segments: its offsets, newest timestamp, size, object key and an index of its
 * batches (base offset, last offset, max timestamp, byte position and size each), so a
 * read fetches only the byte range it needs. Cold offsets are all below hot ones.
 *
 * The core decides and the host only moves bytes:
 *   1. kd_tier_plan picks the batches, builds the segment's bytes and its key (the
 *      host's prefix and the base offset, so a retry overwrites the same object), and
 *      records the key as in flight;
 *   2. the host puts the object;
 *   3. kd_tier_commit, only after the put succeeded, records the segment and deletes
 *      its hot rows in one transaction. A plan whose batches changed meanwhile
 *      (retention, a retired log) commits nothing.
 * An object whose key is in log_cold_garbage is not (or no longer) part of the log: in
 * flight and never committed (a crash between put and commit), or a segment retention
 * deleted, or the log retired. The host deletes those objects (kd_tier_garbage) and
 * then forgets their keys (kd_tier_forget), so nothing in the bucket is lost track of.
 *
 * Reads: a fetch or read at a cold offset fails with KD_ERR_COLD; kd_tier_locate names
 * the object and byte range that answer it, and kd_log_fetch_cold / kd_log_read_cold
 * answer from those bytes exactly as from hot batches (log.c), each batch checked
 * against the index and its CRC. Retention deletes whole segments from the log's
 * start by the same rule as batches (kd_tier_expire); compaction never touches the
 * cold tier (a compacted topic cannot have remote storage, as in Kafka).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record_batch.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS log_segments ("
    " base_offset INTEGER PRIMARY KEY,"
    " last_offset INTEGER NOT NULL,"
    " max_timestamp INTEGER NOT NULL,"
    " size_bytes INTEGER NOT NULL,"
    " object_key TEXT NOT NULL,"
    " batch_index BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS log_cold_garbage (object_key TEXT PRIMARY KEY)",
};

/* One batch in a segment's index: i64 base_offset, i64 last_offset, i64 max_timestamp,
 * u32 position, u32 size, big-endian. */
#define ENTRY_BYTES 32
/* A segment's index is one SQLite value: kept well under Durable Object's 2 MB. */
#define MAX_SEGMENT_BATCHES 50000
#define MAX_KEY_PREFIX 512

typedef struct {
    int64_t base, last, max_time;
    uint32_t position, size;
} index_entry;

typedef struct {
    int64_t base, last, max_time, size;
    uint8_t *key;
    uint32_t key_len;
    index_entry *entries;
    uint32_t count;
} segment;

static void segment_free(segment *s)
{
    free(s->key);
    free(s->entries);
    memset(s, 0, sizeof *s);
}

int32_t kd_tier_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

static void put_entry(uint8_t *p, const index_entry *e)
{
    kd_put_be64(p, (uint64_t)e->base);
    kd_put_be64(p + 8, (uint64_t)e->last);
    kd_put_be64(p + 16, (uint64_t)e->max_time);
    kd_put_be32(p + 24, e->position);
    kd_put_be32(p + 28, e->size);
}

/* Decodes a segment's index, checking that its batches tile the segment in order. */
static int32_t decode_index(const uint8_t *blob, uint32_t len, segment *s)
{
    if (len == 0 || len % ENTRY_BYTES != 0 || len / ENTRY_BYTES > MAX_SEGMENT_BATCHES)
        return kd_fail(KD_ERR_STORAGE, "segment %lld's index is malformed", (long long)s->base);
    s->count = len / ENTRY_BYTES;
    s->entries = malloc((size_t)s->count * sizeof *s->entries);
    if (!s->entries)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int64_t position = 0, next = s->base;
    for (uint32_t i = 0; i < s->count; i++) {
        const uint8_t *p = blob + (size_t)i * ENTRY_BYTES;
        index_entry *e = &s->entries[i];
        *e = (index_entry){(int64_t)kd_be64(p), (int64_t)kd_be64(p + 8), (int64_t)kd_be64(p + 16), kd_be32(p + 24),
                           kd_be32(p + 28)};
        if (e->base < next || e->last < e->base || e->last > s->last || e->position != position || e->size == 0)
            return kd_fail(KD_ERR_STORAGE, "segment %lld's index is malformed at entry %u", (long long)s->base,
                           (unsigned)i);
        position += e->size;
        next = e->last + 1;
    }
    if (position != s->size || s->entries[0].base != s->base || s->entries[s->count - 1].last != s->last)
        return kd_fail(KD_ERR_STORAGE, "segment %lld's index does not cover it", (long long)s->base);
    return 0;
}

/* The columns every segment query selects, in this order. */
#define SEGMENT_COLUMNS "base_offset, last_offset, max_timestamp, size_bytes, object_key, batch_index"

/* Reads the row a statement stepped to into *s. */
static int32_t read_segment(int32_t stmt, segment *s)
{
    s->base = kd_host_column_int64(stmt, 0);
    s->last = kd_host_column_int64(stmt, 1);
    s->max_time = kd_host_column_int64(stmt, 2);
    s->size = kd_host_column_int64(stmt, 3);
    int32_t rc = kd_sql_column_dup(stmt, 4, &s->key, &s->key_len);
    uint8_t *blob = NULL;
    uint32_t len = 0;
    if (!rc)
        rc = kd_sql_column_dup(stmt, 5, &blob, &len);
    if (!rc)
        rc = decode_index(blob, len, s);
    free(blob);
    return rc;
}

/* The segment holding `offset`, or the first after it (an offset compaction left
 * without a batch); *found 0 when every segment ends below offset. */
static int32_t find_segment(uint32_t db, int64_t offset, segment *s, int *found)
{
    int32_t stmt =
        kd_sql_prepare(db, "SELECT " SEGMENT_COLUMNS " FROM log_segments WHERE base_offset >="
                           " coalesce((SELECT max(base_offset) FROM log_segments WHERE base_offset <= ?1), ?1)"
                           " AND last_offset >= ?1 ORDER BY base_offset LIMIT 1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, offset);
    if (!rc)
        rc = kd_sql_step(stmt, "finding a cold segment");
    *found = rc == 1;
    if (rc == 1)
        rc = read_segment(stmt, s);
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

/* The first index entry a read from `offset` returns. */
static uint32_t first_entry(const segment *s, int64_t offset)
{
    uint32_t lo = 0, hi = s->count - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->entries[mid].last < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int32_t kd_tier_holds(uint32_t db, int64_t offset)
{
    int found;
    int64_t one;
    int32_t stmt = kd_sql_prepare(db, "SELECT 1 FROM log_segments WHERE base_offset ="
                                      " (SELECT max(base_offset) FROM log_segments) AND last_offset >= ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, offset);
    if (rc) {
        kd_host_finalize(stmt);
        return rc;
    }
    rc = kd_sql_one_i64(stmt, &one, &found);
    return rc ? rc : found;
}

/* ---- moving batches to the cold tier ---- */

/* a + b for b >= 0, at most INT64_MAX. */
static int64_t saturating_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Local retention: -2 defers to retention.ms / retention.bytes (Kafka's default). */
static int64_t local_limit(int64_t local, int64_t total)
{
    return local == -2 ? total : local;
}

typedef struct {
    int64_t base, last, bytes;
    uint32_t count;
    bool more;
    bool active;      /* the topic tiers by time or size */
    int64_t deadline; /* when the first batch left hot is due by time; -1: never */
    int64_t trigger;  /* the log's size (both tiers) past which one is due by size; -1: never */
} tier_plan;

/* The batches, from the oldest hot one, past the local retention, within seg_max. */
static int32_t plan_batches(uint32_t db, const kd_log_config *c, int64_t now_ms, int64_t start, int64_t size,
                            int64_t hot, int64_t seg_max, tier_plan *plan)
{
    int64_t local_ms = local_limit(c->local_retention_ms, c->retention_ms);
    int64_t local_bytes = local_limit(c->local_retention_bytes, c->retention_bytes);
    bool by_time = local_ms >= 0 && now_ms > INT64_MIN + local_ms;
    plan->active = by_time || local_bytes >= 0;
    if (!plan->active)
        return 0;
    int32_t stmt = kd_sql_prepare(db, "SELECT base_offset, last_offset, max_timestamp, size_bytes FROM log_batches"
                                      " ORDER BY base_offset");
    if (stmt < 0)
        return stmt;
    int32_t rc;
    int64_t hot_before = hot;
    bool full = false;          /* the segment is closed: the next batch would not fit */
    int64_t first_max_time = 0; /* of the segment's first batch */
    while ((rc = kd_sql_step(stmt, "planning tiering")) == 1) {
        int64_t base = kd_host_column_int64(stmt, 0), last = kd_host_column_int64(stmt, 1);
        int64_t max_time = kd_host_column_int64(stmt, 2), bytes = kd_host_column_int64(stmt, 3);
        /* Below the log start: retention's to delete, not ours to keep. */
        bool eligible = last >= start &&
                        ((by_time && max_time < now_ms - local_ms) || (local_bytes >= 0 && hot - bytes >= local_bytes));
        full = plan->count > 0 && (plan->bytes + bytes > seg_max || plan->count == MAX_SEGMENT_BATCHES);
        if (!eligible) {
            if (by_time && last >= start)
                plan->deadline = saturating_add(saturating_add(max_time, local_ms), 1);
            break;
        }
        if (full) {
            plan->more = true;
            break;
        }
        if (plan->count == 0)
            first_max_time = max_time;
        if (plan->count == 0)
            plan->base = base;
        plan->last = last;
        plan->bytes += bytes;
        plan->count++;
        hot -= bytes;
    }
    kd_host_finalize(stmt);
    /* As Kafka moves only rolled segments, a segment that is not full moves once its
     * first batch has been due for segment.ms (by time; by size it waits to fill). */
    if (plan->count > 0 && !full) {
        int64_t rolls = by_time ? saturating_add(saturating_add(first_max_time, local_ms), c->segment_ms) : INT64_MAX;
        if (now_ms < rolls) {
            plan->count = 0;
            plan->bytes = 0;
            hot = hot_before;
            if (rolls != INT64_MAX && (plan->deadline < 0 || rolls < plan->deadline))
                plan->deadline = rolls;
        }
    }
    /* Looked at again once appends add a sixteenth of local.retention.bytes. */
    if (local_bytes >= 0)
        plan->trigger = size - hot + local_bytes + local_bytes / 16;
    return rc < 0 ? rc : 0;
}

/* The bytes of the cold tier's segments. */
static int32_t cold_bytes(uint32_t db, int64_t *bytes)
{
    int found;
    return kd_sql_one_i64(kd_sql_prepare(db, "SELECT coalesce(sum(size_bytes), 0) FROM log_segments"), bytes, &found);
}

/* Appends the hot batches base..last to the output: the segment's bytes. */
static int32_t out_batches(uint32_t db, int64_t base, int64_t last, int64_t bytes)
{
    uint8_t *at = kd_out_reserve((size_t)bytes);
    if (!at)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(db, "SELECT data FROM log_batches WHERE base_offset >= ?1 AND base_offset <= ?2"
                                      " ORDER BY base_offset");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, base);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, last);
    int64_t filled = 0;
    while (!rc && (rc = kd_sql_step(stmt, "reading batches to tier")) == 1) {
        int32_t n = kd_host_column_bytes(stmt, 0);
        if (n <= 0 || filled + n > bytes || kd_host_column_copy(stmt, 0, at + filled, (uint32_t)n) != n) {
            rc = kd_fail(KD_ERR_STORAGE, "a batch to tier disagrees with its row");
            break;
        }
        filled += n;
        rc = 0;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    return filled == bytes ? 0 : kd_fail(KD_ERR_STORAGE, "the batches to tier changed while read");
}

static int32_t exec_key(uint32_t db, const char *sql, const uint8_t *key, uint32_t len, const char *what)
{
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_text(stmt, 1, key, len);
    if (!rc)
        rc = kd_sql_step(stmt, what);
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_tier_plan(uint32_t db, int64_t now_ms, int32_t max_bytes, const uint8_t *prefix, uint32_t prefix_len)
{
    kd_scratch_reset();
    if (prefix_len > MAX_KEY_PREFIX || max_bytes <= 0)
        return kd_fail(KD_ERR_INVALID_ARG, "a key prefix is at most %d bytes and a segment holds bytes",
                       MAX_KEY_PREFIX);
    kd_log_config c;
    int64_t start, hw, size = 0, cold = 0;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (!rc)
        rc = kd_log_config_load(db, &c);
    if (rc)
        return rc;
    tier_plan plan = {0, 0, 0, 0, false, false, -1, -1};
    if (c.remote_storage && !c.compact) {
        if (!rc)
            rc = kd_retention_count(db, &size);
        if (!rc)
            rc = cold_bytes(db, &cold);
        int64_t seg_max = max_bytes < KD_MAX_READ_BYTES ? max_bytes : KD_MAX_READ_BYTES;
        if (c.segment_bytes < seg_max)
            seg_max = c.segment_bytes;
        if (!rc)
            rc = plan_batches(db, &c, now_ms, start, size, size - cold, seg_max, &plan);
        if (rc)
            return rc;
    }
    if (!kd_out_i32(plan.count > 0) || !kd_out_i32(plan.more) || !kd_out_i32(plan.active) ||
        !kd_out_i64(plan.deadline) || !kd_out_i64(plan.trigger))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (plan.count == 0)
        return 0;
    char key[MAX_KEY_PREFIX + 32];
    int key_len =
        snprintf(key, sizeof key, "%.*s%020lld.log", (int)prefix_len, (const char *)prefix, (long long)plan.base);
    if (!kd_out_i64(plan.base) || !kd_out_i64(plan.last) || !kd_out_str((const uint8_t *)key, (size_t)key_len) ||
        !kd_out_u32((uint32_t)plan.bytes))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    rc = out_batches(db, plan.base, plan.last, plan.bytes);
    return rc ? rc
              : exec_key(db, "INSERT OR IGNORE INTO log_cold_garbage (object_key) VALUES (?1)", (const uint8_t *)key,
                         (uint32_t)key_len, "recording an object in flight");
}

/* Builds the index of the hot batches base..last; false (nothing built) when they are
 * not exactly what a plan of `bytes` bytes named. */
static int32_t index_batches(uint32_t db, int64_t base, int64_t last, int64_t bytes, segment *s, bool *same)
{
    *same = false;
    int32_t stmt = kd_sql_prepare(db, "SELECT base_offset, last_offset, max_timestamp, size_bytes FROM log_batches"
                                      " WHERE base_offset >= ?1 AND base_offset <= ?2 ORDER BY base_offset");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, base);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, last);
    uint32_t cap = 0;
    s->base = base;
    s->last = last;
    s->max_time = INT64_MIN;
    while (!rc && (rc = kd_sql_step(stmt, "indexing batches to tier")) == 1) {
        rc = 0;
        if (s->count == MAX_SEGMENT_BATCHES)
            break;
        if (s->count == cap) {
            cap = cap ? cap * 2 : 64;
            index_entry *grown = realloc(s->entries, (size_t)cap * sizeof *grown);
            if (!grown) {
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
                break;
            }
            s->entries = grown;
        }
        index_entry *e = &s->entries[s->count++];
        e->base = kd_host_column_int64(stmt, 0);
        e->last = kd_host_column_int64(stmt, 1);
        e->max_time = kd_host_column_int64(stmt, 2);
        e->position = (uint32_t)s->size;
        e->size = (uint32_t)kd_host_column_int64(stmt, 3);
        s->size += e->size;
        if (e->max_time > s->max_time)
            s->max_time = e->max_time;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    *same = s->count > 0 && s->entries[0].base == base && s->entries[s->count - 1].last == last && s->size == bytes;
    return 0;
}

static int32_t insert_segment(uint32_t db, const segment *s, const uint8_t *key, uint32_t key_len)
{
    uint8_t *blob = malloc((size_t)s->count * ENTRY_BYTES);
    if (!blob)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < s->count; i++)
        put_entry(blob + (size_t)i * ENTRY_BYTES, &s->entries[i]);
    int32_t stmt = kd_sql_prepare(db, "INSERT INTO log_segments (" SEGMENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    int32_t rc = stmt < 0 ? stmt : 0;
    const int64_t ints[] = {s->base, s->last, s->max_time, s->size};
    for (uint32_t i = 0; i < 4 && !rc; i++)
        rc = kd_sql_bind_i64(stmt, i + 1, ints[i]);
    if (!rc)
        rc = kd_sql_bind_text(stmt, 5, key, key_len);
    if (!rc)
        rc = kd_sql_bind_blob(stmt, 6, blob, s->count * ENTRY_BYTES);
    if (!rc)
        rc = kd_sql_step(stmt, "recording a cold segment");
    if (stmt >= 0)
        kd_host_finalize(stmt);
    free(blob);
    return rc < 0 ? rc : 0;
}

int32_t kd_tier_commit(uint32_t db, int64_t base, int64_t last, int64_t bytes, const uint8_t *key, uint32_t key_len)
{
    kd_scratch_reset();
    int64_t start, hw, size;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (rc)
        return rc;
    /* Only a key a plan put in flight, for batches that are still what it read. */
    int found;
    int64_t one;
    int32_t stmt = kd_sql_prepare(db, "SELECT 1 FROM log_cold_garbage WHERE object_key = ?1");
    if (stmt >= 0 && (rc = kd_sql_bind_text(stmt, 1, key, key_len)) != 0) {
        kd_host_finalize(stmt);
        return rc;
    }
    if ((rc = kd_sql_one_i64(stmt, &one, &found)))
        return rc;
    segment s = {0};
    bool same = false;
    if (found)
        rc = index_batches(db, base, last, bytes, &s, &same);
    /* The rows move to the cold tier already counted, so the log's size is both tiers'. */
    if (!rc && same)
        rc = kd_retention_count(db, &size);
    if (!rc && same)
        rc = insert_segment(db, &s, key, key_len);
    segment_free(&s);
    if (!rc && same) {
        stmt = kd_sql_prepare(db, "DELETE FROM log_batches WHERE base_offset >= ?1 AND base_offset <= ?2");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_i64(stmt, 1, base);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 2, last);
        if (!rc)
            rc = kd_sql_step(stmt, "deleting tiered batches");
        kd_host_finalize(stmt);
        rc = rc < 0 ? rc : 0;
    }
    /* The hot table may now be empty: the log state keeps the high watermark. */
    if (!rc && same)
        rc = kd_log_set_start(db, start, hw);
    if (!rc && same)
        rc = exec_key(db, "DELETE FROM log_cold_garbage WHERE object_key = ?1", key, key_len, "committing an object");
    if (rc)
        return rc;
    return kd_out_i32(same) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- objects no longer part of the log ---- */

int32_t kd_tier_garbage(uint32_t db, uint32_t max_keys)
{
    kd_scratch_reset();
    int32_t stmt = kd_sql_prepare(db, "SELECT object_key FROM log_cold_garbage ORDER BY object_key LIMIT ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, max_keys);
    uint32_t count = 0;
    if (!rc && !kd_out_u32(0))
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    while (!rc && (rc = kd_sql_step(stmt, "listing garbage objects")) == 1) {
        uint8_t *key = NULL;
        uint32_t len = 0;
        rc = kd_sql_column_dup(stmt, 0, &key, &len);
        if (!rc && (len > 0xffff || !kd_out_str(key, len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(key);
        count++;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    kd_out_patch_u32(0, count);
    return 0;
}

int32_t kd_tier_forget(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    uint32_t count;
    if (!kd_le_u32(&r, &count) || count > in_len / 2)
        return kd_fail(KD_ERR_INVALID_ARG, "the keys to forget are malformed");
    for (uint32_t i = 0; i < count; i++) {
        kd_str key;
        if (!kd_le_str(&r, &key))
            return kd_fail(KD_ERR_INVALID_ARG, "key %u to forget is malformed", (unsigned)i);
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the keys to forget");
    r.pos = 4;
    for (uint32_t i = 0; i < count; i++) {
        kd_str key;
        kd_le_str(&r, &key);
        int32_t rc = exec_key(db, "DELETE FROM log_cold_garbage WHERE object_key = ?1", key.p, key.len,
                              "forgetting a deleted object");
        if (rc)
            return rc;
    }
    return 0;
}

int32_t kd_tier_retire(uint32_t db)
{
    int32_t rc =
        kd_sql_run(db, "INSERT OR IGNORE INTO log_cold_garbage (object_key) SELECT object_key FROM log_segments");
    return rc ? rc : kd_sql_run(db, "DELETE FROM log_segments");
}

/* ---- retention ---- */

int32_t kd_tier_expire(uint32_t db, const kd_log_config *c, int64_t now_ms, uint32_t max_rows, int64_t start,
                       int64_t *size, kd_tier_expiry *out)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT last_offset, max_timestamp, size_bytes FROM log_segments"
                                      " ORDER BY base_offset LIMIT ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, (int64_t)max_rows + 1);
    while (!rc && (rc = kd_sql_step(stmt, "planning cold retention")) == 1) {
        rc = 0;
        int64_t last = kd_host_column_int64(stmt, 0), max_time = kd_host_column_int64(stmt, 1);
        int64_t bytes = kd_host_column_int64(stmt, 2);
        if (!kd_retention_deletable(c, now_ms, start, last, max_time, *size, bytes)) {
            out->blocked = true;
            out->kept_max_time = max_time;
            break;
        }
        if ((uint32_t)out->deleted == max_rows) {
            out->more = out->blocked = true;
            break;
        }
        out->deleted++;
        out->cut = last + 1;
        *size -= bytes;
    }
    kd_host_finalize(stmt);
    if (rc < 0 || out->deleted == 0)
        return rc < 0 ? rc : 0;
    static const char *const MOVE[] = {
        "INSERT OR IGNORE INTO log_cold_garbage (object_key) SELECT object_key FROM log_segments WHERE base_offset < "
        "?1",
        "DELETE FROM log_segments WHERE base_offset < ?1",
    };
    for (size_t i = 0; i < 2; i++) {
        stmt = kd_sql_prepare(db, MOVE[i]);
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_i64(stmt, 1, out->cut);
        if (!rc)
            rc = kd_sql_step(stmt, "deleting expired cold segments");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- reads ---- */

int32_t kd_tier_offset_for_time(uint32_t db, int64_t timestamp, int64_t *offset, int64_t *at, int *found)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT " SEGMENT_COLUMNS " FROM log_segments WHERE max_timestamp >= ?1"
                                      " ORDER BY base_offset LIMIT 1");
    if (stmt < 0)
        return stmt;
    segment s = {0};
    int32_t rc = kd_sql_bind_i64(stmt, 1, timestamp);
    if (!rc)
        rc = kd_sql_step(stmt, "finding a cold segment by time");
    *found = 0;
    if (rc == 1 && (rc = read_segment(stmt, &s)) == 0) {
        for (uint32_t i = 0; i < s.count && !*found; i++) {
            if (s.entries[i].max_time >= timestamp) {
                /* As for a compressed batch: its base offset, so nothing asked for is skipped. */
                *offset = s.entries[i].base;
                *at = s.entries[i].max_time;
                *found = 1;
            }
        }
    }
    kd_host_finalize(stmt);
    segment_free(&s);
    return rc < 0 ? rc : 0;
}

/* The entries a read from `offset` within max_bytes returns: [from, to). */
static void read_span(const segment *s, int64_t offset, int32_t max_bytes, bool min_one, uint32_t *from, uint32_t *to)
{
    int64_t total = 0;
    uint32_t i = *from = first_entry(s, offset);
    for (; i < s->count; i++) {
        if ((total > 0 || !min_one) && total + s->entries[i].size > max_bytes)
            break;
        total += s->entries[i].size;
        if (total >= max_bytes) {
            i++;
            break;
        }
    }
    *to = i;
}

int32_t kd_tier_locate(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch)
{
    kd_scratch_reset();
    if (max_bytes < 0)
        return kd_fail(KD_INVALID_FETCH_SIZE, "max bytes %d is negative", (int)max_bytes);
    if (max_bytes > KD_MAX_READ_BYTES)
        max_bytes = KD_MAX_READ_BYTES;
    int64_t start, hw;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (rc)
        return rc;
    if (offset < start || offset > hw)
        return kd_fail(KD_OFFSET_OUT_OF_RANGE, "offset %lld is outside the log [%lld, %lld]", (long long)offset,
                       (long long)start, (long long)hw);
    segment s = {0};
    int found = 0;
    rc = find_segment(db, offset, &s, &found);
    bool ok = !rc && kd_out_i32(found);
    if (ok && found) {
        uint32_t from, to;
        read_span(&s, offset, max_bytes, min_one_batch != 0, &from, &to);
        int64_t position = s.entries[from].position;
        int64_t end = to > from ? (int64_t)s.entries[to - 1].position + s.entries[to - 1].size : position;
        ok = kd_out_str(s.key, s.key_len) && kd_out_i64(position) && kd_out_i64(end - position);
    }
    segment_free(&s);
    if (rc)
        return rc;
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_tier_walk(uint32_t db, int64_t offset, int32_t max_bytes, bool min_one, const uint8_t *bytes, size_t len,
                     int64_t position, kd_batch_sink emit, void *arg)
{
    segment s = {0};
    int found = 0;
    int32_t rc = find_segment(db, offset, &s, &found);
    if (!rc && !found)
        rc = kd_fail(KD_ERR_INVALID_ARG, "offset %lld is not in the cold tier", (long long)offset);
    uint32_t from = 0, to = 0;
    if (!rc)
        read_span(&s, offset, max_bytes, min_one, &from, &to);
    for (uint32_t i = from; !rc && i < to; i++) {
        const index_entry *e = &s.entries[i];
        if (position < 0 || e->position < position || (uint64_t)(e->position - position) + e->size > len) {
            if (i == from)
                rc = kd_fail(KD_ERR_INVALID_ARG, "the bytes given do not hold the batch at offset %lld",
                             (long long)e->base);
            break;
        }
        const uint8_t *data = bytes + (e->position - position);
        kd_batch b;
        if (kd_batch_read(data, e->size, &b) != 0 || b.size != e->size || b.base_offset != e->base ||
            b.base_offset + b.last_offset_delta != e->last) {
            rc = kd_fail(KD_ERR_STORAGE, "cold object %.*s does not match its index at offset %lld",
                         (int)(s.key_len > 200 ? 200 : s.key_len), (const char *)s.key, (long long)e->base);
            break;
        }
        rc = emit(data, e->size, arg);
    }
    segment_free(&s);
    return rc == KD_WALK_STOP ? 0 : rc;
}
