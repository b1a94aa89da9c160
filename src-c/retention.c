/*
 * retention.c — how a partition's log shrinks: retention by time and by size
 * (Kafka's cleanup.policy=delete) and DeleteRecords.
 *
 * Kafka deletes whole segments, oldest first, never leaving a hole; Kafdo's unit is
 * the stored batch (one row), so it deletes whole batches the same way: from the log's
 * start, while the oldest batch is deletable, stopping at the first that is not.
 * A batch is deletable when
 *   - it lies wholly below the log start offset (DeleteRecords raised it), or
 *   - time retention is on and its newest timestamp is older than now - retention.ms, or
 *   - size retention is on and the partition without it still holds at least
 *     retention.bytes (Kafka's rule: the log never shrinks below retention.bytes).
 * Deleting raises the log start offset to the first offset kept (or the high
 * watermark, when nothing is kept), so reads below it are OFFSET_OUT_OF_RANGE.
 *
 * The work is done in bounded steps (kd_log_retention deletes at most max_rows
 * batches a call), each its own transaction in the host, so a large deletion never
 * holds the partition for long: the host calls again while `more` says so, and
 * otherwise at the deadline the step names (when the oldest kept batch expires), or
 * when the partition has grown past the size the step names.
 *
 * The topic's configs reach the log through kd_log_configure with each append's
 * topic metadata (or when they change), and are stored with the log, so a step needs
 * no caller to know them. The partition's size is kept incrementally (the bytes of
 * the rows counted so far, and the offset from which rows are not yet counted), so a
 * step reads only the rows appended since the last one, never the whole log.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kafka.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS log_retention ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " config TEXT NOT NULL,"
    " size_bytes INTEGER NOT NULL,"
    " size_through INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO log_retention (id, config, size_bytes, size_through) VALUES (0, '{}', 0, 0)",
};

int32_t kd_retention_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

int32_t kd_log_configure(uint32_t db, const uint8_t *config, uint32_t len)
{
    kd_scratch_reset();
    kd_log_config c;
    int32_t rc = kd_log_config_parse(config, len, &c);
    if (rc)
        return rc;
    /* Written only when changed: every append brings the configs, and most bring the same. */
    int32_t stmt = kd_sql_prepare(db, "SELECT config FROM log_retention WHERE id = 0");
    if (stmt < 0)
        return stmt;
    rc = kd_sql_step(stmt, "reading the topic's configs");
    bool same = false;
    if (rc == 1) {
        int32_t n = kd_host_column_bytes(stmt, 0);
        uint8_t *stored = n >= 0 && (uint32_t)n == len ? malloc(len + 1) : NULL;
        same = stored && kd_host_column_copy(stmt, 0, stored, len) == n && memcmp(stored, config, len) == 0;
        free(stored);
        rc = 0;
    }
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;
    if (!same) {
        stmt = kd_sql_prepare(db, "UPDATE log_retention SET config = ?1 WHERE id = 0");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_text(stmt, 1, config, len);
        if (!rc)
            rc = kd_sql_step(stmt, "storing the topic's configs");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
    }
    return kd_out_i32(!same) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* The partition's size as last counted, and the offset from which rows are not yet counted. */
static int32_t load_size(uint32_t db, int64_t *size, int64_t *through)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT size_bytes, size_through FROM log_retention WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the log's size");
    if (rc == 1) {
        *size = kd_host_column_int64(stmt, 0);
        *through = kd_host_column_int64(stmt, 1);
        rc = 0;
    } else if (rc == 0) {
        rc = kd_fail(KD_ERR_STORAGE, "the log's retention row is missing: was kd_log_open called?");
    }
    kd_host_finalize(stmt);
    return rc;
}

