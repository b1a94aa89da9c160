/*
 * producer.transaction() of the in-Worker producer (worker/api/transaction.ts), inside
 * workerd against the real coordinator, partitions and groups: a commit to several
 * partitions with sendOffsets is seen by a read_committed reader and the group; an
 * abort is invisible to read_committed and visible to read_uncommitted; a second
 * producer with the same transactional id fences the first; a transaction past its
 * timeout fails its commit with Kafka's code; a consume-transform-produce loop that
 * dies mid-transaction and starts again writes no duplicate downstream.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createAdmin,
  createConsumer,
  createProducer,
  readPartition,
  type TransactionalProducerApi,
} from "../../../worker/api";
import { committedOffsets } from "../../../worker/api/groups";
import { describeTransaction } from "../../../worker/api/transactions";
import { KafdoError, KafkaCode } from "../../../worker/common/errors";
import { expectKafdoError, text } from "../helpers";

let n = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${n++}`;

async function values(
  topic: string,
  partition: number,
  isolation: "read_committed" | "read_uncommitted",
): Promise<string[]> {
  const read = await readPartition(env, topic, partition, { offset: 0, limit: 1000, isolation });
  /* Values are sent as JSON (api/records.ts). */
  return read.records.map((r) => JSON.parse(text(r.value)!) as string);
}

async function committed(group: string, topic: string, partition = 0): Promise<number> {
  return (await committedOffsets(env, group, [{ topic, partition }]))[0]!.offset;
}

