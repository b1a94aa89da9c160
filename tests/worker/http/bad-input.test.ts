/*
 * Every kind of bad input to the REST API: the status and code it answers, and that
 * nothing stored changed (a snapshot of the topic before and after is equal).
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  call,
  createTopic,
  enc,
  envWithoutAutoCreate,
  expectError,
  get,
  post,
  snapshot,
  topicExists,
  topicName,
} from "./helpers";

const JSON_TYPE = { "content-type": "application/json" };

/* A topic with two partitions holding a few records, shared by the tests that must
 * leave it as it is. */
let topic: string;
let before: unknown;
beforeAll(async () => {
  topic = await createTopic(2);
  const res = await post(`/topics/${enc(topic)}/produce-batch`, {
    messages: [
      { key: "a", value: { n: 1 }, partition: 0 },
      { key: "b", value: [2], partition: 1, headers: { h: "v" } },
      { value: "three", partition: 0 },
    ],
  });
  expect(res.status).toBe(200);
  before = await snapshot(topic);
});

async function expectUnchanged(): Promise<void> {
  expect(await snapshot(topic)).toEqual(before);
}

async function refused(res: Promise<Answer>, status: number, code: string, messageContains?: string) {
  expectError(await res, status, code, messageContains);
  await expectUnchanged();
}

