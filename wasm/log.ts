/*
 * log.ts — a partition's log (log.c, log_config.c): opening it, appending produce sets,
 * reading batches and records back, offsets by time, DeleteRecords, the topic's configs
 * kept beside it, and retiring it when its topic goes. Each function names the log by
 * its Durable Object's db id; the ones that write run in that storage's transaction.
 */
import type { AppendResult, FetchResult, LogOffsets, ReadResult } from "../worker/common/records";
import { KafdoError, KD_ERR_INVALID_ARG } from "../worker/common/errors";
import { KD_APPEND_RESULT_SIZE, KD_MAX_READ_BYTES } from "./generated/abi";
import { Writer, int32, int64, uint32, utf8 } from "./bytes";
import { invoke } from "./core";
import { readOffsets, readRecordList } from "./formats";

/* The most one read of a log returns, whatever is asked: kafdo.h's KD_MAX_READ_BYTES
 * (why 16 MiB is told there). */
export const MAX_READ_BYTES = KD_MAX_READ_BYTES;

/* Creates the log's schema in db's storage when absent. */
export function logOpen(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_log_open(db) });
}

/*
 * Appends produce sets (each one or more RecordBatches back to back) in one
 * transaction. Each set succeeds or fails on its own (its result's errorCode); a
 * failure of storage itself rolls back the whole call and throws KD_ERR_STORAGE.
 */
export function logAppend(db: number, sets: Uint8Array[], nowMs: number, maxBatchBytes: number): AppendResult[] {
  const now = int64(nowMs, "now");
  const max = int32(maxBatchBytes, "max batch bytes");
  const input = new Writer(sets.reduce((n, s) => n + 4 + s.length, 4)).u32(sets.length);
  for (const set of sets) input.blob(set);
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_log_append(db, ptr, len, now, max),
    read: (r) => {
      if (r.length !== sets.length * KD_APPEND_RESULT_SIZE) {
        throw new KafdoError(KD_ERR_INVALID_ARG, "the core's append results have the wrong length");
      }
      return sets.map(() => {
        const errorCode = r.i32();
        const recordCount = r.i32();
        const baseOffset = r.i64();
        const lastOffset = r.i64();
        return { errorCode, recordCount, baseOffset, lastOffset, logAppendTime: r.i64(), logStartOffset: r.i64() };
      });
    },
  });
}

/* ListOffsets by time: the first record at or after `timestamp` (kafdo.h). */
export function logOffsetForTime(db: number, timestamp: number): { offset: number; timestamp: number } {
  const ts = int64(timestamp, "timestamp");
  return invoke({
    run: (k) => k.kd_log_offset_for_time(db, ts),
    read: (r) => ({ offset: r.i64(), timestamp: r.i64() }),
  });
}

/* ListOffsets v0: up to maxNum offsets before the time, newest first (kd_log_offsets_before). */
export function logOffsetsBefore(db: number, timestamp: number, maxNum: number, nowMs: number): number[] {
  const ts = int64(timestamp, "timestamp");
  const max = int32(maxNum, "max number of offsets");
  const now = int64(nowMs, "now");
  return invoke({
    run: (k) => k.kd_log_offsets_before(db, ts, max, now),
    read: (r) => r.list(() => r.i64()),
  });
}

export function logOffsets(db: number): LogOffsets {
  return invoke({ run: (k) => k.kd_log_offsets(db), read: readOffsets });
}

/* A partition's storage for its metrics (kd_log_stats): its bounds, the hot batches
 * (rows) and their bytes from `fromOffset` on, the cold segments and their bytes. */
export interface LogStats extends LogOffsets {
  hotBatches: number;
  hotBytes: number;
  coldSegments: number;
  coldBytes: number;
}

export function logStats(db: number, fromOffset: number): LogStats {
  const from = int64(fromOffset, "offset");
  return invoke({
    run: (k) => k.kd_log_stats(db, from),
    read: (r) => ({
      ...readOffsets(r),
      hotBatches: r.i64(),
      hotBytes: r.i64(),
      coldSegments: r.i64(),
      coldBytes: r.i64(),
    }),
  });
}

/* One idempotent producer a partition remembers (DescribeProducers). */
export interface LogProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastAppendMs: number;
}

/* What the admin APIs show of a partition: its stored bytes (SQLite and the cold
 * tier) and its idempotent producers, by id (kd_log_describe). */
export function logDescribe(db: number): { sizeBytes: number; producers: LogProducer[] } {
  return invoke({
    run: (k) => k.kd_log_describe(db),
    read: (r) => {
      const sizeBytes = r.i64();
      const producers = r.list(() => ({
        producerId: r.i64(),
        producerEpoch: r.i32(),
        lastSequence: r.i32(),
        lastAppendMs: r.i64(),
      }));
      return { sizeBytes, producers };
    },
  });
}

/* Stored batches from offset (the one containing it first), within maxBytes (and
 * MAX_READ_BYTES); with minOneBatch, the first batch whole even past maxBytes, as
 * Kafka gives the first partition with data in a Fetch. */
export function logFetch(db: number, offset: number, maxBytes: number, minOneBatch: boolean): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  return invoke({
    run: (k) => k.kd_log_fetch(db, at, max, minOneBatch ? 1 : 0),
    read: (r) => ({ ...readOffsets(r), batches: r.rest() }),
  });
}

/* Records from offset, at most maxRecords, from batches within maxBytes (at least
 * one batch, at most MAX_READ_BYTES of stored batches and of records). */
export function logRead(db: number, offset: number, maxRecords: number, maxBytes: number): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  return invoke({
    run: (k) => k.kd_log_read(db, at, maxRec, max),
    read: (r) => ({ ...readOffsets(r), records: readRecordList(r) }),
  });
}

/* Retires a partition's log when its topic is deleted (see kd_log_retire). */
export function logRetire(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_log_retire(db) });
}

/* Stores the topic's configs (a JSON object, as DescribeConfigs shows them) with the
 * log, for retention; true when they differ from what was stored (kd_log_configure). */
export function logConfigure(db: number, configJson: string): boolean {
  return invoke({
    input: utf8(configJson),
    writes: db,
    run: (k, ptr, len) => k.kd_log_configure(db, ptr, len),
    read: (r) => r.i32() !== 0,
  });
}

/* DeleteRecords: raises the log start offset to `offset` (-1: the high watermark) and
 * answers the new log start offset (kd_log_delete_records). */
export function logDeleteRecords(db: number, offset: number): number {
  const at = int64(offset, "offset");
  return invoke({ writes: db, run: (k) => k.kd_log_delete_records(db, at), read: (r) => r.i64() });
}

/* The latest record of `key` in a compacted log, or none (kd_log_key_lookup). */
export function logKeyLookup(db: number, key: Uint8Array): ReadResult {
  return invoke({
    input: key,
    run: (k, ptr, len) => k.kd_log_key_lookup(db, ptr, len),
    read: (r) => ({ ...readOffsets(r), records: readRecordList(r) }),
  });
}
