/*
 * The in-Worker API: what code running in a Worker imports (the `kafdo` package
 * entry, worker/kafdo.ts, is this and the webhook delivery class). The producer,
 * the consumer and the admin talk to the Durable Objects over RPC, with no HTTP
 * hop; the three Durable Object classes are exported for the user's Worker to
 * re-export, as the Configuration section of the README shows.
 *
 * Every function that takes `env` takes KafdoBindings, which the README's Env
 * satisfies; Env is the same bindings with each namespace typed by its class.
 */
export { createProducer } from "./producer";
export { createAdmin } from "./admin";
export { createConsumer } from "./consumer";
export type {
  ConsumedBytes,
  ConsumedRecord,
  Consumer,
  ConsumerConfig,
  ConsumerGroupMetadata,
  RebalanceListener,
} from "./consumer";
export { readPartition, partitionOffsets, readKey } from "./read";
export { queryTopic } from "./query";
export { KafdoError } from "../common/errors";
export { ClusterMetadataDO } from "../durable-objects/ClusterMetadataDO";
export { ConsumerGroupDO } from "../durable-objects/ConsumerGroupDO";
export { TopicPartitionDO } from "../durable-objects/TopicPartitionDO";
export { TransactionCoordinatorDO } from "../durable-objects/TransactionCoordinatorDO";
export type { Env, KafdoBindings } from "../durable-objects/bindings";
export type * from "../common/records";
export type * from "../common/query";
export type * from "../common/topics";
export type * from "../common/api";
export type * from "../common/groups";
export type * from "../common/kafka-groups";
