/*
 * grammar.ts — the sentences of `kafka\`...\`` (the tagged templates of kafka-do-README.md),
 * parsed into plain data. Pure: no I/O, no clock of its own (the caller passes `now`), so
 * the Worker's `kafka` and kafdo/client's `kafkaOver(client)` understand exactly the same
 * sentences, and it is tested on its own.
 *
 * A small, fixed grammar, not a guess at intent. The template's text is split into words
 * at whitespace; each interpolated value is one token of its own, used as a value where
 * the grammar has a slot (a topic, a group, a count, a time, a produced value) and never
 * read as words: kafka`describe ${"orders with 3 partitions"}` describes the topic named
 * "orders with 3 partitions" (which the core then refuses as a name). A value glued to
 * text (`${x}-orders`) is refused rather than joined. Keywords are matched without
 * regard to case; topic and group names are kept as written. Anything else is a
 * KafdoError INVALID_REQUEST naming what was wrong and listing every form (FORMS).
 *
 * Times are UTC: `yesterday` is the start of yesterday (00:00 UTC), `yesterday 9am` 09:00
 * UTC, an ISO 8601 time without a zone is read as UTC.
 *
 * Part of worker/common: imports nothing outside it.
 */
import { KafdoError, KafkaCode } from "../errors";

/* Where a read without a group starts (a group starts at its committed offsets). */
export type ReadStart = { at: "latest" } | { at: "earliest" } | { at: "time"; timestamp: number };

/* Where `reset group` moves a group's committed offsets. */
export type ResetTarget = "earliest" | "latest" | { timestamp: number };

export type Sentence =
  /* A topic to produce to or consume from: `orders`, `orders group analytics`,
   * `consume from orders as order-processor`, `orders since yesterday`. */
  | { kind: "topic"; topic: string; group?: string; start?: ReadStart }
  /* `send payment confirmed to transactions`: one record whose value is the words
   * (or the one interpolated value) between the verb and `to`. */
  | { kind: "produce"; topic: string; value: unknown }
  | { kind: "create-topic"; topic: string; partitions?: number; retentionMs?: number }
  | { kind: "describe-topic"; topic: string }
  | { kind: "add-partitions"; topic: string; count: number }
  | { kind: "set-retention"; topic: string; retentionMs: number }
  | { kind: "list-topics" }
  | { kind: "delete-topic"; topic: string }
  | { kind: "describe-group"; group: string }
  | { kind: "reset-group"; group: string; topic?: string; to: ResetTarget };

/* Every form, as the refusal lists them. */
export const FORMS: readonly string[] = [
  "<topic>                                 then .produce(value), .produceBatch([values]) or for await",
  "[consume [from] | stream] <topic> [group <group> | as <group>] [from beginning | from latest | since <time>]",
  "stream|produce|send <words or ${value}> to <topic> [topic]",
  "create topic <topic> [with <n> partitions] [with|and <n>-day retention]",
  "describe [topic] <topic>",
  "add <n> partitions to <topic>",
  "set <topic> retention to <duration>",
  "list topics",
  "delete topic <topic>",
  "describe group <group>",
  "reset group <group> [for <topic>] to earliest|latest|<time>",
  "<time>: now | today | yesterday [9am | 9:30pm | 21:00] | <n> minutes|hours|days|weeks ago | an ISO 8601 time | ${Date or ms}",
  "<duration>: <n> days | <n>-day (seconds, minutes, hours, days, weeks) | forever",
];

/* Words that begin an action: never a topic's name when written as a word (interpolate
 * the name to use one of them: kafka`${"delete"}`). */
const VERBS = new Set([
  "create",
  "describe",
  "add",
  "set",
  "list",
  "delete",
  "reset",
  "consume",
  "stream",
  "produce",
  "send",
]);

type Token = { word: string } | { value: unknown };

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

function unitMs(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase();
  return UNIT_MS[w] ?? (w.endsWith("s") ? UNIT_MS[w.slice(0, -1)] : undefined);
}

