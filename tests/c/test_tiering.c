/*
 * Tests src-c/tiering.c over real SQLite through the native storage host, with an
 * injected clock and a map from object key to bytes standing in for the bucket (the
 * host's part is only put, get and delete): which batches tier and when (local
 * retention by time and by size, segment.bytes), that every read of the log from its
 * start — fetch, read, offsets by time — answers byte for byte what it answered while
 * every batch was hot, retention over both tiers (whole segments first, their objects
 * garbage), DeleteRecords, stale plans, objects put but never committed, bytes that do
 * not match, and a storage failure at every statement of a plan and a commit leaving
 * the log as it was.
 */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

#define DB 1

#include "log_fixture.h"
#define NOW 1700000000000LL

static sqlite3 *fresh_log(void)
{
    return open_fresh_log("tiering");
}

typedef struct {
    kbuf sets;
} append_call;

static int32_t run_append(void *arg)
{
    append_call *c = arg;
    return kd_log_append(DB, c->sets.p, (uint32_t)c->sets.len, NOW, 1 << 20);
}

/* Appends `batches` batches of `records` records each, batch i's records stamped from
 * ts0 + i * step. */
static void append_batches(int batches, uint32_t records, int64_t ts0, int64_t step)
{
    append_call c = {{0}};
    size_t n = 0;
    kb_le(&c.sets, (uint64_t)batches, 4);
    for (int i = 0; i < batches; i++) {
        uint8_t *b = make_batch(records, ts0 + i * step, 16, &n);
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
        free(b);
    }
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    kb_free(&c.sets);
}

static int32_t configure(const char *json)
{
    return kd_log_configure(DB, (const uint8_t *)json, (uint32_t)strlen(json));
}

/* ---- the bucket: key to bytes ---- */

#define MAX_OBJECTS 64
static struct {
    char key[128];
    kbuf bytes;
} bucket[MAX_OBJECTS];

static int bucket_find(const char *key)
{
    for (int i = 0; i < MAX_OBJECTS; i++)
        if (bucket[i].key[0] && strcmp(bucket[i].key, key) == 0)
            return i;
    return -1;
}

static void bucket_put(const char *key, const uint8_t *p, size_t n)
{
    int i = bucket_find(key);
    for (int j = 0; i < 0 && j < MAX_OBJECTS; j++)
        if (!bucket[j].key[0])
            i = j;
    CHECK(i >= 0);
    if (i < 0)
        return;
    snprintf(bucket[i].key, sizeof bucket[i].key, "%s", key);
    kb_free(&bucket[i].bytes);
    kb_put(&bucket[i].bytes, p, n);
}

static void bucket_delete(const char *key)
{
    int i = bucket_find(key);
    if (i >= 0) {
        bucket[i].key[0] = 0;
        kb_free(&bucket[i].bytes);
    }
}

static int bucket_count(void)
{
    int n = 0;
    for (int i = 0; i < MAX_OBJECTS; i++)
        n += bucket[i].key[0] != 0;
    return n;
}

static void bucket_clear(void)
{
    for (int i = 0; i < MAX_OBJECTS; i++)
        bucket_delete(bucket[i].key);
}

/* ---- the host's side of tiering ---- */

typedef struct {
    int32_t planned, more, active;
    int64_t deadline, trigger;
    int64_t base, last;
    char key[128];
    kbuf bytes;
} plan_result;

typedef struct {
    int64_t now;
    int32_t max_bytes;
} plan_call;

static int32_t run_plan(void *arg)
{
    plan_call *c = arg;
    return kd_tier_plan(DB, c->now, c->max_bytes, (const uint8_t *)"p/", 2);
}

