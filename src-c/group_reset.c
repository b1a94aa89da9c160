/*
 * group_reset.c — resetting a consumer group's committed offsets, as Kafka's
 * kafka-consumer-groups --reset-offsets does: only while the group has no members,
 * each partition's new offset resolved from a spec (earliest, latest, a time, an
 * offset, a shift from the committed offset) and clamped to the partition's log,
 * [log start offset, high watermark]. All partitions or none: every input is
 * checked, and the group found empty, before any row is written; a dry run writes
 * nothing and answers what a reset would commit.
 *
 * The host gathers, per partition, what only the partition knows — its log start
 * offset, its high watermark and, for a reset to a time, the first offset at or
 * after that time (ListOffsets' answer, -1 when no record is that late) — and the
 * group's own storage (the same db as group.c) holds the committed offsets a shift
 * starts from. Kafka's ConsumerGroupCommand rules:
 *
 *   earliest      the log start offset
 *   latest        the high watermark
 *   timestamp     the first offset at or after the time; the high watermark when
 *                 no record is that late
 *   offset n      n
 *   shiftBy n     the committed offset + n; a partition with nothing committed
 *                 cannot be shifted (INVALID_REQUEST naming it). A committed -2
 *                 or -1 (Kafka's "earliest" / "latest" markers, group.c takes
 *                 them) shifts from the log start offset or the high watermark.
 *
 * then clamped to [log start, high watermark] (a shift or an offset past either
 * end lands on it, as Kafka's checkOffsetRange does).
 *
 * Byte formats (little-endian; str = u16 length + bytes):
 *   input:  u8 flags (1: dry run), u8 spec (0 earliest, 1 latest, 2 timestamp,
 *           3 offset, 4 shiftBy), i64 value (the time, offset or shift; 0 for
 *           earliest and latest), u32 n, (str topic, i32 partition,
 *           i64 log_start_offset, i64 high_watermark, i64 offset_for_time)*
 *   output: u32 n, (str topic, i32 partition, i64 offset)* — in input order
 *
 * Errors: NON_EMPTY_GROUP while the group has members; INVALID_REQUEST for a
 * spec Kafka would refuse (a negative offset or time, a partition listed twice,
 * a shift with nothing committed, no partitions); INVALID_TOPIC_EXCEPTION for a
 * topic name that cannot be one; KD_ERR_INVALID_ARG for input that breaks the
 * format (an unknown spec, log bounds that are not 0 <= start <= high watermark).
 */
#include <stdint.h>

#include "group_internal.h"

#define RESET_DRY_RUN 1

enum {
    SPEC_EARLIEST,
    SPEC_LATEST,
    SPEC_TIMESTAMP,
    SPEC_OFFSET,
    SPEC_SHIFT,
    SPEC_COUNT
};

/* The most partitions one reset names (a topic has at most this many in Kafdo). */
#define MAX_RESET_PARTITIONS 10000

typedef struct {
    kd_str topic;
    int32_t partition;
    int64_t log_start, high_watermark, time_offset;
} reset_row;

static bool read_row(kd_le_reader *r, reset_row *row)
{
    return kd_le_str(r, &row->topic) && kd_le_i32(r, &row->partition) && kd_le_i64(r, &row->log_start) &&
           kd_le_i64(r, &row->high_watermark) && kd_le_i64(r, &row->time_offset);
}

/* a + b, saturating at int64's ends (a shift may be any int64). */
static int64_t add_saturating(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

/* The committed offset of one partition; *found 0 when nothing is committed. */
static int32_t committed_offset(uint32_t db, const reset_row *row, int64_t *offset, int *found)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT committed_offset FROM group_offsets WHERE topic = ?1 AND partition = ?2");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_text(stmt, 1, row->topic.p, row->topic.len);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, row->partition);
    if (rc) {
        kd_host_finalize(stmt);
        return rc;
    }
    return kd_sql_one_i64(stmt, offset, found);
}

/* The spec's offset for one partition, before clamping. */
static int32_t resolve(uint32_t db, uint8_t spec, int64_t value, const reset_row *row, int64_t *offset)
{
    switch (spec) {
    case SPEC_EARLIEST: *offset = row->log_start; return 0;
    case SPEC_LATEST: *offset = row->high_watermark; return 0;
    case SPEC_TIMESTAMP: *offset = row->time_offset >= 0 ? row->time_offset : row->high_watermark; return 0;
    case SPEC_OFFSET: *offset = value; return 0;
    default: { /* SPEC_SHIFT */
        int64_t base;
        int found;
        int32_t rc = committed_offset(db, row, &base, &found);
        if (rc)
            return rc;
        if (!found)
            return kd_fail(KD_INVALID_REQUEST, "cannot shift %.*s-%d: the group has no committed offset there",
                           (int)row->topic.len, (const char *)row->topic.p, (int)row->partition);
        if (base == -2)
            base = row->log_start;
        else if (base < 0)
            base = row->high_watermark;
        *offset = add_saturating(base, value);
        return 0;
    }
    }
}

