/*
 * The in-Worker admin's group methods (createAdmin(env).listGroups, describeGroup,
 * deleteGroup), as the spec's Admin API example uses them, inside workerd: what
 * they answer, and the KafdoErrors they throw.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoError, createAdmin } from "../../../worker/api";
import { groupStub } from "../../../worker/durable-objects/addressing";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(KafdoError);
  return (e as KafdoError).name;
}

describe("createAdmin: consumer groups", () => {
  it("lists, describes with lag, and deletes a group once it is empty", async () => {
    const admin = createAdmin(env);
    const topic = unique("admin-groups");
    await admin.createTopic({ topic, partitions: 2 });
    const groupId = unique("order-processor");
    const stub = groupStub(env, groupId);
    const m = await stub.join(groupId, {
      clientId: "worker-1",
      topics: [topic],
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
    });
    await stub.commit(groupId, m.memberId, m.generationId, [{ topic, partition: 1, offset: 0 }]);

    expect((await admin.listGroups()).filter((g) => g.groupId === groupId)).toEqual([{ groupId, state: "Stable" }]);
    const info = await admin.describeGroup(groupId);
    expect(info.state).toBe("Stable");
    expect(info.members.map((x) => x.clientId)).toEqual(["worker-1"]);
    expect(info.offsets.map((o) => [o.partition, o.offset, o.latest, o.lag])).toEqual([
      [0, -1, 0, 0],
      [1, 0, 0, 0],
    ]);

    expect(await codeOf(admin.deleteGroup(groupId))).toBe("NON_EMPTY_GROUP");
    expect((await admin.describeGroup(groupId)).offsets).toHaveLength(2);

    await stub.leave(groupId, m.memberId);
    expect((await admin.listGroups()).filter((g) => g.groupId === groupId)).toEqual([{ groupId, state: "Empty" }]);
    await admin.deleteGroup(groupId);
    expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain(groupId);
    expect(await codeOf(admin.describeGroup(groupId))).toBe("GROUP_ID_NOT_FOUND");
    expect(await codeOf(admin.deleteGroup(groupId))).toBe("GROUP_ID_NOT_FOUND");
    await admin.close();
  });

  it("refuses a group id that is empty or over 255 bytes with INVALID_GROUP_ID", async () => {
    const admin = createAdmin(env);
    for (const id of ["", "x".repeat(256), "é".repeat(128)]) {
      expect(await codeOf(admin.describeGroup(id))).toBe("INVALID_GROUP_ID");
      expect(await codeOf(admin.deleteGroup(id))).toBe("INVALID_GROUP_ID");
    }
  });
});
