#!/usr/bin/env node
/*
 * dev.mjs — `make dev` (and `npm run dev`, which runs it): Kafdo on this machine, for
 * HTTP and for Kafka clients.
 *
 *   wrangler dev     the Worker: HTTP on 127.0.0.1:$KAFDO_HTTP_PORT (8787), DO SQLite
 *                    under .wrangler/state
 *   kafdo gateway    Kafka's wire protocol on 127.0.0.1:$KAFDO_KAFKA_PORT (9092), relayed
 *                    to the Worker (with $KAFDO_TOKEN as its bearer token, when set)
 *
 * The ports are environment variables, so `make dev KAFDO_KAFKA_PORT=9093` (make passes
 * its command line's variables to the recipe), `KAFDO_KAFKA_PORT=9093 make dev` and
 * `KAFDO_KAFKA_PORT=9093 npm run dev` all work. A port that is taken is said plainly,
 * with the variable that chooses another, before wrangler dev starts (Kafka users often
 * run a broker on 9092 already).
 *
 * wrangler dev runs as a child with the terminal (its hotkeys work); the gateway runs
 * in this process. Ctrl-C reaches both (the terminal signals the whole foreground
 * group; wrangler's own Ctrl-C and `x` end it too): when wrangler dev ends, for
 * whatever reason, the gateway closes and this script exits with wrangler's status.
 * SIGTERM to this script alone is passed on to wrangler dev. The gateway listens at
 * once (a Kafka client that connects before the Worker is up is refused and retries);
 * once the Worker answers HTTP, the gateway opens one WebSocket to it and says whether
 * Kafka clients can get through, or why not.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { startGateway } from '../bin/gateway.mjs';

const HOST = '127.0.0.1';
const HTTP_PORT = portFromEnv('KAFDO_HTTP_PORT', 8787);
const KAFKA_PORT = portFromEnv('KAFDO_KAFKA_PORT', 9092);
const HTTP_URL = `http://${HOST}:${HTTP_PORT}`;
const KAFKA = `${HOST}:${KAFKA_PORT}`;

function fail(message) {
  console.error(`make dev: ${message}`);
  process.exit(1);
}

function portFromEnv(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535)
    fail(`${name} must be a port, 1 to 65535, not ${JSON.stringify(text)}`);
  return port;
}

/* Why a port cannot be listened on: its error code, or undefined when it can. */
function cannotListen(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e) => resolve(e.code ?? e.message));
    probe.listen(port, HOST, () => probe.close(() => resolve(undefined)));
  });
}

/* The sentence for a port that cannot be listened on, naming the variable that moves it. */
function portProblem(code, port, what, variable) {
  const why =
    code === 'EADDRINUSE'
      ? 'is taken by another process'
      : code === 'EACCES'
        ? 'needs privileges to listen on'
        : `cannot be listened on (${code})`;
  return `${HOST}:${port} (${what}) ${why}; choose another port: make dev ${variable}=${port + 1} (or ${variable}=${port + 1} npm run dev)`;
}

const httpProblem = await cannotListen(HTTP_PORT);
if (httpProblem) fail(portProblem(httpProblem, HTTP_PORT, 'HTTP, for wrangler dev', 'KAFDO_HTTP_PORT'));

let gateway;
try {
  gateway = await startGateway({ listen: KAFKA, url: HTTP_URL, token: process.env.KAFDO_TOKEN || undefined });
} catch (e) {
  if (!e.code) throw e;
  fail(
    portProblem(
      e.code,
      KAFKA_PORT,
      'Kafka, for kafdo gateway; a Kafka broker may be running there',
      'KAFDO_KAFKA_PORT',
    ),
  );
}
console.log(`kafdo gateway: Kafka on ${KAFKA}, relayed to ${gateway.wsUrl}`);

const wrangler = spawn('wrangler', ['dev', '--ip', HOST, '--port', String(HTTP_PORT)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => wrangler.kill(signal));
}
const exited = new Promise((resolve) => {
  wrangler.once('error', (e) => {
    console.error(`make dev: cannot run wrangler: ${e.message}`);
    resolve(1);
  });
  wrangler.once('exit', (status, signal) => resolve(status ?? (signal === 'SIGINT' ? 130 : 1)));
});

/* Waits until the Worker answers HTTP (any status), or wrangler dev has ended. */
async function workerUp() {
  let ended = false;
  exited.then(() => (ended = true));
  while (!ended) {
    try {
      const res = await fetch(`${HTTP_URL}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return true;
    } catch {}
    await Promise.race([new Promise((r) => setTimeout(r, 250)), exited]);
  }
  return false;
}

workerUp().then(async (up) => {
  if (!up) return;
  const problem = await gateway.checkWorker();
  if (problem) {
    console.error(
      `kafdo gateway: cannot reach the Worker at ${gateway.wsUrl}: ${problem}` +
        (problem.includes('401') ? " (set KAFDO_TOKEN to the Worker's token)" : ''),
    );
  } else {
    console.log(
      `make dev: ready: HTTP on ${HTTP_URL}, Kafka on ${KAFKA}` +
        (HTTP_PORT === 8787 ? '' : ` (for the kafdo command: export KAFDO_URL=${HTTP_URL})`),
    );
  }
});

const code = await exited;
await gateway.close();
process.exit(code);