/* Checks every row before anything is resolved or written. */
static int32_t check_rows(kd_le_reader *r, uint32_t n, uint8_t spec)
{
    size_t start = r->pos;
    for (uint32_t i = 0; i < n; i++) {
        reset_row row;
        if (!read_row(r, &row))
            return kd_fail(KD_ERR_INVALID_ARG, "partition %u of the reset is malformed", (unsigned)i);
        int32_t rc = kd_check_topic_name(row.topic.p, row.topic.len);
        if (rc)
            return rc;
        if (row.partition < 0)
            return kd_fail(KD_INVALID_REQUEST, "partition %d: a partition is >= 0", (int)row.partition);
        if (row.log_start < 0 || row.high_watermark < row.log_start)
            return kd_fail(KD_ERR_INVALID_ARG, "partition %d: log start %lld and high watermark %lld are not a log",
                           (int)row.partition, (long long)row.log_start, (long long)row.high_watermark);
        if (spec == SPEC_TIMESTAMP && row.time_offset < -1)
            return kd_fail(KD_ERR_INVALID_ARG, "partition %d: offset for the time is %lld", (int)row.partition,
                           (long long)row.time_offset);
        /* Listed twice: which of the two would win is not the caller's to guess. */
        kd_le_reader again = {r->p, r->len, start};
        for (uint32_t j = 0; j < i; j++) {
            reset_row earlier;
            read_row(&again, &earlier);
            if (earlier.partition == row.partition && kd_str_eq(earlier.topic, row.topic))
                return kd_fail(KD_INVALID_REQUEST, "partition %.*s-%d is listed twice", (int)row.topic.len,
                               (const char *)row.topic.p, (int)row.partition);
        }
    }
    if (r->pos != r->len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the partitions");
    r->pos = start;
    return 0;
}

int32_t kd_group_reset_offsets(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    const uint8_t *head;
    int64_t value;
    uint32_t n;
    if (!kd_le_bytes(&r, 2, &head) || !kd_le_i64(&r, &value) || !kd_le_u32(&r, &n))
        return kd_fail(KD_ERR_INVALID_ARG, "reset input is malformed");
    uint8_t flags = head[0], spec = head[1];
    if (spec >= SPEC_COUNT || (flags & ~RESET_DRY_RUN))
        return kd_fail(KD_ERR_INVALID_ARG, "reset spec %u, flags %u: unknown", (unsigned)spec, (unsigned)flags);
    if ((spec == SPEC_OFFSET || spec == SPEC_TIMESTAMP) && value < 0)
        return kd_fail(KD_INVALID_REQUEST, "a reset to %s %lld: it is >= 0", spec == SPEC_OFFSET ? "offset" : "time",
                       (long long)value);
    if ((spec == SPEC_EARLIEST || spec == SPEC_LATEST) && value != 0)
        return kd_fail(KD_ERR_INVALID_ARG, "earliest and latest take no value");
    if (n == 0)
        return kd_fail(KD_INVALID_REQUEST, "a reset names at least one partition");
    if (n > MAX_RESET_PARTITIONS || n > in_len / 30)
        return kd_fail(KD_ERR_INVALID_ARG, "a reset of %u partitions is malformed", (unsigned)n);
    int32_t rc = check_rows(&r, n, spec);
    if (rc)
        return rc;

    /* Kafka resets offsets only while no consumer could commit over them. */
    int64_t members;
    int found;
    if ((rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT count(*) FROM group_members"), &members, &found)) != 0)
        return rc;
    if (members > 0)
        return kd_fail(KD_NON_EMPTY_GROUP,
                       "the group has %lld live members; offsets are reset only in an empty group (stop its consumers)",
                       (long long)members);

    if (!kd_out_u32(n))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        reset_row row;
        read_row(&r, &row);
        int64_t offset = 0; /* set by resolve() whenever it returns 0 */
        if ((rc = resolve(db, spec, value, &row, &offset)) != 0)
            return rc;
        if (offset < row.log_start)
            offset = row.log_start;
        if (offset > row.high_watermark)
            offset = row.high_watermark;
        if (!(kd_out_str(row.topic.p, row.topic.len) && kd_out_i32(row.partition) && kd_out_i64(offset)))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    if (flags & RESET_DRY_RUN)
        return 0;

    /* Every offset resolved: now commit them (the output holds them in order). */
    kd_le_reader out = {kd_out_data(), kd_out_size(), 4};
    for (uint32_t i = 0; i < n && !rc; i++) {
        kd_str topic = {0};
        int32_t partition = 0;
        int64_t offset = 0;
        kd_le_str(&out, &topic);
        kd_le_i32(&out, &partition);
        kd_le_i64(&out, &offset);
        int32_t stmt = kd_sql_prepare(db, "INSERT OR REPLACE INTO group_offsets (topic, partition, committed_offset,"
                                          " metadata, commit_timestamp) VALUES (?1, ?2, ?3, '', ?4)");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_text(stmt, 1, topic.p, topic.len);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 2, partition);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 3, offset);
        if (!rc)
            rc = kd_sql_bind_i64(stmt, 4, now_ms);
        if (!rc)
            rc = kd_sql_step(stmt, "committing a reset offset");
        kd_host_finalize(stmt);
        rc = rc < 0 ? rc : 0;
        /* A reset is a commit written after any pending transactional offset. */
        if (!rc)
            rc = group_txn_supersede(db, &topic, partition);
    }
    return rc;
}
