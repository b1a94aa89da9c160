/*
 * Push consumers: a subscription whose target is a second Worker behind a service
 * binding (PUSH_TARGET, tests/worker/fixtures/push-target.mjs, declared in
 * vitest.config.ts). Kafdo's delivery object calls the target's RPC method with each
 * partition's records as one batch; the target fails on purpose, and the tests
 * check against what was produced that every record was acknowledged or
 * dead-lettered, none lost, none out of order within its partition; that the
 * concurrency bound holds; and that bad settings are refused with nothing stored.
 */
import { env, exports } from "cloudflare:workers";
import { KafdoClient, KafdoClientError } from "kafdo/client";
import { afterEach, describe, expect, it } from "vitest";
import { createAdmin, createProducer, readPartition } from "../../../worker/api";
import { committedOffsets } from "../../../worker/api/groups";
import type { WebhookSubscriptionInfo } from "../../../worker/integrations/webhook-subscriptions";
import { call, enc, expectError, get, post } from "../http/helpers";

interface Acked {
  partition: number;
  attempt: number;
  records: { offset: number; key: string | null; value: { i: number; poison?: boolean } }[];
}
interface PushTarget {
  configure(groupId: string, policy: Record<string, unknown>): Promise<void>;
  received(groupId: string): Promise<{ acked: Acked[]; attempts: number; maxInFlight: number }>;
}
const target = (env as unknown as { PUSH_TARGET: PushTarget }).PUSH_TARGET;

