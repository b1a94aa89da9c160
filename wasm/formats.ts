/*
 * formats.ts — the parts of the core's byte formats that more than one module reads
 * (kafdo.h's record list and log offsets; group.c's assignments, member bytes and
 * deadlines). Internal to the binding: kafdo.ts does not export them.
 */
import type { ConsumerRecord, LogOffsets, RecordHeader } from "../worker/common/records";
import type { GroupState, TopicPartition } from "../worker/common/groups";
import type { Reader, Writer } from "./bytes";

/* A group's state as the core's u8 names it (group.c). */
export const GROUP_STATES: readonly GroupState[] = [
  "Empty",
  "PreparingRebalance",
  "CompletingRebalance",
  "Stable",
  "Dead",
];

/* A kd records list: u32 count, then each record at its absolute offset. */
export function readRecordList(r: Reader): ConsumerRecord[] {
  return r.list(() => {
    const offset = r.i64();
    const timestamp = r.i64();
    const key = r.nullableBytes();
    const value = r.nullableBytes();
    const headers: RecordHeader[] = r.list(() => ({ key: r.longStr(), value: r.nullableBytes() }));
    return { offset, timestamp, key, value, headers };
  });
}

export function readOffsets(r: Reader): LogOffsets {
  return { logStartOffset: r.i64(), highWatermark: r.i64() };
}

/* A member's kind in a join's input: Kafdo's own (HTTP and in-Worker) or Kafka's classic protocol. */
export const MEMBER_KIND_KAFDO = 0;
export const MEMBER_KIND_KAFKA = 1;

/* The next deadline the core names; null for none (its "never" is past 2^53). */
export function deadline(v: number): number | null {
  return v >= Number.MAX_SAFE_INTEGER ? null : v;
}

export function readAssignment(r: Reader): TopicPartition[] {
  return r.list(() => ({ topic: r.str(), partition: r.i32() }));
}

/* u32 k, (str member_id, u32 len, bytes)*: kd_group_poll's and a leader's join's lists. */
export function readMemberBytes(r: Reader): { memberId: string; bytes: Uint8Array }[] {
  return r.list(() => ({ memberId: r.str(), bytes: r.blob() }));
}

/* What every join's input starts with, Kafdo's own or Kafka's (group.c's join input). */
export interface JoinHead {
  memberId: string;
  clientId: string;
  /* Random text for a new member's id (the core makes it clientId-suffix). */
  idSuffix: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

export function writeJoinHead(w: Writer, head: JoinHead, strategy: number, kind: number): Writer {
  return w
    .str(head.memberId)
    .str(head.clientId)
    .str(head.idSuffix)
    .i32(head.sessionTimeoutMs)
    .i32(head.rebalanceTimeoutMs)
    .u8(strategy)
    .u8(kind);
}

/* The status byte of a join's answer: complete, or (a classic join) MEMBER_ID_REQUIRED;
 * anything else: held until groupPoll reports the member no longer waiting. */
export const JOIN_COMPLETE = 1;
export const JOIN_MEMBER_ID_REQUIRED = 2;

/* What every join's answer starts with (group.c's join output). `strategy` is the
 * assignor's code and `assignment` the member's, both Kafdo's dialect only. */
export function readJoinAnswer(r: Reader) {
  const status = r.u8();
  const memberId = r.str();
  const generationId = r.i32();
  const leader = r.str();
  const strategy = r.u8();
  const assignment = readAssignment(r);
  return { status, memberId, generationId, leader, strategy, assignment, nextDeadline: deadline(r.i64()) };
}