static int32_t plan(int64_t now, int32_t max_bytes, plan_result *r)
{
    plan_call c = {now, max_bytes};
    memset(r, 0, sizeof *r);
    int32_t rc = kd_native_in_transaction(DB, run_plan, &c);
    if (rc)
        return rc;
    const uint8_t *o = kd_out_ptr();
    r->planned = (int32_t)rd_le(o, 4);
    r->more = (int32_t)rd_le(o + 4, 4);
    r->active = (int32_t)rd_le(o + 8, 4);
    r->deadline = (int64_t)rd_le(o + 12, 8);
    r->trigger = (int64_t)rd_le(o + 20, 8);
    if (!r->planned) {
        CHECK_EQ_INT(kd_out_len(), 28);
        return 0;
    }
    r->base = (int64_t)rd_le(o + 28, 8);
    r->last = (int64_t)rd_le(o + 36, 8);
    size_t key_len = rd_le(o + 44, 2);
    CHECK(key_len < sizeof r->key);
    memcpy(r->key, o + 46, key_len);
    size_t len = rd_le(o + 46 + key_len, 4);
    CHECK_EQ_INT(kd_out_len(), 50 + key_len + len);
    kb_put(&r->bytes, o + 50 + key_len, len);
    return 0;
}

typedef struct {
    const plan_result *p;
} commit_call;

static int32_t run_commit(void *arg)
{
    const plan_result *p = ((commit_call *)arg)->p;
    return kd_tier_commit(DB, p->base, p->last, (int64_t)p->bytes.len, (const uint8_t *)p->key,
                          (uint32_t)strlen(p->key));
}

/* 1 committed, 0 stale, or an error code. */
static int32_t commit(const plan_result *p)
{
    commit_call c = {p};
    int32_t rc = kd_native_in_transaction(DB, run_commit, &c);
    return rc ? rc : (int32_t)rd_le(kd_out_ptr(), 4);
}

/* What the DO's alarm does: plan, put, commit, until nothing is due. Returns segments. */
static int tier_all(int64_t now, int32_t max_bytes)
{
    int segments = 0;
    for (;;) {
        plan_result p;
        CHECK_EQ_INT(plan(now, max_bytes, &p), 0);
        if (!p.planned)
            return segments;
        bucket_put(p.key, p.bytes.p, p.bytes.len);
        CHECK_EQ_INT(commit(&p), 1);
        kb_free(&p.bytes);
        segments++;
        if (!p.more)
            return segments;
    }
}

/* Deletes the objects the core lists as garbage, then has it forget them. */
static int collect_garbage(void)
{
    CHECK_EQ_INT(kd_tier_garbage(DB, 100), 0);
    uint32_t count = (uint32_t)rd_le(kd_out_ptr(), 4);
    kbuf forget = {0};
    kb_le(&forget, count, 4);
    const uint8_t *o = kd_out_ptr() + 4;
    char keys[16][128];
    for (uint32_t i = 0; i < count && i < 16; i++) {
        size_t n = rd_le(o, 2);
        snprintf(keys[i], sizeof keys[i], "%.*s", (int)n, (const char *)o + 2);
        kb_put(&forget, o, 2 + n);
        o += 2 + n;
    }
    for (uint32_t i = 0; i < count && i < 16; i++)
        bucket_delete(keys[i]);
    CHECK_EQ_INT(kd_tier_forget(DB, forget.p, (uint32_t)forget.len), 0);
    kb_free(&forget);
    return (int)count;
}

/* ---- reads, as the DO serves them ---- */

/* kd_log_fetch, falling back to the cold tier as the DO does: the output in *out. */
static int32_t fetch(int64_t offset, int32_t max_bytes, bool min_one, kbuf *out)
{
    int32_t rc = kd_log_fetch(DB, offset, max_bytes, min_one);
    if (rc == KD_ERR_COLD) {
        if ((rc = kd_tier_locate(DB, offset, max_bytes, min_one)) != 0)
            return rc;
        const uint8_t *o = kd_out_ptr();
        CHECK_EQ_INT(rd_le(o, 4), 1);
        size_t key_len = rd_le(o + 4, 2);
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)key_len, (const char *)o + 6);
        int64_t position = (int64_t)rd_le(o + 6 + key_len, 8), length = (int64_t)rd_le(o + 14 + key_len, 8);
        int i = bucket_find(key);
        CHECK(i >= 0);
        if (i < 0)
            return -100;
        CHECK(position + length <= (int64_t)bucket[i].bytes.len);
        rc =
            kd_log_fetch_cold(DB, offset, max_bytes, min_one, bucket[i].bytes.p + position, (uint32_t)length, position);
    }
    if (rc == 0)
        kb_put(out, kd_out_ptr(), kd_out_len());
    return rc;
}

