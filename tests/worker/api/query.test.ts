/*
 * SQL over a topic (api/query.ts): queries over random records in several partitions,
 * each answer checked against the same query run by SQLite over a plain table of the
 * records as the read API decodes them (the fields as JS reads them from the JSON, not
 * as the query path extracts them); the spec's example; pushdown of time and offset
 * filters seen in what was read; and the bad inputs, each refused with its code and
 * nothing changed.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdmin, createProducer, partitionOffsets, readPartition } from "../../../worker/api";
import { queryTopic } from "../../../worker/api/query";
import type { ConsumerRecord } from "../../../worker/common/records";
import { expectKafdoError, text } from "../helpers";

let topics = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${topics++}`;
const HOUR = 3_600_000;

/* A small seeded generator, so a failure can be run again as it was. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PARTITIONS = 4;
const STATUSES = ["completed", "pending", "failed"];

/* Random records: JSON orders mostly, some plain text, some tombstones; timestamps
 * spread over the last three hours, none within a minute of an hour ago (so the test's
 * NOW() and the query's agree about the spec's example), all distinct. */
function records(count: number, now: number, seed: number) {
  const rnd = random(seed);
  const used = new Set<number>();
  const out = [];
  for (let i = 0; i < count; i++) {
    let ts: number;
    do ts = now - Math.floor(rnd() * 3 * HOUR) - 1000;
    while (used.has(ts) || Math.abs(ts - (now - HOUR)) < 60_000);
    used.add(ts);
    const kind = rnd();
    const value =
      kind < 0.85
        ? {
            status: STATUSES[Math.floor(rnd() * 3)],
            amount: Math.round(rnd() * 20000) / 100,
            customer: { id: `c${Math.floor(rnd() * 20)}`, tier: rnd() < 0.5 ? "gold" : "basic" },
            items: Array.from({ length: Math.floor(rnd() * 3) }, () => `sku-${Math.floor(rnd() * 5)}`),
            ...(rnd() < 0.3 ? { flag: rnd() < 0.5 } : {}),
          }
        : kind < 0.95
          ? new TextEncoder().encode(`plain-${i}`)
          : null;
    out.push({
      partition: Math.floor(rnd() * PARTITIONS),
      key: rnd() < 0.9 ? `k${Math.floor(rnd() * 50)}` : null,
      value,
      timestamp: ts,
      headers: rnd() < 0.5 ? { source: rnd() < 0.5 ? "web" : "app" } : undefined,
    });
  }
  return out;
}

/* Every record of the topic, as the read API decodes them. */
async function readAll(topic: string): Promise<(ConsumerRecord & { partition: number })[]> {
  const all = [];
  for (let p = 0; p < PARTITIONS; p++) {
    for (let offset = 0; ;) {
      const read = await readPartition(env, topic, p, { offset, limit: 10000 });
      if (read.records.length === 0) break;
      all.push(...read.records.map((r) => ({ ...r, partition: p })));
      offset = read.records[read.records.length - 1]!.offset + 1;
    }
  }
  return all;
}

/* A top-level field as SQLite's JSON functions give it: numbers and text as they are,
 * true/false as 1/0, objects and arrays as their JSON text. */
function sqlValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "object") return JSON.stringify(v);
  return v;
}

/* The reference: `sql` run by SQLite over a table named as the topic, with the record
 * columns and `fields`, filled from the decoded records (in a Durable Object of its own). */
async function reference(
  topic: string,
  all: (ConsumerRecord & { partition: number })[],
  fields: string[],
  sql: string,
) {
  const stub = env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`sql-reference-${topics++}`));
  return await runInDurableObject(stub, async (_i, state) => {
    const db = state.storage.sql;
    const cols = ["partition", "offset", "timestamp", "key", "headers", "value", ...fields];
    db.exec(`CREATE TABLE "${topic}" (${cols.map((c) => `"${c}"`).join(", ")})`);
    for (const r of all) {
      const value = r.value === null ? null : text(r.value);
      let parsed: unknown;
      try {
        parsed = value === null ? undefined : JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      const obj =
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : {};
      const headers = JSON.stringify(Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])));
      db.exec(
        `INSERT INTO "${topic}" VALUES (${cols.map(() => "?").join(", ")})`,
        r.partition,
        r.offset,
        r.timestamp,
        text(r.key),
        headers,
        value,
        ...fields.map((f) => sqlValue(obj[f])),
      );
    }
    return db.exec(sql).toArray();
  });
}

