/*
 * The cold tier in workerd, against real Durable Object SQLite and the R2 bucket
 * miniflare emulates (wrangler.toml's KAFDO_COLD): the partition's alarm moves batches
 * past local.retention.ms into segment objects; every read from offset 0 — stored
 * batches (a Kafka Fetch's), decoded records, REST, the in-Worker consumer — answers
 * what it did before; retention and DeleteRecords delete from both tiers, objects
 * included; a retired log's objects go; topics asking for remote storage with
 * compaction, or without the bucket, are refused.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createConsumer, createProducer, partitionOffsets, readPartition } from "../../../worker/api";
import { partitionStub } from "../../../worker/durable-objects/addressing";
import { KafdoError } from "../../../worker/common/errors";
import { expectKafdoError, rawPartitionStub, runDueAlarms } from "../helpers";
import { enc, get } from "../http/helpers";

let topics = 0;
const fresh = (prefix = "cold") => `${prefix}-${Date.now()}-${topics++}`;
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

/* One batch per call: `count` records stamped `timestamp`. */
async function send(topic: string, count: number, timestamp: number, value: string) {
  const producer = createProducer(env);
  await producer.sendBatch(
    Array.from({ length: count }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `${value}-${i}`, timestamp })),
  );
  await producer.close();
}

/* The partition's objects in the bucket. */
async function objects(topic: string): Promise<string[]> {
  const stub = await rawStubOf(topic);
  const prefix = `${stub.id.toString()}/`;
  const listed = await env.KAFDO_COLD!.list({ prefix });
  return listed.objects.map((o) => o.key);
}

async function hotRows(topic: string): Promise<number> {
  const row = await runInDurableObject(await rawStubOf(topic), (_i, state) =>
    state.storage.sql.exec("SELECT count(*) AS n FROM log_batches").one(),
  );
  return Number(row.n);
}

/* Every stored batch from `from`, fetched as a Kafka Fetch does (small max bytes, so
 * many calls), back to back. */
