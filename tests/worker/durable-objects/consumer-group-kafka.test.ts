/*
 * ConsumerGroupDO's Kafka dialect over RPC inside workerd: two Kafka members
 * through kafkaJoin / kafkaSync, held joins and syncs resolved, Kafka codes as
 * values, describe showing Kafka members decoded, and one dialect per group.
 * The metadata and assignments are kafkajs's bytes (its assignerProtocol.js).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { groupStub } from "../../../worker/durable-objects/addressing";
import { KafkaCode } from "../../../worker/common/errors";
import type { KafkaJoinRequest } from "../../../worker/common/kafka-groups";
import { expectKafdoError } from "../helpers";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;
const bytes = (...b: number[]) => new Uint8Array(b);
const str16 = (s: string) => [0, s.length, ...[...s].map((c) => c.charCodeAt(0))];

/* kafkajs MemberMetadata.encode({ version: 1, topics: ["orders"] }). */
const SUBSCRIPTION = bytes(0, 1, 0, 0, 0, 1, ...str16("orders"), 0, 0, 0, 0);
/* kafkajs MemberAssignment.encode({ version: 1, assignment: { orders: partitions } }). */
const assignment = (...partitions: number[]) =>
  bytes(
    0,
    1,
    0,
    0,
    0,
    1,
    ...str16("orders"),
    0,
    0,
    0,
    partitions.length,
    ...partitions.flatMap((p) => [0, 0, 0, p]),
    0,
    0,
    0,
    0,
  );

const request = (memberId = "", protocols = ["RoundRobinAssigner"]): KafkaJoinRequest => ({
  memberId,
  clientId: "kjs",
  clientHost: "/127.0.0.1",
  sessionTimeoutMs: 30000,
  rebalanceTimeoutMs: 60000,
  protocolType: "consumer",
  protocols: protocols.map((name) => ({ name, metadata: SUBSCRIPTION })),
});

