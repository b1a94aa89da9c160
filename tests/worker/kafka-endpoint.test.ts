/*
 * The HTTP side of /kafka, the WebSocket `kafdo gateway` relays Kafka connections
 * over: the bearer token as for the REST API (http/auth.ts), then the upgrade, then
 * the gateway's advertised address; each refusal in the REST API's error shape.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";

const TOKEN = "kafka-s3cret";
const secured: Env = { ...env, KAFDO_TOKEN: TOKEN };
const UPGRADE = { upgrade: "websocket" };

function open(path: string, headers: Record<string, string>, withEnv: Env = secured): Promise<Response> {
  return worker.fetch(new Request(`http://kafdo.test${path}`, { headers }), withEnv);
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe("/kafka", () => {
  it("wants the bearer token before anything else", async () => {
    const res = await open("/kafka?advertise=127.0.0.1:9092", UPGRADE);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="kafdo"');
    expect(await errorOf(res)).toBe("UNAUTHORIZED");
    const wrong = await open("/kafka", { ...UPGRADE, authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="kafdo", error="invalid_token"');
    await wrong.arrayBuffer();
  });

  it("answers 426 to a request that is not a WebSocket upgrade", async () => {
    const res = await open("/kafka?advertise=127.0.0.1:9092", { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(426);
    expect(await errorOf(res)).toBe("UPGRADE_REQUIRED");
  });

  it("wants the gateway's address, ?advertise=<host>:<port>", async () => {
    for (const path of ["/kafka", "/kafka?advertise=localhost", "/kafka?advertise=localhost:70000"]) {
      const res = await open(path, { ...UPGRADE, authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toBe("INVALID_REQUEST");
    }
  });

  it("takes the WebSocket with the token, or with none set", async () => {
    for (const [headers, withEnv] of [
      [{ ...UPGRADE, authorization: `Bearer ${TOKEN}` }, secured],
      [UPGRADE, env as Env],
    ] as const) {
      const res = await open("/kafka?advertise=127.0.0.1:9092", headers, withEnv);
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close();
    }
  });

  it("takes a KAFDO_TOKENS token too, refuses others, and refuses all while that setting is malformed", async () => {
    const digest = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("ci-token"))),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const named: Env = { ...env, KAFDO_TOKENS: JSON.stringify({ "User:ci": digest }) };
    const res = await open("/kafka?advertise=127.0.0.1:9092", { ...UPGRADE, authorization: "Bearer ci-token" }, named);
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close();
    const other = await open("/kafka?advertise=127.0.0.1:9092", { ...UPGRADE, authorization: "Bearer other" }, named);
    expect(other.status).toBe(401);
    await other.arrayBuffer();
    const broken = await open(
      "/kafka?advertise=127.0.0.1:9092",
      { ...UPGRADE, authorization: "Bearer ci-token" },
      { ...env, KAFDO_TOKENS: "not json" },
    );
    expect(broken.status).toBe(401);
    await broken.arrayBuffer();
  });
});
