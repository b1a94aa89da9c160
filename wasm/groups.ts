/*
 * groups.ts — consumer groups over Kafdo's own protocol (group.c; its formats are at its
 * top), in ConsumerGroupDO's storage: join, poll for deadlines, heartbeat, leave, commit
 * and fetch offsets, describe, delete; the group id check; and the cluster's registry
 * of group ids (in ClusterMetadataDO's storage). Kafka's classic dialect of the same
 * group is classic-groups.ts.
 */
import type {
  AssignmentStrategy,
  CommittedOffset,
  GroupMember,
  GroupState,
  OffsetCommit,
  TopicPartition,
} from "../worker/common/groups";
import { KafdoError, KD_ERR_INVALID_ARG } from "../worker/common/errors";
import { KD_ASSIGN_RANGE, KD_ASSIGN_ROUNDROBIN, KD_ASSIGN_STICKY } from "./generated/abi";
import { type Reader, Writer, int32, int64, utf8 } from "./bytes";
import { invoke } from "./core";
import {
  GROUP_STATES,
  JOIN_COMPLETE,
  type JoinHead,
  MEMBER_KIND_KAFDO,
  MEMBER_KIND_KAFKA,
  deadline,
  readAssignment,
  readJoinAnswer,
  readMemberBytes,
  writeJoinHead,
} from "./formats";

const STRATEGY_CODES: ReadonlyMap<string, number> = new Map([
  ["range", KD_ASSIGN_RANGE],
  ["roundrobin", KD_ASSIGN_ROUNDROBIN],
  ["sticky", KD_ASSIGN_STICKY],
]);

function readGroupState(r: Reader): GroupState {
  return GROUP_STATES[r.u8()] ?? "Dead";
}

function strategyOf(code: number): AssignmentStrategy {
  for (const [name, c] of STRATEGY_CODES) if (c === code) return name as AssignmentStrategy;
  return "range";
}

function readOffsetRows(r: Reader): CommittedOffset[] {
  return r.list(() => ({
    topic: r.str(),
    partition: r.i32(),
    offset: r.i64(),
    metadata: r.str(),
    commitTimestamp: r.i64(),
  }));
}

export interface GroupJoinInput extends JoinHead {
  strategy: AssignmentStrategy;
  /* Kafka-dialect members join through classicJoin. */
  kind: "http";
  /* The member's subscription, with each topic's partition count (0: no such topic). */
  topics: { topic: string; partitions: number }[];
}

export interface GroupJoinOutput {
  /* false: hold the join until groupPoll reports this member no longer waiting. */
  complete: boolean;
  memberId: string;
  generationId: number;
  leader: string;
  strategy: AssignmentStrategy;
  assignment: TopicPartition[];
  /* When the host should call groupPoll next (ms since the epoch), or null. */
  nextDeadline: number | null;
}

export interface GroupPollOutput {
  state: GroupState;
  generationId: number;
  nextDeadline: number | null;
  expired: string[];
  members: { memberId: string; waiting: boolean; assignment: TopicPartition[] }[];
  /* What a Kafka-dialect group's held calls are answered with: while
   * CompletingRebalance every member's metadata for the selected protocol (the
   * leader's join answer), while Stable every Kafka member's assignment bytes. */
  protocolType: string;
  protocolName: string;
  leader: string;
  memberBytes: { memberId: string; bytes: Uint8Array }[];
}

export interface GroupDescribeOutput {
  state: GroupState;
  generationId: number;
  strategy: AssignmentStrategy;
  leader: string;
  /* "consumer" and the strategy for Kafdo's members; a Kafka group's own. */
  protocolType: string;
  protocolName: string;
  members: GroupMember[];
  /* Per member, in members' order: what DescribeGroups sends (bytes empty unless Stable). */
  raw: { clientHost: string; metadata: Uint8Array; assignment: Uint8Array; groupInstanceId: string | null }[];
  offsets: CommittedOffset[];
}

