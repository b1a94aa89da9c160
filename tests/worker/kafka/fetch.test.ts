/*
 * Kafka Fetch through the Worker's /kafka WebSocket, as `kafdo gateway` relays it:
 * requests encoded and responses decoded by kafkajs 2.2.4's own protocol modules.
 * A hostile Fetch (one partition listed 20 times, every limit at 2^31-1) is
 * answered once per partition and within MAX_READ_BYTES; Kafka's limits (the
 * request's budget in order, the first batch whole, partitions past empty ones
 * not starved); and the long poll.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_READ_BYTES, encodeBatch } from "../../../wasm/kafdo";
import { createAdmin } from "../../../worker/api/admin";
import { topicFor } from "../../../worker/partitions/topics";
import { partitionStub } from "../../../worker/durable-objects/addressing";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import fetchV4 from "kafkajs/src/protocol/requests/fetch/v4/request";
// @ts-expect-error untyped
import fetchV4Response from "kafkajs/src/protocol/requests/fetch/v4/response";

const INT32_MAX = 2147483647;
const KB = 1024;

interface Decoded {
  responses: {
    topicName: string;
    partitions: {
      partition: number;
      errorCode: number;
      highWatermark: string;
      messages: { offset: string; value: Uint8Array }[];
    }[];
  }[];
}

let topics = 0;
async function topicWith(partitions: number): Promise<string> {
  const topic = `fetch-${Date.now().toString(36)}-${topics++}`;
  await createAdmin(env).createTopic({ topic, partitions });
  return topic;
}

/* The value of record `i` of batch `b`: `size` bytes that say which record it is. */
function valueOf(b: number, i: number, size: number): Uint8Array {
  const v = new Uint8Array(size);
  for (let at = 0; at < size; at++) v[at] = (b * 31 + i * 7 + at) & 0xff;
  return v;
}

/* Appends `batches` batches of `records` records of `size` bytes each; returns the
 * bytes stored. */
async function fill(topic: string, partition: number, batches: number, records: number, size: number): Promise<number> {
  const { topicId } = await topicFor(env, topic);
  const stub = partitionStub(env, topicId, partition);
  let stored = 0;
  for (let b = 0; b < batches; b++) {
    const batch = encodeBatch(
      {},
      Array.from({ length: records }, (_, i) => ({
        key: null,
        value: valueOf(b, i, size),
        timestamp: 1_700_000_000_000,
      })),
    );
    const [result] = await stub.append([batch]);
    expect(result!.errorCode).toBe(0);
    stored += batch.length;
  }
  return stored;
}

interface Listing {
  topic: string;
  partition: number;
  fetchOffset?: number;
  maxBytes: number;
}

/* One Fetch v4 over a fresh /kafka WebSocket: the response frame and what kafkajs reads in it. */
async function kafkaFetch(
  listings: Listing[],
  opts: { maxBytes: number; maxWaitTime?: number; minBytes?: number },
): Promise<{ frame: Uint8Array; decoded: Decoded }> {
  const request = fetchV4({
    replicaId: -1,
    maxWaitTime: opts.maxWaitTime ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes,
    /* One topic entry per listing, as a hostile client may send them. */
    topics: listings.map((l) => ({
      topic: l.topic,
      partitions: [{ partition: l.partition, fetchOffset: String(l.fetchOffset ?? 0), maxBytes: l.maxBytes }],
    })),
  });
  const encoded = (await kafkajsRequest({ correlationId: 7, clientId: "kafdo-test", request })) as {
    buffer: Uint8Array;
  };
  const res = await exports.default.fetch(
    new Request("http://kafdo.test/kafka?advertise=127.0.0.1:9092", { headers: { upgrade: "websocket" } }),
  );
  const ws = res.webSocket!;
  ws.accept();
  const frame = await new Promise<Uint8Array>((resolve, reject) => {
    ws.addEventListener("message", (e) => resolve(new Uint8Array(e.data as ArrayBuffer)));
    ws.addEventListener("close", () => reject(new Error("the connection closed")));
    ws.send(new Uint8Array(encoded.buffer));
  });
  ws.close();
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  expect(view.getUint32(0)).toBe(frame.length - 4);
  expect(view.getInt32(4)).toBe(7);
  const decoded = (await fetchV4Response.decode(Buffer.from(frame.subarray(8)))) as Decoded;
  return { frame, decoded };
}

function partitionsOf(decoded: Decoded) {
  return decoded.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.topicName, ...p })));
}

