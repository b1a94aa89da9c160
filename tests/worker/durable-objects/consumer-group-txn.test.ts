/*
 * ConsumerGroupDO's transactional offsets over RPC inside workerd, as the Kafka
 * front (txnOffsetCommit, kafkaOffsets) and the transaction coordinator
 * (completeTxnOffsets) call them: offsets pending until the transaction commits
 * (then committed, metadata kept) or aborts (dropped), completion idempotent,
 * requireStable's UNSTABLE_OFFSET_COMMIT, a later plain commit winning, fencing by
 * generation, member and static instance id, stale epochs, pending offsets kept
 * across an eviction of the object and dropped with the group.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { groupStub } from "../../../worker/durable-objects/addressing";
import { KafkaCode } from "../../../worker/common/errors";
import type { KafkaJoinRequest, KafkaTxnCommitRequest } from "../../../worker/common/kafka-groups";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;

const txn = (
  producerId: number,
  offset: number,
  extra: Partial<KafkaTxnCommitRequest> = {},
): KafkaTxnCommitRequest => ({
  producerId,
  producerEpoch: 0,
  memberId: "",
  generationId: -1,
  groupInstanceId: null,
  offsets: [{ topic: "orders", partition: 0, offset, metadata: `txn-${offset}` }],
  ...extra,
});

const ORDERS_0 = [{ topic: "orders", partition: 0 }];

async function offsetOf(group: string): Promise<number> {
  return (await groupStub(env, group).committed(group, ORDERS_0))[0]!.offset;
}

const join = (groupInstanceId: string | null = null): KafkaJoinRequest => ({
  memberId: "",
  groupInstanceId,
  clientId: "txn",
  clientHost: "/127.0.0.1",
  sessionTimeoutMs: 30000,
  rebalanceTimeoutMs: 60000,
  protocolType: "consumer",
  protocols: [{ name: "range", metadata: new Uint8Array(0) }],
});

describe("ConsumerGroupDO, transactional offsets", () => {
  it("holds a transaction's offsets pending until it commits; completion is idempotent", async () => {
    const group = fresh("txn");
    const stub = groupStub(env, group);
    expect(await stub.txnOffsetCommit(group, txn(7, 10))).toBe(0);

    expect(await offsetOf(group)).toBe(-1);
    expect((await stub.describe(group)).offsets).toEqual([]);
    const unstable = await stub.kafkaOffsets(group, true, ORDERS_0);
    expect(unstable[0]).toMatchObject({ offset: -1, errorCode: KafkaCode.UNSTABLE_OFFSET_COMMIT });
    expect((await stub.kafkaOffsets(group, false, ORDERS_0))[0]).toMatchObject({ offset: -1, errorCode: 0 });

    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: true })).toEqual({ errorCode: 0 });
    const [row] = await stub.kafkaOffsets(group, true, ORDERS_0);
    expect(row).toMatchObject({ offset: 10, metadata: "txn-10", errorCode: 0 });
    /* A coordinator retrying after a crash: the same answer, nothing changes. */
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: true })).toEqual({ errorCode: 0 });
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: false })).toEqual({ errorCode: 0 });
    expect(await offsetOf(group)).toBe(10);
  });

  it("drops an aborted transaction's offsets", async () => {
    const group = fresh("txn-abort");
    const stub = groupStub(env, group);
    expect(await stub.kafkaCommit(group, { memberId: "", generationId: -1, offsets: [txn(0, 3).offsets[0]!] })).toBe(0);
    expect(await stub.txnOffsetCommit(group, txn(7, 10))).toBe(0);
    expect((await stub.kafkaOffsets(group, true))[0]).toMatchObject({
      errorCode: KafkaCode.UNSTABLE_OFFSET_COMMIT,
    });
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: false })).toEqual({ errorCode: 0 });
    expect(await offsetOf(group)).toBe(3);
    expect((await stub.kafkaOffsets(group, true))[0]).toMatchObject({ offset: 3, errorCode: 0 });
  });

  it("lets a plain commit made after the transaction's win when it commits, as Kafka orders them", async () => {
    const group = fresh("txn-order");
    const stub = groupStub(env, group);
    expect(await stub.txnOffsetCommit(group, txn(7, 10))).toBe(0);
    expect(await stub.kafkaCommit(group, { memberId: "", generationId: -1, offsets: [txn(0, 20).offsets[0]!] })).toBe(
      0,
    );
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: true })).toEqual({ errorCode: 0 });
    expect(await offsetOf(group)).toBe(20);
  });

  it("checks generation, member and static instance id as Kafka's coordinator", async () => {
    const group = fresh("txn-fence");
    const stub = groupStub(env, group);
    const first = await stub.kafkaJoin(group, join("i1"));
    expect(first.errorCode).toBe(0);
    const second = await stub.kafkaJoin(group, join("i1")); /* replaces the static member */
    expect(second.errorCode).toBe(0);
    const generationId = second.generationId;
    const as = (memberId: string, groupInstanceId: string | null, generation = generationId) =>
      stub.txnOffsetCommit(group, txn(7, 10, { memberId, groupInstanceId, generationId: generation }));

    expect(await as(first.memberId, "i1")).toBe(KafkaCode.FENCED_INSTANCE_ID);
    expect(await as(second.memberId, "other")).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
    expect(await as("nobody", null)).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
    expect(await as(second.memberId, "i1", generationId + 1)).toBe(KafkaCode.ILLEGAL_GENERATION);
    expect((await stub.kafkaOffsets(group, true, ORDERS_0))[0]!.errorCode).toBe(0); /* nothing stored */

    expect(await as(second.memberId, "i1")).toBe(0);
    /* v0-2 name no member: taken while the group has members. */
    expect(await stub.txnOffsetCommit(group, txn(8, 11))).toBe(0);
    expect((await stub.kafkaOffsets(group, true, ORDERS_0))[0]!.errorCode).toBe(KafkaCode.UNSTABLE_OFFSET_COMMIT);
  });

  it("refuses an epoch older than the producer's last, changing nothing", async () => {
    const group = fresh("txn-epoch");
    const stub = groupStub(env, group);
    expect(await stub.txnOffsetCommit(group, txn(7, 10, { producerEpoch: 3 }))).toBe(0);
    expect(await stub.txnOffsetCommit(group, txn(7, 99, { producerEpoch: 2 }))).toBe(KafkaCode.INVALID_PRODUCER_EPOCH);
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 2, commit: true })).toEqual({
      errorCode: KafkaCode.INVALID_PRODUCER_EPOCH,
    });
    expect(await offsetOf(group)).toBe(-1);
    expect(await stub.completeTxnOffsets({ producerId: 7, producerEpoch: 3, commit: true })).toEqual({ errorCode: 0 });
    expect(await offsetOf(group)).toBe(10);
    expect(
      await stub.completeTxnOffsets({ producerId: "7" as unknown as number, producerEpoch: 3, commit: true }),
    ).toEqual({
      errorCode: KafkaCode.INVALID_REQUEST,
    });
  });

  it("keeps pending offsets across an eviction of the object, and drops them with the group", async () => {
    const group = fresh("txn-durable");
    const id = env.CONSUMER_GROUP.idFromName(group);
    expect(await env.CONSUMER_GROUP.get(id).txnOffsetCommit(group, txn(7, 10))).toBe(0);
    await evictDurableObject(env.CONSUMER_GROUP.get(id));

    const again = env.CONSUMER_GROUP.get(id);
    expect((await again.kafkaOffsets(group, true, ORDERS_0))[0]!.errorCode).toBe(KafkaCode.UNSTABLE_OFFSET_COMMIT);
    expect((await again.kafkaDescribe(group)).state).toBe("Empty"); /* it exists */
    await again.deleteGroup(group);
    expect((await again.kafkaOffsets(group, true, ORDERS_0))[0]!.errorCode).toBe(0);
    expect(await again.completeTxnOffsets({ producerId: 7, producerEpoch: 0, commit: true })).toEqual({ errorCode: 0 });
    expect(await offsetOf(group)).toBe(-1);
    expect((await again.kafkaDescribe(group)).state).toBe("Dead");
  });
});
