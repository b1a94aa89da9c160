/*
 * The `kafdo/client` entry: Kafdo from any JavaScript runtime, over HTTP.
 *
 * It runs wherever `fetch` does (Node 18+, browsers, Deno, Bun, Workers), so it
 * imports nothing from the Worker but the two modules that import nothing
 * themselves: the error table (errors.ts) and the shapes of Kafka data (types.ts).
 */
export { KafdoClient } from "./client";
export type { HealthStatus, KafdoClientConfig } from "./client";
export { KafdoHttpProducer } from "./producer";
export type { ClientProducerConfig } from "./producer";
export { KafdoHttpConsumer } from "./consumer";
export type {
  ClientConsumerConfig,
  ClientFetchOptions,
  ClientFetchResult,
  ClientPartitionOffsets,
} from "./consumer";
export { KafdoHttpAdmin } from "./admin";
export { KafdoClientError } from "./errors";
export type { ClientErrorCode } from "./errors";
export type { BytesInput, ClientMessage, ClientRecord, ConsumedBytes } from "./records";
export type { FetchFunction } from "./transport";
export { KafdoError, KAFKA_ERROR_NAMES, errorName } from "../errors";
export type {
  AclEntry,
  AclEntryFilter,
  AlterConfigsOptions,
  AssignmentStrategy,
  CommittedOffset,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  GroupInfo,
  GroupListing,
  GroupMember,
  GroupOffsetLag,
  GroupState,
  JoinResult,
  OffsetCommit,
  PartitionInfo,
  PartitionOffsets,
  RecordMetadata,
  RecordsToDelete,
  SaslUser,
  SaslUserCredential,
  ScramMechanismName,
  TopicDescription,
  TopicPartition,
} from "../types";
