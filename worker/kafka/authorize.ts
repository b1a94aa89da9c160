/*
 * authorize.ts — every Kafka request checked against the ACLs before its handler
 * runs, when ACLs are enforced (SASL required; api/acls.ts), with Kafka's answers:
 *
 *   - a request naming topics (Produce, Fetch, ListOffsets, OffsetCommit, CreateTopics,
 *     DeleteTopics, DeleteRecords, CreatePartitions, DescribeProducers) goes to its
 *     handler with only the topics the principal may use; the others are answered
 *     TOPIC_AUTHORIZATION_FAILED beside the handler's answer, as a broker does;
 *   - Metadata hides the topics the principal may not DESCRIBE when it lists them all,
 *     answers TOPIC_AUTHORIZATION_FAILED for one asked by name, and creates a topic
 *     only for a principal allowed CREATE (on the cluster or the topic);
 *   - group requests need READ (join, sync, heartbeat, leave, commit, TxnOffsetCommit), DESCRIBE
 *     (FindCoordinator, DescribeGroups, OffsetFetch) or DELETE (DeleteGroups,
 *     OffsetDelete) on the group: GROUP_AUTHORIZATION_FAILED; ListGroups shows the
 *     groups the principal may describe; OffsetFetch answers (or, asked for all,
 *     leaves out) the topics the principal may not DESCRIBE, OffsetDelete those it
 *     may not READ, TOPIC_AUTHORIZATION_FAILED;
 *   - configs need DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster;
 *   - cluster requests (DescribeCluster, DescribeLogDirs, ElectLeaders, reassignments,
 *     the ACL and SCRAM APIs) need DESCRIBE or ALTER on the cluster:
 *     CLUSTER_AUTHORIZATION_FAILED;
 *   - a transactional producer needs WRITE on its transactional id (InitProducerId,
 *     AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, and a Produce of transactional
 *     batches: TRANSACTIONAL_ID_AUTHORIZATION_FAILED), AddPartitionsToTxn WRITE on each
 *     topic (else TOPIC_AUTHORIZATION_FAILED for those, UNKNOWN_TOPIC_OR_PARTITION for
 *     missing ones among the rest and OPERATION_NOT_ATTEMPTED for the others: nothing
 *     is added) and AddOffsetsToTxn READ on the group; FindCoordinator for a
 *     transaction, DescribeTransactions (which shows only the topics the principal may
 *     DESCRIBE) and ListTransactions (which shows only those ids) DESCRIBE on the
 *     transactional id;
 *   - asked for them, Metadata, DescribeGroups and DescribeCluster answer the
 *     principal's own authorized operations (a bit per AclOperation the core allows)
 *     rather than the handlers' "every operation".
 *
 * ApiVersions and the SASL APIs are never checked; InitProducerId without a
 * transactional id is allowed to every authenticated principal (as Kafka since KIP-679,
 * where the producer's WRITE on each topic is what counts).
 */
import { produceTxnError, type KafkaRequest } from "../../wasm/kafdo";
import {
  CLUSTER_RESOURCE,
  OPERATIONS as OP,
  RESOURCE_TYPES as RT,
  aclsEnforced,
  authorize,
  authorizedOperations,
} from "../api/acls";
import { KafkaCode } from "../common/errors";
import { NO_OPERATIONS, type KafkaContext } from "./context";
import { addPartitionsAnswer, partitionsToAdd } from "./transactions";
import type {
  CreatePartitionsRequestTopics,
  CreateTopicsRequestTopics,
  DeleteRecordsRequestTopics,
  DescribeProducersRequestTopics,
  FetchRequestTopics,
  KafkaRequestBodies,
  ListOffsetsRequestTopics,
  OffsetCommitRequestTopics,
  OffsetDeleteRequestTopics,
  ProduceRequestTopicData,
  TxnOffsetCommitRequestTopics,
} from "./generated/requests";

/* What the gate decided: run the handler with `request`, then `complete` its answer;
 * or answer `deny` as the whole request's error code. */
export interface Gate {
  request: KafkaRequest;
  complete?: (body: object | null) => object | null | Promise<object | null>;
  deny?: number;
}

