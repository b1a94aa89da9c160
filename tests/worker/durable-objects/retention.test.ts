/*
 * Retention and DeleteRecords in workerd against real DO SQLite: the partition's alarm
 * runs the core's steps (src-c/retention.c) once appends bring the topic's configs;
 * reads below the new log start are OFFSET_OUT_OF_RANGE on every door, and the
 * in-Worker consumer starts from the new start. Alarms are run at once with
 * runDurableObjectAlarm (helpers.ts runDueAlarms) rather than waited for.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { KafdoClient } from "kafdo/client";
import { describe, expect, it } from "vitest";
import {
  createAdmin,
  createConsumer,
  createProducer,
  partitionOffsets,
  readKey,
  readPartition,
} from "../../../worker/api";
import { partitionStub } from "../../../worker/durable-objects/addressing";
import { expectKafdoError, rawPartitionStub, runDueAlarms, text } from "../helpers";

let topics = 0;
const fresh = (prefix = "ret") => `${prefix}-${Date.now()}-${topics++}`;
const HOUR = 3_600_000;

async function stubOf(topic: string, partition = 0) {
  const description = await createAdmin(env).describeTopic(topic);
  return partitionStub(env, description.topicId, partition);
}

/* The stub itself, unwrapped, for cloudflare:test's runInDurableObject and alarms. */
async function rawStubOf(topic: string, partition = 0) {
  return rawPartitionStub((await createAdmin(env).describeTopic(topic)).topicId, partition);
}

/* Runs the partition's alarms as time would (helpers.ts). */
async function runTopicAlarms(topic: string): Promise<number> {
  return runDueAlarms((await createAdmin(env).describeTopic(topic)).topicId);
}

async function send(topic: string, count: number, timestamp: number, value = "x") {
  const producer = createProducer(env);
  await producer.sendBatch(
    Array.from({ length: count }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `${value}-${i}`, timestamp })),
  );
  await producer.close();
}

describe("retention.ms", () => {
  it("deletes batches older than retention.ms, oldest first, and reads below the start are out of range", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "retention.ms": String(HOUR) } });
    await send(topic, 5, Date.now() - 3 * HOUR, "old");
    await send(topic, 5, Date.now() - 2 * HOUR, "older-but-not-first");
    await send(topic, 3, Date.now(), "new");
    await runTopicAlarms(topic);

    const offsets = await partitionOffsets(env, topic, 0);
    expect(offsets).toMatchObject({ earliest: 10, latest: 13 });
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 0 }), "OFFSET_OUT_OF_RANGE");
    const read = await readPartition(env, topic, 0, { offset: 10 });
    expect(read.records.map((r) => text(r.value))).toEqual(['"new-0"', '"new-1"', '"new-2"']);

    /* The next deadline is the kept batch's: an hour from its timestamp. */
    expect(await runTopicAlarms(topic)).toBe(0);
    const alarm = await runInDurableObject(await rawStubOf(topic), (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + HOUR - 60_000);
  });

  it("lets a consumer with no committed offset start at the new log start", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "retention.ms": "60000" } });
    await send(topic, 4, Date.now() - HOUR, "gone");
    await send(topic, 2, Date.now(), "kept");
    await runTopicAlarms(topic);
    const consumer = createConsumer(env, { groupId: fresh("g"), fromBeginning: true });
    await consumer.subscribe([topic]);
    const records = await consumer.poll(2000);
    expect(records.map((r) => r.offset)).toEqual([4, 5]);
    expect(records.map((r) => r.value)).toEqual(["kept-0", "kept-1"]);
    await consumer.close();
  });

  it("keeps everything with retention.ms -1 or cleanup.policy compact", async () => {
    for (const config of [{ "retention.ms": "-1" }, { "retention.ms": "1", "cleanup.policy": "compact" }] as Record<
      string,
      string
    >[]) {
      const topic = fresh();
      await createAdmin(env).createTopic({ topic, partitions: 1, config });
      await send(topic, 3, Date.now() - 100 * HOUR);
      await runTopicAlarms(topic);
      expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 0, latest: 3 });
    }
  });
});

describe("retention.bytes", () => {
  it("deletes the oldest batches once the partition grows past retention.bytes", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({
      topic,
      partitions: 1,
      config: { "retention.ms": "-1", "retention.bytes": "4000" },
    });
    for (let i = 0; i < 40; i++) await send(topic, 1, Date.now(), "y".repeat(200));
    await runTopicAlarms(topic);
    const { earliest, latest } = await partitionOffsets(env, topic, 0);
    expect(latest).toBe(40);
    expect(earliest).toBeGreaterThan(20);
    /* What is left is at least retention.bytes, and within one batch more than the trigger. */
    const stored = await readPartition(env, topic, 0, { offset: earliest, limit: 100 });
    expect(stored.records).toHaveLength(40 - earliest);
    const size = await runInDurableObject(await rawStubOf(topic), (_i, state) =>
      state.storage.sql.exec("SELECT sum(size_bytes) AS s FROM log_batches").one(),
    );
    expect(Number(size.s)).toBeGreaterThanOrEqual(4000);
    expect(Number(size.s)).toBeLessThan(4000 + 4000 / 16 + 300);
  });
});

