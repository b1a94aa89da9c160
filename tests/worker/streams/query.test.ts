/*
 * SQL on the stream: kafka`orders`.query(sql) and stream(env, topic).query(sql) run the
 * topic's SQL (api/query.ts) and answer what SQLite answers over the same records; a
 * query after a step is refused before anything is read.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer, kafka, stream } from "kafdo";

const STATUSES = ["completed", "pending", "failed"];

describe("SQL on the stream", { timeout: 60_000 }, () => {
  it("kafka`orders`.query and stream(env, topic).query answer the topic's SQL", async () => {
    const topic = `stream-sql-${Date.now().toString(36)}`;
    await createAdmin(env).createTopic({ topic, partitions: 3 });
    const orders = Array.from({ length: 40 }, (_, i) => ({ id: i, status: STATUSES[i % 3]!, amount: (i * 13) % 50 }));
    const producer = createProducer(env);
    await producer.sendBatch(orders.map((o) => ({ topic, key: `o-${o.id}`, value: o })));
    await producer.close();

    const sql = `SELECT status, COUNT(*) AS n, SUM(amount) AS total FROM "${topic}" GROUP BY status ORDER BY status`;
    const expected = [...STATUSES].sort().map((status) => {
      const of = orders.filter((o) => o.status === status);
      return { status, n: of.length, total: of.reduce((t, o) => t + o.amount, 0) };
    });
    const tagged = await kafka`${topic}`.query(sql);
    expect(tagged.rows).toEqual(expected);
    const plain = await stream(env, topic).query(sql);
    expect(plain.rows).toEqual(expected);
  });

  it("refuses a query after a step, before reading", () => {
    expect(() =>
      stream(env, "anything")
        .filter(() => true)
        .query("SELECT 1"),
    ).toThrow(/before any step/);
  });
});
