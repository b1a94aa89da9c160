/*
 * consumer.ts — kafkajs's consumer over the in-Worker consumer (createConsumer, its
 * records read raw), with kafkajs's run loop, commit policy and events.
 *
 * run() joins the group and resolves, as kafkajs's does; the loop then runs in the
 * background, polling and handing records to eachMessage or eachBatch, until stop(),
 * disconnect(), a handler's error (CRASH, then the consumer leaves the group) or
 * the Kafdo-only budget run({ maxRunMs }) ends it. A Worker's request does not
 * outlive its response: a loop started by a request ends with it unless the request
 * waits for consumer.stopped() (or passes it to ctx.waitUntil, which gives it about
 * 30 s more). A consumer that should run for good is a push consumer or a Durable
 * Object's alarm, not a request.
 *
 * Commits follow kafkajs: a message is resolved when eachMessage returns (eachBatch:
 * resolveOffset, or the whole batch with eachBatchAutoResolve), and with autoCommit
 * the resolved offsets are committed after each batch, or every autoCommitInterval
 * ms / autoCommitThreshold messages when those are set, and when partitions are
 * revoked and the loop ends. The in-Worker consumer itself never auto-commits: it
 * moves its positions past every record poll returns, while kafkajs commits only
 * what was processed.
 */
import {
  createAdmin,
  createConsumer,
  type Consumer as ApiConsumer,
  type ConsumedRecord,
  type KafdoBindings,
} from "../api";
import { group } from "../api/groups";
import type { TopicPartition } from "../common/groups";
import { typedEnv } from "../durable-objects/bindings";
import { KafkaJSError, KafkaJSNonRetriableError, asKafkajs, kafkajsError } from "./errors";
import { ConsumerEvents, Instrumentation, type InstrumentationEvent } from "./events";
import { kafkaMessage, type KafkaMessage } from "./messages";

/* How long one poll of the loop waits for records; stop() takes at most this long. */
const LOOP_POLL_MS = 500;

export interface ConsumerConfig {
  groupId: string;
  sessionTimeout?: number;
  rebalanceTimeout?: number;
  heartbeatInterval?: number;
  maxWaitTimeInMs?: number;
  allowAutoTopicCreation?: boolean;
  /* Accepted for kafkajs's sake and not used: Kafdo's reads have their own limits. */
  minBytes?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  /* As kafkajs: false (the default) reads only committed transactions' records. */
  readUncommitted?: boolean;
  retry?: unknown;
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: KafkaMessage;
  heartbeat(): Promise<void>;
  pause(): () => void;
}

export interface Batch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}

export interface EachBatchPayload {
  batch: Batch;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  pause(): () => void;
  commitOffsetsIfNecessary(offsets?: unknown): Promise<void>;
  uncommittedOffsets(): { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] };
  isRunning(): boolean;
  isStale(): boolean;
}

export interface ConsumerRunConfig {
  autoCommit?: boolean;
  autoCommitInterval?: number | null;
  autoCommitThreshold?: number | null;
  eachBatchAutoResolve?: boolean;
  partitionsConsumedConcurrently?: number;
  eachMessage?: (payload: EachMessagePayload) => Promise<void>;
  eachBatch?: (payload: EachBatchPayload) => Promise<void>;
  /* Kafdo only: the loop stops by itself (as stop() does) after this many ms. */
  maxRunMs?: number;
}

export interface TopicPartitionOffsetAndMetadata {
  topic: string;
  partition: number;
  offset: string;
  metadata?: string | null;
}

export interface TopicPartitions {
  topic: string;
  partitions?: number[];
}

const keyOf = (tp: TopicPartition): string => `${tp.partition}@${tp.topic}`;

function offsetOf(offset: unknown, what: string): number {
  const n = typeof offset === "string" && /^\d+$/.test(offset) ? Number(offset) : offset;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new KafkaJSNonRetriableError(`${what}: offset ${String(offset)} is not an offset`);
  }
  return n;
}

/* The commit payload kafkajs's COMMIT_OFFSETS event and uncommittedOffsets() carry. */
function byTopic(offsets: { topic: string; partition: number; offset: number }[]) {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets)
    topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }]);
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

