/*
 * Tests src-c/group.c over real SQLite: the state machine from Empty through
 * rebalances to Stable, generations and fencing, expiry by session and by the
 * rebalance deadline, leaving, committed offsets, deletion, and bad input; then
 * Kafka's classic protocol (member kind 1): the leader's metadata, the protocol
 * vote, CompletingRebalance and SyncGroup, the pending-sync timeout, one dialect
 * per group, and describe's decoding of Kafka's consumer protocol.
 */
#include <sqlite3.h>

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

typedef struct {
    int complete;
    char member[128];
    int32_t generation;
    int partitions; /* how many assigned */
    char assigned[256];
} join_result;

/* Reads a str at *at into buf. */
static void read_str(const uint8_t *p, size_t *at, char *buf, size_t cap)
{
    size_t n = rd_le(p + *at, 2);
    snprintf(buf, cap, "%.*s", (int)n, (const char *)p + *at + 2);
    *at += 2 + n;
}

/* Reads an assignment (u32 n, (str topic, i32 p)*) as "t:0 t:1". */
static int read_assignment(const uint8_t *p, size_t *at, char *buf, size_t cap)
{
    uint32_t n = (uint32_t)rd_le(p + *at, 4);
    *at += 4;
    buf[0] = 0;
    for (uint32_t k = 0; k < n; k++) {
        char topic[64];
        read_str(p, at, topic, sizeof topic);
        int32_t part = (int32_t)rd_le(p + *at, 4);
        *at += 4;
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s:%d", used ? " " : "", topic, (int)part);
    }
    return (int)n;
}

static int32_t orders_partitions = 6;

static int32_t join(const char *member, const char *suffix, int32_t session, int64_t now, join_result *out)
{
    kbuf in = {0};
    kb_str(&in, member);
    kb_str(&in, "client");
    kb_str(&in, suffix);
    kb_le(&in, (uint32_t)session, 4);
    kb_le(&in, 10000, 4);
    kb_le(&in, KD_ASSIGN_RANGE, 1);
    kb_le(&in, 0, 1);
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, (uint32_t)orders_partitions, 4);
    int32_t rc = kd_group_join(DB, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    if (rc == 0 && out) {
        const uint8_t *p = kd_out_ptr();
        size_t at = 1;
        out->complete = p[0];
        read_str(p, &at, out->member, sizeof out->member);
        out->generation = (int32_t)rd_le(p + at, 4);
        at += 4;
        char leader[128];
        read_str(p, &at, leader, sizeof leader);
        at += 1; /* strategy */
        out->partitions = read_assignment(p, &at, out->assigned, sizeof out->assigned);
    }
    return rc;
}

/* The heartbeat's answer: the call's error, else the error in its output. */
static int32_t heartbeat(const char *member, int32_t generation, int64_t now)
{
    int32_t rc = kd_group_heartbeat(DB, (const uint8_t *)member, (uint32_t)strlen(member), generation, now);
    return rc ? rc : (int32_t)rd_le(kd_out_ptr(), 4);
}

/* Polls and returns the state; fills the named member's waiting flag and assignment. */
static int poll_state(int64_t now, const char *member, int *waiting, char *assigned, size_t cap, int *expired)
{
    if (kd_group_poll(DB, now) != 0)
        return -1;
    const uint8_t *p = kd_out_ptr();
    int state = p[0];
    size_t at = 13;
    uint32_t n = (uint32_t)rd_le(p + at, 4);
    at += 4;
    if (expired)
        *expired = (int)n;
    for (uint32_t i = 0; i < n; i++) {
        char id[128];
        read_str(p, &at, id, sizeof id);
    }
    uint32_t m = (uint32_t)rd_le(p + at, 4);
    at += 4;
    for (uint32_t i = 0; i < m; i++) {
        char id[128], a[256];
        read_str(p, &at, id, sizeof id);
        int w = p[at++];
        read_assignment(p, &at, a, sizeof a);
        if (member && strcmp(id, member) == 0) {
            if (waiting)
                *waiting = w;
            if (assigned)
                snprintf(assigned, cap, "%s", a);
        }
    }
    return state;
}

/* Leaves by member id, or by instance id when `instance` is not "". */
static int32_t leave(const char *member, const char *instance, int64_t now)
{
    kbuf in = {0};
    kb_str(&in, member);
    kb_str(&in, instance);
    int32_t rc = kd_group_leave(DB, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    return rc;
}

static int32_t commit(const char *member, int32_t generation, int32_t partition, int64_t offset, int64_t now)
{
    kbuf in = {0};
    kb_str(&in, member);
    kb_le(&in, (uint32_t)generation, 4);
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, (uint32_t)partition, 4);
    kb_le(&in, (uint64_t)offset, 8);
    kb_str(&in, "meta");
    int32_t rc = kd_group_commit(DB, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    return rc;
}

static int64_t committed(int32_t partition)
{
    kbuf in = {0};
    kb_le(&in, 1, 4);
    kb_str(&in, "orders");
    kb_le(&in, (uint32_t)partition, 4);
    int64_t offset = -99;
    if (kd_group_offsets(DB, in.p, (uint32_t)in.len) == 0) {
        size_t at = 4;
        char topic[64];
        read_str(kd_out_ptr(), &at, topic, sizeof topic);
        offset = (int64_t)rd_le(kd_out_ptr() + at + 4, 8);
    }
    kb_free(&in);
    return offset;
}

static sqlite3 *open_group(void)
{
    sqlite3 *conn;
    sqlite3_open(":memory:", &conn);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_group_open(DB), 0);
    CHECK_EQ_INT(kd_group_open(DB), 0);
    return conn;
}

static void close_group(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
}

static void test_one_member_gets_everything(void)
{
    sqlite3 *conn = open_group();
    join_result a;
    CHECK_EQ_INT(join("", "a1", 30000, T0, &a), 0);
    CHECK(a.complete);
    CHECK(strcmp(a.member, "client-a1") == 0);
    CHECK_EQ_INT(a.generation, 1);
    CHECK_EQ_INT(a.partitions, 6);
    CHECK_EQ_INT(heartbeat("client-a1", 1, T0 + 10), 0);
    /* Joining again unchanged while Stable: same generation, same assignment. */
    join_result again;
    CHECK_EQ_INT(join("client-a1", "x", 30000, T0 + 20, &again), 0);
    CHECK(again.complete);
    CHECK_EQ_INT(again.generation, 1);
    CHECK(strcmp(again.assigned, a.assigned) == 0);
    close_group(conn);
}

/* A subscribed topic given more partitions: the member's next join rebalances. */
static void test_grown_topic_rebalances(void)
{
    sqlite3 *conn = open_group();
    join_result a;
    join("", "a", 30000, T0, &a);
    CHECK_EQ_INT(a.partitions, 6);
    orders_partitions = 9;
    CHECK_EQ_INT(join("client-a", "", 30000, T0 + 1, &a), 0);
    orders_partitions = 6;
    CHECK(a.complete);
    CHECK_EQ_INT(a.generation, 2);
    CHECK_EQ_INT(a.partitions, 9);
    close_group(conn);
}

