/*
 * kafkajs-helpers.mjs — what the kafkajs interop tests share (not a test file itself).
 *
 * Every test file starts its own `wrangler dev` with the Kafka relay beside it
 * (tests/e2e/harness.mjs, { gateway: true }) and points real, unmodified kafkajs 2.2.4
 * clients at dev.kafkaBroker ("127.0.0.1:<port>"). Nothing here mocks anything:
 *
 *   startKafdo()        wrangler dev + `kafdo gateway`, and a REST client for the same Kafdo
 *   newKafka(dev)       a kafkajs Kafka for the gateway, logs silenced
 *   Inbox               what a consumer received, awaited by predicate (no sleeps); a
 *                       consumer's CRASH event fails the wait at once with its error
 *   fence()             one record to each partition, so "everything before the fence"
 *                       is a complete, event-bounded view of what a consumer received
 *   errorTypes(e)       every kafkajs error type name in an error and its causes
 *   RawKafka            a TCP connection speaking kafkajs's own protocol encoders and
 *                       decoders one request at a time (for what kafkajs's high-level API
 *                       swallows or cannot send), and raw frames for the garbage tests
 */
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { client, startDev } from '../e2e/harness.mjs';

const require = createRequire(import.meta.url);

export { client };

/* wrangler dev with the relay; dev.api is a REST client for it. */
export async function startKafdo(options = {}) {
  const dev = await startDev({ ...options, gateway: options.gateway ?? true });
  if (!dev.kafkaBroker) {
    await dev.stop({ removePersistDir: true });
    throw new Error('harness started no gateway (dev.kafkaBroker unset)');
  }
  dev.api = client(dev.baseUrl);
  return dev;
}

export async function stopKafdo(dev) {
  if (dev) await dev.stop({ removePersistDir: true });
}

/* A kafkajs client for the gateway: the README's config apart from the broker address
 * (and ssl, which the local relay does not speak). */
export function newKafka(dev, extra = {}) {
  return new Kafka({ brokers: [dev.kafkaBroker], logLevel: logLevel.NOTHING, ...extra });
}

/* Every `type` (kafkajs's error name, e.g. TOPIC_ALREADY_EXISTS) found in an error, its
 * cause / originalError chain, and the per-item errors aggregate errors carry. */
export function errorTypes(error) {
  const types = [];
  const seen = new Set();
  const walk = (e) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    if (typeof e.type === 'string') types.push(e.type);
    walk(e.cause);
    walk(e.originalError);
    for (const x of e.errors ?? []) walk(x);
    for (const g of e.groups ?? []) walk(g.error);
    for (const t of e.topics ?? []) walk(t.error);
  };
  walk(error);
  return types;
}

/* assert.rejects' validator: the rejection carries kafkajs error type `type`. */
export function hasErrorType(type) {
  return (e) => {
    const types = errorTypes(e);
    if (!types.includes(type)) {
      throw new Error(`expected a ${type} error, got ${e?.name}: ${e?.message} (types: ${JSON.stringify(types)})`);
    }
    return true;
  };
}

/*
 * What consumers received. push() records a message; waitFor(what, predicate) resolves
 * once predicate(messages) holds (checked at every push), and rejects at once when a
 * watched consumer crashes, naming the error, so a broken broker fails the test with
 * the cause rather than a timeout.
 */
export class Inbox {
  constructor() {
    this.messages = [];
    this.waiters = [];
    this.failure = null;
  }

  push(m) {
    this.messages.push(m);
    this.check();
  }

  check() {
    for (const w of [...this.waiters]) {
      let ok;
      try {
        ok = w.predicate(this.messages);
      } catch (e) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.reject(e);
        continue;
      }
      if (ok) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(this.messages);
      }
    }
  }

  fail(error) {
    this.failure ??= error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /* Fails waiters when consumer crashes (kafkajs gives up and stops it). */
  watch(consumer, name = 'consumer') {
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const e = payload.error;
      this.fail(
        new Error(`${name} crashed: ${e?.name}: ${e?.message} (types ${JSON.stringify(errorTypes(e))})`, { cause: e }),
      );
    });
    return consumer;
  }

  waitFor(what, predicate) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = {
        predicate,
        resolve,
        reject: (e) => reject(new Error(`while waiting for ${what}: ${e.message}`, { cause: e })),
      };
      this.waiters.push(w);
      this.check();
    });
  }

  /* Resolves once `n` messages (in all) have been received. */
  count(n, what = `${n} messages`) {
    return this.waitFor(what, (ms) => ms.length >= n);
  }
}

/* The kafkajs message shape the tests compare, from an eachMessage call. */
export function captured({ topic, partition, message }, extra = {}) {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key,
    value: message.value,
    headers: message.headers,
    timestamp: message.timestamp,
    ...extra,
  };
}

export const FENCE_KEY = '__fence__';

