/*
 * group_classic.c — Kafka's classic group protocol (member kind 1, the Kafka wire
 * handlers' dialect) over the state machine in group.c: admission by protocol type
 * and shared protocols, Kafka's vote for the group's protocol at the end of a
 * rebalance, CompletingRebalance and the leader's SyncGroup, KIP-394's member ids
 * and KIP-345's static members. The rules are written out at the top of group.c.
 */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

static const char *const STRATEGY_NAMES[] = {"range", "roundrobin", "sticky"};

/* The dialect of the group's members (the last to join an empty group sets it). */
int32_t group_dialect(uint32_t db, int64_t *dialect)
{
    int found;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT dialect FROM group_classic WHERE id = 0"), dialect, &found);
    if (!rc && !found)
        *dialect = KIND_HTTP;
    return rc;
}

/* Drops the Kafka-dialect rows of members no longer in the group. */
int32_t classic_prune(uint32_t db)
{
    static const char *const PRUNE[] = {
        "DELETE FROM group_classic_members WHERE member_id NOT IN (SELECT member_id FROM group_members)",
        "DELETE FROM group_classic_protocols WHERE member_id NOT IN (SELECT member_id FROM group_members)",
        /* A static member gone (left, expired): its instance id is free, and calls
         * from the member id it replaced are then merely unknown, as in Kafka. */
        "DELETE FROM group_static WHERE member_id NOT IN (SELECT member_id FROM group_members)",
        "DELETE FROM group_fenced WHERE instance_id NOT IN (SELECT instance_id FROM group_static)",
    };
    return kd_sql_run_all(db, PRUNE, sizeof PRUNE / sizeof PRUNE[0]);
}

/* The failure for a member id the group does not have: FENCED_INSTANCE_ID when a
 * newer member with its group.instance.id replaced it, else UNKNOWN_MEMBER_ID. */
int32_t group_fail_unknown(uint32_t db, const kd_str *member)
{
    int64_t one;
    int fenced;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT 1 FROM group_fenced WHERE member_id = ?1", "s", member),
                                &one, &fenced);
    if (rc)
        return rc;
    if (fenced)
        return kd_fail(KD_FENCED_INSTANCE_ID,
                       "member \"%.*s\" was replaced by a newer member with the same group.instance.id",
                       (int)member->len, (const char *)member->p);
    return kd_fail(KD_UNKNOWN_MEMBER_ID, "member \"%.*s\" is not in the group (it left or expired)", (int)member->len,
                   (const char *)member->p);
}

/* str protocol_type, str protocol_name: the stored ones for a Kafka-dialect group;
 * for an HTTP group "consumer" (once it had a member) and its strategy's name. */
int32_t group_out_protocol(uint32_t db, const group_state *g)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT dialect, protocol_type, protocol_name FROM group_classic WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the group's protocol");
    uint8_t *type = NULL, *name = NULL;
    uint32_t type_len = 0, name_len = 0;
    int64_t dialect = KIND_HTTP;
    if (rc == 1) {
        dialect = kd_host_column_int64(stmt, 0);
        rc = kd_sql_column_dup(stmt, 1, &type, &type_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 2, &name, &name_len);
    }
    kd_host_finalize(stmt);
    bool ok = true;
    if (rc >= 0) {
        ok = kd_out_str(type ? type : (const uint8_t *)"", type_len);
        if (dialect == KIND_HTTP) {
            const char *s = STRATEGY_NAMES[g->strategy >= 0 && g->strategy <= KD_ASSIGN_STICKY ? g->strategy : 0];
            ok = ok && kd_out_str((const uint8_t *)s, strlen(s));
        } else {
            ok = ok && kd_out_str(name ? name : (const uint8_t *)"", name_len);
        }
    }
    free(type);
    free(name);
    if (rc < 0)
        return rc;
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* Writes u32 k, then (str member_id, u32 len, bytes)* from the rows of `stmt`
 * (columns: member id, blob), and finalizes it. */
