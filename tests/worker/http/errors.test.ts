/*
 * The one place errors become answers (worker/http/errors.ts) and the router
 * table's matching, tested directly: failures that the REST tests cannot provoke
 * through the API (a bug, a storage failure, an error that crossed RPC) still get
 * the error shape, the right status, and no internals.
 */
import { describe, expect, it, vi } from "vitest";
import { KafdoError } from "../../../worker/common/errors";
import { HttpError, errorResponse, statusOf } from "../../../worker/http/errors";
import { Router, type Route } from "../../../worker/http/router";
import { handle } from "../../../worker/http";
import { BASE, envWithoutAutoCreate } from "./helpers";

async function shape(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  return { status: res.status, ...body.error };
}

describe("errorResponse", () => {
  it("answers a KafdoError with its Kafka name and the status of that name", async () => {
    const cases: [number, string, number][] = [
      [1, "OFFSET_OUT_OF_RANGE", 416],
      [2, "CORRUPT_MESSAGE", 400],
      [3, "UNKNOWN_TOPIC_OR_PARTITION", 404],
      [10, "MESSAGE_TOO_LARGE", 413],
      [17, "INVALID_TOPIC_EXCEPTION", 400],
      [18, "RECORD_LIST_TOO_LARGE", 413],
      [32, "INVALID_TIMESTAMP", 400],
      [36, "TOPIC_ALREADY_EXISTS", 409],
      [37, "INVALID_PARTITIONS", 400],
      [40, "INVALID_CONFIG", 400],
      [42, "INVALID_REQUEST", 400],
      [7, "REQUEST_TIMED_OUT", 500],
      [56, "KAFKA_STORAGE_ERROR", 500],
    ];
    for (const [code, name, status] of cases) {
      expect(await shape(errorResponse(new KafdoError(code, `because ${code}`)))).toEqual({
        status,
        code: name,
        message: `because ${code}`,
      });
    }
  });

  it("restores a KafdoError that crossed RPC as a plain Error", async () => {
    const crossed = new Error("OFFSET_OUT_OF_RANGE: offset 9 is past the high watermark 3");
    expect(await shape(errorResponse(crossed))).toEqual({
      status: 416,
      code: "OFFSET_OUT_OF_RANGE",
      message: "offset 9 is past the high watermark 3",
    });
  });

  it("tells the core's own failures as Kafka would", async () => {
    expect(await shape(errorResponse(new KafdoError(-2, "disk on fire")))).toEqual({
      status: 500,
      code: "KAFKA_STORAGE_ERROR",
      message: "disk on fire",
    });
    expect((await shape(errorResponse(new KafdoError(-3)))).code).toBe("UNKNOWN_SERVER_ERROR");
  });

  it("answers anything else 500 UNKNOWN_SERVER_ERROR without its message or stack", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      for (const e of [new TypeError("x.y is not a function, secret=42"), "a string", undefined, { code: 3 }]) {
        const res = errorResponse(e);
        const text = await res.clone().text();
        expect(text).not.toContain("secret");
        expect(text).not.toMatch(/\bat /);
        expect(await shape(res)).toEqual({
          status: 500,
          code: "UNKNOWN_SERVER_ERROR",
          message: "the server failed to answer this request",
        });
      }
      expect(log).toHaveBeenCalledTimes(4);
    } finally {
      log.mockRestore();
    }
  });

  it("answers an HttpError with its code, status and headers", async () => {
    const res = errorResponse(new HttpError("METHOD_NOT_ALLOWED", "no", { allow: "GET" }));
    expect(res.headers.get("allow")).toBe("GET");
    expect(await shape(res)).toEqual({ status: 405, code: "METHOD_NOT_ALLOWED", message: "no" });
  });

  it("gives each code its status", () => {
    expect(statusOf("NOT_FOUND")).toBe(404);
    expect(statusOf("PAYLOAD_TOO_LARGE")).toBe(413);
    expect(statusOf("UNSUPPORTED_MEDIA_TYPE")).toBe(415);
    expect(statusOf("REBALANCE_IN_PROGRESS")).toBe(409);
    expect(statusOf("ILLEGAL_GENERATION")).toBe(409);
    expect(statusOf("UNKNOWN_MEMBER_ID")).toBe(409);
    expect(statusOf("NON_EMPTY_GROUP")).toBe(409);
    expect(statusOf("GROUP_ID_NOT_FOUND")).toBe(404);
    expect(statusOf("INVALID_SESSION_TIMEOUT")).toBe(400);
    expect(statusOf("INVALID_GROUP_ID")).toBe(400);
    expect(statusOf("UNKNOWN_SERVER_ERROR")).toBe(500);
    expect(statusOf("NOT_COORDINATOR")).toBe(500);
  });
});

describe("handle", () => {
  it("turns a handler that throws something unexpected into the error shape", async () => {
    /* An env whose namespaces fail the way a broken binding would. */
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const broken = {
        ...envWithoutAutoCreate(),
        CLUSTER_METADATA: {
          idFromName() {
            throw new TypeError("binding exploded");
          },
        },
      } as unknown as Parameters<typeof handle>[1];
      const res = await handle(new Request(`${BASE}/admin/topics`), broken);
      expect(await shape(res)).toEqual({
        status: 500,
        code: "UNKNOWN_SERVER_ERROR",
        message: "the server failed to answer this request",
      });
    } finally {
      log.mockRestore();
    }
  });
});

describe("Router", () => {
  const h = (name: string) => () => new Response(name);
  const routes: Route[] = [
    { method: "GET", path: "/", handler: h("root") },
    { method: "GET", path: "/a/:x", handler: h("get a") },
    { method: "DELETE", path: "/a/:x", handler: h("delete a") },
    { method: "POST", path: "/a/:x/b", handler: h("post b") },
    { method: "GET", path: "/a/:x/c/:y", handler: h("get c") },
  ];
  const router = new Router(routes);

  it("matches method and pattern, decoding parameters", () => {
    const m = router.match("GET", "/a/x%2Fy%20z/c/7");
    expect(m.kind).toBe("found");
    if (m.kind !== "found") return;
    expect(m.route.path).toBe("/a/:x/c/:y");
    expect([...m.params]).toEqual([
      ["x", "x/y z"],
      ["y", "7"],
    ]);
    expect(router.match("GET", "/").kind).toBe("found");
    const d = router.match("DELETE", "/a/q");
    expect(d.kind === "found" && d.route.method).toBe("DELETE");
    const head = router.match("HEAD", "/a/q");
    expect(head.kind === "found" && head.route.path + " " + head.route.method).toBe("/a/:x GET");
    expect(router.match("HEAD", "/a/q/b")).toEqual({ kind: "wrong-method", allow: ["POST"] });
  });

  it("tells a known path with another method from an unknown path", () => {
    expect(router.match("PUT", "/a/q")).toEqual({ kind: "wrong-method", allow: ["GET", "HEAD", "DELETE"] });
    expect(router.match("GET", "/a/q/b")).toEqual({ kind: "wrong-method", allow: ["POST"] });
    for (const path of ["/a", "/a/", "/a//b", "/a/q/b/", "/b/q", "/a/q/c", "//"]) {
      expect(router.match("GET", path), path).toEqual({ kind: "none" });
    }
  });

  it("refuses a parameter that is not valid percent-encoding", () => {
    expect(() => router.match("GET", "/a/%ZZ")).toThrow(KafdoError);
  });
});