describe("produce: malformed bodies", () => {
  const produce = () => `/topics/${enc(topic)}/produce`;
  const raw = (body: BodyInit, headers: Record<string, string> = JSON_TYPE) =>
    call("POST", produce(), { raw: body, headers });

  it("malformed JSON is 400 INVALID_REQUEST", async () => {
    await refused(raw('{"value": '), 400, "INVALID_REQUEST", "not valid JSON");
    await refused(raw("{value: 1}"), 400, "INVALID_REQUEST", "not valid JSON");
    await refused(raw('{"value": 1} trailing'), 400, "INVALID_REQUEST", "not valid JSON");
  });

  it("an empty body is 400 INVALID_REQUEST", async () => {
    await refused(raw(""), 400, "INVALID_REQUEST", "empty");
    await refused(call("POST", produce(), { headers: JSON_TYPE }), 400, "INVALID_REQUEST", "empty");
  });

  it("a body that is not UTF-8 is 400 INVALID_REQUEST", async () => {
    await refused(raw(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])), 400, "INVALID_REQUEST", "UTF-8");
  });

  it("a body not sent as JSON is 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    await refused(raw('{"value": 1}', { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    await refused(raw('{"value": 1}', {}), 415, "UNSUPPORTED_MEDIA_TYPE");
    await refused(
      raw("value=1", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("takes application/json with a charset, and +json media types", async () => {
    const t = await createTopic();
    const path = `/topics/${enc(t)}/produce`;
    for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/vnd.kafdo+json"]) {
      const res = await call("POST", path, { raw: '{"value": 1}', headers: { "content-type": type } });
      expect(res.status, type).toBe(200);
    }
  });

  it("a body that is not an object is 400 INVALID_REQUEST", async () => {
    for (const body of ["[1, 2]", '"value"', "null", "7", "true"]) {
      await refused(raw(body), 400, "INVALID_REQUEST", "body must be a JSON object");
    }
  });

  it("a body of the wrong shape is 400 INVALID_REQUEST, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{}, "body.value is required"],
      [{ key: "k" }, "body.value is required"],
      [{ value: 1, vaule: 2 }, 'unknown field "vaule"'],
      [{ value: 1, key: 5 }, "body.key must be a string"],
      [{ value: 1, key: { a: 1 } }, "body.key must be a string"],
      [{ value: 1, headers: [] }, "body.headers must be a JSON object"],
      [{ value: 1, headers: "h" }, "body.headers must be a JSON object"],
      [{ value: 1, headers: { h: 1 } }, "body.headers.h must be a string"],
      [{ value: 1, headers: { h: { x: 1 } } }, "body.headers.h must be a string"],
      [{ value: 1, partition: -1 }, "body.partition must be an integer"],
      [{ value: 1, partition: 0.5 }, "body.partition must be an integer"],
      [{ value: 1, partition: "0" }, "body.partition must be an integer"],
      [{ value: 1, partition: null }, "body.partition must be an integer"],
      [{ value: 1, partition: 2 ** 31 }, "body.partition must be an integer"],
      [{ value: 1, timestamp: -5 }, "body.timestamp must be an integer"],
      [{ value: 1, timestamp: "now" }, "body.timestamp must be an integer"],
      [{ value: 1, timestamp: 1.5 }, "body.timestamp must be an integer"],
      [{ value: 1, timestamp: 2 ** 53 }, "body.timestamp must be an integer"],
    ];
    for (const [body, message] of cases) {
      await refused(post(produce(), body), 400, "INVALID_REQUEST", message);
    }
  });

  it("invalid base64 with encoding=base64 is 400 INVALID_REQUEST", async () => {
    const path = `${produce()}?encoding=base64`;
    const cases: [unknown, string][] = [
      [{ value: "not base64!" }, "body.value must be a base64 string"],
      [{ value: "YWJj ZA==" }, "body.value must be a base64 string"],
      [{ value: "YWJjZA" }, "body.value must be a base64 string"],
      [{ value: "YWJjZA=" }, "body.value must be a base64 string"],
      [{ value: "YW_jZA==" }, "body.value must be a base64 string"],
      [{ value: { json: true } }, "body.value must be a base64 string"],
      [{ value: 12 }, "body.value must be a base64 string"],
      [{ value: "", key: "%%%" }, "body.key must be a base64 string"],
      [{ value: "", headers: { h: "a" } }, "body.headers.h must be a base64 string"],
    ];
    for (const [body, message] of cases) {
      await refused(post(path, body), 400, "INVALID_REQUEST", message);
    }
  });

  it("bad query parameters are 400 INVALID_REQUEST", async () => {
    await refused(post(`${produce()}?encoding=hex`, { value: 1 }), 400, "INVALID_REQUEST", "encoding");
    await refused(post(`${produce()}?partition=1`, { value: 1 }), 400, "INVALID_REQUEST", '"partition"');
    await refused(
      post(`${produce()}?encoding=json&encoding=base64`, { value: 1 }),
      400,
      "INVALID_REQUEST",
      "more than once",
    );
  });

  it("a body over 8 MiB is 413 PAYLOAD_TOO_LARGE, by its Content-Length or while it is read", async () => {
    const big = new Uint8Array(8 * 1024 * 1024 + 1).fill(0x20);
    await refused(raw(big), 413, "PAYLOAD_TOO_LARGE");

    /* A stream has no Content-Length: the limit holds while reading. */
    let sent = 0;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 9) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await raw(stream);
    expect(sent).toBeLessThanOrEqual(9);
    expectError(res, 413, "PAYLOAD_TOO_LARGE");
    await expectUnchanged();
  });

  it("a body just under the limit is read", async () => {
    const t = await createTopic();
    const padding = " ".repeat(8 * 1024 * 1024 - 20);
    const ok = await call("POST", `/topics/${enc(t)}/produce`, { raw: `{"value": 1}${padding}`, headers: JSON_TYPE });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});

