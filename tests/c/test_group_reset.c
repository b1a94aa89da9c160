/*
 * Tests src-c/group_reset.c over real SQLite: each spec's offset (earliest, latest,
 * a time, an offset, a shift) and the clamp to the log, a dry run writing nothing,
 * and every refusal — a group with a member, a malformed spec, a shift with nothing
 * committed, a partition listed twice — leaving the committed offsets as they were.
 */
#include <sqlite3.h>

#include "check.h"
#include "kd_list.h"
#include "storage.h"

#define DB 4
#define T0 1700000000000LL

enum {
    EARLIEST,
    LATEST,
    TIMESTAMP,
    OFFSET,
    SHIFT
};

static void kb_str(kbuf *b, const char *s)
{
    kb_le(b, (uint16_t)strlen(s), 2);
    kb_put(b, s, strlen(s));
}

static sqlite3 *open_group(void)
{
    sqlite3 *conn;
    sqlite3_open(":memory:", &conn);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_group_open(DB), 0);
    return conn;
}

static void close_group(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
}

/* One partition of a reset: its log [start, hw] and the offset for the time. */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t start, hw, for_time;
} part;

typedef struct {
    uint8_t dry;
    uint8_t spec;
    int64_t value;
    const part *parts;
    uint32_t n;
} reset_call;

static int32_t reset_in_tx(void *arg)
{
    const reset_call *c = arg;
    kbuf in = {0};
    kb_le(&in, c->dry, 1);
    kb_le(&in, c->spec, 1);
    kb_le(&in, (uint64_t)c->value, 8);
    kb_le(&in, c->n, 4);
    for (uint32_t i = 0; i < c->n; i++) {
        kb_str(&in, c->parts[i].topic);
        kb_le(&in, (uint32_t)c->parts[i].partition, 4);
        kb_le(&in, (uint64_t)c->parts[i].start, 8);
        kb_le(&in, (uint64_t)c->parts[i].hw, 8);
        kb_le(&in, (uint64_t)c->parts[i].for_time, 8);
    }
    int32_t rc = kd_group_reset_offsets(DB, in.p, (uint32_t)in.len, T0);
    kb_free(&in);
    return rc;
}

/* Runs a reset in a transaction (rolled back on failure, as the Worker's binding
 * does); on success fills offsets[] from the output. */
static int32_t reset(uint8_t dry, uint8_t spec, int64_t value, const part *parts, uint32_t n, int64_t *offsets)
{
    reset_call c = {dry, spec, value, parts, n};
    int32_t rc = kd_native_in_transaction(DB, reset_in_tx, &c);
    if (rc == 0 && offsets) {
        const uint8_t *p = kd_out_ptr();
        CHECK_EQ_INT(rd_le(p, 4), n);
        size_t at = 4;
        for (uint32_t i = 0; i < n; i++) {
            size_t len = rd_le(p + at, 2);
            at += 2 + len;
            CHECK_EQ_INT((int32_t)rd_le(p + at, 4), parts[i].partition);
            at += 4;
            offsets[i] = (int64_t)rd_le(p + at, 8);
            at += 8;
        }
    }
    return rc;
}

/* The committed offset of orders-p, -1 when none. */
static int64_t committed(int32_t partition)
{
    kbuf in = {0};
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, (uint32_t)partition, 4);
    CHECK_EQ_INT(kd_group_offsets(DB, in.p, (uint32_t)in.len), 0);
    kb_free(&in);
    const uint8_t *p = kd_out_ptr();
    return (int64_t)rd_le(p + 4 + 2 + 6 + 4, 8);
}

static void commit(int32_t partition, int64_t offset)
{
    kbuf in = {0};
    kb_str(&in, "");
    kb_le(&in, (uint32_t)-1, 4);
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, (uint32_t)partition, 4);
    kb_le(&in, (uint64_t)offset, 8);
    kb_str(&in, "");
    CHECK_EQ_INT(kd_group_commit(DB, in.p, (uint32_t)in.len, T0), 0);
    kb_free(&in);
}

/* Partition 0 holds [10, 50), partition 1 [0, 7); the time's first offset is 30 on
 * partition 0, none on partition 1. */
static const part ORDERS[] = {{"orders", 0, 10, 50, 30}, {"orders", 1, 0, 7, -1}};