export function groupOpen(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_group_open(db) });
}

export function groupJoin(db: number, req: GroupJoinInput, nowMs: number): GroupJoinOutput {
  const strategy = STRATEGY_CODES.get(req.strategy);
  if (strategy === undefined) throw new KafdoError(KD_ERR_INVALID_ARG, `unknown assignment strategy "${req.strategy}"`);
  const input = writeJoinHead(new Writer(), req, strategy, MEMBER_KIND_KAFDO).u32(req.topics.length);
  for (const t of req.topics) input.str(t.topic).i32(t.partitions);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_join(db, ptr, len, now),
    read: (r) => {
      const { status, memberId, generationId, leader, strategy, assignment, nextDeadline } = readJoinAnswer(r);
      return {
        complete: status === JOIN_COMPLETE,
        memberId,
        generationId,
        leader,
        strategy: strategyOf(strategy),
        assignment,
        nextDeadline,
      };
    },
  });
}

export function groupPoll(db: number, nowMs: number): GroupPollOutput {
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_group_poll(db, now),
    read: (r) => {
      const state = readGroupState(r);
      const generationId = r.i32();
      const nextDeadline = deadline(r.i64());
      const expired = r.list(() => r.str());
      const members = r.list(() => {
        const memberId = r.str();
        const waiting = r.flag();
        return { memberId, waiting, assignment: readAssignment(r) };
      });
      const protocolType = r.str();
      const protocolName = r.str();
      const leader = r.str();
      const memberBytes = readMemberBytes(r);
      return { state, generationId, nextDeadline, expired, members, protocolType, protocolName, leader, memberBytes };
    },
  });
}

/* A heartbeat; throws REBALANCE_IN_PROGRESS (after storing the member's liveness),
 * ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID. Returns the next deadline. */
export function groupHeartbeat(db: number, memberId: string, generationId: number, nowMs: number): number | null {
  const id = utf8(memberId);
  const gen = int32(generationId, "generation");
  const now = int64(nowMs, "now");
  const answer = invoke({
    input: id,
    writes: db,
    run: (k, ptr, len) => k.kd_group_heartbeat(db, ptr, len, gen, now),
    read: (r) => ({ error: r.i32(), deadline: deadline(r.i64()) }),
  });
  if (answer.error !== 0) throw new KafdoError(answer.error, "the group is rebalancing: join again");
  return answer.deadline;
}

/* A member leaves, by member id or (groupInstanceId given, Kafka's LeaveGroup
 * v3+) by static instance id; throws UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
 * Returns the member id that left and the next deadline. */
export function groupLeave(
  db: number,
  memberId: string,
  nowMs: number,
  groupInstanceId = "",
): { memberId: string; nextDeadline: number | null } {
  const input = new Writer().str(memberId).str(groupInstanceId);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_leave(db, ptr, len, now),
    read: (r) => {
      const nextDeadline = deadline(r.i64());
      return { memberId: r.str(), nextDeadline };
    },
  });
}

/* A topic grew, or (`deleted`) was deleted: a settled group subscribed to it rebalances
 * (kd_group_topic_changed); a deleted topic's committed offsets are forgotten first, as
 * Kafka's coordinator forgets them (kd_group_topic_deleted). Returns whether the group
 * rebalanced, and the next deadline. */
export function groupTopicChanged(
  db: number,
  topic: string,
  nowMs: number,
  deleted = false,
): { rebalanced: boolean; nextDeadline: number | null } {
  const now = int64(nowMs, "now");
  return invoke({
    input: utf8(topic),
    writes: db,
    run: (k, ptr, len) =>
      deleted ? k.kd_group_topic_deleted(db, ptr, len, now) : k.kd_group_topic_changed(db, ptr, len, now),
    read: (r) => {
      const rebalanced = r.flag();
      return { rebalanced, nextDeadline: deadline(r.i64()) };
    },
  });
}

