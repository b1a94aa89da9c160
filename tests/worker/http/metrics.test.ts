/*
 * GET /metrics and /metrics.json inside workerd: the numbers equal what the test
 * produced, read and committed (records, bytes, offsets, stored rows and bytes,
 * group lag, requests and errors by door); the last hour's series holds this
 * minute's traffic; and counting costs no storage: a scrape writes no row, and a
 * produce writes the same rows with metrics as the log alone needs (each further
 * produce as many as the one before).
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MetricsSnapshot, PartitionSnapshot } from "../../../worker/common/metrics";
import { groupStub } from "../../../worker/durable-objects/addressing";
import { rawPartitionStub } from "../helpers";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import fetchV4 from "kafkajs/src/protocol/requests/fetch/v4/request";
import { createTopic, enc, expectError, get, post } from "./helpers";

/* Every row of every table of a partition's SQLite, as text. */
async function storedContent(topic: string): Promise<string> {
  const info = (await get(`/admin/topics/${enc(topic)}`)).body;
  return runInDurableObject(rawPartitionStub(info.topicId, 0), (_o, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' ORDER BY name",
      )
      .toArray();
    return JSON.stringify(
      tables.map(({ name }) => [
        name,
        sql
          .exec(`SELECT * FROM "${name}"`)
          .toArray()
          .map((r) => JSON.stringify(r, (_k, v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v))),
      ]),
    );
  });
}

async function scrape(): Promise<MetricsSnapshot> {
  const res = await get("/metrics.json");
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as MetricsSnapshot;
}

function partitionOf(m: MetricsSnapshot, topic: string, partition = 0): PartitionSnapshot {
  const t = m.topics.find((x) => x.topic === topic);
  expect(t, `topic ${topic} in the metrics`).toBeDefined();
  return t!.partitions[partition]!;
}

const produce = (topic: string, value: string) => post(`/topics/${enc(topic)}/produce`, { partition: 0, value });