static void test_each_spec(void)
{
    sqlite3 *conn = open_group();
    int64_t got[2];
    CHECK_EQ_INT(reset(0, EARLIEST, 0, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 10);
    CHECK_EQ_INT(got[1], 0);
    CHECK_EQ_INT(committed(0), 10);
    CHECK_EQ_INT(reset(0, LATEST, 0, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 50);
    CHECK_EQ_INT(got[1], 7);
    CHECK_EQ_INT(committed(1), 7);
    /* A time no record reaches: the high watermark, as Kafka's. */
    CHECK_EQ_INT(reset(0, TIMESTAMP, T0, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 30);
    CHECK_EQ_INT(got[1], 7);
    CHECK_EQ_INT(reset(0, OFFSET, 20, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 20);
    CHECK_EQ_INT(got[1], 7); /* past the high watermark: clamped */
    CHECK_EQ_INT(reset(0, OFFSET, 3, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 10); /* below the log start: clamped */
    CHECK_EQ_INT(got[1], 3);
    CHECK_EQ_INT(committed(0), 10);
    CHECK_EQ_INT(committed(1), 3);
    close_group(conn);
}

static void test_shift_clamps(void)
{
    sqlite3 *conn = open_group();
    int64_t got[2];
    commit(0, 40);
    commit(1, 2);
    CHECK_EQ_INT(reset(0, SHIFT, -5, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 35);
    CHECK_EQ_INT(got[1], 0); /* 2 - 5 clamped to the log start */
    CHECK_EQ_INT(reset(0, SHIFT, 100, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 50);
    CHECK_EQ_INT(got[1], 7);
    /* Saturating, not wrapping. */
    CHECK_EQ_INT(reset(0, SHIFT, INT64_MAX, ORDERS, 1, got), 0);
    CHECK_EQ_INT(got[0], 50);
    CHECK_EQ_INT(reset(0, SHIFT, INT64_MIN, ORDERS, 1, got), 0);
    CHECK_EQ_INT(got[0], 10);
    /* Kafka's markers: -2 (earliest) shifts from the log start, -1 from the end. */
    commit(0, -2);
    CHECK_EQ_INT(reset(0, SHIFT, 3, ORDERS, 1, got), 0);
    CHECK_EQ_INT(got[0], 13);
    commit(0, -1);
    CHECK_EQ_INT(reset(0, SHIFT, -3, ORDERS, 1, got), 0);
    CHECK_EQ_INT(got[0], 47);
    close_group(conn);
}

static void test_dry_run_writes_nothing(void)
{
    sqlite3 *conn = open_group();
    int64_t got[2];
    commit(0, 40);
    CHECK_EQ_INT(reset(1, EARLIEST, 0, ORDERS, 2, got), 0);
    CHECK_EQ_INT(got[0], 10);
    CHECK_EQ_INT(got[1], 0);
    CHECK_EQ_INT(committed(0), 40);
    CHECK_EQ_INT(committed(1), -1);
    CHECK_EQ_INT(reset(1, SHIFT, 1, ORDERS, 1, got), 0);
    CHECK_EQ_INT(got[0], 41);
    CHECK_EQ_INT(committed(0), 40);
    close_group(conn);
}

static void test_refusals_change_nothing(void)
{
    sqlite3 *conn = open_group();
    commit(0, 40);
    commit(1, 5);
    /* Nothing committed on partition 2: no shift, and partition 0 is not moved either. */
    const part with_new[] = {{"orders", 0, 10, 50, -1}, {"orders", 2, 0, 9, -1}};
    CHECK_EQ_INT(reset(0, SHIFT, 1, with_new, 2, NULL), KD_INVALID_REQUEST);
    const part twice[] = {{"orders", 0, 10, 50, -1}, {"orders", 0, 10, 50, -1}};
    CHECK_EQ_INT(reset(0, EARLIEST, 0, twice, 2, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(reset(0, OFFSET, -1, ORDERS, 2, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(reset(0, TIMESTAMP, -5, ORDERS, 2, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(reset(0, EARLIEST, 0, ORDERS, 0, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(reset(0, 9, 0, ORDERS, 2, NULL), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(reset(4, EARLIEST, 0, ORDERS, 2, NULL), KD_ERR_INVALID_ARG);
    const part bad_log[] = {{"orders", 0, 60, 50, -1}};
    CHECK_EQ_INT(reset(0, EARLIEST, 0, bad_log, 1, NULL), KD_ERR_INVALID_ARG);
    const part bad_topic[] = {{"no/such", 0, 0, 5, -1}};
    CHECK_EQ_INT(reset(0, EARLIEST, 0, bad_topic, 1, NULL), KD_INVALID_TOPIC_EXCEPTION);
    const part bad_partition[] = {{"orders", -1, 0, 5, -1}};
    CHECK_EQ_INT(reset(0, EARLIEST, 0, bad_partition, 1, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(committed(0), 40);
    CHECK_EQ_INT(committed(1), 5);
    close_group(conn);
}

/* A member joins (Kafdo's dialect, subscribed to orders). */
static void join_member(void)
{
    kbuf in = {0};
    kb_str(&in, "");
    kb_str(&in, "client");
    kb_str(&in, "x");
    kb_le(&in, 30000, 4);
    kb_le(&in, 10000, 4);
    kb_le(&in, KD_ASSIGN_RANGE, 1);
    kb_le(&in, 0, 1);
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, 2, 4);
    CHECK_EQ_INT(kd_group_join(DB, in.p, (uint32_t)in.len, T0), 0);
    kb_free(&in);
}

static void test_non_empty_group_refused(void)
{
    sqlite3 *conn = open_group();
    commit(0, 40);
    join_member();
    CHECK_EQ_INT(reset(0, EARLIEST, 0, ORDERS, 2, NULL), KD_NON_EMPTY_GROUP);
    CHECK_EQ_INT(reset(1, EARLIEST, 0, ORDERS, 2, NULL), KD_NON_EMPTY_GROUP);
    CHECK(strstr(kd_error_message(), "1 live members") != NULL);
    CHECK_EQ_INT(committed(0), 40);
    CHECK_EQ_INT(committed(1), -1);
    close_group(conn);
}

static void test_truncated_input(void)
{
    sqlite3 *conn = open_group();
    static const uint8_t short_in[] = {0, 0, 1, 2, 3};
    CHECK_EQ_INT(kd_group_reset_offsets(DB, short_in, sizeof short_in, T0), KD_ERR_INVALID_ARG);
    /* A count larger than the bytes could hold. */
    uint8_t in[14] = {0, 0};
    in[10] = 0xff;
    in[11] = 0xff;
    CHECK_EQ_INT(kd_group_reset_offsets(DB, in, sizeof in, T0), KD_ERR_INVALID_ARG);
    close_group(conn);
}

int main(void)
{
    RUN(test_each_spec);
    RUN(test_shift_clamps);
    RUN(test_dry_run_writes_nothing);
    RUN(test_refusals_change_nothing);
    RUN(test_non_empty_group_refused);
    RUN(test_truncated_input);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
