/*
 * kafdo.h — the one exported ABI of Kafdo's C core.
 *
 * The core owns everything that is about Kafka's data and rules: varints, CRC-32C,
 * the partitioner, RecordBatch v2 and its compression codecs, a partition's log
 * (schema and every SQL statement, retention, compaction, the cold tier), the
 * cluster's topics, producer ids and registry of groups, consumer groups (the
 * state machine, Kafka's classic protocol, the assignors, committed offsets), the
 * Kafka wire protocol's codec, and the small rules of Kafka's requests. It is compiled twice from the same sources: to WebAssembly for the
 * Worker (wasm/kafdo.wasm) and natively for the tests, fuzzers and benchmarks.
 * Only the functions declared here are exported; all are prefixed kd_.
 *
 * MEMORY OWNERSHIP — one rule for the whole ABI:
 *
 *   1. Inputs: the caller owns them. From JavaScript, the caller gets memory with
 *      kd_alloc(), copies its bytes in, passes the pointer, and frees it with
 *      kd_free() when done. The core never keeps a pointer to an input after the
 *      call returns.
 *   2. Outputs: each call that produces bytes writes them into one output buffer
 *      that the core owns, readable through kd_out_ptr() / kd_out_len(). It stays
 *      valid until the next kd_ call of any kind; the caller copies out what it
 *      keeps. The caller never frees it.
 *   3. Error messages: kd_error_message() returns a NUL-terminated string owned by
 *      the core, valid until the next kd_ call.
 *
 * That output buffer and the error message are the core's only mutable globals:
 * scratch space, never state. State lives in storage (see storage.h).
 * Calls are synchronous and not re-entrant; one wasm instance serves every
 * Durable Object in an isolate, each naming its storage by a `db` id.
 *
 * ERRORS: every function returning int32_t returns 0 on success, a positive Kafka
 * error code where Kafka has one (they are what the wire protocol sends anyway),
 * or a negative KD_ERR_* for the rest. kd_error_message() then says what went
 * wrong in words. Malformed input is an error code, never a crash.
 *
 * BYTE FORMATS shared with the host, all little-endian, no padding:
 *
 *   Record list ("kd records"): how records cross the ABI in both directions.
 *     u32 count, then count records, each:
 *       i64 offset           absolute offset (ignored by the encoder)
 *       i64 timestamp        absolute, ms since the epoch
 *       i32 key_len          -1 for a null key; then key_len bytes
 *       i32 value_len        -1 for a null value; then value_len bytes
 *       u32 header_count, then header_count headers, each:
 *         u32 key_len, key bytes (a header key is never null in Kafka)
 *         i32 value_len (-1 for null), value bytes
 *
 *   Batch parameters: what a RecordBatch header holds beyond its records,
 *   KD_BATCH_PARAMS_SIZE (44) bytes given to kd_batch_encode before the list:
 *       i64 base_offset, i64 first_timestamp, i64 max_timestamp, i64 producer_id,
 *       i32 partition_leader_epoch, i32 base_sequence, i16 producer_epoch,
 *       i16 attributes
 *     first_timestamp / max_timestamp equal to KD_TIMESTAMP_DERIVE are computed
 *     from the records (first record's timestamp; largest timestamp).
 *
 *   Batch summary (kd_batch_inspect output): u32 count, then per batch:
 *       i64 base_offset, i64 first_timestamp, i64 max_timestamp, i64 producer_id,
 *       i32 partition_leader_epoch, i32 base_sequence, i32 last_offset_delta,
 *       i32 record_count, i32 size_bytes (whole batch, header included),
 *       i16 producer_epoch, i16 attributes
 *
 * Appends and fetches over the log are described at kd_log_append / kd_log_fetch.
 */
#ifndef KAFDO_H
#define KAFDO_H

#include <stddef.h>
#include <stdint.h>

#if defined(__wasm__)
#define KD_EXPORT(name) __attribute__((export_name(#name), visibility("default")))
#else
#define KD_EXPORT(name) __attribute__((visibility("default")))
#endif

/* ---- error codes ---------------------------------------------------------- */

/* Every error code, from one list (errors.def), which the Worker's table is generated
 * from too: Kafka's as KD_<NAME> (positive, as in Kafka's Errors, with NONE 0 and
 * UNKNOWN_SERVER_ERROR -1), the core's own as KD_ERR_<NAME> (negative: NOMEM, STORAGE,
 * INVALID_ARG, COLD; errors.def says what each means). */
enum kd_error_code {
#define KD_KAFKA_ERROR(name, code, retriable) KD_##name = (code),
#define KD_CORE_ERROR(name, code, kafka_name, retriable) KD_ERR_##name = (code),
#include "errors.def"
};

/* ---- constants ------------------------------------------------------------ */

#define KD_TIMESTAMP_DERIVE INT64_MIN
/* Offsets stay below 2^53, so every offset is an exact JavaScript number; an append
 * that would pass it is RECORD_LIST_TOO_LARGE. */
#define KD_MAX_OFFSET (INT64_C(1) << 53)
#define KD_BATCH_PARAMS_SIZE 44
#define KD_BATCH_SUMMARY_SIZE 56
#define KD_BATCH_HEADER_SIZE 61 /* RecordBatch v2 header, up to the record count */

/* Durable Object SQLite refuses rows over 2 MB. One stored batch is one row, so
 * the core refuses a batch whose bytes would not fit, with room for the row's
 * other columns. (Local workerd does not enforce the limit; the core does.) */
#define KD_ROW_LIMIT_BYTES 2000000
#define KD_MAX_STORED_BATCH_BYTES (KD_ROW_LIMIT_BYTES - 1024)

/* Kafka's default max.message.bytes (1 MiB plus a log entry's 12-byte overhead):
 * the largest batch a topic takes unless its config says otherwise. The one
 * source: topics.c reports it as the config's default, and kd_log_append applies
 * it when the host passes max_batch_bytes 0. */
#define KD_DEFAULT_MAX_MESSAGE_BYTES 1048588

/* The most one read of a log returns (kd_log_fetch's batches, kd_log_read's
 * records), whatever the caller asks: a Worker or Durable Object isolate has 128 MB,
 * a read's bytes are held there several times over (the core's output, its copy
 * into JavaScript, the RPC, the Kafka response frame), and wasm memory, once grown,
 * never shrinks. 16 MiB leaves room for concurrent requests, is far above what a
 * consumer needs per round trip (Kafka's defaults: 1 MiB a partition, 50 MiB a
 * Fetch), and holds any stored batch whole, so the first-batch rule never passes
 * it. Kafka's broker caps a Fetch the same way (its fetch.max.bytes, 55 MiB). */
#define KD_MAX_READ_BYTES (16 * 1024 * 1024)

/* RecordBatch attributes (int16). */
#define KD_ATTR_COMPRESSION_MASK 0x07
#define KD_ATTR_TIMESTAMP_LOG_APPEND 0x08
#define KD_ATTR_TRANSACTIONAL 0x10
#define KD_ATTR_CONTROL 0x20

/* ---- memory and results --------------------------------------------------- */

KD_EXPORT(kd_alloc) void *kd_alloc(uint32_t size);
KD_EXPORT(kd_free) void kd_free(void *ptr);
KD_EXPORT(kd_out_ptr) const uint8_t *kd_out_ptr(void);
KD_EXPORT(kd_out_len) uint32_t kd_out_len(void);
KD_EXPORT(kd_error_message) const char *kd_error_message(void);

/* Drops the output buffer's memory (it is kept between calls for reuse). */
KD_EXPORT(kd_release_scratch) void kd_release_scratch(void);

/* ---- checksums and hashing ------------------------------------------------ */

/* CRC-32C (Castagnoli) of len bytes. */
KD_EXPORT(kd_crc32c) uint32_t kd_crc32c(const uint8_t *buf, uint32_t len);

/* murmur2 exactly as Kafka's Java client (Utils.murmur2, seed 0x9747b28c). */
KD_EXPORT(kd_murmur2) int32_t kd_murmur2(const uint8_t *key, uint32_t len);

/*
 * The partition for a record, as Kafka's Java client and kafkajs choose it:
 * a keyed record goes to (murmur2(key) & 0x7fffffff) % partitions. A record
 * without a key (key_len < 0) goes to sticky % partitions: the caller keeps the
 * `sticky` counter and moves it once per batch, so the keyless records of one
 * send land together (Java's sticky partitioner) and successive sends spread
 * round-robin. Returns the partition, or KD_ERR_INVALID_ARG when partitions < 1.
 */
