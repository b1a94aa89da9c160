/*
 * Changing a topic's configs while it lives, in workerd against real DO SQLite: the
 * in-Worker admin's alterConfigs (incremental by default, `replace` for Kafka's
 * AlterConfigs, validateOnly), PATCH and PUT /admin/topics/:topic/configs, and
 * retention following a change at once on a partition that gets no append after it
 * (the alteration hands the configs to every partition and sets its alarm to now).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createAdmin, createProducer, partitionOffsets } from "../../../worker/api";
import { partitionStub } from "../../../worker/durable-objects/addressing";
import { batchOf, expectKafdoError, runDueAlarms } from "../helpers";
import { call, createTopic, enc, expectError, get, snapshot, topicName } from "../http/helpers";

const HOUR = 3_600_000;
/* Every config at its default: what a topic created with none describes (Kafka's whole
 * topic-config list, so no test lists it again). */
let DEFAULTS: Record<string, string> = {};
beforeAll(async () => {
  const admin = createAdmin(env);
  const name = `defaults-${Date.now()}`;
  await admin.createTopic({ topic: name, partitions: 1 });
  DEFAULTS = (await admin.describeTopic(name)).config;
});

const patch = (topic: string, json: unknown) => call("PATCH", `/admin/topics/${enc(topic)}/configs`, { json });
const put = (topic: string, json: unknown) => call("PUT", `/admin/topics/${enc(topic)}/configs`, { json });

