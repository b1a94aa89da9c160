/*
 * Group offset resets, inside workerd: POST /admin/groups/:groupId/offsets/reset and
 * the in-Worker admin's resetGroupOffsets. Each spec lands where Kafka's
 * kafka-consumer-groups --reset-offsets lands (clamped to the log), a dry run
 * commits nothing, and every refusal — a group with a member (409 NON_EMPTY_GROUP),
 * a malformed spec (400), an unknown topic or partition (404) — leaves the group's
 * offsets exactly as they were.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAdmin, createProducer } from "../../../worker/api";
import { groupStub } from "../../../worker/durable-objects/addressing";
import { expectKafdoError } from "../helpers";
import { createTopic, enc, expectError, get, post } from "../http/helpers";

let n = 0;
const groupName = () => `reset-${Date.now().toString(36)}-${n++}`;

/* A topic of 2 partitions: 10 records on partition 0 (timestamps T0 + i s), 4 on 1;
 * the group has committed 6 on partition 0 and left. */
const T0 = 1_700_000_000_000;
async function setup(): Promise<{ topic: string; groupId: string }> {
  const topic = await createTopic(2);
  const producer = createProducer(env);
  for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: `v${i}`, timestamp: T0 + i * 1000 });
  for (let i = 0; i < 4; i++) await producer.send({ topic, partition: 1, value: `w${i}`, timestamp: T0 });
  const groupId = groupName();
  const stub = groupStub(env, groupId);
  const m = await stub.join(groupId, {
    clientId: "c",
    topics: [topic],
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 60000,
  });
  await stub.commit(groupId, m.memberId, m.generationId, [{ topic, partition: 0, offset: 6 }]);
  await stub.leave(groupId, m.memberId);
  return { topic, groupId };
}

async function committed(groupId: string): Promise<unknown> {
  const res = await get(`/consumer-groups/${enc(groupId)}/offsets`);
  expect(res.status).toBe(200);
  return res.body.offsets.map((o: { partition: number; offset: number }) => [o.partition, o.offset]);
}

const reset = (groupId: string, body: unknown) => post(`/admin/groups/${enc(groupId)}/offsets/reset`, body);