static int32_t read_records(int64_t offset, uint32_t max_records, int32_t max_bytes, kbuf *out)
{
    int32_t rc = kd_log_read(DB, offset, max_records, max_bytes);
    if (rc == KD_ERR_COLD) {
        if ((rc = kd_tier_locate(DB, offset, max_bytes, 1)) != 0)
            return rc;
        const uint8_t *o = kd_out_ptr();
        size_t key_len = rd_le(o + 4, 2);
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)key_len, (const char *)o + 6);
        int64_t position = (int64_t)rd_le(o + 6 + key_len, 8), length = (int64_t)rd_le(o + 14 + key_len, 8);
        int i = bucket_find(key);
        if (i < 0)
            return -100;
        rc = kd_log_read_cold(DB, offset, max_records, max_bytes, bucket[i].bytes.p + position, (uint32_t)length,
                              position);
    }
    if (rc == 0)
        kb_put(out, kd_out_ptr(), kd_out_len());
    return rc;
}

/* The whole log as a consumer fetching from `from` sees it: its batches back to back. */
static void consume(int64_t from, int32_t max_bytes, kbuf *out)
{
    for (int64_t offset = from;;) {
        kbuf f = {0};
        CHECK_EQ_INT(fetch(offset, max_bytes, true, &f), 0);
        int64_t hw = (int64_t)rd_le(f.p + 8, 8);
        size_t pos = 16;
        while (pos < f.len) {
            kd_batch b;
            CHECK_EQ_INT(kd_batch_read(f.p + pos, f.len - pos, &b), 0);
            kb_put(out, f.p + pos, b.size);
            offset = b.base_offset + b.last_offset_delta + 1;
            pos += b.size;
        }
        kb_free(&f);
        if (offset >= hw || pos == 16)
            return;
    }
}

/* The records a consumer reading a few at a time gets from each of several offsets to
 * the end (a read from the cold tier answers from one segment, so its calls may return
 * fewer records; what a consumer gets in the end is the same). */
static void snapshot_reads(int64_t hw, kbuf *out)
{
    static const int64_t starts[] = {0, 3, 7, 18, 19, 23, 50, 74, 99};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        for (int64_t offset = starts[i]; offset < hw;) {
            kbuf r = {0};
            CHECK_EQ_INT(read_records(offset, 3, 1 << 20, &r), 0);
            uint32_t n = r.len >= 20 ? (uint32_t)rd_le(r.p + 16, 4) : 0;
            CHECK(n > 0);
            if (n == 0) {
                kb_free(&r);
                break;
            }
            /* Records as the format lays them out; each starts with its i64 offset. */
            size_t pos = 20;
            for (uint32_t j = 0; j < n; j++) {
                offset = (int64_t)rd_le(r.p + pos, 8) + 1;
                size_t at = pos + 16;
                int32_t kl = (int32_t)rd_le(r.p + at, 4);
                at += 4 + (kl > 0 ? (size_t)kl : 0);
                int32_t vl = (int32_t)rd_le(r.p + at, 4);
                at += 4 + (vl > 0 ? (size_t)vl : 0);
                uint32_t hc = (uint32_t)rd_le(r.p + at, 4);
                at += 4;
                for (uint32_t h = 0; h < hc; h++) {
                    at += 4 + rd_le(r.p + at, 4);
                    int32_t hv = (int32_t)rd_le(r.p + at, 4);
                    at += 4 + (hv > 0 ? (size_t)hv : 0);
                }
                kb_put(out, r.p + pos, at - pos);
                pos = at;
            }
            CHECK_EQ_INT(pos, r.len);
            kb_free(&r);
        }
    }
}

