/*
 * batch.ts — RecordBatch v2 and the functions beside it (record_batch.c, crc32c.c,
 * partitioner.c): encoding records into batches, inspecting and decoding batches,
 * checksums, and which partition a key goes to. None of it touches storage.
 *
 * Records cross the ABI as kafdo.h's "kd records" list, written by writeRecordList and
 * read by formats.ts's readRecordList (the log's reads answer the same list).
 */
import type { BatchParams, BatchSummary, ConsumerRecord, ProducerRecord } from "../worker/common/records";
import { KafdoError, KD_ERR_INVALID_ARG } from "../worker/common/errors";
import { KD_BATCH_SUMMARY_SIZE, KD_TIMESTAMP_DERIVE } from "./generated/abi";
import { Writer, int16, int32, int64, uint32, utf8 } from "./bytes";
import { invoke } from "./core";
import { readRecordList } from "./formats";

export function crc32c(bytes: Uint8Array): number {
  return invoke({ input: bytes, run: (k, ptr, len) => k.kd_crc32c(ptr, len), accepts: () => true }) >>> 0;
}

export function murmur2(bytes: Uint8Array): number {
  return invoke({ input: bytes, run: (k, ptr, len) => k.kd_murmur2(ptr, len), accepts: () => true });
}

/* The partition for a record key (null for a keyless record, which goes to
 * sticky % partitions; see kd_partition). */
export function partition(key: Uint8Array | null, partitions: number, sticky: number): number {
  const n = int32(partitions, "partition count");
  const s = uint32(sticky, "sticky counter");
  return invoke({ input: key, run: (k, ptr, len) => k.kd_partition(ptr, len, n, s), accepts: (rc) => rc >= 0 });
}

/* A kd records list: u32 count, then each record (its offset is the batch's to assign). */
function writeRecordList(w: Writer, records: ProducerRecord[]): void {
  const timestamps = records.map((rec) => int64(rec.timestamp, "record timestamp"));
  w.u32(records.length);
  records.forEach((rec, i) => {
    w.i64(0n).i64(timestamps[i]!).nullableBytes(rec.key).nullableBytes(rec.value);
    const headers = rec.headers ?? [];
    w.u32(headers.length);
    for (const h of headers) w.blob(utf8(h.key)).nullableBytes(h.value);
  });
}

/* The input both encoders take: batch params (KD_BATCH_PARAMS_SIZE bytes), then the
 * record list. Numbers that are not what their field holds are refused here, before
 * the core is called. */
function batchInput(params: BatchParams, records: ProducerRecord[]): Uint8Array {
  const derive = (t: number | undefined, what: string) => (t === undefined ? KD_TIMESTAMP_DERIVE : int64(t, what));
  const w = new Writer()
    .i64(int64(params.baseOffset ?? 0, "base offset"))
    .i64(derive(params.firstTimestamp, "first timestamp"))
    .i64(derive(params.maxTimestamp, "max timestamp"))
    .i64(int64(params.producerId ?? -1, "producer id"))
    .i32(int32(params.partitionLeaderEpoch ?? -1, "partition leader epoch"))
    .i32(int32(params.baseSequence ?? -1, "base sequence"))
    .i16(int16(params.producerEpoch ?? -1, "producer epoch"))
    .i16(int16(params.attributes ?? 0, "attributes"));
  writeRecordList(w, records);
  return w.bytes();
}

/* Encodes records into one uncompressed RecordBatch. */
export function encodeBatch(params: BatchParams, records: ProducerRecord[]): Uint8Array {
  return invoke({
    input: batchInput(params, records),
    run: (k, ptr, len) => k.kd_batch_encode(ptr, len),
    read: (out) => out.rest(),
  });
}

/* Encodes records into uncompressed RecordBatches of at most maxBytes each (Kafka's
 * max.message.bytes), back to back, as the core splits them; MESSAGE_TOO_LARGE
 * when one record cannot fit, INVALID_TIMESTAMP for a negative timestamp. */
export function encodeBatchesWithin(params: BatchParams, records: ProducerRecord[], maxBytes: number): Uint8Array {
  const max = int32(maxBytes, "max batch bytes");
  return invoke({
    input: batchInput(params, records),
    run: (k, ptr, len) => k.kd_batch_encode_within(ptr, len, max),
    read: (out) => out.rest(),
  });
}

/* Validates one or more RecordBatches back to back and summarizes each. */
export function inspectBatches(bytes: Uint8Array): BatchSummary[] {
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_batch_inspect(ptr, len),
    read: (r) => {
      const count = r.u32();
      if (r.length !== 4 + count * KD_BATCH_SUMMARY_SIZE) {
        throw new KafdoError(KD_ERR_INVALID_ARG, "the core's batch summary has the wrong length");
      }
      return Array.from({ length: count }, (): BatchSummary => {
        const baseOffset = r.i64();
        const firstTimestamp = r.i64();
        const maxTimestamp = r.i64();
        const producerId = r.i64();
        const partitionLeaderEpoch = r.i32();
        const baseSequence = r.i32();
        const lastOffsetDelta = r.i32();
        const recordCount = r.i32();
        const sizeBytes = r.i32();
        const producerEpoch = r.i16();
        const attributes = r.i16();
        return {
          baseOffset,
          lastOffsetDelta,
          firstTimestamp,
          maxTimestamp,
          producerId,
          producerEpoch,
          baseSequence,
          partitionLeaderEpoch,
          recordCount,
          sizeBytes,
          attributes,
        };
      });
    },
  });
}

/* Validates and decodes batches: the records at or after minOffset, at most
 * maxRecords of them. */
export function decodeBatches(bytes: Uint8Array, minOffset = 0, maxRecords = 0xffffffff): ConsumerRecord[] {
  const min = int64(minOffset, "min offset");
  const max = uint32(maxRecords, "max records");
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_batch_decode(ptr, len, min, max),
    read: readRecordList,
  });
}
