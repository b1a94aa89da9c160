/*
 * producer_ids.c — the cluster's producer ids for idempotent producers
 * (InitProducerId without a transactional id), from a counter in one row of
 * ClusterMetadataDO's storage that only grows: an id is handed out once, ever (a
 * partition's log judges sequences by producer id, so a reused id would inherit
 * another producer's state). The partition logs keep each producer's sequences
 * (log.c).
 */
#include "internal.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS producer_ids ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " next_id INTEGER NOT NULL)",
};

int32_t kd_producer_ids_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

int32_t kd_producer_id_next(uint32_t db)
{
    kd_scratch_reset();
    int64_t id = KD_FIRST_PRODUCER_ID;
    int found;
    int32_t rc = kd_sql_one_i64(kd_sql_prepare(db, "SELECT next_id FROM producer_ids WHERE id = 0"), &id, &found);
    if (rc)
        return rc;
    if (!found)
        id = KD_FIRST_PRODUCER_ID;
    /* Producer ids travel as JavaScript numbers too. */
    if (id < KD_FIRST_PRODUCER_ID || id >= KD_MAX_OFFSET)
        return kd_fail(KD_ERR_STORAGE, "the stored next producer id %lld is out of range", (long long)id);
    rc = kd_sql_exec(
        kd_sql_prepare_args(db, "INSERT OR REPLACE INTO producer_ids (id, next_id) VALUES (0, ?1)", "i", id + 1));
    if (rc)
        return rc;
    return kd_out_i64(id) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}
