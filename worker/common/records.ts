/*
 * records.ts — records and batches as the core and every layer see them: what the binding
 * encodes and decodes, what a TopicPartitionDO appends and answers (plain objects and
 * Uint8Arrays, so they cross structured clone unchanged), what a read returns.
 *
 * Numbers, not bigints: offsets, timestamps (ms since the epoch) and producer ids are
 * int64 in Kafka but JavaScript numbers here. Every value Kafdo itself produces stays
 * far below 2^53 (an offset would need 9e15 records); an int64 read from a foreign
 * batch that does not fit is rounded by Number(), and a number written that is not a
 * safe integer is refused with KD_ERR_INVALID_ARG.
 *
 * Part of worker/common: imports nothing outside it.
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
  /* The broker's time stamped on the batch (message.timestamp.type=LogAppendTime), else -1. */
  logAppendTime: number;
  /* The partition's log start offset after the append (-1 on error). */
  logStartOffset: number;
}

export interface LogOffsets {
  logStartOffset: number;
  highWatermark: number;
}

/* A log's offsets and its last stable offset (the first offset of its earliest open
 * transaction, else the high watermark). */
export interface StableOffsets extends LogOffsets {
  lastStableOffset: number;
}

/* Kafka's isolation levels (a Fetch's isolation_level): 0 read_uncommitted reads to the
 * high watermark, 1 read_committed only below the last stable offset (the first offset
 * of the earliest transaction still open) and never an aborted transaction's records. */
export type IsolationLevel = 0 | 1;
export const READ_UNCOMMITTED: IsolationLevel = 0;
export const READ_COMMITTED: IsolationLevel = 1;
/* The same as the in-Worker API and REST name them. */
export type Isolation = "read_committed" | "read_uncommitted";

export function isolationLevel(isolation: Isolation | undefined): IsolationLevel {
  return isolation === "read_uncommitted" ? READ_UNCOMMITTED : READ_COMMITTED;
}

/* An aborted transaction a Fetch lists for a read_committed client to drop. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/* Stored RecordBatch bytes from an offset, exactly as a Kafka Fetch returns them. */
export interface FetchResult extends LogOffsets {
  batches: Uint8Array;
  /* The last stable offset (the isolated reads set it; else the high watermark). */
  lastStableOffset?: number;
  /* read_committed: the aborted transactions overlapping the batches. */
  abortedTransactions?: AbortedTransaction[];
}

/* Records decoded from stored batches, from an offset. */
export interface ReadResult extends LogOffsets {
  records: ConsumerRecord[];
  lastStableOffset?: number;
  /* Where the next read starts: past the last record, or, when there is none, past the
   * batches the read skipped (transaction markers, aborted transactions). */
  nextOffset?: number;
}

/* Keys and header values: a string is stored as its UTF-8 bytes, a Uint8Array as
 * it is. Values: a Uint8Array is stored as it is; anything else as its UTF-8 JSON
 * text (JSON.stringify), so a string value "hi" is stored as "\"hi\"". */
export type KeyInput = string | Uint8Array | null;

export type HeaderValue = string | Uint8Array | null;

/* Kafka's codecs, as compression.type names them. */
export type Compression = "none" | "gzip" | "snappy" | "lz4" | "zstd";

export const COMPRESSIONS: readonly Compression[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/* A consumed record as the in-Worker API and REST show it before JSON shaping. */
export interface ReadOptions {
  offset: number;
  /* At most this many records (1..10000; 100 when absent). */
  limit?: number;
  /* At most about this many bytes of stored batches (but always at least one
   * batch); 1 MiB when absent. */
  maxBytes?: number;
  /* read_committed (the default): only committed records, below the last stable
   * offset; read_uncommitted: aborted ones too. Never a transaction marker. */
  isolation?: Isolation;
}

export interface PartitionRead extends LogOffsets {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
  /* Where the next read starts: past the last record, or past the batches skipped
   * (transaction markers, aborted transactions) when there is none. */
  nextOffset: number;
}

/* A key or a header value as consumed: UTF-8 text when the bytes are valid UTF-8, else the
 * bytes. */
export type ConsumedBytes = string | Uint8Array | null;

/* A record as a consumer is given it, through every door (the in-Worker consumer, the
 * HTTP client, a push consumer's batch). */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  /* ms since the epoch. */
  timestamp: number;
  key: ConsumedBytes;
  /* The JSON value the bytes hold, else their UTF-8 text, else the bytes; null for a tombstone. */
  value: unknown;
  headers: Record<string, ConsumedBytes>;
}
