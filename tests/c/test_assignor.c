/*
 * Tests src-c/assignor.c: Kafka's documented examples for range and round-robin,
 * and for all three strategies on many random groups: every subscribed partition
 * assigned exactly once, only to a subscriber, balanced where subscriptions agree;
 * sticky keeps what a member owned when balance allows.
 */
#include "check.h"
#include "kd_list.h"

static void kb_str(kbuf *b, const char *s)
{
    kb_le(b, (uint16_t)strlen(s), 2);
    kb_put(b, s, strlen(s));
}

/* The assignment of member i as "t0:0 t0:1 ..." from the core's output. */
static void member_line(int i, char *line, size_t cap)
{
    const uint8_t *p = kd_out_ptr();
    size_t at = 0;
    line[0] = 0;
    for (int m = 0; m <= i; m++) {
        at += 2 + rd_le(p + at, 2);
        uint32_t n = (uint32_t)rd_le(p + at, 4);
        at += 4;
        for (uint32_t k = 0; k < n; k++) {
            size_t tl = rd_le(p + at, 2);
            const char *t = (const char *)p + at + 2;
            at += 2 + tl;
            int32_t part = (int32_t)rd_le(p + at, 4);
            at += 4;
            if (m == i) {
                size_t used = strlen(line);
                snprintf(line + used, cap - used, "%s%.*s:%d", used ? " " : "", (int)tl, t, (int)part);
            }
        }
    }
}

/* Two members subscribed to t0 and t1, three partitions each: Kafka's javadoc example. */
static void two_members_two_topics(kbuf *in, int strategy)
{
    kb_le(in, (uint8_t)strategy, 1);
    kb_le(in, 2, 4);
    const char *ids[] = {"C1", "C0"}; /* out of order: the core sorts by id */
    for (int i = 0; i < 2; i++) {
        kb_str(in, ids[i]);
        kb_le(in, 2, 4);
        kb_str(in, "t1");
        kb_str(in, "t0");
        kb_le(in, 0, 4);
    }
    kb_le(in, 2, 4);
    kb_str(in, "t1");
    kb_le(in, 3, 4);
    kb_str(in, "t0");
    kb_le(in, 3, 4);
}

static void test_kafka_examples(void)
{
    char c1[256], c0[256];
    kbuf in = {0};
    two_members_two_topics(&in, KD_ASSIGN_RANGE);
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len), 0);
    member_line(0, c1, sizeof c1);
    member_line(1, c0, sizeof c0);
    CHECK(strcmp(c0, "t0:0 t0:1 t1:0 t1:1") == 0);
    CHECK(strcmp(c1, "t0:2 t1:2") == 0);
    kb_free(&in);

    two_members_two_topics(&in, KD_ASSIGN_ROUNDROBIN);
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len), 0);
    member_line(0, c1, sizeof c1);
    member_line(1, c0, sizeof c0);
    CHECK(strcmp(c0, "t0:0 t0:2 t1:1") == 0);
    CHECK(strcmp(c1, "t0:1 t1:0 t1:2") == 0);
    kb_free(&in);
}

static void test_sticky_keeps_ownership(void)
{
    /* C0 owned t:0-3, C1 owned t:4-7; C2 joins: each keeps most of its own. */
    kbuf in = {0};
    kb_le(&in, KD_ASSIGN_STICKY, 1);
    kb_le(&in, 3, 4);
    for (int m = 0; m < 3; m++) {
        char id[8];
        snprintf(id, sizeof id, "C%d", m);
        kb_str(&in, id);
        kb_le(&in, 1, 4);
        kb_str(&in, "t");
        kb_le(&in, m < 2 ? 4 : 0, 4);
        for (int p = 0; m < 2 && p < 4; p++) {
            kb_str(&in, "t");
            kb_le(&in, (uint32_t)(m * 4 + p), 4);
        }
    }
    kb_le(&in, 1, 4);
    kb_str(&in, "t");
    kb_le(&in, 8, 4);
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len), 0);
    char line[3][256];
    for (int m = 0; m < 3; m++)
        member_line(m, line[m], sizeof line[m]);
    CHECK(strcmp(line[0], "t:0 t:1 t:2") == 0);
    CHECK(strcmp(line[1], "t:4 t:5 t:6") == 0);
    CHECK(strcmp(line[2], "t:3 t:7") == 0);
    kb_free(&in);
}

