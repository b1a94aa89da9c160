/*
 * Tests src-c/group_txn_offsets.c over real SQLite: transactional offsets held
 * pending (not committed, listed unstable) until the transaction commits (they
 * become the committed offsets, metadata kept) or aborts (dropped); completion
 * idempotent; Kafka's order against plain commits, resets and other producers;
 * fencing by member, generation and static instance id; producer epochs; pending
 * offsets surviving a reopen of the storage and forgotten with the group, the
 * topic or OffsetDelete; and bad input changing nothing.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "kd_list.h"
#include "storage.h"

#define DB 4
#define T0 1700000000000LL

static void kb_str(kbuf *b, const char *s)
{
    kb_le(b, (uint16_t)strlen(s), 2);
    kb_put(b, s, strlen(s));
}

static sqlite3 *open_group(const char *path)
{
    sqlite3 *conn;
    sqlite3_open(path, &conn);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_group_open(DB), 0);
    return conn;
}

static void close_group(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
}

/* One offset: topic, partition, offset, metadata. */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *metadata;
} off;

typedef struct {
    int64_t producer_id;
    int16_t epoch;
    const char *member;
    int32_t generation;
    const char *instance;
} committer;

static const committer NO_MEMBER = {0, 0, "", -1, ""};

static committer producer(int64_t id, int16_t epoch)
{
    committer c = NO_MEMBER;
    c.producer_id = id;
    c.epoch = epoch;
    return c;
}

static int32_t txn_commit(committer c, const off *offsets, uint32_t n)
{
    kbuf in = {0};
    kb_le(&in, (uint64_t)c.producer_id, 8);
    kb_le(&in, (uint16_t)c.epoch, 2);
    kb_str(&in, c.member);
    kb_le(&in, (uint32_t)c.generation, 4);
    kb_str(&in, c.instance);
    kb_le(&in, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        kb_str(&in, offsets[i].topic);
        kb_le(&in, (uint32_t)offsets[i].partition, 4);
        kb_le(&in, (uint64_t)offsets[i].offset, 8);
        kb_str(&in, offsets[i].metadata);
    }
    int32_t rc = kd_group_txn_commit(DB, in.p, (uint32_t)in.len, T0);
    kb_free(&in);
    return rc;
}

static int32_t plain_commit(const char *topic, int32_t partition, int64_t offset)
{
    kbuf in = {0};
    kb_str(&in, "");
    kb_le(&in, (uint32_t)-1, 4);
    kb_le(&in, 1, 4);
    kb_str(&in, topic);
    kb_le(&in, (uint32_t)partition, 4);
    kb_le(&in, (uint64_t)offset, 8);
    kb_str(&in, "plain");
    int32_t rc = kd_group_commit(DB, in.p, (uint32_t)in.len, T0);
    kb_free(&in);
    return rc;
}

/* The committed offset of topic-partition (-1 for none); its metadata into md. */
static int64_t committed(const char *topic, int32_t partition, char *md, size_t cap)
{
    kbuf in = {0};
    kb_le(&in, 1, 4);
    kb_str(&in, topic);
    kb_le(&in, (uint32_t)partition, 4);
    int32_t rc = kd_group_offsets(DB, in.p, (uint32_t)in.len);
    kb_free(&in);
    CHECK_EQ_INT(rc, 0);
    const uint8_t *p = kd_out_ptr();
    size_t at = 4;
    at += 2 + rd_le(p + at, 2) + 4;
    int64_t offset = (int64_t)rd_le(p + at, 8);
    at += 8;
    size_t n = rd_le(p + at, 2);
    if (md)
        snprintf(md, cap, "%.*s", (int)n, (const char *)p + at + 2);
    return offset;
}

/* The unstable partitions of those asked (n = -1: all), as "t:0 t:1". */
static void unstable(const char *topic, int32_t n, char *buf, size_t cap)
{
    kbuf in = {0};
    kb_le(&in, (uint32_t)n, 4);
    for (int32_t i = 0; i < n; i++) {
        kb_str(&in, topic);
        kb_le(&in, (uint32_t)i, 4);
    }
    CHECK_EQ_INT(kd_group_txn_unstable(DB, in.p, (uint32_t)in.len), 0);
    kb_free(&in);
    const uint8_t *p = kd_out_ptr();
    uint32_t count = (uint32_t)rd_le(p, 4);
    size_t at = 4;
    buf[0] = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t len = rd_le(p + at, 2);
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%.*s:%d", used ? " " : "", (int)len, (const char *)p + at + 2,
                 (int)(int32_t)rd_le(p + at + 2 + len, 4));
        at += 2 + len + 4;
    }
}

