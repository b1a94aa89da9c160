/*
 * GET /admin/transactions and GET /admin/transactions/:transactionalId: every
 * transaction (filtered by ?state=, an unknown state 400 INVALID_REQUEST) and one
 * transactional id's state, producer, partitions, groups, timeout and start time
 * (404 TRANSACTIONAL_ID_NOT_FOUND for an id never initialised); with SASL required, a
 * named principal needs DESCRIBE on the cluster to list and on the transactional id
 * to describe (403 CLUSTER_ / TRANSACTIONAL_ID_AUTHORIZATION_FAILED until an ACL allows).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../worker/env";
import { handle } from "../../../worker/http";
import { transactionStub } from "../../../worker/durable-objects/addressing";
import { call } from "./helpers";

let n = 0;
const fresh = (p: string) => `${p}-${Date.now()}-${n++}`;

const sha256Hex = async (s: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

/* A transactional id with an Ongoing transaction (one group added) and one left Empty. */
async function twoTransactions(): Promise<{ ongoing: string; empty: string; group: string; producerId: number }> {
  const ongoing = fresh("rest-ongoing");
  const empty = fresh("rest-empty");
  const group = fresh("rest-group");
  const p = await transactionStub(env, ongoing).initProducerId(ongoing, 45000);
  await transactionStub(env, ongoing).addOffsets({ transactionalId: ongoing, ...p }, group);
  await transactionStub(env, empty).initProducerId(empty, 60000);
  return { ongoing, empty, group, producerId: p.producerId };
}

describe("/admin/transactions", () => {
  it("describes one transactional id's transaction", async () => {
    const before = Date.now();
    const { ongoing, group, producerId } = await twoTransactions();
    const res = await call("GET", `/admin/transactions/${encodeURIComponent(ongoing)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      transactionalId: ongoing,
      state: "Ongoing",
      producerId,
      producerEpoch: 0,
      timeoutMs: 45000,
      partitions: [],
      groups: [group],
    });
    expect(res.body.startTimeMs).toBeGreaterThanOrEqual(before);
    const missing = await call("GET", `/admin/transactions/${fresh("never")}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("TRANSACTIONAL_ID_NOT_FOUND");
  });

  it("lists transactions, by state", async () => {
    const { ongoing, empty } = await twoTransactions();
    const all = await call("GET", "/admin/transactions");
    expect(all.status).toBe(200);
    const ids = (all.body.transactions as { transactionalId: string }[]).map((t) => t.transactionalId);
    expect(ids).toEqual(expect.arrayContaining([ongoing, empty]));
    const onlyOngoing = await call("GET", "/admin/transactions?state=Ongoing,PrepareCommit");
    const states = onlyOngoing.body.transactions as { transactionalId: string; state: string }[];
    expect(states.map((t) => t.transactionalId)).toContain(ongoing);
    expect(states.map((t) => t.transactionalId)).not.toContain(empty);
    expect(new Set(states.map((t) => t.state))).toEqual(new Set(states.length ? ["Ongoing"] : []));
    const bogus = await call("GET", "/admin/transactions?state=Running");
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.code).toBe("INVALID_REQUEST");
  });

  it("needs DESCRIBE on the cluster to list, on the transactional id to describe, under ACLs", async () => {
    const { ongoing } = await twoTransactions();
    const principal = `User:txn-${Date.now()}`;
    const secured: Env = {
      ...env,
      KAFDO_KAFKA_SASL: "required",
      KAFDO_TOKEN: "operator",
      KAFDO_TOKENS: JSON.stringify({ [principal]: await sha256Hex("txn-token") }),
    };
    const get = (path: string, token: string) =>
      handle(new Request(`http://kafdo.test${path}`, { headers: { authorization: `Bearer ${token}` } }), secured);
    const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    const list = await get("/admin/transactions", "txn-token");
    expect(list.status).toBe(403);
    expect(await codeOf(list)).toBe("CLUSTER_AUTHORIZATION_FAILED");
    const one = await get(`/admin/transactions/${ongoing}`, "txn-token");
    expect(one.status).toBe(403);
    expect(await codeOf(one)).toBe("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    const grant = await handle(
      new Request("http://kafdo.test/admin/acls", {
        method: "POST",
        headers: { authorization: "Bearer operator", "content-type": "application/json" },
        body: JSON.stringify({
          acls: [
            { resourceType: "CLUSTER", resourceName: "kafka-cluster", principal, operation: "DESCRIBE" },
            { resourceType: "TRANSACTIONAL_ID", resourceName: ongoing, principal, operation: "DESCRIBE" },
          ],
        }),
      }),
      secured,
    );
    expect(grant.status).toBe(201);
    await grant.arrayBuffer();
    const listed = await get("/admin/transactions", "txn-token");
    expect(listed.status).toBe(200);
    await listed.arrayBuffer();
    const described = await get(`/admin/transactions/${ongoing}`, "txn-token");
    expect(described.status).toBe(200);
    expect(((await described.json()) as { state: string }).state).toBe("Ongoing");
  });
});
