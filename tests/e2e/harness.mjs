/*
 * harness.mjs — a private `wrangler dev` for the end-to-end tests and the REST benchmark.
 *
 * startDev() runs `wrangler dev` on a free loopback port with its Durable Objects'
 * SQLite in a directory of its own (a fresh temporary one unless given), so tests never
 * touch the developer's .wrangler/state nor a `make dev` already running on 8787. It
 * resolves once GET /health answers, with the base URL and a stop() that ends the whole
 * process group (wrangler, its esbuild and its workerd) and waits until not one of those
 * processes is left. Starting again on the same directory is how the restart test
 * brings the runtime back over the same SQLite files.
 *
 * wrangler dev is started in a process group of its own (detached), so stop() can
 * signal the group and nothing it spawned outlives it; an exit hook does the same for
 * a test run that ends without calling stop(). Output is kept (the last 200 lines) and
 * shown when the server fails to start or dies early.
 *
 * With { gateway: true } the Kafka relay (`kafdo gateway`, bin/gateway.mjs) runs beside
 * it, in this process, on a free port: dev.kafkaBroker is its "127.0.0.1:<port>", for
 * Kafka clients' brokers list. stop() closes it before wrangler dev.
 *
 * copyCheckout() makes a fresh checkout of this one in a temporary directory: what a
 * clone followed by the README's setup would hold, without the build products.
 *
 * Also here: small HTTP helpers the tests and the benchmark share.
 */
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../../bin/gateway.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

/* How long wrangler dev may take to bundle and answer /health; it is usually a few
 * seconds, much more on a cold, busy CI machine. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/* A port on 127.0.0.1 that nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/*
 * A copy of this checkout's files as git sees them (tracked and new, not ignored: no
 * dist/, no wasm/kafdo.wasm, no build/) in a new temporary directory, with `withFiles`
 * (paths relative to the root, e.g. ['wasm/kafdo.wasm']) copied too. node_modules is a
 * link to this checkout's, as installed by npm ci; package.json and package-lock.json
 * are dated before its install stamp, so the copy's make takes node_modules as up to
 * date and never runs npm ci (which would rewrite this checkout's node_modules).
 * Returns the directory; the caller removes it.
 */
export function copyCheckout({ withFiles = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kafdo-checkout-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const path of [...listed.split('\0').filter(Boolean), ...withFiles]) {
    if (!existsSync(join(ROOT, path)) || statSync(join(ROOT, path)).isDirectory()) continue; /* deleted; a submodule */
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(dir, path));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const installed = statSync(join(ROOT, 'node_modules', '.package-lock.json')).mtime;
  const before = new Date(installed.getTime() - 60_000);
  for (const name of ['package.json', 'package-lock.json']) utimesSync(join(dir, name), before, before);
  return dir;
}

/* Process ids whose process group is pgid (empty once the whole group has exited). */
export function processGroup(pgid) {
  let out;
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,comm='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === pgid)
    .map((f) => ({ pid: Number(f[0]), comm: f.slice(2).join(' ') }));
}

const running = new Set();
process.on('exit', () => {
  for (const dev of running) {
    try {
      process.kill(-dev.pid, 'SIGKILL');
    } catch {}
  }
});

/*
 * Starts wrangler dev. Options:
 *   persistDir  where DO SQLite lives (default: a new temporary directory, removed by
 *               stop({ removePersistDir: true }) or dev.cleanup())
 *   vars        { NAME: value } passed as --var NAME:value (wrangler.toml [vars] otherwise;
 *               KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS is 0 unless given)
 *   logLevel    wrangler's --log-level (default "warn")
 *   cwd         the directory whose wrangler.toml to run (default: this repository)
 *   args        more arguments for wrangler dev (e.g. ['--compatibility-date', '2025-09-01'])
 *   gateway     true, or { token, advertise, tls, verbose }: start the Kafka relay too (see
 *               above); its token defaults to vars.KAFDO_TOKEN, its log lines go to
 *               dev.output()
 */
export async function startDev(options = {}) {
  const ownsDir = !options.persistDir;
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'kafdo-e2e-'));
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    options.logLevel ?? 'warn',
  ];
  /* Kafka-protocol groups start at once unless a test asks for Kafka's initial
   * rebalance delay (3000 ms when unset): the suites count on quick groups. */
  const vars = { KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS: '0', ...options.vars };
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  args.push(...(options.args ?? []));

  const child = spawn(join(BIN, 'wrangler'), args, {
    cwd: options.cwd ?? ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH}`,
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
  });
  const output = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) output.push(line);
    }
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const dev = {
    pid: child.pid,
    port,
    inspectorPort,
    persistDir,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output.join('\n'),
    exited,
    stop: (opts) => stopDev(dev, child, opts),
    cleanup: () => {
      if (ownsDir) rmSync(persistDir, { recursive: true, force: true });
    },
  };
  running.add(dev);

  const deadline = Date.now() + START_TIMEOUT_MS;
  let dead = null;
  exited.then((e) => (dead = e));
  for (;;) {
    if (dead) {
      running.delete(dev);
      throw new Error(`wrangler dev exited (${JSON.stringify(dead)}) before answering /health:\n${dev.output()}`);
    }
    try {
      const res = await fetch(`${dev.baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        await res.arrayBuffer();
        if (options.gateway) await startRelay(dev, options, keep);
        return dev;
      }
      await res.arrayBuffer();
    } catch {}
    if (Date.now() > deadline) {
      await dev.stop({ signal: 'SIGKILL' });
      throw new Error(`wrangler dev did not answer /health within ${START_TIMEOUT_MS} ms:\n${dev.output()}`);
    }
    /* Poll again after a beat, or at once when the process exits. */
    await Promise.race([new Promise((r) => setTimeout(r, 200)), exited]);
  }
}