KD_EXPORT(kd_partition)
int32_t kd_partition(const uint8_t *key, int32_t key_len, int32_t partitions, uint32_t sticky);

/* ---- RecordBatch v2 ------------------------------------------------------- */

/*
 * Encodes one RecordBatch (magic 2) from `params` (KD_BATCH_PARAMS_SIZE bytes,
 * layout above) followed by a kd record list. The output is the batch. Offset
 * deltas are the records' positions; timestamp deltas are relative to the batch's
 * first_timestamp. When the attributes name a codec (1 gzip, 2 snappy, 3 lz4,
 * 4 zstd) the records are compressed with it as Kafka's Java producer writes them
 * (gzip level 6, snappy in xerial's framing, lz4 frames of independent 64 KiB
 * blocks, zstd level 3) if that makes the batch smaller; else the batch is written
 * uncompressed and its attributes say so. Errors: KD_ERR_INVALID_ARG for a
 * malformed list or zero records, KD_UNSUPPORTED_COMPRESSION_TYPE for codecs 5-7.
 */
KD_EXPORT(kd_batch_encode) int32_t kd_batch_encode(const uint8_t *in, uint32_t in_len);

/*
 * The producer's encoder: the same input as kd_batch_encode, split into as many
 * RecordBatches as it takes for each to be at most max_batch_bytes (Kafka's
 * max.message.bytes: the whole batch, header included) uncompressed, then each
 * compressed as kd_batch_encode does (so a batch's records never decompress past
 * the limit either). The output is the batches back to back, records in order,
 * each batch filled as far as its exact uncompressed size allows. Each batch's offset and timestamp deltas are relative to
 * itself; its base offset and base sequence are the params' advanced by the
 * records before it (so the batches decode to the offsets one batch would have);
 * derived timestamps are each batch's own. Kafka's producer refuses negative
 * timestamps, and so does this. Errors, with nothing output: KD_MESSAGE_TOO_LARGE
 * naming the first record that alone makes a batch over the limit, and its size;
 * KD_INVALID_TIMESTAMP; KD_ERR_INVALID_ARG for a malformed list or a negative
 * max_batch_bytes; KD_UNSUPPORTED_COMPRESSION_TYPE as kd_batch_encode.
 */
KD_EXPORT(kd_batch_encode_within)
int32_t kd_batch_encode_within(const uint8_t *in, uint32_t in_len, int32_t max_batch_bytes);

/*
 * Validates every batch in buf (one or more RecordBatches back to back, as in a
 * Produce request or a Fetch response) and writes their summaries. Checks the
 * magic byte, lengths, the CRC-32C over bytes 21..end, the record count against
 * lastOffsetDelta, and for uncompressed batches every record's framing.
 * Errors: KD_CORRUPT_MESSAGE (with the reason in kd_error_message()),
 * KD_UNSUPPORTED_FOR_MESSAGE_FORMAT for magic 0/1 message sets.
 */
KD_EXPORT(kd_batch_inspect) int32_t kd_batch_inspect(const uint8_t *buf, uint32_t len);

/*
 * Validates and decodes the batches in buf into a kd record list, skipping records
 * whose offset is below min_offset and stopping after max_records. Timestamps are
 * absolute (LogAppendTime batches report max_timestamp). Control batches are
 * skipped. A compressed batch (gzip, snappy, lz4 or zstd) is decompressed by the
 * core and its records checked as an uncompressed batch's; its records may
 * decompress to at most 16 MiB (more is KD_CORRUPT_MESSAGE, as is any damage to
 * the compressed stream, and a zstd window over 16 MiB). Errors as kd_batch_inspect.
 */
KD_EXPORT(kd_batch_decode)
int32_t kd_batch_decode(const uint8_t *buf, uint32_t len, int64_t min_offset, uint32_t max_records);

/* kd_batch_decode, the records written as REST messages (kd_log_read_rest_isolated;
 * encoding 0 json, 1 base64). Output: u32 count, then the messages' JSON. */
KD_EXPORT(kd_batch_decode_rest)
int32_t kd_batch_decode_rest(const uint8_t *buf, uint32_t len, int64_t min_offset, uint32_t max_records,
                             int32_t encoding);

/* ---- a partition's log ---------------------------------------------------- */

/*
 * A partition's log lives in the storage named by `db` (see storage.h): one row
 * per RecordBatch, its bytes exactly as a Kafka Fetch returns them.
 *
 * kd_log_open creates the schema when absent. Idempotent; call once per db.
 */
KD_EXPORT(kd_log_open) int32_t kd_log_open(uint32_t db);

/*
 * Appends produce sets to the log. `in` is: u32 set_count, then per set a u32
 * byte length and that many bytes of RecordBatches back to back (what one Produce
 * carries for one partition). Several producers' sets can be coalesced into one
 * call. Each set is all or nothing: it is validated whole (CRC, framing, size
 * against max_batch_bytes and the row limit) before any of it is written.
 * max_batch_bytes is the topic's max.message.bytes; 0 applies Kafka's default,
 * KD_DEFAULT_MAX_MESSAGE_BYTES.
 *
 * The core assigns offsets by rewriting each stored batch's base offset in place,
 * in `in` itself (the one exception to inputs being read-only; the CRC does not
 * cover the base offset). As Kafka's broker does, it also corrects a header max
 * timestamp that disagrees with the records' own, sealing the CRC again.
 *
 * Idempotent producers: a batch with producer_id >= 0 is judged against what the
 * log keeps of its producer (its epoch and its last 5 stored batches), as Kafka's
 * broker does. A batch carrying the epoch and the first and last sequence of one of
 * those 5 batches is a duplicate: nothing is stored and the set is acknowledged
 * with the offsets the original got (a retried produce gets the same answer).
 * Otherwise: an epoch older than the producer's is INVALID_PRODUCER_EPOCH; a newer
 * epoch must start at sequence 0, and in the same epoch the first sequence must
 * follow the last stored one (INT32_MAX is followed by 0), else
 * OUT_OF_ORDER_SEQUENCE_NUMBER. A producer the log knows nothing of (new to this
 * partition) may start at any epoch and sequence, as Kafka accepts since 2.5
 * rather than answering UNKNOWN_PRODUCER_ID. A set is a duplicate only when all
 * its batches are, stored together; one mixing stored and new batches is
 * OUT_OF_ORDER_SEQUENCE_NUMBER. An idempotent batch with a negative base sequence
 * is INVALID_RECORD. Transactional batches (txn_log.c, kd_log_write_txn_marker below)
 * need a producer id (else INVALID_RECORD); the first opens the producer's transaction
 * on the partition, and while one is open a non-transactional batch of that producer
 * is INVALID_TXN_STATE. kd_log_retire forgets the producers.
 *
 * The topic's configs (kd_log_configure) rule timestamps as Kafka's LogValidator
 * does: with message.timestamp.type=LogAppendTime every stored batch is marked
 * LogAppendTime with now_ms as its max timestamp (the CRC sealed again); with
 * CreateTime, a record further from now_ms than message.timestamp.difference.max.ms
 * (or message.timestamp.before.max.ms / after.max.ms) refuses its set with
 * INVALID_TIMESTAMP.
 *
 * Output: per set, 40 bytes: i32 error (0 or a Kafka code), i32 record_count,
 * i64 base_offset, i64 last_offset, i64 log_append_time (now_ms on a LogAppendTime
 * topic, else -1), i64 log_start_offset (all four -1 on error). The call itself returns
 * 0 unless storage failed, in which case the host must roll back everything
 * the call wrote (the native host and the Worker shim wrap it in a transaction).
 */
#define KD_APPEND_RESULT_SIZE 40
KD_EXPORT(kd_log_append)
int32_t kd_log_append(uint32_t db, uint8_t *in, uint32_t in_len, int64_t now_ms, int32_t max_batch_bytes);

/*
 * Output: 16 bytes, i64 log_start_offset, i64 high_watermark (the next offset).
 */
KD_EXPORT(kd_log_offsets) int32_t kd_log_offsets(uint32_t db);

