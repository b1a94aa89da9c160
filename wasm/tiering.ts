/*
 * tiering.ts — the cold tier (tiering.c): moving a log's oldest batches out of SQLite
 * into objects the host stores (R2), forgetting objects no longer needed, and reading
 * at an offset that lives in one. The core plans and records; the host moves the bytes.
 */
import type { FetchResult, ReadResult } from "../worker/common/records";
import { Writer, int32, int64, uint32, utf8 } from "./bytes";
import { invoke } from "./core";
import { readOffsets, readRecordList } from "./formats";

/* A segment to move to the cold tier: its object's key and bytes. */
export interface TierSegment {
  baseOffset: number;
  lastOffset: number;
  key: string;
  bytes: Uint8Array;
}

/* What kd_tier_plan answers: the next segment, if one is due, and when to look again. */
export interface TierPlan {
  segment: TierSegment | null;
  /* more batches are due after this segment */
  more: boolean;
  /* the topic tiers by time or size */
  active: boolean;
  /* ms since the epoch when the oldest hot batch is due; -1: none */
  nextDeadlineMs: number;
  /* plan again once the log (both tiers) holds more than this; -1: never */
  sizeTriggerBytes: number;
}

/* Plans a segment of the oldest hot batches past the topic's local retention, at most
 * maxBytes; its object is named keyPrefix + the base offset. Its own transaction (it
 * records the key as in flight). */
export function tierPlan(db: number, nowMs: number, maxBytes: number, keyPrefix: string): TierPlan {
  const now = int64(nowMs, "now");
  const max = int32(maxBytes, "max bytes");
  return invoke({
    input: utf8(keyPrefix),
    writes: db,
    run: (k, ptr, len) => k.kd_tier_plan(db, now, max, ptr, len),
    read: (r) => {
      const planned = r.i32() !== 0;
      const more = r.i32() !== 0;
      const active = r.i32() !== 0;
      const nextDeadlineMs = r.i64();
      const sizeTriggerBytes = r.i64();
      let segment: TierSegment | null = null;
      if (planned) {
        const baseOffset = r.i64();
        const lastOffset = r.i64();
        const key = r.str();
        segment = { baseOffset, lastOffset, key, bytes: r.blob() };
      }
      return { segment, more, active, nextDeadlineMs, sizeTriggerBytes };
    },
  });
}

/* After the plan's object was put: records the segment and drops its hot batches;
 * false when the batches changed since the plan (the object is then garbage). */
export function tierCommit(db: number, plan: TierSegment): boolean {
  const base = int64(plan.baseOffset, "base offset");
  const last = int64(plan.lastOffset, "last offset");
  const length = BigInt(plan.bytes.length);
  return invoke({
    input: utf8(plan.key),
    writes: db,
    run: (k, ptr, len) => k.kd_tier_commit(db, base, last, length, ptr, len),
    read: (r) => r.i32() !== 0,
  });
}

/* Keys of objects that are no longer part of the log, for the host to delete. */
export function tierGarbage(db: number, maxKeys: number): string[] {
  const max = uint32(maxKeys, "max keys");
  return invoke({ run: (k) => k.kd_tier_garbage(db, max), read: (r) => r.list(() => r.str()) });
}

/* The objects of these keys were deleted: the log forgets them. */
export function tierForget(db: number, keys: string[]): void {
  const input = new Writer().u32(keys.length);
  for (const key of keys) input.str(key);
  invoke({ input: input.bytes(), writes: db, run: (k, ptr, len) => k.kd_tier_forget(db, ptr, len) });
}

/* What answers a read at a cold offset: a byte range of one object. */
export interface ColdRange {
  key: string;
  position: number;
  length: number;
}

export function tierLocate(db: number, offset: number, maxBytes: number, minOneBatch: boolean): ColdRange | null {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  return invoke({
    run: (k) => k.kd_tier_locate(db, at, max, minOneBatch ? 1 : 0),
    read: (r) => (r.i32() === 0 ? null : { key: r.str(), position: r.i64(), length: r.i64() }),
  });
}

/* logFetch at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logFetchCold(
  db: number,
  offset: number,
  maxBytes: number,
  minOneBatch: boolean,
  bytes: Uint8Array,
  position: number,
): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_log_fetch_cold(db, at, max, minOneBatch ? 1 : 0, ptr, len, pos),
    read: (r) => ({ ...readOffsets(r), batches: r.rest() }),
  });
}

/* logRead at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logReadCold(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  bytes: Uint8Array,
  position: number,
): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_log_read_cold(db, at, maxRec, max, ptr, len, pos),
    read: (r) => ({ ...readOffsets(r), records: readRecordList(r) }),
  });
}
