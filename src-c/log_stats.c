/*
 * log_stats.c — what a partition's metrics show of its storage: the log's bounds,
 * and the rows and bytes of each tier (hot batches in SQLite, cold segments in the
 * object store, tiering.c).
 *
 * Counting the hot tier reads a row per batch, which is what the Durable Object's
 * SQLite bills. So the count can start at an offset: the host counts the whole log
 * once, then only the batches appended since (a range of the primary key), and
 * counts the whole log again only after something may have removed or rewritten
 * old batches (retention, compaction, tiering, DeleteRecords). Cold segments are
 * few (each holds many batches) and are always counted whole.
 *
 * Output: i64 log_start_offset, i64 high_watermark, i64 hot_batches, i64 hot_bytes
 * (of the batches whose base offset is >= from_offset), i64 cold_segments,
 * i64 cold_bytes. Errors: UNKNOWN_TOPIC_OR_PARTITION for a retired log.
 */
#include "internal.h"
#include "sql.h"

/* Steps a statement selecting count and sum once; finalizes it. */
static int32_t count_and_sum(int32_t stmt, int64_t *count, int64_t *sum)
{
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "counting the log's storage");
    *count = rc == 1 ? kd_host_column_int64(stmt, 0) : 0;
    *sum = rc == 1 ? kd_host_column_int64(stmt, 1) : 0;
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_log_stats(uint32_t db, int64_t from_offset)
{
    kd_scratch_reset();
    int64_t start, high;
    int32_t rc = kd_log_state(db, &start, &high);
    if (rc)
        return rc;
    int64_t hot_batches, hot_bytes, cold_segments, cold_bytes;
    int32_t stmt =
        kd_sql_prepare(db, "SELECT count(*), coalesce(sum(size_bytes), 0) FROM log_batches WHERE base_offset >= ?1");
    if (stmt >= 0 && (rc = kd_sql_bind_i64(stmt, 1, from_offset)) != 0) {
        kd_host_finalize(stmt);
        return rc;
    }
    if ((rc = count_and_sum(stmt, &hot_batches, &hot_bytes)) != 0)
        return rc;
    if ((rc = count_and_sum(kd_sql_prepare(db, "SELECT count(*), coalesce(sum(size_bytes), 0) FROM log_segments"),
                            &cold_segments, &cold_bytes)) != 0)
        return rc;
    bool ok = kd_out_i64(start) && kd_out_i64(high) && kd_out_i64(hot_batches) && kd_out_i64(hot_bytes) &&
              kd_out_i64(cold_segments) && kd_out_i64(cold_bytes);
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}