/*
 * What the admin APIs show of a partition (DescribeLogDirs, DescribeProducers).
 * Output: i64 size (the stored batches' bytes, in SQLite and in the cold tier),
 * u32 producer count, then per idempotent producer the log remembers, by id:
 * i64 producer_id, i32 epoch, i32 last_sequence (of its last batch stored),
 * i64 last_append_ms (when that batch was appended). Error: UNKNOWN_TOPIC_OR_PARTITION
 * for a retired log.
 */
KD_EXPORT(kd_log_describe) int32_t kd_log_describe(uint32_t db);

/* A partition's storage for its metrics (log_stats.c): the log's bounds, the hot
 * batches (rows) and bytes from `from_offset` on, the cold segments and bytes.
 * Output: i64 log_start, i64 high_watermark, i64 hot_batches, i64 hot_bytes,
 * i64 cold_segments, i64 cold_bytes. Error: UNKNOWN_TOPIC_OR_PARTITION (retired). */
KD_EXPORT(kd_log_stats) int32_t kd_log_stats(uint32_t db, int64_t from_offset);

/*
 * Reads stored batches from `offset`: the batch containing it first, then the
 * ones after, while the total stays within max_bytes (at most KD_MAX_READ_BYTES,
 * whatever is asked). With min_one_batch set, the first batch is returned whole
 * even when it alone is over max_bytes, as Kafka does for the first partition
 * with data in a Fetch (its minOneMessage), so a batch larger than the limits
 * still moves the consumer on; without it, a read whose first batch does not fit
 * returns no batches. Cost does not grow with the log's length (an index seek,
 * then a scan of what is returned).
 * Output: i64 log_start_offset, i64 high_watermark, then the batch bytes.
 * offset == high_watermark returns no batches. Errors: KD_OFFSET_OUT_OF_RANGE
 * when offset < log_start_offset or > high_watermark; KD_INVALID_FETCH_SIZE
 * when max_bytes < 0.
 */
KD_EXPORT(kd_log_fetch)
int32_t kd_log_fetch(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch);

/*
 * As kd_log_fetch with min_one_batch set, then decoded: i64 log_start_offset,
 * i64 high_watermark, then a kd record list of at most max_records records with
 * offsets >= offset. Decoding stops before a batch once the list holds
 * KD_MAX_READ_BYTES (a compressed batch may inflate to 16 MiB), so the output
 * stays below that plus one batch's records.
 */
KD_EXPORT(kd_log_read)
int32_t kd_log_read(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes);

/*
 * ListOffsets: with KD_LIST_LATEST (-1) the high watermark, with KD_LIST_EARLIEST
 * (-2) the log start offset (timestamp -1 for both); otherwise by time: the offset
 * of the first record (in offset order) whose
 * timestamp is at or after `timestamp`, and that record's timestamp. Output: i64
 * offset, i64 timestamp; -1 and -1 when no record is that late (as Kafka).
 * A compressed batch is not opened: its base offset and max timestamp are given.
 * Errors: INVALID_REQUEST for another negative timestamp; UNKNOWN_TOPIC_OR_PARTITION
 * for a retired log.
 */
#define KD_LIST_LATEST (-1)
#define KD_LIST_EARLIEST (-2)
KD_EXPORT(kd_log_offset_for_time) int32_t kd_log_offset_for_time(uint32_t db, int64_t timestamp);

/*
 * ListOffsets v0 (Kafka's legacy fetchOffsetsBefore): up to max_num offsets "before"
 * `timestamp`, in descending order. Kafka answers from its segments: each segment's
 * base offset (at least the log start) with the segment's last-modified time, then,
 * when the last segment is not empty, the log end with now. Kafdo's log is one such
 * segment, last modified by its newest batch's append: so latest (-1) is
 * [high watermark, log start] (the log start alone when the log is empty), earliest
 * (-2) is [log start], and a time T answers the entries whose time is <= T, newest
 * first; at most max_num of them (none when max_num <= 0). Output: u32 count, then
 * count i64 offsets. Errors as kd_log_offset_for_time.
 */
KD_EXPORT(kd_log_offsets_before)
int32_t kd_log_offsets_before(uint32_t db, int64_t timestamp, int32_t max_num, int64_t now_ms);

/*
 * Retires a partition's log when its topic is deleted: drops its batches; every
 * later kd_log_* call on it answers UNKNOWN_TOPIC_OR_PARTITION.
 */
KD_EXPORT(kd_log_retire) int32_t kd_log_retire(uint32_t db);

/*
 * Retention (src-c/retention.c): the log shrinks as Kafka's does with
 * cleanup.policy=delete — whole batches, oldest first, never leaving a hole.
 *
 * kd_log_configure stores the topic's configs with the log: `config` is a JSON object
 * of config name to value (strings, as DescribeConfigs shows them; numbers accepted),
 * of which retention.ms (default 604800000), retention.bytes (default -1) and
 * cleanup.policy (default delete) matter here; -1 turns a limit off, and a policy
 * without delete turns both off. Written only when it differs from what is stored.
 * Output: i32 changed (0 or 1). Errors: INVALID_CONFIG when `config` is not such an
 * object or a limit is not an integer >= -1.
 */
KD_EXPORT(kd_log_configure) int32_t kd_log_configure(uint32_t db, const uint8_t *config, uint32_t len);

/*
 * DeleteRecords: raises the log start offset to `offset` (-1: the high watermark);
 * an offset at or below the log start changes nothing. Reads below it are
 * OFFSET_OUT_OF_RANGE at once; the rows below it are deleted by kd_log_retention's
 * steps. Output: i64 the new log start offset (Kafka's low watermark). Errors:
 * OFFSET_OUT_OF_RANGE for an offset above the high watermark or below -1.
 */
KD_EXPORT(kd_log_delete_records) int32_t kd_log_delete_records(uint32_t db, int64_t offset);

/*
 * One bounded step of retention at time now_ms: deletes at most max_rows batches from
 * the log's start, each wholly below the log start offset, or (time retention) whose
 * newest timestamp is older than now_ms - retention.ms, or (size retention) without
 * which the log still holds at least retention.bytes; it stops at the first batch that
 * is none of these, and raises the log start offset past what it deleted. The
 * partition's size is kept incrementally: a step reads only the rows appended since
 * the last one, and the rows it deletes.
 * Output: i32 deleted (batches), i32 more (1: batches that may go remain beyond
 * max_rows, call again), i32 active (1: time or size retention is on), i64
 * log_start_offset, i64 size_bytes (what the log holds after the step), i64
 * next_deadline_ms (when the oldest kept batch expires; -1: nothing to wait for),
 * i64 size_trigger_bytes (call again once the log has grown past this; -1: never).
 */
KD_EXPORT(kd_log_retention) int32_t kd_log_retention(uint32_t db, int64_t now_ms, uint32_t max_rows);

/*
 * Compaction (src-c/compaction.c), for a log whose configs say cleanup.policy=compact:
 * Kafka's semantics — at least the latest record of every key survives; records keep
 * their offsets and batches their base and last offsets (gaps appear); a tombstone
 * (null value) goes once it was stored delete.retention.ms ago; the newest part of the
 * log (appended within segment.ms and the newest segment.bytes) and records younger
 * than min.compaction.lag.ms are left alone; a pass starts when the part appended since
 * the last pass is min.cleanable.dirty.ratio of the cleanable log (or waited
 * max.compaction.lag.ms). Appends to such a log index each record's key and refuse a
 * keyless record (INVALID_RECORD); compressed batches are opened for both and cleaned
 * batches compressed again with their codec.
 *
 * kd_log_compact runs one bounded step at now_ms (at most max_rows batches, and about
 * 8 MiB of them, read). Output: i32 records_removed, i32 more (1: call again now),
 * i32 active (1: the log is compacted), i64 bytes_removed, i64 next_deadline_ms (when
 * a pass may be due; -1: only after more appends).
 */
KD_EXPORT(kd_log_compact) int32_t kd_log_compact(uint32_t db, int64_t now_ms, uint32_t max_rows);

/*
 * The latest record of `key` in a compacted log (a compacted topic read as a table).
 * Output as kd_log_read: i64 log_start_offset, i64 high_watermark, then a kd record
 * list of that one record, or of none when the key has no record (never written,
 * deleted by a tombstone that compaction removed, or removed by retention). A
 * tombstone that is still kept is returned (its value null). Errors: INVALID_REQUEST
 * when the log is not compacted.
 */