type Check = (ctx: KafkaContext, req: KafkaRequest) => Promise<Gate>;

const allow = (request: KafkaRequest): Gate => ({ request });

/* A request's body as its API's schema has it: the core decoded it by the API key
 * that CHECKS below picked the check by. */
const bodyOf = <Api extends keyof KafkaRequestBodies>(req: KafkaRequest) => req.body as KafkaRequestBodies[Api];

/* A response body's list field (responses are the handlers' plain objects). */
const listIn = <T>(body: object, key: string) => (body as Record<string, T[] | undefined>)[key];

async function may(ctx: KafkaContext, operation: number, resourceType: number, names: string[]): Promise<boolean[]> {
  return authorize(
    ctx.env,
    ctx.principal ?? "User:ANONYMOUS",
    names.map((resourceName) => ({ operation, resourceType, resourceName })),
  );
}

const mayCluster = async (ctx: KafkaContext, operation: number) =>
  (await may(ctx, operation, RT.CLUSTER, [CLUSTER_RESOURCE]))[0]!;

/* Kafka's authorized-operations bit field (bit n for AclOperation n) for each name: the
 * operations its resource type supports that the principal may do, decided by the core
 * in one call (kd_acl_operations). */
async function operationsOn(ctx: KafkaContext, resourceType: number, names: string[]): Promise<number[]> {
  return authorizedOperations(
    ctx.env,
    ctx.principal ?? "User:ANONYMOUS",
    names.map((resourceName) => ({ resourceType, resourceName })),
  );
}

const clusterOperations = async (ctx: KafkaContext) => (await operationsOn(ctx, RT.CLUSTER, [CLUSTER_RESOURCE]))[0]!;

/* A whole request on one resource: `code` when the principal may not. */
function one(operation: number, resourceType: number, name: (req: KafkaRequest) => string | null, code: number): Check {
  return async (ctx, req) => {
    const n = name(req);
    if (n === null) return allow(req);
    return (await may(ctx, operation, resourceType, [n]))[0] ? allow(req) : { request: req, deny: code };
  };
}

const cluster = (operation: number) =>
  one(operation, RT.CLUSTER, () => CLUSTER_RESOURCE, KafkaCode.CLUSTER_AUTHORIZATION_FAILED);
/* JoinGroup, Heartbeat, LeaveGroup, SyncGroup and OffsetDelete each name their group. */
type OneGroupApi = "JoinGroup" | "Heartbeat" | "LeaveGroup" | "SyncGroup" | "OffsetDelete";
const group = (operation: number) =>
  one(operation, RT.GROUP, (req) => bodyOf<OneGroupApi>(req).groupId, KafkaCode.GROUP_AUTHORIZATION_FAILED);

/*
 * A request whose body lists entries by name (topics, groups): the handler gets the
 * entries allowed, and `failed(entry)` answers each other one in the response's list.
 */
function split<Entry>(
  listKey: string,
  nameOf: (entry: Entry) => string,
  responseKey: string,
  operation: number,
  resourceType: number,
  failed: (entry: Entry, req: KafkaRequest) => object,
): Check {
  return async (ctx, req) => {
    const entries: Entry[] = listIn<Entry>(req.body as object, listKey) ?? [];
    const allowed = await may(ctx, operation, resourceType, entries.map(nameOf));
    const denied = entries.filter((_, i) => !allowed[i]);
    if (denied.length === 0) return allow(req);
    const request = { ...req, body: { ...(req.body as object), [listKey]: entries.filter((_, i) => allowed[i]) } };
    return {
      request,
      complete: (body) =>
        body === null
          ? null
          : {
              ...body,
              [responseKey]: [...(listIn<object>(body, responseKey) ?? []), ...denied.map((e) => failed(e, req))],
            },
    };
  };
}

const TOPIC_DENIED = KafkaCode.TOPIC_AUTHORIZATION_FAILED;
const topics = <Entry extends { name: string }>(
  listKey: string,
  responseKey: string,
  operation: number,
  failed: (entry: Entry, req: KafkaRequest) => object,
) => split<Entry>(listKey, (e) => e.name, responseKey, operation, RT.TOPIC, failed);

