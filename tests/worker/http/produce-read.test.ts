/*
 * The REST API's produce, read and offsets endpoints against real Durable Object
 * SQLite: what goes in comes back, byte for byte, in both read encodings.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, b64, createTopic, enc, get, post, topicExists, topicName, unb64, utf8 } from "./helpers";

const messagesPath = (topic: string, partition = 0, query = "") =>
  `/topics/${enc(topic)}/partitions/${partition}/messages${query}`;

describe("POST /topics/:topic/produce", () => {
  it("stores JSON values as their UTF-8 JSON text and reads them back as JSON", async () => {
    const topic = await createTopic();
    const values = [
      { a: 1, nested: { list: [1, "two", null, true] } },
      [1, 2, 3],
      "hi",
      42,
      -1.5,
      true,
      false,
      'héllo ☃ 😀 \u0000 "quoted"',
      {},
    ];
    for (const [i, value] of values.entries()) {
      const res = await post(`/topics/${enc(topic)}/produce`, { value });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ topic, partition: 0, offset: i, timestamp: expect.any(Number) });
    }

    const read = await get(messagesPath(topic));
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m: { value: unknown }) => m.value)).toEqual(values);
    for (const m of read.body.messages) {
      expect(m).not.toHaveProperty("valueBase64");
      expect(m.key).toBeNull();
      expect(m.headers).toEqual({});
    }

    const raw = await get(messagesPath(topic, 0, "?encoding=base64"));
    const stored = raw.body.messages.map((m: { value: string }) => new TextDecoder().decode(unb64(m.value)));
    expect(stored).toEqual(values.map((v) => JSON.stringify(v)));
    expect(stored[2]).toBe('"hi"');
  });

  it("stores a null value as null (a tombstone), not as the text null", async () => {
    const topic = await createTopic();
    expect((await post(`/topics/${enc(topic)}/produce`, { key: "k", value: null })).status).toBe(200);
    const json = await get(messagesPath(topic));
    expect(json.body.messages[0].value).toBeNull();
    const raw = await get(messagesPath(topic, 0, "?encoding=base64"));
    expect(raw.body.messages[0].value).toBeNull();
    expect(raw.body.messages[0].key).toBe(b64("k"));
  });

  it("stores keys and header values as UTF-8, null as null, and the timestamp given", async () => {
    const topic = await createTopic();
    const headers = { trace: "abc-123", "content-type": "application/json", empty: "", nil: null, ü: "ö☃" };
    const res = await post(`/topics/${enc(topic)}/produce`, {
      key: "user-ü-42",
      value: { n: 1 },
      headers,
      timestamp: 1_700_000_000_123,
    });
    expect(res.status).toBe(200);
    expect(res.body.timestamp).toBe(1_700_000_000_123);

    const read = await get(messagesPath(topic));
    expect(read.body.messages).toEqual([
      { offset: 0, timestamp: 1_700_000_000_123, key: "user-ü-42", value: { n: 1 }, headers },
    ]);

    const raw = await get(messagesPath(topic, 0, "?encoding=base64"));
    const m = raw.body.messages[0];
    expect(unb64(m.key)).toEqual(utf8("user-ü-42"));
    expect(unb64(m.headers["ü"])).toEqual(utf8("ö☃"));
    expect(m.headers.nil).toBeNull();
    expect(m.headers.empty).toBe("");
  });

  it("keeps a header named __proto__ as an ordinary header", async () => {
    const topic = await createTopic();
    const body = '{"value": 1, "headers": {"__proto__": "p", "x": "y"}}';
    const res = await post(`/topics/${enc(topic)}/produce`, undefined, {
      raw: body,
      headers: { "content-type": "application/json" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const read = await get(messagesPath(topic));
    const h = read.body.messages[0].headers;
    expect(Object.keys(h).sort()).toEqual(["__proto__", "x"]);
    expect(Object.getOwnPropertyDescriptor(h, "__proto__")?.value).toBe("p");
  });

  it("keeps a leading byte order mark in a key", async () => {
    const topic = await createTopic();
    await post(`/topics/${enc(topic)}/produce`, { key: "\uFEFFk", value: 1 });
    const read = await get(messagesPath(topic));
    expect(read.body.messages[0].key).toBe("\uFEFFk");
    const raw = await get(messagesPath(topic, 0, "?encoding=base64"));
    expect([...unb64(raw.body.messages[0].key)]).toEqual([0xef, 0xbb, 0xbf, 0x6b]);
  });

  it("with encoding=base64 stores raw bytes, which read back byte-identical", async () => {
    const topic = await createTopic();
    const key = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    const header = new Uint8Array([0xc3, 0x28]);
    const res = await post(`/topics/${enc(topic)}/produce?encoding=base64`, {
      key: b64(key),
      value: b64(value),
      headers: { bin: b64(header), text: b64("plain"), nil: null },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const raw = await get(messagesPath(topic, 0, "?encoding=base64"));
    const m = raw.body.messages[0];
    expect(unb64(m.key)).toEqual(key);
    expect(unb64(m.value)).toEqual(value);
    expect(unb64(m.headers.bin)).toEqual(header);
    expect(m.headers.nil).toBeNull();

    /* encoding=json shows what is not UTF-8 (JSON) in the base64 fields. */
    const json = await get(messagesPath(topic));
    const j = json.body.messages[0];
    expect(j).not.toHaveProperty("key");
    expect(j).not.toHaveProperty("value");
    expect(j.keyBase64).toBe(b64(key));
    expect(j.valueBase64).toBe(b64(value));
    expect(j.headers).toEqual({ text: "plain", nil: null });
    expect(j.headersBase64).toEqual({ bin: b64(header) });
  });

  it("shows a UTF-8 value that is not JSON text in valueBase64, and an empty value too", async () => {
    const topic = await createTopic();
    await post(`/topics/${enc(topic)}/produce?encoding=base64`, { key: b64("k"), value: b64("hello") });
    await post(`/topics/${enc(topic)}/produce?encoding=base64`, { value: "" });
    await post(`/topics/${enc(topic)}/produce?encoding=base64`, { value: b64('{"ok":true}') });
    const read = await get(messagesPath(topic));
    const [text, empty, jsonText] = read.body.messages;
    expect(text.key).toBe("k");
    expect(text.valueBase64).toBe(b64("hello"));
    expect(text).not.toHaveProperty("value");
    expect(empty.valueBase64).toBe("");
    expect(jsonText.value).toEqual({ ok: true });
  });

  it("sends a keyed message to the partition its key hashes to, every time", async () => {
    const topic = await createTopic(8);
    const partitions = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const res = await post(`/topics/${enc(topic)}/produce`, { key: "same-key", value: i });
      partitions.add(res.body.partition);
    }
    expect(partitions.size).toBe(1);
    const [partition] = [...partitions];
    const read = await get(messagesPath(topic, partition));
    expect(read.body.messages.map((m: { value: number }) => m.value)).toEqual([0, 1, 2, 3]);
  });

  it("writes to the partition given", async () => {
    const topic = await createTopic(3);
    const res = await post(`/topics/${enc(topic)}/produce`, { value: "x", partition: 2 });
    expect(res.body).toMatchObject({ topic, partition: 2, offset: 0 });
    expect((await get(`/topics/${enc(topic)}/partitions/2/offsets`)).body).toEqual({
      topic,
      partition: 2,
      earliest: 0,
      latest: 1,
      lastStableOffset: 1,
    });
    expect((await get(`/topics/${enc(topic)}/partitions/0/offsets`)).body.latest).toBe(0);
  });

  it("creates an unknown topic with one partition when auto-creation is on", async () => {
    const topic = topicName("auto");
    expect(await topicExists(topic)).toBe(false);
    const res = await post(`/topics/${enc(topic)}/produce`, { value: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ topic, partition: 0, offset: 0 });
    const described = await get(`/admin/topics/${enc(topic)}`);
    expect(described.body.partitions).toEqual([{ partition: 0, leader: 0 }]);
  });
});

