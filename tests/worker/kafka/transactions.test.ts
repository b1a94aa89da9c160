/*
 * The partition side of Kafka transactions (TXN.md's LOG), through the Worker's /kafka
 * WebSocket as `kafdo gateway` relays it and through the real TopicPartitionDO: requests
 * encoded and responses decoded by kafkajs 2.2.4's own protocol modules, and Fetch
 * answers filtered by kafkajs's own consumer Batch, as an unchanged client does.
 *
 * Without a coordinator (COORD's branch), a transaction is driven by hand: a producer id
 * from an idempotent InitProducerId, Produce v3 with a transactionalId (kafkajs then sets
 * the batch's transactional bit), and writeTxnMarker on the partition's Durable Object.
 * The rules themselves are tested in tests/c/test_txn_log.c.
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../../wasm/kafdo";
import { createAdmin } from "../../../worker/api/admin";
import { createConsumer } from "../../../worker/api/consumer";
import { readKey, readPartition } from "../../../worker/api/read";
import { KafkaCode } from "../../../worker/common/errors";
import { topicFor } from "../../../worker/partitions/topics";
import { rawPartitionStub, runDueAlarms } from "../helpers";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import initProducerIdV0 from "kafkajs/src/protocol/requests/initProducerId/v0/request";
// @ts-expect-error untyped
import initProducerIdV0Response from "kafkajs/src/protocol/requests/initProducerId/v0/response";
// @ts-expect-error untyped
import produceV3 from "kafkajs/src/protocol/requests/produce/v3/request";
// @ts-expect-error untyped
import produceV3Response from "kafkajs/src/protocol/requests/produce/v3/response";
// @ts-expect-error untyped
import fetchV4 from "kafkajs/src/protocol/requests/fetch/v4/request";
// @ts-expect-error untyped
import fetchV4Response from "kafkajs/src/protocol/requests/fetch/v4/response";
// @ts-expect-error untyped
import listOffsetsV2 from "kafkajs/src/protocol/requests/listOffsets/v2/request";
// @ts-expect-error untyped
import listOffsetsV2Response from "kafkajs/src/protocol/requests/listOffsets/v2/response";
// @ts-expect-error untyped
import Batch from "kafkajs/src/consumer/batch";
// @ts-expect-error untyped
import Encoder from "kafkajs/src/protocol/encoder";

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  abortedTransactions: { producerId: string; firstOffset: string }[];
  messages: { offset: string; value: Uint8Array | null }[];
}

let correlation = 1;
let topics = 0;

/* One request over a fresh /kafka WebSocket; the response decoded by kafkajs's decoder. */
async function kafka<T>(request: unknown, decoder: { decode(b: Uint8Array): Promise<T> }): Promise<T> {
  const correlationId = correlation++;
  const encoded = (await kafkajsRequest({ correlationId, clientId: "kafdo-txn-test", request })) as {
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
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(4)).toBe(correlationId);
  return decoder.decode(Buffer.from(frame.subarray(8)));
}

async function freshTopic(): Promise<{ topic: string; stub: ReturnType<typeof rawPartitionStub> }> {
  const topic = `txn-${Date.now().toString(36)}-${topics++}`;
  await createAdmin(env).createTopic({ topic, partitions: 1 });
  const { topicId } = await topicFor(env, topic);
  return { topic, stub: rawPartitionStub(topicId, 0) };
}

async function producerId(): Promise<number> {
  const r = await kafka<{ errorCode: number; producerId: string }>(
    initProducerIdV0({ transactionalId: null, transactionTimeout: 60000 }),
    initProducerIdV0Response,
  );
  expect(r.errorCode).toBe(0);
  return Number(r.producerId);
}

/* Produce v3 of `values` as one batch; transactional when transactionalId is given. */
async function produce(
  topic: string,
  values: string[],
  p: { transactionalId?: string; producerId?: number; firstSequence?: number } = {},
): Promise<{ errorCode: number; baseOffset: string }> {
  const r = await kafka<{ topics: { partitions: { errorCode: number; baseOffset: string }[] }[] }>(
    produceV3({
      acks: -1,
      timeout: 5000,
      transactionalId: p.transactionalId ?? null,
      producerId: p.producerId ?? -1,
      producerEpoch: p.producerId === undefined ? -1 : 0,
      topicData: [
        {
          topic,
          partitions: [
            {
              partition: 0,
              firstSequence: p.firstSequence ?? -1,
              messages: values.map((value) => ({ key: null, value, timestamp: Date.now() })),
            },
          ],
        },
      ],
    }),
    produceV3Response,
  );
  return r.topics[0]!.partitions[0]!;
}