describe("SQL over a topic, checked against SQLite over the decoded records", () => {
  const topic = fresh("orders");
  let all: (ConsumerRecord & { partition: number })[];
  let now: number;

  beforeAll(async () => {
    now = Date.now();
    await createAdmin(env).createTopic({ topic, partitions: PARTITIONS });
    const producer = createProducer(env);
    await producer.sendBatch(records(600, now, 18).map((r) => ({ topic, ...r })));
    await producer.close();
    all = await readAll(topic);
    expect(all).toHaveLength(600);
  });

  /* Each case: the query (NOW() and INTERVAL in the dialect), the fields it names, and
   * whether its rows come in an order the query fixes. */
  const cases: { sql: string; fields: string[]; ordered: boolean }[] = [
    {
      sql: `SELECT * FROM $T WHERE timestamp > NOW() - INTERVAL '1 hour' AND status = 'completed' ORDER BY timestamp DESC LIMIT 100`,
      fields: ["status"],
      ordered: true,
    },
    {
      sql: `SELECT * FROM $T WHERE timestamp > NOW() - INTERVAL '1 hour' AND status = 'completed' ORDER BY timestamp DESC LIMIT 5`,
      fields: ["status"],
      ordered: true,
    },
    {
      sql: `SELECT status, count(*) AS n, round(sum(amount), 2) AS total FROM $T GROUP BY status ORDER BY status`,
      fields: ["status", "amount"],
      ordered: true,
    },
    {
      sql: `SELECT partition, count(*) AS n, min(offset) AS lo, max(offset) AS hi FROM $T WHERE offset >= 10 AND offset < 50 GROUP BY partition ORDER BY partition`,
      fields: [],
      ordered: true,
    },
    {
      sql: `SELECT key, value ->> '$.customer.id' AS cid, amount FROM $T o WHERE o.partition IN (1, 3) AND amount > 50 ORDER BY amount DESC, partition, offset LIMIT 7 OFFSET 2`,
      fields: ["amount"],
      ordered: true,
    },
    { sql: `SELECT DISTINCT status FROM $T ORDER BY 1`, fields: ["status"], ordered: true },
    { sql: `SELECT count(*) AS n FROM $T WHERE value LIKE 'plain%'`, fields: [], ordered: false },
    {
      sql: `SELECT json_extract(headers, '$.source') AS src, count(*) AS c FROM $T GROUP BY src ORDER BY src`,
      fields: [],
      ordered: true,
    },
    {
      sql: `SELECT customer ->> '$.tier' AS tier, round(avg(amount), 4) AS a FROM $T WHERE timestamp BETWEEN NOW() - INTERVAL '2 hours' AND NOW() GROUP BY tier HAVING count(*) > 1 ORDER BY tier`,
      fields: ["customer", "amount"],
      ordered: true,
    },
    {
      sql: `SELECT j.value AS item, count(*) AS n FROM $T, json_each(CASE WHEN json_valid($T.value) THEN $T.value ELSE '{}' END, '$.items') AS j GROUP BY item ORDER BY item`,
      fields: [],
      ordered: true,
    },
    {
      sql: `WITH c AS (SELECT status, amount FROM $T WHERE amount IS NOT NULL) SELECT status, max(amount) AS m FROM c GROUP BY status ORDER BY status`,
      fields: ["status", "amount"],
      ordered: true,
    },
    { sql: `SELECT * FROM $T WHERE offset = 3 ORDER BY partition`, fields: [], ordered: true },
    { sql: `SELECT count(*) AS n FROM $T WHERE timestamp > NOW()`, fields: [], ordered: false },
    { sql: `SELECT key, flag FROM $T WHERE flag = 1 AND partition = 2`, fields: ["flag"], ordered: false },
    { sql: `SELECT offset, key FROM $T WHERE value IS NULL LIMIT 1000;`, fields: [], ordered: false },
  ];

  for (const c of cases) {
    it(c.sql, async () => {
      const sql = c.sql.replaceAll("$T", `"${topic}"`);
      const got = await queryTopic(env, topic, sql);
      const referenceSql = sql
        .replaceAll("NOW()", `${now}`)
        .replaceAll("INTERVAL '1 hour'", `${HOUR}`)
        .replaceAll("INTERVAL '2 hours'", `${2 * HOUR}`)
        .replace(/;$/, "");
      const want = await reference(topic, all, c.fields, referenceSql);
      const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
      if (c.ordered) expect(got.rows).toEqual(want);
      else expect(sorted(got.rows)).toEqual(sorted(want));
    });
  }

  it("runs the spec's example as written", async () => {
    const got = await queryTopic(
      env,
      topic,
      `SELECT * FROM "${topic}"\n  WHERE timestamp > NOW() - INTERVAL '1 hour'\n    AND status = 'completed'\n  ORDER BY timestamp DESC\n  LIMIT 100`,
    );
    const completed = all.filter((r) => r.timestamp > now - HOUR && /"completed"/.test(text(r.value) ?? ""));
    expect(got.rows.length).toBe(Math.min(100, completed.length));
    expect(got.rows.length).toBeGreaterThan(0);
    expect(got.rows.every((r) => r.status === "completed")).toBe(true);
  });
});

