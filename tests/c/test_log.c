/*
 * Tests src-c/log.c end to end over real SQLite through the native storage host:
 * offsets assigned on append, fetch from every offset, reads, a log of a million
 * records, bad input leaving the log unchanged, storage failures rolled back,
 * the log surviving a reopen of its database file, and idempotent producers:
 * retries acknowledged with the first answer, gaps, epochs, the five batches
 * remembered, producers interleaved, sets all or nothing, retirement.
 */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

#define DB 1

static sqlite3 *open_db(const char *path)
{
    sqlite3 *conn = NULL;
    if (sqlite3_open(path, &conn) != SQLITE_OK)
        return NULL;
    kd_native_attach(DB, conn);
    return conn;
}

static void close_db(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
}

typedef struct {
    kbuf sets;
    int64_t max_batch_bytes;
} append_call;

static int32_t run_append(void *arg)
{
    append_call *c = arg;
    return kd_log_append(DB, c->sets.p, (uint32_t)c->sets.len, 1700000000000, (int32_t)c->max_batch_bytes);
}

/* Appends one set holding the given batches; returns the call's code and fills
 * the set's result (error, base offset). */
static int32_t append_set(const uint8_t *const *batches, const size_t *lens, int n, int32_t *err, int64_t *base)
{
    append_call c = {{0}, 1 << 20};
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += lens[i];
    kb_le(&c.sets, 1, 4);
    kb_le(&c.sets, total, 4);
    for (int i = 0; i < n; i++)
        kb_put(&c.sets, batches[i], lens[i]);
    int32_t rc = kd_native_in_transaction(DB, run_append, &c);
    if (rc == 0 && kd_out_len() == KD_APPEND_RESULT_SIZE) {
        *err = (int32_t)rd_le(kd_out_ptr(), 4);
        *base = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    }
    kb_free(&c.sets);
    return rc;
}

static void offsets(int64_t *start, int64_t *hw)
{
    *start = *hw = -99;
    if (kd_log_offsets(DB) == 0) {
        *start = (int64_t)rd_le(kd_out_ptr(), 8);
        *hw = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    }
}

static char db_path[64];

static sqlite3 *fresh_log(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/kafdo-test-log-%d.db", (int)getpid());
    unlink(db_path);
    sqlite3 *conn = open_db(db_path);
    CHECK(conn != NULL);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    CHECK_EQ_INT(kd_log_open(DB), 0); /* idempotent */
    return conn;
}

static void test_offsets_are_assigned_in_order(void)
{
    sqlite3 *conn = fresh_log();
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 0);
    CHECK_EQ_INT(hw, 0);
    int64_t expected_base = 0;
    for (int i = 1; i <= 10; i++) {
        size_t n;
        uint8_t *b = make_batch((uint32_t)i, 1000 * i, 10, &n);
        int32_t err = -1;
        int64_t base = -1;
        const uint8_t *bs[] = {b};
        CHECK_EQ_INT(append_set(bs, &n, 1, &err, &base), 0);
        CHECK_EQ_INT(err, 0);
        CHECK_EQ_INT(base, expected_base);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 16, 8), expected_base + i - 1); /* last offset */
        expected_base += i;
        free(b);
    }
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 55);

    /* Fetch from every offset: the first batch returned contains it, and reading
     * the records from there gives exactly that offset first. */
    for (int64_t off = 0; off < 55; off++) {
        CHECK_EQ_INT(kd_log_fetch(DB, off, 1, 1), 0); /* 1 byte: still one whole batch */
        const uint8_t *out = kd_out_ptr();
        CHECK_EQ_INT((int64_t)rd_le(out + 8, 8), 55);
        kd_batch b;
        CHECK_EQ_INT(kd_batch_read(out + 16, kd_out_len() - 16, &b), 0);
        CHECK(b.base_offset <= off && off <= b.base_offset + b.last_offset_delta);
        CHECK_EQ_INT(b.size, kd_out_len() - 16);
        CHECK_EQ_INT(kd_log_read(DB, off, 3, 1 << 20), 0);
        CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), off + 3 <= 55 ? 3 : 55 - off);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), off);
    }
    /* A large byte limit returns every batch; offset == high watermark, none. */
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 1 << 30, 1), 0);
    CHECK_EQ_INT(kd_batch_inspect(kd_out_ptr() + 16, kd_out_len() - 16), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 10);
    CHECK_EQ_INT(kd_log_fetch(DB, 55, 100, 1), 0);
    CHECK_EQ_INT(kd_out_len(), 16);
    CHECK_EQ_INT(kd_log_read(DB, 0, 1000, 1 << 30), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 55);
    /* Out of range. */
    CHECK_EQ_INT(kd_log_fetch(DB, 56, 100, 1), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_fetch(DB, -1, 100, 1), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_fetch(DB, 0, -1, 1), KD_INVALID_FETCH_SIZE);
    close_db(conn);
    unlink(db_path);
}

