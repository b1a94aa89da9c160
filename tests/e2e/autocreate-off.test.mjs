/*
 * autocreate-off.test.mjs — with KAFDO_AUTO_CREATE_TOPICS off, a produce to an unknown
 * topic is refused (404 UNKNOWN_TOPIC_OR_PARTITION) and creates nothing; a topic
 * created through the admin API is produced to as usual. (rest.test.mjs covers the
 * default, on.) Its own `wrangler dev`, started with --var KAFDO_AUTO_CREATE_TOPICS:false.
 *
 * With auto-creation off, a topic deleted and created again under producers' feet is
 * observable without ambiguity: between the delete and the create every produce is
 * refused, and every produce sent after the create must land in the new log. Metadata
 * is cached per isolate, so this is where a stale topic id would show: a record
 * acknowledged into the deleted topic's log, then lost.
 */
import { after, before, it } from 'node:test';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { client, startDev } from './harness.mjs';

let dev;
let api;

before(async () => {
  dev = await startDev({ vars: { KAFDO_AUTO_CREATE_TOPICS: 'false' } });
  api = client(dev.baseUrl);
});

after(async () => {
  if (dev) await dev.stop({ removePersistDir: true });
});

it('refuses a produce to an unknown topic and creates nothing', async () => {
  for (const [path, body] of [
    ['/topics/ghost/produce', { value: 1 }],
    ['/topics/ghost/produce-batch', { messages: [{ value: 1 }, { value: 2 }] }],
  ]) {
    const res = await api.request('POST', path, body);
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body?.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION', res.text);
  }
  const { topics } = await api.get('/admin/topics');
  assert.ok(!topics.includes('ghost'), JSON.stringify(topics));
  const desc = await api.request('GET', '/admin/topics/ghost');
  assert.equal(desc.status, 404, desc.text);
});

it('produces to a topic created through the admin API', async () => {
  await api.createTopic('made', 1);
  const r = await api.produce('made', { value: 'ok' });
  assert.equal(r.offset, 0);
  const page = await api.read('made', 0, 0);
  assert.deepEqual(
    page.messages.map((m) => m.value),
    ['ok'],
  );
});

it('loses no acknowledged record when the topic is deleted and created again under producers', async (t) => {
  const T = 'churn';
  await api.createTopic(T, 1);
  const outcomes = []; /* { id, sentAt, status, offset, code } */
  let seq = 0;
  let acked = 0;
  let stop = false;
  let recreatedAt = Infinity;
  /* Resolves once `n` more produces have been acknowledged (or the producers are done). */
  const events = new EventEmitter();
  const moreAcks = (n) => {
    const target = acked + n;
    return new Promise((resolve) => {
      const check = () => {
        if (acked >= target || stop) {
          events.off('outcome', check);
          resolve();
        }
      };
      events.on('outcome', check);
    });
  };
  const producers = Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 400 && !stop; i++) {
      const id = seq++;
      const sentAt = performance.now();
      const res = await api.request('POST', `/topics/${T}/produce`, { value: { id } });
      outcomes.push({ id, sentAt, status: res.status, offset: res.body?.offset, code: res.body?.error?.code });
      if (res.status === 200) acked++;
      events.emit('outcome');
    }
  });
  const churn = (async () => {
    for (let round = 0; round < 3; round++) {
      /* Let some records in, then pull the topic away and put it back. */
      await moreAcks(40);
      const del = await api.request('DELETE', `/admin/topics/${T}`);
      assert.equal(del.status, 204, del.text);
      await api.createTopic(T, 1);
      recreatedAt = performance.now();
    }
    await moreAcks(40);
    stop = true;
  })();
  await Promise.all([...producers, churn]);

  for (const o of outcomes) {
    assert.ok(
      o.status === 200 || (o.status === 404 && o.code === 'UNKNOWN_TOPIC_OR_PARTITION'),
      `produce ${o.id}: ${o.status} ${o.code}`,
    );
  }
  const refused = outcomes.filter((o) => o.status !== 200).length;
  t.diagnostic(
    `${outcomes.length} produces: ${outcomes.length - refused} acknowledged, ${refused} refused during the gaps`,
  );
  const all = await api.readAll(T, 0);
  const stored = new Map(all.messages.map((m) => [m.value.id, m.offset]));
  assert.equal(stored.size, all.messages.length, 'no record stored twice');
  const lastLife = outcomes.filter((o) => o.sentAt >= recreatedAt);
  assert.ok(lastLife.length >= 40, `${lastLife.length} produces after the last create`);
  for (const o of lastLife) {
    assert.equal(o.status, 200, `produce ${o.id} sent after the create: ${o.status} ${o.code}`);
    assert.equal(stored.get(o.id), o.offset, `produce ${o.id}, acknowledged at ${o.offset}, is in the new log`);
  }
  for (const [id, offset] of stored) {
    const o = outcomes.find((x) => x.id === id);
    assert.equal(o.status, 200, `record ${id} is stored but its produce answered ${o.status}`);
    assert.equal(o.offset, offset, `record ${id} is stored at ${offset}, acknowledged at ${o.offset}`);
  }
});
