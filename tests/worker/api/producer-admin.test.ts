/*
 * The in-Worker API (`kafdo`): createProducer and createAdmin over Durable Object
 * RPC, inside workerd against real DO SQLite. Covers the spec's producer and admin
 * examples' calls, partitioning, batching, the bad inputs of issue 4, and topics
 * deleted under a producer's cached metadata.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer, partitionOffsets, readPartition } from "../../../worker/api";
import { metadataStub, partitionStub } from "../../../worker/durable-objects/addressing";
import { decodeBatches, inspectBatches, partition as corePartition } from "../../../wasm/kafdo";
import { expectKafdoError, text, utf8 } from "../helpers";

let topics = 0;
const fresh = (prefix = "t") => `${prefix}-${Date.now()}-${topics++}`;
const json = (b: Uint8Array | null) => (b === null ? null : JSON.parse(text(b)!));

describe("createProducer", () => {
  it("sends one record and a batch, as the spec's example does", async () => {
    const topic = fresh("orders");
    await createAdmin(env).createTopic({ topic, partitions: 3 });
    const producer = createProducer(env);
    const metadata = await producer.send({
      topic,
      key: "order-123",
      value: { orderId: "123", amount: 99.99 },
      headers: { source: "web" },
    });
    expect(metadata.topic).toBe(topic);
    expect(metadata.partition).toBe(corePartition(utf8("order-123"), 3, 0));
    expect(metadata.offset).toBe(0);
    const results = await producer.sendBatch([
      { topic, key: "order-124", value: { orderId: "124", amount: 49.99 } },
      { topic, key: "order-125", value: { orderId: "125", amount: 149.99 } },
    ]);
    expect(results).toHaveLength(2);
    await producer.close();

    const read = await readPartition(env, topic, metadata.partition, { offset: 0 });
    const first = read.records[0]!;
    expect(text(first.key)).toBe("order-123");
    expect(json(first.value)).toEqual({ orderId: "123", amount: 99.99 });
    expect(first.headers).toEqual([{ key: "source", value: utf8("web") }]);
    expect(first.timestamp).toBe(metadata.timestamp);
  });

  it("keeps one key on one partition, in order, across a fan-out batch", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 8 });
    const messages = Array.from({ length: 400 }, (_, i) => ({ topic, key: `user-${i % 20}`, value: { i } }));
    const results = await createProducer(env).sendBatch(messages);
    const perPartition = new Map<number, number[]>();
    results.forEach((r, i) => {
      expect(r.partition).toBe(corePartition(utf8(`user-${i % 20}`), 8, 0));
      perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), r.offset]);
    });
    expect(perPartition.size).toBeGreaterThan(1);
    for (const [p, offsets] of perPartition) {
      expect(offsets).toEqual(offsets.map((_, i) => i)); /* contiguous from 0, in send order */
      const read = await readPartition(env, topic, p, { offset: 0, limit: 1000 });
      expect(read.records.map((r) => r.offset)).toEqual(offsets);
    }
  });

  it("sends keyless records of one send to one partition, moving between sends", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 4 });
    const producer = createProducer(env);
    const seen = new Set<number>();
    for (let s = 0; s < 4; s++) {
      const results = await producer.sendBatch([1, 2, 3].map((i) => ({ topic, value: i })));
      expect(new Set(results.map((r) => r.partition)).size).toBe(1);
      seen.add(results[0]!.partition);
    }
    expect(seen.size).toBe(4);
  });

  it("honours explicit partitions, timestamps, null keys and values, and bytes", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 2 });
    const bytes = new Uint8Array([0, 255, 1, 254]);
    const r = await createProducer(env).send({ topic, partition: 1, key: bytes, value: bytes, timestamp: 1234 });
    expect(r).toMatchObject({ partition: 1, offset: 0, timestamp: 1234 });
    await createProducer(env).send({ topic, partition: 1, key: null, value: null, headers: { h: null } });
    const read = await readPartition(env, topic, 1, { offset: 0 });
    expect(read.records[0]!.key).toEqual(bytes);
    expect(read.records[0]!.value).toEqual(bytes);
    expect(read.records[0]!.timestamp).toBe(1234);
    expect(read.records[1]!.key).toBeNull();
    expect(read.records[1]!.value).toBeNull();
    expect(read.records[1]!.headers).toEqual([{ key: "h", value: null }]);
  });

  it("answers the partition's time on a LogAppendTime topic, and refuses a record too far off its time", async () => {
    const topic = fresh("stamped");
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "message.timestamp.type": "LogAppendTime" } });
    const before = Date.now();
    const r = await createProducer(env).send({ topic, value: "x", timestamp: 1234 });
    expect(r.timestamp).toBeGreaterThanOrEqual(before);
    expect(r.timestamp).toBeLessThanOrEqual(Date.now());
    const read = await readPartition(env, topic, 0, { offset: 0 });
    expect(read.records[0]!.timestamp).toBe(r.timestamp);

    const bounded = fresh("bounded");
    await createAdmin(env).createTopic({
      topic: bounded,
      partitions: 1,
      config: { "message.timestamp.difference.max.ms": "60000" },
    });
    await expectKafdoError(
      () => createProducer(env).send({ topic: bounded, value: "old", timestamp: Date.now() - 3_600_000 }),
      "INVALID_TIMESTAMP",
    );
    expect((await createProducer(env).send({ topic: bounded, value: "now" })).offset).toBe(0);
  });

  it("auto-creates an unknown topic, unless auto-creation is off", async () => {
    const topic = fresh("events");
    const r = await createProducer(env).send({ topic, key: "user-123", value: { type: "page_view" } });
    expect(r.partition).toBe(0);
    expect((await createAdmin(env).describeTopic(topic)).partitions).toHaveLength(1);

    const off = { ...env, KAFDO_AUTO_CREATE_TOPICS: "false" };
    const missing = fresh("missing");
    await expectKafdoError(() => createProducer(off).send({ topic: missing, value: 1 }), "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await createAdmin(env).listTopics()).not.toContain(missing);
  });

  it("refuses bad input before storing anything", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 2, config: { "max.message.bytes": "1000" } });
    const producer = createProducer(env);
    await expectKafdoError(() => producer.send({ topic: "bad name", value: 1 }), "INVALID_TOPIC_EXCEPTION");
    await expectKafdoError(() => producer.send({ topic, partition: 2, value: 1 }), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => producer.send({ topic, partition: -1, value: 1 }), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => producer.send({ topic, value: "x".repeat(2000) }), "MESSAGE_TOO_LARGE");
    await expectKafdoError(() => producer.send({ topic, value: 1, timestamp: -5 }), "INVALID_TIMESTAMP");
    await expectKafdoError(() => producer.send({ topic, value: 10n }), "INVALID_REQUEST");
    /* One message too large refuses the whole batch: the small ones are not stored either. */
    await expectKafdoError(
      () =>
        producer.sendBatch([
          { topic, partition: 0, value: 1 },
          { topic, partition: 0, value: "x".repeat(2000) },
        ]),
      "MESSAGE_TOO_LARGE",
    );
    const offsets = await createAdmin(env).listOffsets(topic);
    expect([...offsets.values()]).toEqual([
      { earliest: 0, latest: 0 },
      { earliest: 0, latest: 0 },
    ]);
  });

  it("splits a large send into batches within max.message.bytes", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "max.message.bytes": "20000" } });
    const results = await createProducer(env).sendBatch(
      Array.from({ length: 100 }, (_, i) => ({ topic, value: { i, pad: "p".repeat(900) } })),
    );
    expect(results.map((r) => r.offset)).toEqual(results.map((_, i) => i));
    const stub = partitionStub(env, (await createAdmin(env).describeTopic(topic)).topicId, 0);
    const fetched = await stub.fetchBatches(0, 1 << 30);
    expect(decodeBatches(fetched.batches).length).toBe(100);
    const batches = inspectBatches(fetched.batches);
    expect(batches.length).toBeGreaterThan(4);
    for (const b of batches) expect(b.sizeBytes).toBeLessThanOrEqual(20000);
  });

  it("compresses with the compression option: each codec stored, fewer bytes, the same records read back", async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({
      key: `order-${i}`,
      value: { order: i, status: "shipped", warehouse: "north", items: ["a", "b", "c"] },
      headers: { source: "worker" },
    }));
    const stored: Record<string, number> = {};
    for (const [codec, compression] of ["none", "gzip", "snappy", "lz4", "zstd"].entries()) {
      const topic = fresh(`codec-${compression}`);
      await createAdmin(env).createTopic({ topic, partitions: 1 });
      const producer = createProducer(env, { compression: compression as "none" });
      await producer.sendBatch(messages.map((m) => ({ topic, ...m })));
      const stub = partitionStub(env, (await createAdmin(env).describeTopic(topic)).topicId, 0);
      const batches = inspectBatches((await stub.fetchBatches(0, 1 << 30)).batches);
      expect(batches.map((b) => b.attributes & 7)).toEqual(batches.map(() => codec));
      stored[compression] = batches.reduce((n, b) => n + b.sizeBytes, 0);
      const read = await readPartition(env, topic, 0, { offset: 0, limit: 100 });
      expect(read.records.map((r) => [r.offset, text(r.key), json(r.value), text(r.headers[0]!.value)])).toEqual(
        messages.map((m, i) => [i, m.key, m.value, "worker"]),
      );
    }
    for (const c of ["gzip", "snappy", "lz4", "zstd"]) expect(stored[c]).toBeLessThan(stored.none! / 2);
    expect(() => createProducer(env, { compression: "brotli" as "none" })).toThrow(
      /UNSUPPORTED_COMPRESSION_TYPE|brotli/,
    );
  });

  it("batches lingering sends, and acks 0 does not wait", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const lingering = createProducer(env, { lingerMs: 20, batchSize: 3 });
    const sent = await Promise.all([1, 2, 3].map((i) => lingering.send({ topic, value: i })));
    expect(sent.map((r) => r.offset)).toEqual([0, 1, 2]);
    const stub = partitionStub(env, (await createAdmin(env).describeTopic(topic)).topicId, 0);
    const one = await stub.fetchBatches(0, 1);
    expect(decodeBatches(one.batches).length).toBe(3); /* the three went out as one batch */

    const fireAndForget = createProducer(env, { acks: 0 });
    const r = await fireAndForget.send({ topic, value: 4 });
    expect(r.offset).toBe(-1);
    await fireAndForget.flush();
    expect((await partitionOffsets(env, topic, 0)).latest).toBe(4);
    await fireAndForget.close();
    await expectKafdoError(() => fireAndForget.send({ topic, value: 5 }), "INVALID_REQUEST");
  });

  it("never lands a record in a deleted topic's log, whatever its cache says", async () => {
    const topic = fresh();
    const admin = createAdmin(env);
    const old = await admin.createTopic({ topic, partitions: 2 });
    const producer = createProducer(env);
    await producer.send({ topic, partition: 1, value: "before" });
    /* Delete behind the isolate's cache (as another isolate would). */
    await metadataStub(env).deleteTopic(topic);
    const after = await producer.send({ topic, value: "after" });
    const now = await admin.describeTopic(topic);
    expect(now.topicId).not.toBe(old.topicId); /* auto-created again, a new topic */
    expect(after.partition).toBe(0);
    expect(after.offset).toBe(0);
    await expectKafdoError(() => partitionStub(env, old.topicId, 1).offsets(), "UNKNOWN_TOPIC_OR_PARTITION");
    const read = await readPartition(env, topic, 0, { offset: 0 });
    expect(read.records.map((r) => json(r.value))).toEqual(["after"]);
  });
});

