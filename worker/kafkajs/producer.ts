/*
 * producer.ts — kafkajs's producer over the in-Worker producer (createProducer).
 *
 * send({ topic, messages, acks, compression }) and sendBatch({ topicMessages, ... })
 * answer kafkajs's RecordMetadata: one entry per topic and partition written, with
 * the partition's first offset of the send as `baseOffset` (a string). acks and
 * compression are per call in kafkajs and per producer in the in-Worker API, so a
 * producer is kept per (acks, compression) pair. There is no connection to make:
 * connect() is optional, disconnect() flushes and refuses later sends.
 * With a transactionalId, transaction() begins kafkajs's Transaction (transaction.ts).
 */
import {
  createProducer,
  type KafdoBindings,
  type Producer as ApiProducer,
  type ProducerMessage,
  type RecordMetadata as ApiMetadata,
  type TransactionalProducerApi,
} from "../api";
import type { Compression } from "../common/records";
import { KafkaJSError, KafkaJSNonRetriableError, asKafkajs } from "./errors";
import { producerMessage, type Message } from "./messages";
import { KafkaJSTransaction } from "./transaction";

/* kafkajs's CompressionTypes: the codec numbers of a batch's attributes. */
export const CompressionTypes = { None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const;
const CODEC_NAMES: Compression[] = ["none", "gzip", "snappy", "lz4", "zstd"];

export interface ProducerConfig {
  /* Accepted for kafkajs's sake: plain sends are not idempotent; transactions are
   * (their batches carry the producer id, epoch and sequences) whatever these say. */
  allowAutoTopicCreation?: boolean;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  /* producer.transaction() writes under this id; a newer producer with it fences this one. */
  transactionalId?: string;
  /* Kafka's transaction.timeout.ms (kafkajs's default 60000). */
  transactionTimeout?: number;
  retry?: { retries?: number };
}

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  acks?: number;
  timeout?: number;
  compression?: number;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

export interface ProducerBatch {
  topicMessages?: TopicMessages[];
  acks?: number;
  timeout?: number;
  compression?: number;
}

/* kafkajs's RecordMetadata: one per topic-partition written. */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset?: string;
  logAppendTime?: string;
  logStartOffset?: string;
}

function acksOf(acks: unknown): 0 | 1 | "all" {
  if (acks === undefined || acks === -1) return "all";
  if (acks === 0 || acks === 1) return acks;
  throw new KafkaJSNonRetriableError(`acks is -1, 0 or 1, not ${String(acks)}`);
}

function codecOf(compression: unknown): Compression {
  const name = CODEC_NAMES[(compression ?? 0) as number];
  if (name === undefined)
    throw new KafkaJSNonRetriableError(`compression ${String(compression)} is not one of CompressionTypes`);
  return name;
}

/* The metadata of a send, per partition, with its lowest offset (kafkajs's baseOffset). */
function perPartition(sent: ApiMetadata[], acks: 0 | 1 | "all"): RecordMetadata[] {
  const byPartition = new Map<string, RecordMetadata & { lowest: number }>();
  for (const m of sent) {
    const key = `${m.partition}@${m.topic}`;
    const seen = byPartition.get(key);
    if (seen) seen.lowest = Math.min(seen.lowest, m.offset);
    else byPartition.set(key, { topicName: m.topic, partition: m.partition, errorCode: 0, lowest: m.offset });
  }
  return [...byPartition.values()].map(({ lowest, ...meta }) =>
    acks === 0 ? meta : { ...meta, baseOffset: String(lowest), logAppendTime: "-1", logStartOffset: "-1" },
  );
}

/* A send's messages in the in-Worker API's shape. */
function messagesOfBatch(batch: ProducerBatch): ProducerMessage[] {
  const topicMessages = batch?.topicMessages;
  if (!Array.isArray(topicMessages))
    throw new KafkaJSNonRetriableError("sendBatch takes { topicMessages: [{ topic, messages }] }");
  const messages: ProducerMessage[] = [];
  for (const { topic, messages: list } of topicMessages) {
    if (typeof topic !== "string") throw new KafkaJSNonRetriableError("every topicMessages entry names its topic");
    if (!Array.isArray(list))
      throw new KafkaJSNonRetriableError(`Invalid messages array [${String(list)}] for topic "${topic}"`);
    for (const m of list) messages.push(producerMessage(topic, m));
  }
  return messages;
}

function messagesOfRecord(record: ProducerRecord): ProducerMessage[] {
  if (record === null || typeof record !== "object" || typeof record.topic !== "string") {
    throw new KafkaJSNonRetriableError("send takes { topic, messages }");
  }
  return messagesOfBatch({ topicMessages: [{ topic: record.topic, messages: record.messages }] });
}

export class KafkaJSProducer {
  private readonly producers = new Map<string, ApiProducer>();
  /* The producer of transaction(), with the transactional id. */
  private transactional: TransactionalProducerApi | undefined;
  /* After disconnect() and before connect() again, sends are refused as kafkajs does.
   * A new producer needs no connect(): there is no connection (the spec's examples send at once). */
  private disconnected = false;

  constructor(
    private readonly env: KafdoBindings,
    private readonly clientId: string,
    private readonly config: ProducerConfig = {},
  ) {}

  async connect(): Promise<void> {
    this.disconnected = false;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map((p) => p.close()));
  }

  isIdempotent(): boolean {
    return false;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (record === null || typeof record !== "object" || typeof record.topic !== "string") {
      throw new KafkaJSNonRetriableError("send takes { topic, messages }");
    }
    return await this.sendBatch({ ...record, topicMessages: [{ topic: record.topic, messages: record.messages }] });
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (this.disconnected) throw new KafkaJSError("The producer is disconnected", { retriable: false });
    const messages = messagesOfBatch(batch);
    const acks = acksOf(batch.acks);
    const producer = this.producerFor(acks, codecOf(batch.compression));
    return perPartition(await asKafkajs(() => producer.sendBatch(messages)), acks);
  }

  /* Begins a transaction (kafkajs's producer.transaction()); the producer's
   * transactional id is initialised at the first. */
  async transaction(): Promise<KafkaJSTransaction<ProducerRecord, ProducerBatch, RecordMetadata>> {
    const transactionalId = this.config.transactionalId;
    if (!transactionalId) {
      throw new KafkaJSNonRetriableError("Must provide transactional id for transactional producer");
    }
    if (this.disconnected) throw new KafkaJSError("The producer is disconnected", { retriable: false });
    const timeout = this.config.transactionTimeout;
    this.transactional ??= createProducer(this.env, {
      clientId: this.clientId,
      transactionalId,
      ...(timeout === undefined ? {} : { transactionTimeoutMs: timeout }),
      ...(this.config.retry?.retries === undefined ? {} : { retries: this.config.retry.retries }),
    });
    const txn = await asKafkajs(() => this.transactional!.transaction());
    return new KafkaJSTransaction(txn, {
      messagesOfRecord,
      messagesOfBatch,
      metadataOf: (sent) => perPartition(sent, "all"),
    });
  }

  /* The in-Worker producer for one acks and codec, made on first use. */
  private producerFor(acks: 0 | 1 | "all", compression: Compression): ApiProducer {
    const key = `${acks}/${compression}`;
    let producer = this.producers.get(key);
    if (!producer) {
      const retries = this.config.retry?.retries;
      producer = createProducer(this.env, {
        clientId: this.clientId,
        acks,
        compression,
        ...(retries === undefined ? {} : { retries }),
      });
      this.producers.set(key, producer);
    }
    return producer;
  }
}
