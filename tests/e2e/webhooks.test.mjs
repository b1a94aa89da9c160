/*
 * webhooks.test.mjs — webhooks end to end against a real `wrangler dev` (workerd,
 * Durable Objects and their alarms, SQLite on disk), started by harness.mjs, and a
 * real HTTP server on 127.0.0.1 started here as the subscription's target.
 *
 * Ingestion: a GitHub-signed request to POST /webhooks/:topic is stored byte for byte
 * and read back over REST; a wrongly signed one is 401 and stores nothing (the
 * settings come from the KAFDO_WEBHOOKS var, given to wrangler dev).
 *
 * Delivery: a subscription POSTs a topic's records to the target. The target fails
 * some records a set number of times and then answers 200, and always fails one
 * record: the first are retried with backoff until the 2xx, in order within their
 * partition, and the last goes to the dead-letter topic, byte for byte, after
 * maxAttempts; the group's committed offsets then reach the end of every partition.
 * Deleting the subscription makes its consumer leave the group.
 *
 * Crash: the runtime is killed (SIGKILL) while a record waits for its retry, and
 * started again on the same state directory: the delivery object's alarm brings it
 * back, a new consumer joins the group (once the dead one's session has run out)
 * and resumes from the committed offsets, and its attempt number counts on from the
 * attempts made before the kill: they survive in the object's storage.
 *
 * No step waits a fixed time: the target's deliveries are awaited as they arrive, and
 * the subscription and the group are asked (every 50 ms, a bounded number of times)
 * until they show what the deliveries imply.
 *
 * Run: node --test tests/e2e/   (needs wasm/kafdo.wasm and node_modules; `make test-e2e`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { client, startDev } from './harness.mjs';

const SECRET = 'github-webhook-secret';
const SIGNING = 'delivery-signing-secret';
const VARS = {
  KAFDO_WEBHOOKS: JSON.stringify({
    'github-events': { signature: 'github', secret: SECRET, keyHeader: 'x-github-delivery' },
  }),
};

let dev;
let api;
let persistDir;
let server;
let targetUrl;

/* Every request the target received, and who waits for how many. */
const received = [];
let waiters = [];
/* How the target answers a delivery: a status, by the delivered record's value. */
let answer = () => 200;

function arrived(n) {
  if (received.length >= n) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ n, resolve }));
}

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery = { path: req.url, headers: req.headers, raw, body: JSON.parse(raw) };
      received.push(delivery);
      waiters = waiters.filter((w) => (received.length >= w.n ? (w.resolve(), false) : true));
      res.writeHead(answer(delivery), { 'content-type': 'text/plain' });
      res.end('thanks');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${server.address().port}/hook`;
  dev = await startDev({ vars: VARS });
  persistDir = dev.persistDir;
  api = client(dev.baseUrl);
});

after(async () => {
  if (dev) await dev.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
  if (server) await new Promise((resolve) => server.close(resolve));
});

const hmac = (secret, data) => createHmac('sha256', secret).update(data).digest('hex');

async function until(what, probe, tries = 400) {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`gave up waiting: ${what}`);
}

describe('webhook ingestion', () => {
  it('stores a signed request byte for byte, and refuses a wrongly signed one with 401', async () => {
    const body = '{"action":"opened","number": 7}';
    const post = (signature, delivery) =>
      fetch(`${dev.baseUrl}/webhooks/github-events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/e2e',
          'x-github-event': 'pull_request',
          'x-github-delivery': delivery,
          'x-hub-signature-256': signature,
        },
        body,
      });
    const ok = await post(`sha256=${hmac(SECRET, body)}`, 'delivery-1');
    const stored = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(stored));
    assert.deepEqual(stored, { topic: 'github-events', partition: 0, offset: 0, timestamp: stored.timestamp });
    const bad = await post(`sha256=${hmac('wrong secret', body)}`, 'delivery-2');
    assert.equal(bad.status, 401);
    const error = await bad.json();
    assert.equal(error.error.code, 'UNAUTHORIZED');

    const read = await api.get('/topics/github-events/partitions/0/messages?encoding=base64');
    assert.equal(read.messages.length, 1);
    const [m] = read.messages;
    assert.equal(Buffer.from(m.value, 'base64').toString('utf8'), body);
    assert.equal(Buffer.from(m.key, 'base64').toString('utf8'), 'delivery-1');
    const headers = Object.fromEntries(
      Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/e2e',
      'x-github-event': 'pull_request',
      'x-github-delivery': 'delivery-1',
      'kafdo-webhook-verified': 'github',
    });
  });
});

