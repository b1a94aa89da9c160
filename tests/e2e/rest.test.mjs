/*
 * rest.test.mjs — the REST API end to end: whole flows over HTTP against a real
 * `wrangler dev` (workerd, Durable Objects, SQLite on disk), started by harness.mjs on
 * a free port with a fresh state directory.
 *
 * What a Kafka user relies on is checked from the outside only: keyed records land on
 * the partition Kafka's Java client would choose (murmur2, here kafkajs's copy of it),
 * a partition hands back exactly what was acknowledged, in offset order, page after
 * page; a deleted topic's name starts empty; bad requests get the one error shape
 * with Kafka's error name and the right status, and leave what is stored as it was;
 * concurrent producers to one partition get distinct, contiguous offsets.
 *
 * Run: node --test tests/e2e/   (needs wasm/kafdo.wasm and node_modules; `make test-e2e`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, client, mapLimit, startDev } from './harness.mjs';

const require = createRequire(join(ROOT, 'package.json'));
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');

/* The partition Kafka's Java client (and Kafdo) picks for a key. */
const partitionFor = (key, partitions) => (murmur2(key) & 0x7fffffff) % partitions;

let dev;
let api;

before(async () => {
  dev = await startDev();
  api = client(dev.baseUrl);
});

after(async () => {
  if (dev) await dev.stop({ removePersistDir: true });
});

