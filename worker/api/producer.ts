/*
 * producer.ts — createProducer(env, config): Kafka's producer for code running in a
 * Worker, over Durable Object RPC with no HTTP hop.
 *
 * A send is planned, encoded, then appended:
 *   1. plan: each message's topic is looked up (created when auto-creation is on)
 *      and its partition chosen by the core (kd_partition: murmur2 of the key as
 *      Kafka's Java client does, or the sticky partition for keyless records, which
 *      moves once per send);
 *   2. encode: each partition's records become RecordBatches in one core call
 *      (kd_batch_encode_within), which splits them so that none exceeds the topic's
 *      max.message.bytes and refuses a record too large or a negative timestamp —
 *      all before anything is sent, so a refused message leaves nothing stored —
 *      and compresses each with config.compression when that makes it smaller;
 *   3. append: one RPC per partition, all partitions in parallel; the offsets come
 *      back from the partition's log.
 * A partition that answers UNKNOWN_TOPIC_OR_PARTITION has been retired (its topic
 * deleted): the topic's cached metadata is dropped and those records planned again.
 * Retries are at-least-once, as with Kafka's non-idempotent producer: an append
 * whose answer was lost may have been stored.
 *
 * With config.transactionalId, producer.transaction() begins Kafka's transactions
 * (transaction.ts); plain sends stay non-transactional, as kafkajs's.
 */
