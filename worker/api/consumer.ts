/*
 * consumer.ts — createConsumer(env, config, listener): Kafka's consumer for code
 * running in a Worker, a member of a consumer group over Durable Object RPC.
 *
 * It behaves as Kafka's Java consumer does, with the group's decisions (who is a
 * member, which generation, who gets which partition) taken by the group's
 * ConsumerGroupDO and the records read from the partitions' TopicPartitionDOs:
 *
 *   - subscribe() only records the topics (their names checked by the core); the
 *     consumer joins the group at its first poll, and rejoins in poll whenever the
 *     group asks. A topic that does not exist yet is kept in the subscription and
 *     gives nothing until it is created (the consumer looks at its subscribed
 *     topics' partition counts every few seconds, and rejoins when they change).
 *   - A timer heartbeats every heartbeatIntervalMs while the consumer is a member.
 *     A heartbeat only learns that a rebalance is needed; the rebalance itself
 *     (auto-commit, onPartitionsRevoked, join, onPartitionsAssigned) runs inside
 *     poll, as in Kafka, so it never moves partitions under records the caller is
 *     still processing. A member that stops polling holds a rebalance up until it
 *     polls again or rebalanceTimeoutMs passes (then the group drops it).
 *   - Rebalances are eager: every partition is revoked before the rejoin, and the
 *     whole new assignment is handed to onPartitionsAssigned. onPartitionsRevoked
 *     runs while the partitions are still assigned, so it can commit what was
 *     processed. A member whose session expired (UNKNOWN_MEMBER_ID) has its
 *     partitions revoked without a commit (the group would refuse it) and joins as
 *     a new member.
 *   - Positions: an assigned partition starts at its committed offset, else at the
 *     log start (fromBeginning) or the high watermark; a position outside the log
 *     (a stale commit, a seek too far, retention) is reset the same way, as
 *     Kafka's auto.offset.reset does. Positions move past the records returned.
 *     pause/resume state does not survive a rebalance, as in Kafka.
 *   - Fetching: each fetchable partition has at most one read in flight, a long
 *     poll (readWait) held by the partition until records arrive or 500 ms pass
 *     (Kafka's fetch.max.wait.ms), for at most maxPollRecords records (and at most
 *     read.ts's MAX_READ_RECORDS). poll(timeout) returns as soon as any partition
 *     has records, at most maxPollRecords shared fairly across partitions; what it
 *     does not return stays buffered for the next poll. A read still in flight
 *     when poll returns is kept for the next poll, and dropped when its partition
 *     was sought, revoked or the consumer closed. A read that fails is tried again
 *     after 100 ms when it may succeed then; a refusal that would only be repeated
 *     (a batch the core cannot decode, say) is thrown by the next poll.
 *   - Commits carry the next offset to read. With autoCommit, poll commits the
 *     positions at most every autoCommitIntervalMs (only when they moved), and so
 *     do revocation and close. poll(timeout)'s timeout bounds the wait for records;
 *     a join in progress may take longer (up to rebalanceTimeoutMs).
 *   - The async iterator polls and yields record by record; each record's position
 *     moves past it when it is yielded, so leaving the loop (break) leaves the
 *     consumer at the first record not yielded, still a member: commit() and
 *     close() then do what they would after poll. The loop ends when the consumer
 *     is closed.
 *
 * Records come out decoded for JavaScript: a key or header value is its UTF-8 text
 * when it is valid UTF-8, else its bytes; a value is the JSON it holds (the
 * producer stores JSON values as their UTF-8 JSON text), else its UTF-8 text,
 * else its bytes; null stays null.
 */
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
} from "../common/consumer-defaults";
import { typedEnv, type Env, type KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { AssignmentStrategy, OffsetCommit, TopicPartition } from "../common/groups";
import type { ConsumedBytes, ConsumedRecord, ConsumerRecord, Isolation } from "../common/records";
import {
  checkGroupId,
  commitOffsets,
  committedOffsets,
  heartbeat as sendHeartbeat,
  joinGroup,
  leaveGroup,
} from "./groups";
import { retriable } from "../partitions/access";
import { topicFor } from "../partitions/topics";
import { MAX_READ_RECORDS, partitionOffsets, readPartitionWait } from "./read";
import { jsonValue, utf8Text } from "./records";

/* How long one read waits in the partition for records: Kafka's fetch.max.wait.ms. */
const FETCH_MAX_WAIT_MS = 500;
/* Bytes of stored batches one read returns at most (at least one batch). */
const FETCH_MAX_BYTES = 1 << 20;
/* Wait before reading again a partition whose read failed: Kafka's retry.backoff.ms. */
const RETRY_BACKOFF_MS = 100;
/* How often the subscribed topics' partition counts are looked at again. */
const METADATA_CHECK_MS = 5000;
/* The poll timeout the async iterator uses; close() ends its wait at once. */
const ITERATOR_POLL_MS = 5000;

/* ---- public types ------------------------------------------------------------------ */

export interface ConsumerConfig {
  /* Required: the consumer group this consumer is a member of. */
  groupId: string;
  /* 'kafdo-consumer' when absent. */
  clientId?: string;
  /* The group drops a member it has not heard from for this long. 30000. */
  sessionTimeoutMs?: number;
  /* How often the consumer tells the group it is alive. 3000. */
  heartbeatIntervalMs?: number;
  /* Records one poll returns at most. 500. */
  maxPollRecords?: number;
  /* Commit positions from poll (every autoCommitIntervalMs), on revocation and on close. true. */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /* Where a partition without a committed offset starts: the log start (true) or
   * the end, records produced from now on (false, the default). */
  fromBeginning?: boolean;
  /* How long the group waits for its members to rejoin in a rebalance. 60000. */
  rebalanceTimeoutMs?: number;
  /* The assignor the group uses: "range" (default), "roundrobin" or "sticky". */
  strategy?: AssignmentStrategy;
  /* Records come out as stored: key, value and header values as their bytes, not
   * decoded (for kafdo/kafkajs, whose messages carry Buffers). false. */
  raw?: boolean;
  /* "read_committed" (the default): only committed transactions' records;
   * "read_uncommitted": aborted ones too. Transaction markers never. */
  isolation?: Isolation;
}

export type { ConsumedBytes, ConsumedRecord };

/* Called inside poll (and close, unsubscribe) around each rebalance. */
export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
}