/* Metadata: hide what may not be described; create only with CREATE. */
const metadataCheck: Check = async (ctx, req) => {
  let request = req;
  const body = bodyOf<"Metadata">(req);
  const asked = body.topics;
  if (body.allowAutoTopicCreation === true && asked && asked.length > 0) {
    const names = asked.map((t) => t.name ?? "");
    const [onCluster] = await may(ctx, OP.CREATE, RT.CLUSTER, [CLUSTER_RESOURCE]);
    const onTopics = await may(ctx, OP.CREATE, RT.TOPIC, names);
    if (!onCluster && onTopics.some((ok) => !ok))
      request = { ...req, body: { ...body, allowAutoTopicCreation: false } };
  }
  return {
    request,
    complete: async (answer) => {
      const listed = listIn<{ name: string | null }>(answer!, "topics")!;
      const allowed = await may(
        ctx,
        OP.DESCRIBE,
        RT.TOPIC,
        listed.map((t) => t.name ?? ""),
      );
      const all = asked === null || (req.apiVersion === 0 && asked.length === 0);
      const shown = all
        ? listed.filter((_, i) => allowed[i])
        : listed.map((t, i) =>
            allowed[i]
              ? t
              : { ...t, errorCode: TOPIC_DENIED, partitions: [], topicAuthorizedOperations: NO_OPERATIONS },
          );
      /* Asked for, the principal's own operations rather than the handler's "all". */
      const withOperations = async (): Promise<object[]> => {
        const ops = await operationsOn(
          ctx,
          RT.TOPIC,
          shown.map((t) => t.name ?? ""),
        );
        return shown.map((t, i) =>
          (t as { errorCode?: number }).errorCode === 0 ? { ...t, topicAuthorizedOperations: ops[i] } : t,
        );
      };
      const topics = body.includeTopicAuthorizedOperations === true ? await withOperations() : shown;
      const onCluster =
        body.includeClusterAuthorizedOperations === true
          ? { clusterAuthorizedOperations: await clusterOperations(ctx) }
          : {};
      return { ...answer, topics, ...onCluster };
    },
  };
};

const listGroupsCheck: Check = async (ctx, req) => ({
  request: req,
  complete: async (body) => {
    if (await mayCluster(ctx, OP.DESCRIBE)) return body;
    const groups = listIn<{ groupId: string }>(body!, "groups")!;
    const allowed = await may(
      ctx,
      OP.DESCRIBE,
      RT.GROUP,
      groups.map((g) => g.groupId),
    );
    return { ...body, groups: groups.filter((_, i) => allowed[i]) };
  },
});

/* Configs: topics (2) by DESCRIBE_/ALTER_CONFIGS on the topic, brokers (4) on the cluster. */
function configs(operation: number, responseKey: string): Check {
  return async (ctx, req) => {
    const resources = bodyOf<"DescribeConfigs" | "AlterConfigs" | "IncrementalAlterConfigs">(req).resources;
    const allowed = await Promise.all(
      resources.map(async (r) =>
        r.resourceType === 2 ? (await may(ctx, operation, RT.TOPIC, [r.resourceName]))[0] : mayCluster(ctx, operation),
      ),
    );
    if (allowed.every(Boolean)) return allow(req);
    const denied = resources.filter((_, i) => !allowed[i]);
    return {
      request: { ...req, body: { ...(req.body as object), resources: resources.filter((_, i) => allowed[i]) } },
      complete: (body) => ({
        ...body,
        [responseKey]: [
          ...listIn<object>(body!, responseKey)!,
          ...denied.map((r) => ({
            errorCode: r.resourceType === 2 ? TOPIC_DENIED : KafkaCode.CLUSTER_AUTHORIZATION_FAILED,
            errorMessage: "not authorized",
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            configs: [],
          })),
        ],
      }),
    };
  };
}

/* OffsetCommit: the group first (every partition GROUP_AUTHORIZATION_FAILED), then topics. */
const offsetCommitCheck: Check = async (ctx, req) => {
  const failedTopic = (code: number) => (t: OffsetCommitRequestTopics) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
  });
  const body = bodyOf<"OffsetCommit">(req);
  if (!(await may(ctx, OP.READ, RT.GROUP, [body.groupId]))[0]) {
    const all = body.topics;
    return {
      request: req,
      deny: KafkaCode.GROUP_AUTHORIZATION_FAILED,
      complete: () => ({ throttleTimeMs: 0, topics: all.map(failedTopic(KafkaCode.GROUP_AUTHORIZATION_FAILED)) }),
    };
  }
  return topics("topics", "topics", OP.READ, failedTopic(TOPIC_DENIED))(ctx, req);
};

