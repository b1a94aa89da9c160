/*
 * group.c — a consumer group: Kafka's group state machine, its members and their
 * generations, who has expired given now_ms, when a rebalance completes, fencing
 * of stale members, all stored through the storage door (one ConsumerGroupDO's
 * SQLite per group). Beside it (group_internal.h): group_classic.c, Kafka's
 * classic dialect; consumer_protocol.c, the ConsumerProtocol bytes; and
 * group_offsets.c, the committed offsets. This comment is the design of all four. Two dialects share it:
 * Kafdo's own protocol (member kind 0, "http": the group assigns, with the core's
 * assignors) and Kafka's classic protocol (kind 1, "kafka": JoinGroup/SyncGroup,
 * the leader assigns). A group's members are of one kind at a time; a join of the
 * other kind is INCONSISTENT_GROUP_PROTOCOL while any member of the first lives.
 *
 * The state machine is Kafka's classic one:
 *
 *   Empty ──join──▶ PreparingRebalance ──every member rejoined, or the rebalance
 *     ▲                 ▲     ▲    │        deadline passed──▶ Stable (kind 0)
 *     │                 │     │    └──(kind 1)──▶ CompletingRebalance ──leader's
 *     │                 │     │                        │      SyncGroup──▶ Stable
 *     │                 │     └──join / leave / expiry─┘                    │
 *     └──last member────┴──────────join / leave / expiry / new sub──────────┘
 *        leaves
 *
 * (Dead is a deleted group's state in Kafka: a group that does not exist — never
 * had a member, a generation or a committed offset, or was deleted — is described
 * as Dead; its storage is simply Empty again.)
 *
 * A rebalance starts when a member joins, changes its subscription (kind 1: its
 * protocol type or protocols), leaves or expires, and when a kind-1 leader joins
 * a Stable group again (Kafka's way for a leader to make the group see new
 * metadata). Every member must then join again — its heartbeat answers
 * REBALANCE_IN_PROGRESS — and the host holds each join until the rebalance
 * completes (kd_group_poll says when). Members that do not rejoin by the deadline
 * (now + the largest rebalance timeout) are removed. On completion the generation
 * moves on, and every member's heartbeat and commit must carry the new generation
 * (else ILLEGAL_GENERATION). Kind 0 then computes the assignment and is Stable.
 *
 * Kind 1 instead follows Kafka's GroupCoordinator: the group's protocol type is
 * its members' (a join of another type is INCONSISTENT_GROUP_PROTOCOL, as is one
 * none of whose protocols every other member supports); at completion Kafka's vote
 * selects the protocol (each member votes its most preferred protocol among those
 * all support; most votes wins, a tie going to the first name), the leader stays
 * if still a member (else the earliest to join leads), and the group waits in
 * CompletingRebalance, where heartbeats are fine, commits are REBALANCE_IN_PROGRESS
 * and a member joining again unchanged is answered at once. The leader's join
 * answer lists every member's metadata for the selected protocol. kd_group_sync
 * takes the leader's assignments (none for a member it leaves out) and makes the
 * group Stable; followers' syncs are held by the host until then. A group still
 * CompletingRebalance at the rebalance timeout removes the members that have not
 * synced (Kafka's pending-sync timeout) and rebalances.
 *
 * Kind 1 also has Kafka's joining rules around member ids. KIP-394: a JoinGroup
 * v4+ with no member id is answered MEMBER_ID_REQUIRED with an id (kept pending
 * for the session timeout), and only the join with that id makes a member, so
 * an abandoned first join leaves nothing behind. KIP-345, static membership: a
 * member with a group.instance.id joining with no member id takes the place of
 * the instance's current member, if any — the new id inherits its protocols,
 * assignment and leadership; while Stable with its protocols unchanged there is
 * no rebalance (the answer names the leader from before, so the member syncs as
 * a follower and gets its assignment back); otherwise the group rebalances. The
 * replaced id is fenced: its calls are FENCED_INSTANCE_ID. Static members expire
 * by their session timeout like any, and leave by instance id (LeaveGroup v3+).
 * group.initial.rebalance.delay.ms (Kafka's InitialDelayedJoin): a rebalance
 * started by a join into an Empty group is held that long, and again while new
 * members keep coming, up to the rebalance timeout, so members starting together
 * land in one generation. Kafdo's HTTP dialect has none of these.
 *
 * For kind 1 the group keeps each member's protocols and the leader's assignment
 * as bytes, opaque, in group_classic_*; when the protocol type is "consumer" it
 * also decodes Kafka's ConsumerProtocolSubscription / Assignment (any version:
 * only their leading fields) into the subscription and assignment columns that
 * kind 0 uses, so describe shows both kinds alike. A malformed one shows nothing.
 *
 * Expiry: a member whose last heartbeat is older than its session timeout is
 * removed — except while it waits in a join, where the rebalance deadline rules.
 * The host sets an alarm at the next deadline (every call's output names it) and
 * calls kd_group_poll when it rings.
 *
 * Commits: a member's must carry the current generation (during PreparingRebalance
 * too, so revoked partitions can be committed); one with member id "" and
 * generation -1 (an admin's, a simple consumer's) is taken only while the group
 * has no members, else UNKNOWN_MEMBER_ID — Kafka's rules.
 *
 * Byte formats (little-endian; str = u16 length + bytes; bytes = u32 length +
 * bytes; tp = str topic, i32 partition; "assignment" = u32 count, tp*):
 *   join input:  str member_id ("" for a new member), str client_id, str id_suffix
 *                (host's random text for a new member's id), i32 session_timeout_ms,
 *                i32 rebalance_timeout_ms, u8 strategy, u8 kind (0 Kafdo, 1 Kafka),
 *                then for kind 0: u32 n, (str topic, i32 partitions)* — the
 *                member's subscription with each topic's partition count (0 for a
 *                topic that does not exist);
 *                for kind 1: str group_instance_id ("" for a dynamic member),
 *                u8 flags (1: the client speaks KIP-394, JoinGroup v4+),
 *                i32 initial_rebalance_delay_ms (for an empty group's first
 *                rebalance), str client_host, str protocol_type, u32 n,
 *                (str name, bytes metadata)* — in order of preference (strategy is
 *                ignored)
 *   join output: u8 status (0 held, 1 complete, 2 MEMBER_ID_REQUIRED: join again
 *                with member_id), str member_id, i32 generation, str leader,
 *                u8 strategy, assignment (kind 1: empty), i64 next_deadline;
 *                kind 1 then: str protocol_type, str protocol_name, u32 k,
 *                (str member_id, bytes metadata)* — every member's metadata for
 *                the selected protocol, in join order, when the join is complete
 *                and the member leads (else k = 0) — and str fenced_member_id
 *                (the static member id this join replaced; its held calls are
 *                answered FENCED_INSTANCE_ID), "" for none. Complete: kind 0
 *                Stable, kind 1 CompletingRebalance or Stable, and the member not
 *                waiting.
 *   leave input: str member_id, str group_instance_id ("": by member id)
 *   leave output: i64 next_deadline, str member_id (the one that left)
 *   sync input:  str member_id, i32 generation, str protocol_type, str
 *                protocol_name ("" for either: not checked), u32 n,
 *                (str member_id, bytes assignment)* — the leader's; others send 0
 *   sync output: u8 complete (0: hold until poll says Stable), str protocol_type,
 *                str protocol_name, bytes assignment (the member's, when complete),
 *                i64 next_deadline
 *   poll output: u8 state, i32 generation, i64 next_deadline, u32 n, str expired*,
 *                u32 m, (str member_id, u8 waiting, assignment)* — the members,
 *                waiting = 1 while its join is held for a rebalance; then
 *                str protocol_type, str protocol_name, str leader, u32 k,
 *                (str member_id, bytes)* — while CompletingRebalance every
 *                member's metadata for the selected protocol (the leader's join
 *                answer), while Stable every kind-1 member's assignment (held
 *                syncs' answers), else k = 0
 *   commit input: str member_id, i32 generation, u32 n,
 *                (str topic, i32 partition, i64 offset, str metadata)*
 *   offsets input: u32 n (0xffffffff: all), tp*;
 *   offsets output: u32 n, (str topic, i32 partition, i64 offset, str metadata,
 *                i64 commit_timestamp)* — offset -1 where nothing is committed
 *   describe output: u8 state (4, Dead, when the group does not exist), i32 generation, u8 strategy, str leader,
 *                str protocol_type, str protocol_name, u32 m,
 *                (str member_id, str client_id, u8 kind, i32 session_timeout_ms,
 *                i32 rebalance_timeout_ms, i64 last_heartbeat_ms, u32 n, str topic*,
 *                assignment, str client_host, bytes metadata, bytes assignment,
 *                str group_instance_id)*,
 *                then the offsets output for every committed partition. The last
 *                two are what DescribeGroups sends: empty unless the group is
 *                Stable (Kafka's); a kind-0 member's are made up as
 *                ConsumerProtocol v0 bytes of its subscription and assignment.
 *                protocol_type/name: a kind-1 group's; a kind-0 group's are
 *                "consumer" (once it had a member) and its strategy's name.
 */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

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
    /* Kafka's classic protocol (member kind 1): the group's protocol type and
     * selected protocol, and per member what the HTTP dialect has no use for. */
    "CREATE TABLE IF NOT EXISTS group_classic ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " dialect INTEGER NOT NULL,"
    " protocol_type TEXT NOT NULL,"
    " protocol_name TEXT NOT NULL)",
    "INSERT OR IGNORE INTO group_classic VALUES (0, 0, '', '')",
    "CREATE TABLE IF NOT EXISTS group_classic_members ("
    " member_id TEXT PRIMARY KEY,"
    " client_host TEXT NOT NULL,"
    " protocol_type TEXT NOT NULL,"
    " assignment BLOB NOT NULL,"
    " synced INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS group_classic_protocols ("
    " member_id TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " metadata BLOB NOT NULL,"
    " PRIMARY KEY (member_id, position))",
    /* KIP-394: member ids handed out with MEMBER_ID_REQUIRED, not yet joined with;
     * forgotten after the session timeout, so an abandoned join leaves nothing. */
    "CREATE TABLE IF NOT EXISTS group_pending ("
    " member_id TEXT PRIMARY KEY,"
    " expires_ms INTEGER NOT NULL)",
    /* KIP-345: static members (group.instance.id) and the member id each one has
     * now; group_fenced keeps, per instance, the member id it replaced last, whose
     * later calls are FENCED_INSTANCE_ID. */
    "CREATE TABLE IF NOT EXISTS group_static ("
    " instance_id TEXT PRIMARY KEY,"
    " member_id TEXT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS group_fenced ("
    " instance_id TEXT PRIMARY KEY,"
    " member_id TEXT NOT NULL)",
    /* group.initial.rebalance.delay.ms: an empty group's first rebalance is held
     * until hold_until, then again by delay_ms while members keep arriving, never
     * past give_up. hold_until 0: no hold. */
    "CREATE TABLE IF NOT EXISTS group_initial_delay ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " hold_until INTEGER NOT NULL,"
    " delay_ms INTEGER NOT NULL,"
    " give_up INTEGER NOT NULL,"
    " grew INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO group_initial_delay VALUES (0, 0, 0, 0, 0)",
};