/* Who this consumer is in its group: what a commit is fenced by. */
export interface ConsumerGroupMetadata {
  groupId: string;
  /* "" before the first join. */
  memberId: string;
  /* -1 before the first join. */
  generationId: number;
}

export interface Consumer extends AsyncIterable<ConsumedRecord> {
  subscribe(topics: string[] | string): Promise<void>;
  unsubscribe(): Promise<void>;
  poll(timeout?: number): Promise<ConsumedRecord[]>;
  commit(): Promise<void>;
  commitSync(offsets?: OffsetCommit[]): Promise<void>;
  seek(partition: TopicPartition, offset: number): void;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  close(): Promise<void>;
  subscription(): string[];
  assignment(): TopicPartition[];
  paused(): TopicPartition[];
  /* The offset of the next record poll returns from the partition; undefined
   * until the consumer has found where it starts. */
  position(partition: TopicPartition): number | undefined;
  groupMetadata(): ConsumerGroupMetadata;
}

/* ---- decoding records ----------------------------------------------------------------- */

function bytesOut(bytes: Uint8Array | null): ConsumedBytes {
  return bytes === null ? null : (utf8Text(bytes) ?? bytes);
}

function valueOut(bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  const parsed = jsonValue(bytes);
  return parsed.ok ? parsed.value : (utf8Text(bytes) ?? bytes);
}

function headersOut(record: ConsumerRecord): Record<string, ConsumedBytes> {
  const headers: Record<string, ConsumedBytes> = {};
  for (const h of record.headers) {
    /* defineProperty, so a header named __proto__ is a header. A name repeated in
     * the record shows its last value. */
    const value = bytesOut(h.value);
    Object.defineProperty(headers, h.key, { value, enumerable: true, writable: true, configurable: true });
  }
  return headers;
}

