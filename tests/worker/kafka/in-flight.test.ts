/*
 * Several requests in flight on one /kafka connection (worker/kafka/index.ts): a
 * client's Produce requests sent without waiting are answered in order, their records
 * stored in the order of the requests, partition by partition; a request other than
 * Produce behind them sees them all done, as if each had been answered before the next
 * was read. Requests encoded and answers decoded by kafkajs 2.2.4's protocol modules.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin } from "../../../worker/api/admin";
import type { Env } from "../../../worker/durable-objects/bindings";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import produceV3 from "kafkajs/src/protocol/requests/produce/v3/request";
// @ts-expect-error untyped
import produceV3Response from "kafkajs/src/protocol/requests/produce/v3/response";
// @ts-expect-error untyped
import fetchV4 from "kafkajs/src/protocol/requests/fetch/v4/request";
// @ts-expect-error untyped
import fetchV4Response from "kafkajs/src/protocol/requests/fetch/v4/response";

interface ProduceAnswer {
  topics: { topicName: string; partitions: { partition: number; errorCode: number; baseOffset: string }[] }[];
}
interface FetchAnswer {
  responses: {
    partitions: { partition: number; errorCode: number; messages: { offset: string; value: Uint8Array }[] }[];
  }[];
}

let made = 0;
async function newTopic(partitions: number): Promise<string> {
  const topic = `in-flight-${Date.now().toString(36)}-${made++}`;
  await createAdmin(env as unknown as Env).createTopic({ topic, partitions });
  return topic;
}

async function frameOf(correlationId: number, request: unknown): Promise<Uint8Array> {
  const encoded = (await kafkajsRequest({ correlationId, clientId: "in-flight", request })) as { buffer: Uint8Array };
  return new Uint8Array(encoded.buffer);
}

const produceFrame = (correlationId: number, topic: string, partition: number, value: string, acks = -1) =>
  frameOf(
    correlationId,
    produceV3({ acks, timeout: 5000, topicData: [{ topic, partitions: [{ partition, messages: [{ value }] }] }] }),
  );

const fetchFrame = (correlationId: number, topic: string, partition: number) =>
  frameOf(
    correlationId,
    fetchV4({
      replicaId: -1,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, partitions: [{ partition, fetchOffset: "0", maxBytes: 1 << 20 }] }],
    }),
  );

/* Sends every frame at once on a new connection; resolves with the first `answers`
 * answers, in the order they came. */
async function pipeline(frames: Uint8Array[], answers: number): Promise<Uint8Array[]> {
  const res = await exports.default.fetch(
    new Request("http://kafdo.test/kafka?advertise=127.0.0.1:9092", { headers: { upgrade: "websocket" } }),
  );
  const ws = res.webSocket!;
  ws.accept();
  const got: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.addEventListener("message", (e) => {
      got.push(new Uint8Array(e.data as ArrayBuffer));
      if (got.length === answers) resolve();
    });
    ws.addEventListener("close", () => reject(new Error(`the connection closed after ${got.length} answers`)));
  });
  for (const f of frames) ws.send(f);
  await done;
  ws.close();
  return got;
}

const correlationOf = (frame: Uint8Array) => new DataView(frame.buffer, frame.byteOffset).getInt32(4);
const bodyOf = (frame: Uint8Array) => Buffer.from(frame.subarray(8));

describe("requests in flight on one Kafka connection", () => {
  it("answers Produce requests sent without waiting in order, records stored in the requests' order", async () => {
    const topic = await newTopic(3);
    const n = 12;
    const frames = await Promise.all(Array.from({ length: n }, (_, i) => produceFrame(i + 1, topic, i % 3, `v${i}`)));
    const answers = await pipeline(frames, n);
    expect(answers.map(correlationOf)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const [i, frame] of answers.entries()) {
      const decoded = (await produceV3Response.decode(bodyOf(frame))) as ProduceAnswer;
      expect(decoded.topics[0]!.partitions[0]).toMatchObject({
        partition: i % 3,
        errorCode: 0,
        baseOffset: String(Math.floor(i / 3)),
      });
    }
    const fetched = await pipeline(await Promise.all([0, 1, 2].map((p) => fetchFrame(100 + p, topic, p))), 3);
    for (const [p, frame] of fetched.entries()) {
      const decoded = (await fetchV4Response.decode(bodyOf(frame))) as FetchAnswer;
      const values = decoded.responses[0]!.partitions[0]!.messages.map((m) => new TextDecoder().decode(m.value));
      expect(values).toEqual(Array.from({ length: n / 3 }, (_, k) => `v${3 * k + p}`));
    }
  }, 60_000);

  it("starts a Fetch behind Produce requests (acks 0 and all) only once their records are stored", async () => {
    const topic = await newTopic(1);
    const frames = [
      await produceFrame(1, topic, 0, "first", 0),
      await produceFrame(2, topic, 0, "second"),
      await produceFrame(3, topic, 0, "third", 0),
      await fetchFrame(4, topic, 0),
    ];
    /* acks 0 takes no answer: the Produce with acks all's, then the Fetch's. */
    const answers = await pipeline(frames, 2);
    expect(answers.map(correlationOf)).toEqual([2, 4]);
    const decoded = (await fetchV4Response.decode(bodyOf(answers[1]!))) as FetchAnswer;
    expect(decoded.responses[0]!.partitions[0]!.messages.map((m) => new TextDecoder().decode(m.value))).toEqual([
      "first",
      "second",
      "third",
    ]);
  }, 60_000);
});
