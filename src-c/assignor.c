/*
 * assignor.c — which member of a consumer group consumes which partitions: Kafka's
 * range, round-robin and sticky assignors, as pure functions of the members'
 * subscriptions (and, for sticky, what each owned before).
 *
 *   range        per topic, the subscribed members in member-id order take
 *                contiguous ranges; the first (partitions % members) take one
 *                more (Kafka's RangeAssignor).
 *   roundrobin   every partition of every subscribed topic, by topic name then
 *                partition, dealt in turn to the members in member-id order,
 *                skipping members not subscribed to its topic (RoundRobinAssignor).
 *   sticky       balanced like round-robin, but a member keeps what it owned in
 *                the previous generation wherever balance allows, so a rebalance
 *                moves as few partitions as it can (after Kafka's StickyAssignor:
 *                keep valid owned partitions up to the fair share, give the rest
 *                to the least loaded eligible member, then move single partitions
 *                from the most to the least loaded until no move helps).
 *
 * Costs stay near-linear in partitions (an owner table, not searches), so a
 * hostile group description cannot stall the isolate; a topic has at most
 * 10,000 partitions here.
 *
 * Input (little-endian; str = u16 length + bytes):
 *   u8 strategy (KD_ASSIGN_RANGE / ROUNDROBIN / STICKY),
 *   u32 member_count, per member: str member_id, u32 topic_count, str topic*,
 *                                 u32 owned_count, (str topic, i32 partition)*
 *   u32 topic_count, per topic: str name, i32 partitions
 * Output: per member, in input order: str member_id, u32 count,
 *   (str topic, i32 partition)* ordered by topic, then partition.
 * Every partition of every topic someone subscribes to is assigned exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    kd_str topic;
    int32_t partition;
} topic_partition;

typedef struct {
    kd_str id;
    kd_str *topics;
    uint32_t topic_count;
    topic_partition *owned;
    uint32_t owned_count;
    topic_partition *assigned;
    uint32_t assigned_count;
} member;

typedef struct {
    kd_str name;
    int32_t partitions;
} topic;

typedef struct {
    member *members;
    uint32_t member_count;
    topic *topics;
    uint32_t topic_count;
    member **sorted; /* members by id */
    void *arena;     /* one allocation behind every array above */
} group;

#define MAX_PARTITIONS_PER_TOPIC 10000 /* group.c refuses more before storing */

static int cmp_str(const void *a, const void *b)
{
    return kd_str_cmp(*(const kd_str *)a, *(const kd_str *)b);
}

/* A binary search: each member's topics are sorted when parsed. */
static bool subscribes(const member *m, kd_str t)
{
    return m->topic_count > 0 && bsearch(&t, m->topics, m->topic_count, sizeof *m->topics, cmp_str) != NULL;
}

static int cmp_member(const void *a, const void *b)
{
    return kd_str_cmp((*(member *const *)a)->id, (*(member *const *)b)->id);
}