describe("SQL over a topic: pushdown", () => {
  /* Per partition: 300 records three hours old, then 5 from the last ten minutes. */
  async function aged(topic: string): Promise<number> {
    const now = Date.now();
    await createAdmin(env).createTopic({ topic, partitions: PARTITIONS });
    const producer = createProducer(env);
    for (const [count, age] of [
      [300, 3 * HOUR],
      [5, 600_000],
    ] as const) {
      const batch = [];
      for (let p = 0; p < PARTITIONS; p++) {
        for (let i = 0; i < count; i++) {
          batch.push({
            topic,
            partition: p,
            key: `k${i}`,
            value: { status: i % 2 ? "completed" : "pending", i },
            timestamp: now - age + i,
          });
        }
      }
      await producer.sendBatch(batch);
    }
    await producer.close();
    return now;
  }

  it("reads only the last hour's records for the spec's example, and all of them without the time filter", async () => {
    const topic = fresh("aged");
    await aged(topic);
    const spec = await queryTopic(
      env,
      topic,
      `SELECT * FROM "${topic}" WHERE timestamp > NOW() - INTERVAL '1 hour' AND status = 'completed' ORDER BY timestamp DESC LIMIT 100`,
    );
    expect(spec.stats.recordsRead).toBe(5 * PARTITIONS);
    expect(spec.rows).toHaveLength(2 * PARTITIONS);
    const untimed = await queryTopic(
      env,
      topic,
      `SELECT * FROM "${topic}" WHERE status = 'completed' ORDER BY timestamp DESC LIMIT 100`,
    );
    expect(untimed.stats.recordsRead).toBe(305 * PARTITIONS);
    expect(untimed.stats.bytesRead).toBeGreaterThan(50 * spec.stats.bytesRead);
    expect(untimed.rows).toHaveLength(100);
  });

  it("reads only the offsets and partitions the filters leave", async () => {
    const topic = fresh("aged");
    await aged(topic);
    const got = await queryTopic(
      env,
      topic,
      `SELECT count(*) AS n FROM "${topic}" WHERE offset BETWEEN 10 AND 19 AND partition = 2`,
    );
    expect(got.rows).toEqual([{ n: 10 }]);
    expect(got.stats).toMatchObject({ partitions: 1, recordsRead: 10 });
    const some = await queryTopic(
      env,
      topic,
      `SELECT count(*) AS n FROM "${topic}" WHERE partition IN (0, 3) AND offset > 300`,
    );
    expect(some.rows).toEqual([{ n: 8 }]);
    expect(some.stats).toMatchObject({ partitions: 2, recordsRead: 8 });
  });
});