export function consumed(tp: TopicPartition, record: ConsumerRecord, raw = false): ConsumedRecord {
  /* raw: the stored bytes as they are (for kafdo/kafkajs). */
  if (raw) {
    const headers: Record<string, ConsumedBytes> = {};
    for (const h of record.headers) {
      Object.defineProperty(headers, h.key, { value: h.value, enumerable: true, writable: true, configurable: true });
    }
    const { offset, timestamp, key, value } = record;
    return { topic: tp.topic, partition: tp.partition, offset, timestamp, key, value, headers };
  }
  return {
    topic: tp.topic,
    partition: tp.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: bytesOut(record.key),
    value: valueOut(record.value),
    headers: headersOut(record),
  };
}

/* ---- configuration ----------------------------------------------------------------------- */

type Settings = Required<Omit<ConsumerConfig, "strategy" | "raw" | "isolation">> & {
  strategy?: AssignmentStrategy;
  raw: boolean;
  isolation?: Isolation;
};

function positive(config: ConsumerConfig, name: keyof ConsumerConfig, fallback: number): number {
  const v = config[name] ?? fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `${name} must be a positive integer, not ${String(v)}`);
  }
  return v;
}

function flag(config: ConsumerConfig, name: keyof ConsumerConfig, fallback: boolean): boolean {
  const v = config[name] ?? fallback;
  if (typeof v !== "boolean") throw new KafdoError(KafkaCode.INVALID_REQUEST, `${name} must be true or false`);
  return v;
}

function settings(config: ConsumerConfig): Settings {
  if (config === null || typeof config !== "object") {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "createConsumer takes a config object with a groupId");
  }
  const clientId = config.clientId ?? DEFAULT_CLIENT_ID;
  if (typeof clientId !== "string") throw new KafdoError(KafkaCode.INVALID_REQUEST, "clientId must be a string");
  const s: Settings = {
    groupId: checkGroupId(config.groupId),
    clientId,
    sessionTimeoutMs: positive(config, "sessionTimeoutMs", DEFAULT_SESSION_TIMEOUT_MS),
    heartbeatIntervalMs: positive(config, "heartbeatIntervalMs", DEFAULT_HEARTBEAT_INTERVAL_MS),
    maxPollRecords: positive(config, "maxPollRecords", 500),
    autoCommit: flag(config, "autoCommit", true),
    autoCommitIntervalMs: positive(config, "autoCommitIntervalMs", 5000),
    fromBeginning: flag(config, "fromBeginning", false),
    rebalanceTimeoutMs: positive(config, "rebalanceTimeoutMs", DEFAULT_REBALANCE_TIMEOUT_MS),
    raw: flag(config, "raw", false),
  };
  if (config.strategy !== undefined) s.strategy = config.strategy;
  if (config.isolation !== undefined) s.isolation = config.isolation;
  if (s.heartbeatIntervalMs >= s.sessionTimeoutMs) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "heartbeatIntervalMs must be lower than sessionTimeoutMs");
  }
  return s;
}

/* ---- the consumer ----------------------------------------------------------------------- */

/* An assigned partition: where the consumer is in it, and its reads. A new object
 * per assignment, so a read that outlives its assignment knows it is stale. */
interface Assigned {
  readonly tp: TopicPartition;
  /* The next offset to return; undefined until looked up (committed offset or reset). */
  position?: number;
  /* Look the position up by the reset policy, skipping the committed offset. */
  reset: boolean;
  paused: boolean;
  /* The read in flight, started at `from` (one started before a seek may still
   * be on its way; its records are dropped). */
  reading?: { from: number };
  /* Records read and not yet returned; they are returned only while position === from. */
  buffered?: { from: number; records: ConsumerRecord[] };
  /* No read before this time (ms), after a failed one. */
  retryAt: number;
  /* A read from `from` refused for good (see retriable): the next poll throws it. */
  failed?: { from: number; error: unknown };
}

interface Taken {
  part: Assigned;
  records: ConsumerRecord[];
}

const keyOf = (tp: TopicPartition): string => `${tp.partition}@${tp.topic}`;

function topicPartition(tp: unknown, what: string): TopicPartition {
  const t = tp as TopicPartition | null;
  if (t === null || typeof t !== "object" || typeof t.topic !== "string" || !Number.isSafeInteger(t.partition)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `${what} takes { topic, partition }`);
  }
  return { topic: t.topic, partition: t.partition };
}

function codeOf(e: unknown): number | undefined {
  return KafdoError.from(e)?.code;
}