async function fetchFrom(
  topic: string,
  offset: number,
  isolationLevel: number,
  maxWaitTime = 0,
): Promise<{ partition: FetchedPartition; visible: string[] }> {
  const decoded = await kafka<{ responses: { partitions: FetchedPartition[] }[] }>(
    fetchV4({
      replicaId: -1,
      isolationLevel,
      maxWaitTime,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
    }),
    fetchV4Response,
  );
  const partition = decoded.responses[0]!.partitions[0]!;
  /* What kafkajs's consumer hands its user: aborted and control records dropped. */
  const batch = new Batch(topic, String(offset), partition) as { messages: { value: Uint8Array }[] };
  return { partition, visible: batch.messages.map((m) => new TextDecoder().decode(m.value)) };
}

async function latest(topic: string, isolationLevel: number): Promise<number> {
  const r = await kafka<{ responses: { partitions: { errorCode: number; offset: string }[] }[] }>(
    listOffsetsV2({
      replicaId: -1,
      isolationLevel,
      topics: [{ topic, partitions: [{ partition: 0, timestamp: -1 }] }],
    }),
    listOffsetsV2Response,
  );
  expect(r.responses[0]!.partitions[0]!.errorCode).toBe(0);
  return Number(r.responses[0]!.partitions[0]!.offset);
}