let names = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${names++}`;
const TEST_MS = 120000;
const subscriptions: string[] = [];

afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((g) => call("DELETE", `/webhook-subscriptions/${enc(g)}`)));
});

async function subscribe(settings: Record<string, unknown>): Promise<WebhookSubscriptionInfo> {
  const res = await post("/webhook-subscriptions", settings);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  subscriptions.push(settings.groupId as string);
  return res.body;
}

async function describeSub(groupId: string): Promise<WebhookSubscriptionInfo> {
  const res = await get(`/webhook-subscriptions/${enc(groupId)}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function until(what: string, probe: () => Promise<boolean>, tries = 2400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

/* Every record of every partition of `topic`, in offset order. */
async function readAll(topic: string) {
  const { partitions } = await createAdmin(env).describeTopic(topic);
  const out = [];
  for (const { partition } of partitions) {
    for (let offset = 0; ;) {
      const read = await readPartition(env, topic, partition, { offset, limit: 1000 });
      out.push(...read.records.map((r) => ({ partition, ...r })));
      if (read.records.length === 0 || read.records.at(-1)!.offset + 1 >= read.highWatermark) break;
      offset = read.records.at(-1)!.offset + 1;
    }
  }
  return out;
}

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe("push consumers: a service-binding target", () => {
  it(
    "delivers 10,000 records to a second Worker that fails on purpose: retries, dead-letters, loses and reorders nothing, within the concurrency bound",
    async () => {
      const topic = fresh("push-orders");
      const groupId = fresh("push-group");
      const PARTITIONS = 4;
      const TOTAL = 10000;
      const POISON = new Set([1234, 5000, 8765]);
      await createAdmin(env).createTopic({ topic, partitions: PARTITIONS });
      await target.configure(groupId, { failFirstAttemptWhen: "even", poison: true, delayMs: 2 });

      /* What was produced, by partition, in offset order. */
      const produced = new Map<number, { offset: number; i: number }[]>();
      const producer = createProducer(env);
      for (let start = 0; start < TOTAL; start += 1000) {
        const batch = Array.from({ length: 1000 }, (_, j) => {
          const i = start + j;
          return { topic, partition: i % PARTITIONS, key: `k${i}`, value: POISON.has(i) ? { i, poison: true } : { i } };
        });
        const meta = await producer.sendBatch(batch);
        meta.forEach((m, j) => {
          const list = produced.get(m.partition) ?? [];
          list.push({ offset: m.offset, i: start + j });
          produced.set(m.partition, list);
        });
      }
      await producer.close();

      const sub = await subscribe({
        groupId,
        topic,
        target: { type: "service", binding: "PUSH_TARGET" },
        maxAttempts: 3,
        backoffMs: 5,
        maxBackoffMs: 20,
        maxPollRecords: 200,
        concurrency: 2,
      });
      expect(sub).toMatchObject({
        target: { type: "service", binding: "PUSH_TARGET", method: "deliver" },
        concurrency: 2,
      });
      expect(sub).not.toHaveProperty("url");

      await until("every record delivered or dead-lettered", async () => {
        const s = (await describeSub(groupId)).status;
        return s.delivered + s.deadLettered >= TOTAL;
      });
      /* Committed after success: every partition's offset at its end. */
      await until("every partition committed to its end", async () => {
        const offsets = (await committedOffsets(env, groupId)).filter((o) => o.topic === topic);
        return offsets.length === PARTITIONS && offsets.every((o) => o.offset === produced.get(o.partition)!.length);
      });

      const got = await target.received(groupId);
      const dead = await readAll(`${topic}.dlq`);
      const status = (await describeSub(groupId)).status;
      expect(status.retrying).toEqual([]);
      expect(status.failedAttempts).toBeGreaterThan(0);
      expect(status.deadLettered).toBe(dead.length);
      expect(dead.length).toBeGreaterThan(0);

      for (const [partition, records] of produced) {
        /* What the target acknowledged of this partition, first sightings only
         * (at least once allows a batch again), must rise strictly: never reordered. */
        const seen = new Map<number, number>();
        for (const batch of got.acked.filter((b) => b.partition === partition)) {
          for (const r of batch.records) if (!seen.has(r.offset)) seen.set(r.offset, r.value.i);
        }
        const offsets = [...seen.keys()];
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));

        const deadHere = new Map<number, number>();
        for (const d of dead) {
          const h = Object.fromEntries(d.headers.map((x) => [x.key, text(x.value)]));
          if (h["kafdo-dlq-partition"] !== String(partition)) continue;
          expect(h["kafdo-dlq-url"]).toBe("service:PUSH_TARGET.deliver");
          expect(h["kafdo-dlq-attempts"]).toBe("3");
          expect(h["kafdo-dlq-error"]).toContain("poison record");
          deadHere.set(Number(h["kafdo-dlq-offset"]), (JSON.parse(text(d.value)!) as { i: number }).i);
        }
        /* Nothing lost: each produced record was acknowledged or dead-lettered, as
         * it was produced (its value), and nothing else was. */
        for (const { offset, i } of records) {
          const where = seen.has(offset) ? seen.get(offset) : deadHere.get(offset);
          expect(where, `partition ${partition} offset ${offset}`).toBe(i);
        }
        expect(seen.size + deadHere.size).toBe(records.length);
        for (const offset of deadHere.keys()) expect(seen.has(offset)).toBe(false);
      }
      /* Every poison record is dead-lettered, never acknowledged. */
      const deadValues = dead.map((d) => (JSON.parse(text(d.value)!) as { i: number }).i);
      for (const i of POISON) expect(deadValues).toContain(i);
      /* Retries: first attempts failed and were delivered again. */
      expect(got.acked.some((b) => b.attempt > 1)).toBe(true);
      /* The concurrency bound: at most 2 deliveries at once, and it was reached. */
      expect(got.maxInFlight).toBe(2);
    },
    TEST_MS,
  );

  it("delivers to a named method", async () => {
    const topic = fresh("push-named");
    const groupId = fresh("push-named-group");
    await createProducer(env).sendBatch([0, 1, 2].map((i) => ({ topic, value: { i } })));
    await subscribe({ groupId, topic, target: { type: "service", binding: "PUSH_TARGET", method: "take" } });
    await until("3 delivered", async () => (await describeSub(groupId)).status.delivered === 3);
    const got = await target.received(groupId);
    expect(got.acked.flatMap((b) => b.records.map((r) => r.value.i))).toEqual([0, 1, 2]);
  });

  it("waits, dead-lettering nothing, while the target lacks the method", async () => {
    const topic = fresh("push-missing");
    const groupId = fresh("push-missing-group");
    await createProducer(env).sendBatch([{ topic, value: { i: 0 } }]);
    await subscribe({
      groupId,
      topic,
      maxAttempts: 1,
      target: { type: "service", binding: "PUSH_TARGET", method: "nothere" },
    });
    await until("the error is told", async () =>
      ((await describeSub(groupId)).status.lastError ?? "").includes("nothere"),
    );
    const status = (await describeSub(groupId)).status;
    expect(status).toMatchObject({ delivered: 0, deadLettered: 0 });
    expect(status.lastError).toContain("service:PUSH_TARGET.nothere cannot be called");
    expect(await createAdmin(env).listTopics()).not.toContain(`${topic}.dlq`);
  });

  it("refuses bad targets precisely, and stores nothing", async () => {
    const groupId = fresh("push-refused");
    const base = { groupId, topic: fresh("t") };
    const service = (t: Record<string, unknown>) => ({ ...base, target: { type: "service", ...t } });
    const cases: [unknown, string][] = [
      [service({ binding: "NO_SUCH_BINDING" }), 'target.binding "NO_SUCH_BINDING" is not a binding of this Worker'],
      [service({ binding: "WEBHOOK_DELIVERY" }), 'target.binding "WEBHOOK_DELIVERY" is not a service binding'],
      [service({ binding: "KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS" }), "is not a service binding"],
      [service({ binding: "not a name" }), "target.binding must be the name of a service binding"],
      [service({}), "target.binding must be the name of a service binding"],
      [service({ binding: "PUSH_TARGET", method: "fetch" }), 'target.method "fetch" is not an RPC method'],
      [service({ binding: "PUSH_TARGET", method: "then" }), 'target.method "then" is not an RPC method'],
      [service({ binding: "PUSH_TARGET", method: "de-liver" }), "target.method must be the name of an RPC method"],
      [service({ binding: "PUSH_TARGET", method: "" }), "target.method must be the name of an RPC method"],
      [service({ binding: "PUSH_TARGET", url: "https://x.test/" }), 'a service target has no setting "url"'],
      [{ ...base, target: { type: "queue" } }, "body.target.type"],
      [
        { ...base, url: "https://x.test/", target: { type: "http", url: "https://x.test/" } },
        "give url or target, not both",
      ],
      [
        { ...base, target: { type: "http", url: "ftp://x.test/" } },
        'target.url "ftp://x.test/" is not http: or https:',
      ],
      [{ ...base, target: { type: "http", binding: "PUSH_TARGET" } }, 'a http target has no setting "binding"'],
      [{ ...service({ binding: "PUSH_TARGET" }), secret: "s" }, "secret signs HTTP deliveries"],
      [{ ...service({ binding: "PUSH_TARGET" }), concurrency: 0 }, "concurrency"],
      [{ ...service({ binding: "PUSH_TARGET" }), concurrency: 1001 }, "concurrency"],
    ];
    for (const [body, says] of cases) {
      expectError(await post("/webhook-subscriptions", body), 400, "INVALID_REQUEST", says);
    }
    expectError(await get(`/webhook-subscriptions/${enc(groupId)}`), 404, "GROUP_ID_NOT_FOUND");
    const listed = (await get("/webhook-subscriptions")).body.subscriptions.map(
      (s: WebhookSubscriptionInfo) => s.groupId,
    );
    expect(listed).not.toContain(groupId);
    expect(await createAdmin(env).listTopics()).not.toContain(base.topic);
  });

  it("takes an http target in the target form, and shows it as url", async () => {
    const groupId = fresh("push-http");
    const sub = await subscribe({
      groupId,
      topic: fresh("t"),
      target: { type: "http", url: "https://example.test/h" },
    });
    expect(sub.url).toBe("https://example.test/h");
    expect(sub).not.toHaveProperty("target");
    expect(sub).not.toHaveProperty("concurrency");
  });
});

