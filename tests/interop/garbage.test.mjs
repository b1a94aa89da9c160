/*
 * garbage.test.mjs — what the gateway and the Worker do with bytes that are not Kafka,
 * on raw TCP connections to the gateway:
 *
 *   - a size prefix over 100 MiB (random bytes after it), a negative one, one under 8,
 *     and the 4 bytes of a prefix one over what the Worker takes (MAX_FRAME,
 *     bin/kafka-frame.mjs) with no body: the gateway closes that connection;
 *   - an HTTP request: answered 400, naming where Kafdo's HTTP is;
 *   - a frame cut short and the write side closed: the connection is closed;
 *   - a valid size with a garbage body: closed (the Worker cannot read a header) or
 *     answered with the request's correlation id, never a hang;
 *   - an unknown API key, or a known one at a version nobody supports, with a valid
 *     header: answered (correlation id, UNSUPPORTED_VERSION) and the connection goes on;
 *     ApiVersions at an unsupported version: the v0 answer with UNSUPPORTED_VERSION and
 *     the supported ranges, as Kafka does;
 *   - a valid header of a supported API with a malformed body: answered or closed.
 *
 * Then: a connection opened before the garbage still works (each connection lives and
 * dies alone), a kafkajs producer connected before it still sends, and a new kafkajs
 * producer and consumer work.
 *
 * The garbage is pseudo-random from fixed seeds, so a failure replays.
 *
 * Run: node --test tests/interop/garbage.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_FRAME } from '../../bin/kafka-frame.mjs';
import {
  Inbox,
  RawKafka,
  captured,
  fence,
  newKafka,
  pseudoRandomBytes,
  range,
  requestFrame,
  startKafdo,
  stopKafdo,
} from './kafkajs-helpers.mjs';

const UNSUPPORTED_VERSION = 35;

describe('garbage on the Kafka port', () => {
  let dev;
  let kafka;
  let earlyProducer;
  let earlyRaw;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-garbage' });
    earlyProducer = kafka.producer();
    open.push(earlyProducer);
    await earlyProducer.connect();
    await earlyProducer.send({ topic: 'before-garbage', messages: [{ value: 'first' }] });
    earlyRaw = await RawKafka.open(dev.kafkaBroker);
    const versions = await earlyRaw.call('apiVersions', 0, {});
    assert.equal(versions.errorCode, 0);
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await earlyRaw?.close();
    await stopKafdo(dev);
  });

  async function withConnection(fn) {
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      return await fn(raw);
    } finally {
      await raw.close();
    }
  }

  for (const [name, bytes] of [
    [
      'random bytes after a size prefix over 100 MiB',
      () => {
        const b = pseudoRandomBytes(64, 0xc0ffee);
        b[0] = 0x07; // 0x07xxxxxx > 100 MiB (0x06400000)
        return b;
      },
    ],
    [
      'random bytes read as a negative size',
      () => {
        const b = pseudoRandomBytes(256, 0xbadf00d);
        b[0] |= 0x80;
        return b;
      },
    ],
    ['a size prefix under 8', () => Buffer.concat([Buffer.from([0, 0, 0, 3]), pseudoRandomBytes(3, 7)])],
    ['a zero size prefix', () => Buffer.from([0, 0, 0, 0])],
    /* Closed on the prefix alone: the gateway waits for no body the Worker would refuse. */
    [
      "a size prefix one over the Worker's limit, without its body",
      () => {
        const b = Buffer.alloc(4);
        b.writeInt32BE(MAX_FRAME + 1, 0);
        return b;
      },
    ],
  ]) {
    it(`${name}: the connection is closed`, { timeout: 20_000 }, async () => {
      await withConnection(async (raw) => {
        await raw.writeRaw(bytes());
        const { outcome, frame } = await raw.answeredOrClosed();
        assert.equal(outcome, 'closed', frame && `answered ${frame.toString('hex')}`);
      });
    });
  }

  it("an HTTP request: answered 400, naming where Kafdo's HTTP is", async () => {
    const res = await fetch(`http://${dev.kafkaBroker}/health`);
    assert.equal(res.status, 400);
    const { error } = await res.json();
    assert.ok(error.message.includes(`Kafka port`) && error.message.includes(dev.baseUrl), error.message);
  });

  it('a frame cut short, then end of stream: the connection is closed', async () => {
    await withConnection(async (raw) => {
      const frame = requestFrame(3, 1, 5, 'cut', Buffer.from([0, 0, 0, 0]));
      await raw.writeRaw(frame.subarray(0, frame.length - 3));
      raw.socket.end();
      const { outcome } = await raw.answeredOrClosed();
      assert.equal(outcome, 'closed');
    });
  });

  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`a valid size with a garbage body (seed ${seed}): closed, or answered with its correlation id`, async () => {
      await withConnection(async (raw) => {
        const body = pseudoRandomBytes(40 + seed, seed);
        const size = Buffer.alloc(4);
        size.writeInt32BE(body.length);
        await raw.writeRaw(Buffer.concat([size, body]));
        const { outcome, frame } = await raw.answeredOrClosed();
        if (outcome === 'answered') {
          assert.equal(frame.readInt32BE(4), body.readInt32BE(4), 'the answer carries the correlation id sent');
        }
      });
    });
  }

  it('an unknown API key with a valid header: answered with UNSUPPORTED_VERSION, the connection goes on', async () => {
    await withConnection(async (raw) => {
      await raw.writeRaw(requestFrame(1000, 0, 0x1234, 'garbage-test', Buffer.from('whatever follows')));
      const { outcome, frame } = await raw.answeredOrClosed();
      assert.equal(outcome, 'answered', 'an unknown API key should be answered with an error code, not a close');
      assert.equal(frame.readInt32BE(0), frame.length - 4);
      assert.equal(frame.readInt32BE(4), 0x1234);
      assert.equal(frame.readInt16BE(8), UNSUPPORTED_VERSION, `answer ${frame.toString('hex')}`);

      // same connection: a real request is answered
      const versions = await raw.call('apiVersions', 0, {});
      assert.equal(versions.errorCode, 0);
      const metadata = await raw.call('metadata', 1, { topics: [] });
      assert.deepEqual(
        metadata.brokers.map((b) => b.nodeId),
        [0],
      );
    });
  });

  it('Produce at version 99: answered with UNSUPPORTED_VERSION, the connection goes on', async () => {
    await withConnection(async (raw) => {
      await raw.writeRaw(requestFrame(0, 99, 77, 'garbage-test', pseudoRandomBytes(30, 99)));
      const { outcome, frame } = await raw.answeredOrClosed();
      assert.equal(outcome, 'answered');
      assert.equal(frame.readInt32BE(4), 77);
      assert.equal(frame.readInt16BE(8), UNSUPPORTED_VERSION, `answer ${frame.toString('hex')}`);
      assert.equal((await raw.call('apiVersions', 0, {})).errorCode, 0);
    });
  });

  it('ApiVersions at version 99: the v0 answer, UNSUPPORTED_VERSION with the supported ranges', async () => {
    await withConnection(async (raw) => {
      await raw.writeRaw(requestFrame(18, 99, 4242, 'garbage-test'));
      const { outcome, frame } = await raw.answeredOrClosed();
      assert.equal(outcome, 'answered');
      assert.equal(frame.readInt32BE(4), 4242);
      // ApiVersions v0: error_code, [api_key min_version max_version] (kafkajs's own v0
      // decoder throws on the error code before reading the ranges, so read it here).
      const body = frame.subarray(8);
      const decoded = { errorCode: body.readInt16BE(0), apiVersions: [] };
      const n = body.readInt32BE(2);
      for (let i = 0; i < n; i++) {
        const at = 6 + i * 6;
        decoded.apiVersions.push({
          apiKey: body.readInt16BE(at),
          minVersion: body.readInt16BE(at + 2),
          maxVersion: body.readInt16BE(at + 4),
        });
      }
      assert.equal(body.length, 6 + n * 6, 'nothing after the v0 body');
      assert.equal(decoded.errorCode, UNSUPPORTED_VERSION);
      const keys = new Map(decoded.apiVersions.map((v) => [v.apiKey, v]));
      for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 32, 37, 42]) {
        assert.ok(keys.has(k), `API key ${k} listed: ${JSON.stringify(decoded.apiVersions)}`);
      }
    });
  });

  it('a supported API with a malformed body: answered with its correlation id, or closed', async () => {
    await withConnection(async (raw) => {
      // Metadata v1 whose topics array claims 1000 entries and has 3 bytes
      await raw.writeRaw(requestFrame(3, 1, 31, 'garbage-test', Buffer.from([0, 0, 0x03, 0xe8, 1, 2, 3])));
      const { outcome, frame } = await raw.answeredOrClosed();
      if (outcome === 'answered') assert.equal(frame.readInt32BE(4), 31);
    });
  });

  it('after all that: earlier connections still work, and new kafkajs clients too', async () => {
    // a connection opened before the garbage
    assert.equal(earlyRaw.isClosed, false);
    assert.equal((await earlyRaw.call('apiVersions', 0, {})).errorCode, 0);
    // a kafkajs producer connected before it
    const [r] = await earlyProducer.send({ topic: 'before-garbage', messages: [{ value: 'second' }] });
    assert.equal(r.errorCode, 0);
    assert.equal(r.baseOffset, '1');

    // new connections: producer and consumer
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    const admin = kafka.admin();
    open.push(admin);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'after-garbage', numPartitions: 2 }] });
    const sent = range(10).map((i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: 'after-garbage', messages: sent });

    const inbox = new Inbox();
    const consumer = kafka.consumer({ groupId: 'after-garbage' });
    open.push(consumer);
    inbox.watch(consumer, 'after-garbage');
    await consumer.connect();
    await consumer.subscribe({ topic: 'after-garbage', fromBeginning: true });
    await consumer.run({ eachMessage: async (m) => inbox.push(captured(m)) });
    await inbox.count(sent.length);
    const received = await fence(producer, inbox, 'after-garbage', range(2));
    assert.deepEqual(received.map((m) => `${m.key}=${m.value}`).sort(), sent.map((m) => `${m.key}=${m.value}`).sort());
    const health = await dev.api.get('/health');
    assert.equal(health.status, 'ok');
  });
});
