/*
 * txn-log.ts — a partition's side of Kafka transactions (txn_log.c): the COMMIT / ABORT
 * markers, the last stable offset, reads and fetches with an isolation level, ListOffsets
 * under read_committed, and the Produce rule for transactional batches.
 */
import type { AbortedTransaction, FetchResult, IsolationLevel, LogOffsets, ReadResult } from "../worker/common/records";
import { int32, int64, uint32, type Reader } from "./bytes";
import { invoke } from "./core";
import type { LogProducer } from "./log";
import { readOffsets, readRecordList } from "./formats";

export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/* Ends the producer's open transaction with a control batch (kd_log_write_txn_marker);
 * markerOffset -1 when none was open (nothing written). Kafka's refusals (a stale
 * epoch, a fenced coordinator) are thrown as KafdoErrors with their code. */
export function logWriteTxnMarker(
  db: number,
  m: TxnMarker,
  nowMs: number,
): { markerOffset: number; lastStableOffset: number } {
  const producerId = int64(m.producerId, "producer id");
  const epoch = int32(m.producerEpoch, "producer epoch");
  const coordinatorEpoch = int32(m.coordinatorEpoch, "coordinator epoch");
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_log_write_txn_marker(db, producerId, epoch, m.commit ? 1 : 0, coordinatorEpoch, now),
    read: (r) => ({ markerOffset: r.i64(), lastStableOffset: r.i64() }),
  });
}

function readFetch(r: Reader): FetchResult {
  const offsets = readOffsets(r);
  const lastStableOffset = r.i64();
  const batches = r.blob();
  const abortedTransactions: AbortedTransaction[] = r.list(() => ({ producerId: r.i64(), firstOffset: r.i64() }));
  return { ...offsets, lastStableOffset, batches, abortedTransactions };
}

function readRecords(r: Reader): ReadResult {
  const offsets = readOffsets(r);
  const lastStableOffset = r.i64();
  const skippedTo = r.i64();
  const records = readRecordList(r);
  const last = records[records.length - 1];
  return { ...offsets, lastStableOffset, records, nextOffset: last ? last.offset + 1 : skippedTo };
}

/* logFetch with an isolation level: the LSO, and under read_committed only batches
 * below it with the aborted transactions among them (kd_log_fetch_isolated). */
export function logFetchIsolated(
  db: number,
  offset: number,
  maxBytes: number,
  minOneBatch: boolean,
  isolation: IsolationLevel,
): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  return invoke({
    run: (k) => k.kd_log_fetch_isolated(db, at, max, minOneBatch ? 1 : 0, isolation),
    read: readFetch,
  });
}

/* logRead with an isolation level: never a marker's record, under read_committed never
 * an aborted one; nextOffset moves past what was skipped (kd_log_read_isolated). */
export function logReadIsolated(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  isolation: IsolationLevel,
): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  return invoke({ run: (k) => k.kd_log_read_isolated(db, at, maxRec, max, isolation), read: readRecords });
}

/* logFetchIsolated at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logFetchColdIsolated(
  db: number,
  offset: number,
  maxBytes: number,
  minOneBatch: boolean,
  isolation: IsolationLevel,
  bytes: Uint8Array,
  position: number,
): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_log_fetch_cold_isolated(db, at, max, minOneBatch ? 1 : 0, isolation, ptr, len, pos),
    read: readFetch,
  });
}

/* logReadIsolated at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logReadColdIsolated(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  isolation: IsolationLevel,
  bytes: Uint8Array,
  position: number,
): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_log_read_cold_isolated(db, at, maxRec, max, isolation, ptr, len, pos),
    read: readRecords,
  });
}

/* ListOffsets with an isolation level: latest under read_committed is the LSO. */
export function logListOffset(
  db: number,
  timestamp: number,
  isolation: IsolationLevel,
): { offset: number; timestamp: number } {
  const ts = int64(timestamp, "timestamp");
  return invoke({
    run: (k) => k.kd_log_list_offset(db, ts, isolation),
    read: (r) => ({ offset: r.i64(), timestamp: r.i64() }),
  });
}

/* The partition's open transactions, by producer id, and its LSO (kd_log_txn_state). */
export interface TxnState extends LogOffsets {
  lastStableOffset: number;
  open: { producerId: number; firstOffset: number }[];
}

export function logTxnState(db: number): TxnState {
  return invoke({
    run: (k) => k.kd_log_txn_state(db),
    read: (r) => {
      const offsets = readOffsets(r);
      const lastStableOffset = r.i64();
      return { ...offsets, lastStableOffset, open: r.list(() => ({ producerId: r.i64(), firstOffset: r.i64() })) };
    },
  });
}

/* 0, or TRANSACTIONAL_ID_AUTHORIZATION_FAILED when a Produce carries transactional
 * batches without a transactional id (kd_produce_txn_check). */
export function produceTxnError(records: Uint8Array, hasTransactionalId: boolean): number {
  return invoke({
    input: records,
    run: (k, ptr, len) => k.kd_produce_txn_check(ptr, len, hasTransactionalId ? 1 : 0),
    accepts: () => true,
  });
}

/* A producer as DescribeProducers shows it: what the log remembers of it, and the first
 * offset of its transaction open on the partition (-1: none). */
export interface PartitionProducer extends LogProducer {
  currentTxnStartOffset: number;
}

export function withOpenTransactions(producers: LogProducer[], state: TxnState): PartitionProducer[] {
  const open = new Map(state.open.map((t) => [t.producerId, t.firstOffset]));
  return producers.map((p) => ({ ...p, currentTxnStartOffset: open.get(p.producerId) ?? -1 }));
}
