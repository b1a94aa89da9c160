/*
 * lifecycle.test.mjs — the log's lifecycle seen by unchanged Kafka clients: a compacted
 * topic read from the beginning by kafkajs and kcat shows the latest value of every key at
 * its original offset; a topic with a short retention.ms loses its old records and a
 * kafkajs consumer starting from the beginning resets to the new log start.
 *
 * wrangler dev runs with KAFDO_RETENTION_CHECK_INTERVAL_MS=200, so the partitions look for
 * what to remove every 200 ms rather than Kafka's five minutes.
 *
 * Run: node --test tests/interop/lifecycle.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newKafka, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';
import { consumeToEnd } from './kcat.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls `check` until it returns true, or fails after `ms`. */
async function eventually(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await sleep(200);
  }
}

/* Every record of one partition from the beginning, through a kafkajs consumer of a new group. */
async function consumeAll(kafka, topic, expected) {
  const consumer = kafka.consumer({ groupId: `lifecycle-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  let resolve;
  const done = new Promise((r) => (resolve = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen.push({
        offset: Number(message.offset),
        key: message.key?.toString(),
        value: message.value?.toString() ?? null,
      });
      if (seen.length >= expected) resolve();
    },
  });
  await Promise.race([done, sleep(20_000)]);
  await consumer.disconnect();
  return seen;
}

describe('the log lifecycle through Kafka clients', () => {
  let dev;
  let kafka;
  let admin;
  let producer;

  before(async () => {
    dev = await startKafdo({ vars: { KAFDO_RETENTION_CHECK_INTERVAL_MS: '200' } });
    kafka = newKafka(dev, { clientId: 'interop-lifecycle' });
    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  it('a compacted topic keeps the latest value of every key at its offset, for kafkajs and kcat', async () => {
    const topic = 'compacted-users';
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '100' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    /* Three rounds over four keys, one send each (offsets 0..11); then user-2 deleted (12). */
    for (let round = 0; round < 3; round++) {
      await producer.send({
        topic,
        messages: [0, 1, 2, 3].map((k) => ({ key: `user-${k}`, value: `v${round}`, partition: 0 })),
      });
    }
    await producer.send({ topic, messages: [{ key: 'user-2', value: null, partition: 0 }] });
    /* A keyless record is refused, as Kafka refuses it on a compacted topic. */
    const once = kafka.producer({ retry: { retries: 0 } });
    await once.connect();
    await assert.rejects(once.send({ topic, messages: [{ value: 'no key', partition: 0 }] }));
    await once.disconnect();

    const expected = [
      { offset: 8, key: 'user-0', value: 'v2' },
      { offset: 9, key: 'user-1', value: 'v2' },
      { offset: 11, key: 'user-3', value: 'v2' },
      { offset: 12, key: 'user-2', value: null },
    ];
    await eventually('compaction', async () => {
      const rest = await dev.api.get(`/topics/${topic}/partitions/0/messages?offset=0&limit=100`);
      const got = rest.messages.map((m) => m.offset);
      return JSON.stringify(got) === JSON.stringify(expected.map((e) => e.offset)) || got;
    });

    const viaKafkajs = await consumeAll(kafka, topic, expected.length);
    assert.deepEqual(viaKafkajs, expected);

    const viaKcat = await consumeToEnd(dev.kafkaBroker, topic, { partition: 0 });
    assert.deepEqual(
      viaKcat.map((r) => ({ offset: r.offset, key: r.key, value: r.payload })),
      expected,
    );
    /* The table view: one lookup per key. */
    const user1 = await dev.api.get(`/topics/${topic}/keys/user-1?partition=0`);
    assert.equal(user1.offset, 9);
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(
      offsets.map((o) => [o.low, o.high]),
      [['0', '13']],
    );
  });

  it('a short retention.ms removes old records; a consumer from the beginning starts at the new log start', async () => {
    const topic = 'short-retention';
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
    });
    const old = Date.now() - 3_600_000;
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({
        key: `k${i}`,
        value: `old-${i}`,
        timestamp: String(old),
        partition: 0,
      })),
    });
    await producer.send({
      topic,
      messages: Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, value: `new-${i}`, partition: 0 })),
    });
    await eventually('retention', async () => {
      const [o] = await admin.fetchTopicOffsets(topic);
      return o.low === '5' || o;
    });
    const seen = await consumeAll(kafka, topic, 3);
    assert.deepEqual(
      seen.map((r) => [r.offset, r.value]),
      [
        [5, 'new-0'],
        [6, 'new-1'],
        [7, 'new-2'],
      ],
    );
    const kcatSeen = await consumeToEnd(dev.kafkaBroker, topic, { partition: 0 });
    assert.deepEqual(
      kcatSeen.map((r) => r.offset),
      [5, 6, 7],
    );
  });
});
