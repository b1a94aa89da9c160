/*
 * admin.ts — the topic administration APIs: CreateTopics, DeleteTopics,
 * CreatePartitions, DescribeConfigs, AlterConfigs and IncrementalAlterConfigs, over
 * ClusterMetadataDO (whose core, topics.c, owns the rules for names, partition
 * counts and configs).
 *
 * Replication: every partition is one Durable Object, whose storage Cloudflare
 * replicates; there is no replica placement to choose. A replication factor is
 * accepted as asked (clients written for Kafka ask for 3). A manual replica
 * assignment on CreateTopics is judged as Kafka with one broker judges it (the
 * core's kd_topic_assignment_check): naming only this broker, it is taken; another
 * broker is INVALID_REPLICA_ASSIGNMENT, as for a broker that does not exist.
 * CreatePartitions' assignments are still refused.
 */
import {
  checkReplicaAssignment,
  topicRequestPartitions,
  type ConfigChange,
  type ReplicaAssignment,
} from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { defaultPartitions, forget, topicFor } from "../partitions/topics";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { NO_TOPIC_ID, topicIdHex } from "./broker";
import { brokerConfigs } from "./broker-configs";
import { errorCodeOf, errorMessageOf, settleEach, type KafkaContext, type RequestOf } from "./context";

interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: ReplicaAssignment[];
  configs: { name: string; value: string | null }[];
}

/* Kafka's ConfigResource types. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/* DescribeConfigs' config sources: set on the topic, or Kafka's default. */
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_DEFAULT = 5;

/* A topic's configs as DescribeConfigs and CreateTopics (v5+) show them: set on the
 * topic (DYNAMIC_TOPIC_CONFIG) or Kafka's default. */
function topicConfigs(
  topic: TopicInfo,
  names: string[] = Object.keys(topic.config),
): { name: string; value: string | null; source: number }[] {
  return names.map((name) => ({
    name,
    value: topic.config[name] ?? null,
    source: topic.overrides.includes(name) ? SOURCE_DYNAMIC_TOPIC : SOURCE_DEFAULT,
  }));
}

/*
 * CreateTopics. From v5 the answer describes each topic made (or, validating only,
 * that would be made): its partitions, one replica (node 0, as Metadata shows every
 * partition's replicas), and its configs with their sources; from v7 its id (zero
 * when only validated: no topic was made). A topic refused answers -1, -1 and no
 * configs, as Kafka does.
 */
export async function createTopics(ctx: KafkaContext, req: RequestOf<"CreateTopics">): Promise<object> {
  const validateOnly: boolean = req.body.validateOnly;
  const failed = { numPartitions: -1, replicationFactor: -1, configs: [], topicId: NO_TOPIC_ID };
  const topics = await settleEach(
    req.body.topics as CreatableTopic[],
    async (t): Promise<object> => {
      const partitions =
        t.assignments.length > 0
          ? checkReplicaAssignment(t.numPartitions, t.replicationFactor, t.assignments, ctx.broker.nodeId)
          : topicRequestPartitions(t.numPartitions, t.replicationFactor, defaultPartitions(ctx.env));
      const config: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
      const stub = metadataStub(ctx.env);
      const made = await (validateOnly
        ? stub.validateTopic(t.name, partitions, config)
        : stub.createTopic(t.name, partitions, config));
      forget(t.name);
      return {
        name: t.name,
        topicId: validateOnly ? NO_TOPIC_ID : topicIdHex(made.topicId),
        errorCode: 0,
        errorMessage: null,
        numPartitions: made.partitions,
        replicationFactor: 1,
        configs: topicConfigs(made).map(({ name, value, source }) => ({
          name,
          value,
          readOnly: false,
          configSource: source,
          isSensitive: false,
        })),
      };
    },
    (t, errorCode, e) => ({ name: t.name, errorCode, errorMessage: errorMessageOf(e), ...failed }),
  );
  return { throttleTimeMs: 0, topics };
}

/*
 * DeleteTopics: by name (v0-5's topicNames), or from v6 each topic by name or by id
 * (the other null or zero); naming both, or neither, is INVALID_REQUEST, an id no
 * topic has UNKNOWN_TOPIC_ID, as Kafka answers. Each answer names the topic and
 * (v6) its id.
 */
