/*
 * `kafdo gateway`, the Kafka relay (bin/gateway.mjs), against a stand-in for the
 * Worker's /kafka endpoint: a `ws` WebSocket server started here that answers each
 * frame with a transformed frame (same size prefix, payload bytes inverted). This
 * tests the relay and the contract it keeps (README, "kafdo gateway"), not the Worker:
 *
 *   - frames cross unchanged, prefix included, one WebSocket message each and in order,
 *     however TCP cuts or joins them; the splitter itself under every chunking;
 *   - a 5 MiB frame both ways; frames written before the WebSocket opens are queued,
 *     and sent even when the client has left by then;
 *   - the Authorization header, the /kafka path and the advertise query;
 *   - backpressure both ways: a Kafka client that stops reading stops the relay reading
 *     the WebSocket (the stand-in's send buffer keeps what the client has not taken),
 *     and a WebSocket that stops reading stops the relay reading TCP (the client's write
 *     buffer keeps it); then everything arrives, in order;
 *   - a size prefix out of MIN_FRAME..MAX_FRAME (bin/kafka-frame.mjs, the Worker's own
 *     limits) closes that connection only, with one log line, on the 4 prefix bytes alone:
 *     the relay neither waits for nor holds the body of a frame the Worker would refuse;
 *   - an HTTP request on the Kafka port is answered 400, naming where Kafdo's HTTP is;
 *   - closing: the Worker's 1008 or a refused handshake closes the TCP connection, and
 *     a closed TCP connection closes the WebSocket;
 *   - the command itself: bin/kafdo gateway relays and stops on SIGTERM; it checks at
 *     start that it can reach the Worker and exits 1 naming the URL and the reason when it
 *     cannot, or when its port is taken.
 *
 * The relay runs in this process (startGateway) except in the last test. Where no event
 * says "the relay has stopped reading", the test polls until the byte counts stop moving.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { frameSplitter, startGateway } from '../../bin/gateway.mjs';
/* The Worker's limit (worker/kafka/index.ts takes it from here), which the relay must keep. */
import { MAX_FRAME } from '../../bin/kafka-frame.mjs';
import { ROOT, freePort } from './harness.mjs';

const MiB = 1024 * 1024;

/* ---- frames ----------------------------------------------------------------------- */

/* A frame: the 4-byte big-endian size of the payload, then the payload. */
function frame(payload) {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/* The stand-in's answer to a frame: the same size prefix, every payload byte inverted. */
function transform(f) {
  const out = Buffer.from(f);
  for (let i = 4; i < out.length; i++) out[i] ^= 0xff;
  return out;
}

/* Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/* n frames of 8 to maxPayload bytes, each payload starting with its index. */
function someFrames(n, maxPayload, seed) {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const payload = Buffer.alloc(8 + Math.floor(rnd() * (maxPayload - 7)));
    for (let j = 0; j < payload.length; j++) payload[j] = Math.floor(rnd() * 256);
    payload.writeUInt32BE(i, 0);
    return frame(payload);
  });
}

/* Cuts bytes into chunks of 1 to maxChunk bytes. */
function chunks(bytes, maxChunk, seed) {
  const rnd = random(seed);
  const out = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/* Reads frames off a byte stream, independently of the relay's splitter. */
function frameReader(onFrame) {
  let list = [];
  let total = 0;
  return (chunk) => {
    list.push(chunk);
    total += chunk.length;
    for (;;) {
      if (total < 4) return;
      if (list[0].length < 4) list = [Buffer.concat(list, total)];
      const need = 4 + list[0].readUInt32BE(0);
      if (total < need) return;
      const all = list.length === 1 ? list[0] : Buffer.concat(list, total);
      onFrame(all.subarray(0, need));
      const rest = all.subarray(need);
      list = rest.length > 0 ? [rest] : [];
      total = rest.length;
    }
  };
}

/* ---- the Kafka client side -------------------------------------------------------- */

/* A TCP connection to the relay, collecting the frames it answers (unless onFrame is
 * given). closed resolves when the relay closes or destroys it. */
async function kafkaClient(port, onFrame) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  const client = {
    socket,
    frames: [],
    closed: new Promise((resolve) => socket.once('close', resolve)),
    waiters: [],
    /* The next n answers, once they have all come. */
    next(n) {
      return new Promise((resolve, reject) => {
        client.waiters.push({ n, resolve });
        client.check();
        client.closed.then(() => reject(new Error(`connection closed with ${client.frames.length}/${n} answers`)));
      });
    },
    check() {
      while (client.waiters.length > 0 && client.frames.length >= client.waiters[0].n) {
        const { n, resolve } = client.waiters.shift();
        resolve(client.frames.splice(0, n));
      }
    },
    write: (bytes) => new Promise((resolve, reject) => socket.write(bytes, (e) => (e ? reject(e) : resolve()))),
  };
  socket.on('error', () => {});
  socket.on(
    'data',
    frameReader((f) => {
      if (onFrame) return onFrame(f);
      client.frames.push(Buffer.from(f));
      client.check();
    }),
  );
  return client;
}

