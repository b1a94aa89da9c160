/*
 * The `kafdo/client` entry: Kafdo from any JavaScript runtime, over HTTP.
 *
 * It runs wherever `fetch` does (Node 18+, browsers, Deno, Bun, Workers), so it
 * imports nothing outside worker/client but worker/common, the leaf that imports
 * nothing itself: the error table (common/errors.ts, generated from the core's list)
 * and the shapes of Kafka data (common/records.ts, topics.ts, groups.ts, api.ts).
 */
export { KafdoClient } from "./client";
export type { HealthStatus, KafdoClientConfig } from "./client";
export { KafdoHttpProducer } from "./producer";
export type { ClientProducerConfig } from "./producer";
export { KafdoHttpTransaction } from "./transaction";
export type {
  ClientSendOffsets,
  ClientTransactionOffsets,
  ClientTransactionRequest,
  ClientTransactionResult,
} from "./transaction";
export { KafdoHttpConsumer } from "./consumer";
export type { ClientConsumerConfig, ClientFetchOptions, ClientFetchResult, ClientPartitionOffsets } from "./consumer";
export { KafdoHttpAdmin } from "./admin";
export { KafdoHttpSubscriptions } from "./subscriptions";
export type {
  HttpTarget,
  PushBatch,
  PushRecord,
  PushTarget,
  ServiceTarget,
  WebhookDeliveryStatus,
  WebhookRetry,
  WebhookSubscriptionConfig,
  WebhookSubscriptionInfo,
} from "../common/subscriptions";
export { KafdoClientError } from "./errors";
/* The tagged templates over HTTP: const kafka = kafkaOver(client); kafka`orders`.produce(v). */
export { kafkaOver } from "./sentences";
export { FORMS as SENTENCE_FORMS, parseSentence } from "../common/sentences/grammar";
export type { ReadStart, ResetTarget, Sentence } from "../common/sentences/grammar";
export type {
  GroupReset,
  GroupSummary,
  KafkaSentence,
  KafkaTag,
  ProduceOptions,
  SentenceRecord,
  TopicSummary,
} from "../common/sentences/tag";
export type { ClientErrorCode } from "./errors";
export type { BytesInput, ClientMessage, ClientRecord, ConsumedBytes } from "./records";
export type { FetchFunction } from "./transport";
export { KafdoError, KAFKA_ERROR_NAMES, errorName } from "../common/errors";
export type {
  AlterConfigsOptions,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  PartitionInfo,
  PartitionOffsets,
  RecordsToDelete,
  TopicDescription,
} from "../common/topics";
export type {
  AssignmentStrategy,
  CommittedOffset,
  GroupInfo,
  GroupListing,
  GroupMember,
  GroupOffsetLag,
  GroupState,
  JoinResult,
  OffsetCommit,
  OffsetResetTarget,
  ResetOffset,
  ResetOffsetsRequest,
  ResetOffsetsResult,
  TopicPartition,
} from "../common/groups";
export type { RecordMetadata } from "../common/api";
export type { QueryOptions, QueryResult, QueryRow, QueryStats, QueryValue } from "../common/query";
export type { MetricsSnapshot, TopicSnapshot, PartitionSnapshot, GroupSnapshot, DoorStats } from "../common/metrics";
export type { AclEntry, AclEntryFilter, SaslUser, SaslUserCredential, ScramMechanismName } from "../common/security";
