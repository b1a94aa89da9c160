/*
 * group_offsets.c — a consumer group's committed offsets: OffsetCommit (fenced by
 * member and generation, as group.c's rules say), OffsetFetch, and OffsetDelete
 * (refused for a topic a live member subscribes to). Stored in group_offsets.
 */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

/* ---- OffsetCommit and OffsetFetch ---- */

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
    int32_t rc = group_load_state(db, &g);
    if (rc)
        return rc;
    int64_t members, waiting;
    if ((rc = group_count_members(db, &members, &waiting)) != 0)
        return rc;
    /* Kafka's rule: a commit outside group management (no member id, generation
     * -1) is for a group with no members; anything else is fenced. */
    if (!(member.len == 0 && generation < 0 && members == 0)) {
        if ((rc = group_check_member(db, &g, &member, generation)) != 0)
            return rc;
        if (g.state == STATE_COMPLETING_REBALANCE)
            return kd_fail(KD_REBALANCE_IN_PROGRESS, "the group is completing a rebalance");
    }
    /* Validate everything before writing anything. */
    size_t start = r.pos;
    if ((rc = group_check_offsets(&r, n)) != 0)
        return rc;
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the offsets");
    r.pos = start;
    for (uint32_t i = 0; i < n && !rc; i++) {
        group_offset o;
        group_read_offset(&r, &o);
        rc = kd_sql_exec(
            kd_sql_prepare_args(db,
                                "INSERT OR REPLACE INTO group_offsets (topic, partition, committed_offset, metadata,"
                                " commit_timestamp) VALUES (?1, ?2, ?3, ?4, ?5)",
                                "siisi", &o.topic, (int64_t)o.partition, o.offset, &o.metadata, now_ms));
        /* Written after any transaction's pending offset of the partition: it wins. */
        if (!rc)
            rc = group_txn_supersede(db, &o.topic, o.partition);
    }
    return rc;
}

bool group_read_offset(kd_le_reader *r, group_offset *o)
{
    return kd_le_str(r, &o->topic) && kd_le_i32(r, &o->partition) && kd_le_i64(r, &o->offset) &&
           kd_le_str(r, &o->metadata);
}

int32_t group_check_offsets(kd_le_reader *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        group_offset o;
        int32_t rc;
        if (!group_read_offset(r, &o))
            return kd_fail(KD_ERR_INVALID_ARG, "offset %u is malformed", (unsigned)i);
        if ((rc = kd_check_topic_name(o.topic.p, o.topic.len)) != 0)
            return rc;
        /* -1 and -2 are Kafka's "latest" and "earliest": clients commit them (kafkajs's
         * resetOffsets does) to have the group start there, resolved by ListOffsets
         * when a consumer next starts. Other negative offsets mean nothing. */
        if (o.partition < 0 || o.offset < -2)
            return kd_fail(KD_INVALID_REQUEST, "partition %d offset %lld: a partition is >= 0, an offset >= -2",
                           (int)o.partition, (long long)o.offset);
        if (o.metadata.len > MAX_METADATA_BYTES)
            return kd_fail(KD_OFFSET_METADATA_TOO_LARGE, "offset metadata is %u bytes; at most %d",
                           (unsigned)o.metadata.len, MAX_METADATA_BYTES);
    }
    return 0;
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