static int64_t count_rows(sqlite3 *conn)
{
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(conn, "SELECT count(*) FROM log_batches", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void test_bad_input_changes_nothing(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *good = make_batch(3, 1, 10, &n);
    int32_t err;
    int64_t base;
    const uint8_t *one[] = {good};
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);

    /* A corrupt batch after a good one in the same set: the whole set is refused. */
    uint8_t *bad = malloc(n);
    memcpy(bad, good, n);
    bad[n - 1] ^= 0xff;
    const uint8_t *mixed[] = {good, bad};
    size_t lens[] = {n, n};
    CHECK_EQ_INT(append_set(mixed, lens, 2, &err, &base), 0);
    CHECK_EQ_INT(err, KD_CORRUPT_MESSAGE);
    CHECK_EQ_INT(base, -1);
    CHECK_EQ_INT(count_rows(conn), 1);

    /* Oversized for the topic's max.message.bytes, and for the 2 MB row. */
    size_t big_n;
    uint8_t *big = make_batch(3, 1, 400000, &big_n);
    const uint8_t *bigs[] = {big};
    CHECK_EQ_INT(append_set(bigs, &big_n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, KD_MESSAGE_TOO_LARGE);
    free(big);
    big = make_batch(3, 1, 700000, &big_n); /* 2.1 MB */
    append_call c = {{0}, INT32_MAX};
    kb_le(&c.sets, 1, 4);
    kb_le(&c.sets, big_n, 4);
    kb_put(&c.sets, big, big_n);
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), KD_MESSAGE_TOO_LARGE);
    CHECK(strstr(kd_error_message(), "2 MB") != NULL);
    kb_free(&c.sets);
    free(big);

    /* A header max timestamp that is not the records' own is corrected on append. */
    uint8_t *skewed = malloc(n);
    memcpy(skewed, good, n);
    kd_put_be64(skewed + 35, 5);
    kd_put_be32(skewed + 17, kd_crc32c_update(0, skewed + 21, n - 21));
    const uint8_t *skeweds[] = {skewed};
    CHECK_EQ_INT(append_set(skeweds, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(kd_log_fetch(DB, base, 1, 1), 0);
    kd_batch stored;
    CHECK_EQ_INT(kd_batch_read(kd_out_ptr() + 16, kd_out_len() - 16, &stored), 0); /* the CRC holds */
    CHECK_EQ_INT(stored.max_timestamp, 3); /* make_batch(3, 1, ...): timestamps 1, 2, 3 */
    free(skewed);

    /* A producer may not choose LogAppendTime: the broker sets it (Kafka refuses too). */
    uint8_t *lat = malloc(n);
    memcpy(lat, good, n);
    kd_put_be16(lat + 21, KD_ATTR_TIMESTAMP_LOG_APPEND);
    kd_put_be32(lat + 17, kd_crc32c_update(0, lat + 21, n - 21));
    const uint8_t *lats[] = {lat};
    CHECK_EQ_INT(append_set(lats, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, KD_INVALID_TIMESTAMP);
    free(lat);

    /* Sets are independent: a bad set and a good set in one call. */
    append_call two = {{0}, 1 << 20};
    kb_le(&two.sets, 2, 4);
    kb_le(&two.sets, n, 4);
    kb_put(&two.sets, bad, n);
    kb_le(&two.sets, n, 4);
    kb_put(&two.sets, good, n);
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &two), 0);
    CHECK_EQ_INT(kd_out_len(), 2 * KD_APPEND_RESULT_SIZE);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), KD_CORRUPT_MESSAGE);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE, 4), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE + 8, 8), 6); /* after the 6 records stored above */
    kb_free(&two.sets);

    /* Malformed framing of the sets themselves. */
    uint8_t junk[] = {5, 0, 0, 0, 1};
    CHECK_EQ_INT(kd_log_append(DB, junk, sizeof junk, 0, 1 << 20), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_log_append(DB, junk, 2, 0, 1 << 20), KD_ERR_INVALID_ARG);
    /* An empty set. */
    uint8_t empty[] = {1, 0, 0, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(kd_log_append(DB, empty, sizeof empty, 0, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), KD_CORRUPT_MESSAGE);

    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 9);
    CHECK_EQ_INT(count_rows(conn), 3);
    free(good);
    free(bad);
    close_db(conn);
    unlink(db_path);
}

/* A storage failure in the middle of a call: the host rolls the call back. */
/* max_batch_bytes 0 applies Kafka's default max.message.bytes, 1048588 (one
 * source, KD_DEFAULT_MAX_MESSAGE_BYTES): a batch of exactly that many bytes is
 * taken, one byte more is MESSAGE_TOO_LARGE. */
static void test_default_max_message_bytes(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *probe = make_batch(1, 1, 1048000, &n);
    free(probe);
    size_t value = 1048000 + (KD_DEFAULT_MAX_MESSAGE_BYTES - n);
    for (int over = 0; over <= 1; over++) {
        uint8_t *b = make_batch(1, 1, value + (size_t)over, &n);
        CHECK_EQ_INT(n, KD_DEFAULT_MAX_MESSAGE_BYTES + over);
        append_call c = {{0}, 0};
        kb_le(&c.sets, 1, 4);
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
        CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
        CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), over ? KD_MESSAGE_TOO_LARGE : 0);
        kb_free(&c.sets);
        free(b);
    }
    close_db(conn);
    unlink(db_path);
}

