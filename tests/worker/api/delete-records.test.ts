/*
 * DeleteRecords on the doors inside workerd, against real Durable Object SQLite: the
 * in-Worker admin (all or one KafdoError naming each refused partition), REST's
 * POST /admin/topics/:topic/delete-records, kafdo/client, the service binding, and
 * the Kafka API's handler (kafka/delete-records.ts) given decoded requests as the
 * codec makes them.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KafdoClient, KafdoClientError } from "kafdo/client";
import { createAdmin, createProducer, partitionOffsets, readPartition } from "../../../worker/api";
import type { Env } from "../../../worker/env";
import { KafkaCode } from "../../../worker/common/errors";
import { deleteRecords as kafkaDeleteRecords } from "../../../worker/kafka/delete-records";
import type { KafkaContext, RequestOf } from "../../../worker/kafka/context";
import { expectKafdoError } from "../helpers";
import { enc, expectError, post } from "../http/helpers";

let topics = 0;
const fresh = (prefix = "dr") => `${prefix}-${Date.now()}-${topics++}`;

/* A topic of `partitions` partitions, each holding `count` records. */
async function topicWith(partitions: number, count: number): Promise<string> {
  const topic = fresh();
  await createAdmin(env).createTopic({ topic, partitions });
  const producer = createProducer(env);
  for (let partition = 0; partition < partitions; partition++) {
    await producer.sendBatch(Array.from({ length: count }, (_, i) => ({ topic, partition, value: `v${i}` })));
  }
  await producer.close();
  return topic;
}

const earliest = async (topic: string, partition: number) => (await partitionOffsets(env, topic, partition)).earliest;

