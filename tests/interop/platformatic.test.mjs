/*
 * platformatic.test.mjs — @platformatic/kafka (a newer pure-JS client that asks
 * ApiVersions v3 first and picks, per API, the highest version both sides support)
 * against `wrangler dev` + `kafdo gateway`: admin createTopics, a producer with keys
 * and headers, a consumer group reading from the earliest offset, and what it reads
 * back over REST.
 *
 * Run: node --test tests/interop/platformatic.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { startDev } from '../e2e/harness.mjs';

describe('@platformatic/kafka through kafdo gateway', () => {
  let dev;
  const closers = [];

  before(async () => {
    dev = await startDev({ gateway: true });
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await dev?.stop({ removePersistDir: true });
  });

  it('creates a topic, produces with keys and headers, and consumes them in a group', async () => {
    const bootstrapBrokers = [dev.kafkaBroker];
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers });
    closers.push(() => admin.close());
    await admin.createTopics({ topics: ['plt'], partitions: 3, replicas: 1 });
    const metadata = await admin.metadata({ topics: ['plt'] });
    assert.equal(metadata.topics.get('plt').partitionsCount, 3);

    const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers, serializers: stringSerializers });
    closers.push(() => producer.close());
    const sent = [];
    for (let i = 0; i < 30; i++) {
      sent.push({
        topic: 'plt',
        key: `user-${i}`,
        value: JSON.stringify({ n: i }),
        headers: { source: `web-${i % 2}` },
      });
    }
    const { offsets } = await producer.send({ messages: sent });
    assert.ok(offsets.length > 0, 'offsets for the partitions written');

    const consumer = new Consumer({
      groupId: 'plt-group',
      clientId: 'plt-consumer',
      bootstrapBrokers,
      deserializers: stringDeserializers,
      sessionTimeout: 10000,
      heartbeatInterval: 500,
    });
    closers.push(() => consumer.close(true));
    const stream = await consumer.consume({ autocommit: true, topics: ['plt'], mode: 'earliest' });
    const got = [];
    for await (const m of stream) {
      got.push({ key: m.key, value: m.value, source: m.headers.get('source'), partition: m.partition });
      if (got.length === sent.length) break;
    }
    await stream.close();
    const byKey = (a, b) => a.key.localeCompare(b.key);
    assert.deepEqual(
      got.map(({ key, value, source }) => ({ key, value, source })).sort(byKey),
      sent.map((m) => ({ key: m.key, value: m.value, source: m.headers.source })).sort(byKey),
    );

    /* The same records through the REST door. */
    let rest = 0;
    for (let p = 0; p < 3; p++) {
      const r = await fetch(`${dev.baseUrl}/topics/plt/partitions/${p}/messages?offset=0&limit=100`);
      assert.equal(r.status, 200);
      const body = await r.json();
      for (const rec of body.messages) {
        const original = sent.find((m) => m.key === rec.key);
        assert.ok(original, `REST shows a record produced by the client: ${JSON.stringify(rec)}`);
        assert.deepEqual(rec.value, JSON.parse(original.value));
        assert.deepEqual(rec.headers, original.headers);
        rest++;
      }
    }
    assert.equal(rest, sent.length);
  });
});