export class KafkaJSConsumer {
  readonly events = ConsumerEvents;
  private readonly instrumentation = new Instrumentation();
  private readonly subscriptions = new Map<string, boolean>(); /* topic -> fromBeginning */
  private consumer: ApiConsumer | undefined;
  private runConfig: ConsumerRunConfig = {};
  private running = false;
  private loop: Promise<void> | undefined;
  /* The next offset to commit per partition: past the last message processed. */
  private readonly resolved = new Map<string, { topic: string; partition: number; offset: number }>();
  private readonly committed = new Map<string, number>();
  private uncommittedCount = 0;
  private lastCommit = 0;
  /* Seeks asked for partitions not (yet) assigned: applied when they are. */
  private readonly pendingSeeks = new Map<string, number>();
  /* Partitions sought while their records were being handed over: the rest is dropped. */
  private readonly sought = new Set<string>();
  private readonly pausedTopics = new Map<string, Set<number> | "all">();

  constructor(
    private readonly env: KafdoBindings,
    private readonly clientId: string,
    private readonly config: ConsumerConfig,
  ) {
    if (config === null || typeof config !== "object" || typeof config.groupId !== "string") {
      throw new KafkaJSNonRetriableError("Consumer groupId must be a non-empty string.");
    }
  }

  on(eventName: string, listener: (event: InstrumentationEvent) => void): () => void {
    return this.instrumentation.on(eventName, listener);
  }

  async connect(): Promise<void> {
    this.instrumentation.emit(ConsumerEvents.CONNECT);
  }

  async disconnect(): Promise<void> {
    await this.stop();
    this.instrumentation.emit(ConsumerEvents.DISCONNECT);
  }

  /* Adds topics to the subscription (a RegExp matches the topics that exist now). */
  async subscribe(subscription: {
    topics?: (string | RegExp)[];
    topic?: string | RegExp;
    fromBeginning?: boolean;
  }): Promise<void> {
    if (this.running) throw new KafkaJSNonRetriableError("Cannot subscribe to topic while consumer is running");
    const list = subscription?.topics ?? (subscription?.topic === undefined ? undefined : [subscription.topic]);
    if (!Array.isArray(list) || list.length === 0)
      throw new KafkaJSNonRetriableError('Missing required argument "topics"');
    const existing = list.some((t) => t instanceof RegExp) ? await asKafkajs(() => this.admin().listTopics()) : [];
    for (const t of list) {
      if (t instanceof RegExp) {
        for (const name of existing)
          if (t.test(name)) this.subscriptions.set(name, subscription.fromBeginning === true);
      } else if (typeof t === "string") {
        this.subscriptions.set(t, subscription.fromBeginning === true);
      } else {
        throw new KafkaJSNonRetriableError(`Invalid topic ${String(t)}, the topic name has to be a String or a RegExp`);
      }
    }
  }