/* Wakes a waiting poll: a read finished, the group asked for a rebalance, the
 * consumer was closed. */
class Signal {
  private readonly waiting = new Set<() => void>();

  notify(): void {
    for (const wake of [...this.waiting]) wake();
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.waiting.add(wake);
    });
  }
}

export class KafdoConsumer implements Consumer {
  private readonly settings: Settings;
  private topics: string[] = [];
  private memberId = "";
  private generationId = -1;
  /* The current assignment, by keyOf. */
  private assigned = new Map<string, Assigned>();
  /* The group asked for a rejoin (a rebalance, a stale generation, a new subscription). */
  private rejoinNeeded = false;
  /* ... and no longer knows this member: revoke without committing, rejoin as new. */
  private memberLost = false;
  private joining: Promise<void> | undefined;
  private heartbeating: Promise<void> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHeartbeat = 0;
  private lastAutoCommit = 0;
  /* The offsets last committed, by keyOf, so that auto-commit skips unmoved positions. */
  private lastCommitted = new Map<string, number>();
  /* Partition counts of the subscribed topics (0: not created) as of the last join. */
  private partitionCounts = new Map<string, number>();
  private lastMetadataCheck = 0;
  private rotation = 0;
  private closed = false;
  /* onPartitionsRevoked is running: commits stay allowed, also during close(). */
  private revoking = false;
  private readonly signal = new Signal();

  constructor(
    private readonly env: Env,
    config: ConsumerConfig,
    private readonly listener: RebalanceListener = {},
  ) {
    this.settings = settings(config);
  }

  /* ---- subscription ---- */