export function groupCommit(
  db: number,
  memberId: string,
  generationId: number,
  offsets: OffsetCommit[],
  nowMs: number,
): void {
  const input = new Writer().str(memberId).i32(generationId).u32(offsets.length);
  for (const o of offsets)
    input
      .str(o.topic)
      .i32(o.partition)
      .i64(o.offset)
      .str(o.metadata ?? "");
  const now = int64(nowMs, "now");
  invoke({ input: input.bytes(), writes: db, run: (k, ptr, len) => k.kd_group_commit(db, ptr, len, now) });
}

/* Committed offsets of the given partitions (offset -1 where none), or of every
 * committed partition. */
export function groupOffsets(db: number, partitions?: TopicPartition[]): CommittedOffset[] {
  const input = new Writer();
  if (partitions === undefined) input.u32(0xffffffff);
  else {
    input.u32(partitions.length);
    for (const p of partitions) input.str(p.topic).i32(p.partition);
  }
  return invoke({ input: input.bytes(), run: (k, ptr, len) => k.kd_group_offsets(db, ptr, len), read: readOffsetRows });
}

export function groupDescribe(db: number): GroupDescribeOutput {
  return invoke({
    run: (k) => k.kd_group_describe(db),
    read: (r) => {
      const state = readGroupState(r);
      const generationId = r.i32();
      const strategy = strategyOf(r.u8());
      const leader = r.str();
      const protocolType = r.str();
      const protocolName = r.str();
      const members: GroupMember[] = [];
      const raw: GroupDescribeOutput["raw"] = [];
      for (let n = r.u32(), i = 0; i < n; i++) {
        const memberId = r.str();
        const clientId = r.str();
        const kind = r.u8() === MEMBER_KIND_KAFKA ? "kafka" : "http";
        const sessionTimeoutMs = r.i32();
        const rebalanceTimeoutMs = r.i32();
        const lastHeartbeat = r.i64();
        const subscription = r.list(() => r.str());
        members.push({
          memberId,
          clientId,
          kind,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          lastHeartbeat,
          subscription,
          assignment: readAssignment(r),
        });
        raw.push({ clientHost: r.str(), metadata: r.blob(), assignment: r.blob(), groupInstanceId: r.str() || null });
      }
      return {
        state,
        generationId,
        strategy,
        leader,
        protocolType,
        protocolName,
        members,
        raw,
        offsets: readOffsetRows(r),
      };
    },
  });
}

export function groupDelete(db: number): void {
  invoke({ writes: db, run: (k) => k.kd_group_delete(db) });
}

/* OffsetDelete (kd_group_delete_offsets): each partition's error, in order: 0 when
 * its offset is gone, GROUP_SUBSCRIBED_TO_TOPIC when a live member subscribes to
 * its topic. Throws GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP. */
export function groupDeleteOffsets(db: number, partitions: TopicPartition[]): number[] {
  const input = new Writer().u32(partitions.length);
  for (const p of partitions) input.str(p.topic).i32(p.partition);
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_delete_offsets(db, ptr, len),
    read: (r) => r.list(() => r.i16()),
  });
}

/* Throws INVALID_GROUP_ID unless `groupId` is a valid group id. */
export function checkGroupId(groupId: string): void {
  invoke({ input: utf8(groupId), run: (k, ptr, len) => k.kd_group_id_check(ptr, len) });
}

/* The cluster's registry of group ids (ClusterMetadataDO's storage). */
export function groupsRegister(db: number, groupId: string, nowMs: number): void {
  const now = int64(nowMs, "now");
  invoke({ input: utf8(groupId), writes: db, run: (k, ptr, len) => k.kd_groups_register(db, ptr, len, now) });
}

export function groupsUnregister(db: number, groupId: string): void {
  invoke({ input: utf8(groupId), writes: db, run: (k, ptr, len) => k.kd_groups_unregister(db, ptr, len) });
}

export function groupsList(db: number): string[] {
  return invoke({ run: (k) => k.kd_groups_list(db), read: (r) => r.list(() => r.str()) });
}
