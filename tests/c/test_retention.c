/*
 * Tests src-c/retention.c over real SQLite through the native storage host, with an
 * injected clock: retention by time and by size (from the log's start, never leaving
 * a hole, in bounded steps), DeleteRecords (a log start inside a batch, its rows
 * cleaned later), a log emptied and appended to again, the configs stored with the
 * log, a million records, and a storage failure at every statement of a step leaving
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

static sqlite3 *fresh_log(void)
{
    return open_fresh_log("retention");
}

typedef struct {
    kbuf sets;
} append_call;

static int32_t run_append(void *arg)
{
    append_call *c = arg;
    return kd_log_append(DB, c->sets.p, (uint32_t)c->sets.len, 1700000000000, 1 << 20);
}

/* Appends `batches` batches of `records` records each, batch i's records stamped
 * from ts0 + i * step; returns one batch's size. */
static size_t append_batches(int batches, uint32_t records, int64_t ts0, int64_t step)
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
    for (int i = 0; i < batches; i++)
        CHECK_EQ_INT((int32_t)rd_le(kd_out_ptr() + KD_APPEND_RESULT_SIZE * (size_t)i, 4), 0);
    kb_free(&c.sets);
    return n;
}

static int32_t configure(const char *json)
{
    return kd_log_configure(DB, (const uint8_t *)json, (uint32_t)strlen(json));
}

typedef struct {
    int32_t deleted, more, active;
    int64_t start, size, deadline, trigger;
} step_result;

typedef struct {
    int64_t now;
    uint32_t max_rows;
} step_call;

static int32_t run_step(void *arg)
{
    step_call *c = arg;
    return kd_log_retention(DB, c->now, c->max_rows);
}

