/*
 * Tests src-c/log_stats.c over real SQLite: a partition's bounds and the rows and
 * bytes of its hot tier, counted whole or from an offset (the batches appended
 * since the last count), following appends and DeleteRecords' retention, and a
 * retired log refused. (The cold tier's count is tiering's: test_tiering.c moves
 * segments; here it is 0.)
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

typedef struct {
    kbuf sets;
} append_call;

static int32_t run_append(void *arg)
{
    append_call *c = arg;
    return kd_log_append(DB, c->sets.p, (uint32_t)c->sets.len, 1700000000000, 1 << 20);
}

/* Appends `batches` batches of 4 records each, in one set each; returns one batch's size. */
static size_t append_batches(int batches)
{
    append_call c = {{0}};
    size_t n = 0;
    kb_le(&c.sets, (uint64_t)batches, 4);
    for (int i = 0; i < batches; i++) {
        uint8_t *b = make_batch(4, 1700000000000 + i, 16, &n);
        kb_le(&c.sets, n, 4);
        kb_put(&c.sets, b, n);
        free(b);
    }
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_append, &c), 0);
    kb_free(&c.sets);
    return n;
}

typedef struct {
    int64_t start, high, hot_batches, hot_bytes, cold_segments, cold_bytes;
} stats;

static int32_t read_stats(int64_t from, stats *s)
{
    int32_t rc = kd_log_stats(DB, from);
    if (rc == 0) {
        CHECK_EQ_INT(kd_out_len(), 48);
        int64_t *v[] = {&s->start, &s->high, &s->hot_batches, &s->hot_bytes, &s->cold_segments, &s->cold_bytes};
        for (int i = 0; i < 6; i++)
            *v[i] = (int64_t)rd_le(kd_out_ptr() + 8 * i, 8);
    }
    return rc;
}

static int32_t run_retention(void *arg)
{
    (void)arg;
    return kd_log_retention(DB, 1700000000000, 1000);
}

static void test_counts_follow_the_log(void)
{
    sqlite3 *conn = open_fresh_log("log-stats");
    stats s;
    CHECK_EQ_INT(read_stats(0, &s), 0);
    CHECK_EQ_INT(s.high, 0);
    CHECK_EQ_INT(s.hot_batches, 0);
    CHECK_EQ_INT(s.hot_bytes, 0);

    size_t n = append_batches(3);
    CHECK_EQ_INT(read_stats(0, &s), 0);
    CHECK_EQ_INT(s.start, 0);
    CHECK_EQ_INT(s.high, 12);
    CHECK_EQ_INT(s.hot_batches, 3);
    CHECK_EQ_INT(s.hot_bytes, 3 * (int64_t)n);
    CHECK_EQ_INT(s.cold_segments, 0);
    CHECK_EQ_INT(s.cold_bytes, 0);

    /* From the high watermark of the last count: only what came since. */
    append_batches(2);
    CHECK_EQ_INT(read_stats(12, &s), 0);
    CHECK_EQ_INT(s.high, 20);
    CHECK_EQ_INT(s.hot_batches, 2);
    CHECK_EQ_INT(s.hot_bytes, 2 * (int64_t)n);

    /* DeleteRecords to 8, then retention removes the two batches below it. */
    CHECK_EQ_INT(kd_log_delete_records(DB, 8), 0);
    CHECK_EQ_INT(kd_native_in_transaction(DB, run_retention, NULL), 0);
    CHECK_EQ_INT(read_stats(0, &s), 0);
    CHECK_EQ_INT(s.start, 8);
    CHECK_EQ_INT(s.hot_batches, 3);
    CHECK_EQ_INT(s.hot_bytes, 3 * (int64_t)n);

    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(read_stats(0, &s), KD_UNKNOWN_TOPIC_OR_PARTITION);
    close_log(conn);
}

int main(void)
{
    RUN(test_counts_follow_the_log);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
