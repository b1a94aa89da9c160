/*
 * Pipelines hosted by a PipelineDO (pipelines-worker.ts): woken by alarms, and killed
 * at every point of a step — after its commit and before its send, halfway through its
 * send, and while a step is in flight — by evicting the object (its memory is lost,
 * its SQLite kept, as in a crash). Every input record must count exactly once.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer } from "kafdo";
import { expectKafdoError } from "../../helpers";
import { contents, sorted } from "../topic-contents";
import { events, MINUTE, random, reference, SECOND, type Event } from "../window-reference.mjs";
import { pipelineStub, type PipelinesEnv } from "./pipelines-worker";

const penv = env as unknown as PipelinesEnv;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function produce(topic: string, messages: { value: unknown; timestamp?: number; partition?: number }[]) {
  const producer = createProducer(env);
  for (let i = 0; i < messages.length; i += 500) {
    await producer.sendBatch(messages.slice(i, i + 500).map((m) => ({ topic, ...m })));
  }
  await producer.close();
}

const outputTag = (r: { headers: Record<string, unknown> }) => r.headers["kafdo-pipeline-output"] as string;

describe("a pipeline hosted by a PipelineDO", { timeout: 120_000 }, () => {
  it("started, it is woken by its alarm and keeps up with appends", async () => {
    await createAdmin(env).createTopic({ topic: "orders", partitions: 3 });
    const orders = Array.from({ length: 300 }, (_, i) => ({ id: i, amount: (i * 41) % 200 }));
    await produce(
      "orders",
      orders.slice(0, 200).map((value) => ({ value })),
    );
    const stub = pipelineStub(penv, "orders");
    expect((await stub.start()).running).toBe(true);
    const caughtUp = async (n: number) => {
      for (let i = 0; i < 300; i++) {
        const s = await stub.status();
        if (s.read === n && s.pending === 0) return s;
        await sleep(100);
      }
      throw new Error(`not caught up: ${JSON.stringify(await stub.status())}`);
    };
    await caughtUp(200);
    await produce(
      "orders",
      orders.slice(200).map((value) => ({ value })),
    );
    const status = await caughtUp(300);
    const expected = orders.filter((o) => o.amount > 100).map((o) => ({ ...o, tier: "premium" }));
    const out = await contents("high-value-orders");
    expect(sorted(out.map((r) => r.value))).toEqual(sorted(expected));
    expect(status.written).toBe(expected.length);
    expect(new Set(out.map(outputTag)).size).toBe(out.length);
    expect((await stub.stop()).running).toBe(false);

    /* a count per key over the same input: each key's last output is its count */
    const buckets = penv.AMOUNT_BUCKETS.get(penv.AMOUNT_BUCKETS.idFromName("buckets"));
    for (let i = 0; i < 100 && (await buckets.status()).read < orders.length; i++) await buckets.step();
    const latest = new Map<string, number>();
    for (const r of await contents("amount-buckets")) {
      const v = r.value as { key: string; count: number };
      expect(v.count).toBeGreaterThan(latest.get(v.key) ?? 0);
      latest.set(v.key, v.count);
    }
    const want = new Map<string, number>();
    for (const o of orders) want.set(`bucket-${o.amount % 3}`, (want.get(`bucket-${o.amount % 3}`) ?? 0) + 1);
    expect(latest).toEqual(want);
    expect((await buckets.status()).entries).toBe(3);
  });

  it("a pipeline whose window does not parse is refused at start(), and nothing runs", async () => {
    const stub = penv.BAD_WINDOW.get(penv.BAD_WINDOW.idFromName("bad"));
    /* called inside the object: workerd logs an exception thrown out of an RPC method as
     * uncaught (worker/durable-objects/rpc.ts), which the test runner counts as an error */
    const err = await expectKafdoError(
      () => runInDurableObject(stub, (pipeline) => pipeline.start()),
      "INVALID_CONFIG",
    );
    expect(err.message).toMatch(/window size "5 minutez" is not a duration/);
    expect(await stub.status()).toMatchObject({ running: false, read: 0, offsets: [] });
    await expectKafdoError(() => createAdmin(env).describeTopic("never-written"), "UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("killed at every point of its steps, it counts every record exactly once", async () => {
    /* one partition: the reference reads the records in the order the pipeline does */
    const input: Event[] = events(2000, 42);
    const last = Math.max(...input.map((e) => e.ts));
    /* a click far later than all closes every window the others are in */
    const closer: Event = { user: "closer", ts: last + 10 * MINUTE };
    await createAdmin(env).createTopic({ topic: "clicks", partitions: 1 });
    await produce(
      "clicks",
      [...input, closer].map((e) => ({ value: e, timestamp: e.ts })),
    );
    const all = reference([...input, closer], MINUTE, MINUTE, 20 * SECOND);
    const expected = new Map([...all].filter(([id]) => !id.startsWith("closer@")));

    const stub = pipelineStub(penv, "clicks");
    const next = random(7);
    const kills = { afterCommit: 0, midSend: 0, inFlight: 0, none: 0 };
    for (let round = 0; round < 500; round++) {
      const s = await stub.status();
      if (s.offsets[0]?.offset === input.length + 1 && s.pending === 0) break;
      const r = next();
      if (r < 0.25) {
        kills.none++;
        await stub.step();
      } else if (r < 0.5) {
        kills.afterCommit++;
        await stub.commitStep();
        await evictDurableObject(stub);
      } else if (r < 0.75) {
        kills.midSend++;
        await stub.commitStep();
        await stub.sendOutbox(Math.floor(next() * 30));
        await evictDurableObject(stub);
      } else {
        kills.inFlight++;
        const step = stub.step().catch(() => undefined);
        await sleep(next() * 40);
        await evictDurableObject(stub);
        await step;
      }
    }
    const status = await stub.status();
    expect(status.offsets).toEqual([{ partition: 0, offset: input.length + 1 }]);
    expect(status.pending).toBe(0);
    expect(status.read).toBe(input.length + 1);
    for (const k of Object.values(kills)) expect(k).toBeGreaterThan(0);

    const out = await contents("click-counts");
    expect(new Set(out.map(outputTag)).size).toBe(out.length);
    const got = new Map<string, number>();
    for (const r of out) {
      const v = r.value as { key: string; windowStart: number; count: number };
      const id = `${v.key}@${v.windowStart}`;
      expect(got.has(id), `${id} emitted twice`).toBe(false);
      got.set(id, v.count);
    }
    expect(got).toEqual(expected);
    /* the closer's window is still open: its count is state, not output */
    expect(status.entries).toBe(1);
  });
});