static void test_second_member_rebalances(void)
{
    sqlite3 *conn = open_group();
    join_result a, b, a2;
    join("", "a", 30000, T0, &a);
    CHECK_EQ_INT(join("", "b", 30000, T0 + 1, &b), 0);
    CHECK(!b.complete); /* held until a joins again */
    CHECK_EQ_INT(heartbeat("client-a", 1, T0 + 2), KD_REBALANCE_IN_PROGRESS);
    /* a's commit for its current generation still counts during the rebalance */
    CHECK_EQ_INT(commit("client-a", 1, 0, 42, T0 + 2), 0);
    CHECK_EQ_INT(join("client-a", "", 30000, T0 + 3, &a2), 0);
    CHECK(a2.complete);
    CHECK_EQ_INT(a2.generation, 2);
    int waiting = -1;
    char b_assigned[256] = "";
    CHECK_EQ_INT(poll_state(T0 + 4, "client-b", &waiting, b_assigned, sizeof b_assigned, NULL), 3 /* Stable */);
    CHECK_EQ_INT(waiting, 0);
    /* range: client-a (first by id) takes 0-2, client-b 3-5: no overlap, no gap */
    CHECK(strcmp(a2.assigned, "orders:0 orders:1 orders:2") == 0);
    CHECK(strcmp(b_assigned, "orders:3 orders:4 orders:5") == 0);
    /* Fencing: the old generation is refused, and stored offsets stay. */
    CHECK_EQ_INT(heartbeat("client-a", 1, T0 + 5), KD_ILLEGAL_GENERATION);
    CHECK_EQ_INT(commit("client-a", 1, 0, 99, T0 + 5), KD_ILLEGAL_GENERATION);
    CHECK_EQ_INT(committed(0), 42);
    CHECK_EQ_INT(heartbeat("nobody", 2, T0 + 5), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(commit("nobody", 2, 0, 99, T0 + 5), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(commit("", -1, 0, 99, T0 + 5), KD_UNKNOWN_MEMBER_ID); /* members live: no free commits */
    CHECK_EQ_INT(commit("client-b", 2, 3, 7, T0 + 5), 0);
    CHECK_EQ_INT(committed(3), 7);
    CHECK_EQ_INT(committed(5), -1);
    close_group(conn);
}

static void test_expiry_moves_partitions(void)
{
    sqlite3 *conn = open_group();
    join_result a, b, a2;
    join("", "a", 1000, T0, &a);
    join("", "b", 1000, T0, &b);
    join("client-a", "", 1000, T0, &a2);
    CHECK_EQ_INT(poll_state(T0, NULL, NULL, NULL, 0, NULL), 3);
    /* b keeps heartbeating, a goes quiet. */
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 900), 0);
    int expired = -1;
    CHECK_EQ_INT(poll_state(T0 + 999, NULL, NULL, NULL, 0, &expired), 3);
    CHECK_EQ_INT(expired, 0);
    CHECK_EQ_INT(poll_state(T0 + 1000, NULL, NULL, NULL, 0, &expired), 1 /* PreparingRebalance */);
    CHECK_EQ_INT(expired, 1);
    CHECK_EQ_INT(heartbeat("client-a", 2, T0 + 1001), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 1001), KD_REBALANCE_IN_PROGRESS);
    join_result b2;
    CHECK_EQ_INT(join("client-b", "", 1000, T0 + 1002, &b2), 0);
    CHECK(b2.complete);
    CHECK_EQ_INT(b2.generation, 3);
    CHECK_EQ_INT(b2.partitions, 6);
    close_group(conn);
}

static void test_rebalance_deadline_removes_the_silent(void)
{
    sqlite3 *conn = open_group();
    join_result a, b, c;
    join("", "a", 30000, T0, &a);
    join("", "b", 30000, T0 + 1, &b);
    join("client-a", "", 30000, T0 + 2, &a);
    CHECK_EQ_INT(a.generation, 2);
    CHECK_EQ_INT(join("", "c", 30000, T0 + 3, &c), 0); /* rebalance: deadline T0+3+10000 */
    CHECK(!c.complete);
    CHECK_EQ_INT(join("client-a", "", 30000, T0 + 4, &a), 0);
    CHECK(!a.complete); /* b has not joined again */
    int waiting = -1;
    CHECK_EQ_INT(poll_state(T0 + 10002, "client-a", &waiting, NULL, 0, NULL), 1);
    CHECK_EQ_INT(waiting, 1);
    char assigned[256] = "";
    int expired = -1;
    CHECK_EQ_INT(poll_state(T0 + 10003, "client-c", &waiting, assigned, sizeof assigned, &expired), 3);
    CHECK_EQ_INT(expired, 1);
    CHECK_EQ_INT(waiting, 0);
    CHECK(strcmp(assigned, "orders:3 orders:4 orders:5") == 0);
    close_group(conn);
}

static void test_leave_and_delete(void)
{
    sqlite3 *conn = open_group();
    CHECK_EQ_INT(kd_group_delete(DB), KD_GROUP_ID_NOT_FOUND);
    join_result a, b;
    join("", "a", 30000, T0, &a);
    join("", "b", 30000, T0, &b);
    join("client-a", "", 30000, T0, &a);
    CHECK_EQ_INT(commit("client-a", 2, 1, 5, T0), 0);
    CHECK_EQ_INT(kd_group_delete(DB), KD_NON_EMPTY_GROUP);
    CHECK_EQ_INT(committed(1), 5);
    CHECK_EQ_INT(leave("client-b", "", T0 + 1), 0);
    CHECK_EQ_INT(heartbeat("client-a", 2, T0 + 2), KD_REBALANCE_IN_PROGRESS);
    join("client-a", "", 30000, T0 + 3, &a);
    CHECK(a.complete);
    CHECK_EQ_INT(a.partitions, 6);
    CHECK_EQ_INT(leave("client-b", "", T0 + 4), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(leave("client-a", "", T0 + 5), 0);
    CHECK_EQ_INT(poll_state(T0 + 6, NULL, NULL, NULL, 0, NULL), 0 /* Empty */);
    CHECK_EQ_INT(commit("", -1, 2, 11, T0 + 6), 0); /* an empty group takes free commits */
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK_EQ_INT(kd_group_delete(DB), 0);
    CHECK_EQ_INT(committed(1), -1);
    CHECK_EQ_INT(kd_group_delete(DB), KD_GROUP_ID_NOT_FOUND);
    close_group(conn);
}

/* A group exists while it has members, once it had a generation, or while it holds
 * committed offsets; one that does not is described Dead (state 4) with no
 * protocol, and deleting it is GROUP_ID_NOT_FOUND. */
static void test_dead_until_it_exists(void)
{
    sqlite3 *conn = open_group();
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 4 /* Dead */);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 6, 2), 0);  /* no leader */
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 8, 2), 0);  /* no protocol type */
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 10, 2), 0); /* no protocol name (not "range") */
    CHECK_EQ_INT(commit("", -1, 2, 11, T0), 0);   /* a free commit makes it exist */
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 0 /* Empty */);
    CHECK_EQ_INT(kd_group_delete(DB), 0);
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 4 /* Dead again */);
    join_result a;
    join("", "a", 30000, T0, &a); /* a member: it exists */
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK(kd_out_ptr()[0] != 4);
    close_group(conn);
}