static bool same(const kbuf *a, const kbuf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static int64_t count(sqlite3 *conn, const char *sql)
{
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(conn, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* ---- tests ---- */

static void test_configs(void)
{
    kd_log_config c;
    const char *none = "{}";
    CHECK_EQ_INT(kd_log_config_parse((const uint8_t *)none, 2, &c), 0);
    CHECK(!c.remote_storage);
    CHECK_EQ_INT(c.local_retention_ms, -2);
    CHECK_EQ_INT(c.local_retention_bytes, -2);
    const char *set = "{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"5\",\"local."
                      "retention.bytes\":\"7\"}";
    CHECK_EQ_INT(kd_log_config_parse((const uint8_t *)set, strlen(set), &c), 0);
    CHECK(c.remote_storage);
    CHECK_EQ_INT(c.local_retention_ms, 5);
    CHECK_EQ_INT(c.local_retention_bytes, 7);
    const char *bad = "{\"remote.storage.enable\":\"yes\"}";
    CHECK_EQ_INT(kd_log_config_parse((const uint8_t *)bad, strlen(bad), &c), KD_INVALID_CONFIG);
    const char *low = "{\"local.retention.ms\":\"-3\"}";
    CHECK_EQ_INT(kd_log_config_parse((const uint8_t *)low, strlen(low), &c), KD_INVALID_CONFIG);
}

/* Nothing tiers without remote.storage.enable, nor with the defaults' local retention
 * (which is the total's: a batch past it is retention's to delete). */
static void test_nothing_tiers_unless_asked(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 5, 0, 1000);
    plan_result p;
    CHECK_EQ_INT(configure("{\"local.retention.ms\":\"0\",\"retention.ms\":\"-1\"}"), 0);
    CHECK_EQ_INT(plan(NOW, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 0);
    CHECK_EQ_INT(p.active, 0);
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"retention.ms\":\"-1\"}"), 0);
    CHECK_EQ_INT(plan(NOW, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 0);
    CHECK_EQ_INT(p.active, 0);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), 0);
    close_log(conn);
}

/* Batches older than local.retention.ms move into segments of at most segment.bytes;
 * every read from offset 0 answers exactly what it did while all was hot. */
