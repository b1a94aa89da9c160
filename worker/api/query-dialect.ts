/*
 * query-dialect.ts — what Kafdo's SQL adds to SQLite's, turned into SQLite's own before
 * anything else reads the text (query-plan.ts has the rest of the dialect):
 *
 *   NOW()                 the query's start, in ms since the epoch (as timestamp is)
 *   INTERVAL '<n> <unit>' n units in ms; unit: millisecond, second, minute, hour, day,
 *                         week (singular or plural; ms, s, min, h, d too), n may have
 *                         a fraction
 *
 * so `timestamp > NOW() - INTERVAL '1 hour'` compares ms with ms. It also takes off a
 * `;` at the end and refuses one anywhere else: the text must be one statement.
 *
 * The rewriting goes by SQLite's tokens, never inside a string literal, a quoted name
 * or a comment; this file's tokenizer knows only those (what text is not code), and
 * the words and punctuation around them.
 */
import { KafdoError, KafkaCode } from "../common/errors";

type Token = { kind: "code" | "string" | "quoted" | "comment" | "space"; text: string };

function invalid(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

/* Splits SQL into tokens: words and single characters of code, string literals, quoted
 * names ("x", `x`, [x]), comments and whitespace. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const until = (end: string, from: number, doubled: boolean): number => {
    let j = from;
    for (;;) {
      const k = sql.indexOf(end, j);
      if (k < 0) throw invalid(`the SQL has an unterminated ${end === "'" ? "string" : "quoted name"}`);
      if (doubled && sql[k + 1] === end) j = k + 2;
      else return k + 1;
    }
  };
  while (i < sql.length) {
    const c = sql[i]!;
    let end: number;
    let kind: Token["kind"] = "code";
    if (c === "'") [end, kind] = [until("'", i + 1, true), "string"];
    else if (c === '"' || c === "`") [end, kind] = [until(c, i + 1, true), "quoted"];
    else if (c === "[") [end, kind] = [until("]", i + 1, false), "quoted"];
    else if (sql.startsWith("--", i)) {
      const k = sql.indexOf("\n", i);
      [end, kind] = [k < 0 ? sql.length : k + 1, "comment"];
    } else if (sql.startsWith("/*", i)) {
      const k = sql.indexOf("*/", i + 2);
      [end, kind] = [k < 0 ? sql.length : k + 2, "comment"];
    } else if (/\s/.test(c)) {
      end = i + 1;
      while (end < sql.length && /\s/.test(sql[end]!)) end++;
      kind = "space";
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      end = i + 1;
      while (end < sql.length && /[A-Za-z0-9_$]/.test(sql[end]!)) end++;
    } else end = i + 1;
    out.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  return out;
}

const MS_PER_UNIT: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  s: 1000,
  second: 1000,
  min: 60000,
  minute: 60000,
  h: 3600000,
  hour: 3600000,
  d: 86400000,
  day: 86400000,
  week: 604800000,
};

/* INTERVAL's string ('1 hour') in ms. */
function intervalMs(literal: string): number {
  const body = literal.slice(1, -1).replaceAll("''", "'").trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(body);
  const unit = m && (MS_PER_UNIT[m[2]!] ?? MS_PER_UNIT[m[2]!.replace(/s$/, "")]);
  if (!m || unit === undefined || unit === null) {
    throw invalid(`INTERVAL ${literal} is not '<number> <unit>' (units: millisecond, second, minute, hour, day, week)`);
  }
  return Math.round(Number(m[1]) * unit);
}

/* The SQL with NOW() and INTERVAL '...' as numbers, and without a final `;`. */
export function toSqlite(sql: string, now: number): string {
  const all = tokens(sql);
  /* The indexes of the tokens that are code (what the rules below look at). */
  const code = all.flatMap((t, i) => (t.kind === "code" || t.kind === "string" || t.kind === "quoted" ? [i] : []));
  const word = (k: number): string => (k < code.length ? all[code[k]!]!.text : "");
  /* Code tokens from..to, and what lies between them, become `text`. */
  const replace = (from: number, to: number, text: string): void => {
    for (let i = code[from]!; i <= code[to]!; i++) all[i]!.text = "";
    all[code[from]!]!.text = text;
  };
  for (let k = 0; k < code.length; k++) {
    const t = all[code[k]!]!;
    if (t.kind !== "code") continue;
    const w = t.text.toUpperCase();
    if (w === "NOW" && word(k + 1) === "(" && word(k + 2) === ")") replace(k, k + 2, `(${now})`);
    else if (w === "INTERVAL" && all[code[k + 1]!]?.kind === "string")
      replace(k, k + 1, `(${intervalMs(word(k + 1))})`);
    else if (w === ";") {
      if (k !== code.length - 1) throw invalid("the SQL must be one statement: a `;` is allowed only at its end");
      t.text = "";
    }
  }
  const text = all.map((t) => t.text).join("");
  if (code.length === 0) throw invalid("the SQL is empty");
  return text;
}

/* `sql` with the common table expression `cte` defined before it: joined to the
 * statement's own WITH clause when it has one. */
export function withTable(sql: string, cte: string): string {
  const all = tokens(sql);
  const first = all.findIndex((t) => t.kind === "code");
  if (first >= 0 && all[first]!.text.toUpperCase() === "WITH") {
    all[first]!.text = `WITH ${cte},`;
    return all.map((t) => t.text).join("");
  }
  return `WITH ${cte} ${sql}`;
}

/* The words of the SQL's code (outside strings, quoted names and comments), upper case. */
export function codeWords(sql: string): string[] {
  return tokens(sql).flatMap((t) => (t.kind === "code" && /^[A-Za-z_]/.test(t.text) ? [t.text.toUpperCase()] : []));
}
