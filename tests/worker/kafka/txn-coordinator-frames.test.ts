/*
 * The transaction coordinator's Kafka APIs through the Worker's /kafka WebSocket, as `kafdo gateway`
 * relays them: requests encoded and responses decoded by kafkajs 2.2.4's own protocol
 * modules (the versions kafkajs sends). FindCoordinator for a transactional id answers
 * the broker; InitProducerId gives a producer id and bumps the epoch; AddPartitionsToTxn
 * answers an unknown topic UNKNOWN_TOPIC_OR_PARTITION and the other partitions
 * OPERATION_NOT_ATTEMPTED, adding nothing; EndTxn without a transaction is
 * INVALID_TXN_STATE; a fenced producer is INVALID_PRODUCER_EPOCH at EndTxn v1 (before
 * KIP-588's PRODUCER_FENCED); a timeout past transaction.max.timeout.ms is
 * INVALID_TRANSACTION_TIMEOUT.
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