static int32_t step(int64_t now, uint32_t max_rows, step_result *r)
{
    step_call c = {now, max_rows};
    int32_t rc = kd_native_in_transaction(DB, run_step, &c);
    if (rc == 0) {
        CHECK_EQ_INT(kd_out_len(), 44);
        const uint8_t *o = kd_out_ptr();
        *r = (step_result){(int32_t)rd_le(o, 4),      (int32_t)rd_le(o + 4, 4),  (int32_t)rd_le(o + 8, 4),
                           (int64_t)rd_le(o + 12, 8), (int64_t)rd_le(o + 20, 8), (int64_t)rd_le(o + 28, 8),
                           (int64_t)rd_le(o + 36, 8)};
    }
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

static int64_t count_rows(sqlite3 *conn, const char *where)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM log_batches %s", where);
    sqlite3_stmt *s;
    int64_t n = -1;
    if (sqlite3_prepare_v2(conn, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
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

/* 100 batches of 10 records, batch i stamped 1000*i .. 1000*i+9; retention.ms 5000 at
 * now 100000 deletes every batch whose newest record is before 95000: 0..94. */
static void test_time_retention(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(100, 10, 0, 1000);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"5000\",\"cleanup.policy\":\"delete\"}"), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1); /* changed */
    step_result r;
    CHECK_EQ_INT(step(100000, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 95);
    CHECK_EQ_INT(r.more, 0);
    CHECK_EQ_INT(r.active, 1);
    CHECK_EQ_INT(r.start, 950);
    CHECK_EQ_INT(r.deadline, 95009 + 5000 + 1); /* batch 95's newest record + retention.ms */
    CHECK_EQ_INT(r.trigger, -1);
    CHECK_EQ_INT(r.size, stored_bytes(conn));
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 950);
    CHECK_EQ_INT(hw, 1000);
    CHECK_EQ_INT(count_rows(conn, ""), 5);
    /* Reads below the new start are out of range on every path; at it they work. */
    CHECK_EQ_INT(kd_log_fetch(DB, 949, 1 << 20, 1), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_read(DB, 0, 10, 1 << 20), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_read(DB, 950, 1, 1 << 20), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 950);
    CHECK_EQ_INT(kd_log_offset_for_time(DB, KD_LIST_EARLIEST), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 950);
    /* Nothing more is due before the deadline; at it the next batch goes. */
    CHECK_EQ_INT(step(r.deadline - 1, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 0);
    CHECK_EQ_INT(step(r.deadline, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 1);
    CHECK_EQ_INT(r.start, 960);
    close_log(conn);
}

/* A batch with a future timestamp stops time retention behind it: no holes. */
static void test_time_retention_never_leaves_a_hole(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(3, 10, 0, 1000);
    append_batches(1, 10, 1000000, 0);
    append_batches(3, 10, 3000, 1000);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"100\"}"), 0);
    step_result r;
    CHECK_EQ_INT(step(500000, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 3);
    CHECK_EQ_INT(r.start, 30);
    CHECK_EQ_INT(count_rows(conn, ""), 4);
    close_log(conn);
}

/* retention.bytes: the oldest batches go while the rest still holds at least that many
 * bytes (Kafka's rule), so the log ends between retention.bytes and one batch more. */
static void test_size_retention(void)
{
    sqlite3 *conn = fresh_log();
    size_t n = append_batches(50, 10, 0, 1);
    char config[128];
    snprintf(config, sizeof config, "{\"retention.ms\":\"-1\",\"retention.bytes\":\"%zu\"}", 10 * n + n / 2);
    CHECK_EQ_INT(configure(config), 0);
    step_result r;
    CHECK_EQ_INT(step(1, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 39); /* 11 batches hold 10.5 batches' worth and more */
    CHECK_EQ_INT(r.size, (int64_t)(11 * n));
    CHECK_EQ_INT(stored_bytes(conn), (int64_t)(11 * n));
    CHECK_EQ_INT(r.start, 390);
    CHECK_EQ_INT(r.deadline, -1);
    CHECK_EQ_INT(r.trigger, (int64_t)(10 * n + n / 2) + (int64_t)(10 * n + n / 2) / 16);
    /* The size is kept incrementally: appends are counted at the next step. */
    append_batches(5, 10, 0, 1);
    CHECK_EQ_INT(step(1, 1000, &r), 0);
    CHECK_EQ_INT(r.deleted, 5);
    CHECK_EQ_INT(r.size, (int64_t)(11 * n));
    close_log(conn);
}

/* A deletion larger than a step is done in several, each bounded. */
static void test_bounded_steps(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(100, 1, 0, 1);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"0\"}"), 0);
    step_result r;
    int steps = 0;
    do {
        CHECK_EQ_INT(step(1000, 7, &r), 0);
        CHECK(r.deleted <= 7);
        steps++;
    } while (r.more && steps < 100);
    CHECK_EQ_INT(steps, 15); /* 14 full steps of 7, then the last 2 */
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 100);
    CHECK_EQ_INT(hw, 100);
    CHECK_EQ_INT(count_rows(conn, ""), 0);
    CHECK_EQ_INT(step(1000, 0, &r), KD_ERR_INVALID_ARG);
    close_log(conn);
}

/* Emptied by retention, the log keeps its high watermark, across a reopen, and goes on. */
static void test_emptied_log_goes_on(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(4, 5, 0, 1);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"10\"}"), 0);
    step_result r;
    CHECK_EQ_INT(step(1000, 100, &r), 0);
    CHECK_EQ_INT(r.start, 20);
    CHECK_EQ_INT(r.size, 0);
    CHECK_EQ_INT(r.deadline, -1);
    CHECK_EQ_INT(r.active, 1);
    kd_native_detach(DB);
    sqlite3_close(conn);
    CHECK(sqlite3_open(db_path, &conn) == SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 20);
    CHECK_EQ_INT(hw, 20);
    CHECK_EQ_INT(kd_log_fetch(DB, 20, 100, 1), 0);
    CHECK_EQ_INT(kd_out_len(), 16);
    append_batches(1, 5, 5000, 0);
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 20);
    CHECK_EQ_INT(hw, 25);
    CHECK_EQ_INT(kd_log_read(DB, 20, 10, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 5);
    close_log(conn);
}

