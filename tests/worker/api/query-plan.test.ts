/*
 * The SQL dialect's rewriting (api/query-dialect.ts) and a query's plan (api/query-plan.ts):
 * NOW() and INTERVAL turned into ms only where they are code, one statement, the JSON
 * fields found, and the bounds the WHERE gives the partitions' reads.
 */
import { describe, expect, it } from "vitest";
import { codeWords, toSqlite, withTable } from "../../../worker/api/query-dialect";
import { planQuery } from "../../../worker/api/query-plan";
import { KafdoError } from "../../../worker/common/errors";

const NOW = 1_700_000_000_000;

describe("the dialect", () => {
  it("turns NOW() and INTERVAL '<n> <unit>' into ms, only where they are code", () => {
    expect(toSqlite("SELECT * FROM t WHERE timestamp > NOW() - INTERVAL '1 hour'", NOW)).toBe(
      `SELECT * FROM t WHERE timestamp > (${NOW}) - (3600000)`,
    );
    expect(toSqlite("SELECT now ( ), 'NOW()', \"NOW\" -- NOW()\n, /* INTERVAL '1 day' */ 1", NOW)).toBe(
      `SELECT (${NOW}), 'NOW()', "NOW" -- NOW()\n, /* INTERVAL '1 day' */ 1`,
    );
    const ms = (s: string) => toSqlite(`SELECT INTERVAL '${s}'`, NOW);
    expect(ms("90 minutes")).toBe("SELECT (5400000)");
    expect(ms("1.5 h")).toBe("SELECT (5400000)");
    expect(ms("2 days")).toBe("SELECT (172800000)");
    expect(ms("1 week")).toBe("SELECT (604800000)");
    expect(ms("500 ms")).toBe("SELECT (500)");
    expect(ms(" 3  SECONDS ")).toBe("SELECT (3000)");
    for (const bad of ["hour", "1 fortnight", "-1 hour", "1 hour 2 minutes", ""]) {
      expect(() => ms(bad), bad).toThrow(/INTERVAL '.*' is not '<number> <unit>'/);
    }
  });

  it("takes a final ; off and refuses one anywhere else", () => {
    expect(toSqlite("SELECT 1;  -- done", NOW)).toBe("SELECT 1  -- done");
    expect(toSqlite("SELECT ';' AS x", NOW)).toBe("SELECT ';' AS x");
    expect(() => toSqlite("SELECT 1; SELECT 2", NOW)).toThrow(/one statement/);
    expect(() => toSqlite("SELECT 1;;", NOW)).toThrow(/one statement/);
    expect(() => toSqlite("  -- nothing\n", NOW)).toThrow(/empty/);
    expect(() => toSqlite("SELECT 'x", NOW)).toThrow(KafdoError);
  });

  it("defines the topic's table before the statement, joined to its own WITH", () => {
    expect(withTable("SELECT 1", "t AS (SELECT 2)")).toBe("WITH t AS (SELECT 2) SELECT 1");
    expect(withTable("/* c */ with a AS (SELECT 1) SELECT * FROM a", "t AS (SELECT 2)")).toBe(
      "/* c */ WITH t AS (SELECT 2), a AS (SELECT 1) SELECT * FROM a",
    );
    expect(codeWords("SELECT 'recursive' /* RECURSIVE */, x")).toEqual(["SELECT", "X"]);
  });
});

describe("a query's plan", async () => {
  const scan = async (where: string) => (await planQuery("t", `SELECT * FROM t o WHERE ${where}`, NOW)).scan;

  it("refuses table functions but json_each and json_tree", async () => {
    await expect(planQuery("t", "SELECT * FROM t, pragma_table_info('log_batches')", NOW)).rejects.toThrow(
      /not pragma_table_info/,
    );
    expect((await planQuery("t", "SELECT j.value FROM t, json_tree(t.value) j", NOW)).fields).toEqual([]);
  });

  it("bounds the reads by the WHERE's conjuncts on timestamp, offset and partition", async () => {
    expect(
      await scan("timestamp > 1000 AND offset >= 5 AND offset < 10 AND partition IN (1, 2) AND status = 'x'"),
    ).toEqual({
      fromTimestamp: 1000,
      fromOffset: 5,
      toOffset: 10,
      partitions: [1, 2],
    });
    expect(
      await scan("5 < offset AND 9 >= o.offset AND (partition = 3 AND timestamp >= NOW() - INTERVAL '1 hour')"),
    ).toEqual({
      fromOffset: 6,
      toOffset: 10,
      partitions: [3],
      fromTimestamp: NOW - 3_600_000,
    });
    expect(await scan("o.offset BETWEEN 3 AND 7 AND timestamp BETWEEN 10 AND 20")).toEqual({
      fromOffset: 3,
      toOffset: 8,
      fromTimestamp: 10,
    });
    expect(await scan("offset = 4 AND partition IN (1, 2) AND partition = 2")).toEqual({
      fromOffset: 4,
      toOffset: 5,
      partitions: [2],
    });
  });

  it("does not bound what a disjunction, another table's column or a non-constant compares", async () => {
    expect(await scan("offset > 5 OR status = 'x'")).toEqual({});
    expect(await scan("timestamp < 1000")).toEqual({});
    expect(await scan("offset > amount")).toEqual({});
    expect(await scan("offset > '5'")).toEqual({});
    expect((await planQuery("t", "SELECT * FROM (SELECT * FROM t) s WHERE offset > 5", NOW)).scan).toEqual({});
  });

  it("names as JSON fields the columns that are not the record's or the statement's own", async () => {
    const plan = await planQuery(
      "t",
      `WITH c(x) AS (SELECT amount FROM t WHERE "Status" = 'a' AND status <> 'b') SELECT x, x AS y FROM c WHERE y > 1 ORDER BY customer`,
      NOW,
    );
    expect(plan.fields).toEqual(["amount", "Status", "customer"]);
  });

  it("pushes the WHERE, and ORDER BY with LIMIT when nothing groups, down to the partitions", async () => {
    const spec = await planQuery(
      "t",
      "SELECT * FROM t WHERE status = 'completed' ORDER BY timestamp DESC LIMIT 100 OFFSET 5",
      NOW,
    );
    expect(spec.pushdown).toMatch(/WHERE "status" = 'completed' ORDER BY "timestamp" DESC LIMIT 105$/);
    const grouped = await planQuery(
      "t",
      "SELECT status, count(*) FROM t WHERE amount > 1 GROUP BY status ORDER BY 2 LIMIT 1",
      NOW,
    );
    expect(grouped.pushdown).toMatch(/WHERE "amount" > 1$/);
    const aliased = await planQuery("t", "SELECT amount * 2 AS a FROM t ORDER BY a LIMIT 3", NOW);
    expect(aliased.pushdown).not.toMatch(/LIMIT/);
    const filtered = await planQuery("t", "SELECT amount * 2 AS a FROM t WHERE a > 5 ORDER BY offset LIMIT 3", NOW);
    expect(filtered.pushdown).not.toMatch(/WHERE|LIMIT/);
  });
});
