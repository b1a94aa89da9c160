/*
 * read.ts — reading a partition for code running in a Worker (and for the REST
 * front): records from an offset, decoded by the core in the partition's object,
 * at once or held for records to arrive (the consumer's long poll), and a
 * partition's offsets.
 */
import { MAX_READ_BYTES, partition as choosePartition } from "../../wasm/kafdo";
import { typedEnv, type Env, type KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import { isolationLevel, type ConsumerRecord, type PartitionRead, type ReadOptions } from "../common/records";
import type { PartitionOffsets } from "../common/topics";
import type { Encoding, RestReadResult } from "../common/rest-read";
import { MAX_READ_WAIT_MS } from "../durable-objects/TopicPartitionDO";
import { callPartition, onPartition } from "../partitions/access";
import { topicConfigText, topicFor } from "../partitions/topics";

export const MAX_READ_RECORDS = 10000;
/* The core's ceiling on one read: more could not be given anyway. */
export { MAX_READ_BYTES };

function checkRange(what: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `${what} must be an integer from ${min} to ${max}, not ${v}`);
  }
  return v;
}

/* A read's offset and limits, checked, with their defaults (100 records, 1 MiB,
 * read_committed). */
function readLimits(opts: ReadOptions): { offset: number; limit: number; maxBytes: number } {
  if (opts.isolation !== undefined && opts.isolation !== "read_committed" && opts.isolation !== "read_uncommitted") {
    throw new KafdoError(
      KafkaCode.INVALID_REQUEST,
      `isolation must be "read_committed" or "read_uncommitted", not ${String(opts.isolation)}`,
    );
  }
  return {
    offset: checkRange("offset", opts.offset, 0, Number.MAX_SAFE_INTEGER),
    limit: checkRange("limit", opts.limit ?? 100, 1, MAX_READ_RECORDS),
    maxBytes: checkRange("maxBytes", opts.maxBytes ?? 1 << 20, 1, MAX_READ_BYTES),
  };
}

export async function readPartition(
  env: KafdoBindings,
  topic: string,
  partition: number,
  opts: ReadOptions,
): Promise<PartitionRead> {
  const { offset, limit, maxBytes } = readLimits(opts);
  const isolation = isolationLevel(opts.isolation);
  const read = await onPartition(typedEnv(env), topic, partition, async (stub) =>
    stub.read(offset, limit, maxBytes, isolation),
  );
  return { topic, partition, ...read, nextOffset: read.nextOffset ?? offset };
}

/* readPartition with the records written by the core as the REST API's JSON messages
 * (common/rest-read.ts), for the REST read, which sends them on as they are. */
export async function readPartitionRest(
  env: KafdoBindings,
  topic: string,
  partition: number,
  opts: ReadOptions,
  encoding: Encoding,
): Promise<RestReadResult> {
  const { offset, limit, maxBytes } = readLimits(opts);
  const isolation = isolationLevel(opts.isolation);
  return await onPartition(typedEnv(env), topic, partition, async (stub) =>
    stub.readRest(offset, limit, maxBytes, isolation, encoding),
  );
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
  const { offset, limit, maxBytes } = readLimits(opts);
  const wait = checkRange("waitMs", waitMs, 0, MAX_READ_WAIT_MS);
  const isolation = isolationLevel(opts.isolation);
  const read = await onPartition(env, topic, partition, async (stub) =>
    stub.readWait(offset, limit, maxBytes, wait, isolation),
  );
  return { topic, partition, ...read, nextOffset: read.nextOffset ?? offset };
}

export async function partitionOffsets(
  env: KafdoBindings,
  topic: string,
  partition: number,
): Promise<PartitionOffsets> {
  const o = await onPartition(typedEnv(env), topic, partition, async (stub) => stub.offsets());
  return { earliest: o.logStartOffset, latest: o.highWatermark };
}

/* A partition's offsets with its last stable offset: where a read_committed read stops
 * (the first offset of its earliest open transaction, else the high watermark). */
export async function partitionStableOffsets(
  env: KafdoBindings,
  topic: string,
  partition: number,
): Promise<PartitionOffsets & { lastStableOffset: number }> {
  const o = await onPartition(typedEnv(env), topic, partition, async (stub) => stub.stableOffsets());
  return { earliest: o.logStartOffset, latest: o.highWatermark, lastStableOffset: o.lastStableOffset };
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
  return await onPartition(typedEnv(env), topic, partition, async (stub) => stub.offsetForTimestamp(timestamp));
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
  const found = await callPartition(typed, topic, partition, async (stub) =>
    stub.latest(bytes, topicConfigText(topic)),
  );
  const record = found.records[0];
  return record ? { ...record, partition } : null;
}
