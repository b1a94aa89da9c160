/*
 * query-plan.ts — a query's SQL read before anything runs: checked to be one read-only
 * SELECT over the topic, its columns found, its filters on time, offset and partition
 * turned into the ranges each partition reads, and the statements the partitions run.
 *
 * The dialect is SQLite's (SQLite runs every statement), with NOW() and INTERVAL
 * (query-dialect.ts), over one table named as the topic:
 *
 *   partition, offset, timestamp (ms since the epoch), key, headers (JSON object text),
 *   value (the value's text), and any other name: the top-level field of that name of
 *   a JSON object value (NULL where a value has none), so `status = 'completed'`
 *   reads {"status": "completed"}; deeper fields with SQLite's JSON functions and
 *   operators (value ->> '$.customer.id', json_each(value, '$.items')).
 *
 * The text is parsed with node-sql-parser's SQLite grammar (its AST is walked here,
 * never executed); a statement it does not parse is refused, as is anything but one
 * SELECT, a table other than the topic (or the statement's own WITH tables), the topic
 * named twice (a join or a subquery over it), WITH RECURSIVE: each of those could make
 * a query read or loop past its budget. A SELECT cannot write; the partitions also run
 * it in a transaction they roll back (durable-objects/query-rows.ts).
 *
 * Pushdown: the conjuncts of the top-level WHERE on timestamp (lower bounds: the
 * partitions start at Kafka's ListOffsets by time, the first offset at or after it),
 * offset (both bounds) and partition (= and IN) narrow what is read. When several
 * partitions are read, each runs the WHERE (and ORDER BY with LIMIT, when nothing
 * groups or aggregates) itself and answers the records that pass; one of them runs the
 * whole statement over all of those (the merge), so GROUP BY, ORDER BY, LIMIT,
 * DISTINCT and aggregates see every partition's rows. With one partition read, it runs
 * the whole statement at once.
 */
import type { Parser } from "node-sql-parser/build/sqlite";
import { KafdoError, KafkaCode } from "../common/errors";
import { RECORD_COLUMNS, quoteIdentifier, topicTable } from "../durable-objects/query-rows";
import { codeWords, toSqlite, withTable } from "./query-dialect";

/* What the filters leave of the topic; absent: no bound. */
export interface ScanBounds {
  fromTimestamp?: number;
  fromOffset?: number;
  toOffset?: number;
  partitions?: number[];
}

export interface QueryPlan {
  /* The JSON fields named as columns. */
  fields: string[];
  scan: ScanBounds;
  /* The whole statement, over the topic's table. */
  statement: string;
  /* What each partition runs when several are read: its records that pass the WHERE. */
  pushdown: string;
}

type Node = Record<string, unknown>;

const DIALECT = { database: "sqlite" };

/* The parser, loaded with the first query: its 200 KB need not slow every isolate's start. */
let loading: Promise<Parser> | undefined;
function sqlParser(): Promise<Parser> {
  return (loading ??= import("node-sql-parser/build/sqlite").then((m) => new m.Parser()));
}

function invalid(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/* Every node of the AST, depth first. */
function* nodes(v: unknown): Generator<Node> {
  if (Array.isArray(v)) for (const x of v) yield* nodes(x);
  else if (isNode(v)) {
    yield v;
    for (const x of Object.values(v)) yield* nodes(x);
  }
}

/* A column reference's name ("x" and `x` are names too, as in SQLite), else undefined. */
function columnName(n: Node): string | undefined {
  if (n.type === "double_quote_string" || n.type === "backticks_quote_string") return String(n.value);
  if (n.type !== "column_ref") return undefined;
  const c = n.column;
  if (typeof c === "string") return c;
  if (isNode(c) && isNode(c.expr)) return String(c.expr.value);
  return undefined;
}

const isRecordColumn = (name: string): boolean => (RECORD_COLUMNS as readonly string[]).includes(name.toLowerCase());

/* The one SELECT the text holds, as node-sql-parser's AST. */
function parse(parser: Parser, sql: string): Node {
  let ast: unknown;
  try {
    ast = parser.astify(sql, DIALECT);
  } catch (e) {
    throw invalid(`the SQL does not parse: ${(e as Error).message}`);
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1) throw invalid("the SQL must be one statement");
    ast = ast[0];
  }
  if (!isNode(ast) || ast.type !== "select") {
    throw invalid(
      `the SQL must be a SELECT (queries are read-only), not ${isNode(ast) ? String(ast.type).toUpperCase() : "this"}`,
    );
  }
  return ast;
}

/* The table-valued functions a query may read from (over its own values). */
const TABLE_FUNCTIONS = ["json_each", "json_tree"];

