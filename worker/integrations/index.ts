/*
 * The `kafdo/integrations` entry: MongoDB CDC, R2 events and webhooks, shaped into
 * records and sent with the in-Worker producer. For now it carries the types they
 * share with the producer; the integrations themselves are the next layer.
 */
export type { ProducerMessage, RecordMetadata } from "../types";