/*
 * TxnOffsetCommit, as Kafka's KafkaApis: READ on the group, then WRITE on the
 * transactional id (each failing every partition: GROUP_ / TRANSACTIONAL_ID_
 * AUTHORIZATION_FAILED), then READ on each topic (its partitions
 * TOPIC_AUTHORIZATION_FAILED).
 */
const txnOffsetCommitCheck: Check = async (ctx, req) => {
  const failedTopic = (code: number) => (t: TxnOffsetCommitRequestTopics) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
  });
  const body = bodyOf<"TxnOffsetCommit">(req);
  const denyAll = (code: number): Gate => ({
    request: req,
    deny: code,
    complete: () => ({ throttleTimeMs: 0, topics: body.topics.map(failedTopic(code)) }),
  });
  if (!(await may(ctx, OP.READ, RT.GROUP, [body.groupId]))[0]) return denyAll(KafkaCode.GROUP_AUTHORIZATION_FAILED);
  if (!(await may(ctx, OP.WRITE, RT.TRANSACTIONAL_ID, [body.transactionalId]))[0])
    return denyAll(KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  return topics("topics", "topics", OP.READ, failedTopic(TOPIC_DENIED))(ctx, req);
};

/* A group's offsets as OffsetFetch answers them (handlers' plain objects). */
interface FetchedOffsets {
  topics: { name: string; partitions: object[] }[];
}

/*
 * OffsetFetch: DESCRIBE on its group, or from v8 on every group it names. As Kafka,
 * each topic the principal may not DESCRIBE is answered TOPIC_AUTHORIZATION_FAILED
 * per partition, or left out when the request asks for all of the group's offsets.
 */
const offsetFetchCheck: Check = async (ctx, req) => {
  const body = bodyOf<"OffsetFetch">(req);
  const v8 = req.apiVersion >= 8;
  const groups = v8 ? body.groups.map((g) => g.groupId) : [body.groupId];
  const allowed = await may(ctx, OP.DESCRIBE, RT.GROUP, groups);
  if (!allowed.every(Boolean)) return { request: req, deny: KafkaCode.GROUP_AUTHORIZATION_FAILED };
  const askedAll = v8 ? body.groups.map((g) => g.topics === null) : [body.topics === null];
  const hide = async <Offsets extends FetchedOffsets>(offsets: Offsets, all: boolean): Promise<Offsets> => {
    const described = await may(
      ctx,
      OP.DESCRIBE,
      RT.TOPIC,
      offsets.topics.map((t) => t.name),
    );
    const topics = all
      ? offsets.topics.filter((_, i) => described[i])
      : offsets.topics.map((t, i) =>
          described[i]
            ? t
            : {
                name: t.name,
                partitions: t.partitions.map((p) => ({
                  ...p,
                  committedOffset: -1,
                  committedLeaderEpoch: -1,
                  metadata: "",
                  errorCode: TOPIC_DENIED,
                })),
              },
        );
    return { ...offsets, topics };
  };
  return {
    request: req,
    complete: async (answer) => {
      if (answer === null) return null;
      if (!v8) return hide(answer as FetchedOffsets, askedAll[0]!);
      const answered = listIn<FetchedOffsets>(answer, "groups") ?? [];
      return { ...answer, groups: await Promise.all(answered.map((g, i) => hide(g, askedAll[i] ?? false))) };
    },
  };
};

/* OffsetDelete: DELETE on the group (the whole request GROUP_AUTHORIZATION_FAILED), then
 * READ on each topic (its partitions TOPIC_AUTHORIZATION_FAILED), as Kafka. */
const offsetDeleteCheck: Check = async (ctx, req) => {
  const onGroup = await group(OP.DELETE)(ctx, req);
  if (onGroup.deny !== undefined) return onGroup;
  return topics<OffsetDeleteRequestTopics>("topics", "topics", OP.READ, (t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: TOPIC_DENIED })),
  }))(ctx, req);
};

