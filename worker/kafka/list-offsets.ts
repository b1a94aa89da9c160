/*
 * list-offsets.ts — ListOffsets: per partition one call to the core's
 * kd_log_offset_for_time, which answers Kafka's earliest (-2), latest (-1), or
 * the first record at or after a time (-1 when none is that late). Version 0 asks
 * Kafka's older question instead, up to maxNumOffsets offsets before a time, and is
 * answered in oldStyleOffsets (kd_log_offsets_before). Versions 4-6 add the leader
 * epochs (asked: read and not checked, as Fetch reads them) and, from 6, flexible
 * encoding; 7's max timestamp (-3) and later are not offered. From v2 the request's
 * isolation level counts: latest under read_committed is the last stable offset.
 */
import { READ_COMMITTED, READ_UNCOMMITTED, type IsolationLevel } from "../common/records";
import { callPartition } from "../partitions/access";
import { topicFor } from "../partitions/topics";
import { errorCodeOf, settleEach, type KafkaContext, type RequestOf } from "./context";
import type { ListOffsetsRequestTopics as ListTopic } from "./generated/requests";

/* The leader epoch of an offset found (v4+): the partition's one leader has led it
 * from the start, in epoch 0, as Metadata says; -1 when no offset is answered. */
const LEADER_EPOCH = 0;

function answer(
  partitionIndex: number,
  errorCode: number,
  timestamp = -1,
  offset = -1,
  oldStyleOffsets: number[] = [],
): object {
  return {
    partitionIndex,
    errorCode,
    oldStyleOffsets,
    timestamp,
    offset,
    leaderEpoch: offset >= 0 ? LEADER_EPOCH : -1,
  };
}

async function listTopic(ctx: KafkaContext, t: ListTopic, version: number, isolation: IsolationLevel): Promise<object> {
  let info;
  try {
    info = await topicFor(ctx.env, t.name);
  } catch (e) {
    const code = errorCodeOf(e);
    return { name: t.name, partitions: t.partitions.map((p) => answer(p.partitionIndex, code)) };
  }
  const partitions = await settleEach(
    t.partitions,
    (p) =>
      callPartition(ctx.env, info, p.partitionIndex, async (stub) => {
        if (version === 0)
          return answer(p.partitionIndex, 0, -1, -1, await stub.offsetsBefore(p.timestamp, p.maxNumOffsets));
        const found = await stub.offsetForTimestamp(p.timestamp, isolation);
        return answer(p.partitionIndex, 0, found.timestamp, found.offset);
      }),
    (p, code) => answer(p.partitionIndex, code),
  );
  return { name: t.name, partitions };
}

export async function listOffsets(ctx: KafkaContext, req: RequestOf<"ListOffsets">): Promise<object> {
  const topics = req.body.topics;
  const isolation = req.body.isolationLevel === READ_COMMITTED ? READ_COMMITTED : READ_UNCOMMITTED;
  return {
    throttleTimeMs: 0,
    topics: await Promise.all(topics.map((t) => listTopic(ctx, t, req.apiVersion, isolation))),
  };
}
