/*
 * Tests src-c/compaction.c over real SQLite through the native storage host, with an
 * injected clock: random logs (keys, values, tombstones, appends old and new) compacted
 * and compared with a straightforward model, offsets included; batches keeping their
 * base and last offsets; keyless records refused; the dirty ratio deciding when a pass
 * runs; the latest value of a key; a storage failure at every statement of a step.
 * The model and the offsets are tested again with every batch compressed by each codec
 * (cleaned batches are compressed again, with their codec).
 */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "codecs.h"
#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

#define DB 1

#include "log_fixture.h"
#define T0 1700000000000LL

static sqlite3 *fresh_log(const char *config)
{
    sqlite3 *conn = open_fresh_log("compaction");
    CHECK_EQ_INT(kd_log_configure(DB, (const uint8_t *)config, (uint32_t)strlen(config)), 0);
    return conn;
}

/* A record of the test: key k<key> (-1: none), value v<value> (-1: a tombstone). */
typedef struct {
    int key, value;
} rec;

typedef struct {
    kbuf sets;
    int64_t now;
} append_call;

static int32_t run_append(void *arg)
{
    append_call *c = arg;
    return kd_log_append(DB, c->sets.p, (uint32_t)c->sets.len, c->now, 1 << 20);
}

/* The codec the test's batches are compressed with (0: none). The core's encoder stores
 * batches this small uncompressed, so the tests compress them themselves. */
static int append_codec;

static void compress_batch(kbuf *batch)
{
    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    CHECK_EQ_INT(kd_compress(append_codec, batch->p + KD_BATCH_RECORDS_AT, batch->len - KD_BATCH_RECORDS_AT, &z), 0);
    batch->len = KD_BATCH_RECORDS_AT;
    kb_put(batch, z.data, z.len);
    free(z.data);
    kd_put_be16(batch->p + 21, (uint16_t)(kd_be16(batch->p + 21) | append_codec));
    kd_batch_set_records(batch->p, batch->len, (int32_t)kd_be32(batch->p + 57));
}

/* Appends one batch of the records at time `now`; returns the set's error code. */
static int32_t append(const rec *recs, int n, int64_t now)
{
    kbuf in = {0};
    kb_params(&in, kparams_default(), (uint32_t)n);
    for (int i = 0; i < n; i++) {
        char key[16], value[16];
        int kl = snprintf(key, sizeof key, "k%d", recs[i].key);
        int vl = snprintf(value, sizeof value, "v%d", recs[i].value);
        kb_record(&in, now + i, recs[i].key < 0 ? NULL : key, recs[i].key < 0 ? -1 : kl,
                  recs[i].value < 0 ? NULL : value, recs[i].value < 0 ? -1 : vl, 0, NULL, NULL);
    }
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    kbuf batch = {0};
    kb_put(&batch, kd_out_ptr(), kd_out_len());
    if (append_codec)
        compress_batch(&batch);
    append_call c = {{0}, now};
    kb_le(&c.sets, 1, 4);
    kb_le(&c.sets, batch.len, 4);
    kb_put(&c.sets, batch.p, batch.len);
    kb_free(&batch);
    kb_free(&in);
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    int32_t err = (int32_t)rd_le(kd_out_ptr(), 4);
    kb_free(&c.sets);
    return err;
}

typedef struct {
    int32_t removed, more, active;
    int64_t bytes, deadline;
} compact_result;

typedef struct {
    int64_t now;
    uint32_t max_rows;
} compact_call;

static int32_t run_compact(void *arg)
{
    compact_call *c = arg;
    return kd_log_compact(DB, c->now, c->max_rows);
}

static int32_t compact_step(int64_t now, uint32_t max_rows, compact_result *r)
{
    compact_call c = {now, max_rows};
    int32_t rc = kd_native_in_transaction(DB, run_compact, &c);
    if (rc == 0) {
        const uint8_t *o = kd_out_ptr();
        CHECK_EQ_INT(kd_out_len(), 28);
        *r = (compact_result){(int32_t)rd_le(o, 4), (int32_t)rd_le(o + 4, 4), (int32_t)rd_le(o + 8, 4),
                              (int64_t)rd_le(o + 12, 8), (int64_t)rd_le(o + 20, 8)};
    }
    return rc;
}

