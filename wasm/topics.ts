/*
 * topics.ts — the cluster's metadata (topics.c), in ClusterMetadataDO's storage:
 * topics (create, describe, list, delete, add partitions, alter configs), the checks
 * of a topic name and a replica assignment, and the cluster's producer ids.
 */
import type { TopicInfo } from "../worker/common/topics";
import { KafdoError, KD_ERR_INVALID_ARG } from "../worker/common/errors";
import {
  KD_ALTER_INCREMENTAL,
  KD_ALTER_REPLACE,
  KD_CONFIG_APPEND,
  KD_CONFIG_DELETE,
  KD_CONFIG_SET,
  KD_CONFIG_SUBTRACT,
} from "./generated/abi";
import { type Reader, Writer, int32, int64, utf8 } from "./bytes";
import { invoke } from "./core";

/* Kafka's string form of a topic id: URL-safe base64 of its 16 bytes, unpadded. */
function topicIdString(id: Uint8Array): string {
  let s = "";
  for (const b of id) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function readTopic(r: Reader): TopicInfo {
  const name = r.str();
  const topicId = topicIdString(r.bytes(16));
  const partitions = r.i32();
  const createdAt = r.i64();
  const config: Record<string, string> = {};
  const overrides: string[] = [];
  for (let count = r.u32(), i = 0; i < count; i++) {
    const key = r.str();
    config[key] = r.str();
    if (r.u8() === 0) overrides.push(key); /* not the default: set on the topic */
  }
  return { name, topicId, partitions, createdAt, config, overrides };
}

export function topicsOpen(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_topics_open(db) });
}

/* Throws INVALID_TOPIC_EXCEPTION unless `name` is a valid Kafka topic name. */
export function checkTopicName(name: string): void {
  invoke({ input: utf8(name), run: (k, ptr, len) => k.kd_topic_name_check(ptr, len) });
}

/* A CreateTopics replica assignment, as the request carries it. */
export interface ReplicaAssignment {
  partitionIndex: number;
  brokerIds: number[];
}

/* Judges a manual replica assignment on a cluster whose one broker is `nodeId`
 * (kd_topic_assignment_check); the number of partitions it creates. */
export function checkReplicaAssignment(
  numPartitions: number,
  replicationFactor: number,
  assignments: ReplicaAssignment[],
  nodeId: number,
): number {
  const input = new Writer().i32(numPartitions).i16(replicationFactor).u32(assignments.length);
  for (const a of assignments) {
    input.i32(a.partitionIndex).u32(a.brokerIds.length);
    for (const b of a.brokerIds) input.i32(b);
  }
  return invoke({
    input: input.bytes(),
    run: (k, ptr, len) => k.kd_topic_assignment_check(ptr, len, nodeId),
    read: (r) => r.i32(),
  });
}

export function topicCreate(
  db: number,
  name: string,
  partitions: number,
  config: Record<string, string>,
  topicId: Uint8Array,
  nowMs: number,
  maxPartitions: number,
): TopicInfo {
  if (topicId.length !== 16) throw new KafdoError(KD_ERR_INVALID_ARG, "a topic id is 16 bytes");
  /* The strings first: one too long is the request's fault (INVALID_REQUEST), told
   * before any number is judged. */
  const input = new Writer().str(name);
  const pairs = Object.entries(config);
  const entries = new Writer();
  for (const [k, v] of pairs) entries.str(k).str(String(v));
  const parts = int32(partitions, "partition count");
  const now = int64(nowMs, "now");
  const max = int32(maxPartitions, "max partitions");
  input.i32(parts).u32(pairs.length).raw(entries.bytes());
  input.raw(topicId); /* the id travels after the input, in the same allocation */
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_create(db, ptr, len - 16, ptr + len - 16, now, max),
    read: readTopic,
  });
}

/* The topic, created with `partitions` when it does not exist (kd_topic_ensure);
 * UNKNOWN_TOPIC_OR_PARTITION while the name is being deleted. */
