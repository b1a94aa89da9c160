/*
 * positions.ts — where a subscription starts reading, per partition, checked before
 * anything is delivered (so a bad request is refused before a WebSocket upgrade or an
 * event stream begins).
 *
 * A subscription reads one partition or all of the topic's. Each starts at:
 *   - the resumption cursor's offset for it, when one is given (an SSE Last-Event-ID,
 *     a WebSocket `from`): "p:o,p:o", each o the last offset the subscriber saw, so
 *     the partition resumes at o + 1;
 *   - else `offset` (the same for every partition read);
 *   - else the first record at or after `timestamp` (ListOffsets by time; the high
 *     watermark when none is that late);
 *   - else "now": the high watermark, records appended from here on.
 * An offset outside [log start, high watermark] is OFFSET_OUT_OF_RANGE (416); a
 * partition the topic lacks, or an unknown topic, UNKNOWN_TOPIC_OR_PARTITION (404);
 * a malformed cursor INVALID_REQUEST (400).
 */
import { partitionOffsets } from "../api";
import { partitionOffsetForTime } from "../api/read";
import { KafdoError, KafkaCode } from "../common/errors";
import type { KafdoBindings } from "../durable-objects/bindings";
import { typedEnv } from "../durable-objects/bindings";
import { checkPartition, topicFor } from "../partitions/topics";

export interface StartRequest {
  partition?: number;
  offset?: number;
  timestamp?: number;
  /* The resumption cursor, "p:o,p:o" (o: the last offset seen). */
  cursor?: string;
}

/* Partition → the next offset to deliver. Kept in partition order. */
export type Positions = Map<number, number>;

/* A cursor's partition → last offset seen; INVALID_REQUEST when malformed. */
export function parseCursor(text: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const pair of text.split(",")) {
    const m = /^\s*(\d{1,10}):(-1|\d{1,16})\s*$/.exec(pair);
    const partition = m ? Number(m[1]) : NaN;
    const offset = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(offset) || partition > 0x7fffffff || seen.has(partition)) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `a resumption cursor is "partition:offset" pairs separated by commas, each partition once, not ${JSON.stringify(text)}`,
      );
    }
    seen.set(partition, offset);
  }
  return seen;
}

/* The cursor of `positions` (next offsets): each partition's last delivered offset. */
export function formatCursor(positions: Positions): string {
  return [...positions].map(([p, next]) => `${p}:${next - 1}`).join(",");
}

function outOfRange(partition: number, offset: number, earliest: number, latest: number): KafdoError {
  return new KafdoError(
    KafkaCode.OFFSET_OUT_OF_RANGE,
    `offset ${offset} is out of range for partition ${partition}: it holds ${earliest} to ${latest} (the high watermark)`,
  );
}

export async function startPositions(env: KafdoBindings, topicName: string, req: StartRequest): Promise<Positions> {
  if (req.offset !== undefined && req.timestamp !== undefined) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, '"offset" and "timestamp" exclude each other');
  }
  const topic = await topicFor(typedEnv(env), topicName);
  if (req.partition !== undefined) checkPartition(topic, req.partition);
  const partitions =
    req.partition !== undefined ? [req.partition] : Array.from({ length: topic.partitions }, (_, i) => i);
  const resumed = req.cursor !== undefined ? parseCursor(req.cursor) : new Map<number, number>();
  for (const p of resumed.keys()) {
    checkPartition(topic, p);
    if (!partitions.includes(p)) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `the cursor names partition ${p}, which this subscription does not read`,
      );
    }
  }
  const positions: Positions = new Map();
  await Promise.all(
    partitions.map(async (p) => {
      const { earliest, latest } = await partitionOffsets(env, topicName, p);
      const last = resumed.get(p);
      let next: number;
      if (last !== undefined) next = last + 1;
      else if (req.offset !== undefined) next = req.offset;
      else if (req.timestamp !== undefined) {
        const found = await partitionOffsetForTime(env, topicName, p, req.timestamp);
        next = found.offset >= 0 ? found.offset : latest;
      } else next = latest;
      if (next < earliest || next > latest) throw outOfRange(p, next, earliest, latest);
      positions.set(p, next);
    }),
  );
  return new Map([...positions].sort((a, b) => a[0] - b[0]));
}
