/*
 * transactions.ts — the transaction coordinator of one transactional id
 * (src-c/txn_coordinator.c; its formats are at its top), in a TransactionCoordinatorDO's
 * storage: InitProducerId, AddPartitionsToTxn / AddOffsetsToTxn, EndTxn, the work a
 * Prepare* state leaves for the host, the alarm, DescribeTransactions; ListTransactions'
 * filters; Kafka's error by request version; and the cluster's registry of
 * transactional ids (src-c/txn_registry.c, in ClusterMetadataDO's storage).
 */
import type {
  TransactionDescription,
  TransactionPartition,
  TransactionState,
  TxnProducer,
} from "../worker/common/transactions";
import {
  KD_TXN_COMPLETE_ABORT,
  KD_TXN_COMPLETE_COMMIT,
  KD_TXN_PREPARE_ABORT,
  KD_TXN_PREPARE_COMMIT,
} from "./generated/abi";
import { type Reader, Writer, int16, int32, int64, utf8 } from "./bytes";
import { invoke } from "./core";

/* What a call asks of the host (kafdo.h's KD_TXN_DONE, _NEED_PRODUCER_ID, _DRIVE). */
export type TxnOutcome = "done" | "needProducerId" | "drive";
const OUTCOMES: readonly TxnOutcome[] = ["done", "needProducerId", "drive"];
const outcomeOf = (r: Reader): TxnOutcome => OUTCOMES[r.u8()] ?? "done";

/* When the alarm should poll next (ms since the epoch), or null. */
const deadlineOf = (r: Reader): number | null => {
  const d = r.i64();
  return d < 0 ? null : d;
};

export function txnOpen(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_txn_coordinator_open(db) });
}

export interface TxnInitInput {
  transactionalId: string;
  timeoutMs: number;
  /* InitProducerId v3+: the producer's own id and epoch (-1 and -1: none). */
  producerId: number;
  producerEpoch: number;
  /* A producer id from the cluster's allocator, when the last call asked for one; else -1. */
  newProducerId: number;
}

export interface TxnInitOutput {
  outcome: TxnOutcome;
  producerId: number;
  producerEpoch: number;
  deadline: number | null;
}

export function txnInit(db: number, req: TxnInitInput, nowMs: number): TxnInitOutput {
  const input = new Writer()
    .str(req.transactionalId)
    .i32(int32(req.timeoutMs, "transaction timeout"))
    .i64(int64(req.producerId, "producer id"))
    .i16(int16(req.producerEpoch, "producer epoch"))
    .i64(int64(req.newProducerId, "new producer id"));
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_txn_init(db, ptr, len, now),
    read: (r) => ({ outcome: outcomeOf(r), producerId: r.i64(), producerEpoch: r.i16(), deadline: deadlineOf(r) }),
  });
}

function writeProducer(w: Writer, p: TxnProducer): Writer {
  return w.str(p.transactionalId).i64(int64(p.producerId, "producer id")).i16(int16(p.producerEpoch, "producer epoch"));
}

/* AddPartitionsToTxn / AddOffsetsToTxn: answers the alarm's next deadline. */
export function txnAdd(
  db: number,
  p: TxnProducer,
  partitions: TransactionPartition[],
  groups: string[],
  nowMs: number,
): number | null {
  const input = writeProducer(new Writer(), p).u32(partitions.length);
  for (const tp of partitions) input.str(tp.topic).str(tp.topicId).i32(int32(tp.partition, "partition"));
  input.u32(groups.length);
  for (const g of groups) input.str(g);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_txn_add(db, ptr, len, now),
    read: deadlineOf,
  });
}

/* EndTxn: "drive" when the transaction is now Prepare*, "done" when it had completed so. */
export function txnEnd(db: number, p: TxnProducer, commit: boolean, nowMs: number): TxnOutcome {
  const input = writeProducer(new Writer(), p).flag(commit);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_txn_end(db, ptr, len, now),
    read: outcomeOf,
  });
}

/* What a Prepare* state still has to complete; null in any other state. */
export interface TxnPending {
  commit: boolean;
  producerId: number;
  producerEpoch: number;
  partitions: TransactionPartition[];
  groups: string[];
}