static int cmp_tp(const void *a, const void *b)
{
    const topic_partition *x = a, *y = b;
    int c = kd_str_cmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static int cmp_topic(const void *a, const void *b)
{
    return kd_str_cmp(((const topic *)a)->name, ((const topic *)b)->name);
}

/* Parses the input; every array lives in one arena sized from the input's length,
 * which bounds every count (each entry takes at least two bytes of input). */
static int32_t parse(const uint8_t *in, uint32_t len, uint8_t *strategy, group *g)
{
    kd_le_reader r = {in, len, 0};
    memset(g, 0, sizeof *g);
    if (len < 1)
        return kd_fail(KD_ERR_INVALID_ARG, "assignment input is empty");
    *strategy = in[0];
    r.pos = 1;
    uint32_t members;
    if (!kd_le_u32(&r, &members) || members > len / 10)
        return kd_fail(KD_ERR_INVALID_ARG, "member count is malformed");
    /* Upper bounds: strs and pairs take >= 2 bytes each. */
    size_t strs = len / 2 + 1;
    size_t total_partitions_cap = 0;
    g->arena = calloc(1, members * (sizeof(member) + sizeof(member *)) +
                             strs * (sizeof(kd_str) + sizeof(topic_partition) + sizeof(topic)));
    if (!g->arena)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    g->members = g->arena;
    g->sorted = (member **)(g->members + members);
    kd_str *str_pool = (kd_str *)(g->sorted + members);
    topic_partition *owned_pool = (topic_partition *)(str_pool + strs);
    g->topics = (topic *)(owned_pool + strs);
    g->member_count = members;
    for (uint32_t i = 0; i < members; i++) {
        member *m = &g->members[i];
        uint32_t n;
        if (!kd_le_str(&r, &m->id) || !kd_le_u32(&r, &n) || n > len - r.pos)
            return kd_fail(KD_ERR_INVALID_ARG, "member %u is malformed", (unsigned)i);
        m->topics = str_pool;
        m->topic_count = n;
        for (uint32_t t = 0; t < n; t++)
            if (!kd_le_str(&r, str_pool++))
                return kd_fail(KD_ERR_INVALID_ARG, "member %u's topics are malformed", (unsigned)i);
        if (!kd_le_u32(&r, &n) || n > len - r.pos)
            return kd_fail(KD_ERR_INVALID_ARG, "member %u's owned partitions are malformed", (unsigned)i);
        m->owned = owned_pool;
        m->owned_count = n;
        for (uint32_t p = 0; p < n; p++, owned_pool++)
            if (!kd_le_str(&r, &owned_pool->topic) || !kd_le_i32(&r, &owned_pool->partition))
                return kd_fail(KD_ERR_INVALID_ARG, "member %u's owned partitions are malformed", (unsigned)i);
        qsort(m->topics, m->topic_count, sizeof *m->topics, cmp_str);
        g->sorted[i] = m;
    }
    uint32_t topics;
    if (!kd_le_u32(&r, &topics) || topics > len - r.pos)
        return kd_fail(KD_ERR_INVALID_ARG, "topic count is malformed");
    g->topic_count = topics;
    for (uint32_t t = 0; t < topics; t++) {
        topic *tp = &g->topics[t];
        if (!kd_le_str(&r, &tp->name) || !kd_le_i32(&r, &tp->partitions) || tp->partitions < 0 ||
            tp->partitions > MAX_PARTITIONS_PER_TOPIC)
            return kd_fail(KD_ERR_INVALID_ARG, "topic %u is malformed", (unsigned)t);
        total_partitions_cap += (size_t)tp->partitions;
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the topics");
    qsort(g->sorted, members, sizeof *g->sorted, cmp_member);
    for (uint32_t i = 1; i < members; i++)
        if (kd_str_eq(g->sorted[i - 1]->id, g->sorted[i]->id))
            return kd_fail(KD_ERR_INVALID_ARG, "member ids repeat");
    qsort(g->topics, topics, sizeof *g->topics, cmp_topic);
    for (uint32_t t = 1; t < topics; t++)
        if (kd_str_eq(g->topics[t - 1].name, g->topics[t].name))
            return kd_fail(KD_ERR_INVALID_ARG, "topics repeat");
    /* Each member may end up with every partition: give each its own array. */
    for (uint32_t i = 0; i < members; i++) {
        g->members[i].assigned = calloc(total_partitions_cap ? total_partitions_cap : 1, sizeof(topic_partition));
        if (!g->members[i].assigned)
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return 0;
}

static void release(group *g)
{
    if (g->members)
        for (uint32_t i = 0; i < g->member_count; i++)
            free(g->members[i].assigned);
    free(g->arena);
}

static void give(member *m, kd_str t, int32_t p)
{
    m->assigned[m->assigned_count].topic = t;
    m->assigned[m->assigned_count].partition = p;
    m->assigned_count++;
}

static void assign_range(group *g)
{
    for (uint32_t t = 0; t < g->topic_count; t++) {
        const topic *tp = &g->topics[t];
        uint32_t subscribed = 0;
        for (uint32_t i = 0; i < g->member_count; i++)
            subscribed += subscribes(g->sorted[i], tp->name);
        if (!subscribed)
            continue;
        int32_t per = tp->partitions / (int32_t)subscribed, extra = tp->partitions % (int32_t)subscribed;
        int32_t next = 0, k = 0;
        for (uint32_t i = 0; i < g->member_count; i++) {
            member *m = g->sorted[i];
            if (!subscribes(m, tp->name))
                continue;
            int32_t take = per + (k++ < extra ? 1 : 0);
            for (int32_t p = 0; p < take; p++)
                give(m, tp->name, next++);
        }
    }
}

static void assign_roundrobin(group *g)
{
    uint32_t turn = 0;
    for (uint32_t t = 0; t < g->topic_count; t++) {
        const topic *tp = &g->topics[t];
        for (int32_t p = 0; p < tp->partitions; p++) {
            for (uint32_t tried = 0; tried < g->member_count; tried++) {
                member *m = g->sorted[turn++ % g->member_count];
                if (subscribes(m, tp->name)) {
                    give(m, tp->name, p);
                    break;
                }
            }
        }
    }
}

static void take_away(member *m, uint32_t k)
{
    m->assigned[k] = m->assigned[--m->assigned_count];
}

/* The index of topic t in the sorted topics, or -1. */
static int32_t topic_index(const group *g, kd_str t)
{
    uint32_t lo = 0, hi = g->topic_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = kd_str_cmp(g->topics[mid].name, t);
        if (c == 0)
            return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int cmp_load(const void *a, const void *b)
{
    const member *x = *(member *const *)a, *y = *(member *const *)b;
    if (x->assigned_count != y->assigned_count)
        return x->assigned_count < y->assigned_count ? -1 : 1;
    return kd_str_cmp(x->id, y->id);
}

/* Who holds which partition: one slot per partition of every topic, topic after
 * topic, holding a member's index or -1. */
static int32_t assign_sticky(group *g)
{
    size_t slots = 0;
    size_t *first = malloc((g->topic_count + 1) * sizeof *first);
    for (uint32_t t = 0; first && t < g->topic_count; t++) {
        first[t] = slots;
        slots += (size_t)g->topics[t].partitions;
    }
    int32_t *owner = malloc((slots ? slots : 1) * sizeof *owner);
    member **by_load = malloc((g->member_count ? g->member_count : 1) * sizeof *by_load);
    if (!first || !owner || !by_load) {
        free(first);
        free(owner);
        free(by_load);
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < slots; i++)
        owner[i] = -1;

    uint32_t total = 0, consumers = 0;
    for (uint32_t t = 0; t < g->topic_count; t++) {
        bool wanted = false;
        for (uint32_t i = 0; i < g->member_count && !wanted; i++)
            wanted = subscribes(&g->members[i], g->topics[t].name);
        if (wanted)
            total += (uint32_t)g->topics[t].partitions;
    }
    for (uint32_t i = 0; i < g->member_count; i++)
        consumers += g->members[i].topic_count > 0;
    uint32_t fair = consumers ? (total + consumers - 1) / consumers : 0;

    /* 1. Keep what each owned, while it is still valid and within the fair share. */
    for (uint32_t i = 0; i < g->member_count; i++) {
        member *m = g->sorted[i];
        for (uint32_t k = 0; k < m->owned_count && m->assigned_count < fair; k++) {
            topic_partition owned = m->owned[k];
            int32_t t = topic_index(g, owned.topic);
            if (t < 0 || owned.partition < 0 || owned.partition >= g->topics[t].partitions ||
                !subscribes(m, owned.topic))
                continue;
            int32_t *slot = &owner[first[t] + (size_t)owned.partition];
            if (*slot < 0) {
                *slot = (int32_t)(m - g->members);
                give(m, g->topics[t].name, owned.partition);
            }
        }
    }
    /* 2. Every partition nobody holds goes to the least loaded member that wants it. */
    for (uint32_t t = 0; t < g->topic_count; t++) {
        const topic *tp = &g->topics[t];
        for (int32_t p = 0; p < tp->partitions; p++) {
            if (owner[first[t] + (size_t)p] >= 0)
                continue;
            member *best = NULL;
            for (uint32_t i = 0; i < g->member_count; i++) {
                member *m = g->sorted[i];
                if ((!best || m->assigned_count < best->assigned_count) && subscribes(m, tp->name))
                    best = m;
            }
            if (best) {
                owner[first[t] + (size_t)p] = (int32_t)(best - g->members);
                give(best, tp->name, p);
            }
        }
    }
    /* 3. While the most loaded member holds two more than a less loaded one that
     *    can take one of its partitions, move it. Each move lowers the sum of
     *    squared loads, so this ends; with equal subscriptions it ends balanced. */
    for (uint32_t i = 0; i < g->member_count; i++)
        by_load[i] = g->sorted[i];
    for (uint32_t moves = 0; moves <= total && g->member_count > 1; moves++) {
        qsort(by_load, g->member_count, sizeof *by_load, cmp_load);
        member *from = by_load[g->member_count - 1];
        bool moved = false;
        for (uint32_t lo = 0; lo + 1 < g->member_count && !moved; lo++) {
            member *to = by_load[lo];
            if (from->assigned_count <= to->assigned_count + 1)
                break;
            for (uint32_t k = from->assigned_count; k-- > 0;) {
                if (subscribes(to, from->assigned[k].topic)) {
                    give(to, from->assigned[k].topic, from->assigned[k].partition);
                    take_away(from, k);
                    moved = true;
                    break;
                }
            }
        }
        if (!moved)
            break;
    }
    free(first);
    free(owner);
    free(by_load);
    return 0;
}

int32_t kd_assign(const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    uint8_t strategy = 0;
    group g;
    int32_t rc = parse(in, in_len, &strategy, &g);
    if (!rc) {
        switch (strategy) {
        case KD_ASSIGN_RANGE: assign_range(&g); break;
        case KD_ASSIGN_ROUNDROBIN: assign_roundrobin(&g); break;
        case KD_ASSIGN_STICKY: rc = assign_sticky(&g); break;
        default: rc = kd_fail(KD_ERR_INVALID_ARG, "assignment strategy %d is unknown", strategy);
        }
    }
    for (uint32_t i = 0; !rc && i < g.member_count; i++) {
        member *m = &g.members[i];
        qsort(m->assigned, m->assigned_count, sizeof *m->assigned, cmp_tp);
        bool ok = kd_out_str(m->id.p, m->id.len) && kd_out_u32(m->assigned_count);
        for (uint32_t k = 0; ok && k < m->assigned_count; k++)
            ok = kd_out_str(m->assigned[k].topic.p, m->assigned[k].topic.len) && kd_out_i32(m->assigned[k].partition);
        if (!ok)
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    release(&g);
    return rc;
}