/* Asserts the one error shape, with the status and Kafka error name given. */
function assertError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: status ${res.status}, body ${res.text.slice(0, 300)}`);
  assert.ok(res.body && typeof res.body.error === 'object', `${what}: no error object in ${res.text.slice(0, 300)}`);
  assert.equal(res.body.error.code, code, `${what}: ${res.text.slice(0, 300)}`);
  assert.equal(typeof res.body.error.message, 'string', `${what}: error.message`);
  assert.ok(res.body.error.message.length > 0, `${what}: empty error.message`);
}

/* What a read should show for a record that was produced as `m` and acknowledged as `r`. */
function expected(m, r) {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: m.key ?? null,
    value: m.value,
    headers: m.headers ?? {},
  };
}

/* The fields of a read message that the produce determined. */
const shown = (msg) => ({
  offset: msg.offset,
  timestamp: msg.timestamp,
  key: msg.key,
  value: msg.value,
  headers: msg.headers,
});

/* Everything stored in a topic, partition by partition: what "unchanged" compares. */
async function snapshot(topic, partitions) {
  const out = [];
  for (let p = 0; p < partitions; p++) {
    const all = await api.readAll(topic, p);
    const offsets = await api.get(`/topics/${topic}/partitions/${p}/offsets`);
    out.push({ offsets, messages: all.messages });
  }
  return out;
}

describe('service', () => {
  it('answers /health and / with JSON', async () => {
    const health = await api.request('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    const info = await api.request('GET', '/');
    assert.equal(info.status, 200);
    assert.equal(typeof info.body, 'object', info.text);
  });
});

describe('topics', () => {
  it('creates a topic with 3 partitions, lists and describes it', async () => {
    const created = await api.request('POST', '/admin/topics', { topic: 'orders', partitions: 3 });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), '/admin/topics/orders');
    assert.equal(created.body.topic, 'orders');
    const { topics } = await api.get('/admin/topics');
    assert.ok(topics.includes('orders'), JSON.stringify(topics));
    const desc = await api.get('/admin/topics/orders');
    assert.equal(desc.topic, 'orders');
    assert.equal(desc.topicId, created.body.topicId);
    assert.deepEqual(
      desc.partitions.map((p) => p.partition),
      [0, 1, 2],
      JSON.stringify(desc),
    );
    for (let p = 0; p < 3; p++) {
      const page = await api.read('orders', p, 0);
      assert.deepEqual(page.messages, []);
      assert.equal(page.highWatermark, 0);
      assert.equal(page.logStartOffset, 0);
    }
  });

  it('refuses a second topic of the same name and keeps the first', async () => {
    await api.createTopic('dup', 2);
    const again = await api.request('POST', '/admin/topics', { topic: 'dup', partitions: 5 });
    assertError(again, 409, 'TOPIC_ALREADY_EXISTS', 'duplicate create');
    const desc = await api.get('/admin/topics/dup');
    assert.equal(desc.partitions.length, 2);
  });
});

describe('produce by key', () => {
  it('sends the same key to the same partition, the one murmur2 picks', async () => {
    await api.createTopic('keyed', 3);
    const keys = ['21', 'foobar', 'abc', 'user-42', 'ключ', '🔑', ...Array.from({ length: 24 }, (_, i) => `k${i}`)];
    const seen = new Set();
    const next = [0, 0, 0];
    for (const key of keys) {
      const first = await api.produce('keyed', { key, value: { key, n: 1 } });
      const second = await api.produce('keyed', { key, value: { key, n: 2 } });
      assert.equal(first.partition, partitionFor(key, 3), `key ${key}`);
      assert.equal(second.partition, first.partition, `key ${key}`);
      assert.equal(first.topic, 'keyed');
      assert.equal(first.offset, next[first.partition], `key ${key}: first offset`);
      assert.equal(second.offset, first.offset + 1, `key ${key}: second offset`);
      next[first.partition] += 2;
      seen.add(first.partition);
    }
    assert.equal(seen.size, 3, 'the keys cover every partition');
  });

  it('honours an explicit partition and rejects one that does not exist', async () => {
    await api.createTopic('explicit', 3);
    const r = await api.produce('explicit', { key: 'abc', value: 'x', partition: 2 });
    assert.equal(r.partition, 2);
    assert.equal(r.offset, 0);
    const bad = await api.request('POST', '/topics/explicit/produce', { value: 'x', partition: 3 });
    assertError(bad, 404, 'UNKNOWN_TOPIC_OR_PARTITION', 'partition 3 of 3');
    const page = await api.read('explicit', 2, 0);
    assert.equal(page.messages.length, 1);
    assert.equal(page.highWatermark, 1);
  });

  it('spreads keyless records over partitions, one partition per request', async () => {
    await api.createTopic('keyless', 3);
    const singles = [];
    for (let i = 0; i < 60; i++) singles.push(await api.produce('keyless', { value: i }));
    assert.equal(new Set(singles.map((r) => r.partition)).size, 3, 'keyless produces use every partition');
    const { results } = await api.produceBatch(
      'keyless',
      Array.from({ length: 50 }, (_, i) => ({ value: i })),
    );
    assert.equal(new Set(results.map((r) => r.partition)).size, 1, 'a keyless batch sticks to one partition');
    const page = await api.read('keyless', results[0].partition, results[0].offset);
    assert.deepEqual(
      page.messages.map((m) => m.value),
      results.map((_, i) => i),
    );
  });

  it('accepts content-type application/json with parameters', async () => {
    const res = await api.request(
      'POST',
      '/topics/keyless/produce',
      { value: 'typed' },
      {
        'content-type': 'application/json; charset=utf-8',
      },
    );
    assert.equal(res.status, 200, res.text);
  });

  it('round-trips every kind of JSON value, keys, headers and timestamps', async () => {
    await api.createTopic('values', 1);
    const ts = 1_700_000_000_123;
    const sent = [
      { key: 'obj', value: { a: 1, b: [true, null, 2.5], c: { d: 'é' } }, headers: { trace: 'abc', ü: 'ñ' } },
      { key: 'arr', value: [1, 'two', { three: 3 }] },
      { value: 'a plain string with "quotes" and \\ and \n' },
      { value: 42 },
      { value: -0.5 },
      { value: true },
      { value: null, key: 'tombstone-ish' },
      { value: '🦀 ünïcödé', key: '🔑', timestamp: ts, headers: { empty: '' } },
      { value: { nested: { deeper: [[], {}, ''] } }, key: '', headers: { gone: null } },
      { value: 1e21, timestamp: 0 },
      { value: 'lone \ud800 surrogate', headers: { ['__proto__']: 'p', constructor: 'c' } },
      { value: 'x'.repeat(100_000), key: 'big' },
    ];
    const acks = [];
    for (const m of sent) acks.push(await api.produce('values', m));
    acks.forEach((r, i) => assert.equal(r.offset, i));
    assert.equal(acks[7].timestamp, ts);
    assert.equal(acks[9].timestamp, 0);
    assert.ok(Object.hasOwn(sent[10].headers, '__proto__'));
    const page = await api.read('values', 0, 0);
    assert.deepEqual(
      page.messages.map(shown),
      sent.map((m, i) => expected(m, acks[i])),
    );
  });
});

describe('bytes that are not JSON', () => {
  it('round-trips raw bytes with encoding=base64 and shows them as base64 fields by default', async () => {
    await api.createTopic('raw', 1);
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
    const b64 = bytes.toString('base64');
    const jsonText = Buffer.from('{"a":1}').toString('base64');
    const r1 = await api.post('/topics/raw/produce?encoding=base64', { key: b64, value: b64, headers: { h: b64 } });
    const r2 = await api.post('/topics/raw/produce?encoding=base64', { value: jsonText, key: null });
    assert.deepEqual([r1.offset, r2.offset], [0, 1]);

    const raw = await api.get('/topics/raw/partitions/0/messages?offset=0&encoding=base64');
    assert.deepEqual(
      raw.messages.map((m) => [m.key, m.value, m.headers]),
      [
        [b64, b64, { h: b64 }],
        [null, jsonText, {}],
      ],
    );
    const shownAsJson = await api.read('raw', 0, 0);
    const [first, second] = shownAsJson.messages;
    assert.equal(first.keyBase64, b64);
    assert.equal(first.valueBase64, b64);
    assert.deepEqual(first.headersBase64, { h: b64 });
    assert.equal(first.value, undefined);
    assert.deepEqual(second.value, { a: 1 }, 'JSON bytes sent as base64 read back as JSON');
  });
});

describe('produce-batch and paging', () => {
  const N = 1000;
  const P = 3;
  const messages = Array.from({ length: N }, (_, i) => ({
    key: `batch-key-${i % 97}`,
    value: { i, text: `record ${i}`.padEnd(40, '.') },
    ...(i % 3 === 0 ? { headers: { seq: String(i), origin: 'e2e' } } : {}),
    ...(i % 5 === 0 ? { timestamp: 1_600_000_000_000 + i } : {}),
  }));
  let results;

  it('acknowledges 1000 records across partitions, in order per partition', async () => {
    await api.createTopic('batch', P);
    const res = await api.produceBatch('batch', messages);
    results = res.results;
    assert.equal(results.length, N);
    const next = new Array(P).fill(0);
    results.forEach((r, i) => {
      assert.equal(r.topic, 'batch');
      assert.equal(r.partition, partitionFor(messages[i].key, P), `record ${i}`);
      assert.equal(r.offset, next[r.partition]++, `record ${i}: offsets follow the batch's order`);
      if (messages[i].timestamp !== undefined) assert.equal(r.timestamp, messages[i].timestamp);
      else assert.ok(Number.isInteger(r.timestamp) && r.timestamp > 1_600_000_000_000);
    });
    assert.ok(
      next.every((n) => n > 0),
      `every partition got records: ${next}`,
    );
  });

  it('reads each partition back in order, paging by nextOffset', async () => {
    for (let p = 0; p < P; p++) {
      const want = [];
      results.forEach((r, i) => r.partition === p && want.push(expected(messages[i], r)));
      for (const limit of [1000, 100, 7]) {
        const all = await api.readAll('batch', p, 0, limit);
        assert.equal(all.highWatermark, want.length);
        assert.equal(all.logStartOffset, 0);
        assert.ok(all.pages >= Math.ceil(want.length / limit), `partition ${p}, limit ${limit}: ${all.pages} pages`);
        assert.deepEqual(all.messages.map(shown), want, `partition ${p}, limit ${limit}`);
      }
    }
  });

  it('answers limit and maxBytes with whole records, never more than asked', async () => {
    const page = await api.read('batch', 0, 5, 3);
    assert.equal(page.messages.length, 3);
    assert.deepEqual(
      page.messages.map((m) => m.offset),
      [5, 6, 7],
    );
    assert.equal(page.nextOffset, 8);
    assert.equal(page.topic, 'batch');
    assert.equal(page.partition, 0);
    /* A tiny byte limit still makes progress: at least one record. */
    const small = await api.read('batch', 0, 10, 1000, 1);
    assert.ok(small.messages.length >= 1);
    assert.equal(small.messages[0].offset, 10);
    assert.equal(small.nextOffset, 10 + small.messages.length);
  });

  it('answers a read at the high watermark with no messages', async () => {
    const hw = results.filter((r) => r.partition === 1).length;
    const page = await api.read('batch', 1, hw);
    assert.deepEqual(page.messages, []);
    assert.equal(page.nextOffset, hw);
    assert.equal(page.highWatermark, hw);
  });

  it('reports offsets per partition and per topic', async () => {
    const counts = new Array(P).fill(0);
    for (const r of results) counts[r.partition]++;
    for (let p = 0; p < P; p++) {
      const o = await api.get(`/topics/batch/partitions/${p}/offsets`);
      assert.deepEqual(o, {
        topic: 'batch',
        partition: p,
        earliest: 0,
        latest: counts[p],
        lastStableOffset: counts[p],
      });
    }
    const topicOffsets = await api.get('/admin/topics/batch/offsets');
    assert.deepEqual(topicOffsets, {
      topic: 'batch',
      partitions: counts.map((latest, partition) => ({ partition, earliest: 0, latest })),
    });
  });
});