/* Which held Kafka call is answered after a poll, and how. */
static void test_held_calls(void)
{
    /* JoinGroup: once the rebalance completed and the member does not wait; the
     * leader's answer (while the leader's SyncGroup is awaited) lists the members. */
    CHECK_EQ_INT(kd_group_held_join(1 /* PreparingRebalance */, 0, 0), KD_HELD_WAIT);
    CHECK_EQ_INT(kd_group_held_join(0 /* Empty */, 0, 0), KD_HELD_WAIT);
    CHECK_EQ_INT(kd_group_held_join(2 /* CompletingRebalance */, 1, 0), KD_HELD_WAIT);
    CHECK_EQ_INT(kd_group_held_join(2, 0, 0), KD_HELD_ANSWER);
    CHECK_EQ_INT(kd_group_held_join(2, 0, 1), KD_HELD_ANSWER_LEADER);
    CHECK_EQ_INT(kd_group_held_join(3 /* Stable */, 0, 1), KD_HELD_ANSWER);
    /* SyncGroup: held while its generation completes, answered when Stable in it,
     * REBALANCE_IN_PROGRESS once the group left it. */
    CHECK_EQ_INT(kd_group_held_sync(2, 5, 5), KD_HELD_WAIT);
    CHECK_EQ_INT(kd_group_held_sync(3, 5, 5), KD_HELD_ANSWER);
    CHECK_EQ_INT(kd_group_held_sync(3, 6, 5), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(kd_group_held_sync(2, 6, 5), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(kd_group_held_sync(1, 5, 5), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(kd_group_held_sync(0, 5, 5), KD_REBALANCE_IN_PROGRESS);
}

static void test_bad_input(void)
{
    sqlite3 *conn = open_group();
    CHECK_EQ_INT(join("", "a", 100, T0, NULL), KD_INVALID_SESSION_TIMEOUT);
    CHECK_EQ_INT(join("", "a", 4000000, T0, NULL), KD_INVALID_SESSION_TIMEOUT);
    CHECK_EQ_INT(join("ghost", "", 30000, T0, NULL), KD_UNKNOWN_MEMBER_ID);
    uint8_t junk[] = {3, 0, 'a'};
    CHECK_EQ_INT(kd_group_join(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_group_commit(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_group_offsets(DB, junk, 2), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(commit("", -1, -1, 5, T0), KD_INVALID_REQUEST);
    CHECK_EQ_INT(commit("", -1, 0, -5, T0), KD_INVALID_REQUEST);
    CHECK_EQ_INT(commit("", -1, 0, -3, T0), KD_INVALID_REQUEST);
    CHECK_EQ_INT(committed(0), -1);
    /* Kafka's earliest sentinel, as kafkajs's resetOffsets commits it, is stored. */
    CHECK_EQ_INT(commit("", -1, 0, -2, T0), 0);
    CHECK_EQ_INT(committed(0), -2);
    CHECK_EQ_INT(poll_state(T0, NULL, NULL, NULL, 0, NULL), 0);
    close_group(conn);
}

/* A member heartbeating through a rebalance stays alive, and a completed rebalance
 * starts every session again (a member that waited in its join is not expired). */
static void test_sessions_through_a_rebalance(void)
{
    sqlite3 *conn = open_group();
    join_result a, b, c;
    join("", "a", 6000, T0, &a);
    join("", "b", 6000, T0, &b);
    join("client-a", "", 6000, T0, &a); /* gen 2: a, b */
    CHECK_EQ_INT(join("", "c", 6000, T0 + 1000, &c), 0);
    CHECK_EQ_INT(join("client-a", "", 6000, T0 + 1000, &a), 0);
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 4000), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 6500), KD_REBALANCE_IN_PROGRESS);
    int expired = -1;
    CHECK_EQ_INT(poll_state(T0 + 9000, NULL, NULL, NULL, 0, &expired), 1); /* b alive by its heartbeats */
    CHECK_EQ_INT(expired, 0);
    CHECK_EQ_INT(join("client-b", "", 6000, T0 + 9500, &b), 0);
    CHECK(b.complete);
    CHECK_EQ_INT(b.generation, 3);
    /* a and c waited since T0+1000; their sessions restart at completion. */
    CHECK_EQ_INT(poll_state(T0 + 15000, NULL, NULL, NULL, 0, &expired), 3);
    CHECK_EQ_INT(expired, 0);
    close_group(conn);
}

/* ---- Kafka's classic protocol (kind 1) ---------------------------------------- */

/* ConsumerProtocolSubscription and Assignment bytes as kafkajs's assignerProtocol.js
 * encodes them (captured with node): version 1, but only version 0's fields. */
/* clang-format off */
static const uint8_t SUB_ORDERS_PAYMENTS[] = {
    0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0x00,
    0x08, 0x70, 0x61, 0x79, 0x6d, 0x65, 0x6e, 0x74, 0x73, 0x00, 0x00, 0x00, 0x02, 0x75, 0x64}; /* userData "ud" */
/* clang-format on */
static const uint8_t ASSIGN_ORDERS_0_2_PAYMENTS_1[] = {
    0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0x00, 0x00,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x08, 0x70, 0x61, 0x79, 0x6d,
    0x65, 0x6e, 0x74, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
static const uint8_t ASSIGN_ORDERS_1[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72,
                                          0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};

typedef struct {
    const char *name;
    const uint8_t *metadata;
    size_t len;
} protocol;

typedef struct {
    int complete; /* the status: 0 held, 1 complete, 2 MEMBER_ID_REQUIRED */
    char member[128], leader[128], type[32], name[32], fenced[128];
    int32_t generation;
    int members;          /* listed for the leader */
    char listed[4][128];  /* their ids */
    size_t listed_len[4]; /* their metadata's length */
} kjoin_result;

static const char *ptype = "consumer";
/* What kjoin sends beside: the group.instance.id, KIP-394's flag, the initial delay. */
static const char *instance_id = "";
static int member_id_required = 0;
static int32_t initial_delay = 0;
static int32_t rebalance_ms = 10000;

static int32_t kjoin(const char *member, const char *suffix, int32_t session, int64_t now, const protocol *ps, int n,
                     kjoin_result *out)
{
    kbuf in = {0};
    kb_str(&in, member);
    kb_str(&in, "client");
    kb_str(&in, suffix);
    kb_le(&in, (uint32_t)session, 4);
    kb_le(&in, (uint32_t)rebalance_ms, 4);
    kb_le(&in, 0, 1);
    kb_le(&in, 1, 1); /* kind: Kafka */
    kb_str(&in, instance_id);
    kb_le(&in, (uint32_t)member_id_required, 1);
    kb_le(&in, (uint32_t)initial_delay, 4);
    kb_str(&in, "/10.0.0.1");
    kb_str(&in, ptype);
    kb_le(&in, (uint32_t)n, 4);
    for (int i = 0; i < n; i++) {
        kb_str(&in, ps[i].name);
        kb_le(&in, (uint32_t)ps[i].len, 4);
        kb_put(&in, ps[i].metadata, ps[i].len);
    }
    int32_t rc = kd_group_join(DB, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    if (rc == 0 && out) {
        const uint8_t *p = kd_out_ptr();
        size_t at = 1;
        memset(out, 0, sizeof *out);
        out->complete = p[0];
        read_str(p, &at, out->member, sizeof out->member);
        out->generation = (int32_t)rd_le(p + at, 4);
        at += 4;
        read_str(p, &at, out->leader, sizeof out->leader);
        at += 1 + 4 + 8; /* strategy, an empty assignment, the deadline */
        read_str(p, &at, out->type, sizeof out->type);
        read_str(p, &at, out->name, sizeof out->name);
        out->members = (int)rd_le(p + at, 4);
        at += 4;
        for (int i = 0; i < out->members; i++) {
            char skip[128];
            read_str(p, &at, i < 4 ? out->listed[i] : skip, sizeof skip);
            size_t len = rd_le(p + at, 4);
            if (i < 4)
                out->listed_len[i] = len;
            at += 4 + len;
        }
        read_str(p, &at, out->fenced, sizeof out->fenced);
    }
    return rc;
}

typedef struct {
    int complete;
    char type[32], name[32];
    uint8_t assignment[128];
    size_t len;
} ksync_result;

/* One assignment for `to` (NULL: none), as the leader sends it. */
static int32_t ksync(const char *member, int32_t generation, const char *name, const char *to, const uint8_t *bytes,
                     size_t len, int64_t now, ksync_result *out)
{
    kbuf in = {0};
    kb_str(&in, member);
    kb_le(&in, (uint32_t)generation, 4);
    kb_str(&in, "");
    kb_str(&in, name);
    kb_le(&in, to ? 1 : 0, 4);
    if (to) {
        kb_str(&in, to);
        kb_le(&in, (uint32_t)len, 4);
        kb_put(&in, bytes, len);
    }
    int32_t rc = kd_group_sync(DB, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    if (rc == 0 && out) {
        const uint8_t *p = kd_out_ptr();
        size_t at = 1;
        out->complete = p[0];
        read_str(p, &at, out->type, sizeof out->type);
        read_str(p, &at, out->name, sizeof out->name);
        out->len = rd_le(p + at, 4);
        at += 4;
        if (out->len <= sizeof out->assignment)
            memcpy(out->assignment, p + at, out->len);
    }
    return rc;
}

/* The tail of kd_group_poll's output: the bytes listed for `member` (-1: not listed). */
static long poll_bytes(int64_t now, const char *member, int *state)
{
    if (kd_group_poll(DB, now) != 0)
        return -2;
    const uint8_t *p = kd_out_ptr();
    *state = p[0];
    size_t at = 13;
    uint32_t n = (uint32_t)rd_le(p + at, 4);
    at += 4;
    char id[128], text[128];
    for (uint32_t i = 0; i < n; i++)
        read_str(p, &at, id, sizeof id);
    uint32_t m = (uint32_t)rd_le(p + at, 4);
    at += 4;
    for (uint32_t i = 0; i < m; i++) {
        read_str(p, &at, id, sizeof id);
        at++;
        read_assignment(p, &at, text, sizeof text);
    }
    for (int i = 0; i < 3; i++)
        read_str(p, &at, text, sizeof text); /* protocol type, protocol name, leader */
    uint32_t k = (uint32_t)rd_le(p + at, 4);
    at += 4;
    long found = -1;
    for (uint32_t i = 0; i < k; i++) {
        read_str(p, &at, id, sizeof id);
        size_t len = rd_le(p + at, 4);
        at += 4 + len;
        if (strcmp(id, member) == 0)
            found = (long)len;
    }
    return found;
}

typedef struct {
    int state;
    char type[32], name[32], subscription[128], assigned[128], instance[64];
    int kind;
    uint8_t metadata[128], assignment[128];
    size_t metadata_len, assignment_len;
} kdescribe;

static int describe_member(const char *member, kdescribe *d)
{
    if (kd_group_describe(DB) != 0)
        return -1;
    const uint8_t *p = kd_out_ptr();
    char text[256];
    memset(d, 0, sizeof *d);
    d->state = p[0];
    size_t at = 6;
    read_str(p, &at, text, sizeof text); /* leader */
    read_str(p, &at, d->type, sizeof d->type);
    read_str(p, &at, d->name, sizeof d->name);
    uint32_t m = (uint32_t)rd_le(p + at, 4);
    at += 4;
    for (uint32_t i = 0; i < m; i++) {
        char id[128], sub[128] = "", assigned[128];
        read_str(p, &at, id, sizeof id);
        read_str(p, &at, text, sizeof text);
        int kind = p[at];
        at += 1 + 4 + 4 + 8;
        uint32_t topics = (uint32_t)rd_le(p + at, 4);
        at += 4;
        for (uint32_t t = 0; t < topics; t++) {
            read_str(p, &at, text, sizeof text);
            size_t used = strlen(sub);
            snprintf(sub + used, sizeof sub - used, "%s%s", used ? " " : "", text);
        }
        read_assignment(p, &at, assigned, sizeof assigned);
        read_str(p, &at, text, sizeof text); /* client host */
        size_t meta_len = rd_le(p + at, 4);
        const uint8_t *meta = p + at + 4;
        at += 4 + meta_len;
        size_t raw_len = rd_le(p + at, 4);
        const uint8_t *raw = p + at + 4;
        at += 4 + raw_len;
        char instance[64];
        read_str(p, &at, instance, sizeof instance);
        if (strcmp(id, member) == 0) {
            snprintf(d->instance, sizeof d->instance, "%s", instance);
            d->kind = kind;
            snprintf(d->subscription, sizeof d->subscription, "%s", sub);
            snprintf(d->assigned, sizeof d->assigned, "%s", assigned);
            d->metadata_len = meta_len;
            d->assignment_len = raw_len;
            if (meta_len <= sizeof d->metadata)
                memcpy(d->metadata, meta, meta_len);
            if (raw_len <= sizeof d->assignment)
                memcpy(d->assignment, raw, raw_len);
        }
    }
    return 0;
}

/* Two Kafka members: the leader learns everyone's metadata for the voted
 * protocol, the group waits in CompletingRebalance for the leader's SyncGroup, and
 * the follower's sync gets the bytes the leader gave it. */
static void test_kafka_two_members(void)
{
    sqlite3 *conn = open_group();
    static const uint8_t meta_a[] = {0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}; /* v0, no topics */
    protocol pa[] = {{"range", meta_a, sizeof meta_a}, {"roundrobin", meta_a, sizeof meta_a}};
    protocol pb[] = {{"roundrobin", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};

    kjoin_result a, b;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, pa, 2, &a), 0);
    CHECK(a.complete); /* alone: the rebalance completes at once */
    CHECK(strcmp(a.member, "client-a") == 0);
    CHECK_EQ_INT(a.generation, 1);
    CHECK(strcmp(a.leader, "client-a") == 0);
    CHECK(strcmp(a.type, "consumer") == 0 && strcmp(a.name, "range") == 0);
    CHECK_EQ_INT(a.members, 1);
    int state;
    CHECK_EQ_INT(poll_bytes(T0, "client-a", &state), sizeof meta_a);
    CHECK_EQ_INT(state, 2 /* CompletingRebalance */);
    ksync_result s;
    CHECK_EQ_INT(ksync("client-a", 1, "range", "client-a", ASSIGN_ORDERS_1, sizeof ASSIGN_ORDERS_1, T0 + 1, &s), 0);
    CHECK(s.complete);
    CHECK_EQ_INT(s.len, sizeof ASSIGN_ORDERS_1);

    /* b arrives: its join is held, a must join again. */
    CHECK_EQ_INT(kjoin("", "b", 30000, T0 + 2, pb, 1, &b), 0);
    CHECK(!b.complete);
    CHECK_EQ_INT(heartbeat("client-a", 1, T0 + 3), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(ksync("client-a", 1, "", NULL, NULL, 0, T0 + 3, NULL), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 4, pa, 2, &a), 0);
    CHECK(a.complete);
    CHECK_EQ_INT(a.generation, 2);
    CHECK(strcmp(a.leader, "client-a") == 0); /* the leader stays */
    /* Only roundrobin is supported by both: a votes for it although it prefers range. */
    CHECK(strcmp(a.name, "roundrobin") == 0);
    CHECK_EQ_INT(a.members, 2);
    CHECK(strcmp(a.listed[0], "client-a") == 0 && strcmp(a.listed[1], "client-b") == 0);
    CHECK_EQ_INT(a.listed_len[1], sizeof SUB_ORDERS_PAYMENTS);
    /* b's held join is answered from the poll: no longer waiting, not the leader. */
    int waiting = -1;
    CHECK_EQ_INT(poll_state(T0 + 4, "client-b", &waiting, NULL, 0, NULL), 2);
    CHECK_EQ_INT(waiting, 0);
    CHECK_EQ_INT(poll_bytes(T0 + 4, "client-b", &state), sizeof SUB_ORDERS_PAYMENTS);

    /* CompletingRebalance: heartbeats fine, commits REBALANCE_IN_PROGRESS (Kafka's). */
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 5), 0);
    CHECK_EQ_INT(commit("client-a", 2, 0, 5, T0 + 5), KD_REBALANCE_IN_PROGRESS);
    /* b, a follower, syncs first: held. Bad syncs are refused. */
    CHECK_EQ_INT(ksync("client-b", 2, "roundrobin", NULL, NULL, 0, T0 + 6, &s), 0);
    CHECK(!s.complete);
    CHECK_EQ_INT(ksync("client-b", 1, "", NULL, NULL, 0, T0 + 6, NULL), KD_ILLEGAL_GENERATION);
    CHECK_EQ_INT(ksync("nobody", 2, "", NULL, NULL, 0, T0 + 6, NULL), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(ksync("client-b", 2, "range", NULL, NULL, 0, T0 + 6, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    /* The leader's sync gives b its partitions and a nothing: Stable. */
    CHECK_EQ_INT(ksync("client-a", 2, "", "client-b", ASSIGN_ORDERS_0_2_PAYMENTS_1, sizeof ASSIGN_ORDERS_0_2_PAYMENTS_1,
                       T0 + 7, &s),
                 0);
    CHECK(s.complete);
    CHECK_EQ_INT(s.len, 0);
    CHECK_EQ_INT(poll_bytes(T0 + 8, "client-b", &state), sizeof ASSIGN_ORDERS_0_2_PAYMENTS_1);
    CHECK_EQ_INT(state, 3);
    CHECK_EQ_INT(poll_bytes(T0 + 8, "client-a", &state), 0);
    CHECK_EQ_INT(ksync("client-b", 2, "", NULL, NULL, 0, T0 + 9, &s), 0); /* Stable: answered at once */
    CHECK(s.complete);
    CHECK(s.len == sizeof ASSIGN_ORDERS_0_2_PAYMENTS_1 &&
          memcmp(s.assignment, ASSIGN_ORDERS_0_2_PAYMENTS_1, s.len) == 0);
    CHECK(strcmp(s.name, "roundrobin") == 0);
    CHECK_EQ_INT(commit("client-b", 2, 0, 17, T0 + 10), 0);
    CHECK_EQ_INT(committed(0), 17);
    CHECK_EQ_INT(commit("", -1, 0, 99, T0 + 10), KD_UNKNOWN_MEMBER_ID); /* members live */

    /* Describe: raw bytes for DescribeGroups, decoded for the REST view. */
    kdescribe d;
    CHECK_EQ_INT(describe_member("client-b", &d), 0);
    CHECK_EQ_INT(d.kind, 1);
    CHECK(strcmp(d.type, "consumer") == 0 && strcmp(d.name, "roundrobin") == 0);
    CHECK(strcmp(d.subscription, "orders payments") == 0);
    CHECK(strcmp(d.assigned, "orders:0 orders:2 payments:1") == 0);
    CHECK(d.metadata_len == sizeof SUB_ORDERS_PAYMENTS && memcmp(d.metadata, SUB_ORDERS_PAYMENTS, d.metadata_len) == 0);
    CHECK(d.assignment_len == sizeof ASSIGN_ORDERS_0_2_PAYMENTS_1);
    CHECK_EQ_INT(describe_member("client-a", &d), 0);
    CHECK(strcmp(d.subscription, "") == 0 && strcmp(d.assigned, "") == 0);

    /* An unchanged follower joining again while Stable keeps the generation; the
     * leader joining again starts a rebalance (Kafka's). */
    CHECK_EQ_INT(kjoin("client-b", "", 30000, T0 + 11, pb, 1, &b), 0);
    CHECK(b.complete);
    CHECK_EQ_INT(b.generation, 2);
    CHECK_EQ_INT(b.members, 0);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 12, pa, 2, &a), 0);
    CHECK(!a.complete);
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 13), KD_REBALANCE_IN_PROGRESS);
    close_group(conn);
}

/* A new member while Stable rebalances; when the leader has gone, the member that
 * joined first leads; the tie of a vote goes to the first name. */
static void test_kafka_rejoin_with_new_member(void)
{
    sqlite3 *conn = open_group();
    protocol both[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS},
                       {"roundrobin", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    protocol rr_first[] = {{"roundrobin", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS},
                           {"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a, b, c;
    kjoin("", "a", 30000, T0, both, 2, &a);
    kjoin("", "b", 30000, T0 + 1, rr_first, 2, &b);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 2, both, 2, &a), 0);
    CHECK(a.complete);
    CHECK(strcmp(a.name, "range") == 0); /* one vote each: the first name */
    ksync_result s;
    CHECK_EQ_INT(ksync("client-a", 2, "", "client-b", ASSIGN_ORDERS_1, sizeof ASSIGN_ORDERS_1, T0 + 3, &s), 0);
    /* c joins the Stable group: a rebalance; a leaves during it. */
    CHECK_EQ_INT(kjoin("", "c", 30000, T0 + 4, rr_first, 2, &c), 0);
    CHECK(!c.complete);
    CHECK_EQ_INT(leave("client-a", "", T0 + 5), 0);
    CHECK_EQ_INT(kjoin("client-b", "", 30000, T0 + 6, rr_first, 2, &b), 0);
    CHECK(b.complete);
    CHECK_EQ_INT(b.generation, 3);
    CHECK(strcmp(b.leader, "client-b") == 0); /* b joined before c */
    CHECK(strcmp(b.name, "roundrobin") == 0); /* both vote for it */
    CHECK_EQ_INT(b.members, 2);
    /* A rejoin with a changed protocol list while CompletingRebalance rebalances. */
    CHECK_EQ_INT(kjoin("client-c", "", 30000, T0 + 7, both, 2, &c), 0);
    CHECK(!c.complete);
    int state;
    poll_bytes(T0 + 7, "client-c", &state);
    CHECK_EQ_INT(state, 1);
    close_group(conn);
}

/* Expiry while CompletingRebalance: a silent member's session, and Kafka's
 * pending-sync timeout for a leader that never syncs. */
static void test_kafka_expiry_during_completing(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a, b;
    kjoin("", "a", 30000, T0, p, 1, &a);
    kjoin("", "b", 1000, T0, p, 1, &b);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0, p, 1, &a), 0);
    CHECK_EQ_INT(a.generation, 2);
    ksync_result s;
    CHECK_EQ_INT(ksync("client-b", 2, "", NULL, NULL, 0, T0 + 10, &s), 0); /* held */
    /* b falls silent: its session ends while the group waits for the leader. */
    int expired = -1;
    CHECK_EQ_INT(poll_state(T0 + 999, NULL, NULL, NULL, 0, &expired), 2);
    CHECK_EQ_INT(poll_state(T0 + 1010, NULL, NULL, NULL, 0, &expired), 1);
    CHECK_EQ_INT(expired, 1);
    CHECK_EQ_INT(ksync("client-a", 2, "", NULL, NULL, 0, T0 + 1011, NULL), KD_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 1012, p, 1, &a), 0);
    CHECK(a.complete);
    CHECK_EQ_INT(a.generation, 3);
    /* a heartbeats but never syncs: after the rebalance timeout (10 s) it is removed. */
    CHECK_EQ_INT(heartbeat("client-a", 3, T0 + 6000), 0);
    CHECK_EQ_INT(poll_state(T0 + 11011, NULL, NULL, NULL, 0, &expired), 2);
    CHECK_EQ_INT(poll_state(T0 + 11012, NULL, NULL, NULL, 0, &expired), 0 /* Empty */);
    CHECK_EQ_INT(expired, 1);
    /* Empty: a commit outside group management is taken again. */
    CHECK_EQ_INT(commit("", -1, 1, 3, T0 + 11013), 0);
    CHECK_EQ_INT(committed(1), 3);
    close_group(conn);
}