/* ---- the state row ----------------------------------------------------------- */

int32_t group_load_state(uint32_t db, group_state *g)
{
    int32_t stmt =
        kd_sql_prepare(db, "SELECT state, generation, strategy, rebalance_deadline FROM group_state WHERE id = 0");
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

int32_t group_save_state(uint32_t db, const group_state *g)
{
    return kd_sql_exec(kd_sql_prepare_args(
        db, "UPDATE group_state SET state = ?1, generation = ?2, strategy = ?3, rebalance_deadline = ?4 WHERE id = 0",
        "iiii", g->state, g->generation, g->strategy, g->rebalance_deadline));
}

int32_t group_count_members(uint32_t db, int64_t *members, int64_t *waiting)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT count(*), coalesce(sum(waiting), 0) FROM group_members");
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
    int32_t rc = kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
    return rc ? rc : group_txn_open(db);
}

/* ---- rebalancing ----------------------------------------------------------- */

/* Starts a rebalance: every member must join again by the deadline. `keep` (may
 * be NULL) is the member whose join starts it, already waiting. */
static int32_t start_rebalance(uint32_t db, group_state *g, const kd_str *keep, int64_t now_ms)
{
    int64_t longest;
    int found;
    int32_t rc =
        kd_sql_one_i64(kd_sql_prepare(db, "SELECT max(rebalance_timeout_ms) FROM group_members"), &longest, &found);
    if (rc)
        return rc;
    g->state = STATE_PREPARING_REBALANCE;
    g->rebalance_deadline = now_ms + (found ? longest : 0);
    kd_str none = {(const uint8_t *)"", 0};
    rc = kd_sql_exec(
        kd_sql_prepare_args(db, "UPDATE group_members SET waiting = (member_id = ?1)", "s", keep ? keep : &none));
    return rc ? rc : group_save_state(db, g);
}

