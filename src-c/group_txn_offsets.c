/*
 * group_txn_offsets.c — a consumer group's transactional offset commits
 * (TxnOffsetCommit, API 28). Offsets a transactional producer commits are held
 * pending, per producer id, until its transaction ends; the transaction
 * coordinator then completes them (kd_group_txn_complete): on commit they become
 * the group's committed offsets, on abort they are dropped. Until then neither
 * OffsetFetch nor the group's committed offsets show them, and OffsetFetch with
 * requireStable (v7+) answers UNSTABLE_OFFSET_COMMIT for their partitions
 * (kd_group_txn_unstable).
 *
 * Kafka's rules (GroupCoordinator.handleTxnCommitOffsets, GroupMetadata):
 * - Fencing: a commit naming a member (generation >= 0, a member id or a
 *   group.instance.id) must come from a current member — by instance id when one
 *   is given (FENCED_INSTANCE_ID when the instance has another member id now,
 *   UNKNOWN_MEMBER_ID when no member has it), else by member id
 *   (UNKNOWN_MEMBER_ID) — of the group's generation (ILLEGAL_GENERATION). One
 *   naming none (v0-2 carry no member; or generation -1 and no member id) is taken
 *   whatever the group's state. Unlike OffsetCommit, CompletingRebalance does not
 *   refuse it.
 * - Producer epochs: Kafka appends the commit and the transaction's marker to
 *   __consumer_offsets as the producer's batches, and that log refuses an epoch
 *   older than the last it saw of the producer id (INVALID_PRODUCER_EPOCH). The
 *   group keeps each producer id's latest epoch (group_txn_producers) for the same
 *   refusal, so that a zombie's late commit is not committed by the transaction of
 *   the producer that fenced it.
 * - Order: Kafka orders offset commits by where their records lie in
 *   __consumer_offsets; a pending offset, when its transaction commits, replaces
 *   the committed one only if its own record was written after it
 *   (completePendingTxnOffsetCommit). So a plain OffsetCommit (or a reset) of a
 *   partition made after a TxnOffsetCommit of it wins over it, whenever the
 *   transaction commits: it marks the pending offsets superseded
 *   (group_txn_supersede). Likewise one producer's pending offset, committed,
 *   supersedes the other producers' offsets of the partition written before it
 *   (`position` orders pending rows as they were written).
 * - What forgets committed offsets forgets pending ones (GroupMetadata.removeOffsets):
 *   OffsetDelete, a deleted topic, a deleted group. A group with pending offsets
 *   exists (hasOffsets), as one with committed offsets does.
 *
 * Byte formats (little-endian; str = u16 length + bytes; tp = str topic, i32
 * partition):
 *   txn commit input: i64 producer_id, i16 producer_epoch, str member_id,
 *                i32 generation, str group_instance_id ("" for none), u32 n,
 *                (str topic, i32 partition, i64 offset, str metadata)*
 *   unstable input: u32 n (0xffffffff: every committed partition), tp*
 *   unstable output: u32 n, tp* — those of the partitions asked that have pending
 *                transactional offsets, in the order asked
 */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

/* How long a producer id's epoch is remembered once nothing of it is pending:
 * Kafka's transactional.id.expiration.ms default (7 days). */
#define PRODUCER_MEMORY_MS (7LL * 24 * 60 * 60 * 1000)

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS group_txn_offsets ("
    " producer_id INTEGER NOT NULL,"
    " topic TEXT NOT NULL,"
    " partition INTEGER NOT NULL,"
    " committed_offset INTEGER NOT NULL,"
    " metadata TEXT NOT NULL,"
    " commit_timestamp INTEGER NOT NULL,"
    " position INTEGER NOT NULL,"
    " superseded INTEGER NOT NULL,"
    " PRIMARY KEY (producer_id, topic, partition))",
    "CREATE INDEX IF NOT EXISTS group_txn_offsets_partition ON group_txn_offsets (topic, partition)",
    "CREATE TABLE IF NOT EXISTS group_txn_producers ("
    " producer_id INTEGER PRIMARY KEY,"
    " producer_epoch INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL)",
};

int32_t group_txn_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

int32_t group_txn_supersede(uint32_t db, const kd_str *topic, int32_t partition)
{
    return kd_sql_exec(
        kd_sql_prepare_args(db, "UPDATE group_txn_offsets SET superseded = 1 WHERE topic = ?1 AND partition = ?2", "si",
                            topic, (int64_t)partition));
}

int32_t group_txn_forget_partition(uint32_t db, const kd_str *topic, int32_t partition)
{
    return kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_txn_offsets WHERE topic = ?1 AND partition = ?2",
                                           "si", topic, (int64_t)partition));
}

int32_t group_txn_forget_topic(uint32_t db, const kd_str *topic)
{
    return kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_txn_offsets WHERE topic = ?1", "s", topic));
}