KD_EXPORT(kd_log_key_lookup) int32_t kd_log_key_lookup(uint32_t db, const uint8_t *key, uint32_t len);

/*
 * The cold tier (src-c/tiering.c): with remote.storage.enable=true, batches past
 * local.retention.ms / local.retention.bytes move into segment objects in an object
 * store (R2); the host only puts, gets and deletes objects.
 *
 * kd_tier_plan: the next segment to move, built from the oldest hot batches (at most
 * max_bytes, segment.bytes and KD_MAX_READ_BYTES). Output: i32 planned, i32 more (more
 * batches are due after this one), i32 active (the topic tiers), i64 next_deadline_ms
 * (when the first batch left hot is due by local.retention.ms; -1: none), i64
 * size_trigger (plan again once the log, both tiers, holds more; -1: never); when planned, i64 base_offset, i64 last_offset,
 * str object_key (key_prefix, then the base offset: a retry overwrites), u32 length,
 * then the segment's bytes. The key is recorded as in flight (garbage until committed).
 * kd_tier_commit, once the host's put of those bytes succeeded: records the segment and
 * deletes its hot batches. Output: i32 committed (0: the batches changed since the plan,
 * nothing done; the object is garbage).
 * kd_tier_garbage: objects that are not part of the log (in flight and never committed,
 * deleted by retention, of a retired log). Output: u32 count, str keys. The host
 * deletes them, then kd_tier_forget (input u32 count, str keys) forgets them.
 *
 * Reads: kd_log_fetch and kd_log_read fail with KD_ERR_COLD at an offset in the cold
 * tier. kd_tier_locate (arguments as kd_log_fetch) then names what answers it. Output:
 * i32 found (0: not in the cold tier); when found, str object_key, i64 position, i64
 * length: the byte range of that object to get (length 0: nothing fits max_bytes).
 * kd_log_fetch_cold / kd_log_read_cold take those bytes (`bytes` holds the object from
 * byte `position`) and answer exactly as kd_log_fetch / kd_log_read, from that one
 * segment. KD_ERR_INVALID_ARG when the bytes do not hold what is needed; KD_ERR_STORAGE
 * when they do not match the segment's index.
 */
KD_EXPORT(kd_tier_plan)
int32_t kd_tier_plan(uint32_t db, int64_t now_ms, int32_t max_bytes, const uint8_t *key_prefix, uint32_t prefix_len);
KD_EXPORT(kd_tier_commit)
int32_t kd_tier_commit(uint32_t db, int64_t base_offset, int64_t last_offset, int64_t length, const uint8_t *key,
                       uint32_t key_len);
KD_EXPORT(kd_tier_garbage) int32_t kd_tier_garbage(uint32_t db, uint32_t max_keys);
KD_EXPORT(kd_tier_forget) int32_t kd_tier_forget(uint32_t db, const uint8_t *in, uint32_t in_len);
KD_EXPORT(kd_tier_locate)
int32_t kd_tier_locate(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch);
KD_EXPORT(kd_log_fetch_cold)
int32_t kd_log_fetch_cold(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch, const uint8_t *bytes,
                          uint32_t len, int64_t position);
KD_EXPORT(kd_log_read_cold)
int32_t kd_log_read_cold(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes, const uint8_t *bytes,
                         uint32_t len, int64_t position);

/* ---- transactions, the partition's side (src-c/txn_log.c) ------------------ */

/*
 * kd_log_write_txn_marker ends the producer's open transaction on the partition, as
 * Kafka's WriteTxnMarkers: it appends a control batch (attributes CONTROL|TRANSACTIONAL,
 * the producer's id and epoch, base sequence -1, one record whose key is int16 version 0
 * and int16 type (0 abort, 1 commit) and whose value is int16 version 0 and int32
 * coordinator_epoch). An abort records the transaction's range (producer id, first
 * offset, the marker's offset) for read_committed reads. Rules, in order: an epoch
 * older than the partition's for the producer is INVALID_PRODUCER_EPOCH; a coordinator
 * epoch older than the last marker's is TRANSACTION_COORDINATOR_FENCED; with no
 * transaction open nothing is written (a coordinator's retry); a newer epoch becomes
 * the producer's (its sequences start again at 0). Output: i64 marker_offset (-1:
 * nothing written), i64 last_stable_offset.
 */
#define KD_TXN_ABORT 0
#define KD_TXN_COMMIT 1
KD_EXPORT(kd_log_write_txn_marker)
int32_t kd_log_write_txn_marker(uint32_t db, int64_t producer_id, int32_t producer_epoch, int32_t commit,
                                int32_t coordinator_epoch, int64_t now_ms);

/*
 * The reads with Kafka's isolation level. The last stable offset (LSO) is the first
 * offset of the earliest transaction still open, else the high watermark. With
 * KD_READ_COMMITTED, only batches below the LSO are read.
 *
 * kd_log_fetch_isolated: as kd_log_fetch. Output: i64 log_start_offset,
 * i64 high_watermark, i64 last_stable_offset, u32 batches_len, the batch bytes (control
 * batches and aborted ones included, as Kafka sends them), then u32 count and per
 * aborted transaction overlapping the batches given (read_committed only; Kafka's
 * FetchResponse abortedTransactions) i64 producer_id, i64 first_offset.
 *
 * kd_log_read_isolated: as kd_log_read, never giving a control batch's record, and under
 * read_committed none of an aborted transaction. Output: i64 log_start_offset,
 * i64 high_watermark, i64 last_stable_offset, i64 skipped_to (past the batches the read
 * walked and skipped, or `offset`: where the next read starts when this gives no
 * record), then a kd record list.
 *
 * kd_log_read_rest_isolated: as kd_log_read_isolated, the records written as the
 * messages of a REST read's answer (rest_json.c: encoding 0 json, 1 base64). Output:
 * i64 log_start_offset, i64 high_watermark, i64 last_stable_offset, i64 skipped_to,
 * u32 count, i64 last_offset (-1: no record), i64 record_bytes (keys, values, header
 * names and values: the read metric), then the messages' JSON, comma-separated (the
 * inside of the answer's "messages" array).
 *
 * The _cold variants answer from a cold segment's bytes as kd_log_fetch_cold does.
 */
#define KD_READ_UNCOMMITTED 0
/* A REST read's ?encoding: readable JSON where lossless, or base64 throughout. */
#define KD_REST_ENCODING_JSON 0
#define KD_REST_ENCODING_BASE64 1
#define KD_READ_COMMITTED 1
KD_EXPORT(kd_log_fetch_isolated)
int32_t kd_log_fetch_isolated(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch, int32_t isolation);
KD_EXPORT(kd_log_read_isolated)
int32_t kd_log_read_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes, int32_t isolation);
KD_EXPORT(kd_log_fetch_cold_isolated)
int32_t kd_log_fetch_cold_isolated(uint32_t db, int64_t offset, int32_t max_bytes, int32_t min_one_batch,
                                   int32_t isolation, const uint8_t *bytes, uint32_t len, int64_t position);
KD_EXPORT(kd_log_read_cold_isolated)
int32_t kd_log_read_cold_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                  int32_t isolation, const uint8_t *bytes, uint32_t len, int64_t position);
KD_EXPORT(kd_log_read_rest_isolated)
int32_t kd_log_read_rest_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                  int32_t isolation, int32_t encoding);
KD_EXPORT(kd_log_read_rest_cold_isolated)
int32_t kd_log_read_rest_cold_isolated(uint32_t db, int64_t offset, uint32_t max_records, int32_t max_bytes,
                                       int32_t isolation, int32_t encoding, const uint8_t *bytes, uint32_t len,
                                       int64_t position);

/*
 * ListOffsets with an isolation level: as kd_log_offset_for_time, but latest (-1) under
 * read_committed is the last stable offset, as Kafka answers.
 */
KD_EXPORT(kd_log_list_offset) int32_t kd_log_list_offset(uint32_t db, int64_t timestamp, int32_t isolation);

/*
 * The partition's transactions: i64 log_start_offset, i64 high_watermark,
 * i64 last_stable_offset, u32 count, then per open transaction, by producer id:
 * i64 producer_id, i64 first_offset (DescribeProducers' currentTxnStartOffset).
 */
KD_EXPORT(kd_log_txn_state) int32_t kd_log_txn_state(uint32_t db);

