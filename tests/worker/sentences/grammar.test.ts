/*
 * The sentences' grammar on its own (worker/common/sentences/grammar.ts): every form
 * parsed into its data, times counted from a fixed `now`, the refusals (each naming the
 * problem and listing the forms), and interpolated values kept as values.
 */
import { describe, expect, it } from "vitest";
import { FORMS, parseSentence, type Sentence } from "../../../worker/common/sentences/grammar";
import { KafdoError } from "../../../worker/common/errors";

/* 2026-12-06T15:30:00Z */
const NOW = Date.UTC(2026, 11, 6, 15, 30);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIDNIGHT = Date.UTC(2026, 11, 6);

/* The tag the tests parse with: kafka`...` as data. */
const parse = (strings: TemplateStringsArray, ...values: unknown[]): Sentence => parseSentence(strings, values, NOW);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(KafdoError);
    expect((e as KafdoError).name).toBe("INVALID_REQUEST");
    const message = (e as KafdoError).message;
    for (const form of FORMS) expect(message).toContain(form);
    return message;
  }
  throw new Error("expected a refusal, the sentence was parsed");
}

describe("topic sentences", () => {
  it("names a topic, a group, where to start", () => {
    expect(parse`orders`).toEqual({ kind: "topic", topic: "orders" });
    expect(parse`stream orders`).toEqual({ kind: "topic", topic: "orders" });
    expect(parse`orders group analytics-team`).toEqual({ kind: "topic", topic: "orders", group: "analytics-team" });
    expect(parse`consume orders as order-processor`).toEqual({
      kind: "topic",
      topic: "orders",
      group: "order-processor",
    });
    expect(parse`consume from orders group order-processor`).toEqual({
      kind: "topic",
      topic: "orders",
      group: "order-processor",
    });
    expect(parse`  Consume   FROM orders  GROUP My-Group `).toEqual({
      kind: "topic",
      topic: "orders",
      group: "My-Group",
    });
    expect(parse`orders from beginning`).toEqual({ kind: "topic", topic: "orders", start: { at: "earliest" } });
    expect(parse`orders from latest`).toEqual({ kind: "topic", topic: "orders", start: { at: "latest" } });
    expect(parse`orders group g from beginning`).toEqual({
      kind: "topic",
      topic: "orders",
      group: "g",
      start: { at: "earliest" },
    });
  });

  it("reads times in UTC from now", () => {
    const since = (s: Sentence) => (s.kind === "topic" && s.start?.at === "time" ? s.start.timestamp : undefined);
    expect(since(parse`orders since yesterday`)).toBe(MIDNIGHT - DAY);
    expect(since(parse`orders since today`)).toBe(MIDNIGHT);
    expect(since(parse`orders since yesterday 9am`)).toBe(MIDNIGHT - DAY + 9 * HOUR);
    expect(since(parse`orders since yesterday 9:30pm`)).toBe(MIDNIGHT - DAY + 21.5 * HOUR);
    expect(since(parse`orders since today 12am`)).toBe(MIDNIGHT);
    expect(since(parse`orders since today noon`)).toBe(MIDNIGHT + 12 * HOUR);
    expect(since(parse`orders since 2 hours ago`)).toBe(NOW - 2 * HOUR);
    expect(since(parse`orders since an hour ago`)).toBe(NOW - HOUR);
    expect(since(parse`orders since 3 days ago`)).toBe(NOW - 3 * DAY);
    expect(since(parse`orders since 15 minutes ago`)).toBe(NOW - 15 * 60_000);
    expect(since(parse`orders since now`)).toBe(NOW);
    expect(since(parse`orders since 2026-12-01`)).toBe(Date.UTC(2026, 11, 1));
    expect(since(parse`orders since 2026-12-01T08:00:00Z`)).toBe(Date.UTC(2026, 11, 1, 8));
    expect(since(parse`orders since 2026-12-01T08:00`)).toBe(Date.UTC(2026, 11, 1, 8));
    expect(since(parse`orders since 2026-12-01T08:00:00+02:00`)).toBe(Date.UTC(2026, 11, 1, 6));
    const at = new Date(Date.UTC(2026, 0, 2));
    expect(since(parse`orders since ${at}`)).toBe(at.getTime());
    expect(since(parse`orders since ${12345}`)).toBe(12345);
    expect(since(parse`orders since ${"2026-01-02T00:00:00Z"}`)).toBe(at.getTime());
  });
});