/* ---- the Worker side -------------------------------------------------------------- */

/*
 * A WebSocket server standing in for the Worker's /kafka. Each connection is recorded
 * ({ ws, req, url, messages, closed }); onMessage(conn, data, isBinary) answers, by
 * default recording the message and sending transform(data) back. verifyClient as ws's.
 */
async function standIn({ onMessage, verifyClient } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient, perMessageDeflate: false });
  await once(wss, 'listening');
  const connections = [];
  const arrivals = [];
  wss.on('connection', (ws, req) => {
    const conn = {
      ws,
      req,
      url: new URL(req.url, 'http://stand-in'),
      messages: [] /* whole frames, joined again from their pieces */,
      pieces: [] /* the WebSocket messages as they came */,
      closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))),
    };
    let pending = Buffer.alloc(0);
    ws.on('message', (data, isBinary) => {
      if (onMessage) return onMessage(conn, data, isBinary);
      conn.pieces.push({ data, isBinary });
      /* As the Worker does: a frame may come in pieces; its size prefix says where it ends. */
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const whole = Buffer.from(pending.subarray(0, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(whole.length);
        conn.messages.push({ data: whole, isBinary });
        ws.send(transform(whole));
      }
    });
    connections.push(conn);
    arrivals.shift()?.(conn);
  });
  const server = {
    url: `http://127.0.0.1:${wss.address().port}`,
    connections,
    /* The next connection to arrive (or the one that already has, not yet taken). */
    nextConnection: (() => {
      let taken = 0;
      return () => {
        const i = taken++;
        return i < connections.length ? Promise.resolve(connections[i]) : new Promise((r) => arrivals.push(r));
      };
    })(),
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((resolve) => wss.close(resolve));
    },
  };
  cleanups.push(server.close);
  return server;
}

/* A verifyClient for standIn that holds the (first) handshake: `asked` resolves when
 * it arrives, release() lets it through. */
function heldHandshake() {
  const held = {};
  held.asked = new Promise((resolve) => {
    held.verifyClient = (_, done) => {
      held.release = () => done(true);
      resolve();
    };
  });
  return held;
}

const cleanups = [];
after(async () => {
  for (const close of cleanups.reverse()) await close();
});

