/*
 * POST /transactions/produce: one Kafka transaction per call. Records on several topics
 * and partitions and a group's offsets commit together; one bad record refuses the
 * call with the JSON error shape and nothing becomes visible (a record too large:
 * nothing appended; offsets for a partition that does not exist: the records
 * appended and aborted, seen only with ?isolation=read_uncommitted); a call with the
 * transactionalId of a producer still open fences it; with SASL required, WRITE on
 * each topic, WRITE on the transactional id and READ on the group are needed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createProducer } from "../../../worker/api";
import type { Env } from "../../../worker/env";
import { KafdoError } from "../../../worker/common/errors";
import { call, createTopic, enc, expectError, get, post, snapshot } from "./helpers";

const sha256Hex = async (s: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;

async function values(topic: string, partition: number, isolation = "read_committed"): Promise<unknown[]> {
  const read = await get(`/topics/${enc(topic)}/partitions/${partition}/messages?isolation=${isolation}`);
  expect(read.status, JSON.stringify(read.body)).toBe(200);
  return (read.body.messages as { value: unknown }[]).map((m) => m.value);
}

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const res = await get(`/consumer-groups/${enc(groupId)}/offsets`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const found = (res.body.offsets as { topic: string; partition: number; offset: number }[]).find(
    (o) => o.topic === topic && o.partition === 0,
  );
  return found?.offset ?? -1;
}

describe("POST /transactions/produce", () => {
  it("commits records on several topics and partitions with the group's offsets", async () => {
    const orders = await createTopic(2);
    const audit = await createTopic(1);
    const source = await createTopic(1);
    const groupId = fresh("rest-txn-group");
    const res = await post("/transactions/produce", {
      records: [
        { topic: orders, partition: 0, key: "o-1", value: { id: 1 } },
        { topic: orders, partition: 1, value: { id: 2 } },
        { topic: audit, value: "two orders" },
      ],
      offsets: { groupId, topics: [{ topic: source, partitions: [{ partition: 0, offset: 42 }] }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.transactionalId).toMatch(/^kafdo-rest-/);
    expect(res.body.results).toEqual([
      { topic: orders, partition: 0, offset: 0, timestamp: expect.any(Number) },
      { topic: orders, partition: 1, offset: 0, timestamp: expect.any(Number) },
      { topic: audit, partition: 0, offset: 0, timestamp: expect.any(Number) },
    ]);
    expect(await values(orders, 0)).toEqual([{ id: 1 }]);
    expect(await values(orders, 1)).toEqual([{ id: 2 }]);
    expect(await values(audit, 0)).toEqual(["two orders"]);
    expect(await committedOffset(groupId, source)).toBe(42);
  });

  it("reuses an id of its own for later calls without a transactionalId, one per call at once", async () => {
    const topic = await createTopic(1);
    const produce = (value: string) => post("/transactions/produce", { records: [{ topic, value }] });
    const [a, b] = await Promise.all([produce("a"), produce("b")]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.transactionalId).not.toBe(b.body.transactionalId);
    const c = await produce("c");
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect([a.body.transactionalId, b.body.transactionalId]).toContain(c.body.transactionalId);
    expect((await values(topic, 0)).sort()).toEqual(["a", "b", "c"]);
  });

  it("stores nothing of a call with a record too large (413, the JSON error shape)", async () => {
    const small = await createTopic(1, { "max.message.bytes": "1000" });
    const other = await createTopic(1);
    const before = [await snapshot(small), await snapshot(other)];
    const res = await post("/transactions/produce", {
      records: [
        { topic: other, value: "fine" },
        { topic: small, value: "x".repeat(5000) },
      ],
    });
    expectError(res, 413, "MESSAGE_TOO_LARGE");
    expect([await snapshot(small), await snapshot(other)]).toEqual(before);
  });

  it("aborts what it appended when a later part fails: nothing visible to read_committed or the group", async () => {
    const topic = await createTopic(2);
    const groupId = fresh("rest-txn-group");
    const res = await post("/transactions/produce", {
      records: [
        { topic, partition: 0, value: "a" },
        { topic, partition: 1, value: "b" },
      ],
      offsets: { groupId, topics: [{ topic, partitions: [{ partition: 7, offset: 1 }] }] },
    });
    expectError(res, 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await values(topic, 0)).toEqual([]);
    expect(await values(topic, 1)).toEqual([]);
    /* Appended, then aborted: there, but only for read_uncommitted. */
    expect(await values(topic, 0, "read_uncommitted")).toEqual(["a"]);
    expect(await values(topic, 1, "read_uncommitted")).toEqual(["b"]);
    expect(await committedOffset(groupId, topic)).toBe(-1);
  });

  it("fences an earlier producer of the transactionalId it names", async () => {
    const topic = await createTopic(1);
    const transactionalId = fresh("rest-tid");
    const zombie = createProducer(env, { transactionalId });
    const open = await zombie.transaction();
    await open.send({ topic, value: "zombie" });
    const res = await post("/transactions/produce", { transactionalId, records: [{ topic, value: "live" }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.transactionalId).toBe(transactionalId);
    const code = await open.commit().then(
      () => "committed",
      (e: unknown) => KafdoError.from(e)?.name,
    );
    expect(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"]).toContain(code);
    expect(await values(topic, 0)).toEqual(["live"]);
  });

  it("refuses a malformed body with 400 before anything is stored", async () => {
    const topic = await createTopic(1);
    const before = await snapshot(topic);
    expectError(await post("/transactions/produce", { records: [] }), 400, "INVALID_REQUEST");
    expectError(await post("/transactions/produce", { records: [{ value: 1 }] }), 400, "INVALID_REQUEST");
    expectError(
      await post("/transactions/produce", { records: [{ topic, value: 1 }], offsets: { topics: [] } }),
      400,
      "INVALID_REQUEST",
    );
    expectError(
      await post("/transactions/produce", { transactionalId: "", records: [{ topic, value: 1 }] }),
      400,
      "INVALID_REQUEST",
    );
    expect(await snapshot(topic)).toEqual(before);
  });

  it("needs WRITE on each topic, WRITE on the transactional id and READ on the group when SASL is required", async () => {
    const topic = await createTopic(1);
    const principal = `User:txn-${Date.now()}`;
    const secured: Env = {
      ...env,
      KAFDO_KAFKA_SASL: "required",
      KAFDO_TOKEN: "operator",
      KAFDO_TOKENS: JSON.stringify({ [principal]: await sha256Hex("txn-token") }),
    };
    const transactionalId = fresh("rest-acl-tid");
    const groupId = fresh("rest-acl-group");
    const body = {
      transactionalId,
      records: [{ topic, value: 1 }],
      offsets: { groupId, topics: [{ topic, partitions: [{ partition: 0, offset: 1 }] }] },
    };
    const as = (token: string) => ({ env: secured, headers: { authorization: `Bearer ${token}` } });
    const allow = async (resourceType: string, resourceName: string, operation: string) => {
      const res = await call("POST", "/admin/acls", {
        ...as("operator"),
        json: { acls: [{ resourceType, resourceName, principal, operation }] },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    expectError(await post("/transactions/produce", body, as("txn-token")), 403, "TOPIC_AUTHORIZATION_FAILED");
    await allow("TOPIC", topic, "WRITE");
    expectError(
      await post("/transactions/produce", body, as("txn-token")),
      403,
      "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
    );
    await allow("TRANSACTIONAL_ID", transactionalId, "WRITE");
    expectError(await post("/transactions/produce", body, as("txn-token")), 403, "GROUP_AUTHORIZATION_FAILED");
    await allow("GROUP", groupId, "READ");
    const res = await post("/transactions/produce", body, as("txn-token"));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await values(topic, 0)).toEqual([1]);
  });
});
