/*
 * input.ts — reading a pipeline's input topic: where each partition starts, and one
 * round of reads over the partitions (each from its own position, in parallel), the
 * records decoded as the in-Worker consumer decodes them.
 */
import { partitionOffsets, readPartition } from "../api";
import { consumed } from "../api/consumer";
import { partitionOffsetForTime } from "../api/read";
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { StreamRecord } from "./processor";
import type { StreamStart } from "./plan";

/* Records one read of a partition returns at most. */
export const READ_LIMIT = 1000;

/* Where a partition without a committed offset starts. */
export async function startOffset(
  env: KafdoBindings,
  topic: string,
  partition: number,
  start: StreamStart,
): Promise<number> {
  if (start.at === "time") {
    const found = await partitionOffsetForTime(env, topic, partition, start.timestamp);
    if (found.offset >= 0) return found.offset;
  }
  const { earliest, latest } = await partitionOffsets(env, topic, partition);
  return start.at === "earliest" ? earliest : latest;
}

/*
 * The records of `partition` from `offset` (up to `end`, when given), at most
 * `limit`, and the offset to read next. A position the log no longer holds (its
 * records deleted by retention) moves to the log start, as Kafka's
 * auto.offset.reset=earliest does.
 */
export async function readFrom(
  env: KafdoBindings,
  topic: string,
  partition: number,
  offset: number,
  end = Number.MAX_SAFE_INTEGER,
  limit = READ_LIMIT,
): Promise<PartitionBatch> {
  let read;
  try {
    read = await readPartition(env, topic, partition, { offset, limit: Math.min(limit, end - offset) });
  } catch (e) {
    if (KafdoError.from(e)?.code !== KafkaCode.OFFSET_OUT_OF_RANGE) throw e;
    const { earliest } = await partitionOffsets(env, topic, partition);
    if (earliest <= offset) throw e;
    return { records: [], next: earliest, more: true };
  }
  const records: StreamRecord[] = [];
  let next = offset;
  for (const r of read.records) {
    /* a read returns whole batches: skip records before the position, stop at the end */
    if (r.offset < offset) continue;
    if (r.offset >= end) break;
    records.push(consumed({ topic, partition }, r) as StreamRecord);
    next = r.offset + 1;
  }
  /* nothing at the position although the log goes on: a gap (compaction removed those
   * offsets) or a position before the log start */
  if (records.length === 0 && offset < Math.min(end, read.highWatermark)) {
    next = Math.max(offset + 1, read.logStartOffset);
  }
  return { records, next, more: next < Math.min(end, read.highWatermark) };
}

/* One read of a partition: its records, the offset after them, and whether the
 * partition held more then (up to the end asked). */
export interface PartitionBatch {
  records: StreamRecord[];
  next: number;
  more: boolean;
}

/*
 * Takes records from the partitions' batches in event-time order (the earliest
 * timestamp first; on a tie the lower partition), as Kafka Streams does, so that a
 * window's lateness means the same however the partitions' reads interleave. It stops
 * when a partition that has more records to read has none left here, as its next one
 * may be earlier than any other's: the caller reads it again first. What it takes
 * leaves the batches' `records`.
 */
export function takeInTimeOrder(batches: PartitionBatch[]): StreamRecord[] {
  const at = batches.map(() => 0);
  const taken: StreamRecord[] = [];
  for (;;) {
    let best = -1;
    for (const [i, b] of batches.entries()) {
      if (at[i]! < b.records.length) {
        if (best < 0 || b.records[at[i]!]!.timestamp < batches[best]!.records[at[best]!]!.timestamp) best = i;
      } else if (b.more && b.records.length > 0) {
        best = -1;
        break;
      }
    }
    if (best < 0) break;
    taken.push(batches[best]!.records[at[best]!++]!);
  }
  for (const [i, b] of batches.entries()) b.records = b.records.slice(at[i]);
  return taken;
}