static int32_t out_member_blobs(int32_t stmt, const char *what)
{
    if (stmt < 0)
        return stmt;
    size_t count_at = kd_out_size();
    uint32_t count = 0;
    int32_t rc = kd_out_u32(0) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
    while (!rc && (rc = kd_sql_step(stmt, what)) == 1) {
        uint8_t *id = NULL, *bytes = NULL;
        uint32_t id_len, len;
        rc = kd_sql_column_dup(stmt, 0, &id, &id_len);
        if (!rc)
            rc = kd_sql_column_dup(stmt, 1, &bytes, &len);
        if (!rc && !(kd_out_str(id, id_len) && group_out_blob(bytes, len)))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        free(id);
        free(bytes);
        count += rc == 0;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    kd_out_patch_u32(count_at, count);
    return 0;
}

/* Every member's metadata for the group's selected protocol (its most preferred
 * entry of that name), in the order the members joined — what the leader's
 * JoinGroup answer lists. */
int32_t classic_out_metadata(uint32_t db)
{
    return out_member_blobs(kd_sql_prepare(db,
                                           "SELECT m.member_id, p.metadata FROM group_classic_members m"
                                           " JOIN group_classic_protocols p ON p.member_id = m.member_id"
                                           " WHERE p.position = (SELECT min(q.position) FROM group_classic_protocols q"
                                           "  WHERE q.member_id = m.member_id"
                                           "  AND q.name = (SELECT protocol_name FROM group_classic WHERE id = 0))"
                                           " ORDER BY m.rowid"),
                            "reading members' metadata");
}

/* The leader's assignment of every Kafka member, in the order they joined — what
 * held SyncGroups answer. */
int32_t classic_out_assignments(uint32_t db)
{
    return out_member_blobs(
        kd_sql_prepare(db, "SELECT member_id, assignment FROM group_classic_members ORDER BY rowid"),
        "reading assignments");
}

/* Completes a Kafka-dialect rebalance: Kafka's vote picks the protocol (of those
 * every member supports, each member votes its most preferred; most votes wins,
 * a tie going to the first name), the leader stays if it is still a member (else
 * the earliest to join leads), the generation moves on and the group waits in
 * CompletingRebalance for the leader's SyncGroup — until the rebalance timeout,
 * after which members that have not synced are removed (expire). Assignments are
 * the leader's to give: until it does, every member has none. */
int32_t classic_complete(uint32_t db, group_state *g, int64_t now_ms)
{
    uint8_t *name = NULL;
    uint32_t name_len;
    int32_t rc = kd_sql_one_dup(
        kd_sql_prepare(db,
                       "WITH c AS (SELECT name FROM group_classic_protocols GROUP BY name"
                       "  HAVING count(DISTINCT member_id) = (SELECT count(*) FROM group_members)),"
                       " v AS (SELECT (SELECT p.name FROM group_classic_protocols p JOIN c ON c.name = p.name"
                       "  WHERE p.member_id = m.member_id ORDER BY p.position LIMIT 1) AS name FROM group_members m)"
                       " SELECT name FROM v WHERE name IS NOT NULL GROUP BY name ORDER BY count(*) DESC, name"
                       " LIMIT 1"),
        &name, &name_len);
    kd_str selected = {name ? name : (const uint8_t *)"", (uint16_t)(name_len > UINT16_MAX ? UINT16_MAX : name_len)};
    if (!rc)
        rc = kd_sql_exec(
            kd_sql_prepare_args(db, "UPDATE group_classic SET protocol_name = ?1 WHERE id = 0", "s", &selected));
    free(name);
    if (!rc)
        rc = kd_sql_run(db,
                        "UPDATE group_state SET leader = coalesce((SELECT member_id FROM group_classic_members"
                        " ORDER BY member_id = (SELECT leader FROM group_state WHERE id = 0) DESC, rowid LIMIT 1), '')"
                        " WHERE id = 0");
    if (!rc)
        rc = kd_sql_run(db, "UPDATE group_classic_members SET synced = 0, assignment = x''");
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(
            db, "UPDATE group_members SET waiting = 0, last_seen_ms = ?1, assignment = x'00000000'", "i", now_ms));
    if (rc)
        return rc;

    /* The subscriptions shown are the selected protocol's, when it is Kafka's
     * consumer protocol. The list is read whole before anything is written. */
    int64_t consumer;
    int found;
    if ((rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT protocol_type = 'consumer' FROM group_classic WHERE id = 0"),
                             &consumer, &found)) != 0)
        return rc;
    if (consumer) {
        kd_scratch_reset();
        if ((rc = classic_out_metadata(db)) != 0)
            return rc;
        size_t list_len = kd_out_size();
        uint8_t *list = malloc(list_len);
        if (!list)
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        memcpy(list, kd_out_data(), list_len);
        kd_le_reader r = {list, list_len, 0};
        uint32_t k = 0;
        kd_le_u32(&r, &k);
        for (uint32_t i = 0; i < k && !rc; i++) {
            kd_str id;
            uint32_t len;
            const uint8_t *meta;
            kd_le_str(&r, &id);
            kd_le_u32(&r, &len);
            kd_le_bytes(&r, len, &meta);
            kd_scratch_reset();
            if (!consumer_out_subscription(meta, len))
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
            else
                rc = kd_sql_exec(kd_sql_prepare_args(db,
                                                     "UPDATE group_members SET subscription = ?1 WHERE member_id = ?2",
                                                     "bs", kd_out_data(), (uint32_t)kd_out_size(), &id));
        }
        free(list);
        kd_scratch_reset();
        if (rc)
            return rc;
    }
    int64_t longest;
    if ((rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT max(rebalance_timeout_ms) FROM group_members"), &longest,
                             &found)) != 0)
        return rc;
    g->generation++;
    g->state = STATE_COMPLETING_REBALANCE;
    g->rebalance_deadline = now_ms + longest;
    return group_save_state(db, g);
}

