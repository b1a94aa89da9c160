/*
 * read.ts — reading a partition for code running in a Worker (and for the REST
 * front): records from an offset, decoded by the core in the partition's object,
 * at once or held for records to arrive (the consumer's long poll), and a
 * partition's offsets.
 */
import { MAX_READ_BYTES, partition as choosePartition } from "../../wasm/kafdo";
import { typedEnv, type Env, type KafdoBindings } from "../env";
import { KafdoError, KafkaCode } from "../errors";
import type { ConsumerRecord, PartitionOffsets, PartitionRead, ReadOptions } from "../types";
import { MAX_READ_WAIT_MS } from "../durable-objects/TopicPartitionDO";
import { partitionStub } from "../durable-objects/addressing";
import { checkPartition, forget, topicConfigText, topicFor } from "./metadata";

export const MAX_READ_RECORDS = 10000;
/* The core's ceiling on one read: more could not be given anyway. */
export { MAX_READ_BYTES };

function checkRange(what: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `${what} must be an integer from ${min} to ${max}, not ${v}`);
  }
  return v;
}

async function partitionCall<T>(
  env: Env,
  topicName: string,
  partition: number,
  call: (stub: ReturnType<typeof partitionStub>) => Promise<T>,
): Promise<T> {
  const topic = await topicFor(env, topicName);
  checkPartition(topic, partition);
  try {
    return await call(partitionStub(env, topic.topicId, partition));
  } catch (e) {
    const k = KafdoError.from(e);
    if (k?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) forget(topicName);
    throw k ?? e;
  }
}

export async function readPartition(
  env: KafdoBindings,
  topic: string,
  partition: number,
  opts: ReadOptions,
): Promise<PartitionRead> {
  const offset = checkRange("offset", opts.offset, 0, Number.MAX_SAFE_INTEGER);
  const limit = checkRange("limit", opts.limit ?? 100, 1, MAX_READ_RECORDS);
  const maxBytes = checkRange("maxBytes", opts.maxBytes ?? 1 << 20, 1, MAX_READ_BYTES);
  const read = await partitionCall(typedEnv(env), topic, partition, (stub) => stub.read(offset, limit, maxBytes));
  return { topic, partition, ...read };
}

/* readPartition, but when the partition has no record at opts.offset yet, the
 * partition holds the call up to waitMs for one to be appended (then answers
 * empty): a long poll, as a Kafka Fetch with max.wait.ms. */
export async function readPartitionWait(
  env: Env,
  topic: string,
  partition: number,
  opts: ReadOptions,
  waitMs: number,
): Promise<PartitionRead> {
  const offset = checkRange("offset", opts.offset, 0, Number.MAX_SAFE_INTEGER);
  const limit = checkRange("limit", opts.limit ?? 100, 1, MAX_READ_RECORDS);
  const maxBytes = checkRange("maxBytes", opts.maxBytes ?? 1 << 20, 1, MAX_READ_BYTES);
  const wait = checkRange("waitMs", waitMs, 0, MAX_READ_WAIT_MS);
  const read = await partitionCall(env, topic, partition, (stub) => stub.readWait(offset, limit, maxBytes, wait));
  return { topic, partition, ...read };
}

export async function partitionOffsets(env: KafdoBindings, topic: string, partition: number): Promise<PartitionOffsets> {
  const o = await partitionCall(typedEnv(env), topic, partition, (stub) => stub.offsets());
  return { earliest: o.logStartOffset, latest: o.highWatermark };
}

/* Kafka's ListOffsets by time (a consumer's offsetsForTimes): the first offset whose
 * record's timestamp is at or after `timestamp`, and that timestamp; -1 for both when
 * no record is that late. */
export async function partitionOffsetForTime(
  env: KafdoBindings,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<{ offset: number; timestamp: number }> {
  return partitionCall(typedEnv(env), topic, partition, (stub) => stub.offsetForTimestamp(timestamp));
}

/* The latest record of `key` in a compacted topic (cleanup.policy=compact): a topic
 * read as a table. Looks in the partition the key hashes to (murmur2, as the producers
 * choose), or in opts.partition; one lookup in that partition's key table. null when
 * the key has no record there (never written, or deleted by a tombstone compaction
 * has since removed); a tombstone still kept is returned, its value null. A topic
 * that is not compacted is INVALID_REQUEST. */
export async function readKey(
  env: KafdoBindings,
  topicName: string,
  key: string | Uint8Array,
  opts: { partition?: number } = {},
): Promise<(ConsumerRecord & { partition: number }) | null> {
  const bytes = typeof key === "string" ? new TextEncoder().encode(key) : key;
  const typed = typedEnv(env);
  const topic = await topicFor(typed, topicName);
  const partition = opts.partition ?? choosePartition(bytes, topic.partitions, 0);
  const found = await partitionCall(typed, topicName, partition, (stub) => stub.latest(bytes, topicConfigText(topic)));
  const record = found.records[0];
  return record ? { ...record, partition } : null;
}
