/*
 * Hibernatable WebSocket subscriptions (worker/http/SubscriptionHubDO.ts), in workerd:
 * what makes an idle subscriber cost nothing. Its state lives in its socket's attachment,
 * so the hub can be evicted (its socket hibernated) and a later append still reaches the
 * subscriber, from where it was; and while nothing is appended, no call is held open on
 * the partition (the Worker-held path keeps a long poll there, readWait). Slow
 * subscribers and acks are shown here too, in-process: the close reaches the subscriber
 * with no TCP connection in between. The behaviours a client sees are tested end to end in
 * tests/e2e/subscribe.test.mjs.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer } from "../../../worker/api";
import { hubStub } from "../../../worker/durable-objects/addressing";
import {
  MAX_HUB_PARTITIONS,
  MAX_SENT_ENTRIES,
  acknowledge,
  newSubscriber,
  recordSent,
  SUBSCRIBER_HEADER,
  type Subscriber,
} from "../../../worker/http/subscriber-state";
import { topicFor } from "../../../worker/partitions/topics";
import { SLOW_SUBSCRIBER_MS } from "../../../worker/subscriptions/follow";

let topics = 0;

async function newTopic(): Promise<{ topic: string; topicId: string }> {
  const topic = `sub-hub-${Date.now()}-${topics++}`;
  await createAdmin(env).createTopic({ topic, partitions: 1 });
  return { topic, topicId: (await topicFor(env, topic)).topicId };
}

/* A WebSocket subscriber, in-process, through the Worker's route (or straight to the
 * hub, as the route forwards one, for what the route keeps for itself: ?ack=true). */
async function subscribe(
  path: string,
  straightToHub?: { topic: string; topicId: string; ack: boolean; bufferBytes: number },
) {
  let res: Response;
  if (straightToHub) {
    const { topic, topicId, ack, bufferBytes } = straightToHub;
    const subscriber = { ...newSubscriber(topic, topicId, [[0, 0]], ack, bufferBytes), protocol: false };
    res = await hubStub(env, topicId)!.fetch(
      new Request("http://hub/", {
        headers: { upgrade: "websocket", [SUBSCRIBER_HEADER]: JSON.stringify(subscriber) },
      }),
    );
  } else {
    res = await exports.default.fetch(`http://kafdo.test${path}`, { headers: { upgrade: "websocket" } });
  }
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const arrived: Array<{ message?: any; closed?: { code: number; reason: string } }> = [];
  ws.addEventListener("message", (e) => arrived.push({ message: JSON.parse(String(e.data)) }));
  ws.addEventListener("close", (e) => arrived.push({ closed: { code: e.code, reason: e.reason } }));
  async function next(ms = 5000) {
    const deadline = Date.now() + ms;
    while (arrived.length === 0) {
      if (Date.now() > deadline) throw new Error(`nothing arrived within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return arrived.shift()!;
  }
  return { ws, next, arrived };
}

/* The long polls (readWait/fetchBatchesWait) the partition holds open now. */
const heldCalls = (topicId: string) =>
  runInDurableObject(env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${topicId}/0`)), (instance) => {
    return (instance as unknown as { waiters: Set<unknown> }).waiters.size;
  });

describe("a hub's WebSocket subscriber", () => {
  it("survives the hub's eviction (its socket hibernated): the next append arrives, from where it was", async () => {
    const { topic, topicId } = await newTopic();
    const sub = await subscribe(`/topics/${topic}/subscribe`);
    const producer = createProducer(env);
    await producer.send({ topic, partition: 0, value: "before" });
    expect((await sub.next()).message).toMatchObject({ topic, partition: 0, offset: 0, value: "before" });

    const hub = env.SUBSCRIPTION_HUB!.get(env.SUBSCRIPTION_HUB!.idFromName(topicId));
    await evictDurableObject(hub);
    /* The partition too: its "watched by the hub" flag is durable. */
    await evictDurableObject(env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${topicId}/0`)));

    await producer.send({ topic, partition: 0, value: "after" });
    expect((await sub.next()).message).toMatchObject({ topic, partition: 0, offset: 1, value: "after" });
    await producer.close();
    /* A fresh instance read the subscriber back from the socket's attachment. */
    const state = await runInDurableObject(hub, (_, ctx) =>
      ctx.getWebSockets().map((ws) => ws.deserializeAttachment() as Subscriber),
    );
    expect(state).toEqual([expect.objectContaining({ topic, topicId, at: [[0, 2]], closed: false })]);
    sub.ws.close(1000);
  });

  it("holds no call open on the partition while idle", async () => {
    const { topic, topicId } = await newTopic();
    const sub = await subscribe(`/topics/${topic}/subscribe`);
    await new Promise((r) => setTimeout(r, 200));
    expect(await heldCalls(topicId)).toBe(0);
    /* ...and is still told of the next append. */
    await createProducer(env).send({ topic, partition: 0, value: "x" });
    expect((await sub.next()).message.value).toBe("x");
    sub.ws.close(1000);
  });

  it("a closed subscriber's partition is no longer watched; a new one watches it again", async () => {
    const { topic, topicId } = await newTopic();
    const watched = () =>
      runInDurableObject(env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${topicId}/0`)), (_, ctx) =>
        ctx.storage.kv.get("subscription-hub"),
      );
    const first = await subscribe(`/topics/${topic}/subscribe`);
    expect(await watched()).toEqual({ topicId, partition: 0 });
    first.ws.close(1000);
    expect((await first.next()).closed).toEqual({ code: 1000, reason: "" });
    await expect.poll(watched).toBeUndefined();
    const second = await subscribe(`/topics/${topic}/subscribe`);
    expect(await watched()).toEqual({ topicId, partition: 0 });
    second.ws.close(1000);
  });

  it("with acks: one that does not acknowledge is dropped (4429); one that does gets everything", async () => {
    const { topic, topicId } = await newTopic();
    const flowControlled = { topic, topicId, ack: true, bufferBytes: 200_000 };
    const silent = await subscribe("", flowControlled);
    const acking = await subscribe("", flowControlled);
    acking.ws.addEventListener("message", (e) => {
      const m = JSON.parse(String(e.data));
      if (m.offset !== undefined) acking.ws.send(JSON.stringify({ ack: `0:${m.offset}` }));
    });
    const big = "x".repeat(60_000);
    const producer = createProducer(env);
    for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: JSON.stringify({ big, i }) });
    await producer.close();
    const started = Date.now();
    let got = 0;
    for (;;) {
      const item = await silent.next(SLOW_SUBSCRIBER_MS + 5000);
      if (item.closed) {
        expect(item.closed).toEqual({ code: 4429, reason: "SLOW_SUBSCRIBER" });
        break;
      }
      if (item.message.error) expect(item.message.error.code).toBe("SLOW_SUBSCRIBER");
      else expect(item.message.offset).toBe(got++);
    }
    expect(got).toBe(4); /* 200 kB of 60 kB records: the 4th fills it */
    expect(Date.now() - started).toBeLessThan(SLOW_SUBSCRIBER_MS + 3000);
    const offsets = [];
    for (let i = 0; i < 10; i++) offsets.push((await acking.next()).message.offset);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    acking.ws.close(1000);
  });
});

