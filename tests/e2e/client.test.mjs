/*
 * kafdo/client (KafdoClient) from Node, against real servers:
 *
 *   - a `wrangler dev` of this repository with a KAFDO_TOKEN, for everything the client
 *     does (health, producing text, JSON and bytes, consumer groups with heartbeats and
 *     rebalances, commits, admin) and for the server's errors, 401 included;
 *   - small Node HTTP servers on 127.0.0.1 for what a Kafdo never does: answering HTML,
 *     answering 503 or 429 and then recovering, never answering, stalling mid-body,
 *     dropping the connection; and for a group coordinator whose heartbeats fail, to see
 *     the consumer's background work report rather than reject.
 *
 * Every failure must be a KafdoClientError naming what went wrong, and nothing may be
 * left as an unhandled rejection (checked at the end).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureDist } from '../../scripts/ensure-dist.mjs';
import { freePort, startDev } from './harness.mjs';

ensureDist();
const { KafdoClient, KafdoClientError } = await import('kafdo/client');

const TOKEN = 'e2e-client-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

const unhandled = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

/* Resolves with the rejection of `promise` (a KafdoClientError), failing when it resolves. */
async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof KafdoClientError, `expected a KafdoClientError, got ${e?.stack ?? e}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/* A promise and its resolve, for events the tests wait on. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/* An HTTP server on 127.0.0.1 answering with `handler(req, res, n)`, n counting requests. */
async function serve(handler) {
  const requests = [];
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    handler(req, res, requests.length, body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('KafdoClient against wrangler dev', () => {
  let dev;
  let client;

  before(async () => {
    dev = await startDev({ vars: { KAFDO_TOKEN: TOKEN } });
    client = new KafdoClient({ baseUrl: dev.baseUrl, headers: AUTH });
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('answers health, and makes up a client id when given none', async () => {
    assert.deepEqual(await client.health(), { status: 'ok' });
    assert.match(client.clientId, /^kafdo-client-[0-9a-f]{8}$/);
    assert.equal(new KafdoClient({ baseUrl: dev.baseUrl, clientId: 'mine' }).clientId, 'mine');
    /* A trailing slash, and a path prefix, are kept apart from the API's paths. */
    assert.deepEqual(await new KafdoClient({ baseUrl: `${dev.baseUrl}/` }).health(), { status: 'ok' });
  });

  it('produces with a default topic, an explicit topic, keys, headers and partitions', async () => {
    const admin = client.admin();
    await admin.createTopic({ topic: 'c-events', partitions: 3 });
    const producer = client.producer({ defaultTopic: 'c-events' });
    const a = await producer.send({ key: 'user-1', value: { n: 1 }, headers: { source: 'web' } });
    const b = await producer.send({ key: 'user-1', value: { n: 2 } });
    assert.equal(a.topic, 'c-events');
    assert.equal(b.partition, a.partition, 'one key, one partition');
    assert.equal(b.offset, a.offset + 1);

    const pinned = await producer.send({ topic: 'c-other', value: 'to another topic', partition: 0 });
    assert.deepEqual([pinned.topic, pinned.partition, pinned.offset], ['c-other', 0, 0]);

    /* One batch over two topics: one request per topic, metadata in message order. */
    const other = (a.partition + 1) % 3;
    const results = await producer.sendBatch([
      { value: 1, partition: other },
      { topic: 'c-other', value: 2 },
      { value: 3, partition: other },
    ]);
    assert.deepEqual(
      results.map((r) => [r.topic, r.partition, r.offset]),
      [
        ['c-events', other, 0],
        ['c-other', 0, 1],
        ['c-events', other, 1],
      ],
    );
    assert.deepEqual(await producer.sendBatch([]), []);

    const consumer = client.consumer({ groupId: 'c-reader', topics: ['c-events'] });
    const read = await consumer.fetch('c-events', a.partition, { offset: a.offset });
    assert.deepEqual(
      read.messages.map((m) => [m.key, m.value, m.headers]),
      [
        ['user-1', { n: 1 }, { source: 'web' }],
        ['user-1', { n: 2 }, {}],
      ],
    );
    assert.equal(read.messages[0].topic, 'c-events');
    assert.equal(read.nextOffset, b.offset + 1);
  });

  it('carries bytes both ways, byte for byte', async () => {
    const producer = client.producer({ defaultTopic: 'c-bytes' });
    const raw = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const notUtf8 = new Uint8Array([0xff, 0xfe]);
    await producer.sendBatch([
      { key: notUtf8, value: raw, headers: { sig: notUtf8, name: 'text' }, partition: 0 },
      { key: 'k', value: new TextEncoder().encode('plain text'), partition: 0 },
      /* JSON beside bytes in one request: stored as its JSON text, as without bytes. */
      { key: 'j', value: { a: [1, 'two'] }, partition: 0 },
      { key: null, value: null, partition: 0 },
    ]);
    const { messages } = await client.consumer({ groupId: 'c-bytes', topics: ['c-bytes'] }).fetch('c-bytes', 0, {
      offset: 0,
    });
    assert.deepEqual([...messages[0].key], [...notUtf8]);
    assert.deepEqual([...messages[0].value], [...raw]);
    assert.deepEqual([...messages[0].headers.sig], [...notUtf8]);
    assert.equal(messages[0].headers.name, 'text');
    assert.equal(messages[1].value, 'plain text', 'UTF-8 that is not JSON reads as text');
    assert.deepEqual(messages[2].value, { a: [1, 'two'] });
    assert.equal(messages[3].key, null);
    assert.equal(messages[3].value, null);
  });

  it('runs the consumer: connect, fetch by position, commit, resume from the commit, disconnect', async () => {
    const admin = client.admin();
    await admin.createTopic({ topic: 'c-orders', partitions: 2 });
    const producer = client.producer({ defaultTopic: 'c-orders' });
    await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ value: { i }, partition: 0 })));

    const consumer = client.consumer({ groupId: 'c-group', topics: ['c-orders'], clientId: 'c-worker' });
    const joined = await consumer.connect();
    assert.match(joined.memberId, /^c-worker-/);
    assert.equal(consumer.memberId, joined.memberId);
    assert.equal(consumer.generationId, joined.generationId);
    assert.deepEqual(consumer.assignment(), [
      { topic: 'c-orders', partition: 0 },
      { topic: 'c-orders', partition: 1 },
    ]);
    assert.equal(await consumer.connect(), joined, 'connect() again keeps the membership');

    const first = await consumer.fetch('c-orders', 0, { offset: 0, limit: 2 });
    assert.deepEqual(
      first.messages.map((m) => m.value.i),
      [0, 1],
    );
    const next = await consumer.fetch('c-orders', 0, { limit: 2 });
    assert.deepEqual(
      next.messages.map((m) => m.value.i),
      [2, 3],
      'without an offset, fetch goes on from its position',
    );
    await consumer.commit();
    assert.deepEqual(
      (await consumer.committed()).map((o) => [o.topic, o.partition, o.offset]),
      [['c-orders', 0, 4]],
    );
    assert.deepEqual(await consumer.getOffsets('c-orders', 0), {
      topic: 'c-orders',
      partition: 0,
      earliest: 0,
      latest: 5,
      lastStableOffset: 5,
    });

    const described = await admin.describeGroup('c-group');
    assert.equal(described.state, 'Stable');
    assert.deepEqual(
      described.offsets.map((o) => [o.partition, o.offset, o.lag]),
      [
        [0, 4, 1],
        [1, -1, 0],
      ],
    );
    await consumer.disconnect();
    assert.equal(consumer.memberId, '');
    assert.equal((await admin.describeGroup('c-group')).state, 'Empty');
    await consumer.disconnect();

    /* A new consumer of the group starts where the group committed; a partition with
     * no commit starts at its end (fromBeginning: false), or at its start. */
    const resumed = client.consumer({ groupId: 'c-group', topics: ['c-orders'] });
    assert.deepEqual(
      (await resumed.fetch('c-orders', 0)).messages.map((m) => m.value.i),
      [4],
    );
    await producer.send({ value: { i: 'p1' }, partition: 1 });
    assert.deepEqual((await resumed.fetch('c-orders', 1)).messages, []);
    const fromStart = client.consumer({ groupId: 'c-group-2', topics: ['c-orders'], fromBeginning: true });
    assert.deepEqual(
      (await fromStart.fetch('c-orders', 1)).messages.map((m) => m.value.i),
      ['p1'],
    );

    /* Before joining, commit() commits outside group management, as Kafka allows for a
     * group with no members. */
    await fromStart.commit();
    assert.deepEqual(
      (await fromStart.committed()).map((o) => [o.partition, o.offset]),
      [[1, 1]],
    );
  });

  it('auto-commits on disconnect', async () => {
    await client.producer().sendBatch([
      { topic: 'c-auto', value: 'a' },
      { topic: 'c-auto', value: 'b' },
    ]);
    const consumer = client.consumer({ groupId: 'c-auto-group', topics: ['c-auto'], autoCommit: true });
    await consumer.connect();
    await consumer.fetch('c-auto', 0, { offset: 0 });
    await consumer.disconnect();
    const [committed] = await client.consumer({ groupId: 'c-auto-group', topics: ['c-auto'] }).committed();
    assert.deepEqual([committed.topic, committed.partition, committed.offset], ['c-auto', 0, 2]);
  });

  it('rejoins when the group rebalances, from its heartbeat', async () => {
    await client.admin().createTopic({ topic: 'c-rebalance', partitions: 2 });
    const rebalanced = [];
    let waiting = deferred();
    const errors = [];
    const a = client.consumer({
      groupId: 'c-rebalance-group',
      topics: ['c-rebalance'],
      clientId: 'a',
      heartbeatIntervalMs: 100,
      onRebalance: (result) => {
        rebalanced.push(result);
        waiting.resolve(result);
      },
      onError: (e) => errors.push(e),
    });
    await a.connect();
    assert.equal(a.assignment().length, 2);

    /* b's join is answered once a has rejoined, which a's heartbeat makes it do. */
    const b = client.consumer({ groupId: 'c-rebalance-group', topics: ['c-rebalance'], clientId: 'b' });
    const [bJoined, aRejoined] = await Promise.all([b.connect(), waiting.promise]);
    assert.equal(aRejoined.generationId, bJoined.generationId);
    assert.equal(a.generationId, bJoined.generationId);
    const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
    assert.deepEqual(owned, [0, 1]);
    assert.equal(a.assignment().length, 1);

    /* b leaves: a rebalances again and gets both partitions back. */
    waiting = deferred();
    await b.disconnect();
    await waiting.promise;
    assert.equal(a.assignment().length, 2);
    await a.disconnect();
    assert.deepEqual(errors, []);
    assert.equal(rebalanced.length, 2);
  });

  it('administers topics and groups', async () => {
    const admin = client.admin();
    const created = await admin.createTopic({ topic: 'c-logs', partitions: 2, config: { 'retention.ms': '86400000' } });
    assert.equal(created.topic, 'c-logs');
    assert.equal(created.partitions.length, 2);
    assert.equal(created.config['retention.ms'], '86400000');
    assert.ok((await admin.listTopics()).includes('c-logs'));
    assert.equal((await admin.describeTopic('c-logs')).topicId, created.topicId);
    assert.equal((await admin.addPartitions('c-logs', 4)).partitions.length, 4);
    assert.equal((await admin.createPartitions('c-logs', 5)).partitions.length, 5);
    await client.producer().send({ topic: 'c-logs', value: 1, partition: 3 });
    const offsets = await admin.listOffsets('c-logs');
    assert.equal(offsets.size, 5);
    assert.deepEqual(offsets.get(3), { earliest: 0, latest: 1 });
    await admin.deleteTopic('c-logs');
    assert.ok(!(await admin.listTopics()).includes('c-logs'));

    const member = client.consumer({ groupId: 'c-admin-group', topics: ['c-events'] });
    await member.connect();
    assert.ok((await admin.listGroups()).some((g) => g.groupId === 'c-admin-group'));
    const busy = await failure(admin.deleteGroup('c-admin-group'));
    assert.equal(busy.code, 'NON_EMPTY_GROUP');
    assert.equal(busy.status, 409);
    await member.disconnect();
    await admin.deleteGroup('c-admin-group');
    assert.ok(!(await admin.listGroups()).some((g) => g.groupId === 'c-admin-group'));
  });

  it("carries the server's error name, status and message", async () => {
    const admin = client.admin();
    const missing = await failure(admin.describeTopic('c-no-such-topic'));
    assert.equal(missing.name, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(missing.code, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(missing.kafkaCode, 3);
    assert.equal(missing.status, 404);
    assert.equal(missing.method, 'GET');
    assert.equal(missing.url, `${dev.baseUrl}/admin/topics/c-no-such-topic`);
    assert.match(missing.message, /c-no-such-topic.*does not exist.*GET http.*404/);

    await admin.createTopic({ topic: 'c-twice' });
    const twice = await failure(admin.createTopic({ topic: 'c-twice' }));
    assert.deepEqual([twice.code, twice.status, twice.kafkaCode], ['TOPIC_ALREADY_EXISTS', 409, 36]);

    const consumer = client.consumer({ groupId: 'c-errors', topics: ['c-twice'] });
    const range = await failure(consumer.fetch('c-twice', 0, { offset: 5 }));
    assert.deepEqual([range.code, range.status], ['OFFSET_OUT_OF_RANGE', 416]);

    const badName = await failure(admin.createTopic({ topic: 'no spaces allowed' }));
    assert.deepEqual([badName.code, badName.status], ['INVALID_TOPIC_EXCEPTION', 400]);

    const unknownGroup = await failure(admin.describeGroup('c-never-was'));
    assert.deepEqual([unknownGroup.code, unknownGroup.status], ['GROUP_ID_NOT_FOUND', 404]);

    /* The client's own refusals send nothing: status 0. */
    const noTopic = await failure(client.producer().send({ value: 1 }));
    assert.deepEqual([noTopic.code, noTopic.status], ['INVALID_REQUEST', 0]);
  });

  it('is refused with 401 UNAUTHORIZED without the token, or with a wrong one', async () => {
    const anonymous = new KafdoClient({ baseUrl: dev.baseUrl });
    assert.deepEqual(await anonymous.health(), { status: 'ok' }, '/health needs no token');
    const refused = await failure(anonymous.admin().listTopics());
    assert.deepEqual([refused.code, refused.status], ['UNAUTHORIZED', 401]);
    assert.match(refused.message, /Authorization: Bearer/);

    const wrong = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: 'Bearer not-the-token' } });
    const denied = await failure(wrong.producer({ defaultTopic: 'c-events' }).send({ value: 1 }));
    assert.deepEqual([denied.code, denied.status], ['UNAUTHORIZED', 401]);
    assert.match(denied.message, /not valid/);

    const consumer = wrong.consumer({ groupId: 'c-denied', topics: ['c-events'] });
    assert.equal((await failure(consumer.connect())).code, 'UNAUTHORIZED');
    await consumer.disconnect();
  });
});

describe('KafdoClient against servers that are not a Kafdo', () => {
  const fast = { retryBackoffMs: 1 };

  it('refuses a baseUrl that is not an http(s) URL, at once', () => {
    for (const baseUrl of ['not a url', 'ftp://example.com', '', 'http://x/?q=1', undefined]) {
      assert.throws(
        () => new KafdoClient({ baseUrl }),
        (e) => e instanceof KafdoClientError && e.code === 'INVALID_CONFIG' && e.status === 0,
        String(baseUrl),
      );
    }
    assert.throws(() => new KafdoClient({ baseUrl: 'http://x', timeout: -1 }), /timeout/);
  });

  it('names a server that cannot be reached: NETWORK_EXCEPTION after its retries', async () => {
    const port = await freePort();
    let calls = 0;
    const client = new KafdoClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retries: 2,
      ...fast,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const e = await failure(client.health());
    assert.equal(e.code, 'NETWORK_EXCEPTION');
    assert.equal(e.status, 0);
    assert.match(
      e.message,
      new RegExp(`GET http://127.0.0.1:${port}/health could not reach the server .*ECONNREFUSED.* after 3 attempts`),
    );
    assert.equal(calls, 3);
  });

  it('names a server that answers HTML', async () => {
    const html = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>');
    });
    try {
      const e = await failure(new KafdoClient({ baseUrl: html.url, ...fast }).health());
      assert.equal(e.code, 'UNEXPECTED_RESPONSE');
      assert.equal(e.status, 200);
      assert.match(e.message, /answered 200 \(text\/html; charset=utf-8\) with "<!doctype html>.*Welcome to nginx!/);
      assert.match(e.message, /is baseUrl a Kafdo deployment\?/);
    } finally {
      await html.close();
    }
  });

  it("names a proxy's HTML error page, without retrying a 502", async () => {
    const proxy = await serve((req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    });
    try {
      const e = await failure(new KafdoClient({ baseUrl: proxy.url, ...fast }).admin().listTopics());
      assert.deepEqual([e.code, e.status], ['UNEXPECTED_RESPONSE', 502]);
      assert.match(e.message, /502 Bad Gateway/);
      assert.equal(proxy.requests.length, 1);
    } finally {
      await proxy.close();
    }
  });

  it('names JSON that is not the error shape, and a body that is not JSON', async () => {
    const odd = await serve((req, res, n) => {
      if (n === 1) return json(res, 404, { message: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status": "ok"');
    });
    try {
      const client = new KafdoClient({ baseUrl: odd.url, ...fast });
      const notShape = await failure(client.admin().listTopics());
      assert.deepEqual([notShape.code, notShape.status], ['UNEXPECTED_RESPONSE', 404]);
      const truncated = await failure(client.health());
      assert.deepEqual([truncated.code, truncated.status], ['UNEXPECTED_RESPONSE', 200]);
    } finally {
      await odd.close();
    }
  });

  it('retries 503 and 429 (after Retry-After) until the server answers', async () => {
    const busy = await serve((req, res, n) => {
      if (n === 1) return json(res, 503, { error: { code: 'UNKNOWN_SERVER_ERROR', message: 'overloaded' } });
      if (n === 2)
        return json(
          res,
          429,
          { error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } },
          { 'retry-after': '0' },
        );
      json(res, 200, { topic: 't', partition: 0, offset: 7, timestamp: 1 });
    });
    try {
      const client = new KafdoClient({ baseUrl: busy.url, ...fast });
      const sent = await client.producer({ defaultTopic: 't' }).send({ key: 'k', value: { a: 1 } });
      assert.equal(sent.offset, 7);
      assert.equal(busy.requests.length, 3);
      /* Each attempt sent the same request. */
      for (const r of busy.requests) {
        assert.equal(r.url, '/topics/t/produce');
        assert.deepEqual(JSON.parse(r.body), { key: 'k', value: { a: 1 } });
      }
    } finally {
      await busy.close();
    }
  });

  it('gives up on a 503 that lasts, with the last answer; does not retry a 500', async () => {
    const down = await serve((req, res) =>
      req.url === '/health'
        ? json(res, 503, { error: { code: 'COORDINATOR_NOT_AVAILABLE', message: 'still starting' } })
        : json(res, 500, {
            error: { code: 'UNKNOWN_SERVER_ERROR', message: 'the server failed to answer this request' },
          }),
    );
    try {
      const client = new KafdoClient({ baseUrl: down.url, retries: 3, ...fast });
      const e = await failure(client.health());
      assert.deepEqual([e.code, e.status], ['COORDINATOR_NOT_AVAILABLE', 503]);
      assert.equal(down.requests.length, 4);
      const broken = await failure(client.admin().listTopics());
      assert.deepEqual([broken.code, broken.status], ['UNKNOWN_SERVER_ERROR', 500]);
      assert.equal(down.requests.length, 5);
    } finally {
      await down.close();
    }
  });

  it('gives up rather than wait a Retry-After past its deadline', async () => {
    const later = await serve((req, res) =>
      json(
        res,
        503,
        { error: { code: 'UNKNOWN_SERVER_ERROR', message: 'come back in an hour' } },
        { 'retry-after': '3600' },
      ),
    );
    try {
      const e = await failure(new KafdoClient({ baseUrl: later.url, timeout: 5000 }).health());
      assert.deepEqual([e.code, e.status], ['UNKNOWN_SERVER_ERROR', 503]);
      assert.equal(later.requests.length, 1);
    } finally {
      await later.close();
    }
  });

  it('times out a server that never answers: REQUEST_TIMED_OUT, not retried', async () => {
    const silent = await serve(() => {});
    try {
      const e = await failure(new KafdoClient({ baseUrl: silent.url, timeout: 300, ...fast }).health());
      assert.deepEqual([e.code, e.status], ['REQUEST_TIMED_OUT', 0]);
      assert.match(e.message, /GET http:\/\/127\.0\.0\.1:\d+\/health got no answer within 300 ms/);
      assert.equal(silent.requests.length, 1);
    } finally {
      await silent.close();
    }
  });

  it('times out an answer whose body stalls', async () => {
    const stalling = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"status":');
    });
    try {
      const e = await failure(new KafdoClient({ baseUrl: stalling.url, timeout: 300, ...fast }).health());
      assert.equal(e.code, 'REQUEST_TIMED_OUT');
    } finally {
      await stalling.close();
    }
  });

  it('retries a dropped connection, then names it', async () => {
    const dropping = await serve((req) => req.socket.destroy());
    try {
      const e = await failure(new KafdoClient({ baseUrl: dropping.url, retries: 1, ...fast }).health());
      assert.deepEqual([e.code, e.status], ['NETWORK_EXCEPTION', 0]);
      assert.match(e.message, /after 2 attempts/);
      assert.equal(dropping.requests.length, 2);
    } finally {
      await dropping.close();
    }
  });

  it('reports a failing heartbeat to onError and rejoins on REBALANCE_IN_PROGRESS, never rejecting', async () => {
    let generation = 1;
    const joins = [];
    const heartbeats = [];
    const coordinator = await serve((req, res, n, body) => {
      const path = req.url;
      if (path.endsWith('/join')) {
        joins.push(JSON.parse(body));
        return json(res, 200, {
          memberId: 'm-1',
          generationId: generation,
          leader: 'm-1',
          protocol: 'range',
          assignment: [{ topic: 't', partition: 0 }],
        });
      }
      if (path.endsWith('/heartbeat')) {
        heartbeats.push(JSON.parse(body));
        if (heartbeats.length === 1) {
          return json(res, 500, {
            error: { code: 'UNKNOWN_SERVER_ERROR', message: 'the server failed to answer this request' },
          });
        }
        if (heartbeats.length === 2) {
          generation = 2;
          return json(res, 409, {
            error: { code: 'REBALANCE_IN_PROGRESS', message: 'the group is rebalancing: join again' },
          });
        }
        res.writeHead(204).end();
        return;
      }
      if (path.endsWith('/leave')) return res.writeHead(204).end();
      json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
    });
    try {
      const client = new KafdoClient({ baseUrl: coordinator.url, clientId: 'fake', ...fast });
      const failed = deferred();
      const rejoined = deferred();
      const consumer = client.consumer({
        groupId: 'g',
        topics: ['t'],
        heartbeatIntervalMs: 20,
        onError: failed.resolve,
        onRebalance: rejoined.resolve,
      });
      const first = await consumer.connect();
      assert.equal(first.generationId, 1);
      const error = await failed.promise;
      assert.ok(error instanceof KafdoClientError);
      assert.deepEqual([error.code, error.status], ['UNKNOWN_SERVER_ERROR', 500]);
      const second = await rejoined.promise;
      assert.equal(second.generationId, 2);
      assert.equal(consumer.generationId, 2);
      assert.deepEqual(
        joins.map((j) => j.memberId),
        [undefined, 'm-1'],
        'the rejoin keeps the member id',
      );
      assert.equal(joins[0].clientId, 'fake');
      assert.deepEqual(heartbeats[0], { memberId: 'm-1', generationId: 1 });
      await consumer.disconnect();
      assert.ok(coordinator.requests.at(-1).url.endsWith('/leave'));
      assert.deepEqual(JSON.parse(coordinator.requests.at(-1).body), { memberId: 'm-1' });
    } finally {
      await coordinator.close();
    }
  });
});

after(() => {
  assert.deepEqual(unhandled, [], 'no unhandled rejections');
});
