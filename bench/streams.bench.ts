/*
 * streams.bench.ts — records/s through the stream DSL run once (worker/streams/),
 * beside the in-Worker consumer and producer doing the same by hand, in workerd with
 * real Durable Object SQLite. Prints figures; never passes or fails on time.
 *
 *   npx vitest run --config bench/streams.config.ts
 *
 * Two workloads over the same N records (4 partitions, ~100-byte JSON values with
 * event times 10 ms apart, produced untimed):
 *   - filter/map/to: keep 3 in 4, add a field, write to another topic;
 *   - windowed count: per user (16 users) per 1-second tumbling window, results
 *     written to another topic.
 * The hand version is what a user writes without the DSL: a consumer in a group of
 * its own from the beginning (poll 500, commitSync per poll) and a producer's
 * sendBatch per poll, the window arithmetic inline. Each figure is N over the time
 * from the run's start to its last output acknowledged.
 */
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { createAdmin, createConsumer, createProducer, stream } from "../worker/kafdo";

const N = 20000;
const PARTITIONS = 4;
const T0 = Date.UTC(2026, 0, 1);
let names = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${names++}`;

interface Event {
  i: number;
  user: string;
  amount: number;
  pad: string;
}

async function filled(): Promise<string> {
  const topic = fresh("bench-streams");
  await createAdmin(env).createTopic({ topic, partitions: PARTITIONS });
  const producer = createProducer(env);
  const pad = "x".repeat(50);
  for (let start = 0; start < N; start += 1000) {
    await producer.sendBatch(
      Array.from({ length: Math.min(1000, N - start) }, (_, j) => {
        const i = start + j;
        return {
          topic,
          partition: i % PARTITIONS,
          key: `k${i % 97}`,
          timestamp: T0 + i * 10,
          value: { i, user: `u${i % 16}`, amount: i % 200, pad },
        };
      }),
    );
  }
  await producer.close();
  return topic;
}

const perSecond = (n: number, ms: number) =>
  `${Math.round((n * 1000) / ms).toLocaleString("en")} records/s (${n} in ${ms} ms)`;

async function timed(fn: (topic: string) => Promise<unknown>): Promise<number> {
  const topic = await filled();
  const t0 = Date.now();
  await fn(topic);
  return Date.now() - t0;
}

/* The consumer-and-producer loop a user writes by hand; `each` turns a poll's records into outputs. */
async function byHand(
  topic: string,
  each: (records: { value: unknown; key: unknown; timestamp: number }[]) => object[],
) {
  const consumer = createConsumer(env, {
    groupId: fresh("bench-hand"),
    fromBeginning: true,
    autoCommit: false,
    maxPollRecords: 500,
  });
  const producer = createProducer(env);
  await consumer.subscribe(topic);
  let got = 0;
  while (got < N) {
    const records = await consumer.poll(1000);
    got += records.length;
    const out = each(records);
    if (out.length > 0) await producer.sendBatch(out as never);
    if (records.length > 0) await consumer.commitSync();
  }
  const rest = each([]);
  if (rest.length > 0) await producer.sendBatch(rest as never);
  await consumer.close();
  await producer.close();
}

it("stream DSL vs consumer + producer by hand", async () => {
  const filterMapDsl = await timed((topic) =>
    stream(env, topic)
      .filter((e: Event) => e.amount % 4 !== 0)
      .map((e: Event) => ({ ...e, tier: "premium" }))
      .to(`${topic}-out`),
  );
  const filterMapHand = await timed((topic) =>
    byHand(topic, (records) =>
      records
        .filter((r) => (r.value as Event).amount % 4 !== 0)
        .map((r) => ({ topic: `${topic}-out`, key: r.key, value: { ...(r.value as Event), tier: "premium" } })),
    ),
  );
  const windowDsl = await timed((topic) =>
    stream(env, topic)
      .window("1 second")
      .groupBy((e: Event) => e.user)
      .count()
      .to(`${topic}-out`),
  );
  /* by hand: counts per (window, user), all written at the end (no lateness rule) */
  const windowHand = await timed((topic) => {
    const counts = new Map<string, number>();
    return byHand(topic, (records) => {
      for (const r of records) {
        const id = `${Math.floor(r.timestamp / 1000) * 1000}/${(r.value as Event).user}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      if (records.length > 0) return [];
      return [...counts].map(([id, count]) => {
        const [start, user] = id.split("/");
        return { topic: `${topic}-out`, key: user, value: { key: user, windowStart: Number(start), count } };
      });
    });
  });
  console.log(
    [
      `\nStream processing, ${N} records over ${PARTITIONS} partitions (workerd, local; run once):`,
      `filter/map/to, stream DSL:                        ${perSecond(N, filterMapDsl)}`,
      `filter/map/to, consumer + producer by hand:       ${perSecond(N, filterMapHand)}`,
      `windowed count (1 s, 16 users), stream DSL:       ${perSecond(N, windowDsl)}`,
      `windowed count (1 s, 16 users), consumer + producer by hand: ${perSecond(N, windowHand)}`,
    ].join("\n"),
  );
});
