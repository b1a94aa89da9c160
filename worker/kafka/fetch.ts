/*
 * fetch.ts — Fetch: stored RecordBatches returned byte for byte, with Kafka's
 * long poll.
 *
 * Every partition asked for is read in parallel, one RPC each
 * (TopicPartitionDO.fetchBatchesWait), and a partition with nothing at the offset
 * holds its answer until an append lands or max_wait_ms runs out. Answers
 * reaching min_bytes (or an error) end the wait, and the partitions still
 * holding are read once more as they are. Limits: each partition
 * gives at most partition_max_bytes, and partitions are filled in the request's
 * order while the total stays within max_bytes — except that the first partition
 * with data always gives its first batch whole, as Kafka does, so a batch larger
 * than the limits still moves the consumer on. A partition's error (an offset out
 * of range, a topic gone) is answered at once, without waiting.
 */
import type { KafkaRequest } from "../../wasm/kafdo";
import { partitionStub } from "../durable-objects/addressing";
import { checkPartition, forget, topicFor } from "../api/metadata";
import { KafkaCode } from "../errors";
import type { FetchResult, TopicInfo } from "../types";
import { errorCodeOf, type KafkaContext } from "./context";

interface FetchPartition {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

interface FetchTopic {
  topic: string;
  partitions: FetchPartition[];
}

/* One partition asked for, with what its topic resolved to. */
interface Wanted {
  topic: string;
  info: TopicInfo | null;
  errorCode: number;
  p: FetchPartition;
}

type Outcome = FetchResult | { errorCode: number };

const EMPTY = new Uint8Array(0);

async function resolve(ctx: KafkaContext, topics: FetchTopic[]): Promise<Wanted[]> {
  const perTopic = await Promise.all(
    topics.map(async (t) => {
      try {
        const info = await topicFor(ctx.env, t.topic);
        return t.partitions.map((p) => {
          try {
            checkPartition(info, p.partition);
            return { topic: t.topic, info, errorCode: 0, p };
          } catch (e) {
            return { topic: t.topic, info: null, errorCode: errorCodeOf(e), p };
          }
        });
      } catch (e) {
        const errorCode = errorCodeOf(e);
        return t.partitions.map((p) => ({ topic: t.topic, info: null, errorCode, p }));
      }
    }),
  );
  return perTopic.flat();
}

async function read(ctx: KafkaContext, w: Wanted, waitMs: number): Promise<Outcome> {
  if (!w.info) return { errorCode: w.errorCode };
  const { topicId } = w.info;
  const { partition, fetchOffset, partitionMaxBytes } = w.p;
  try {
    const stub = partitionStub(ctx.env, topicId, partition);
    return await (waitMs > 0
      ? stub.fetchBatchesWait(fetchOffset, partitionMaxBytes, waitMs)
      : stub.fetchBatches(fetchOffset, partitionMaxBytes));
  } catch (e) {
    const errorCode = errorCodeOf(e);
    if (errorCode === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) forget(w.topic);
    return { errorCode };
  }
}

/* Reads every partition, each holding its answer (up to maxWaitMs) while it has
 * nothing at the offset asked for. An error, or answers reaching minBytes, end the
 * wait; partitions still holding are then read as they are now. */
async function readAll(ctx: KafkaContext, wanted: Wanted[], minBytes: number, maxWaitMs: number): Promise<Outcome[]> {
  const settled: (Outcome | undefined)[] = new Array(wanted.length);
  await new Promise<void>((done) => {
    let pending = wanted.length;
    let bytes = 0;
    if (pending === 0) done();
    wanted.forEach((w, i) => {
      void read(ctx, w, maxWaitMs).then((o) => {
        settled[i] = o;
        pending--;
        bytes += "batches" in o ? o.batches.length : 0;
        if (!("batches" in o) || bytes >= Math.max(1, minBytes) || pending === 0) done();
      });
    });
  });
  return Promise.all(wanted.map((w, i) => settled[i] ?? read(ctx, w, 0)));
}

export async function fetch(ctx: KafkaContext, req: KafkaRequest): Promise<object> {
  const body = req.body as { maxWaitMs: number; minBytes: number; maxBytes: number; topics: FetchTopic[] };
  const wanted = await resolve(ctx, body.topics);
  const outcomes = await readAll(ctx, wanted, body.minBytes, body.maxWaitMs);

  let budget = body.maxBytes;
  let gaveData = false;
  const byTopic = new Map<string, object[]>();
  wanted.forEach((w, i) => {
    const o = outcomes[i]!;
    let entry: object;
    if ("batches" in o) {
      let records = o.batches;
      if (records.length > 0 && gaveData && records.length > budget) records = EMPTY;
      budget -= records.length;
      gaveData ||= records.length > 0;
      entry = {
        partitionIndex: w.p.partition,
        errorCode: 0,
        highWatermark: o.highWatermark,
        lastStableOffset: o.highWatermark,
        logStartOffset: o.logStartOffset,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records,
      };
    } else {
      entry = {
        partitionIndex: w.p.partition,
        errorCode: o.errorCode,
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records: EMPTY,
      };
    }
    const list = byTopic.get(w.topic) ?? [];
    list.push(entry);
    byTopic.set(w.topic, list);
  });
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  };
}
