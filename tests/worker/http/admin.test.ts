/*
 * /admin/topics over REST against the real ClusterMetadataDO: create, list,
 * describe, add partitions, delete, and every refusal leaving the topics as they
 * were.
 */
import { describe, expect, it } from "vitest";
import {
  type Answer,
  call,
  createTopic,
  enc,
  expectError,
  get,
  post,
  snapshot,
  topicExists,
  topicName,
} from "./helpers";

describe("admin topics", () => {
  it("creates, lists, describes, grows and deletes a topic", async () => {
    const topic = topicName("crud");
    const created = await post("/admin/topics", {
      topic,
      partitions: 2,
      config: { "retention.ms": "3600000", "cleanup.policy": "delete" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get("location")).toBe(`/admin/topics/${topic}`);
    expect(created.body).toEqual({
      topic,
      topicId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      partitions: [
        { partition: 0, leader: 0 },
        { partition: 1, leader: 0 },
      ],
      config: expect.objectContaining({ "retention.ms": "3600000", "cleanup.policy": "delete" }),
      createdAt: expect.any(Number),
    });
    expect(created.body.config["max.message.bytes"]).toBe("1048588");

    const list = await get("/admin/topics");
    expect(list.status).toBe(200);
    expect(list.body.topics).toContain(topic);

    const described = await get(`/admin/topics/${enc(topic)}`);
    expect(described.status).toBe(200);
    expect(described.body).toEqual(created.body);

    const grown = await post(`/admin/topics/${enc(topic)}/partitions`, { count: 5 });
    expect(grown.status, JSON.stringify(grown.body)).toBe(200);
    expect(grown.body.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    expect(grown.body.topicId).toBe(created.body.topicId);
    expect((await get(`/admin/topics/${enc(topic)}`)).body.partitions).toHaveLength(5);
    expect((await post(`/topics/${enc(topic)}/produce`, { value: 1, partition: 4 })).status).toBe(200);

    const deleted = await call("DELETE", `/admin/topics/${enc(topic)}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe("");
    expectError(await get(`/admin/topics/${enc(topic)}`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await topicExists(topic)).toBe(false);
  });

  it("creates a topic with one partition and default configs when only the name is given", async () => {
    const topic = topicName("defaults");
    const created = await post("/admin/topics", { topic });
    expect(created.status).toBe(201);
    expect(created.body.partitions).toEqual([{ partition: 0, leader: 0 }]);
  });

  it("a topic deleted and created again starts empty", async () => {
    const topic = await createTopic();
    await post(`/topics/${enc(topic)}/produce`, { value: "old" });
    const first = (await get(`/admin/topics/${enc(topic)}`)).body.topicId;
    expect((await call("DELETE", `/admin/topics/${enc(topic)}`)).status).toBe(204);
    await createTopic(1, undefined, topic);
    expect((await get(`/admin/topics/${enc(topic)}`)).body.topicId).not.toBe(first);
    const read = await get(`/topics/${enc(topic)}/partitions/0/messages`);
    expect(read.body.messages).toEqual([]);
    expect(read.body.highWatermark).toBe(0);
  });

  it("takes topic names that need percent-encoding in paths as they are", async () => {
    const topic = `dots.and_under-${Date.now()}`;
    await createTopic(1, undefined, topic);
    expect((await get(`/admin/topics/${enc(topic)}`)).body.topic).toBe(topic);
    expect((await get(`/admin/topics/${topic.replace(/\./g, "%2E")}`)).body.topic).toBe(topic);
  });
});

describe("admin: bad input", () => {
  async function refusedUnchanged(topic: string, res: Promise<Answer>, status: number, code: string, msg?: string) {
    const was = await snapshot(topic);
    expectError(await res, status, code, msg);
    expect(await snapshot(topic)).toEqual(was);
  }

  it("creating a topic that exists is 409 TOPIC_ALREADY_EXISTS, and the topic is unchanged", async () => {
    const topic = await createTopic(2);
    await post(`/topics/${enc(topic)}/produce`, { value: 1, partition: 1 });
    await refusedUnchanged(topic, post("/admin/topics", { topic, partitions: 4 }), 409, "TOPIC_ALREADY_EXISTS");
  });

  it("shrinking partitions, or asking for as many as there are, is 400 INVALID_PARTITIONS", async () => {
    const topic = await createTopic(3);
    await post(`/topics/${enc(topic)}/produce`, { value: 1, partition: 2 });
    for (const count of [1, 2, 3, 0, -1]) {
      await refusedUnchanged(
        topic,
        post(`/admin/topics/${enc(topic)}/partitions`, { count }),
        400,
        "INVALID_PARTITIONS",
      );
    }
  });

  it("more partitions than the limit is 400 INVALID_PARTITIONS", async () => {
    const topic = await createTopic(1);
    await refusedUnchanged(
      topic,
      post(`/admin/topics/${enc(topic)}/partitions`, { count: 257 }),
      400,
      "INVALID_PARTITIONS",
    );
    const name = topicName("many");
    expectError(await post("/admin/topics", { topic: name, partitions: 257 }), 400, "INVALID_PARTITIONS");
    expectError(await post("/admin/topics", { topic: name, partitions: 0 }), 400, "INVALID_PARTITIONS");
    expectError(await post("/admin/topics", { topic: name, partitions: -3 }), 400, "INVALID_PARTITIONS");
    expect(await topicExists(name)).toBe(false);
  });

  it("an invalid topic name is 400 INVALID_TOPIC_EXCEPTION, and nothing is created", async () => {
    const names = ["", ".", "..", "a/b", "has space", "x".repeat(250), "tab\t", "ü"];
    for (const name of names) {
      expectError(await post("/admin/topics", { topic: name }), 400, "INVALID_TOPIC_EXCEPTION");
    }
    const topics = (await get("/admin/topics")).body.topics as string[];
    for (const name of names) expect(topics).not.toContain(name);
  });

  it("a name of 249 valid characters is taken", async () => {
    const name = `${topicName("long")}-`.padEnd(249, "x");
    expect((await post("/admin/topics", { topic: name })).status).toBe(201);
  });

  it("an unknown or invalid config is 400 INVALID_CONFIG, and nothing is created", async () => {
    const name = topicName("config");
    const cases: Record<string, string>[] = [
      { "no.such.config": "1" },
      { "retention.ms": "soon" },
      { "cleanup.policy": "shred" },
      { "max.message.bytes": "-1" },
      /* A record batch is one SQLite row, which holds 2 MB. */
      { "max.message.bytes": "10485760" },
    ];
    for (const config of cases) {
      expectError(await post("/admin/topics", { topic: name, config }), 400, "INVALID_CONFIG");
    }
    expect(await topicExists(name)).toBe(false);
  });

  it("a name or config entry over 65535 bytes is 400 INVALID_REQUEST, naming the limit, and nothing is created", async () => {
    const name = topicName("huge");
    const huge = "x".repeat(70000);
    const bodies = [
      { topic: huge },
      { topic: name, config: { "retention.ms": huge } },
      { topic: name, config: { [huge]: "1" } },
    ];
    for (const body of bodies) {
      expectError(await post("/admin/topics", body), 400, "INVALID_REQUEST", "65535");
    }
    const topics = (await get("/admin/topics")).body.topics as string[];
    expect(topics).not.toContain(name);
    expect(topics).not.toContain(huge);
  });

  it("a create body of the wrong shape is 400 INVALID_REQUEST, and nothing is created", async () => {
    const name = topicName("shape");
    const cases: [unknown, string][] = [
      [{}, "body.topic must be a string"],
      [{ topic: 5 }, "body.topic must be a string"],
      [{ name }, 'unknown field "name"'],
      [{ topic: name, partitions: "3" }, "body.partitions must be an integer"],
      [{ topic: name, partitions: 1.5 }, "body.partitions must be an integer"],
      [{ topic: name, partitions: 2 ** 32 + 1 }, "body.partitions must be an integer"],
      [{ topic: name, config: [] }, "body.config must be a JSON object"],
      [{ topic: name, config: { "retention.ms": 1000 } }, "body.config.retention.ms must be a string"],
      [[name], "body must be a JSON object"],
    ];
    for (const [body, message] of cases) {
      expectError(await post("/admin/topics", body), 400, "INVALID_REQUEST", message);
    }
    expectError(
      await call("POST", "/admin/topics", {
        raw: `{"topic": "${name}"`,
        headers: { "content-type": "application/json" },
      }),
      400,
      "INVALID_REQUEST",
      "not valid JSON",
    );
    expect(await topicExists(name)).toBe(false);
  });

  it("an add-partitions body of the wrong shape is 400 INVALID_REQUEST, and the topic is unchanged", async () => {
    const topic = await createTopic(2);
    const path = `/admin/topics/${enc(topic)}/partitions`;
    for (const body of [{}, { count: "4" }, { count: 3.5 }, { count: 4, extra: 1 }, { partitions: 4 }, []]) {
      await refusedUnchanged(topic, post(path, body), 400, "INVALID_REQUEST");
    }
    await refusedUnchanged(
      topic,
      call("POST", path, { raw: "{", headers: { "content-type": "application/json" } }),
      400,
      "INVALID_REQUEST",
    );
    await refusedUnchanged(
      topic,
      call("POST", path, { raw: '{"count": 4}', headers: {} }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("an unknown topic is 404 UNKNOWN_TOPIC_OR_PARTITION on every topic endpoint", async () => {
    const name = topicName("ghost");
    expectError(await get(`/admin/topics/${enc(name)}`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await call("DELETE", `/admin/topics/${enc(name)}`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await post(`/admin/topics/${enc(name)}/partitions`, { count: 3 }), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(await get(`/admin/topics/${enc(name)}/offsets`), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expect(await topicExists(name)).toBe(false);
  });

  it("query parameters are refused on admin endpoints", async () => {
    const topic = await createTopic();
    await refusedUnchanged(topic, get(`/admin/topics/${enc(topic)}?verbose=1`), 400, "INVALID_REQUEST");
    await refusedUnchanged(topic, call("DELETE", `/admin/topics/${enc(topic)}?force=true`), 400, "INVALID_REQUEST");
  });
});