/* Kafka's InitialDelayedJoin: while an empty group's first rebalance is held,
 * it does not complete even when every member has joined, so that members
 * starting together land in one generation. At hold_until the hold ends, unless
 * members joined during it and give_up is not reached: then it is held again
 * for delay_ms (at most until give_up). *held says whether it still holds. */
static int32_t initial_hold(uint32_t db, int64_t now_ms, bool *held)
{
    *held = false;
    int32_t stmt =
        kd_sql_prepare(db, "SELECT hold_until, delay_ms, give_up, grew FROM group_initial_delay WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the initial delay");
    int64_t until = 0, delay = 0, give_up = 0, grew = 0;
    if (rc == 1) {
        until = kd_host_column_int64(stmt, 0);
        delay = kd_host_column_int64(stmt, 1);
        give_up = kd_host_column_int64(stmt, 2);
        grew = kd_host_column_int64(stmt, 3);
    }
    kd_host_finalize(stmt);
    if (rc < 0 || until == 0)
        return rc < 0 ? rc : 0;
    if (now_ms < until) {
        *held = true;
        return 0;
    }
    if (grew && until < give_up) {
        *held = true;
        int64_t next = until + delay < give_up ? until + delay : give_up;
        return kd_sql_exec(kd_sql_prepare_args(
            db, "UPDATE group_initial_delay SET hold_until = ?1, grew = 0 WHERE id = 0", "i", next));
    }
    return kd_sql_run(db, "UPDATE group_initial_delay SET hold_until = 0, grew = 0 WHERE id = 0");
}

/* Appends the assignor's input for every member, then the topics, to `in`. */
static int32_t assignor_input(uint32_t db, uint8_t strategy, uint8_t **in, size_t *len)
{
    /* The input is built in the output buffer, then moved out of it: the assignor
     * writes its own answer there. */
    kd_scratch_reset();
    int64_t members, waiting;
    int32_t rc = group_count_members(db, &members, &waiting);
    if (rc)
        return rc;
    if (!kd_out_u8(strategy) || !kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt =
        kd_sql_prepare(db, "SELECT member_id, subscription, assignment FROM group_members ORDER BY member_id");
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
    if ((rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT count(*) FROM group_topics"), &topics, &found)) != 0)
        return rc;
    if (!kd_out_u32((uint32_t)topics))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    stmt = kd_sql_prepare(db, "SELECT topic, partitions FROM group_topics ORDER BY topic");
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
    bool held;
    int32_t rc = initial_hold(db, now_ms, &held);
    if (rc || held)
        return rc;
    int64_t members, waiting;
    rc = group_count_members(db, &members, &waiting);
    if (rc || waiting < members)
        return rc;
    if (members == 0) {
        g->state = STATE_EMPTY;
        return group_save_state(db, g);
    }
    int64_t dialect;
    if ((rc = group_dialect(db, &dialect)) != 0)
        return rc;
    if (dialect == KIND_KAFKA)
        return classic_complete(db, g, now_ms);
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
            rc = kd_sql_exec(kd_sql_prepare_args(
                db, "UPDATE group_members SET assignment = ?1, waiting = 0, last_seen_ms = ?2 WHERE member_id = ?3",
                "bis", answer + start, (uint32_t)(r.pos - start), now_ms, &id));
        if (m == 0)
            leader = id; /* the first member by id leads, as the first to join would */
    }
    if (!rc) {
        g->generation++;
        g->state = STATE_STABLE;
        g->rebalance_deadline = 0;
        rc = group_save_state(db, g);
    }
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_state SET leader = ?1 WHERE id = 0", "s", &leader));
    free(answer);
    return rc;
}

/* Removes members whose session ran out, and (past the rebalance deadline) those
 * that did not join again. Writes their ids to the output after a u32 count
 * placeholder at `count_at`; a rebalance starts if any left a Stable group. */
static int32_t expire(uint32_t db, group_state *g, int64_t now_ms, size_t count_at)
{
    bool deadline_passed = g->state == STATE_PREPARING_REBALANCE && now_ms >= g->rebalance_deadline;
    /* Kafka's pending-sync timeout: members that have not sent their SyncGroup
     * within the rebalance timeout after the join completed are removed. */
    bool sync_overdue = g->state == STATE_COMPLETING_REBALANCE && now_ms >= g->rebalance_deadline;
    const char *find =
        "SELECT member_id FROM group_members WHERE (waiting = 0 AND last_seen_ms + session_timeout_ms <= ?1)"
        " OR (?2 AND waiting = 0)"
        " OR (?3 AND member_id IN (SELECT member_id FROM group_classic_members WHERE synced = 0))"
        " ORDER BY member_id";
    int32_t stmt = kd_sql_prepare_args(db, find, "iii", now_ms, (int64_t)deadline_passed, (int64_t)sync_overdue);
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
    rc = kd_sql_exec(
        kd_sql_prepare_args(db,
                            "DELETE FROM group_members WHERE (waiting = 0 AND last_seen_ms + session_timeout_ms <= ?1)"
                            " OR (?2 AND waiting = 0)"
                            " OR (?3 AND member_id IN (SELECT member_id FROM group_classic_members WHERE synced = 0))",
                            "iii", now_ms, (int64_t)deadline_passed, (int64_t)sync_overdue));
    if (!rc)
        rc = classic_prune(db);
    if (rc)
        return rc;
    if (g->state == STATE_STABLE || g->state == STATE_COMPLETING_REBALANCE) {
        int64_t members, waiting;
        if ((rc = group_count_members(db, &members, &waiting)) != 0)
            return rc;
        if (members == 0) {
            g->state = STATE_EMPTY;
            return group_save_state(db, g);
        }
        return start_rebalance(db, g, NULL, now_ms);
    }
    return 0;
}

/* The earliest moment the group needs attention: a session running out, or the
 * rebalance deadline. */
int32_t group_next_deadline(uint32_t db, const group_state *g, int64_t *deadline)
{
    int found;
    int32_t rc = kd_sql_one_i64(
        kd_sql_prepare(db, "SELECT min(last_seen_ms + session_timeout_ms) FROM group_members WHERE waiting = 0"),
        deadline, &found);
    if (rc)
        return rc;
    /* min() over no rows is NULL (read as 0): no member's session is running. */
    int64_t members, waiting;
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members - waiting == 0)
        *deadline = NO_DEADLINE;
    if ((g->state == STATE_PREPARING_REBALANCE || g->state == STATE_COMPLETING_REBALANCE) &&
        g->rebalance_deadline < *deadline)
        *deadline = g->rebalance_deadline;
    if (g->state == STATE_PREPARING_REBALANCE) {
        int64_t until;
        if ((rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT hold_until FROM group_initial_delay WHERE id = 0"), &until,
                                 &found)) != 0)
            return rc;
        if (found && until > 0 && until < *deadline)
            *deadline = until;
    }
    return 0;
}

