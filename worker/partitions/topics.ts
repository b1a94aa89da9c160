/*
 * topics.ts — topic metadata for code running in the Worker, cached per isolate:
 * the one cache the Kafka front, the REST front and the in-Worker API share.
 *
 * Every produce and read needs its topic's id and partition count; asking the one
 * ClusterMetadataDO each time would make it the bottleneck of the cluster. So each
 * isolate keeps what it learned for a short while (TTL_MS) and asks again on a
 * miss, or when a partition answers UNKNOWN_TOPIC_OR_PARTITION (forget(), which
 * access.ts does for every partition call), which is how a retired log tells a
 * producer that its cached topic id is stale.
 */
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { metadataStub } from "../durable-objects/addressing";

export const TTL_MS = 5000;

interface Entry {
  topic: TopicInfo;
  expires: number;
}

const cache = new Map<string, Entry>();

function remember(topic: TopicInfo): TopicInfo {
  cache.set(topic.name, { topic, expires: Date.now() + TTL_MS });
  return topic;
}

export function forget(name: string): void {
  cache.delete(name);
}

/* Partitions of a topic created without a count (KAFDO_DEFAULT_PARTITIONS, else 1). */
export function defaultPartitions(env: Env): number {
  return Number(env.KAFDO_DEFAULT_PARTITIONS ?? 1);
}

export function autoCreateEnabled(env: Env): boolean {
  return env.KAFDO_AUTO_CREATE_TOPICS !== "false";
}

/*
 * The topic named `name`. With `create`, an unknown topic is created (when
 * auto-creation is on) with the default partition count; otherwise it is
 * UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function topicFor(env: Env, name: string, create = false): Promise<TopicInfo> {
  const hit = cache.get(name);
  if (hit && hit.expires > Date.now()) return hit.topic;
  const cluster = metadataStub(env);
  try {
    if (create && autoCreateEnabled(env)) {
      return remember(await cluster.ensureTopic(name, defaultPartitions(env)));
    }
    return remember(await cluster.describeTopic(name));
  } catch (e) {
    forget(name);
    throw KafdoError.from(e) ?? e;
  }
}

/* Throws UNKNOWN_TOPIC_OR_PARTITION unless `partition` is one of the topic's. */
export function checkPartition(topic: TopicInfo, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new KafdoError(
      KafkaCode.UNKNOWN_TOPIC_OR_PARTITION,
      `partition ${partition} does not exist: topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}`,
    );
  }
}

/* The topic's configs as the JSON text a partition keeps for retention, made once per
 * metadata entry (appends carry it; the partition hands it to the core when it changes). */
const configTexts = new WeakMap<TopicInfo, string>();
export function topicConfigText(topic: TopicInfo): string {
  let text = configTexts.get(topic);
  if (text === undefined) {
    text = JSON.stringify(topic.config);
    configTexts.set(topic, text);
  }
  return text;
}

/* The topic's max.message.bytes: the largest batch its partitions accept. A topic's
 * configs always name it (with the core's default when unset); 0 would ask the
 * core's default too. */
export function maxMessageBytes(topic: TopicInfo): number {
  return Number(topic.config["max.message.bytes"] ?? 0);
}