describe("createAdmin", () => {
  it("runs the spec's topic administration", async () => {
    const admin = createAdmin(env);
    const topic = fresh("orders");
    const created = await admin.createTopic({ topic, partitions: 3, config: { "retention.ms": "604800000" } });
    expect(created.partitions).toHaveLength(3);
    expect(created.config["retention.ms"]).toBe("604800000");
    expect(created.config["cleanup.policy"]).toBe("delete");
    expect(await admin.listTopics()).toContain(topic);
    const metadata = await admin.describeTopic(topic);
    expect(metadata.partitions.length).toBe(3);
    await admin.createPartitions(topic, 6);
    expect((await admin.describeTopic(topic)).partitions.length).toBe(6);
    await createProducer(env).sendBatch([0, 1, 2, 3, 4, 5].map((p) => ({ topic, partition: p, value: p })));
    const offsets = await admin.listOffsets(topic);
    expect(offsets.size).toBe(6);
    for (const [partition, info] of offsets) {
      expect(info).toEqual({ earliest: 0, latest: 1 });
      expect(partition).toBeLessThan(6);
    }
    await admin.deleteTopic(topic);
    expect(await admin.listTopics()).not.toContain(topic);
    await admin.close();
  });

  it("refuses what Kafka refuses", async () => {
    const admin = createAdmin(env);
    const topic = fresh();
    await admin.createTopic({ topic, partitions: 3 });
    await expectKafdoError(() => admin.createTopic({ topic, partitions: 1 }), "TOPIC_ALREADY_EXISTS");
    await expectKafdoError(() => admin.createPartitions(topic, 2), "INVALID_PARTITIONS");
    await expectKafdoError(() => admin.createPartitions(topic, 3), "INVALID_PARTITIONS");
    await expectKafdoError(() => admin.createTopic({ topic: fresh(), partitions: 0 }), "INVALID_PARTITIONS");
    await expectKafdoError(() => admin.createTopic({ topic: fresh(), partitions: 257 }), "INVALID_PARTITIONS");
    await expectKafdoError(() => admin.createTopic({ topic: "a/b" }), "INVALID_TOPIC_EXCEPTION");
    await expectKafdoError(() => admin.createTopic({ topic: "..", partitions: 1 }), "INVALID_TOPIC_EXCEPTION");
    await expectKafdoError(
      () => admin.createTopic({ topic: fresh(), config: { "segment.bytes": "1" } }),
      "INVALID_CONFIG",
    );
    await expectKafdoError(
      () => admin.createTopic({ topic: fresh(), config: { "max.message.bytes": "3000000" } }),
      "INVALID_CONFIG",
    );
    await expectKafdoError(() => admin.deleteTopic(fresh()), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => admin.describeTopic(fresh()), "UNKNOWN_TOPIC_OR_PARTITION");
    expect((await admin.describeTopic(topic)).partitions).toHaveLength(3);
  });

  it("starts a topic created again from empty logs", async () => {
    const admin = createAdmin(env);
    const topic = fresh();
    await admin.createTopic({ topic, partitions: 1 });
    await createProducer(env).sendBatch([1, 2, 3].map((value) => ({ topic, value })));
    await admin.deleteTopic(topic);
    await admin.createTopic({ topic, partitions: 1 });
    expect(await admin.listOffsets(topic)).toEqual(new Map([[0, { earliest: 0, latest: 0 }]]));
  });
});

describe("readPartition", () => {
  it("reads from an offset with limits, and refuses out-of-range input", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    await createProducer(env).sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic, value: i })));
    const page = await readPartition(env, topic, 0, { offset: 10, limit: 5 });
    expect(page.records.map((r) => json(r.value))).toEqual([10, 11, 12, 13, 14]);
    expect(page.highWatermark).toBe(50);
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 51 }), "OFFSET_OUT_OF_RANGE");
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: -1 }), "INVALID_REQUEST");
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 0, limit: 0 }), "INVALID_REQUEST");
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 0, limit: 10001 }), "INVALID_REQUEST");
    await expectKafdoError(() => readPartition(env, topic, 1, { offset: 0 }), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => readPartition(env, fresh(), 0, { offset: 0 }), "UNKNOWN_TOPIC_OR_PARTITION");
    expect((await partitionOffsets(env, topic, 0)).latest).toBe(50);
  });
});
