/*
 * kafkajs-examples.test.mjs — every example of the user's story
 * (/work/shared/spec/kafka-protocol-compat.md: unchanged kafkajs code against Kafdo) run
 * as written with kafkajs 2.2.4 against `wrangler dev` + `kafdo gateway`.
 *
 * What is substituted: the broker address (the relay's 127.0.0.1:<port> instead of
 * kafka.example.com.ai, and no `ssl: true`: the local relay speaks plain TCP), kafkajs's
 * log level (silenced), and `console.log` in eachMessage, which records what it would
 * print instead so the test can compare it with what was produced. `processMessage`,
 * which the manual-commit example leaves to the reader, records the message.
 *
 * "Exactly what was produced" is checked without sleeping: after the expected messages
 * arrive, a fence record is produced to every partition, and once the consumer has
 * delivered every fence, what it delivered before them is all it will ever deliver of
 * the earlier records (a partition is read in order).
 *
 * Run: node --test tests/interop/kafkajs-examples.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inbox, fence, isFence, newKafka, range, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const EVENTS_PARTITIONS = 16;

describe("the Kafka compatibility story's examples, with kafkajs", () => {
  let dev;
  let kafka;
  let producer;
  let admin;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    // Quick Start, with the broker address substituted:
    kafka = newKafka(dev);
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  it('Quick Start: producer.send to orders (a topic nobody created)', async () => {
    producer = kafka.producer();
    open.push(producer);
    await producer.connect();

    const result = await producer.send({
      topic: 'orders',
      messages: [{ key: 'order-123', value: JSON.stringify({ amount: 99.99 }) }],
    });

    assert.equal(result.length, 1, JSON.stringify(result));
    assert.equal(result[0].topicName, 'orders');
    assert.equal(result[0].errorCode, 0);
    assert.equal(result[0].baseOffset, '0');

    // The record is in Kafdo's log as sent: same key, same value bytes (JSON text).
    const page = await dev.api.read('orders', result[0].partition, 0);
    assert.equal(page.messages.length, 1, JSON.stringify(page));
    assert.equal(page.messages[0].key, 'order-123');
    assert.deepEqual(page.messages[0].value, { amount: 99.99 });
  });

  it("Creating Topics: admin.createTopics('events', 16 partitions)", async () => {
    admin = kafka.admin();
    open.push(admin);
    await admin.connect();

    const created = await admin.createTopics({
      topics: [{ topic: 'events', numPartitions: 16 }],
    });
    assert.equal(created, true);

    const { topics } = await admin.fetchTopicMetadata({ topics: ['events'] });
    assert.equal(topics.length, 1);
    assert.equal(topics[0].name, 'events');
    assert.deepEqual(
      topics[0].partitions.map((p) => p.partitionId).sort((a, b) => a - b),
      range(EVENTS_PARTITIONS),
    );
    for (const p of topics[0].partitions) assert.equal(p.leader, 0, `partition ${p.partitionId}'s leader`);

    const described = await dev.api.get('/admin/topics/events');
    assert.equal(described.partitions.length, EVENTS_PARTITIONS);
  });

  const produced = [];

  it('Producing Messages: a single message, then a batch in one round trip', async () => {
    // Single message
    const single = await producer.send({
      topic: 'events',
      messages: [{ key: 'user-123', value: JSON.stringify({ action: 'click' }) }],
    });

    // Batch (efficient - single round trip)
    const batch = await producer.send({
      topic: 'events',
      messages: [
        { key: 'user-123', value: JSON.stringify({ action: 'click' }) },
        { key: 'user-456', value: JSON.stringify({ action: 'purchase' }) },
      ],
    });

    produced.push(
      { key: 'user-123', value: '{"action":"click"}' },
      { key: 'user-123', value: '{"action":"click"}' },
      { key: 'user-456', value: '{"action":"purchase"}' },
    );

    for (const r of [...single, ...batch]) assert.equal(r.errorCode, 0, JSON.stringify(r));
    // The same key goes to the same partition (murmur2, as Kafka's Java client).
    const p123 = single[0].partition;
    assert.ok(
      batch.some((r) => r.partition === p123),
      JSON.stringify({ single, batch }),
    );

    // Kafdo holds exactly three records in 'events'.
    const offsets = await dev.api.get('/admin/topics/events/offsets');
    const total = offsets.partitions.reduce((n, p) => n + (p.latest - p.earliest), 0);
    assert.equal(total, 3, JSON.stringify(offsets));
    const withKey123 = await dev.api.readAll('events', p123, 0);
    assert.equal(withKey123.messages.filter((m) => m.key === 'user-123').length, 2);
  });

  it("Consuming Messages: consumer.run eachMessage, group 'analytics-service', fromBeginning", async () => {
    const inbox = new Inbox();

    const consumer = kafka.consumer({ groupId: 'analytics-service' });
    open.push(consumer);
    inbox.watch(consumer, 'analytics-service');
    await consumer.connect();
    await consumer.subscribe({ topic: 'events', fromBeginning: true });

    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        // console.log({ ... }) in the story; recorded here to be compared
        inbox.push({
          topic,
          partition,
          key: message.key?.toString(),
          value: message.value?.toString(),
          offset: message.offset,
        });
      },
    });

    await inbox.count(produced.length);
    const received = await fence(producer, inbox, 'events', range(EVENTS_PARTITIONS));

    const strip = (ms) => ms.map(({ key, value }) => ({ key, value })).sort(byKeyValue);
    assert.deepEqual(strip(received), strip(produced));
    // Each partition delivered in offset order from 0, once.
    for (const p of range(EVENTS_PARTITIONS)) {
      const offsets = received.filter((m) => m.partition === p).map((m) => Number(m.offset));
      assert.deepEqual(offsets, range(offsets.length), `partition ${p}: offsets ${offsets}`);
    }

    await consumer.disconnect();
    open.splice(open.indexOf(consumer), 1);

    // Consumer groups coordinate via a dedicated DO: the group exists, now empty.
    const group = await dev.api.get('/consumer-groups/analytics-service');
    assert.equal(group.state, 'Empty', JSON.stringify(group));
  });

  it('Offset Management: auto-commit (the default) commits what eachMessage processed', async () => {
    const inbox = new Inbox();
    // Auto-commit (default)
    const consumer = kafka.consumer({ groupId: 'my-service' });
    open.push(consumer);
    inbox.watch(consumer, 'my-service (auto-commit)');
    await consumer.connect();
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        inbox.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString(),
        });
      },
    });

    const high = await topicHighWatermarks(admin, 'events');
    const total = [...high.values()].reduce((a, b) => a + b, 0);
    await inbox.count(total);
    // Everything produced so far (the three records and the fences) was delivered once.
    assert.equal(inbox.messages.length, total);

    // disconnect() lets the running batch finish, and auto-commit commits after each batch.
    await consumer.disconnect();
    open.splice(open.indexOf(consumer), 1);

    const [committed] = await admin.fetchOffsets({ groupId: 'my-service', topics: ['events'] });
    assert.equal(committed.topic, 'events');
    for (const { partition, offset } of committed.partitions) {
      const h = high.get(partition);
      assert.equal(Number(offset), h > 0 ? h : -1, `partition ${partition}: committed ${offset}, high watermark ${h}`);
    }
    const rest = await dev.api.get('/consumer-groups/my-service/offsets');
    const restByPartition = new Map(
      rest.offsets.filter((o) => o.topic === 'events').map((o) => [o.partition, o.offset]),
    );
    for (const [p, h] of high)
      if (h > 0) assert.equal(restByPartition.get(p), h, `REST committed offset of partition ${p}`);
  });

  it('Offset Management: manual commitOffsets with autoCommit: false; a restarted consumer resumes after it', async () => {
    const TOPIC = 'payments';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
    const first = range(9).map((i) => ({ key: `pay-${i}`, value: JSON.stringify({ n: i }) }));
    await producer.send({ topic: TOPIC, messages: first });

    const processed = new Inbox();
    const processMessage = async (message) => {
      processed.push(message);
    };

    // Manual commit. As written: note that kafkajs takes `autoCommit` as an option of
    // run(), not of consumer(), which ignores it; so kafkajs also auto-commits after each
    // batch here. The example works all the same (it commits each message itself);
    // kafkajs-groups.test.mjs checks manual commits alone, with run({ autoCommit: false }).
    const consumer = kafka.consumer({ groupId: 'my-service', autoCommit: false });
    open.push(consumer);
    processed.watch(consumer, 'my-service (manual commit)');
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });

    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        await processMessage({ topic, partition, offset: message.offset, key: message.key, value: message.value });
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });

    // Each message is pushed before its commit: wait for the commit of the last one too,
    // which disconnect() does (it lets eachMessage finish).
    await processed.count(first.length);
    await consumer.disconnect();
    open.splice(open.indexOf(consumer), 1);
    assert.deepEqual(processed.messages.map((m) => m.key.toString()).sort(), first.map((m) => m.key).sort());

    const high = await topicHighWatermarks(admin, TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId: 'my-service', topics: [TOPIC] });
    for (const { partition, offset } of committed.partitions) {
      assert.equal(
        Number(offset),
        high.get(partition) > 0 ? high.get(partition) : -1,
        `partition ${partition}: committed ${offset}, high watermark ${high.get(partition)}`,
      );
    }

    // More records, then the same code restarted: it resumes after the committed offsets,
    // delivering the new records only.
    const second = range(6).map((i) => ({ key: `pay-late-${i}`, value: JSON.stringify({ n: 100 + i }) }));
    await producer.send({ topic: TOPIC, messages: second });

    const again = new Inbox();
    const restarted = kafka.consumer({ groupId: 'my-service', autoCommit: false });
    open.push(restarted);
    again.watch(restarted, 'my-service (restarted)');
    await restarted.connect();
    await restarted.subscribe({ topic: TOPIC, fromBeginning: true });
    await restarted.run({
      eachMessage: async ({ topic, partition, message }) => {
        again.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString(),
        });
        await restarted.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
    await again.count(second.length);
    const received = await fence(producer, again, TOPIC, range(3));
    assert.deepEqual(received.map((m) => m.key).sort(), second.map((m) => m.key).sort());
    for (const m of received) {
      assert.ok(Number(m.offset) >= (high.get(m.partition) ?? 0), `redelivered ${JSON.stringify(m)}`);
    }
    assert.ok(!again.messages.some((m) => !isFence(m) && first.some((f) => f.key === m.key)));
  });
});

function byKeyValue(a, b) {
  return `${a.key}\u0000${a.value}`.localeCompare(`${b.key}\u0000${b.value}`);
}

/* partition -> high watermark, from kafkajs's ListOffsets. */
async function topicHighWatermarks(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}
