/*
 * sasl-protocol.test.mjs — the SASL exchange request by request, over a raw connection
 * to `kafdo gateway` (RawKafka: kafkajs's own encoders and decoders), against a Worker
 * with KAFDO_KAFKA_SASL=required: what Kafka answers to each misstep, SaslHandshake v0's
 * raw tokens, and the SCRAM users managed over the Kafka protocol as kafka-configs does
 * (AlterUserScramCredentials with a client-salted password, DescribeUserScramCredentials;
 * kafkajs has no encoders for them, so their frames are built here).
 *
 * Run: node --test tests/interop/sasl-protocol.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { RawKafka, newKafka, requestFrame, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const plainToken = (user, password) => Buffer.from(`\0${user}\0${password}`);
/* kafkajs's SaslAuthenticate encoder writes authBytes as given: the int32 length is the caller's. */
const authBytes = (token) => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length);
  return Buffer.concat([size, token]);
};

/* ---- flexible (v0 = flexible) frames for APIs 50 and 51 ---- */
const uvarint = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const compactString = (s) => Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const compactBytes = (b) => Buffer.concat([uvarint(b.length + 1), b]);
const i8 = (n) => Buffer.from([n]);
const i32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const TAGS = Buffer.from([0]);
/* A flexible request: header v2 is v1's (clientId a plain nullable string) plus tags. */
const flexibleFrame = (apiKey, correlationId, body) => {
  const frame = requestFrame(apiKey, 0, correlationId, 'raw', Buffer.concat([TAGS, body]));
  return frame;
};

