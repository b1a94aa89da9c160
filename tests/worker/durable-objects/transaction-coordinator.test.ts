/*
 * TransactionCoordinatorDO over RPC inside workerd, as the Kafka front calls it: a new
 * transactional id gets a producer id from the cluster (and joins its registry), each
 * InitProducerId bumps the epoch and fences the producer before; refusals are Kafka's
 * codes and store nothing; an InitProducerId during a transaction aborts it first
 * (CONCURRENT_TRANSACTIONS); a transaction's group offsets (the real ConsumerGroupDO)
 * are committed with it or dropped; the alarm aborts a transaction past its timeout
 * and finishes a Prepare* state left by a crash (the object evicted between
 * PrepareCommit and CompleteCommit); DescribeTransactions / ListTransactions through
 * api/transactions.ts.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { registerStorage, txnEnd } from "../../../wasm/kafdo";
import { describeTransaction, listTransactions } from "../../../worker/api/transactions";
import { KafdoError, KafkaCode } from "../../../worker/common/errors";
import type { KafkaTxnCommitRequest } from "../../../worker/common/kafka-groups";
import { groupStub, metadataStub, transactionStub } from "../../../worker/durable-objects/addressing";

/* The object's own stub (cloudflare:test's helpers take it, not addressing.ts's wrapper). */
function rawStub(id: string) {
  const ns = env.TRANSACTION_COORDINATOR!;
  return ns.get(ns.idFromName(id));
}

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;

/* The Kafka code a call was refused with (0: answered). */
async function codeOf(call: () => unknown): Promise<number> {
  try {
    await call();
    return 0;
  } catch (e) {
    const k = KafdoError.from(e);
    if (!k) throw e;
    return k.code;
  }
}

const offsets = (producerId: number, producerEpoch: number, offset: number): KafkaTxnCommitRequest => ({
  producerId,
  producerEpoch,
  memberId: "",
  generationId: -1,
  groupInstanceId: null,
  offsets: [{ topic: "orders", partition: 0, offset, metadata: "" }],
});

async function committed(group: string): Promise<number> {
  return (await groupStub(env, group).committed(group, [{ topic: "orders", partition: 0 }]))[0]!.offset;
}

