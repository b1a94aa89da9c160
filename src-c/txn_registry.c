/*
 * txn_registry.c — the cluster's registry of transactional ids (ClusterMetadataDO's
 * storage, beside the topics and the registry of groups): which ids have a
 * coordinator, so that ListTransactions can ask each one (each transaction's state
 * lives in its TransactionCoordinatorDO, txn_coordinator.c). An id is registered
 * when its coordinator first takes a producer id for it, in the same call.
 *
 * Byte formats (little-endian; str = u16 length + bytes): list output u32 count,
 * str transactional_id*, by id.
 */
#include "internal.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS transactional_ids ("
    " transactional_id TEXT PRIMARY KEY,"
    " created_at INTEGER NOT NULL)",
};

int32_t kd_txn_registry_open(uint32_t db)
{
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

int32_t kd_txn_ids_register(uint32_t db, const uint8_t *transactional_id, uint32_t len, int64_t now_ms)
{
    kd_scratch_reset();
    int32_t rc = kd_printable_id_check(transactional_id, len, KD_MAX_TRANSACTIONAL_ID_BYTES, KD_INVALID_REQUEST,
                                       "transactional id");
    if (rc)
        return rc;
    kd_str id = {transactional_id, (uint16_t)len};
    return kd_sql_exec(kd_sql_prepare_args(
        db, "INSERT OR IGNORE INTO transactional_ids (transactional_id, created_at) VALUES (?1, ?2)", "si", &id,
        now_ms));
}

int32_t kd_txn_ids_list(uint32_t db)
{
    return kd_sql_out_names(db, "SELECT transactional_id FROM transactional_ids ORDER BY transactional_id",
                            KD_MAX_TRANSACTIONAL_ID_BYTES, "listing transactional ids");
}