/* What a kind-1 join carries after its header. */

/* Reads and checks the protocols; leaves `r` at the first. */
int32_t classic_read_join(kd_le_reader *r, classic_join *cj)
{
    if (!kd_le_str(r, &cj->client_host) || !kd_le_str(r, &cj->protocol_type) || !kd_le_u32(r, &cj->n))
        return kd_fail(KD_ERR_INVALID_ARG, "join input is malformed");
    if (cj->n > MAX_PROTOCOLS)
        return kd_fail(KD_INVALID_REQUEST, "%u protocols; at most %d", (unsigned)cj->n, MAX_PROTOCOLS);
    cj->at = r->pos;
    size_t total = 0;
    for (uint32_t i = 0; i < cj->n; i++) {
        kd_str name;
        uint32_t len;
        const uint8_t *meta;
        if (!kd_le_str(r, &name) || !kd_le_u32(r, &len) || !kd_le_bytes(r, len, &meta))
            return kd_fail(KD_ERR_INVALID_ARG, "protocol %u is malformed", (unsigned)i);
        total += len;
    }
    if (r->pos != r->len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the protocols");
    if (total > MAX_CLASSIC_BYTES)
        return kd_fail(KD_INVALID_REQUEST, "the protocols' metadata is %zu bytes; at most %d", total,
                       MAX_CLASSIC_BYTES);
    if (cj->protocol_type.len == 0 || cj->n == 0)
        return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "a join names its protocol type and at least one protocol");
    r->pos = cj->at;
    return 0;
}

static void next_protocol(kd_le_reader *r, kd_str *name, const uint8_t **meta, uint32_t *len)
{
    kd_le_str(r, name);
    kd_le_u32(r, len);
    kd_le_bytes(r, *len, meta);
}

/* A member's kind must be the group's: the dialects cannot share a generation. */
int32_t group_check_dialect(uint32_t db, uint8_t kind)
{
    int64_t others;
    int found;
    int32_t rc = kd_sql_one_i64(
        kd_sql_prepare_args(db, "SELECT count(*) FROM group_members WHERE kind != ?1", "i", (int64_t)kind), &others,
        &found);
    if (rc)
        return rc;
    if (others > 0)
        return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "the group's members use %s protocol; this member uses %s",
                       kind == KIND_KAFKA ? "Kafdo's" : "Kafka's", kind == KIND_KAFKA ? "Kafka's" : "Kafdo's");
    return 0;
}

