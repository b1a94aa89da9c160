/*
 * WebhookDeliveryDO — delivers one webhook subscription (integrations/
 * webhook-subscriptions.ts): one object per consumer group, named "group:<id>",
 * plus one named "registry" that only lists the subscriptions.
 *
 * It is an integration, not part of Kafka's machinery: it reads and commits through
 * the in-Worker consumer (createConsumer, autoCommit off) and writes dead letters
 * through the producer, like any application would; it decides nothing about
 * offsets or groups itself. Its own storage holds the subscription and the delivery
 * state (counts, and the records waiting to be tried again); the offsets are the
 * group's.
 *
 * Delivery runs in rounds, each one alarm. A round polls the consumer and delivers
 * what it gets, partitions in parallel, each partition's records in order, for up
 * to ROUND_MS; then it sets the next alarm, at once. A failed delivery pauses its
 * partition, rewound to the failed record, until the record's retry time (the
 * backoff, doubled per failure); when every assigned partition is waiting, the
 * round ends early and the next alarm is set for the earliest retry time, at most
 * ROUND_MS away: each round polls at least once, so the member still takes part in
 * its group's rebalances. Every record a poll returns is delivered, or its
 * partition rewound to it: none is passed over. A
 * partition's offset is committed after its run of records is delivered (2xx) or
 * dead-lettered, never before: a crash or an eviction between delivery and commit
 * delivers those records again, which is the at-least-once promise. At most
 * `concurrency` partitions deliver at once (all of them, unset). A service target
 * (push-targets.ts) gets each partition's run of records as one batch.
 *
 * It lives here, with the integrations, and not with the Kafka Durable Objects
 * (durable-objects/), which are shims over the core: it is a client of the
 * in-Worker API, a layer above them. It imports that API directly, not through
 * worker-api.ts, because it is no part of `kafdo/integrations` (which must load
 * in Node): only the Worker's entries (worker/index.ts, worker/kafdo.ts) export it.
 *
 * The consumer lives in memory. After an eviction the next alarm makes a new one,
 * which joins the group anew and resumes from the committed offsets; attempts
 * survive in storage. A round that fails (the group or a partition unreachable, the
 * dead-letter topic refusing) drops the consumer and tries again after a backoff.
 */
import { DurableObject } from "cloudflare:workers";
import { createConsumer, type ConsumedRecord, type Consumer } from "../api/consumer";
import { createProducer } from "../api/producer";
import { readPartition } from "../api/read";
import type { Env } from "../durable-objects/bindings";
import { answerRefusals } from "../durable-objects/rpc";
import type { ConsumerRecord } from "../common/records";
import type { TopicPartition } from "../common/groups";
import { backoffDelay, deadLetterMessage, deliver } from "./webhook-delivery";
import { deliverBatch } from "./push-targets";
import { inLanes } from "./lanes";
import type {
  WebhookDeliveryRpc,
  WebhookDeliveryStatus,
  WebhookRetry,
  WebhookSubscription,
  WebhookSubscriptionInfo,
} from "./webhook-subscriptions";

/* How long one alarm delivers before it hands over to the next. */
const ROUND_MS = 5000;
/* One poll's wait for records. */
const POLL_MS = 1000;
/* The consumer's group settings: short, so a member lost with an evicted object
 * leaves the group soon. */
const SESSION_TIMEOUT_MS = 10000;
const HEARTBEAT_INTERVAL_MS = 3000;
const REBALANCE_TIMEOUT_MS = 30000;
/* Backoff after a failed round. */
const ROUND_RETRY_MS = 200;
const ROUND_RETRY_MAX_MS = 30000;

interface Stored extends WebhookSubscription {
  version: number;
  createdAt: number;
  updatedAt: number;
}

interface State {
  delivered: number;
  deadLettered: number;
  failedAttempts: number;
  /* By keyOf(topic, partition). */
  retries: Record<string, WebhookRetry>;
  lastError: string | null;
  lastErrorAt: number | null;
}

const SUBSCRIPTION = "subscription";
const STATE = "state";
const REGISTERED = "registered:";

const keyOf = (tp: TopicPartition): string => `${tp.partition}@${tp.topic}`;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function emptyState(): State {
  return { delivered: 0, deadLettered: 0, failedAttempts: 0, retries: {}, lastError: null, lastErrorAt: null };
}

export class WebhookDeliveryDO extends DurableObject<Env> implements WebhookDeliveryRpc {
  private loaded = false;
  private current: Stored | undefined;
  private state: State = emptyState();
  private consumer: Consumer | undefined;
  private consumerVersion = -1;
  /* The highest version this instance has seen: a subscription removed and made
   * again gets a new version, so a round of the old one still running stops. */
  private lastVersion = 0;
  private failedRounds = 0;

  /* ---- the subscription ---- */

