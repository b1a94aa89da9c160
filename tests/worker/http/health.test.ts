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

describe("HEAD", () => {
  it("answers /health as GET does, without a body, so load balancers probing with HEAD see Kafdo up", async () => {
    const get = await exports.default.fetch("http://kafdo.test/health");
    const head = await exports.default.fetch("http://kafdo.test/health", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(head.headers.get("access-control-allow-origin")).toBe("*");
    expect(await head.text()).toBe("");
    await get.arrayBuffer();
  });

  it("answers any GET route as GET does, errors included, and is listed in Allow beside GET", async () => {
    const head = await exports.default.fetch("http://kafdo.test/admin/topics/no-such-topic", { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe("");
    expect((await exports.default.fetch("http://kafdo.test/openapi.json", { method: "HEAD" })).status).toBe(200);

    const post = await exports.default.fetch("http://kafdo.test/health", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    await post.arrayBuffer();
  });

  it("is not taken by routes that only POST or DELETE", async () => {
    const head = await exports.default.fetch("http://kafdo.test/topics/t/produce", { method: "HEAD" });
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("POST");
  });
});
