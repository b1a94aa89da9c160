/*
 * The ACL gate (worker/kafka/authorize.ts) on Kafka's transaction APIs, with ACLs
 * enforced (KAFDO_KAFKA_SASL=required) for a principal given only some ACLs, over the
 * real ACL store, coordinator and topics:
 *   - a Produce of transactional batches (kafkajs 2.2.4's Produce v3 frame, decoded by
 *     the core) needs WRITE on its transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 *     for the whole request, as Kafka's handleProduceRequest;
 *   - AddPartitionsToTxn refused for a topic the principal may not write answers a
 *     missing topic or partition among the others UNKNOWN_TOPIC_OR_PARTITION;
 *   - DescribeTransactions leaves out the topics the principal may not DESCRIBE.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { kafkaDecode, type KafkaRequest } from "../../../wasm/kafdo";
import { createAdmin } from "../../../worker/api/admin";
import {
  OPERATIONS as OP,
  PATTERN_TYPES as PT,
  PERMISSION_TYPES as PERM,
  RESOURCE_TYPES as RT,
  createAcls,
} from "../../../worker/api/acls";
import { KafkaCode } from "../../../worker/common/errors";
import type { Env } from "../../../worker/durable-objects/bindings";
import { authorizeRequest } from "../../../worker/kafka/authorize";
import type { KafkaContext, RequestOf } from "../../../worker/kafka/context";
import {
  addPartitionsToTxn,
  describeTransactions,
  initTransactionalProducer,
} from "../../../worker/kafka/transactions";
// @ts-expect-error kafkajs's protocol modules are untyped CommonJS
import kafkajsRequest from "kafkajs/src/protocol/request";
// @ts-expect-error untyped
import produceV3 from "kafkajs/src/protocol/requests/produce/v3/request";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${n++}`;
const broker: KafkaContext["broker"] = { nodeId: 0, host: "127.0.0.1", port: 9092 };

/* A principal of its own under enforced ACLs, and the plain (unchecked) context the
 * handlers run with. */
function contexts() {
  const principal = `User:${fresh("alice")}`;
  const enforced: KafkaContext = {
    env: { ...(env as unknown as Env), KAFDO_KAFKA_SASL: "required" },
    broker,
    principal,
  };
  const plain: KafkaContext = { env: env as unknown as Env, broker };
  return { principal, enforced, plain };
}

async function allow(principal: string, resourceType: number, resourceName: string, operation: number) {
  const errors = await createAcls(env as unknown as Env, [
    {
      resourceType,
      resourceName,
      patternType: PT.LITERAL,
      principal,
      host: "*",
      operation,
      permissionType: PERM.ALLOW,
    },
  ]);
  expect(errors).toEqual([null]);
}

/* A decoded request as the core gives one (the fields these checks and handlers read);
 * `never` fits it to whichever handler's RequestOf<...> takes it. */
const request = (apiKey: number, apiVersion: number, body: object) =>
  ({ apiKey, apiVersion, correlationId: 1, clientId: "t", body }) as never;

/* kafkajs's Produce v3 frame (transactional batches when it names a transactional id),
 * decoded by the core as the Kafka front decodes it. */
async function produceRequest(topic: string, transactionalId: string | null): Promise<KafkaRequest> {
  const encoded = (await kafkajsRequest({
    correlationId: 7,
    clientId: "kafdo-txn-acl-test",
    request: produceV3({
      acks: -1,
      timeout: 5000,
      transactionalId,
      producerId: 5,
      producerEpoch: 0,
      topicData: [{ topic, partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: "k", value: "v" }] }] }],
    }),
  })) as { buffer: Uint8Array };
  const { error, request: decoded } = kafkaDecode(new Uint8Array(encoded.buffer));
  expect(error).toBe(0);
  return decoded;
}

