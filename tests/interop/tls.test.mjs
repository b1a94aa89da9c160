/*
 * tls.test.mjs — the compatibility story connects with `ssl: true`: kafkajs over TLS to
 * `kafdo gateway --tls-cert --tls-key`, which ends TLS and relays the frames as usual.
 * The certificate is made for this run with Debian's openssl (self-signed, for
 * 127.0.0.1), and kafkajs is given it as its CA: the connection is verified, not merely
 * encrypted. A client that does not speak TLS to the TLS port gets nowhere, and the
 * gateway keeps serving.
 *
 * Run: node --test tests/interop/tls.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { startDev } from '../e2e/harness.mjs';
import { selfSigned } from './certificates.mjs';

const { Kafka, logLevel } = kafkajs;

describe('kafkajs with ssl through kafdo gateway --tls-cert/--tls-key', () => {
  let dev;
  let dir;
  let tls;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kafdo-tls-'));
    tls = selfSigned(dir);
    dev = await startDev({ gateway: { tls } });
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('produces and consumes over a verified TLS connection', async () => {
    const kafka = new Kafka({
      brokers: [dev.kafkaBroker],
      ssl: { ca: [tls.cert] },
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'secure', messages: [{ key: 'k', value: 'over tls' }] });
    assert.equal(sent.errorCode, 0);
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'secure-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'secure', fromBeginning: true });
    const got = await new Promise((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message) }).catch(reject);
    });
    assert.equal(got.key.toString(), 'k');
    assert.equal(got.value.toString(), 'over tls');
    await consumer.disconnect();
  });

  it('refuses a client that does not speak TLS, and keeps serving', async () => {
    const [host, port] = dev.kafkaBroker.split(':');
    const closed = await new Promise((resolve) => {
      const socket = connect(Number(port), host, () => {
        /* An ApiVersions v0 request in the clear. */
        socket.write(Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]));
      });
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => resolve(true));
    });
    assert.ok(closed);
    const admin = new Kafka({
      brokers: [dev.kafkaBroker],
      ssl: { ca: [tls.cert] },
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    assert.ok((await admin.listTopics()).includes('secure'));
    await admin.disconnect();
  });
});
