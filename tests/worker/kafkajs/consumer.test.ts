/*
 * kafdo/kafkajs's consumer: kafkajs's run loop inside a Worker — eachBatch, seek,
 * pause and resume, the events that apply, what is committed when a handler fails,
 * the maxRunMs budget and stopped(), and bad input refused with kafkajs's errors.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  Kafka,
  KafkaJSError,
  KafkaJSNonRetriableError,
  type InstrumentationEvent,
  type KafkaMessage,
} from "kafdo/kafkajs";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;
const kafka = new Kafka({ clientId: "consumer-test", env });

/* A topic of `partitions` partitions with `count` messages "m<i>" in each. */
async function topicWith(partitions: number, count: number): Promise<string> {
  const topic = unique("kjs-consume");
  await kafka.admin().createTopics({ topics: [{ topic, numPartitions: partitions }] });
  const messages = [];
  for (let p = 0; p < partitions; p++) for (let i = 0; i < count; i++) messages.push({ value: `m${i}`, partition: p });
  await kafka.producer().send({ topic, messages });
  return topic;
}

async function committed(groupId: string, topic: string): Promise<string[]> {
  const [t] = await kafka.admin().fetchOffsets({ groupId, topics: [topic] });
  return t!.partitions.map((p) => p.offset);
}

