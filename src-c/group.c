/*
 * group.c — a consumer group: Kafka's group state machine, its members and their
 * generations, who has expired given now_ms, when a rebalance completes, fencing
 * of stale members, and the group's committed offsets, all stored through the
 * storage door (one ConsumerGroupDO's SQLite per group).
 *
 * The state machine is Kafka's classic one:
 *
 *   Empty ──join──▶ PreparingRebalance ──every member rejoined, or the
 *     ▲                 ▲         │        rebalance deadline passed──▶ Stable
 *     │                 │         │                                      │
 *     └──last member────┴─────────┴──join / leave / expiry / new sub─────┘
 *        leaves
 *
 * (CompletingRebalance is the classic protocol's wait for the leader's SyncGroup;
 * in Kafdo's own protocol the group computes the assignment itself, with the
 * core's assignors, so a completed rebalance goes straight to Stable. Dead is a
 * deleted group's state in Kafka; a deleted Kafdo group is simply Empty again.)
 *
 * A rebalance starts when a member joins, changes its subscription, leaves or
 * expires. Every member must then join again — its heartbeat answers
 * REBALANCE_IN_PROGRESS — and the host holds each join until the rebalance
 * completes (kd_group_poll says when). Members that do not rejoin by the deadline
 * (now + the largest rebalance timeout) are removed. On completion the generation
 * moves on, the assignment is computed, and every member's heartbeat and commit
 * must carry the new generation (else ILLEGAL_GENERATION).
 *
 * Expiry: a member whose last heartbeat is older than its session timeout is
 * removed — except while it waits in a join, where the rebalance deadline rules.
 * The host sets an alarm at the next deadline (every call's output names it) and
 * calls kd_group_poll when it rings.
 *
 * Byte formats (little-endian; str = u16 length + bytes; tp = str topic, i32
 * partition; "assignment" = u32 count, tp*):
 *   join input:  str member_id ("" for a new member), str client_id, str id_suffix
 *                (host's random text for a new member's id), i32 session_timeout_ms,
 *                i32 rebalance_timeout_ms, u8 strategy, u8 kind (0 Kafdo, 1 Kafka),
 *                u32 n, (str topic, i32 partitions)* — the member's subscription with
 *                each topic's partition count (0 for a topic that does not exist)
 *   join output: u8 complete, str member_id, i32 generation, str leader,
 *                u8 strategy, assignment, i64 next_deadline
 *   poll output: u8 state, i32 generation, i64 next_deadline, u32 n, str expired*,
 *                u32 m, (str member_id, u8 waiting, assignment)* — the members,
 *                waiting = 1 while its join is held for a rebalance
 *   commit input: str member_id, i32 generation, u32 n,
 *                (str topic, i32 partition, i64 offset, str metadata)*
 *   offsets input: u32 n (0xffffffff: all), tp*;
 *   offsets output: u32 n, (str topic, i32 partition, i64 offset, str metadata,
 *                i64 commit_timestamp)* — offset -1 where nothing is committed
 *   describe output: u8 state, i32 generation, u8 strategy, str leader, u32 m,
 *                (str member_id, str client_id, u8 kind, i32 session_timeout_ms,
 *                i32 rebalance_timeout_ms, i64 last_heartbeat_ms, u32 n, str topic*,
 *                assignment)*, then the offsets output for every committed partition
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS group_state ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " state INTEGER NOT NULL,"
    " generation INTEGER NOT NULL,"
    " strategy INTEGER NOT NULL,"
    " leader TEXT NOT NULL,"
    " rebalance_deadline INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO group_state VALUES (0, 0, 0, 0, '', 0)",
    "CREATE TABLE IF NOT EXISTS group_members ("
    " member_id TEXT PRIMARY KEY,"
    " client_id TEXT NOT NULL,"
    " kind INTEGER NOT NULL,"
    " session_timeout_ms INTEGER NOT NULL,"
    " rebalance_timeout_ms INTEGER NOT NULL,"
    " last_seen_ms INTEGER NOT NULL,"
    " waiting INTEGER NOT NULL,"
    " subscription BLOB NOT NULL,"
    " assignment BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS group_topics ("
    " topic TEXT PRIMARY KEY,"
    " partitions INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS group_offsets ("
    " topic TEXT NOT NULL,"
    " partition INTEGER NOT NULL,"
    " committed_offset INTEGER NOT NULL,"
    " metadata TEXT NOT NULL,"
    " commit_timestamp INTEGER NOT NULL,"
    " PRIMARY KEY (topic, partition))",
};

#define STATE_EMPTY 0
#define STATE_PREPARING_REBALANCE 1
#define STATE_COMPLETING_REBALANCE 2
#define STATE_STABLE 3

#define MIN_SESSION_TIMEOUT_MS 500
#define MAX_SESSION_TIMEOUT_MS 1800000
#define MAX_METADATA_BYTES 4096
#define MAX_GROUP_SIZE 1000 /* bounds the assignors' work on one call */
#define MAX_TOPIC_PARTITIONS 10000 /* the assignor's bound */
#define NO_DEADLINE INT64_MAX