/* Kafka's admission rule for a kind-1 join, and its writes: the protocol type must
 * be the other members', and one of the member's protocols must be supported by
 * every other member (else INCONSISTENT_GROUP_PROTOCOL). A member's own previous
 * protocols do not count against it. *changed says whether the protocols differ
 * from what the member joined with before. */
int32_t classic_join_member(uint32_t db, const kd_str *id, int exists, const classic_join *cj, const uint8_t *in,
                            size_t in_len, bool *changed, const uint8_t **first, uint32_t *first_len)
{
    int64_t others, v;
    int found;
    int32_t rc = kd_sql_one_i64(
        kd_sql_prepare_args(db, "SELECT count(*) FROM group_members WHERE member_id != ?1", "s", id), &others, &found);
    if (rc)
        return rc;
    kd_le_reader r = {in, in_len, cj->at};
    if (others > 0) {
        if ((rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                     "SELECT count(*) FROM group_classic_members WHERE member_id != ?1"
                                                     " AND protocol_type != ?2",
                                                     "ss", id, &cj->protocol_type),
                                 &v, &found)) != 0)
            return rc;
        if (v > 0)
            return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "the group's protocol type is not \"%.*s\"",
                           (int)cj->protocol_type.len, (const char *)cj->protocol_type.p);
        bool shared = false;
        for (uint32_t i = 0; i < cj->n && !shared; i++) {
            kd_str name;
            const uint8_t *meta;
            uint32_t len;
            next_protocol(&r, &name, &meta, &len);
            if ((rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                         "SELECT count(DISTINCT member_id) FROM group_classic_protocols"
                                                         " WHERE member_id != ?1 AND name = ?2",
                                                         "ss", id, &name),
                                     &v, &found)) != 0)
                return rc;
            shared = v == others;
        }
        if (!shared)
            return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL,
                           "no protocol of the member is supported by every other member");
    }

    *changed = !exists;
    if (exists) {
        int64_t same = 0, count = 0;
        rc = kd_sql_one_i64(
            kd_sql_prepare_args(db, "SELECT protocol_type = ?2 FROM group_classic_members WHERE member_id = ?1", "ss",
                                id, &cj->protocol_type),
            &same, &found);
        if (!rc)
            rc = kd_sql_one_i64(
                kd_sql_prepare_args(db, "SELECT count(*) FROM group_classic_protocols WHERE member_id = ?1", "s", id),
                &count, &found);
        *changed = !same || count != cj->n;
        r.pos = cj->at;
        for (uint32_t i = 0; i < cj->n && !rc && !*changed; i++) {
            kd_str name;
            const uint8_t *meta;
            uint32_t len;
            next_protocol(&r, &name, &meta, &len);
            rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                    "SELECT name = ?2 AND metadata = ?3 FROM group_classic_protocols"
                                                    " WHERE member_id = ?1 AND position = ?4",
                                                    "ssbi", id, &name, meta, len, (int64_t)i),
                                &same, &found);
            *changed = !found || !same;
        }
        if (rc)
            return rc;
    }
    if (*changed) {
        if ((rc = kd_sql_exec(
                 kd_sql_prepare_args(db, "DELETE FROM group_classic_protocols WHERE member_id = ?1", "s", id))) != 0)
            return rc;
        r.pos = cj->at;
        for (uint32_t i = 0; i < cj->n && !rc; i++) {
            kd_str name;
            const uint8_t *meta;
            uint32_t len;
            next_protocol(&r, &name, &meta, &len);
            if (i == 0) {
                *first = meta;
                *first_len = len;
            }
            rc = kd_sql_exec(
                kd_sql_prepare_args(db,
                                    "INSERT INTO group_classic_protocols (member_id, position, name, metadata)"
                                    " VALUES (?1, ?2, ?3, ?4)",
                                    "sisb", id, (int64_t)i, &name, meta, len));
        }
    }
    static const uint8_t none[1] = {0};
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(
            db,
            "INSERT OR IGNORE INTO group_classic_members (member_id, client_host, protocol_type, assignment,"
            " synced) VALUES (?1, '', '', ?2, 0)",
            "sb", id, none, (uint32_t)0));
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(
            db, "UPDATE group_classic_members SET client_host = ?2, protocol_type = ?3 WHERE member_id = ?1", "sss", id,
            &cj->client_host, &cj->protocol_type));
    return rc;
}