describe("kafdo/kafkajs consumer", { timeout: 20_000 }, () => {
  it("runs eachBatch, emits GROUP_JOIN, batch and COMMIT_OFFSETS events, and commits on stop", async () => {
    const topic = await topicWith(2, 3);
    const groupId = unique("kjs-batch");
    const consumer = kafka.consumer({ groupId });
    const events: InstrumentationEvent<any>[] = [];
    for (const name of [
      consumer.events.CONNECT,
      consumer.events.GROUP_JOIN,
      consumer.events.START_BATCH_PROCESS,
      consumer.events.END_BATCH_PROCESS,
      consumer.events.COMMIT_OFFSETS,
      consumer.events.STOP,
      consumer.events.DISCONNECT,
    ]) {
      consumer.on(name, (e) => events.push(e));
    }
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const batches: { partition: number; offsets: string[]; highWatermark: string; lag: string }[] = [];
    await consumer.run({
      eachBatch: async ({ batch }) => {
        batches.push({
          partition: batch.partition,
          offsets: batch.messages.map((m) => m.offset),
          highWatermark: batch.highWatermark,
          lag: batch.offsetLag(),
        });
      },
    });
    const join = events.find((e) => e.type === "consumer.group_join")!;
    expect(join.payload.groupId).toBe(groupId);
    expect(join.payload.memberAssignment).toEqual({ [topic]: [0, 1] });
    expect(join.payload.isLeader).toBe(true);
    await expect.poll(() => batches.flatMap((b) => b.offsets).length, { timeout: 5000 }).toBe(6);
    await consumer.disconnect();
    expect(batches.map((b) => [b.partition, b.offsets, b.highWatermark, b.lag]).sort()).toEqual([
      [0, ["0", "1", "2"], "3", "0"],
      [1, ["0", "1", "2"], "3", "0"],
    ]);
    expect(await committed(groupId, topic)).toEqual(["3", "3"]);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("consumer.connect");
    expect(types).toContain("consumer.start_batch_process");
    expect(types).toContain("consumer.end_batch_process");
    expect(types).toContain("consumer.commit_offsets");
    expect(types.slice(-2)).toEqual(["consumer.stop", "consumer.disconnect"]);
    const commit = events.find((e) => e.type === "consumer.commit_offsets")!;
    expect(commit.payload.groupId).toBe(groupId);
    expect(commit.payload.topics[0].topic).toBe(topic);
  });

  it("seeks, pauses and resumes", async () => {
    const topic = await topicWith(2, 4);
    const consumer = kafka.consumer({ groupId: unique("kjs-seek") });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    /* A seek before run() applies when the partition is assigned. */
    consumer.seek({ topic, partition: 0, offset: "2" });
    consumer.pause([{ topic, partitions: [1] }]);
    const seen: string[] = [];
    await consumer.run({
      eachMessage: async ({ partition, message }) => void seen.push(`${partition}:${message.offset}`),
    });
    await expect.poll(() => seen, { timeout: 5000 }).toEqual(["0:2", "0:3"]);
    expect(consumer.paused()).toEqual([{ topic, partitions: [1] }]);
    consumer.resume([{ topic, partitions: [1] }]);
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(6);
    expect(seen.filter((s) => s.startsWith("1:"))).toEqual(["1:0", "1:1", "1:2", "1:3"]);
    /* Back to the start of partition 0 while running. */
    consumer.seek({ topic, partition: 0, offset: "0" });
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(10);
    expect(seen.slice(6)).toEqual(["0:0", "0:1", "0:2", "0:3"]);
    await consumer.disconnect();
  });

  it("a failing eachMessage crashes the loop and commits only what was processed", async () => {
    const topic = await topicWith(1, 5);
    const groupId = unique("kjs-crash");
    const consumer = kafka.consumer({ groupId });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const crashes: InstrumentationEvent<any>[] = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e));
    const boom = new Error("cannot process m2");
    await consumer.run({
      eachMessage: async ({ message }: { message: KafkaMessage }) => {
        if (message.value!.toString() === "m2") throw boom;
      },
    });
    await consumer.stopped();
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.payload.error).toBeInstanceOf(KafkaJSError);
    expect(crashes[0]!.payload.error.cause).toBe(boom);
    expect(await committed(groupId, topic)).toEqual(["2"]);
    /* The group is empty again: it can be reset. */
    expect((await kafka.admin().describeGroups([groupId])).groups[0]!.state).toBe("Empty");
  });

  it("stops by itself after maxRunMs, leaving the group", async () => {
    const topic = await topicWith(1, 1);
    const groupId = unique("kjs-budget");
    const consumer = kafka.consumer({ groupId });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let stopped = false;
    consumer.on(consumer.events.STOP, () => (stopped = true));
    const started = Date.now();
    await consumer.run({ maxRunMs: 700, eachMessage: async () => {} });
    await consumer.stopped();
    expect(stopped).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await committed(groupId, topic)).toEqual(["1"]);
    expect((await kafka.admin().describeGroups([groupId])).groups[0]!.members).toEqual([]);
  });

  it("refuses bad input with kafkajs's errors", async () => {
    const refused = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (e) {
        return e;
      }
      return expect.fail("nothing was thrown");
    };
    expect(await refused(() => kafka.consumer({} as never))).toBeInstanceOf(KafkaJSNonRetriableError);
    const consumer = kafka.consumer({ groupId: unique("kjs-bad") });
    expect(await refused(() => consumer.subscribe({ topics: [] }))).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refused(() => consumer.subscribe({ topics: [42 as never] }))).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refused(() => consumer.run({ eachMessage: async () => {} }))).toBeInstanceOf(KafkaJSNonRetriableError);
    await consumer.subscribe({ topics: [unique("a")], fromBeginning: true });
    await consumer.subscribe({ topics: [unique("b")] });
    /* Kafdo starts every topic of a consumer the same way. */
    expect(await refused(() => consumer.run({ eachMessage: async () => {} }))).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refused(() => consumer.run({}))).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refused(() => consumer.seek({ topic: "not-subscribed", partition: 0, offset: "0" }))).toBeInstanceOf(
      KafkaJSNonRetriableError,
    );
    expect(await refused(() => consumer.commitOffsets([{ topic: "t", partition: 0, offset: "-3" }]))).toBeInstanceOf(
      KafkaJSNonRetriableError,
    );
    expect(await refused(() => consumer.on("consumer.nope", () => {}))).toBeInstanceOf(TypeError);
    expect(await refused(() => new Kafka({ env: {} as never }))).toBeInstanceOf(KafkaJSNonRetriableError);
  });
});
