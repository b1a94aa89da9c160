/*
 * cluster.ts — the cluster and partition administration APIs, answered as a Kafka
 * cluster of one broker answers them: DescribeCluster, DescribeLogDirs,
 * DescribeProducers, ElectLeaders, ListPartitionReassignments and
 * AlterPartitionReassignments. Node 0 leads every partition and holds its only
 * replica (context.ts), so there is never a leader to elect nor a replica to move;
 * what a partition stores comes from its Durable Object (kd_log_describe).
 */
import { metadataStub } from "../durable-objects/addressing";
import { callPartition } from "../partitions/access";
import { checkPartition, topicFor } from "../partitions/topics";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { CLUSTER_ID } from "./broker";
import {
  CLUSTER_OPERATIONS,
  NO_OPERATIONS,
  errorCodeOf,
  errorMessageOf,
  settleEach,
  type KafkaContext,
  type RequestOf,
} from "./context";

/* DescribeCluster's endpoint types (KIP-919). */
const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/* The one log directory DescribeLogDirs shows: the partitions' Durable Objects. */
const LOG_DIR = "/kafdo/durable-objects";

export function describeCluster(ctx: KafkaContext, req: RequestOf<"DescribeCluster">): object {
  const { nodeId, host, port } = ctx.broker;
  const endpointType: number = req.body.endpointType;
  const refused = (errorCode: number, errorMessage: string): object => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType,
    clusterId: CLUSTER_ID,
    controllerId: -1,
    brokers: [],
    clusterAuthorizedOperations: NO_OPERATIONS,
  });
  /* As a Kafka broker answers: it is not a controller endpoint. */
  if (endpointType === ENDPOINT_CONTROLLERS) {
    return refused(
      KafkaCode.MISMATCHED_ENDPOINT_TYPE,
      "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
    );
  }
  if (endpointType !== ENDPOINT_BROKERS) {
    return refused(KafkaCode.UNSUPPORTED_ENDPOINT_TYPE, `endpoint type ${endpointType} is not supported`);
  }
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    endpointType,
    clusterId: CLUSTER_ID,
    controllerId: nodeId,
    brokers: [{ brokerId: nodeId, host, port, rack: null }],
    clusterAuthorizedOperations: req.body.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NO_OPERATIONS,
  };
}

/* Every partition index of a topic. */
function allPartitions(topic: TopicInfo): number[] {
  return Array.from({ length: topic.partitions }, (_, i) => i);
}

/*
 * DescribeLogDirs: one log directory holding every partition asked for (all of
 * them for a null list), each with its stored bytes. As Kafka, a topic or
 * partition the broker does not hold is left out rather than refused.
 */
export async function describeLogDirs(ctx: KafkaContext, req: RequestOf<"DescribeLogDirs">): Promise<object> {
  const asked: { topic: string; partitions: number[] }[] | null = req.body.topics;
  const wanted: { topic: TopicInfo; partitions: number[] }[] = [];
  if (asked === null) {
    for (const topic of await metadataStub(ctx.env).listTopics())
      wanted.push({ topic, partitions: allPartitions(topic) });
  } else {
    for (const t of asked) {
      const topic = await topicFor(ctx.env, t.topic).catch(() => null);
      if (topic) wanted.push({ topic, partitions: t.partitions.filter((p) => p >= 0 && p < topic.partitions) });
    }
  }
  const topics = await Promise.all(
    wanted.map(async ({ topic, partitions }) => {
      const sizes = await Promise.all(
        partitions.map(async (partitionIndex) => {
          try {
            const { sizeBytes } = await callPartition(ctx.env, topic, partitionIndex, async (stub) => stub.describe());
            return { partitionIndex, partitionSize: sizeBytes, offsetLag: 0, isFutureKey: false };
          } catch {
            return null; /* deleted meanwhile: not held */
          }
        }),
      );
      return { name: topic.name, partitions: sizes.filter((p) => p !== null) };
    }),
  );
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    results: [{ errorCode: 0, logDir: LOG_DIR, topics, totalBytes: -1, usableBytes: -1 }],
  };
}

/* DescribeProducers: the idempotent producers each partition remembers (Kafdo has
 * no transactions, so none has a coordinator epoch or an open transaction). */
export async function describeProducers(ctx: KafkaContext, req: RequestOf<"DescribeProducers">): Promise<object> {
  const asked: { name: string; partitionIndexes: number[] }[] = req.body.topics;
  const topics = await Promise.all(
    asked.map(async (t) => {
      let topic: TopicInfo | undefined;
      let failure: unknown;
      try {
        topic = await topicFor(ctx.env, t.name);
      } catch (e) {
        failure = e;
      }
      const partitions = await settleEach(
        t.partitionIndexes,
        async (partitionIndex) => {
          if (!topic) throw failure;
          const { producers } = await callPartition(ctx.env, topic, partitionIndex, async (stub) => stub.describe());
          return {
            partitionIndex,
            errorCode: 0,
            errorMessage: null as string | null,
            activeProducers: producers.map((p) => ({
              producerId: p.producerId,
              producerEpoch: p.producerEpoch,
              lastSequence: p.lastSequence,
              lastTimestamp: p.lastAppendMs,
              coordinatorEpoch: -1,
              currentTxnStartOffset: p.currentTxnStartOffset,
            })),
          };
        },
        (partitionIndex, errorCode, e) => ({
          partitionIndex,
          errorCode,
          errorMessage: errorMessageOf(e),
          activeProducers: [],
        }),
      );
      return { name: t.name, partitions };
    }),
  );
  return { throttleTimeMs: 0, topics };
}

