/*
 * kafdo/client's metrics() / metricsText() and admin.resetGroupOffsets inside
 * workerd, its fetch being this Worker's own HTTP front: the answers of GET
 * /metrics(.json) and of a reset, and a refused reset as a KafdoClientError with
 * the server's code.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError } from "kafdo/client";

const client = () =>
  new KafdoClient({ baseUrl: "http://kafdo.test", fetch: (input, init) => exports.default.fetch(input, init) });

describe("KafdoClient: metrics and offset resets", () => {
  it("reads the metrics as JSON and as Prometheus text", async () => {
    const c = client();
    const topic = `client-metrics-${Date.now().toString(36)}`;
    await c.admin().createTopic({ topic, partitions: 1 });
    await c.producer().sendBatch([
      { topic, value: "a" },
      { topic, value: "b" },
    ]);
    const snap = await c.metrics();
    expect(snap.topics.find((t) => t.topic === topic)?.partitions[0]?.highWatermark).toBe(2);
    const text = await c.metricsText();
    expect(text).toContain(`kafdo_partition_high_watermark{topic="${topic}",partition="0"} 2\n`);
  });

  it("resets a group's offsets, and refuses a malformed spec with INVALID_REQUEST", async () => {
    const c = client();
    const topic = `client-reset-${Date.now().toString(36)}`;
    await c.admin().createTopic({ topic, partitions: 1 });
    await c.producer().sendBatch([
      { topic, value: "a" },
      { topic, value: "b" },
      { topic, value: "c" },
    ]);
    const groupId = `client-reset-${Date.now().toString(36)}`;
    expect(await c.admin().resetGroupOffsets(groupId, { topic, to: "latest", dryRun: true })).toEqual({
      groupId,
      dryRun: true,
      offsets: [{ topic, partition: 0, offset: 3 }],
    });
    expect((await c.admin().resetGroupOffsets(groupId, { topic, to: { offset: 1 } })).offsets[0]!.offset).toBe(1);
    const described = await c.admin().describeGroup(groupId);
    expect(described.offsets.map((o) => [o.offset, o.lag])).toEqual([[1, 2]]);
    const e = await c
      .admin()
      .resetGroupOffsets(groupId, { topic, to: { offset: -1 } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafdoClientError);
    expect((e as KafdoClientError).code).toBe("INVALID_REQUEST");
  });
});

describe("GET /topics/:topic/partitions/:partition/offsets?timestamp=", () => {
  it("answers the first offset at or after the time, -1 when none is that late", async () => {
    const c = client();
    const topic = `client-time-${Date.now().toString(36)}`;
    await c.admin().createTopic({ topic, partitions: 1 });
    const t0 = 1_700_000_000_000;
    await c.producer().sendBatch([0, 1, 2].map((i) => ({ topic, partition: 0, value: i, timestamp: t0 + i * 1000 })));
    const consumer = c.consumer({ groupId: "time", topics: [topic] });
    expect(await consumer.offsetForTime(topic, 0, t0 + 500)).toEqual({ offset: 1, timestamp: t0 + 1000 });
    expect(await consumer.offsetForTime(topic, 0, t0 + 5000)).toEqual({ offset: -1, timestamp: -1 });
    const res = await exports.default.fetch(`http://kafdo.test/topics/${topic}/partitions/0/offsets?timestamp=-5`);
    expect(res.status).toBe(400);
  });
});