import { encodeBatchesWithin } from "../../wasm/kafdo";
import { typedEnv, type Env, type KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import { COMPRESSIONS } from "../common/records";
import type { AppendResult, ProducerRecord } from "../common/records";
import type {
  Producer,
  ProducerConfig,
  ProducerMessage,
  RecordMetadata,
  Transaction,
  TransactionalProducerApi,
} from "../common/api";
import type { TopicInfo } from "../common/topics";
import { callPartition, retriable } from "../partitions/access";
import { maxMessageBytes, topicConfigText } from "../partitions/topics";
import { byPartition, planMessages, toRecord, type Planned } from "./send-plan";
import { DEFAULT_TRANSACTION_TIMEOUT_MS, ProducerTransactions } from "./transaction";

const DEFAULT_RETRIES = 5;
const RETRY_BACKOFF_MS = 50;

/* The records of one partition, encoded, with the message indexes they carry. */
interface PartitionSend {
  topic: TopicInfo;
  partition: number;
  indexes: number[];
  timestamps: number[];
  batches: Uint8Array; /* RecordBatches back to back: one produce set */
}

export class KafdoProducer implements TransactionalProducerApi {
  private sticky = Math.floor(Math.random() * 0x7fffffff);
  private lingering: { message: ProducerMessage; resolve(m: RecordMetadata): void; reject(e: unknown): void }[] = [];
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  /* The codec's number in a batch's attributes (Kafka's: its index in COMPRESSIONS). */
  private readonly codec: number;

  constructor(
    private readonly env: Env,
    private readonly config: ProducerConfig = {},
  ) {
    const compression = config.compression ?? "none";
    this.codec = COMPRESSIONS.indexOf(compression);
    if (this.codec < 0) {
      throw new KafdoError(
        KafkaCode.UNSUPPORTED_COMPRESSION_TYPE,
        `compression ${JSON.stringify(compression)} is not one of ${COMPRESSIONS.join(", ")}`,
      );
    }
  }

  /* With a transactionalId: its transactions (transaction.ts). */
  private transactions: ProducerTransactions | undefined;

  /* Begins a transaction (transaction.ts); INVALID_REQUEST without a transactionalId. */
  async transaction(): Promise<Transaction> {
    this.checkOpen();
    const id = this.config.transactionalId;
    if (id === undefined) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "producer.transaction() needs a producer with a transactionalId");
    }
    this.transactions ??= new ProducerTransactions(this.env, {
      transactionalId: id,
      transactionTimeoutMs: this.config.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS,
      codec: this.codec,
      retries: this.config.retries ?? DEFAULT_RETRIES,
    });
    return await this.transactions.begin();
  }

  async send(message: ProducerMessage): Promise<RecordMetadata> {
    this.checkOpen();
    const linger = this.config.lingerMs ?? 0;
    if (linger <= 0) return (await this.sendBatch([message]))[0]!;
    return new Promise((resolve, reject) => {
      this.lingering.push({ message, resolve, reject });
      if (this.lingering.length >= (this.config.batchSize ?? Infinity)) this.flushLingering();
      else this.lingerTimer ??= setTimeout(() => this.flushLingering(), linger);
    });
  }

  async sendBatch(messages: ProducerMessage[]): Promise<RecordMetadata[]> {
    this.checkOpen();
    if (!Array.isArray(messages))
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "sendBatch takes an array of messages");
    if (messages.length === 0) return [];
    const now = Date.now();
    const records = messages.map((m) => toRecord(m, now));
    const sticky = this.sticky++ >>> 0;
    const sending = this.deliver(messages, records, sticky);
    if (this.config.acks !== 0) return this.track(sending);
    /* acks 0: the caller does not wait; flush() and close() do. */
    this.track(sending).catch(() => undefined);
    return records.map((r, i) => ({ topic: messages[i]!.topic, partition: -1, offset: -1, timestamp: r.timestamp }));
  }

  async flush(): Promise<void> {
    this.flushLingering();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new KafdoError(KafkaCode.INVALID_REQUEST, "the producer is closed");
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  private flushLingering(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const waiting = this.lingering;
    this.lingering = [];
    if (waiting.length === 0) return;
    this.sendBatch(waiting.map((w) => w.message)).then(
      (metadata) => waiting.forEach((w, i) => w.resolve(metadata[i]!)),
      (e) => waiting.forEach((w) => w.reject(e)),
    );
  }

  /* Plans, encodes and appends, retrying what can be retried. */
  private async deliver(messages: ProducerMessage[], records: ProducerRecord[], sticky: number) {
    const results: RecordMetadata[] = new Array(messages.length);
    let todo = messages.map((_, i) => i);
    const retries = this.config.retries ?? DEFAULT_RETRIES;
    for (let attempt = 0; ; attempt++) {
      const sends = this.encode(await planMessages(this.env, messages, records, todo, sticky));
      const outcomes = await Promise.allSettled(sends.map((s) => this.append(s)));
      const failed: number[] = [];
      let failure: unknown;
      outcomes.forEach((o, i) => {
        const s = sends[i]!;
        if (o.status === "fulfilled") {
          s.indexes.forEach((index, j) => {
            /* A LogAppendTime topic stamped the broker's time on every record. */
            const timestamp = o.value.logAppendTime >= 0 ? o.value.logAppendTime : s.timestamps[j]!;
            results[index] = { topic: s.topic.name, partition: s.partition, offset: o.value.baseOffset + j, timestamp };
          });
        } else {
          failed.push(...s.indexes);
          /* An unknown partition's topic was forgotten (partitions/access.ts): its
           * records are planned again from fresh metadata. */
          if (!retriable(o.reason) || failure === undefined) failure = o.reason;
        }
      });
      if (failed.length === 0) return results;
      if (attempt >= retries || !retriable(failure)) throw KafdoError.from(failure) ?? failure;
      todo = failed.sort((a, b) => a - b);
      await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS * 2 ** attempt));
    }
  }

  private encode(planned: Planned[]): PartitionSend[] {
    return byPartition(planned).map((group) => {
      const topic = group[0]!.topic;
      return {
        topic,
        partition: group[0]!.partition,
        indexes: group.map((p) => p.index),
        timestamps: group.map((p) => p.record.timestamp),
        batches: encodeBatchesWithin(
          { attributes: this.codec },
          group.map((p) => p.record),
          maxMessageBytes(topic),
        ),
      };
    });
  }

  /* One RPC to the partition; resolves to the base offset of the records. */
  private async append(s: PartitionSend): Promise<AppendResult> {
    return await callPartition(this.env, s.topic, s.partition, async (stub) => {
      const [result] = await stub.append([s.batches], maxMessageBytes(s.topic), topicConfigText(s.topic));
      if (!result) throw new KafdoError(-1, "the partition answered no result");
      if (result.errorCode !== 0) throw new KafdoError(result.errorCode);
      return result;
    });
  }
}

export function createProducer(
  env: KafdoBindings,
  config: ProducerConfig & { transactionalId: string },
): TransactionalProducerApi;
export function createProducer(env: KafdoBindings, config?: ProducerConfig): Producer;
export function createProducer(env: KafdoBindings, config?: ProducerConfig): Producer {
  return new KafdoProducer(typedEnv(env), config);
}
