/*
 * groups.ts — Kafka's classic group protocol and group administration:
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * DescribeGroups, ListGroups, DeleteGroups.
 *
 * Each group is its ConsumerGroupDO, the same object Kafdo's HTTP groups use;
 * the rules (generations, fencing, the protocol vote, CompletingRebalance while
 * the leader's SyncGroup is awaited) are the core's (group.c). The DO answers
 * with Kafka's error codes as values, which go straight into the responses;
 * what it throws (a bad group id, storage failing) is turned into a code here.
 */
import { joinMemberIdRequired, joinRebalanceTimeout } from "../../wasm/kafdo";
import { groupStub, metadataStub } from "../durable-objects/addressing";
import { deleteGroup, group as groupOf } from "../api/groups";
import { checkPartition, topicFor } from "../partitions/topics";
import type { OffsetCommit, TopicPartition } from "../common/groups";
import { NO_OPERATIONS, errorCodeOf, settleEach, type Handler, type KafkaContext, type RequestOf } from "./context";
import type { OffsetFetchRequestTopics } from "./generated/requests";

function group(ctx: KafkaContext, groupId: string) {
  return groupOf(ctx.env, groupId);
}

async function joinGroup(ctx: KafkaContext, req: RequestOf<"JoinGroup">): Promise<object> {
  const b = req.body;
  try {
    const joined = await group(ctx, b.groupId).kafkaJoin(b.groupId, {
      memberId: b.memberId,
      groupInstanceId: b.groupInstanceId,
      /* JoinGroup v4+ clients speak KIP-394: a first join gets MEMBER_ID_REQUIRED. */
      memberIdRequired: joinMemberIdRequired(req.apiVersion),
      clientId: req.clientId ?? "",
      clientHost: "",
      sessionTimeoutMs: b.sessionTimeoutMs,
      /* Before v1 there is no rebalance timeout: Kafka uses the session timeout. */
      rebalanceTimeoutMs: joinRebalanceTimeout(req.apiVersion, b.sessionTimeoutMs, b.rebalanceTimeoutMs),
      protocolType: b.protocolType,
      protocols: b.protocols,
    });
    return { throttleTimeMs: 0, ...joined };
  } catch (e) {
    return {
      throttleTimeMs: 0,
      errorCode: errorCodeOf(e),
      generationId: -1,
      protocolName: null,
      leader: "",
      memberId: b.memberId,
      members: [],
    };
  }
}

async function syncGroup(ctx: KafkaContext, req: RequestOf<"SyncGroup">): Promise<object> {
  const b = req.body;
  try {
    const synced = await group(ctx, b.groupId).kafkaSync(b.groupId, {
      memberId: b.memberId,
      generationId: b.generationId,
      groupInstanceId: b.groupInstanceId,
      protocolType: b.protocolType,
      protocolName: b.protocolName,
      assignments: b.assignments,
    });
    return { throttleTimeMs: 0, ...synced };
  } catch (e) {
    return {
      throttleTimeMs: 0,
      errorCode: errorCodeOf(e),
      protocolType: null,
      protocolName: null,
      assignment: new Uint8Array(0),
    };
  }
}

async function heartbeat(ctx: KafkaContext, req: RequestOf<"Heartbeat">): Promise<object> {
  const b = req.body;
  try {
    const errorCode = await group(ctx, b.groupId).kafkaHeartbeat(b.groupId, b.memberId, b.generationId);
    return { throttleTimeMs: 0, errorCode };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e) };
  }
}

/* One member before v3 (memberId), a list from v3 (members), each by member id or
 * by static instance id. */
async function leaveGroup(ctx: KafkaContext, req: RequestOf<"LeaveGroup">): Promise<object> {
  const b = req.body;
  const v3 = req.apiVersion >= 3; /* from v3 a list of members, before it one */
  const leavers = v3
    ? b.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
    : [{ memberId: b.memberId }];
  try {
    const left = await group(ctx, b.groupId).kafkaLeave(b.groupId, leavers);
    const members = left.members;
    /* Before v3 the one member's answer is the request's. */
    const errorCode = left.errorCode || (v3 ? 0 : (left.members[0]?.errorCode ?? 0));
    return { throttleTimeMs: 0, errorCode, members };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e), members: [] };
  }
}

