/*
 * broker.ts — what a client asks a broker about the cluster: ApiVersions,
 * Metadata and FindCoordinator. Kafdo shows clients one broker, node 0: the
 * gateway their connection came through, at the address it advertised. It leads
 * every partition and coordinates every group; the partitions themselves live in
 * Durable Objects behind it.
 */
import { kafkaSupported, type KafkaRequest } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { KafkaCode } from "../errors";
import type { TopicInfo } from "../types";
import { autoCreateEnabled, topicFor } from "../api/metadata";
import { NO_OPERATIONS, errorCodeOf, type KafkaContext } from "./context";

export const CLUSTER_ID = "kafdo";

/*
 * ApiVersions; from v3 also the feature flags of KIP-584 (tagged fields): Kafdo
 * supports and finalizes no feature, and says so with a known epoch, 0 (-1 would
 * mean "unknown"). Empty lists and zkMigrationReady false are the defaults, which
 * Kafka leaves off the wire, as the codec does with fields not named here.
 */
export function apiVersions(_ctx: KafkaContext, req: KafkaRequest): object {
  const body = { errorCode: 0, apiKeys: kafkaSupported(), throttleTimeMs: 0 };
  return req.apiVersion >= 3 ? { ...body, finalizedFeaturesEpoch: 0 } : body;
}

function partitionsOf(topic: TopicInfo): object[] {
  return Array.from({ length: topic.partitions }, (_, partitionIndex) => ({
    errorCode: 0,
    partitionIndex,
    leaderId: 0,
    leaderEpoch: 0,
    replicaNodes: [0],
    isrNodes: [0],
    offlineReplicas: [],
  }));
}

function topicEntry(topic: TopicInfo): object {
  return {
    errorCode: 0,
    name: topic.name,
    isInternal: false,
    partitions: partitionsOf(topic),
    topicAuthorizedOperations: NO_OPERATIONS,
  };
}

/*
 * Metadata for the topics asked for (all of them for a null list, or an empty
 * one before v1). A topic that does not exist is created when the client allows
 * it and the Worker's KAFDO_AUTO_CREATE_TOPICS does, as Kafka's
 * auto.create.topics.enable; otherwise it is UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function metadata(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const asked: { name: string }[] | null = req.body.topics;
  const all = asked === null || (req.apiVersion === 0 && asked.length === 0);
  let topics: object[];
  if (all) {
    topics = (await metadataStub(ctx.env).listTopics()).map(topicEntry);
  } else {
    const create = req.body.allowAutoTopicCreation === true && autoCreateEnabled(ctx.env);
    topics = await Promise.all(
      asked.map(async ({ name }) => {
        try {
          return topicEntry(await topicFor(ctx.env, name, create));
        } catch (e) {
          return { errorCode: errorCodeOf(e), name, isInternal: false, partitions: [], topicAuthorizedOperations: NO_OPERATIONS };
        }
      }),
    );
  }
  const { host, port, nodeId } = ctx.broker;
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId, host, port, rack: null }],
    clusterId: CLUSTER_ID,
    controllerId: nodeId,
    topics,
    clusterAuthorizedOperations: NO_OPERATIONS,
  };
}

/* Node 0 coordinates every group. Transactions are not supported, so their
 * coordinator is not offered. */
export function findCoordinator(ctx: KafkaContext, req: KafkaRequest): object {
  const { host, port, nodeId } = ctx.broker;
  if (req.body.keyType !== 0) {
    return {
      throttleTimeMs: 0,
      errorCode: KafkaCode.INVALID_REQUEST,
      errorMessage: "Kafdo does not support transactions",
      nodeId: -1,
      host: "",
      port: -1,
    };
  }
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host, port };
}
