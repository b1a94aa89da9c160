/*
 * sasl-clients.test.mjs — librdkafka's clients authenticating with SASL: kcat (Debian's,
 * librdkafka 2.0.2) and Python's confluent-kafka (sasl_confluent.py), with PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512, over SASL_PLAINTEXT (a plain gateway) and SASL_SSL
 * (a gateway with a certificate made here by openssl, which the clients verify), against
 * a Worker with KAFDO_KAFKA_SASL=required: the right password produces and consumes, a
 * wrong one and none at all are refused.
 *
 * Run: node --test tests/interop/sasl-clients.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../bin/gateway.mjs';
import { ROOT, client, startDev } from '../e2e/harness.mjs';
import { run } from './procs.mjs';
import { KCAT } from './kcat.mjs';
import { selfSigned } from './certificates.mjs';

const PYTHON = process.env.KAFDO_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(ROOT, 'tests', 'interop', 'sasl_confluent.py');
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
/* PLAIN checks a password against a SCRAM credential: its user has a SHA-256 one. */
const USERS = {
  PLAIN: ['plain', 'SCRAM-SHA-256'],
  'SCRAM-SHA-256': ['s256', 'SCRAM-SHA-256'],
  'SCRAM-SHA-512': ['s512', 'SCRAM-SHA-512'],
};

describe('kcat and confluent-kafka with SASL, KAFDO_KAFKA_SASL=required', () => {
  let dev;
  let dir;
  let tls;
  let tlsGateway;
  const brokers = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kafdo-sasl-'));
    tls = selfSigned(dir);
    dev = await startDev({
      gateway: true,
      vars: { KAFDO_KAFKA_SASL: 'required', KAFDO_SUPER_USERS: 'User:plain;User:s256;User:s512' },
    });
    tlsGateway = await startGateway({ listen: '127.0.0.1:0', url: dev.baseUrl, tls, log: () => {} });
    brokers.SASL_PLAINTEXT = dev.kafkaBroker;
    brokers.SASL_SSL = `127.0.0.1:${tlsGateway.port}`;
    const api = client(dev.baseUrl);
    for (const [user, mechanism] of Object.values(USERS)) {
      const res = await api.request('PUT', `/admin/users/${user}`, { mechanism, password: `${user}-pw` });
      assert.equal(res.status, 200, res.text);
    }
  });

  after(async () => {
    await tlsGateway?.close();
    await dev?.stop({ removePersistDir: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kcatSasl = (protocol, mechanism, user, password) => {
    const args = [
      '-b',
      brokers[protocol],
      '-X',
      `security.protocol=${protocol}`,
      '-X',
      `sasl.mechanisms=${mechanism}`,
      '-X',
      `sasl.username=${user}`,
      '-X',
      `sasl.password=${password}`,
    ];
    if (protocol === 'SASL_SSL') args.push('-X', `ssl.ca.location=${tls.certFile}`);
    return args;
  };

  for (const protocol of ['SASL_PLAINTEXT', 'SASL_SSL']) {
    for (const mechanism of MECHANISMS) {
      const [user] = USERS[mechanism];
      const ca = () => (protocol === 'SASL_SSL' ? tls.certFile : '-');

      it(`kcat ${protocol} ${mechanism}: produces and consumes with the right password`, async () => {
        const topic = `kcat-${protocol}-${mechanism}`.toLowerCase();
        const auth = kcatSasl(protocol, mechanism, user, `${user}-pw`);
        const p = await run(KCAT, ['-P', ...auth, '-t', topic, '-K', ':'], {
          input: 'k:secret value\n',
          timeoutMs: 30_000,
        });
        assert.equal(p.code, 0, p.stderr);
        const c = await run(KCAT, ['-C', ...auth, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n'], {
          timeoutMs: 30_000,
        });
        assert.equal(c.code, 0, c.stderr);
        assert.equal(c.stdout, 'k=secret value\n');
      });

      it(`kcat ${protocol} ${mechanism}: a wrong password is refused`, async () => {
        const r = await run(KCAT, ['-L', ...kcatSasl(protocol, mechanism, user, 'wrong'), '-m', '5'], {
          timeoutMs: 30_000,
        });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /Authentication failed|SASL authentication error|_AUTHENTICATION/i);
      });

      it(`confluent-kafka ${protocol} ${mechanism}: right password works, wrong one refused`, async () => {
        const topic = `py-${protocol}-${mechanism}`.toLowerCase();
        const ok = await run(
          PYTHON,
          [SCRIPT, 'roundtrip', brokers[protocol], protocol, mechanism, user, `${user}-pw`, ca(), topic],
          { timeoutMs: 60_000 },
        );
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /^ok$/m);
        const bad = await run(
          PYTHON,
          [SCRIPT, 'refused', brokers[protocol], protocol, mechanism, user, 'wrong', ca()],
          { timeoutMs: 60_000 },
        );
        assert.equal(bad.code, 0, bad.stdout + bad.stderr);
        assert.match(bad.stdout, /_AUTHENTICATION/);
      });
    }

    it(`kcat and confluent-kafka over ${protocol === 'SASL_SSL' ? 'SSL' : 'PLAINTEXT'} without SASL are refused`, async () => {
      const args = ['-L', '-b', brokers[protocol], '-m', '5'];
      if (protocol === 'SASL_SSL') args.push('-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${tls.certFile}`);
      const r = await run(KCAT, args, { timeoutMs: 30_000 });
      assert.notEqual(r.code, 0, r.stdout);
      const py = await run(
        PYTHON,
        [SCRIPT, 'refused', brokers[protocol], protocol, '-', '-', '-', protocol === 'SASL_SSL' ? tls.certFile : '-'],
        { timeoutMs: 60_000 },
      );
      assert.equal(py.code, 0, py.stdout + py.stderr);
      assert.match(py.stdout, /refused/);
    });
  }
});