static void test_storage_failure_rolls_back(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(2, 1, 10, &n);
    int32_t err;
    int64_t base;
    const uint8_t *one[] = {b};
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    /* A trigger that refuses the second batch of the next set. */
    CHECK_EQ_INT(sqlite3_exec(conn,
                              "CREATE TRIGGER refuse BEFORE INSERT ON log_batches WHEN NEW.base_offset >= 4 "
                              "BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    const uint8_t *two[] = {b, b};
    size_t lens[] = {n, n};
    CHECK_EQ_INT(append_set(two, lens, 2, &err, &base), KD_ERR_STORAGE);
    CHECK(strlen(kd_error_message()) > 0);
    CHECK_EQ_INT(count_rows(conn), 1);
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 2);
    /* Without the schema (kd_log_open never ran) the core says so. */
    sqlite3_exec(conn, "DROP TABLE log_state", NULL, NULL, NULL);
    CHECK_EQ_INT(kd_log_offsets(DB), KD_ERR_STORAGE);
    free(b);
    close_db(conn);
    unlink(db_path);
}

static void test_survives_reopen(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(7, 42, 10, &n);
    int32_t err;
    int64_t base;
    const uint8_t *one[] = {b};
    append_set(one, &n, 1, &err, &base);
    append_set(one, &n, 1, &err, &base);
    close_db(conn);
    conn = open_db(db_path);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 14);
    CHECK_EQ_INT(kd_log_read(DB, 8, 100, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 6);
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* A retired log (its topic deleted) refuses everything, appends included. */
static void test_retired_log_refuses(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(2, 1, 10, &n);
    int32_t err;
    int64_t base;
    const uint8_t *one[] = {b};
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(count_rows(conn), 0);
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(count_rows(conn), 0);
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 100, 1), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_read(DB, 0, 1, 100), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_offsets(DB), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_open(DB), 0); /* reopening does not revive it */
    CHECK_EQ_INT(kd_log_offsets(DB), KD_UNKNOWN_TOPIC_OR_PARTITION);
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* The offset for a time: the first record, in offset order, at or after it
 * (timestamps need not grow with offsets); the end when none is that late. */
static int64_t offset_for_time(int64_t ts, int64_t *at)
{
    *at = -99;
    int32_t rc = kd_log_offset_for_time(DB, ts);
    if (rc)
        return rc > 0 ? -1000 - rc : rc;
    *at = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    return (int64_t)rd_le(kd_out_ptr(), 8);
}

static void test_offset_for_time(void)
{
    sqlite3 *conn = fresh_log();
    int64_t at;
    CHECK_EQ_INT(offset_for_time(0, &at), -1); /* empty log: none */
    CHECK_EQ_INT(at, -1);
    const int64_t first_ts[] = {1000, 5000, 2000};
    const uint32_t counts[] = {3, 3, 2};
    for (int i = 0; i < 3; i++) {
        size_t n;
        uint8_t *b = make_batch(counts[i], first_ts[i], 10, &n);
        int32_t err = -1;
        int64_t base = -1;
        const uint8_t *bs[] = {b};
        CHECK_EQ_INT(append_set(bs, &n, 1, &err, &base), 0);
        CHECK_EQ_INT(err, 0);
        free(b);
    }
    CHECK_EQ_INT(offset_for_time(0, &at), 0);
    CHECK_EQ_INT(at, 1000);
    CHECK_EQ_INT(offset_for_time(1001, &at), 1);
    CHECK_EQ_INT(at, 1001);
    /* 1003: the batch at offsets 6-7 has 2000, but offsets 3-5 come first. */
    CHECK_EQ_INT(offset_for_time(1003, &at), 3);
    CHECK_EQ_INT(at, 5000);
    CHECK_EQ_INT(offset_for_time(5002, &at), 5);
    CHECK_EQ_INT(at, 5002);
    CHECK_EQ_INT(offset_for_time(5003, &at), -1);
    CHECK_EQ_INT(at, -1);
    CHECK_EQ_INT(offset_for_time(KD_LIST_LATEST, &at), 8);
    CHECK_EQ_INT(at, -1);
    CHECK_EQ_INT(offset_for_time(KD_LIST_EARLIEST, &at), 0);
    CHECK_EQ_INT(at, -1);
    CHECK_EQ_INT(offset_for_time(-5, &at), -1000 - KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(offset_for_time(0, &at), -1000 - KD_UNKNOWN_TOPIC_OR_PARTITION);
    close_db(conn);
    unlink(db_path);
}

/* ListOffsets v0's answer as text: "[8,0]"; "error N" when the call fails. */
static const char *offsets_before(int64_t ts, int32_t max_num, int64_t now)
{
    static char text[64];
    int32_t rc = kd_log_offsets_before(DB, ts, max_num, now);
    if (rc) {
        snprintf(text, sizeof text, "error %d", (int)rc);
        return text;
    }
    uint32_t n = (uint32_t)rd_le(kd_out_ptr(), 4);
    size_t at = (size_t)snprintf(text, sizeof text, "[");
    for (uint32_t i = 0; i < n && at < sizeof text - 24; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%lld", i ? "," : "",
                               (long long)rd_le(kd_out_ptr() + 4 + 8 * i, 8));
    snprintf(text + at, sizeof text - at, "]");
    return text;
}

static void test_offsets_before_v0(void)
{
    const int64_t appended = 1700000000000, now = appended + 60000; /* run_append's time, a minute on */
    sqlite3 *conn = fresh_log();
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 10, now), "[0]"); /* empty: the one (empty) segment */
    CHECK_EQ_STR(offsets_before(KD_LIST_EARLIEST, 10, now), "[0]");
    size_t n;
    uint8_t *b = make_batch(5, 1000, 10, &n);
    const uint8_t *bs[] = {b};
    int32_t err;
    int64_t base;
    CHECK_EQ_INT(append_set(bs, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(append_set(bs, &n, 1, &err, &base), 0);
    free(b);
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 1, now), "[10]");
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 10, now), "[10,0]");
    CHECK_EQ_STR(offsets_before(KD_LIST_EARLIEST, 10, now), "[0]");
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 0, now), "[]");
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, -1, now), "[]");
    /* By time: before the last append nothing, from it the segment's base, from now the end too. */
    CHECK_EQ_STR(offsets_before(appended - 1, 10, now), "[]");
    CHECK_EQ_STR(offsets_before(appended, 10, now), "[0]");
    CHECK_EQ_STR(offsets_before(now, 10, now), "[10,0]");
    /* DeleteRecords moved the start: the segment's base is at least the log start. */
    CHECK_EQ_INT(kd_log_delete_records(DB, 7), 0);
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 10, now), "[10,7]");
    CHECK_EQ_STR(offsets_before(KD_LIST_EARLIEST, 10, now), "[7]");
    CHECK_EQ_STR(offsets_before(-3, 10, now), "error 42");
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_STR(offsets_before(KD_LIST_LATEST, 10, now), "error 3");
    close_db(conn);
    unlink(db_path);
}

/* ---- idempotent producers ---- */

/* A batch of n records from producer `pid` at `epoch`, starting at sequence `seq`. */
static uint8_t *idem_batch(int64_t pid, int16_t epoch, int32_t seq, uint32_t n, int16_t attributes, size_t *len)
{
    kbuf in = {0};
    kparams p = kparams_default();
    p.producer_id = pid;
    p.producer_epoch = epoch;
    p.base_sequence = seq;
    p.attributes = attributes;
    kb_params(&in, p, n);
    for (uint32_t i = 0; i < n; i++)
        kb_record(&in, 1700000000000 + i, "k", 1, "v", 1, 0, NULL, NULL);
    uint8_t *batch = NULL;
    if (kd_batch_encode(in.p, (uint32_t)in.len) == 0) {
        *len = kd_out_len();
        batch = malloc(*len);
        memcpy(batch, kd_out_ptr(), *len);
    }
    kb_free(&in);
    return batch;
}