  async subscribe(topics: string[] | string): Promise<void> {
    this.checkOpen();
    const list = typeof topics === "string" ? [topics] : topics;
    if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "subscribe takes a topic name or an array of them");
    }
    const names = [...new Set(list)].sort();
    if (names.length === 0) return this.unsubscribe();
    /* The core checks each name; a topic that does not exist yet is fine. */
    await Promise.all(names.map((name) => this.partitionCount(name)));
    if (names.join("\0") === this.topics.join("\0")) return;
    this.topics = names;
    if (this.isMember()) this.rejoinNeeded = true;
  }

  async unsubscribe(): Promise<void> {
    this.checkOpen();
    await this.settleJoin();
    await this.leave();
    this.topics = [];
  }

  subscription(): string[] {
    return [...this.topics];
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map((p) => ({ ...p.tp }));
  }

  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.settings.groupId, memberId: this.memberId, generationId: this.generationId };
  }

  /* ---- reading ---- */

  async poll(timeout = 0): Promise<ConsumedRecord[]> {
    this.checkOpen();
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `poll's timeout is a number of ms, not ${String(timeout)}`);
    }
    const out: ConsumedRecord[] = [];
    for (const { part, records } of await this.fetch(timeout)) {
      for (const r of records) out.push(consumed(part.tp, r, this.settings.raw));
      part.position = records[records.length - 1]!.offset + 1;
    }
    return out;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumedRecord, void, undefined> {
    while (!this.closed) {
      for (const { part, records } of await this.fetch(ITERATOR_POLL_MS)) {
        for (const r of records) {
          /* A seek, a pause or a rebalance while the loop ran drops what was read. */
          if (this.closed) return;
          if (this.assigned.get(keyOf(part.tp)) !== part || part.paused || part.position !== r.offset) continue;
          part.position = r.offset + 1;
          yield consumed(part.tp, r, this.settings.raw);
        }
      }
    }
  }

  seek(partition: TopicPartition, offset: number): void {
    this.checkOpen();
    const part = this.assignedPartition(partition, "seek");
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `seek's offset is an integer >= 0, not ${String(offset)}`);
    }
    part.position = offset;
    part.reset = false;
    part.buffered = undefined;
  }

  position(partition: TopicPartition): number | undefined {
    return this.assigned.get(keyOf(topicPartition(partition, "position")))?.position;
  }

  pause(partitions: TopicPartition[]): void {
    this.checkOpen();
    const parts = this.partitionList(partitions, "pause");
    for (const p of parts) p.paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    this.checkOpen();
    const parts = this.partitionList(partitions, "resume");
    for (const p of parts) p.paused = false;
    this.signal.notify();
  }

  paused(): TopicPartition[] {
    return [...this.assigned.values()].filter((p) => p.paused).map((p) => ({ ...p.tp }));
  }

  /* ---- committing ---- */

  /* Commits the position of every assigned partition whose position is known. */
  async commit(): Promise<void> {
    this.checkCanCommit();
    await this.commitOffsets(this.positions());
  }

  /* Commits exactly `offsets` (each the next offset to read), or the positions. */
  async commitSync(offsets?: OffsetCommit[]): Promise<void> {
    this.checkCanCommit();
    if (offsets === undefined) return this.commit();
    if (!Array.isArray(offsets))
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "commitSync takes an array of offsets");
    const list = offsets.map((o) => {
      const tp = topicPartition(o, "commitSync");
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new KafdoError(
          KafkaCode.INVALID_REQUEST,
          `a committed offset is an integer >= 0, not ${String(o.offset)}`,
        );
      }
      if (o.metadata !== undefined && typeof o.metadata !== "string") {
        throw new KafdoError(KafkaCode.INVALID_REQUEST, "a commit's metadata is a string");
      }
      return o.metadata === undefined ? { ...tp, offset: o.offset } : { ...tp, offset: o.offset, metadata: o.metadata };
    });
    await this.commitOffsets(list);
  }

  /* ---- closing ---- */

  /* Commits (with autoCommit), revokes, leaves the group. Calls after it throw,
   * except close() itself. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.notify();
    await this.settleJoin();
    await this.leave();
  }

  /* ---- internals: the poll loop ---- */

  /*
   * Records from the fetchable partitions, at most maxPollRecords, waiting up to
   * timeoutMs for some; positions are not moved (the caller does). Each turn of
   * the loop first does what the group needs (rejoin, heartbeat, auto-commit),
   * then finds positions, returns what is buffered, or starts the reads that are
   * missing and waits for one of them (or the signal).
   */
  private async fetch(timeoutMs: number): Promise<Taken[]> {
    if (this.topics.length === 0) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "the consumer is not subscribed to any topic");
    }
    const deadline = Date.now() + timeoutMs;
    for (let first = true; ; first = false) {
      if (this.closed || this.topics.length === 0) return [];
      await this.maintain();
      await this.findPositions();
      if (this.closed) return [];
      if (this.rejoinNeeded) continue;
      this.throwFailure();
      const taken = this.take();
      if (taken.length > 0) return taken;
      const remaining = deadline - Date.now();
      if (!first && remaining <= 0) return [];
      const started = this.startReads(Math.min(Math.max(0, remaining), FETCH_MAX_WAIT_MS));
      if (remaining <= 0) {
        await Promise.all(started);
        continue;
      }
      await this.signal.wait(Math.min(remaining, this.nextRetry() - Date.now()));
    }
  }

  /* The group's business, before each turn of a poll. */
  private async maintain(): Promise<void> {
    const now = Date.now();
    if (this.isMember() && !this.rejoinNeeded && now - this.lastMetadataCheck >= METADATA_CHECK_MS) {
      this.lastMetadataCheck = now;
      await this.checkMetadata();
    }
    if (!this.isMember() || this.rejoinNeeded) {
      await this.join();
      return;
    }
    if (Date.now() - this.lastHeartbeat >= this.settings.heartbeatIntervalMs) await this.heartbeat();
    if (this.rejoinNeeded) return;
    if (this.settings.autoCommit && Date.now() - this.lastAutoCommit >= this.settings.autoCommitIntervalMs) {
      this.lastAutoCommit = Date.now();
      const moved = this.positions().filter((o) => this.lastCommitted.get(keyOf(o)) !== o.offset);
      await this.commitOffsets(moved).catch(() => undefined);
    }
  }

  /* Rejoins when a subscribed topic appeared, vanished or grew. */
  private async checkMetadata(): Promise<void> {
    for (const topic of this.topics) {
      const count = await this.partitionCount(topic).catch(() => this.partitionCounts.get(topic) ?? 0);
      if (count !== (this.partitionCounts.get(topic) ?? 0)) this.rejoinNeeded = true;
    }
  }

  /* The topic's partition count, 0 when it does not exist; INVALID_TOPIC_EXCEPTION
   * for a name the core refuses. */
  private async partitionCount(topic: string): Promise<number> {
    try {
      return (await topicFor(this.env, topic)).partitions;
    } catch (e) {
      if (codeOf(e) === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return 0;
      throw KafdoError.from(e) ?? e;
    }
  }

  /* Starting positions for the assigned partitions that have none: the committed
   * offset, else (and after an out-of-range read) the reset policy's end. */
  private async findPositions(): Promise<void> {
    const parts = [...this.assigned.values()].filter((p) => p.position === undefined && p.retryAt <= Date.now());
    if (parts.length === 0) return;
    const assigned = this.assigned;
    const asking = parts.filter((p) => !p.reset);
    const committed = asking.length
      ? await committedOffsets(
          this.env,
          this.settings.groupId,
          asking.map((p) => p.tp),
        )
      : [];
    const found = new Map(committed.filter((c) => c.offset >= 0).map((c) => [keyOf(c), c.offset]));
    await Promise.all(
      parts.map(async (p) => {
        let position = p.reset ? undefined : found.get(keyOf(p.tp));
        if (position === undefined) {
          try {
            const o = await partitionOffsets(this.env, p.tp.topic, p.tp.partition);
            position = this.settings.fromBeginning ? o.earliest : o.latest;
          } catch {
            p.retryAt = Date.now() + RETRY_BACKOFF_MS;
            return;
          }
        }
        /* A seek while we asked wins. */
        if (this.assigned === assigned && p.position === undefined) {
          p.position = position;
          p.reset = false;
        }
      }),
    );
  }

  /* Throws the failure of a read from a partition's position (one that a seek has
   * since moved is dropped); the next poll reads the partition again. */
  private throwFailure(): void {
    for (const p of this.assigned.values()) {
      const failed = p.failed;
      if (failed === undefined) continue;
      p.failed = undefined;
      if (failed.from === p.position) throw KafdoError.from(failed.error) ?? failed.error;
    }
  }

  /* Takes up to maxPollRecords buffered records, shared fairly: each partition in
   * turn gets an equal share of what is left, starting from a rotating one. */
  private take(): Taken[] {
    const ready = [...this.assigned.values()].filter(
      (p) => !p.paused && p.buffered !== undefined && p.buffered.from === p.position && p.buffered.records.length > 0,
    );
    if (ready.length === 0) return [];
    const start = this.rotation++ % ready.length;
    const order = [...ready.slice(start), ...ready.slice(0, start)];
    const counts = new Map<Assigned, number>(order.map((p) => [p, 0]));
    let budget = this.settings.maxPollRecords;
    let open = order;
    while (budget > 0 && open.length > 0) {
      const share = Math.max(1, Math.floor(budget / open.length));
      for (const p of open) {
        const n = Math.min(share, budget, p.buffered!.records.length - counts.get(p)!);
        counts.set(p, counts.get(p)! + n);
        budget -= n;
        if (budget === 0) break;
      }
      open = open.filter((p) => counts.get(p)! < p.buffered!.records.length);
    }
    const taken: Taken[] = [];
    for (const p of order) {
      const n = counts.get(p)!;
      if (n === 0) continue;
      const b = p.buffered!;
      const records = b.records.slice(0, n);
      const rest = b.records.slice(n);
      p.buffered = rest.length > 0 ? { from: records[n - 1]!.offset + 1, records: rest } : undefined;
      taken.push({ part: p, records });
    }
    return taken;
  }

  /* Starts a read on each fetchable partition that has none in flight and nothing
   * buffered; returns the new reads. */
  private startReads(waitMs: number): Promise<void>[] {
    const started: Promise<void>[] = [];
    const now = Date.now();
    for (const p of this.assigned.values()) {
      if (p.paused || p.position === undefined || p.reading?.from === p.position || p.retryAt > now) continue;
      if (p.buffered && p.buffered.from === p.position) continue;
      p.buffered = undefined;
      const reading = { from: p.position };
      p.reading = reading;
      started.push(this.read(p, reading, waitMs));
    }
    return started;
  }

  private async read(p: Assigned, reading: { from: number }, waitMs: number): Promise<void> {
    const { from } = reading;
    try {
      const read = await readPartitionWait(
        this.env,
        p.tp.topic,
        p.tp.partition,
        {
          offset: from,
          limit: Math.min(this.settings.maxPollRecords, MAX_READ_RECORDS),
          maxBytes: FETCH_MAX_BYTES,
          isolation: this.settings.isolation,
        },
        waitMs,
      );
      if (this.current(p, from)) {
        const records = read.records.filter((r) => r.offset >= from);
        if (records.length > 0) {
          p.buffered = { from, records };
        } else if (read.nextOffset > from) {
          /* Nothing but transaction markers or aborted records there: move past them. */
          p.position = read.nextOffset;
        }
      }
    } catch (e) {
      if (this.current(p, from)) {
        if (codeOf(e) === KafkaCode.OFFSET_OUT_OF_RANGE) {
          p.position = undefined;
          p.reset = true;
        } else {
          p.retryAt = Date.now() + RETRY_BACKOFF_MS;
          /* A read that cannot succeed by trying again (partitions/access.ts) is
           * thrown by the next poll, as Kafka's poll does, rather than retried forever;
           * after an unknown partition the metadata check rejoins. */
          if (!retriable(e)) p.failed = { from, error: e };
        }
      }
    } finally {
      if (p.reading === reading) p.reading = undefined;
      this.signal.notify();
    }
  }

  /* Whether a read of p from `from` still matters: p is assigned and still there. */
  private current(p: Assigned, from: number): boolean {
    return !this.closed && this.assigned.get(keyOf(p.tp)) === p && p.position === from;
  }

  private nextRetry(): number {
    let next = Infinity;
    for (const p of this.assigned.values()) if (p.retryAt > Date.now()) next = Math.min(next, p.retryAt);
    return next;
  }

  /* ---- internals: the group ---- */

  private isMember(): boolean {
    return this.generationId >= 0;
  }

  /* One join at a time; close() and unsubscribe() wait for it. */
  private join(): Promise<void> {
    this.joining ??= this.rejoin().finally(() => (this.joining = undefined));
    return this.joining;
  }

  private async settleJoin(): Promise<void> {
    await this.joining?.catch(() => undefined);
  }

  private async rejoin(): Promise<void> {
    if (this.isMember()) await this.revoke();
    if (this.memberLost) this.memberId = "";
    const counts = await Promise.all(this.topics.map((t) => this.partitionCount(t).catch(() => 0)));
    for (;;) {
      try {
        const request = {
          memberId: this.memberId,
          clientId: this.settings.clientId,
          topics: [...this.topics],
          sessionTimeoutMs: this.settings.sessionTimeoutMs,
          rebalanceTimeoutMs: this.settings.rebalanceTimeoutMs,
          ...(this.settings.strategy ? { strategy: this.settings.strategy } : {}),
        };
        const joined = await joinGroup(this.env, this.settings.groupId, request);
        this.memberId = joined.memberId;
        this.generationId = joined.generationId;
        this.assigned = new Map(
          joined.assignment.map((tp): [string, Assigned] => [
            keyOf(tp),
            { tp: { topic: tp.topic, partition: tp.partition }, reset: false, paused: false, retryAt: 0 },
          ]),
        );
        break;
      } catch (e) {
        /* Our member id expired while we were away: join as a new member. */
        if (codeOf(e) === KafkaCode.UNKNOWN_MEMBER_ID && this.memberId !== "") {
          this.memberId = "";
          continue;
        }
        throw e;
      }
    }
    this.partitionCounts = new Map(this.topics.map((t, i) => [t, counts[i]!]));
    this.lastMetadataCheck = Date.now();
    this.rejoinNeeded = false;
    this.memberLost = false;
    this.lastHeartbeat = Date.now();
    this.lastAutoCommit = Date.now();
    this.scheduleHeartbeat();
    await this.listener.onPartitionsAssigned?.(this.assignment());
  }

  /* Gives the assignment up before a rejoin, an unsubscribe or a close: commits
   * (autoCommit; a refusal does not matter, the partitions are going anyway),
   * tells the listener, then drops the assignment. The listener runs while the
   * partitions are still assigned, as in Kafka: assignment(), position() and
   * commit() inside it see them (from close() too), so a consumer that commits by
   * hand commits there what it has processed. A lost member commits nothing: the
   * group would refuse. */
  private async revoke(): Promise<void> {
    if (this.settings.autoCommit && !this.memberLost) {
      await this.commitOffsets(this.positions()).catch(() => undefined);
    }
    this.revoking = true;
    try {
      await this.listener.onPartitionsRevoked?.(this.assignment());
    } finally {
      this.revoking = false;
      this.assigned = new Map();
    }
  }

  /* Revokes and leaves the group; stops the heartbeats. */
  private async leave(): Promise<void> {
    this.stopHeartbeat();
    if (!this.isMember()) return;
    try {
      await this.revoke();
    } finally {
      const memberId = this.memberId;
      this.memberId = "";
      this.generationId = -1;
      this.rejoinNeeded = false;
      this.memberLost = false;
      this.lastCommitted.clear();
      this.signal.notify();
      await leaveGroup(this.env, this.settings.groupId, memberId).catch(() => undefined);
    }
  }

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    if (this.closed) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.closed || !this.isMember()) return;
      const next = (): void => {
        if (!this.closed && this.isMember() && this.heartbeatTimer === undefined) this.scheduleHeartbeat();
      };
      if (this.joining || this.rejoinNeeded) return next();
      this.heartbeat().then(next, next);
    }, this.settings.heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /* One heartbeat at a time. Its verdict matters only for the generation it was
   * sent for; any failure other than the group's is tried again next time. */
  private heartbeat(): Promise<void> {
    this.heartbeating ??= (async () => {
      const { memberId, generationId } = this;
      try {
        await sendHeartbeat(this.env, this.settings.groupId, memberId, generationId);
        this.lastHeartbeat = Date.now();
      } catch (e) {
        this.fenced(e, memberId, generationId);
      }
    })().finally(() => (this.heartbeating = undefined));
    return this.heartbeating;
  }

  /* Notes what a refusal from the group means for this member. */
  private fenced(e: unknown, memberId: string, generationId: number): void {
    if (memberId !== this.memberId || generationId !== this.generationId || !this.isMember()) return;
    const code = codeOf(e);
    if (code === KafkaCode.UNKNOWN_MEMBER_ID) this.memberLost = true;
    if (
      code === KafkaCode.UNKNOWN_MEMBER_ID ||
      code === KafkaCode.ILLEGAL_GENERATION ||
      code === KafkaCode.REBALANCE_IN_PROGRESS
    ) {
      this.rejoinNeeded = true;
      this.signal.notify();
    }
  }

  private positions(): OffsetCommit[] {
    const out: OffsetCommit[] = [];
    for (const p of this.assigned.values()) {
      if (p.position !== undefined) out.push({ topic: p.tp.topic, partition: p.tp.partition, offset: p.position });
    }
    return out;
  }

  private async commitOffsets(offsets: OffsetCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    const { memberId, generationId } = this;
    try {
      await commitOffsets(this.env, this.settings.groupId, memberId, generationId, offsets);
    } catch (e) {
      this.fenced(e, memberId, generationId);
      throw KafdoError.from(e) ?? e;
    }
    for (const o of offsets) this.lastCommitted.set(keyOf(o), o.offset);
  }

  /* ---- internals: arguments ---- */

  private checkOpen(): void {
    if (this.closed) throw new KafdoError(KafkaCode.INVALID_REQUEST, "the consumer is closed");
  }

  private checkCanCommit(): void {
    if (!this.revoking) this.checkOpen();
  }

  private assignedPartition(tp: unknown, what: string): Assigned {
    const t = topicPartition(tp, what);
    const part = this.assigned.get(keyOf(t));
    if (!part) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `${what}: partition ${t.partition} of "${t.topic}" is not assigned to this consumer`,
      );
    }
    return part;
  }

  private partitionList(partitions: TopicPartition[], what: string): Assigned[] {
    if (!Array.isArray(partitions)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `${what} takes an array of { topic, partition }`);
    }
    return partitions.map((tp) => this.assignedPartition(tp, what));
  }
}

export function createConsumer(
  env: KafdoBindings,
  config: ConsumerConfig,
  rebalanceListener?: RebalanceListener,
): Consumer {
  return new KafdoConsumer(typedEnv(env), config, rebalanceListener);
}