/* Starts the Kafka relay for a running dev: dev.gateway and dev.kafkaBroker. */
async function startRelay(dev, options, keep) {
  const opts = options.gateway === true ? {} : options.gateway;
  try {
    dev.gateway = await startGateway({
      listen: '127.0.0.1:0',
      url: dev.baseUrl,
      token: opts.token ?? options.vars?.KAFDO_TOKEN,
      advertise: opts.advertise,
      tls: opts.tls,
      verbose: opts.verbose,
      log: (line) => keep(`gateway: ${line}`),
    });
  } catch (e) {
    await dev.stop();
    throw e;
  }
  dev.kafkaBroker = `127.0.0.1:${dev.gateway.port}`;
}

/*
 * Ends the process group: SIGTERM by default (wrangler shuts workerd down), SIGKILL for a
 * crash. Resolves when no process of the group is left; SIGKILLs what remains after
 * STOP_TIMEOUT_MS. Returns the pids that had to be killed that way (for the caller to
 * report), which is empty when everything went away on the first signal.
 */
async function stopDev(dev, child, { signal = 'SIGTERM', removePersistDir = false } = {}) {
  await dev.gateway?.close();
  const pgid = child.pid;
  try {
    process.kill(-pgid, signal);
  } catch {}
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  let killed = [];
  for (;;) {
    const left = processGroup(pgid);
    if (left.length === 0) break;
    if (Date.now() > deadline) {
      killed = left;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {}
      if (Date.now() > deadline + STOP_TIMEOUT_MS) {
        throw new Error(`processes of wrangler dev's group ${pgid} survive SIGKILL: ${JSON.stringify(left)}`);
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await dev.exited;
  running.delete(dev);
  if (removePersistDir) dev.cleanup();
  return killed;
}

/* ---- HTTP helpers --------------------------------------------------------- */

/*
 * One request with a JSON body (an object is stringified; a string is sent as it is,
 * so tests can send malformed JSON). Resolves to { status, body, text, headers }: body
 * is the parsed JSON answer, or undefined when the answer is not JSON.
 */
export async function request(baseUrl, method, path, payload, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (payload !== undefined) {
    init.body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + path, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text, headers: res.headers };
}

/* A client bound to one base URL, throwing on an unexpected status. */
export function client(baseUrl) {
  const call = async (method, path, payload, expectStatus) => {
    const res = await request(baseUrl, method, path, payload);
    const ok = expectStatus === undefined ? res.status >= 200 && res.status < 300 : res.status === expectStatus;
    if (!ok) {
      throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return res.body;
  };
  return {
    baseUrl,
    request: (method, path, payload, headers) => request(baseUrl, method, path, payload, headers),
    get: (path, expectStatus) => call('GET', path, undefined, expectStatus),
    post: (path, payload, expectStatus) => call('POST', path, payload, expectStatus),
    del: (path, expectStatus) => call('DELETE', path, undefined, expectStatus),
    createTopic: (topic, partitions, config) =>
      call('POST', '/admin/topics', { topic, partitions, ...(config ? { config } : {}) }),
    produce: (topic, message) => call('POST', `/topics/${encodeURIComponent(topic)}/produce`, message),
    produceBatch: (topic, messages) => call('POST', `/topics/${encodeURIComponent(topic)}/produce-batch`, { messages }),
    read: (topic, partition, offset, limit, maxBytes) => {
      const q = new URLSearchParams({ offset: String(offset) });
      if (limit !== undefined) q.set('limit', String(limit));
      if (maxBytes !== undefined) q.set('maxBytes', String(maxBytes));
      return call('GET', `/topics/${encodeURIComponent(topic)}/partitions/${partition}/messages?${q}`);
    },
    /* Every message of a partition from `from` up to its high watermark, paging by
     * nextOffset; bounded by the high watermark seen on the first page. */
    readAll: async (topic, partition, from = 0, limit = 1000) => {
      const messages = [];
      let offset = from;
      let end;
      let logStartOffset;
      let pages = 0;
      do {
        const page = await callRead(topic, partition, offset, limit);
        if (end === undefined) {
          end = page.highWatermark;
          logStartOffset = page.logStartOffset;
        }
        pages++;
        if (page.messages.length === 0 && offset < end) {
          throw new Error(`paging ${topic}/${partition} made no progress at offset ${offset}: ${JSON.stringify(page)}`);
        }
        messages.push(...page.messages);
        offset = page.nextOffset;
      } while (offset < end);
      return { messages, highWatermark: end, logStartOffset, pages };
    },
  };
  function callRead(topic, partition, offset, limit) {
    const q = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    return call('GET', `/topics/${encodeURIComponent(topic)}/partitions/${partition}/messages?${q}`);
  }
}

/* Runs `fn` for each of `items` with at most `concurrency` in flight; results in order. */
export async function mapLimit(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}
