/*
 * compression.test.mjs — compressed batches through every door, with the core's codecs
 * (Debian's zlib, snappy, lz4 and zstd built into kafdo.wasm):
 *
 *   - kcat (librdkafka) producing with -z gzip, snappy, lz4 and zstd: the batches are
 *     stored with that codec (a raw Fetch, stored-batches.mjs), and read back through the
 *     REST API byte for byte (the core decompresses them)
 *   - kafkajs producing every codec: gzip (its own), snappy (the kafkajs-snappy plugin),
 *     lz4 (lz4js, a pure-JS LZ4 frame codec, plugged in as kafkajs's LZ4 codec: the
 *     kafkajs-lz4 plugin needs the native `lz4` package, whose build npm does not run)
 *     and zstd (node:zlib's, plugged in as kafkajs's ZSTD codec): stored as such, read
 *     back through REST byte for byte and by a kafkajs consumer
 *   - Kafdo's own producer compressing (REST ?compression=, the in-Worker producer's
 *     `compression`): every stored batch has the codec and fewer bytes than the same
 *     records uncompressed, and kcat, kafkajs and REST (all four codecs) read
 *     the records back as they were sent
 *   - ?compression= naming no codec is 400 INVALID_REQUEST
 *
 * Run: node --test tests/interop/compression.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import lz4 from 'lz4js';
import { consumeToEnd, produce } from './kcat.mjs';
import { Inbox, captured, newKafka, pseudoRandomBytes, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';
import { assertStoredCodecs, storedBatches } from './stored-batches.mjs';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/* kafkajs's ZSTD codec from Node's own zstd (node:zlib, Node >= 22.15). */
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: (encoder) => promisify(zstdCompress)(encoder.buffer),
  decompress: (buffer) => promisify(zstdDecompress)(buffer),
});

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;

/* kafkajs's LZ4 codec: LZ4 frames (as Kafka's message format v2 has them) from lz4js. */
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder) => Buffer.from(lz4.compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
});

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'];
const KAFKAJS_CODECS = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

let dev;
let B;

before(async () => {
  dev = await startKafdo();
  B = dev.kafkaBroker;
});

after(async () => {
  await stopKafdo(dev);
});

/* Every message of partition 0 through REST, raw bytes as base64. */
async function restRead(topic) {
  const page = await dev.api.get(`/topics/${topic}/partitions/0/messages?offset=0&limit=1000&encoding=base64`);
  return page.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value, headers: m.headers }));
}

/* Reads `n` records of a topic with a kafkajs consumer, in offset order. */
async function kafkajsRead(topic, n) {
  const consumer = newKafka(dev).consumer({ groupId: `read-${topic}` });
  const inbox = new Inbox();
  inbox.watch(consumer);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async (p) => inbox.push(captured(p)) });
    const got = await inbox.count(n);
    return got.sort((a, b) => a.offset - b.offset);
  } finally {
    await consumer.disconnect();
  }
}