describe("admin.alterConfigs", () => {
  it("changes only the configs given; null returns one to its default", async () => {
    const admin = createAdmin(env);
    const topic = topicName("alter");
    await admin.createTopic({ topic, config: { "retention.ms": "86400000", "cleanup.policy": "compact" } });

    const altered = await admin.alterConfigs(topic, { "retention.bytes": "5000", "cleanup.policy": null });
    expect(altered.config).toEqual({ ...DEFAULTS, "retention.ms": "86400000", "retention.bytes": "5000" });
    expect((await admin.describeTopic(topic)).config).toEqual(altered.config);
  });

  it("with replace, makes the configs given the whole set", async () => {
    const admin = createAdmin(env);
    const topic = topicName("alter");
    await admin.createTopic({ topic, config: { "retention.ms": "86400000", "cleanup.policy": "compact" } });

    const altered = await admin.alterConfigs(topic, { "retention.bytes": 5000 }, { replace: true });
    expect(altered.config).toEqual({ ...DEFAULTS, "retention.bytes": "5000" });
    expect((await admin.describeTopic(topic)).config).toEqual(altered.config);
  });

  it("with validateOnly, answers what would be and keeps nothing", async () => {
    const admin = createAdmin(env);
    const topic = topicName("alter");
    await admin.createTopic({ topic });
    const would = await admin.alterConfigs(topic, { "retention.ms": "1000" }, { validateOnly: true });
    expect(would.config["retention.ms"]).toBe("1000");
    expect((await admin.describeTopic(topic)).config).toEqual(DEFAULTS);
    await expectKafdoError(
      () => admin.alterConfigs(topic, { "retention.ms": "soon" }, { validateOnly: true }),
      "INVALID_CONFIG",
    );
  });

  it("refuses a bad value or an unknown name and changes nothing at all", async () => {
    const admin = createAdmin(env);
    const topic = topicName("alter");
    await admin.createTopic({ topic, config: { "retention.ms": "86400000" } });
    await expectKafdoError(
      () => admin.alterConfigs(topic, { "retention.bytes": "10", "retention.ms": "soon" }),
      "INVALID_CONFIG",
    );
    await expectKafdoError(
      () => admin.alterConfigs(topic, { "retention.bytes": "10", "segment.bytes": "1" }),
      "INVALID_CONFIG",
    );
    await expectKafdoError(
      () => admin.alterConfigs(topic, { "max.message.bytes": "3000000" }, { replace: true }),
      "INVALID_CONFIG",
    );
    expect((await admin.describeTopic(topic)).config).toEqual({ ...DEFAULTS, "retention.ms": "86400000" });
    await expectKafdoError(
      () => admin.alterConfigs(topicName("missing"), { "retention.ms": "1" }),
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });

  it("takes effect on every partition at once: records past the new retention.ms go without another append", async () => {
    const admin = createAdmin(env);
    const topic = topicName("alter-live");
    const { topicId } = await admin.createTopic({ topic, partitions: 3 });
    const producer = createProducer(env);
    for (let partition = 0; partition < 3; partition++) {
      await producer.sendBatch([
        { topic, partition, value: "old-0", timestamp: Date.now() - 3 * HOUR },
        { topic, partition, value: "old-1", timestamp: Date.now() - 3 * HOUR },
      ]);
      await producer.sendBatch([{ topic, partition, value: "new", timestamp: Date.now() }]);
    }
    await producer.close();
    /* Kept under the default week. */
    for (let partition = 0; partition < 3; partition++) {
      await runDueAlarms(topicId, partition);
      expect(await partitionOffsets(env, topic, partition)).toMatchObject({ earliest: 0, latest: 3 });
    }

    await admin.alterConfigs(topic, { "retention.ms": String(HOUR) });
    /* An append from an isolate whose metadata cache still holds the old configs does
     * not bring them back. */
    const stale = JSON.stringify(DEFAULTS);
    await partitionStub(env, topicId, 0).append([batchOf(1, "late", Date.now())], 1048588, stale);
    for (let partition = 0; partition < 3; partition++) {
      await runDueAlarms(topicId, partition);
      expect(await partitionOffsets(env, topic, partition)).toMatchObject({
        earliest: 2,
        latest: partition === 0 ? 4 : 3,
      });
    }
  });
});

describe("PATCH and PUT /admin/topics/:topic/configs", () => {
  it("PATCH changes the configs named (null: the default); PUT replaces the set", async () => {
    const topic = await createTopic(2, { "retention.ms": "86400000", "cleanup.policy": "compact" });

    const patched = await patch(topic, { configs: { "retention.bytes": "5000", "cleanup.policy": null } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.topic).toBe(topic);
    expect(patched.body.partitions).toHaveLength(2);
    expect(patched.body.config).toEqual({ ...DEFAULTS, "retention.ms": "86400000", "retention.bytes": "5000" });
    expect((await get(`/admin/topics/${enc(topic)}`)).body.config).toEqual(patched.body.config);

    const replaced = await put(topic, { configs: { "cleanup.policy": "compact,delete" } });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.config).toEqual({ ...DEFAULTS, "cleanup.policy": "compact,delete" });

    const checked = await patch(topic, { configs: { "retention.ms": "1" }, validateOnly: true });
    expect(checked.status).toBe(200);
    expect(checked.body.config["retention.ms"]).toBe("1");
    expect((await get(`/admin/topics/${enc(topic)}`)).body.config).toEqual(replaced.body.config);
  });

  it("refuses bad configs and bad bodies with the error shape, changing nothing", async () => {
    const topic = await createTopic(1, { "retention.ms": "86400000" });
    const before = await snapshot(topic);
    expectError(await patch(topic, { configs: { "retention.ms": "soon" } }), 400, "INVALID_CONFIG", "retention.ms");
    expectError(await put(topic, { configs: { "segment.bytes": "1" } }), 400, "INVALID_CONFIG", "segment.bytes");
    expectError(
      await patch(topic, { configs: { "retention.ms": 1000 } }),
      400,
      "INVALID_REQUEST",
      "body.configs.retention.ms",
    );
    expectError(await patch(topic, { configs: ["retention.ms"] }), 400, "INVALID_REQUEST", "body.configs");
    expectError(await patch(topic, {}), 400, "INVALID_REQUEST", "body.configs");
    expectError(await patch(topic, { configs: {}, validateOnly: "yes" }), 400, "INVALID_REQUEST", "validateOnly");
    expectError(await patch(topic, { configs: {}, extra: 1 }), 400, "INVALID_REQUEST", "extra");
    expect(await snapshot(topic)).toEqual(before);
    expectError(
      await patch(topicName("missing"), { configs: { "retention.ms": "1" } }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });
});