static int32_t complete(int64_t producer_id, int32_t epoch, int commit)
{
    return kd_group_txn_complete(DB, producer_id, epoch, commit, T0 + 1);
}

static const off ORDERS_0_10 = {"orders", 0, 10, "txn"};

static void test_pending_until_commit(void)
{
    sqlite3 *conn = open_group(":memory:");
    off offs[] = {ORDERS_0_10, {"orders", 1, 11, "m1"}};
    CHECK_EQ_INT(txn_commit(producer(7, 0), offs, 2), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), -1);
    CHECK_EQ_INT(committed("orders", 1, NULL, 0), -1);
    char list[128];
    unstable("orders", 3, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0 orders:1");
    unstable("orders", -1, list, sizeof list); /* all: only committed partitions */
    CHECK_EQ_STR(list, "");

    CHECK_EQ_INT(complete(7, 0, 1), 0);
    char md[64];
    CHECK_EQ_INT(committed("orders", 0, md, sizeof md), 10);
    CHECK_EQ_STR(md, "txn");
    CHECK_EQ_INT(committed("orders", 1, md, sizeof md), 11);
    CHECK_EQ_STR(md, "m1");
    unstable("orders", 3, list, sizeof list);
    CHECK_EQ_STR(list, "");
    /* Idempotent: completing again (either way) changes nothing. */
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(complete(7, 0, 0), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 10);
    close_group(conn);
}

static void test_abort_drops(void)
{
    sqlite3 *conn = open_group(":memory:");
    CHECK_EQ_INT(plain_commit("orders", 0, 3), 0);
    CHECK_EQ_INT(txn_commit(producer(7, 0), &ORDERS_0_10, 1), 0);
    char list[128];
    unstable("orders", -1, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0");
    CHECK_EQ_INT(complete(7, 0, 0), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 3);
    unstable("orders", -1, list, sizeof list);
    CHECK_EQ_STR(list, "");
    CHECK_EQ_INT(complete(7, 0, 1), 0); /* nothing pending any more */
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 3);
    CHECK_EQ_INT(complete(99, 0, 1), 0); /* a producer never seen */
    close_group(conn);
}

/* Kafka orders commits by when they were written: a plain commit after the
 * transaction's wins; one before it loses. */
static void test_order_against_plain_commits(void)
{
    sqlite3 *conn = open_group(":memory:");
    CHECK_EQ_INT(txn_commit(producer(7, 0), &ORDERS_0_10, 1), 0);
    CHECK_EQ_INT(plain_commit("orders", 0, 20), 0);
    char list[128];
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0"); /* still pending until the transaction ends */
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 20);

    CHECK_EQ_INT(plain_commit("orders", 1, 20), 0);
    off later = {"orders", 1, 12, ""};
    CHECK_EQ_INT(txn_commit(producer(7, 0), &later, 1), 0);
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 1, NULL, 0), 12);

    /* The same producer committing the partition again after the plain commit: its
     * newer pending offset is not superseded. */
    off first = {"orders", 2, 5, ""}, second = {"orders", 2, 6, ""};
    CHECK_EQ_INT(txn_commit(producer(7, 0), &first, 1), 0);
    CHECK_EQ_INT(plain_commit("orders", 2, 30), 0);
    CHECK_EQ_INT(txn_commit(producer(7, 0), &second, 1), 0);
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 2, NULL, 0), 6);
    close_group(conn);
}