static void test_reads_are_byte_identical(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(20, 5, 0, 1000); /* batch i: offsets 5i..5i+4, timestamps 1000i.. */
    kbuf before = {0}, before_small = {0}, before_reads = {0};
    consume(0, 1 << 20, &before);
    consume(0, 1, &before_small);
    snapshot_reads(100, &before_reads);
    size_t batch_size = before.len / 20;
    char json[256];
    snprintf(json, sizeof json,
             "{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"10000\",\"retention."
             "ms\":\"-1\","
             "\"segment.bytes\":\"%zu\"}",
             batch_size * 4);
    CHECK_EQ_INT(configure(json), 0);

    /* At 15000 the batches whose newest record is older than 5000 are due: 0..4. */
    plan_result p;
    CHECK_EQ_INT(plan(15000, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 1);
    CHECK_EQ_INT(p.more, 1); /* four fit segment.bytes; the fifth waits */
    CHECK_EQ_INT(p.base, 0);
    CHECK_EQ_INT(p.last, 19);
    CHECK(strcmp(p.key, "p/00000000000000000000.log") == 0);
    CHECK(p.bytes.len == batch_size * 4 && memcmp(p.bytes.p, before.p, p.bytes.len) == 0);
    /* Until committed the key is in flight (garbage if never committed). */
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), 1);
    bucket_put(p.key, p.bytes.p, p.bytes.len);
    CHECK_EQ_INT(commit(&p), 1);
    kb_free(&p.bytes);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), 0);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), 16);
    CHECK_EQ_INT(tier_all(15000, 1 << 20), 1); /* batch 4 alone */
    /* Nothing more is due until batch 5's newest record (5004) is 10000 ms old. */
    CHECK_EQ_INT(plan(15000, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 0);
    CHECK_EQ_INT(p.active, 1);
    CHECK_EQ_INT(p.deadline, 15005);
    CHECK_EQ_INT(p.trigger, -1);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), 2);
    /* Later, more is due; with max_bytes smaller than segment.bytes, max_bytes rules. */
    CHECK_EQ_INT(tier_all(25000, (int32_t)(batch_size * 3)), 4); /* batches 5..14: 3+3+3+1 */
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), 5);

    /* A hot read at a cold offset is refused with KD_ERR_COLD, so nothing is skipped. */
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 1 << 20, 1), KD_ERR_COLD);
    CHECK_EQ_INT(kd_log_read(DB, 37, 10, 1 << 20), KD_ERR_COLD);
    CHECK_EQ_INT(kd_log_fetch(DB, 75, 1 << 20, 1), 0);
    int64_t start, hw;
    CHECK_EQ_INT(kd_log_offsets(DB), 0);
    start = (int64_t)rd_le(kd_out_ptr(), 8);
    hw = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    CHECK_EQ_INT(start, 0);
    CHECK_EQ_INT(hw, 100);

    kbuf after = {0}, after_small = {0}, after_reads = {0};
    consume(0, 1 << 20, &after);
    consume(0, 1, &after_small);
    snapshot_reads(100, &after_reads);
    CHECK(same(&before, &after));
    CHECK(same(&before_small, &after_small));
    CHECK(same(&before_reads, &after_reads));
    /* ListOffsets by time in the cold tier answers the batch holding the first record
     * that late, by its base offset (as for a compressed batch: nothing asked for is
     * skipped, and the tier's index answers without a get); in the hot tier, exactly. */
    CHECK_EQ_INT(kd_log_offset_for_time(DB, 7002), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 35);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 7004);
    CHECK_EQ_INT(kd_log_offset_for_time(DB, 17002), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 87);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 17002);
    CHECK_EQ_INT(kd_log_offset_for_time(DB, 99999), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), -1);
    /* A fetch from the middle of a cold batch starts with that batch, as a hot one does. */
    kbuf mid = {0};
    CHECK_EQ_INT(fetch(7, 1, true, &mid), 0);
    CHECK(mid.len == 16 + batch_size && memcmp(mid.p + 16, before.p + batch_size, batch_size) == 0);
    /* Without min_one, a max_bytes smaller than the batch answers no batch. */
    kb_free(&mid);
    CHECK_EQ_INT(fetch(7, 1, false, &mid), 0);
    CHECK_EQ_INT(mid.len, 16);
    kb_free(&mid);
    kb_free(&before), kb_free(&before_small), kb_free(&before_reads);
    kb_free(&after), kb_free(&after_small), kb_free(&after_reads);
    bucket_clear();
    close_log(conn);
}

/* As Kafka moves only rolled segments: a segment that is not full waits until its
 * first batch has been due for segment.ms, then moves whole. */
static void test_segments_roll(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 5, 0, 1000);
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"local.retention.ms\":\"10000\","
                           "\"retention.ms\":\"-1\",\"segment.ms\":\"5000\"}"),
                 0);
    plan_result p;
    CHECK_EQ_INT(plan(15000, 1 << 20, &p), 0); /* batches 0..4 due, batch 0 due since 10004 */
    CHECK_EQ_INT(p.planned, 0);
    CHECK_EQ_INT(p.deadline, 15004);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), 0);
    CHECK_EQ_INT(plan(15004, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 1);
    CHECK_EQ_INT(p.base, 0);
    CHECK_EQ_INT(p.last, 24);
    bucket_put(p.key, p.bytes.p, p.bytes.len);
    CHECK_EQ_INT(commit(&p), 1);
    kb_free(&p.bytes);
    bucket_clear();
    close_log(conn);
}