/* Copies a TEXT column's first row into `to` (capacity 600, as member ids are);
 * to->len 0 when there is no row. */
static int32_t one_id(int32_t stmt, kd_str *to, uint8_t *buf)
{
    uint8_t *text = NULL;
    uint32_t len = 0;
    int32_t rc = kd_sql_one_dup(stmt, &text, &len);
    to->p = buf;
    to->len = 0;
    if (!rc && text && len <= 600) {
        memcpy(buf, text, len);
        to->len = (uint16_t)len;
    }
    free(text);
    return rc;
}

/* KIP-345: a join with a group.instance.id and no member id. When the instance
 * has a member, the new id takes its place in every table (its protocols, its
 * assignment, its leadership), and the old id is remembered as fenced;
 * *replaced is then the old id and *prior_leader the group's leader before.
 * Otherwise *replaced is empty and the instance is recorded for the new id. */
int32_t classic_replace_static(uint32_t db, const kd_str *instance, const kd_str *id, kd_str *replaced,
                               kd_str *prior_leader)
{
    int32_t rc =
        one_id(kd_sql_prepare_args(db, "SELECT member_id FROM group_static WHERE instance_id = ?1", "s", instance),
               replaced, (uint8_t *)replaced->p);
    if (!rc)
        rc = one_id(kd_sql_prepare(db, "SELECT leader FROM group_state WHERE id = 0"), prior_leader,
                    (uint8_t *)prior_leader->p);
    if (rc)
        return rc;
    if (replaced->len == 0)
        return kd_sql_exec(kd_sql_prepare_args(
            db, "INSERT OR REPLACE INTO group_static (instance_id, member_id) VALUES (?1, ?2)", "ss", instance, id));
    static const char *const RENAME[] = {
        "UPDATE group_members SET member_id = ?2 WHERE member_id = ?1",
        "UPDATE group_classic_members SET member_id = ?2 WHERE member_id = ?1",
        "UPDATE group_classic_protocols SET member_id = ?2 WHERE member_id = ?1",
        "UPDATE group_state SET leader = ?2 WHERE leader = ?1",
        "UPDATE group_static SET member_id = ?2 WHERE member_id = ?1",
    };
    for (size_t i = 0; i < sizeof RENAME / sizeof RENAME[0] && !rc; i++)
        rc = kd_sql_exec(kd_sql_prepare_args(db, RENAME[i], "ss", replaced, id));
    if (!rc)
        rc = kd_sql_exec(
            kd_sql_prepare_args(db, "INSERT OR REPLACE INTO group_fenced (instance_id, member_id) VALUES (?1, ?2)",
                                "ss", instance, replaced));
    return rc;
}

/* A known member joining again with a group.instance.id that now belongs to
 * another member id is FENCED_INSTANCE_ID. */
int32_t classic_check_instance(uint32_t db, const kd_str *instance, const kd_str *member)
{
    if (instance->len == 0)
        return 0;
    int64_t same;
    int found;
    int32_t rc =
        kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT member_id = ?2 FROM group_static WHERE instance_id = ?1", "ss",
                                           instance, member),
                       &same, &found);
    if (rc)
        return rc;
    if (found && !same)
        return kd_fail(KD_FENCED_INSTANCE_ID, "group.instance.id \"%.*s\" belongs to another member id now",
                       (int)instance->len, (const char *)instance->p);
    return 0;
}