typedef struct {
    int64_t state, generation, strategy, rebalance_deadline;
} group_state;

/* ---- statements ---------------------------------------------------------- */

/*
 * Prepares `sql` and binds its parameters in order from `fmt`: 'i' an int64_t,
 * 's' a const kd_str * (as TEXT), 'b' a const uint8_t * and a uint32_t (as BLOB).
 * Returns the statement, or < 0 with the error set.
 */
static int32_t prepare(uint32_t db, const char *sql, const char *fmt, ...)
{
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    va_list ap;
    va_start(ap, fmt);
    int32_t rc = 0;
    for (uint32_t i = 0; fmt[i] && !rc; i++) {
        if (fmt[i] == 'i') {
            rc = kd_sql_bind_i64(stmt, i + 1, va_arg(ap, int64_t));
        } else if (fmt[i] == 's') {
            const kd_str *s = va_arg(ap, const kd_str *);
            rc = kd_sql_bind_text(stmt, i + 1, s->p, s->len);
        } else {
            const uint8_t *p = va_arg(ap, const uint8_t *);
            uint32_t n = va_arg(ap, uint32_t);
            rc = kd_sql_bind_blob(stmt, i + 1, p, n);
        }
    }
    va_end(ap);
    if (rc) {
        kd_host_finalize(stmt);
        return rc;
    }
    return stmt;
}

/* Runs a statement that returns no rows. */
static int32_t run(int32_t stmt)
{
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "writing the group");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

static int32_t load_state(uint32_t db, group_state *g)
{
    int32_t stmt = prepare(db, "SELECT state, generation, strategy, rebalance_deadline FROM group_state WHERE id = 0", "");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the group's state");
    if (rc == 1) {
        g->state = kd_host_column_int64(stmt, 0);
        g->generation = kd_host_column_int64(stmt, 1);
        g->strategy = kd_host_column_int64(stmt, 2);
        g->rebalance_deadline = kd_host_column_int64(stmt, 3);
    }
    kd_host_finalize(stmt);
    if (rc == 0)
        return kd_fail(KD_ERR_STORAGE, "the group's state row is missing: was kd_group_open called?");
    return rc < 0 ? rc : 0;
}

static int32_t save_state(uint32_t db, const group_state *g)
{
    return run(prepare(db, "UPDATE group_state SET state = ?1, generation = ?2, strategy = ?3, rebalance_deadline = ?4 WHERE id = 0",
                       "iiii", g->state, g->generation, g->strategy, g->rebalance_deadline));
}

