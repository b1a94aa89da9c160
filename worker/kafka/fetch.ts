/*
 * fetch.ts — Fetch: stored RecordBatches returned byte for byte, with Kafka's
 * limits and long poll.
 *
 * A partition listed twice is answered once, at its first place, with its last
 * listing's offset and limit: Kafka's broker reads a Fetch into a map keyed by
 * topic-partition (FetchRequest's LinkedHashMap), so a duplicate replaces the
 * earlier entry's values.
 *
 * Limits, as Kafka's broker applies them (ReplicaManager.readFromLocalLog): the
 * response's budget is max_bytes — here at most MAX_READ_BYTES, as Kafka's own
 * broker caps it at its fetch.max.bytes (the core's kd_fetch_budget) — and the partitions, in the request's
 * order, each give at most min(partition_max_bytes, what the ones before left),
 * except that the first partition with data gives its first batch whole even past
 * both, so a batch larger than the limits still moves the consumer on. The core
 * applies a partition's limits in its read (kd_log_fetch, min_one_batch); nothing
 * is read past them, so one request holds at most its budget plus one batch.
 *
 * Isolation (isolation_level, v4+): read_committed reads only below each partition's
 * last stable offset and answers the aborted transactions among the batches, so the
 * client drops their records itself, as from Kafka's broker; both levels answer the
 * LSO (txn_log.c). A read_committed long poll waits for the LSO to move (a marker).
 *
 * Kafka reads the partitions one after another; here they are read in parallel,
 * in rounds (readWithin). Long poll: when the answer is empty (or under min_bytes)
 * and no partition failed, every partition read holds an RPC until an append lands
 * past what was read (or max_wait_ms runs out), and the partitions are read again.
 */
import { fetchBudget } from "../../wasm/kafdo";
import { callPartition } from "../partitions/access";
import { checkPartition, topicFor } from "../partitions/topics";
import { READ_COMMITTED, type FetchResult, type IsolationLevel } from "../common/records";
import type { TopicInfo } from "../common/topics";
import { errorCodeOf, type KafkaContext, type RequestOf } from "./context";
import type {
  FetchRequestTopics as FetchTopic,
  FetchRequestTopicsPartitions as FetchPartition,
} from "./generated/requests";

/* One partition asked for, with what its topic resolved to. */
interface Wanted {
  topic: string;
  info: TopicInfo | null;
  errorCode: number;
  p: FetchPartition;
}

/* What one read of a partition is given: the core's max_bytes and min_one_batch. */
interface Limit {
  maxBytes: number;
  minOneBatch: boolean;
}

/* Where a read at that level stops: the LSO under read_committed. */
function readableEnd(o: FetchResult, isolation: IsolationLevel): number {
  return isolation === READ_COMMITTED ? (o.lastStableOffset ?? o.highWatermark) : o.highWatermark;
}

function isolationOf(level: number): IsolationLevel {
  return level === READ_COMMITTED ? READ_COMMITTED : 0;
}

type Outcome = FetchResult | { errorCode: number };

const EMPTY = new Uint8Array(0);

/* Rounds of reads one Fetch makes at most (readWithin): enough for a consumer's
 * usual limits (16 partitions of 1 MiB fill the budget in one), and a bound on the
 * RPCs a request listing many partitions can cause. */
const MAX_ROUNDS = 4;

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

/* Each partition once, at its first place, with its last listing (see above). */
function once(wanted: Wanted[]): Wanted[] {
  const byPartition = new Map<string, Wanted>();
  for (const w of wanted) byPartition.set(`${w.p.partition}:${w.topic}`, w);
  return [...byPartition.values()];
}

async function read(ctx: KafkaContext, w: Wanted, limit: Limit, isolation: IsolationLevel): Promise<Outcome> {
  if (!w.info) return { errorCode: w.errorCode };
  try {
    return await callPartition(ctx.env, w.info, w.p.partition, async (stub) =>
      stub.fetchBatches(w.p.fetchOffset, limit.maxBytes, limit.minOneBatch, isolation),
    );
  } catch (e) {
    return { errorCode: errorCodeOf(e) };
  }
}

/*
 * Reads the partitions within the budget as Kafka's broker does, but in parallel
 * rounds rather than one after another. A round reads every partition still to
 * read, each given what would be left of the budget if the ones before it took
 * their whole partition_max_bytes (so the rest get nothing once that runs out),
 * and the first min_one_batch while no partition has given data. The answers are
 * then taken in the request's order while each is within Kafka's limits for it;
 * from the first partition with data that got less than Kafka would give it (the
 * bytes others left unused, or its first batch whole), it and the later ones with
 * data are read again in the next round. A round's first partition gets exactly
 * Kafka's limits, so each round settles at least one, and the second round at the
 * latest gives the first partition with data its first batch. Rounds end when one
 * adds no bytes after data was given, or after MAX_ROUNDS; the partitions still to
 * read answer empty, as past a spent budget, and are read by the next Fetch.
 * The bytes held never pass the budget plus one batch, and a Fetch costs at most
 * MAX_ROUNDS reads of each partition it lists.
 */
