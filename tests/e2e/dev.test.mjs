/*
 * `make dev` (scripts/dev.mjs) and `npm run dev`, as a user runs them:
 *
 *   - the ports come from KAFDO_HTTP_PORT and KAFDO_KAFKA_PORT; a taken one (a Kafka
 *     broker on 9092, another make dev on 8787) is one plain line naming the port and the
 *     variable that moves it, and exit 1, before wrangler dev starts;
 *   - `npm run dev` in a fresh checkout (no wasm/kafdo.wasm, no dist/) is `make dev`:
 *     it builds the core, starts wrangler dev and the gateway on the chosen ports, says
 *     when Kafka clients can get through (the gateway reached the Worker), Kafka answers
 *     on its port, an HTTP request there gets the hint, and SIGINT to the group (Ctrl-C)
 *     ends every process.
 *
 * The port tests run scripts/dev.mjs directly (what make dev runs once its prerequisites
 * are built), so they take a second each; each child runs in a process group of its own,
 * ended after the test whatever happened.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, copyCheckout, freePort, processGroup } from './harness.mjs';

const BIN = join(ROOT, 'node_modules', '.bin');
const ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KAFDO_'))),
  PATH: `${BIN}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: 'false',
  NO_COLOR: '1',
};

const groups = [];
after(async () => {
  for (const pgid of groups) await endGroup(pgid);
});

/* Sends the group `signal` and waits until none of its processes is left; those left
 * after 20 s are SIGKILLed and returned. */
async function endGroup(pgid, signal = 'SIGKILL') {
  try {
    process.kill(-pgid, signal);
  } catch {}
  const deadline = Date.now() + 20_000;
  let killed = [];
  for (let left = processGroup(pgid); left.length > 0; left = processGroup(pgid)) {
    if (Date.now() > deadline && killed.length === 0) {
      killed = left;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return killed;
}

/* Starts `command` in its own process group; .output() is stdout and stderr so far. */
function start(command, args, { cwd = ROOT, env = {} } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...ENV, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.push(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.exited = new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  child.output = () => stdout + stderr;
  return child;
}

/* Resolves when the child's output matches `pattern`; rejects when it exits first or after ms. */
async function waitFor(child, pattern, ms) {
  const deadline = Date.now() + ms;
  let done = false;
  child.exited.then(() => (done = true));
  while (!pattern.test(child.output())) {
    if (done) throw new Error(`exited before printing ${pattern}:\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/* A listener on 127.0.0.1 holding a port, as another program would. */
async function holdPort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  return server.address().port;
}

/* scripts/dev.mjs with these ports until it exits, or 15 s (it must not get to wrangler). */
async function devWith(env) {
  const child = start(join(BIN, 'node'), [join(ROOT, 'scripts', 'dev.mjs')], { env });
  const timer = setTimeout(() => endGroup(child.pid), 15_000);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

describe('make dev: ports', { timeout: 60_000 }, () => {
  it('a taken HTTP port: one line naming it and KAFDO_HTTP_PORT, exit 1, before wrangler starts', async () => {
    const taken = await holdPort();
    const { code, stdout, stderr } = await devWith({
      KAFDO_HTTP_PORT: String(taken),
      KAFDO_KAFKA_PORT: String(await freePort()),
    });
    assert.equal(code, 1, stdout + stderr);
    assert.equal(stdout, '', 'nothing started');
    assert.equal(
      stderr,
      `make dev: 127.0.0.1:${taken} (HTTP, for wrangler dev) is taken by another process; ` +
        `choose another port: make dev KAFDO_HTTP_PORT=${taken + 1} (or KAFDO_HTTP_PORT=${taken + 1} npm run dev)\n`,
    );
  });

  it('a taken Kafka port: one line naming it and KAFDO_KAFKA_PORT, exit 1, before wrangler starts', async () => {
    const taken = await holdPort();
    const { code, stdout, stderr } = await devWith({
      KAFDO_HTTP_PORT: String(await freePort()),
      KAFDO_KAFKA_PORT: String(taken),
    });
    assert.equal(code, 1, stdout + stderr);
    assert.equal(stdout, '', 'nothing started');
    assert.match(
      stderr,
      new RegExp(`^make dev: 127\\.0\\.0\\.1:${taken} \\(Kafka, .*\\) is taken by another process; `),
    );
    assert.match(stderr, new RegExp(`make dev KAFDO_KAFKA_PORT=${taken + 1}`));
    assert.equal(stderr.split('\n').length, 2, 'one line, no stack trace');
  });

  it('a port that is not a number: says so, exit 1', async () => {
    const { code, stderr } = await devWith({ KAFDO_KAFKA_PORT: 'ninety' });
    assert.equal(code, 1);
    assert.equal(stderr, 'make dev: KAFDO_KAFKA_PORT must be a port, 1 to 65535, not "ninety"\n');
  });
});

/* ApiVersions v0 on a raw connection: resolves to { correlationId, errorCode } of the answer. */
async function apiVersions(port) {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const clientId = Buffer.from('dev-test');
  const frame = Buffer.alloc(4 + 10 + clientId.length);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(18, 4); /* ApiVersions */
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(4242, 8);
  frame.writeInt16BE(clientId.length, 12);
  clientId.copy(frame, 14);
  socket.write(frame);
  let got = Buffer.alloc(0);
  for await (const chunk of socket) {
    got = Buffer.concat([got, chunk]);
    if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) break;
  }
  socket.destroy();
  return { correlationId: got.readInt32BE(4), errorCode: got.readInt16BE(8) };
}

describe('npm run dev in a fresh checkout', { timeout: 240_000 }, () => {
  it('builds the core, runs wrangler dev and the gateway on the chosen ports, and Ctrl-C ends them', async () => {
    const checkout = copyCheckout();
    after(() => rmSync(checkout, { recursive: true, force: true }));
    const httpPort = await freePort();
    const kafkaPort = await freePort();
    const dev = start('npm', ['run', 'dev'], {
      cwd: checkout,
      env: { KAFDO_HTTP_PORT: String(httpPort), KAFDO_KAFKA_PORT: String(kafkaPort) },
    });
    await waitFor(dev, /make dev: ready: HTTP on http:\/\/127\.0\.0\.1:\d+, Kafka on 127\.0\.0\.1:\d+/, 180_000);
    assert.match(dev.output(), /emcc /, 'make built wasm/kafdo.wasm');
    assert.ok(
      dev.output().includes(`make dev: ready: HTTP on http://127.0.0.1:${httpPort}, Kafka on 127.0.0.1:${kafkaPort}`),
    );

    const health = await fetch(`http://127.0.0.1:${httpPort}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.deepEqual(await apiVersions(kafkaPort), { correlationId: 4242, errorCode: 0 });
    const hint = await fetch(`http://127.0.0.1:${kafkaPort}/health`);
    assert.equal(hint.status, 400);
    assert.match((await hint.json()).error.message, new RegExp(`Kafka port.*http://127\\.0\\.0\\.1:${httpPort}`));

    assert.deepEqual(await endGroup(dev.pid, 'SIGINT'), [], 'SIGINT ended every process');
    await dev.exited;
  });
});
