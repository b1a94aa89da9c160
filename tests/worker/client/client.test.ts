/*
 * kafdo/client inside workerd: KafdoClient runs in a Worker with nothing but fetch.
 * Here its fetch is this Worker's own HTTP front (exports.default.fetch), and then a
 * second Worker's service binding to KafdoService (the REST API through the binding's
 * fetch), so the whole client — producer, consumer with its heartbeat timer, admin,
 * errors — runs in the Workers runtime against the real Durable Objects.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError } from "kafdo/client";
import { inspectBatches } from "../../../wasm/kafdo";
import { createAdmin } from "../../../worker/api";
import { partitionStub } from "../../../worker/durable-objects/addressing";

const local = () =>
  new KafdoClient({ baseUrl: "http://kafdo.test", fetch: (input, init) => exports.default.fetch(input, init) });

describe("KafdoClient in a Worker", () => {
  it("produces, consumes in a group, commits and administers", async () => {
    const client = local();
    expect(await client.health()).toEqual({ status: "ok" });
    const admin = client.admin();
    await admin.createTopic({ topic: "wc-events", partitions: 2 });

    const producer = client.producer({ defaultTopic: "wc-events" });
    const sent = await producer.sendBatch([
      { key: "a", value: { n: 1 }, partition: 1 },
      { key: "b", value: new Uint8Array([0xff, 0, 0x80]), headers: { h: "v" }, partition: 1 },
    ]);
    expect(sent.map((m) => m.offset)).toEqual([0, 1]);

    const consumer = client.consumer({ groupId: "wc-group", topics: ["wc-events"], heartbeatIntervalMs: 50 });
    const joined = await consumer.connect();
    expect(joined.assignment).toHaveLength(2);
    const { messages, nextOffset } = await consumer.fetch("wc-events", 1, { offset: 0 });
    expect(messages.map((m) => m.key)).toEqual(["a", "b"]);
    expect(messages[0]!.value).toEqual({ n: 1 });
    expect([...(messages[1]!.value as Uint8Array)]).toEqual([0xff, 0, 0x80]);
    expect(messages[1]!.headers).toEqual({ h: "v" });
    expect(nextOffset).toBe(2);
    await consumer.commit();
    expect(await consumer.getOffsets("wc-events", 1)).toEqual({
      topic: "wc-events",
      partition: 1,
      earliest: 0,
      latest: 2,
      lastStableOffset: 2,
    });
    await consumer.disconnect();

    const group = await admin.describeGroup("wc-group");
    expect(group.state).toBe("Empty");
    expect(group.offsets.map((o) => [o.partition, o.offset])).toEqual([[1, 2]]);
    expect((await admin.listOffsets("wc-events")).get(1)).toEqual({ earliest: 0, latest: 2 });
  });

  it("compresses what it produces with the producer's compression (?compression=)", async () => {
    const topic = `wc-zstd-${Date.now()}`;
    const client = local();
    await client.admin().createTopic({ topic, partitions: 1 });
    const values = Array.from({ length: 30 }, (_, i) => ({ n: i, status: "shipped", pad: "p".repeat(40) }));
    await client.producer({ defaultTopic: topic, compression: "zstd" }).sendBatch(values.map((value) => ({ value })));
    const { topicId } = await createAdmin(env).describeTopic(topic);
    const batches = inspectBatches((await partitionStub(env, topicId, 0).fetchBatches(0, 1 << 20)).batches);
    expect(batches.map((b) => b.attributes & 7)).toEqual([4]);
    const { messages } = await client
      .consumer({ groupId: `${topic}-g`, topics: [topic] })
      .fetch(topic, 0, { offset: 0 });
    expect(messages.map((m) => m.value)).toEqual(values);
  });

  it("keeps no position from a fetch answered after a rejoin took its partition away", async () => {
    const topic = `wc-late-${Date.now()}`;
    const groupId = `${topic}-group`;
    const admin = local().admin();
    await admin.createTopic({ topic, partitions: 2 });
    await local()
      .producer({ defaultTopic: topic })
      .sendBatch([0, 1].flatMap((partition) => [0, 1, 2, 3, 4].map((i) => ({ value: i, partition }))));

    /* a's reads are answered at once by the server, but reach a only when let through. */
    let letThrough: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (letThrough = resolve));
    const slow = new KafdoClient({
      baseUrl: "http://kafdo.test",
      fetch: async (input, init) => {
        const response = await exports.default.fetch(input, init);
        if (String(input).includes("/messages")) await held;
        return response;
      },
    });
    let rejoined: () => void = () => undefined;
    const rebalanced = new Promise<void>((resolve) => (rejoined = resolve));
    const fast = { heartbeatIntervalMs: 50, autoCommitIntervalMs: 50 };
    const a = slow.consumer({ groupId, topics: [topic], clientId: "a", ...fast, onRebalance: () => rejoined() });
    expect((await a.connect()).assignment).toHaveLength(2);
    const late = [0, 1].map((partition) => a.fetch(topic, partition, { offset: 0 }));

    /* b joins; a rejoins from its heartbeat and keeps one partition. b commits the
     * one it got; then a's answers arrive, from the generation before. */
    const b = local().consumer({ groupId, topics: [topic], clientId: "b", ...fast });
    await Promise.all([b.connect(), rebalanced]);
    const [lost] = b.assignment();
    expect(a.assignment()).toHaveLength(1);
    await b.commit([{ topic, partition: lost!.partition, offset: 2 }]);
    letThrough();
    expect((await Promise.all(late)).map((r) => r.nextOffset)).toEqual([5, 5]);

    /* Some of a's heartbeats and auto-commits later, b's commit stands. */
    await new Promise((resolve) => setTimeout(resolve, 500));
    const offsets = (await admin.describeGroup(groupId)).offsets;
    expect(offsets.filter((o) => o.partition === lost!.partition).map((o) => o.offset)).toEqual([2]);
    await Promise.all([a.disconnect(), b.disconnect()]);
  });

  it("alters a topic's configs: PATCH by default, PUT with replace, validateOnly", async () => {
    const admin = local().admin();
    await admin.createTopic({ topic: "wc-alter", config: { "retention.ms": "86400000", "cleanup.policy": "compact" } });
    await admin.createTopic({ topic: "wc-defaults" });
    const defaults = (await admin.describeTopic("wc-defaults")).config;

    const patched = await admin.alterConfigs("wc-alter", { "retention.bytes": "5000", "cleanup.policy": null });
    expect(patched.config).toEqual({ ...defaults, "retention.ms": "86400000", "retention.bytes": "5000" });
    const checked = await admin.alterConfigs(
      "wc-alter",
      { "retention.ms": "1" },
      { replace: true, validateOnly: true },
    );
    expect(checked.config).toEqual({ ...defaults, "retention.ms": "1" });
    expect((await admin.describeTopic("wc-alter")).config).toEqual(patched.config);
    const replaced = await admin.alterConfigs("wc-alter", { "retention.ms": "1" }, { replace: true });
    expect(replaced.config).toEqual({ ...defaults, "retention.ms": "1" });

    const error = await admin.alterConfigs("wc-alter", { "retention.ms": "soon" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafdoClientError);
    expect((error as KafdoClientError).code).toBe("INVALID_CONFIG");
    expect((error as KafdoClientError).status).toBe(400);
  });

  it("carries the server's errors as KafdoClientErrors", async () => {
    const error = await local()
      .admin()
      .describeTopic("wc-missing")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafdoClientError);
    expect((error as KafdoClientError).code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((error as KafdoClientError).status).toBe(404);
    expect((error as KafdoClientError).kafkaCode).toBe(3);
  });

  it("works over a service binding's fetch", async () => {
    const caller = (env as unknown as { CALLER: Fetcher }).CALLER;
    const client = new KafdoClient({
      baseUrl: "http://kafdo.test",
      fetch: (input, init) => caller.fetch(input, init),
    });
    const meta = await client.producer().send({ topic: "wc-bound", value: "over the binding" });
    const consumer = client.consumer({ groupId: "wc-bound", topics: ["wc-bound"] });
    const { messages } = await consumer.fetch("wc-bound", meta.partition, { offset: meta.offset });
    expect(messages.map((m) => m.value)).toEqual(["over the binding"]);
  });
});
