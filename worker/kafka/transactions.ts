/*
 * transactions.ts — Kafka's transactional producers: InitProducerId with a
 * transactional id, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn; and for operators
 * DescribeTransactions and ListTransactions. (FindCoordinator's transaction key is
 * broker.ts's: node 0 coordinates every transaction, as every group.)
 *
 * Each transactional id has its coordinator (TransactionCoordinatorDO), which decides
 * everything with the core's rules (src-c/txn_coordinator.c): epochs and fencing, the
 * state machine, the timeout. Here requests are unpacked, AddPartitionsToTxn's topics
 * looked up (each partition joins with its topic's id, which its marker goes to), and
 * errors answered as the request's version knows them (PRODUCER_FENCED is
 * INVALID_PRODUCER_EPOCH to clients before KIP-588).
 *
 * EndTxn is answered once the transaction's markers are written on every partition
 * (TransactionCoordinatorDO's header), so a read_committed consumer sees a commit
 * as soon as the producer's commitTransaction returns.
 */
import { txnErrorForVersion } from "../../wasm/kafdo";
import { describeTransactions as describeEach, listTransactions as listAll } from "../api/transactions";
import { KafkaCode } from "../common/errors";
import type { TransactionPartition } from "../common/transactions";
import { transactionStub } from "../durable-objects/addressing";
import type { Env } from "../durable-objects/bindings";
import { topicFor } from "../partitions/topics";
import { errorCodeOf, type KafkaContext, type RequestOf } from "./context";
import type { KafkaRequest } from "../../wasm/kafdo";

/* The code this request's version is answered for a failure. */
function codeFor(req: KafkaRequest, e: unknown): number {
  return txnErrorForVersion(req.apiKey, req.apiVersion, errorCodeOf(e));
}

/* InitProducerId with a transactional id (produce.ts answers the others). */
export async function initTransactionalProducer(ctx: KafkaContext, req: RequestOf<"InitProducerId">): Promise<object> {
  const { transactionalId, transactionTimeoutMs, producerId, producerEpoch } = req.body;
  try {
    const stub = transactionStub(ctx.env, transactionalId ?? "");
    const producer = await stub.initProducerId(transactionalId ?? "", transactionTimeoutMs, producerId, producerEpoch);
    return { throttleTimeMs: 0, errorCode: 0, ...producer };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeFor(req, e), producerId: -1, producerEpoch: -1 };
  }
}

/* AddPartitionsToTxn's answer: per topic, per partition, the code `codeOf` gives it. */
export function addPartitionsAnswer(
  topics: { name: string; partitions: number[] }[],
  codeOf: (topic: string, partition: number) => number,
): object {
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(t.name, p) })),
    })),
  };
}

/* The partitions of an AddPartitionsToTxn that exist, and which asked do not (the
 * handler's answer, and the ACL gate's for the topics the principal may write). */
export async function partitionsToAdd(
  env: Env,
  topics: { name: string; partitions: number[] }[],
): Promise<{ partitions: TransactionPartition[]; isUnknown: (topic: string, partition: number) => boolean }> {
  const unknown = new Map<string, Set<number> | "all">();
  const partitions: TransactionPartition[] = [];
  await Promise.all(
    topics.map(async (t) => {
      try {
        const info = await topicFor(env, t.name);
        for (const p of t.partitions) {
          if (p < 0 || p >= info.partitions) {
            const set = unknown.get(t.name);
            if (set instanceof Set) set.add(p);
            else unknown.set(t.name, new Set([p]));
          } else {
            partitions.push({ topic: t.name, topicId: info.topicId, partition: p });
          }
        }
      } catch {
        unknown.set(t.name, "all");
      }
    }),
  );
  const isUnknown = (topic: string, p: number) => {
    const u = unknown.get(topic);
    return u === "all" || (u?.has(p) ?? false);
  };
  return { partitions, isUnknown };
}

/*
 * AddPartitionsToTxn (v0-3, the clients' form): every partition joins, or none. A topic
 * or partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION and every other
 * partition OPERATION_NOT_ATTEMPTED, as Kafka; otherwise every partition gets the
 * coordinator's answer.
 */