  async configure(sub: WebhookSubscription): Promise<{ created: boolean; subscription: WebhookSubscriptionInfo }> {
    await this.#load();
    const previous = this.current;
    const now = Date.now();
    const stored: Stored = {
      ...sub,
      version: Math.max(previous?.version ?? 0, this.lastVersion) + 1,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
    if (previous && previous.topic !== sub.topic) this.state.retries = {};
    this.current = stored;
    this.lastVersion = stored.version;
    await this.ctx.storage.put({ [SUBSCRIPTION]: stored, [STATE]: this.state });
    await this.#dropConsumer();
    await this.ctx.storage.setAlarm(now);
    return { created: previous === undefined, subscription: this.#info(stored) };
  }

  async describe(): Promise<WebhookSubscriptionInfo | null> {
    await this.#load();
    return this.current ? this.#info(this.current) : null;
  }

  async remove(): Promise<boolean> {
    await this.#load();
    if (!this.current) return false;
    this.current = undefined;
    this.state = emptyState();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    await this.#dropConsumer();
    return true;
  }

  /* ---- the registry (the object named "registry") ---- */

  async register(groupId: string): Promise<void> {
    await this.ctx.storage.put(REGISTERED + groupId, true);
  }

  async unregister(groupId: string): Promise<void> {
    await this.ctx.storage.delete(REGISTERED + groupId);
  }

  async list(): Promise<string[]> {
    const entries = await this.ctx.storage.list({ prefix: REGISTERED });
    return [...entries.keys()].map((k) => k.slice(REGISTERED.length));
  }

  /* ---- delivery ---- */

  override async alarm(): Promise<void> {
    await this.#load();
    const sub = this.current;
    if (!sub) return;
    let next: number;
    try {
      next = await this.#round(sub);
      this.failedRounds = 0;
    } catch (e) {
      /* Replaced or removed meanwhile: its consumer was closed under this round. */
      if (this.current?.version !== sub.version) return;
      this.failedRounds++;
      await this.#noteError(`delivery stopped: ${message(e)}`);
      await this.#dropConsumer();
      next = Date.now() + backoffDelay(this.failedRounds, ROUND_RETRY_MS, ROUND_RETRY_MAX_MS);
    }
    /* A subscription replaced or removed meanwhile has set (or deleted) its own alarm. */
    if (this.current?.version === sub.version) await this.ctx.storage.setAlarm(next);
  }

  /* Delivers for up to ROUND_MS; answers when the next round should start. */
  async #round(sub: Stored): Promise<number> {
    const consumer = await this.#consumerFor(sub);
    const end = Date.now() + ROUND_MS;
    for (;;) {
      if (this.current?.version !== sub.version) return Date.now();
      const now = Date.now();
      if (now >= end) return now;
      const { waiting, earliest } = this.#applyBackoff(consumer, now);
      /* Waiting, the poll does only the group's business (heartbeat, a rejoin) and
       * hands over what a new assignment made fetchable. */
      const records = await consumer.poll(waiting ? 0 : Math.max(0, Math.min(POLL_MS, end - now, earliest - now)));
      if (records.length === 0) {
        if (waiting) return Math.min(earliest, end);
        continue;
      }
      const byPartition = new Map<string, ConsumedRecord[]>();
      for (const r of records) {
        const k = keyOf(r);
        byPartition.set(k, [...(byPartition.get(k) ?? []), r]);
      }
      await inLanes([...byPartition.values()], sub.concurrency ?? Infinity, (run) =>
        this.#deliverRun(sub, consumer, run),
      );
    }
  }

  /*
   * Pauses the assigned partitions whose record waits for its retry time and
   * resumes the others; `waiting` when every assigned partition waits, `earliest`
   * the first retry time among them.
   */
  #applyBackoff(consumer: Consumer, now: number): { waiting: boolean; earliest: number } {
    const assigned = consumer.assignment();
    const paused = new Set(consumer.paused().map(keyOf));
    let earliest = Infinity;
    let all = assigned.length > 0;
    for (const tp of assigned) {
      const retry = this.state.retries[keyOf(tp)];
      if (retry && retry.nextAttemptAt > now) {
        earliest = Math.min(earliest, retry.nextAttemptAt);
        if (!paused.has(keyOf(tp))) consumer.pause([tp]);
      } else {
        all = false;
        if (paused.has(keyOf(tp))) consumer.resume([tp]);
      }
    }
    return { waiting: all, earliest };
  }

