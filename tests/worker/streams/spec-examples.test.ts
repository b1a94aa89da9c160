/*
 * kafka-do-README.md's stream-processing examples (the "AI-Native API" chain,
 * "Stream Processing", "Promise Pipelining", "Event Sourcing", "Real-time Analytics",
 * "Change Data Capture"), run as written (prettier adds semicolons and double quotes)
 * with `import { kafka } from "kafdo"` in a Worker. What the spec leaves open is set up
 * around them: the topics are filled first, `customers`, `process`, `applyEvent` and
 * `elasticsearch` are local, and each output is checked against what the input says
 * it must hold. (streaming-README.md's processing examples are SQL: issue 18's item 3.)
 */
import { describe, expect, it } from "vitest";
import { kafka } from "kafdo";
import { contents, sorted, values } from "./topic-contents";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Order {
  orderId: string;
  amount: number;
  region: string;
  status: string;
  customerId: string;
  metrics: { amount: number };
  inventory: { items: number };
  alert: string;
}

function orders(n: number): Order[] {
  return Array.from({ length: n }, (_, i) => ({
    orderId: `o-${i}`,
    amount: (i * 37) % 250,
    region: ["us", "eu", "ap"][i % 3]!,
    status: i % 4 === 0 ? "pending" : "done",
    customerId: `c-${i % 5}`,
    metrics: { amount: (i * 37) % 250 },
    inventory: { items: i % 7 },
    alert: `order o-${i}`,
  }));
}

