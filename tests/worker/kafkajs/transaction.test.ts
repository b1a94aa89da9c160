/*
 * kafdo/kafkajs's producer.transaction(), as kafkajs's: a commit to several partitions
 * with sendOffsets, seen by a readUncommitted: false consumer and by the group; an
 * abort unseen by it and seen by a readUncommitted: true one; a zombie fenced with
 * kafkajs's KafkaJSProtocolError; an ended transaction and a producer without a
 * transactionalId refused as kafkajs refuses them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError } from "kafdo/kafkajs";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;
const kafka = new Kafka({ clientId: "transaction-test", env });

/* The values a new group's consumer reads of `topic`, once `count` have come. */
async function consumed(topic: string, readUncommitted: boolean, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: unique("reader"), readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  await expect.poll(() => values.length, { timeout: 5000 }).toBe(count);
  /* A little longer: anything more that would come (it must not). */
  await new Promise((r) => setTimeout(r, 300));
  await consumer.disconnect();
  return values.sort();
}

describe("kafdo/kafkajs producer.transaction()", { timeout: 30_000 }, () => {
  it("commits sends to several partitions and sendOffsets together", async () => {
    const topic = unique("kjs-txn");
    const source = unique("kjs-src");
    const groupId = unique("kjs-txn-group");
    await kafka.admin().createTopics({
      topics: [
        { topic, numPartitions: 3 },
        { topic: source, numPartitions: 1 },
      ],
    });
    const producer = kafka.producer({ transactionalId: unique("tid"), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    expect(txn.isActive()).toBe(true);
    const sent = await txn.send({ topic, messages: [{ value: "a", partition: 0 }] });
    expect(sent).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: "0", logAppendTime: "-1", logStartOffset: "-1" },
    ]);
    await txn.sendBatch({
      topicMessages: [
        {
          topic,
          messages: [
            { value: "b", partition: 1 },
            { value: "c", partition: 2 },
          ],
        },
      ],
    });
    await txn.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: source, partitions: [{ partition: 0, offset: "5" }] }],
    });
    await txn.commit();
    expect(txn.isActive()).toBe(false);
    expect(await consumed(topic, false, 3)).toEqual(["a", "b", "c"]);
    const [offsets] = await kafka.admin().fetchOffsets({ groupId, topics: [source] });
    expect(offsets!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "5" })]);
    await expect(txn.send({ topic, messages: [{ value: "late" }] })).rejects.toThrow(
      new KafkaJSNonRetriableError("Cannot continue to use transaction once ended"),
    );
    await producer.disconnect();
  });

  it("hides an aborted transaction from readUncommitted: false, not from readUncommitted: true", async () => {
    const topic = unique("kjs-abort");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer({ transactionalId: unique("tid") });
    const aborted = await producer.transaction();
    await aborted.send({
      topic,
      messages: [
        { value: "x", partition: 0 },
        { value: "y", partition: 1 },
      ],
    });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: "z", partition: 0 }] });
    await committed.commit();
    expect(await consumed(topic, false, 1)).toEqual(["z"]);
    expect(await consumed(topic, true, 3)).toEqual(["x", "y", "z"]);
  });

  it("fences a zombie with kafkajs's KafkaJSProtocolError", async () => {
    const topic = unique("kjs-zombie");
    const transactionalId = unique("tid");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const zombie = await kafka.producer({ transactionalId }).transaction();
    await zombie.send({ topic, messages: [{ value: "zombie" }] });
    const live = await kafka.producer({ transactionalId }).transaction();
    await live.send({ topic, messages: [{ value: "live" }] });
    const err = await zombie.commit().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KafkaJSProtocolError);
    expect(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"]).toContain((err as KafkaJSProtocolError).type);
    expect((err as KafkaJSProtocolError).retriable).toBe(false);
    await live.commit();
    expect(await consumed(topic, false, 1)).toEqual(["live"]);
  });

  it("refuses transaction() without a transactionalId, as kafkajs", async () => {
    await expect(kafka.producer().transaction()).rejects.toThrow(
      new KafkaJSNonRetriableError("Must provide transactional id for transactional producer"),
    );
  });
});
