/*
 * admin.ts — the topic administration APIs: CreateTopics, DeleteTopics,
 * CreatePartitions and DescribeConfigs, over ClusterMetadataDO (whose core,
 * topics.c, owns the rules for names, partition counts and configs).
 *
 * Replication: every partition is one Durable Object, whose storage Cloudflare
 * replicates; there is no replica placement to choose. A replication factor is
 * accepted as asked (clients written for Kafka ask for 3), and manual replica
 * assignments are refused with INVALID_REPLICA_ASSIGNMENT, as for a broker
 * that does not exist.
 */
import type { KafkaRequest } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { defaultPartitions, forget, topicFor } from "../api/metadata";
import { KafdoError, KafkaCode } from "../errors";
import { errorCodeOf, errorMessageOf, settleEach, type KafkaContext } from "./context";

interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: unknown[];
  configs: { name: string; value: string | null }[];
}

/* Kafka's ConfigResource types. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
/* DescribeConfigs' config sources. */
const SOURCE_DYNAMIC_TOPIC = 1;

export async function createTopics(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const validateOnly: boolean = req.body.validateOnly;
  const topics = await settleEach(
    req.body.topics as CreatableTopic[],
    async (t): Promise<object> => {
      if (t.assignments.length > 0) {
        throw new KafdoError(KafkaCode.INVALID_REPLICA_ASSIGNMENT, "Kafdo places partitions itself: replica assignments are not taken");
      }
      if (t.replicationFactor === 0 || t.replicationFactor < -1) {
        throw new KafdoError(KafkaCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} is not valid`);
      }
      const partitions = t.numPartitions === -1 ? defaultPartitions(ctx.env) : t.numPartitions;
      const config: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
      const stub = metadataStub(ctx.env);
      await (validateOnly ? stub.validateTopic(t.name, partitions, config) : stub.createTopic(t.name, partitions, config));
      forget(t.name);
      return { name: t.name, errorCode: 0, errorMessage: null };
    },
    (t, errorCode, e) => ({ name: t.name, errorCode, errorMessage: errorMessageOf(e) }),
  );
  return { throttleTimeMs: 0, topics };
}

export async function deleteTopics(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const responses = await settleEach(
    req.body.topicNames as string[],
    async (name) => {
      await metadataStub(ctx.env).deleteTopic(name);
      forget(name);
      return { name, errorCode: 0 };
    },
    (name, errorCode) => ({ name, errorCode }),
  );
  return { throttleTimeMs: 0, responses };
}

export async function createPartitions(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const validateOnly: boolean = req.body.validateOnly;
  const results = await settleEach(
    req.body.topics as { name: string; count: number; assignments: unknown[] | null }[],
    async (t): Promise<object> => {
      if (t.assignments !== null && t.assignments.length > 0) {
        throw new KafdoError(KafkaCode.INVALID_REPLICA_ASSIGNMENT, "Kafdo places partitions itself: replica assignments are not taken");
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

async function describeResource(ctx: KafkaContext, r: ConfigResource): Promise<object> {
  const result = (errorCode: number, errorMessage: string | null, configs: object[]): object => ({
    errorCode,
    errorMessage,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs,
  });
  try {
    if (r.resourceType === RESOURCE_BROKER) return result(0, null, []);
    if (r.resourceType !== RESOURCE_TOPIC) {
      return result(KafkaCode.INVALID_REQUEST, `resource type ${r.resourceType} is not described by Kafdo`, []);
    }
    forget(r.resourceName);
    const topic = await topicFor(ctx.env, r.resourceName);
    const keys = r.configurationKeys === null ? Object.keys(topic.config) : r.configurationKeys.filter((k) => k in topic.config);
    const configs = keys.map((name) => ({
      name,
      value: topic.config[name] ?? null,
      readOnly: false,
      isDefault: false,
      configSource: SOURCE_DYNAMIC_TOPIC,
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

export async function describeConfigs(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const resources = req.body.resources as ConfigResource[];
  return { throttleTimeMs: 0, results: await Promise.all(resources.map((r) => describeResource(ctx, r))) };
}