export function topicEnsure(
  db: number,
  name: string,
  partitions: number,
  topicId: Uint8Array,
  nowMs: number,
  maxPartitions: number,
): TopicInfo {
  if (topicId.length !== 16) throw new KafdoError(KD_ERR_INVALID_ARG, "a topic id is 16 bytes");
  const input = new Writer().str(name);
  const parts = int32(partitions, "partition count");
  const now = int64(nowMs, "now");
  const max = int32(maxPartitions, "max partitions");
  input.i32(parts).u32(0); /* no configs */
  input.raw(topicId); /* the id travels after the input, in the same allocation */
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_ensure(db, ptr, len - 16, ptr + len - 16, now, max),
    read: readTopic,
  });
}

export function topicDescribe(db: number, name: string): TopicInfo {
  return invoke({ input: utf8(name), run: (k, ptr, len) => k.kd_topic_describe(db, ptr, len), read: readTopic });
}

export function topicList(db: number): TopicInfo[] {
  return invoke({ run: (k) => k.kd_topic_list(db), read: (r) => r.list(() => readTopic(r)) });
}

/* Marks a topic as being deleted (kd_topic_delete_begin); returns it. */
export function topicDeleteBegin(db: number, name: string): TopicInfo {
  return invoke({
    input: utf8(name),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_delete_begin(db, ptr, len),
    read: readTopic,
  });
}

/* Deletes a topic's metadata; returns the topic as it was. */
export function topicDelete(db: number, name: string): TopicInfo {
  return invoke({
    input: utf8(name),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_delete(db, ptr, len),
    read: readTopic,
  });
}

export function topicCreatePartitions(db: number, name: string, count: number, maxPartitions: number): TopicInfo {
  const n = int32(count, "partition count");
  const max = int32(maxPartitions, "max partitions");
  return invoke({
    input: utf8(name),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_create_partitions(db, ptr, len, n, max),
    read: readTopic,
  });
}

/* One change of a topic's configs: Kafka's IncrementalAlterConfigs operations
 * (AlterConfigs sends "set" only; a null value there means the default). */
export type ConfigOperation = "set" | "delete" | "append" | "subtract";
export interface ConfigChange {
  op: ConfigOperation;
  name: string;
  value: string | null;
}
const CONFIG_OPERATIONS: ReadonlyMap<string, number> = new Map([
  ["set", KD_CONFIG_SET],
  ["delete", KD_CONFIG_DELETE],
  ["append", KD_CONFIG_APPEND],
  ["subtract", KD_CONFIG_SUBTRACT],
]);

/* Changes a topic's configs (kd_topic_alter_configs): with `incremental`, only the
 * configs named; without, the configs named become the whole set. */
export function topicAlterConfigs(db: number, name: string, changes: ConfigChange[], incremental: boolean): TopicInfo {
  const input = new Writer()
    .str(name)
    .u8(incremental ? KD_ALTER_INCREMENTAL : KD_ALTER_REPLACE)
    .u32(changes.length);
  for (const c of changes) {
    const op = CONFIG_OPERATIONS.get(c.op);
    if (op === undefined) throw new KafdoError(KD_ERR_INVALID_ARG, `unknown config operation "${c.op}"`);
    input
      .u8(op)
      .str(c.name)
      .flag(c.value === null)
      .str(c.value ?? "");
  }
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_topic_alter_configs(db, ptr, len),
    read: readTopic,
  });
}

/* A new producer id (kd_producer_id_next), in db's storage (ClusterMetadataDO's):
 * unique in the cluster and never handed out again, for InitProducerId without a
 * transactional id (which answers it with epoch 0). The partition logs judge
 * idempotent batches themselves, inside logAppend. */
export function producerIdNext(db: number): number {
  return invoke({ writes: db, run: (k) => k.kd_producer_id_next(db), read: (r) => r.i64() });
}