/* The code for committing to each partition of `topics` that does not exist:
 * UNKNOWN_TOPIC_OR_PARTITION, as Kafka's broker checks before its coordinator
 * sees the commit (librdkafka's test 0030 relies on it). Keyed "topic:partition".
 * OffsetCommit's and TxnOffsetCommit's (txn-offset-commit.ts). */
export async function missingPartitions(
  ctx: KafkaContext,
  topics: { name: string; partitions: { partitionIndex: number }[] }[],
): Promise<Map<string, number>> {
  const missing = new Map<string, number>();
  await Promise.all(
    [...new Set(topics.map((t) => t.name))].map(async (name) => {
      let info;
      try {
        info = await topicFor(ctx.env, name);
      } catch (e) {
        info = null;
        const code = errorCodeOf(e);
        for (const t of topics.filter((t) => t.name === name))
          for (const p of t.partitions) missing.set(`${name}:${p.partitionIndex}`, code);
      }
      if (!info) return;
      for (const t of topics.filter((t) => t.name === name))
        for (const p of t.partitions) {
          try {
            checkPartition(info, p.partitionIndex);
          } catch (e) {
            missing.set(`${name}:${p.partitionIndex}`, errorCodeOf(e));
          }
        }
    }),
  );
  return missing;
}

/* An OffsetCommit's or TxnOffsetCommit's offsets of partitions that exist, as the
 * group stores them. */
export function storedOffsets(
  topics: readonly {
    name: string;
    partitions: readonly { partitionIndex: number; committedOffset: number; committedMetadata: string | null }[];
  }[],
  missing: { has(key: string): boolean },
): OffsetCommit[] {
  return topics.flatMap((t) =>
    t.partitions
      .filter((p) => !missing.has(`${t.name}:${p.partitionIndex}`))
      .map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        metadata: p.committedMetadata ?? "",
      })),
  );
}

/* Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION; the rest
 * are stored all or nothing, as the core stores them, and get its one code. */
async function offsetCommit(ctx: KafkaContext, req: RequestOf<"OffsetCommit">): Promise<object> {
  const b = req.body;
  const missing = await missingPartitions(ctx, b.topics);
  const offsets = storedOffsets(b.topics, missing);
  let errorCode = 0;
  if (offsets.length > 0) {
    try {
      errorCode = await group(ctx, b.groupId).kafkaCommit(b.groupId, {
        memberId: b.memberId,
        generationId: b.generationIdOrMemberEpoch,
        offsets,
      });
    } catch (e) {
      errorCode = errorCodeOf(e);
    }
  }
  return {
    throttleTimeMs: 0,
    topics: b.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: missing.get(`${t.name}:${p.partitionIndex}`) ?? errorCode,
      })),
    })),
  };
}

type FetchTopics = OffsetFetchRequestTopics[] | null;

/* One group's committed offsets asked for (every one the group has for a null list):
 * -1 with empty metadata where nothing is committed, as Kafka answers; with
 * requireStable, UNSTABLE_OFFSET_COMMIT for a partition a transaction holds an
 * offset of (per partition at v7 and v8 alike, as Kafka's coordinator answers). */
async function fetchGroupOffsets(
  ctx: KafkaContext,
  groupId: string,
  topics: FetchTopics,
  requireStable: boolean,
): Promise<{ topics: object[]; errorCode: number }> {
  const asked: TopicPartition[] | undefined =
    topics === null
      ? undefined
      : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
  try {
    const rows = await group(ctx, groupId).kafkaOffsets(groupId, requireStable, asked);
    const byTopic = new Map<string, object[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({
        partitionIndex: r.partition,
        committedOffset: r.offset,
        committedLeaderEpoch: -1,
        metadata: r.offset < 0 ? "" : r.metadata,
        errorCode: r.errorCode,
      });
      byTopic.set(r.topic, list);
    }
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), errorCode: 0 };
  } catch (e) {
    const errorCode = errorCodeOf(e);
    const failed = (topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: -1,
        committedLeaderEpoch: -1,
        metadata: "",
        errorCode,
      })),
    }));
    return { topics: failed, errorCode };
  }
}