static int32_t count_members(uint32_t db, int64_t *members, int64_t *waiting)
{
    int32_t stmt = prepare(db, "SELECT count(*), coalesce(sum(waiting), 0) FROM group_members", "");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "counting members");
    *members = rc == 1 ? kd_host_column_int64(stmt, 0) : 0;
    *waiting = rc == 1 ? kd_host_column_int64(stmt, 1) : 0;
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_group_open(uint32_t db)
{
    kd_scratch_reset();
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

/* ---- rebalancing ----------------------------------------------------------- */

/* Starts a rebalance: every member must join again by the deadline. `keep` (may
 * be NULL) is the member whose join starts it, already waiting. */
static int32_t start_rebalance(uint32_t db, group_state *g, const kd_str *keep, int64_t now_ms)
{
    int64_t longest;
    int found;
    int32_t rc = kd_sql_one_i64(prepare(db, "SELECT max(rebalance_timeout_ms) FROM group_members", ""), &longest, &found);
    if (rc)
        return rc;
    g->state = STATE_PREPARING_REBALANCE;
    g->rebalance_deadline = now_ms + (found ? longest : 0);
    kd_str none = {(const uint8_t *)"", 0};
    rc = run(prepare(db, "UPDATE group_members SET waiting = (member_id = ?1)", "s", keep ? keep : &none));
    return rc ? rc : save_state(db, g);
}

/* Appends the assignor's input for every member, then the topics, to `in`. */
static int32_t assignor_input(uint32_t db, uint8_t strategy, uint8_t **in, size_t *len)
{
    /* The input is built in the output buffer, then moved out of it: the assignor
     * writes its own answer there. */
    kd_scratch_reset();
    int64_t members, waiting;
    int32_t rc = count_members(db, &members, &waiting);
    if (rc)
        return rc;
    if (!kd_out_u8(strategy) || !kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = prepare(db, "SELECT member_id, subscription, assignment FROM group_members ORDER BY member_id", "");
    if (stmt < 0)
        return stmt;
    while ((rc = kd_sql_step(stmt, "reading members")) == 1) {
        uint8_t *id = NULL, *sub = NULL, *owned = NULL;
        uint32_t id_len, sub_len, owned_len;
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 1, &sub, &sub_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 2, &owned, &owned_len);
        /* subscription and assignment are stored in the assignor's own shapes */
        if (!rc && !(kd_out_str(id, id_len) && kd_out_append(sub, sub_len) && kd_out_append(owned, owned_len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(id);
        free(sub);
        free(owned);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    int64_t topics;
    int found;
    if ((rc = kd_sql_one_i64(prepare(db, "SELECT count(*) FROM group_topics", ""), &topics, &found)) != 0)
        return rc;
    if (!kd_out_u32((uint32_t)topics))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    stmt = prepare(db, "SELECT topic, partitions FROM group_topics ORDER BY topic", "");
    if (stmt < 0)
        return stmt;
    while ((rc = kd_sql_step(stmt, "reading topics")) == 1) {
        uint8_t *name = NULL;
        uint32_t name_len;
        rc = kd_sql_column_dup(stmt, 0, &name, &name_len);
        if (!rc && !(kd_out_str(name, name_len) && kd_out_i32((int32_t)kd_host_column_int64(stmt, 1))))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(name);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    *len = kd_out_size();
    *in = malloc(*len ? *len : 1);
    if (!*in)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    memcpy(*in, kd_out_data(), *len);
    return 0;
}

/* Completes the rebalance when every member has joined again (those that did not
 * by the deadline having been removed): new generation, new assignment, Stable.
 * Every member's session starts again from now, as Kafka's coordinator does, so
 * a member that waited in its join is not expired for the wait. */
static int32_t try_complete(uint32_t db, group_state *g, int64_t now_ms)
{
    if (g->state != STATE_PREPARING_REBALANCE)
        return 0;
    int64_t members, waiting;
    int32_t rc = count_members(db, &members, &waiting);
    if (rc || waiting < members)
        return rc;
    if (members == 0) {
        g->state = STATE_EMPTY;
        return save_state(db, g);
    }
    uint8_t *in = NULL, *answer = NULL;
    size_t in_len = 0;
    if ((rc = assignor_input(db, (uint8_t)g->strategy, &in, &in_len)) != 0)
        return rc;
    rc = kd_assign(in, (uint32_t)in_len);
    size_t answer_len = kd_out_size();
    if (!rc && !(answer = malloc(answer_len ? answer_len : 1)))
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    if (!rc)
        memcpy(answer, kd_out_data(), answer_len);
    free(in);
    if (rc)
        return rc;
    kd_scratch_reset();

    /* The answer lists members in the input's order: member id, then the
     * assignment in the stored shape (u32 count, tp*). */
    kd_le_reader r = {answer, answer_len, 0};
    kd_str leader = {NULL, 0};
    for (int64_t m = 0; m < members && !rc; m++) {
        kd_str id;
        uint32_t count;
        if (!kd_le_str(&r, &id) || !kd_le_u32(&r, &count)) {
            rc = kd_fail(KD_ERR_INVALID_ARG, "the assignor's answer is malformed");
            break;
        }
        size_t start = r.pos - 4;
        for (uint32_t k = 0; k < count && !rc; k++) {
            kd_str topic;
            int32_t partition;
            if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition))
                rc = kd_fail(KD_ERR_INVALID_ARG, "the assignor's answer is malformed");
        }
        if (!rc)
            rc = run(prepare(db,
                             "UPDATE group_members SET assignment = ?1, waiting = 0, last_seen_ms = ?2 WHERE member_id = ?3",
                             "bis", answer + start, (uint32_t)(r.pos - start), now_ms, &id));
        if (m == 0)
            leader = id; /* the first member by id leads, as the first to join would */
    }
    if (!rc) {
        g->generation++;
        g->state = STATE_STABLE;
        g->rebalance_deadline = 0;
        rc = save_state(db, g);
    }
    if (!rc)
        rc = run(prepare(db, "UPDATE group_state SET leader = ?1 WHERE id = 0", "s", &leader));
    free(answer);
    return rc;
}

/* Removes members whose session ran out, and (past the rebalance deadline) those
 * that did not join again. Writes their ids to the output after a u32 count
 * placeholder at `count_at`; a rebalance starts if any left a Stable group. */
static int32_t expire(uint32_t db, group_state *g, int64_t now_ms, size_t count_at)
{
    bool deadline_passed = g->state == STATE_PREPARING_REBALANCE && now_ms >= g->rebalance_deadline;
    const char *find =
        "SELECT member_id FROM group_members WHERE (waiting = 0 AND last_seen_ms + session_timeout_ms <= ?1)"
        " OR (?2 AND waiting = 0) ORDER BY member_id";
    int32_t stmt = prepare(db, find, "ii", now_ms, (int64_t)deadline_passed);
    if (stmt < 0)
        return stmt;
    uint32_t expired = 0;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "finding expired members")) == 1) {
        uint8_t *id = NULL;
        uint32_t id_len;
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc && !kd_out_str(id, id_len))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(id);
        if (rc)
            break;
        expired++;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    kd_out_patch_u32(count_at, expired);
    if (expired == 0)
        return 0;
    rc = run(prepare(db,
                     "DELETE FROM group_members WHERE (waiting = 0 AND last_seen_ms + session_timeout_ms <= ?1)"
                     " OR (?2 AND waiting = 0)",
                     "ii", now_ms, (int64_t)deadline_passed));
    if (rc)
        return rc;
    if (g->state == STATE_STABLE) {
        int64_t members, waiting;
        if ((rc = count_members(db, &members, &waiting)) != 0)
            return rc;
        if (members == 0) {
            g->state = STATE_EMPTY;
            return save_state(db, g);
        }
        return start_rebalance(db, g, NULL, now_ms);
    }
    return 0;
}

/* The earliest moment the group needs attention: a session running out, or the
 * rebalance deadline. */
static int32_t next_deadline(uint32_t db, const group_state *g, int64_t *deadline)
{
    int found;
    int32_t rc = kd_sql_one_i64(prepare(db, "SELECT min(last_seen_ms + session_timeout_ms) FROM group_members WHERE waiting = 0", ""),
                         deadline, &found);
    if (rc)
        return rc;
    /* min() over no rows is NULL (read as 0): no member's session is running. */
    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members - waiting == 0)
        *deadline = NO_DEADLINE;
    if (g->state == STATE_PREPARING_REBALANCE && g->rebalance_deadline < *deadline)
        *deadline = g->rebalance_deadline;
    return 0;
}

