/*
 * The transaction coordinator's Kafka APIs through the Worker's /kafka WebSocket, as `kafdo gateway`
 * relays them: requests encoded and responses decoded by kafkajs 2.2.4's own protocol
 * modules (the versions kafkajs sends). FindCoordinator for a transactional id answers
 * the broker; InitProducerId gives a producer id and bumps the epoch; AddPartitionsToTxn
 * answers an unknown topic UNKNOWN_TOPIC_OR_PARTITION and the other partitions
 * OPERATION_NOT_ATTEMPTED, adding nothing; EndTxn without a transaction is
 * INVALID_TXN_STATE; a fenced producer is INVALID_PRODUCER_EPOCH at EndTxn v1 (before
 * KIP-588's PRODUCER_FENCED); a timeout past transaction.max.timeout.ms is
 * INVALID_TRANSACTION_TIMEOUT. DescribeTransactions and ListTransactions (which kafkajs
 * does not send: their flexible v0 frames written here) describe an id and filter by
 * state and producer id.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin } from "../../../worker/api/admin";
import { describeTransaction } from "../../../worker/api/transactions";
import { KafkaCode } from "../../../worker/common/errors";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import findCoordinatorV1 from "kafkajs/src/protocol/requests/findCoordinator/v1/request";
// @ts-expect-error untyped
import findCoordinatorV1Response from "kafkajs/src/protocol/requests/findCoordinator/v1/response";
// @ts-expect-error untyped
import initProducerIdV1 from "kafkajs/src/protocol/requests/initProducerId/v1/request";
// @ts-expect-error untyped
import initProducerIdV1Response from "kafkajs/src/protocol/requests/initProducerId/v1/response";
// @ts-expect-error untyped
import addPartitionsV1 from "kafkajs/src/protocol/requests/addPartitionsToTxn/v1/request";
// @ts-expect-error untyped
import addPartitionsV1Response from "kafkajs/src/protocol/requests/addPartitionsToTxn/v1/response";
// @ts-expect-error untyped
import endTxnV1 from "kafkajs/src/protocol/requests/endTxn/v1/request";
// @ts-expect-error untyped
import endTxnV1Response from "kafkajs/src/protocol/requests/endTxn/v1/response";

interface KafkajsRequest {
  encode(): Promise<unknown>;
}

/* One request over a fresh /kafka WebSocket; its response as kafkajs decodes it (decode
 * only: kafkajs's parse would throw the error codes these tests look at). */
