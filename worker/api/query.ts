/*
 * query.ts — SQL over a topic for code running in a Worker (and for the REST front and
 * kafdo/client): queryTopic(env, topic, sql) answers the statement's rows.
 *
 * query-plan.ts reads the SQL (the dialect and its limits are told there); this file
 * runs it: the offsets each partition's filters leave (Kafka's ListOffsets by time for
 * a lower bound on timestamp), the row budget checked against them before anything is
 * read, then each partition's share (durable-objects/query-rows.ts) in parallel, and,
 * when more than one partition has records to read, the merge in one of them.
 *
 * Budgets: maxRows bounds the records read (and the rows answered), maxBytes the bytes
 * of keys, values and headers read; past either the query fails with POLICY_VIOLATION
 * and a message that says which, having changed nothing.
 */
import { typedEnv, type KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { PartitionQuery, PartitionQueryResult, QueryOptions, QueryResult, RecordRow } from "../common/query";
import { overBudget, RECORD_COLUMNS } from "../durable-objects/query-rows";
import { callPartition } from "../partitions/access";
import { topicFor } from "../partitions/topics";
import { planQuery, type QueryPlan } from "./query-plan";

export const DEFAULT_QUERY_ROWS = 100_000;
export const MAX_QUERY_ROWS = 10_000_000;
export const DEFAULT_QUERY_BYTES = 16 << 20;
export const MAX_QUERY_BYTES = 1 << 30;

function invalid(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

function budget(what: string, v: number | undefined, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max)
    throw invalid(`${what} must be an integer from 1 to ${max}, not ${v}`);
  return v;
}

interface Range {
  partition: number;
  from: number;
  to: number;
}

/* The offsets of `partition` the plan's bounds leave: [from, to). */
async function rangeOf(
  stub: { offsets(): unknown; offsetForTimestamp(t: number): unknown },
  partition: number,
  plan: QueryPlan,
): Promise<Range> {
  const o = (await stub.offsets()) as { logStartOffset: number; highWatermark: number };
  let from = Math.max(o.logStartOffset, plan.scan.fromOffset ?? 0);
  const t = plan.scan.fromTimestamp;
  if (t !== undefined && t > 0) {
    const at = Number.isSafeInteger(Math.ceil(t))
      ? ((await stub.offsetForTimestamp(Math.ceil(t))) as { offset: number }).offset
      : -1;
    from = Math.max(from, at < 0 ? o.highWatermark : at);
  }
  const to = Math.min(o.highWatermark, plan.scan.toOffset ?? Infinity);
  return { partition, from, to: Math.max(from, to) };
}

/* Refuses a JSON field that no value read has, when some value read was a JSON object:
 * a misspelt column, rather than a column of NULLs. */
function checkFields(plan: QueryPlan, results: PartitionQueryResult[]): void {
  if (!results.some((r) => r.sawObject)) return;
  plan.fields.forEach((field, i) => {
    if (!results.some((r) => r.fieldsSeen[i])) {
      throw invalid(
        `unknown column "${field}": not a record column (${RECORD_COLUMNS.join(", ")}) ` +
          "nor a top-level field of any JSON value the query read",
      );
    }
  });
}

/* Runs `sql` over topic `topicName` (see the header). */
export async function queryTopic(
  env: KafdoBindings,
  topicName: string,
  sql: string,
  opts: QueryOptions = {},
): Promise<QueryResult> {
  if (typeof sql !== "string") throw invalid("the query's sql must be a string");
  const maxRows = budget("maxRows", opts.maxRows, DEFAULT_QUERY_ROWS, MAX_QUERY_ROWS);
  const maxBytes = budget("maxBytes", opts.maxBytes, DEFAULT_QUERY_BYTES, MAX_QUERY_BYTES);
  const typed = typedEnv(env);
  const topic = await topicFor(typed, topicName);
  const plan = await planQuery(topic.name, sql, Date.now());
  const all = Array.from({ length: topic.partitions }, (_, p) => p);
  const chosen = all.filter((p) => plan.scan.partitions === undefined || plan.scan.partitions.includes(p));
  const ranges = await Promise.all(
    chosen.map((p) => callPartition(typed, topic, p, async (stub) => rangeOf(stub, p, plan))),
  );
  const records = ranges.reduce((n, r) => n + (r.to - r.from), 0);
  if (records > maxRows) {
    throw overBudget(
      `the query would read ${records} records, more than its row budget (maxRows ${maxRows}): ` +
        "narrow it with a filter on timestamp or offset, or raise maxRows",
    );
  }
  const share = (r: Range, statement: string, raw: boolean): PartitionQuery => ({
    topic: topic.name,
    partition: r.partition,
    fromOffset: r.from,
    toOffset: r.to,
    maxBytes,
    maxRows,
    fields: plan.fields,
    statement,
    raw,
  });
  const reading = ranges.filter((r) => r.to > r.from);
  const stats = (results: PartitionQueryResult[]) => {
    const bytesRead = results.reduce((n, r) => n + r.bytesRead, 0);
    if (bytesRead > maxBytes) {
      throw overBudget(
        `the query read ${bytesRead} bytes, more than its byte budget (maxBytes ${maxBytes}): ` +
          "narrow it with a filter on timestamp or offset, or raise maxBytes",
      );
    }
    return { partitions: ranges.length, recordsRead: results.reduce((n, r) => n + r.recordsRead, 0), bytesRead };
  };
  if (reading.length <= 1) {
    /* One partition (or none) has records: it runs the whole statement. */
    const r = reading[0] ?? ranges[0] ?? { partition: 0, from: 0, to: 0 };
    const result = await callPartition(typed, topic, r.partition, async (stub) =>
      stub.query(share(r, plan.statement, false)),
    );
    checkFields(plan, [result]);
    return { rows: result.rows as QueryResult["rows"], stats: stats([result]) };
  }
  const parts = await Promise.all(
    reading.map((r) =>
      callPartition(typed, topic, r.partition, async (stub) => stub.query(share(r, plan.pushdown, true))),
    ),
  );
  checkFields(plan, parts);
  const read = stats(parts);
  const rows = parts.flatMap((p) => p.rows as RecordRow[]);
  /* The merge runs in one of the partitions read, chosen at random to spread the work. */
  const merger = reading[Math.floor(Math.random() * reading.length)]!;
  const merged = await callPartition(typed, topic, merger.partition, async (stub) =>
    stub.queryMerge(share({ ...merger, from: 0, to: 0 }, plan.statement, false), rows),
  );
  return { rows: merged.rows as QueryResult["rows"], stats: read };
}
