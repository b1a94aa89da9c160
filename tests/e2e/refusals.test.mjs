/*
 * refusals.test.mjs — a refused request is an answer, not a crash, in the runtime's log.
 *
 * A real `wrangler dev` (harness.mjs, with the Kafka relay) is sent requests Kafdo
 * must refuse, over REST and over the Kafka protocol: an invalid topic name, an
 * unknown topic, a topic that exists already, an offset outside the log, a heartbeat
 * from a member the group does not know, and the deletion of a group that still
 * has members. Each client must get the right error, and wrangler's output (workerd's
 * log included) must hold no "Uncaught" and no "[ERROR]" line: an operator sees errors
 * only where something went wrong.
 *
 * The refusals are decided inside Durable Objects; workerd logs an exception thrown
 * out of a Durable Object's RPC method as uncaught even when the caller catches it,
 * which is why Kafdo answers refusals across RPC as values (durable-objects/rpc.ts).
 *
 * The log is read once the runtime has logged a request sent after every refusal
 * (wrangler logs each request at --log-level info), so no line of theirs is still
 * on its way.
 *
 * Run: node --test tests/e2e/refusals.test.mjs
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { client, startDev } from './harness.mjs';

const TOPIC = 'refusals';
const GROUP = 'refusals-group';

/* wrangler colours its output even with NO_COLOR. */
const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

function assertError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: status ${res.status}, body ${res.text.slice(0, 300)}`);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text.slice(0, 300)}`);
}

/* The kafkajs error type names (INVALID_TOPIC_EXCEPTION, ...) in an error and its parts. */
function kafkaTypes(e) {
  const types = [];
  const walk = (x) => {
    if (!x || typeof x !== 'object') return;
    if (typeof x.type === 'string') types.push(x.type);
    walk(x.cause);
    walk(x.originalError);
    for (const y of x.errors ?? []) walk(y);
    for (const g of x.groups ?? []) walk(g.error);
  };
  walk(e);
  return types;
}

async function kafkaRefusal(promise) {
  const e = await promise.then(
    () => assert.fail('the request was not refused'),
    (err) => err,
  );
  return kafkaTypes(e);
}

describe('refused requests', () => {
  let dev;
  let api;
  let admin;

  before(async () => {
    dev = await startDev({ gateway: true, logLevel: 'info' });
    api = client(dev.baseUrl);
    admin = new Kafka({ brokers: [dev.kafkaBroker], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    await api.createTopic(TOPIC, 1);
  });

  after(async () => {
    await admin?.disconnect();
    await dev?.stop({ removePersistDir: true });
  });

  it('are answered with their error, over REST and Kafka, and logged as nothing worse', async () => {
    /* REST */
    assertError(
      await api.request('POST', '/admin/topics', { topic: 'bad name!', partitions: 1 }),
      400,
      'INVALID_TOPIC_EXCEPTION',
      'an invalid topic name',
    );
    assertError(
      await api.request('GET', '/admin/topics/no-such-topic'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
      'an unknown topic',
    );
    assertError(
      await api.request('POST', '/topics/no-such-topic/partitions/0/messages?offset=0'),
      405,
      'METHOD_NOT_ALLOWED',
      'a wrong method (refused by the router, no Durable Object)',
    );
    assertError(
      await api.request('GET', '/topics/no-such-topic/partitions/0/messages?offset=0'),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
      'a read of an unknown topic',
    );
    assertError(
      await api.request('POST', '/admin/topics', { topic: TOPIC, partitions: 1 }),
      409,
      'TOPIC_ALREADY_EXISTS',
      'a topic created twice',
    );
    assertError(
      await api.request('GET', `/topics/${TOPIC}/partitions/0/messages?offset=5`),
      416,
      'OFFSET_OUT_OF_RANGE',
      'an offset outside the log',
    );

    const g = `/consumer-groups/${GROUP}`;
    const member = await api.post(`${g}/join`, { topics: [TOPIC], sessionTimeoutMs: 60000 }, 200);
    assertError(
      await api.request('POST', `${g}/heartbeat`, { memberId: 'nobody', generationId: member.generationId }),
      409,
      'UNKNOWN_MEMBER_ID',
      'a heartbeat from an unknown member',
    );
    assertError(
      await api.request('DELETE', `/admin/groups/${GROUP}`),
      409,
      'NON_EMPTY_GROUP',
      'the deletion of a group with members',
    );

    /* Kafka */
    assert.ok(
      (await kafkaRefusal(admin.createTopics({ topics: [{ topic: 'bad name!' }] }))).includes(
        'INVALID_TOPIC_EXCEPTION',
      ),
    );
    assert.ok(
      (await kafkaRefusal(admin.deleteTopics({ topics: ['no-such-topic'], timeout: 5000 }))).includes(
        'UNKNOWN_TOPIC_OR_PARTITION',
      ),
    );
    assert.ok((await kafkaRefusal(admin.deleteGroups([GROUP]))).includes('NON_EMPTY_GROUP'));

    /* Every refusal's log lines are out once a later request's is. */
    const marker = `/after-the-refusals-${Date.now()}`;
    assertError(await api.request('GET', marker), 404, 'NOT_FOUND', 'the marker request');
    for (let i = 0; i < 200 && !dev.output().includes(marker); i++) await new Promise((r) => setTimeout(r, 50));
    const log = plain(dev.output());
    assert.ok(log.includes(marker), `wrangler logged the marker request:\n${log}`);
    const errors = log.split('\n').filter((line) => /Uncaught|\[ERROR\]/.test(line));
    assert.deepEqual(errors, [], `wrangler's output holds errors for refused requests:\n${log}`);
  });
});
