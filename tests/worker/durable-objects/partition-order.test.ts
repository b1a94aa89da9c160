/*
 * TopicPartitionDO's group commit keeps arrival order across appends with different
 * limits, and a refused append does not wake readers waiting for records.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { batchOf, text } from "../helpers";

let n = 0;
const fresh = () => env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`order-${Date.now()}-${n++}/0`));

describe("TopicPartitionDO group commit", () => {
  it("stores appends in the order they arrived, whatever their limits", async () => {
    const p = fresh();
    const [a, b, c] = await Promise.all([
      p.append([batchOf(1, "a")], 1 << 20),
      p.append([batchOf(1, "b")], 1 << 19),
      p.append([batchOf(1, "c")], 1 << 20),
    ]);
    expect([a![0]!.baseOffset, b![0]!.baseOffset, c![0]!.baseOffset]).toEqual([0, 1, 2]);
    const read = await p.read(0, 10, 1 << 20);
    expect(read.records.map((r) => text(r.value))).toEqual(["a-0", "b-0", "c-0"]);
  });

  it("does not wake a waiting read for an append it refused", async () => {
    const p = fresh();
    const bad = batchOf(1, "x");
    bad[bad.length - 1]! ^= 0xff; /* corrupt: the CRC no longer matches */
    const waiting = p.readWait(0, 10, 1 << 20, 60000);
    const refused = await p.append([bad]);
    expect(refused[0]!.errorCode).toBe(2);
    const good = p.append([batchOf(1, "y")]);
    const read = await waiting; /* woken by the good append, not the refused one */
    await good;
    expect(read.records.map((r) => text(r.value))).toEqual(["y-0"]);
  });
});