static uint32_t rng = 2463534242u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random groups: the invariants every strategy keeps. */
static void test_invariants_on_random_groups(void)
{
    for (int round = 0; round < 600; round++) {
        int strategy = round % 3, members = 1 + (int)(next_rand() % 7), topics = 1 + (int)(next_rand() % 4);
        int same = (int)(next_rand() % 2);
        int partitions[4], subs[8][4];
        kbuf in = {0};
        kb_le(&in, (uint8_t)strategy, 1);
        kb_le(&in, (uint32_t)members, 4);
        for (int m = 0; m < members; m++) {
            char id[16];
            snprintf(id, sizeof id, "member-%d", m);
            kb_str(&in, id);
            int n = 0;
            for (int t = 0; t < topics; t++)
                n += subs[m][t] = same ? 1 : (int)(next_rand() % 2);
            kb_le(&in, (uint32_t)n, 4);
            for (int t = 0; t < topics; t++)
                if (subs[m][t]) {
                    char name[8];
                    snprintf(name, sizeof name, "t%d", t);
                    kb_str(&in, name);
                }
            int owned = strategy == KD_ASSIGN_STICKY ? (int)(next_rand() % 4) : 0;
            kb_le(&in, (uint32_t)owned, 4);
            for (int o = 0; o < owned; o++) {
                char name[8];
                snprintf(name, sizeof name, "t%d", (int)(next_rand() % 5)); /* t4 does not exist */
                kb_str(&in, name);
                kb_le(&in, next_rand() % 12, 4);
            }
        }
        kb_le(&in, (uint32_t)topics, 4);
        for (int t = 0; t < topics; t++) {
            char name[8];
            snprintf(name, sizeof name, "t%d", t);
            kb_str(&in, name);
            kb_le(&in, (uint32_t)(partitions[t] = (int)(next_rand() % 10)), 4);
        }
        if (kd_assign(in.p, (uint32_t)in.len) != 0) {
            CHECK(!"assign failed");
            kb_free(&in);
            return;
        }
        int owner[4][10];
        memset(owner, -1, sizeof owner);
        int load[8] = {0}, ok = 1;
        const uint8_t *p = kd_out_ptr();
        size_t at = 0;
        for (int m = 0; m < members; m++) {
            at += 2 + rd_le(p + at, 2);
            uint32_t n = (uint32_t)rd_le(p + at, 4);
            at += 4;
            load[m] = (int)n;
            for (uint32_t k = 0; k < n; k++) {
                int t = p[at + 3] - '0';
                at += 2 + rd_le(p + at, 2);
                int part = (int)rd_le(p + at, 4);
                at += 4;
                ok &= t >= 0 && t < topics && part >= 0 && part < partitions[t] && owner[t][part] < 0 && subs[m][t];
                if (t >= 0 && t < topics && part >= 0 && part < 10)
                    owner[t][part] = m;
            }
        }
        for (int t = 0; t < topics; t++) {
            int wanted = 0;
            for (int m = 0; m < members; m++)
                wanted |= subs[m][t];
            for (int part = 0; part < partitions[t]; part++)
                ok &= (owner[t][part] >= 0) == wanted; /* exactly once if anyone subscribes */
        }
        if (same && strategy != KD_ASSIGN_RANGE) {
            int lo = 1 << 30, hi = 0;
            for (int m = 0; m < members; m++) {
                lo = load[m] < lo ? load[m] : lo;
                hi = load[m] > hi ? load[m] : hi;
            }
            ok &= hi - lo <= 1;
        }
        if (!ok) {
            fprintf(stderr, "  round %d (strategy %d) broke an invariant\n", round, strategy);
            CHECK(0);
        }
        kb_free(&in);
    }
}

static void test_bad_input(void)
{
    uint8_t empty[1] = {0};
    CHECK_EQ_INT(kd_assign(empty, 0), KD_ERR_INVALID_ARG);
    kbuf in = {0};
    two_members_two_topics(&in, 9);
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len), KD_ERR_INVALID_ARG);
    in.p[0] = KD_ASSIGN_RANGE;
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len - 1), KD_ERR_INVALID_ARG);
    kb_free(&in);
    /* repeated member ids */
    kb_le(&in, KD_ASSIGN_RANGE, 1);
    kb_le(&in, 2, 4);
    for (int i = 0; i < 2; i++) {
        kb_str(&in, "same");
        kb_le(&in, 0, 4);
        kb_le(&in, 0, 4);
    }
    kb_le(&in, 0, 4);
    CHECK_EQ_INT(kd_assign(in.p, (uint32_t)in.len), KD_ERR_INVALID_ARG);
    kb_free(&in);
}

int main(void)
{
    RUN(test_kafka_examples);
    RUN(test_sticky_keeps_ownership);
    RUN(test_invariants_on_random_groups);
    RUN(test_bad_input);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
