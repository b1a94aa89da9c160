/*
 * classic-groups.ts — Kafka's classic group protocol (JoinGroup, SyncGroup) on the same
 * group core as Kafdo's own (group.c; groups.ts has the rest): the members' protocol
 * metadata and assignments are bytes the group carries without reading.
 */
import type { GroupState } from "../worker/common/groups";
import { Writer, int32, int64 } from "./bytes";
import { invoke } from "./core";
import {
  GROUP_STATES,
  JOIN_COMPLETE,
  JOIN_MEMBER_ID_REQUIRED,
  type JoinHead,
  MEMBER_KIND_KAFKA,
  deadline,
  readJoinAnswer,
  readMemberBytes,
  writeJoinHead,
} from "./formats";

export interface ClassicJoinInput extends JoinHead {
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
  /* KIP-345's group.instance.id; "" or absent for a dynamic member. */
  groupInstanceId?: string;
  /* KIP-394 (JoinGroup v4+): a join without a member id is answered
   * MEMBER_ID_REQUIRED with the id to join with. */
  memberIdRequired?: boolean;
  /* group.initial.rebalance.delay.ms for an empty group's first rebalance. */
  initialRebalanceDelayMs?: number;
}

export interface ClassicJoinOutput {
  /* false: hold the join until groupPoll reports this member no longer waiting. */
  complete: boolean;
  /* MEMBER_ID_REQUIRED: answer it with memberId; nothing else is meaningful. */
  memberIdRequired: boolean;
  /* The static member id this join replaced ("" for none): whatever it waits
   * for is answered FENCED_INSTANCE_ID. */
  fencedMemberId: string;
  memberId: string;
  generationId: number;
  leader: string;
  nextDeadline: number | null;
  protocolType: string;
  protocolName: string;
  /* For the leader of a complete join: every member's metadata for the selected protocol. */
  members: { memberId: string; bytes: Uint8Array }[];
}

/* A Kafka-dialect join (member kind 1; group.c's join input and output). */
export function classicJoin(db: number, req: ClassicJoinInput, nowMs: number): ClassicJoinOutput {
  /* strategy 0: the assignor is the leader's, not the group's */
  const input = writeJoinHead(new Writer(), req, 0, MEMBER_KIND_KAFKA)
    .str(req.groupInstanceId ?? "")
    .flag(req.memberIdRequired ?? false)
    .i32(req.initialRebalanceDelayMs ?? 0)
    .str(req.clientHost)
    .str(req.protocolType)
    .u32(req.protocols.length);
  for (const p of req.protocols) input.str(p.name).blob(p.metadata);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_join(db, ptr, len, now),
    read: (r) => {
      /* strategy and assignment: Kafdo's dialect only (the leader assigns) */
      const { status, memberId, generationId, leader, nextDeadline } = readJoinAnswer(r);
      const protocolType = r.str();
      const protocolName = r.str();
      const members = readMemberBytes(r);
      return {
        complete: status === JOIN_COMPLETE,
        memberIdRequired: status === JOIN_MEMBER_ID_REQUIRED,
        fencedMemberId: r.str(),
        memberId,
        generationId,
        leader,
        nextDeadline,
        protocolType,
        protocolName,
        members,
      };
    },
  });
}

export interface ClassicSyncInput {
  memberId: string;
  generationId: number;
  /* "" when the request does not name them. */
  protocolType: string;
  protocolName: string;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface ClassicSyncOutput {
  /* false: hold the sync until groupPoll reports the group Stable. */
  complete: boolean;
  protocolType: string;
  protocolName: string;
  assignment: Uint8Array;
  nextDeadline: number | null;
}

/* Kafka's SyncGroup (kd_group_sync); throws its errors as KafdoErrors. */
export function classicSync(db: number, req: ClassicSyncInput, nowMs: number): ClassicSyncOutput {
  const input = new Writer()
    .str(req.memberId)
    .i32(req.generationId)
    .str(req.protocolType)
    .str(req.protocolName)
    .u32(req.assignments.length);
  for (const a of req.assignments) input.str(a.memberId).blob(a.assignment);
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_sync(db, ptr, len, now),
    read: (r) => {
      const complete = r.flag();
      const protocolType = r.str();
      const protocolName = r.str();
      const assignment = r.blob();
      return { complete, protocolType, protocolName, assignment, nextDeadline: deadline(r.i64()) };
    },
  });
}

/* Which held Kafka call to answer after a poll (kd_group_held_join / _sync):
 * KD_HELD_WAIT, KD_HELD_ANSWER, KD_HELD_ANSWER_LEADER (with the members' metadata),
 * or (a sync) REBALANCE_IN_PROGRESS. */
export {
  KD_HELD_ANSWER as HELD_ANSWER,
  KD_HELD_WAIT as HELD_WAIT,
  KD_HELD_ANSWER_LEADER as HELD_ANSWER_LEADER,
} from "./generated/abi";

export function groupHeldJoin(state: GroupState, waiting: boolean, leads: boolean): number {
  const s = GROUP_STATES.indexOf(state);
  return invoke({ run: (k) => k.kd_group_held_join(s, waiting ? 1 : 0, leads ? 1 : 0), accepts: () => true });
}

export function groupHeldSync(state: GroupState, generationId: number, heldGenerationId: number): number {
  const s = GROUP_STATES.indexOf(state);
  const generation = int32(generationId, "generation");
  const held = int32(heldGenerationId, "generation");
  return invoke({ run: (k) => k.kd_group_held_sync(s, generation, held), accepts: () => true });
}