describe("producer.transaction()", () => {
  it("commits records on several partitions and a group's offsets together", async () => {
    const topic = fresh("txn-out");
    const source = fresh("txn-in");
    const group = fresh("txn-group");
    await createAdmin(env).createTopic({ topic, partitions: 3 });
    await createAdmin(env).createTopic({ topic: source, partitions: 1 });
    const producer = createProducer(env, { transactionalId: fresh("tid") });
    const txn = await producer.transaction();
    expect(txn.isActive()).toBe(true);
    await txn.send({ topic, partition: 0, value: "a" });
    await txn.sendBatch([
      { topic, partition: 1, value: "b" },
      { topic, partition: 2, value: "c" },
      { topic, partition: 2, value: "d" },
    ]);
    await txn.sendOffsets({
      consumerGroupId: group,
      topics: [{ topic: source, partitions: [{ partition: 0, offset: 7 }] }],
    });
    /* Open: stored, but a read_committed reader and the group see nothing yet. */
    expect(await values(topic, 2, "read_uncommitted")).toEqual(["c", "d"]);
    expect(await values(topic, 2, "read_committed")).toEqual([]);
    expect(await committed(group, source)).toBe(-1);
    /* A send made after commit() is called would reach its partition after the marker. */
    const committing = txn.commit();
    await expectKafdoError(() => txn.send({ topic, partition: 0, value: "too late" }), "INVALID_TXN_STATE");
    await committing;
    expect(txn.isActive()).toBe(false);
    expect(await values(topic, 0, "read_committed")).toEqual(["a"]);
    expect(await values(topic, 1, "read_committed")).toEqual(["b"]);
    expect(await values(topic, 2, "read_committed")).toEqual(["c", "d"]);
    expect(await committed(group, source)).toBe(7);
    await expectKafdoError(() => txn.send({ topic, value: "late" }), "INVALID_TXN_STATE");

    /* The next transaction goes on with the partitions' sequences. */
    const next = await producer.transaction();
    await next.send({ topic, partition: 2, value: "e" });
    await next.commit();
    expect(await values(topic, 2, "read_committed")).toEqual(["c", "d", "e"]);
  });

  it("aborts: read_committed sees nothing of it, read_uncommitted sees it all", async () => {
    const topic = fresh("txn-abort");
    const group = fresh("txn-group");
    await createAdmin(env).createTopic({ topic, partitions: 2 });
    const producer = createProducer(env, { transactionalId: fresh("tid") });
    const txn = await producer.transaction();
    await txn.sendBatch([
      { topic, partition: 0, value: "x" },
      { topic, partition: 1, value: "y" },
    ]);
    await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: 1 }] }] });
    await txn.abort();
    expect(await values(topic, 0, "read_committed")).toEqual([]);
    expect(await values(topic, 1, "read_committed")).toEqual([]);
    expect(await values(topic, 0, "read_uncommitted")).toEqual(["x"]);
    expect(await values(topic, 1, "read_uncommitted")).toEqual(["y"]);
    expect(await committed(group, topic)).toBe(-1);
    /* The producer goes on after an abort. */
    const again = await producer.transaction();
    await again.send({ topic, partition: 0, value: "z" });
    await again.commit();
    expect(await values(topic, 0, "read_committed")).toEqual(["z"]);
  });

  it("fences a zombie: a second producer with the same transactional id", async () => {
    const topic = fresh("txn-zombie");
    const transactionalId = fresh("tid");
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const zombie = createProducer(env, { transactionalId });
    const old = await zombie.transaction();
    await old.send({ topic, value: "zombie" });
    const live = createProducer(env, { transactionalId });
    const txn = await live.transaction(); /* aborts the zombie's open transaction */
    await txn.send({ topic, value: "live" });
    const sent = await expectKafdoError(() => old.send({ topic, value: "zombie-2" }), "INVALID_PRODUCER_EPOCH");
    expect(sent.code).toBe(KafkaCode.INVALID_PRODUCER_EPOCH);
    const code = (await old.commit().then(
      () => 0,
      (e: unknown) => KafdoError.from(e)?.code,
    )) as number;
    expect([KafkaCode.PRODUCER_FENCED, KafkaCode.INVALID_PRODUCER_EPOCH]).toContain(code);
    /* Fenced for good: it does not even ask the coordinator again (which would abort
     * the live producer's transaction). */
    const again = (await zombie.transaction().then(
      () => 0,
      (e: unknown) => KafdoError.from(e)?.code,
    )) as number;
    expect([KafkaCode.PRODUCER_FENCED, KafkaCode.INVALID_PRODUCER_EPOCH]).toContain(again);
    await txn.commit();
    expect(await values(topic, 0, "read_committed")).toEqual(["live"]);
  });

  it("fails the commit of a transaction its coordinator timed out", async () => {
    const topic = fresh("txn-timeout");
    const transactionalId = fresh("tid");
    await createAdmin(env).createTopic({ topic, partitions: 1 });
    const producer = createProducer(env, { transactionalId, transactionTimeoutMs: 1 });
    const txn = await producer.transaction();
    await txn.send({ topic, value: "late" });
    await new Promise((r) => setTimeout(r, 20));
    const ns = env.TRANSACTION_COORDINATOR!;
    await runDurableObjectAlarm(ns.get(ns.idFromName(transactionalId)));
    for (let i = 0; i < 100 && (await describeTransaction(env, transactionalId)).state !== "CompleteAbort"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const err = await expectKafdoError(() => txn.commit(), "PRODUCER_FENCED");
    expect(err.code).toBe(KafkaCode.PRODUCER_FENCED);
    expect(txn.isActive()).toBe(false);
    expect(await values(topic, 0, "read_committed")).toEqual([]);
  });

  it("refuses transaction() without a transactionalId and a second open transaction", async () => {
    const plain = createProducer(env) as TransactionalProducerApi;
    await expectKafdoError(() => plain.transaction(), "INVALID_REQUEST");
    const producer = createProducer(env, { transactionalId: fresh("tid") });
    /* Two at once: the second is refused while the first initialises the producer. */
    const [first, second] = await Promise.allSettled([producer.transaction(), producer.transaction()]);
    expect(first.status).toBe("fulfilled");
    expect(KafdoError.from((second as PromiseRejectedResult).reason)?.name).toBe("INVALID_TXN_STATE");
    const txn = (first as PromiseFulfilledResult<Awaited<ReturnType<typeof producer.transaction>>>).value;
    await expectKafdoError(() => producer.transaction(), "INVALID_TXN_STATE");
    await txn.abort();
  });

  it("keeps the transaction going after a refused message, nothing stored of it", async () => {
    const topic = fresh("txn-refused");
    await createAdmin(env).createTopic({ topic, partitions: 1, config: { "max.message.bytes": "1000" } });
    const producer = createProducer(env, { transactionalId: fresh("tid") });
    const txn = await producer.transaction();
    await expectKafdoError(() => txn.send({ topic, value: "x".repeat(5000) }), "MESSAGE_TOO_LARGE");
    await txn.send({ topic, value: "ok" });
    await txn.commit();
    expect(await values(topic, 0, "read_uncommitted")).toEqual(["ok"]);
  });

  it("runs consume-transform-produce across a crash with no duplicates downstream", async () => {
    const input = fresh("ctp-in");
    const output = fresh("ctp-out");
    const group = fresh("ctp-group");
    const transactionalId = fresh("ctp-tid");
    await createAdmin(env).createTopic({ topic: input, partitions: 1 });
    await createAdmin(env).createTopic({ topic: output, partitions: 2 });
    await createProducer(env).sendBatch(Array.from({ length: 9 }, (_, i) => ({ topic: input, value: `m${i}` })));

    /* One step: read from the group's committed offset, write the upper-cased records
     * and the next offset in one transaction; `crash` stops before the commit. */
    const step = async (producer: TransactionalProducerApi, crash = false) => {
      const from = Math.max(0, await committed(group, input));
      const read = await readPartition(env, input, 0, { offset: from, limit: 3 });
      if (read.records.length === 0) return false;
      const txn = await producer.transaction();
      await txn.sendBatch(
        read.records.map((r) => ({
          topic: output,
          key: JSON.parse(text(r.value)!) as string,
          value: (JSON.parse(text(r.value)!) as string).toUpperCase(),
        })),
      );
      await txn.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: read.records.at(-1)!.offset + 1 }] }],
      });
      if (crash) return false;
      await txn.commit();
      return true;
    };
    const first = createProducer(env, { transactionalId });
    expect(await step(first)).toBe(true);
    await step(first, true); /* dies with its second transaction open */
    const restarted = createProducer(env, { transactionalId });
    while (await step(restarted));
    const out = [...(await values(output, 0, "read_committed")), ...(await values(output, 1, "read_committed"))];
    expect(out.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `M${i}`));
    expect(await committed(group, input)).toBe(9);
  });

  it("commits offsets for the in-Worker consumer's member only while its generation is current", async () => {
    const input = fresh("member-in");
    const output = fresh("member-out");
    const group = fresh("member-group");
    await createAdmin(env).createTopic({ topic: input, partitions: 1 });
    await createAdmin(env).createTopic({ topic: output, partitions: 1 });
    await createProducer(env).sendBatch([
      { topic: input, value: "a" },
      { topic: input, value: "b" },
    ]);
    const consumer = createConsumer(env, { groupId: group, fromBeginning: true, autoCommit: false });
    try {
      await consumer.subscribe([input]);
      const records = [];
      for (let i = 0; i < 20 && records.length < 2; i++) records.push(...(await consumer.poll(200)));
      expect(records.map((r) => r.value)).toEqual(["a", "b"]);
      const member = consumer.groupMetadata();
      expect(member.generationId).toBeGreaterThanOrEqual(1);
      const producer = createProducer(env, { transactionalId: fresh("tid") });
      const txn = await producer.transaction();
      await txn.sendBatch(records.map((r) => ({ topic: output, value: String(r.value).toUpperCase() })));
      const offsets = [{ topic: input, partitions: [{ partition: 0, offset: 2 }] }];
      /* A member of an older generation is refused, and nothing of it is pending. */
      await expectKafdoError(
        () =>
          txn.sendOffsets({
            consumerGroupId: group,
            topics: offsets,
            consumerGroupMetadata: { memberId: member.memberId, generationId: member.generationId - 1 },
          }),
        "ILLEGAL_GENERATION",
      );
      await expectKafdoError(
        () =>
          txn.sendOffsets({
            consumerGroupId: group,
            topics: offsets,
            consumerGroupMetadata: { memberId: "someone-else", generationId: member.generationId },
          }),
        "UNKNOWN_MEMBER_ID",
      );
      await txn.sendOffsets({ consumerGroupId: group, topics: offsets, consumerGroupMetadata: member });
      await txn.commit();
      expect(await values(output, 0, "read_committed")).toEqual(["A", "B"]);
      expect(await committed(group, input)).toBe(2);
    } finally {
      await consumer.close();
    }
  });
});
