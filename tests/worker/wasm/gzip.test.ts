/*
 * gzip-compressed RecordBatches made by kafkajs 2.2.4 (CompressionTypes.GZIP, which
 * compresses with the zlib of the runtime: here workerd's node:zlib) in a real
 * TopicPartitionDO: stored as they came, served byte for byte to a Kafka Fetch,
 * and opened by the core (zlib, built in) for read() and the REST read path.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { partitionStub } from "../../../worker/durable-objects/addressing";
import type { TopicPartitionDO } from "../../../worker/durable-objects/TopicPartitionDO";
import { throwRefusals } from "../../../worker/durable-objects/rpc";
import { ATTRIBUTES_AT, batchOf, expectKafdoError, reseal, text, view } from "../helpers";
import { get, post } from "../http/helpers";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import recordBatchV0 from "kafkajs/src/protocol/recordBatch/v0";
// @ts-expect-error untyped
import RecordV0 from "kafkajs/src/protocol/recordBatch/record/v0";
// @ts-expect-error untyped
import compression from "kafkajs/src/protocol/message/compression";

const MB = 1 << 20;
const T0 = 1_700_000_000_000;

let partitions = 0;
function freshPartition(): DurableObjectStub<TopicPartitionDO> {
  return env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`gzip-${Date.now()}-${partitions++}/0`));
}

interface Message {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: number;
}

const messages: Message[] = Array.from({ length: 60 }, (_, i): Message => ({
  key: i % 4 ? `user-${i % 7}` : null,
  value: JSON.stringify({ event: "page_view", n: i, path: `/products/${i % 5}` }),
  headers: i % 3 ? { "content-type": "application/json", n: String(i) } : {},
  timestamp: T0 + i * 10,
}));

/* The batch exactly as kafkajs's producer encodes it for a Produce request. */
async function kafkajsGzipBatch(list: Message[]): Promise<Uint8Array> {
  const records = list.map((m, i) =>
    RecordV0({ offsetDelta: i, timestampDelta: m.timestamp - T0, key: m.key, value: m.value, headers: m.headers }),
  );
  const batch = await recordBatchV0.RecordBatch({
    compression: compression.Types.GZIP,
    firstOffset: "0",
    firstTimestamp: T0,
    maxTimestamp: list[list.length - 1]!.timestamp,
    partitionLeaderEpoch: 0,
    lastOffsetDelta: list.length - 1,
    producerId: -1,
    producerEpoch: 0,
    firstSequence: 0,
    records,
  });
  return new Uint8Array(batch.buffer);
}

const asMessage = (r: {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: number;
}) => ({
  key: text(r.key),
  value: text(r.value),
  headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])),
  timestamp: r.timestamp,
});

describe("gzip batches from kafkajs", () => {
  it("are stored as they came and read back as the records kafkajs encoded", async () => {
    const batch = await kafkajsGzipBatch(messages);
    expect(view(batch).getInt16(ATTRIBUTES_AT, false) & 0x07).toBe(1);
    const p = freshPartition();
    expect(await p.append([batch])).toEqual([
      { errorCode: 0, recordCount: 60, baseOffset: 0, lastOffset: 59, logAppendTime: -1, logStartOffset: 0 },
    ]);
    expect((await p.fetchBatches(0, MB)).batches).toEqual(batch);

    const read = await p.read(0, 1000, MB);
    expect(read.highWatermark).toBe(60);
    expect(read.records.map((r) => r.offset)).toEqual(messages.map((_, i) => i));
    expect(read.records.map(asMessage)).toEqual(messages);
  });

  it("read from any offset, up to a count, between uncompressed batches", async () => {
    const p = freshPartition();
    await p.append([batchOf(3, "before")]);
    await p.append([await kafkajsGzipBatch(messages)]);
    await p.append([batchOf(2, "after")]);

    const middle = await p.read(20, 5, MB);
    expect(middle.records.map((r) => r.offset)).toEqual([20, 21, 22, 23, 24]);
    expect(middle.records.map(asMessage)).toEqual(messages.slice(17, 22));

    const across = await p.read(60, 100, MB);
    expect(across.records.map((r) => [r.offset, text(r.value)])).toEqual([
      [60, messages[57]!.value],
      [61, messages[58]!.value],
      [62, messages[59]!.value],
      [63, "after-0"],
      [64, "after-1"],
    ]);
  });

  it("read back over REST as JSON", async () => {
    const topic = `gzip-rest-${Date.now()}`;
    const created = await post("/admin/topics", { topic, partitions: 1 });
    expect(created.status).toBe(201);
    await partitionStub(env, created.body.topicId, 0).append([await kafkajsGzipBatch(messages.slice(0, 5))]);
    const res = await get(`/topics/${topic}/partitions/0/messages?offset=1&limit=2`);
    expect(res.status).toBe(200);
    const got = res.body.messages as { offset: number; key: string | null; value: unknown; headers: unknown }[];
    expect(got.map((m) => [m.offset, m.key, m.value, m.headers])).toEqual([
      [1, messages[1]!.key, JSON.parse(messages[1]!.value), messages[1]!.headers],
      [2, messages[2]!.key, JSON.parse(messages[2]!.value), messages[2]!.headers],
    ]);
  });

  it("with a damaged payload are stored (append never inflates) and refused on read", async () => {
    const batch = await kafkajsGzipBatch(messages);
    batch[batch.length - 6]! ^= 0x01; // inside the gzip member's CRC-32 trailer
    const p = freshPartition();
    expect(await p.append([reseal(batch)])).toEqual([
      { errorCode: 0, recordCount: 60, baseOffset: 0, lastOffset: 59, logAppendTime: -1, logStartOffset: 0 },
    ]);
    const err = await expectKafdoError(() => throwRefusals(p).read(0, 10, MB), "CORRUPT_MESSAGE");
    expect(err.message).toContain("gzip: incorrect data check");
  });
});