/* Runs steps until a pass ends; the records removed in all. */
static int64_t compact_all(int64_t now, uint32_t max_rows)
{
    compact_result r;
    int64_t removed = 0;
    int steps = 0;
    do {
        CHECK_EQ_INT(compact_step(now, max_rows, &r), 0);
        removed += r.removed;
    } while (r.more && ++steps < 10000);
    return removed;
}

/* The log's records from its start, as (offset, key, value) with -1 for none. */
typedef struct {
    int64_t offset;
    int key, value;
} seen;

static int read_all(seen *out, int cap)
{
    int64_t start = (int64_t)(kd_log_offsets(DB) == 0 ? rd_le(kd_out_ptr(), 8) : 0);
    CHECK_EQ_INT(kd_log_read(DB, start, 100000, 1 << 24), 0);
    const uint8_t *p = kd_out_ptr() + 16;
    uint32_t count = (uint32_t)rd_le(p, 4);
    p += 4;
    int n = 0;
    /* kd record list: i64 offset, i64 timestamp, i32 key_len + key, i32 value_len +
     * value, u32 header count + headers (kafdo.h). */
    for (uint32_t i = 0; i < count && n < cap; i++) {
        seen s;
        s.offset = (int64_t)rd_le(p, 8);
        p += 16;
        int32_t kl = (int32_t)rd_le(p, 4);
        p += 4;
        s.key = kl < 0 ? -1 : atoi((const char *)p + 1);
        p += kl > 0 ? kl : 0;
        int32_t vl = (int32_t)rd_le(p, 4);
        p += 4;
        s.value = vl < 0 ? -1 : atoi((const char *)p + 1);
        p += vl > 0 ? vl : 0;
        uint32_t headers = (uint32_t)rd_le(p, 4);
        p += 4;
        CHECK_EQ_INT(headers, 0);
        out[n++] = s;
    }
    return n;
}

/* ---- the model ---- */

#define MAX_RECORDS 4000
#define KEYS 37

typedef struct {
    int64_t offset;
    int key, value;
    int64_t appended;
} model_rec;

static uint32_t rng = 12345;
static uint32_t next_random(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

/*
 * Random logs: batches of 1-20 records over KEYS keys, 10% tombstones, appended at
 * times spread over an hour; compaction at `now` with segment.ms 600000 (the last ten
 * minutes of appends are the active segment) and delete.retention.ms 1800000. The
 * model keeps, below the first batch of the active segment, a record only when it is
 * its key's latest anywhere in the log, and not a tombstone appended more than
 * delete.retention.ms before now; above, everything.
 */
static void test_against_the_model(void)
{
    for (int round = 0; round < 6; round++) {
        sqlite3 *conn = fresh_log("{\"cleanup.policy\":\"compact\",\"segment.ms\":\"600000\","
                                  "\"delete.retention.ms\":\"1800000\",\"min.cleanable.dirty.ratio\":\"0\"}");
        static model_rec model[MAX_RECORDS];
        int n = 0;
        int64_t offset = 0, t = T0;
        while (n < MAX_RECORDS - 20) {
            rec recs[20];
            int count = 1 + (int)(next_random() % 20);
            for (int i = 0; i < count; i++) {
                recs[i].key = (int)(next_random() % KEYS);
                recs[i].value = next_random() % 10 == 0 ? -1 : (int)(next_random() % 100000);
                model[n++] = (model_rec){offset++, recs[i].key, recs[i].value, t};
            }
            CHECK_EQ_INT(append(recs, count, t), 0);
            t += 1 + (int64_t)(next_random() % 3000);
            if (round % 2 == 1 && next_random() % 50 == 0) {
                /* Compacting in between: a later pass meets a log already cleaned. */
                compact_all(t, 1 + next_random() % 64);
            }
        }
        int64_t now = t;
        int64_t removed = compact_all(now, 1 + (uint32_t)round * 40);
        /* The model. */
        int64_t latest[KEYS];
        for (int k = 0; k < KEYS; k++)
            latest[k] = -1;
        for (int i = 0; i < n; i++)
            latest[model[i].key] = model[i].offset;
        static seen expected[MAX_RECORDS], got[MAX_RECORDS];
        int e = 0;
        for (int i = 0; i < n; i++) {
            model_rec *m = &model[i];
            bool active = m->appended >= now - 600000;
            bool superseded = latest[m->key] > m->offset;
            bool old_tombstone = m->value < 0 && m->appended < now - 1800000;
            if (active || !(superseded || old_tombstone))
                expected[e++] = (seen){m->offset, m->key, m->value};
        }
        int g = read_all(got, MAX_RECORDS);
        CHECK_EQ_INT(g, e);
        CHECK_EQ_INT(removed, n - e);
        int mismatches = 0;
        for (int i = 0; i < g && i < e; i++)
            if (got[i].offset != expected[i].offset || got[i].key != expected[i].key ||
                got[i].value != expected[i].value)
                mismatches++;
        CHECK_EQ_INT(mismatches, 0);
        /* The high watermark and the log start are untouched; every key's latest value
         * is one lookup. */
        CHECK_EQ_INT(kd_log_offsets(DB), 0);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), offset);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 0);
        for (int k = 0; k < KEYS; k++) {
            char key[16];
            int kl = snprintf(key, sizeof key, "k%d", k);
            CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)key, (uint32_t)kl), 0);
            uint32_t count = (uint32_t)rd_le(kd_out_ptr() + 16, 4);
            int64_t want = latest[k];
            bool gone = want >= 0 && model[want].value < 0 && model[want].appended < now - 1800000 &&
                        model[want].appended < now - 600000;
            CHECK_EQ_INT(count, want < 0 || gone ? 0 : 1);
            if (count == 1)
                CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), want);
        }
        /* A second pass over a clean log removes nothing. */
        CHECK_EQ_INT(compact_all(now, 100), 0);
        close_log(conn);
    }
}