describe("ACLs on transactions", { timeout: 30000 }, () => {
  it("a Produce of transactional batches needs WRITE on its transactional id", async () => {
    const { principal, enforced } = contexts();
    const topic = fresh("acl-txn-produce");
    const id = fresh("acl-txn-id");
    await allow(principal, RT.TOPIC, topic, OP.WRITE);

    const refused = await authorizeRequest(enforced, await produceRequest(topic, id));
    expect(refused.deny).toBe(KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    /* Not transactional: only the topic counts. */
    expect((await authorizeRequest(enforced, await produceRequest(topic, null))).deny).toBeUndefined();

    await allow(principal, RT.TRANSACTIONAL_ID, id, OP.WRITE);
    const allowed = await authorizeRequest(enforced, await produceRequest(topic, id));
    expect(allowed.deny).toBeUndefined();
    expect(allowed.complete).toBeUndefined();
  });

  it("AddPartitionsToTxn refused for a topic answers missing ones UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const { principal, enforced } = contexts();
    const writable = fresh("acl-txn-w");
    const forbidden = fresh("acl-txn-f");
    const missing = fresh("acl-txn-missing");
    const id = fresh("acl-txn-id");
    await createAdmin(env).createTopic({ topic: writable, partitions: 1 });
    await createAdmin(env).createTopic({ topic: forbidden, partitions: 1 });
    await allow(principal, RT.TRANSACTIONAL_ID, id, OP.WRITE);
    await allow(principal, RT.TOPIC, writable, OP.WRITE);
    await allow(principal, RT.TOPIC, missing, OP.WRITE);

    const gate = await authorizeRequest(
      enforced,
      request(24, 3, {
        v3AndBelowTransactionalId: id,
        v3AndBelowProducerId: 1,
        v3AndBelowProducerEpoch: 0,
        v3AndBelowTopics: [
          { name: writable, partitions: [0, 4] },
          { name: forbidden, partitions: [0] },
          { name: missing, partitions: [0] },
        ],
        transactions: [],
      }),
    );
    expect(gate.deny).toBe(KafkaCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const answer = (await gate.complete!(null)) as {
      resultsByTopicV3AndBelow: { name: string; resultsByPartition: object[] }[];
    };
    expect(answer.resultsByTopicV3AndBelow).toEqual([
      {
        name: writable,
        resultsByPartition: [
          { partitionIndex: 0, partitionErrorCode: KafkaCode.OPERATION_NOT_ATTEMPTED },
          { partitionIndex: 4, partitionErrorCode: KafkaCode.UNKNOWN_TOPIC_OR_PARTITION },
        ],
      },
      {
        name: forbidden,
        resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: KafkaCode.TOPIC_AUTHORIZATION_FAILED }],
      },
      {
        name: missing,
        resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: KafkaCode.UNKNOWN_TOPIC_OR_PARTITION }],
      },
    ]);
  });

  it("DescribeTransactions shows only the topics the principal may DESCRIBE", async () => {
    const { principal, enforced, plain } = contexts();
    const shown = fresh("acl-txn-shown");
    const hidden = fresh("acl-txn-hidden");
    const id = fresh("acl-txn-id");
    await createAdmin(env).createTopic({ topic: shown, partitions: 2 });
    await createAdmin(env).createTopic({ topic: hidden, partitions: 1 });
    const init = (await initTransactionalProducer(
      plain,
      request(22, 1, { transactionalId: id, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }),
    )) as { errorCode: number; producerId: number; producerEpoch: number };
    expect(init.errorCode).toBe(0);
    const added = (await addPartitionsToTxn(
      plain,
      request(24, 1, {
        v3AndBelowTransactionalId: id,
        v3AndBelowProducerId: init.producerId,
        v3AndBelowProducerEpoch: init.producerEpoch,
        v3AndBelowTopics: [
          { name: shown, partitions: [0, 1] },
          { name: hidden, partitions: [0] },
        ],
        transactions: [],
      }),
    )) as { resultsByTopicV3AndBelow: { resultsByPartition: { partitionErrorCode: number }[] }[] };
    expect(
      added.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)),
    ).toEqual([0, 0, 0]);
    await allow(principal, RT.TRANSACTIONAL_ID, id, OP.DESCRIBE);
    await allow(principal, RT.TOPIC, shown, OP.DESCRIBE);

    const describe = request(65, 0, { transactionalIds: [id] });
    const gate = await authorizeRequest(enforced, describe);
    expect(gate.deny).toBeUndefined();
    const handled = await describeTransactions(plain, gate.request as RequestOf<"DescribeTransactions">);
    const answer = (await gate.complete!(handled)) as {
      transactionStates: { errorCode: number; transactionState: string; topics: object[] }[];
    };
    expect(answer.transactionStates).toHaveLength(1);
    expect(answer.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: "Ongoing" });
    expect(answer.transactionStates[0]!.topics).toEqual([{ topic: shown, partitions: [0, 1] }]);
  });
});