/* Text for error messages: the sentence as written, each value as ${…}. */
function shown(tokens: readonly Token[]): string {
  return tokens.map((t) => ("word" in t ? t.word : "${…}")).join(" ");
}

function tokenize(strings: readonly string[], values: readonly unknown[]): Token[] {
  const tokens: Token[] = [];
  strings.forEach((text, i) => {
    if (i > 0 && /^\S/.test(text))
      throw refusal(tokens, "an interpolated value must stand alone, not glued to text after it");
    if (i < values.length && /\S$/.test(text)) {
      throw refusal(tokens, "an interpolated value must stand alone, not glued to text before it");
    }
    for (const word of text.split(/\s+/)) if (word !== "") tokens.push({ word });
    if (i < values.length) tokens.push({ value: values[i] });
  });
  return tokens;
}

function refusal(tokens: readonly Token[], problem: string): KafdoError {
  return new KafdoError(
    KafkaCode.INVALID_REQUEST,
    `kafka\`${shown(tokens)}\`: ${problem}. The sentences understood are:\n  ${FORMS.join("\n  ")}`,
  );
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/* An ISO 8601 date or date-time as ms since the epoch, UTC when it names no zone. */
function isoTime(text: string): number | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  const zoned =
    text.length > 10 && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text.replace(" ", "T")}Z` : text.replace(" ", "T");
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

/* A clock time of day in ms after midnight: 9am, 9:30pm, 21:00, noon, midnight. */
function clockMs(word: string): number | undefined {
  const w = word.toLowerCase();
  if (w === "noon") return 12 * 3_600_000;
  if (w === "midnight") return 0;
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/.exec(w);
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  let hours = Number(m[1]);
  const minutes = m[2] === undefined ? 0 : Number(m[2]);
  if (minutes > 59) return undefined;
  if (m[3] !== undefined) {
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (m[3] === "pm" ? 12 : 0);
  } else if (hours > 23) return undefined;
  return hours * 3_600_000 + minutes * 60_000;
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly now: number,
  ) {}

  fail(problem: string): never {
    throw refusal(this.tokens, problem);
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  /* The next token's keyword (lower case) when it is a word. */
  peek(offset = 0): string | undefined {
    const t = this.tokens[this.i + offset];
    return t && "word" in t ? t.word.toLowerCase() : undefined;
  }

  accept(...words: string[]): string | undefined {
    const w = this.peek();
    if (w !== undefined && words.includes(w)) {
      this.i++;
      return w;
    }
    return undefined;
  }

  expect(...words: string[]): string {
    return this.accept(...words) ?? this.fail(`expected ${words.map((w) => `"${w}"`).join(" or ")} ${this.where()}`);
  }

  where(): string {
    const t = this.tokens[this.i];
    return t === undefined ? "at the end" : "word" in t ? `where "${t.word}" is` : "where a ${value} is";
  }

  /* The index of the last token that is the word `word`. */
  lastWord(word: string): number | undefined {
    for (let k = this.tokens.length - 1; k >= 0; k--) {
      const t = this.tokens[k]!;
      if ("word" in t && t.word.toLowerCase() === word) return k;
    }
    return undefined;
  }

  slice(from: number, to: number): readonly Token[] {
    return this.tokens.slice(from, to);
  }

  jump(index: number): void {
    this.i = index;
  }

  end(): void {
    if (!this.done()) this.fail(`nothing more was expected ${this.where()}`);
  }

  private next(what: string): Token {
    const t = this.tokens[this.i];
    if (t === undefined) this.fail(`expected ${what} at the end`);
    this.i++;
    return t;
  }

  /* A topic or group name: a word (not a verb) or an interpolated string. */
  name(what: "topic" | "group"): string {
    const t = this.next(`a ${what} name`);
    if ("value" in t) {
      if (typeof t.value !== "string")
        this.fail(`an interpolated ${what} name must be a string, not ${typeof t.value}`);
      return t.value;
    }
    if (VERBS.has(t.word.toLowerCase()))
      this.fail(`"${t.word}" is a verb, not a ${what} name (interpolate a name that is one)`);
    return t.word;
  }

  /* A count of 1 or more: digits, or an interpolated integer. */
  count(what: string): number {
    const t = this.next(what);
    const n = "value" in t ? t.value : /^\d+$/.test(t.word) ? Number(t.word) : undefined;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) this.fail(`${what} must be a whole number from 1`);
    return n;
  }

  /* A length of time in ms: `7-day`, `7 days`, `30 days`, `forever` (-1, Kafka's "no limit"). */
  duration(): number {
    if (this.accept("forever")) return -1;
    const t = this.next("a duration");
    if ("word" in t) {
      const glued = /^(\d+)-([a-z]+)$/i.exec(t.word);
      if (glued && unitMs(glued[2]) !== undefined) return Number(glued[1]) * unitMs(glued[2])!;
      if (/^\d+$/.test(t.word)) {
        const unit = unitMs(this.peek());
        if (unit !== undefined) {
          this.i++;
          return Number(t.word) * unit;
        }
      }
    }
    this.i--;
    return this.fail(`expected a duration (7 days, 7-day, forever) ${this.where()}`);
  }

  /* A moment: the rest of a clause (see FORMS), or one interpolated Date, ms or ISO text. */
  time(): number {
    const t = this.next("a time");
    if ("value" in t) {
      const v = t.value;
      const ms =
        v instanceof Date ? v.getTime() : typeof v === "number" ? v : typeof v === "string" ? isoTime(v) : undefined;
      if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0) {
        this.fail("an interpolated time must be a Date, ms since the epoch or an ISO 8601 string");
      }
      return ms;
    }
    const w = t.word.toLowerCase();
    if (w === "now") return this.now;
    if (w === "today" || w === "yesterday") {
      const midnight = Math.floor(this.now / UNIT_MS.day!) * UNIT_MS.day! - (w === "yesterday" ? UNIT_MS.day! : 0);
      const clock = this.peek() === undefined ? undefined : clockMs(this.peek()!);
      if (clock !== undefined) this.i++;
      return midnight + (clock ?? 0);
    }
    const amount = w === "a" || w === "an" ? 1 : /^\d+$/.test(w) ? Number(w) : undefined;
    if (amount !== undefined && unitMs(this.peek()) !== undefined && this.peek(1) === "ago") {
      const unit = unitMs(this.peek())!;
      this.i += 2;
      return this.now - amount * unit;
    }
    const iso = isoTime(t.word);
    if (iso !== undefined) return iso;
    this.i--;
    return this.fail(`expected a time (yesterday, 2 hours ago, 2026-01-31T09:00:00Z) ${this.where()}`);
  }
}

/* The sentence of a tagged template (strings and values as the tag receives them), or a
 * KafdoError INVALID_REQUEST. `now` (ms) is what `now`, `yesterday` and `ago` count from. */
export function parseSentence(strings: readonly string[], values: readonly unknown[], now: number): Sentence {
  const p = new Parser(tokenize(strings, values), now);
  if (p.done()) p.fail("the sentence is empty");
  const verb = p.peek();
  switch (verb) {
    case "create": {
      p.expect("create");
      p.expect("topic");
      const s: Sentence & { kind: "create-topic" } = { kind: "create-topic", topic: p.name("topic") };
      while (p.accept("with", "and")) {
        if (p.peek() === "partitioned")
          p.fail("Kafka topics have no partitioning field: give records a key when producing");
        if (["partition", "partitions"].includes(p.peek(1) ?? "")) {
          if (s.partitions !== undefined) p.fail("the partitions are given twice");
          s.partitions = p.count("the number of partitions");
          p.expect("partitions", "partition");
        } else {
          if (s.retentionMs !== undefined) p.fail("the retention is given twice");
          s.retentionMs = p.duration();
          p.expect("retention");
        }
      }
      if (p.peek() === "partitioned")
        p.fail("Kafka topics have no partitioning field: give records a key when producing");
      p.end();
      return s;
    }
    case "describe": {
      p.expect("describe");
      if (p.accept("group")) {
        const group = p.name("group");
        p.end();
        return { kind: "describe-group", group };
      }
      p.accept("topic");
      const topic = p.name("topic");
      p.end();
      return { kind: "describe-topic", topic };
    }
    case "add": {
      p.expect("add");
      const count = p.count("the number of partitions to add");
      p.expect("partitions", "partition");
      p.expect("to");
      const topic = p.name("topic");
      p.end();
      return { kind: "add-partitions", topic, count };
    }
    case "set": {
      p.expect("set");
      const topic = p.name("topic");
      p.expect("retention");
      p.expect("to");
      const retentionMs = p.duration();
      p.end();
      return { kind: "set-retention", topic, retentionMs };
    }
    case "list":
      p.expect("list");
      p.expect("topics");
      p.end();
      return { kind: "list-topics" };
    case "delete": {
      p.expect("delete");
      p.expect("topic");
      const topic = p.name("topic");
      p.end();
      return { kind: "delete-topic", topic };
    }
    case "reset": {
      p.expect("reset");
      p.expect("group");
      const group = p.name("group");
      const topic = p.accept("for") ? p.name("topic") : undefined;
      p.expect("to");
      const word = p.accept("earliest", "latest");
      const to: ResetTarget = word === "earliest" || word === "latest" ? word : { timestamp: p.time() };
      p.end();
      return topic === undefined ? { kind: "reset-group", group, to } : { kind: "reset-group", group, topic, to };
    }
  }
  if (verb === "stream" || verb === "produce" || verb === "send") {
    const produced = produceSentence(p);
    if (produced) return produced;
    if (verb !== "stream") p.fail(`"${verb}" produces: ${verb} <value> to <topic>`);
  }
  return topicSentence(p);
}

/* `stream|produce|send <value> to <topic> [topic]`: one record. The last word "to"
 * splits the value from the topic (`send transfer to bob to payments` sends "transfer
 * to bob"); an interpolated "to" is a value. Without a word "to", `stream orders` is a
 * topic sentence. The value is the one interpolated value between verb and `to` as it
 * is, else the words (and interpolated strings, numbers, booleans) joined by spaces. */
function produceSentence(p: Parser): Sentence | undefined {
  const to = p.lastWord("to");
  if (to === undefined) return undefined;
  const parts = p.slice(1, to);
  if (parts.length === 0) p.fail('nothing to produce before "to"');
  let value: unknown;
  if (parts.length === 1 && "value" in parts[0]!) value = parts[0].value;
  else {
    value = parts
      .map((t) => {
        if ("word" in t) return t.word;
        if (typeof t.value === "string" || typeof t.value === "number" || typeof t.value === "boolean")
          return String(t.value);
        return p.fail("a value among words must be a string, number or boolean (interpolate an object on its own)");
      })
      .join(" ");
  }
  p.jump(to + 1);
  const topic = p.name("topic");
  p.accept("topic");
  p.end();
  return { kind: "produce", topic, value };
}

function topicSentence(p: Parser): Sentence {
  if (p.accept("consume")) p.accept("from");
  else p.accept("stream");
  const s: Sentence & { kind: "topic" } = { kind: "topic", topic: p.name("topic") };
  while (!p.done()) {
    const word = p.expect("group", "as", "from", "since");
    if (word === "group" || word === "as") {
      if (s.group !== undefined) p.fail("the group is given twice");
      s.group = p.name("group");
      continue;
    }
    if (s.start !== undefined) p.fail("where to start is given twice");
    if (word === "since") s.start = { at: "time", timestamp: p.time() };
    else {
      const at = p.expect("beginning", "earliest", "latest");
      s.start = at === "latest" ? { at: "latest" } : { at: "earliest" };
    }
  }
  if (s.group !== undefined && s.start?.at === "time") {
    p.fail(
      `a group starts at its committed offsets: move them with kafka\`reset group ${s.group} to <time>\`, or read since a time without a group`,
    );
  }
  if (s.group !== undefined && s.start?.at === "latest") {
    p.fail("a group without committed offsets starts at the latest offset already; say `from beginning` or nothing");
  }
  return s;
}
