/*
 * TopicPartitionDO — one partition of one topic: its log, in this object's SQLite.
 *
 * A shim. The core owns the log's schema, its SQL and every rule about offsets and
 * batches (src-c/log.c); this class registers its storage with the wasm binding,
 * opens the log once, and passes each RPC through, adding only what the core must
 * not do itself: read the clock, and group appends that arrive together.
 *
 * Group commit: append() queues its produce set and the queue is handed to the core
 * in one call on the next turn of the event loop, so producers writing to one
 * partition at the same moment share one transaction (the core still judges each
 * set on its own). Each caller's promise resolves only after the output gate has
 * let the transaction's commit through: a produce is acknowledged when SQLite has it.
 *
 * Long polling: readWait() answers at once when the log has records at its offset,
 * and otherwise holds the call until an append lands (or its wait runs out, then it
 * answers empty), as a Kafka Fetch with max.wait.ms does. Waiters are woken after
 * flushAppends has handed the appends to the core; their answers, like the
 * producers', leave through the output gate, so a reader never sees a record that
 * SQLite does not yet have.
 *
 * The read of stored batches is named fetchBatches, not fetch: `fetch` on a Durable
 * Object is its HTTP handler, and a stub's fetch() always sends a Request.
 *
 * Refusals are KafdoErrors, thrown here and answered over RPC as values (rpc.ts);
 * the stubs of addressing.ts throw them again on the caller's side.
 */
import { DurableObject } from "cloudflare:workers";
import {
  logAppend,
  logFetch,
  logOffsetForTime,
  logOffsets,
  logOpen,
  logRead,
  logRetire,
  registerStorage,
  type KafdoStorage,
} from "../../wasm/kafdo";
import type { Env } from "../env";
import type { AppendResult, FetchResult, LogOffsets, ReadResult } from "../types";
import { answerRefusals } from "./rpc";

/* Kafka's default max.message.bytes: the largest batch a topic accepts unless its
 * config says otherwise (the producer passes the topic's own value). */
export const DEFAULT_MAX_BATCH_BYTES = 1048588;

/* The longest a readWait holds its call. */
export const MAX_READ_WAIT_MS = 60000;

interface PendingAppend {
  sets: Uint8Array[];
  maxBatchBytes: number;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

export class TopicPartitionDO extends DurableObject<Env> {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;
  private pending: PendingAppend[] = [];
  /* Wakes the readWait calls waiting for an append. */
  private readonly waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    logOpen(this.db);
  }

  /* Appends produce sets, each one or more RecordBatches back to back; one result
   * per set, in order. The sets' batches are stored with their offsets assigned. */
  append(sets: Uint8Array[], maxBatchBytes: number = DEFAULT_MAX_BATCH_BYTES): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setTimeout(() => this.#flushAppends(), 0);
      this.pending.push({ sets, maxBatchBytes, resolve, reject });
    });
  }

  /* One core call per run of queued appends with the same max.message.bytes (in
   * practice one: they are all for this partition's topic), in arrival order, so
   * the log keeps the order the appends came in. Readers waiting for records are
   * woken when something was stored. */
  #flushAppends(): void {
    const queued = this.pending;
    this.pending = [];
    let stored = false;
    for (let start = 0; start < queued.length; ) {
      const limit = queued[start]!.maxBatchBytes;
      let end = start;
      while (end < queued.length && queued[end]!.maxBatchBytes === limit) end++;
      const run = queued.slice(start, end);
      start = end;
      try {
        const results = logAppend(this.db, run.flatMap((p) => p.sets), Date.now(), limit);
        stored ||= results.some((r) => r.errorCode === 0);
        let at = 0;
        for (const p of run) {
          p.resolve(results.slice(at, at + p.sets.length));
          at += p.sets.length;
        }
      } catch (e) {
        for (const p of run) p.reject(e);
      }
    }
    if (stored) this.#wakeReaders();
  }

  #wakeReaders(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /* Stored RecordBatch bytes from offset, as a Kafka Fetch returns them. */
  fetchBatches(offset: number, maxBytes: number): FetchResult {
    return logFetch(this.db, offset, maxBytes);
  }

  /* Decoded records from offset. */
  read(offset: number, maxRecords: number, maxBytes: number): ReadResult {
    return logRead(this.db, offset, maxRecords, maxBytes);
  }

  /* read(), but when the log has nothing at offset yet (offset is the high
   * watermark), waits up to waitMs for an append first. An answer that needs no
   * wait (records, or a refusal) is given at once. */
  readWait(offset: number, maxRecords: number, maxBytes: number, waitMs: number): ReadResult | Promise<ReadResult> {
    const read = (): ReadResult => logRead(this.db, offset, maxRecords, maxBytes);
    const now = read();
    if (offset !== now.highWatermark) return now;
    return this.#afterAppend(waitMs, now, read);
  }

  /* fetchBatches(), waiting as readWait() does: a Kafka Fetch's long poll. */
  fetchBatchesWait(offset: number, maxBytes: number, waitMs: number): FetchResult | Promise<FetchResult> {
    const fetch = (): FetchResult => logFetch(this.db, offset, maxBytes);
    const now = fetch();
    if (offset !== now.highWatermark) return now;
    return this.#afterAppend(waitMs, now, fetch);
  }

  /* `again()` once an append lands or waitMs (bounded) runs out; `now` when there
   * is nothing to wait for. */
  #afterAppend<T>(waitMs: number, now: T, again: () => T): T | Promise<T> {
    const wait = Math.min(Math.max(0, Math.floor(waitMs)), MAX_READ_WAIT_MS);
    if (!(wait > 0)) return now;
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, wait);
      this.waiters.add(wake);
    }).then(again);
  }

  offsets(): LogOffsets {
    return logOffsets(this.db);
  }

  /* ListOffsets: earliest (-2), latest (-1), or the first record at or after a time. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } {
    return logOffsetForTime(this.db, timestamp);
  }

  /* The topic was deleted: drop the log; every later call is refused, the appends
   * still queued included (they were never acknowledged). */
  retire(): void {
    logRetire(this.db);
    this.#flushAppends();
    this.#wakeReaders(); /* their next read answers UNKNOWN_TOPIC_OR_PARTITION */
  }
}

answerRefusals(TopicPartitionDO);
