/*
 * sasl-kafkajs.test.mjs — kafkajs 2.2.4 authenticating to Kafdo with SASL PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512 through `kafdo gateway`, with the Worker's
 * KAFDO_KAFKA_SASL=required: the right password produces and consumes, a wrong one is
 * refused with SASL_AUTHENTICATION_FAILED, a client without SASL gets no answer but
 * ApiVersions, and users are managed over REST and with kafkajs's own admin
 * (DescribeUserScramCredentials is not in kafkajs; AlterUserScramCredentials neither,
 * so those are driven with raw frames in sasl-protocol.test.mjs).
 *
 * Run: node --test tests/interop/sasl-kafkajs.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newKafka, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const MECHANISMS = [
  ['plain', 'SCRAM-SHA-256', 'plain-user'],
  ['scram-sha-256', 'SCRAM-SHA-256', 'scram256-user'],
  ['scram-sha-512', 'SCRAM-SHA-512', 'scram512-user'],
];

describe('kafkajs with SASL, KAFDO_KAFKA_SASL=required', () => {
  let dev;

  before(async () => {
    dev = await startKafdo({
      vars: {
        KAFDO_KAFKA_SASL: 'required',
        KAFDO_SUPER_USERS: 'User:plain-user;User:scram256-user;User:scram512-user;User:temp',
      },
    });
    for (const [, mechanism, user] of MECHANISMS) {
      const res = await dev.api.request('PUT', `/admin/users/${user}`, { mechanism, password: `${user}-secret` });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { name: user, credentials: [{ mechanism, iterations: 4096 }] });
    }
  });

  after(() => stopKafdo(dev));

  for (const [mechanism, , user] of MECHANISMS) {
    it(`${mechanism}: the right password produces and consumes`, async () => {
      const kafka = newKafka(dev, { sasl: { mechanism, username: user, password: `${user}-secret` } });
      const topic = `sasl-${mechanism}`;
      const producer = kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({ topic, messages: [{ key: 'k', value: mechanism }] });
      assert.equal(sent.errorCode, 0);
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${mechanism}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise((resolve, reject) => {
        consumer.run({ eachMessage: async ({ message }) => resolve(message.value.toString()) }).catch(reject);
      });
      assert.equal(got, mechanism);
      await consumer.disconnect();
    });

    it(`${mechanism}: a wrong password is refused with SASL_AUTHENTICATION_FAILED`, async () => {
      const kafka = newKafka(dev, { sasl: { mechanism, username: user, password: 'wrong' }, retry: { retries: 0 } });
      const admin = kafka.admin();
      await assert.rejects(admin.connect(), (e) => {
        assert.equal(e.name, 'KafkaJSSASLAuthenticationError', e.stack);
        assert.match(e.message, /SASL_AUTHENTICATION_FAILED|[Aa]uthentication failed/);
        return true;
      });
    });
  }

  it('an unknown user is refused as a wrong password is', async () => {
    const kafka = newKafka(dev, {
      sasl: { mechanism: 'scram-sha-256', username: 'nobody', password: 'x' },
      retry: { retries: 0 },
    });
    await assert.rejects(kafka.admin().connect(), { name: 'KafkaJSSASLAuthenticationError' });
  });

  it('a client without SASL is answered nothing but ApiVersions', async () => {
    const kafka = newKafka(dev, { retry: { retries: 0 }, connectionTimeout: 5000, requestTimeout: 5000 });
    const admin = kafka.admin();
    await assert.rejects(admin.connect().then(() => admin.listTopics()));
    await admin.disconnect();
  });

  it('users are listed and deleted over REST; a deleted user cannot log in', async () => {
    const listed = await dev.api.get('/admin/users');
    assert.deepEqual(listed.users.map((u) => u.name).sort(), MECHANISMS.map(([, , u]) => u).sort());
    assert.ok(!JSON.stringify(listed).includes('secret'));
    await dev.api.request('PUT', '/admin/users/temp', { mechanism: 'SCRAM-SHA-512', password: 'temp-secret' });
    const kafka = () =>
      newKafka(dev, {
        sasl: { mechanism: 'scram-sha-512', username: 'temp', password: 'temp-secret' },
        retry: { retries: 0 },
      });
    const admin = kafka().admin();
    await admin.connect();
    await admin.disconnect();
    assert.equal((await dev.api.request('DELETE', '/admin/users/temp')).status, 204);
    assert.equal((await dev.api.request('DELETE', '/admin/users/temp')).status, 404);
    await assert.rejects(kafka().admin().connect(), { name: 'KafkaJSSASLAuthenticationError' });
  });

  it('REST refuses an unknown mechanism and an empty password, and keeps nothing', async () => {
    const bad = await dev.api.request('PUT', '/admin/users/x', { mechanism: 'SCRAM-SHA-1', password: 'p' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'UNSUPPORTED_SASL_MECHANISM');
    const empty = await dev.api.request('PUT', '/admin/users/x', { mechanism: 'SCRAM-SHA-256', password: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.code, 'UNACCEPTABLE_CREDENTIAL');
    const few = await dev.api.request('PUT', '/admin/users/x', {
      mechanism: 'SCRAM-SHA-256',
      password: 'p',
      iterations: 10,
    });
    assert.equal(few.body.error.code, 'UNACCEPTABLE_CREDENTIAL');
    assert.ok(!(await dev.api.get('/admin/users')).users.some((u) => u.name === 'x'));
  });
});
