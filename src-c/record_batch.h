/*
 * record_batch.h — RecordBatch v2 (magic 2) inside the core: a parsed view of one
 * batch and an iterator over its records, both pointing into the caller's bytes.
 *
 * The exported entry points (kd_batch_encode / inspect / decode) are in kafdo.h;
 * log.c uses the views below to validate and summarise batches without copying.
 *
 * Layout (big-endian), offsets in bytes:
 *    0 baseOffset i64        8 batchLength i32     12 partitionLeaderEpoch i32
 *   16 magic i8             17 crc u32 (CRC-32C of bytes 21..end)
 *   21 attributes i16       23 lastOffsetDelta i32 27 baseTimestamp i64
 *   35 maxTimestamp i64     43 producerId i64      51 producerEpoch i16
 *   53 baseSequence i32     57 recordCount i32     61 records
 */
#ifndef KAFDO_RECORD_BATCH_H
#define KAFDO_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data; /* the whole batch */
    size_t size;         /* 12 + batchLength */
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t first_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t record_count;
    /* Set by kd_batch_read: the largest record timestamp (uncompressed CreateTime
     * batches), else the header's max_timestamp. */
    int64_t records_max_timestamp;
} kd_batch;

typedef struct {
    int64_t offset;
    int64_t timestamp;
    const uint8_t *key; /* NULL when key_len < 0 */
    int32_t key_len;
    const uint8_t *value; /* NULL when value_len < 0 */
    int32_t value_len;
    uint32_t header_count;
    const uint8_t *headers; /* the encoded headers, walked with kd_header_next */
    size_t headers_len;
} kd_record;

typedef struct {
    const uint8_t *key;
    uint32_t key_len;
    const uint8_t *value; /* NULL when value_len < 0 */
    int32_t value_len;
} kd_header;

/*
 * Parses and validates the batch at the start of buf: lengths, magic, CRC,
 * attributes, the count against lastOffsetDelta and, for an uncompressed batch,
 * the framing of every record. Returns 0, KD_CORRUPT_MESSAGE or
 * KD_UNSUPPORTED_FOR_MESSAGE_FORMAT (with kd_fail's message set).
 */
int32_t kd_batch_read(const uint8_t *buf, size_t len, kd_batch *batch);

/* Fills *batch from the header at buf without checking anything: only for bytes
 * that kd_batch_read accepted (and that have not changed but for the base offset). */
void kd_batch_header(const uint8_t *buf, kd_batch *batch);

static inline int kd_batch_compression(const kd_batch *b)
{
    return b->attributes & 0x07;
}

/* Iterates the records of a batch that kd_batch_read accepted: in the batch itself
 * when uncompressed, else in its records section once decompressed (`records`). */
typedef struct {
    const kd_batch *batch;
    const uint8_t *records; /* the bytes the records are in */
    size_t end;             /* where they end in `records` */
    size_t pos;
    int32_t index;
    int32_t last_delta; /* the previous record's offset delta (-1 before the first) */
} kd_record_iter;

void kd_record_iter_init(kd_record_iter *it, const kd_batch *batch);
/* Iterates the batch's records from len decompressed bytes instead. */
void kd_record_iter_init_records(kd_record_iter *it, const kd_batch *batch, const uint8_t *records, size_t len);
/* 1 with *rec filled, 0 at the end, or KD_CORRUPT_MESSAGE. */
int32_t kd_record_next(kd_record_iter *it, kd_record *rec);
/* Walks rec->headers: 1 with *h filled, 0 at the end, or KD_CORRUPT_MESSAGE. */
int32_t kd_header_next(const uint8_t *headers, size_t len, size_t *pos, kd_header *h);

/*
 * Opens the records of a batch kd_batch_read accepted for kd_record_next: in place
 * when uncompressed (*decompressed NULL), else decompressed (at most 16 MiB) into
 * *decompressed, which the caller frees whatever the result, with every record's
 * framing and the count checked first. KD_CORRUPT_MESSAGE when they do not hold.
 */
int32_t kd_batch_open_records(const kd_batch *b, kd_record_iter *it, uint8_t **decompressed);

/*
 * A copy of batch b (malloc'd into *out, *out_len bytes) holding instead `count`
 * records, the len bytes at `records`, compressed with b's codec (compaction's
 * rewrite: Kafka keeps a cleaned batch's codec); its length, count and CRC sealed.
 */
int32_t kd_batch_with_records(const kd_batch *b, const uint8_t *records, size_t len, int32_t count, uint8_t **out,
                              size_t *out_len);

/*
 * Appends the records of the batches in buf to the output buffer in the kd record
 * list format (without the count), skipping offsets below min_offset and stopping
 * once *count reaches max_records; *count is advanced per record written. A
 * compressed batch is decompressed and all its records checked before any is written.
 */
int32_t kd_batch_records_out(const uint8_t *buf, size_t len, int64_t min_offset, uint32_t max_records, uint32_t *count);

/*
 * kd_batch_records_out for batches this log stored itself: kd_batch_read accepted
 * them at append (or, from the cold tier, kd_tier_walk just did), so their CRC is
 * not computed again; lengths and record framing are still checked as they are read.
 */
int32_t kd_batch_stored_records_out(const uint8_t *buf, size_t len, int64_t min_offset, uint32_t max_records,
                                    uint32_t *count);

/* kd_batch_records_out / kd_batch_stored_records_out (`stored`), but each record goes
 * to emit (0 to go on, else the error to stop with) rather than into a kd record list:
 * the REST read's JSON (rest_json.c) is written this way. */
typedef int32_t (*kd_record_emit)(const kd_record *rec, void *arg);
int32_t kd_batch_records_each(const uint8_t *buf, size_t len, bool stored, int64_t min_offset, uint32_t max_records,
                              uint32_t *count, kd_record_emit emit, void *arg);

/* Rewrites a stored batch's base offset in place (outside the CRC's span). */
void kd_batch_set_base_offset(uint8_t *batch, int64_t base_offset);
/* Rewrites a batch's max timestamp and seals its CRC again. */
void kd_batch_set_max_timestamp(uint8_t *batch, size_t size, int64_t max_timestamp);
/* Marks a batch LogAppendTime with now_ms as its max timestamp (the time every
 * record then reads with) and seals its CRC again, as Kafka's LogValidator does. */
void kd_batch_set_log_append_time(uint8_t *batch, size_t size, int64_t now_ms);
/* Where a batch's records begin (the header's size). */
#define KD_BATCH_RECORDS_AT 61
/* After a batch's records were rewritten (compaction): sets its length to size - 12
 * and its record count, and seals the CRC again. */
void kd_batch_set_records(uint8_t *batch, size_t size, int32_t record_count);

/* A producer's sequence number n records after `seq`, wrapping from INT32_MAX to 0
 * as Kafka's do; a negative one (no idempotent producer) stays as it is. */
static inline int32_t kd_sequence_add(int32_t seq, uint32_t n)
{
    if (seq < 0)
        return seq;
    return (int32_t)(((int64_t)seq + n) % ((int64_t)INT32_MAX + 1));
}

#endif /* KAFDO_RECORD_BATCH_H */