static void test_policies_and_configs(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 1, 0, 1);
    step_result r;
    /* compact alone: neither limit applies. */
    CHECK_EQ_INT(configure("{\"retention.ms\":\"1\",\"retention.bytes\":\"0\",\"cleanup.policy\":\"compact\"}"), 0);
    CHECK_EQ_INT(step(1000000, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 0);
    CHECK_EQ_INT(r.active, 0);
    /* The same configs again: nothing written. */
    CHECK_EQ_INT(configure("{\"retention.ms\":\"1\",\"retention.bytes\":\"0\",\"cleanup.policy\":\"compact\"}"), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 0);
    /* Both unlimited. */
    CHECK_EQ_INT(configure("{\"retention.ms\":\"-1\",\"retention.bytes\":\"-1\"}"), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    CHECK_EQ_INT(step(1000000, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 0);
    CHECK_EQ_INT(r.active, 0);
    /* The default (no configs named): Kafka's seven days. */
    CHECK_EQ_INT(configure("{}"), 0);
    CHECK_EQ_INT(step(604800000 + 5, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 5); /* timestamps 0..4 are older than a week at 604800005 */
    CHECK_EQ_INT(r.deadline, 5 + 604800000 + 1);
    /* compact,delete: time retention applies. */
    CHECK_EQ_INT(configure("{\"retention.ms\":\"1\",\"cleanup.policy\":\"compact, delete\"}"), 0);
    CHECK_EQ_INT(step(1000, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 5);
    /* Refused, and nothing stored. */
    const char *bad[] = {"",
                         "[]",
                         "{\"retention.ms\":\"x\"}",
                         "{\"retention.bytes\":\"-2\"}",
                         "{\"retention.ms\":1.5}",
                         "{\"cleanup.policy\":7}",
                         "{\"retention.ms\":\"1\"",
                         "{\"retention.ms\":\"99999999999999999999\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(configure(bad[i]), KD_INVALID_CONFIG);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"1\",\"cleanup.policy\":\"compact, delete\"}"), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 0);
    close_log(conn);
}

typedef struct {
    int64_t offset;
} delete_call;

static int32_t run_delete(void *arg)
{
    return kd_log_delete_records(DB, ((delete_call *)arg)->offset);
}

static int32_t delete_records(int64_t offset, int64_t *low)
{
    delete_call c = {offset};
    int32_t rc = kd_native_in_transaction(DB, run_delete, &c);
    if (rc == 0)
        *low = (int64_t)rd_le(kd_out_ptr(), 8);
    return rc;
}

static void test_delete_records(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(10, 10, 0, 1000); /* offsets 0..99, batch i holds 10i..10i+9 */
    CHECK_EQ_INT(configure("{\"retention.ms\":\"-1\"}"), 0);
    int64_t low = -99, start, hw;
    /* Inside batch 3: the start moves there at once, rows below go at the next step. */
    CHECK_EQ_INT(delete_records(35, &low), 0);
    CHECK_EQ_INT(low, 35);
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 35);
    CHECK_EQ_INT(kd_log_fetch(DB, 34, 1 << 20, 1), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(kd_log_read(DB, 35, 100, 1 << 20), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 65);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 35);
    /* By time, the first batch late enough begins below the start: the start is answered. */
    CHECK_EQ_INT(kd_log_offset_for_time(DB, 0), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr(), 8), 35);
    step_result r;
    CHECK_EQ_INT(step(0, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 3); /* batches 0..2; batch 3 holds the start */
    CHECK_EQ_INT(r.start, 35);
    CHECK_EQ_INT(r.active, 0);
    CHECK_EQ_INT(count_rows(conn, ""), 7);
    /* Lower than the start: nothing changes. Beyond the high watermark: refused. */
    CHECK_EQ_INT(delete_records(10, &low), 0);
    CHECK_EQ_INT(low, 35);
    CHECK_EQ_INT(delete_records(101, &low), KD_OFFSET_OUT_OF_RANGE);
    CHECK_EQ_INT(delete_records(-2, &low), KD_OFFSET_OUT_OF_RANGE);
    /* -1 is the high watermark: everything goes. */
    CHECK_EQ_INT(delete_records(-1, &low), 0);
    CHECK_EQ_INT(low, 100);
    CHECK_EQ_INT(step(0, 100, &r), 0);
    CHECK_EQ_INT(r.deleted, 7);
    CHECK_EQ_INT(count_rows(conn, ""), 0);
    offsets(&start, &hw);
    CHECK_EQ_INT(start, 100);
    CHECK_EQ_INT(hw, 100);
    /* A retired log refuses both. */
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(delete_records(100, &low), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(step(0, 100, &r), KD_UNKNOWN_TOPIC_OR_PARTITION);
    close_log(conn);
}

/* A step or DeleteRecords that fails at its n-th statement, for every n until one
 * succeeds, leaves the log exactly as it was (the host rolls back). */
static void test_storage_failures(void)
{
    sqlite3 *conn = fresh_log();
    append_batches(20, 5, 0, 1000);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"5000\"}"), 0);
    for (int which = 0; which < 2; which++) {
        long n = 1;
        for (; n < 100; n++) {
            int64_t start0, hw0, low;
            offsets(&start0, &hw0);
            int64_t rows0 = count_rows(conn, "");
            step_result r;
            kd_native_fail_step(n);
            int32_t rc = which == 0 ? step(12000, 3, &r) : delete_records(start0 + 1, &low);
            kd_native_fail_step(0);
            if (rc == 0)
                break;
            CHECK_EQ_INT(rc, KD_ERR_STORAGE);
            int64_t start, hw;
            offsets(&start, &hw);
            CHECK_EQ_INT(start, start0);
            CHECK_EQ_INT(hw, hw0);
            CHECK_EQ_INT(count_rows(conn, ""), rows0);
        }
        CHECK(n > (which == 0 ? 8 : 3)); /* every statement of the call failed once */
    }
    /* Whatever happened, the size it keeps is the log's. */
    step_result r;
    CHECK_EQ_INT(step(12000, 100, &r), 0);
    CHECK_EQ_INT(r.size, stored_bytes(conn));
    close_log(conn);
}

/* A million records (1,000 batches of 1,000), time retention over all of them in steps
 * of 200 batches; then size retention on a refilled log. */
static void test_a_million_records(void)
{
    sqlite3 *conn = fresh_log();
    for (int round = 0; round < 10; round++)
        append_batches(100, 1000, (int64_t)round * 100000, 1000);
    int64_t start, hw;
    offsets(&start, &hw);
    CHECK_EQ_INT(hw, 1000000);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"500000\"}"), 0);
    step_result r;
    int steps = 0;
    int64_t deleted = 0;
    do {
        CHECK_EQ_INT(step(1000000, 200, &r), 0);
        deleted += r.deleted;
        steps++;
    } while (r.more && steps < 100);
    /* batch i's newest record is 1000i + 999; older than 500000 for i < 499.001 */
    CHECK_EQ_INT(deleted, 500);
    CHECK_EQ_INT(steps, 3);
    CHECK_EQ_INT(r.start, 500000);
    CHECK_EQ_INT(kd_log_read(DB, 500000, 1, 1), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 20, 8), 500000);
    CHECK_EQ_INT(configure("{\"retention.ms\":\"-1\",\"retention.bytes\":\"1\"}"), 0);
    do {
        CHECK_EQ_INT(step(1000000, 200, &r), 0);
    } while (r.more);
    CHECK_EQ_INT(count_rows(conn, ""), 1); /* the last batch alone still holds >= 1 byte */
    CHECK_EQ_INT(r.start, 999000);
    close_log(conn);
}

int main(void)
{
    RUN(test_time_retention);
    RUN(test_time_retention_never_leaves_a_hole);
    RUN(test_size_retention);
    RUN(test_bounded_steps);
    RUN(test_emptied_log_goes_on);
    RUN(test_policies_and_configs);
    RUN(test_delete_records);
    RUN(test_storage_failures);
    RUN(test_a_million_records);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