describe('webhook delivery to a local HTTP server', () => {
  it('retries failures until a 2xx, dead-letters what keeps failing, and commits to the end', async () => {
    const topic = 'orders';
    const group = 'order hooks';
    await api.createTopic(topic, 2);
    /* value.fail: how many attempts the target fails before it answers 200;
     * "poison" fails every time. */
    const records = [
      { partition: 0, key: 'a', value: { id: 1, fail: 0 } },
      { partition: 0, key: 'b', value: { id: 2, fail: 2 } },
      { partition: 0, key: 'c', value: { id: 3, fail: 0 } },
      { partition: 1, key: 'd', value: { id: 4, fail: 1 } },
      { partition: 1, key: 'e', value: 'poison' },
      { partition: 1, key: 'f', value: { id: 6, fail: 0 } },
    ];
    await api.produceBatch(topic, records);
    answer = (d) => {
      const v = d.body.value;
      if (v === 'poison') return 500;
      return Number(d.headers['kafdo-delivery-attempt']) > v.fail ? 200 : 503;
    };
    const created = await api.post(
      '/webhook-subscriptions',
      {
        groupId: group,
        topic,
        url: targetUrl,
        maxAttempts: 3,
        backoffMs: 20,
        maxBackoffMs: 100,
        secret: SIGNING,
      },
      201,
    );
    assert.equal(created.deadLetterTopic, 'orders.dlq');

    /* 1 + 3 + 1 on partition 0; 2 + 3 + 1 on partition 1. */
    await arrived(11);
    const g = `/consumer-groups/${encodeURIComponent(group)}`;
    await until('offsets committed to the end', async () => {
      const { offsets } = await api.get(`${g}/offsets`);
      const at = Object.fromEntries(offsets.map((o) => [o.partition, o.offset]));
      return at[0] === 3 && at[1] === 3;
    });
    assert.equal(received.length, 11);

    for (const d of received) {
      assert.equal(d.path, '/hook');
      assert.equal(d.headers['content-type'], 'application/json');
      assert.equal(d.headers['kafdo-signature-256'], `sha256=${hmac(SIGNING, d.raw)}`);
      assert.equal(d.headers['kafdo-delivery-id'], `${topic}/${d.body.partition}/${d.body.offset}`);
      assert.equal(d.body.groupId, group);
    }
    const attemptsOf = (p) =>
      received.filter((d) => d.body.partition === p).map((d) => `${d.body.key}#${d.headers['kafdo-delivery-attempt']}`);
    assert.deepEqual(attemptsOf(0), ['a#1', 'b#1', 'b#2', 'b#3', 'c#1']);
    assert.deepEqual(attemptsOf(1), ['d#1', 'd#2', 'e#1', 'e#2', 'e#3', 'f#1']);

    const dlq = await api.get('/topics/orders.dlq/partitions/0/messages?encoding=base64');
    assert.equal(dlq.messages.length, 1);
    const [dead] = dlq.messages;
    assert.equal(Buffer.from(dead.key, 'base64').toString(), 'e');
    assert.equal(Buffer.from(dead.value, 'base64').toString(), '"poison"');
    const h = Object.fromEntries(
      Object.entries(dead.headers).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    assert.equal(h['kafdo-dlq-topic'], topic);
    assert.equal(h['kafdo-dlq-partition'], '1');
    assert.equal(h['kafdo-dlq-offset'], '1');
    assert.equal(h['kafdo-dlq-attempts'], '3');
    assert.equal(h['kafdo-dlq-error'], `${targetUrl} answered HTTP 500`);

    const sub = await api.get(`/webhook-subscriptions/${encodeURIComponent(group)}`);
    assert.deepEqual(
      {
        delivered: sub.status.delivered,
        deadLettered: sub.status.deadLettered,
        failedAttempts: sub.status.failedAttempts,
        retrying: sub.status.retrying,
      },
      { delivered: 5, deadLettered: 1, failedAttempts: 6, retrying: [] },
    );

    /* A record produced now is delivered at once, attempt 1. */
    answer = () => 200;
    await api.produce(topic, { partition: 0, value: { id: 7 } });
    await arrived(12);
    assert.deepEqual([received[11].body.offset, received[11].body.value], [3, { id: 7 }]);

    await api.del(`/webhook-subscriptions/${encodeURIComponent(group)}`, 204);
    await until(
      'the member left',
      async () => (await api.get(`/admin/groups/${encodeURIComponent(group)}`)).members.length === 0,
    );
    const listed = await api.get('/webhook-subscriptions');
    assert.deepEqual(listed.subscriptions, []);
  });
});

describe('webhook delivery across a crash', () => {
  it('resumes after the runtime is killed, from the commits, with the attempts made', async () => {
    const topic = 'restarts';
    const group = 'restart hooks';
    await api.createTopic(topic, 1);
    await api.produceBatch(topic, [{ value: 'a' }, { value: 'b' }]);
    const from = received.length;
    /* 'b' fails until the runtime has been killed. */
    let killed = false;
    answer = (d) => (d.body.value === 'b' && !killed ? 500 : 200);
    await api.post(
      '/webhook-subscriptions',
      { groupId: group, topic, url: targetUrl, backoffMs: 3000, maxBackoffMs: 3000 },
      201,
    );
    const sub = `/webhook-subscriptions/${encodeURIComponent(group)}`;
    await until('the retry is stored', async () => (await api.get(sub)).status.retrying.length === 1);

    await dev.stop({ signal: 'SIGKILL' });
    killed = true;
    const beforeKill = received.length;
    dev = await startDev({ persistDir, vars: VARS });
    api = client(dev.baseUrl);

    await until(
      'offsets committed after the restart',
      async () => {
        const { offsets } = await api.get(`/consumer-groups/${encodeURIComponent(group)}/offsets`);
        return offsets.length === 1 && offsets[0].offset === 2;
      },
      1200,
    );
    const mine = received.slice(from).filter((d) => d.body.topic === topic);
    const attempts = (v) => mine.filter((d) => d.body.value === v).map((d) => d.headers['kafdo-delivery-attempt']);
    /* Every attempt at 'b' counted on from the last one before the kill: the first
     * after the restart is one more than those made before it. */
    const failed = received
      .slice(from, beforeKill)
      .filter((d) => d.body.topic === topic && d.body.value === 'b').length;
    assert.ok(failed >= 1);
    assert.deepEqual(
      attempts('b'),
      Array.from({ length: failed + 1 }, (_, i) => String(i + 1)),
    );
    /* 'a' was answered 200; its commit may not have been made before the kill, so it
     * may come again (at least once), as a first attempt. */
    assert.ok(attempts('a').length >= 1 && attempts('a').every((a) => a === '1'), JSON.stringify(attempts('a')));
    const status = (await api.get(sub)).status;
    assert.deepEqual(status.retrying, []);
    assert.equal(status.failedAttempts, failed);
    await api.del(sub, 204);
  });
});
