/*
 * Running a pipeline once: to the topic's end as it was when the run started, from a
 * time, and a named pipeline resuming where its last run stopped (its offsets in the
 * consumer group of its name).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer, kafka, stream } from "kafdo";
import { describeGroup } from "../../../worker/api/groups";
import { sorted, values } from "./topic-contents";

let n = 0;
async function filled(count: number, partitions = 3, from = 0, timestamp?: (i: number) => number) {
  const topic = `once-${n++}`;
  await createAdmin(env).createTopic({ topic, partitions });
  await more(topic, count, from, timestamp);
  return topic;
}

async function more(topic: string, count: number, from: number, timestamp?: (i: number) => number) {
  const producer = createProducer(env);
  await producer.sendBatch(
    Array.from({ length: count }, (_, j) => {
      const i = from + j;
      return { topic, key: `k${i % 7}`, value: { i }, ...(timestamp ? { timestamp: timestamp(i) } : {}) };
    }),
  );
  await producer.close();
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ({ i: from + k }));

describe("running a pipeline once", { timeout: 60_000 }, () => {
  it("a named pipeline resumes where its last run stopped", async () => {
    const topic = await filled(50);
    const run = () =>
      stream(env, topic, { name: `${topic}-copier` })
        .map((v: { i: number }) => v)
        .to(`${topic}-copy`);
    const first = await run();
    expect(first).toMatchObject({ read: 50, written: 50 });
    await more(topic, 30, 50);
    const second = await run();
    expect(second).toMatchObject({ read: 30, written: 30 });
    expect(await run()).toMatchObject({ read: 0, written: 0 });
    expect(sorted(await values(`${topic}-copy`))).toEqual(sorted(range(0, 80)));
    /* the offsets are the group's: committed at each partition's end */
    const group = await describeGroup(env, `${topic}-copier`);
    expect(group.offsets.reduce((s, o) => s + o.offset, 0)).toBe(80);
    expect(group.offsets.every((o) => o.lag === 0)).toBe(true);
  });

  it("kafka`<topic> group <name>` names the pipeline; a bare topic reads all of it each time", async () => {
    const topic = await filled(20);
    const group = `${topic}-g`;
    expect((await kafka`${topic} group ${group}`.collect()).length).toBe(20);
    await more(topic, 5, 20);
    expect(sorted(await kafka`${topic} group ${group}`.collect())).toEqual(sorted(range(20, 25)));
    expect((await kafka`${topic}`.collect()).length).toBe(25);
  });

  it("from a time: each partition from its first record at or after it", async () => {
    const T = Date.UTC(2026, 5, 1);
    const topic = await filled(40, 2, 0, (i) => T + i * 1000);
    const since = await stream(env, topic, { from: T + 30_000 }).collect();
    expect(sorted(since)).toEqual(sorted(range(30, 40)));
    expect(sorted(await kafka`${topic} since ${new Date(T + 35_000)}`.collect())).toEqual(sorted(range(35, 40)));
  });

  it("flatMap, selectKey, tap, reduce and aggregate", async () => {
    const topic = await filled(30, 2);
    const tapped: number[] = [];
    const pairs = await stream(env, topic)
      .flatMap((v: { i: number }) => (v.i % 2 ? [v.i, -v.i] : []))
      .tap((x: number) => void tapped.push(x))
      .collect();
    expect(pairs.length).toBe(30);
    expect(sorted(tapped)).toEqual(sorted(pairs));
    const total = await stream(env, topic).reduce((s: number, v: { i: number }) => s + v.i, 0);
    expect(total).toBe((29 * 30) / 2);

    await stream(env, topic)
      .selectKey((v: { i: number }) => `mod${v.i % 3}`)
      .to(`${topic}-rekeyed`);
    const { contents } = await import("./topic-contents");
    for (const r of await contents(`${topic}-rekeyed`)) expect(r.key).toBe(`mod${(r.value as { i: number }).i % 3}`);

    const sums = await stream(env, topic)
      .groupBy((v: { i: number }) => v.i % 3)
      .aggregate(
        () => 0,
        (s: number, v: { i: number }) => s + v.i,
      )
      .collect();
    expect(sorted(sums)).toEqual(
      sorted(
        [0, 1, 2].map((k) => ({
          key: k,
          value: range(0, 30)
            .filter((v) => v.i % 3 === k)
            .reduce((s, v) => s + v.i, 0),
        })),
      ),
    );
    const maxes = await stream(env, topic)
      .groupBy(() => "all")
      .reduce((a: { i: number }, b: { i: number }) => (a.i > b.i ? a : b))
      .collect();
    expect(maxes).toEqual([{ key: "all", value: { i: 29 } }]);
  });
});