export async function deleteTopics(ctx: KafkaContext, req: RequestOf<"DeleteTopics">): Promise<object> {
  const asked: { name: string | null; topicId: string }[] =
    req.apiVersion >= 6
      ? req.body.topics
      : (req.body.topicNames as string[]).map((name) => ({ name, topicId: NO_TOPIC_ID }));
  let everyTopic: Promise<TopicInfo[]> | undefined; /* listed once, for topics named by id */
  const responses = await settleEach(
    asked,
    async ({ name, topicId }): Promise<object> => {
      if ((name === null) === (topicId === NO_TOPIC_ID)) {
        throw new KafdoError(
          KafkaCode.INVALID_REQUEST,
          name === null
            ? "Neither topic name nor id were specified."
            : "You may not specify both topic name and topic id.",
        );
      }
      let named = name;
      if (named === null) {
        everyTopic ??= metadataStub(ctx.env).listTopics();
        const found = (await everyTopic).find((t) => topicIdHex(t.topicId) === topicId);
        if (!found) throw new KafdoError(KafkaCode.UNKNOWN_TOPIC_ID, `no topic has the id ${topicId}`);
        named = found.name;
      }
      const deleted = await metadataStub(ctx.env).deleteTopic(named);
      forget(named);
      return { name: named, topicId: topicIdHex(deleted.topicId), errorCode: 0, errorMessage: null };
    },
    ({ name, topicId }, errorCode, e) => ({ name, topicId, errorCode, errorMessage: errorMessageOf(e) }),
  );
  return { throttleTimeMs: 0, responses };
}

export async function createPartitions(ctx: KafkaContext, req: RequestOf<"CreatePartitions">): Promise<object> {
  const validateOnly: boolean = req.body.validateOnly;
  const results = await settleEach(
    req.body.topics as { name: string; count: number; assignments: unknown[] | null }[],
    async (t): Promise<object> => {
      if (t.assignments !== null && t.assignments.length > 0) {
        throw new KafdoError(
          KafkaCode.INVALID_REPLICA_ASSIGNMENT,
          "Kafdo places partitions itself: replica assignments are not taken",
        );
      }
      const stub = metadataStub(ctx.env);
      await (validateOnly ? stub.validatePartitions(t.name, t.count) : stub.createPartitions(t.name, t.count));
      forget(t.name);
      return { name: t.name, errorCode: 0, errorMessage: null };
    },
    (t, errorCode, e) => ({ name: t.name, errorCode, errorMessage: errorMessageOf(e) }),
  );
  return { throttleTimeMs: 0, results };
}

interface ConfigResource {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
}

async function describeResource(ctx: KafkaContext, r: ConfigResource, includeSynonyms: boolean): Promise<object> {
  const result = (errorCode: number, errorMessage: string | null, configs: object[]): object => ({
    errorCode,
    errorMessage,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs,
  });
  try {
    if (r.resourceType === RESOURCE_BROKER) return result(0, null, describeBroker(ctx, r, includeSynonyms));
    if (r.resourceType !== RESOURCE_TOPIC) {
      return result(KafkaCode.INVALID_REQUEST, `resource type ${r.resourceType} is not described by Kafdo`, []);
    }
    forget(r.resourceName);
    const topic = await topicFor(ctx.env, r.resourceName);
    const keys = r.configurationKeys === null ? undefined : r.configurationKeys.filter((k) => k in topic.config);
    const configs = topicConfigs(topic, keys).map(({ name, value, source }) => ({
      name,
      value,
      readOnly: false,
      isDefault: source === SOURCE_DEFAULT,
      configSource: source,
      isSensitive: false,
      synonyms: [],
      configType: 0,
      documentation: null,
    }));
    return result(0, null, configs);
  } catch (e) {
    return result(errorCodeOf(e), errorMessageOf(e), []);
  }
}

/*
 * The BROKER resource, as a Kafka broker answers it: by its id, "0", every broker
 * config Kafdo shows (broker-configs.ts), read-only, each its own synonym when
 * synonyms are asked for; by "", the cluster-wide dynamic defaults, of which Kafdo
 * has none; by another id, INVALID_REQUEST.
 */