/* Counts the rows appended since the last step into *size. */
static int32_t count_new_rows(uint32_t db, int64_t *size, int64_t *through)
{
    int32_t stmt = kd_sql_prepare(
        db, "SELECT coalesce(sum(size_bytes), 0), max(last_offset) FROM log_batches WHERE base_offset >= ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, *through);
    if (!rc && (rc = kd_sql_step(stmt, "measuring the log")) == 1) {
        *size += kd_host_column_int64(stmt, 0);
        if (kd_host_column_type(stmt, 1) != KD_COL_NULL)
            *through = kd_host_column_int64(stmt, 1) + 1;
        rc = 0;
    }
    kd_host_finalize(stmt);
    return rc;
}

static int32_t store_size(uint32_t db, int64_t size, int64_t through)
{
    int32_t stmt = kd_sql_prepare(db, "UPDATE log_retention SET size_bytes = ?1, size_through = ?2 WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, size);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, through);
    if (!rc)
        rc = kd_sql_step(stmt, "storing the log's size");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_log_delete_records(uint32_t db, int64_t offset)
{
    kd_scratch_reset();
    int64_t start, hw;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (rc)
        return rc;
    if (offset == -1) /* Kafka's DeleteRecords: -1 is the high watermark */
        offset = hw;
    if (offset < 0 || offset > hw)
        return kd_fail(KD_OFFSET_OUT_OF_RANGE, "offset %lld is outside the log [%lld, %lld]", (long long)offset,
                       (long long)start, (long long)hw);
    if (offset > start && (rc = kd_log_set_start(db, offset, hw)))
        return rc;
    return kd_out_i64(offset > start ? offset : start) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

bool kd_retention_deletable(const kd_log_config *c, int64_t now_ms, int64_t start, int64_t last, int64_t max_time,
                            int64_t size, int64_t bytes)
{
    /* Time retention: a batch newer than now - retention.ms is kept (no overflow:
     * retention_ms is at most INT64_MAX and now_ms is a real time). */
    bool by_time = c->retention_ms >= 0 && now_ms > INT64_MIN + c->retention_ms;
    return last < start || (by_time && max_time < now_ms - c->retention_ms) ||
           (c->retention_bytes >= 0 && size - bytes >= c->retention_bytes);
}

int32_t kd_retention_count(uint32_t db, int64_t *size)
{
    int64_t through = 0;
    int32_t rc = load_size(db, size, &through);
    if (!rc)
        rc = count_new_rows(db, size, &through);
    return rc ? rc : store_size(db, *size, through);
}

typedef struct {
    int32_t deleted;
    bool more;
    int64_t cut;           /* rows with base offset below this go */
    int64_t kept_max_time; /* the first kept batch's newest timestamp; INT64_MIN: none kept */
} step_plan;

/* Decides which batches, from the log's start, this step deletes. */
static int32_t plan_step(uint32_t db, const kd_log_config *c, int64_t now_ms, uint32_t max_rows, int64_t start,
                         int64_t *size, step_plan *plan)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT base_offset, last_offset, max_timestamp, size_bytes FROM log_batches"
                                      " ORDER BY base_offset LIMIT ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, (int64_t)max_rows + 1);
    plan->kept_max_time = INT64_MIN;
    while (!rc && (rc = kd_sql_step(stmt, "planning retention")) == 1) {
        int64_t last = kd_host_column_int64(stmt, 1);
        int64_t max_time = kd_host_column_int64(stmt, 2);
        int64_t bytes = kd_host_column_int64(stmt, 3);
        bool deletable = kd_retention_deletable(c, now_ms, start, last, max_time, *size, bytes);
        if (!deletable) {
            plan->kept_max_time = max_time;
            rc = 0;
            break;
        }
        if ((uint32_t)plan->deleted == max_rows) {
            plan->more = true;
            rc = 0;
            break;
        }
        plan->deleted++;
        plan->cut = last + 1;
        *size -= bytes;
        rc = 0;
    }
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_log_retention(uint32_t db, int64_t now_ms, uint32_t max_rows)
{
    kd_scratch_reset();
    if (max_rows == 0)
        return kd_fail(KD_ERR_INVALID_ARG, "a retention step must be allowed to delete a row");
    int64_t start = 0, hw = 0, size = 0, through = 0;
    kd_log_config c;
    int32_t rc = kd_log_state(db, &start, &hw);
    if (!rc)
        rc = kd_log_config_load(db, &c);
    if (!rc)
        rc = load_size(db, &size, &through);
    if (!rc)
        rc = count_new_rows(db, &size, &through);
    /* The cold tier's segments are the log's oldest part: they go first, whole
     * (tiering.c); the hot batches only once none is left to keep. */
    kd_tier_expiry cold = {0, false, false, 0, INT64_MIN};
    if (!rc)
        rc = kd_tier_expire(db, &c, now_ms, max_rows, start, &size, &cold);
    step_plan plan = {0, false, 0, INT64_MIN};
    if (!rc && !cold.blocked)
        rc = plan_step(db, &c, now_ms, max_rows - (uint32_t)cold.deleted, start, &size, &plan);
    if (!rc && cold.cut > start) {
        start = cold.cut;
        rc = kd_log_set_start(db, start, hw);
    }
    if (rc)
        return rc;
    if (cold.blocked)
        plan.kept_max_time = cold.kept_max_time;

    if (plan.deleted > 0) {
        int32_t stmt = kd_sql_prepare(db, "DELETE FROM log_batches WHERE base_offset < ?1");
        if (stmt < 0)
            return stmt;
        rc = kd_sql_bind_i64(stmt, 1, plan.cut);
        if (!rc)
            rc = kd_sql_step(stmt, "deleting expired batches");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
        if (plan.cut > start) {
            start = plan.cut;
            if ((rc = kd_log_set_start(db, start, hw)))
                return rc;
        }
    }
    if ((rc = store_size(db, size, through)))
        return rc;

    /* When to look again: the first kept batch expires once now passes its newest
     * timestamp + retention.ms; the size is looked at again once appends have added a
     * sixteenth of retention.bytes, so a step's cost is spread over that many bytes. */
    int64_t deadline = -1;
    if (c.retention_ms >= 0 && plan.kept_max_time != INT64_MIN)
        deadline =
            plan.kept_max_time > INT64_MAX - c.retention_ms - 1 ? INT64_MAX : plan.kept_max_time + c.retention_ms + 1;
    int64_t trigger = c.retention_bytes >= 0 ? c.retention_bytes + c.retention_bytes / 16 : -1;
    bool active = c.retention_ms >= 0 || c.retention_bytes >= 0;
    if (!kd_out_i32(plan.deleted + cold.deleted) || !kd_out_i32(plan.more || cold.more) || !kd_out_i32(active) ||
        !kd_out_i64(start) || !kd_out_i64(size) || !kd_out_i64(deadline) || !kd_out_i64(trigger))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    return 0;
}

int32_t kd_retention_removed(uint32_t db, int64_t base_offset, int64_t bytes)
{
    if (bytes == 0)
        return 0;
    /* Only rows already counted are in size_bytes; later ones are counted as they are. */
    int32_t stmt = kd_sql_prepare(db, "UPDATE log_retention SET size_bytes = size_bytes - ?2"
                                      " WHERE id = 0 AND size_through > ?1");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_bind_i64(stmt, 1, base_offset);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 2, bytes);
    if (!rc)
        rc = kd_sql_step(stmt, "updating the log's size");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}