describe("push subscriptions from kafdo/client", () => {
  it("creates, describes, lists and deletes a service-target subscription; refuses an unknown binding", async () => {
    const client = new KafdoClient({
      baseUrl: "http://kafdo.test",
      fetch: (input, init) => exports.default.fetch(input, init),
    });
    const subs = client.subscriptions();
    const groupId = fresh("push-client");
    const topic = fresh("push-client-t");
    await createProducer(env).sendBatch([{ topic, value: { i: 0 } }]);
    const made = await subs.create({ groupId, topic, target: { type: "service", binding: "PUSH_TARGET" } });
    expect(made.target).toEqual({ type: "service", binding: "PUSH_TARGET", method: "deliver" });
    await until("delivered", async () => (await subs.describe(groupId)).status.delivered === 1);
    expect((await subs.list()).map((s) => s.groupId)).toContain(groupId);
    await subs.delete(groupId);
    await expect(subs.describe(groupId)).rejects.toMatchObject({ code: "GROUP_ID_NOT_FOUND" });
    const refused = await subs.create({ groupId, topic, target: { type: "service", binding: "NOPE" } }).catch((e) => e);
    expect(refused).toBeInstanceOf(KafdoClientError);
    expect(refused).toMatchObject({ code: "INVALID_REQUEST" });
    expect(refused.message).toContain('target.binding "NOPE" is not a binding of this Worker');
    await expect(subs.describe(groupId)).rejects.toMatchObject({ code: "GROUP_ID_NOT_FOUND" });
  });
});
