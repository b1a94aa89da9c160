/*
 * errors.ts — kafkajs's error classes, for code that catches them by class
 * (`e instanceof KafkaJSProtocolError`, `e.type === "UNKNOWN_TOPIC_OR_PARTITION"`).
 *
 * The API below throws KafdoErrors (one class, the Kafka error's name and code);
 * kafkajsError() turns each into what kafkajs would have thrown for the same broker
 * answer: a KafkaJSProtocolError carrying Kafka's name as `type` and its number as
 * `code` (KafkaJSOffsetOutOfRange for OFFSET_OUT_OF_RANGE), retriable as kafkajs
 * says. A core error with no Kafka name (negative code) becomes the Kafka code
 * a client would be told for it. Anything else is wrapped in a KafkaJSError.
 */
import { KafdoError, KafkaCode, errorName, kafkaCode } from "../common/errors";

/* The Kafka codes kafkajs 2.2.4 marks retriable (src/protocol/error.js: Kafka's
 * retriable errors), so `retriable` means what it means in kafkajs. */
const KAFKAJS_RETRIABLE = new Set([
  2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88,
]);

export class KafkaJSError extends Error {
  retriable: boolean;
  helpUrl?: string;

  constructor(e: Error | string, { retriable = true, cause }: { retriable?: boolean; cause?: unknown } = {}) {
    super(typeof e === "string" ? e : e.message, cause === undefined ? undefined : { cause });
    this.name = "KafkaJSError";
    this.retriable = retriable;
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: Error | string, { cause }: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause });
    this.name = "KafkaJSNonRetriableError";
  }
}

export class KafkaJSProtocolError extends KafkaJSError {
  /* Kafka's name of the error: "UNKNOWN_TOPIC_OR_PARTITION", ... */
  readonly type: string;
  /* Kafka's number of the error. */
  readonly code: number;

  constructor(e: { message: string; type: string; code: number }, { retriable = false } = {}) {
    super(e.message, { retriable });
    this.name = "KafkaJSProtocolError";
    this.type = e.type;
    this.code = e.code;
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic?: string;
  readonly partition?: number;

  constructor(
    e: { message: string; type: string; code: number },
    { topic, partition }: { topic?: string; partition?: number } = {},
  ) {
    super(e);
    this.name = "KafkaJSOffsetOutOfRange";
    if (topic !== undefined) this.topic = topic;
    if (partition !== undefined) this.partition = partition;
  }
}

/* deleteGroups' refusal, naming each group that was not deleted and why. */
export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: { groupId: string; errorCode: number; error: KafkaJSError }[];

  constructor(e: string, groups: { groupId: string; errorCode: number; error: KafkaJSError }[] = []) {
    super(e);
    this.name = "KafkaJSDeleteGroupsError";
    this.groups = groups;
  }
}

/* A call the Kafdo adaptation does not implement. */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e: string) {
    super(e);
    this.name = "KafkaJSNotImplemented";
  }
}

/* A topic not (or no longer) in the cluster's metadata. */
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSError {
  readonly topic: string;

  constructor(e: string, { topic }: { topic: string }) {
    super(e);
    this.name = "KafkaJSTopicMetadataNotLoaded";
    this.topic = topic;
  }
}

/* The kafkajs error for `e`; `e` itself when it is one already. */
export function kafkajsError(e: unknown): unknown {
  if (e instanceof KafkaJSError) return e;
  const kafdo = KafdoError.from(e);
  if (kafdo) {
    const code = kafkaCode(kafdo.code);
    const shape = { message: kafdo.message, type: errorName(code), code };
    if (code === KafkaCode.OFFSET_OUT_OF_RANGE) return new KafkaJSOffsetOutOfRange(shape);
    return new KafkaJSProtocolError(shape, { retriable: KAFKAJS_RETRIABLE.has(code) });
  }
  if (e instanceof Error) return new KafkaJSError(e, { cause: e });
  return e;
}

/* Runs `fn`, throwing what it throws as a kafkajs error. */
export async function asKafkajs<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw kafkajsError(e);
  }
}