/* One dialect per group, and Kafka's protocol rules for a join. */
static void test_kafka_dialects_do_not_mix(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    protocol other[] = {{"sticky", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    join_result h;
    CHECK_EQ_INT(join("", "h", 30000, T0, &h), 0);
    CHECK_EQ_INT(kjoin("", "k", 30000, T0 + 1, p, 1, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    CHECK_EQ_INT(leave("client-h", "", T0 + 2), 0);
    kjoin_result k;
    CHECK_EQ_INT(kjoin("", "k", 30000, T0 + 3, p, 1, &k), 0); /* the group is empty now */
    CHECK(k.complete);
    CHECK_EQ_INT(join("", "h2", 30000, T0 + 4, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    CHECK_EQ_INT(ksync("client-k", k.generation, "", NULL, NULL, 0, T0 + 5, NULL), 0);
    /* Kafka's own rules: the same protocol type, a protocol every member has. */
    CHECK_EQ_INT(kjoin("", "x", 30000, T0 + 6, other, 1, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    ptype = "connect";
    CHECK_EQ_INT(kjoin("", "x", 30000, T0 + 6, p, 1, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    ptype = "";
    CHECK_EQ_INT(kjoin("", "x", 30000, T0 + 6, p, 1, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    ptype = "consumer";
    CHECK_EQ_INT(kjoin("", "x", 30000, T0 + 6, p, 0, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    int state;
    poll_bytes(T0 + 7, "client-k", &state);
    CHECK_EQ_INT(state, 3); /* the refused joins changed nothing */
    close_group(conn);
}

/* Describe decodes Kafka's consumer protocol where it can, never failing on it;
 * an HTTP group is shown to Kafka's tools as ConsumerProtocol v0 bytes. */
static void test_describe_bytes(void)
{
    sqlite3 *conn = open_group();
    join_result h;
    join("", "h", 30000, T0, &h);
    kdescribe d;
    CHECK_EQ_INT(describe_member("client-h", &d), 0);
    CHECK(strcmp(d.type, "consumer") == 0 && strcmp(d.name, "range") == 0);
    static const uint8_t sub_v0[] = {0, 0, 0, 0, 0, 1, 0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0xff, 0xff, 0xff, 0xff};
    CHECK(d.metadata_len == sizeof sub_v0 && memcmp(d.metadata, sub_v0, sizeof sub_v0) == 0);
    /* orders 0-5: i16 0, i32 1, "orders", i32 6, 6 x i32, i32 -1 */
    CHECK_EQ_INT(d.assignment_len, 2 + 4 + 8 + 4 + 24 + 4);
    CHECK(d.assignment[17] == 6 && d.assignment[21] == 0 && d.assignment[41] == 5 && d.assignment[45] == 0xff);
    leave("client-h", "", T0 + 1);

    /* Malformed metadata and assignment: no topics, no partitions, no failure. */
    static const uint8_t junk[] = {0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t bad_topic[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, '.', 0x00, 0x01, 'x', 0xaa};
    protocol p[] = {{"range", junk, sizeof junk}};
    protocol q[] = {{"range", bad_topic, sizeof bad_topic}};
    kjoin_result k;
    CHECK_EQ_INT(kjoin("", "k", 30000, T0 + 2, p, 1, &k), 0);
    CHECK_EQ_INT(ksync("client-k", k.generation, "", "client-k", junk, sizeof junk, T0 + 3, NULL), 0);
    CHECK_EQ_INT(describe_member("client-k", &d), 0);
    CHECK(strcmp(d.subscription, "") == 0 && strcmp(d.assigned, "") == 0);
    CHECK_EQ_INT(d.metadata_len, sizeof junk);
    /* A later version with fields beyond ours, and a name that is no topic's: the
     * valid topic shows. */
    CHECK_EQ_INT(kjoin("client-k", "", 30000, T0 + 4, q, 1, &k), 0);
    CHECK_EQ_INT(describe_member("client-k", &d), 0);
    CHECK(strcmp(d.subscription, "x") == 0);
    ptype = "connect"; /* other protocol types are not decoded */
    CHECK_EQ_INT(leave("client-k", "", T0 + 5), 0);
    CHECK_EQ_INT(kjoin("", "j", 30000, T0 + 6, q, 1, &k), 0);
    ptype = "consumer";
    CHECK_EQ_INT(describe_member("client-j", &d), 0);
    CHECK(strcmp(d.subscription, "") == 0 && strcmp(d.type, "connect") == 0);
    close_group(conn);
}

/* Kafka takes a rebalance timeout of 0 (only the session timeout is checked). */
static void test_kafka_rebalance_timeout_zero(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a;
    rebalance_ms = 0;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, p, 1, &a), 0);
    rebalance_ms = -1;
    CHECK_EQ_INT(kjoin("", "b", 30000, T0, p, 1, NULL), KD_INVALID_SESSION_TIMEOUT);
    rebalance_ms = 10000;
    CHECK_EQ_INT(a.complete, 1);
    CHECK_EQ_INT(a.generation, 1);
    close_group(conn);
}

/* KIP-394: a v4+ join without a member id is told one (MEMBER_ID_REQUIRED) and
 * leaves no member behind; the join with that id makes the member; an id told
 * and not used within the session timeout is unknown. */
static void test_kafka_member_id_required(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a, ghost;
    member_id_required = 1;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, p, 1, &a), 0);
    CHECK_EQ_INT(a.complete, 2);
    CHECK(strcmp(a.member, "client-a") == 0);
    CHECK_EQ_INT(a.generation, -1);
    int state;
    CHECK_EQ_INT(poll_bytes(T0, "client-a", &state), -1); /* no member */
    CHECK_EQ_INT(state, 0 /* Empty */);
    CHECK_EQ_INT(kjoin("", "ghost", 10000, T0, p, 1, &ghost), 0); /* abandoned */
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 1, p, 1, &a), 0);
    CHECK_EQ_INT(a.complete, 1);
    CHECK_EQ_INT(a.generation, 1);
    CHECK_EQ_INT(a.members, 1); /* the ghost is no member */
    CHECK_EQ_INT(kjoin("client-ghost", "", 10000, T0 + 10000, p, 1, NULL), KD_UNKNOWN_MEMBER_ID);
    member_id_required = 0;
    close_group(conn);
}

/* group.initial.rebalance.delay.ms: an empty group's first rebalance is held, so
 * members joining within it share generation 1; each new member holds it again,
 * never past the rebalance timeout; a group that had members is not held. */
static void test_kafka_initial_rebalance_delay(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a, b;
    initial_delay = 3000;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, p, 1, &a), 0);
    CHECK_EQ_INT(a.complete, 0); /* held although alone */
    int waiting = -1, state;
    CHECK_EQ_INT(poll_state(T0 + 2999, "client-a", &waiting, NULL, 0, NULL), 1);
    CHECK_EQ_INT(kjoin("", "b", 30000, T0 + 2000, p, 1, &b), 0);
    CHECK_EQ_INT(b.complete, 0);
    /* b joined during the hold: held 3 s more. */
    CHECK_EQ_INT(poll_state(T0 + 3000, "client-a", &waiting, NULL, 0, NULL), 1);
    CHECK_EQ_INT(waiting, 1);
    CHECK_EQ_INT(poll_state(T0 + 6000, "client-a", &waiting, NULL, 0, NULL), 2);
    CHECK_EQ_INT(waiting, 0);
    CHECK_EQ_INT(poll_bytes(T0 + 6000, "client-b", &state), sizeof SUB_ORDERS_PAYMENTS); /* one generation */
    kdescribe d;
    CHECK_EQ_INT(describe_member("client-a", &d), 0);
    /* Not empty any more: a new member's rebalance is not held. */
    kjoin_result c;
    CHECK_EQ_INT(kjoin("", "c", 30000, T0 + 7000, p, 1, &c), 0);
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 7001, p, 1, &a), 0);
    CHECK_EQ_INT(kjoin("client-b", "", 30000, T0 + 7002, p, 1, &b), 0);
    CHECK_EQ_INT(b.complete, 1);
    CHECK_EQ_INT(b.generation, 2);
    initial_delay = 0;
    close_group(conn);

    /* Members that keep coming cannot hold it past the rebalance timeout. */
    conn = open_group();
    initial_delay = 3000;
    rebalance_ms = 5000;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, p, 1, &a), 0);
    CHECK_EQ_INT(kjoin("", "b", 30000, T0 + 2000, p, 1, &b), 0);
    CHECK_EQ_INT(poll_state(T0 + 3000, "client-a", &waiting, NULL, 0, NULL), 1);
    CHECK_EQ_INT(kjoin("", "c", 30000, T0 + 4000, p, 1, &c), 0);
    CHECK_EQ_INT(poll_state(T0 + 5000, "client-a", &waiting, NULL, 0, NULL), 2);
    initial_delay = 0;
    rebalance_ms = 10000;
    close_group(conn);
}

/* KIP-345: a static member restarting takes its old place without a rebalance
 * while its protocols are unchanged, and gets its assignment back; the old id is
 * fenced; a changed one rebalances; it leaves by instance id; describe names it. */
static void test_kafka_static_membership(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    static const uint8_t meta_other[] = {0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    protocol changed[] = {{"range", meta_other, sizeof meta_other}};
    kjoin_result a, b, b2;
    ksync_result sy;
    CHECK_EQ_INT(kjoin("", "a", 30000, T0, p, 1, &a), 0);
    instance_id = "b-host";
    member_id_required = 1; /* a static member is not asked to join twice */
    CHECK_EQ_INT(kjoin("", "b", 30000, T0 + 1, p, 1, &b), 0);
    CHECK_EQ_INT(b.complete, 0);
    instance_id = "";
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 2, p, 1, &a), 0);
    CHECK_EQ_INT(a.generation, 2);
    CHECK_EQ_INT(ksync("client-a", 2, "", "client-b", ASSIGN_ORDERS_1, sizeof ASSIGN_ORDERS_1, T0 + 3, &sy), 0);
    kdescribe d;
    CHECK_EQ_INT(describe_member("client-b", &d), 0);
    CHECK(strcmp(d.instance, "b-host") == 0);
    CHECK_EQ_INT(describe_member("client-a", &d), 0);
    CHECK(strcmp(d.instance, "") == 0);

    /* b restarts: new member id, same instance, same protocols. */
    instance_id = "b-host";
    CHECK_EQ_INT(kjoin("", "b2", 30000, T0 + 4, p, 1, &b2), 0);
    CHECK_EQ_INT(b2.complete, 1);
    CHECK(strcmp(b2.member, "client-b2") == 0);
    CHECK_EQ_INT(b2.generation, 2); /* no rebalance */
    CHECK(strcmp(b2.leader, "client-a") == 0);
    CHECK(strcmp(b2.fenced, "client-b") == 0);
    CHECK_EQ_INT(heartbeat("client-a", 2, T0 + 5), 0);
    CHECK_EQ_INT(ksync("client-b2", 2, "", NULL, NULL, 0, T0 + 5, &sy), 0);
    CHECK(sy.complete && sy.len == sizeof ASSIGN_ORDERS_1 && memcmp(sy.assignment, ASSIGN_ORDERS_1, sy.len) == 0);
    /* The old id is fenced everywhere. */
    CHECK_EQ_INT(heartbeat("client-b", 2, T0 + 6), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(commit("client-b", 2, 0, 1, T0 + 6), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(ksync("client-b", 2, "", NULL, NULL, 0, T0 + 6, NULL), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(kjoin("client-b", "", 30000, T0 + 6, p, 1, NULL), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(leave("client-b", "", T0 + 6), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(leave("client-b", "b-host", T0 + 6), KD_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(commit("client-b2", 2, 0, 7, T0 + 6), 0);

    /* A restart with changed protocols rebalances. */
    instance_id = "b-host";
    kjoin_result b3;
    CHECK_EQ_INT(kjoin("", "b3", 30000, T0 + 7, changed, 1, &b3), 0);
    CHECK_EQ_INT(b3.complete, 0);
    CHECK_EQ_INT(heartbeat("client-a", 2, T0 + 8), KD_REBALANCE_IN_PROGRESS);
    instance_id = "";
    CHECK_EQ_INT(kjoin("client-a", "", 30000, T0 + 9, p, 1, &a), 0);
    CHECK_EQ_INT(a.generation, 3);
    CHECK_EQ_INT(a.members, 2);

    /* Leaving by instance id; then the instance is free and old ids are unknown. */
    CHECK_EQ_INT(leave("", "nobody", T0 + 10), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(leave("", "b-host", T0 + 10), 0);
    size_t at = 8;
    char left[64];
    read_str(kd_out_ptr(), &at, left, sizeof left);
    CHECK(strcmp(left, "client-b3") == 0);
    CHECK_EQ_INT(heartbeat("client-b2", 3, T0 + 11), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(describe_member("client-a", &d), 0);
    member_id_required = 0;
    close_group(conn);
}

/* A static member's session still runs out. */
static void test_kafka_static_member_expires(void)
{
    sqlite3 *conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result a;
    instance_id = "solo";
    CHECK_EQ_INT(kjoin("", "a", 10000, T0, p, 1, &a), 0);
    instance_id = "";
    int expired = 0;
    CHECK_EQ_INT(poll_state(T0 + 10000 + 10001, "client-a", NULL, NULL, 0, &expired), 0);
    CHECK_EQ_INT(expired, 1);
    instance_id = "solo";
    CHECK_EQ_INT(kjoin("", "b", 10000, T0 + 30000, p, 1, &a), 0);
    CHECK(strcmp(a.fenced, "") == 0); /* a new static member: nobody to replace */
    instance_id = "";
    close_group(conn);
}

/* A topic deleted or grown rebalances the groups subscribed to it, and only them. */
static void test_topic_change_rebalances(void)
{
    sqlite3 *conn = open_group();
    join_result a;
    CHECK_EQ_INT(join("", "a1", 30000, T0, &a), 0);
    CHECK_EQ_INT(a.generation, 1);
    CHECK_EQ_INT(kd_group_topic_changed(DB, (const uint8_t *)"payments", 8, T0 + 1), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 0);
    CHECK_EQ_INT(heartbeat("client-a1", 1, T0 + 2), 0);
    CHECK_EQ_INT(kd_group_topic_changed(DB, (const uint8_t *)"orders", 6, T0 + 3), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 1);
    CHECK_EQ_INT(heartbeat("client-a1", 1, T0 + 4), KD_REBALANCE_IN_PROGRESS);
    /* The member joins again seeing the topic gone: nothing is assigned of it. */
    orders_partitions = 0;
    CHECK_EQ_INT(join("client-a1", "", 30000, T0 + 5, &a), 0);
    orders_partitions = 6;
    CHECK(a.complete);
    CHECK_EQ_INT(a.generation, 2);
    CHECK_EQ_INT(a.partitions, 0);

    /* Kafka's members: decoded subscriptions are what is matched. */
    close_group(conn);
    conn = open_group();
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    kjoin_result k;
    CHECK_EQ_INT(kjoin("", "k", 30000, T0, p, 1, &k), 0);
    CHECK_EQ_INT(ksync("client-k", 1, "", "client-k", ASSIGN_ORDERS_1, sizeof ASSIGN_ORDERS_1, T0 + 1, NULL), 0);
    CHECK_EQ_INT(kd_group_topic_changed(DB, (const uint8_t *)"other", 5, T0 + 2), 0);
    CHECK_EQ_INT(heartbeat("client-k", 1, T0 + 3), 0);
    CHECK_EQ_INT(kd_group_topic_changed(DB, (const uint8_t *)"payments", 8, T0 + 4), 0);
    CHECK_EQ_INT(heartbeat("client-k", 1, T0 + 5), KD_REBALANCE_IN_PROGRESS);
    close_group(conn);
}

/* A topic deleted: the group forgets its committed offsets of it (as Kafka's coordinator
 * does for every group); a topic grown, or another deleted, leaves them. */
static void test_topic_deleted_forgets_offsets(void)
{
    sqlite3 *conn = open_group();
    join_result a;
    CHECK_EQ_INT(join("", "a1", 30000, T0, &a), 0);
    CHECK_EQ_INT(commit("client-a1", 1, 0, 42, T0 + 1), 0);
    CHECK_EQ_INT(committed(0), 42);
    CHECK_EQ_INT(kd_group_topic_changed(DB, (const uint8_t *)"orders", 6, T0 + 2), 0);
    CHECK_EQ_INT(kd_group_topic_deleted(DB, (const uint8_t *)"payments", 8, T0 + 3), 0);
    CHECK_EQ_INT(committed(0), 42);
    CHECK_EQ_INT(kd_group_topic_deleted(DB, (const uint8_t *)"orders", 6, T0 + 4), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], 0); /* already rebalancing since the growth */
    CHECK_EQ_INT(committed(0), -1);
    close_group(conn);
}

static void test_kafka_bad_input(void)
{
    sqlite3 *conn = open_group();
    uint8_t junk[] = {3, 0, 'a'};
    CHECK_EQ_INT(kd_group_sync(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(ksync("ghost", 0, "", NULL, NULL, 0, T0, NULL), KD_UNKNOWN_MEMBER_ID);
    protocol p[] = {{"range", SUB_ORDERS_PAYMENTS, sizeof SUB_ORDERS_PAYMENTS}};
    CHECK_EQ_INT(kjoin("ghost", "", 30000, T0, p, 1, NULL), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(kjoin("", "a", 100, T0, p, 1, NULL), KD_INVALID_SESSION_TIMEOUT);
    /* An HTTP member cannot sync. */
    join_result h;
    join("", "h", 30000, T0, &h);
    CHECK_EQ_INT(ksync("client-h", h.generation, "", NULL, NULL, 0, T0, NULL), KD_INCONSISTENT_GROUP_PROTOCOL);
    close_group(conn);
}

/* Group ids: 1 to 255 bytes with no control character (C0, DEL, C1), which would
 * forge lines or drive terminals wherever a tool prints the id. The error message
 * names the byte, never the id. */
static int32_t id_check(const char *id, size_t len)
{
    return kd_group_id_check((const uint8_t *)id, (uint32_t)len);
}

static void test_group_id_refuses_control_characters(void)
{
    /* Each with its length: "nul\0x" holds a NUL. */
#define ID(s)                                                                                                          \
    {                                                                                                                  \
        s, sizeof s - 1                                                                                                \
    }
    static const struct {
        const char *p;
        size_t len;
    } refused[] = {
        ID("a\r\nX-Injected: 1"),
        ID("tab\there"),
        ID("nul\0x"),
        ID("bell\a"),
        ID("esc\x1b[31m"),
        ID("del\x7f"),
        ID("nel\xc2\x85line"), /* U+0085 NEL */
        ID("csi\xc2\x9b"
           "31m"),      /* U+009B CSI */
        ID("\xc2\x80"), /* U+0080, the first C1 */
        ID("\x1f"),
    };
#undef ID
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_EQ_INT(id_check(refused[i].p, refused[i].len), KD_INVALID_GROUP_ID);
        const char *msg = kd_error_message();
        CHECK(strstr(msg, "control character") != NULL);
        CHECK(strpbrk(msg, "\r\n\x1b\x7f") == NULL);
    }
    CHECK(strstr((id_check("a\r\nX", 4), kd_error_message()), "byte 1 is U+000D") != NULL);
    CHECK(strstr((id_check("ab\xc2\x85", 4), kd_error_message()), "byte 2 is U+0085") != NULL);

    /* Printable ASCII, spaces and other Unicode stay Kafka's: any string. */
    static const char *const kept[] = {
        "orders-consumers",
        "a b",
        "{}\"'\\",
        "~",
        "gr\xc3\xbcppe" /* grüppe */,
        "nbsp\xc2\xa0x" /* U+00A0, not a control */,
        "\xc2\xbf" /* U+00BF */,
        "\xe2\x80\xa8" /* U+2028 */,
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        CHECK_EQ_INT(id_check(kept[i], strlen(kept[i])), 0);
    CHECK_EQ_INT(id_check("\xc2", 1), 0); /* a lone lead byte is not a C1 character */
    CHECK_EQ_INT(id_check("", 0), KD_INVALID_GROUP_ID);

    /* The cluster's registry of groups refuses them too, before it reads storage. */
    CHECK_EQ_INT(kd_groups_register(DB, (const uint8_t *)"a\r\nX", 4, T0), KD_INVALID_GROUP_ID);
    CHECK_EQ_INT(kd_groups_unregister(DB, (const uint8_t *)"a\r\nX", 4), KD_INVALID_GROUP_ID);
}

/* OffsetDelete: deletes the offsets named, save those of a topic a live member
 * subscribes to (GROUP_SUBSCRIBED_TO_TOPIC); once the group is empty, all. */
static int32_t delete_offsets(const char *const *topics, const int32_t *partitions, uint32_t n, int16_t *errors)
{
    kbuf in = {0};
    kb_le(&in, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        kb_str(&in, topics[i]);
        kb_le(&in, (uint32_t)partitions[i], 4);
    }
    int32_t rc = kd_group_delete_offsets(DB, in.p, (uint32_t)in.len);
    kb_free(&in);
    if (rc == 0) {
        CHECK_EQ_INT(kd_out_len(), 4 + 2 * n);
        CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), n);
        for (uint32_t i = 0; i < n; i++)
            errors[i] = (int16_t)rd_le(kd_out_ptr() + 4 + 2 * i, 2);
    }
    return rc;
}

static void test_delete_offsets(void)
{
    sqlite3 *conn = open_group();
    static const char *const topics[] = {"orders", "events", "orders"};
    static const int32_t partitions[] = {1, 0, 2};
    int16_t errors[3] = {-9, -9, -9};
    CHECK_EQ_INT(delete_offsets(topics, partitions, 3, errors), KD_GROUP_ID_NOT_FOUND);
    join_result a;
    CHECK_EQ_INT(join("", "a", 30000, T0, &a), 0);
    CHECK_EQ_INT(commit("client-a", 1, 1, 5, T0), 0);
    /* "events", which nobody subscribes to, committed by the member too */
    kbuf in = {0};
    kb_str(&in, "client-a");
    kb_le(&in, 1, 4);
    kb_le(&in, 1, 4);
    kb_str(&in, "events");
    kb_le(&in, 0, 4);
    kb_le(&in, 7, 8);
    kb_str(&in, "");
    CHECK_EQ_INT(kd_group_commit(DB, in.p, (uint32_t)in.len, T0), 0);
    kb_free(&in);
    CHECK_EQ_INT(delete_offsets(topics, partitions, 3, errors), 0);
    CHECK_EQ_INT(errors[0], KD_GROUP_SUBSCRIBED_TO_TOPIC);
    CHECK_EQ_INT(errors[1], 0);
    CHECK_EQ_INT(errors[2], KD_GROUP_SUBSCRIBED_TO_TOPIC);
    CHECK_EQ_INT(committed(1), 5);
    CHECK_EQ_INT(kd_group_offsets(DB, (const uint8_t *)"\xff\xff\xff\xff", 4), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1); /* only orders-1 is left */
    /* Once the member has left, the group is empty: every offset named goes. */
    CHECK_EQ_INT(leave("client-a", "", T0 + 1), 0);
    CHECK_EQ_INT(delete_offsets(topics, partitions, 3, errors), 0);
    CHECK_EQ_INT(errors[0], 0);
    CHECK_EQ_INT(errors[2], 0);
    CHECK_EQ_INT(committed(1), -1);
    /* Malformed input changes nothing. */
    CHECK_EQ_INT(kd_group_delete_offsets(DB, (const uint8_t *)"\x01\x00\x00\x00\x05", 5), KD_ERR_INVALID_ARG);
    close_group(conn);
}

int main(void)
{
    RUN(test_one_member_gets_everything);
    RUN(test_grown_topic_rebalances);
    RUN(test_sessions_through_a_rebalance);
    RUN(test_second_member_rebalances);
    RUN(test_expiry_moves_partitions);
    RUN(test_rebalance_deadline_removes_the_silent);
    RUN(test_leave_and_delete);
    RUN(test_dead_until_it_exists);
    RUN(test_held_calls);
    RUN(test_bad_input);
    RUN(test_kafka_two_members);
    RUN(test_kafka_rejoin_with_new_member);
    RUN(test_kafka_expiry_during_completing);
    RUN(test_kafka_dialects_do_not_mix);
    RUN(test_describe_bytes);
    RUN(test_kafka_bad_input);
    RUN(test_kafka_rebalance_timeout_zero);
    RUN(test_kafka_member_id_required);
    RUN(test_kafka_initial_rebalance_delay);
    RUN(test_kafka_static_membership);
    RUN(test_kafka_static_member_expires);
    RUN(test_topic_change_rebalances);
    RUN(test_topic_deleted_forgets_offsets);
    RUN(test_group_id_refuses_control_characters);
    RUN(test_delete_offsets);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