describe("transactions, the partition side", () => {
  it("compacts a committed transaction's records only once its marker is written", async () => {
    const topic = `txn-compact-${Date.now().toString(36)}-${topics++}`;
    await createAdmin(env).createTopic({
      topic,
      partitions: 1,
      config: { "cleanup.policy": "compact", "segment.ms": "1", "min.cleanable.dirty.ratio": "0.01" },
    });
    const { topicId } = await topicFor(env, topic);
    const stub = rawPartitionStub(topicId, 0);
    const pid = await producerId();
    const keyed = async (transactionalId: string | null) => {
      const r = await kafka<{ topics: { partitions: { errorCode: number; baseOffset: string }[] }[] }>(
        produceV3({
          acks: -1,
          timeout: 5000,
          transactionalId,
          producerId: transactionalId ? pid : -1,
          producerEpoch: transactionalId ? 0 : -1,
          topicData: [
            {
              topic,
              partitions: [
                {
                  partition: 0,
                  firstSequence: transactionalId ? 0 : -1,
                  messages: [{ key: "k", value: "v", timestamp: Date.now() }],
                },
              ],
            },
          ],
        }),
        produceV3Response,
      );
      return r.topics[0]!.partitions[0]!;
    };
    const offsetsKept = async () =>
      (await readPartition(env, topic, 0, { offset: 0, isolation: "read_uncommitted" })).records.map((r) => r.offset);
    expect(await keyed(null)).toMatchObject({ errorCode: 0, baseOffset: "0" });
    expect(await keyed("txn-compact")).toMatchObject({ errorCode: 0, baseOffset: "1" });
    await new Promise((resolve) => setTimeout(resolve, 5)); /* past segment.ms */
    await runDueAlarms(topicId);
    expect((await readKey(env, topic, "k"))?.offset).toBe(0);
    expect(await offsetsKept()).toEqual([0, 1]);

    await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
    expect((await readKey(env, topic, "k"))?.offset).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runDueAlarms(topicId);
    expect(await offsetsKept()).toEqual([1]);
  });

  it("REST offsets show the last stable offset beside the high watermark", async () => {
    const { topic, stub } = await freshTopic();
    const pid = await producerId();
    const offsets = async () =>
      (await (await exports.default.fetch(`http://kafdo.test/topics/${topic}/partitions/0/offsets`)).json()) as object;
    expect(await produce(topic, ["plain"])).toMatchObject({ errorCode: 0 });
    expect(
      await produce(topic, ["t1", "t2"], { transactionalId: "txn-rest", producerId: pid, firstSequence: 0 }),
    ).toMatchObject({ errorCode: 0, baseOffset: "1" });
    expect(await offsets()).toEqual({ topic, partition: 0, earliest: 0, latest: 3, lastStableOffset: 1 });
    await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
    expect(await offsets()).toEqual({ topic, partition: 0, earliest: 0, latest: 4, lastStableOffset: 4 });
  });

  it("keeps an aborted transaction from a read_committed kafkajs consumer, not from a read_uncommitted one", async () => {
    const { topic, stub } = await freshTopic();
    const pid = await producerId();
    const txn = { transactionalId: "txn-test", producerId: pid };

    expect(await produce(topic, ["a1", "a2"], { ...txn, firstSequence: 0 })).toMatchObject({
      errorCode: 0,
      baseOffset: "0",
    });
    /* While it is open, read_committed stops at its first offset (the LSO). */
    let read = await fetchFrom(topic, 0, READ_COMMITTED);
    expect(read.partition).toMatchObject({ errorCode: 0, highWatermark: "2", lastStableOffset: "0" });
    expect(read.partition.messages).toHaveLength(0);
    expect(await latest(topic, READ_COMMITTED)).toBe(0);
    expect(await latest(topic, READ_UNCOMMITTED)).toBe(2);
    expect((await stub.describe()).producers).toEqual([
      expect.objectContaining({ producerId: pid, producerEpoch: 0, lastSequence: 1, currentTxnStartOffset: 0 }),
    ]);

    expect(
      await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: false, coordinatorEpoch: 0 }),
    ).toEqual({ errorCode: 0 });
    expect(await produce(topic, ["c1"], { ...txn, firstSequence: 2 })).toMatchObject({ errorCode: 0, baseOffset: "3" });
    expect(await produce(topic, ["plain"])).toMatchObject({ errorCode: 0, baseOffset: "4" });
    expect(await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 })).toEqual(
      {
        errorCode: 0,
      },
    );

    read = await fetchFrom(topic, 0, READ_COMMITTED);
    expect(read.partition).toMatchObject({ highWatermark: "6", lastStableOffset: "6" });
    expect(read.partition.abortedTransactions).toEqual([{ producerId: String(pid), firstOffset: "0" }]);
    expect(read.visible).toEqual(["c1", "plain"]);
    const uncommitted = await fetchFrom(topic, 0, READ_UNCOMMITTED);
    expect(uncommitted.partition.lastStableOffset).toBe("6");
    expect(uncommitted.partition.abortedTransactions).toEqual([]);
    expect(uncommitted.visible).toEqual(["a1", "a2", "c1", "plain"]);
    expect(await latest(topic, READ_COMMITTED)).toBe(6);
    expect((await stub.describe()).producers[0]!.currentTxnStartOffset).toBe(-1);

    /* The in-Worker and REST reads: read_committed by default, never a marker. */
    const values = async (isolation?: "read_committed" | "read_uncommitted"): Promise<string[]> =>
      (await readPartition(env, topic, 0, { offset: 0, isolation })).records.map((r) =>
        new TextDecoder().decode(r.value!),
      );
    expect(await values()).toEqual(["c1", "plain"]);
    expect(await values("read_uncommitted")).toEqual(["a1", "a2", "c1", "plain"]);
    const tail = await readPartition(env, topic, 0, { offset: 5, isolation: "read_uncommitted" });
    expect(tail).toMatchObject({ records: [], nextOffset: 6 });
    const rest = (await (
      await exports.default.fetch(
        `http://kafdo.test/topics/${topic}/partitions/0/messages?offset=0&isolation=read_uncommitted`,
      )
    ).json()) as { messages: { offset: number }[]; nextOffset: number };
    expect(rest.messages.map((m) => m.offset)).toEqual([0, 1, 3, 4]);
    expect(rest.nextOffset).toBe(5);
    const skipped = (await (
      await exports.default.fetch(`http://kafdo.test/topics/${topic}/partitions/0/messages?offset=0&limit=1`)
    ).json()) as { messages: { offset: number }[]; nextOffset: number };
    expect(skipped.messages.map((m) => m.offset)).toEqual([3]);
    expect(skipped.nextOffset).toBe(4);
  });

  it("refuses a transactional produce of a producer whose epoch is stale, and answers markers as Kafka", async () => {
    const { topic, stub } = await freshTopic();
    const pid = await producerId();
    const batch = (epoch: number, sequence: number, attributes = 0x10): Uint8Array =>
      encodeBatch({ producerId: pid, producerEpoch: epoch, baseSequence: sequence, attributes }, [
        { key: null, value: new TextEncoder().encode(`e${epoch}s${sequence}`), timestamp: Date.now() },
      ]);
    expect((await stub.append([batch(1, 0)]))[0]!.errorCode).toBe(0);
    /* A plain batch while the transaction is open. */
    expect((await stub.append([batch(1, 1, 0)]))[0]!.errorCode).toBe(KafkaCode.INVALID_TXN_STATE);
    expect(await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 })).toEqual(
      {
        errorCode: KafkaCode.INVALID_PRODUCER_EPOCH,
      },
    );
    /* The open transaction survives the object's eviction (it is in SQLite). */
    await evictDurableObject(stub);
    expect((await stub.describe()).producers[0]!.currentTxnStartOffset).toBe(0);
    /* The coordinator fences the producer: an abort with a newer epoch. */
    expect(
      await stub.writeTxnMarker({ producerId: pid, producerEpoch: 2, commit: false, coordinatorEpoch: 0 }),
    ).toEqual({
      errorCode: 0,
    });
    /* Retried (the coordinator after a crash): nothing more is written. */
    expect(
      await stub.writeTxnMarker({ producerId: pid, producerEpoch: 2, commit: false, coordinatorEpoch: 0 }),
    ).toEqual({
      errorCode: 0,
    });
    expect(await stub.offsets()).toEqual({ logStartOffset: 0, highWatermark: 2 });
    expect((await stub.append([batch(1, 1)]))[0]!.errorCode).toBe(KafkaCode.INVALID_PRODUCER_EPOCH);
    const [fenced] = (await fetchFrom(topic, 0, READ_COMMITTED)).partition.abortedTransactions;
    expect(fenced).toEqual({ producerId: String(pid), firstOffset: "0" });
  });

  it("wakes a read_committed long poll when a marker moves the last stable offset", async () => {
    const { topic, stub } = await freshTopic();
    const pid = await producerId();
    expect(
      await produce(topic, ["x"], { transactionalId: "txn-wake", producerId: pid, firstSequence: 0 }),
    ).toMatchObject({ errorCode: 0 });
    const started = Date.now();
    const polling = fetchFrom(topic, 0, READ_COMMITTED, 8000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 })).toEqual(
      {
        errorCode: 0,
      },
    );
    const { visible, partition } = await polling;
    expect(visible).toEqual(["x"]);
    expect(partition.lastStableOffset).toBe("2");
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it("moves the in-Worker consumer past markers and aborted records instead of stalling", async () => {
    const { topic, stub } = await freshTopic();
    const pid = await producerId();
    const txn = { transactionalId: "txn-consumer", producerId: pid };
    await produce(topic, ["gone"], { ...txn, firstSequence: 0 });
    await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: false, coordinatorEpoch: 0 });
    await produce(topic, ["kept"], { ...txn, firstSequence: 1 });
    await stub.writeTxnMarker({ producerId: pid, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
    for (const isolation of ["read_committed", "read_uncommitted"] as const) {
      const consumer = createConsumer(env, { groupId: `${topic}-${isolation}`, fromBeginning: true, isolation });
      try {
        await consumer.subscribe([topic]);
        const seen: string[] = [];
        for (let i = 0; i < 10 && consumer.position({ topic, partition: 0 }) !== 4; i++) {
          for (const r of await consumer.poll(200)) seen.push(String(r.value));
        }
        expect(seen).toEqual(isolation === "read_committed" ? ["kept"] : ["gone", "kept"]);
        expect(consumer.position({ topic, partition: 0 })).toBe(4); /* past the COMMIT marker at 3 */
      } finally {
        await consumer.close();
      }
    }
  });

  it("refuses a Produce of transactional batches without a transactional id, storing nothing", async () => {
    const { topic, stub } = await freshTopic();
    const batch = encodeBatch({ producerId: await producerId(), producerEpoch: 0, baseSequence: 0, attributes: 0x10 }, [
      { key: null, value: new TextEncoder().encode("sneaky"), timestamp: Date.now() },
    ]);
    /* Produce v3 by hand: kafkajs marks batches transactional only with an id. */
    const request = {
      apiKey: 0,
      apiVersion: 3,
      apiName: "Produce",
      expectResponse: () => true,
      encode: async () => {
        const partition = new Encoder().writeInt32(0).writeInt32(batch.length).writeBuffer(Buffer.from(batch));
        const topicData = new Encoder().writeString(topic).writeArray([partition]);
        return new Encoder().writeString(null).writeInt16(-1).writeInt32(5000).writeArray([topicData]);
      },
    };
    const r = await kafka<{ topics: { partitions: { errorCode: number }[] }[] }>(request, produceV3Response);
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect(await stub.offsets()).toEqual({ logStartOffset: 0, highWatermark: 0 });
  });
});