describe("GET /metrics.json", () => {
  it("counts what was produced, read and committed, per partition and group", async () => {
    const topic = await createTopic(1);
    for (let i = 0; i < 5; i++) expect((await produce(topic, `value-${i}`)).status).toBe(200);
    const read = await get(`/topics/${enc(topic)}/partitions/0/messages?offset=0&limit=100`);
    expect(read.status).toBe(200);
    expect(read.body.messages ?? read.body.records).toHaveLength(5);

    const groupId = `metrics-${Date.now().toString(36)}`;
    const stub = groupStub(env, groupId);
    const m = await stub.join(groupId, {
      clientId: "c",
      topics: [topic],
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
    });
    await stub.commit(groupId, m.memberId, m.generationId, [{ topic, partition: 0, offset: 2 }]);

    const snap = await scrape();
    const p = partitionOf(snap, topic);
    expect(p.highWatermark).toBe(5);
    expect(p.logStartOffset).toBe(0);
    expect(p.appended.records).toBe(5);
    expect(p.stored.hot.rows).toBe(5);
    /* Every produce stored its batch as it came: the bytes appended are the bytes stored. */
    expect(p.stored.hot.bytes).toBe(p.appended.bytes);
    expect(p.appended.bytes).toBeGreaterThan(5 * 61);
    expect(p.stored.cold).toEqual({ segments: 0, bytes: 0 });
    expect(p.fetched.records).toBe(5);
    /* A decoded read counts keys, values and headers: "value-0".."value-4" as JSON text. */
    expect(p.fetched.bytes).toBe(5 * JSON.stringify("value-0").length);
    expect(p.sql.rowsWritten).toBeGreaterThan(0);
    expect(p.sql.rowsRead).toBeGreaterThan(0);

    const g = snap.groups.find((x) => x.groupId === groupId)!;
    expect(g).toMatchObject({ state: "Stable", members: 1, generationId: 1, lag: 3 });
    expect(g.offsets).toEqual([{ topic, partition: 0, offset: 2, highWatermark: 5, lag: 3 }]);

    /* The topic's series has this minute's appends and reads. */
    const t = snap.topics.find((x) => x.topic === topic)!;
    expect(t.series).toHaveLength(60);
    const now = t.series[59]!;
    expect(now.minute).toBe(snap.collectedAt - (snap.collectedAt % 60000));
    expect(now.appendedRecords).toBe(5);
    expect(now.fetchedRecords).toBe(5);
    expect(snap.series).toHaveLength(60);
    expect(snap.series[59]!.lag?.[groupId]).toBe(3);
    expect(snap.enabled).toBe(true);
  });

  it("counts requests and errors per REST route", async () => {
    const topic = await createTopic(1);
    const route = "POST /topics/:topic/produce";
    const before = (await scrape()).doors.rest[route];
    await produce(topic, "a");
    await produce(topic, "b");
    expectError(
      await post(`/topics/${enc(topic)}/produce`, { partition: 7, value: "x" }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    const after = (await scrape()).doors.rest[route]!;
    expect(after.requests - (before?.requests ?? 0)).toBe(3);
    expect((after.errors.UNKNOWN_TOPIC_OR_PARTITION ?? 0) - (before?.errors.UNKNOWN_TOPIC_OR_PARTITION ?? 0)).toBe(1);
    expect(after.latencyMs.count - (before?.latencyMs.count ?? 0)).toBe(3);
    expect(after.latencyMs.buckets.reduce((a, b) => a + b, 0)).toBe(after.latencyMs.count);
  });

  it("adds no storage write: a scrape writes no row, and each produce writes what the log needs", async () => {
    const topic = await createTopic(1);
    expect((await produce(topic, "first")).status).toBe(200);
    const s0 = partitionOf(await scrape(), topic);
    const stored = await storedContent(topic);
    const s1 = partitionOf(await scrape(), topic);
    expect(s1.sql.rowsWritten).toBe(s0.sql.rowsWritten);
    /* Whatever writes there may be, the core's or not: the partition's SQLite is as it was. */
    expect(await storedContent(topic)).toEqual(stored);
    const w0 = (await scrape()).sql;
    const w1 = (await scrape()).sql;
    expect(w1.partitions.rowsWritten).toBe(w0.partitions.rowsWritten);
    expect(w1.groups.rowsWritten).toBe(w0.groups.rowsWritten);
    expect(w1.cluster.rowsWritten).toBe(w0.cluster.rowsWritten);

    expect((await produce(topic, "x")).status).toBe(200);
    const one = partitionOf(await scrape(), topic).sql.rowsWritten - s1.sql.rowsWritten;
    expect(one).toBeGreaterThan(0);
    for (let i = 0; i < 4; i++) expect((await produce(topic, "x")).status).toBe(200);
    const four = partitionOf(await scrape(), topic).sql.rowsWritten - s1.sql.rowsWritten - one;
    expect(four).toBe(4 * one);

    /* The partition's SQLite has the log's tables and nothing for metrics. */
    const info = (await get(`/admin/topics/${enc(topic)}`)).body;
    const tables = await runInDurableObject(rawPartitionStub(info.topicId, 0), (_o, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => r.name),
    );
    expect(tables).toContain("log_batches");
    expect(tables.filter((t) => !t.startsWith("log_") && !t.startsWith("_cf_"))).toEqual([]);
  });
});

describe("GET /metrics", () => {
  it("serves the same numbers in Prometheus' text format", async () => {
    const topic = await createTopic(1);
    for (let i = 0; i < 3; i++) await produce(topic, `v${i}`);
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = res.body as string;
    expect(text).toContain(`kafdo_partition_appended_records_total{topic="${topic}",partition="0"} 3\n`);
    expect(text).toContain(`kafdo_partition_high_watermark{topic="${topic}",partition="0"} 3\n`);
    expect(text).toContain(`kafdo_partition_stored_rows{topic="${topic}",partition="0",tier="hot"} 3\n`);
    expect(text).toContain("# TYPE kafdo_request_duration_seconds_bucket histogram\n");
    expect(text).toMatch(/kafdo_requests_total\{door="rest",operation="POST \/topics\/:topic\/produce"\} \d+\n/);
    expect(text).toMatch(/kafdo_sqlite_rows_written_total\{object="cluster"\} \d+\n/);
    /* Every sample line is `name{labels} value`. */
    for (const line of text.trimEnd().split("\n")) {
      if (!line.startsWith("#")) expect(line).toMatch(/^kafdo_[a-z_]+(\{.*\})? (-?[0-9.e+]+|\+Inf|NaN)$/);
    }
    expectError(await get("/metrics?x=1"), 400, "INVALID_REQUEST");
  });
});

describe("the Kafka and RPC doors", () => {
  it("counts a Kafka Fetch by API, with the batches it carried as the partition's fetched bytes", async () => {
    const topic = await createTopic(1);
    for (let i = 0; i < 3; i++) await produce(topic, `kafka-${i}`);
    const before = await scrape();
    const fetchesBefore = before.doors.kafka.Fetch?.requests ?? 0;
    const request = fetchV4({
      replicaId: -1,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: "0", maxBytes: 1 << 20 }] }],
    });
    const encoded = (await kafkajsRequest({ correlationId: 9, clientId: "metrics-test", request })) as {
      buffer: Uint8Array;
    };
    const res = await exports.default.fetch(
      new Request("http://kafdo.test/kafka?advertise=127.0.0.1:9092", { headers: { upgrade: "websocket" } }),
    );
    const ws = res.webSocket!;
    ws.accept();
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("message", () => resolve());
      ws.addEventListener("close", () => reject(new Error("the connection closed")));
      ws.send(new Uint8Array(encoded.buffer));
    });
    ws.close();
    const after = await scrape();
    expect(after.doors.kafka.Fetch!.requests - fetchesBefore).toBe(1);
    const p = partitionOf(after, topic);
    expect(p.fetched.records - partitionOf(before, topic).fetched.records).toBe(3);
    expect(p.fetched.bytes - partitionOf(before, topic).fetched.bytes).toBe(p.stored.hot.bytes);
  });

  it("counts KafdoService's RPC methods, and their errors by code", async () => {
    const caller = (
      env as unknown as { CALLER: { call(method: string, ...args: unknown[]): Promise<{ ok: boolean }> } }
    ).CALLER;
    const before = (await scrape()).doors.rpc;
    expect((await caller.call("listTopics")).ok).toBe(true);
    expect((await caller.call("describeTopic", "no-such-topic-rpc")).ok).toBe(false);
    const after = (await scrape()).doors.rpc;
    expect(after.listTopics!.requests - (before.listTopics?.requests ?? 0)).toBe(1);
    const errors = (s: typeof before) => s.describeTopic?.errors.UNKNOWN_TOPIC_OR_PARTITION ?? 0;
    expect(errors(after) - errors(before)).toBe(1);
  });
});
