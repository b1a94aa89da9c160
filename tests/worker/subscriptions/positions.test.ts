/*
 * Where a subscription starts (worker/subscriptions/positions.ts), against real
 * Durable Object SQLite: now, an offset, a time, a resumption cursor, each checked
 * against the partitions' offsets; and the WebSocket subscriber's unacknowledged
 * bytes (unacknowledged.ts). The transports are tested end to end in
 * tests/e2e/subscribe.test.mjs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer } from "../../../worker/api";
import { formatCursor, parseCursor, startPositions } from "../../../worker/subscriptions/positions";
import { Unacknowledged } from "../../../worker/subscriptions/unacknowledged";
import { expectKafdoError } from "../helpers";

let topics = 0;

/* A topic of 2 partitions holding 3 and 1 records (partition 1's at time 5000). */
async function topic(): Promise<string> {
  const name = `sub-pos-${Date.now()}-${topics++}`;
  await createAdmin(env).createTopic({ topic: name, partitions: 2 });
  const producer = createProducer(env);
  await producer.sendBatch(
    [0, 1, 2].map((i) => ({ topic: name, partition: 0, value: `v${i}`, timestamp: 1000 * (i + 1) })),
  );
  await producer.send({ topic: name, partition: 1, value: "w", timestamp: 5000 });
  await producer.close();
  return name;
}

describe("startPositions", () => {
  it("now, an offset, a time, a cursor: each partition's next offset", async () => {
    const t = await topic();
    expect([...(await startPositions(env, t, {}))]).toEqual([
      [0, 3],
      [1, 1],
    ]);
    expect([...(await startPositions(env, t, { offset: 1 }))]).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect([...(await startPositions(env, t, { timestamp: 2000 }))]).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect([...(await startPositions(env, t, { timestamp: 9000 }))]).toEqual([
      [0, 3],
      [1, 1],
    ]);
    expect([...(await startPositions(env, t, { partition: 1, offset: 0 }))]).toEqual([[1, 0]]);
    /* A cursor names the last offsets seen; partitions it leaves out start as asked. */
    expect([...(await startPositions(env, t, { offset: 0, cursor: "0:1" }))]).toEqual([
      [0, 2],
      [1, 0],
    ]);
    expect([...(await startPositions(env, t, { cursor: "0:-1,1:0" }))]).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  it("refuses unknown topics and partitions, offsets out of range, malformed cursors", async () => {
    const t = await topic();
    await expectKafdoError(() => startPositions(env, `${t}-none`, {}), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => startPositions(env, t, { partition: 2 }), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => startPositions(env, t, { cursor: "7:0" }), "UNKNOWN_TOPIC_OR_PARTITION");
    await expectKafdoError(() => startPositions(env, t, { offset: 2 }), "OFFSET_OUT_OF_RANGE");
    await expectKafdoError(() => startPositions(env, t, { cursor: "0:3" }), "OFFSET_OUT_OF_RANGE");
    await expectKafdoError(() => startPositions(env, t, { offset: 0, timestamp: 0 }), "INVALID_REQUEST");
    await expectKafdoError(() => startPositions(env, t, { partition: 0, cursor: "1:0" }), "INVALID_REQUEST");
    for (const bad of ["", "0", "0:1,0:2", "a:1", "0:-2", "0:1;1:1"]) {
      expect(() => parseCursor(bad), bad).toThrow(/partition:offset/);
    }
  });

  it("a cursor reads back as it was written", () => {
    const positions = new Map([
      [0, 0],
      [3, 17],
    ]);
    expect(formatCursor(positions)).toBe("0:-1,3:16");
    expect([...parseCursor(formatCursor(positions))]).toEqual([
      [0, -1],
      [3, 16],
    ]);
  });
});

describe("Unacknowledged", () => {
  it("counts bytes sent until a cursor acknowledges them, per partition", () => {
    const u = new Unacknowledged();
    u.add(0, 5, 100);
    u.add(0, 6, 50);
    u.add(1, 2, 10);
    expect(u.bytes).toBe(160);
    u.acknowledge("0:5");
    expect(u.bytes).toBe(60);
    u.acknowledge("0:9,1:1");
    expect(u.bytes).toBe(10);
    u.acknowledge("1:2");
    expect(u.bytes).toBe(0);
    expect(() => u.acknowledge("x")).toThrow();
  });
});
