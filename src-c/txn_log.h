/*
 * txn_log.h — what log.c asks of txn_log.c (a partition's side of Kafka transactions)
 * while it appends: the rules are in txn_log.c, the exported calls in kafdo.h.
 */
#ifndef KAFDO_TXN_LOG_H
#define KAFDO_TXN_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "record_batch.h"

/* A producer's open transaction on this partition, as an append judges its batches. */
typedef struct {
    int64_t first_offset; /* of its open transaction here; -1: none */
    bool opened;          /* this append opened it: kd_txn_store records it */
} kd_txn_entry;

/* Creates the tables (kd_log_open calls it); drops what they hold (kd_log_retire). */
int32_t kd_txn_open(uint32_t db);
int32_t kd_txn_retire(uint32_t db);
/* Loads a producer's open transaction (log.c, when it loads the producer). */
int32_t kd_txn_load(uint32_t db, int64_t producer_id, kd_txn_entry *t);
/* Judges a new batch of the producer, to be stored at `base`: a producer with a
 * transaction open writes only transactional batches (INVALID_TXN_STATE, as Kafka's
 * ProducerAppendInfo); a transactional batch opens one when none is. 0 or a Kafka code. */
int32_t kd_txn_judge(kd_txn_entry *t, const kd_batch *b, int64_t base);
/* Records the transaction a stored set opened (nothing when it opened none). */
int32_t kd_txn_store(uint32_t db, int64_t producer_id, const kd_txn_entry *t);
/* The last stable offset: the first offset of the earliest open transaction, else the
 * high watermark, never below the log start (compaction stops there). */
int32_t kd_txn_last_stable(uint32_t db, int64_t log_start, int64_t high_watermark, int64_t *lso);
/* Whether the producer's transactional batch at base_offset was aborted (compaction
 * removes it). */
int32_t kd_txn_batch_aborted(uint32_t db, int64_t producer_id, int64_t base_offset, bool *aborted);

#endif /* KAFDO_TXN_LOG_H */