/* DescribeGroups: DESCRIBE on each group; asked for, each group's operations are the
 * principal's own. */
const describeGroupsCheck: Check = async (ctx, req) => {
  const gate = await split<string>(
    "groups",
    (g) => g,
    "groups",
    OP.DESCRIBE,
    RT.GROUP,
    (g) => ({
      errorCode: KafkaCode.GROUP_AUTHORIZATION_FAILED,
      groupId: g,
      groupState: "",
      protocolType: "",
      protocolData: "",
      members: [],
      authorizedOperations: NO_OPERATIONS,
    }),
  )(ctx, req);
  if (bodyOf<"DescribeGroups">(req).includeAuthorizedOperations !== true) return gate;
  return {
    ...gate,
    complete: async (answer) => {
      const body = gate.complete ? await gate.complete(answer) : answer;
      if (body === null) return null;
      const groups = listIn<{ groupId: string; errorCode: number }>(body, "groups") ?? [];
      const ops = await operationsOn(
        ctx,
        RT.GROUP,
        groups.map((g) => g.groupId),
      );
      return {
        ...body,
        groups: groups.map((g, i) => (g.errorCode === 0 ? { ...g, authorizedOperations: ops[i] } : g)),
      };
    },
  };
};

/* DescribeCluster: DESCRIBE on the cluster; asked for, the principal's own operations. */
const describeClusterCheck: Check = async (ctx, req) => {
  const gate = await cluster(OP.DESCRIBE)(ctx, req);
  if (gate.deny !== undefined || bodyOf<"DescribeCluster">(req).includeClusterAuthorizedOperations !== true)
    return gate;
  return {
    ...gate,
    complete: async (answer) =>
      answer === null ? null : { ...answer, clusterAuthorizedOperations: await clusterOperations(ctx) },
  };
};

/* FindCoordinator: DESCRIBE on each group (type 0) or transactional id (type 1) it names;
 * from v4 each key of coordinatorKeys is answered on its own. */
const findCoordinatorCheck: Check = async (ctx, req) => {
  const body = bodyOf<"FindCoordinator">(req);
  const [resourceType, code] =
    body.keyType === 1
      ? [RT.TRANSACTIONAL_ID, KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]
      : [RT.GROUP, KafkaCode.GROUP_AUTHORIZATION_FAILED];
  if (body.keyType !== 0 && body.keyType !== 1) return allow(req);
  if (req.apiVersion < 4) return one(OP.DESCRIBE, resourceType, () => body.key, code)(ctx, req);
  return split<string>(
    "coordinatorKeys",
    (k) => k,
    "coordinators",
    OP.DESCRIBE,
    resourceType,
    (key) => ({
      key,
      nodeId: -1,
      host: "",
      port: -1,
      errorCode: code,
      errorMessage: "not authorized",
    }),
  )(ctx, req);
};

const TXN_DENIED = KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
const transactionalId = (name: (req: KafkaRequest) => string | null) =>
  one(OP.WRITE, RT.TRANSACTIONAL_ID, name, TXN_DENIED);

/* AddPartitionsToTxn: WRITE on the transactional id, then on every topic; any refusal
 * answers the whole request (Kafka adds nothing then). */
const addPartitionsCheck: Check = async (ctx, req) => {
  const body = bodyOf<"AddPartitionsToTxn">(req);
  const topics = body.v3AndBelowTopics;
  const refuse = (codeOf: (topic: string, partition: number) => number): Gate => ({
    request: req,
    deny: TXN_DENIED,
    complete: () => addPartitionsAnswer(topics, codeOf),
  });
  if (!(await may(ctx, OP.WRITE, RT.TRANSACTIONAL_ID, [body.v3AndBelowTransactionalId]))[0])
    return refuse(() => TXN_DENIED);
  const allowed = await may(
    ctx,
    OP.WRITE,
    RT.TOPIC,
    topics.map((t) => t.name),
  );
  if (allowed.every(Boolean)) return allow(req);
  const denied = new Set(topics.filter((_, i) => !allowed[i]).map((t) => t.name));
  /* As Kafka's handleAddPartitionsToTxnRequest: a missing partition among those the
   * principal may write is UNKNOWN_TOPIC_OR_PARTITION. */
  const { isUnknown } = await partitionsToAdd(
    ctx.env,
    topics.filter((_, i) => allowed[i]),
  );
  return refuse((topic, p) =>
    denied.has(topic)
      ? TOPIC_DENIED
      : isUnknown(topic, p)
        ? KafkaCode.UNKNOWN_TOPIC_OR_PARTITION
        : KafkaCode.OPERATION_NOT_ATTEMPTED,
  );
};