async function state(group: string, wanted: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await groupStub(env, group).describe(group)).state === wanted) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the group never reached ${wanted}`);
}

describe("ConsumerGroupDO, Kafka's classic protocol", () => {
  it("holds joins and follower syncs until the leader's sync, and answers Kafka codes", async () => {
    const group = fresh("kg");
    const stub = groupStub(env, group);

    const a = await stub.kafkaJoin(group, request());
    expect(a.errorCode).toBe(0);
    expect(a.generationId).toBe(1);
    expect(a.leader).toBe(a.memberId);
    expect(a.protocolName).toBe("RoundRobinAssigner");
    expect(a.members.map((m) => m.memberId)).toEqual([a.memberId]);
    const s1 = await stub.kafkaSync(group, {
      memberId: a.memberId,
      generationId: 1,
      assignments: [{ memberId: a.memberId, assignment: assignment(0, 1) }],
    });
    expect(s1.errorCode).toBe(0);
    expect([...s1.assignment]).toEqual([...assignment(0, 1)]);

    /* b joins: held until a joins again. */
    const bJoin = stub.kafkaJoin(group, request("", ["RoundRobinAssigner", "RangeAssigner"]));
    await state(group, "PreparingRebalance");
    expect(await stub.kafkaHeartbeat(group, a.memberId, 1)).toBe(KafkaCode.REBALANCE_IN_PROGRESS);
    const [a2, b] = await Promise.all([stub.kafkaJoin(group, request(a.memberId)), bJoin]);
    expect(a2.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(b.leader).toBe(a.memberId);
    expect(b.members).toEqual([]);
    expect(a2.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect([...a2.members[0]!.metadata]).toEqual([...SUBSCRIPTION]);
    expect((await stub.describe(group)).state).toBe("CompletingRebalance");

    /* CompletingRebalance: heartbeats are fine, commits wait for Stable. */
    expect(await stub.kafkaHeartbeat(group, b.memberId, 2)).toBe(0);
    expect(
      await stub.kafkaCommit(group, {
        memberId: b.memberId,
        generationId: 2,
        offsets: [{ topic: "orders", partition: 1, offset: 5 }],
      }),
    ).toBe(KafkaCode.REBALANCE_IN_PROGRESS);

    /* b's sync is held; the leader's answers it. */
    const bSync = stub.kafkaSync(group, { memberId: b.memberId, generationId: 2, assignments: [] });
    const wrong = await stub.kafkaSync(group, { memberId: b.memberId, generationId: 1, assignments: [] });
    expect(wrong.errorCode).toBe(KafkaCode.ILLEGAL_GENERATION);
    const aSync = await stub.kafkaSync(group, {
      memberId: a.memberId,
      generationId: 2,
      assignments: [
        { memberId: a.memberId, assignment: assignment(0) },
        { memberId: b.memberId, assignment: assignment(1) },
      ],
    });
    expect([...aSync.assignment]).toEqual([...assignment(0)]);
    const bSynced = await bSync;
    expect(bSynced.errorCode).toBe(0);
    expect(bSynced.protocolName).toBe("RoundRobinAssigner");
    expect([...bSynced.assignment]).toEqual([...assignment(1)]);

    /* Stable: commits, describe in both shapes. */
    const commit = { memberId: b.memberId, generationId: 2, offsets: [{ topic: "orders", partition: 1, offset: 5 }] };
    expect(await stub.kafkaCommit(group, commit)).toBe(0);
    expect(await stub.kafkaCommit(group, { memberId: "", generationId: -1, offsets: commit.offsets })).toBe(
      KafkaCode.UNKNOWN_MEMBER_ID,
    );
    expect((await stub.committed(group, [{ topic: "orders", partition: 1 }]))[0]!.offset).toBe(5);
    const k = await stub.kafkaDescribe(group);
    expect(k.state).toBe("Stable");
    expect(k.protocolType).toBe("consumer");
    expect(k.protocolName).toBe("RoundRobinAssigner");
    const kb = k.members.find((m) => m.memberId === b.memberId)!;
    expect(kb.clientHost).toBe("/127.0.0.1");
    expect([...kb.assignment]).toEqual([...assignment(1)]);
    expect(kb.subscription).toEqual(["orders"]);
    expect(kb.assignedPartitions).toEqual([{ topic: "orders", partition: 1 }]);
    const d = await stub.describe(group);
    expect(d.protocol).toBe("RoundRobinAssigner");
    expect(d.members.map((m) => m.kind)).toEqual(["kafka", "kafka"]);
    expect(d.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort()).toEqual([0, 1]);

    /* One dialect at a time. */
    await expectKafdoError(
      () => stub.join(group, { clientId: "h", topics: ["orders"], sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000 }),
      "INCONSISTENT_GROUP_PROTOCOL",
    );

    /* A held sync is answered REBALANCE_IN_PROGRESS when the group rebalances. */
    const cJoin = stub.kafkaJoin(group, request());
    await state(group, "PreparingRebalance");
    const [a3, b3, c] = await Promise.all([
      stub.kafkaJoin(group, request(a.memberId)),
      stub.kafkaJoin(group, request(b.memberId)),
      cJoin,
    ]);
    expect([a3.generationId, b3.generationId, c.generationId]).toEqual([3, 3, 3]);
    const cSync = stub.kafkaSync(group, { memberId: c.memberId, generationId: 3, assignments: [] });
    const leave = await stub.kafkaLeave(group, [{ memberId: b.memberId }, { memberId: "nobody" }]);
    expect(leave.members.map((m) => m.errorCode)).toEqual([0, KafkaCode.UNKNOWN_MEMBER_ID]);
    expect((await cSync).errorCode).toBe(KafkaCode.REBALANCE_IN_PROGRESS);
    expect(await stub.kafkaHeartbeat(group, b.memberId, 3)).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
  });

  it("answers a held join UNKNOWN_MEMBER_ID when its member leaves, and describes an unknown group as Dead", async () => {
    const group = fresh("kg");
    const stub = groupStub(env, group);
    const a = await stub.kafkaJoin(group, request());
    const bJoin = stub.kafkaJoin(group, request());
    await state(group, "PreparingRebalance");
    const held = await stub.describe(group);
    const b = held.members.find((m) => m.memberId !== a.memberId)!;
    await stub.kafkaLeave(group, [{ memberId: b.memberId }]);
    const answered = await bJoin;
    expect(answered.errorCode).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
    expect((await stub.kafkaJoin(group, request("ghost"))).errorCode).toBe(KafkaCode.UNKNOWN_MEMBER_ID);
    const other = fresh("none");
    const dead = await groupStub(env, other).kafkaDescribe(other);
    expect(dead.state).toBe("Dead");
    expect(dead.members).toEqual([]);
  });
});