async function allBatches(topic: string, from = 0): Promise<Uint8Array> {
  const stub = await stubOf(topic);
  const parts: Uint8Array[] = [];
  for (let offset = from; ;) {
    const f = await stub.fetchBatches(offset, 100, true);
    if (f.batches.length === 0) break;
    parts.push(f.batches);
    /* The last batch's last offset: base offset (bytes 0..8) + last offset delta (23..27). */
    let pos = 0;
    while (pos < f.batches.length) {
      const view = new DataView(f.batches.buffer, f.batches.byteOffset + pos);
      offset = Number(view.getBigInt64(0)) + view.getInt32(23) + 1;
      pos += 12 + view.getInt32(8);
    }
    if (offset >= f.highWatermark) break;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function allRecords(topic: string, from = 0) {
  const records = [];
  for (let offset = from; ;) {
    const read = await readPartition(env, topic, 0, { offset, limit: 2 });
    if (read.records.length === 0) break;
    records.push(...read.records);
    offset = read.records.at(-1)!.offset + 1;
  }
  return records;
}

async function restMessages(topic: string) {
  const messages = [];
  for (let offset = 0; ;) {
    const res = await get(`/topics/${enc(topic)}/partitions/0/messages?offset=${offset}&limit=3`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    if (res.body.messages.length === 0) break;
    messages.push(...res.body.messages);
    offset = res.body.messages.at(-1).offset + 1;
    if (offset >= 12) break;
  }
  return messages;
}

async function tieredTopic(config: Record<string, string> = {}) {
  const topic = fresh();
  await createAdmin(env).createTopic({
    topic,
    partitions: 1,
    config: {
      "remote.storage.enable": "true",
      "local.retention.ms": String(HOUR),
      "retention.ms": "-1",
      "segment.ms": "1000",
      ...config,
    },
  });
  /* Three old batches (past local retention), one new. */
  for (let i = 0; i < 3; i++) await send(topic, 3, Date.now() - (5 - i) * HOUR, `old${i}`);
  await send(topic, 3, Date.now(), "new");
  return topic;
}

describe("remote.storage.enable", () => {
  it("moves batches past local.retention.ms to R2 and reads them back byte for byte on every door", async () => {
    const topic = await tieredTopic();
    const batches = await allBatches(topic);
    const fromInside = await allBatches(topic, 4);
    const records = await allRecords(topic);
    const rest = await restMessages(topic);
    expect(records).toHaveLength(12);

    await runTopicAlarms(topic);
    expect(await hotRows(topic)).toBe(1);
    /* One segment, or more when an alarm ran between the sends. */
    const keys = await objects(topic);
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(keys[0]).toMatch(/\/00000000000000000000\.log$/);
    expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 0, latest: 12 });

    expect(await allBatches(topic)).toEqual(batches);
    expect(await allBatches(topic, 4)).toEqual(fromInside); /* from inside a cold batch */
    expect(await allRecords(topic)).toEqual(records);
    expect(await restMessages(topic)).toEqual(rest);
    const consumer = createConsumer(env, { groupId: fresh("g"), fromBeginning: true });
    await consumer.subscribe([topic]);
    const polled = [];
    for (let i = 0; i < 10 && polled.length < 12; i++) polled.push(...(await consumer.poll(500)));
    await consumer.close();
    expect(polled.map((r) => r.offset)).toEqual(records.map((r) => r.offset));
    expect(polled.map((r) => r.value)).toEqual(records.map((r) => JSON.parse(new TextDecoder().decode(r.value!))));

    /* ListOffsets by time finds the cold batch. */
    const stub = await stubOf(topic);
    const at = await stub.offsetForTimestamp(Date.now() - 4.5 * HOUR);
    expect(at.offset).toBe(3);
  });

  it("deletes from both tiers by retention and DeleteRecords, the objects too", async () => {
    const topic = await tieredTopic({ "segment.bytes": "100" }); /* a segment a batch */
    await runTopicAlarms(topic);
    expect(await objects(topic)).toHaveLength(3);
    const stub = await stubOf(topic);

    expect(await stub.deleteRecords(4)).toEqual({ lowWatermark: 4 });
    await runTopicAlarms(topic);
    expect(await objects(topic)).toHaveLength(2);
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 2 }), "OFFSET_OUT_OF_RANGE");
    expect((await readPartition(env, topic, 0, { offset: 4 })).records[0]!.offset).toBe(4);

    /* retention.ms of 3.5 hours: the batch from 4 hours ago goes, with its object. */
    await stub.configure(
      JSON.stringify({
        "remote.storage.enable": "true",
        "local.retention.ms": String(HOUR),
        "retention.ms": String(3.5 * HOUR),
      }),
    );
    await runTopicAlarms(topic);
    expect(await partitionOffsets(env, topic, 0)).toMatchObject({ earliest: 6, latest: 12 });
    expect(await objects(topic)).toHaveLength(1);
    expect((await allRecords(topic, 6)).map((r) => r.offset)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it("deletes a deleted topic's objects", async () => {
    const topic = await tieredTopic();
    await runTopicAlarms(topic);
    const stub = await rawStubOf(topic);
    const prefix = `${stub.id.toString()}/`;
    expect((await env.KAFDO_COLD!.list({ prefix })).objects.length).toBeGreaterThanOrEqual(1);
    await createAdmin(env).deleteTopic(topic);
    /* The retired log's alarm deletes them (workerd may be running it already). */
    let left = -1;
    for (let i = 0; i < 40 && left !== 0; i++) {
      await runDurableObjectAlarm(stub);
      left = (await env.KAFDO_COLD!.list({ prefix })).objects.length;
      if (left) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(left).toBe(0);
    const garbage = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM log_cold_garbage").one(),
    );
    expect(Number(garbage.n)).toBe(0);
  });

  it("is refused with compaction, and without the bucket", async () => {
    await expectKafdoError(
      () =>
        createAdmin(env).createTopic({
          topic: fresh(),
          partitions: 1,
          config: { "remote.storage.enable": "true", "cleanup.policy": "compact" },
        }),
      "INVALID_CONFIG",
    );
    await expectKafdoError(
      () =>
        createAdmin(env).createTopic({
          topic: fresh(),
          partitions: 1,
          config: { "remote.storage.enable": "true", "local.retention.ms": "-1" },
        }),
      "INVALID_CONFIG",
    );
    const metadata = env.CLUSTER_METADATA.get(env.CLUSTER_METADATA.idFromName("cluster"));
    const refused = await runInDurableObject(metadata, (instance) => {
      const held = instance as unknown as { env: Record<string, unknown> };
      const bound = held.env;
      held.env = { ...bound, KAFDO_COLD: undefined };
      try {
        /* An RPC method answers a refusal as a value (durable-objects/rpc.ts). */
        const answer = instance.createTopic(fresh(), 1, { "remote.storage.enable": "true" }) as unknown as {
          kafdoRefusal?: { code: number; message: string };
        };
        if (answer.kafdoRefusal) throw new KafdoError(answer.kafdoRefusal.code, answer.kafdoRefusal.message);
        return "created";
      } catch (e) {
        return String(e);
      } finally {
        held.env = bound;
      }
    });
    expect(refused).toMatch(/INVALID_CONFIG.*KAFDO_COLD/);
  });
});