describe("POST /admin/groups/:groupId/offsets/reset", () => {
  it("resets to earliest, latest, a time, an offset and by a shift, clamped to the log", async () => {
    const { topic, groupId } = await setup();
    const cases: [unknown, number[], [number, number][]?][] = [
      ["earliest", [0, 0]],
      ["latest", [10, 4]],
      [{ timestamp: T0 + 3500 }, [4, 4]] /* partition 1 has no record that late: its end */,
      [{ offset: 7 }, [7, 4]] /* 7 is past partition 1's end: clamped */,
      [{ shiftBy: -2 }, [5, 2]],
      [{ shiftBy: 100 }, [10, 4]],
    ];
    for (const [to, expected] of cases) {
      const res = await reset(groupId, { topic, to });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({
        groupId,
        dryRun: false,
        offsets: [
          { topic, partition: 0, offset: expected[0] },
          { topic, partition: 1, offset: expected[1] },
        ],
      });
      expect(await committed(groupId)).toEqual([
        [0, expected[0]],
        [1, expected[1]],
      ]);
    }
    /* Only the partitions named. */
    const one = await reset(groupId, { topic, partitions: [1], to: "earliest" });
    expect(one.body.offsets).toEqual([{ topic, partition: 1, offset: 0 }]);
    expect(await committed(groupId)).toEqual([
      [0, 10],
      [1, 0],
    ]);
    /* The group's lag follows. */
    const described = await get(`/admin/groups/${enc(groupId)}`);
    expect(described.body.offsets.map((o: { lag: number }) => o.lag)).toEqual([0, 4]);
  });

  it("answers a dry run without committing", async () => {
    const { topic, groupId } = await setup();
    const res = await reset(groupId, { topic, to: "earliest", dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect(res.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([0, 0]);
    expect(await committed(groupId)).toEqual([[0, 6]]);
  });

  it("refuses a group with a member (409 NON_EMPTY_GROUP), dry run or not, and changes nothing", async () => {
    const { topic, groupId } = await setup();
    const stub = groupStub(env, groupId);
    await stub.join(groupId, { clientId: "c", topics: [topic], sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000 });
    for (const dryRun of [false, true]) {
      expectError(await reset(groupId, { topic, to: "earliest", dryRun }), 409, "NON_EMPTY_GROUP", "1 live members");
    }
    expect(await committed(groupId)).toEqual([[0, 6]]);
  });

  it("refuses malformed specs with 400 and unknown topics or partitions with 404, changing nothing", async () => {
    const { topic, groupId } = await setup();
    const bad: [unknown, string][] = [
      [{ topic, to: "beginning" }, "to must be"],
      [{ topic, to: { offset: -1 } }, "to.offset must be an integer >= 0"],
      [{ topic, to: { offset: 1.5 } }, "to.offset"],
      [{ topic, to: { timestamp: "yesterday" } }, "to.timestamp"],
      [{ topic, to: { offset: 1, shiftBy: 2 } }, "to must be"],
      /* The body's shape is the endpoint's schema's to check (http/validate.ts words it). */
      [{ topic }, "body.to is required"],
      [{ to: "earliest" }, "topic must be a string"],
      [{ topic, to: "earliest", partitions: [] }, "body.partitions must hold at least 1 item(s)"],
      [{ topic, to: "earliest", partitions: [0, 0] }, "listed twice"],
      [{ topic, to: "earliest", partitions: [-1] }, "partitions[0]"],
      [{ topic, to: "earliest", dryRun: "yes" }, "body.dryRun must be true or false"],
      [{ topic, to: "earliest", extra: 1 }, "extra"],
      /* Partition 1 has nothing committed: a shift is refused for both. */
      [{ topic, to: { shiftBy: 1 } }, `cannot shift ${topic}-1`],
    ];
    for (const [body, message] of bad) expectError(await reset(groupId, body), 400, "INVALID_REQUEST", message);
    expectError(
      await reset(groupId, { topic: "no-such-topic-reset", to: "earliest" }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expectError(
      await reset(groupId, { topic, partitions: [0, 2], to: "earliest" }),
      404,
      "UNKNOWN_TOPIC_OR_PARTITION",
      "partition 2",
    );
    expectError(await reset("", { topic, to: "earliest" }), 404, "NOT_FOUND");
    expect(await committed(groupId)).toEqual([[0, 6]]);
  });
});

describe("createAdmin(env).resetGroupOffsets", () => {
  it("resets as REST does, and throws the same KafdoErrors", async () => {
    const { topic, groupId } = await setup();
    const admin = createAdmin(env);
    expect(await admin.resetGroupOffsets(groupId, { topic, to: { shiftBy: -6 }, partitions: [0] })).toEqual({
      groupId,
      dryRun: false,
      offsets: [{ topic, partition: 0, offset: 0 }],
    });
    await expectKafdoError(() => admin.resetGroupOffsets(groupId, { topic, to: { offset: -3 } }), "INVALID_REQUEST");
    /* Without the REST schema in front, the API checks the request's shape itself. */
    const malformed: [unknown, string][] = [
      [{ topic }, "to must be"],
      [{ topic, to: "earliest", partitions: [] }, "partitions must be a non-empty array"],
      [{ topic, to: "earliest", dryRun: "yes" }, "dryRun must be a boolean"],
      [{ topic, to: "earliest", extra: 1 }, "extra"],
    ];
    for (const [request, message] of malformed) {
      const e = await expectKafdoError(() => admin.resetGroupOffsets(groupId, request as never), "INVALID_REQUEST");
      expect(e.message).toContain(message);
    }
    await expectKafdoError(() => admin.resetGroupOffsets("", { topic, to: "latest" }), "INVALID_GROUP_ID");
    await expectKafdoError(
      () => admin.resetGroupOffsets(groupId, { topic: "nope-reset", to: "latest" }),
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(await committed(groupId)).toEqual([[0, 0]]);
  });
});