/* local.retention.bytes: the hot tier keeps at least that many bytes. */
static void test_local_retention_bytes(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 5, NOW, 0);
    kbuf all = {0};
    consume(0, 1 << 20, &all);
    size_t batch_size = all.len / 10;
    char json[256];
    /* By size alone a segment moves once full: the next batch would not fit. */
    snprintf(json, sizeof json,
             "{\"remote.storage.enable\":\"true\",\"local.retention.bytes\":\"%zu\",\"segment.bytes\":\"%zu\"}",
             batch_size * 3, batch_size * 8);
    CHECK_EQ_INT(configure(json), 0);
    plan_result early;
    CHECK_EQ_INT(plan(NOW, 1 << 20, &early), 0);
    CHECK_EQ_INT(early.planned, 0); /* 7 batches due, room for 8 */
    CHECK_EQ_INT(early.deadline, NOW + 4 + 604800000 + 1);
    snprintf(json, sizeof json,
             "{\"remote.storage.enable\":\"true\",\"local.retention.bytes\":\"%zu\",\"segment.bytes\":\"%zu\"}",
             batch_size * 3, batch_size * 7);
    CHECK_EQ_INT(configure(json), 0);
    CHECK_EQ_INT(tier_all(NOW, 1 << 20), 1);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), 3);
    /* Due again once the log grows by a sixteenth of local.retention.bytes. */
    plan_result p;
    CHECK_EQ_INT(plan(NOW, 1 << 20, &p), 0);
    CHECK_EQ_INT(p.planned, 0);
    CHECK_EQ_INT(p.deadline, NOW + 4 + 604800000 + 1); /* local.retention.ms -2: retention.ms */
    CHECK_EQ_INT(p.trigger, (int64_t)(batch_size * 10 + batch_size * 3 / 16));
    CHECK_EQ_INT(count(conn, "SELECT sum(size_bytes) FROM log_segments"), (int64_t)batch_size * 7);
    kb_free(&all);
    bucket_clear();
    close_log(conn);
}

/* Retention counts both tiers, deletes whole segments first and hands their objects
 * over as garbage; DeleteRecords likewise; a retired log's objects are all garbage. */
static void test_retention_over_both_tiers(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(20, 5, 0, 1000);
    kbuf all = {0};
    consume(0, 1 << 20, &all);
    size_t batch_size = all.len / 20;
    char json[256];
    snprintf(json, sizeof json,
             "{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"10000\",\"retention."
             "ms\":\"-1\","
             "\"segment.bytes\":\"%zu\"}",
             batch_size * 4);
    CHECK_EQ_INT(configure(json), 0);
    CHECK_EQ_INT(tier_all(25000, 1 << 20), 4); /* batches 0..14 in segments of 4, 4, 4, 3 */
    CHECK_EQ_INT(bucket_count(), 4);

    /* retention.bytes of 12 batches: the total is 20, so 8 batches' worth go — the
     * first two segments whole (8 batches); the log start follows. */
    snprintf(json, sizeof json,
             "{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"10000\",\"retention."
             "ms\":\"-1\","
             "\"segment.bytes\":\"%zu\",\"retention.bytes\":\"%zu\"}",
             batch_size * 4, batch_size * 12);
    CHECK_EQ_INT(configure(json), 0);
    CHECK_EQ_INT(kd_log_retention(DB, 25000, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);                                      /* deleted */
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 12, 8), 40);                       /* log start */
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), (int64_t)batch_size * 12); /* size */
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), 2);
    kbuf f = {0};
    CHECK_EQ_INT(fetch(39, 1 << 20, true, &f), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(collect_garbage(), 2);
    CHECK_EQ_INT(bucket_count(), 2);
    CHECK_EQ_INT(collect_garbage(), 0);
    /* What is left reads as before. */
    CHECK_EQ_INT(fetch(40, 1 << 20, true, &f), 0);
    CHECK(f.len > 16 && memcmp(f.p + 16, all.p + batch_size * 8, f.len - 16) == 0);
    kb_free(&f);

    /* DeleteRecords to 62: the segment 40..59 is wholly below it and goes; the one
     * holding 62 (60..74) stays, read from its start as a hot batch would be. */
    CHECK_EQ_INT(kd_log_delete_records(DB, 62), 0);
    CHECK_EQ_INT(kd_log_retention(DB, 25000, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    CHECK_EQ_INT(fetch(62, 1 << 20, true, &f), 0);
    CHECK(f.len > 16 && memcmp(f.p + 16, all.p + batch_size * 12, batch_size) == 0);
    kb_free(&f);
    /* DeleteRecords to 80: the last segment, then the hot batch 75..79. */
    CHECK_EQ_INT(kd_log_delete_records(DB, 80), 0);
    CHECK_EQ_INT(kd_log_retention(DB, 25000, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), 0);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), 4);
    CHECK_EQ_INT(collect_garbage(), 2);
    CHECK_EQ_INT(bucket_count(), 0);
    CHECK_EQ_INT(fetch(80, 1 << 20, true, &f), 0);
    CHECK(f.len == 16 + batch_size * 4 && memcmp(f.p + 16, all.p + batch_size * 16, batch_size * 4) == 0);
    kb_free(&f);

    /* Retiring the log makes every object garbage. */
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"0\","
                           "\"retention.ms\":\"-1\"}"),
                 0);
    CHECK_EQ_INT(tier_all(25000, 1 << 20), 1);
    CHECK_EQ_INT(bucket_count(), 1);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(collect_garbage(), 1);
    CHECK_EQ_INT(bucket_count(), 0);
    kb_free(&all);
    close_log(conn);
}

