/*
 * The bearer token (worker/http/auth.ts): with KAFDO_TOKEN set, every endpoint but
 * /health wants `Authorization: Bearer <token>` and answers 401 in the one error
 * shape otherwise, before routing; without it nothing is checked.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../../worker/env";
import { handle } from "../../../worker/http";
import { hmacSha256Hex } from "../../../worker/integrations/webhooks";

const TOKEN = "s3cret-token";
const secured: Env = { ...env, KAFDO_TOKEN: TOKEN };

function send(path: string, init: RequestInit = {}, withEnv: Env = secured) {
  return handle(new Request(`http://kafdo.test${path}`, init), withEnv);
}

async function expectUnauthorized(res: Response, challenge: string) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe(challenge);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("UNAUTHORIZED");
  expect(body.error.message).toMatch(/bearer/i);
}

describe("KAFDO_TOKEN", () => {
  it("leaves /health open", async () => {
    const res = await send("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("refuses a request without a token, before routing", async () => {
    await expectUnauthorized(await send("/admin/topics"), 'Bearer realm="kafdo"');
    await expectUnauthorized(await send("/"), 'Bearer realm="kafdo"');
    await expectUnauthorized(await send("/openapi.json"), 'Bearer realm="kafdo"');
    /* An unknown route is 401 too, not 404: nothing is told before the token. */
    await expectUnauthorized(await send("/no-such-route"), 'Bearer realm="kafdo"');
    await expectUnauthorized(
      await send("/topics/auth-t/produce", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: 1 }),
      }),
      'Bearer realm="kafdo"',
    );
  });

  it("refuses a wrong token, another scheme and a malformed header", async () => {
    const invalid = 'Bearer realm="kafdo", error="invalid_token"';
    const missing = 'Bearer realm="kafdo"';
    await expectUnauthorized(await send("/admin/topics", { headers: { authorization: "Bearer nope" } }), invalid);
    await expectUnauthorized(await send("/admin/topics", { headers: { authorization: `Bearer ${TOKEN}x` } }), invalid);
    await expectUnauthorized(
      await send("/admin/topics", { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } }),
      invalid,
    );
    await expectUnauthorized(await send("/admin/topics", { headers: { authorization: `Basic ${TOKEN}` } }), missing);
    await expectUnauthorized(await send("/admin/topics", { headers: { authorization: TOKEN } }), missing);
    await expectUnauthorized(
      await send("/admin/topics", { headers: { authorization: `Bearer ${TOKEN} extra` } }),
      missing,
    );
  });

  it("serves a request with the token (scheme in any case)", async () => {
    const ok = await send("/admin/topics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveProperty("topics");
    const lower = await send("/admin/topics", { headers: { authorization: `bearer ${TOKEN}` } });
    expect(lower.status).toBe(200);
    await lower.arrayBuffer();
    /* With the token, the API answers as usual, errors included. */
    const missing = await send("/no-such-route", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it("checks nothing when the secret is unset or empty", async () => {
    const { KAFDO_TOKEN: _, ...open } = secured;
    const res = await send("/admin/topics", {}, open);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const empty = await send("/admin/topics", {}, { ...env, KAFDO_TOKEN: "" });
    expect(empty.status).toBe(200);
    await empty.arrayBuffer();
  });

  it("lets a signed webhook through without the token; an unsigned one still needs it", async () => {
    const topic = `auth-hook-${Date.now()}`;
    const hooks: Env = {
      ...secured,
      KAFDO_WEBHOOKS: JSON.stringify({ [topic]: { signature: "github", secret: "gh-secret" } }),
    };
    const body = JSON.stringify({ action: "opened" });
    const signed = await send(
      `/webhooks/${topic}`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${await hmacSha256Hex("gh-secret", body)}`,
        },
        body,
      },
      hooks,
    );
    expect(signed.status).toBeLessThan(300);
    /* A wrong signature is still refused, by the webhook's own check. */
    const forged = await send(
      `/webhooks/${topic}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
        body,
      },
      hooks,
    );
    expect(forged.status).toBe(401);
    await expectUnauthorized(
      await send(
        `/webhooks/unsigned-${topic}`,
        { method: "POST", headers: { "content-type": "application/json" }, body },
        hooks,
      ),
      'Bearer realm="kafdo"',
    );
  });

  it("wants the token for every webhook while KAFDO_WEBHOOKS is not valid, and tells why only with it", async () => {
    const topic = `auth-badhooks-${Date.now()}`;
    for (const config of ["{not json", JSON.stringify({ [topic]: { signature: "github" } })]) {
      const broken: Env = { ...secured, KAFDO_WEBHOOKS: config };
      const init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
      const refused = await send(`/webhooks/${topic}`, init, broken);
      const text = await refused.clone().text();
      expect(text).not.toContain("KAFDO_WEBHOOKS");
      await expectUnauthorized(refused, 'Bearer realm="kafdo"');

      const authorized = { ...init, headers: { ...init.headers, authorization: `Bearer ${TOKEN}` } };
      const told = await send(`/webhooks/${topic}`, authorized, broken);
      expect(told.status).toBeGreaterThanOrEqual(400);
      expect(((await told.json()) as { error: { message: string } }).error.message).toContain("KAFDO_WEBHOOKS");
    }
  });
});

describe("KAFDO_TOKENS (named tokens, kept as SHA-256 hashes)", () => {
  const sha256Hex = async (s: string) =>
    Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");

  it("serves a caller with a named token, and refuses an unknown one", async () => {
    const named: Env = { ...env, KAFDO_TOKENS: JSON.stringify({ "User:ci": await sha256Hex("ci-token") }) };
    expect((await send("/admin/topics", { headers: { authorization: "Bearer ci-token" } }, named)).status).toBe(200);
    await expectUnauthorized(
      await send("/admin/topics", { headers: { authorization: "Bearer other" } }, named),
      'Bearer realm="kafdo", error="invalid_token"',
    );
    await expectUnauthorized(await send("/admin/topics", {}, named), 'Bearer realm="kafdo"');
    /* The operator's token still works beside them. */
    const both: Env = { ...named, KAFDO_TOKEN: TOKEN };
    expect((await send("/admin/topics", { headers: { authorization: `Bearer ${TOKEN}` } }, both)).status).toBe(200);
  });

  it("refuses every caller but /health when the setting is malformed, rather than falling open", async () => {
    for (const bad of [
      "not json",
      "[]",
      JSON.stringify({ "User:ci": "not-a-digest" }),
      JSON.stringify({ ci: "0".repeat(64) }),
    ]) {
      const broken: Env = { ...env, KAFDO_TOKENS: bad };
      const res = await send("/admin/topics", { headers: { authorization: "Bearer ci-token" } }, broken);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/KAFDO_TOKENS/);
      expect((await send("/health", {}, broken)).status).toBe(200);
    }
  });

  it("refuses a signed webhook too while the setting is malformed: only /health stays open", async () => {
    const topic = `auth-tokens-hook-${Date.now()}`;
    const broken: Env = {
      ...env,
      KAFDO_TOKENS: "not json",
      KAFDO_WEBHOOKS: JSON.stringify({ [topic]: { signature: "github", secret: "gh-secret" } }),
    };
    const body = JSON.stringify({ action: "opened" });
    const signature = `sha256=${await hmacSha256Hex("gh-secret", body)}`;
    const res = await send(
      `/webhooks/${topic}`,
      { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": signature }, body },
      broken,
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/KAFDO_TOKENS/);
  });
});