describe("a subscriber's attachment", () => {
  it("stays under workerd's 16 KiB at worst: MAX_HUB_PARTITIONS partitions, each with unacknowledged records", async () => {
    const far = Number.MAX_SAFE_INTEGER - 1;
    const partitions = MAX_HUB_PARTITIONS;
    const s = newSubscriber(
      "t".repeat(249),
      "0123456789abcdef0123456789abcdef",
      Array.from({ length: partitions }, (_, p): [number, number] => [p, far]),
      true,
      16 << 20,
    );
    for (let i = 0; i < 1000; i++) recordSent(s, i % partitions, far - 1000 + i, 1 << 20);
    expect(s.sent.length).toBeLessThanOrEqual(partitions);
    const hub = env.SUBSCRIPTION_HUB!.get(env.SUBSCRIPTION_HUB!.idFromName("attachment-size"));
    await runInDurableObject(hub, (_, ctx) => {
      const [, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      ctx.acceptWebSocket(server);
      server.serializeAttachment(s); /* throws past 16 KiB */
      server.close(1000);
    });
  });

  it("folds what was sent past MAX_SENT_ENTRIES, and frees it only when the later offset is acknowledged", () => {
    const s = newSubscriber("t", "id", [[0, 0]], true, 1 << 20);
    for (let o = 0; o <= MAX_SENT_ENTRIES; o++) recordSent(s, 0, o, 10);
    expect(s.sent.length).toBe(MAX_SENT_ENTRIES);
    expect(s.unacked).toBe(10 * (MAX_SENT_ENTRIES + 1));
    acknowledge(s, "0:0");
    expect(s.unacked).toBe(10 * (MAX_SENT_ENTRIES + 1)); /* offset 0 was folded into offset 1 */
    acknowledge(s, "0:1");
    expect(s.unacked).toBe(10 * (MAX_SENT_ENTRIES - 1));
    acknowledge(s, `0:${MAX_SENT_ENTRIES}`);
    expect([s.unacked, s.sent]).toEqual([0, []]);
    expect(() => acknowledge(s, "nonsense")).toThrow(/resumption cursor/);
  });
});