int32_t group_txn_forget_all(uint32_t db)
{
    return kd_sql_run(db, "DELETE FROM group_txn_offsets");
}

int32_t group_txn_count(uint32_t db, int64_t *pending)
{
    int found;
    return kd_sql_one_i64(kd_sql_prepare(db, "SELECT count(*) FROM group_txn_offsets"), pending, &found);
}

/* INVALID_PRODUCER_EPOCH when `epoch` is older than the last the group saw of the
 * producer id; else remembers it as the latest. Producer ids with nothing pending,
 * unseen for PRODUCER_MEMORY_MS, are forgotten. */
static int32_t check_producer(uint32_t db, int64_t producer_id, int16_t epoch, int64_t now_ms)
{
    if (producer_id < 0 || epoch < 0)
        return kd_fail(KD_INVALID_REQUEST, "producer id %lld epoch %d: a transactional producer's are >= 0",
                       (long long)producer_id, (int)epoch);
    int64_t latest;
    int found;
    int32_t rc =
        kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT producer_epoch FROM group_txn_producers WHERE producer_id = ?1",
                                           "i", producer_id),
                       &latest, &found);
    if (rc)
        return rc;
    if (found && epoch < latest)
        return kd_fail(KD_INVALID_PRODUCER_EPOCH, "producer %lld's epoch %d is older than its epoch %lld",
                       (long long)producer_id, (int)epoch, (long long)latest);
    rc = kd_sql_exec(kd_sql_prepare_args(
        db, "INSERT OR REPLACE INTO group_txn_producers (producer_id, producer_epoch, updated_ms) VALUES (?1, ?2, ?3)",
        "iii", producer_id, (int64_t)epoch, now_ms));
    if (rc)
        return rc;
    return kd_sql_exec(kd_sql_prepare_args(db,
                                           "DELETE FROM group_txn_producers WHERE updated_ms < ?1 AND producer_id"
                                           " NOT IN (SELECT producer_id FROM group_txn_offsets)",
                                           "i", now_ms - PRODUCER_MEMORY_MS));
}

/* Kafka's validateOffsetCommit for a transactional commit (see the top). */
static int32_t check_committer(uint32_t db, const kd_str *member, int32_t generation, const kd_str *instance)
{
    if (generation < 0 && member->len == 0 && instance->len == 0)
        return 0;
    group_state g;
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    int exists;
    if (instance->len > 0) {
        int64_t same;
        rc = kd_sql_one_i64(kd_sql_prepare_args(db, "SELECT member_id = ?2 FROM group_static WHERE instance_id = ?1",
                                                "ss", instance, member),
                            &same, &exists);
        if (rc)
            return rc;
        if (!exists)
            return kd_fail(KD_UNKNOWN_MEMBER_ID, "no member has group.instance.id \"%.*s\"", (int)instance->len,
                           (const char *)instance->p);
        if (!same)
            return kd_fail(KD_FENCED_INSTANCE_ID, "group.instance.id \"%.*s\" belongs to another member id now",
                           (int)instance->len, (const char *)instance->p);
    } else {
        if ((rc = group_member_exists(db, member, &exists)) != 0)
            return rc;
        if (!exists)
            return kd_fail(KD_UNKNOWN_MEMBER_ID, "member \"%.*s\" is not in the group", (int)member->len,
                           (const char *)member->p);
    }
    if (generation != g.generation)
        return kd_fail(KD_ILLEGAL_GENERATION, "generation %d is not the group's current generation %d", (int)generation,
                       (int)g.generation);
    return 0;
}

int32_t kd_group_txn_commit(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    int64_t producer_id;
    int16_t epoch;
    kd_str member, instance;
    int32_t generation;
    uint32_t n;
    if (!kd_le_i64(&r, &producer_id) || !kd_le_i16(&r, &epoch) || !kd_le_str(&r, &member) ||
        !kd_le_i32(&r, &generation) || !kd_le_str(&r, &instance) || !kd_le_u32(&r, &n) || n > in_len / 16)
        return kd_fail(KD_ERR_INVALID_ARG, "txn commit input is malformed");
    /* Everything checked before anything is written. */
    size_t start = r.pos;
    int32_t rc = group_check_offsets(&r, n);
    if (rc)
        return rc;
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the offsets");
    if ((rc = check_committer(db, &member, generation, &instance)) != 0 ||
        (rc = check_producer(db, producer_id, epoch, now_ms)) != 0)
        return rc;
    r.pos = start;
    for (uint32_t i = 0; i < n && !rc; i++) {
        group_offset o;
        group_read_offset(&r, &o);
        /* A later commit of the partition by the same producer replaces its pending
         * one and is written after everything pending now. */
        rc = kd_sql_exec(kd_sql_prepare_args(
            db,
            "INSERT OR REPLACE INTO group_txn_offsets (producer_id, topic, partition, committed_offset, metadata,"
            " commit_timestamp, position, superseded)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT coalesce(max(position), 0) + 1 FROM group_txn_offsets), 0)",
            "isiisi", producer_id, &o.topic, (int64_t)o.partition, o.offset, &o.metadata, now_ms));
    }
    return rc;
}