/* OffsetFetch: one group before v8, several from v8 (each answered on its own).
 * requireStable (v7+; false before) asks for UNSTABLE_OFFSET_COMMIT rather than the
 * offset committed before a pending transaction's. */
async function offsetFetch(ctx: KafkaContext, req: RequestOf<"OffsetFetch">): Promise<object> {
  const stable = req.body.requireStable === true;
  if (req.apiVersion >= 8) {
    const asked = req.body.groups;
    const groups = await Promise.all(
      asked.map(async ({ groupId, topics }) => ({
        groupId,
        ...(await fetchGroupOffsets(ctx, groupId, topics, stable)),
      })),
    );
    return { throttleTimeMs: 0, groups };
  }
  const b = req.body;
  return { throttleTimeMs: 0, ...(await fetchGroupOffsets(ctx, b.groupId, b.topics, stable)) };
}

async function describeGroups(ctx: KafkaContext, req: RequestOf<"DescribeGroups">): Promise<object> {
  const groups = await settleEach(
    req.body.groups,
    async (groupId): Promise<object> => {
      const d = await group(ctx, groupId).kafkaDescribe(groupId);
      return {
        errorCode: d.errorCode,
        groupId,
        groupState: d.state,
        protocolType: d.protocolType,
        protocolData: d.protocolName,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: NO_OPERATIONS,
      };
    },
    (groupId, errorCode) => ({
      errorCode,
      groupId,
      groupState: "",
      protocolType: "",
      protocolData: "",
      members: [],
      authorizedOperations: NO_OPERATIONS,
    }),
  );
  return { throttleTimeMs: 0, groups };
}

/* Every group, with its state (v4+) and type (v5+), or those in the states
 * (v4+ statesFilter) and of the types (v5+ typesFilter) named, compared without
 * regard to case as Kafka compares them. Every Kafdo group is of Kafka's "classic"
 * type (the group protocol of JoinGroup and SyncGroup); a filter of other types
 * (KIP-848's "consumer", "share") lists none. */
const GROUP_TYPE = "classic";

async function listGroups(ctx: KafkaContext, req: RequestOf<"ListGroups">): Promise<object> {
  const wanted = ((req.body?.statesFilter as string[] | undefined) ?? []).map((s) => s.toLowerCase());
  const types = ((req.body?.typesFilter as string[] | undefined) ?? []).map((s) => s.toLowerCase());
  if (types.length > 0 && !types.includes(GROUP_TYPE)) return { throttleTimeMs: 0, errorCode: 0, groups: [] };
  try {
    const ids = await metadataStub(ctx.env).listGroups();
    const described = await Promise.all(ids.map((id) => groupStub(ctx.env, id).kafkaDescribe(id)));
    const groups = described
      .filter((d) => d.state !== "Dead")
      .filter((d) => wanted.length === 0 || wanted.includes(d.state.toLowerCase()))
      .map((d) => ({ groupId: d.groupId, protocolType: d.protocolType, groupState: d.state, groupType: GROUP_TYPE }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e), groups: [] };
  }
}

async function deleteGroups(ctx: KafkaContext, req: RequestOf<"DeleteGroups">): Promise<object> {
  const results = await settleEach(
    req.body.groupsNames,
    async (groupId): Promise<object> => {
      await deleteGroup(ctx.env, groupId);
      return { groupId, errorCode: 0 };
    },
    (groupId, errorCode) => ({ groupId, errorCode }),
  );
  return { throttleTimeMs: 0, results };
}

export const GROUP_HANDLERS: [number, Handler][] = [
  [8, offsetCommit],
  [9, offsetFetch],
  [11, joinGroup],
  [12, heartbeat],
  [13, leaveGroup],
  [14, syncGroup],
  [15, describeGroups],
  [16, listGroups],
  [42, deleteGroups],
];