typedef struct {
    int32_t err;
    int32_t records;
    int64_t base, last;
} ack;

/* Appends one set of the given batches (n of them, each described by
 * pid/epoch/seq/count); returns the set's result. */
typedef struct {
    int64_t pid;
    int16_t epoch;
    int32_t seq;
    uint32_t n;
} idem;

static ack append_idem(const idem *batches, int count)
{
    const uint8_t *bs[8];
    size_t lens[8];
    uint8_t *owned[8];
    for (int i = 0; i < count; i++) {
        owned[i] = idem_batch(batches[i].pid, batches[i].epoch, batches[i].seq, batches[i].n, 0, &lens[i]);
        bs[i] = owned[i];
    }
    ack a = {-99, -99, -99, -99};
    int32_t err;
    int64_t base;
    CHECK_EQ_INT(append_set(bs, lens, count, &err, &base), 0);
    if (kd_out_len() == KD_APPEND_RESULT_SIZE) {
        a.err = (int32_t)rd_le(kd_out_ptr(), 4);
        a.records = (int32_t)rd_le(kd_out_ptr() + 4, 4);
        a.base = (int64_t)rd_le(kd_out_ptr() + 8, 8);
        a.last = (int64_t)rd_le(kd_out_ptr() + 16, 8);
    }
    for (int i = 0; i < count; i++)
        free(owned[i]);
    return a;
}

static ack append_one(int64_t pid, int16_t epoch, int32_t seq, uint32_t n)
{
    idem b = {pid, epoch, seq, n};
    return append_idem(&b, 1);
}

#define CHECK_ACK(a, e, b, l)                                                                                          \
    do {                                                                                                               \
        ack check_ack_ = (a);                                                                                          \
        CHECK_EQ_INT(check_ack_.err, e);                                                                               \
        CHECK_EQ_INT(check_ack_.base, b);                                                                              \
        CHECK_EQ_INT(check_ack_.last, l);                                                                              \
    } while (0)

static int64_t high_watermark(void)
{
    int64_t start, hw;
    offsets(&start, &hw);
    return hw;
}

