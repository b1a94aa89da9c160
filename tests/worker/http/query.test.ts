/*
 * POST /topics/:topic/query and KafdoClient's admin().query(): the spec's example over
 * HTTP through the client, the answer's shape, and bad SQL and a query over its budget
 * answered with the JSON error shape, its code and status.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError } from "kafdo/client";

const client = () =>
  new KafdoClient({ baseUrl: "http://kafdo.test", fetch: (input, init) => exports.default.fetch(input, init) });

const post = (path: string, body: unknown) =>
  exports.default.fetch(
    new Request(`http://kafdo.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

describe("POST /topics/:topic/query", () => {
  const topic = `http-orders-${Date.now()}`;
  const SPEC = `SELECT * FROM "${topic}"
  WHERE timestamp > NOW() - INTERVAL '1 hour'
    AND status = 'completed'
  ORDER BY timestamp DESC
  LIMIT 100`;

  it("answers the spec's example through kafdo/client", async () => {
    const c = client();
    await c.admin().createTopic({ topic, partitions: 3 });
    const now = Date.now();
    /* o4, two hours old, is first in its partition: the time filter starts after it. */
    await c.producer({ defaultTopic: topic }).sendBatch([
      { key: "o4", value: { status: "completed", amount: 40 }, partition: 1, timestamp: now - 2 * 3_600_000 },
      { key: "o1", value: { status: "completed", amount: 10 }, partition: 0, timestamp: now - 1000 },
      { key: "o2", value: { status: "pending", amount: 20 }, partition: 1, timestamp: now - 2000 },
      { key: "o3", value: { status: "completed", amount: 30 }, partition: 2, timestamp: now - 3000 },
    ]);
    const answer = await c.admin().query(topic, SPEC);
    expect(answer.rows.map((r) => [r.key, r.partition, r.status, JSON.parse(String(r.value)).amount])).toEqual([
      ["o1", 0, "completed", 10],
      ["o3", 2, "completed", 30],
    ]);
    expect(answer.rows[0]).toMatchObject({ offset: 0, timestamp: now - 1000, headers: "{}" });
    expect(answer.stats).toEqual({ partitions: 3, recordsRead: 3, bytesRead: expect.any(Number) });
  }, 30_000);

  it("refuses SQL that writes or does not parse with 400 INVALID_REQUEST", async () => {
    for (const sql of [`DELETE FROM "${topic}"`, `SELECT * FROM`, `SELECT * FROM other`]) {
      const res = await post(`/topics/${topic}/query`, { sql });
      expect(res.status, sql).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("INVALID_REQUEST");
      expect(body.error.message.length).toBeGreaterThan(0);
    }
    const missing = await post(`/topics/${topic}/query`, { query: "SELECT 1" });
    expect(missing.status).toBe(400);
  });

  it("answers a query over its budget with 422 POLICY_VIOLATION, through the client too", async () => {
    const res = await post(`/topics/${topic}/query`, { sql: `SELECT * FROM "${topic}"`, maxRows: 2 });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("POLICY_VIOLATION");
    const err = await client()
      .admin()
      .query(topic, `SELECT * FROM "${topic}"`, { maxBytes: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafdoClientError);
    expect((err as KafdoClientError).code).toBe("POLICY_VIOLATION");
  });

  it("answers 404 for a topic that does not exist", async () => {
    const res = await post(`/topics/no-such-topic-${Date.now()}/query`, { sql: "SELECT 1" });
    expect(res.status).toBe(404);
  });
});