describe("producing sentences", () => {
  it("produce the words before the last `to` to the topic after it", () => {
    expect(parse`stream order 123 to orders topic`).toEqual({ kind: "produce", topic: "orders", value: "order 123" });
    expect(parse`produce user signup to events`).toEqual({ kind: "produce", topic: "events", value: "user signup" });
    expect(parse`send payment confirmed to transactions`).toEqual({
      kind: "produce",
      topic: "transactions",
      value: "payment confirmed",
    });
    expect(parse`send transfer to bob to payments`).toEqual({
      kind: "produce",
      topic: "payments",
      value: "transfer to bob",
    });
    expect(parse`send order ${123} to orders`).toEqual({ kind: "produce", topic: "orders", value: "order 123" });
    const order = { orderId: "1", amount: 5 };
    expect(parse`send ${order} to ${"orders"}`).toEqual({ kind: "produce", topic: "orders", value: order });
  });
});

describe("admin sentences", () => {
  it("topics", () => {
    expect(parse`create topic orders with 3 partitions`).toEqual({
      kind: "create-topic",
      topic: "orders",
      partitions: 3,
    });
    expect(parse`create topic logs with 7-day retention`).toEqual({
      kind: "create-topic",
      topic: "logs",
      retentionMs: 7 * DAY,
    });
    expect(parse`create topic logs with 2 partitions and 12 hours retention`).toEqual({
      kind: "create-topic",
      topic: "logs",
      partitions: 2,
      retentionMs: 12 * HOUR,
    });
    expect(parse`create topic t`).toEqual({ kind: "create-topic", topic: "t" });
    expect(parse`create topic ${"t"} with ${4} partitions`).toEqual({
      kind: "create-topic",
      topic: "t",
      partitions: 4,
    });
    expect(parse`describe orders`).toEqual({ kind: "describe-topic", topic: "orders" });
    expect(parse`describe topic orders`).toEqual({ kind: "describe-topic", topic: "orders" });
    expect(parse`add 3 partitions to orders`).toEqual({ kind: "add-partitions", topic: "orders", count: 3 });
    expect(parse`add 1 partition to orders`).toEqual({ kind: "add-partitions", topic: "orders", count: 1 });
    expect(parse`set orders retention to 30 days`).toEqual({
      kind: "set-retention",
      topic: "orders",
      retentionMs: 30 * DAY,
    });
    expect(parse`set orders retention to forever`).toEqual({ kind: "set-retention", topic: "orders", retentionMs: -1 });
    expect(parse`list topics`).toEqual({ kind: "list-topics" });
    expect(parse`LIST TOPICS`).toEqual({ kind: "list-topics" });
    expect(parse`delete topic old-events`).toEqual({ kind: "delete-topic", topic: "old-events" });
  });

  it("groups", () => {
    expect(parse`describe group my-processor`).toEqual({ kind: "describe-group", group: "my-processor" });
    expect(parse`reset group my-processor to earliest`).toEqual({
      kind: "reset-group",
      group: "my-processor",
      to: "earliest",
    });
    expect(parse`reset group my-processor to latest`).toEqual({
      kind: "reset-group",
      group: "my-processor",
      to: "latest",
    });
    expect(parse`reset group my-processor to yesterday 9am`).toEqual({
      kind: "reset-group",
      group: "my-processor",
      to: { timestamp: MIDNIGHT - DAY + 9 * HOUR },
    });
    expect(parse`reset group g for orders to 2 hours ago`).toEqual({
      kind: "reset-group",
      group: "g",
      topic: "orders",
      to: { timestamp: NOW - 2 * HOUR },
    });
  });
});

