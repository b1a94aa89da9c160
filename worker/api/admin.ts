/*
 * admin.ts — createAdmin(env, config): topic and group administration for code
 * running in a Worker, over Durable Object RPC. The rules (names, partition
 * counts, configs) are the core's, applied in ClusterMetadataDO; this turns its
 * answers into the shapes Kafka users know. Groups are groups.ts's, shared with
 * the REST front.
 */
import type { ConfigChange } from "../../wasm/kafdo";
import { typedEnv, type Env, type KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { Admin, AdminConfig } from "../common/api";
import type {
  AlterConfigsOptions,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  PartitionOffsets,
  RecordsToDelete,
  TopicDescription,
  TopicInfo,
} from "../common/topics";
import type { GroupInfo, GroupListing, ResetOffsetsRequest, ResetOffsetsResult } from "../common/groups";
import { metadataStub } from "../durable-objects/addressing";
import { callPartition } from "../partitions/access";
import { deleteRecords } from "./delete-records";
import { queryTopic } from "./query";
import type { QueryOptions, QueryResult } from "../common/query";
import { resetGroupOffsets } from "./group-reset";
import { deleteGroup, describeGroup, listGroups } from "./groups";
import { forget, topicFor } from "../partitions/topics";

export function describe(topic: TopicInfo): TopicDescription {
  return {
    topic: topic.name,
    topicId: topic.topicId,
    partitions: Array.from({ length: topic.partitions }, (_, partition) => ({ partition, leader: 0 })),
    config: topic.config,
    createdAt: topic.createdAt,
  };
}

function configOf(config: CreateTopicConfig["config"]): Record<string, string> {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "a topic's config is an object of names to string values");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== "string" && typeof v !== "number") {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `config "${k}" must be a string`);
    }
    out[k] = String(v);
  }
  return out;
}

/* A config change map as the core's operations: a value is SET, null is DELETE. */
function configChangesOf(configs: ConfigChanges): ConfigChange[] {
  if (configs === null || typeof configs !== "object" || Array.isArray(configs)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "config changes are an object of names to string values or null");
  }
  return Object.entries(configs).map(([name, v]) => {
    if (v === null) return { op: "delete", name, value: null };
    if (typeof v !== "string" && typeof v !== "number") {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `config "${name}" must be a string or null`);
    }
    return { op: "set", name, value: String(v) };
  });
}

/* The low and high offsets of a topic's partitions, asked in parallel. */
export async function topicOffsets(env: Env, topic: TopicInfo): Promise<Map<number, PartitionOffsets>> {
  const answers = await Promise.all(
    Array.from({ length: topic.partitions }, (_, p) => callPartition(env, topic, p, async (stub) => stub.offsets())),
  );
  return new Map(answers.map((o, p) => [p, { earliest: o.logStartOffset, latest: o.highWatermark }]));
}

export class KafdoAdmin implements Admin {
  constructor(
    private readonly env: Env,
    readonly config: AdminConfig = {},
  ) {}

  async createTopic(config: CreateTopicConfig): Promise<TopicDescription> {
    if (config === null || typeof config !== "object" || typeof config.topic !== "string") {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "createTopic takes { topic, partitions?, config? }");
    }
    const partitions = config.partitions ?? 1;
    const created = await metadataStub(this.env).createTopic(config.topic, partitions, configOf(config.config));
    forget(created.name);
    return describe(created);
  }

  async deleteTopic(topic: string): Promise<void> {
    await metadataStub(this.env).deleteTopic(topic);
    forget(topic);
  }

  async listTopics(): Promise<string[]> {
    return (await metadataStub(this.env).listTopics()).map((t) => t.name);
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    forget(topic);
    return describe(await topicFor(this.env, topic));
  }

  async createPartitions(topic: string, count: number): Promise<TopicDescription> {
    const grown = await metadataStub(this.env).createPartitions(topic, count);
    forget(topic);
    return describe(grown);
  }

  /* Changes the topic's configs: only those given (null: back to the default), or with
   * `replace` the whole set. Every partition has the new configs when this returns;
   * other isolates' metadata caches see them within 5 s. */
  async alterConfigs(
    topic: string,
    configs: ConfigChanges,
    options: AlterConfigsOptions = {},
  ): Promise<TopicDescription> {
    let changes = configChangesOf(configs);
    const incremental = !options.replace;
    /* AlterConfigs names only what it sets: a null leaves the config out of the set. */
    if (!incremental) changes = changes.map((c) => ({ ...c, op: "set" }));
    const stub = metadataStub(this.env);
    const altered = await (options.validateOnly
      ? stub.validateConfigs(topic, changes, incremental)
      : stub.alterConfigs(topic, changes, incremental));
    forget(topic);
    return describe(altered);
  }

  async listOffsets(topic: string): Promise<Map<number, PartitionOffsets>> {
    return topicOffsets(this.env, await topicFor(this.env, topic));
  }

  /* Kafka's DeleteRecords: every partition's new low watermark, or a KafdoError
   * naming each partition refused (delete-records.ts). */
  deleteRecords(topic: string, partitions: RecordsToDelete[]): Promise<DeletedRecords[]> {
    return deleteRecords(this.env, topic, partitions);
  }

  /* Every group the cluster knows, with its state. */
  listGroups(): Promise<GroupListing[]> {
    return listGroups(this.env);
  }

  /* State, members, assignment, and per partition the committed offset and lag. */
  describeGroup(groupId: string): Promise<GroupInfo> {
    return describeGroup(this.env, groupId);
  }

  /* Refused with NON_EMPTY_GROUP while the group has members, as in Kafka. */
  deleteGroup(groupId: string): Promise<void> {
    return deleteGroup(this.env, groupId);
  }

  /* kafka-consumer-groups --reset-offsets: only while the group is empty
   * (NON_EMPTY_GROUP), every offset clamped to its log; dryRun commits nothing. */
  resetGroupOffsets(groupId: string, request: ResetOffsetsRequest): Promise<ResetOffsetsResult> {
    return resetGroupOffsets(this.env, groupId, request);
  }

  /* SQL over a topic: one read-only SELECT, within its budgets (query.ts). */
  query(topic: string, sql: string, options?: QueryOptions): Promise<QueryResult> {
    return queryTopic(this.env, topic, sql, options);
  }

  async close(): Promise<void> {}
}

export function createAdmin(env: KafdoBindings, config?: AdminConfig): Admin {
  return new KafdoAdmin(typedEnv(env), config);
}