export function txnPending(db: number): TxnPending | null {
  return invoke({
    run: (k) => k.kd_txn_pending(db),
    read: (r) => {
      const state = r.u8();
      const producerId = r.i64();
      const producerEpoch = r.i16();
      const partitions = r.list(() => ({ topic: r.str(), topicId: r.str(), partition: r.i32() }));
      const groups = r.list(() => r.str());
      if (state !== KD_TXN_PREPARE_COMMIT && state !== KD_TXN_PREPARE_ABORT) return null;
      return { commit: state === KD_TXN_PREPARE_COMMIT, producerId, producerEpoch, partitions, groups };
    },
  });
}

/* One partition's marker is written (or one group's offsets completed). */
export function txnMarked(db: number, member: { topic: string; partition: number } | { group: string }): void {
  const input =
    "group" in member
      ? new Writer().u8(1).str(member.group).i32(0)
      : new Writer().u8(0).str(member.topic).i32(int32(member.partition, "partition"));
  invoke({ input: input.bytes(), writes: db, run: (k, ptr, len) => k.kd_txn_marked(db, ptr, len) });
}

/* Every marker written: Prepare* becomes Complete*. Answers whether the state is now complete. */
export function txnComplete(db: number, nowMs: number): boolean {
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_txn_complete(db, now),
    read: (r) => {
      const state = r.u8();
      return state === KD_TXN_COMPLETE_COMMIT || state === KD_TXN_COMPLETE_ABORT;
    },
  });
}

/* The alarm: whether a Prepare* state is to be driven (after a crash, or a timeout
 * that fenced and aborted the transaction just now), and the next deadline. */
export function txnPoll(db: number, nowMs: number): { drive: boolean; deadline: number | null } {
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_txn_poll(db, now),
    read: (r) => ({ drive: outcomeOf(r) === "drive", deadline: deadlineOf(r) }),
  });
}

/* The transaction as DescribeTransactions shows it; null for an id never initialised. */
export function txnDescribe(db: number): TransactionDescription | null {
  return invoke({
    run: (k) => k.kd_txn_describe(db),
    read: (r) => {
      if (r.u8() === 0) return null;
      return {
        transactionalId: r.str(),
        state: r.str() as TransactionState,
        producerId: r.i64(),
        producerEpoch: r.i16(),
        timeoutMs: r.i32(),
        startTimeMs: r.i64(),
        updateTimeMs: r.i64(),
        partitions: r.list(() => ({ topic: r.str(), partition: r.i32() })),
        groups: r.list(() => r.str()),
      };
    },
  });
}

/* ListTransactions' filters (empty: all), over the transactions described. */
export interface TxnListFilters {
  states: string[];
  producerIds: number[];
  /* Only transactions running longer than this (ms); < 0: all. */
  durationMs: number;
}

export function txnListFilter(
  filters: TxnListFilters,
  transactions: { state: string; producerId: number; startTimeMs: number }[],
  nowMs: number,
): { unknownStates: string[]; keep: boolean[] } {
  const input = new Writer().u32(filters.states.length);
  for (const s of filters.states) input.str(s);
  input.u32(filters.producerIds.length);
  for (const p of filters.producerIds) input.i64(int64(p, "producer id filter"));
  input.i64(int64(filters.durationMs, "duration filter")).u32(transactions.length);
  for (const t of transactions) input.str(t.state).i64(int64(t.producerId, "producer id")).i64(t.startTimeMs);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    run: (k, ptr, len) => k.kd_txn_list_filter(ptr, len, now),
    read: (r) => ({ unknownStates: r.list(() => r.str()), keep: transactions.map(() => r.u8() === 1) }),
  });
}

/* The Kafka error code a client of this API version is answered for `code`
 * (PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before KIP-588's versions). */
export function txnErrorForVersion(apiKey: number, apiVersion: number, code: number): number {
  return invoke({
    run: (k) => k.kd_txn_error_for_version(apiKey, apiVersion, code),
    accepts: () => true,
  });
}

/* The cluster's registry of transactional ids (ClusterMetadataDO's storage). */
export function txnIdsRegister(db: number, transactionalId: string, nowMs: number): void {
  const now = int64(nowMs, "now");
  invoke({
    input: utf8(transactionalId),
    writes: db,
    run: (k, ptr, len) => k.kd_txn_ids_register(db, ptr, len, now),
  });
}

export function txnIdsList(db: number): string[] {
  return invoke({ run: (k) => k.kd_txn_ids_list(db), read: (r) => r.list(() => r.str()) });
}