describe("TransactionCoordinatorDO", () => {
  it("gives a new transactional id a producer id, bumps the epoch on every init and fences the last producer", async () => {
    const id = fresh("init");
    const coordinator = transactionStub(env, id);
    const first = await coordinator.initProducerId(id, 60000);
    expect(first.producerEpoch).toBe(0);
    expect(first.producerId).toBeGreaterThanOrEqual(1000);
    expect(await metadataStub(env).listTransactionalIds()).toContain(id);
    const second = await coordinator.initProducerId(id, 60000);
    expect(second).toEqual({ producerId: first.producerId, producerEpoch: 1 });
    /* KIP-360: the fenced producer cannot resume with its own id and epoch. */
    expect(await codeOf(() => coordinator.initProducerId(id, 60000, first.producerId, 0))).toBe(
      KafkaCode.PRODUCER_FENCED,
    );
    /* The first producer is fenced; the second's transaction begins. */
    const zombie = { transactionalId: id, producerId: first.producerId, producerEpoch: 0 };
    const live = { ...zombie, producerEpoch: 1 };
    expect(await codeOf(() => coordinator.addOffsets(zombie, "g"))).toBe(KafkaCode.PRODUCER_FENCED);
    expect(await codeOf(() => coordinator.endTxn(zombie, true))).toBe(KafkaCode.PRODUCER_FENCED);
    expect(await codeOf(() => coordinator.addOffsets(live, fresh("g")))).toBe(0);
    expect((await describeTransaction(env, id)).state).toBe("Ongoing");
  });

  it("refuses a bad timeout, EndTxn without a transaction and an unknown producer, storing nothing", async () => {
    const id = fresh("refuse");
    const coordinator = transactionStub(env, id);
    expect(await codeOf(() => coordinator.initProducerId(id, 900001))).toBe(KafkaCode.INVALID_TRANSACTION_TIMEOUT);
    expect(await coordinator.describe()).toBeNull();
    const { producerId, producerEpoch } = await coordinator.initProducerId(id, 900000);
    const p = { transactionalId: id, producerId, producerEpoch };
    expect(await codeOf(() => coordinator.endTxn(p, true))).toBe(KafkaCode.INVALID_TXN_STATE);
    expect(await codeOf(() => coordinator.endTxn({ ...p, producerId: producerId + 1 }, false))).toBe(
      KafkaCode.INVALID_PRODUCER_ID_MAPPING,
    );
    expect((await coordinator.describe())?.state).toBe("Empty");
    await expect(describeTransaction(env, fresh("never"))).rejects.toMatchObject({
      code: KafkaCode.TRANSACTIONAL_ID_NOT_FOUND,
    });
  });

  it("commits the transaction's group offsets with it, and drops them with an abort", async () => {
    for (const commit of [true, false]) {
      const id = fresh("offsets");
      const group = fresh("group");
      const coordinator = transactionStub(env, id);
      const { producerId, producerEpoch } = await coordinator.initProducerId(id, 60000);
      const p = { transactionalId: id, producerId, producerEpoch };
      await coordinator.addOffsets(p, group);
      expect(await groupStub(env, group).txnOffsetCommit(group, offsets(producerId, producerEpoch, 42))).toBe(0);
      expect(await committed(group)).toBe(-1);
      await coordinator.endTxn(p, commit);
      /* Answered once complete: the offsets are the group's (or gone) already. */
      expect(await committed(group)).toBe(commit ? 42 : -1);
      const t = await describeTransaction(env, id);
      expect(t.state).toBe(commit ? "CompleteCommit" : "CompleteAbort");
      expect(t.groups).toEqual([]);
      /* A retried EndTxn is answered as the first; the other outcome is INVALID_TXN_STATE. */
      expect(await codeOf(() => coordinator.endTxn(p, commit))).toBe(0);
      expect(await codeOf(() => coordinator.endTxn(p, !commit))).toBe(KafkaCode.INVALID_TXN_STATE);
    }
  });

  it("aborts a transaction in progress before a new producer's InitProducerId, which is told to retry", async () => {
    const id = fresh("fence");
    const group = fresh("group");
    const coordinator = transactionStub(env, id);
    const old = await coordinator.initProducerId(id, 60000);
    const p = { transactionalId: id, ...old };
    await coordinator.addOffsets(p, group);
    await groupStub(env, group).txnOffsetCommit(group, offsets(old.producerId, old.producerEpoch, 7));
    expect(await codeOf(() => coordinator.initProducerId(id, 60000))).toBe(KafkaCode.CONCURRENT_TRANSACTIONS);
    const t = await describeTransaction(env, id);
    expect(t.state).toBe("CompleteAbort");
    expect(t.producerEpoch).toBe(old.producerEpoch + 1);
    expect(await committed(group)).toBe(-1);
    expect(await coordinator.initProducerId(id, 60000)).toEqual({
      producerId: old.producerId,
      producerEpoch: old.producerEpoch + 2,
    });
    expect(await codeOf(() => coordinator.endTxn(p, true))).toBe(KafkaCode.PRODUCER_FENCED);
  });

  it("aborts a transaction past transaction.timeout.ms from its alarm, fencing its producer", async () => {
    const id = fresh("timeout");
    const group = fresh("group");
    const coordinator = transactionStub(env, id);
    const { producerId, producerEpoch } = await coordinator.initProducerId(id, 1);
    const p = { transactionalId: id, producerId, producerEpoch };
    await coordinator.addOffsets(p, group);
    await groupStub(env, group).txnOffsetCommit(group, offsets(producerId, producerEpoch, 9));
    /* The alarm is due 2 ms after the first AddOffsetsToTxn: it runs by itself, or here. */
    await new Promise((r) => setTimeout(r, 20));
    await runDurableObjectAlarm(rawStub(id));
    for (let i = 0; i < 100 && (await describeTransaction(env, id)).state !== "CompleteAbort"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const t = await describeTransaction(env, id);
    expect(t.state).toBe("CompleteAbort");
    expect(t.producerEpoch).toBe(producerEpoch + 1);
    expect(await committed(group)).toBe(-1);
    expect(await codeOf(() => coordinator.endTxn(p, true))).toBe(KafkaCode.PRODUCER_FENCED);
  });

  it("finishes, from its alarm, a commit left in PrepareCommit by a crash", async () => {
    const id = fresh("crash");
    const group = fresh("group");
    const coordinator = transactionStub(env, id);
    const { producerId, producerEpoch } = await coordinator.initProducerId(id, 60000);
    const p = { transactionalId: id, producerId, producerEpoch };
    await coordinator.addOffsets(p, group);
    await groupStub(env, group).txnOffsetCommit(group, offsets(producerId, producerEpoch, 5));
    /* The decision is stored, then the object goes away before any offset completes. */
    await runInDurableObject(rawStub(id), (_, state) => {
      expect(txnEnd(registerStorage(state.storage), p, true, Date.now())).toBe("drive");
    });
    await evictDurableObject(rawStub(id));
    expect((await describeTransaction(env, id)).state).toBe("PrepareCommit");
    expect(await codeOf(() => coordinator.endTxn(p, false))).toBe(KafkaCode.INVALID_TXN_STATE);
    expect(await runDurableObjectAlarm(rawStub(id))).toBe(true);
    expect((await describeTransaction(env, id)).state).toBe("CompleteCommit");
    expect(await committed(group)).toBe(5);
    expect(await codeOf(() => coordinator.endTxn(p, true))).toBe(0);
  });

  it("lists transactions by state, and reports a state filter that names none", async () => {
    const ongoing = fresh("list-ongoing");
    const empty = fresh("list-empty");
    const a = await transactionStub(env, ongoing).initProducerId(ongoing, 60000);
    await transactionStub(env, ongoing).addOffsets({ transactionalId: ongoing, ...a }, fresh("g"));
    await transactionStub(env, empty).initProducerId(empty, 60000);
    const listed = await listTransactions(env, { states: ["Ongoing", "Bogus"], producerIds: [], durationMs: -1 });
    expect(listed.unknownStates).toEqual(["Bogus"]);
    const ids = listed.transactions.map((t) => t.transactionalId);
    expect(ids).toContain(ongoing);
    expect(ids).not.toContain(empty);
    const byProducer = await listTransactions(env, { states: [], producerIds: [a.producerId], durationMs: -1 });
    expect(byProducer.transactions.map((t) => t.transactionalId)).toEqual([ongoing]);
  });
});
