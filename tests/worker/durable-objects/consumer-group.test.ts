/*
 * ConsumerGroupDO over RPC inside workerd: joins held until the rebalance
 * completes, disjoint assignments, fencing, the alarm expiring a silent member,
 * and the cluster's registry of groups.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin } from "../../../worker/api";
import { groupStub, metadataStub } from "../../../worker/durable-objects/addressing";
import type { JoinResult } from "../../../worker/common/groups";
import { expectKafdoError } from "../helpers";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;
const join = (group: string, topic: string, memberId = "", sessionTimeoutMs = 30000) =>
  groupStub(env, group).join(group, {
    memberId,
    clientId: "c",
    topics: [topic],
    sessionTimeoutMs,
    rebalanceTimeoutMs: 60000,
  });

/* Waits (bounded) until a join has started the group's rebalance. */
async function rebalancing(group: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await groupStub(env, group).describe(group)).state === "PreparingRebalance") return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the group never started rebalancing");
}

function covered(results: JoinResult[]): number[] {
  return results.flatMap((r) => r.assignment.map((a) => a.partition)).sort((a, b) => a - b);
}

describe("ConsumerGroupDO", () => {
  it("holds a join until every member has joined again, then splits the partitions", async () => {
    const topic = fresh("t");
    await createAdmin(env).createTopic({ topic, partitions: 6 });
    const group = fresh("g");
    const a = await join(group, topic);
    expect(a.generationId).toBe(1);
    expect(a.assignment).toHaveLength(6);

    const bJoin = join(group, topic); /* held: a must join again */
    await rebalancing(group);
    await expectKafdoError(() => groupStub(env, group).heartbeat(group, a.memberId, 1), "REBALANCE_IN_PROGRESS");
    const [a2, b] = await Promise.all([join(group, topic, a.memberId), bJoin]);
    expect(a2.generationId).toBe(2);
    expect(b.generationId).toBe(2);
    expect(covered([a2, b])).toEqual([0, 1, 2, 3, 4, 5]); /* no overlap, no gap */
    expect(a2.assignment.length).toBe(3);

    await groupStub(env, group).heartbeat(group, b.memberId, 2);
    await expectKafdoError(() => groupStub(env, group).heartbeat(group, b.memberId, 1), "ILLEGAL_GENERATION");
    await expectKafdoError(() => groupStub(env, group).heartbeat(group, "nobody", 2), "UNKNOWN_MEMBER_ID");

    await groupStub(env, group).commit(group, b.memberId, 2, [{ topic, partition: 3, offset: 10 }]);
    await expectKafdoError(
      () => groupStub(env, group).commit(group, b.memberId, 1, [{ topic, partition: 3, offset: 99 }]),
      "ILLEGAL_GENERATION",
    );
    const committed = await groupStub(env, group).committed(group, [{ topic, partition: 3 }]);
    expect(committed[0]!.offset).toBe(10);

    const d = await groupStub(env, group).describe(group);
    expect(d.state).toBe("Stable");
    expect(d.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(await metadataStub(env).listGroups()).toContain(group);
    await expectKafdoError(() => groupStub(env, group).deleteGroup(group), "NON_EMPTY_GROUP");
  });

  it("expires a member whose session ran out, by its alarm, and rebalances the rest", async () => {
    const topic = fresh("t");
    await createAdmin(env).createTopic({ topic, partitions: 4 });
    const group = fresh("g");
    const a = await join(group, topic, "", 1000);
    const bJoin = join(group, topic, "", 60000);
    await rebalancing(group);
    await join(group, topic, a.memberId, 1000);
    const b = await bJoin;
    expect(b.assignment).toHaveLength(2);
    /* a falls silent; b keeps going. When a's session has run out, the alarm removes it. */
    const stub = groupStub(env, group);
    let state = await stub.describe(group);
    for (let i = 0; i < 100 && state.members.length > 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await runDurableObjectAlarm(env.CONSUMER_GROUP.get(env.CONSUMER_GROUP.idFromName(group)));
      state = await stub.describe(group);
    }
    expect(state.members.map((m) => m.memberId)).toEqual([b.memberId]);
    await expectKafdoError(() => stub.heartbeat(group, b.memberId, 2), "REBALANCE_IN_PROGRESS");
    const b2 = await join(group, topic, b.memberId, 60000);
    expect(b2.assignment).toHaveLength(4);
    await stub.leave(group, b2.memberId);
    expect((await stub.describe(group)).state).toBe("Empty");
    await stub.deleteGroup(group);
    expect(await metadataStub(env).listGroups()).not.toContain(group);
    await expectKafdoError(() => stub.deleteGroup(group), "GROUP_ID_NOT_FOUND");
  });
});
