/*
 * Tests src-c/group.c over real SQLite: the state machine from Empty through
 * rebalances to Stable, generations and fencing, expiry by session and by the
 * rebalance deadline, leaving, committed offsets, deletion, and bad input.
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
    CHECK_EQ_INT(kd_group_leave(DB, (const uint8_t *)"client-b", 8, T0 + 1), 0);
    CHECK_EQ_INT(heartbeat("client-a", 2, T0 + 2), KD_REBALANCE_IN_PROGRESS);
    join("client-a", "", 30000, T0 + 3, &a);
    CHECK(a.complete);
    CHECK_EQ_INT(a.partitions, 6);
    CHECK_EQ_INT(kd_group_leave(DB, (const uint8_t *)"client-b", 8, T0 + 4), KD_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(kd_group_leave(DB, (const uint8_t *)"client-a", 8, T0 + 5), 0);
    CHECK_EQ_INT(poll_state(T0 + 6, NULL, NULL, NULL, 0, NULL), 0 /* Empty */);
    CHECK_EQ_INT(commit("", -1, 2, 11, T0 + 6), 0); /* an empty group takes free commits */
    CHECK_EQ_INT(kd_group_describe(DB), 0);
    CHECK_EQ_INT(kd_group_delete(DB), 0);
    CHECK_EQ_INT(committed(1), -1);
    CHECK_EQ_INT(kd_group_delete(DB), KD_GROUP_ID_NOT_FOUND);
    close_group(conn);
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
    CHECK_EQ_INT(committed(0), -1);
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

int main(void)
{
    RUN(test_one_member_gets_everything);
    RUN(test_grown_topic_rebalances);
    RUN(test_sessions_through_a_rebalance);
    RUN(test_second_member_rebalances);
    RUN(test_expiry_moves_partitions);
    RUN(test_rebalance_deadline_removes_the_silent);
    RUN(test_leave_and_delete);
    RUN(test_bad_input);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
