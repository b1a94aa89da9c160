/*
 * kafdo/kafkajs's admin, each answer compared with what the REST front says of the
 * same cluster (GET /admin/topics, /admin/topics/:t, /admin/topics/:t/offsets,
 * /admin/groups, /consumer-groups/:g/offsets), and its group offset changes checked
 * against the same rules (only an empty group; nothing changes on a refusal).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Kafka, KafkaJSDeleteGroupsError, KafkaJSProtocolError } from "kafdo/kafkajs";
import { get } from "../http/helpers";

let n = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("expected a rejection"),
    (e: unknown) => e,
  );
}

describe("kafdo/kafkajs admin", { timeout: 20_000 }, () => {
  const kafka = new Kafka({ clientId: "admin-test", env });

  it("creates, lists, describes, grows and deletes topics as REST sees them", async () => {
    const admin = kafka.admin();
    await admin.connect();
    const topic = unique("kjs-admin");
    expect(
      await admin.createTopics({
        topics: [{ topic, numPartitions: 2, configEntries: [{ name: "retention.ms", value: "3600000" }] }],
      }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(false);

    const listed = await admin.listTopics();
    expect(listed).toContain(topic);
    expect([...listed].sort()).toEqual([...(await get("/admin/topics")).body.topics].sort());

    const rest = (await get(`/admin/topics/${topic}`)).body;
    expect(rest.config["retention.ms"]).toBe("3600000");
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics).toHaveLength(1);
    expect(metadata.topics[0]!.name).toBe(topic);
    expect(metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader])).toEqual(
      rest.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader]),
    );

    expect(await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] })).toBe(true);
    expect((await get(`/admin/topics/${topic}`)).body.partitions).toHaveLength(3);

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
    expect((await get(`/admin/topics/${topic}`)).status).toBe(404);
    await admin.disconnect();
  });

  it("answers offsets, by time too, as REST does", async () => {
    const admin = kafka.admin();
    const topic = unique("kjs-offsets");
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    const t0 = 1_700_000_000_000;
    await producer.send({
      topic,
      messages: [0, 1, 2].map((i) => ({ value: `v${i}`, partition: 0, timestamp: String(t0 + i * 1000) })),
    });
    const offsets = await admin.fetchTopicOffsets(topic);
    const rest = (await get(`/admin/topics/${topic}/offsets`)).body.partitions;
    expect(offsets).toEqual(
      rest.map((p: { partition: number; earliest: number; latest: number }) => ({
        partition: p.partition,
        offset: String(p.latest),
        high: String(p.latest),
        low: String(p.earliest),
      })),
    );
    expect(offsets.find((o) => o.partition === 0)!.high).toBe("3");
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 1500);
    expect(byTime).toEqual([
      { partition: 0, offset: "2" },
      { partition: 1, offset: "0" },
    ]);
    /* Later than every record: the high watermark, as kafkajs answers. */
    expect((await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 60_000)).find((o) => o.partition === 0)!.offset).toBe(
      "3",
    );
  });

  it("lists, describes, sets, resets, fetches and deletes group offsets", async () => {
    const admin = kafka.admin();
    const topic = unique("kjs-groups");
    const groupId = unique("kjs-group");
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await kafka.producer().send({ topic, messages: [0, 1, 2, 3].map((i) => ({ value: `v${i}`, partition: i % 2 })) });

    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual([
      "-1",
      "-1",
    ]);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: "1" },
        { partition: 1, offset: "2" },
      ],
    });
    const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(fetched).toEqual([
      {
        topic,
        partitions: [
          { partition: 0, offset: "1", metadata: null },
          { partition: 1, offset: "2", metadata: null },
        ],
      },
    ]);
    const rest = (await get(`/consumer-groups/${groupId}/offsets`)).body.offsets;
    expect(rest.map((o: { partition: number; offset: number }) => [o.partition, String(o.offset)])).toEqual(
      fetched[0]!.partitions.map((p) => [p.partition, p.offset]),
    );

    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId, protocolType: "consumer" });
    expect(listed.groups.map((g) => g.groupId).sort()).toEqual(
      (await get("/admin/groups")).body.groups.map((g: { groupId: string }) => g.groupId).sort(),
    );
    const described = await admin.describeGroups([groupId, unique("never")]);
    expect(described.groups.map((g) => [g.state, g.members.length])).toEqual([
      ["Empty", 0],
      ["Dead", 0],
    ]);

    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual([
      "0",
      "0",
    ]);
    await admin.resetOffsets({ groupId, topic });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual([
      "2",
      "2",
    ]);

    /* A partition that does not exist: refused, and the other partition is unchanged. */
    const refused = await rejection(
      admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: "0" },
          { partition: 7, offset: "0" },
        ],
      }),
    );
    expect(refused).toBeInstanceOf(KafkaJSProtocolError);
    expect((refused as KafkaJSProtocolError).type).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual([
      "2",
      "2",
    ]);

    expect(await admin.deleteGroups([groupId])).toEqual([{ groupId, errorCode: 0 }]);
    expect((await admin.describeGroups([groupId])).groups[0]!.state).toBe("Dead");
    const notDeleted = await rejection(admin.deleteGroups([groupId]));
    expect(notDeleted).toBeInstanceOf(KafkaJSDeleteGroupsError);
    expect((notDeleted as KafkaJSDeleteGroupsError).groups.map((g) => g.groupId)).toEqual([groupId]);
  });
});