/* ---- members ----------------------------------------------------------------- */

int32_t group_member_exists(uint32_t db, const kd_str *id, int *exists)
{
    int64_t one;
    return kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT 1 FROM group_members WHERE member_id = ?1", "s", id), &one,
                          exists);
}

/* Writes an assignment blob (u32 count, tp*) as stored for `id`. */
static int32_t out_assignment(uint32_t db, const kd_str *id)
{
    int32_t stmt = kd_sql_prepare_args(db, "SELECT assignment FROM group_members WHERE member_id = ?1", "s", id);
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
    int32_t stmt = kd_sql_prepare(db, "SELECT leader FROM group_state WHERE id = 0");
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
static int32_t encode_subscription(kd_le_reader *r, uint32_t n, uint8_t **blob, size_t *len, uint32_t db, bool *grown)
{
    *grown = false;
    size_t start = kd_out_size();
    if (!kd_out_u32(n))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        kd_str topic;
        int32_t partitions;
        if (!kd_le_str(r, &topic) || !kd_le_i32(r, &partitions) || partitions < 0 || partitions > MAX_TOPIC_PARTITIONS)
            return kd_fail(KD_ERR_INVALID_ARG, "subscription %u is malformed", (unsigned)i);
        int32_t rc = kd_check_topic_name(topic.p, topic.len);
        if (rc)
            return rc;
        if (!kd_out_str(topic.p, topic.len))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        int64_t known;
        int found;
        if ((rc = kd_sql_one_i64(
                 kd_sql_prepare_args(db, "SELECT partitions FROM group_topics WHERE topic = ?1", "s", &topic), &known,
                 &found)) != 0)
            return rc;
        /* Only growth counts: a member with older metadata must not undo another's
         * newer count, or the two would rebalance the group back and forth. */
        if (found && known >= partitions)
            continue;
        *grown |= found;
        if ((rc = kd_sql_exec(
                 kd_sql_prepare_args(db, "INSERT OR REPLACE INTO group_topics (topic, partitions) VALUES (?1, ?2)",
                                     "si", &topic, (int64_t)partitions))) != 0)
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
    uint32_t topics = 0;
    if (!kd_le_str(&r, &member) || !kd_le_str(&r, &client) || !kd_le_str(&r, &suffix) || !kd_le_i32(&r, &session) ||
        !kd_le_i32(&r, &rebalance) || r.len - r.pos < 2)
        return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
    uint8_t strategy = in[r.pos++], kind = in[r.pos++];
    if (strategy > KD_ASSIGN_STICKY || kind > KIND_KAFKA)
        return kd_fail(KD_ERR_INVALID_ARG, "strategy %d or member kind %d is unknown", strategy, kind);
    classic_join cj = {0};
    kd_str instance = {(const uint8_t *)"", 0};
    uint8_t flags = 0;
    int32_t initial_delay = 0;
    int32_t rc;
    if (kind == KIND_HTTP) {
        if (!kd_le_u32(&r, &topics) || topics > in_len / 6)
            return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
    } else {
        if (!kd_le_str(&r, &instance) || r.len - r.pos < 1)
            return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
        flags = in[r.pos++];
        if (!kd_le_i32(&r, &initial_delay) || initial_delay < 0 || flags > JOIN_MEMBER_ID_REQUIRED)
            return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
        if ((rc = classic_read_join(&r, &cj)) != 0)
            return rc;
    }
    if (session < MIN_SESSION_TIMEOUT_MS || session > MAX_SESSION_TIMEOUT_MS)
        return kd_fail(KD_INVALID_SESSION_TIMEOUT, "session timeout %d ms is outside %d to %d", (int)session,
                       MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS);
    /* Kafka checks only the session timeout: a rebalance timeout of 0 is taken (a
     * rebalance then waits for nobody who has not joined already). */
    if (rebalance < 0 || rebalance > MAX_SESSION_TIMEOUT_MS)
        return kd_fail(KD_INVALID_SESSION_TIMEOUT, "rebalance timeout %d ms is outside 0 to %d", (int)rebalance,
                       MAX_SESSION_TIMEOUT_MS);

    group_state g;
    if ((rc = group_load_state(db, &g)) != 0)
        return rc;
    if ((rc = kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_pending WHERE expires_ms <= ?1", "i", now_ms))) !=
        0)
        return rc;

    /* A new member's id: its client id and the host's random suffix, as Kafka's. */
    uint8_t new_id[600];
    kd_str id = member;
    int exists = 0;
    /* A static member's replacement: the member id it replaced (its later calls
     * are fenced), and the leader before it (what the join answers). */
    uint8_t replaced_buf[600], prior_buf[600];
    kd_str replaced = {replaced_buf, 0}, prior_leader = {prior_buf, 0};
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
        if (instance.len > 0) {
            /* A static member starting again (or a second one with its instance
             * id): the new member id takes the old one's place. */
            if ((rc = classic_replace_static(db, &instance, &id, &replaced, &prior_leader)) != 0)
                return rc;
            exists = replaced.len > 0;
        } else if (flags & JOIN_MEMBER_ID_REQUIRED) {
            /* KIP-394: the member is only told its id; it joins with it next. */
            if ((rc = kd_sql_exec(kd_sql_prepare_args(
                     db, "INSERT OR REPLACE INTO group_pending (member_id, expires_ms) VALUES (?1, ?2)", "si", &id,
                     now_ms + session))) != 0)
                return rc;
            return classic_out_member_id_required(db, &g, &id);
        }
    } else {
        if ((rc = classic_check_instance(db, &instance, &member)) != 0 ||
            (rc = group_member_exists(db, &member, &exists)) != 0)
            return rc;
        if (!exists) {
            int pending;
            int64_t one;
            if ((rc = kd_sql_one_i64(
                     kd_sql_prepare_args(db, "SELECT 1 FROM group_pending WHERE member_id = ?1", "s", &member), &one,
                     &pending)) != 0)
                return rc;
            if (!pending)
                return group_fail_unknown(db, &member);
            if ((rc = kd_sql_exec(
                     kd_sql_prepare_args(db, "DELETE FROM group_pending WHERE member_id = ?1", "s", &member))) != 0)
                return rc;
        }
    }
    int64_t members, waiting;
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    if (!exists && members >= MAX_GROUP_SIZE)
        return kd_fail(KD_GROUP_MAX_SIZE_REACHED, "the group has %d members, its most (Kafka's group.max.size)",
                       MAX_GROUP_SIZE);
    if ((rc = group_check_dialect(db, kind)) != 0)
        return rc;
    bool alone = members == 0 || (members == 1 && exists);
    if (kind == KIND_HTTP && !alone && strategy != g.strategy)
        return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "the group assigns with strategy %d, not %d", (int)g.strategy,
                       strategy);

    static const uint8_t no_owned[4] = {0, 0, 0, 0};
    bool changed = !exists;
    if (kind == KIND_KAFKA) {
        /* The member's own rows first; its subscription (shown decoded) is its
         * most preferred protocol's until the vote picks one. */
        const uint8_t *first = NULL;
        uint32_t first_len = 0;
        rc = classic_join_member(db, &id, exists, &cj, in, in_len, &changed, &first, &first_len);
        if (rc)
            return rc;
        kd_scratch_reset();
        bool consumer = cj.protocol_type.len == 8 && memcmp(cj.protocol_type.p, "consumer", 8) == 0;
        if (!(consumer && first ? consumer_out_subscription(first, first_len) : kd_out_u32(0)))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        if (exists)
            rc = kd_sql_exec(kd_sql_prepare_args(
                db,
                "UPDATE group_members SET client_id = ?1, session_timeout_ms = ?2, rebalance_timeout_ms = ?3,"
                " last_seen_ms = ?4, subscription = CASE WHEN ?5 THEN ?6 ELSE subscription END"
                " WHERE member_id = ?7",
                "siiiibs", &client, (int64_t)session, (int64_t)rebalance, now_ms, (int64_t)changed, kd_out_data(),
                (uint32_t)kd_out_size(), &id));
        else
            rc = kd_sql_exec(
                kd_sql_prepare_args(db,
                                    "INSERT INTO group_members (member_id, client_id, kind, session_timeout_ms,"
                                    " rebalance_timeout_ms, last_seen_ms, waiting, subscription, assignment)"
                                    " VALUES (?1, ?2, 1, ?3, ?4, ?5, 0, ?6, ?7)",
                                    "ssiiibb", &id, &client, (int64_t)session, (int64_t)rebalance, now_ms,
                                    kd_out_data(), (uint32_t)kd_out_size(), no_owned, (uint32_t)4));
        kd_scratch_reset();
    } else {
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
        if (exists) {
            int64_t same;
            int found;
            rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                    "SELECT subscription = ?1 FROM group_members WHERE member_id = ?2",
                                                    "bs", sub, (uint32_t)sub_len, &id),
                                &same, &found);
            changed = !rc && (!found || !same || grown);
            if (!rc)
                rc = kd_sql_exec(
                    kd_sql_prepare_args(db,
                                        "UPDATE group_members SET client_id = ?1, session_timeout_ms = ?2,"
                                        " rebalance_timeout_ms = ?3, last_seen_ms = ?4, subscription = ?5, kind = ?6"
                                        " WHERE member_id = ?7",
                                        "siiibis", &client, (int64_t)session, (int64_t)rebalance, now_ms, sub,
                                        (uint32_t)sub_len, (int64_t)kind, &id));
        } else {
            rc = kd_sql_exec(
                kd_sql_prepare_args(db,
                                    "INSERT INTO group_members (member_id, client_id, kind, session_timeout_ms,"
                                    " rebalance_timeout_ms, last_seen_ms, waiting, subscription, assignment)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                                    "ssiiiibb", &id, &client, (int64_t)kind, (int64_t)session, (int64_t)rebalance,
                                    now_ms, sub, (uint32_t)sub_len, no_owned, (uint32_t)4));
        }
        free(sub);
        if (alone && strategy != g.strategy) {
            changed = true; /* the group's only member chose another assignor */
            g.strategy = strategy;
        }
    }
    if (rc)
        return rc;
    static const kd_str consumer_type = {(const uint8_t *)"consumer", 8};
    rc = kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_classic SET dialect = ?1, protocol_type = ?2 WHERE id = 0",
                                         "is", (int64_t)kind, kind == KIND_KAFKA ? &cj.protocol_type : &consumer_type));
    int64_t is_leader = 0;
    int found;
    if (!rc && kind == KIND_KAFKA)
        rc = kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT leader = ?1 FROM group_state WHERE id = 0", "s", &id),
                            &is_leader, &found);
    if (rc)
        return rc;

    /* A static member replaced while Stable with its protocols unchanged keeps
     * the assignment without a rebalance (KIP-345); while CompletingRebalance the
     * leader may have assigned to the old id, so the group rebalances. */
    bool kept_static = replaced.len > 0 && g.state == STATE_STABLE && !changed;
    bool was_empty = g.state == STATE_EMPTY;
    if (g.state == STATE_PREPARING_REBALANCE) {
        rc =
            kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_members SET waiting = 1 WHERE member_id = ?1", "s", &id));
        /* A new member during the initial delay holds it once more. */
        if (!rc && !exists)
            rc = kd_sql_run(db, "UPDATE group_initial_delay SET grew = 1 WHERE id = 0 AND hold_until > 0");
    } else if (kept_static) {
        /* nothing to do: the member took the old one's place */
    } else if (changed || was_empty || replaced.len > 0 ||
               (kind == KIND_KAFKA && g.state == STATE_STABLE && is_leader)) {
        /* (Kafka's leader joining a Stable group again asks for a rebalance: it is
         * how a Java consumer's leader makes the group see new metadata.) */
        rc = start_rebalance(db, &g, &id, now_ms);
        /* group.initial.rebalance.delay.ms: an empty group's first rebalance waits
         * that long (Kafka-dialect groups; the host passes 0 for HTTP ones). */
        if (!rc && was_empty)
            rc = kd_sql_exec(kd_sql_prepare_args(
                db,
                "UPDATE group_initial_delay SET hold_until = ?1, delay_ms = ?2, give_up = ?3, grew = 0"
                " WHERE id = 0",
                "iii", initial_delay > 0 ? now_ms + initial_delay : 0, (int64_t)initial_delay,
                now_ms + (rebalance > initial_delay ? rebalance : initial_delay)));
    }
    /* else: a Stable member (or a Kafka member while CompletingRebalance) joining
     * again unchanged keeps its generation and assignment. */
    if (!rc)
        rc = try_complete(db, &g, now_ms);
    if (rc)
        return rc;

    int64_t still_waiting;
    if ((rc =
             kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT waiting FROM group_members WHERE member_id = ?1", "s", &id),
                            &still_waiting, &found)) != 0)
        return rc;
    if (kind == KIND_KAFKA &&
        (rc = kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT leader = ?1 FROM group_state WHERE id = 0", "s", &id),
                             &is_leader, &found)) != 0)
        return rc;
    int64_t deadline;
    if ((rc = group_next_deadline(db, &g, &deadline)) != 0)
        return rc;
    kd_scratch_reset();
    bool settled =
        kind == KIND_KAFKA ? g.state == STATE_STABLE || g.state == STATE_COMPLETING_REBALANCE : g.state == STATE_STABLE;
    bool complete = settled && found && !still_waiting;
    if (!kd_out_u8(complete) || !kd_out_str(id.p, id.len) || !kd_out_i32((int32_t)g.generation))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    /* A static replacement answered at once names the leader before it, as
     * Kafka's does: the new member then syncs as a follower and gets the
     * assignment it had, even when its old id led. */
    if (kept_static) {
        is_leader = false;
        if (!kd_out_str(prior_leader.p, prior_leader.len))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    } else if ((rc = out_leader(db)) != 0) {
        return rc;
    }
    if (!kd_out_u8((uint8_t)g.strategy))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (complete && kind == KIND_HTTP) {
        if ((rc = out_assignment(db, &id)) != 0)
            return rc;
    } else if (!kd_out_u32(0)) {
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    if (!kd_out_i64(deadline))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (kind == KIND_HTTP)
        return 0;
    if ((rc = classic_out_join(db, &g, complete && is_leader)) != 0)
        return rc;
    return kd_out_str(replaced.p, replaced.len) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_group_poll(uint32_t db, int64_t now_ms)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = group_load_state(db, &g);
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
        rc = group_next_deadline(db, &g, &deadline);
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
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    if (!kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(db, "SELECT member_id, waiting, assignment FROM group_members ORDER BY member_id");
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
    if (rc)
        return rc;
    /* What the host needs to answer a Kafka-dialect group's held calls. */
    if ((rc = group_out_protocol(db, &g)) != 0 || (rc = out_leader(db)) != 0)
        return rc;
    if (g.state == STATE_COMPLETING_REBALANCE)
        return classic_out_metadata(db);
    if (g.state == STATE_STABLE)
        return classic_out_assignments(db);
    return kd_out_u32(0) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* What heartbeat and leave start from: the group's state, and whether the named
 * member is in it. (An id longer than any stored one is cut, and simply unknown.) */
static int32_t load_member(uint32_t db, const uint8_t *member_id, uint32_t len, group_state *g, kd_str *member,
                           int *exists)
{
    int32_t rc = group_load_state(db, g);
    if (rc)
        return rc;
    member->p = member_id;
    member->len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
    return group_member_exists(db, member, exists);
}

/* Fencing shared by heartbeat and commit: the member must be in the group and
 * speak for its current generation. */
int32_t group_check_member(uint32_t db, const group_state *g, const kd_str *member, int32_t generation)
{
    int exists;
    int32_t rc = group_member_exists(db, member, &exists);
    if (rc)
        return rc;
    if (!exists)
        return group_fail_unknown(db, member);
    if (generation != g->generation)
        return kd_fail(KD_ILLEGAL_GENERATION, "generation %d is not the group's current generation %d", (int)generation,
                       (int)g->generation);
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
    if (!rebalancing && (rc = group_check_member(db, &g, &member, generation)) != 0)
        return rc;
    /* The member is alive either way; during a rebalance it must also join again.
     * That answer travels in the output, so the liveness is kept (the host rolls
     * back a call that fails). */
    if ((rc = kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_members SET last_seen_ms = ?1 WHERE member_id = ?2",
                                              "is", now_ms, &member))) != 0)
        return rc;
    int64_t deadline;
    if ((rc = group_next_deadline(db, &g, &deadline)) != 0)
        return rc;
    if (rebalancing)
        kd_fail(KD_REBALANCE_IN_PROGRESS, "the group is rebalancing: join again");
    return kd_out_i32(rebalancing ? KD_REBALANCE_IN_PROGRESS : 0) && kd_out_i64(deadline)
               ? 0
               : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* Removes a member and moves the group along; output: i64 next deadline, str the
 * member id that left. */
static int32_t leave_member(uint32_t db, group_state *gp, const kd_str *left, int64_t now_ms)
{
    group_state g = *gp;
    kd_str member = *left;
    int32_t rc;
    if ((rc = kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_members WHERE member_id = ?1", "s", &member))) !=
            0 ||
        (rc = classic_prune(db)) != 0)
        return rc;
    int64_t members, waiting;
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members == 0) {
        g.state = STATE_EMPTY;
        rc = group_save_state(db, &g);
    } else if (g.state == STATE_STABLE || g.state == STATE_COMPLETING_REBALANCE) {
        rc = start_rebalance(db, &g, NULL, now_ms);
    } else {
        rc = try_complete(db, &g, now_ms); /* the leaver may have been the last one awaited */
    }
    int64_t deadline;
    if (!rc)
        rc = group_next_deadline(db, &g, &deadline);
    if (rc)
        return rc;
    kd_scratch_reset();
    return kd_out_i64(deadline) && kd_out_str(member.p, member.len) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* Kafka's LeaveGroup (and Kafdo's leave): by member id, or (v3+) by static
 * instance id, where a member id that is not the instance's current one is
 * FENCED_INSTANCE_ID. */
int32_t kd_group_leave(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str member, instance;
    if (!kd_le_str(&r, &member) || !kd_le_str(&r, &instance) || r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "leave input is malformed");
    group_state g;
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    /* The member id leaving: the instance's when one is named. */
    uint8_t *static_id = NULL;
    uint32_t static_len = 0;
    if (instance.len > 0) {
        if ((rc = kd_sql_one_dup(
                 kd_sql_prepare_args(db, "SELECT member_id FROM group_static WHERE instance_id = ?1", "s", &instance),
                 &static_id, &static_len)) != 0)
            return rc;
        if (!static_id)
            return kd_fail(KD_UNKNOWN_MEMBER_ID, "no member has group.instance.id \"%.*s\"", (int)instance.len,
                           (const char *)instance.p);
        kd_str current = {static_id, (uint16_t)static_len};
        if (member.len > 0 && !kd_str_eq(member, current)) {
            free(static_id);
            return kd_fail(KD_FENCED_INSTANCE_ID, "group.instance.id \"%.*s\" belongs to another member id now",
                           (int)instance.len, (const char *)instance.p);
        }
        member = current;
    } else {
        int exists;
        if ((rc = group_member_exists(db, &member, &exists)) != 0)
            return rc;
        if (!exists)
            return group_fail_unknown(db, &member);
    }
    rc = leave_member(db, &g, &member, now_ms);
    free(static_id);
    return rc;
}

/* Whether a stored subscription (u32 n, str topic*) names `topic`. */
static bool subscribes(const uint8_t *blob, uint32_t len, kd_str topic)
{
    kd_le_reader r = {blob, len, 0};
    uint32_t n;
    if (!kd_le_u32(&r, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        kd_str t;
        if (!kd_le_str(&r, &t))
            return false;
        if (kd_str_eq(t, topic))
            return true;
    }
    return false;
}

/* A topic was deleted or given partitions. Kafka's classic coordinator leaves
 * noticing that to the clients' metadata refreshes (librdkafka's every
 * topic.metadata.refresh.interval.ms, 5 minutes by default), and a group can sit
 * on partitions that are gone until then; here a group subscribed to the topic
 * rebalances at once, so every member joins again with fresh metadata. Output:
 * u8 rebalanced, i64 next deadline. */
int32_t kd_group_topic_changed(uint32_t db, const uint8_t *name, uint32_t len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_str topic = {name, (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len)};
    group_state g;
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    /* The partition count the HTTP dialect's assignor knows is learned again. */
    if ((rc = kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_topics WHERE topic = ?1", "s", &topic))) != 0)
        return rc;
    bool affected = false;
    if (g.state == STATE_STABLE || g.state == STATE_COMPLETING_REBALANCE) {
        int32_t stmt = kd_sql_prepare(db, "SELECT subscription FROM group_members");
        if (stmt < 0)
            return stmt;
        while (!affected && (rc = kd_sql_step(stmt, "reading subscriptions")) == 1) {
            uint8_t *blob = NULL;
            uint32_t blob_len = 0;
            rc = kd_sql_column_dup(stmt, 0, &blob, &blob_len);
            affected = !rc && subscribes(blob, blob_len, topic);
            free(blob);
            if (rc)
                break;
        }
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
        if (affected && (rc = start_rebalance(db, &g, NULL, now_ms)) != 0)
            return rc;
    }
    int64_t deadline;
    if ((rc = group_next_deadline(db, &g, &deadline)) != 0)
        return rc;
    kd_scratch_reset();
    return kd_out_u8(affected) && kd_out_i64(deadline) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* A topic was deleted: as Kafka's coordinator does (onPartitionsDeleted), every group
 * forgets its committed offsets of the topic's partitions, so none is listed for a
 * partition that is gone and a topic created again under the name starts with none;
 * then the group rebalances as for kd_group_topic_changed. Same output. */
int32_t kd_group_topic_deleted(uint32_t db, const uint8_t *name, uint32_t len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_str topic = {name, (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len)};
    int32_t rc = kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_offsets WHERE topic = ?1", "s", &topic));
    if (!rc)
        rc = group_txn_forget_topic(db, &topic);
    return rc ? rc : kd_group_topic_changed(db, name, len, now_ms);
}

/* Whether the group exists, as Kafka's coordinator sees it: it has members, had a
 * generation, or holds committed offsets. One that does not (never joined nor
 * committed to, or deleted) is described Dead, and delete and OffsetDelete answer
 * GROUP_ID_NOT_FOUND. */
int32_t group_exists(uint32_t db, const group_state *g, int64_t members, bool *exists)
{
    int64_t offsets, pending;
    int found;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT count(*) FROM group_offsets"), &offsets, &found);
    if (!rc)
        rc = group_txn_count(db, &pending);
    if (rc)
        return rc;
    /* Pending transactional offsets too, as Kafka's GroupMetadata.hasOffsets. */
    *exists = members > 0 || g->generation > 0 || offsets > 0 || pending > 0;
    return 0;
}

int32_t kd_group_describe(uint32_t db)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting;
    bool exists;
    if ((rc = group_count_members(db, &members, &waiting)) != 0 || (rc = group_exists(db, &g, members, &exists)) != 0)
        return rc;
    if (!kd_out_u8(exists ? (uint8_t)g.state : STATE_DEAD) || !kd_out_i32((int32_t)g.generation) ||
        !kd_out_u8((uint8_t)g.strategy))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if ((rc = out_leader(db)) != 0)
        return rc;
    /* A Dead group has no protocol, as Kafka describes one. */
    if (!exists ? !(kd_out_str(NULL, 0) && kd_out_str(NULL, 0)) : (rc = group_out_protocol(db, &g)) != 0)
        return rc ? rc : kd_fail(KD_ERR_NOMEM, "out of memory");
    if (!kd_out_u32((uint32_t)members))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt =
        kd_sql_prepare(db, "SELECT m.member_id, m.client_id, m.kind, m.session_timeout_ms, m.rebalance_timeout_ms,"
                           " m.last_seen_ms, m.subscription, m.assignment, coalesce(c.client_host, ''),"
                           " coalesce((SELECT p.metadata FROM group_classic_protocols p WHERE p.member_id = m.member_id"
                           "  AND p.name = (SELECT protocol_name FROM group_classic WHERE id = 0)"
                           "  ORDER BY p.position LIMIT 1), x''),"
                           " coalesce(c.assignment, x''), coalesce(s.instance_id, '')"
                           " FROM group_members m LEFT JOIN group_classic_members c ON c.member_id = m.member_id"
                           " LEFT JOIN group_static s ON s.member_id = m.member_id"
                           " ORDER BY m.member_id");
    if (stmt < 0)
        return stmt;
    bool stable = g.state == STATE_STABLE;
    while ((rc = kd_sql_step(stmt, "describing members")) == 1) {
        uint8_t *id = NULL, *client = NULL, *sub = NULL, *assignment = NULL, *host = NULL, *meta = NULL, *raw = NULL,
                *instance = NULL;
        uint32_t id_len, client_len, sub_len, assignment_len, host_len, meta_len, raw_len, instance_len;
        int64_t kind = kd_host_column_int64(stmt, 2);
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 1, &client, &client_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 6, &sub, &sub_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 7, &assignment, &assignment_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 8, &host, &host_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 9, &meta, &meta_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 10, &raw, &raw_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 11, &instance, &instance_len);
        if (!rc &&
            !(kd_out_str(id, id_len) && kd_out_str(client, client_len) && kd_out_u8((uint8_t)kind) &&
              kd_out_i32((int32_t)kd_host_column_int64(stmt, 3)) &&
              kd_out_i32((int32_t)kd_host_column_int64(stmt, 4)) && kd_out_i64(kd_host_column_int64(stmt, 5)) &&
              kd_out_append(sub, sub_len) && kd_out_append(assignment, assignment_len) && kd_out_str(host, host_len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        /* The raw bytes DescribeGroups sends: only while Stable, as Kafka's. */
        if (!rc && !(!stable              ? kd_out_u32(0) && kd_out_u32(0)
                     : kind == KIND_KAFKA ? group_out_blob(meta, meta_len) && group_out_blob(raw, raw_len)
                                          : consumer_out_v0_subscription(sub, sub_len) &&
                                                consumer_out_v0_assignment(assignment, assignment_len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        if (!rc && !kd_out_str(instance, instance_len))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(instance);
        free(id);
        free(client);
        free(sub);
        free(assignment);
        free(host);
        free(meta);
        free(raw);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    return group_out_all_offsets(db);
}

int32_t kd_group_delete(uint32_t db)
{
    kd_scratch_reset();
    group_state g;
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting;
    bool exists;
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    if (members > 0)
        return kd_fail(KD_NON_EMPTY_GROUP, "the group has %lld live members", (long long)members);
    if ((rc = group_exists(db, &g, members, &exists)) != 0)
        return rc;
    if (!exists)
        return kd_fail(KD_GROUP_ID_NOT_FOUND, "the group does not exist");
    if ((rc = kd_sql_run(db, "DELETE FROM group_offsets")) != 0 || (rc = group_txn_forget_all(db)) != 0 ||
        (rc = kd_sql_run(db, "DELETE FROM group_topics")) != 0)
        return rc;
    if ((rc = kd_sql_run(db, "DELETE FROM group_pending")) != 0 ||
        (rc = kd_sql_run(db, "UPDATE group_initial_delay SET hold_until = 0, grew = 0 WHERE id = 0")) != 0)
        return rc;
    g = (group_state){STATE_EMPTY, 0, 0, 0};
    if ((rc = group_save_state(db, &g)) != 0 || (rc = classic_prune(db)) != 0 ||
        (rc = kd_sql_run(
             db, "UPDATE group_classic SET dialect = 0, protocol_type = '', protocol_name = '' WHERE id = 0")) != 0)
        return rc;
    return kd_sql_run(db, "UPDATE group_state SET leader = '' WHERE id = 0");
}