async function call<T>(request: KafkajsRequest, response: { decode(b: Uint8Array): Promise<T> }): Promise<T> {
  const encoded = (await kafkajsRequest({ correlationId: 3, clientId: "kafdo-test", request })) as {
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
  return response.decode(Buffer.from(frame.subarray(8)));
}

let n = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;

async function init(transactionalId: string, transactionTimeout = 60000) {
  return call<{ errorCode: number; producerId: string; producerEpoch: number }>(
    initProducerIdV1({ transactionalId, transactionTimeout }),
    initProducerIdV1Response,
  );
}

describe("Kafka transactions", { timeout: 30000 }, () => {
  it("FindCoordinator for a transactional id answers the broker", async () => {
    const found = await call<{ errorCode: number; coordinator: { nodeId: number; port: number } }>(
      findCoordinatorV1({ coordinatorKey: fresh("txn"), coordinatorType: 1 }),
      findCoordinatorV1Response,
    );
    expect(found.errorCode).toBe(0);
    expect(found.coordinator).toMatchObject({ nodeId: 0, port: 9092 });
  });

  it("InitProducerId with a transactional id bumps the epoch; a bad timeout is refused", async () => {
    const id = fresh("txn");
    const first = await init(id);
    expect(first.errorCode).toBe(0);
    expect(first.producerEpoch).toBe(0);
    const second = await init(id);
    expect(second).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: 1 });
    expect((await init(fresh("txn"), 900001)).errorCode).toBe(KafkaCode.INVALID_TRANSACTION_TIMEOUT);
  });

  it("AddPartitionsToTxn adds nothing when a topic is unknown; EndTxn's errors by version", async () => {
    const id = fresh("txn");
    const topic = fresh("known");
    await createAdmin(env).createTopic({ topic, partitions: 2 });
    const { producerId, producerEpoch } = await init(id);
    const p = { transactionalId: id, producerId, producerEpoch };
    const added = await call<{
      errors: { topic: string; partitionErrors: { partition: number; errorCode: number }[] }[];
    }>(
      addPartitionsV1({
        ...p,
        topics: [
          { topic, partitions: [0, 1] },
          { topic: fresh("missing"), partitions: [0] },
        ],
      }),
      addPartitionsV1Response,
    );
    const codes = added.errors.flatMap((t) => t.partitionErrors.map((e) => e.errorCode));
    expect(codes).toEqual([
      KafkaCode.OPERATION_NOT_ATTEMPTED,
      KafkaCode.OPERATION_NOT_ATTEMPTED,
      KafkaCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect((await describeTransaction(env, id)).state).toBe("Empty");
    const ended = await call<{ errorCode: number }>(endTxnV1({ ...p, transactionResult: true }), endTxnV1Response);
    expect(ended.errorCode).toBe(KafkaCode.INVALID_TXN_STATE);
    const ok = await call<{ errors: { partitionErrors: { errorCode: number }[] }[] }>(
      addPartitionsV1({ ...p, topics: [{ topic, partitions: [0, 1] }] }),
      addPartitionsV1Response,
    );
    expect(ok.errors.flatMap((t) => t.partitionErrors.map((e) => e.errorCode))).toEqual([0, 0]);
    const t = await describeTransaction(env, id);
    expect(t.state).toBe("Ongoing");
    expect(t.partitions).toEqual([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    /* A second producer fences the first: its EndTxn v1 is INVALID_PRODUCER_EPOCH. */
    const fencing = await init(id);
    expect(fencing.errorCode).toBe(KafkaCode.CONCURRENT_TRANSACTIONS);
    const fenced = await call<{ errorCode: number }>(endTxnV1({ ...p, transactionResult: true }), endTxnV1Response);
    expect(fenced.errorCode).toBe(KafkaCode.INVALID_PRODUCER_EPOCH);
  });
});

/* ---- DescribeTransactions (65) and ListTransactions (66), flexible v0 ---- */

/* A flexible request frame: header v2 (key, version, correlation id, client id, no
 * tagged fields) and `body`. */
function flexibleFrame(apiKey: number, body: number[]): Uint8Array {
  const client = [...new TextEncoder().encode("kafdo-test")];
  const header = [apiKey >> 8, apiKey & 0xff, 0, 0, 0, 0, 0, 9, 0, client.length, ...client, 0];
  const size = header.length + body.length;
  return new Uint8Array([size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, ...header, ...body]);
}

/* A compact string (uvarint length + 1; short strings only). */
const compact = (s: string) => {
  const b = [...new TextEncoder().encode(s)];
  return [b.length + 1, ...b];
};

/* Reads a flexible response body: header v1 (correlation id, tagged fields) skipped. */
class FlexReader {
  private at = 5;
  constructor(private readonly b: Uint8Array) {}
  i16 = () => (((this.b[this.at++]! << 8) | this.b[this.at++]!) << 16) >> 16;
  i32 = () => (this.b[this.at++]! << 24) | (this.b[this.at++]! << 16) | (this.b[this.at++]! << 8) | this.b[this.at++]!;
  i64 = () => this.i32() * 2 ** 32 + (this.i32() >>> 0);
  uvarint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.b[this.at++]!;
      v |= (byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
  };
  str = () => {
    const n = this.uvarint() - 1;
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  };
  list = <T>(item: () => T): T[] => Array.from({ length: this.uvarint() - 1 }, item);
  tags = () => void this.uvarint();
}

async function send(frame: Uint8Array): Promise<FlexReader> {
  const res = await exports.default.fetch(
    new Request("http://kafdo.test/kafka?advertise=127.0.0.1:9092", { headers: { upgrade: "websocket" } }),
  );
  const ws = res.webSocket!;
  ws.accept();
  const answer = await new Promise<Uint8Array>((resolve, reject) => {
    ws.addEventListener("message", (e) => resolve(new Uint8Array(e.data as ArrayBuffer)));
    ws.addEventListener("close", () => reject(new Error("the connection closed")));
    ws.send(frame);
  });
  ws.close();
  return new FlexReader(answer.subarray(4));
}

describe("DescribeTransactions and ListTransactions", { timeout: 30000 }, () => {
  it("describe an id's transaction, and list by state and producer id", async () => {
    const id = fresh("txn");
    const { producerId } = await init(id);
    const unknown = fresh("never");
    const described = await send(flexibleFrame(65, [3, ...compact(id), ...compact(unknown), 0]));
    described.i32(); /* throttle */
    const states = described.list(() => {
      const s = {
        errorCode: described.i16(),
        transactionalId: described.str(),
        state: described.str(),
        timeoutMs: described.i32(),
        startTimeMs: described.i64(),
        producerId: described.i64(),
        producerEpoch: described.i16(),
        topics: described.list(() => {
          const t = { topic: described.str(), partitions: described.list(() => described.i32()) };
          described.tags();
          return t;
        }),
      };
      described.tags();
      return s;
    });
    expect(states).toEqual([
      {
        errorCode: 0,
        transactionalId: id,
        state: "Empty",
        timeoutMs: 60000,
        startTimeMs: -1,
        producerId: Number(producerId),
        producerEpoch: 0,
        topics: [],
      },
      {
        errorCode: KafkaCode.TRANSACTIONAL_ID_NOT_FOUND,
        transactionalId: unknown,
        state: "",
        timeoutMs: 0,
        startTimeMs: -1,
        producerId: -1,
        producerEpoch: -1,
        topics: [],
      },
    ]);

    /* States Empty and "Bogus" (unknown), producer id of the transaction. */
    const pid = Number(producerId);
    const pidBytes = Array.from({ length: 8 }, (_, i) => Math.floor(pid / 2 ** (8 * (7 - i))) & 0xff);
    const listed = await send(flexibleFrame(66, [3, ...compact("Empty"), ...compact("Bogus"), 2, ...pidBytes, 0]));
    listed.i32();
    expect(listed.i16()).toBe(0);
    expect(listed.list(() => listed.str())).toEqual(["Bogus"]);
    const txns = listed.list(() => {
      const t = { transactionalId: listed.str(), producerId: listed.i64(), state: listed.str() };
      listed.tags();
      return t;
    });
    expect(txns).toEqual([{ transactionalId: id, producerId: pid, state: "Empty" }]);
  });
});