/* A tiny reader of flexible responses. */
class Flex {
  constructor(frame) {
    this.b = frame;
    this.at = 8; /* size, correlation id */
    this.tags();
  }
  uvarint() {
    let n = 0;
    let shift = 0;
    for (;;) {
      const byte = this.b[this.at++];
      n |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return n;
      shift += 7;
    }
  }
  tags() {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint();
      this.at += this.uvarint();
    }
  }
  i8() {
    return this.b.readInt8(this.at++);
  }
  i16() {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  i32() {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  string() {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  array(each) {
    const n = this.uvarint() - 1;
    const out = [];
    for (let i = 0; i < n; i++) {
      out.push(each());
      this.tags();
    }
    return out;
  }
}

function alterRequest(correlationId, { deletions = [], upsertions = [] }) {
  const body = Buffer.concat([
    uvarint(deletions.length + 1),
    ...deletions.map((d) => Buffer.concat([compactString(d.name), i8(d.mechanism), TAGS])),
    uvarint(upsertions.length + 1),
    ...upsertions.map((u) =>
      Buffer.concat([
        compactString(u.name),
        i8(u.mechanism),
        i32(u.iterations),
        compactBytes(u.salt),
        compactBytes(u.saltedPassword),
        TAGS,
      ]),
    ),
    TAGS,
  ]);
  return flexibleFrame(51, correlationId, body);
}

function readAlter(frame) {
  const r = new Flex(frame);
  r.i32();
  return r.array(() => ({ user: r.string(), errorCode: r.i16(), errorMessage: r.string() }));
}

function describeRequest(correlationId, users) {
  const list =
    users === null
      ? uvarint(0)
      : Buffer.concat([uvarint(users.length + 1), ...users.map((u) => Buffer.concat([compactString(u), TAGS]))]);
  return flexibleFrame(50, correlationId, Buffer.concat([list, TAGS]));
}

function readDescribe(frame) {
  const r = new Flex(frame);
  r.i32();
  const errorCode = r.i16();
  r.string();
  const results = r.array(() => ({
    user: r.string(),
    errorCode: r.i16(),
    errorMessage: r.string(),
    credentials: r.array(() => ({ mechanism: r.i8(), iterations: r.i32() })),
  }));
  return { errorCode, results };
}

describe('the SASL exchange on the wire, KAFDO_KAFKA_SASL=required', () => {
  let dev;

  before(async () => {
    dev = await startKafdo({ vars: { KAFDO_KAFKA_SASL: 'required', KAFDO_SUPER_USERS: 'User:admin;User:carol' } });
    await dev.api.request('PUT', '/admin/users/admin', { mechanism: 'SCRAM-SHA-256', password: 'admin-pw' });
  });

  after(() => stopKafdo(dev));

  /* A raw connection authenticated with PLAIN (handshake v1, authenticate v1). */
  async function loggedIn(user = 'admin', password = 'admin-pw') {
    const raw = await RawKafka.open(dev.kafkaBroker);
    await raw.call('saslHandshake', 1, { mechanism: 'PLAIN' });
    await raw.call('saslAuthenticate', 1, { authBytes: authBytes(plainToken(user, password)) });
    return raw;
  }

  it('ApiVersions lists SaslHandshake 0-1, SaslAuthenticate 0-2 and APIs 50, 51 before authentication', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    const { apiVersions } = await raw.call('apiVersions', 2, {});
    const range = (k) => apiVersions.find((a) => a.apiKey === k);
    assert.deepEqual([range(17).minVersion, range(17).maxVersion], [0, 1]);
    assert.deepEqual([range(36).minVersion, range(36).maxVersion], [0, 2]);
    assert.ok(range(50) && range(51));
    await raw.close();
  });

  it('Metadata before authentication closes the connection unanswered', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    await raw.writeRaw(requestFrame(3, 1, 7, 'raw', Buffer.from([0xff, 0xff, 0xff, 0xff])));
    assert.equal((await raw.answeredOrClosed()).outcome, 'closed');
  });

  it('an unknown mechanism is UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    const answer = await raw.call('saslHandshake', 1, { mechanism: 'GSSAPI' }, { parse: false });
    assert.equal(answer.errorCode, 33);
    assert.deepEqual(answer.enabledMechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    await raw.closed;
  });

  it('SaslAuthenticate without a handshake is ILLEGAL_SASL_STATE, then the connection closes', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    const answer = await raw.call(
      'saslAuthenticate',
      1,
      { authBytes: authBytes(plainToken('admin', 'admin-pw')) },
      { parse: false },
    );
    assert.equal(answer.errorCode, 34);
    await raw.closed;
  });

  it('a malformed SCRAM message is SASL_AUTHENTICATION_FAILED, then the connection closes', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    await raw.call('saslHandshake', 1, { mechanism: 'SCRAM-SHA-256' });
    const answer = await raw.call(
      'saslAuthenticate',
      1,
      { authBytes: authBytes(Buffer.from('y,,n=admin,r=abc')) },
      { parse: false },
    );
    assert.equal(answer.errorCode, 58);
    assert.match(answer.errorMessage, /channel binding/);
    await raw.closed;
  });

  it('SaslHandshake v0 is followed by the raw PLAIN token, and the connection then serves Metadata', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    await raw.call('saslHandshake', 0, { mechanism: 'PLAIN' });
    await raw.writeRaw(authBytes(plainToken('admin', 'admin-pw')));
    const reply = await raw.nextFrame();
    assert.deepEqual([...reply], [0, 0, 0, 0]);
    const metadata = await raw.call('metadata', 1, { topics: [] });
    assert.equal(metadata.brokers.length, 1);
    await raw.close();
  });

  it('AlterUserScramCredentials stores a client-salted credential that SCRAM and PLAIN then accept', async () => {
    const raw = await loggedIn();
    const salt = randomBytes(24);
    const upsertion = (name, mechanism, iterations, password) => ({
      name,
      mechanism,
      iterations,
      salt,
      saltedPassword: pbkdf2Sync(
        password,
        salt,
        iterations,
        mechanism === 1 ? 32 : 64,
        mechanism === 1 ? 'sha256' : 'sha512',
      ),
    });
    await raw.writeRaw(
      alterRequest(1, {
        upsertions: [
          upsertion('carol', 2, 8192, 'carol-pw'),
          upsertion('dave', 1, 4000, 'x'),
          upsertion('erin', 3, 4096, 'x'),
        ],
        deletions: [{ name: 'nobody', mechanism: 1 }],
      }),
    );
    const results = readAlter(await raw.nextFrame());
    const byUser = Object.fromEntries(results.map((r) => [r.user, r.errorCode]));
    assert.deepEqual(byUser, { carol: 0, dave: 93, erin: 33, nobody: 91 });

    await raw.writeRaw(describeRequest(2, ['carol', 'dave', 'carol']));
    const described = readDescribe(await raw.nextFrame());
    assert.deepEqual(
      described.results.map((r) => [r.user, r.errorCode, r.credentials]),
      [
        ['carol', 92, []],
        ['dave', 91, []],
      ],
    );
    await raw.writeRaw(describeRequest(3, null));
    const all = readDescribe(await raw.nextFrame());
    assert.deepEqual(
      all.results.map((r) => [r.user, r.credentials]),
      [
        ['admin', [{ mechanism: 1, iterations: 4096 }]],
        ['carol', [{ mechanism: 2, iterations: 8192 }]],
      ],
    );
    await raw.close();

    for (const mechanism of ['scram-sha-512', 'plain']) {
      const admin = newKafka(dev, { sasl: { mechanism, username: 'carol', password: 'carol-pw' } }).admin();
      await admin.connect();
      await admin.disconnect();
    }

    const again = await loggedIn();
    await again.writeRaw(alterRequest(4, { deletions: [{ name: 'carol', mechanism: 2 }] }));
    assert.deepEqual(readAlter(await again.nextFrame()), [{ user: 'carol', errorCode: 0, errorMessage: null }]);
    await again.close();
    const refused = newKafka(dev, {
      sasl: { mechanism: 'plain', username: 'carol', password: 'carol-pw' },
      retry: { retries: 0 },
    });
    await assert.rejects(refused.admin().connect(), { name: 'KafkaJSSASLAuthenticationError' });
  });
});