static int64_t count_producers(sqlite3 *conn)
{
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(conn, "SELECT count(*) FROM log_producers", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* A retried produce is acknowledged with the offsets the first attempt got, and
 * stores nothing; so is a retry of an older one of the last five. */
static void test_idempotent_retry_same_offsets(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(1000, 0, 0, 3), 0, 0, 2);
    ack retry = append_one(1000, 0, 0, 3);
    CHECK_ACK(retry, 0, 0, 2);
    CHECK_EQ_INT(retry.records, 3);
    CHECK_EQ_INT(high_watermark(), 3);
    CHECK_EQ_INT(count_rows(conn), 1);
    CHECK_ACK(append_one(1000, 0, 3, 2), 0, 3, 4);
    CHECK_ACK(append_one(1000, 0, 0, 3), 0, 0, 2); /* the 2nd last */
    CHECK_ACK(append_one(1000, 0, 3, 2), 0, 3, 4);
    CHECK_ACK(append_one(1000, 0, 5, 1), 0, 5, 5);
    CHECK_EQ_INT(high_watermark(), 6);
    CHECK_EQ_INT(count_rows(conn), 3);
    /* A duplicate's sequences must match a stored batch exactly. */
    CHECK_ACK(append_one(1000, 0, 0, 2), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_ACK(append_one(1000, 0, 3, 3), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    /* The state survives a reopen of the database. */
    close_db(conn);
    conn = open_db(db_path);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    CHECK_ACK(append_one(1000, 0, 3, 2), 0, 3, 4);
    CHECK_ACK(append_one(1000, 0, 6, 1), 0, 6, 6);
    CHECK_EQ_INT(count_rows(conn), 4);
    close_db(conn);
    unlink(db_path);
}

static void test_idempotent_sequence_gaps(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(7, 0, 0, 3), 0, 0, 2);
    CHECK_ACK(append_one(7, 0, 4, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1); /* 3 is missing */
    CHECK_ACK(append_one(7, 0, 2, 2), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1); /* overlaps */
    CHECK_ACK(append_one(7, 0, 1, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK(strstr(kd_error_message(), "the next is 3") != NULL);
    CHECK_EQ_INT(count_rows(conn), 1);
    CHECK_ACK(append_one(7, 0, 3, 1), 0, 3, 3);
    close_db(conn);
    unlink(db_path);
}

static void test_idempotent_epochs(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(5, 1, 0, 2), 0, 0, 1);
    CHECK_ACK(append_one(5, 1, 2, 2), 0, 2, 3);
    CHECK_ACK(append_one(5, 0, 4, 1), KD_INVALID_PRODUCER_EPOCH, -1, -1);       /* older epoch */
    CHECK_ACK(append_one(5, 0, 0, 2), KD_INVALID_PRODUCER_EPOCH, -1, -1);       /* not a duplicate either */
    CHECK_ACK(append_one(5, 2, 4, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1); /* new epoch, not from 0 */
    CHECK_ACK(append_one(5, 2, 0, 3), 0, 4, 6);                                 /* new epoch from 0 */
    /* The old epoch's batches are forgotten: its retries are fenced. */
    CHECK_ACK(append_one(5, 1, 2, 2), KD_INVALID_PRODUCER_EPOCH, -1, -1);
    CHECK_ACK(append_one(5, 2, 0, 3), 0, 4, 6);
    CHECK_ACK(append_one(5, 2, 3, 1), 0, 7, 7);
    CHECK_EQ_INT(count_rows(conn), 4);
    close_db(conn);
    unlink(db_path);
}

/* The last five batches are remembered, the sixth last is not. */
static void test_idempotent_remembers_five(void)
{
    sqlite3 *conn = fresh_log();
    for (int32_t seq = 0; seq < 6; seq++)
        CHECK_ACK(append_one(9, 0, seq, 1), 0, seq, seq);
    for (int32_t seq = 5; seq >= 1; seq--)
        CHECK_ACK(append_one(9, 0, seq, 1), 0, seq, seq);
    CHECK_ACK(append_one(9, 0, 0, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_EQ_INT(high_watermark(), 6);
    /* Five batches in one set leave exactly those five remembered. */
    idem five[5];
    for (int i = 0; i < 5; i++)
        five[i] = (idem){9, 0, 6 + 2 * i, 2};
    CHECK_ACK(append_idem(five, 5), 0, 6, 15);
    CHECK_ACK(append_one(9, 0, 5, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_ACK(append_one(9, 0, 10, 2), 0, 10, 11);
    CHECK_ACK(append_one(9, 0, 6, 2), 0, 6, 7);
    CHECK_ACK(append_one(9, 0, 14, 2), 0, 14, 15);
    close_db(conn);
    unlink(db_path);
}

static void test_idempotent_producers_interleaved(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(100, 0, 0, 2), 0, 0, 1);
    CHECK_ACK(append_one(200, 3, 0, 1), 0, 2, 2);
    CHECK_ACK(append_one(100, 0, 2, 1), 0, 3, 3);
    /* One set holding three producers' batches, and a producer without an id. */
    size_t lens[4];
    uint8_t *b[4] = {idem_batch(300, 0, 0, 2, 0, &lens[0]), idem_batch(200, 3, 1, 2, 0, &lens[1]),
                     make_batch(1, 5, 3, &lens[2]), idem_batch(100, 0, 3, 1, 0, &lens[3])};
    const uint8_t *set[] = {b[0], b[1], b[2], b[3]};
    int32_t err;
    int64_t base;
    CHECK_EQ_INT(append_set(set, lens, 4, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(base, 4);
    CHECK_EQ_INT(high_watermark(), 10);
    /* Retried whole: the same answer. */
    CHECK_EQ_INT(append_set((const uint8_t *const *)set + 0, lens, 2, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(base, 4);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 16, 8), 7);
    /* With the id-less batch in it, the set is not all retries: refused. */
    CHECK_EQ_INT(append_set(set, lens, 4, &err, &base), 0);
    CHECK_EQ_INT(err, KD_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ_INT(high_watermark(), 10);
    CHECK_ACK(append_one(100, 0, 4, 1), 0, 10, 10);
    CHECK_ACK(append_one(200, 3, 3, 1), 0, 11, 11);
    CHECK_ACK(append_one(300, 0, 2, 1), 0, 12, 12);
    CHECK_ACK(append_one(200, 3, 0, 1), 0, 2, 2);
    CHECK_EQ_INT(count_producers(conn), 3);
    for (int i = 0; i < 4; i++)
        free(b[i]);
    close_db(conn);
    unlink(db_path);
}

/* A set with a bad batch stores nothing and leaves the producers' state alone. */
static void test_idempotent_set_all_or_nothing(void)
{
    sqlite3 *conn = fresh_log();
    idem gap[] = {{1, 0, 0, 2}, {2, 0, 0, 1}, {1, 0, 3, 1}};
    CHECK_ACK(append_idem(gap, 3), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_EQ_INT(count_rows(conn), 0);
    CHECK_EQ_INT(count_producers(conn), 0);
    idem good[] = {{1, 0, 0, 2}, {2, 0, 0, 1}, {1, 0, 2, 1}};
    CHECK_ACK(append_idem(good, 3), 0, 0, 3);
    idem fenced[] = {{1, 0, 3, 1}, {2, 0, 1, 1}, {1, 1, 0, 1}, {2, 0, 9, 1}};
    CHECK_ACK(append_idem(fenced, 4), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_EQ_INT(count_rows(conn), 3);
    /* Neither producer moved: their next sequences are still 3 and 1, epoch 0. */
    CHECK_ACK(append_one(1, 0, 3, 1), 0, 4, 4);
    CHECK_ACK(append_one(2, 0, 1, 1), 0, 5, 5);
    /* A retry mixed with a new batch is refused too. */
    idem mixed[] = {{1, 0, 3, 1}, {1, 0, 4, 1}};
    CHECK_ACK(append_idem(mixed, 2), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    /* Retries of batches stored apart (producer 2's record between them) are
     * not one retried set: no one range of offsets answers them. */
    idem apart[] = {{1, 0, 0, 2}, {1, 0, 2, 1}};
    CHECK_ACK(append_idem(apart, 2), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    /* A set of two retried together is acknowledged whole. */
    idem pair[] = {{1, 0, 4, 2}, {1, 0, 6, 1}};
    CHECK_ACK(append_idem(pair, 2), 0, 6, 8);
    CHECK_ACK(append_idem(pair, 2), 0, 6, 8);
    CHECK_EQ_INT(high_watermark(), 9);
    close_db(conn);
    unlink(db_path);
}

/* Two sets of one call: the second, a retry of the first, is its duplicate. */
static void test_idempotent_retry_in_the_same_call(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = idem_batch(42, 0, 0, 4, 0, &n);
    append_call c = {{0}, 1 << 20};
    kb_le(&c.sets, 2, 4);
    for (int i = 0; i < 2; i++) {
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
    }
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    CHECK_EQ_INT(kd_out_len(), 2 * KD_APPEND_RESULT_SIZE);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * i, 4), 0);
        CHECK_EQ_INT(rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * i + 4, 4), 4);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * i + 8, 8), 0);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * i + 16, 8), 3);
    }
    CHECK_EQ_INT(count_rows(conn), 1);
    kb_free(&c.sets);
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* A producer the log does not know may start anywhere (Kafka since 2.5); sequences
 * wrap from INT32_MAX to 0. */
static void test_idempotent_unknown_producer_and_wrap(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(11, 4, 42, 1), 0, 0, 0);
    CHECK_ACK(append_one(11, 4, 43, 1), 0, 1, 1);
    CHECK_ACK(append_one(12, 0, INT32_MAX - 1, 3), 0, 2, 4); /* sequences MAX-1, MAX, 0 */
    CHECK_ACK(append_one(12, 0, INT32_MAX - 1, 3), 0, 2, 4);
    CHECK_ACK(append_one(12, 0, INT32_MAX, 1), KD_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    CHECK_ACK(append_one(12, 0, 1, 2), 0, 5, 6);
    CHECK_ACK(append_one(13, 0, INT32_MAX, 1), 0, 7, 7);
    CHECK_ACK(append_one(13, 0, 0, 1), 0, 8, 8);
    close_db(conn);
    unlink(db_path);
}

static void test_idempotent_refusals(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    /* A transactional batch needs a producer (test_txn_log.c has the rest). */
    uint8_t *txn = idem_batch(-1, -1, -1, 1, KD_ATTR_TRANSACTIONAL, &n);
    const uint8_t *one[] = {txn};
    int32_t err;
    int64_t base;
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, KD_INVALID_RECORD);
    free(txn);
    uint8_t *negative = idem_batch(1, 0, -1, 1, 0, &n);
    one[0] = negative;
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, KD_INVALID_RECORD);
    free(negative);
    /* Producer ids below -1 are no producer id, as in Kafka (hasProducerId). */
    uint8_t *odd = idem_batch(-5, 0, -1, 1, 0, &n);
    one[0] = odd;
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    CHECK_EQ_INT(base, 1); /* not idempotent: stored twice */
    CHECK_EQ_INT(count_producers(conn), 0);
    free(odd);
    close_db(conn);
    unlink(db_path);
}

/* Retiring the log forgets its producers; a log made before idempotence gets the
 * table when opened. */
static void test_idempotent_retire_and_old_logs(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_ACK(append_one(3, 0, 0, 1), 0, 0, 0);
    CHECK_ACK(append_one(4, 0, 0, 1), 0, 1, 1);
    CHECK_EQ_INT(count_producers(conn), 2);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(count_producers(conn), 0);
    close_db(conn);
    unlink(db_path);

    conn = fresh_log();
    CHECK_EQ_INT(sqlite3_exec(conn, "DROP TABLE log_producers", NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    CHECK_ACK(append_one(3, 0, 0, 1), 0, 0, 0);
    CHECK_ACK(append_one(3, 0, 0, 1), 0, 0, 0);
    /* Stored state that is not what the core wrote is a storage error. */
    CHECK_EQ_INT(sqlite3_exec(conn, "UPDATE log_producers SET batches = x'00'", NULL, NULL, NULL), SQLITE_OK);
    int32_t err;
    int64_t base;
    size_t n;
    uint8_t *b = idem_batch(3, 0, 1, 1, 0, &n);
    const uint8_t *one[] = {b};
    CHECK_EQ_INT(append_set(one, &n, 1, &err, &base), KD_ERR_STORAGE);
    CHECK_EQ_INT(count_rows(conn), 1);
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* A million records in 1,000 batches: the last fetch costs what the first does
 * (checked by its result, not its time: timings belong in bench/). */
static void test_a_million_records(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(1000, 1, 16, &n);
    append_call c = {{0}, 1 << 20};
    kb_le(&c.sets, 100, 4);
    for (int i = 0; i < 100; i++) {
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
    }
    for (int round = 0; round < 10; round++) {
        kbuf copy = {0};
        kb_put(&copy, c.sets.p, c.sets.len);
        append_call r = {copy, c.max_batch_bytes};
        CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &r), 0);
        kb_free(&copy);
    }
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 1000000);
    CHECK_EQ_INT(count_rows(conn), 1000);
    int64_t probes[] = {0, 1, 999, 1000, 500500, 999999};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        CHECK_EQ_INT(kd_log_read(DB, probes[i], 1, 1), 0);
        CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 1);
        CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), probes[i]);
    }
    CHECK_EQ_INT(kd_log_fetch(DB, 999999, 1 << 20, 1), 0);
    CHECK_EQ_INT(kd_out_len(), 16 + n);
    kb_free(&c.sets);
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* Appends `count` copies of one batch, one set each, in one transaction. */
static void append_copies(const uint8_t *b, size_t n, int count)
{
    append_call c = {{0}, 1 << 20};
    kb_le(&c.sets, (uint64_t)count, 4);
    for (int i = 0; i < count; i++) {
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
    }
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    for (int i = 0; i < count; i++)
        CHECK_EQ_INT((int32_t)rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * i, 4), 0); /* stored */
    kb_free(&c.sets);
}

/* The stored batches of a kd_log_fetch output, after its 16 bytes of offsets. */
static uint32_t fetched_batches(void)
{
    if (kd_out_len() == 16)
        return 0;
    CHECK_EQ_INT(kd_batch_inspect(kd_out_ptr() + 16, kd_out_len() - 16), 0);
    return (uint32_t)rd_le(kd_out_ptr(), 4);
}

/* Kafka's Fetch limits, as the core applies them to one partition: whole batches
 * within max_bytes, the first one whole past it only when asked (min_one_batch),
 * and never more than KD_MAX_READ_BYTES, whatever the caller asks. */
static void test_reads_are_bounded(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(100, 1, 10000, &n); /* about 1 MB */
    const int count = 20;                       /* about 20 MB, past the ceiling */
    append_copies(b, n, count);

    /* Asked for everything: the ceiling, in whole batches. */
    CHECK_EQ_INT(kd_log_fetch(DB, 0, INT32_MAX, 1), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 100 * count); /* the high watermark still */
    CHECK(kd_out_len() - 16 <= KD_MAX_READ_BYTES);
    CHECK_EQ_INT(fetched_batches(), KD_MAX_READ_BYTES / n);

    /* Under one batch: the batch whole with min_one_batch, nothing without. */
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 10, 1), 0);
    CHECK_EQ_INT(fetched_batches(), 1);
    CHECK_EQ_INT(kd_log_fetch(DB, 150, 10, 0), 0);
    CHECK_EQ_INT(kd_out_len(), 16);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 100 * count);
    CHECK_EQ_INT(kd_log_fetch(DB, 150, 0, 0), 0);
    CHECK_EQ_INT(kd_out_len(), 16);
    /* Two and a half batches' worth: two, either way. */
    for (int32_t min_one = 0; min_one <= 1; min_one++) {
        CHECK_EQ_INT(kd_log_fetch(DB, 150, (int32_t)(n * 5 / 2), min_one), 0);
        kd_batch first;
        CHECK_EQ_INT(kd_batch_read(kd_out_ptr() + 16, kd_out_len() - 16, &first), 0);
        CHECK_EQ_INT(first.base_offset, 100); /* the batch holding 150 */
        CHECK_EQ_INT(fetched_batches(), 2);
    }

    /* Decoded records are bounded too: tiny records decode to more than twice
     * their stored bytes, so 16 MiB of stored batches would be over 30 MiB. */
    close_db(conn);
    conn = fresh_log();
    free(b);
    b = make_batch(50000, 1, 1, &n);
    append_copies(b, n, count);
    CHECK_EQ_INT(kd_log_read(DB, 0, UINT32_MAX, INT32_MAX), 0);
    uint32_t records = (uint32_t)rd_le(kd_out_ptr() + 16, 4);
    CHECK(records > 0 && records % 50000 == 0 && records < 50000u * count);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 0);
    CHECK(kd_out_len() < KD_MAX_READ_BYTES + 4 * n); /* the ceiling and one batch's records */
    free(b);
    close_db(conn);
    unlink(db_path);
}

