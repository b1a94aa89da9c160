/*
 * KafdoService through a real service binding: a second Worker
 * (fixtures/service-caller.mjs), bound to the KafdoService entrypoint as a user's
 * Worker is, produces, reads, runs a consumer group and administers topics with RPC.
 * Its answers come back to the test through the test's own binding to it (CALLER).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoError } from "../../worker/common/errors";

type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; message: string };

interface Caller {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<Outcome<T>>;
  fetch(request: Request | string, init?: RequestInit): Promise<Response>;
}

const caller = (env as unknown as { CALLER: Caller }).CALLER;

async function call<T>(method: string, ...args: unknown[]): Promise<T> {
  const outcome = (await caller.call(method, ...args)) as Outcome<T>;
  if (!outcome.ok) throw new Error(`${method} threw ${outcome.name}: ${outcome.message}`);
  return outcome.value;
}

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe("KafdoService over a service binding", () => {
  it("produces and reads back byte for byte", async () => {
    await call("createTopic", { topic: "sb-orders", partitions: 2 });
    const one = await call<{ topic: string; partition: number; offset: number }>("produce", {
      topic: "sb-orders",
      key: "order-1",
      value: { orderId: "1", amount: 9.5 },
      headers: { source: "web" },
      partition: 1,
    });
    expect(one).toMatchObject({ topic: "sb-orders", partition: 1, offset: 0 });

    const raw = new Uint8Array([0, 255, 1, 254]);
    const batch = await call<{ partition: number; offset: number }[]>("sendBatch", [
      { topic: "sb-orders", value: raw, partition: 1 },
      { topic: "sb-orders", key: "k", value: "text", partition: 1 },
    ]);
    expect(batch.map((m) => m.offset)).toEqual([1, 2]);

    const read = await call<{
      records: {
        offset: number;
        key: Uint8Array | null;
        value: Uint8Array | null;
        headers: { key: string; value: Uint8Array | null }[];
      }[];
      highWatermark: number;
    }>("read", "sb-orders", 1, { offset: 0 });
    expect(read.highWatermark).toBe(3);
    expect(read.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(text(read.records[0]!.key)).toBe("order-1");
    expect(JSON.parse(text(read.records[0]!.value)!)).toEqual({ orderId: "1", amount: 9.5 });
    expect(read.records[0]!.headers.map((h) => [h.key, text(h.value)])).toEqual([["source", "web"]]);
    expect([...read.records[1]!.value!]).toEqual([...raw]);
    expect(text(read.records[2]!.value)).toBe('"text"');

    expect(await call("offsets", "sb-orders", 1)).toEqual({ earliest: 0, latest: 3 });
    const all = await call<Map<number, { earliest: number; latest: number }>>("listOffsets", "sb-orders");
    expect([...all]).toEqual([
      [0, { earliest: 0, latest: 0 }],
      [1, { earliest: 0, latest: 3 }],
    ]);
  });

  it("runs a consumer group: join, heartbeat, commit, committed offsets, leave", async () => {
    await call("createTopic", { topic: "sb-group-topic", partitions: 2 });
    const joined = await call<{
      memberId: string;
      generationId: number;
      assignment: { topic: string; partition: number }[];
    }>("joinGroup", "sb-group", { topics: ["sb-group-topic"], clientId: "second-worker" });
    expect(joined.memberId).toMatch(/^second-worker-/);
    expect(joined.assignment).toEqual([
      { topic: "sb-group-topic", partition: 0 },
      { topic: "sb-group-topic", partition: 1 },
    ]);
    await call("heartbeat", "sb-group", joined.memberId, joined.generationId);
    await call("commitOffsets", "sb-group", joined.memberId, joined.generationId, [
      { topic: "sb-group-topic", partition: 1, offset: 7, metadata: "m" },
    ]);
    const committed = await call<{ topic: string; partition: number; offset: number; metadata: string }[]>(
      "committedOffsets",
      "sb-group",
    );
    expect(committed).toMatchObject([{ topic: "sb-group-topic", partition: 1, offset: 7, metadata: "m" }]);

    const described = await call<{ state: string; members: unknown[] }>("describeGroup", "sb-group");
    expect(described.state).toBe("Stable");
    expect(described.members).toHaveLength(1);
    expect(await call("listGroups")).toContainEqual({ groupId: "sb-group", state: "Stable" });

    await call("leaveGroup", "sb-group", joined.memberId);
    await call("deleteGroup", "sb-group");
    expect((await call<{ groupId: string }[]>("listGroups")).map((g) => g.groupId)).not.toContain("sb-group");
  });

  it("administers topics", async () => {
    const created = await call<{ topic: string; partitions: unknown[] }>("createTopic", {
      topic: "sb-admin",
      partitions: 1,
      config: { "retention.ms": "604800000" },
    });
    expect(created.partitions).toHaveLength(1);
    expect(await call("listTopics")).toContain("sb-admin");
    const grown = await call<{ partitions: unknown[]; config: Record<string, string> }>(
      "createPartitions",
      "sb-admin",
      3,
    );
    expect(grown.partitions).toHaveLength(3);
    expect((await call<{ config: Record<string, string> }>("describeTopic", "sb-admin")).config["retention.ms"]).toBe(
      "604800000",
    );
    await call("deleteTopic", "sb-admin");
    expect(await call("listTopics")).not.toContain("sb-admin");
  });

  it("hands errors over with their Kafka name, which KafdoError.from restores", async () => {
    const outcome = await caller.call("offsets", "sb-no-such-topic", 0);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const restored = KafdoError.from(Object.assign(new Error(outcome.message), { name: outcome.name }));
    expect(restored?.name).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(restored?.message).toContain("sb-no-such-topic");

    const duplicate = await caller.call("createTopic", { topic: "sb-twice" });
    expect(duplicate.ok).toBe(true);
    const again = await caller.call("createTopic", { topic: "sb-twice" });
    expect(again.ok).toBe(false);
    if (again.ok) return;
    expect(KafdoError.from(Object.assign(new Error(again.message), { name: again.name }))?.name).toBe(
      "TOPIC_ALREADY_EXISTS",
    );
  });

  it("serves the REST API through the binding's fetch", async () => {
    const res = await caller.fetch("http://caller/topics/sb-rest/produce", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: "k", value: { via: "binding" } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ topic: "sb-rest", partition: 0, offset: 0 });
    const read = await caller.fetch("http://caller/topics/sb-rest/partitions/0/messages?offset=0");
    expect(((await read.json()) as { messages: { value: unknown }[] }).messages[0]!.value).toEqual({ via: "binding" });
  });
});