describe('compression', () => {
  it('kcat -z gzip|snappy|lz4|zstd: stored with that codec, read back through REST byte for byte', async () => {
    const topic = 'kcat-codecs';
    await dev.api.createTopic(topic, 1);
    const sent = [];
    const codecAt = [];
    for (const codec of CODECS) {
      const lines = Array.from(
        { length: 25 },
        (_, i) => `${codec}-${i}:{"codec":"${codec}","n":${i},"pad":"${'xyz'.repeat(40)}"}`,
      );
      await produce(B, topic, lines, {
        partition: 0,
        headers: [['via', codec]],
        extra: ['-z', codec, '-X', 'linger.ms=50'],
      });
      for (const l of lines) {
        const at = l.indexOf(':');
        sent.push({ key: l.slice(0, at), value: l.slice(at + 1), via: codec });
        codecAt.push(codec);
      }
    }
    assertStoredCodecs(await storedBatches(B, topic, 0), codecAt);
    assert.deepEqual(
      await restRead(topic),
      sent.map((r, offset) => ({ offset, key: b64(r.key), value: b64(r.value), headers: { via: b64(r.via) } })),
    );
  });

  it('kafkajs gzip, snappy, lz4 and zstd: stored with that codec, read back through REST byte for byte and by kafkajs', async () => {
    const topic = 'kafkajs-codecs';
    await dev.api.createTopic(topic, 1);
    const producer = newKafka(dev).producer();
    await producer.connect();
    const sent = [];
    const codecAt = [];
    try {
      for (const name of CODECS) {
        /* Binary values, half random and half repeated, so that the codec compresses
         * and every byte value occurs. */
        const messages = Array.from({ length: 30 }, (_, i) => ({
          key: Buffer.from(`${name}-${i}`),
          value: Buffer.concat([pseudoRandomBytes(64, i + 1), Buffer.alloc(200, i)]),
          headers: { bin: pseudoRandomBytes(8, 100 + i) },
        }));
        await producer.send({
          topic,
          compression: KAFKAJS_CODECS[name],
          messages: messages.map((m) => ({ ...m, partition: 0 })),
        });
        for (const m of messages) {
          sent.push(m);
          codecAt.push(name);
        }
      }
    } finally {
      await producer.disconnect();
    }
    assertStoredCodecs(await storedBatches(B, topic, 0), codecAt);
    const expected = sent.map((m, offset) => ({
      offset,
      key: b64(m.key),
      value: b64(m.value),
      headers: { bin: b64(m.headers.bin) },
    }));
    assert.deepEqual(await restRead(topic), expected);
    const byKafkajs = await kafkajsRead(topic, sent.length);
    assert.deepEqual(
      byKafkajs.map((r) => ({
        offset: r.offset,
        key: b64(r.key),
        value: b64(r.value),
        headers: { bin: b64(r.headers.bin) },
      })),
      expected,
    );
  });

  it("Kafdo's producer compresses (REST ?compression=): fewer stored bytes, read back by kcat, kafkajs and REST", async () => {
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: b64(`order-${i}`),
      value: b64(JSON.stringify({ order: i, status: 'shipped', warehouse: 'north', items: ['a', 'b', 'c'] })),
      headers: { source: b64('rest') },
    }));
    const stored = {};
    for (const codec of ['none', ...CODECS]) {
      const topic = `own-${codec}`;
      await dev.api.createTopic(topic, 1);
      await dev.api.post(`/topics/${topic}/produce-batch?encoding=base64&compression=${codec}`, {
        messages: messages.map((m) => ({ ...m, partition: 0 })),
      });
      const batches = await storedBatches(B, topic, 0);
      assertStoredCodecs(
        batches,
        messages.map(() => codec),
      );
      stored[codec] = batches.reduce((n, b) => n + b.bytes, 0);

      assert.deepEqual(
        await restRead(topic),
        messages.map((m, offset) => ({ offset, ...m })),
      );
      const byKcat = await consumeToEnd(B, topic);
      assert.deepEqual(
        byKcat.map((r) => [r.offset, r.key, r.payload]),
        messages.map((m, offset) => [
          offset,
          Buffer.from(m.key, 'base64').toString(),
          Buffer.from(m.value, 'base64').toString(),
        ]),
        `kcat reading ${codec}`,
      );
      const byKafkajs = await kafkajsRead(topic, messages.length);
      assert.deepEqual(
        byKafkajs.map((r) => [r.offset, b64(r.key), b64(r.value), b64(r.headers.source)]),
        messages.map((m, offset) => [offset, m.key, m.value, m.headers.source]),
        `kafkajs reading ${codec}`,
      );
    }
    for (const codec of CODECS) {
      assert.ok(
        stored[codec] < stored.none / 2,
        `${codec}: ${stored[codec]} bytes stored, ${stored.none} uncompressed`,
      );
    }
  });

  it('?compression= naming no codec is 400 INVALID_REQUEST', async () => {
    const res = await dev.api.request('POST', '/topics/own-none/produce?compression=brotli', { value: 1 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_REQUEST');
    assert.match(res.body.error.message, /compression.*gzip, snappy, lz4, zstd/);
  });
});
