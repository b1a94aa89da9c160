/*
 * types.ts — the shapes of Kafka data as every layer of the Worker sees them.
 *
 * These are what the wasm binding returns, what a TopicPartitionDO answers over RPC
 * (plain objects and Uint8Arrays, so they cross structured clone unchanged), and what
 * the HTTP front and api/ build on. Fields are named as Kafka users know them.
 *
 * Numbers, not bigints: offsets, timestamps (ms since the epoch) and producer ids are
 * int64 in Kafka but JavaScript numbers here. Every value Kafdo itself produces stays
 * far below 2^53 (an offset would need 9e15 records); an int64 read from a foreign
 * batch that does not fit is rounded by Number(), and a number written that is not a
 * safe integer is refused with KD_ERR_INVALID_ARG.
 *
 * This module imports nothing.
 */

/* A record header. Kafka header keys are strings; values are bytes or null. */
export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/* A record to encode into a batch. The offset is the batch's to assign. */
export interface ProducerRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestamp: number;
  headers?: RecordHeader[];
}

/* A record decoded from a batch, at its absolute offset. */
export interface ConsumerRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

/* The RecordBatch v2 header fields that kd_batch_encode takes beyond the records.
 * Omitted fields take what a Kafka producer sends for a non-idempotent,
 * non-transactional, uncompressed batch; timestamps omitted are derived from the
 * records. */
export interface BatchParams {
  baseOffset?: number;
  firstTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  partitionLeaderEpoch?: number;
  baseSequence?: number;
  producerEpoch?: number;
  attributes?: number;
}

/* One batch's header, as kd_batch_inspect reports it. */
export interface BatchSummary {
  baseOffset: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  recordCount: number;
  sizeBytes: number;
  attributes: number;
}

/* The outcome of one produce set in an append: errorCode 0 and the offsets the set's
 * records were given, or a Kafka error code and offsets of -1 (nothing of it stored). */
export interface AppendResult {
  errorCode: number;
  recordCount: number;
  baseOffset: number;
  lastOffset: number;
}

export interface LogOffsets {
  logStartOffset: number;
  highWatermark: number;
}

/* Stored RecordBatch bytes from an offset, exactly as a Kafka Fetch returns them. */
export interface FetchResult extends LogOffsets {
  batches: Uint8Array;
}

/* Records decoded from stored batches, from an offset. */
export interface ReadResult extends LogOffsets {
  records: ConsumerRecord[];
}