  /*
   * Delivers one partition's records in order, until a delivery fails; commits what
   * was delivered or dead-lettered. A delivery is one record to a URL, or the whole
   * run (one batch) to a service target: what is acknowledged, retried and
   * dead-lettered together.
   */
  async #deliverRun(sub: Stored, consumer: Consumer, run: ConsumedRecord[]): Promise<void> {
    const tp: TopicPartition = { topic: run[0]!.topic, partition: run[0]!.partition };
    const k = keyOf(tp);
    const deliveries = sub.target ? [run] : run.map((r) => [r]);
    let commitTo: number | undefined;
    try {
      for (const records of deliveries) {
        const first = records[0]!;
        const last = records[records.length - 1]!;
        if (this.current?.version !== sub.version) return;
        let retry = this.state.retries[k];
        if (retry && retry.offset !== first.offset) {
          /* Left from an earlier assignment: that record was dealt with elsewhere. */
          delete this.state.retries[k];
          retry = undefined;
        }
        if (retry && retry.nextAttemptAt > Date.now()) {
          this.#rewind(consumer, tp, first.offset);
          return;
        }
        const attempt = (retry?.attempts ?? 0) + 1;
        const outcome = sub.target
          ? await deliverBatch(this.env, { ...sub, target: sub.target }, records, attempt)
          : await deliver(sub, first, attempt);
        if (this.current?.version !== sub.version) return;
        if (outcome.ok) {
          delete this.state.retries[k];
          this.state.delivered += records.length;
          commitTo = last.offset + 1;
          await this.#save();
          continue;
        }
        this.state.failedAttempts++;
        this.state.lastError = outcome.error;
        this.state.lastErrorAt = Date.now();
        if (attempt >= sub.maxAttempts) {
          for (const record of records) await this.#deadLetter(sub, record, attempt, outcome.error);
          delete this.state.retries[k];
          this.state.deadLettered += records.length;
          commitTo = last.offset + 1;
          await this.#save();
          continue;
        }
        this.state.retries[k] = {
          ...tp,
          offset: first.offset,
          attempts: attempt,
          nextAttemptAt: Date.now() + backoffDelay(attempt, sub.backoffMs, sub.maxBackoffMs),
          lastError: outcome.error,
        };
        await this.#save();
        this.#rewind(consumer, tp, first.offset);
        return;
      }
    } catch (e) {
      /* The target cannot be called at all: the round fails (and is retried), these
       * records are not dealt with — rewound, not dead-lettered. */
      this.#rewind(consumer, tp, commitTo ?? run[0]!.offset);
      throw e;
    } finally {
      if (commitTo !== undefined && this.current?.version === sub.version) {
        /* Refused when the group moved on (a rebalance): those records are then
         * delivered again, as at-least-once allows. */
        await consumer
          .commitSync([{ ...tp, offset: commitTo }])
          .catch((e) => this.#noteError(`commit of ${k} at ${commitTo} failed: ${message(e)}`));
      }
    }
  }

  /* Sets the partition back to `offset` and pauses it; nothing to do when it is no
   * longer assigned. */
  #rewind(consumer: Consumer, tp: TopicPartition, offset: number): void {
    try {
      consumer.seek(tp, offset);
      consumer.pause([tp]);
    } catch {
      /* revoked meanwhile */
    }
  }

  async #deadLetter(sub: Stored, record: ConsumedRecord, attempts: number, error: string): Promise<void> {
    let original: ConsumerRecord | undefined;
    try {
      const read = await readPartition(this.env, record.topic, record.partition, { offset: record.offset, limit: 1 });
      original = read.records.find((r) => r.offset === record.offset);
    } catch {
      original = undefined;
    }
    const producer = createProducer(this.env);
    try {
      await producer.send(deadLetterMessage(sub, record, original, attempts, error));
    } finally {
      await producer.close();
    }
  }

  /* ---- the consumer ---- */

  async #consumerFor(sub: Stored): Promise<Consumer> {
    if (this.consumer && this.consumerVersion === sub.version) return this.consumer;
    await this.#dropConsumer();
    const consumer = createConsumer(this.env, {
      groupId: sub.groupId,
      clientId: "kafdo-webhook",
      autoCommit: false,
      fromBeginning: sub.fromBeginning,
      maxPollRecords: sub.maxPollRecords,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
    });
    await consumer.subscribe(sub.topic);
    this.consumer = consumer;
    this.consumerVersion = sub.version;
    return consumer;
  }

  async #dropConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.consumerVersion = -1;
    await consumer?.close().catch(() => undefined);
  }

  /* ---- storage ---- */

  async #load(): Promise<void> {
    if (this.loaded) return;
    const got = await this.ctx.storage.get<Stored | State>([SUBSCRIPTION, STATE]);
    this.current = got.get(SUBSCRIPTION) as Stored | undefined;
    this.state = (got.get(STATE) as State | undefined) ?? emptyState();
    this.lastVersion = Math.max(this.lastVersion, this.current?.version ?? 0);
    this.loaded = true;
  }

  async #save(): Promise<void> {
    if (this.current) await this.ctx.storage.put(STATE, this.state);
  }

  async #noteError(error: string): Promise<void> {
    this.state.lastError = error;
    this.state.lastErrorAt = Date.now();
    await this.#save();
  }

  #info(stored: Stored): WebhookSubscriptionInfo {
    const { secret, version, ...settings } = stored;
    void version;
    const status: WebhookDeliveryStatus = {
      delivered: this.state.delivered,
      deadLettered: this.state.deadLettered,
      failedAttempts: this.state.failedAttempts,
      retrying: Object.values(this.state.retries).sort((a, b) =>
        a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
      ),
      lastError: this.state.lastError,
      lastErrorAt: this.state.lastErrorAt,
    };
    return { ...settings, signed: secret !== null, status };
  }
}

answerRefusals(WebhookDeliveryDO);
