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
 * answers empty), as a Kafka Fetch with max.wait.ms does. A read_committed read waits
 * at the last stable offset instead, and a transaction marker wakes it too (the LSO moves). Waiters are woken after
 * flushAppends has handed the appends to the core; their answers, like the
 * producers', leave through the output gate, so a reader never sees a record that
 * SQLite does not yet have.
 *
 * The read of stored batches is named fetchBatches, not fetch: `fetch` on a Durable
 * Object is its HTTP handler, and a stub's fetch() always sends a Request.
 *
 * Retention and compaction: the core decides what goes and when (src-c/retention.c,
 * src-c/compaction.c); this class only keeps the alarm the core asks for. Appends
 * bring the topic's configs, handed to the core when they change. The alarm is set
 * for now by an append that takes the log past the size the last step named, by
 * DeleteRecords, by a config change and by a step that did not finish (each step is
 * its own transaction, so produces interleave with a long deletion); otherwise for
 * the deadline the core names, but at most once per check interval (Kafka's
 * log.retention.check.interval.ms), so a record produced with an old timestamp is
 * readable for a while, as with Kafka, rather than gone at once.
 *
 * The cold tier (cold-tier.ts): with remote.storage.enable, the alarm also moves the
 * oldest batches to the KAFDO_COLD bucket (after retention, before compaction), and
 * reads at offsets there get their bytes from it.
 *
 * Refusals are KafdoErrors, thrown here and answered over RPC as values (rpc.ts);
 * the stubs of addressing.ts throw them again on the caller's side.
 */
import { DurableObject } from "cloudflare:workers";
import {
  logAppend,
  logCompact,
  logConfigure,
  logKeyLookup,
  logDeleteRecords,
  logDescribe,
  logRetention,
  logListOffset,
  logOffsets,
  logOffsetsBefore,
  logOpen,
  logRetire,
  logTxnState,
  logWriteTxnMarker,
  countSqlRows,
  registerStorage,
  withOpenTransactions,
  type KafdoStorage,
  type PartitionProducer,
  type TxnMarker,
} from "../../wasm/kafdo";
import { metricsEnabled, type PartitionMetrics } from "../common/metrics";
import { PartitionCounters } from "./partition-metrics";
import type { Encoding, RestReadResult } from "../common/rest-read";
import type { Env } from "./bindings";
import type { TopicPartitionRpc } from "./interfaces";
import { KafdoError, KafkaCode } from "../common/errors";
import {
  READ_COMMITTED,
  READ_UNCOMMITTED,
  type AppendResult,
  type FetchResult,
  type IsolationLevel,
  type LogOffsets,
  type StableOffsets,
  type ReadResult,
} from "../common/records";
import { ColdTier } from "./cold-tier";
import { answerRefusals } from "./rpc";
import type { PartitionQuery, PartitionQueryResult, RecordRow } from "../common/query";
import { queryPartition, queryRows } from "./query-rows";
import { HubWatch } from "./hub-watch";

/* An append without a limit of its own (the producers pass the topic's
 * max.message.bytes) gets Kafka's default, which the core holds
 * (KD_DEFAULT_MAX_MESSAGE_BYTES): 0 asks for it. */
const CORE_DEFAULT_MAX_BATCH_BYTES = 0;

/* The longest a readWait holds its call. */
export const MAX_READ_WAIT_MS = 60000;

/* The most batches one retention step deletes: each step is one transaction, and
 * produces wait for it, so it stays short (a few milliseconds of SQLite work). */
export const RETENTION_STEP_ROWS = 2000;

/* How long configs pushed by an alteration win over those appends bring: twice the
 * life of an isolate's topic metadata cache (partitions/topics.ts, 5 s). */
const PUSHED_CONFIG_WINS_MS = 10000;

/* How often a partition looks for what retention and compaction may remove, as Kafka's
 * log.retention.check.interval.ms (300000); the var KAFDO_RETENTION_CHECK_INTERVAL_MS
 * sets another (tests use a short one). DeleteRecords, a config change, a partition
 * grown past its retention.bytes and a step that did not finish do not wait for it. */
