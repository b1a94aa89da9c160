/*
 * The `kafdo/client` entry: Kafdo from any JavaScript runtime, over HTTP. It runs
 * wherever `fetch` does, so it imports nothing that needs the Worker's runtime.
 *
 * For now it carries the error type and the shapes the REST API answers with;
 * KafdoClient itself (producer, consumer and admin over HTTP) is the next layer.
 */
export { KafdoError, KAFKA_ERROR_NAMES, errorName } from "../errors";
export type { RecordMetadata, PartitionOffsets, TopicDescription } from "../types";