function describeBroker(ctx: KafkaContext, r: ConfigResource, includeSynonyms: boolean): object[] {
  const id = String(ctx.broker.nodeId);
  if (r.resourceName === "") return [];
  if (r.resourceName !== id) {
    throw new KafdoError(
      KafkaCode.INVALID_REQUEST,
      `Unexpected broker id, expected ${id} or empty string, but received ${r.resourceName}`,
    );
  }
  const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
  return brokerConfigs(ctx.env, ctx.broker)
    .filter((c) => keys === null || keys.has(c.name))
    .map((c) => ({
      name: c.name,
      value: c.value,
      readOnly: true,
      isDefault: c.source === SOURCE_DEFAULT,
      configSource: c.source,
      isSensitive: false,
      synonyms: includeSynonyms ? [{ name: c.name, value: c.value, source: c.source }] : [],
      configType: c.type,
      documentation: null,
    }));
}

export async function describeConfigs(ctx: KafkaContext, req: RequestOf<"DescribeConfigs">): Promise<object> {
  const resources = req.body.resources as ConfigResource[];
  return {
    throttleTimeMs: 0,
    results: await Promise.all(resources.map((r) => describeResource(ctx, r, req.body.includeSynonyms === true))),
  };
}

/*
 * AlterConfigs and IncrementalAlterConfigs. A topic's changes are the core's
 * (kd_topic_alter_configs: AlterConfigs replaces the topic's set, incremental changes
 * what it names), all or nothing per resource; the new configs reach every partition
 * before the answer. Kafdo has no broker config that changes at run time: a broker
 * resource naming one is answered as Kafka answers a config it cannot update
 * dynamically, INVALID_REQUEST; other resource types as Kafka does, INVALID_REQUEST.
 */
interface AlterableResource {
  resourceType: number;
  resourceName: string;
  configs: { name: string; configOperation?: number; value: string | null }[];
}

/* Kafka's IncrementalAlterConfigs operation codes, in order. */
const OPERATIONS = ["set", "delete", "append", "subtract"] as const;

async function alterResource(
  ctx: KafkaContext,
  r: AlterableResource,
  incremental: boolean,
  validateOnly: boolean,
): Promise<object> {
  const result = (errorCode: number, errorMessage: string | null): object => ({
    errorCode,
    errorMessage,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
  });
  try {
    if (r.resourceType === RESOURCE_BROKER) {
      if (r.configs.length === 0) return result(0, null);
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `Cannot update these configs dynamically: ${r.configs.map((c) => c.name).join(", ")} (Kafdo's broker configs are fixed)`,
      );
    }
    if (r.resourceType !== RESOURCE_TOPIC) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `configs can be changed for topics only, not resource type ${r.resourceType}`,
      );
    }
    const changes: ConfigChange[] = r.configs.map((c) => {
      const op = incremental ? OPERATIONS[c.configOperation ?? -1] : "set";
      if (op === undefined) {
        throw new KafdoError(
          KafkaCode.INVALID_REQUEST,
          `config operation ${c.configOperation} is not one of SET (0), DELETE (1), APPEND (2), SUBTRACT (3)`,
        );
      }
      return { op, name: c.name, value: c.value };
    });
    const stub = metadataStub(ctx.env);
    await (validateOnly
      ? stub.validateConfigs(r.resourceName, changes, incremental)
      : stub.alterConfigs(r.resourceName, changes, incremental));
    forget(r.resourceName);
    return result(0, null);
  } catch (e) {
    return result(errorCodeOf(e), errorMessageOf(e));
  }
}

function alterConfigsWith(incremental: boolean) {
  return async (ctx: KafkaContext, req: RequestOf<"AlterConfigs" | "IncrementalAlterConfigs">): Promise<object> => {
    const resources = req.body.resources as AlterableResource[];
    const validateOnly: boolean = req.body.validateOnly;
    const responses = await Promise.all(resources.map((r) => alterResource(ctx, r, incremental, validateOnly)));
    return { throttleTimeMs: 0, responses };
  };
}

export const alterConfigs = alterConfigsWith(false);
export const incrementalAlterConfigs = alterConfigsWith(true);