describe('sizes', () => {
  it('stores a produce-batch larger than a 2 MB row, split into batches, and reads it back', async () => {
    await api.createTopic('bulky', 1);
    const value = 'b'.repeat(20_000);
    const messages = Array.from({ length: 300 }, (_, i) => ({ value: `${i}:${value}` }));
    const { results } = await api.produceBatch('bulky', messages);
    assert.deepEqual(
      results.map((r) => r.offset),
      messages.map((_, i) => i),
    );
    const all = await api.readAll('bulky', 0, 0, 10_000);
    assert.deepEqual(
      all.messages.map((m) => m.value),
      messages.map((m) => m.value),
    );
    assert.ok(all.pages > 1, 'maxBytes (1 MiB by default) splits the read into pages');
  });

  it('keeps max.message.bytes within a 2 MB row and enforces it to the byte', async () => {
    assertError(
      await api.request('POST', '/admin/topics', {
        topic: 'huge',
        partitions: 1,
        config: { 'max.message.bytes': '4000000' },
      }),
      400,
      'INVALID_CONFIG',
      'max.message.bytes above the row limit',
    );
    const limit = 1998976;
    await api.createTopic('edge', 1, { 'max.message.bytes': String(limit) });
    /* One keyless record with an n-character string value, no headers, as one batch:
     * 61 bytes of batch header + a record of n + 15 bytes (attributes, timestamp and
     * offset deltas, null key: 1 byte each; value length and record length: 4-byte
     * varints; the value's JSON text: n + 2; header count: 1). */
    const fits = limit - 76;
    const ok = await api.request('POST', '/topics/edge/produce', { value: 'f'.repeat(fits) });
    assert.equal(ok.status, 200, ok.text.slice(0, 300));
    assertError(
      await api.request('POST', '/topics/edge/produce', { value: 'f'.repeat(fits + 1) }),
      413,
      'MESSAGE_TOO_LARGE',
      'one byte over',
    );
    const page = await api.read('edge', 0, 0);
    assert.equal(page.highWatermark, 1);
    assert.equal(page.messages[0].value.length, fits);
  });

  it('limits a body to 8 MiB and a batch to 1..10,000 messages', async () => {
    await api.createTopic('limits', 1);
    const big = JSON.stringify({ messages: Array.from({ length: 9 }, () => ({ value: 'z'.repeat(1_000_000) })) });
    assertError(await api.request('POST', '/topics/limits/produce-batch', big), 413, 'PAYLOAD_TOO_LARGE', '9 MB body');
    assertError(
      await api.request('POST', '/topics/limits/produce-batch', { messages: [] }),
      400,
      'INVALID_REQUEST',
      'no messages',
    );
    const tooMany = { messages: Array.from({ length: 10_001 }, (_, i) => ({ value: i })) };
    assertError(
      await api.request('POST', '/topics/limits/produce-batch', tooMany),
      400,
      'INVALID_REQUEST',
      '10,001 messages',
    );
    const most = { messages: Array.from({ length: 10_000 }, (_, i) => ({ value: i })) };
    const { results } = await api.produceBatch('limits', most.messages);
    assert.equal(results.at(-1).offset, 9_999);
    const page = await api.read('limits', 0, 0, 10_000);
    assert.equal(page.messages.length, 10_000);
    assert.equal(page.messages[9_999].value, 9_999);
  });

  it('takes topic names of 249 characters from [a-zA-Z0-9._-]', async () => {
    const name = `a.b_c-D9${'x'.repeat(241)}`;
    assert.equal(name.length, 249);
    await api.createTopic(name, 1);
    const r = await api.produce(name, { value: 'long name' });
    assert.equal(r.topic, name);
    assert.equal((await api.read(name, 0, 0)).messages[0].value, 'long name');
    assertError(
      await api.request('POST', '/admin/topics', { topic: 'many', partitions: 257 }),
      400,
      'INVALID_PARTITIONS',
      '257 partitions',
    );
    assertError(
      await api.request('POST', '/admin/topics', {
        topic: 'cfgval',
        partitions: 1,
        config: { 'retention.ms': 'soon' },
      }),
      400,
      'INVALID_CONFIG',
      'retention.ms soon',
    );
    assertError(
      await api.request('GET', '/admin/topics/nope/offsets'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
      'offsets of unknown',
    );
  });
});

describe('concurrent admin', () => {
  it('creates a topic once when 8 clients create it at the same time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.request('POST', '/admin/topics', { topic: 'race', partitions: 2 })),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], answers.map((a) => a.text).join('\n'));
    const desc = await api.get('/admin/topics/race');
    const winner = answers.find((a) => a.status === 201).body;
    assert.equal(desc.topicId, winner.topicId);
    assert.equal((await api.get('/admin/topics')).topics.filter((t) => t === 'race').length, 1);
  });

  it('auto-creates a topic once when 8 clients produce to it at the same time', async () => {
    const acks = await Promise.all(Array.from({ length: 8 }, (_, i) => api.produce('auto-race', { value: i })));
    assert.deepEqual(
      acks.map((a) => a.offset).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const page = await api.read('auto-race', 0, 0);
    assert.deepEqual(
      page.messages.map((m) => m.value),
      [...acks].sort((a, b) => a.offset - b.offset).map((a) => acks.indexOf(a)),
    );
  });
});

describe('delete and create again', () => {
  it('starts the new topic of the same name empty', async () => {
    await api.createTopic('reborn', 2);
    await api.produceBatch(
      'reborn',
      Array.from({ length: 50 }, (_, i) => ({ value: i, partition: i % 2 })),
    );
    assert.equal((await api.read('reborn', 1, 0)).highWatermark, 25);

    const del = await api.request('DELETE', '/admin/topics/reborn');
    assert.equal(del.status, 204, del.text);
    assertError(
      await api.request('GET', '/admin/topics/reborn'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
      'describe deleted',
    );
    assertError(
      await api.request('GET', '/topics/reborn/partitions/0/messages?offset=0'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
      'read deleted',
    );
    assert.ok(!(await api.get('/admin/topics')).topics.includes('reborn'));
    assertError(await api.request('DELETE', '/admin/topics/reborn'), 404, 'UNKNOWN_TOPIC_OR_PARTITION', 'delete again');

    await api.createTopic('reborn', 2);
    for (let p = 0; p < 2; p++) {
      const page = await api.read('reborn', p, 0);
      assert.deepEqual(page.messages, []);
      assert.equal(page.highWatermark, 0);
    }
    const r = await api.produce('reborn', { value: 'new life', partition: 1 });
    assert.equal(r.offset, 0);
    const page = await api.read('reborn', 1, 0);
    assert.deepEqual(
      page.messages.map((m) => m.value),
      ['new life'],
    );
  });

  it('grows partitions and refuses to shrink them', async () => {
    await api.createTopic('growing', 2);
    const grow = await api.request('POST', '/admin/topics/growing/partitions', { count: 4 });
    assert.equal(grow.status, 200, grow.text);
    assert.equal(grow.body.partitions.length, 4);
    const desc = await api.get('/admin/topics/growing');
    assert.equal(desc.partitions.length, 4);
    const r = await api.produce('growing', { value: 'on the new one', partition: 3 });
    assert.equal(r.partition, 3);
    for (const key of ['abc', 'foobar', '21', 'k7']) {
      assert.equal((await api.produce('growing', { key, value: key })).partition, partitionFor(key, 4), key);
    }
    assertError(
      await api.request('POST', '/admin/topics/growing/partitions', { count: 3 }),
      400,
      'INVALID_PARTITIONS',
      'shrink',
    );
  });

  it('creates a topic on first produce when auto-create is on (the default)', async () => {
    const r = await api.produce('auto-made', { value: 1 });
    assert.equal(r.offset, 0);
    const desc = await api.get('/admin/topics/auto-made');
    assert.equal(desc.topic, 'auto-made');
  });
});

describe('bad input changes nothing', () => {
  const T = 'guarded';
  let before;

  it('stores a baseline', async () => {
    await api.createTopic(T, 2, { 'max.message.bytes': '2000' });
    await api.produceBatch(
      T,
      Array.from({ length: 20 }, (_, i) => ({ key: `g${i}`, value: { i } })),
    );
    before = await snapshot(T, 2);
    assert.equal(before[0].messages.length + before[1].messages.length, 20);
  });

  const post = (path, body, headers) => api.request('POST', path, body, headers);
  const cases = [
    ['malformed JSON on produce', () => post(`/topics/${T}/produce`, '{"value": 1,'), 400, 'INVALID_REQUEST'],
    [
      'malformed JSON on produce-batch',
      () => post(`/topics/${T}/produce-batch`, '{"messages": [}'),
      400,
      'INVALID_REQUEST',
    ],
    ['malformed JSON on create topic', () => post('/admin/topics', 'topic=x'), 400, 'INVALID_REQUEST'],
    ['empty body on produce', () => post(`/topics/${T}/produce`, ''), 400, 'INVALID_REQUEST'],
    ['produce without a value', () => post(`/topics/${T}/produce`, { key: 'k' }), 400, 'INVALID_REQUEST'],
    ['produce body that is an array', () => post(`/topics/${T}/produce`, [{ value: 1 }]), 400, 'INVALID_REQUEST'],
    [
      'produce-batch whose messages is not an array',
      () => post(`/topics/${T}/produce-batch`, { messages: 5 }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'produce-batch with one bad message among good ones',
      () => post(`/topics/${T}/produce-batch`, { messages: [{ value: 1 }, { key: 'no value' }] }),
      400,
      'INVALID_REQUEST',
    ],
    ['key that is not a string', () => post(`/topics/${T}/produce`, { key: 12, value: 1 }), 400, 'INVALID_REQUEST'],
    [
      'headers that are not an object',
      () => post(`/topics/${T}/produce`, { value: 1, headers: 'h' }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'partition that is not an integer',
      () => post(`/topics/${T}/produce`, { value: 1, partition: 'one' }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'partition out of range',
      () => post(`/topics/${T}/produce`, { value: 1, partition: 2 }),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
    ],
    ['unknown route', () => api.request('GET', '/no/such/route'), 404, 'NOT_FOUND'],
    ['unknown route under /topics', () => post(`/topics/${T}/consume`, { value: 1 }), 404, 'NOT_FOUND'],
    [
      'invalid topic name on create',
      () => post('/admin/topics', { topic: 'bad name!', partitions: 1 }),
      400,
      'INVALID_TOPIC_EXCEPTION',
    ],
    ['topic named ..', () => post('/admin/topics', { topic: '..', partitions: 1 }), 400, 'INVALID_TOPIC_EXCEPTION'],
    [
      'topic name of 250 chars',
      () => post('/admin/topics', { topic: 'x'.repeat(250), partitions: 1 }),
      400,
      'INVALID_TOPIC_EXCEPTION',
    ],
    [
      'invalid topic name on produce',
      () => post('/topics/bad%20name/produce', { value: 1 }),
      400,
      'INVALID_TOPIC_EXCEPTION',
    ],
    ['zero partitions', () => post('/admin/topics', { topic: 'zero', partitions: 0 }), 400, 'INVALID_PARTITIONS'],
    [
      'an unknown config',
      () => post('/admin/topics', { topic: 'cfg', partitions: 1, config: { 'no.such.config': '1' } }),
      400,
      'INVALID_CONFIG',
    ],
    [
      'offset past the high watermark',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?offset=100000`),
      416,
      'OFFSET_OUT_OF_RANGE',
    ],
    [
      'negative offset',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?offset=-1`),
      400,
      'INVALID_REQUEST',
    ],
    [
      'non-numeric offset',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?offset=abc`),
      400,
      'INVALID_REQUEST',
    ],
    [
      'limit of 0',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?offset=0&limit=0`),
      400,
      'INVALID_REQUEST',
    ],
    [
      'limit too large',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?offset=0&limit=100001`),
      400,
      'INVALID_REQUEST',
    ],
    [
      'read of a partition out of range',
      () => api.request('GET', `/topics/${T}/partitions/2/messages?offset=0`),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
    ],
    [
      'read of an unknown topic',
      () => api.request('GET', '/topics/nope/partitions/0/messages?offset=0'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
    ],
    [
      "a message over the topic's max.message.bytes",
      () => post(`/topics/${T}/produce`, { value: 'v'.repeat(5000) }),
      413,
      'MESSAGE_TOO_LARGE',
    ],
    [
      'a batch with one message over max.message.bytes',
      () =>
        post(`/topics/${T}/produce-batch`, {
          messages: [
            { value: 1, partition: 0 },
            { value: 'v'.repeat(5000), partition: 0 },
          ],
        }),
      413,
      'MESSAGE_TOO_LARGE',
    ],
    [
      'a body not declared as JSON',
      () => post(`/topics/${T}/produce`, '{"value":1}', { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a wrong method on a known path',
      () => api.request('PUT', `/topics/${T}/produce`, { value: 1 }),
      405,
      'METHOD_NOT_ALLOWED',
    ],
    [
      'an unknown query parameter',
      () => api.request('GET', `/topics/${T}/partitions/0/messages?ofset=0`),
      400,
      'INVALID_REQUEST',
    ],
    ['an unknown encoding', () => post(`/topics/${T}/produce?encoding=hex`, { value: 'ff' }), 400, 'INVALID_REQUEST'],
    [
      'invalid base64 with encoding=base64',
      () => post(`/topics/${T}/produce?encoding=base64`, { value: '*not base64*' }),
      400,
      'INVALID_REQUEST',
    ],
    ['a consumer-group join without topics', () => post('/consumer-groups/g1/join', {}), 400, 'INVALID_REQUEST'],
    [
      'a message over the default 1 MiB',
      () => post('/topics/orders/produce', { value: 'v'.repeat(1_100_000) }),
      413,
      'MESSAGE_TOO_LARGE',
    ],
  ];

  for (const [what, send, status, code] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      assertError(await send(), status, code, what);
    });
  }

  it('left the topic exactly as it was', async () => {
    assert.deepEqual(await snapshot(T, 2), before);
    const { topics } = await api.get('/admin/topics');
    for (const name of ['zero', 'cfg', '..', 'bad name!', 'bad name'])
      assert.ok(!topics.includes(name), `${name} in ${topics}`);
    const orders = await snapshot('orders', 3);
    assert.ok(
      orders.every((p) => p.messages.length === 0),
      'orders got the oversized message',
    );
  });
});

describe('concurrent producers', () => {
  it('8 clients on one partition get distinct, contiguous offsets and read back exactly', async () => {
    const T = 'contended';
    await api.createTopic(T, 2);
    const CLIENTS = 8;
    const PER_CLIENT = 40;
    const acked = [];
    let garbage = 0;
    /* Each client sends singles and small batches, interleaved; a ninth sends only
     * garbage meanwhile, which must be refused without disturbing the others. */
    const producers = Array.from({ length: CLIENTS }, async (_, c) => {
      let n = 0;
      while (n < PER_CLIENT) {
        if (n % 4 === 3) {
          const batch = Array.from({ length: 3 }, (_, j) => ({ key: `c${c}`, value: { c, n: n + j }, partition: 0 }));
          const res = await api.produceBatch(T, batch);
          res.results.forEach((r, j) => acked.push({ r, m: batch[j] }));
          n += 3;
        } else {
          const m = { key: `c${c}`, value: { c, n }, headers: { client: String(c) }, partition: 0 };
          acked.push({ r: await api.produce(T, m), m });
          n += 1;
        }
      }
    });
    const junk = (async () => {
      for (let i = 0; i < 40; i++) {
        const res =
          i % 2
            ? await api.request('POST', `/topics/${T}/produce`, '{"value":')
            : await api.request('POST', `/topics/${T}/produce`, { value: 1, partition: 9 });
        assert.ok(res.status >= 400 && res.status < 500, res.text);
        garbage++;
      }
    })();
    await Promise.all([...producers, junk]);
    assert.equal(garbage, 40);

    const total = acked.length;
    const offsets = acked.map((a) => a.r.offset).sort((a, b) => a - b);
    assert.deepEqual(
      offsets,
      Array.from({ length: total }, (_, i) => i),
      'offsets are 0..n-1, each once',
    );
    assert.ok(acked.every((a) => a.r.partition === 0));

    /* Each client's own records keep the order it sent them in. */
    for (let c = 0; c < CLIENTS; c++) {
      const mine = acked.filter((a) => a.m.value.c === c).sort((a, b) => a.r.offset - b.r.offset);
      assert.deepEqual(
        mine.map((a) => a.m.value.n),
        mine.map((_, i) => i),
        `client ${c} order`,
      );
    }

    const all = await api.readAll(T, 0, 0, 50);
    const byOffset = [...acked].sort((a, b) => a.r.offset - b.r.offset);
    assert.deepEqual(
      all.messages.map(shown),
      byOffset.map((a) => expected(a.m, a.r)),
    );
    assert.equal((await api.read(T, 1, 0)).highWatermark, 0, 'nothing went to partition 1');
  });

  it('many concurrent batches across partitions lose nothing', async () => {
    const T = 'fanout';
    const P = 4;
    await api.createTopic(T, P);
    const batches = Array.from({ length: 24 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => ({ key: `b${b}-${i}`, value: { b, i } })),
    );
    const acks = await mapLimit(batches, 8, (batch) => api.produceBatch(T, batch));
    const want = Array.from({ length: P }, () => []);
    acks.forEach((res, b) => res.results.forEach((r, i) => want[r.partition].push(expected(batches[b][i], r))));
    for (let p = 0; p < P; p++) {
      want[p].sort((a, b) => a.offset - b.offset);
      assert.deepEqual(
        want[p].map((m) => m.offset),
        want[p].map((_, i) => i),
        `partition ${p} offsets`,
      );
      const all = await api.readAll(T, p);
      assert.deepEqual(all.messages.map(shown), want[p], `partition ${p}`);
    }
  });
});