describe("POST /topics/:topic/produce-batch", () => {
  it("answers the records' metadata in the order of the messages", async () => {
    const topic = await createTopic(3);
    const messages = [
      { value: "a", partition: 1 },
      { value: "b", partition: 0 },
      { value: "c", partition: 1 },
      { value: "d", partition: 2 },
      { value: "e", partition: 1 },
      { value: "f", partition: 0, timestamp: 5 },
    ];
    const res = await post(`/topics/${enc(topic)}/produce-batch`, { messages });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r: { partition: number; offset: number }) => [r.partition, r.offset])).toEqual([
      [1, 0],
      [0, 0],
      [1, 1],
      [2, 0],
      [1, 2],
      [0, 1],
    ]);
    expect(res.body.results[5]).toEqual({ topic, partition: 0, offset: 1, timestamp: 5 });

    const p1 = await get(messagesPath(topic, 1));
    expect(p1.body.messages.map((m: { value: string }) => m.value)).toEqual(["a", "c", "e"]);
    const p0 = await get(messagesPath(topic, 0));
    expect(p0.body.messages.map((m: { value: string }) => m.value)).toEqual(["b", "f"]);
  });

  it("continues offsets across batches", async () => {
    const topic = await createTopic();
    const first = await post(`/topics/${enc(topic)}/produce-batch`, { messages: [{ value: 0 }, { value: 1 }] });
    const second = await post(`/topics/${enc(topic)}/produce-batch`, {
      messages: [{ value: 2 }, { value: 3 }, { value: 4 }],
    });
    expect(first.body.results.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    expect(second.body.results.map((r: { offset: number }) => r.offset)).toEqual([2, 3, 4]);
    const read = await get(messagesPath(topic));
    expect(read.body.messages.map((m: { offset: number; value: number }) => [m.offset, m.value])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
  });

  it("takes base64 messages", async () => {
    const topic = await createTopic();
    const bytes = [new Uint8Array([0, 1, 2]), new Uint8Array([0xff])];
    const res = await post(`/topics/${enc(topic)}/produce-batch?encoding=base64`, {
      messages: bytes.map((b) => ({ value: b64(b) })),
    });
    expect(res.status).toBe(200);
    const read = await get(messagesPath(topic, 0, "?encoding=base64"));
    expect(read.body.messages.map((m: { value: string }) => unb64(m.value))).toEqual(bytes);
  });

  it("splits a batch larger than a SQLite row (2 MB) into stored batches, all readable in order", async () => {
    const topic = await createTopic();
    const big = "x".repeat(300_000);
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: `${i}:${big}` }));
    const res = await post(`/topics/${enc(topic)}/produce-batch`, { messages });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body.results.map((r: { offset: number }) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const read = await get(messagesPath(topic, 0, "?maxBytes=16777216"));
    expect(read.status).toBe(200);
    expect(read.body.messages.map((m: { value: string }) => m.value)).toEqual(messages.map((m) => m.value));
    expect(read.body.nextOffset).toBe(10);
  });
});

