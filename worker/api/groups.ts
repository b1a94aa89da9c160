/*
 * groups.ts — consumer groups for code running in the Worker and for the REST
 * front: Kafdo's own group protocol (join, heartbeat, commit, leave), committed
 * offsets, and what an administrator asks of groups (list, describe with lag,
 * delete).
 *
 * Every rule about groups — states, generations, fencing, assignment, timeouts —
 * is the core's, applied in the group's ConsumerGroupDO. This module adds three
 * things the group object cannot: it refuses a malformed group id before it names
 * a Durable Object, it restores the KafdoErrors that crossed RPC, and it reads the
 * partitions' high watermarks (from the partition objects, in parallel) to give a
 * description its lag.
 */
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type {
  CommittedOffset,
  GroupDescription,
  GroupInfo,
  GroupListing,
  GroupOffsetLag,
  JoinRequest,
  JoinResult,
  OffsetCommit,
  TopicPartition,
} from "../common/groups";
import type { TopicInfo } from "../common/topics";
import { groupStub, metadataStub } from "../durable-objects/addressing";
import { callPartition } from "../partitions/access";
import { forget, topicFor } from "../partitions/topics";
import { checkGroupId as coreCheckGroupId } from "../../wasm/kafdo";

/* Kafka sets no length on a group id; Kafdo's registry of groups keeps ids of 1 to
 * 255 bytes of UTF-8 (the core's KD_MAX_GROUP_ID_BYTES, which checkGroupId asks),
 * checked before an id names a Durable Object. Here only for the API documents. */
export const MAX_GROUP_ID_BYTES = 255;

/* The group id, or INVALID_GROUP_ID: a string of 1 to 255 bytes of UTF-8 with no
 * control character (the core's rule, kd_group_id_check). */
export function checkGroupId(groupId: unknown): string {
  if (typeof groupId !== "string") throw new KafdoError(KafkaCode.INVALID_GROUP_ID, "a group id is a string");
  coreCheckGroupId(groupId); /* the length rule is the core's */
  return groupId;
}

/* The group's Durable Object, its id checked first (INVALID_GROUP_ID). */
export function group(env: Env, groupId: string) {
  return groupStub(env, checkGroupId(groupId));
}

/* ---- the group protocol --------------------------------------------------------- */

/* Joins (or rejoins) the group; resolves when the rebalance this causes is done. */
export async function joinGroup(env: Env, groupId: string, request: JoinRequest): Promise<JoinResult> {
  return group(env, groupId).join(groupId, request);
}

export async function heartbeat(env: Env, groupId: string, memberId: string, generationId: number): Promise<void> {
  return group(env, groupId).heartbeat(groupId, memberId, generationId);
}

export async function commitOffsets(
  env: Env,
  groupId: string,
  memberId: string,
  generationId: number,
  offsets: OffsetCommit[],
): Promise<void> {
  return group(env, groupId).commit(groupId, memberId, generationId, offsets);
}

export async function leaveGroup(env: Env, groupId: string, memberId: string): Promise<void> {
  return group(env, groupId).leave(groupId, memberId);
}

/* The committed offsets of `partitions`, or of every partition the group has
 * committed for. */
export async function committedOffsets(
  env: Env,
  groupId: string,
  partitions?: TopicPartition[],
): Promise<CommittedOffset[]> {
  return group(env, groupId).committed(groupId, partitions);
}

/* ---- administration ------------------------------------------------------------- */

/*
 * A group exists from its first join or commit until it is deleted: the group
 * object answers for any id, and the core describes one that never had a member
 * nor a committed offset (or was deleted) as Dead, its own test when it refuses
 * to delete a group it does not have.
 */
function exists(d: GroupDescription): boolean {
  return d.state !== "Dead";
}

/* Every group the cluster knows, with its state, sorted by id. A group deleted
 * while the list is read is left out. */