  /* Joins the group and starts the loop; resolves once joined, as kafkajs's run(). */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.running) throw new KafkaJSNonRetriableError("The consumer is already running");
    if (typeof config.eachMessage !== "function" && typeof config.eachBatch !== "function") {
      throw new KafkaJSNonRetriableError("Consumer.run needs eachMessage or eachBatch");
    }
    if (this.subscriptions.size === 0)
      throw new KafkaJSNonRetriableError("Consumer.run needs a subscription: call subscribe() first");
    const fromBeginning = new Set(this.subscriptions.values());
    if (fromBeginning.size > 1) {
      throw new KafkaJSNonRetriableError(
        "Kafdo's consumer starts every topic the same way: subscribe all topics with the same fromBeginning",
      );
    }
    this.runConfig = config;
    const consumer = await asKafkajs(async () =>
      createConsumer(
        this.env,
        {
          groupId: this.config.groupId,
          clientId: this.clientId,
          raw: true,
          autoCommit: false,
          isolation: this.config.readUncommitted === true ? "read_uncommitted" : "read_committed",
          fromBeginning: [...fromBeginning][0] === true,
          ...(this.config.sessionTimeout === undefined ? {} : { sessionTimeoutMs: this.config.sessionTimeout }),
          ...(this.config.heartbeatInterval === undefined
            ? {}
            : { heartbeatIntervalMs: this.config.heartbeatInterval }),
          ...(this.config.rebalanceTimeout === undefined ? {} : { rebalanceTimeoutMs: this.config.rebalanceTimeout }),
        },
        { onPartitionsRevoked: (tps) => this.revoked(tps), onPartitionsAssigned: (tps) => this.assigned(tps) },
      ),
    );
    this.consumer = consumer;
    this.running = true;
    this.lastCommit = Date.now();
    let first: ConsumedRecord[];
    try {
      await asKafkajs(() => consumer.subscribe([...this.subscriptions.keys()]));
      first = await asKafkajs(() => consumer.poll(0)); /* joins the group */
    } catch (e) {
      this.running = false;
      this.consumer = undefined;
      await consumer.close().catch(() => undefined);
      throw e;
    }
    const budget = config.maxRunMs;
    const deadline = typeof budget === "number" && budget >= 0 ? Date.now() + budget : Infinity;
    this.loop = this.runLoop(consumer, first, deadline);
  }

  /* Ends the loop: the message being handled finishes, the resolved offsets are
   * committed (autoCommit), the consumer leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /* Kafdo only: resolves when the run loop has ended (stop, disconnect, a crash, maxRunMs). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  /* Commits exactly these offsets (each the next offset to read). */
  async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    if (!Array.isArray(offsets))
      throw new KafkaJSNonRetriableError("commitOffsets takes [{ topic, partition, offset }]");
    const list = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: offsetOf(o.offset, "commitOffsets"),
      ...(typeof o.metadata === "string" ? { metadata: o.metadata } : {}),
    }));
    await this.commit(list);
  }

  /* Moves a partition to `offset`; the loop's next read of it starts there. */
  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }): void {
    const n = offsetOf(offset, "seek");
    const tp = { topic, partition };
    const key = keyOf(tp);
    if (!this.subscriptions.has(topic)) throw new KafkaJSNonRetriableError(`Topic ${topic} is not subscribed`);
    this.resolved.set(key, { ...tp, offset: n });
    if (this.consumer?.assignment().some((a) => keyOf(a) === key)) {
      this.consumer.seek(tp, n);
      this.sought.add(key);
    } else {
      this.pendingSeeks.set(key, n);
    }
  }

  pause(topicPartitions: TopicPartitions[]): void {
    for (const { topic, partitions } of this.topicPartitions(topicPartitions, "pause")) {
      const current = this.pausedTopics.get(topic);
      if (partitions === undefined) this.pausedTopics.set(topic, "all");
      else if (current !== "all") this.pausedTopics.set(topic, new Set([...(current ?? []), ...partitions]));
    }
    this.applyPauses();
  }

  resume(topicPartitions: TopicPartitions[]): void {
    for (const { topic, partitions } of this.topicPartitions(topicPartitions, "resume")) {
      const current = this.pausedTopics.get(topic);
      if (partitions === undefined || current === "all") this.pausedTopics.delete(topic);
      else if (current) for (const p of partitions) current.delete(p);
    }
    if (this.consumer && this.running) {
      const resume = this.consumer.paused().filter((tp) => !this.isPaused(tp));
      this.consumer.resume(resume);
    }
  }

  paused(): TopicPartitions[] {
    const assigned = this.consumer?.assignment() ?? [];
    return [...this.pausedTopics].map(([topic, partitions]) => ({
      topic,
      partitions:
        partitions === "all" ? assigned.filter((tp) => tp.topic === topic).map((tp) => tp.partition) : [...partitions],
    }));
  }

  /* ---- the loop ---- */

  private async runLoop(consumer: ApiConsumer, first: ConsumedRecord[], deadline: number): Promise<void> {
    let records = first;
    let crashed: unknown;
    try {
      for (;;) {
        if (records.length > 0) await this.handle(records);
        await this.commitIfNecessary(false);
        if (!this.running || Date.now() >= deadline) break;
        this.instrumentation.emit(ConsumerEvents.FETCH_START, { nodeId: 0 });
        const started = Date.now();
        records = await asKafkajs(() => consumer.poll(Math.max(0, Math.min(LOOP_POLL_MS, deadline - Date.now()))));
        this.instrumentation.emit(ConsumerEvents.FETCH, {
          numberOfBatches: this.batches(records).length,
          duration: Date.now() - started,
        });
      }
    } catch (e) {
      crashed = kafkajsError(e);
      this.instrumentation.emit(ConsumerEvents.CRASH, { error: crashed, groupId: this.config.groupId, restart: false });
    } finally {
      this.running = false;
      /* What was processed is committed before the consumer leaves the group. */
      await this.commitIfNecessary(true).catch(() => undefined);
      await consumer.close().catch(() => undefined);
      this.consumer = undefined;
      this.instrumentation.emit(ConsumerEvents.STOP);
    }
  }

  /* The records of one poll, a batch per partition, in order. */
  private batches(records: ConsumedRecord[]): ConsumedRecord[][] {
    const batches = new Map<string, ConsumedRecord[]>();
    for (const r of records) {
      const key = keyOf(r);
      batches.set(key, [...(batches.get(key) ?? []), r]);
    }
    return [...batches.values()];
  }

  private async handle(records: ConsumedRecord[]): Promise<void> {
    const batches = this.batches(records);
    const concurrency = Math.max(1, this.runConfig.partitionsConsumedConcurrently ?? 1);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) await this.handleBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  }

  private async handleBatch(records: ConsumedRecord[]): Promise<void> {
    const { topic, partition } = records[0]!;
    const key = keyOf({ topic, partition });
    this.sought.delete(key);
    const messages = records.map(kafkaMessage);
    const payload = {
      topic,
      partition,
      batchSize: messages.length,
      firstOffset: messages[0]!.offset,
      lastOffset: messages[messages.length - 1]!.offset,
    };
    this.instrumentation.emit(ConsumerEvents.START_BATCH_PROCESS, payload);
    const started = Date.now();
    /* The offset of the first message not handed over, if the batch stops early. */
    let stoppedAt: number | undefined;
    const stillOurs = (): boolean => this.running && !this.sought.has(key) && !this.isPaused({ topic, partition });
    const pause = (): (() => void) => {
      this.pause([{ topic, partitions: [partition] }]);
      return () => this.resume([{ topic, partitions: [partition] }]);
    };
    const heartbeat = async (): Promise<void> => {};
    try {
      if (this.runConfig.eachBatch) {
        await this.runConfig.eachBatch({
          batch: await this.batchOf(topic, partition, messages),
          resolveOffset: (offset) => this.resolve(topic, partition, offsetOf(offset, "resolveOffset")),
          heartbeat,
          pause,
          commitOffsetsIfNecessary: () => this.commitIfNecessary(false),
          uncommittedOffsets: () => ({ topics: byTopic(this.uncommitted()) }),
          isRunning: () => this.running,
          isStale: () => !stillOurs(),
        });
        if (this.runConfig.eachBatchAutoResolve !== false && stillOurs())
          this.resolve(topic, partition, records[records.length - 1]!.offset);
        const resolved = this.resolved.get(key)?.offset ?? records[0]!.offset;
        if (resolved <= records[records.length - 1]!.offset) stoppedAt = Math.max(resolved, records[0]!.offset);
      } else {
        for (const message of messages) {
          if (!stillOurs()) {
            stoppedAt = Number(message.offset);
            break;
          }
          try {
            await this.runConfig.eachMessage!({ topic, partition, message, heartbeat, pause });
          } catch (e) {
            stoppedAt = Number(message.offset);
            throw e;
          }
          this.resolve(topic, partition, Number(message.offset));
          if (this.thresholdReached()) await this.commitIfNecessary(false);
        }
      }
    } finally {
      /* Records handed to us but not processed are read again, unless the partition
       * was sought meanwhile (the seek decides) or is no longer ours. */
      if (
        stoppedAt !== undefined &&
        !this.sought.has(key) &&
        this.consumer?.assignment().some((tp) => keyOf(tp) === key)
      ) {
        this.consumer.seek({ topic, partition }, stoppedAt);
      }
      this.instrumentation.emit(ConsumerEvents.END_BATCH_PROCESS, { ...payload, duration: Date.now() - started });
    }
  }

  private async batchOf(topic: string, partition: number, messages: KafkaMessage[]): Promise<Batch> {
    const offsets = await asKafkajs(() => this.admin().listOffsets(topic));
    const o = offsets.get(partition) ?? { earliest: 0, latest: 0 };
    const last = Number(messages[messages.length - 1]!.offset);
    return {
      topic,
      partition,
      highWatermark: String(o.latest),
      messages,
      isEmpty: () => messages.length === 0,
      firstOffset: () => messages[0]?.offset ?? null,
      lastOffset: () => String(last),
      offsetLag: () => String(Math.max(0, o.latest - 1 - last)),
      offsetLagLow: () => String(Math.max(0, o.latest - 1 - Number(messages[0]!.offset))),
    };
  }

  private admin() {
    return createAdmin(this.env);
  }

  /* ---- offsets ---- */

  private resolve(topic: string, partition: number, offset: number): void {
    this.resolved.set(keyOf({ topic, partition }), { topic, partition, offset: offset + 1 });
    this.uncommittedCount++;
  }

  private uncommitted(): { topic: string; partition: number; offset: number }[] {
    return [...this.resolved.entries()].filter(([key, o]) => this.committed.get(key) !== o.offset).map(([, o]) => o);
  }

  private thresholdReached(): boolean {
    const threshold = this.runConfig.autoCommitThreshold;
    return typeof threshold === "number" && this.uncommittedCount >= threshold;
  }

  /* With autoCommit, commits the resolved offsets when kafkajs would: always when
   * `force`d (revocation, the end of the loop), else after each batch, or when the
   * interval or the threshold set is reached. */
  private async commitIfNecessary(force: boolean): Promise<void> {
    if (this.runConfig.autoCommit === false) return;
    const { autoCommitInterval: interval, autoCommitThreshold: threshold } = this.runConfig;
    const timed = typeof interval === "number" || typeof threshold === "number";
    const due =
      force ||
      !timed ||
      (typeof interval === "number" && Date.now() - this.lastCommit >= interval) ||
      this.thresholdReached();
    if (!due) return;
    const assigned = new Set((this.consumer?.assignment() ?? []).map(keyOf));
    const offsets = this.uncommitted().filter((o) => assigned.has(keyOf(o)));
    await this.commit(offsets);
  }

  private async commit(
    offsets: { topic: string; partition: number; offset: number; metadata?: string }[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    const consumer = this.consumer;
    if (!consumer)
      throw new KafkaJSError("The consumer is not running: commitOffsets needs run() first", { retriable: false });
    await asKafkajs(() => consumer.commitSync(offsets));
    for (const o of offsets) this.committed.set(keyOf(o), o.offset);
    this.uncommittedCount = 0;
    this.lastCommit = Date.now();
    const { memberId, generationId } = consumer.groupMetadata();
    this.instrumentation.emit(ConsumerEvents.COMMIT_OFFSETS, {
      groupId: this.config.groupId,
      memberId,
      groupGenerationId: generationId,
      topics: byTopic(offsets),
    });
  }

  /* ---- rebalances ---- */

  private async revoked(partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    this.instrumentation.emit(ConsumerEvents.REBALANCING, {
      groupId: this.config.groupId,
      memberId: this.consumer?.groupMetadata().memberId ?? "",
    });
    await this.commitIfNecessary(true).catch(() => undefined);
    for (const tp of partitions) this.resolved.delete(keyOf(tp));
  }

  private async assigned(partitions: TopicPartition[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    for (const tp of partitions) {
      const seek = this.pendingSeeks.get(keyOf(tp));
      if (seek !== undefined) {
        consumer.seek(tp, seek);
        this.pendingSeeks.delete(keyOf(tp));
      }
    }
    this.applyPauses();
    const { memberId } = consumer.groupMetadata();
    const description = await group(typedEnv(this.env), this.config.groupId)
      .describe(this.config.groupId)
      .catch(() => undefined);
    const memberAssignment: Record<string, number[]> = {};
    for (const tp of partitions) (memberAssignment[tp.topic] ??= []).push(tp.partition);
    this.instrumentation.emit(ConsumerEvents.GROUP_JOIN, {
      duration: 0,
      groupId: this.config.groupId,
      isLeader: description?.leader === memberId,
      leaderId: description?.leader ?? "",
      groupProtocol: description?.protocol ?? "",
      memberId,
      memberAssignment,
    });
  }

  /* ---- pausing ---- */

  private isPaused(tp: TopicPartition): boolean {
    const paused = this.pausedTopics.get(tp.topic);
    return paused === "all" || (paused?.has(tp.partition) ?? false);
  }

  private applyPauses(): void {
    if (!this.consumer) return;
    this.consumer.pause(this.consumer.assignment().filter((tp) => this.isPaused(tp)));
  }

  private topicPartitions(list: TopicPartitions[], what: string): TopicPartitions[] {
    if (!Array.isArray(list) || list.some((t) => t === null || typeof t !== "object" || typeof t.topic !== "string")) {
      throw new KafkaJSNonRetriableError(`${what} takes [{ topic, partitions? }]`);
    }
    return list;
  }
}