/* ---- the append's answer and the topic's timestamp configs ---- */

/* A batch without a producer id of n records stamped ts, ts + 1, ... */
static uint8_t *timed_batch(int64_t ts, uint32_t n, size_t *len)
{
    kbuf in = {0};
    kb_params(&in, kparams_default(), n);
    for (uint32_t i = 0; i < n; i++)
        kb_record(&in, ts + i, "k", 1, "v", 1, 0, NULL, NULL);
    uint8_t *batch = NULL;
    if (kd_batch_encode(in.p, (uint32_t)in.len) == 0) {
        *len = kd_out_len();
        batch = malloc(*len);
        memcpy(batch, kd_out_ptr(), *len);
    }
    kb_free(&in);
    return batch;
}

/* Appends a batch of n records stamped ts; the set's error, and its log append
 * time and log start offset (-99 when the answer is not one set's). */
static int32_t append_timed(int64_t ts, uint32_t n, int64_t *append_time, int64_t *log_start)
{
    size_t len = 0;
    uint8_t *b = timed_batch(ts, n, &len);
    const uint8_t *bs[] = {b};
    int32_t err = -99;
    int64_t base;
    *append_time = *log_start = -99;
    CHECK_EQ_INT(append_set(bs, &len, 1, &err, &base), 0);
    if (kd_out_len() == KD_APPEND_RESULT_SIZE) {
        *append_time = (int64_t)rd_le(kd_out_ptr() + 24, 8);
        *log_start = (int64_t)rd_le(kd_out_ptr() + 32, 8);
    }
    free(b);
    return err;
}