describe("DeleteRecords", () => {
  it("raises the log start offset, inside a batch, and refuses an offset past the end", async () => {
    const topic = fresh();
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    await send(topic, 10, Date.now());
    const stub = await stubOf(topic);
    expect(await stub.deleteRecords(4)).toEqual({ lowWatermark: 4 });
    expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 4, latest: 10 });
    const read = await readPartition(env, topic, 0, { offset: 4 });
    expect(read.records[0]!.offset).toBe(4);
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 3 }), "OFFSET_OUT_OF_RANGE");
    await expectKafdoError(() => stub.deleteRecords(11), "OFFSET_OUT_OF_RANGE");
    expect(await stub.deleteRecords(-1)).toEqual({ lowWatermark: 10 });
    await runTopicAlarms(topic);
    const rows = await runInDurableObject(await rawStubOf(topic), (_i, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM log_batches").one(),
    );
    expect(Number(rows.n)).toBe(0);
    /* Appends go on from the high watermark. */
    await send(topic, 1, Date.now());
    expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 10, latest: 11 });
  });
});

describe("compaction", () => {
  const COMPACTED = { "cleanup.policy": "compact", "segment.ms": "1", "min.cleanable.dirty.ratio": "0" };

  /* Runs the partition's alarms until the log holds `records` records (compaction's
   * active segment is 1 ms long, so a step soon finds everything cleanable). */
  async function compactUntil(topic: string, records: number): Promise<void> {
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await runTopicAlarms(topic);
      const read = await readPartition(env, topic, 0, { offset: 0, limit: 1000 });
      if (read.records.length === records) return;
    }
  }

  it(
    "keeps the latest record of every key at its offset, and reads the topic as a table",
    { timeout: 20_000 },
    async () => {
      const topic = fresh("compacted");
      await createAdmin(env).createTopic({ topic, partitions: 1, config: COMPACTED });
      const producer = createProducer(env);
      for (let round = 0; round < 3; round++) {
        await producer.sendBatch(["a", "b", "c"].map((key) => ({ topic, partition: 0, key, value: { key, round } })));
      }
      await producer.send({ topic, partition: 0, key: "b", value: null });
      await producer.close();
      await compactUntil(topic, 4);

      const read = await readPartition(env, topic, 0, { offset: 0, limit: 1000 });
      expect(read.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([
        [6, "a", '{"key":"a","round":2}'],
        [8, "c", '{"key":"c","round":2}'],
        [9, "b", null] /* the tombstone stays for delete.retention.ms (a day) */,
      ]);
      expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 0, latest: 10 });
      const a = await readKey(env, topic, "a", { partition: 0 });
      expect(a && [a.offset, text(a.value)]).toEqual([6, '{"key":"a","round":2}']);
      const b = await readKey(env, topic, "b", { partition: 0 });
      expect(b && [b.offset, b.value]).toEqual([9, null]);
      expect(await readKey(env, topic, "nobody", { partition: 0 })).toBeNull();
    },
  );

  it("refuses a keyless record, and key lookups on a topic that is not compacted", async () => {
    const topic = fresh("compacted");
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "cleanup.policy": "compact" } });
    const producer = createProducer(env, { retries: 0 });
    await expectKafdoError(() => producer.send({ topic, partition: 0, value: "no key" }), "INVALID_RECORD");
    await producer.send({ topic, partition: 0, key: "k", value: "v" });
    expect(await partitionOffsets(env, topic, 0)).toMatchObject({ latest: 1 });
    await producer.close();
    const plain = fresh();
    await createAdmin(env).createTopic({ topic: plain, partitions: 1 });
    await expectKafdoError(() => readKey(env, plain, "k"), "INVALID_REQUEST");
  });
});

describe("the latest record of a key over REST and kafdo/client", () => {
  it("answers GET /topics/:topic/keys/:key, 404 for a key with no record, and client.readKey", async () => {
    const topic = fresh("table");
    await createAdmin(env).createTopic({ topic, partitions: 3, config: { "cleanup.policy": "compact" } });
    const producer = createProducer(env);
    await producer.send({ topic, key: "user 1", value: { name: "Ada" } });
    const last = await producer.send({ topic, key: "user 1", value: { name: "Ada L." } });
    await producer.close();

    const res = await exports.default.fetch(`http://kafdo.test/topics/${topic}/keys/${encodeURIComponent("user 1")}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      topic,
      partition: last.partition,
      offset: last.offset,
      key: "user 1",
      value: { name: "Ada L." },
    });
    const missing = await exports.default.fetch(`http://kafdo.test/topics/${topic}/keys/nobody`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    const head = await exports.default.fetch(`http://kafdo.test/topics/${topic}/keys/nobody?partition=x`);
    expect(head.status).toBe(400);

    const client = new KafdoClient({
      baseUrl: "http://kafdo.test",
      fetch: (input, init) => exports.default.fetch(input, init),
    });
    const record = await client.readKey(topic, "user 1");
    expect(record && [record.partition, record.offset, record.value]).toEqual([
      last.partition,
      last.offset,
      { name: "Ada L." },
    ]);
    expect(await client.readKey(topic, "nobody")).toBeNull();
  });
});