/* ---- members ----------------------------------------------------------------- */

static int32_t member_exists(uint32_t db, const kd_str *id, int *exists)
{
    int64_t one;
    return kd_sql_one_i64(prepare(db, "SELECT 1 FROM group_members WHERE member_id = ?1", "s", id), &one, exists);
}

/* Writes an assignment blob (u32 count, tp*) as stored for `id`. */
static int32_t out_assignment(uint32_t db, const kd_str *id)
{
    int32_t stmt = prepare(db, "SELECT assignment FROM group_members WHERE member_id = ?1", "s", id);
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading an assignment");
    uint8_t *blob = NULL;
    uint32_t n = 0;
    if (rc == 1)
        rc = kd_sql_column_dup(stmt, 0, &blob, &n);
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    bool ok = blob && n >= 4 ? kd_out_append(blob, n) : kd_out_u32(0);
    free(blob);
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

static int32_t out_leader(uint32_t db)
{
    int32_t stmt = prepare(db, "SELECT leader FROM group_state WHERE id = 0", "");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the leader");
    uint8_t *leader = NULL;
    uint32_t n = 0;
    if (rc == 1)
        rc = kd_sql_column_dup(stmt, 0, &leader, &n);
    kd_host_finalize(stmt);
    if (rc < 0) {
        free(leader);
        return rc;
    }
    bool ok = kd_out_str(leader ? leader : (const uint8_t *)"", n);
    free(leader);
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* The subscription as stored: u32 n, str topic* — the assignor's member shape up to
 * its owned partitions, which are the assignment column. Records each topic's
 * partition count for the assignor; *grown says whether a count is larger than the
 * one recorded (a topic created, or given more partitions), which calls for a
 * rebalance as a changed subscription does. */
static int32_t encode_subscription(kd_le_reader *r, uint32_t n, uint8_t **blob, size_t *len, uint32_t db,
                                   bool *grown)
{
    *grown = false;
    size_t start = kd_out_size();
    if (!kd_out_u32(n))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        kd_str topic;
        int32_t partitions;
        if (!kd_le_str(r, &topic) || !kd_le_i32(r, &partitions) || partitions < 0 ||
            partitions > MAX_TOPIC_PARTITIONS)
            return kd_fail(KD_ERR_INVALID_ARG, "subscription %u is malformed", (unsigned)i);
        int32_t rc = kd_check_topic_name(topic.p, topic.len);
        if (rc)
            return rc;
        if (!kd_out_str(topic.p, topic.len))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        int64_t known;
        int found;
        if ((rc = kd_sql_one_i64(prepare(db, "SELECT partitions FROM group_topics WHERE topic = ?1", "s", &topic), &known,
                                 &found)) != 0)
            return rc;
        /* Only growth counts: a member with older metadata must not undo another's
         * newer count, or the two would rebalance the group back and forth. */
        if (found && known >= partitions)
            continue;
        *grown |= found;
        if ((rc = run(prepare(db, "INSERT OR REPLACE INTO group_topics (topic, partitions) VALUES (?1, ?2)", "si",
                              &topic, (int64_t)partitions))) != 0)
            return rc;
    }
    *len = kd_out_size() - start;
    *blob = malloc(*len);
    if (!*blob)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    memcpy(*blob, kd_out_data() + start, *len);
    return 0;
}

int32_t kd_group_join(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str member, client, suffix;
    int32_t session, rebalance;
    uint32_t topics;
    if (!kd_le_str(&r, &member) || !kd_le_str(&r, &client) || !kd_le_str(&r, &suffix) ||
        !kd_le_i32(&r, &session) || !kd_le_i32(&r, &rebalance) || r.len - r.pos < 2)
        return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
    uint8_t strategy = in[r.pos++], kind = in[r.pos++];
    if (!kd_le_u32(&r, &topics) || topics > in_len / 6)
        return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
    if (session < MIN_SESSION_TIMEOUT_MS || session > MAX_SESSION_TIMEOUT_MS)
        return kd_fail(KD_INVALID_SESSION_TIMEOUT, "session timeout %d ms is outside %d to %d", (int)session,
                       MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS);
    if (rebalance < 1 || rebalance > MAX_SESSION_TIMEOUT_MS)
        return kd_fail(KD_INVALID_SESSION_TIMEOUT, "rebalance timeout %d ms is outside 1 to %d", (int)rebalance,
                       MAX_SESSION_TIMEOUT_MS);
    if (strategy > KD_ASSIGN_STICKY || kind > 1)
        return kd_fail(KD_ERR_INVALID_ARG, "strategy %d or member kind %d is unknown", strategy, kind);

    group_state g;
    int32_t rc = load_state(db, &g);
    if (rc)
        return rc;

    /* A new member's id: its client id and the host's random suffix, as Kafka's. */
    uint8_t new_id[600];
    kd_str id = member;
    int exists = 0;
    if (member.len == 0) {
        if (suffix.len == 0 || suffix.len > 64)
            return kd_fail(KD_ERR_INVALID_ARG, "a new member's id suffix is missing or over 64 bytes");
        if ((size_t)client.len + suffix.len + 1 > sizeof new_id)
            return kd_fail(KD_INVALID_REQUEST, "client id of %u bytes is too long (at most %u)", (unsigned)client.len,
                           (unsigned)(sizeof new_id - 66));
        memcpy(new_id, client.p, client.len);
        new_id[client.len] = '-';
        memcpy(new_id + client.len + 1, suffix.p, suffix.len);
        id.p = new_id;
        id.len = (uint16_t)(client.len + 1 + suffix.len);
    } else if ((rc = member_exists(db, &member, &exists)) != 0) {
        return rc;
    } else if (!exists) {
        return kd_fail(KD_UNKNOWN_MEMBER_ID, "member \"%.*s\" is not in the group (it left or expired)",
                       (int)member.len, (const char *)member.p);
    }
    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (!exists && members >= MAX_GROUP_SIZE)
        return kd_fail(KD_GROUP_MAX_SIZE_REACHED, "the group has %d members, its most (Kafka's group.max.size)",
                       MAX_GROUP_SIZE);
    bool alone = members == 0 || (members == 1 && exists);
    if (!alone && strategy != g.strategy)
        return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "the group assigns with strategy %d, not %d", (int)g.strategy,
                       strategy);

    /* The subscription, built in the output buffer and moved out of it. */
    uint8_t *sub = NULL;
    size_t sub_len = 0;
    bool grown = false;
    rc = encode_subscription(&r, topics, &sub, &sub_len, db, &grown);
    kd_scratch_reset();
    if (!rc && r.pos != r.len)
        rc = kd_fail(KD_ERR_INVALID_ARG, "bytes follow the subscription");
    if (rc) {
        free(sub);
        return rc;
    }
    static const uint8_t no_owned[4] = {0, 0, 0, 0};
    bool changed = !exists;
    if (exists) {
        int64_t same;
        int found;
        rc = kd_sql_one_i64(prepare(db, "SELECT subscription = ?1 FROM group_members WHERE member_id = ?2", "bs", sub,
                             (uint32_t)sub_len, &id),
                     &same, &found);
        changed = !rc && (!found || !same || grown);
        if (!rc)
            rc = run(prepare(db,
                             "UPDATE group_members SET client_id = ?1, session_timeout_ms = ?2, rebalance_timeout_ms = ?3,"
                             " last_seen_ms = ?4, subscription = ?5, kind = ?6 WHERE member_id = ?7",
                             "siiibis", &client, (int64_t)session, (int64_t)rebalance, now_ms, sub, (uint32_t)sub_len,
                             (int64_t)kind, &id));
    } else {
        rc = run(prepare(db,
                         "INSERT INTO group_members (member_id, client_id, kind, session_timeout_ms, rebalance_timeout_ms,"
                         " last_seen_ms, waiting, subscription, assignment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                         "ssiiiibb", &id, &client, (int64_t)kind, (int64_t)session, (int64_t)rebalance, now_ms, sub,
                         (uint32_t)sub_len, no_owned, (uint32_t)4));
    }
    free(sub);
    if (rc)
        return rc;
    if (alone && strategy != g.strategy) {
        changed = true; /* the group's only member chose another assignor */
        g.strategy = strategy;
    }

    if (g.state == STATE_PREPARING_REBALANCE) {
        rc = run(prepare(db, "UPDATE group_members SET waiting = 1 WHERE member_id = ?1", "s", &id));
    } else if (changed || g.state == STATE_EMPTY) {
        rc = start_rebalance(db, &g, &id, now_ms);
    }
    /* else: a Stable member joining again unchanged keeps its assignment. */
    if (!rc)
        rc = try_complete(db, &g, now_ms);
    if (rc)
        return rc;

    int64_t still_waiting;
    int found;
    if ((rc = kd_sql_one_i64(prepare(db, "SELECT waiting FROM group_members WHERE member_id = ?1", "s", &id), &still_waiting,
                      &found)) != 0)
        return rc;
    int64_t deadline;
    if ((rc = next_deadline(db, &g, &deadline)) != 0)
        return rc;
    kd_scratch_reset();
    bool complete = g.state == STATE_STABLE && found && !still_waiting;
    if (!kd_out_u8(complete) || !kd_out_str(id.p, id.len) || !kd_out_i32((int32_t)g.generation))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if ((rc = out_leader(db)) != 0)
        return rc;
    if (!kd_out_u8((uint8_t)g.strategy))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (complete) {
        if ((rc = out_assignment(db, &id)) != 0)
            return rc;
    } else if (!kd_out_u32(0)) {
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return kd_out_i64(deadline) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_group_poll(uint32_t db, int64_t now_ms)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = load_state(db, &g);
    if (rc)
        return rc;
    /* Header first (patched at the end), then the expired members. */
    if (!kd_out_u8(0) || !kd_out_i32(0) || !kd_out_i64(0) || !kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    size_t expired_at = kd_out_size() - 4;
    if ((rc = expire(db, &g, now_ms, expired_at)) != 0)
        return rc;
    size_t keep = kd_out_size();
    uint8_t *head = malloc(keep);
    if (!head)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    memcpy(head, kd_out_data(), keep);
    rc = try_complete(db, &g, now_ms); /* may use the output buffer */
    int64_t deadline = NO_DEADLINE;
    if (!rc)
        rc = next_deadline(db, &g, &deadline);
    if (rc) {
        free(head);
        return rc;
    }
    kd_scratch_reset();
    bool ok = kd_out_append(head, keep);
    free(head);
    if (!ok)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    kd_out_data()[0] = (uint8_t)g.state;
    kd_out_patch_u32(1, (uint32_t)g.generation);
    kd_out_patch_i64(5, deadline);

    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (!kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = prepare(db, "SELECT member_id, waiting, assignment FROM group_members ORDER BY member_id", "");
    if (stmt < 0)
        return stmt;
    while ((rc = kd_sql_step(stmt, "listing members")) == 1) {
        uint8_t *id = NULL, *assignment = NULL;
        uint32_t id_len, n;
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 2, &assignment, &n);
        if (!rc && !(kd_out_str(id, id_len) && kd_out_u8((uint8_t)kd_host_column_int64(stmt, 1)) &&
                     (n >= 4 ? kd_out_append(assignment, n) : kd_out_u32(0))))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(id);
        free(assignment);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    return rc < 0 || rc > 1 ? rc : 0;
}

/* What heartbeat and leave start from: the group's state, and whether the named
 * member is in it. (An id longer than any stored one is cut, and simply unknown.) */
static int32_t load_member(uint32_t db, const uint8_t *member_id, uint32_t len, group_state *g, kd_str *member,
                           int *exists)
{
    int32_t rc = load_state(db, g);
    if (rc)
        return rc;
    member->p = member_id;
    member->len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
    return member_exists(db, member, exists);
}

/* Fencing shared by heartbeat and commit: the member must be in the group and
 * speak for its current generation. */
static int32_t check_member(uint32_t db, const group_state *g, const kd_str *member, int32_t generation)
{
    int exists;
    int32_t rc = member_exists(db, member, &exists);
    if (rc)
        return rc;
    if (!exists)
        return kd_fail(KD_UNKNOWN_MEMBER_ID, "member \"%.*s\" is not in the group (it left or expired)",
                       (int)member->len, (const char *)member->p);
    if (generation != g->generation)
        return kd_fail(KD_ILLEGAL_GENERATION, "generation %d is not the group's current generation %d",
                       (int)generation, (int)g->generation);
    return 0;
}

int32_t kd_group_heartbeat(uint32_t db, const uint8_t *member_id, uint32_t len, int32_t generation, int64_t now_ms)
{
    kd_scratch_reset();
    group_state g;
    kd_str member;
    int exists;
    int32_t rc = load_member(db, member_id, len, &g, &member, &exists);
    if (rc)
        return rc;
    bool rebalancing = exists && g.state == STATE_PREPARING_REBALANCE;
    if (!rebalancing && (rc = check_member(db, &g, &member, generation)) != 0)
        return rc;
    /* The member is alive either way; during a rebalance it must also join again.
     * That answer travels in the output, so the liveness is kept (the host rolls
     * back a call that fails). */
    if ((rc = run(prepare(db, "UPDATE group_members SET last_seen_ms = ?1 WHERE member_id = ?2", "is", now_ms,
                          &member))) != 0)
        return rc;
    int64_t deadline;
    if ((rc = next_deadline(db, &g, &deadline)) != 0)
        return rc;
    if (rebalancing)
        kd_fail(KD_REBALANCE_IN_PROGRESS, "the group is rebalancing: join again");
    return kd_out_i32(rebalancing ? KD_REBALANCE_IN_PROGRESS : 0) && kd_out_i64(deadline)
               ? 0
               : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_group_leave(uint32_t db, const uint8_t *member_id, uint32_t len, int64_t now_ms)
{
    kd_scratch_reset();
    group_state g;
    kd_str member;
    int exists;
    int32_t rc = load_member(db, member_id, len, &g, &member, &exists);
    if (rc)
        return rc;
    if (!exists)
        return kd_fail(KD_UNKNOWN_MEMBER_ID, "member \"%.*s\" is not in the group", (int)member.len,
                       (const char *)member.p);
    if ((rc = run(prepare(db, "DELETE FROM group_members WHERE member_id = ?1", "s", &member))) != 0)
        return rc;
    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members == 0) {
        g.state = STATE_EMPTY;
        rc = save_state(db, &g);
    } else if (g.state == STATE_STABLE) {
        rc = start_rebalance(db, &g, NULL, now_ms);
    } else {
        rc = try_complete(db, &g, now_ms); /* the leaver may have been the last one awaited */
    }
    int64_t deadline;
    if (!rc)
        rc = next_deadline(db, &g, &deadline);
    if (rc)
        return rc;
    kd_scratch_reset();
    return kd_out_i64(deadline) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- offsets ----------------------------------------------------------------- */

int32_t kd_group_commit(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str member;
    int32_t generation;
    uint32_t n;
    if (!kd_le_str(&r, &member) || !kd_le_i32(&r, &generation) || !kd_le_u32(&r, &n) || n > in_len / 16)
        return kd_fail(KD_ERR_INVALID_ARG, "commit input is malformed");
    group_state g;
    int32_t rc = load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    /* Kafka's rule: a commit outside group management (no member id, generation
     * -1) is for a group with no members; anything else is fenced. */
    if (!(member.len == 0 && generation < 0 && members == 0)) {
        if ((rc = check_member(db, &g, &member, generation)) != 0)
            return rc;
        if (g.state == STATE_COMPLETING_REBALANCE)
            return kd_fail(KD_REBALANCE_IN_PROGRESS, "the group is completing a rebalance");
    }
    /* Validate everything before writing anything. */
    size_t start = r.pos;
    for (uint32_t i = 0; i < n; i++) {
        kd_str topic, metadata;
        int32_t partition;
        int64_t offset;
        if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition) || !kd_le_i64(&r, &offset) ||
            !kd_le_str(&r, &metadata))
            return kd_fail(KD_ERR_INVALID_ARG, "offset %u is malformed", (unsigned)i);
        if ((rc = kd_check_topic_name(topic.p, topic.len)) != 0)
            return rc;
        if (partition < 0 || offset < 0)
            return kd_fail(KD_INVALID_REQUEST, "partition %d offset %lld: both must be non-negative", (int)partition,
                           (long long)offset);
        if (metadata.len > MAX_METADATA_BYTES)
            return kd_fail(KD_OFFSET_METADATA_TOO_LARGE, "offset metadata is %u bytes; at most %d",
                           (unsigned)metadata.len, MAX_METADATA_BYTES);
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the offsets");
    r.pos = start;
    for (uint32_t i = 0; i < n && !rc; i++) {
        kd_str topic, metadata;
        int32_t partition;
        int64_t offset;
        kd_le_str(&r, &topic);
        kd_le_i32(&r, &partition);
        kd_le_i64(&r, &offset);
        kd_le_str(&r, &metadata);
        rc = run(prepare(db,
                         "INSERT OR REPLACE INTO group_offsets (topic, partition, committed_offset, metadata,"
                         " commit_timestamp) VALUES (?1, ?2, ?3, ?4, ?5)",
                         "siisi", &topic, (int64_t)partition, offset, &metadata, now_ms));
    }
    return rc;
}

/* Writes one offsets row from a statement selecting topic, partition, offset,
 * metadata, timestamp. */
static int32_t out_offset_row(int32_t stmt)
{
    uint8_t *topic = NULL, *metadata = NULL;
    uint32_t topic_len, metadata_len;
    int32_t rc = kd_sql_column_dup(stmt, 0, &topic, &topic_len);
    if (!rc)
        rc = kd_sql_column_dup(stmt, 3, &metadata, &metadata_len);
    if (!rc && !(kd_out_str(topic, topic_len) && kd_out_i32((int32_t)kd_host_column_int64(stmt, 1)) &&
                 kd_out_i64(kd_host_column_int64(stmt, 2)) && kd_out_str(metadata, metadata_len) &&
                 kd_out_i64(kd_host_column_int64(stmt, 4))))
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    free(topic);
    free(metadata);
    return rc;
}

static int32_t out_all_offsets(uint32_t db)
{
    size_t count_at = kd_out_size();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = prepare(db,
                           "SELECT topic, partition, committed_offset, metadata, commit_timestamp FROM group_offsets"
                           " ORDER BY topic, partition",
                           "");
    if (stmt < 0)
        return stmt;
    uint32_t count = 0;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "reading offsets")) == 1) {
        if ((rc = out_offset_row(stmt)) != 0)
            break;
        count++;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    kd_out_patch_u32(count_at, count);
    return 0;
}

int32_t kd_group_offsets(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    uint32_t n;
    if (!kd_le_u32(&r, &n))
        return kd_fail(KD_ERR_INVALID_ARG, "offsets input is malformed");
    if (n == UINT32_MAX)
        return r.pos == r.len ? out_all_offsets(db) : kd_fail(KD_ERR_INVALID_ARG, "bytes follow the count");
    if (n > in_len / 6 || !kd_out_u32(n))
        return kd_fail(KD_ERR_INVALID_ARG, "offsets input is malformed");
    int32_t rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        kd_str topic;
        int32_t partition;
        if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition))
            return kd_fail(KD_ERR_INVALID_ARG, "partition %u is malformed", (unsigned)i);
        int32_t stmt = prepare(db,
                               "SELECT topic, partition, committed_offset, metadata, commit_timestamp FROM group_offsets"
                               " WHERE topic = ?1 AND partition = ?2",
                               "si", &topic, (int64_t)partition);
        if (stmt < 0)
            return stmt;
        rc = kd_sql_step(stmt, "reading an offset");
        if (rc == 1) {
            rc = out_offset_row(stmt);
        } else if (rc == 0) {
            bool ok = kd_out_str(topic.p, topic.len) && kd_out_i32(partition) && kd_out_i64(-1) &&
                      kd_out_str(NULL, 0) && kd_out_i64(-1);
            rc = ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
        }
        kd_host_finalize(stmt);
    }
    if (!rc && r.pos != r.len)
        rc = kd_fail(KD_ERR_INVALID_ARG, "bytes follow the partitions");
    return rc;
}

