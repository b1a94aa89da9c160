/*
 * The REST door's ACL check (worker/http/acl-gate.ts), fitted to the route table: every
 * route but those any caller may use says what it needs, and with SASL required a
 * KAFDO_TOKENS principal gets 403 and Kafka's code until an ACL allows it, while the
 * operator's token (KAFDO_TOKEN) and public routes are never checked.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../worker/env";
import { handle } from "../../../worker/http";
import { NEEDS } from "../../../worker/http/acl-gate";
import { ROUTES } from "../../../worker/http/routes";

const OPEN_TO_ALL = ["GET /", "GET /openapi.json", "GET /health"];

const sha256Hex = async (s: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

function send(withEnv: Env, method: string, path: string, token: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return handle(
    new Request(`http://kafdo.test${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    withEnv,
  );
}

describe("the REST ACL check", () => {
  it("names what every route of the table needs, and no route the table lacks", () => {
    const routes = ROUTES.map((r) => `${r.method} ${r.path}`);
    for (const key of routes) {
      if (OPEN_TO_ALL.includes(key)) expect(NEEDS[key], key).toBeUndefined();
      else expect(NEEDS[key], `${key} has no ACL need`).toBeDefined();
    }
    for (const key of Object.keys(NEEDS)) expect(routes, key).toContain(key);
  });

  it("refuses a named principal with 403 and Kafka's code until an ACL allows it; the operator is trusted", async () => {
    const principal = `User:gate-${Date.now()}`;
    const secured: Env = {
      ...env,
      KAFDO_KAFKA_SASL: "required",
      KAFDO_TOKEN: "operator",
      KAFDO_TOKENS: JSON.stringify({ [principal]: await sha256Hex("gate-token") }),
    };
    const refused = await send(secured, "GET", "/admin/topics", "gate-token");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("CLUSTER_AUTHORIZATION_FAILED");
    const group = await send(secured, "GET", "/consumer-groups/gate-group/offsets", "gate-token");
    expect(group.status).toBe(403);
    expect(((await group.json()) as { error: { code: string } }).error.code).toBe("GROUP_AUTHORIZATION_FAILED");

    const listed = await send(secured, "GET", "/admin/topics", "operator");
    expect(listed.status).toBe(200);
    await listed.arrayBuffer();
    const created = await send(secured, "POST", "/admin/acls", "operator", {
      acls: [{ resourceType: "CLUSTER", resourceName: "kafka-cluster", principal, operation: "DESCRIBE" }],
    });
    expect(created.status).toBe(201);
    await created.arrayBuffer();

    const allowed = await send(secured, "GET", "/admin/topics", "gate-token");
    expect(allowed.status).toBe(200);
    await allowed.arrayBuffer();
    /* DESCRIBE on the cluster is not ALTER. */
    const acls = await send(secured, "POST", "/admin/acls", "gate-token", {
      acls: [{ resourceType: "TOPIC", resourceName: "x", principal, operation: "READ" }],
    });
    expect(acls.status).toBe(403);
    await acls.arrayBuffer();
    /* Public routes take no token and no ACL. */
    const health = await handle(new Request("http://kafdo.test/health"), secured);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
  });

  it("checks nothing while SASL is not required", async () => {
    const relaxed: Env = { ...env, KAFDO_TOKENS: JSON.stringify({ "User:nobody": await sha256Hex("nobody-token") }) };
    const res = await send(relaxed, "GET", "/admin/topics", "nobody-token");
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});
