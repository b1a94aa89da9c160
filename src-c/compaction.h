/*
 * compaction.h — what the log's append (log.c) asks of compaction (compaction.c).
 */
#ifndef KAFDO_COMPACTION_H
#define KAFDO_COMPACTION_H

#include "record_batch.h"

/* Creates compaction's tables (kd_log_open calls it). */
int32_t kd_compaction_open(uint32_t db);
/* INVALID_RECORD when a batch of the validated set holds a keyless record (compressed
 * batches are opened for it: CORRUPT_MESSAGE when that fails). */
int32_t kd_compaction_check_keys(const uint8_t *set, size_t len);
/* Records each key of a stored batch (compressed ones opened) as its key's latest offset. */
int32_t kd_compaction_index(uint32_t db, const kd_batch *b);

#endif /* KAFDO_COMPACTION_H */