/* A batch keeps its base offset, last offset delta and timestamps; gaps appear. */
static void test_batches_keep_their_offsets(void)
{
    sqlite3 *conn =
        fresh_log("{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1\",\"min.cleanable.dirty.ratio\":\"0\"}");
    rec a[] = {{1, 1}, {2, 2}, {1, 3}, {3, 4}};
    rec b[] = {{2, 5}};
    append(a, 4, T0);
    append(b, 1, T0 + 10);
    CHECK_EQ_INT(compact_all(T0 + 1000, 100), 2); /* k1@0 and k2@1 */
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 1 << 20, 1), 0);
    kd_batch batch;
    CHECK_EQ_INT(kd_batch_read(kd_out_ptr() + 16, kd_out_len() - 16, &batch), 0);
    CHECK_EQ_INT(batch.base_offset, 0);
    CHECK_EQ_INT(batch.last_offset_delta, 3);
    CHECK_EQ_INT(batch.record_count, 2);
    CHECK_EQ_INT(batch.first_timestamp, T0);
    seen got[8];
    CHECK_EQ_INT(read_all(got, 8), 3);
    CHECK_EQ_INT(got[0].offset, 2);
    CHECK_EQ_INT(got[1].offset, 3);
    CHECK_EQ_INT(got[2].offset, 4);
    /* Reading from an offset in a gap starts at the next record. */
    CHECK_EQ_INT(kd_log_read(DB, 1, 10, 1 << 20), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 2);
    /* A batch whose every record goes is deleted; the log's end stays. */
    rec c[] = {{3, 6}, {2, 7}};
    append(c, 2, T0 + 20);
    compact_all(T0 + 2000, 100);
    CHECK_EQ_INT(kd_log_read(DB, 4, 10, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 2);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 5);
    CHECK_EQ_INT(kd_log_offsets(DB), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 7);
    close_log(conn);
}