/* A relay on a free port, closed after the tests; its log lines are kept in .lines. */
/* Resolves once probe() is true (polled every 20 ms, for at most 5 s). */
async function until(probe) {
  for (let i = 0; i < 250; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never true: ${probe}`);
}

async function gateway(options) {
  const lines = [];
  const g = await startGateway({ listen: '127.0.0.1:0', log: (line) => lines.push(line), ...options });
  g.lines = lines;
  cleanups.push(g.close);
  return g;
}

/* Polls read() until its value has not changed for `steady` polls in a row (used where
 * nothing signals that a flow has stopped); resolves to the largest value seen. */
async function settled(read, { every = 20, steady = 25 } = {}) {
  let last = read();
  let most = last;
  let same = 0;
  while (same < steady) {
    await new Promise((r) => setTimeout(r, every));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
    most = Math.max(most, now);
  }
  return most;
}

/* What a relay may hold in memory for one connection, one way: its 4 MiB high-water
 * mark, a frame of 1 MiB beyond it, and what is already read when it pauses. */
const BOUND = 8 * MiB;

/* ---- the tests -------------------------------------------------------------------- */

describe('the frame splitter', () => {
  const frames = someFrames(60, 300, 1);
  const stream = Buffer.concat(frames);
  const split = (pieces) => {
    const out = [];
    const push = frameSplitter(
      (f) => out.push(Buffer.from(f)),
      (size) => assert.fail(`bad size ${size}`),
    );
    for (const p of pieces) push(p);
    return out;
  };

  it('gives every frame whole, prefix included, however the bytes are cut', () => {
    assert.deepEqual(split([stream]), frames, 'all in one chunk');
    assert.deepEqual(split([...stream].map((b) => Buffer.from([b]))), frames, 'one byte a chunk');
    for (let seed = 1; seed <= 20; seed++) assert.deepEqual(split(chunks(stream, 700, seed)), frames, `seed ${seed}`);
    /* Each cut inside the first size prefix and just after it. */
    for (let cut = 1; cut <= 5; cut++) {
      assert.deepEqual(split([stream.subarray(0, cut), stream.subarray(cut)]), frames, `cut at ${cut}`);
    }
  });

  it('refuses a size prefix under MIN_FRAME (8) or over MAX_FRAME (32 MiB), and takes nothing after it', () => {
    assert.equal(MAX_FRAME, 32 * MiB, "the Worker's limit, not Kafka's 100 MiB");
    for (const size of [0, 7, -1, -2147483648, MAX_FRAME + 1]) {
      const bad = [];
      const out = [];
      const push = frameSplitter(
        (f) => out.push(f),
        (s) => bad.push(s),
      );
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      push(Buffer.concat([frames[0], prefix.subarray(0, 2)]));
      push(Buffer.concat([prefix.subarray(2), frames[1]]));
      push(frames[2]);
      assert.deepEqual(out, [frames[0]], `size ${size}: the frame before it only`);
      assert.deepEqual(bad, [size]);
    }
    for (const size of [8, MAX_FRAME]) {
      const push = frameSplitter(
        () => {},
        (s) => assert.fail(`size ${s} refused`),
      );
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      push(prefix);
    }
  });
});

describe('kafdo gateway, the relay', { timeout: 120_000 }, () => {
  it('carries frames unchanged and in order, one WebSocket message each, across split and coalesced TCP chunks', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const frames = someFrames(300, 5000, 2);
    const answers = client.next(frames.length);
    const rnd = random(3);
    for (const piece of chunks(Buffer.concat(frames), 3000, 4)) {
      await client.write(piece);
      /* Now and then let the relay read what has come, so TCP chunks end mid-frame. */
      if (rnd() < 0.3) await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await answers, frames.map(transform));
    const [conn] = worker.connections;
    assert.equal(worker.connections.length, 1, 'one WebSocket for the connection');
    assert.ok(
      conn.messages.every((m) => m.isBinary),
      'binary messages',
    );
    assert.deepEqual(
      conn.pieces.map((m) => m.data),
      frames,
      'one message a frame',
    );
    client.socket.destroy();
  });

  it('carries a 5 MiB frame both ways: to the Worker in 1 MiB messages, back whole', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const f = frame(randomBytes(5 * MiB));
    const answer = client.next(1);
    await client.write(f);
    assert.ok((await answer)[0].equals(transform(f)), 'the answer, whole');
    const { pieces, messages } = worker.connections[0];
    assert.equal(
      pieces.length,
      Math.ceil(f.length / MiB),
      'pieces of at most 1 MiB (a Worker refuses larger messages)',
    );
    assert.ok(pieces.every((p) => p.data.length <= MiB));
    assert.equal(messages.length, 1);
    assert.ok(messages[0].data.equals(f), 'the request, joined again, prefix included');
    client.socket.destroy();
  });

  it('queues frames read before the WebSocket is open, and sends them in order once it is', async () => {
    const handshake = heldHandshake();
    const worker = await standIn({ verifyClient: handshake.verifyClient });
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const frames = someFrames(50, 2000, 6);
    const answers = client.next(frames.length);
    await handshake.asked;
    for (const f of frames) await client.write(f);
    /* Let the relay read them all while its WebSocket still waits for the handshake. */
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(worker.connections.length, 0, 'the handshake is still held');
    handshake.release();
    assert.deepEqual(await answers, frames.map(transform));
    assert.deepEqual(
      worker.connections[0].messages.map((m) => m.data),
      frames,
    );
    client.socket.destroy();
  });

  it('sends the frames of a client that left before the WebSocket opened, then closes it', async () => {
    const handshake = heldHandshake();
    const worker = await standIn({ verifyClient: handshake.verifyClient });
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const frames = someFrames(10, 500, 7);
    await handshake.asked;
    for (const f of frames) await client.write(f);
    client.socket.end();
    await client.closed;
    handshake.release();
    const conn = await worker.nextConnection();
    assert.equal((await conn.closed).code, 1000);
    assert.deepEqual(
      conn.messages.map((m) => m.data),
      frames,
    );
  });

  it('sends the token as a Bearer header and the advertised address in /kafka?advertise=', async () => {
    const worker = await standIn();
    const withToken = await gateway({ url: worker.url, token: 'the-token' });
    const a = await kafkaClient(withToken.port);
    const first = await worker.nextConnection();
    assert.equal(first.url.pathname, '/kafka');
    assert.equal(first.url.searchParams.get('advertise'), `127.0.0.1:${withToken.port}`);
    assert.equal(withToken.advertise, `127.0.0.1:${withToken.port}`);
    assert.equal(first.req.headers.authorization, 'Bearer the-token');

    const noToken = await gateway({ url: `${worker.url}/prefix/`, advertise: 'kafka.example.com:19092' });
    const b = await kafkaClient(noToken.port);
    const second = await worker.nextConnection();
    assert.equal(second.url.pathname, '/prefix/kafka');
    assert.equal(second.url.searchParams.get('advertise'), 'kafka.example.com:19092');
    assert.equal(second.req.headers.authorization, undefined);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('stops reading the WebSocket while the Kafka client does not read, then delivers everything in order', async () => {
    const COUNT = 256;
    const body = Buffer.alloc(MiB - 8, 0x61);
    const worker = await standIn({
      /* One request starts a flood of COUNT frames of 1 MiB; each is sent as two
       * fragments (its own 8 bytes, then the shared body), one message for the relay. */
      onMessage: (conn) => {
        for (let i = 0; i < COUNT; i++) {
          const head = Buffer.alloc(8);
          head.writeUInt32BE(4 + body.length, 0);
          head.writeUInt32BE(i, 4);
          conn.ws.send(head, { binary: true, fin: false });
          conn.ws.send(body, { binary: true, fin: true });
        }
      },
    });
    const relay = await gateway({ url: worker.url });
    let received = 0;
    const client = await kafkaClient(relay.port, (f) => {
      assert.equal(f.length, MiB, 'a whole frame');
      assert.equal(f.readUInt32BE(4), received, 'in order');
      assert.ok(f.subarray(8).equals(body));
      received++;
    });
    client.socket.pause();
    await client.write(frame(Buffer.from('flood me')));
    const conn = await worker.nextConnection();

    /* The kernel's socket buffers take some; the relay keeps no more than BOUND. */
    const most = await settled(() => relay.buffered().toClients);
    assert.ok(most <= BOUND, `the relay held up to ${most} bytes for the client, of ${COUNT} MiB sent`);
    assert.equal(received, 0, 'the client read nothing');
    assert.ok(conn.ws.bufferedAmount > BOUND, 'the rest waits at the stand-in');

    client.socket.resume();
    while (received < COUNT) await once(client.socket, 'data');
    assert.equal(received, COUNT);
    assert.equal(conn.ws.bufferedAmount, 0, 'all of it left the stand-in');
    client.socket.destroy();
  });

  it('stops reading the Kafka client while the WebSocket does not read, then delivers everything in order', async () => {
    const COUNT = 256;
    const body = Buffer.alloc(MiB - 8, 0x62);
    let received = 0;
    const worker = await standIn({
      /* Answers a small frame at once; counts the 1 MiB ones, answering the last. */
      onMessage: (conn, data) => {
        if (data.length !== MiB) return conn.ws.send(transform(data));
        assert.equal(data.readUInt32BE(4), received, 'in order');
        received++;
        if (received === COUNT) conn.ws.send(frame(Buffer.from('all done')));
      },
    });
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const hello = client.next(1);
    await client.write(frame(Buffer.from('hello...')));
    await hello;
    const conn = await worker.nextConnection();
    conn.ws.pause();
    for (let i = 0; i < COUNT; i++) {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(4 + body.length, 0);
      head.writeUInt32BE(i, 4);
      client.socket.write(head);
      client.socket.write(body);
    }
    const most = await settled(() => relay.buffered().toWorker);
    assert.ok(most <= BOUND, `the relay held up to ${most} bytes for the Worker, of ${COUNT} MiB sent`);
    assert.ok(client.socket.writableLength > BOUND, 'the rest waits at the client');

    const done = client.next(1);
    conn.ws.resume();
    assert.equal(String((await done)[0].subarray(4)), 'all done');
    assert.equal(received, COUNT);
    client.socket.destroy();
  });

  it('closes a connection whose size prefix is out of MIN_FRAME..MAX_FRAME, and only that one', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url });
    const other = await kafkaClient(relay.port);
    const otherConn = await worker.nextConnection();
    for (const size of [0, 7, -1, MAX_FRAME + 1]) {
      const client = await kafkaClient(relay.port);
      const conn = await worker.nextConnection();
      const good = frame(Buffer.from('a good one'));
      const answer = client.next(1);
      await client.write(good);
      assert.deepEqual(await answer, [transform(good)]);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size, 0);
      await client.write(Buffer.concat([prefix, Buffer.alloc(16)]));
      await client.closed;
      assert.equal((await conn.closed).code, 1000, 'its WebSocket closed too');
      assert.equal(relay.lines.filter((l) => l.includes(`size ${size} `)).length, 1, relay.lines.join('\n'));

      const ping = frame(Buffer.from(`still here after ${size}`));
      const pong = other.next(1);
      await other.write(ping);
      assert.deepEqual(await pong, [transform(ping)]);
    }
    assert.equal(otherConn.ws.readyState, otherConn.ws.OPEN);
    other.socket.destroy();
  });

  it('closes a connection on the size prefix of a frame over MAX_FRAME alone, sending the Worker nothing', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url });
    const client = await kafkaClient(relay.port);
    const conn = await worker.nextConnection();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(MAX_FRAME + 1, 0);
    await client.write(prefix);
    /* No byte of the body is sent: a relay that waited for it would never close. */
    await Promise.race([
      client.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the relay still waits for the body')), 3000)),
    ]);
    assert.equal((await conn.closed).code, 1000, 'its WebSocket closed too');
    assert.deepEqual(conn.pieces, [], 'nothing of it reached the Worker');
    assert.equal(relay.lines.filter((l) => l.includes(`size ${MAX_FRAME + 1} `)).length, 1, relay.lines.join('\n'));

    const next = await kafkaClient(relay.port);
    const request = frame(Buffer.from('a normal client'));
    const answer = next.next(1);
    await next.write(request);
    assert.deepEqual(await answer, [transform(request)], 'a normal client still works');
    next.socket.destroy();
  });

  it("answers an HTTP request on the Kafka port with a 400 naming where Kafdo's HTTP is, and closes", async () => {
    const worker = await standIn();
    const relay = await gateway({ url: `${worker.url}/` });
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`http://127.0.0.1:${relay.port}/health`, {
        method,
        body: method === 'POST' ? '{}' : undefined,
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('connection'), 'close');
      const { error } = await res.json();
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.match(error.message, /Kafka port/);
      assert.ok(error.message.includes(`HTTP API is at ${worker.url}`), error.message);
    }
    const logged = relay.lines.filter((l) => l.includes('an HTTP request on the Kafka port'));
    assert.equal(logged.length, 2, relay.lines.join('\n'));
    assert.ok(!relay.lines.some((l) => l.includes('size')), 'not reported as a frame size');
    assert.ok(logged.every((l) => l.includes(worker.url) && !l.includes('\n')));
  });

  it('closes a connection idle for idleTimeoutMs, and keeps a busy one', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url, idleTimeoutMs: 400 });
    const idle = await kafkaClient(relay.port);
    const busy = await kafkaClient(relay.port);
    const request = frame(Buffer.from('hello, relay'));
    const first = idle.next(1);
    await idle.write(request);
    await first;
    const started = Date.now();
    /* The busy client sends a frame every 100 ms for 1.2 s: three idle periods and more. */
    for (let i = 0; i < 12; i++) {
      const answer = busy.next(1);
      await busy.write(request);
      assert.deepEqual(await answer, [transform(request)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    await idle.closed;
    assert.ok(Date.now() - started < 1200 + 1000, 'the idle one was closed');
    assert.ok(!busy.socket.destroyed && busy.socket.readyState === 'open', 'the busy one is still open');
    assert.equal(relay.lines.filter((l) => l.includes('idle for 400 ms')).length, 1, relay.lines.join('\n'));
    busy.socket.destroy();
  });

  it('holds the connection cap: one more is closed at once while the others keep working', async () => {
    const worker = await standIn();
    const relay = await gateway({ url: worker.url, maxConnections: 2 });
    const request = frame(Buffer.from('within the cap'));
    const roundTrip = async (client) => {
      const answer = client.next(1);
      await client.write(request);
      assert.deepEqual(await answer, [transform(request)]);
    };
    const a = await kafkaClient(relay.port);
    const b = await kafkaClient(relay.port);
    await roundTrip(a);
    await roundTrip(b);
    const c = await kafkaClient(relay.port);
    await c.closed;
    assert.ok(
      relay.lines.some((l) => l.includes('2 connections are open')),
      relay.lines.join('\n'),
    );
    await roundTrip(a);
    await roundTrip(b);
    a.socket.destroy();
    await until(() => relay.buffered().connections === 1);
    const d = await kafkaClient(relay.port);
    await roundTrip(d);
    b.socket.destroy();
    d.socket.destroy();
  });

  it('checkWorker() says whether the Worker takes the WebSocket, and why not', async () => {
    const worker = await standIn({
      verifyClient: ({ req }, done) => done(req.headers.authorization !== 'Bearer wrong', 401),
    });
    assert.equal(await (await gateway({ url: worker.url })).checkWorker(), undefined);
    assert.match(await (await gateway({ url: worker.url, token: 'wrong' })).checkWorker(), /^HTTP 401/);
    const dead = `http://127.0.0.1:${await freePort()}`;
    assert.match(await (await gateway({ url: dead })).checkWorker(), /ECONNREFUSED/);
  });

  it('closes the TCP connection when the Worker closes the WebSocket or refuses it, and the WebSocket when TCP closes', async () => {
    const worker = await standIn({
      onMessage: (conn, data) => {
        if (String(data.subarray(4)) === 'garbage!') conn.ws.close(1008, 'not a Kafka request');
        else conn.ws.send(transform(data));
      },
      verifyClient: ({ req }, done) => done(req.headers.authorization !== 'Bearer wrong', 401),
    });
    const relay = await gateway({ url: worker.url });

    const a = await kafkaClient(relay.port);
    await a.write(frame(Buffer.from('garbage!')));
    await a.closed;
    assert.equal((await (await worker.nextConnection()).closed).code, 1008);
    assert.ok(
      relay.lines.some((l) => l.includes('1008 not a Kafka request')),
      relay.lines.join('\n'),
    );

    const b = await kafkaClient(relay.port);
    const bConn = await worker.nextConnection();
    const answer = b.next(1);
    await b.write(frame(Buffer.from('a request')));
    await answer;
    b.socket.end();
    assert.equal((await bConn.closed).code, 1000);
    await b.closed;

    const refusing = await gateway({ url: worker.url, token: 'wrong' });
    const c = await kafkaClient(refusing.port);
    await c.write(frame(Buffer.from('a request')));
    await c.closed;
    assert.ok(
      refusing.lines.some((l) => l.includes('401')),
      refusing.lines.join('\n'),
    );
  });
});