/* Refuses what a query may not do (see the header); the statement's own WITH names. */
function checkTables(ast: Node, topic: string): void {
  const own = new Set<string>();
  for (const n of nodes(ast)) {
    if (Array.isArray(n.with)) for (const w of n.with as Node[]) own.add(String((w.name as Node).value));
  }
  let topicNamed = 0;
  for (const n of nodes(ast)) {
    for (const item of Array.isArray(n.from) ? (n.from as Node[]) : []) {
      const e = item.expr;
      if (!isNode(e) || "ast" in e) continue;
      const name = isNode(e.name) && Array.isArray(e.name.name) ? String((e.name.name[0] as Node).value) : "";
      if (e.type !== "function" || !TABLE_FUNCTIONS.includes(name.toLowerCase())) {
        throw invalid(`only json_each and json_tree may stand beside the topic in FROM, not ${name || "this"}`);
      }
    }
    if (n.recursive === true) throw invalid("WITH RECURSIVE is not allowed in a query");
    if (!("table" in n) || n.type === "column_ref" || typeof n.table !== "string" || !("as" in n)) continue;
    if (n.db !== null && n.db !== undefined)
      throw invalid(`unknown table ${n.db}.${n.table}: the query's table is "${topic}"`);
    if (n.table === topic) topicNamed++;
    else if (!own.has(n.table)) throw invalid(`unknown table "${n.table}": the query's table is the topic, "${topic}"`);
  }
  if (topicNamed === 0) throw invalid(`the query must read the topic: FROM "${topic}"`);
  if (topicNamed > 1) throw invalid(`the query may name the topic "${topic}" once (no joins or subqueries over it)`);
}

/* The names the statement uses as columns that are not the record's, nor its own
 * aliases or WITH columns: the JSON fields. */