describe("SQL over a topic: bad input is refused and changes nothing", () => {
  const topic = fresh("bad");
  beforeAll(async () => {
    await createAdmin(env).createTopic({ topic, partitions: 2 });
    const producer = createProducer(env);
    await producer.sendBatch(
      Array.from({ length: 40 }, (_, i) => ({
        topic,
        partition: i % 2,
        key: `k${i}`,
        value: { status: "completed", i },
      })),
    );
    await producer.close();
  });

  /* The SQL, the code, what the message says, and the budget when it is the point. */
  const refusals: [string, string, RegExp, { maxRows?: number; maxBytes?: number }?][] = [
    ["DELETE FROM $T", "INVALID_REQUEST", /must be a SELECT.*not DELETE/],
    ["UPDATE $T SET value = 1", "INVALID_REQUEST", /must be a SELECT.*not UPDATE/],
    ["DROP TABLE log_batches", "INVALID_REQUEST", /must be a SELECT.*not DROP/],
    ["SELECT * FROM $T; DELETE FROM log_batches", "INVALID_REQUEST", /one statement/],
    ["SELECT * FROM $T; /* ; */ SELECT 1", "INVALID_REQUEST", /one statement/],
    ["SELEC * FROM $T", "INVALID_REQUEST", /does not parse/],
    ["SELECT * FROM $T WHERE key = 'unterminated", "INVALID_REQUEST", /unterminated string/],
    ["SELECT * FROM log_batches", "INVALID_REQUEST", /unknown table "log_batches"/],
    ["SELECT * FROM _kafdo_query_rows", "INVALID_REQUEST", /unknown table "_kafdo_query_rows"/],
    ["SELECT * FROM main.log_batches", "INVALID_REQUEST", /unknown table main.log_batches/],
    ["SELECT stauts FROM $T", "INVALID_REQUEST", /unknown column "stauts"/],
    ["SELECT x.status FROM $T", "INVALID_REQUEST", /no such column: x.status/],
    ["SELECT * FROM $T a JOIN $T b ON a.key = b.key", "INVALID_REQUEST", /name the topic .* once/],
    ["SELECT * FROM $T WHERE key IN (SELECT key FROM $T)", "INVALID_REQUEST", /name the topic .* once/],
    [
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n, $T",
      "INVALID_REQUEST",
      /RECURSIVE/,
    ],
    ["SELECT * FROM $T WHERE timestamp > NOW() - INTERVAL '1 fortnight'", "INVALID_REQUEST", /INTERVAL '1 fortnight'/],
    ["SELECT nosuchfunction(value) FROM $T", "INVALID_REQUEST", /failed in SQLite: .*nosuchfunction/],
    [
      "SELECT * FROM $T",
      "POLICY_VIOLATION",
      /would read 40 records, more than its row budget \(maxRows 39\)/,
      { maxRows: 39 },
    ],
    ["SELECT * FROM $T", "POLICY_VIOLATION", /byte budget \(maxBytes 100\)/, { maxBytes: 100 }],
    /* Each partition reads about 620 bytes, under the budget; the two together pass it. */
    [
      "SELECT * FROM $T",
      "POLICY_VIOLATION",
      /the query read \d+ bytes, more than its byte budget \(maxBytes 1000\)/,
      { maxBytes: 1000 },
    ],
    ["SELECT * FROM $T", "INVALID_REQUEST", /maxRows must be an integer/, { maxRows: 0 }],
  ];

  for (const [sql, code, message, opts] of refusals) {
    it(`${sql} ${opts ? JSON.stringify(opts) : ""}`, async () => {
      const before = await Promise.all([0, 1].map((p) => partitionOffsets(env, topic, p)));
      const err = await expectKafdoError(() => queryTopic(env, topic, sql.replaceAll("$T", `"${topic}"`), opts), code);
      expect(err.message).toMatch(message);
      expect(await Promise.all([0, 1].map((p) => partitionOffsets(env, topic, p)))).toEqual(before);
      const again = await queryTopic(env, topic, `SELECT count(*) AS n FROM "${topic}"`);
      expect(again.rows).toEqual([{ n: 40 }]);
    });
  }
});

describe("SQL over a topic: size", () => {
  it("reads a partition whose rows are more than one SQLite string holds", async () => {
    const topic = fresh("big");
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const producer = createProducer(env);
    const pad = "x".repeat(1000);
    for (let b = 0; b < 10; b++) {
      await producer.sendBatch(
        Array.from({ length: 1000 }, (_, i) => ({ topic, partition: 0, value: { i: b * 1000 + i, pad } })),
      );
    }
    await producer.close();
    const got = await queryTopic(
      env,
      topic,
      `SELECT count(*) AS n, sum(i) AS s FROM "${topic}" WHERE length(pad) = 1000`,
    );
    expect(got.rows).toEqual([{ n: 10000, s: (9999 * 10000) / 2 }]);
    expect(got.stats.bytesRead).toBeGreaterThan(10_000_000);
  }, 60_000);
});
