/*
 * api.ts — the public in-Worker API's interfaces (the package's `kafdo` entry): the
 * producer, its messages and answers, and the admin client.
 *
 * Part of worker/common: imports nothing outside it.
 */
import type { GroupInfo, GroupListing, ResetOffsetsRequest, ResetOffsetsResult } from "./groups";
import type { QueryOptions, QueryResult } from "./query";
import type { Compression, HeaderValue, KeyInput } from "./records";
import type {
  AlterConfigsOptions,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  PartitionOffsets,
  RecordsToDelete,
  TopicDescription,
} from "./topics";

export interface ProducerConfig {
  clientId?: string;
  /* Records buffered per partition before a send goes out without waiting for lingerMs. */
  batchSize?: number;
  /* How long send() waits for more records to batch with (0: send at once). */
  lingerMs?: number;
  /* 0: do not wait for the partition to store the batch (offset -1); 1 and 'all':
   * wait until it is committed to the partition's SQLite (Kafdo keeps one copy, in
   * Durable Object storage, so the two are the same). */
  acks?: 0 | 1 | "all";
  /* Retries of a retriable failure (the topic's metadata moved, the partition
   * object was briefly unavailable), with backoff. */
  retries?: number;
  /* Kafka's compression.type: batches are compressed by the core with this codec
   * (the same libraries Kafka's clients use) when that makes them smaller, which is
   * what is stored and read back by every client. "none" (the default) stores them
   * uncompressed. */
  compression?: Compression;
  /* Kafka's transactional.id: producer.transaction() writes atomically to many
   * partitions (and a group's offsets) under it; a second producer with the same id
   * fences this one (PRODUCER_FENCED). */
  transactionalId?: string;
  /* Kafka's transaction.timeout.ms: a transaction open longer is aborted by its
   * coordinator (default 60000). */
  transactionTimeoutMs?: number;
}

export interface ProducerMessage {
  topic: string;
  key?: KeyInput;
  value: unknown;
  headers?: Record<string, HeaderValue>;
  /* Explicit partition; otherwise by key (murmur2, as Kafka's Java client), or
   * sticky per send for keyless records. */
  partition?: number;
  /* ms since the epoch; now when absent. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface Producer {
  send(record: ProducerMessage): Promise<RecordMetadata>;
  sendBatch(records: ProducerMessage[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/* A group's offsets committed with a transaction, as kafkajs's sendOffsets takes them. */
export interface TransactionOffsets {
  consumerGroupId: string;
  topics: { topic: string; partitions: { partition: number; offset: number | string; metadata?: string }[] }[];
  /* The consuming member (the in-Worker consumer's groupMetadata(); KIP-447): the group
   * then refuses the offsets unless it is a current member of the current generation
   * (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID), so a consumer whose
   * partitions moved cannot commit them. Without it the offsets are taken as kafkajs's. */
  consumerGroupMetadata?: { memberId: string; generationId: number; groupInstanceId?: string | null };
}

/* One open transaction of a producer with a transactionalId (producer.transaction()). */
export interface Transaction {
  send(record: ProducerMessage): Promise<RecordMetadata>;
  sendBatch(records: ProducerMessage[]): Promise<RecordMetadata[]>;
  /* The group's offsets become committed when (and only if) the transaction commits. */
  sendOffsets(offsets: TransactionOffsets): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /* Begun and not yet committed or aborted. */
  isActive(): boolean;
}

/* createProducer's producer when its config has a transactionalId. */
export interface TransactionalProducerApi extends Producer {
  /* Begins a transaction (the producer's id is initialised with its coordinator first). */
  transaction(): Promise<Transaction>;
}

export interface AdminConfig {
  clientId?: string;
  requestTimeoutMs?: number;
}

export interface Admin {
  createTopic(config: CreateTopicConfig): Promise<TopicDescription>;
  deleteTopic(topic: string): Promise<void>;
  listTopics(): Promise<string[]>;
  describeTopic(topic: string): Promise<TopicDescription>;
  createPartitions(topic: string, count: number): Promise<TopicDescription>;
  alterConfigs(topic: string, configs: ConfigChanges, options?: AlterConfigsOptions): Promise<TopicDescription>;
  listOffsets(topic: string): Promise<Map<number, PartitionOffsets>>;
  deleteRecords(topic: string, partitions: RecordsToDelete[]): Promise<DeletedRecords[]>;
  listGroups(): Promise<GroupListing[]>;
  describeGroup(groupId: string): Promise<GroupInfo>;
  deleteGroup(groupId: string): Promise<void>;
  resetGroupOffsets(groupId: string, request: ResetOffsetsRequest): Promise<ResetOffsetsResult>;
  /* SQL over a topic (api/query-plan.ts tells the dialect): the statement's rows. */
  query(topic: string, sql: string, options?: QueryOptions): Promise<QueryResult>;
  close(): Promise<void>;
}