async function readWithin(
  ctx: KafkaContext,
  wanted: Wanted[],
  budget: number,
  isolation: IsolationLevel,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(wanted.length);
  let todo = wanted.map((_, i) => i);
  let left = budget;
  let gaveData = false;
  for (let round = 0; round < MAX_ROUNDS && todo.length > 0; round++) {
    let unreserved = left;
    const limits = todo.map((i, k): Limit => {
      const maxBytes = Math.min(wanted[i]!.p.partitionMaxBytes, unreserved);
      unreserved -= Math.max(0, maxBytes);
      return { maxBytes, minOneBatch: k === 0 && !gaveData };
    });
    const answers = await Promise.all(todo.map((i, k) => read(ctx, wanted[i]!, limits[k]!, isolation)));
    const again: number[] = [];
    let added = 0;
    todo.forEach((i, k) => {
      const o = answers[k]!;
      const asked = limits[k]!;
      if (!("batches" in o)) {
        outcomes[i] = o; /* an error does not depend on the limits */
        return;
      }
      const { fetchOffset, partitionMaxBytes } = wanted[i]!.p;
      const size = o.batches.length;
      const firstBatchWhole = size > asked.maxBytes; /* min_one_batch gave it past the limit */
      if (again.length === 0 && size > 0 && (size <= left || (firstBatchWhole && !gaveData))) {
        outcomes[i] = o;
        left = Math.max(0, left - size);
        added += size;
        gaveData = true;
        return;
      }
      outcomes[i] = size > 0 ? { ...o, batches: EMPTY } : o;
      const hasData = readableEnd(o, isolation) > fetchOffset;
      /* The round's first was given Kafka's limits; otherwise nothing at the
       * offset, or a first batch over what Kafka would give. */
      const kafkasAnswer =
        k === 0 ||
        !hasData ||
        (again.length === 0 && size === 0 && gaveData && asked.maxBytes >= Math.min(partitionMaxBytes, left));
      if (!kafkasAnswer) again.push(i);
    });
    if (added === 0 && gaveData) break;
    todo = again;
  }
  return outcomes;
}

/* Waits up to waitMs for an append past what was read to any partition read
 * without error: each such partition holds one RPC (a read of nothing) until one
 * lands. True when one did. */
async function appendLanded(
  ctx: KafkaContext,
  wanted: Wanted[],
  outcomes: Outcome[],
  waitMs: number,
  isolation: IsolationLevel,
): Promise<boolean> {
  const waits = wanted.flatMap((w, i) => {
    const o = outcomes[i]!;
    return "batches" in o ? [waitPast(ctx, w, readableEnd(o, isolation), waitMs, isolation)] : [];
  });
  if (waits.length === 0) return false;
  return new Promise((settle) => {
    let pending = waits.length;
    for (const wait of waits) {
      void wait.then((landed) => {
        if (landed) settle(true);
        else if (--pending === 0) settle(false);
      });
    }
  });
}

async function waitPast(
  ctx: KafkaContext,
  w: Wanted,
  end: number,
  waitMs: number,
  isolation: IsolationLevel,
): Promise<boolean> {
  try {
    const now = await callPartition(ctx.env, w.info!, w.p.partition, async (stub) =>
      stub.fetchBatchesWait(end, 0, false, waitMs, isolation),
    );
    return readableEnd(now, isolation) !== end;
  } catch {
    return true; /* read again: the read reports what went wrong */
  }
}

/* Whether the answer can go: a partition failed (Kafka answers errors at once), or
 * the records reach min_bytes. */
function enough(outcomes: Outcome[], minBytes: number): boolean {
  let bytes = 0;
  for (const o of outcomes) {
    if (!("batches" in o)) return true;
    bytes += o.batches.length;
  }
  return bytes >= Math.max(1, minBytes);
}

export async function fetch(ctx: KafkaContext, req: RequestOf<"Fetch">): Promise<object> {
  const body = req.body;
  const wanted = once(await resolve(ctx, body.topics));
  const budget = fetchBudget(body.maxBytes);
  const isolation = isolationOf(body.isolationLevel);
  const deadline = Date.now() + Math.max(0, body.maxWaitMs);
  let outcomes = await readWithin(ctx, wanted, budget, isolation);
  while (!enough(outcomes, body.minBytes) && Date.now() < deadline) {
    if (!(await appendLanded(ctx, wanted, outcomes, deadline - Date.now(), isolation))) break;
    outcomes = await readWithin(ctx, wanted, budget, isolation);
  }

  const byTopic = new Map<string, object[]>();
  wanted.forEach((w, i) => {
    const o = outcomes[i]!;
    const entry =
      "batches" in o
        ? {
            partitionIndex: w.p.partition,
            errorCode: 0,
            highWatermark: o.highWatermark,
            lastStableOffset: o.lastStableOffset ?? o.highWatermark,
            logStartOffset: o.logStartOffset,
            abortedTransactions: o.abortedTransactions ?? [],
            preferredReadReplica: -1,
            records: o.batches,
          }
        : {
            partitionIndex: w.p.partition,
            errorCode: o.errorCode,
            highWatermark: -1,
            lastStableOffset: -1,
            logStartOffset: -1,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: EMPTY,
          };
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
