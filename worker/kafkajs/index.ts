/*
 * The `kafdo/kafkajs` package entry: kafkajs's API for code running in a Worker,
 * over the in-Worker API (worker/api/) with no broker, socket or HTTP hop.
 *
 *   import { Kafka, CompressionTypes, KafkaJSProtocolError } from "kafdo/kafkajs";
 */
export { Kafka, type KafkaConfig } from "./kafka";
export { CompressionTypes, KafkaJSProducer as Producer } from "./producer";
export type { ProducerConfig, ProducerRecord, ProducerBatch, RecordMetadata, TopicMessages } from "./producer";
export { KafkaJSTransaction as Transaction, type TxnOffsets } from "./transaction";
export { KafkaJSConsumer as Consumer } from "./consumer";
export type {
  Batch,
  ConsumerConfig,
  ConsumerRunConfig,
  EachBatchPayload,
  EachMessagePayload,
  TopicPartitionOffsetAndMetadata,
  TopicPartitions,
} from "./consumer";
export { KafkaJSAdmin as Admin } from "./admin";
export type { ITopicConfig, PartitionMetadata, SeekEntry } from "./admin";
export type { IHeaders, KafkaMessage, Message } from "./messages";
export { ConsumerEvents, type InstrumentationEvent } from "./events";
export {
  KafkaJSDeleteGroupsError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSOffsetOutOfRange,
  KafkaJSProtocolError,
  KafkaJSTopicMetadataNotLoaded,
} from "./errors";

/* kafkajs's log levels, for configs that name them (Kafdo's adaptation does not log). */
export const logLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;