static int32_t configure(const char *json)
{
    return kd_log_configure(DB, (const uint8_t *)json, (uint32_t)strlen(json));
}

static void test_append_answers_log_start_and_append_time(void)
{
    const int64_t now = 1700000000000; /* run_append's */
    sqlite3 *conn = fresh_log();
    int64_t at, start;
    CHECK_EQ_INT(configure("{}"), 0);
    CHECK_EQ_INT(append_timed(now - 5, 3, &at, &start), 0);
    CHECK_EQ_INT(at, -1); /* CreateTime: no append time */
    CHECK_EQ_INT(start, 0);
    CHECK_EQ_INT(kd_log_set_start(DB, 2, 3), 0);
    CHECK_EQ_INT(append_timed(now - 5, 1, &at, &start), 0);
    CHECK_EQ_INT(start, 2); /* Kafka's produce answer carries the log start */

    /* LogAppendTime: the stored batch is marked so and carries now as its max
     * timestamp, its CRC sealed again; every record reads back with now. */
    CHECK_EQ_INT(configure("{\"message.timestamp.type\":\"LogAppendTime\"}"), 0);
    CHECK_EQ_INT(append_timed(now - 86400000, 2, &at, &start), 0);
    CHECK_EQ_INT(at, now);
    CHECK_EQ_INT(kd_log_fetch(DB, 4, 1 << 20, 1), 0);
    kd_batch b;
    CHECK_EQ_INT(kd_batch_read(kd_out_ptr() + 16, kd_out_len() - 16, &b), 0);
    CHECK_EQ_INT(b.base_offset, 4);
    CHECK(b.attributes & KD_ATTR_TIMESTAMP_LOG_APPEND);
    CHECK_EQ_INT(b.max_timestamp, now);
    CHECK_EQ_INT(kd_log_read(DB, 4, 10, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 2);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 4);   /* the first record's offset */
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 28, 8), now); /* and its timestamp */

    /* message.timestamp.difference.max.ms: a record further off is INVALID_TIMESTAMP,
     * before or after now, and nothing of its set is stored. */
    CHECK_EQ_INT(configure("{\"message.timestamp.difference.max.ms\":\"1000\"}"), 0);
    CHECK_EQ_INT(append_timed(now - 1000, 1, &at, &start), 0);
    CHECK_EQ_INT(append_timed(now - 1001, 1, &at, &start), KD_INVALID_TIMESTAMP);
    CHECK_EQ_INT(start, -1);
    CHECK_EQ_INT(append_timed(now + 999, 3, &at, &start), KD_INVALID_TIMESTAMP); /* its last is now + 1001 */
    CHECK_EQ_INT(append_timed(-1, 1, &at, &start), 0);                           /* no timestamp: not judged */
    CHECK_EQ_INT(high_watermark(), 8);
    /* Kafka 3.6's halves narrow it on one side. */
    CHECK_EQ_INT(configure("{\"message.timestamp.after.max.ms\":\"0\"}"), 0);
    CHECK_EQ_INT(append_timed(now - 86400000, 1, &at, &start), 0);
    CHECK_EQ_INT(append_timed(now + 1, 1, &at, &start), KD_INVALID_TIMESTAMP);

    CHECK_EQ_INT(configure("{\"message.timestamp.type\":\"Sometime\"}"), KD_INVALID_CONFIG);
    CHECK_EQ_INT(configure("{\"message.timestamp.difference.max.ms\":\"-1\"}"), KD_INVALID_CONFIG);
    close_db(conn);
}