describe("kafka-do-README.md's stream processing in a Worker", { timeout: 60_000 }, () => {
  const input = orders(60);

  it("AI-Native API: chain like sentences", async () => {
    await kafka`create topic orders with 3 partitions`;
    for (const o of input) await kafka`orders`.produce(o, { key: o.orderId });

    // ---- as written ----
    // Chain like sentences
    await kafka`orders`
      .filter((o) => o.amount > 100)
      .map((o) => ({ ...o, tier: "premium" }))
      .to(`high-value-orders`);
    // ---- end ----

    const out = await contents("high-value-orders");
    expect(sorted(out.map((r) => r.value))).toEqual(
      sorted(input.filter((o) => o.amount > 100).map((o) => ({ ...o, tier: "premium" }))),
    );
    /* keys kept: each output has its order's key */
    for (const r of out) expect(r.key).toBe((r.value as Order).orderId);
  });

  it("Stream Processing", async () => {
    const customers = { get: async (id: string) => ({ id, name: `customer ${id}` }) };
    await kafka`create topic events with 2 partitions`;
    /* in time order: the window has no grace, so a record later than stream time
     * past its window's end would be dropped (windows.test.ts checks lateness) */
    const events = Array.from({ length: 40 }, (_, i) => ({ userId: `u-${(i * 7) % 3}`, at: T0 + i * 31_000 }));
    for (const e of events) await kafka`events`.produce(e, { timestamp: e.at });

    // ---- as written ----
    // Filter, map, route - all natural
    await kafka`orders`.filter((o) => o.amount > 100).to(`high-value-orders`);

    // Enrich on the fly
    await kafka`orders`
      .map(async (o) => ({
        ...o,
        customer: await customers.get(o.customerId),
      }))
      .to(`enriched-orders`);

    // Fan out to multiple topics
    await kafka`orders`.branch(
      [(o) => o.region === "us", `us-orders`],
      [(o) => o.region === "eu", `eu-orders`],
      [() => true, `other-orders`],
    );

    // Aggregate windows
    await kafka`events`
      .window(`5 minutes`)
      .groupBy((e) => e.userId)
      .count()
      .to(`user-activity`);
    // ---- end ----

    /* high-value-orders now holds the first test's outputs and this run's */
    expect((await values("high-value-orders")).length).toBe(2 * input.filter((o) => o.amount > 100).length);
    expect(sorted(await values("enriched-orders"))).toEqual(
      sorted(input.map((o) => ({ ...o, customer: { id: o.customerId, name: `customer ${o.customerId}` } }))),
    );
    expect(sorted(await values("us-orders"))).toEqual(sorted(input.filter((o) => o.region === "us")));
    expect(sorted(await values("eu-orders"))).toEqual(sorted(input.filter((o) => o.region === "eu")));
    expect(sorted(await values("other-orders"))).toEqual(sorted(input.filter((o) => o.region === "ap")));

    const expected = new Map<string, number>();
    for (const e of events) {
      const start = Math.floor(e.at / (5 * MINUTE)) * 5 * MINUTE;
      const id = `${e.userId}@${start}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
    }
    const activity = await contents("user-activity");
    const got = new Map<string, number>();
    for (const r of activity) {
      const v = r.value as { key: string; windowStart: number; windowEnd: number; count: number };
      expect(v.windowEnd - v.windowStart).toBe(5 * MINUTE);
      expect(r.key).toBe(v.key);
      got.set(`${v.key}@${v.windowStart}`, v.count);
    }
    expect(got).toEqual(expected);
  });

  it("Promise Pipelining", async () => {
    const process = (o: Order) => ({ id: o.orderId, processed: true });

    // ---- as written ----
    // All in one network round trip
    const processed = await kafka`orders`
      .filter((o) => o.status === "pending")
      .map((o) => process(o))
      .tap((o) => kafka`processed-orders`.produce(o))
      .collect();

    // Fan out and collect
    const [analytics, warehouse, notifications] = await Promise.all([
      kafka`orders`.map((o) => o.metrics).to(`analytics`),
      kafka`orders`.map((o) => o.inventory).to(`warehouse`),
      kafka`orders`.map((o) => o.alert).to(`notifications`),
    ]);
    // ---- end ----

    const pending = input.filter((o) => o.status === "pending").map(process);
    expect(sorted(processed)).toEqual(sorted(pending));
    expect(sorted(await values("processed-orders"))).toEqual(sorted(pending));
    for (const summary of [analytics, warehouse, notifications]) {
      expect(summary.read).toBe(input.length);
      expect(summary.written).toBe(input.length);
    }
    expect(sorted(await values("analytics"))).toEqual(sorted(input.map((o) => o.metrics)));
    expect(sorted(await values("warehouse"))).toEqual(sorted(input.map((o) => o.inventory)));
    expect(sorted(await values("notifications"))).toEqual(sorted(input.map((o) => o.alert)));
  });

  it("Event Sourcing", async () => {
    type UserEvent = { type: string; userId: string; email?: string; name?: string };
    const applyEvent = (state: Record<string, unknown>, event: UserEvent) =>
      event.type === "account.created"
        ? { ...state, id: event.userId, email: event.email }
        : event.type === "name.set"
          ? { ...state, name: event.name }
          : state;
    await kafka`user-events`.produce({ type: "account.created", userId: "u-999", email: "bob@example.com" });
    await kafka`user-events`.produce({ type: "name.set", userId: "u-123", name: "Alice" });

    // ---- as written ----
    // Append events naturally
    await kafka`user-events`.produce({
      type: "account.created",
      userId: "u-123",
      email: "alice@example.com",
    });

    // Replay to rebuild state
    const user = await kafka`user-events`
      .filter((e) => e.userId === "u-123")
      .reduce((state, event) => applyEvent(state, event), {});
    // ---- end ----

    /* the log's order: the name was set before the account was created */
    expect(user).toEqual({ id: "u-123", email: "alice@example.com", name: "Alice" });
  });

  it("Real-time Analytics", async () => {
    const pages = Array.from({ length: 2600 }, (_, i) => ({
      page: i % 13 === 0 ? "/pricing" : i < 2400 ? "/" : `/p${i % 5}`,
      at: T0 + (i % 2) * 1000,
    }));
    await kafka`create topic page-views with 2 partitions`;
    for (let i = 0; i < pages.length; i += 500) {
      await kafka`page-views`.produceBatch(pages.slice(i, i + 500));
    }

    // ---- as written ----
    // Stream to analytics
    await kafka`page-views`
      .window(`1 minute`)
      .groupBy((v) => v.page)
      .count()
      .to(`page-view-counts`);

    // Query the stream
    const topPages = await kafka`page-view-counts`.filter((c) => c.count > 1000).collect();
    // ---- end ----

    /* produceBatch stamps now; every view is in the minute(s) the batches were sent */
    const counts = new Map<string, number>();
    for (const p of pages) counts.set(p.page, (counts.get(p.page) ?? 0) + 1);
    const all = (await values("page-view-counts")) as { key: string; count: number }[];
    const summed = new Map<string, number>();
    for (const c of all) summed.set(c.key, (summed.get(c.key) ?? 0) + c.count);
    expect(summed).toEqual(counts);
    expect(sorted(topPages)).toEqual(sorted(all.filter((c) => c.count > 1000)));
    expect(topPages.map((c) => c.key)).toContain("/");
  });

  it("Change Data Capture", async () => {
    const changes = [
      { op: "insert", after: { id: 1, name: "ann" } },
      { op: "update", after: { id: 1, name: "anne" } },
      { op: "insert", after: { id: 2, name: "bo" } },
      { op: "delete", after: null },
    ];
    for (const c of changes) await kafka`cdc.users`.produce(c);
    const indexed: unknown[] = [];
    const elasticsearch = { index: async (_index: string, doc: unknown) => void indexed.push(doc) };
    /* the group search-indexer starts at the log start (a new group starts at the end) */
    await kafka`create topic new-users`;
    await kafka`reset group search-indexer for new-users to earliest`;

    // ---- as written ----
    // Stream database changes
    await kafka`cdc.users`
      .filter((change) => change.op === "insert")
      .map((change) => change.after)
      .to(`new-users`);

    // Sync to search index
    for await (const user of kafka`new-users group search-indexer`) {
      await elasticsearch.index("users", user);
      // ---- end ----
      if (indexed.length === 2) break;
    }

    expect(indexed.map((r) => (r as { value: unknown }).value)).toEqual([
      { id: 1, name: "ann" },
      { id: 2, name: "bo" },
    ]);
  });
});