/*
 * Produce: a request whose records are transactional (the first batch of a partition's
 * records says so) must carry a transactional id, else Kafka answers the whole request
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED (KafkaApis.handleProduceRequest). Returns 0 or
 * that code; no output.
 */
KD_EXPORT(kd_produce_txn_check)
int32_t kd_produce_txn_check(const uint8_t *records, uint32_t len, int32_t has_transactional_id);

/* ---- topics (the cluster's metadata) -------------------------------------- */

/*
 * The cluster's topics live in the storage named by `db` (ClusterMetadataDO's).
 * Byte formats and Kafka's rules are described at the top of topics.c; in short:
 *   create input:  str name, i32 partitions, u32 config_count, (str key, str value)*
 *   topic output:  str name, u8 id[16], i32 partitions, i64 created_at_ms,
 *                  u32 config_count, (str key, str value, u8 is_default)*
 *   list output:   u32 count, then the topic outputs, ordered by name
 * where str is a u16 length and that many bytes.
 */
KD_EXPORT(kd_topics_open) int32_t kd_topics_open(uint32_t db);

/* 0 when `name` is a valid Kafka topic name, else INVALID_TOPIC_EXCEPTION. */
KD_EXPORT(kd_topic_name_check) int32_t kd_topic_name_check(const uint8_t *name, uint32_t len);

/* Creates a topic with the host's 16 random bytes as its id. Output: the topic.
 * Errors: INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG,
 * TOPIC_ALREADY_EXISTS; nothing is written unless it succeeds. */
KD_EXPORT(kd_topic_create)
int32_t kd_topic_create(uint32_t db, const uint8_t *in, uint32_t in_len, const uint8_t *topic_id, int64_t now_ms,
                        int32_t max_partitions);

/* Auto-creation: the topic when it exists, else kd_topic_create with the same
 * input; UNKNOWN_TOPIC_OR_PARTITION for a name still being deleted (a client
 * retries that, and finds the name free once the deletion ends). */
KD_EXPORT(kd_topic_ensure)
int32_t kd_topic_ensure(uint32_t db, const uint8_t *in, uint32_t in_len, const uint8_t *topic_id, int64_t now_ms,
                        int32_t max_partitions);

/* Output: the topic. Error: UNKNOWN_TOPIC_OR_PARTITION. */
KD_EXPORT(kd_topic_describe)
int32_t kd_topic_describe(uint32_t db, const uint8_t *name, uint32_t name_len);

KD_EXPORT(kd_topic_list) int32_t kd_topic_list(uint32_t db);

/* Deleting a topic is two calls, so the host can retire its partition logs in
 * between: kd_topic_delete_begin marks the topic (describe, list and
 * create_partitions no longer see it; create refuses the name until the end) and
 * outputs it (its id names the logs); kd_topic_delete removes it and outputs it.
 * Both may be repeated. Error: UNKNOWN_TOPIC_OR_PARTITION. */
KD_EXPORT(kd_topic_delete_begin)
int32_t kd_topic_delete_begin(uint32_t db, const uint8_t *name, uint32_t name_len);
KD_EXPORT(kd_topic_delete)
int32_t kd_topic_delete(uint32_t db, const uint8_t *name, uint32_t name_len);

/*
 * CreateTopics with a manual replica assignment, judged as Kafka judges it on a
 * cluster whose only broker is `node_id` (Kafdo's one broker, node 0). `in` is
 * little-endian: i32 num_partitions, i16 replication_factor, u32 partition_count,
 * then per partition i32 partition_index, u32 broker_count, broker_count i32 broker
 * ids. Kafka's rules: num_partitions and replication_factor must both be -1 beside an
 * assignment (else INVALID_REQUEST); the partitions are 0..n-1, each once; every
 * partition names the same number of brokers, at least one, none twice; and every
 * broker named exists, so here is node_id (else INVALID_REPLICA_ASSIGNMENT).
 * Output: i32 the partition count to create.
 */
KD_EXPORT(kd_topic_assignment_check)
int32_t kd_topic_assignment_check(const uint8_t *in, uint32_t len, int32_t node_id);

/* Grows a topic to `count` partitions. Output: the topic. Errors:
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (not larger, or over the limit). */
KD_EXPORT(kd_topic_create_partitions)
int32_t kd_topic_create_partitions(uint32_t db, const uint8_t *name, uint32_t name_len, int32_t count,
                                   int32_t max_partitions);

/*
 * Changes a topic's configs (AlterConfigs and IncrementalAlterConfigs; the input
 * format is at the top of topics.c). KD_ALTER_REPLACE: the configs named become the
 * topic's whole set, the rest return to their defaults. KD_ALTER_INCREMENTAL: each
 * operation changes one config; APPEND and SUBTRACT only cleanup.policy's list.
 * Output: the topic. Errors: UNKNOWN_TOPIC_OR_PARTITION; INVALID_CONFIG (unknown
 * name, bad value, an empty cleanup.policy); INVALID_REQUEST (a config named twice,
 * no value for SET/APPEND/SUBTRACT, APPEND/SUBTRACT on a config that is not a list,
 * an unknown operation). Nothing is written unless every operation is valid.
 */
#define KD_ALTER_REPLACE 0
#define KD_ALTER_INCREMENTAL 1
#define KD_CONFIG_SET 0
#define KD_CONFIG_DELETE 1
#define KD_CONFIG_APPEND 2
#define KD_CONFIG_SUBTRACT 3
KD_EXPORT(kd_topic_alter_configs)
int32_t kd_topic_alter_configs(uint32_t db, const uint8_t *in, uint32_t in_len);

/* ---- consumer group assignment ------------------------------------------- */

#define KD_ASSIGN_RANGE 0
#define KD_ASSIGN_ROUNDROBIN 1
#define KD_ASSIGN_STICKY 2

/*
 * Assigns partitions to a group's members with Kafka's range, round-robin or
 * sticky strategy (assignor.c describes each and the byte formats). Output: per
 * member, in input order, its partitions. Pure: no storage.
 */
KD_EXPORT(kd_assign) int32_t kd_assign(const uint8_t *in, uint32_t in_len);

/* ---- a consumer group ---------------------------------------------------- */

/*
 * A consumer group lives in the storage named by `db` (its ConsumerGroupDO's).
 * group.c describes the state machine, the fencing rules and every byte format;
 * group_classic.c, consumer_protocol.c and group_offsets.c hold the rest.
 * Each call that changes the group names the next deadline (a session running
 * out, or the rebalance deadline) for the host's alarm, which calls kd_group_poll.
 */
KD_EXPORT(kd_group_open) int32_t kd_group_open(uint32_t db);

/* Joins (or rejoins) a member. Output says whether the join is complete, or is to
 * be held until kd_group_poll reports the rebalance done. Errors:
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, INVALID_SESSION_TIMEOUT,
 * INCONSISTENT_GROUP_PROTOCOL, INVALID_TOPIC_EXCEPTION, GROUP_MAX_SIZE_REACHED
 * (1,000 members); MEMBER_ID_REQUIRED comes as output (status 2), since the id it
 * hands out is stored.
 * Member kind 0 is Kafdo's protocol (the group assigns); kind 1 is Kafka's classic
 * protocol (JoinGroup: protocol type and protocols; the leader assigns through
 * kd_group_sync). A group's members are all of one kind: a join of the other kind
 * is INCONSISTENT_GROUP_PROTOCOL while members of the first live. */