/* kd_log_describe: the stored bytes, and each idempotent producer with its epoch,
 * its last batch's last sequence and when it was appended. */
static void test_describe(void)
{
    sqlite3 *conn = fresh_log();
    CHECK_EQ_INT(kd_log_describe(DB), 0);
    CHECK_EQ_INT(kd_out_len(), 12);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 8, 4), 0);
    CHECK_ACK(append_one(200, 3, 0, 1), 0, 0, 0);
    CHECK_ACK(append_one(100, 0, 0, 2), 0, 1, 2);
    CHECK_ACK(append_one(100, 0, 2, 3), 0, 3, 5);
    size_t len;
    uint8_t *plain = make_batch(1, 0, 2, &len); /* no producer id: not listed */
    const uint8_t *set[] = {plain};
    int32_t err;
    int64_t base;
    CHECK_EQ_INT(append_set(set, &len, 1, &err, &base), 0);
    free(plain);
    sqlite3_stmt *q;
    CHECK_EQ_INT(sqlite3_prepare_v2(conn, "SELECT sum(size_bytes) FROM log_batches", -1, &q, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(q), SQLITE_ROW);
    int64_t stored = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    CHECK(stored > 0);
    CHECK_EQ_INT(kd_log_describe(DB), 0);
    const uint8_t *o = kd_out_ptr();
    CHECK_EQ_INT(kd_out_len(), 12 + 2 * 24);
    CHECK_EQ_INT((int64_t)rd_le(o, 8), stored);
    CHECK_EQ_INT(rd_le(o + 8, 4), 2);
    /* by id: 100 (epoch 0, sequences 0-1 then 2-4), 200 (epoch 3, sequence 0) */
    CHECK_EQ_INT((int64_t)rd_le(o + 12, 8), 100);
    CHECK_EQ_INT((int32_t)rd_le(o + 20, 4), 0);
    CHECK_EQ_INT((int32_t)rd_le(o + 24, 4), 4);
    CHECK_EQ_INT((int64_t)rd_le(o + 28, 8), 1700000000000);
    CHECK_EQ_INT((int64_t)rd_le(o + 36, 8), 200);
    CHECK_EQ_INT((int32_t)rd_le(o + 44, 4), 3);
    CHECK_EQ_INT((int32_t)rd_le(o + 48, 4), 0);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(kd_log_describe(DB), KD_UNKNOWN_TOPIC_OR_PARTITION);
    close_db(conn);
    unlink(db_path);
}

/* ---- issue 19: stored batches are trusted on read ---- */

/* Rewrites byte `at` of the stored batch at base offset 0 (XOR with `flip`). */
static void alter_stored_byte(sqlite3 *conn, int at, uint8_t flip)
{
    sqlite3_stmt *s;
    CHECK(sqlite3_prepare_v2(conn, "SELECT data FROM log_batches WHERE base_offset = 0", -1, &s, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    int n = sqlite3_column_bytes(s, 0);
    uint8_t *data = malloc((size_t)n);
    memcpy(data, sqlite3_column_blob(s, 0), (size_t)n);
    sqlite3_finalize(s);
    data[at] ^= flip;
    CHECK(sqlite3_prepare_v2(conn, "UPDATE log_batches SET data = ?1 WHERE base_offset = 0", -1, &s, NULL) ==
          SQLITE_OK);
    sqlite3_bind_blob(s, 1, data, n, SQLITE_TRANSIENT);
    CHECK(sqlite3_step(s) == SQLITE_DONE);
    sqlite3_finalize(s);
    free(data);
}

/* A read decodes the stored batch without computing its CRC again (the append
 * checked it): a CRC changed in storage still reads, though the same bytes from
 * outside are refused; the framing of its records is still checked. */
static void test_reads_trust_stored_batches(void)
{
    sqlite3 *conn = fresh_log();
    size_t n;
    uint8_t *b = make_batch(3, 1000, 10, &n);
    int32_t err = -1;
    int64_t base = -1;
    const uint8_t *bs[] = {b};
    CHECK_EQ_INT(append_set(bs, &n, 1, &err, &base), 0);
    CHECK_EQ_INT(err, 0);
    free(b);

    alter_stored_byte(conn, 17, 0xff); /* the CRC's first byte */
    CHECK_EQ_INT(kd_log_read(DB, 0, 10, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 3);
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 1 << 20, 1), 0);
    size_t len = kd_out_len() - 16;
    uint8_t *copy = malloc(len);
    memcpy(copy, kd_out_ptr() + 16, len);
    CHECK_EQ_INT(kd_batch_decode(copy, (uint32_t)len, 0, 10), KD_CORRUPT_MESSAGE);
    free(copy);

    alter_stored_byte(conn, 61, 0x7f); /* the first record's length */
    CHECK_EQ_INT(kd_log_read(DB, 0, 10, 1 << 20), KD_CORRUPT_MESSAGE);
    close_db(conn);
    unlink(db_path);
}

int main(void)
{
    RUN(test_offsets_are_assigned_in_order);
    RUN(test_bad_input_changes_nothing);
    RUN(test_default_max_message_bytes);
    RUN(test_storage_failure_rolls_back);
    RUN(test_survives_reopen);
    RUN(test_retired_log_refuses);
    RUN(test_offset_for_time);
    RUN(test_offsets_before_v0);
    RUN(test_a_million_records);
    RUN(test_reads_are_bounded);
    RUN(test_idempotent_retry_same_offsets);
    RUN(test_idempotent_sequence_gaps);
    RUN(test_idempotent_epochs);
    RUN(test_idempotent_remembers_five);
    RUN(test_idempotent_producers_interleaved);
    RUN(test_idempotent_set_all_or_nothing);
    RUN(test_idempotent_retry_in_the_same_call);
    RUN(test_idempotent_unknown_producer_and_wrap);
    RUN(test_idempotent_refusals);
    RUN(test_idempotent_retire_and_old_logs);
    RUN(test_append_answers_log_start_and_append_time);
    RUN(test_describe);
    RUN(test_reads_trust_stored_batches); /* issue 19 */
    kd_release_scratch();
    return CHECK_SUMMARY();
}