int32_t kd_group_txn_complete(uint32_t db, int64_t producer_id, int32_t producer_epoch, int32_t commit, int64_t now_ms)
{
    kd_scratch_reset();
    if (producer_epoch > INT16_MAX)
        return kd_fail(KD_INVALID_REQUEST, "producer epoch %d is beyond int16", (int)producer_epoch);
    int32_t rc = check_producer(db, producer_id, (int16_t)producer_epoch, now_ms);
    if (rc || !commit)
        return rc ? rc : group_txn_forget_producer(db, producer_id);
    /* Other producers' pending offsets of these partitions written before this
     * producer's are older than the offsets committed now. */
    rc = kd_sql_exec(kd_sql_prepare_args(db,
                                         "UPDATE group_txn_offsets SET superseded = 1 WHERE producer_id != ?1 AND"
                                         " EXISTS (SELECT 1 FROM group_txn_offsets m WHERE m.producer_id = ?1"
                                         " AND m.superseded = 0 AND m.topic = group_txn_offsets.topic"
                                         " AND m.partition = group_txn_offsets.partition"
                                         " AND m.position > group_txn_offsets.position)",
                                         "i", producer_id));
    if (!rc)
        rc = kd_sql_exec(kd_sql_prepare_args(
            db,
            "INSERT OR REPLACE INTO group_offsets (topic, partition, committed_offset, metadata, commit_timestamp)"
            " SELECT topic, partition, committed_offset, metadata, commit_timestamp FROM group_txn_offsets"
            " WHERE producer_id = ?1 AND superseded = 0",
            "i", producer_id));
    return rc ? rc : group_txn_forget_producer(db, producer_id);
}

int32_t group_txn_forget_producer(uint32_t db, int64_t producer_id)
{
    return kd_sql_exec(
        kd_sql_prepare_args(db, "DELETE FROM group_txn_offsets WHERE producer_id = ?1", "i", producer_id));
}

/* Adds tp to the output when it has a pending offset; *count counts them. */
static int32_t out_if_pending(uint32_t db, const kd_str *topic, int32_t partition, uint32_t *count)
{
    int64_t one;
    int found;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                    "SELECT 1 FROM group_txn_offsets WHERE topic = ?1 AND"
                                                    " partition = ?2 LIMIT 1",
                                                    "si", topic, (int64_t)partition),
                                &one, &found);
    if (rc || !found)
        return rc;
    if (!kd_out_str(topic->p, topic->len) || !kd_out_i32(partition))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    (*count)++;
    return 0;
}

int32_t kd_group_txn_unstable(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    uint32_t n, count = 0;
    if (!kd_le_u32(&r, &n) || (n != UINT32_MAX && n > in_len / 6))
        return kd_fail(KD_ERR_INVALID_ARG, "unstable input is malformed");
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = 0;
    if (n == UINT32_MAX) {
        if (r.pos != r.len)
            return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the count");
        /* As Kafka asked for all: the committed partitions (a partition with only a
         * pending offset is not listed). */
        int32_t stmt = kd_sql_prepare(db, "SELECT DISTINCT o.topic, o.partition FROM group_offsets o"
                                          " JOIN group_txn_offsets t ON t.topic = o.topic AND t.partition = o.partition"
                                          " ORDER BY o.topic, o.partition");
        if (stmt < 0)
            return stmt;
        while ((rc = kd_sql_step(stmt, "listing unstable offsets")) == 1) {
            uint8_t *topic = NULL;
            uint32_t len;
            if ((rc = kd_sql_column_dup(stmt, 0, &topic, &len)) != 0)
                break;
            bool ok = kd_out_str(topic, len) && kd_out_i32((int32_t)kd_host_column_int64(stmt, 1));
            free(topic);
            if (!ok) {
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
                break;
            }
            count++;
        }
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
        rc = 0;
    } else {
        for (uint32_t i = 0; i < n && !rc; i++) {
            kd_str topic;
            int32_t partition;
            if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition))
                return kd_fail(KD_ERR_INVALID_ARG, "partition %u is malformed", (unsigned)i);
            rc = out_if_pending(db, &topic, partition, &count);
        }
        if (!rc && r.pos != r.len)
            rc = kd_fail(KD_ERR_INVALID_ARG, "bytes follow the partitions");
    }
    if (!rc)
        kd_out_patch_u32(0, count);
    return rc;
}