static void test_order_between_producers(void)
{
    sqlite3 *conn = open_group(":memory:");
    off a = {"orders", 0, 5, "a"}, b = {"orders", 0, 7, "b"};
    /* A wrote first, B second; B commits first: A's older offset does not replace B's. */
    CHECK_EQ_INT(txn_commit(producer(1, 0), &a, 1), 0);
    CHECK_EQ_INT(txn_commit(producer(2, 0), &b, 1), 0);
    CHECK_EQ_INT(complete(2, 0, 1), 0);
    CHECK_EQ_INT(complete(1, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 7);
    /* A first to commit, then B (written later): B's replaces A's. */
    a.partition = b.partition = 1;
    CHECK_EQ_INT(txn_commit(producer(1, 0), &a, 1), 0);
    CHECK_EQ_INT(txn_commit(producer(2, 0), &b, 1), 0);
    CHECK_EQ_INT(complete(1, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 1, NULL, 0), 5);
    CHECK_EQ_INT(complete(2, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 1, NULL, 0), 7);
    close_group(conn);
}

/* A Kafka-dialect join (kind 1) with a group.instance.id; returns the member id
 * and the generation it joined. */
static void kafka_join(const char *instance, const char *suffix, char *member, size_t cap, int32_t *generation)
{
    kbuf in = {0};
    kb_str(&in, "");
    kb_str(&in, "client");
    kb_str(&in, suffix);
    kb_le(&in, 10000, 4);
    kb_le(&in, 10000, 4);
    kb_le(&in, 0, 1);
    kb_le(&in, 1, 1); /* kind: Kafka */
    kb_str(&in, instance);
    kb_le(&in, 0, 1); /* flags */
    kb_le(&in, 0, 4); /* no initial delay */
    kb_str(&in, "host");
    kb_str(&in, "consumer");
    kb_le(&in, 1, 4);
    kb_str(&in, "range");
    kb_le(&in, 0, 4);
    CHECK_EQ_INT(kd_group_join(DB, in.p, (uint32_t)in.len, T0), 0);
    kb_free(&in);
    const uint8_t *p = kd_out_ptr();
    size_t len = rd_le(p + 1, 2);
    snprintf(member, cap, "%.*s", (int)len, (const char *)p + 3);
    *generation = (int32_t)rd_le(p + 3 + len, 4);
}

static void test_fencing(void)
{
    sqlite3 *conn = open_group(":memory:");
    char old[128], now[128];
    int32_t gen_old, gen;
    kafka_join("i1", "a", old, sizeof old, &gen_old);
    kafka_join("i1", "b", now, sizeof now, &gen); /* replaces the static member: old is fenced */
    CHECK(strcmp(old, now) != 0);
    CHECK(gen >= 1);

    committer c = producer(7, 0);
    c.member = old;
    c.instance = "i1";
    c.generation = gen;
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), KD_FENCED_INSTANCE_ID);
    c.member = now;
    c.instance = "i2";
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), KD_UNKNOWN_MEMBER_ID);
    c.instance = "";
    c.member = "nobody";
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), KD_UNKNOWN_MEMBER_ID);
    c.member = now;
    c.instance = "i1";
    c.generation = gen + 1;
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), KD_ILLEGAL_GENERATION);
    c.generation = -1; /* a member id with generation -1 is checked too */
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), KD_ILLEGAL_GENERATION);
    char list[128];
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, ""); /* refusals stored nothing */

    c.generation = gen; /* the current member, whatever the group's state */
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), 0);
    c.instance = "";
    CHECK_EQ_INT(txn_commit(c, &ORDERS_0_10, 1), 0);
    /* Naming no member (TxnOffsetCommit v0-2) is taken while the group has members. */
    CHECK_EQ_INT(txn_commit(producer(8, 0), &ORDERS_0_10, 1), 0);
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0");
    close_group(conn);
}

static void test_producer_epochs(void)
{
    sqlite3 *conn = open_group(":memory:");
    CHECK_EQ_INT(txn_commit(producer(7, 3), &ORDERS_0_10, 1), 0);
    off zombie = {"orders", 0, 99, ""};
    CHECK_EQ_INT(txn_commit(producer(7, 2), &zombie, 1), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(complete(7, 2, 1), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), -1); /* nothing changed */
    char list[128];
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0");
    /* The coordinator fences with a bumped epoch and aborts. */
    CHECK_EQ_INT(complete(7, 4, 0), 0);
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "");
    /* The fenced producer's late commit is refused: the next transaction of the
     * producer id cannot commit it. */
    CHECK_EQ_INT(txn_commit(producer(7, 3), &zombie, 1), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(complete(7, 4, 1), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), -1);
    CHECK_EQ_INT(txn_commit(producer(-1, 0), &zombie, 1), KD_INVALID_REQUEST);
    CHECK_EQ_INT(complete(7, 40000, 1), KD_INVALID_REQUEST);
    close_group(conn);
}

