/*
 * compaction.h — what the log's append (log.c) asks of compaction (compaction.c).
 */
#ifndef KAFDO_COMPACTION_H
#define KAFDO_COMPACTION_H

#include <stdbool.h>

#include "record_batch.h"

/* Creates compaction's tables (kd_log_open calls it). */
int32_t kd_compaction_open(uint32_t db);
/* INVALID_RECORD when a batch of the validated set holds a keyless record (compressed
 * batches are opened for it: CORRUPT_MESSAGE when that fails). */
int32_t kd_compaction_check_keys(const uint8_t *set, size_t len);
/* Records each key of a stored batch (compressed ones opened) as its key's latest offset;
 * a transactional batch's keys wait with its producer until the transaction ends. */
int32_t kd_compaction_index(uint32_t db, const kd_batch *b);
/* Ends a producer's transaction for the key table (txn_log.c, with its marker): on
 * commit its records' keys count, where newer than the key's latest; on abort they never
 * do. */
int32_t kd_compaction_txn_end(uint32_t db, int64_t producer_id, bool commit);

#endif /* KAFDO_COMPACTION_H */
