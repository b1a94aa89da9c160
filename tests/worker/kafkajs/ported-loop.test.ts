/*
 * A kafkajs consume loop ported verbatim: fixtures/order-totals.mjs is written for
 * kafkajs in Node (and run so in tests/interop/kafkajs-ported-loop.test.mjs); here the
 * same function runs in the Worker with `kafdo/kafkajs` handed in for 'kafkajs'.
 */
import { describe, expect, it } from "vitest";
import * as kafkajs from "kafdo/kafkajs";
import { ORDERS, orderTotals } from "./fixtures/order-totals.mjs";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

describe("a kafkajs consume loop, unchanged, in a Worker", { timeout: 20_000 }, () => {
  it("sums the orders, commits what it processed, and the group's offsets say so", async () => {
    const topic = unique("orders");
    const groupId = unique("order-totals");
    const result = await orderTotals(kafkajs, { clientId: "order-totals" }, { topic, groupId, orders: ORDERS });

    expect(result.totals).toEqual({ ada: 20, bob: 7, cy: 1 });
    expect(result.seen).toHaveLength(ORDERS.length);
    for (const s of result.seen) {
      expect(s.source).toBe("order-totals");
      expect(typeof s.offset).toBe("string");
      expect(s.timestamp).toBe("string");
    }
    expect(result.commits).toBeGreaterThan(0);
    /* Every partition's committed offset is past its last message. */
    const last = new Map<number, number>();
    for (const s of result.seen) last.set(s.partition, Math.max(last.get(s.partition) ?? -1, Number(s.offset)));
    const committed = result.committed.find((t: { topic: string }) => t.topic === topic)!;
    for (const [partition, offset] of last) {
      expect(committed.partitions.find((p: { partition: number }) => p.partition === partition)?.offset).toBe(
        String(offset + 1),
      );
    }
  });
});
