/*
 * The append queue (partitions/append-queue.ts): appends queued while a partition's
 * RPC is out go together in the next one, in the order they were queued, each with
 * its own result; a refused set is refused alone.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../../wasm/kafdo";
import { createAdmin } from "../../../worker/api/admin";
import { KafkaCode } from "../../../worker/common/errors";
import type { Env } from "../../../worker/durable-objects/bindings";
import { partitionStub } from "../../../worker/durable-objects/addressing";
import { AppendQueue } from "../../../worker/partitions/append-queue";
import { topicFor } from "../../../worker/partitions/topics";

let made = 0;
async function newTopic(partitions: number) {
  const topic = `append-queue-${Date.now().toString(36)}-${made++}`;
  await createAdmin(env as unknown as Env).createTopic({ topic, partitions });
  return topicFor(env as unknown as Env, topic);
}

const batchOf = (n: number): Uint8Array =>
  encodeBatch({}, [{ key: null, value: new TextEncoder().encode(`record ${n}`), timestamp: 1_700_000_000_000 }]);

describe("AppendQueue", () => {
  it("sends the appends queued behind an RPC together, in order, each with its result", async () => {
    const info = await newTopic(2);
    const queue = new AppendQueue(env as unknown as Env);
    /* 10 to partition 0 and 10 to partition 1, queued in one go. */
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.append(info, i % 2, batchOf(i))));
    /* Per partition: the first alone, the nine queued behind it in one RPC. */
    expect(queue.sent).toEqual({ rpcs: 4, sets: 20 });
    results.forEach((r, i) => {
      expect(r.errorCode).toBe(0);
      expect(r.baseOffset).toBe(Math.floor(i / 2));
    });
    const read = await partitionStub(env as unknown as Env, info.topicId, 1).read(0, 100, 1 << 20);
    expect(read.records.map((r) => new TextDecoder().decode(r.value!))).toEqual(
      Array.from({ length: 10 }, (_, k) => `record ${2 * k + 1}`),
    );
  }, 60_000);

  it("refuses a corrupt set alone; the sets around it are appended", async () => {
    const info = await newTopic(1);
    const queue = new AppendQueue(env as unknown as Env);
    const corrupt = batchOf(1);
    corrupt[corrupt.length - 1]! ^= 0xff; /* the CRC no longer matches */
    const results = await Promise.all([0, 1, 2, 3].map((i) => queue.append(info, 0, i === 2 ? corrupt : batchOf(i))));
    expect(results.map((r) => r.errorCode)).toEqual([0, 0, KafkaCode.CORRUPT_MESSAGE, 0]);
    expect(results.map((r) => r.baseOffset)).toEqual([0, 1, -1, 2]);
  }, 60_000);

  it("fails every append of a partition the topic does not have, as the RPC does", async () => {
    const info = await newTopic(1);
    const queue = new AppendQueue(env as unknown as Env);
    const outcomes = await Promise.allSettled([queue.append(info, 3, batchOf(0)), queue.append(info, 3, batchOf(1))]);
    for (const o of outcomes) {
      expect(o.status).toBe("rejected");
      expect((o as PromiseRejectedResult).reason).toMatchObject({ kafkaCode: KafkaCode.UNKNOWN_TOPIC_OR_PARTITION });
    }
  }, 60_000);
});
