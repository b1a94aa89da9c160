/*
 * kafdo/kafkajs's producer: kafkajs's message shapes in (Buffer or string keys,
 * values and headers, string timestamps), its RecordMetadata out, acks and
 * CompressionTypes per send, what is stored read back byte for byte.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CompressionTypes, Kafka, KafkaJSError, KafkaJSNonRetriableError, KafkaJSProtocolError } from "kafdo/kafkajs";
import { readPartition } from "../../../worker/api";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;
const kafka = new Kafka({ clientId: "producer-test", env });

describe("kafdo/kafkajs producer", { timeout: 20_000 }, () => {
  it("stores strings as their UTF-8 and Buffers as they are, and answers kafkajs's metadata", async () => {
    const topic = unique("kjs-produce");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const binary = Buffer.from([0, 255, 1, 254]);
    const sent = await producer.send({
      topic,
      compression: CompressionTypes.GZIP,
      messages: [
        { key: "k", value: '"quoted"', partition: 1, headers: { h: "x", b: binary }, timestamp: "1700000000000" },
        { key: binary, value: binary, partition: 1 },
        { value: null, partition: 0 },
      ],
    });
    expect(sent.sort((a, b) => a.partition - b.partition)).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: "0", logAppendTime: "-1", logStartOffset: "-1" },
      { topicName: topic, partition: 1, errorCode: 0, baseOffset: "0", logAppendTime: "-1", logStartOffset: "-1" },
    ]);
    const read = await readPartition(env, topic, 1, { offset: 0 });
    expect(read.records.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      [new TextEncoder().encode("k"), new TextEncoder().encode('"quoted"'), 1700000000000],
      [new Uint8Array(binary), new Uint8Array(binary), read.records[1]!.timestamp],
    ]);
    expect(read.records[0]!.headers).toEqual([
      { key: "h", value: new TextEncoder().encode("x") },
      { key: "b", value: new Uint8Array(binary) },
    ]);
    expect((await readPartition(env, topic, 0, { offset: 0 })).records[0]!.value).toBeNull();

    const batch = await producer.sendBatch({
      acks: 1,
      compression: CompressionTypes.ZSTD,
      topicMessages: [
        { topic, messages: [{ value: "a", partition: 0 }] },
        { topic, messages: [{ value: "b", partition: 0 }] },
      ],
    });
    expect(batch).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: "1", logAppendTime: "-1", logStartOffset: "-1" },
    ]);

    /* acks 0: no offsets, as kafkajs answers; disconnect flushes it. */
    const unacked = await producer.send({ topic, acks: 0, messages: [{ value: "c", partition: 0 }] });
    expect(unacked[0]!.baseOffset).toBeUndefined();
    await producer.disconnect();
    expect((await readPartition(env, topic, 0, { offset: 0 })).records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
  });

  it("refuses bad input with kafkajs's errors and stores nothing", async () => {
    const topic = unique("kjs-refuse");
    await kafka.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    const refuse = async (record: unknown) =>
      producer.send(record as never).then(
        () => expect.fail("sent"),
        (e: unknown) => e,
      );
    expect(await refuse({ topic, compression: 9, messages: [{ value: "x" }] })).toBeInstanceOf(
      KafkaJSNonRetriableError,
    );
    expect(await refuse({ topic, acks: 2, messages: [{ value: "x" }] })).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refuse({ topic, messages: [{ value: 42 }] })).toBeInstanceOf(KafkaJSNonRetriableError);
    expect(await refuse({ topic, messages: [{ value: "x", headers: { h: ["a", "b"] } }] })).toBeInstanceOf(
      KafkaJSNonRetriableError,
    );
    expect(await refuse({ topic, messages: [{ value: "x", timestamp: "yesterday" }] })).toBeInstanceOf(
      KafkaJSNonRetriableError,
    );
    expect(await refuse({ topic, messages: "x" })).toBeInstanceOf(KafkaJSNonRetriableError);
    const unknownPartition = await refuse({ topic, messages: [{ value: "ok" }, { value: "x", partition: 5 }] });
    expect(unknownPartition).toBeInstanceOf(KafkaJSProtocolError);
    expect((unknownPartition as KafkaJSProtocolError).type).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((unknownPartition as KafkaJSProtocolError).code).toBe(3);
    expect((await readPartition(env, topic, 0, { offset: 0 })).records).toEqual([]);

    await producer.disconnect();
    const closed = await refuse({ topic, messages: [{ value: "x" }] });
    expect(closed).toBeInstanceOf(KafkaJSError);
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "after reconnect" }] });
    expect((await readPartition(env, topic, 0, { offset: 0 })).records).toHaveLength(1);
  });
});