export async function listGroups(env: Env): Promise<GroupListing[]> {
  const ids = await metadataStub(env).listGroups();
  const described = await Promise.all(ids.map((groupId) => groupStub(env, groupId).describe(groupId)));
  return described
    .filter(exists)
    .map(({ groupId, state }) => ({ groupId, state }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/*
 * The group's description, with a row per partition that has a committed offset
 * or is assigned to a member: its committed offset (-1 when none), the partition's
 * high watermark (`latest`) and `lag`, latest - offset (latest when nothing is
 * committed). A partition whose topic or partition no longer exists has latest and
 * lag -1: there is no log to lag behind. GROUP_ID_NOT_FOUND when the group does
 * not exist.
 */
export async function describeGroup(env: Env, groupId: string): Promise<GroupInfo> {
  const d = await group(env, groupId).describe(groupId);
  if (!exists(d)) throw new KafdoError(KafkaCode.GROUP_ID_NOT_FOUND, `group "${groupId}" does not exist`);
  const rows = new Map<string, CommittedOffset>();
  const key = (tp: TopicPartition) => `${tp.partition}@${tp.topic}`;
  for (const o of d.offsets) rows.set(key(o), o);
  for (const m of d.members) {
    for (const tp of m.assignment) {
      if (!rows.has(key(tp))) {
        rows.set(key(tp), { topic: tp.topic, partition: tp.partition, offset: -1, metadata: "", commitTimestamp: -1 });
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
  const latest = await highWatermarks(env, sorted);
  const offsets: GroupOffsetLag[] = sorted.map((o, i) => {
    const hw = latest[i]!;
    return { ...o, latest: hw, lag: partitionLag(hw, o.offset) };
  });
  return {
    groupId: d.groupId,
    state: d.state,
    members: d.members,
    generationId: d.generationId,
    protocol: d.protocol,
    leader: d.leader,
    offsets,
  };
}

/* Refuses (NON_EMPTY_GROUP) while the group has members; GROUP_ID_NOT_FOUND when
 * there is no such group. */
export async function deleteGroup(env: Env, groupId: string): Promise<void> {
  return group(env, groupId).deleteGroup(groupId);
}

/* The high watermark of each partition (-1 for one that does not exist), asked of
 * the partition objects in parallel. */
async function highWatermarks(env: Env, partitions: TopicPartition[]): Promise<number[]> {
  const highest = new Map<string, number>();
  for (const { topic, partition } of partitions) highest.set(topic, Math.max(partition, highest.get(topic) ?? 0));
  const topics = new Map<string, Promise<TopicInfo | undefined>>();
  for (const [topic, partition] of highest) topics.set(topic, topicHolding(env, topic, partition));
  return Promise.all(
    partitions.map(async ({ topic, partition }) => {
      const info = await topics.get(topic)!;
      if (!info || partition >= info.partitions) return -1;
      try {
        return (await callPartition(env, info, partition, async (stub) => stub.offsets())).highWatermark;
      } catch (e) {
        if (KafdoError.from(e)?.code !== KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) throw e;
        return -1;
      }
    }),
  );
}

/* The topic, read again past the cache when the cached one is too small to hold
 * `partition` (it may have grown); undefined when it does not exist. */
async function topicHolding(env: Env, topic: string, partition: number): Promise<TopicInfo | undefined> {
  try {
    let info = await topicFor(env, topic);
    if (partition >= info.partitions) {
      forget(topic);
      info = await topicFor(env, topic);
    }
    return info;
  } catch (e) {
    if (KafdoError.from(e)?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return undefined;
    throw e;
  }
}

/* A partition's lag as kafka-consumer-groups shows it: the high watermark less the
 * committed offset; all of it when nothing (or a -1/-2 sentinel) is committed; -1 when
 * the partition is gone (no high watermark). */
export function partitionLag(highWatermark: number, committed: number): number {
  if (highWatermark < 0) return -1;
  return committed < 0 ? highWatermark : highWatermark - committed;
}