/* The join output of MEMBER_ID_REQUIRED (status 2): the id to join with, and
 * nothing of a generation. */
int32_t classic_out_member_id_required(uint32_t db, const group_state *g, const kd_str *id)
{
    kd_scratch_reset();
    if (!(kd_out_u8(JOIN_STATUS_MEMBER_ID_REQUIRED) && kd_out_str(id->p, id->len) && kd_out_i32(-1) &&
          kd_out_str(NULL, 0) && kd_out_u8(0) && kd_out_u32(0)))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int64_t deadline;
    int32_t rc = group_next_deadline(db, g, &deadline);
    if (rc)
        return rc;
    if (!(kd_out_i64(deadline) && kd_out_str(NULL, 0) && kd_out_str(NULL, 0) && kd_out_u32(0) && kd_out_str(NULL, 0)))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    return 0;
}

/* After a kind-1 join's output header: str protocol_type, str protocol_name, and
 * for the leader of a completed join every member's metadata. */
int32_t classic_out_join(uint32_t db, const group_state *g, bool leads)
{
    int32_t rc = group_out_protocol(db, g);
    if (rc)
        return rc;
    if (leads)
        return classic_out_metadata(db);
    return kd_out_u32(0) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* Kafka's SyncGroup. The member must be in the group (UNKNOWN_MEMBER_ID), of this
 * generation (ILLEGAL_GENERATION) and of the group's protocol when it names one
 * (INCONSISTENT_GROUP_PROTOCOL); a group rebalancing again answers
 * REBALANCE_IN_PROGRESS. While CompletingRebalance the leader's sync stores every
 * member's assignment (none for a member it leaves out; entries for others are
 * ignored, a repeated one counts last) and makes the group Stable; a follower's
 * is held by the host until then. Stable answers at once. */
