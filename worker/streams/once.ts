/*
 * once.ts — running a pipeline once: what is in the topic now, and stop.
 *
 * The end is fixed when the run starts (each partition's high watermark then), so a
 * run finishes however fast records arrive. Where each partition starts:
 *   - a named pipeline (stream(env, t, { name }) or kafka`orders group <name>`) at the
 *     offset committed to the consumer group of that name, when there is one: where
 *     its last run stopped;
 *   - otherwise at the stream's start: the log start (the default), the high
 *     watermark, or the first record at or after a time.
 * Partitions are read in rounds (one read of each, in parallel) and their records run
 * through the steps in event-time order (input.ts's takeInTimeOrder), each partition's
 * in offset order.
 *
 * A named run commits its end offsets to its group after its last output is written,
 * with no member and generation -1 (Kafka's commit from outside group management; the
 * group refuses it while consumers are members of it). A run that fails before the
 * commit has written some outputs and commits nothing: the next run reads those
 * records again (at least once). Exactly once is a hosted pipeline's (PipelineDO.ts).
 * Windows in a run once are that run's: every window still open at the end is
 * emitted with what the run read.
 */
import { createAdmin, createProducer, partitionOffsets } from "../api";
import { commitOffsets, committedOffsets } from "../api/groups";
import { typedEnv, type KafdoBindings } from "../durable-objects/bindings";
import type { ProducerMessage } from "../common/api";
import { READ_LIMIT, readFrom, startOffset, takeInTimeOrder, type PartitionBatch } from "./input";
import { sinkMessage } from "./output";
import { Processor, type Emit, type Step, type StreamRecord } from "./processor";
import type { Plan, RunSummary, Source } from "./plan";

/* Outputs sent together. */
const WRITE_BATCH = 500;

interface Position {
  partition: number;
  next: number;
  end: number;
}

async function positions(env: KafdoBindings, source: Source): Promise<Position[]> {
  const { partitions } = await createAdmin(env).describeTopic(source.topic);
  const committed = source.name
    ? await committedOffsets(
        typedEnv(env),
        source.name,
        partitions.map(({ partition }) => ({ topic: source.topic, partition })),
      )
    : [];
  return Promise.all(
    partitions.map(async ({ partition }) => {
      const { latest } = await partitionOffsets(env, source.topic, partition);
      const c = committed.find((o) => o.partition === partition && o.topic === source.topic);
      const next =
        c && c.offset >= 0 ? Math.min(c.offset, latest) : await startOffset(env, source.topic, partition, source.start);
      return { partition, next, end: latest };
    }),
  );
}

/* Reads every partition from its start to its end through the steps; emit gets what
 * comes out. `done` runs after the last output, before a named run commits. */
async function runOnce(
  source: Source,
  steps: readonly Step[],
  emit: Emit,
  done: () => Promise<void> = async () => {},
): Promise<Omit<RunSummary, "written">> {
  const env = source.bindings();
  const pos = await positions(env, source);
  const processor = new Processor(steps, emit);
  const batches: PartitionBatch[] = pos.map(() => ({ records: [], next: 0, more: true }));
  let read = 0;
  for (;;) {
    /* every partition that is not at its end has records here before any is taken; one
     * running low is read ahead with them, so the partitions' reads go together */
    const low = pos.filter((p, i) => batches[i]!.records.length < READ_LIMIT / 2 && p.next < p.end);
    if (low.length === 0 && batches.every((b) => b.records.length === 0)) break;
    await Promise.all(
      low.map(async (p) => {
        const batch = await readFrom(env, source.topic, p.partition, p.next, p.end);
        const i = pos.indexOf(p);
        p.next = Math.min(batch.next, p.end);
        batches[i] = { records: [...batches[i]!.records, ...batch.records], next: p.next, more: p.next < p.end };
      }),
    );
    if (batches.some((b, i) => b.records.length === 0 && pos[i]!.next < pos[i]!.end)) continue;
    for (const r of takeInTimeOrder(batches)) {
      read++;
      await processor.push(r);
    }
  }
  await processor.endBatch(true);
  await done();
  const offsets = pos.map((p) => ({ partition: p.partition, offset: p.next }));
  if (source.name) {
    await commitOffsets(
      typedEnv(env),
      source.name,
      "",
      -1,
      offsets.map((o) => ({ topic: source.topic, ...o })),
    );
  }
  return { read, offsets };
}

/* await stream.to(topic) / .branch(...): the outputs written in batches as they come. */
export async function runToSink(plan: Plan): Promise<RunSummary> {
  const producer = createProducer(plan.source.bindings());
  let pending: ProducerMessage[] = [];
  let written = 0;
  const send = async () => {
    const batch = pending;
    pending = [];
    if (batch.length > 0) written += (await producer.sendBatch(batch)).length;
  };
  try {
    const summary = await runOnce(
      plan.source,
      plan.steps,
      async (r) => {
        const m = await sinkMessage(plan.sink, r);
        if (m) pending.push(m);
        if (pending.length >= WRITE_BATCH) await send();
      },
      send,
    );
    return { ...summary, written };
  } finally {
    await producer.close();
  }
}

/* .collect(): the values that come out. */
export async function runCollect(plan: Omit<Plan, "sink">): Promise<unknown[]> {
  const values: unknown[] = [];
  await runOnce(plan.source, plan.steps, (r) => {
    values.push(r.value);
  });
  return values;
}

/* .reduce(fn, initial?): the values folded. */
export async function runFold(
  plan: Omit<Plan, "sink">,
  fn: (acc: unknown, value: unknown, record: StreamRecord) => unknown,
  hasInitial: boolean,
  initial: unknown,
): Promise<unknown> {
  let acc = initial;
  let started = hasInitial;
  await runOnce(plan.source, plan.steps, async (r) => {
    if (!started) {
      acc = r.value;
      started = true;
    } else acc = await fn(acc, r.value, r);
  });
  return acc;
}
