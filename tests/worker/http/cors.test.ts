/*
 * CORS: a browser on another origin can call the REST API (KafdoClient in a page):
 * preflights are answered before the token check, and every answer allows any origin.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const call = (path: string, init?: RequestInit, withEnv: Record<string, unknown> = {}) =>
  exports.default.fetch(new Request(`http://kafdo.test${path}`, init), { ...env, ...withEnv } as never);

describe("CORS", () => {
  it("answers a preflight without a token, even when one is required", async () => {
    const res = await call(
      "/admin/topics",
      { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } },
      { KAFDO_TOKEN: "secret" },
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("allows any origin on answers and on errors", async () => {
    const ok = await call("/health", { headers: { origin: "https://app.example" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const missing = await call("/no/such/route");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("*");
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });
});