describe("GET /topics/:topic/partitions/:partition/messages", () => {
  async function topicOfTen(): Promise<string> {
    const topic = await createTopic();
    for (let i = 0; i < 10; i++) {
      expect((await post(`/topics/${enc(topic)}/produce`, { key: `k${i}`, value: i })).status).toBe(200);
    }
    return topic;
  }

  it("reads from offset 0 with the default limit, and tells the partition's offsets", async () => {
    const topic = await topicOfTen();
    const read = await get(messagesPath(topic));
    expect(read.body).toMatchObject({ topic, partition: 0, logStartOffset: 0, highWatermark: 10, nextOffset: 10 });
    expect(read.body.messages.map((m: { offset: number }) => m.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(read.body.messages[3]).toEqual({
      offset: 3,
      timestamp: expect.any(Number),
      key: "k3",
      value: 3,
      headers: {},
    });
  });

  it("reads from an offset, at most limit records", async () => {
    const topic = await topicOfTen();
    const read = await get(messagesPath(topic, 0, "?offset=3&limit=4"));
    expect(read.body.messages.map((m: { value: number }) => m.value)).toEqual([3, 4, 5, 6]);
    expect(read.body.nextOffset).toBe(7);
    const next = await get(messagesPath(topic, 0, `?offset=${read.body.nextOffset}&limit=100`));
    expect(next.body.messages.map((m: { value: number }) => m.value)).toEqual([7, 8, 9]);
  });

  it("reads at least one batch, but not much more than maxBytes", async () => {
    const topic = await topicOfTen();
    const one = await get(messagesPath(topic, 0, "?maxBytes=1"));
    expect(one.body.messages.map((m: { offset: number }) => m.offset)).toEqual([0]);
    expect(one.body.nextOffset).toBe(1);
    const all = await get(messagesPath(topic, 0, "?maxBytes=16777216"));
    expect(all.body.messages).toHaveLength(10);
  });

  it("answers no messages at the high watermark, with nextOffset the offset asked for", async () => {
    const topic = await topicOfTen();
    const read = await get(messagesPath(topic, 0, "?offset=10"));
    expect(read.status).toBe(200);
    expect(read.body.messages).toEqual([]);
    expect(read.body.nextOffset).toBe(10);
    const empty = await createTopic();
    const none = await get(messagesPath(empty));
    expect(none.body).toEqual({
      topic: empty,
      partition: 0,
      logStartOffset: 0,
      highWatermark: 0,
      nextOffset: 0,
      messages: [],
    });
  });

  /* The answer's text, unparsed: what is checked here is what a client receives. */
  async function readText(path: string): Promise<{ status: number; text: string }> {
    const res = await exports.default.fetch(new Request(BASE + path));
    return { status: res.status, text: await res.text() };
  }

  it("shows a JSON value as its stored text, so a number past 2^53 keeps every digit", async () => {
    const topic = await createTopic();
    const stored = ['{"id":9007199254740993}', " [1.50, 1e400, -0]\n", "123456789012345678901234567890"];
    for (const value of stored) {
      expect((await post(`/topics/${enc(topic)}/produce?encoding=base64`, { value: b64(value) })).status).toBe(200);
    }
    const read = await readText(messagesPath(topic));
    expect(read.status).toBe(200);
    for (const [offset, value] of stored.entries()) {
      expect(read.text).toContain(`{"offset":${offset},"timestamp":`);
      expect(read.text).toContain(`"value":${value},"headers":{}}`);
    }
    expect(JSON.parse(read.text).messages).toHaveLength(3);
  });

  it("reads a JSON value nested 200000 deep (too deep for Response.json) as it was stored", async () => {
    const topic = await createTopic();
    const depth = 200_000;
    const deep = "[".repeat(depth) + "]".repeat(depth);
    const produced = await post(`/topics/${enc(topic)}/produce?encoding=base64`, { value: b64(deep) });
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    await post(`/topics/${enc(topic)}/produce`, { value: { after: true } });

    const read = await readText(messagesPath(topic));
    expect(read.status, read.text.slice(0, 200)).toBe(200);
    expect(read.text).toContain(`"value":${deep},"headers":{}}`);
    expect(read.text).toContain(`"value":{"after":true}`);
    expect((await get(messagesPath(topic, 0, "?offset=1"))).body.messages[0].value).toEqual({ after: true });
  });

  it("does not create the topic it reads", async () => {
    const topic = topicName("noread");
    const res = await get(messagesPath(topic));
    expect(res.status).toBe(404);
    expect(await topicExists(topic)).toBe(false);
  });
});

describe("offsets", () => {
  it("GET /topics/:topic/partitions/:partition/offsets follows produces", async () => {
    const topic = await createTopic(2);
    const path = `/topics/${enc(topic)}/partitions/1/offsets`;
    expect((await get(path)).body).toEqual({ topic, partition: 1, earliest: 0, latest: 0, lastStableOffset: 0 });
    await post(`/topics/${enc(topic)}/produce-batch`, {
      messages: [
        { value: 1, partition: 1 },
        { value: 2, partition: 1 },
        { value: 3, partition: 0 },
      ],
    });
    expect((await get(path)).body).toEqual({ topic, partition: 1, earliest: 0, latest: 2, lastStableOffset: 2 });
  });

  it("GET /admin/topics/:topic/offsets lists every partition in order", async () => {
    const topic = await createTopic(3);
    await post(`/topics/${enc(topic)}/produce-batch`, {
      messages: [
        { value: 1, partition: 2 },
        { value: 2, partition: 2 },
        { value: 3, partition: 0 },
      ],
    });
    const res = await get(`/admin/topics/${enc(topic)}/offsets`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      topic,
      partitions: [
        { partition: 0, earliest: 0, latest: 1 },
        { partition: 1, earliest: 0, latest: 0 },
        { partition: 2, earliest: 0, latest: 2 },
      ],
    });
  });
});