KD_EXPORT(kd_group_join)
int32_t kd_group_join(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

/* Kafka's SyncGroup for a kind-1 member: the leader's stores every member's
 * assignment and makes the group Stable; a follower's is complete once the group
 * is Stable (else the host holds it until kd_group_poll reports Stable, or answers
 * REBALANCE_IN_PROGRESS when the group rebalances again). Errors:
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL,
 * REBALANCE_IN_PROGRESS. */
KD_EXPORT(kd_group_sync)
int32_t kd_group_sync(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

/* Expires members, completes a rebalance whose members have all joined, and
 * reports the group's members and assignments. */
KD_EXPORT(kd_group_poll) int32_t kd_group_poll(uint32_t db, int64_t now_ms);

/* Errors: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID. Output: i32 error, i64 next
 * deadline, where the error is 0 or REBALANCE_IN_PROGRESS (join again): that
 * answer comes as output so that the heartbeat's liveness is still stored. */
KD_EXPORT(kd_group_heartbeat)
int32_t kd_group_heartbeat(uint32_t db, const uint8_t *member_id, uint32_t len, int32_t generation, int64_t now_ms);

/* By member id or (Kafka's LeaveGroup v3+) by group instance id. Errors:
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID. Output: i64 next deadline, str the member
 * id that left. */
KD_EXPORT(kd_group_leave)
int32_t kd_group_leave(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

/* A topic was deleted or grew: a Stable (or CompletingRebalance) group whose
 * members subscribe to it rebalances. Output: u8 rebalanced, i64 next deadline. */
KD_EXPORT(kd_group_topic_changed)
int32_t kd_group_topic_changed(uint32_t db, const uint8_t *topic, uint32_t len, int64_t now_ms);

/* A topic was deleted: its committed offsets are forgotten (Kafka's coordinator does so
 * for every group), then as kd_group_topic_changed. Same output. */
KD_EXPORT(kd_group_topic_deleted)
int32_t kd_group_topic_deleted(uint32_t db, const uint8_t *topic, uint32_t len, int64_t now_ms);

/* Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
 * OFFSET_METADATA_TOO_LARGE, INVALID_REQUEST, INVALID_TOPIC_EXCEPTION; nothing is
 * stored unless every offset is valid. */
KD_EXPORT(kd_group_commit)
int32_t kd_group_commit(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

KD_EXPORT(kd_group_offsets) int32_t kd_group_offsets(uint32_t db, const uint8_t *in, uint32_t in_len);
/* The group described (format at the top of group.c). A group that does not
 * exist — no members, no generation yet, no committed offset — is state 4, Dead,
 * with no protocol, as Kafka describes one. */
KD_EXPORT(kd_group_describe) int32_t kd_group_describe(uint32_t db);

/* Errors: NON_EMPTY_GROUP while members live, GROUP_ID_NOT_FOUND for a group
 * that never had members or offsets. */
KD_EXPORT(kd_group_delete) int32_t kd_group_delete(uint32_t db);

/* OffsetDelete: forgets the committed offsets of the partitions named (the offsets
 * input's shape, not "all"), except those of topics a live member subscribes to,
 * which are GROUP_SUBSCRIBED_TO_TOPIC; a partition without an offset is deleted
 * as well (nothing to do). Output: u32 n, i16 error per partition, in order.
 * Errors: GROUP_ID_NOT_FOUND as kd_group_delete; NON_EMPTY_GROUP while a Kafka
 * group whose protocol type is not "consumer" has members (its subscriptions
 * cannot be read), as Kafka answers. */
KD_EXPORT(kd_group_delete_offsets) int32_t kd_group_delete_offsets(uint32_t db, const uint8_t *in, uint32_t in_len);

/* TxnOffsetCommit (group_txn_offsets.c has the rules and the input format): the
 * offsets are held pending for the producer id until kd_group_txn_complete. All or
 * nothing. Errors: UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ILLEGAL_GENERATION (only
 * when a member, generation or instance id is given), INVALID_PRODUCER_EPOCH, and
 * kd_group_commit's checks of each offset. */
KD_EXPORT(kd_group_txn_commit)
int32_t kd_group_txn_commit(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

/* The producer's transaction ended: on commit (commit != 0) its pending offsets
 * become the group's committed offsets (except those a later commit of the
 * partition superseded), on abort they are dropped. Idempotent: nothing pending
 * is 0. Errors: INVALID_PRODUCER_EPOCH for an epoch older than the producer's
 * last (nothing changes). */
KD_EXPORT(kd_group_txn_complete)
int32_t kd_group_txn_complete(uint32_t db, int64_t producer_id, int32_t producer_epoch, int32_t commit, int64_t now_ms);

/* OffsetFetch's requireStable: of the partitions asked (kd_group_offsets's input;
 * "all": the committed ones), those with pending transactional offsets. Output:
 * u32 n, (str topic, i32 partition)*. */
KD_EXPORT(kd_group_txn_unstable) int32_t kd_group_txn_unstable(uint32_t db, const uint8_t *in, uint32_t in_len);

/* Resets the group's committed offsets as kafka-consumer-groups --reset-offsets
 * does (group_reset.c has the rules and the byte formats): only while the group has
 * no members (else NON_EMPTY_GROUP), each partition's offset from the spec, clamped
 * to its log; all or nothing, and nothing written on a dry run. Output: the offsets. */
KD_EXPORT(kd_group_reset_offsets)
int32_t kd_group_reset_offsets(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);

/* The cluster's registry of groups (group_registry.c; ClusterMetadataDO's storage,
 * beside topics): group ids known to exist, for listing. Ids are 1 to 255 bytes (INVALID_GROUP_ID).
 * List output: u32 n, str group_id*. */
#define KD_MAX_GROUP_ID_BYTES 255
/* 0 when `group_id` is a valid group id (1 to KD_MAX_GROUP_ID_BYTES bytes, no
 * control character: C0, DEL or C1), else INVALID_GROUP_ID. */
KD_EXPORT(kd_group_id_check) int32_t kd_group_id_check(const uint8_t *group_id, uint32_t len);
KD_EXPORT(kd_groups_register)
int32_t kd_groups_register(uint32_t db, const uint8_t *group_id, uint32_t len, int64_t now_ms);
KD_EXPORT(kd_groups_unregister)
int32_t kd_groups_unregister(uint32_t db, const uint8_t *group_id, uint32_t len);
KD_EXPORT(kd_groups_list) int32_t kd_groups_list(uint32_t db);

/*
 * Which of the calls a host holds for a Kafka-dialect group (JoinGroup and
 * SyncGroup wait for the rebalance) to answer after kd_group_poll, given the
 * poll's state (0 Empty, 1 PreparingRebalance, 2 CompletingRebalance, 3 Stable)
 * and generation. A verdict, not a status:
 *   kd_group_held_join (`waiting`: the poll's flag for the member; `leads`: it is
 *   the poll's leader): KD_HELD_WAIT, KD_HELD_ANSWER (its generation, no member
 *   list) or KD_HELD_ANSWER_LEADER (with every member's metadata, the poll's list).
 *   kd_group_held_sync (`held_generation`: the one the sync was sent for):
 *   KD_HELD_WAIT, KD_HELD_ANSWER (its member's assignment, the poll's list) or
 *   KD_REBALANCE_IN_PROGRESS (the group left that generation).
 */
#define KD_HELD_ANSWER 0
#define KD_HELD_WAIT 1
#define KD_HELD_ANSWER_LEADER 2
KD_EXPORT(kd_group_held_join) int32_t kd_group_held_join(int32_t state, int32_t waiting, int32_t leads);
KD_EXPORT(kd_group_held_sync) int32_t kd_group_held_sync(int32_t state, int32_t generation, int32_t held_generation);

/* ---- idempotent producers (log.c, producer_ids.c) ------------------------ */

/* kd_log_append's producer rules answer KD_OUT_OF_ORDER_SEQUENCE_NUMBER and
 * KD_INVALID_PRODUCER_EPOCH (errors.def). */

/* The first producer id the cluster hands out. */
#define KD_FIRST_PRODUCER_ID 1000

/*
 * Allocates a producer id from the cluster's counter (in the storage named by
 * `db`, ClusterMetadataDO's; kd_topics_open creates it): ids start at
 * KD_FIRST_PRODUCER_ID and are never handed out twice, restarts included.
 * InitProducerId without a transactional id answers this id with epoch 0.
 * Output: i64 producer_id. The host runs it in a transaction.
 */
KD_EXPORT(kd_producer_id_next) int32_t kd_producer_id_next(uint32_t db);

/* ---- transactions: the coordinator of one transactional id (txn_coordinator.c) ---- */

/*
 * Kafka's transaction coordinator for one transactional id, in the storage named by
 * `db` (its TransactionCoordinatorDO's): the state machine and every rule of Kafka
 * 3.x's TransactionCoordinator (before KIP-890). txn_coordinator.c describes the byte
 * formats and what the host does between calls. Refusals are Kafka's codes, with
 * nothing stored: INVALID_REQUEST (an empty transactional id, one producer id or epoch
 * without the other), INVALID_TRANSACTION_TIMEOUT, INVALID_PRODUCER_ID_MAPPING,
 * PRODUCER_FENCED, INVALID_TXN_STATE, CONCURRENT_TRANSACTIONS.
 */
/* Kafka's TransactionState ids. */
#define KD_TXN_EMPTY 0
#define KD_TXN_ONGOING 1
#define KD_TXN_PREPARE_COMMIT 2
#define KD_TXN_PREPARE_ABORT 3
#define KD_TXN_COMPLETE_COMMIT 4
#define KD_TXN_COMPLETE_ABORT 5
#define KD_TXN_DEAD 6
#define KD_TXN_PREPARE_EPOCH_FENCE 7
#define KD_TXN_STATE_COUNT 8
/* Kafka's transaction.max.timeout.ms default: the longest transaction.timeout.ms. */
#define KD_TXN_MAX_TIMEOUT_MS 900000
/* Transactional ids are 1 to this many bytes without control characters (as group
 * ids, and for the same reason: tools print them). */
#define KD_MAX_TRANSACTIONAL_ID_BYTES 255
/* What a call asks of the host. */
#define KD_TXN_DONE 0             /* nothing: answer the client */
#define KD_TXN_NEED_PRODUCER_ID 1 /* call again with a producer id from the allocator */
#define KD_TXN_DRIVE 2            /* a Prepare* state is stored: write the markers, complete */

KD_EXPORT(kd_txn_coordinator_open) int32_t kd_txn_coordinator_open(uint32_t db);
/* InitProducerId with a transactional id. An Ongoing transaction is fenced (the epoch
 * bumped) and aborted first: KD_TXN_DRIVE, and the client is answered
 * CONCURRENT_TRANSACTIONS once it completes. */
KD_EXPORT(kd_txn_init) int32_t kd_txn_init(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);
/* AddPartitionsToTxn and AddOffsetsToTxn: partitions and groups join the transaction,
 * which begins (Ongoing) with the first. */
KD_EXPORT(kd_txn_add) int32_t kd_txn_add(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);
/* EndTxn: Ongoing becomes PrepareCommit or PrepareAbort (KD_TXN_DRIVE). */
KD_EXPORT(kd_txn_end) int32_t kd_txn_end(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms);
/* The partitions and groups a Prepare* state still has to complete. */
KD_EXPORT(kd_txn_pending) int32_t kd_txn_pending(uint32_t db);
/* One partition's marker (or one group's offsets) is written. */
KD_EXPORT(kd_txn_marked) int32_t kd_txn_marked(uint32_t db, const uint8_t *in, uint32_t in_len);
/* Every marker is written: Prepare* becomes Complete*. No change in any other state. */
KD_EXPORT(kd_txn_complete) int32_t kd_txn_complete(uint32_t db, int64_t now_ms);
/* The alarm: a Prepare* state to drive again, or an Ongoing transaction past its
 * timeout fenced and aborted (KD_TXN_DRIVE); and the next deadline. */
KD_EXPORT(kd_txn_poll) int32_t kd_txn_poll(uint32_t db, int64_t now_ms);
/* DescribeTransactions' view of the transaction. */
KD_EXPORT(kd_txn_describe) int32_t kd_txn_describe(uint32_t db);
/* ListTransactions' filters over the host's list of transactions. */
KD_EXPORT(kd_txn_list_filter) int32_t kd_txn_list_filter(const uint8_t *in, uint32_t in_len, int64_t now_ms);
/* The code a client of `api_key` at `api_version` is answered for `code`: PRODUCER_FENCED
 * is INVALID_PRODUCER_EPOCH before KIP-588's versions (InitProducerId 4,
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn 2). Any other code is itself. */
KD_EXPORT(kd_txn_error_for_version)
int32_t kd_txn_error_for_version(int16_t api_key, int16_t api_version, int32_t code);

/* The cluster's registry of transactional ids (txn_registry.c; ClusterMetadataDO's
 * storage), for ListTransactions: an id is registered when its coordinator first
 * gives it a producer id. List output: u32 n, str transactional_id*, by id. */
KD_EXPORT(kd_txn_ids_register)
int32_t kd_txn_ids_register(uint32_t db, const uint8_t *transactional_id, uint32_t len, int64_t now_ms);
KD_EXPORT(kd_txn_ids_list) int32_t kd_txn_ids_list(uint32_t db);

/* ---- the Kafka wire protocol (kafka_schema.c, kafka_codec.c) ------------- */

/*
 * Kafka's request and response bodies, schema-driven from apache/kafka's message
 * definitions, for the APIs and versions kd_kafka_supported lists. JSON field
 * names are the camelCase of upstream's (TopicData -> topicData). In all JSON:
 * int64 is a number when |v| <= 2^53-1, else a decimal string; uuid is 32
 * lowercase hex digits.
 */

/*
 * Decodes one request frame, its 4-byte big-endian size prefix included. Output:
 * UTF-8 JSON {"apiKey":0,"apiVersion":7,"correlationId":12,"clientId":"x"|null,
 * "body":{...}}. The body has every field of the API's schema whatever the
 * version: one the version lacks carries upstream's default (else 0, "", false,
 * [], or null for a field nullable in some version). bytes and records fields are
 * {"at":offset into frame,"len":n} or null: the caller slices its own frame.
 * Tagged fields are skipped. Returns 0; or KD_UNSUPPORTED_VERSION (API key or
 * version not supported) or KD_INVALID_REQUEST (malformed body, invalid UTF-8 in
 * a string, trailing bytes), both still with the header JSON and "body":null
 * (clientId null when it cannot be read); or KD_ERR_INVALID_ARG, with no output,
 * when len < 12 or the size prefix is not len - 4.
 */
KD_EXPORT(kd_kafka_decode) int32_t kd_kafka_decode(const uint8_t *frame, uint32_t len);

/*
 * Encodes a response from JSON {"apiKey":3,"apiVersion":6,"correlationId":12,
 * "blobs":[len0,...],"body":{...}} ("blobs" and "body" optional). A body field
 * missing takes its default, one the version lacks is skipped, one the schema
 * lacks is KD_ERR_INVALID_ARG naming it, as is any value of the wrong type or
 * range. int64 takes a number or a decimal string. bytes/records take
 * {"blob":i} (its length is blobs[i]) or null. A null where the version allows
 * none is written empty. Output, little-endian: u32 hole_count, then per hole
 * u32 position (from the frame's first byte, its size prefix) and u32 blob
 * index; then the frame: size prefix, response header (correlation id; plus an
 * empty tagged-field section in flexible versions, but never for ApiVersions),
 * body. Each blob's bytes are left zeroed at its position for the caller to
 * fill. Errors, with no usable output: KD_ERR_INVALID_ARG, KD_ERR_NOMEM.
 */
KD_EXPORT(kd_kafka_encode) int32_t kd_kafka_encode(const uint8_t *in, uint32_t in_len);

/*
 * An error response, output as kd_kafka_encode's (hole_count 0). A supported
 * api/version: its response with every default and each top-level errorCode set
 * to error_code (bodies without one, e.g. Produce, come back empty). ApiVersions
 * always lists the supported ranges, at v0 when the version asked for is not
 * supported. Anything else: size prefix, correlation id, int16 error_code.
 */
KD_EXPORT(kd_kafka_error_response)
int32_t kd_kafka_error_response(int16_t api_key, int16_t api_version, int32_t correlation_id, int16_t error_code);

/* Output: JSON [{"apiKey":0,"minVersion":3,"maxVersion":7},...], the one list of
 * what Kafdo speaks (the ApiVersions response is built from it). */
KD_EXPORT(kd_kafka_supported) int32_t kd_kafka_supported(void);

/* ---- the rules of Kafka's requests (kafka_rules.c) ------------------------ */

/* 0 when a Produce's acks is 0, 1 or -1; else INVALID_REQUIRED_ACKS, which Kafka
 * answers for every partition of the request. */
KD_EXPORT(kd_produce_acks_check) int32_t kd_produce_acks_check(int32_t acks);

/* A Fetch's byte budget from its max_bytes: 0 for a negative one, at most
 * KD_MAX_READ_BYTES (the partitions share it in order; the first partition with
 * data still gives its first batch whole, kd_log_fetch's min_one_batch).
 * Returns the budget, not a status. */
KD_EXPORT(kd_fetch_budget) int32_t kd_fetch_budget(int32_t max_bytes);

/* 1 when a Metadata request asks for every topic: a null list (topic_count -1),
 * or an empty one at v0. Returns 1 or 0, not a status. */
KD_EXPORT(kd_metadata_lists_all) int32_t kd_metadata_lists_all(int16_t api_version, int32_t topic_count);

/* A JoinGroup's rebalance timeout: the session timeout at v0 (which has none) or
 * when it is -1; else the one asked. Returns the timeout, not a status. */
KD_EXPORT(kd_join_rebalance_timeout)
int32_t kd_join_rebalance_timeout(int16_t api_version, int32_t session_timeout_ms, int32_t rebalance_timeout_ms);

/* 1 when a JoinGroup of this version speaks KIP-394 (v4+: a first join is
 * answered MEMBER_ID_REQUIRED), else 0. Not a status. */
KD_EXPORT(kd_join_member_id_required) int32_t kd_join_member_id_required(int16_t api_version);

/* A CreateTopics entry without a manual assignment: INVALID_REPLICATION_FACTOR for
 * a factor of 0 or below -1; else output i32 the partition count to create
 * (default_partitions for -1, the host's num.partitions). */
KD_EXPORT(kd_topic_request_partitions)
int32_t kd_topic_request_partitions(int32_t num_partitions, int16_t replication_factor, int32_t default_partitions);

/* ---- SASL: SCRAM-SHA-256/512 and PLAIN (sasl_scram.c, sasl_plain.c) ------ */

/*
 * Stateless: the Worker keeps a connection's messages and passes them back; the
 * core derives all else again. Mechanisms are Kafka's ScramMechanism codes. Every
 * refusal of what a client sent is KD_SASL_AUTHENTICATION_FAILED with the reason
 * in kd_error_message, which never holds a secret. "str" outputs are u16 length,
 * bytes (internal.h); "fields" inputs are each u32 length, bytes, back to back.
 */
#define KD_SCRAM_SHA_256 1
#define KD_SCRAM_SHA_512 2

/*
 * A user's credential: StoredKey then ServerKey (32 bytes each for SHA-256, 64 for
 * SHA-512). Input: u32 salt length, salt, u32 secret length, secret, the secret
 * being the password, or with salted_given the SaltedPassword a client computed
 * (AlterUserScramCredentials). KD_UNACCEPTABLE_CREDENTIAL for iterations outside
 * 4096..16384, an empty salt or password, or a SaltedPassword of the wrong size;
 * KD_UNSUPPORTED_SASL_MECHANISM for another mechanism.
 */
KD_EXPORT(kd_scram_credential)
int32_t kd_scram_credential(int32_t mechanism, const uint8_t *in, uint32_t len, int32_t iterations,
                            int32_t salted_given);

/* Reads a client-first message. Output: str user (unescaped), str client nonce. */
KD_EXPORT(kd_scram_client_first) int32_t kd_scram_client_first(const uint8_t *msg, uint32_t len);

/* The server-first message "r=<client nonce><server nonce>,s=<salt>,i=<iterations>"
 * (nonce and salt in base64). Input fields: client-first message, server nonce
 * (random bytes, 1..96), salt (1..96). */
KD_EXPORT(kd_scram_server_first) int32_t kd_scram_server_first(const uint8_t *in, uint32_t len, int32_t iterations);

/* Checks a client-final message. Input fields: client-first, server-first and
 * client-final messages, StoredKey, ServerKey. Output: the server-final message
 * "v=<server signature>". */
KD_EXPORT(kd_scram_client_final) int32_t kd_scram_client_final(int32_t mechanism, const uint8_t *in, uint32_t len);

/* Reads a PLAIN message (authzid NUL user NUL password). Output: str user. */
KD_EXPORT(kd_sasl_plain_user) int32_t kd_sasl_plain_user(const uint8_t *msg, uint32_t len);

/* Checks a PLAIN message's password against a stored SCRAM credential. Input
 * fields: PLAIN message, salt, StoredKey. Returns 0 when it matches. */
KD_EXPORT(kd_sasl_plain_verify)
int32_t kd_sasl_plain_verify(int32_t mechanism, const uint8_t *in, uint32_t len, int32_t iterations);

/* ---- ACLs: Kafka's authorization decision (acl.c) ------------------------- */

/*
 * Codes are Kafka's: ResourceType (TOPIC 2, GROUP 3, CLUSTER 4, TRANSACTIONAL_ID 5),
 * PatternType (ANY 1, MATCH 2, LITERAL 3, PREFIXED 4), AclOperation (ANY 1, ALL 2,
 * READ 3 ... IDEMPOTENT_WRITE 12), AclPermissionType (ANY 1, DENY 2, ALLOW 3).
 * A binding: u8 resource type, u8 pattern type, str name, str principal, str host,
 * u8 operation, u8 permission. A filter: the same with each str preceded by a u8,
 * 0 for null (any) or 1 and the str.
 */

/* Whether a binding may be stored: KD_INVALID_REQUEST with the reason when not. */
KD_EXPORT(kd_acl_check) int32_t kd_acl_check(const uint8_t *in, uint32_t len);

/* Input: a filter, u32 count, count bindings. Output: u8 per binding, 1 when the
 * filter matches it (DescribeAcls, DeleteAcls). KD_INVALID_REQUEST for a filter with
 * an unknown code. */
KD_EXPORT(kd_acl_filter) int32_t kd_acl_filter(const uint8_t *in, uint32_t len);

/* Input: str principal ("User:alice"), str host, u32 count, count str super users,
 * u32 count, count queries (u8 operation, u8 resource type, str resource name),
 * u32 count, count bindings. Output: u8 per query, 1 when allowed. */
KD_EXPORT(kd_acl_authorize) int32_t kd_acl_authorize(const uint8_t *in, uint32_t len);

/* Kafka's ACL codes (org.apache.kafka.common.resource.ResourceType, PatternType,
 * acl.AclOperation, acl.AclPermissionType): the wire's numbers, used unchanged. */
#define KD_ACL_RESOURCE_ANY 1
#define KD_ACL_RESOURCE_TOPIC 2
#define KD_ACL_RESOURCE_GROUP 3
#define KD_ACL_RESOURCE_CLUSTER 4
#define KD_ACL_RESOURCE_TRANSACTIONAL_ID 5
#define KD_ACL_PATTERN_ANY 1
#define KD_ACL_PATTERN_MATCH 2
#define KD_ACL_PATTERN_LITERAL 3
#define KD_ACL_PATTERN_PREFIXED 4
#define KD_ACL_OP_ANY 1
#define KD_ACL_OP_ALL 2
#define KD_ACL_OP_READ 3
#define KD_ACL_OP_WRITE 4
#define KD_ACL_OP_CREATE 5
#define KD_ACL_OP_DELETE 6
#define KD_ACL_OP_ALTER 7
#define KD_ACL_OP_DESCRIBE 8
#define KD_ACL_OP_CLUSTER_ACTION 9
#define KD_ACL_OP_DESCRIBE_CONFIGS 10
#define KD_ACL_OP_ALTER_CONFIGS 11
#define KD_ACL_OP_IDEMPOTENT_WRITE 12
#define KD_ACL_PERMISSION_ANY 1
#define KD_ACL_PERMISSION_DENY 2
#define KD_ACL_PERMISSION_ALLOW 3

/* The operations each resource type supports (Kafka's AclEntry.supportedOperations), as
 * bits of AclOperation codes: what Metadata, DescribeGroups and DescribeCluster report as
 * authorized when no authorizer runs.
 *   topic:            READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
 *                     DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
 *   group:            READ 3, DELETE 6, DESCRIBE 8
 *   cluster:          CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10,
 *                     ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12
 *   transactional id: WRITE 4, DESCRIBE 8 */
#define KD_ACL_TOPIC_OPERATIONS 0xdf8
#define KD_ACL_GROUP_OPERATIONS 0x148
#define KD_ACL_CLUSTER_OPERATIONS 0x1fa0
#define KD_ACL_TRANSACTIONAL_ID_OPERATIONS 0x110

/* Kafka's authorized-operations field: as kd_acl_authorize, but each query is u8
 * resource type, str resource name, and the output is an i32 (little-endian) per
 * query: the bits of the operations the type supports that the principal may do. */
KD_EXPORT(kd_acl_operations) int32_t kd_acl_operations(const uint8_t *in, uint32_t len);

#endif /* KAFDO_H */