describe("produce: refused by Kafka's rules", () => {
  it("a partition the topic does not have is 404 UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await refused(post(`/topics/${enc(topic)}/produce`, { value: 1, partition: 2 }), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    await refused(
      post(`/topics/${enc(topic)}/produce-batch`, {
        messages: [
          { value: 1, partition: 0 },
          { value: 2, partition: 7 },
        ],
      }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });

  it("an invalid topic name is 400 INVALID_TOPIC_EXCEPTION, and no topic is created", async () => {
    for (const name of ["bad name", "a/b", "ü", "x".repeat(250), "a:b"]) {
      const res = await post(`/topics/${enc(name)}/produce`, { value: 1 });
      expectError(res, 400, "INVALID_TOPIC_EXCEPTION");
      expectError(await get(`/topics/${enc(name)}/partitions/0/messages`), 400, "INVALID_TOPIC_EXCEPTION");
      expect(await topicExists(name)).toBe(false);
    }
  });

  it("a message over the topic's max.message.bytes is 413 MESSAGE_TOO_LARGE, and nothing is stored", async () => {
    const small = await createTopic(1, { "max.message.bytes": "1000" });
    await post(`/topics/${enc(small)}/produce`, { value: "fits" });
    const was = await snapshot(small);

    const res = await post(`/topics/${enc(small)}/produce`, { value: "y".repeat(2000) });
    expectError(res, 413, "MESSAGE_TOO_LARGE");

    /* In a batch, the large message refuses the whole batch before anything is sent. */
    const batch = await post(`/topics/${enc(small)}/produce-batch`, {
      messages: [{ value: "ok-1" }, { value: "z".repeat(2000) }, { value: "ok-2" }],
    });
    expectError(batch, 413, "MESSAGE_TOO_LARGE");
    expect(await snapshot(small)).toEqual(was);
  });

  it("an unknown topic with auto-creation off is 404 UNKNOWN_TOPIC_OR_PARTITION, and is not created", async () => {
    const name = topicName("noauto");
    const env = envWithoutAutoCreate();
    const res = await call("POST", `/topics/${enc(name)}/produce`, { json: { value: 1 }, env });
    expectError(res, 404, "UNKNOWN_TOPIC_OR_PARTITION");
    const batch = await call("POST", `/topics/${enc(name)}/produce-batch`, { json: { messages: [{ value: 1 }] }, env });
    expectError(batch, 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await topicExists(name)).toBe(false);

    /* The same handler with auto-creation on creates it: the setting is what refused. */
    const on = await call("POST", `/topics/${enc(name)}/produce`, { json: { value: 1 } });
    expect(on.status).toBe(200);
    expect(await topicExists(name)).toBe(true);
  });
});

describe("produce-batch: malformed bodies", () => {
  const batch = () => `/topics/${enc(topic)}/produce-batch`;

  it("a body of the wrong shape is 400 INVALID_REQUEST", async () => {
    const cases: [unknown, string][] = [
      [{}, "body.messages must be an array"],
      [[{ value: 1 }], "body must be a JSON object"],
      [{ messages: { value: 1 } }, "body.messages must be an array"],
      [{ messages: [] }, "body.messages must hold 1 to 10000 items, not 0"],
      [{ messages: [{ value: 1 }], extra: true }, 'unknown field "extra"'],
      [{ messages: [1] }, "body.messages[0] must be a JSON object"],
      [{ messages: [{ value: 1 }, { value: 2 }, { key: "no value" }] }, "body.messages[2].value is required"],
      [{ messages: [{ value: 1 }, { value: 2, partition: -1 }] }, "body.messages[1].partition"],
    ];
    for (const [body, message] of cases) {
      await refused(post(batch(), body), 400, "INVALID_REQUEST", message);
    }
  });

  it("more than 10000 messages is 400 INVALID_REQUEST", async () => {
    const messages = Array.from({ length: 10001 }, () => ({ value: 0 }));
    await refused(post(batch(), { messages }), 400, "INVALID_REQUEST", "not 10001");
  });

  it("malformed JSON is 400 INVALID_REQUEST", async () => {
    await refused(call("POST", batch(), { raw: '{"messages": [', headers: JSON_TYPE }), 400, "INVALID_REQUEST");
  });
});

