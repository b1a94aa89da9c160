/*
 * A consumer subscribed to a topic that does not exist yet gets nothing, and gets
 * the topic's records once it is created: the consumer looks at its subscribed
 * topics' partition counts every few seconds (METADATA_CHECK_MS) and rejoins when
 * they change, and the group then assigns the new partitions. Kept apart from
 * consumer.test.ts because it waits for that periodic look (about 5 s).
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createAdmin, createConsumer, createProducer } from "../../../worker/api";
import type { ConsumedRecord } from "../../../worker/api";

it("reads a subscribed topic once it is created", { timeout: 60000 }, async () => {
  const topic = `late-${Date.now()}`;
  const c = createConsumer(env, { groupId: `late-${Date.now()}`, heartbeatIntervalMs: 50, fromBeginning: true });
  try {
    await c.subscribe(topic);
    expect(await c.poll(0)).toEqual([]);
    expect(c.assignment()).toEqual([]);

    await createAdmin(env).createTopic({ topic, partitions: 2 });
    await createProducer(env).send({ topic, partition: 1, key: "first", value: { n: 1 } });
    let got: ConsumedRecord[] = [];
    for (let round = 0; round < 400 && got.length === 0; round++) got = await c.poll(50);
    expect(got.map((r) => [r.partition, r.offset, r.key, r.value])).toEqual([[1, 0, "first", { n: 1 }]]);
    expect(
      c
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1]);
  } finally {
    await c.close();
  }
});