int32_t kd_group_sync(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str member, type, name;
    int32_t generation;
    uint32_t n;
    if (!kd_le_str(&r, &member) || !kd_le_i32(&r, &generation) || !kd_le_str(&r, &type) || !kd_le_str(&r, &name) ||
        !kd_le_u32(&r, &n) || n > in_len / 6)
        return kd_fail(KD_ERR_INVALID_ARG, "sync input is malformed");
    size_t start = r.pos;
    for (uint32_t i = 0; i < n; i++) {
        kd_str id;
        uint32_t len;
        const uint8_t *bytes;
        if (!kd_le_str(&r, &id) || !kd_le_u32(&r, &len) || !kd_le_bytes(&r, len, &bytes))
            return kd_fail(KD_ERR_INVALID_ARG, "assignment %u is malformed", (unsigned)i);
        if (len > MAX_CLASSIC_BYTES)
            return kd_fail(KD_INVALID_REQUEST, "an assignment of %u bytes; at most %d", (unsigned)len,
                           MAX_CLASSIC_BYTES);
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the assignments");

    group_state g;
    int exists;
    int32_t rc = group_load_state(db, &g);
    if (!rc)
        rc = group_member_exists(db, &member, &exists);
    if (rc)
        return rc;
    if (!exists)
        return group_fail_unknown(db, &member);
    if (generation != g.generation)
        return kd_fail(KD_ILLEGAL_GENERATION, "generation %d is not the group's current generation %d", (int)generation,
                       (int)g.generation);
    int64_t ok, is_leader, consumer;
    int found;
    if ((rc = kd_sql_one_i64(
             kd_sql_prepare_args(db,
                                 "SELECT (?1 = '' OR protocol_type = ?1) AND (?2 = '' OR protocol_name = ?2)"
                                 " AND dialect = 1 FROM group_classic WHERE id = 0",
                                 "ss", &type, &name),
             &ok, &found)) != 0)
        return rc;
    if (!ok)
        return kd_fail(KD_INCONSISTENT_GROUP_PROTOCOL, "the sync's protocol is not the group's");
    if (g.state == STATE_PREPARING_REBALANCE)
        return kd_fail(KD_REBALANCE_IN_PROGRESS, "the group is rebalancing: join again");
    if ((rc = kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_members SET last_seen_ms = ?1 WHERE member_id = ?2",
                                              "is", now_ms, &member))) != 0 ||
        (rc = kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT leader = ?1 FROM group_state WHERE id = 0", "s", &member),
                             &is_leader, &found)) != 0 ||
        (rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT protocol_type = 'consumer' FROM group_classic WHERE id = 0"),
                             &consumer, &found)) != 0)
        return rc;
    if (g.state == STATE_COMPLETING_REBALANCE) {
        rc = kd_sql_exec(
            kd_sql_prepare_args(db, "UPDATE group_classic_members SET synced = 1 WHERE member_id = ?1", "s", &member));
        r.pos = start;
        for (uint32_t i = 0; i < n && is_leader && !rc; i++) {
            kd_str id;
            uint32_t len;
            const uint8_t *bytes;
            kd_le_str(&r, &id);
            kd_le_u32(&r, &len);
            kd_le_bytes(&r, len, &bytes);
            rc = kd_sql_exec(kd_sql_prepare_args(
                db, "UPDATE group_classic_members SET assignment = ?1 WHERE member_id = ?2", "bs", bytes, len, &id));
            /* The partitions shown are decoded from Kafka's consumer protocol. */
            kd_scratch_reset();
            if (!rc && !(consumer ? consumer_out_assignment(bytes, len) : kd_out_u32(0)))
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
            if (!rc)
                rc =
                    kd_sql_exec(kd_sql_prepare_args(db, "UPDATE group_members SET assignment = ?1 WHERE member_id = ?2",
                                                    "bs", kd_out_data(), (uint32_t)kd_out_size(), &id));
        }
        if (!rc && is_leader) {
            g.state = STATE_STABLE;
            g.rebalance_deadline = 0;
            rc = group_save_state(db, &g);
        }
        if (rc)
            return rc;
    }
    int64_t deadline;
    if ((rc = group_next_deadline(db, &g, &deadline)) != 0)
        return rc;
    kd_scratch_reset();
    bool complete = g.state == STATE_STABLE;
    if (!kd_out_u8(complete))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if ((rc = group_out_protocol(db, &g)) != 0)
        return rc;
    uint8_t *bytes = NULL;
    uint32_t len = 0;
    if (complete &&
        (rc = kd_sql_one_dup(
             kd_sql_prepare_args(db, "SELECT assignment FROM group_classic_members WHERE member_id = ?1", "s", &member),
             &bytes, &len)) != 0)
        return rc;
    bool written = group_out_blob(bytes, len) && kd_out_i64(deadline);
    free(bytes);
    return written ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/*
 * The held calls (kafdo.h: kd_group_held_join, kd_group_held_sync). A JoinGroup is
 * answered once the rebalance it is part of has completed (CompletingRebalance or
 * Stable) and its member no longer waits; the leader's answer, while the group
 * waits for its SyncGroup, lists every member's metadata. A SyncGroup held while
 * CompletingRebalance is answered with its member's assignment once the leader's
 * makes the group Stable in the generation it was sent for, and
 * REBALANCE_IN_PROGRESS once the group has left that generation instead.
 */
int32_t kd_group_held_join(int32_t state, int32_t waiting, int32_t leads)
{
    kd_scratch_reset();
    if ((state != STATE_COMPLETING_REBALANCE && state != STATE_STABLE) || waiting)
        return KD_HELD_WAIT;
    return leads && state == STATE_COMPLETING_REBALANCE ? KD_HELD_ANSWER_LEADER : KD_HELD_ANSWER;
}

int32_t kd_group_held_sync(int32_t state, int32_t generation, int32_t held_generation)
{
    kd_scratch_reset();
    if (held_generation == generation && state == STATE_COMPLETING_REBALANCE)
        return KD_HELD_WAIT;
    if (held_generation == generation && state == STATE_STABLE)
        return KD_HELD_ANSWER;
    return KD_REBALANCE_IN_PROGRESS;
}