function jsonFields(ast: Node): string[] {
  const own = new Set<string>();
  for (const n of nodes(ast)) {
    if ("expr" in n && typeof n.as === "string") own.add(n.as.toLowerCase());
    if (Array.isArray(n.with)) {
      for (const w of n.with as Node[])
        for (const c of (w.columns as Node[] | null) ?? []) own.add(String(columnName(c)).toLowerCase());
    }
  }
  const fields = new Map<string, string>();
  for (const n of nodes(ast)) {
    const name = columnName(n);
    if (name === undefined || name === "*" || isRecordColumn(name) || own.has(name.toLowerCase())) continue;
    if (/["\\]/.test(name)) throw invalid(`column ${JSON.stringify(name)}: a field name may not hold " or \\`);
    if (!fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), name);
  }
  return [...fields.values()];
}

/* The number a constant expression (numbers, + - * /, unary minus) is, else undefined. */
function constant(n: unknown): number | undefined {
  if (!isNode(n)) return undefined;
  if (n.type === "number" && typeof n.value === "number") return n.value;
  if (n.type === "unary_expr" && n.operator === "-") {
    const v = constant(n.expr);
    return v === undefined ? undefined : -v;
  }
  if (n.type !== "binary_expr") return undefined;
  const [a, b] = [constant(n.left), constant(n.right)];
  if (a === undefined || b === undefined) return undefined;
  switch (n.operator) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    default:
      return undefined;
  }
}

const FLIP: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" };

/* Narrows `scan` by one conjunct of the WHERE, when it bounds a record column. */
function narrow(scan: ScanBounds, c: Node, table: (q: unknown) => boolean): void {
  const column = (n: unknown): string | undefined =>
    isNode(n) && n.type === "column_ref" && table(n.table) ? columnName(n)?.toLowerCase() : undefined;
  const atLeast = (k: "fromOffset" | "fromTimestamp", v: number): void => {
    scan[k] = Math.max(scan[k] ?? -Infinity, v);
  };
  const below = (v: number): void => {
    scan.toOffset = Math.min(scan.toOffset ?? Infinity, v);
  };
  if (c.operator === "BETWEEN" && isNode(c.right) && Array.isArray(c.right.value)) {
    const [lo, hi] = (c.right.value as unknown[]).map(constant);
    narrow(scan, { type: "binary_expr", operator: ">=", left: c.left, right: c.right.value[0] }, table);
    if (lo !== undefined && hi !== undefined)
      narrow(scan, { type: "binary_expr", operator: "<=", left: c.left, right: c.right.value[1] }, table);
    return;
  }
  if (c.operator === "IN" && column(c.left) === "partition" && isNode(c.right) && Array.isArray(c.right.value)) {
    const values = (c.right.value as unknown[]).map(constant);
    if (values.every((v) => v !== undefined)) scan.partitions = intersect(scan.partitions, values as number[]);
    return;
  }
  let [name, op, v] = [column(c.left), String(c.operator), constant(c.right)];
  if (name === undefined) [name, op, v] = [column(c.right), FLIP[String(c.operator)] ?? "", constant(c.left)];
  if (name === undefined || v === undefined || !(op in FLIP)) return;
  if (name === "timestamp" && (op === ">" || op === ">=" || op === "=")) atLeast("fromTimestamp", v);
  if (name === "offset") {
    if (op === ">=" || op === "=") atLeast("fromOffset", Math.ceil(v));
    if (op === ">") atLeast("fromOffset", Math.floor(v) + 1);
    if (op === "<") below(Math.ceil(v));
    if (op === "<=" || op === "=") below(Math.floor(v) + 1);
  }
  if (name === "partition" && op === "=") scan.partitions = intersect(scan.partitions, [v]);
}

function intersect(a: number[] | undefined, b: number[]): number[] {
  return a === undefined ? b : a.filter((x) => b.includes(x));
}

function conjuncts(where: unknown): Node[] {
  if (!isNode(where)) return [];
  if (where.type === "binary_expr" && where.operator === "AND")
    return [...conjuncts(where.left), ...conjuncts(where.right)];
  return [where];
}

const hasSubquery = (n: unknown): boolean => [...nodes(n)].some((x) => x.type === "select" || "ast" in x);
const aggregates = (n: unknown): boolean =>
  [...nodes(n)].some((x) => x.type === "aggr_func" || (isNode(x.over) && x.over !== null));

/* The statement each partition runs when several are read; the scan's bounds. */
function pushdown(parser: Parser, ast: Node, topic: string, aliases: Set<string>): { scan: ScanBounds; sql: string } {
  const everything = `SELECT ${RECORD_COLUMNS.map(quoteIdentifier).join(", ")} FROM ${quoteIdentifier(topic)}`;
  const from = ast.from as Node[];
  /* Only a statement that reads the topic itself, alone, is pushed down. */
  if (ast._next || ast.with || from.length !== 1 || from[0]!.table !== topic) return { scan: {}, sql: everything };
  const alias = typeof from[0]!.as === "string" ? from[0]!.as : undefined;
  const table = (q: unknown): boolean => q === null || q === undefined || q === topic || q === alias;
  const scan: ScanBounds = {};
  for (const c of conjuncts(ast.where)) narrow(scan, c, table);
  /* The WHERE runs in each partition unless it reads a subquery or an alias of the
   * select list (which the partitions' statement does not have). */
  const named = (n: unknown): boolean =>
    [...nodes(n)].some((x) => {
      const name = columnName(x);
      return name !== undefined && aliases.has(name.toLowerCase());
    });
  const where = ast.where && !hasSubquery(ast.where) && !named(ast.where) ? ast.where : null;
  /* ORDER BY with LIMIT: each partition's first rows hold the merge's, when the rows
   * are the records (nothing groups them) and the order reads only their columns. */
  const orderby = (ast.orderby as Node[] | null) ?? [];
  const limit = ast.limit as { value: Node[]; seperator: string } | null;
  const ordered =
    limit?.value?.length &&
    limit.value.every((v) => v.type === "number") &&
    !ast.groupby &&
    !ast.having &&
    !ast.distinct &&
    !aggregates(ast.columns) &&
    !hasSubquery(ast.orderby) &&
    where === ast.where &&
    orderby.every((o) => !(isNode(o.expr) && o.expr.type === "number") && !named(o.expr));
  const keep = ordered ? limit.value.reduce((s, v) => s + Number(v.value), 0) : undefined;
  try {
    const sql = parser.sqlify(
      {
        with: null,
        type: "select",
        options: null,
        distinct: null,
        columns: RECORD_COLUMNS.map((c) => ({
          expr: { type: "column_ref", table: alias ?? null, column: c },
          as: null,
        })),
        from: ast.from,
        where,
        groupby: null,
        having: null,
        orderby: ordered && orderby.length > 0 ? orderby : null,
        limit: keep === undefined ? null : { seperator: "", value: [{ type: "number", value: keep }] },
      } as never,
      DIALECT,
    );
    return { scan, sql };
  } catch {
    return { scan, sql: everything };
  }
}

/* Reads a query; `now` is what NOW() is. */
export async function planQuery(topic: string, text: string, now: number): Promise<QueryPlan> {
  const sql = toSqlite(text, now);
  if (codeWords(sql).includes("RECURSIVE")) throw invalid("WITH RECURSIVE is not allowed in a query");
  const parser = await sqlParser();
  const ast = parse(parser, sql);
  checkTables(ast, topic);
  const fields = jsonFields(ast);
  const aliases = new Set<string>();
  for (const n of nodes(ast)) if ("expr" in n && typeof n.as === "string") aliases.add(n.as.toLowerCase());
  const { scan, sql: partial } = pushdown(parser, ast, topic, aliases);
  const table = topicTable(topic, fields);
  return { fields, scan, statement: withTable(sql, table), pushdown: withTable(partial, table) };
}
