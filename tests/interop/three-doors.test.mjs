/*
 * three-doors.test.mjs — one log, three doors. A record produced by kafkajs through the
 * gateway reads back over REST with the same key, value, headers and timestamp, byte for
 * byte (?encoding=base64) and readably (?encoding=json); a record produced over REST is
 * consumed by kafkajs identically; a key goes to the same partition whichever door it
 * came through (murmur2 in kafkajs's default partitioner and in Kafdo's core). The
 * in-Worker door reads through the same core and is covered by the vitest suite.
 *
 * Run: node --test tests/interop/three-doors.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inbox, captured, fence, newKafka, range, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const TOPIC = 'doors';
const P = 16;
const b64 = (buf) => Buffer.from(buf).toString('base64');

describe('one log, three doors', () => {
  let dev;
  let kafka;
  let producer;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-doors' });
    producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    await dev.api.createTopic(TOPIC, P);
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  /* The one message at (partition, offset) over REST. */
  async function restMessage(partition, offset, encoding) {
    const q = new URLSearchParams({ offset: String(offset), limit: '1', encoding });
    const page = await dev.api.get(`/topics/${TOPIC}/partitions/${partition}/messages?${q}`);
    assert.equal(page.messages.length, 1, JSON.stringify(page));
    assert.equal(page.messages[0].offset, offset);
    return page.messages[0];
  }

  it('a kafkajs record reads back over REST with the same key, value bytes, headers and timestamp', async () => {
    const key = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]); // not UTF-8
    const value = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x80]);
    const sig = Buffer.from([0xc3, 0x28, 0xa0, 0xa1]); // not UTF-8
    const timestamp = '1700000000123';
    const [meta] = await producer.send({
      topic: TOPIC,
      messages: [{ partition: 5, key, value, timestamp, headers: { 'content-type': 'image/png', sig } }],
    });
    assert.equal(meta.errorCode, 0);
    assert.equal(meta.partition, 5);
    const offset = Number(meta.baseOffset);

    const raw = await restMessage(5, offset, 'base64');
    assert.equal(raw.key, b64(key));
    assert.equal(raw.value, b64(value));
    assert.deepEqual(raw.headers, { 'content-type': b64('image/png'), sig: b64(sig) });
    assert.equal(raw.timestamp, Number(timestamp));

    const shown = await restMessage(5, offset, 'json');
    assert.equal(shown.key, undefined);
    assert.equal(shown.keyBase64, b64(key));
    assert.equal(shown.valueBase64, b64(value));
    assert.deepEqual(shown.headers, { 'content-type': 'image/png' });
    assert.deepEqual(shown.headersBase64, { sig: b64(sig) });
    assert.equal(shown.timestamp, Number(timestamp));

    // JSON text from kafkajs is JSON to the REST door.
    const [jsonMeta] = await producer.send({
      topic: TOPIC,
      messages: [
        {
          partition: 5,
          key: 'user-1',
          value: JSON.stringify({ orderId: '123', amount: 99.99 }),
          headers: { 'trace-id': 'abc' },
        },
      ],
    });
    const readable = await restMessage(5, Number(jsonMeta.baseOffset), 'json');
    assert.equal(readable.key, 'user-1');
    assert.deepEqual(readable.value, { orderId: '123', amount: 99.99 });
    assert.deepEqual(readable.headers, { 'trace-id': 'abc' });
  });

  it('a REST record is consumed by kafkajs identically', async () => {
    const key = Buffer.from([0x00, 0x01, 0xfe, 0xff]);
    const value = Buffer.from('binary \u0000 payload \u00ff', 'latin1');
    const bin = Buffer.from([0xff, 0xfe, 0xfd]);
    const viaBase64 = await dev.api.post(`/topics/${TOPIC}/produce?encoding=base64`, {
      key: b64(key),
      value: b64(value),
      headers: { bin: b64(bin), text: b64('hello'), nothing: null },
      partition: 7,
      timestamp: 1700000000456,
    });
    const viaJson = await dev.api.produce(TOPIC, {
      key: 'order-9',
      value: { orderId: '9', items: [1, 2] },
      headers: { source: 'rest' },
      partition: 7,
      timestamp: 1700000000789,
    });
    const tombstone = await dev.api.produce(TOPIC, {
      key: 'gone',
      value: null,
      partition: 7,
      timestamp: 1700000000999,
    });

    const inbox = new Inbox();
    const consumer = kafka.consumer({ groupId: 'doors-reader' });
    open.push(consumer);
    inbox.watch(consumer, 'doors-reader');
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async (m) => inbox.push(captured(m)) });
    const received = await fence(producer, inbox, TOPIC, range(P));
    const at = (meta) => {
      const m = received.find((x) => x.partition === meta.partition && x.offset === meta.offset);
      assert.ok(m, `kafkajs did not deliver ${JSON.stringify(meta)}`);
      return m;
    };

    const a = at(viaBase64);
    assert.ok(a.key.equals(key));
    assert.ok(a.value.equals(value));
    assert.ok(a.headers.bin.equals(bin));
    assert.equal(a.headers.text.toString(), 'hello');
    assert.equal(a.headers.nothing, null);
    assert.equal(a.timestamp, '1700000000456');

    const j = at(viaJson);
    assert.equal(j.key.toString(), 'order-9');
    assert.equal(j.value.toString(), '{"orderId":"9","items":[1,2]}');
    assert.equal(j.headers.source.toString(), 'rest');
    assert.equal(j.timestamp, '1700000000789');

    const t = at(tombstone);
    assert.equal(t.key.toString(), 'gone');
    assert.equal(t.value, null);

    // Every record of the topic, whoever produced it, was delivered once.
    const offsets = await dev.api.get(`/admin/topics/${TOPIC}/offsets`);
    const total = offsets.partitions.reduce((n, p) => n + p.latest, 0);
    assert.equal(received.length, total - P, 'every record but the fences');
    assert.equal(new Set(received.map((m) => `${m.partition}/${m.offset}`)).size, received.length);
  });

  it('a key lands in the same partition through kafkajs and through REST', async () => {
    for (const key of ['user-123', 'user-456', 'order-123', 'foobar', '21']) {
      const [viaKafka] = await producer.send({ topic: TOPIC, messages: [{ key, value: 'k' }] });
      const viaRest = await dev.api.produce(TOPIC, { key, value: 'r' });
      assert.equal(viaRest.partition, viaKafka.partition, `key ${key}`);
    }
  });
});