int32_t kd_group_describe(uint32_t db)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (!kd_out_u8((uint8_t)g.state) || !kd_out_i32((int32_t)g.generation) || !kd_out_u8((uint8_t)g.strategy))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if ((rc = out_leader(db)) != 0)
        return rc;
    if (!kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = prepare(db,
                           "SELECT member_id, client_id, kind, session_timeout_ms, rebalance_timeout_ms, last_seen_ms,"
                           " subscription, assignment FROM group_members ORDER BY member_id",
                           "");
    if (stmt < 0)
        return stmt;
    while ((rc = kd_sql_step(stmt, "describing members")) == 1) {
        uint8_t *id = NULL, *client = NULL, *sub = NULL, *assignment = NULL;
        uint32_t id_len, client_len, sub_len, assignment_len;
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 1, &client, &client_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 6, &sub, &sub_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 7, &assignment, &assignment_len);
        if (!rc && !(kd_out_str(id, id_len) && kd_out_str(client, client_len) &&
                     kd_out_u8((uint8_t)kd_host_column_int64(stmt, 2)) &&
                     kd_out_i32((int32_t)kd_host_column_int64(stmt, 3)) &&
                     kd_out_i32((int32_t)kd_host_column_int64(stmt, 4)) && kd_out_i64(kd_host_column_int64(stmt, 5)) &&
                     kd_out_append(sub, sub_len) && kd_out_append(assignment, assignment_len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(id);
        free(client);
        free(sub);
        free(assignment);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    return out_all_offsets(db);
}

int32_t kd_group_delete(uint32_t db)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting, offsets;
    int found;
    if ((rc = count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members > 0)
        return kd_fail(KD_NON_EMPTY_GROUP, "the group has %lld live members", (long long)members);
    if ((rc = kd_sql_one_i64(prepare(db, "SELECT count(*) FROM group_offsets", ""), &offsets, &found)) != 0)
        return rc;
    if (offsets == 0 && g.generation == 0)
        return kd_fail(KD_GROUP_ID_NOT_FOUND, "the group does not exist");
    if ((rc = kd_sql_run(db, "DELETE FROM group_offsets")) != 0 || (rc = kd_sql_run(db, "DELETE FROM group_topics")) != 0)
        return rc;
    g = (group_state){STATE_EMPTY, 0, 0, 0};
    if ((rc = save_state(db, &g)) != 0)
        return rc;
    return kd_sql_run(db, "UPDATE group_state SET leader = '' WHERE id = 0");
}