/* A plan whose batches retention deleted before the commit commits nothing; an object
 * put but never committed is garbage; a retried plan names the same object. */
static void test_stale_plans_and_crashes(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 5, 0, 1000);
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"1000\","
                           "\"retention.ms\":\"-1\"}"),
                 0);
    plan_result p, again;
    CHECK_EQ_INT(plan(NOW, 1 << 20, &p), 0);
    bucket_put(p.key, p.bytes.p, p.bytes.len);
    /* "Crash": no commit. The retry names the same object and batches. */
    CHECK_EQ_INT(plan(NOW, 1 << 20, &again), 0);
    CHECK(strcmp(p.key, again.key) == 0 && same(&p.bytes, &again.bytes));
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), 1);
    /* A commit of another key, or of other bytes, is stale. */
    plan_result wrong = again;
    snprintf(wrong.key, sizeof wrong.key, "p/other.log");
    CHECK_EQ_INT(commit(&wrong), 0);
    wrong = again;
    wrong.bytes.len--;
    CHECK_EQ_INT(commit(&wrong), 0);
    /* Retention takes the batches (DeleteRecords) between plan and commit. */
    CHECK_EQ_INT(kd_log_delete_records(DB, 10), 0);
    CHECK_EQ_INT(kd_log_retention(DB, NOW, 100), 0);
    CHECK_EQ_INT(commit(&again), 0);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), 0);
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), 8);
    CHECK_EQ_INT(collect_garbage(), 1);
    CHECK_EQ_INT(bucket_count(), 0);
    kb_free(&p.bytes);
    kb_free(&again.bytes);
    /* The next plan starts at the log start and commits. */
    CHECK_EQ_INT(tier_all(NOW, 1 << 20), 1);
    kbuf f = {0};
    CHECK_EQ_INT(fetch(10, 1 << 20, true, &f), 0);
    kb_free(&f);
    bucket_clear();
    close_log(conn);
}