/* The partitions asked for, each checked: its topic's and its own existence. */
async function eachPartition<R>(
  ctx: KafkaContext,
  topicName: string,
  partitions: number[],
  run: (partition: number) => R,
  onError: (partition: number, code: number, message: string) => R,
): Promise<R[]> {
  let topic: TopicInfo;
  try {
    topic = await topicFor(ctx.env, topicName);
  } catch (e) {
    return partitions.map((p) => onError(p, errorCodeOf(e), errorMessageOf(e)));
  }
  return partitions.map((p) => {
    try {
      checkPartition(topic, p);
      return run(p);
    } catch (e) {
      return onError(p, errorCodeOf(e), errorMessageOf(e));
    }
  });
}

/*
 * ElectLeaders: node 0, the preferred (and only) replica, already leads every
 * partition, so each is ELECTION_NOT_NEEDED, as Kafka answers; a null list (every
 * partition) answers no partitions, as Kafka leaves out those that needed none.
 */
export async function electLeaders(ctx: KafkaContext, req: RequestOf<"ElectLeaders">): Promise<object> {
  const asked: { topic: string; partitions: number[] }[] | null = req.body.topicPartitions;
  const replicaElectionResults = await Promise.all(
    (asked ?? []).map(async (t) => ({
      topic: t.topic,
      partitionResult: await eachPartition(
        ctx,
        t.topic,
        t.partitions,
        (partitionId) => ({
          partitionId,
          errorCode: KafkaCode.ELECTION_NOT_NEEDED,
          errorMessage: "Leader election not needed for topic partition.",
        }),
        (partitionId, errorCode, errorMessage) => ({ partitionId, errorCode, errorMessage }),
      ),
    })),
  );
  return { throttleTimeMs: 0, errorCode: 0, replicaElectionResults };
}

/* ListPartitionReassignments: none is ever in progress. */
export function listPartitionReassignments(): object {
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] };
}

/* Why a partition's target replicas cannot be taken, as Kafka's controller says it;
 * null for the one it can: the replica it has, [0], a reassignment that is done. */
function refusedReplicas(replicas: number[] | null, nodeId: number): KafdoError | null {
  if (replicas === null)
    return new KafdoError(KafkaCode.NO_REASSIGNMENT_IN_PROGRESS, "No ongoing reassignment for this partition.");
  if (replicas.length === 0)
    return new KafdoError(
      KafkaCode.INVALID_REPLICA_ASSIGNMENT,
      "The manual partition assignment includes an empty replica list.",
    );
  if (new Set(replicas).size !== replicas.length) {
    return new KafdoError(
      KafkaCode.INVALID_REPLICA_ASSIGNMENT,
      "The manual partition assignment includes duplicate replicas.",
    );
  }
  const unknown = replicas.find((r) => r !== nodeId);
  if (unknown !== undefined) {
    return new KafdoError(
      KafkaCode.INVALID_REPLICA_ASSIGNMENT,
      `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`,
    );
  }
  return null;
}

/*
 * AlterPartitionReassignments, per partition: to [0], the replica it has, done at
 * once (errorCode 0, as Kafka completes a reassignment to the current replicas);
 * to any other broker, INVALID_REPLICA_ASSIGNMENT (there is none); a cancellation
 * (null), NO_REASSIGNMENT_IN_PROGRESS.
 */
export async function alterPartitionReassignments(
  ctx: KafkaContext,
  req: RequestOf<"AlterPartitionReassignments">,
): Promise<object> {
  const asked: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[] =
    req.body.topics;
  const responses = await Promise.all(
    asked.map(async (t) => {
      const replicasOf = new Map(t.partitions.map((p) => [p.partitionIndex, p.replicas]));
      return {
        name: t.name,
        partitions: await eachPartition(
          ctx,
          t.name,
          t.partitions.map((p) => p.partitionIndex),
          (partitionIndex) => {
            const refused = refusedReplicas(replicasOf.get(partitionIndex) ?? null, ctx.broker.nodeId);
            if (refused) throw refused;
            return { partitionIndex, errorCode: 0, errorMessage: null as string | null };
          },
          (partitionIndex, errorCode, errorMessage) => ({ partitionIndex, errorCode, errorMessage }),
        ),
      };
    }),
  );
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses };
}