/* AddOffsetsToTxn: WRITE on the transactional id, READ on the group. */
const addOffsetsCheck: Check = async (ctx, req) => {
  const body = bodyOf<"AddOffsetsToTxn">(req);
  const onId = await transactionalId(() => body.transactionalId)(ctx, req);
  if (onId.deny !== undefined) return onId;
  return one(OP.READ, RT.GROUP, () => body.groupId, KafkaCode.GROUP_AUTHORIZATION_FAILED)(ctx, req);
};

/* DescribeTransactions: DESCRIBE on each transactional id (the others answered
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED); a described transaction shows only the topics
 * the principal may DESCRIBE, as Kafka's handleDescribeTransactionsRequest. */
const describeTransactionsCheck: Check = async (ctx, req) => {
  const byId = await split<string>(
    "transactionalIds",
    (id) => id,
    "transactionStates",
    OP.DESCRIBE,
    RT.TRANSACTIONAL_ID,
    (transactionalId) => ({
      errorCode: TXN_DENIED,
      transactionalId,
      transactionState: "",
      transactionTimeoutMs: 0,
      transactionStartTimeMs: -1,
      producerId: -1,
      producerEpoch: -1,
      topics: [],
    }),
  )(ctx, req);
  type Described = { topics: { topic: string }[] };
  return {
    request: byId.request,
    complete: async (answer) => {
      const body = byId.complete ? await byId.complete(answer) : answer;
      if (body === null) return null;
      const states = listIn<Described>(body, "transactionStates") ?? [];
      const names = [...new Set(states.flatMap((s) => s.topics.map((t) => t.topic)))];
      const described = await may(ctx, OP.DESCRIBE, RT.TOPIC, names);
      const shown = new Set(names.filter((_, i) => described[i]));
      return {
        ...body,
        transactionStates: states.map((s) => ({ ...s, topics: s.topics.filter((t) => shown.has(t.topic)) })),
      };
    },
  };
};

/* Produce: transactional batches need WRITE on the request's transactional id (none
 * named is refused too), the whole request TRANSACTIONAL_ID_AUTHORIZATION_FAILED, before
 * the topics are checked, as Kafka's handleProduceRequest. Whether a partition's records
 * are transactional is the core's rule (its first batch's attribute, produceTxnError). */
const produceCheck: Check = async (ctx, req) => {
  const body = bodyOf<"Produce">(req);
  const transactional = body.topicData.some((t) =>
    t.partitionData.some((p) => p.records !== null && produceTxnError(p.records, false) !== 0),
  );
  if (transactional) {
    const id = body.transactionalId;
    if (id === null || !(await may(ctx, OP.WRITE, RT.TRANSACTIONAL_ID, [id]))[0])
      return { request: req, deny: TXN_DENIED };
  }
  return topics<ProduceRequestTopicData>("topicData", "responses", OP.WRITE, (t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => ({
      index: p.index,
      errorCode: TOPIC_DENIED,
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      recordErrors: [],
      errorMessage: null,
    })),
  }))(ctx, req);
};

/* ListTransactions shows the transactional ids the principal may DESCRIBE. */
const listTransactionsCheck: Check = async (ctx, req) => ({
  request: req,
  complete: async (body) => {
    const states = listIn<{ transactionalId: string }>(body!, "transactionStates") ?? [];
    const allowed = await may(
      ctx,
      OP.DESCRIBE,
      RT.TRANSACTIONAL_ID,
      states.map((s) => s.transactionalId),
    );
    return { ...body, transactionStates: states.filter((_, i) => allowed[i]) };
  },
});

