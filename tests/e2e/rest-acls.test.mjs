/*
 * rest-acls.test.mjs — principals and ACLs on the REST door, against wrangler dev with
 * KAFDO_KAFKA_SASL=required (ACLs enforced), KAFDO_TOKEN (the operator, trusted) and
 * KAFDO_TOKENS (alice's and bob's tokens, kept as SHA-256 hashes): the operator manages
 * ACLs over /admin/acls; alice, allowed to write one topic and read one group, can do
 * exactly that and is refused the rest with 403 and Kafka's code; prefixed patterns;
 * deny wins; a deleted ACL stops allowing.
 *
 * Run: node --test tests/e2e/rest-acls.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, startDev } from './harness.mjs';

const OPERATOR = 'operator-token';
const TOKENS = { 'User:alice': 'alice-token', 'User:bob': 'bob-token' };
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

describe('REST with named tokens and ACLs (SASL required)', () => {
  let dev;
  const as = (token) => (method, path, payload) =>
    request(dev.baseUrl, method, path, payload, { authorization: `Bearer ${token}` });
  const operator = (...a) => as(OPERATOR)(...a);
  const alice = (...a) => as(TOKENS['User:alice'])(...a);
  const bob = (...a) => as(TOKENS['User:bob'])(...a);
  const refused = (res, code) => {
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.error.code, code);
    assert.equal(typeof res.body.error.message, 'string');
  };

  before(async () => {
    const hashes = Object.fromEntries(Object.entries(TOKENS).map(([p, t]) => [p, sha256(t)]));
    dev = await startDev({
      vars: { KAFDO_KAFKA_SASL: 'required', KAFDO_TOKEN: OPERATOR, KAFDO_TOKENS: JSON.stringify(hashes) },
    });
    for (const topic of ['orders', 'payments', 'pay-slips']) {
      assert.equal((await operator('POST', '/admin/topics', { topic, partitions: 1 })).status, 201);
    }
    const created = await operator('POST', '/admin/acls', {
      acls: [
        { resourceType: 'TOPIC', resourceName: 'orders', principal: 'User:alice', operation: 'WRITE' },
        { resourceType: 'GROUP', resourceName: 'billing', principal: 'User:alice', operation: 'READ' },
        {
          resourceType: 'TOPIC',
          resourceName: 'pay',
          patternType: 'PREFIXED',
          principal: 'User:bob',
          operation: 'READ',
        },
        {
          resourceType: 'TOPIC',
          resourceName: 'payments',
          principal: 'User:bob',
          operation: 'READ',
          permission: 'DENY',
        },
      ],
    });
    assert.equal(created.status, 201, created.text);
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('alice writes orders and nothing else', async () => {
    assert.equal((await alice('POST', '/topics/orders/produce', { value: 'ok' })).status, 200);
    refused(await alice('POST', '/topics/payments/produce', { value: 'no' }), 'TOPIC_AUTHORIZATION_FAILED');
    refused(await alice('GET', '/topics/orders/partitions/0/messages?offset=0'), 'TOPIC_AUTHORIZATION_FAILED');
    refused(await alice('DELETE', '/admin/topics/orders'), 'TOPIC_AUTHORIZATION_FAILED');
    refused(await alice('POST', '/admin/topics', { topic: 'mine' }), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('alice reads group billing and no other group; cluster resources are refused', async () => {
    assert.equal((await alice('GET', '/consumer-groups/billing/offsets')).status, 200);
    refused(await alice('GET', '/consumer-groups/other/offsets'), 'GROUP_AUTHORIZATION_FAILED');
    refused(await alice('POST', '/consumer-groups/other/join', { topics: ['orders'] }), 'GROUP_AUTHORIZATION_FAILED');
    refused(await alice('GET', '/admin/acls'), 'CLUSTER_AUTHORIZATION_FAILED');
    refused(
      await alice('PUT', '/admin/users/alice', { mechanism: 'SCRAM-SHA-256', password: 'x' }),
      'CLUSTER_AUTHORIZATION_FAILED',
    );
  });

  it('bob reads the pay* topics by prefix, but payments is denied: deny wins', async () => {
    assert.equal((await bob('GET', '/topics/pay-slips/partitions/0/messages?offset=0')).status, 200);
    refused(await bob('GET', '/topics/payments/partitions/0/messages?offset=0'), 'TOPIC_AUTHORIZATION_FAILED');
    refused(await bob('GET', '/topics/orders/partitions/0/messages?offset=0'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('an unknown token is 401; the operator token is trusted', async () => {
    const res = await as('nobody-token')('GET', '/admin/topics');
    assert.equal(res.status, 401);
    assert.equal((await operator('GET', '/topics/payments/partitions/0/messages?offset=0')).status, 200);
  });

  it('/admin/acls lists by filter, refuses an invalid binding whole, and deletes', async () => {
    const listed = await operator('GET', '/admin/acls?principal=User:bob');
    assert.deepEqual(
      listed.body.acls.map((a) => `${a.resourceName} ${a.patternType} ${a.operation} ${a.permission}`).sort(),
      ['pay PREFIXED READ ALLOW', 'payments LITERAL READ DENY'],
    );
    const matching = await operator('GET', '/admin/acls?resourceType=TOPIC&resourceName=pay-slips');
    assert.deepEqual(
      matching.body.acls.map((a) => a.resourceName),
      ['pay'],
    );
    const bad = await operator('POST', '/admin/acls', {
      acls: [
        { resourceType: 'TOPIC', resourceName: 'x', principal: 'User:carol', operation: 'READ' },
        { resourceType: 'CLUSTER', resourceName: 'elsewhere', principal: 'User:carol', operation: 'ALTER' },
      ],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_REQUEST');
    assert.match(bad.body.error.message, /acls\[1\]/);
    assert.deepEqual((await operator('GET', '/admin/acls?principal=User:carol')).body.acls, []);

    const deleted = await operator(
      'DELETE',
      '/admin/acls?principal=User:alice&resourceType=TOPIC&resourceName=orders&patternType=LITERAL',
    );
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.body.deleted.length, 1);
    await new Promise((r) => setTimeout(r, 2100)); /* an isolate's ACL cache */
    refused(await alice('POST', '/topics/orders/produce', { value: 'no longer' }), 'TOPIC_AUTHORIZATION_FAILED');
  });
});
