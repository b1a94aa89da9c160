/*
 * group-reset.ts — resetting a consumer group's committed offsets (group_reset.c), as
 * kafka-consumer-groups --reset-offsets does. The group object gathers each
 * partition's log bounds (and, for a time, ListOffsets' answer) and the core decides.
 */
import { Writer, int64 } from "./bytes";
import { invoke } from "./core";

/* How a reset names the offset (group_reset.c): the spec and its value. */
export type ResetSpec =
  | { kind: "earliest" }
  | { kind: "latest" }
  | { kind: "timestamp"; value: number }
  | { kind: "offset"; value: number }
  | { kind: "shiftBy"; value: number };

/* group_reset.c's spec codes, in order. */
const RESET_SPECS = ["earliest", "latest", "timestamp", "offset", "shiftBy"] as const;

/* One partition of a reset, with what the partition alone knows: its log's bounds
 * and, for a reset to a time, ListOffsets' offset for it (-1: no record so late). */
export interface ResetPartition {
  topic: string;
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  offsetForTime: number;
}

/* kd_group_reset_offsets: the offsets the reset commits (or, dry, would), in the
 * order given. Throws NON_EMPTY_GROUP, INVALID_REQUEST; writes nothing then. */
export function groupResetOffsets(
  db: number,
  spec: ResetSpec,
  partitions: ResetPartition[],
  dryRun: boolean,
  nowMs: number,
): { topic: string; partition: number; offset: number }[] {
  const input = new Writer()
    .u8(dryRun ? 1 : 0)
    .u8(RESET_SPECS.indexOf(spec.kind))
    .i64("value" in spec ? spec.value : 0)
    .u32(partitions.length);
  for (const p of partitions) {
    input.str(p.topic).i32(p.partition).i64(p.logStartOffset).i64(p.highWatermark).i64(p.offsetForTime);
  }
  const now = int64(nowMs, "now");
  return invoke({
    input: input.bytes(),
    writes: db,
    run: (k, ptr, len) => k.kd_group_reset_offsets(db, ptr, len, now),
    read: (r) => r.list(() => ({ topic: r.str(), partition: r.i32(), offset: r.i64() })),
  });
}