describe('bin/kafdo gateway, the command', { timeout: 60_000 }, () => {
  it('relays with the token from KAFDO_TOKEN, logs connections with --verbose, and stops on SIGTERM', async () => {
    const worker = await standIn();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'kafdo'), 'gateway', '--listen', '127.0.0.1:0', '--url', worker.url, '--verbose'],
      { env: { ...process.env, KAFDO_TOKEN: 'env-token' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const port = await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /Kafka on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      exited.then(() => reject(new Error(`kafdo gateway exited: ${stderr}`)));
    });

    const client = await kafkaClient(port);
    const conn = await worker.nextConnection();
    assert.equal(conn.req.headers.authorization, 'Bearer env-token');
    assert.equal(conn.url.searchParams.get('advertise'), `127.0.0.1:${port}`);
    const request = frame(Buffer.from('from the command'));
    const answer = client.next(1);
    await client.write(request);
    assert.deepEqual(await answer, [transform(request)]);

    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    await client.closed;
    assert.match(stderr, /: connected\n/);
    assert.match(stderr, /SIGTERM, closing\n/);
  });

  it('takes its token from KAFDO_GATEWAY_TOKEN before KAFDO_TOKEN, so it stays out of ps', async () => {
    const worker = await standIn();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'kafdo'), 'gateway', '--listen', '127.0.0.1:0', '--url', worker.url],
      {
        env: { ...process.env, KAFDO_TOKEN: 'rest-token', KAFDO_GATEWAY_TOKEN: 'gateway-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    const port = await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /Kafka on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error(`kafdo gateway exited: ${stderr}`)));
    });
    const client = await kafkaClient(port);
    const conn = await worker.nextConnection();
    assert.equal(conn.req.headers.authorization, 'Bearer gateway-token');
    client.socket.destroy();
    child.kill('SIGTERM');
  });

  /* bin/kafdo gateway with `args` until it exits: { code, stderr }. */
  function runGateway(args, env = {}) {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'kafdo'), 'gateway', ...args], {
        env: { ...process.env, KAFDO_TOKEN: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      cleanups.push(() => child.kill('SIGKILL'));
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('close', (code) => resolve({ code, stderr }));
    });
  }

  it('exits 1 at start, naming the URL and the reason, when it cannot reach the Worker', async () => {
    const dead = await freePort();
    const down = await runGateway(['--listen', '127.0.0.1:0', '--url', `http://127.0.0.1:${dead}`]);
    assert.equal(down.code, 1, down.stderr);
    assert.match(
      down.stderr,
      new RegExp(
        `^kafdo: gateway: cannot reach the Kafdo Worker at ws://127\\.0\\.0\\.1:${dead}/kafka\\S*: connect ECONNREFUSED .*--url`,
      ),
    );
    assert.equal(down.stderr.trim().split('\n').length, 1, 'one line, no stack trace');

    const worker = await standIn({
      verifyClient: ({ req }, done) => done(req.headers.authorization === 'Bearer right', 401),
    });
    const refused = await runGateway(['--listen', '127.0.0.1:0', '--url', worker.url], { KAFDO_TOKEN: 'wrong' });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /cannot reach the Kafdo Worker at ws:\/\/127\.0\.0\.1:\d+\/kafka\S*: HTTP 401 .*--token/,
    );
  });

  it('exits 1 with one plain line when its port is taken', async () => {
    const worker = await standIn();
    const taken = await gateway({ url: worker.url });
    const second = await runGateway(['--listen', `127.0.0.1:${taken.port}`, '--url', worker.url]);
    assert.equal(second.code, 1, second.stderr);
    assert.equal(
      second.stderr,
      `kafdo: gateway: 127.0.0.1:${taken.port} is taken by another process (a Kafka broker?); choose another with --listen\n`,
    );
  });
});