export async function addPartitionsToTxn(ctx: KafkaContext, req: RequestOf<"AddPartitionsToTxn">): Promise<object> {
  const body = req.body;
  const topics = body.v3AndBelowTopics;
  const { partitions, isUnknown } = await partitionsToAdd(ctx.env, topics);
  if (partitions.length < topics.reduce((n, t) => n + t.partitions.length, 0)) {
    return addPartitionsAnswer(topics, (topic, p) =>
      isUnknown(topic, p) ? KafkaCode.UNKNOWN_TOPIC_OR_PARTITION : KafkaCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  let code = 0;
  try {
    await transactionStub(ctx.env, body.v3AndBelowTransactionalId).addPartitions(
      {
        transactionalId: body.v3AndBelowTransactionalId,
        producerId: body.v3AndBelowProducerId,
        producerEpoch: body.v3AndBelowProducerEpoch,
      },
      partitions,
    );
  } catch (e) {
    code = codeFor(req, e);
  }
  return addPartitionsAnswer(topics, () => code);
}

/* AddOffsetsToTxn: the group's transactional offset commits join the transaction. */
export async function addOffsetsToTxn(ctx: KafkaContext, req: RequestOf<"AddOffsetsToTxn">): Promise<object> {
  const { transactionalId, producerId, producerEpoch, groupId } = req.body;
  try {
    await transactionStub(ctx.env, transactionalId).addOffsets({ transactionalId, producerId, producerEpoch }, groupId);
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeFor(req, e) };
  }
}

/* EndTxn: commit or abort, answered once the markers are written. */
export async function endTxn(ctx: KafkaContext, req: RequestOf<"EndTxn">): Promise<object> {
  const { transactionalId, producerId, producerEpoch, committed } = req.body;
  try {
    await transactionStub(ctx.env, transactionalId).endTxn({ transactionalId, producerId, producerEpoch }, committed);
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeFor(req, e) };
  }
}

/* DescribeTransactions: each id's state, partitions by topic; TRANSACTIONAL_ID_NOT_FOUND
 * for an id no producer initialised. */
export async function describeTransactions(ctx: KafkaContext, req: RequestOf<"DescribeTransactions">): Promise<object> {
  const ids = req.body.transactionalIds;
  const notFound = (transactionalId: string, errorCode: number) => ({
    errorCode,
    transactionalId,
    transactionState: "",
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1,
    producerId: -1,
    producerEpoch: -1,
    topics: [],
  });
  let found;
  try {
    found = await describeEach(ctx.env, ids);
  } catch (e) {
    const code = errorCodeOf(e);
    return { throttleTimeMs: 0, transactionStates: ids.map((id) => notFound(id, code)) };
  }
  const transactionStates = ids.map((id, i) => {
    const t = found[i];
    if (!t) return notFound(id, KafkaCode.TRANSACTIONAL_ID_NOT_FOUND);
    const byTopic = new Map<string, number[]>();
    for (const p of t.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return {
      errorCode: 0,
      transactionalId: t.transactionalId,
      transactionState: t.state,
      transactionTimeoutMs: t.timeoutMs,
      transactionStartTimeMs: t.startTimeMs,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
  });
  return { throttleTimeMs: 0, transactionStates };
}

/* ListTransactions: by state, producer id and (v1) how long they have run. */
export async function listTransactions(ctx: KafkaContext, req: RequestOf<"ListTransactions">): Promise<object> {
  const { stateFilters, producerIdFilters, durationFilter } = req.body;
  try {
    const { unknownStates, transactions } = await listAll(ctx.env, {
      states: stateFilters,
      producerIds: producerIdFilters,
      durationMs: durationFilter,
    });
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: unknownStates,
      transactionStates: transactions.map((t) => ({
        transactionalId: t.transactionalId,
        producerId: t.producerId,
        transactionState: t.state,
      })),
    };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e), unknownStateFilters: [], transactionStates: [] };
  }
}
