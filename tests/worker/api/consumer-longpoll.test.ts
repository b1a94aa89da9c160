/*
 * The consumer's long poll: TopicPartitionDO.readWait and readPartitionWait, in a
 * real partition object. A read with nothing at its offset is held until an
 * append lands there or its wait runs out.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer } from "../../../worker/api";
import { readPartitionWait } from "../../../worker/api/read";
import type { TopicPartitionDO } from "../../../worker/durable-objects/TopicPartitionDO";
import { throwRefusals } from "../../../worker/durable-objects/rpc";
import { batchOf, expectKafdoError, text } from "../helpers";

const MB = 1 << 20;
/* Longer than any test may take: a held read that is never woken fails the test by its timeout. */
const FOREVER = 60000;

let partitions = 0;
/* As Kafdo's code calls it (addressing.ts): refusals thrown as KafdoErrors. */
function freshPartition(): DurableObjectStub<TopicPartitionDO> {
  return throwRefusals(
    env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`longpoll-${Date.now()}-${partitions++}/0`)),
  );
}

describe("TopicPartitionDO.readWait", () => {
  it("answers at once when records exist at the offset", async () => {
    const p = freshPartition();
    await p.append([batchOf(3, "a")]);
    const read = await p.readWait(1, 10, MB, FOREVER);
    expect(read.records.map((r) => text(r.value))).toEqual(["a-1", "a-2"]);
    expect(read.highWatermark).toBe(3);
  });

  it("holds a read at the high watermark until an append lands there", async () => {
    const p = freshPartition();
    await p.append([batchOf(2, "old")]);
    /* Calls on one stub arrive in order: the read is waiting before the append. */
    const waiting = p.readWait(2, 10, MB, FOREVER);
    const appended = p.append([batchOf(3, "new")]);
    const read = await waiting;
    expect((await appended)[0]!.baseOffset).toBe(2);
    expect(read.records.map((r) => [r.offset, text(r.value)])).toEqual([
      [2, "new-0"],
      [3, "new-1"],
      [4, "new-2"],
    ]);
  });

  it("wakes every waiting reader with one append", async () => {
    const p = freshPartition();
    const readers = [p.readWait(0, 10, MB, FOREVER), p.readWait(0, 1, MB, FOREVER)];
    await p.append([batchOf(2, "x")]);
    const [all, one] = await Promise.all(readers);
    expect(all!.records).toHaveLength(2);
    expect(one!.records).toHaveLength(1);
  });

  it("answers empty when the wait runs out, and at once with no wait", async () => {
    const p = freshPartition();
    const empty = { logStartOffset: 0, highWatermark: 0, lastStableOffset: 0, nextOffset: 0, records: [] };
    expect(await p.readWait(0, 10, MB, 0)).toEqual(empty);
    expect(await p.readWait(0, 10, MB, 20)).toEqual(empty);
  });

  it("refuses an offset outside the log without waiting", async () => {
    const p = freshPartition();
    await p.append([batchOf(1, "a")]);
    await expectKafdoError(() => p.readWait(5, 10, MB, FOREVER), "OFFSET_OUT_OF_RANGE");
  });

  it("ends a waiting read when the topic is deleted", async () => {
    const p = freshPartition();
    /* Caught at once: the refusal may arrive before retire's answer. */
    const failure = p.readWait(0, 10, MB, FOREVER).then(
      () => undefined,
      (e: unknown) => e,
    );
    await p.retire();
    await expectKafdoError(async () => {
      throw await failure;
    }, "UNKNOWN_TOPIC_OR_PARTITION");
  });
});

describe("readPartitionWait", () => {
  it("returns records produced while it waits", async () => {
    const topic = `longpoll-${Date.now()}-${partitions++}`;
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const waiting = readPartitionWait(env, topic, 0, { offset: 0 }, FOREVER);
    await createProducer(env).send({ topic, partition: 0, key: "k", value: { n: 1 } });
    const read = await waiting;
    expect(read.topic).toBe(topic);
    expect(read.records.map((r) => text(r.value))).toEqual(['{"n":1}']);
  });

  it("checks its wait", async () => {
    const topic = `longpoll-${Date.now()}-${partitions++}`;
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    await expectKafdoError(() => readPartitionWait(env, topic, 0, { offset: 0 }, -1), "INVALID_REQUEST");
    await expectKafdoError(() => readPartitionWait(env, topic, 0, { offset: 0 }, 10 * FOREVER), "INVALID_REQUEST");
  });
});