/*
 * Sends one fence record (key "__fence__") to each of `partitions` of `topic` with
 * producer and resolves once inbox holds a fence from each of them: a consumer reads a
 * partition in order, so everything it delivered of that partition before the fence is
 * everything it will ever deliver of what was produced before it. Returns the non-fence
 * messages of `topic` received by then.
 */
export async function fence(producer, inbox, topic, partitions) {
  const tag = `fence-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  await producer.send({
    topic,
    messages: partitions.map((partition) => ({ partition, key: FENCE_KEY, value: tag })),
  });
  await inbox.waitFor(`fences on ${topic} partitions ${partitions}`, (ms) => {
    const seen = new Set(
      ms.filter((m) => m.topic === topic && isFence(m) && String(m.value) === tag).map((m) => m.partition),
    );
    return partitions.every((p) => seen.has(p));
  });
  return inbox.messages.filter((m) => m.topic === topic && !isFence(m));
}

export function isFence(m) {
  return m.key != null && String(m.key) === FENCE_KEY;
}

export const range = (n) => Array.from({ length: n }, (_, i) => i);

/* Awaits the first `event` of a kafkajs client whose payload satisfies predicate. */
export function nextEvent(emitter, event, predicate = () => true) {
  return new Promise((resolve) => {
    const remove = emitter.on(event, (e) => {
      if (predicate(e.payload)) {
        remove();
        resolve(e.payload);
      }
    });
  });
}

/* Asks `probe` (a round trip) again until it holds, a bounded number of times; for
 * state only reachable by asking, as tests/e2e/groups.test.mjs does. */
export async function until(what, probe, tries = 500) {
  for (let i = 0; i < tries; i++) {
    const last = await probe();
    if (last) return last;
  }
  throw new Error(`gave up waiting for ${what}`);
}

/* ---- raw connections ------------------------------------------------------ */

/*
 * One TCP connection to the gateway. frames() yields whole response frames; call()
 * sends a request built by kafkajs's own encoder (kafkajs/src/protocol/requests/<api>)
 * and decodes the answer with kafkajs's decoder and parse() (which throws kafkajs's
 * typed errors, as the client would). writeRaw() sends any bytes; closed resolves when
 * the peer closes.
 */
export class RawKafka {
  static async open(broker) {
    const [host, port] = broker.split(':');
    const socket = connect({ host, port: Number(port) });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawKafka(socket);
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.frames = [];
    this.readers = [];
    this.correlationId = 1000;
    this.isClosed = false;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        for (const r of this.readers.splice(0)) r.resolve(null);
        resolve();
      });
    });
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4) {
        const size = this.buffer.readInt32BE(0);
        if (this.buffer.length < 4 + size) break;
        const frame = this.buffer.subarray(0, 4 + size);
        this.buffer = this.buffer.subarray(4 + size);
        const r = this.readers.shift();
        if (r) r.resolve(frame);
        else this.frames.push(frame);
      }
    });
  }

  /* The next response frame (size prefix included), or null once the socket closed. */
  nextFrame() {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve) => this.readers.push({ resolve }));
  }

  /* 'answered' with the frame, or 'closed': whichever comes first. */
  async answeredOrClosed() {
    const frame = await this.nextFrame();
    return frame ? { outcome: 'answered', frame } : { outcome: 'closed' };
  }

  writeRaw(bytes) {
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  /* A kafkajs request: api is the directory under kafkajs/src/protocol/requests. */
  async call(api, version, args, { parse = true } = {}) {
    const { request, response } = require(`kafkajs/src/protocol/requests/${api}`).protocol({ version })(args);
    const encodeRequest = require('kafkajs/src/protocol/request');
    const correlationId = this.correlationId++;
    const encoder = await encodeRequest({ correlationId, clientId: 'kafdo-interop-raw', request });
    await this.writeRaw(encoder.buffer);
    const frame = await this.nextFrame();
    if (!frame) throw new Error(`${api} v${version}: the connection was closed instead of answered`);
    const got = frame.readInt32BE(4);
    if (got !== correlationId) throw new Error(`${api} v${version}: correlation id ${got}, expected ${correlationId}`);
    const decoded = await response.decode(frame.subarray(8));
    return parse ? response.parse(decoded) : decoded;
  }

  close() {
    this.socket.destroy();
    return this.closed;
  }
}

/* A request frame by hand: size, api key, version, correlation id, client id, body. */
export function requestFrame(apiKey, apiVersion, correlationId, clientId, body = Buffer.alloc(0)) {
  const id =
    clientId == null
      ? Buffer.from([0xff, 0xff])
      : Buffer.concat([u16(Buffer.byteLength(clientId)), Buffer.from(clientId)]);
  const header = Buffer.alloc(8);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  const payload = Buffer.concat([header, id, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

/* Deterministic pseudo-random bytes (xorshift32), so a failing case can be replayed. */
export function pseudoRandomBytes(n, seed) {
  let x = seed >>> 0 || 1;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export { logLevel };