static void test_survives_reopen(void)
{
    char path[] = "/tmp/kafdo-group-txn-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    sqlite3 *conn = open_group(path);
    CHECK_EQ_INT(txn_commit(producer(7, 1), &ORDERS_0_10, 1), 0);
    close_group(conn);
    conn = open_group(path);
    char list[128];
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0");
    CHECK_EQ_INT(complete(7, 0, 1), KD_INVALID_PRODUCER_EPOCH); /* the epoch is remembered too */
    CHECK_EQ_INT(complete(7, 1, 1), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), 10);
    close_group(conn);
    unlink(path);
}

/* Describe's first byte: the state (4 Dead). */
static int described_state(void)
{
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    return kd_out_ptr()[0];
}

static void test_forgotten_with_group_topic_and_offset_delete(void)
{
    sqlite3 *conn = open_group(":memory:");
    CHECK_EQ_INT(described_state(), 4);
    CHECK_EQ_INT(txn_commit(producer(7, 0), &ORDERS_0_10, 1), 0);
    CHECK_EQ_INT(described_state(), 0); /* pending offsets make the group exist (Empty) */
    CHECK_EQ_INT(kd_group_delete(DB), 0);
    CHECK_EQ_INT(described_state(), 4);
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(committed("orders", 0, NULL, 0), -1);

    off two[] = {ORDERS_0_10, {"payments", 0, 4, ""}};
    CHECK_EQ_INT(txn_commit(producer(7, 0), two, 2), 0);
    CHECK_EQ_INT(kd_group_topic_deleted(DB, (const uint8_t *)"orders", 6, T0), 0);
    char list[128];
    unstable("orders", 1, list, sizeof list);
    CHECK_EQ_STR(list, "");
    unstable("payments", 1, list, sizeof list);
    CHECK_EQ_STR(list, "payments:0");

    kbuf del = {0};
    kb_le(&del, 1, 4);
    kb_str(&del, "payments");
    kb_le(&del, 0, 4);
    CHECK_EQ_INT(kd_group_delete_offsets(DB, del.p, (uint32_t)del.len), 0);
    kb_free(&del);
    unstable("payments", 1, list, sizeof list);
    CHECK_EQ_STR(list, "");
    CHECK_EQ_INT(complete(7, 0, 1), 0);
    CHECK_EQ_INT(committed("payments", 0, NULL, 0), -1);
    close_group(conn);
}

static void test_bad_input_stores_nothing(void)
{
    sqlite3 *conn = open_group(":memory:");
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    off bad[][2] = {
        {ORDERS_0_10, {"orders", 1, 1, big}},
        {ORDERS_0_10, {"bad topic!", 1, 1, ""}},
        {ORDERS_0_10, {"orders", -1, 1, ""}},
        {ORDERS_0_10, {"orders", 1, -3, ""}},
    };
    int32_t want[] = {KD_OFFSET_METADATA_TOO_LARGE, KD_INVALID_TOPIC_EXCEPTION, KD_INVALID_REQUEST, KD_INVALID_REQUEST};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_EQ_INT(txn_commit(producer(7, 0), bad[i], 2), want[i]);
    /* Truncated input, at every length. */
    kbuf in = {0};
    kb_le(&in, 7, 8);
    kb_le(&in, 0, 2);
    kb_str(&in, "");
    kb_le(&in, (uint32_t)-1, 4);
    kb_str(&in, "");
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, 0, 4);
    kb_le(&in, 10, 8);
    kb_str(&in, "");
    for (size_t len = 0; len < in.len; len++)
        CHECK_EQ_INT(kd_group_txn_commit(DB, in.p, (uint32_t)len, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_group_txn_commit(DB, in.p, (uint32_t)in.len, T0), 0);
    kb_free(&in);
    char list[128];
    unstable("orders", 2, list, sizeof list);
    CHECK_EQ_STR(list, "orders:0");
    uint8_t short_in[3] = {1, 0, 0};
    CHECK(kd_group_txn_unstable(DB, short_in, 3) == KD_ERR_INVALID_ARG);
    close_group(conn);
}

int main(void)
{
    RUN(test_pending_until_commit);
    RUN(test_abort_drops);
    RUN(test_order_against_plain_commits);
    RUN(test_order_between_producers);
    RUN(test_fencing);
    RUN(test_producer_epochs);
    RUN(test_survives_reopen);
    RUN(test_forgotten_with_group_topic_and_offset_delete);
    RUN(test_bad_input_stores_nothing);
    return CHECK_SUMMARY();
}