describe("refusals", () => {
  it("name what is wrong and list every form", () => {
    expect(refusal(() => parse``)).toContain("the sentence is empty");
    expect(refusal(() => parse`please stream my orders quickly`)).toContain(
      'expected "group" or "as" or "from" or "since" where "stream" is',
    );
    expect(refusal(() => parse`list`)).toContain('expected "topics" at the end');
    expect(refusal(() => parse`list groups`)).toContain('expected "topics" where "groups" is');
    expect(refusal(() => parse`create topic`)).toContain("expected a topic name at the end");
    expect(refusal(() => parse`create topic orders with many partitions`)).toContain(
      "the number of partitions must be a whole number from 1",
    );
    expect(refusal(() => parse`create topic orders with 0 partitions`)).toContain("must be a whole number from 1");
    expect(refusal(() => parse`add 0 partitions to orders`)).toContain("must be a whole number from 1");
    expect(refusal(() => parse`add ${2.5} partitions to orders`)).toContain("must be a whole number from 1");
    expect(refusal(() => parse`create topic orders with 3 partitions with 4 partitions`)).toContain("given twice");
    expect(refusal(() => parse`create topic events partitioned by user_id`)).toContain("no partitioning field");
    expect(refusal(() => parse`set orders retention to soon`)).toContain("expected a duration");
    expect(refusal(() => parse`orders since last tuesday`)).toContain("expected a time");
    expect(refusal(() => parse`orders since 2026-13-45`)).toContain("expected a time");
    expect(refusal(() => parse`orders since yesterday 25:00`)).toContain('where "25:00" is');
    expect(refusal(() => parse`orders group analytics since yesterday`)).toContain("reset group analytics to <time>");
    expect(refusal(() => parse`orders group a as b`)).toContain("the group is given twice");
    expect(refusal(() => parse`orders from beginning since now`)).toContain("given twice");
    expect(refusal(() => parse`delete`)).toContain('expected "topic" at the end');
    expect(refusal(() => parse`delete topic orders now`)).toContain('nothing more was expected where "now" is');
    expect(refusal(() => parse`send to orders`)).toContain('nothing to produce before "to"');
    expect(refusal(() => parse`produce orders`)).toContain('"produce" produces');
    expect(refusal(() => parse`describe`)).toContain("expected a topic name at the end");
    expect(refusal(() => parse`reset group g`)).toContain('expected "to" at the end');
  });

  it("take no verb for a topic or group name written as a word", () => {
    expect(refusal(() => parse`create`)).toContain('expected "topic" at the end');
    expect(refusal(() => parse`delete topic list`)).toContain('"list" is a verb, not a topic name');
    expect(parse`delete topic ${"list"}`).toEqual({ kind: "delete-topic", topic: "list" });
  });
});

describe("interpolated values are values", () => {
  it("a name holding grammar stays one name", () => {
    expect(parse`describe ${"orders with 3 partitions"}`).toEqual({
      kind: "describe-topic",
      topic: "orders with 3 partitions",
    });
    expect(parse`delete topic ${"a delete topic b"}`).toEqual({ kind: "delete-topic", topic: "a delete topic b" });
    expect(parse`${"orders group evil from beginning"}`).toEqual({
      kind: "topic",
      topic: "orders group evil from beginning",
    });
    expect(parse`orders group ${"g since yesterday"}`).toEqual({
      kind: "topic",
      topic: "orders",
      group: "g since yesterday",
    });
    expect(parse`send ${"x to other-topic"} to orders`).toEqual({
      kind: "produce",
      topic: "orders",
      value: "x to other-topic",
    });
  });

  it("an interpolated `to` is not the keyword, and values never glue to words", () => {
    expect(refusal(() => parse`send ${"hi"} ${"to"} ${"orders"}`)).toContain('"send" produces');
    expect(refusal(() => parse`${"orders"}-v2`)).toContain("must stand alone");
    expect(refusal(() => parse`orders-${"v2"}`)).toContain("must stand alone");
    expect(refusal(() => parse`add ${"3"} partitions to orders`)).toContain("must be a whole number from 1");
    expect(refusal(() => parse`describe ${42}`)).toContain("must be a string, not number");
    expect(refusal(() => parse`orders since ${"yesterday"}`)).toContain("an interpolated time must be");
    expect(refusal(() => parse`send ${{ a: 1 }} and more to orders`)).toContain("a value among words");
  });
});
