/*
 * access.ts — how every part of the Worker reaches a partition: the Kafka front,
 * the REST front and the in-Worker API alike.
 *
 *   look the topic up (the isolate's cache, topics.ts), check the partition is one
 *   of the topic's, get its Durable Object's stub, make the call; when the partition
 *   is unknown — to the cached topic, or to the log itself, retired because its
 *   topic was deleted — forget the cached topic, so the next call looks it up anew.
 *
 * A failure is thrown as the KafdoError it is (or as it came, when it is none: the
 * RPC failing on its way). Whether the caller tries again is the caller's choice,
 * told by retriable(): the producer does, with backoff (an append is at-least-once
 * anyway); the consumer's poll does at its next round; a Kafka client is answered
 * the error code and refreshes its own metadata, as Kafka's clients do; a REST
 * caller is answered the error.
 */
import type { Env } from "../durable-objects/bindings";
import { partitionStub } from "../durable-objects/addressing";
import type { TopicPartitionRpc } from "../durable-objects/interfaces";
import { KafdoError, KafkaCode, isRetriable } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { checkPartition, forget, topicFor } from "./topics";

/* A partition's stub: every method answers, or throws its refusal as a KafdoError. */
export type PartitionStub = DurableObjectStub<TopicPartitionRpc>;

/* Calls partition `partition` of a topic already looked up (see the header). */
export async function callPartition<T>(
  env: Env,
  topic: TopicInfo,
  partition: number,
  call: (stub: PartitionStub) => Promise<T>,
): Promise<T> {
  try {
    checkPartition(topic, partition);
    return await call(partitionStub(env, topic.topicId, partition));
  } catch (e) {
    const k = KafdoError.from(e);
    /* The cached topic is out of date: grown since, or deleted (a retired log). */
    if (k?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) forget(topic.name);
    throw k ?? e;
  }
}

/* Calls partition `partition` of the topic named `topicName`, looked up first. */
export async function onPartition<T>(
  env: Env,
  topicName: string,
  partition: number,
  call: (stub: PartitionStub) => Promise<T>,
): Promise<T> {
  /* `return await`, not `return`: a promise that is already rejected when returned from
   * an async function is adopted a microtask later, and workerd reports it unhandled
   * meanwhile (an "Unhandled Rejection" that fails the test run). */
  return await callPartition(env, await topicFor(env, topicName), partition, call);
}

/*
 * Whether a failed partition call may succeed if tried again: the RPC failed on its
 * way (no KafdoError), the topic's metadata moved (UNKNOWN_TOPIC_OR_PARTITION, the
 * cache forgotten), storage trouble. Any other code is the partition's verdict on
 * the call (a corrupt or too large batch, an offset out of range, a refused
 * request), which the caller is given rather than retrying it forever.
 */
export function retriable(e: unknown): boolean {
  const code = KafdoError.from(e)?.code;
  return code === undefined || isRetriable(code);
}