describe("admin.deleteRecords", () => {
  it("raises each partition's low watermark, in parallel; -1 is the high watermark; a lower offset changes nothing", async () => {
    const topic = await topicWith(3, 10);
    const admin = createAdmin(env);
    expect(
      await admin.deleteRecords(topic, [
        { partition: 2, offset: 7 },
        { partition: 0, offset: 4 },
        { partition: 1, offset: -1 },
      ]),
    ).toEqual([
      { partition: 2, lowWatermark: 7 },
      { partition: 0, lowWatermark: 4 },
      { partition: 1, lowWatermark: 10 },
    ]);
    expect(await admin.listOffsets(topic)).toEqual(
      new Map([
        [0, { earliest: 4, latest: 10 }],
        [1, { earliest: 10, latest: 10 }],
        [2, { earliest: 7, latest: 10 }],
      ]),
    );
    expect((await readPartition(env, topic, 0, { offset: 4 })).records[0]!.offset).toBe(4);
    await expectKafdoError(() => readPartition(env, topic, 0, { offset: 3 }), "OFFSET_OUT_OF_RANGE");
    /* Below the low watermark: nothing changes, the answer is the watermark. */
    expect(await admin.deleteRecords(topic, [{ partition: 0, offset: 2 }])).toEqual([
      { partition: 0, lowWatermark: 4 },
    ]);
    expect(await admin.deleteRecords(topic, [])).toEqual([]);
  });

  it("refuses an unknown topic or partition before deleting anything", async () => {
    const topic = await topicWith(2, 5);
    const admin = createAdmin(env);
    await expectKafdoError(
      () => admin.deleteRecords(fresh("nope"), [{ partition: 0, offset: 1 }]),
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    const e = await expectKafdoError(
      () =>
        admin.deleteRecords(topic, [
          { partition: 0, offset: 3 },
          { partition: 2, offset: 1 },
        ]),
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(e.message).toContain("partition 2");
    expect(await earliest(topic, 0)).toBe(0);
  });

  it("names every partition refused with OFFSET_OUT_OF_RANGE; the others are done, as in Kafka", async () => {
    const topic = await topicWith(3, 5);
    const e = await expectKafdoError(
      () =>
        createAdmin(env).deleteRecords(topic, [
          { partition: 0, offset: 6 },
          { partition: 1, offset: 2 },
          { partition: 2, offset: -2 },
        ]),
      "OFFSET_OUT_OF_RANGE",
    );
    expect(e.message).toMatch(/partition 0: OFFSET_OUT_OF_RANGE: .*partition 2: OFFSET_OUT_OF_RANGE/);
    expect(e.message).toContain("the records of partitions 1 were deleted");
    expect([await earliest(topic, 0), await earliest(topic, 1), await earliest(topic, 2)]).toEqual([0, 2, 0]);
  });

  it("refuses a malformed request: a partition twice, an offset that is not an integer", async () => {
    const topic = await topicWith(1, 5);
    const admin = createAdmin(env);
    await expectKafdoError(
      () =>
        admin.deleteRecords(topic, [
          { partition: 0, offset: 1 },
          { partition: 0, offset: 2 },
        ]),
      "INVALID_REQUEST",
    );
    await expectKafdoError(() => admin.deleteRecords(topic, [{ partition: 0, offset: 1.5 }]), "INVALID_REQUEST");
    await expectKafdoError(() => admin.deleteRecords(topic, {} as never), "INVALID_REQUEST");
    expect(await earliest(topic, 0)).toBe(0);
  });
});

describe("POST /admin/topics/:topic/delete-records", () => {
  it("answers the topic and every partition's low watermark", async () => {
    const topic = await topicWith(2, 6);
    const res = await post(`/admin/topics/${enc(topic)}/delete-records`, {
      partitions: [
        { partition: 1, offset: 5 },
        { partition: 0, offset: -1 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      topic,
      partitions: [
        { partition: 1, lowWatermark: 5 },
        { partition: 0, lowWatermark: 6 },
      ],
    });
    expect(await earliest(topic, 1)).toBe(5);
  });

  it("answers 416, 404 and 400 in the JSON error shape", async () => {
    const topic = await topicWith(1, 3);
    const path = `/admin/topics/${enc(topic)}/delete-records`;
    expectError(
      await post(path, { partitions: [{ partition: 0, offset: 4 }] }),
      416,
      "OFFSET_OUT_OF_RANGE",
      "partition 0",
    );
    expectError(await post(path, { partitions: [{ partition: 1, offset: 1 }] }), 404, "UNKNOWN_TOPIC_OR_PARTITION");
    expectError(
      await post(`/admin/topics/${enc(fresh("nope"))}/delete-records`, { partitions: [{ partition: 0, offset: 1 }] }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expectError(await post(path, { partitions: [] }), 400, "INVALID_REQUEST", "body.partitions");
    expectError(
      await post(path, { partitions: [{ partition: 0 }] }),
      400,
      "INVALID_REQUEST",
      "body.partitions[0].offset",
    );
    expectError(
      await post(path, { partitions: [{ partition: -1, offset: 1 }] }),
      400,
      "INVALID_REQUEST",
      "body.partitions[0].partition",
    );
    expectError(await post(path, { partitions: [{ partition: 0, offset: "1" }] }), 400, "INVALID_REQUEST");
    expectError(
      await post(path, { partitions: [{ partition: 0, offset: 1, extra: 1 }] }),
      400,
      "INVALID_REQUEST",
      "extra",
    );
    expectError(await post(path, { offsets: [] }), 400, "INVALID_REQUEST");
    expect(await earliest(topic, 0)).toBe(0);
  });
});

describe("kafdo/client and the service binding", () => {
  it("admin.deleteRecords over HTTP, and its refusal as a KafdoClientError", async () => {
    const topic = await topicWith(1, 4);
    const client = new KafdoClient({
      baseUrl: "http://kafdo.test",
      fetch: (input, init) => exports.default.fetch(input, init),
    });
    expect(await client.admin().deleteRecords(topic, [{ partition: 0, offset: 3 }])).toEqual([
      { partition: 0, lowWatermark: 3 },
    ]);
    const refused = await client
      .admin()
      .deleteRecords(topic, [{ partition: 0, offset: 9 }])
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KafdoClientError);
    expect((refused as KafdoClientError).code).toBe("OFFSET_OUT_OF_RANGE");
    expect((refused as KafdoClientError).kafkaCode).toBe(KafkaCode.OFFSET_OUT_OF_RANGE);
  });

  it("KafdoService.deleteRecords", async () => {
    const topic = await topicWith(1, 4);
    const caller = (
      env as unknown as {
        CALLER: { call(method: string, ...args: unknown[]): Promise<{ ok: boolean; value: unknown }> };
      }
    ).CALLER;
    const outcome = await caller.call("deleteRecords", topic, [{ partition: 0, offset: 2 }]);
    expect(outcome).toMatchObject({ ok: true, value: [{ partition: 0, lowWatermark: 2 }] });
  });
});

describe("the Kafka API's DeleteRecords handler", () => {
  const ctx: KafkaContext = { env: env as unknown as Env, broker: { nodeId: 0, host: "127.0.0.1", port: 9092 } };
  const request = (topics: object[]): RequestOf<"DeleteRecords"> =>
    ({
      apiKey: 21,
      apiVersion: 1,
      correlationId: 1,
      clientId: "t",
      body: { topics, timeoutMs: 5000 },
    }) as unknown as RequestOf<"DeleteRecords">;

  it("answers each partition's low watermark or its error, -1 with it", async () => {
    const topic = await topicWith(2, 5);
    const missing = fresh("nope");
    const answer = await kafkaDeleteRecords(
      ctx,
      request([
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, offset: 3 },
            { partitionIndex: 1, offset: 6 },
            { partitionIndex: 2, offset: 1 },
            /* beyond 2^53 the codec gives the int64 as a string */
            { partitionIndex: 1, offset: "9007199254740993" },
          ],
        },
        { name: missing, partitions: [{ partitionIndex: 0, offset: -1 }] },
      ]),
    );
    expect(answer).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, lowWatermark: 3, errorCode: 0 },
            { partitionIndex: 1, lowWatermark: -1, errorCode: KafkaCode.OFFSET_OUT_OF_RANGE },
            { partitionIndex: 2, lowWatermark: -1, errorCode: KafkaCode.UNKNOWN_TOPIC_OR_PARTITION },
            { partitionIndex: 1, lowWatermark: -1, errorCode: KafkaCode.OFFSET_OUT_OF_RANGE },
          ],
        },
        {
          name: missing,
          partitions: [{ partitionIndex: 0, lowWatermark: -1, errorCode: KafkaCode.UNKNOWN_TOPIC_OR_PARTITION }],
        },
      ],
    });
    expect([await earliest(topic, 0), await earliest(topic, 1)]).toEqual([3, 0]);
  });
});