describe("read: bad path and query", () => {
  const read = (partition: string, query: string) =>
    get(`/topics/${enc(topic)}/partitions/${partition}/messages${query}`);

  it("a partition that is not a non-negative integer is 400 INVALID_REQUEST", async () => {
    for (const p of ["-1", "abc", "1.0", "1e2", "0x1", "2147483648", "%20", "+1"]) {
      await refused(read(p, ""), 400, "INVALID_REQUEST", "partition");
      await refused(get(`/topics/${enc(topic)}/partitions/${p}/offsets`), 400, "INVALID_REQUEST", "partition");
    }
  });

  it("a partition the topic does not have is 404 UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await refused(read("2", ""), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    await refused(get(`/topics/${enc(topic)}/partitions/2147483647/offsets`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("an unknown topic is 404 UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const name = topicName("unknown");
    expectError(await get(`/topics/${enc(name)}/partitions/0/messages`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await get(`/topics/${enc(name)}/partitions/0/offsets`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await topicExists(name)).toBe(false);
  });

  it("a negative or non-numeric offset is 400 INVALID_REQUEST", async () => {
    for (const o of ["-1", "abc", "1.5", "", "1e3", " 1", "9007199254740992"]) {
      await refused(read("0", `?offset=${enc(o)}`), 400, "INVALID_REQUEST", '"offset"');
    }
  });

  it("an offset past the high watermark is 416 OFFSET_OUT_OF_RANGE", async () => {
    await refused(read("0", "?offset=3"), 416, "OFFSET_OUT_OF_RANGE");
    await refused(read("1", "?offset=1000"), 416, "OFFSET_OUT_OF_RANGE");
  });

  it("a limit out of 1..10000 is 400 INVALID_REQUEST", async () => {
    for (const l of ["0", "10001", "-1", "many"]) {
      await refused(read("0", `?limit=${l}`), 400, "INVALID_REQUEST", '"limit"');
    }
    expect((await read("0", "?limit=10000")).status).toBe(200);
    expect((await read("0", "?limit=1")).body.messages).toHaveLength(1);
  });

  it("a maxBytes out of 1..16 MiB is 400 INVALID_REQUEST", async () => {
    for (const b of ["0", String(16 * 1024 * 1024 + 1), "1MB"]) {
      await refused(read("0", `?maxBytes=${b}`), 400, "INVALID_REQUEST", '"maxBytes"');
    }
  });

  it("an unknown encoding, an unknown parameter, or one given twice is 400 INVALID_REQUEST", async () => {
    await refused(read("0", "?encoding=utf8"), 400, "INVALID_REQUEST", '"encoding"');
    await refused(read("0", "?maxbytes=10"), 400, "INVALID_REQUEST", 'unknown query parameter "maxbytes"');
    await refused(read("0", "?offset=0&offset=1"), 400, "INVALID_REQUEST", "more than once");
    await refused(get(`/topics/${enc(topic)}/partitions/0/offsets?offset=1`), 400, "INVALID_REQUEST");
  });
});

describe("routing", () => {
  it("an unknown route is 404 NOT_FOUND", async () => {
    for (const path of ["/nope", "/topics", "/topics/x", "/admin/topics/", "/topics/x/produce/", "/admin//topics"]) {
      expectError(await get(path), 404, "NOT_FOUND", path);
    }
    expectError(await post("/topics//produce", { value: 1 }), 404, "NOT_FOUND");
  });

  it("a known path with the wrong method is 405 METHOD_NOT_ALLOWED, saying which methods it takes", async () => {
    const cases: [string, string, string][] = [
      ["GET", `/topics/${enc(topic)}/produce`, "POST"],
      ["PUT", "/admin/topics", "GET, HEAD, POST"],
      ["POST", `/admin/topics/${enc(topic)}`, "GET, HEAD, DELETE"],
      ["DELETE", `/topics/${enc(topic)}/partitions/0/messages`, "GET, HEAD"],
      ["POST", "/health", "GET, HEAD"],
      ["PATCH", "/consumer-groups/g/join", "POST"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(method, path);
      expectError(res, 405, "METHOD_NOT_ALLOWED");
      expect(res.headers.get("allow")).toBe(allow);
    }
    await expectUnchanged();
  });

  it("a path segment that is not valid percent-encoding is 400 INVALID_REQUEST", async () => {
    expectError(await get("/admin/topics/%E0%A4%A"), 400, "INVALID_REQUEST", "percent-encoding");
  });
});