int32_t group_out_all_offsets(uint32_t db)
{
    size_t count_at = kd_out_size();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt =
        kd_sql_prepare(db, "SELECT topic, partition, committed_offset, metadata, commit_timestamp FROM group_offsets"
                           " ORDER BY topic, partition");
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
        return r.pos == r.len ? group_out_all_offsets(db) : kd_fail(KD_ERR_INVALID_ARG, "bytes follow the count");
    if (n > in_len / 6 || !kd_out_u32(n))
        return kd_fail(KD_ERR_INVALID_ARG, "offsets input is malformed");
    int32_t rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        kd_str topic;
        int32_t partition;
        if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition))
            return kd_fail(KD_ERR_INVALID_ARG, "partition %u is malformed", (unsigned)i);
        int32_t stmt = kd_sql_prepare_args(
            db,
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

/* ---- OffsetDelete ---- */

typedef struct {
    kd_str topic;
    int32_t partition;
    int16_t error;
} offset_deletion;

/* Marks the deletions of topics in one member's stored subscription (u32 n, str topic*). */
static int32_t mark_subscribed(const uint8_t *sub, size_t len, offset_deletion *d, uint32_t n)
{
    kd_le_reader r = {sub, len, 0};
    uint32_t topics;
    if (!kd_le_u32(&r, &topics))
        return kd_fail(KD_ERR_STORAGE, "a member's stored subscription is malformed");
    for (uint32_t t = 0; t < topics; t++) {
        kd_str topic;
        if (!kd_le_str(&r, &topic))
            return kd_fail(KD_ERR_STORAGE, "a member's stored subscription is malformed");
        for (uint32_t i = 0; i < n; i++)
            if (kd_str_eq(d[i].topic, topic))
                d[i].error = KD_GROUP_SUBSCRIBED_TO_TOPIC;
    }
    return 0;
}

/* Marks the deletions of every topic a live member subscribes to. */
static int32_t mark_all_subscribed(uint32_t db, offset_deletion *d, uint32_t n)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT subscription FROM group_members");
    if (stmt < 0)
        return stmt;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "reading the subscriptions")) == 1) {
        uint8_t *sub;
        uint32_t len;
        if ((rc = kd_sql_column_dup(stmt, 0, &sub, &len)) != 0)
            break;
        rc = mark_subscribed(sub, len, d, n);
        free(sub);
        if (rc)
            break;
    }
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_group_delete_offsets(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    uint32_t n;
    if (!kd_le_u32(&r, &n) || n > in_len / 6)
        return kd_fail(KD_ERR_INVALID_ARG, "offset deletion input is malformed");
    group_state g;
    int64_t members, waiting, dialect;
    int found;
    bool exists;
    int32_t rc = group_load_state(db, &g);
    if (!rc)
        rc = group_count_members(db, &members, &waiting);
    if (!rc)
        rc = group_exists(db, &g, members, &exists);
    if (!rc)
        rc = group_dialect(db, &dialect);
    if (rc)
        return rc;
    if (!exists)
        return kd_fail(KD_GROUP_ID_NOT_FOUND, "the group does not exist");
    if (members > 0 && dialect == KIND_KAFKA) {
        int64_t consumer;
        rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT protocol_type = 'consumer' FROM group_classic WHERE id = 0"),
                            &consumer, &found);
        if (rc)
            return rc;
        if (!found || !consumer)
            return kd_fail(KD_NON_EMPTY_GROUP, "the group has live members whose subscriptions are not a consumer's");
    }
    offset_deletion *d = calloc(n ? n : 1, sizeof *d);
    if (!d)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++)
        if (!kd_le_str(&r, &d[i].topic) || !kd_le_i32(&r, &d[i].partition))
            rc = kd_fail(KD_ERR_INVALID_ARG, "partition %u is malformed", (unsigned)i);
    if (!rc && r.pos != r.len)
        rc = kd_fail(KD_ERR_INVALID_ARG, "bytes follow the partitions");
    if (!rc && members > 0)
        rc = mark_all_subscribed(db, d, n);
    for (uint32_t i = 0; i < n && !rc; i++)
        if (d[i].error == 0 &&
            !(rc = kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM group_offsets WHERE topic = ?1 AND partition = ?2",
                                                   "si", &d[i].topic, (int64_t)d[i].partition))))
            rc = group_txn_forget_partition(db, &d[i].topic, d[i].partition);
    if (!rc && !kd_out_u32(n))
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++)
        if (!kd_out_i16(d[i].error))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    free(d);
    return rc;
}