/* Bytes that are not the object's, or not where they should be, are refused. */
static void test_bad_bytes(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(4, 5, 0, 1000);
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"0\","
                           "\"retention.ms\":\"-1\"}"),
                 0);
    CHECK_EQ_INT(tier_all(NOW, 1 << 20), 1);
    int i = bucket_find("p/00000000000000000000.log");
    CHECK(i >= 0);
    kbuf copy = {0};
    kb_put(&copy, bucket[i].bytes.p, bucket[i].bytes.len);
    size_t batch_size = copy.len / 4;
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, (uint32_t)copy.len, 0), 0);
    /* Too few bytes for the first batch; bytes from the wrong position. */
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, 10, 0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, (uint32_t)copy.len, 1), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, (uint32_t)copy.len, -5), KD_ERR_INVALID_ARG);
    /* Fewer bytes than asked for: what they hold whole. */
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, (uint32_t)(batch_size * 2 + 3), 0), 0);
    CHECK_EQ_INT(kd_out_len(), 16 + batch_size * 2);
    /* A flipped byte fails the CRC: a storage error, nothing returned as if good. */
    copy.p[batch_size + 40] ^= 1;
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 0, 1 << 20, 1, copy.p, (uint32_t)copy.len, 0), KD_ERR_STORAGE);
    CHECK_EQ_INT(kd_log_read_cold(DB, 5, 100, 1 << 20, copy.p + batch_size, (uint32_t)(copy.len - batch_size),
                                  (int64_t)batch_size),
                 KD_ERR_STORAGE);
    /* Offsets outside the log are refused first; a hot offset is not the cold tier's. */
    CHECK_EQ_INT(kd_log_fetch_cold(DB, 21, 1 << 20, 1, copy.p, (uint32_t)copy.len, 0), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_tier_locate(DB, 20, 1 << 20, 1), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 0);
    CHECK_EQ_INT(kd_tier_locate(DB, 0, -1, 1), KD_INVALID_FETCH_SIZE);
    kb_free(&copy);
    bucket_clear();
    close_log(conn);
}

/* A plan or a commit failing at its n-th statement, for every n until one succeeds,
 * leaves the log as it was: same rows, same segments, same reads. */
static void test_storage_failures(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(12, 5, 0, 1000);
    CHECK_EQ_INT(configure("{\"remote.storage.enable\":\"true\",\"segment.ms\":\"1\",\"local.retention.ms\":\"3000\","
                           "\"retention.ms\":\"-1\"}"),
                 0);
    kbuf before = {0};
    consume(0, 1 << 20, &before);
    for (int which = 0; which < 2; which++) {
        plan_result p = {0};
        if (which == 1) {
            CHECK_EQ_INT(plan(NOW, 1 << 20, &p), 0);
            bucket_put(p.key, p.bytes.p, p.bytes.len);
        }
        long n = 1;
        for (; n < 100; n++) {
            int64_t rows = count(conn, "SELECT count(*) FROM log_batches");
            int64_t segments = count(conn, "SELECT count(*) FROM log_segments");
            int64_t garbage = count(conn, "SELECT count(*) FROM log_cold_garbage");
            plan_result q;
            kd_native_fail_step(n);
            int32_t rc = which == 0 ? plan(NOW, 1 << 20, &q) : commit(&p);
            kd_native_fail_step(0);
            if (rc >= 0 && !(which == 1 && rc == 0)) {
                if (which == 0)
                    kb_free(&q.bytes);
                break;
            }
            CHECK_EQ_INT(rc, KD_ERR_STORAGE);
            CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_batches"), rows);
            CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), segments);
            CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_cold_garbage"), garbage);
            kbuf now = {0};
            consume(0, 1 << 20, &now);
            CHECK(same(&before, &now));
            kb_free(&now);
        }
        CHECK(n > 4); /* every statement failed once */
        if (which == 0) {
            CHECK_EQ_INT(collect_garbage(), 1); /* the successful plan's key, never put */
        }
        kb_free(&p.bytes);
    }
    CHECK_EQ_INT(count(conn, "SELECT count(*) FROM log_segments"), 1);
    kbuf after = {0};
    consume(0, 1 << 20, &after);
    CHECK(same(&before, &after));
    /* Retention's size is both tiers'. */
    CHECK_EQ_INT(kd_log_retention(DB, NOW, 100), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), (int64_t)before.len);
    kb_free(&before);
    kb_free(&after);
    bucket_clear();
    close_log(conn);
}

int main(void)
{
    RUN(test_configs);
    RUN(test_nothing_tiers_unless_asked);
    RUN(test_reads_are_byte_identical);
    RUN(test_segments_roll);
    RUN(test_local_retention_bytes);
    RUN(test_retention_over_both_tiers);
    RUN(test_stale_plans_and_crashes);
    RUN(test_bad_bytes);
    RUN(test_storage_failures);
    return CHECK_SUMMARY();
}