static void test_keyless_refused_and_lookups(void)
{
    sqlite3 *conn = fresh_log("{\"cleanup.policy\":\"compact\"}");
    rec keyless[] = {{1, 1}, {-1, 2}};
    CHECK_EQ_INT(append(keyless, 2, T0), KD_INVALID_RECORD);
    CHECK_EQ_INT(kd_log_offsets(DB), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 0); /* nothing stored */
    rec ok[] = {{1, 1}, {1, 2}, {2, -1}};
    CHECK_EQ_INT(append(ok, 3, T0), 0);
    CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)"k1", 2), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 1);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 1);
    /* A kept tombstone is the key's latest record: its value is null. */
    CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)"k2", 2), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 1);
    CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)"k9", 2), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 0);
    close_log(conn);
    /* Not compacted: keyless records are fine, lookups are refused, nothing is cleaned. */
    conn = fresh_log("{\"cleanup.policy\":\"delete\"}");
    CHECK_EQ_INT(append(keyless, 2, T0), 0);
    CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)"k1", 2), KD_INVALID_REQUEST);
    compact_result r;
    CHECK_EQ_INT(compact_step(T0 + 100000000, 100, &r), 0);
    CHECK_EQ_INT(r.active, 0);
    CHECK_EQ_INT(r.removed, 0);
    close_log(conn);
}

/* With min.cleanable.dirty.ratio 0.5 a pass waits for the dirty part to be half the log;
 * the deadline names when the active segment's batches become cleanable. */
static void test_dirty_ratio_and_deadlines(void)
{
    sqlite3 *conn = fresh_log("{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1000\"}");
    rec a[] = {{1, 1}, {1, 2}};
    for (int i = 0; i < 10; i++)
        append(a, 2, T0 + i);
    compact_result r;
    CHECK_EQ_INT(compact_step(T0 + 500, 100, &r), 0); /* all active */
    CHECK_EQ_INT(r.removed, 0);
    CHECK_EQ_INT(r.deadline, T0 + 1000 + 1);
    CHECK_EQ_INT(compact_all(T0 + 5000, 100), 19); /* all dirty: cleaned */
    /* One more small batch: dirty is far below half the cleaned log... */
    rec b[] = {{1, 3}};
    append(b, 1, T0 + 6000);
    CHECK_EQ_INT(compact_step(T0 + 8000, 100, &r), 0);
    CHECK(r.removed <= 1); /* ...unless the cleaned log is that small */
    close_log(conn);
}

typedef struct {
    int64_t rows, keys, cursor;
} snapshot;

static snapshot take(sqlite3 *conn)
{
    snapshot s = {-1, -1, -2};
    const char *sql[] = {"SELECT count(*) + sum(record_count) FROM log_batches", "SELECT count(*) FROM log_keys",
                         "SELECT cursor + cleaned_through FROM log_compaction"};
    int64_t *out[] = {&s.rows, &s.keys, &s.cursor};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(conn, sql[i], -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            *out[i] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return s;
}

static void test_storage_failures(void)
{
    sqlite3 *conn =
        fresh_log("{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1\",\"min.cleanable.dirty.ratio\":\"0\","
                  "\"delete.retention.ms\":\"0\"}");
    rec a[] = {{1, 1}, {2, 2}, {1, 3}, {3, -1}, {2, 4}};
    for (int i = 0; i < 6; i++)
        append(a, 5, T0 + i);
    long n = 1;
    for (; n < 200; n++) {
        snapshot before = take(conn);
        compact_result r;
        kd_native_fail_step(n);
        int32_t rc = compact_step(T0 + 100000, 3, &r);
        kd_native_fail_step(0);
        if (rc == 0)
            break;
        CHECK_EQ_INT(rc, KD_ERR_STORAGE);
        snapshot after = take(conn);
        CHECK_EQ_INT(after.rows, before.rows);
        CHECK_EQ_INT(after.keys, before.keys);
        CHECK_EQ_INT(after.cursor, before.cursor);
    }
    CHECK(n > 10);
    compact_all(T0 + 100000, 100);
    seen got[32];
    CHECK_EQ_INT(read_all(got, 32), 2); /* k1@27 and k2@29; k3's tombstone went */
    close_log(conn);
}

int main(void)
{
    RUN(test_against_the_model);
    RUN(test_batches_keep_their_offsets);
    RUN(test_keyless_refused_and_lookups);
    RUN(test_dirty_ratio_and_deadlines);
    RUN(test_storage_failures);
    for (append_codec = KD_CODEC_GZIP; append_codec <= KD_CODEC_ZSTD; append_codec++) {
        printf("# batches compressed with %s\n", kd_codec_name(append_codec));
        RUN(test_against_the_model);
        RUN(test_batches_keep_their_offsets);
        RUN(test_keyless_refused_and_lookups);
    }
    kd_release_scratch();
    return CHECK_SUMMARY();
}
