/*
 * Tests src-c/log.c end to end over real SQLite through the native storage host:
 * offsets assigned on append, fetch from every offset, reads, a log of a million
 * records, bad input leaving the log unchanged, storage failures rolled back,
 * and the log surviving a reopen of its database file.
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
    if (rc == 0 && kd_out_len() == 24) {
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
        CHECK_EQ_INT(kd_log_fetch(DB, off, 1), 0); /* 1 byte: still one whole batch */
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
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 1 << 30), 0);
    CHECK_EQ_INT(kd_batch_inspect(kd_out_ptr() + 16, kd_out_len() - 16), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 10);
    CHECK_EQ_INT(kd_log_fetch(DB, 55, 100), 0);
    CHECK_EQ_INT(kd_out_len(), 16);
    CHECK_EQ_INT(kd_log_read(DB, 0, 1000, 1 << 30), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 55);
    /* Out of range. */
    CHECK_EQ_INT(kd_log_fetch(DB, 56, 100), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_fetch(DB, -1, 100), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_fetch(DB, 0, -1), KD_INVALID_FETCH_SIZE);
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
    CHECK_EQ_INT(kd_log_fetch(DB, base, 1), 0);
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
    CHECK_EQ_INT(kd_out_len(), 48);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), KD_CORRUPT_MESSAGE);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 24, 4), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 32, 8), 6); /* after the 6 records stored above */
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
    CHECK_EQ_INT(kd_log_fetch(DB, 0, 100), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_read(DB, 0, 1, 100), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_offsets(DB), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_log_open(DB), 0); /* reopening does not revive it */
    CHECK_EQ_INT(kd_log_offsets(DB), KD_UNKNOWN_TOPIC_OR_PARTITION);
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
    CHECK_EQ_INT(kd_log_fetch(DB, 999999, 1 << 20), 0);
    CHECK_EQ_INT(kd_out_len(), 16 + n);
    kb_free(&c.sets);
    free(b);
    close_db(conn);
    unlink(db_path);
}

int main(void)
{
    RUN(test_offsets_are_assigned_in_order);
    RUN(test_bad_input_changes_nothing);
    RUN(test_storage_failure_rolls_back);
    RUN(test_survives_reopen);
    RUN(test_retired_log_refuses);
    RUN(test_a_million_records);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
