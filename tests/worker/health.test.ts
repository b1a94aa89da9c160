import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /health", () => {
  it("answers ok as JSON", async () => {
    const res = await exports.default.fetch("http://kafdo.test/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers an unknown route with 404 in the error shape", async () => {
    const res = await exports.default.fetch("http://kafdo.test/nope");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain("/nope");
  });
});