export const DEFAULT_RETENTION_CHECK_INTERVAL_MS = 300000;

function retentionCheckIntervalMs(env: Env): number {
  const raw = env.KAFDO_RETENTION_CHECK_INTERVAL_MS;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : DEFAULT_RETENTION_CHECK_INTERVAL_MS;
}

interface PendingAppend {
  sets: Uint8Array[];
  maxBatchBytes: number;
  topicConfig: string | undefined;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

export class TopicPartitionDO extends DurableObject<Env> implements TopicPartitionRpc {
  /* Held so that the db id stays valid: the binding holds storages weakly. */
  private readonly storage: KafdoStorage;
  private readonly db: number;
  private pending: PendingAppend[] = [];
  /* Wakes the readWait calls waiting for an append. */
  private readonly waiters = new Set<() => void>();
  /* The topic configs last handed to the core by this instance. */
  private configured: string | undefined;
  /* When an alteration last handed this instance the topic's configs (configure).
   * For a while after (PUSHED_CONFIG_WINS_MS), appends and lookups may still bring the
   * configs from before it, out of an isolate's metadata cache: those are not taken. */
  private pushedAt = -Infinity;
  /* Retention, as the last step left it: the log's size then plus what was appended
   * since, the size that calls for a step (-1: none), and whether a step is due
   * anyway (the alarm is set for now) or the log waits for an append to have a
   * deadline again. */
  private sizeBytes = 0;
  private sizeTriggerBytes = -1;
  /* The size past which the cold tier's step is due (-1: none). */
  private tierTriggerBytes = -1;
  private readonly cold: ColdTier;
  /* For /metrics, in memory only (partition-metrics.ts). */
  private readonly counters: PartitionCounters;
  private stepOnAppend = false;
  /* When the alarm is set for (null: not set by this instance), and when the last
   * step ran: steps that only look for what expired run at most once per check
   * interval, as Kafka's log.retention.check.interval.ms. */
  private alarmAt: number | null = null;
  private lastCheckAt: number;
  private readonly checkIntervalMs: number;
  /* The subscription hub watching this partition, told after each commit (hub-watch.ts). */
  private readonly hubWatch: HubWatch;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    this.db = registerStorage(this.storage);
    logOpen(this.db);
    this.lastCheckAt = Date.now();
    this.checkIntervalMs = retentionCheckIntervalMs(env);
    this.cold = new ColdTier(this.db, env.KAFDO_COLD, `${ctx.id.toString()}/`);
    countSqlRows(metricsEnabled(env));
    this.counters = new PartitionCounters(this.db, this.storage, metricsEnabled(env));
    this.hubWatch = new HubWatch(ctx.storage, env);
  }

  /* A subscription hub starts (or stops) watching this partition (hub-watch.ts). */
  watch(topicId: string, partition: number, watched: boolean): void {
    this.hubWatch.set(topicId, partition, watched);
  }

  /* What /metrics shows of this partition (reads only). */
  metrics(): PartitionMetrics {
    return this.counters.snapshot();
  }