describe("Kafka Fetch", () => {
  it("answers a partition listed 20 times once, within the budget, its records intact", async () => {
    const topic = await topicWith(1);
    const stored = await fill(topic, 0, 5, 8, 100 * KB); /* about 4 MiB */
    const listing = { topic, partition: 0, maxBytes: INT32_MAX };
    const { frame, decoded } = await kafkaFetch(Array(20).fill(listing), { maxBytes: INT32_MAX });

    const answered = partitionsOf(decoded);
    expect(answered).toHaveLength(1);
    expect(answered[0]!).toMatchObject({ topic, partition: 0, errorCode: 0, highWatermark: "40" });
    expect(frame.length).toBeLessThan(stored + 4 * KB);
    const messages = answered[0]!.messages;
    expect(messages.map((m) => Number(m.offset))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const intact = messages.every((m, n) => {
      const want = valueOf(Math.floor(n / 8), n % 8, 100 * KB);
      return m.value.length === want.length && m.value.every((byte, at) => byte === want[at]);
    });
    expect(intact).toBe(true);
  });

  it("never answers more than MAX_READ_BYTES, whatever max_bytes asks", async () => {
    const topic = await topicWith(1);
    const stored = await fill(topic, 0, 20, 9, 100 * KB); /* about 18 MiB */
    expect(stored).toBeGreaterThan(MAX_READ_BYTES);
    const { frame, decoded } = await kafkaFetch([{ topic, partition: 0, maxBytes: INT32_MAX }], {
      maxBytes: INT32_MAX,
    });
    expect(frame.length).toBeLessThanOrEqual(MAX_READ_BYTES + 4 * KB);
    const messages = partitionsOf(decoded)[0]!.messages;
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.length % 9).toBe(0); /* whole batches */
    expect(messages.map((m) => Number(m.offset))).toEqual(Array.from({ length: messages.length }, (_, i) => i));
  });

  it("fills partitions in order within max_bytes; the first with data gives its first batch whole", async () => {
    const topic = await topicWith(3);
    await fill(topic, 1, 2, 8, 100 * KB); /* batches of about 800 KiB */
    await fill(topic, 2, 1, 10, 1 * KB); /* one batch of about 10 KiB */
    const { decoded } = await kafkaFetch(
      [
        { topic, partition: 0, maxBytes: 1 << 20 } /* empty */,
        { topic, partition: 1, maxBytes: 100 } /* over its limit: its first batch whole, no more */,
        { topic, partition: 2, maxBytes: 1 << 20 } /* fits what is left of 1 MiB */,
      ],
      { maxBytes: 1 << 20 },
    );
    const counts = partitionsOf(decoded).map((p) => [p.partition, p.messages.length, p.highWatermark]);
    expect(counts).toEqual([
      [0, 0, "0"],
      [1, 8, "16"],
      [2, 10, "10"],
    ]);

    /* Past the budget a partition gives nothing, even its first batch. */
    const past = await kafkaFetch(
      [
        { topic, partition: 2, maxBytes: 1 << 20 },
        { topic, partition: 1, maxBytes: 1 << 20 },
      ],
      { maxBytes: 100 * KB },
    );
    expect(partitionsOf(past.decoded).map((p) => [p.partition, p.messages.length, p.highWatermark])).toEqual([
      [2, 10, "10"],
      [1, 0, "16"],
    ]);
  });

  it("reads partitions past empty ones: what they did not use is given to the later ones", async () => {
    const topic = await topicWith(8);
    for (const p of [5, 6, 7]) await fill(topic, p, 1, 10, 1 * KB);
    const listings = Array.from({ length: 8 }, (_, partition) => ({ topic, partition, maxBytes: 1 << 20 }));
    const { decoded } = await kafkaFetch(listings, { maxBytes: 2 << 20 });
    expect(partitionsOf(decoded).map((p) => p.messages.length)).toEqual([0, 0, 0, 0, 0, 10, 10, 10]);
  });

  it("holds an empty answer until an append lands, up to max_wait_ms", async () => {
    const topic = await topicWith(2);
    const listings = [0, 1].map((partition) => ({ topic, partition, maxBytes: 1 << 20 }));

    let started = Date.now();
    const empty = await kafkaFetch(listings, { maxBytes: 1 << 20, maxWaitTime: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(partitionsOf(empty.decoded).map((p) => p.messages.length)).toEqual([0, 0]);

    started = Date.now();
    const waiting = kafkaFetch(listings, { maxBytes: 1 << 20, maxWaitTime: 10000 });
    await new Promise((r) => setTimeout(r, 200));
    await fill(topic, 1, 1, 3, 10);
    const { decoded } = await waiting;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(partitionsOf(decoded).map((p) => p.messages.length)).toEqual([0, 3]);
  });
});
