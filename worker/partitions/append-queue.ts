/*
 * append-queue.ts — one client's appends to each partition, kept in the order they
 * were queued while several of its requests are in flight at once.
 *
 * A partition's appends from one AppendQueue go one RPC at a time: the next RPC leaves
 * when the last has answered, carrying every set queued meanwhile (the partition's
 * append takes many sets and judges each on its own, in order, in one transaction).
 * So the order is the queue's order whatever order RPCs would be delivered in, and
 * requests that pile up behind a commit share the next one instead of each waiting
 * for its own.
 *
 * One queue per client connection, not one per isolate: a Worker may not finish one
 * request's I/O from another's (an RPC made for one connection could not answer a
 * promise of another), and a closed connection must not take another's appends with it.
 */
import type { Env } from "../durable-objects/bindings";
import type { AppendResult } from "../common/records";
import type { TopicInfo } from "../common/topics";
import { callPartition } from "./access";
import { maxMessageBytes, topicConfigText } from "./topics";

/* The most bytes of sets one RPC carries (at least one set goes whatever its size):
 * far under the RPC's message limit, and a bound on what one transaction writes. */
export const MAX_RPC_BYTES = 8 * 1024 * 1024;

interface Queued {
  topic: TopicInfo;
  set: Uint8Array;
  resolve: (result: AppendResult) => void;
  reject: (e: unknown) => void;
}

export class AppendQueue {
  /* Per partition (topic id and index): the appends not yet sent, and whether an RPC
   * is out. A partition with neither is dropped. */
  private readonly lines = new Map<string, { waiting: Queued[]; busy: boolean }>();
  /* RPCs sent and the sets they carried, so far: how much the queue batched. */
  sent = { rpcs: 0, sets: 0 };

  constructor(private readonly env: Env) {}

  /* Appends one produce set (RecordBatches back to back) to a partition after every
   * set queued here before it; resolves with its result. The set is queued before this
   * returns, so the order of calls is the order of appends. */
  append(topic: TopicInfo, partition: number, set: Uint8Array): Promise<AppendResult> {
    const key = `${topic.topicId}/${partition}`;
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = { waiting: [], busy: false }));
    const result = new Promise<AppendResult>((resolve, reject) => line.waiting.push({ topic, set, resolve, reject }));
    if (!line.busy) void this.send(key, partition);
    return result;
  }

  /* Sends the sets waiting for a partition in one RPC, then the next ones, until none wait. */
  private async send(key: string, partition: number): Promise<void> {
    const line = this.lines.get(key)!;
    line.busy = true;
    while (line.waiting.length > 0) {
      const batch = takeBatch(line.waiting);
      const topic = batch[0]!.topic;
      this.sent.rpcs++;
      this.sent.sets += batch.length;
      try {
        const results = await callPartition(this.env, topic, partition, (stub) =>
          stub.append(
            batch.map((q) => q.set),
            maxMessageBytes(topic),
            topicConfigText(topic),
          ),
        );
        batch.forEach((q, i) => {
          const result = results[i];
          if (result) q.resolve(result);
          else q.reject(new Error("the partition answered no result"));
        });
      } catch (e) {
        for (const q of batch) q.reject(e);
      }
    }
    line.busy = false;
    this.lines.delete(key);
  }
}

/* The first waiting sets that go in one RPC: those with the same topic metadata (the
 * limit and configs the append carries), within MAX_RPC_BYTES. */
function takeBatch(waiting: Queued[]): Queued[] {
  let n = 1;
  let bytes = waiting[0]!.set.length;
  while (
    n < waiting.length &&
    waiting[n]!.topic === waiting[0]!.topic &&
    bytes + waiting[n]!.set.length <= MAX_RPC_BYTES
  ) {
    bytes += waiting[n]!.set.length;
    n++;
  }
  return waiting.splice(0, n);
}