  /* Appends produce sets, each one or more RecordBatches back to back; one result
   * per set, in order. The sets' batches are stored with their offsets assigned. */
  append(
    sets: Uint8Array[],
    maxBatchBytes: number = CORE_DEFAULT_MAX_BATCH_BYTES,
    topicConfig?: string,
  ): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setTimeout(() => this.#flushAppends(), 0);
      this.pending.push({ sets, maxBatchBytes, topicConfig, resolve, reject });
    });
  }

  /* The topic's configs (a JSON object of name to value) changed: retention follows
   * them at once. */
  configure(topicConfig: string): void {
    this.configured = topicConfig;
    this.pushedAt = Date.now();
    logConfigure(this.db, topicConfig);
    this.counters.recount();
    this.#stepAt(Date.now());
  }

  /* DeleteRecords: the new log start offset (Kafka's low watermark). */
  deleteRecords(offset: number): { lowWatermark: number } {
    const lowWatermark = logDeleteRecords(this.db, offset);
    this.counters.recount();
    this.#stepAt(Date.now());
    return { lowWatermark };
  }

  /* One step of retention, then one of compaction; the next alarm is the earlier of
   * the deadlines the core names (not before the next check), or now again while
   * either has more to do. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null;
    this.lastCheckAt = now;
    this.counters.recount();
    let retention, tiering, compaction;
    try {
      retention = logRetention(this.db, now, RETENTION_STEP_ROWS);
      tiering = await this.cold.step(now);
      compaction = logCompact(this.db, now, RETENTION_STEP_ROWS);
    } catch (e) {
      /* A retired log (its topic deleted) has nothing left to keep but its cold
       * objects to delete. */
      if (KafdoError.from(e)?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) {
        if (await this.cold.collectGarbage()) this.#stepAt(Date.now());
        return;
      }
      throw e;
    }
    this.sizeBytes = retention.sizeBytes;
    this.sizeTriggerBytes = retention.sizeTriggerBytes;
    this.tierTriggerBytes = tiering.sizeTriggerBytes;
    const more = retention.more || tiering.more || compaction.more;
    const deadlines = [retention.nextDeadlineMs, tiering.nextDeadlineMs, compaction.nextDeadlineMs].filter(
      (d) => d >= 0,
    );
    /* With nothing to wait for, the next append looks again (it may bring a deadline). */
    this.stepOnAppend = (retention.active || tiering.active || compaction.active) && !more && deadlines.length === 0;
    if (more) this.#stepAt(now);
    else if (deadlines.length > 0) this.#stepAt(Math.max(Math.min(...deadlines), now + this.checkIntervalMs));
  }

  /* The latest record of a key, for a compacted topic read as a table. The topic's
   * configs come along, as with appends: a partition never appended to learns here
   * that its topic is compacted. */
  latest(key: Uint8Array, topicConfig?: string): ReadResult {
    this.#adoptConfig(topicConfig);
    return logKeyLookup(this.db, key);
  }

  /* Sets the alarm for `at`, unless this instance set it for earlier already. */
  #stepAt(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /* A step at the next check: a check interval after the last. */
  #checkSoon(): void {
    this.#stepAt(Math.max(Date.now(), this.lastCheckAt + this.checkIntervalMs));
  }

  /* The configs an append (or a lookup) brought, handed to the core when they differ
   * from what this instance last gave it (so the first append of each instance, and a
   * change); a step follows, which sets the deadlines. A config the core refuses is logged and
   * the appends go on under the configs stored before. */
  #adoptConfig(topicConfig: string | undefined): void {
    if (topicConfig === undefined || topicConfig === this.configured) return;
    if (Date.now() - this.pushedAt < PUSHED_CONFIG_WINS_MS) return;
    this.configured = topicConfig;
    try {
      logConfigure(this.db, topicConfig);
    } catch (e) {
      console.error("kafdo: the topic's configs were refused by the log:", e);
      return;
    }
    this.#checkSoon();
  }

  /* After appends: a step now when the log grew past the size the last step named
   * (so retention.bytes bounds the partition closely), at the next check when the
   * last step had nothing to wait for. */
  #afterAppends(appendedBytes: number): void {
    this.sizeBytes += appendedBytes;
    const past = (trigger: number): boolean => trigger >= 0 && this.sizeBytes > trigger;
    if (past(this.sizeTriggerBytes) || past(this.tierTriggerBytes)) {
      this.sizeTriggerBytes = this.tierTriggerBytes = -1;
      this.#stepAt(Date.now());
    } else if (this.stepOnAppend) {
      this.stepOnAppend = false;
      this.#checkSoon();
    }
  }

  /* One core call per run of queued appends with the same max.message.bytes (in
   * practice one: they are all for this partition's topic), in arrival order, so
   * the log keeps the order the appends came in. Readers waiting for records are
   * woken when something was stored. */
  #flushAppends(): void {
    const queued = this.pending;
    this.pending = [];
    /* The topic's configs first: they say whether the log is compacted, which the
     * appends are judged by (keyless records are refused there). */
    const config = [...queued].reverse().find((p) => p.topicConfig !== undefined)?.topicConfig;
    this.#adoptConfig(config);
    let stored = false;
    let appendedBytes = 0;
    let appendedRecords = 0;
    for (let start = 0; start < queued.length;) {
      const limit = queued[start]!.maxBatchBytes;
      let end = start;
      while (end < queued.length && queued[end]!.maxBatchBytes === limit) end++;
      const run = queued.slice(start, end);
      start = end;
      try {
        const results = logAppend(
          this.db,
          run.flatMap((p) => p.sets),
          Date.now(),
          limit,
        );
        stored ||= results.some((r) => r.errorCode === 0);
        let at = 0;
        for (const p of run) {
          p.sets.forEach((set, i) => {
            if (results[at + i]?.errorCode === 0) {
              appendedBytes += set.length;
              appendedRecords += results[at + i]!.recordCount;
            }
          });
          p.resolve(results.slice(at, at + p.sets.length));
          at += p.sets.length;
        }
      } catch (e) {
        for (const p of run) p.reject(e);
      }
    }
    if (stored) {
      this.counters.appended(appendedRecords, appendedBytes);
      this.#wakeReaders();
      this.#afterAppends(appendedBytes);
    }
  }

  #wakeReaders(): void {
    for (const wake of [...this.waiters]) wake();
    this.hubWatch.notify();
  }

  /* Stored RecordBatch bytes from offset, as a Kafka Fetch returns them: within
   * maxBytes, the first batch whole past it when minOneBatch (kd_log_fetch_isolated). */
  fetchBatches(
    offset: number,
    maxBytes: number,
    minOneBatch = true,
    isolation: IsolationLevel = READ_UNCOMMITTED,
  ): FetchResult | Promise<FetchResult> {
    return this.#countFetch(this.cold.fetch(offset, maxBytes, minOneBatch, isolation));
  }

  /* Decoded records from offset; never a transaction marker, and under read_committed
   * (the default) never an aborted transaction's. */
  read(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation: IsolationLevel = READ_COMMITTED,
  ): ReadResult | Promise<ReadResult> {
    return this.#countRead(this.cold.read(offset, maxRecords, maxBytes, isolation));
  }

  /* read(), the records written by the core as the REST API's JSON messages: the
   * REST read sends them on as they are (kd_log_read_rest_isolated). */
  readRest(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation: IsolationLevel,
    encoding: Encoding,
  ): RestReadResult | Promise<RestReadResult> {
    const r = this.cold.readRest(offset, maxRecords, maxBytes, isolation, encoding);
    return r instanceof Promise ? r.then((x) => this.counters.readRest(x)) : this.counters.readRest(r);
  }

  /* Transactions (TXN.md): the coordinator ends a producer's transaction on this
   * partition. The core judges it (kd_log_write_txn_marker); Kafka's refusals answer as
   * errorCode. A marker written moves the LSO: read_committed readers wake. */
  async writeTxnMarker(m: TxnMarker): Promise<{ errorCode: number }> {
    try {
      const { markerOffset } = logWriteTxnMarker(this.db, m, Date.now());
      if (markerOffset >= 0) {
        this.counters.recount();
        this.#wakeReaders();
        /* A marker moves the LSO, up to which compaction cleans: after it, as after an
         * append (its small batch is measured by the next step). */
        this.#afterAppends(0);
      }
      return { errorCode: 0 };
    } catch (e) {
      const code = KafdoError.from(e)?.code;
      if (code !== undefined && code > 0) return { errorCode: code };
      throw e;
    }
  }

  /* Counts what a read or a fetch answers (partition-metrics.ts), once it is known. */
  #countRead(r: ReadResult | Promise<ReadResult>): ReadResult | Promise<ReadResult> {
    return r instanceof Promise ? r.then((x) => this.counters.read(x)) : this.counters.read(r);
  }

  #countFetch(r: FetchResult | Promise<FetchResult>): FetchResult | Promise<FetchResult> {
    return r instanceof Promise ? r.then((x) => this.counters.fetched(x)) : this.counters.fetched(r);
  }

  /* read(), but when the log has nothing at offset yet (offset is the high
   * watermark), waits up to waitMs for an append first. An answer that needs no
   * wait (records, or a refusal) is given at once. */
  readWait(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    waitMs: number,
    isolation: IsolationLevel = READ_COMMITTED,
  ): ReadResult | Promise<ReadResult> {
    const read = (): ReadResult | Promise<ReadResult> => this.cold.read(offset, maxRecords, maxBytes, isolation);
    const now = read();
    /* An answer from the cold tier is never at the end of what may be read. */
    if (now instanceof Promise || now.records.length > 0 || offset < readableEnd(now, isolation)) {
      return this.#countRead(now);
    }
    return this.#countRead(this.#afterAppend(waitMs, now, read));
  }

  /* fetchBatches(), waiting as readWait() does: a Kafka Fetch's long poll. */
  fetchBatchesWait(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    waitMs: number,
    isolation: IsolationLevel = READ_UNCOMMITTED,
  ): FetchResult | Promise<FetchResult> {
    const fetch = (): FetchResult | Promise<FetchResult> => this.cold.fetch(offset, maxBytes, minOneBatch, isolation);
    const now = fetch();
    if (now instanceof Promise || now.batches.length > 0 || offset < readableEnd(now, isolation)) {
      return this.#countFetch(now);
    }
    return this.#countFetch(this.#afterAppend(waitMs, now, fetch));
  }

  /* `again()` once an append lands or waitMs (bounded) runs out; `now` when there
   * is nothing to wait for. */
  #afterAppend<T>(waitMs: number, now: T, again: () => T | Promise<T>): T | Promise<T> {
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

  stableOffsets(): StableOffsets {
    const { logStartOffset, highWatermark, lastStableOffset } = logTxnState(this.db);
    return { logStartOffset, highWatermark, lastStableOffset };
  }

  /* SQL over the topic (query-rows.ts): this partition's range read, and a statement run
   * over it; queryMerge runs one over rows the other partitions read. */
  query(q: PartitionQuery): Promise<PartitionQueryResult> {
    return queryPartition(this.ctx.storage, q, (offset, n, bytes) => this.cold.read(offset, n, bytes, READ_COMMITTED));
  }

  queryMerge(q: PartitionQuery, rows: RecordRow[]): PartitionQueryResult {
    return queryRows(this.ctx.storage, q, rows);
  }

  /* DescribeLogDirs and DescribeProducers: the stored bytes and the idempotent
   * producers, with their open transactions' first offsets. */
  describe(): { sizeBytes: number; producers: PartitionProducer[] } {
    const { sizeBytes, producers } = logDescribe(this.db);
    return { sizeBytes, producers: withOpenTransactions(producers, logTxnState(this.db)) };
  }

  /* ListOffsets: earliest (-2), latest (-1: under read_committed the last stable
   * offset), or the first record at or after a time. */
  offsetForTimestamp(
    timestamp: number,
    isolation: IsolationLevel = READ_UNCOMMITTED,
  ): { offset: number; timestamp: number } {
    return logListOffset(this.db, timestamp, isolation);
  }

  /* ListOffsets v0's offsets before a time (Kafka's legacy answer), newest first. */
  offsetsBefore(timestamp: number, maxNum: number): number[] {
    return logOffsetsBefore(this.db, timestamp, maxNum, Date.now());
  }

  /* The topic was deleted: drop the log; every later call is refused, the appends
   * still queued included (they were never acknowledged). */
  retire(): void {
    logRetire(this.db);
    this.counters.recount();
    this.#flushAppends();
    this.#wakeReaders(); /* their next read answers UNKNOWN_TOPIC_OR_PARTITION */
    this.#stepAt(Date.now()); /* the alarm deletes the cold tier's objects */
  }
}

/* Where a read at that isolation level stops: the LSO under read_committed. */
function readableEnd(r: FetchResult | ReadResult, isolation: IsolationLevel): number {
  return isolation === READ_COMMITTED ? (r.lastStableOffset ?? r.highWatermark) : r.highWatermark;
}

answerRefusals(TopicPartitionDO);