const CHECKS: ReadonlyMap<number, Check> = new Map<number, Check>([
  [0, produceCheck],
  [
    1,
    split<FetchRequestTopics>(
      "topics",
      (t) => t.topic,
      "responses",
      OP.READ,
      RT.TOPIC,
      (t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: TOPIC_DENIED,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: null,
        })),
      }),
    ),
  ],
  [
    2,
    topics<ListOffsetsRequestTopics>("topics", "topics", OP.DESCRIBE, (t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: TOPIC_DENIED,
        oldStyleOffsets: [],
        timestamp: -1,
        offset: -1,
        leaderEpoch: -1,
      })),
    })),
  ],
  [3, metadataCheck],
  [8, offsetCommitCheck],
  [9, offsetFetchCheck],
  [10, findCoordinatorCheck],
  [11, group(OP.READ)],
  [12, group(OP.READ)],
  [13, group(OP.READ)],
  [14, group(OP.READ)],
  [15, describeGroupsCheck],
  [16, listGroupsCheck],
  [
    19,
    topics<CreateTopicsRequestTopics>("topics", "topics", OP.CREATE, (t) => ({
      name: t.name,
      topicId: "0".repeat(32),
      errorCode: TOPIC_DENIED,
      errorMessage: "not authorized to create the topic",
      topicConfigErrorCode: 0,
      numPartitions: -1,
      replicationFactor: -1,
      configs: null,
    })),
  ],
  [
    20,
    split<string>(
      "topicNames",
      (n) => n,
      "responses",
      OP.DELETE,
      RT.TOPIC,
      (n) => ({ name: n, errorCode: TOPIC_DENIED, errorMessage: null }),
    ),
  ],
  [
    21,
    topics<DeleteRecordsRequestTopics>("topics", "topics", OP.DELETE, (t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        lowWatermark: -1,
        errorCode: TOPIC_DENIED,
      })),
    })),
  ],
  [22, transactionalId((req) => bodyOf<"InitProducerId">(req).transactionalId)],
  [24, addPartitionsCheck],
  [25, addOffsetsCheck],
  [26, transactionalId((req) => bodyOf<"EndTxn">(req).transactionalId)],
  [28, txnOffsetCommitCheck],
  [29, cluster(OP.DESCRIBE)],
  [30, cluster(OP.ALTER)],
  [31, cluster(OP.ALTER)],
  [32, configs(OP.DESCRIBE_CONFIGS, "results")],
  [33, configs(OP.ALTER_CONFIGS, "responses")],
  [35, cluster(OP.DESCRIBE)],
  [
    37,
    topics<CreatePartitionsRequestTopics>("topics", "results", OP.ALTER, (t) => ({
      name: t.name,
      errorCode: TOPIC_DENIED,
      errorMessage: "not authorized",
    })),
  ],
  [
    42,
    split<string>(
      "groupsNames",
      (g) => g,
      "results",
      OP.DELETE,
      RT.GROUP,
      (g) => ({ groupId: g, errorCode: KafkaCode.GROUP_AUTHORIZATION_FAILED }),
    ),
  ],
  [43, cluster(OP.ALTER)],
  [44, configs(OP.ALTER_CONFIGS, "responses")],
  [45, cluster(OP.ALTER)],
  [46, cluster(OP.DESCRIBE)],
  [47, offsetDeleteCheck],
  [50, cluster(OP.DESCRIBE)],
  [51, cluster(OP.ALTER)],
  [60, describeClusterCheck],
  [65, describeTransactionsCheck],
  [66, listTransactionsCheck],
  [
    61,
    topics<DescribeProducersRequestTopics>("topics", "topics", OP.READ, (t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({
        partitionIndex: p,
        errorCode: TOPIC_DENIED,
        errorMessage: null,
        activeProducers: [],
      })),
    })),
  ],
]);

/* The gate for one request; every request passes when ACLs are not enforced. */
export async function authorizeRequest(ctx: KafkaContext, req: KafkaRequest): Promise<Gate> {
  if (!aclsEnforced(ctx.env)) return allow(req);
  const check = CHECKS.get(req.apiKey);
  return check ? check(ctx, req) : allow(req);
}
