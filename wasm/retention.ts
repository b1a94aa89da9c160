/*
 * retention.ts — the log's upkeep steps (retention.c, compaction.c): deleting what
 * retention.ms and retention.bytes let go, and compacting a cleanup.policy=compact log
 * to the latest record of each key. Each call is one bounded step in its own
 * transaction, and says whether more is due and when to look again.
 */
import { int64 } from "./bytes";
import { invoke } from "./core";

/* What one retention step did, and when the next is due (kd_log_retention). */
export interface RetentionStep {
  deleted: number;
  more: boolean;
  active: boolean;
  logStartOffset: number;
  sizeBytes: number;
  /* ms since the epoch when the oldest kept batch expires; -1: none */
  nextDeadlineMs: number;
  /* run again once the log holds more than this; -1: never */
  sizeTriggerBytes: number;
}

/* One bounded step of retention, in its own transaction. */
export function logRetention(db: number, nowMs: number, maxRows: number): RetentionStep {
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_log_retention(db, now, maxRows),
    read: (r) => ({
      deleted: r.i32(),
      more: r.i32() !== 0,
      active: r.i32() !== 0,
      logStartOffset: r.i64(),
      sizeBytes: r.i64(),
      nextDeadlineMs: r.i64(),
      sizeTriggerBytes: r.i64(),
    }),
  });
}

/* What one compaction step did, and when the next may be due (kd_log_compact). */
export interface CompactionStep {
  recordsRemoved: number;
  more: boolean;
  active: boolean;
  bytesRemoved: number;
  /* ms since the epoch when a pass may be due; -1: only after more appends */
  nextDeadlineMs: number;
}

/* One bounded step of compaction, in its own transaction. */
export function logCompact(db: number, nowMs: number, maxRows: number): CompactionStep {
  const now = int64(nowMs, "now");
  return invoke({
    writes: db,
    run: (k) => k.kd_log_compact(db, now, maxRows),
    read: (r) => ({
      recordsRemoved: r.i32(),
      more: r.i32() !== 0,
      active: r.i32() !== 0,
      bytesRemoved: r.i64(),
      nextDeadlineMs: r.i64(),
    }),
  });
}
