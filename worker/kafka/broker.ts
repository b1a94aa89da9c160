/*
 * broker.ts — what a client asks a broker about the cluster: ApiVersions,
 * Metadata and FindCoordinator. Kafdo shows clients one broker, node 0: the
 * gateway their connection came through, at the address it advertised. It leads
 * every partition and coordinates every group; the partitions themselves live in
 * Durable Objects behind it.
 */
import { kafkaSupported, metadataListsAll } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { autoCreateEnabled, topicFor } from "../partitions/topics";
import {
  CLUSTER_OPERATIONS,
  NO_OPERATIONS,
  TOPIC_OPERATIONS,
  errorCodeOf,
  type KafkaContext,
  type RequestOf,
} from "./context";

export const CLUSTER_ID = "kafdo";

/*
 * ApiVersions; from v3 also the feature flags of KIP-584 (tagged fields): Kafdo
 * supports and finalizes no feature, and says so with a known epoch, 0 (-1 would
 * mean "unknown"). Empty lists and zkMigrationReady false are the defaults, which
 * Kafka leaves off the wire, as the codec does with fields not named here.
 */
export function apiVersions(_ctx: KafkaContext, req: RequestOf<"ApiVersions">): object {
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

/* A topic id as the codec writes a uuid (32 hex digits), from Kafdo's string form
 * (Kafka's: URL-safe base64 of the 16 bytes, unpadded). */
export function topicIdHex(id: string): string {
  const bytes = atob(id.replace(/-/g, "+").replace(/_/g, "/"));
  return Array.from(bytes, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

export const NO_TOPIC_ID = "0".repeat(32);

function topicEntry(topic: TopicInfo, operations: number): object {
  return {
    errorCode: 0,
    name: topic.name,
    topicId: topicIdHex(topic.topicId),
    isInternal: false,
    partitions: partitionsOf(topic),
    topicAuthorizedOperations: operations,
  };
}

/*
 * Metadata for the topics asked for (all of them for a null list, or an empty
 * one before v1), by name, or from v12 by topic id (a null name). A topic that
 * does not exist is created when the client allows it and the Worker's
 * KAFDO_AUTO_CREATE_TOPICS does, as Kafka's auto.create.topics.enable; otherwise
 * it is UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id). Authorized operations,
 * when asked for (v8+), are all of them, as a broker without an authorizer says.
 */
export async function metadata(ctx: KafkaContext, req: RequestOf<"Metadata">): Promise<object> {
  const asked = req.body.topics;
  const all = metadataListsAll(req.apiVersion, asked);
  const operations = req.body.includeTopicAuthorizedOperations === true ? TOPIC_OPERATIONS : NO_OPERATIONS;
  const failed = (errorCode: number, name: string | null, topicId = NO_TOPIC_ID): object => ({
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NO_OPERATIONS,
  });
  let topics: object[];
  if (all || asked === null) {
    topics = (await metadataStub(ctx.env).listTopics()).map((t) => topicEntry(t, operations));
  } else {
    const create = req.body.allowAutoTopicCreation === true && autoCreateEnabled(ctx.env);
    let everyTopic: Promise<TopicInfo[]> | undefined; /* listed once, for topics asked by id */
    topics = await Promise.all(
      asked.map(async ({ name, topicId }) => {
        if (name === null) {
          everyTopic ??= metadataStub(ctx.env).listTopics();
          const found = (await everyTopic).find((t) => topicIdHex(t.topicId) === topicId);
          return found ? topicEntry(found, operations) : failed(KafkaCode.UNKNOWN_TOPIC_ID, null, topicId);
        }
        try {
          return topicEntry(await topicFor(ctx.env, name, create), operations);
        } catch (e) {
          return failed(errorCodeOf(e), name);
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
    clusterAuthorizedOperations:
      req.body.includeClusterAuthorizedOperations === true ? CLUSTER_OPERATIONS : NO_OPERATIONS,
  };
}

/* Node 0 coordinates every group (key type 0) and every transactional id (key type
 * 1; each id's coordinator is its TransactionCoordinatorDO behind it). From v4 a
 * request names several keys (coordinatorKeys), each answered on its own. */
interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

function coordinatorOf(ctx: KafkaContext, key: string, keyType: number): Coordinator {
  const none = { key, nodeId: -1, host: "", port: -1 };
  if (keyType !== 0 && keyType !== 1) {
    return { ...none, errorCode: KafkaCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` };
  }
  const { host, port, nodeId } = ctx.broker;
  return { key, nodeId, host, port, errorCode: 0, errorMessage: null };
}

export function findCoordinator(ctx: KafkaContext, req: RequestOf<"FindCoordinator">): object {
  const keyType: number = req.body.keyType;
  if (req.apiVersion >= 4) {
    const keys: string[] = req.body.coordinatorKeys;
    return { throttleTimeMs: 0, coordinators: keys.map((key) => coordinatorOf(ctx, key, keyType)) };
  }
  const { nodeId, host, port, errorCode, errorMessage } = coordinatorOf(ctx, req.body.key, keyType);
  return { throttleTimeMs: 0, errorCode, errorMessage, nodeId, host, port };
}
