#!/usr/bin/env node
/*
 * kafka.mjs — Kafdo over the Kafka protocol: kafkajs (2.2.4, unmodified) through
 * `kafdo gateway`, beside the same kafkajs workload against a broker that stores nothing,
 * printed side by side as ratios kafdo/stub. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/kafka.mjs [--records N] [--sends S] [--producers 1,4] [--samples L]
 *                               [--only kafdo,stub]
 *
 * The two brokers, one at a time (never sharing the two cores):
 *   kafdo  its own `wrangler dev` (tests/e2e/harness.mjs: free port, temporary state
 *          directory), and `kafdo gateway` (bin/kafdo) as a process of its own on a free
 *          127.0.0.1 port, as a user runs it: kafkajs -> TCP -> gateway -> WebSocket ->
 *          Worker -> Durable Objects (SQLite on local disk). Topics made over REST.
 *   stub   build/kafka_stub_broker (bench/kafka_stub_broker.c): librdkafka's in-memory mock
 *          cluster from Debian's librdkafka-dev, one broker, on a free 127.0.0.1 port. It
 *          keeps records in memory only: no disk, no fsync, no replication, so it is the
 *          reference "broker with no durable storage", close to kafkajs's own ceiling.
 *          Built here with cc when absent (`make bench` builds it first).
 *
 * The figures, the same kafkajs code on both:
 *   produce   N records (default 200,000) of 100-byte values (the bytes of
 *             bench/rest-workload.mjs), no keys, in sends of 1,000 messages, record i of a
 *             send to partition i % 8, S sends in flight in all (default 4), acks=-1, no
 *             compression; once from one producer (one connection, S sends in flight on
 *             it) and once from S producers (S connections, one send each), each on a
 *             topic of its own. Kafka's broker handles one connection's requests one at a
 *             time, so in-flight sends on one connection queue behind each other there;
 *             Kafdo's Worker has a connection's Produce requests in flight at once (their
 *             appends to a partition kept in order and sent together): the first figure
 *             shows what that buys, the second what more connections buy. A send counts
 *             when kafkajs resolves it (every record acknowledged). One untimed warm-up
 *             send per sender first.
 *   consume   one consumer in a new group, subscribed from the beginning, reads all the
 *             first produce figure's topic (kafkajs eachBatch, its default fetch sizes and
 *             commits). The mock answers a Fetch with at most one stored batch per
 *             partition (a send's 125 records here), so kafkajs makes more round trips
 *             against it than against Kafdo (up to 1 MiB a partition). records/s (and
 *             CPU) count from the group join (kafkajs's GROUP_JOIN event) to the last
 *             record; the join itself (run() to GROUP_JOIN) is shown apart (the mock holds
 *             a new group's first join 3 s, as Kafka's group.initial.rebalance.delay.ms).
 *   latency   on a new 8-partition topic: one producer sends one message at a time (no
 *             key: kafkajs spreads them over the partitions), the send time in its value;
 *             a consumer already running and fetching in its own group records when each
 *             arrives. L samples (default 300) after 20 untimed ones; the next message goes
 *             once the previous has arrived. Also the send's own ack time.
 *             kafkajs's consumer asks each Fetch to wait up to maxWaitTimeInMs for data:
 *             Kafdo's Fetch answers at the first append (a long poll), the mock does not
 *             (it holds an empty Fetch for the whole wait), so the stub's consumer asks for
 *             a 1 ms wait (it polls) and Kafdo's for kafkajs's default (5 s, ended early
 *             by the append). Each gets its best.
 *
 * CPU columns: cores busy during the figure (CPU seconds / wall seconds): this Node
 * process (kafkajs), the gateway process, the broker (wrangler dev's whole process group:
 * wrangler + workerd; or the stub). MB/s counts value bytes only (10^6 bytes per MB).
 * Everything started here is stopped here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { ROOT, client, startDev } from '../tests/e2e/harness.mjs';
import {
  BATCH,
  PARTITIONS,
  VALUE_BYTES,
  bounded,
  drive,
  figures,
  groupCpuSeconds,
  valueBytes,
  valueStrings,
} from './rest-workload.mjs';

const require = createRequire(import.meta.url);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const RECORDS = Number(arg('records', '200000'));
const SENDS = Number(arg('sends', '4'));
const PRODUCERS = [...new Set(arg('producers', `1,${SENDS}`).split(',').map(Number))];
const SAMPLES = Number(arg('samples', '300'));
const ONLY = arg('only', 'kafdo,stub').split(',');
const BATCHES = Math.max(1, Math.round(RECORDS / BATCH));
const WARM_SAMPLES = 20;
const STEP_LIMIT_MS = 10 * 60 * 1000;
const topicFor = (producers) => `kbench-p${producers}`;
const LAT_TOPIC = 'kbench-latency';
const STUB = join(ROOT, 'build', 'kafka_stub_broker');
const STUB_SRC = join(ROOT, 'bench', 'kafka_stub_broker.c');

/* ---- child processes ----------------------------------------------------------- */

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
});

/* Starts cmd in a process group of its own (its pid is the group, for the CPU figures)
 * and resolves with the child once `ready` matches a line of its output. */
function startChild(cmd, args, ready, what) {
  const child = spawn(cmd, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
  children.add(child);
  let out = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          match: m,
          async stop() {
            child.stdin.end();
            try {
              process.kill(-child.pid, 'SIGTERM');
            } catch {}
            const t = setTimeout(() => {
              try {
                process.kill(-child.pid, 'SIGKILL');
              } catch {}
            }, 10_000);
            await exited;
            clearTimeout(t);
            children.delete(child);
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => {});
    exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${JSON.stringify(e)}) before it was ready:\n${out}`));
    });
  });
}

/* ---- the two brokers ----------------------------------------------------------- */

function buildStub() {
  if (existsSync(STUB) && statSync(STUB).mtimeMs >= statSync(STUB_SRC).mtimeMs) return;
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const r = spawnSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-O2', '-o', STUB, STUB_SRC, '-lrdkafka'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cc ${STUB_SRC} failed (is librdkafka-dev installed?):\n${r.stderr}`);
}

async function openStub() {
  buildStub();
  const stub = await startChild(
    STUB,
    [...PRODUCERS.map((p) => `${topicFor(p)}:${PARTITIONS}`), `${LAT_TOPIC}:${PARTITIONS}`],
    /bootstrap (\S+)/,
    'kafka_stub_broker',
  );
  const version =
    spawnSync('dpkg-query', ['-W', '-f=${Version}', 'librdkafka-dev'], { encoding: 'utf8' }).stdout || '?';
  return {
    describe:
      `librdkafka ${version}'s mock cluster (bench/kafka_stub_broker.c, one broker): records in memory only — ` +
      "no disk, no fsync, no replication; a broker that stores nothing, near the client's ceiling",
    broker: stub.match[1].split(',')[0],
    serverPgid: stub.child.pid,
    gatewayPgid: null,
    latencyMaxWaitMs: 1,
    stop: () => stub.stop(),
  };
}

async function openKafdo() {
  const dev = await startDev({ logLevel: 'error' });
  let gateway;
  try {
    const api = client(dev.baseUrl);
    for (const p of PRODUCERS) await api.createTopic(topicFor(p), PARTITIONS);
    await api.createTopic(LAT_TOPIC, PARTITIONS);
    gateway = await startChild(
      process.execPath,
      [join(ROOT, 'bin', 'kafdo'), '--url', dev.baseUrl, 'gateway', '--listen', '127.0.0.1:0'],
      /Kafka on (127\.0\.0\.1:\d+)/,
      'kafdo gateway',
    );
  } catch (e) {
    await dev.stop({ removePersistDir: true });
    throw e;
  }
  const version = (await import('wrangler/package.json', { with: { type: 'json' } })).default.version;
  return {
    describe:
      `wrangler dev ${version} (one workerd isolate, Durable Object SQLite on local disk) behind ` +
      '`kafdo gateway` (its own Node process: TCP -> WebSocket -> Worker)',
    broker: gateway.match[1],
    serverPgid: dev.pid,
    gatewayPgid: gateway.child.pid,
    latencyMaxWaitMs: 5000,
    async stop() {
      await gateway.stop();
      await dev.stop({ removePersistDir: true });
    },
  };
}

/* ---- measuring ------------------------------------------------------------------ */

/* CPU seconds so far of this process, the gateway and the broker, and the time. */
function cpuNow(system) {
  const c = process.cpuUsage();
  return {
    t: performance.now(),
    client: (c.user + c.system) / 1e6,
    gateway: system.gatewayPgid ? groupCpuSeconds(system.gatewayPgid) : NaN,
    server: groupCpuSeconds(system.serverPgid),
  };
}

/* Cores busy between two cpuNow() snapshots. */
function cores(a, b) {
  const wall = (b.t - a.t) / 1000;
  return {
    clientCores: (b.client - a.client) / wall,
    gatewayCores: (b.gateway - a.gateway) / wall,
    serverCores: (b.server - a.server) / wall,
  };
}

/* Runs fn, measuring this process's, the gateway's and the broker's CPU meanwhile. */
async function withCpu(system, fn) {
  const a = cpuNow(system);
  const result = await fn();
  return { ...result, ...cores(a, cpuNow(system)) };
}

const newKafka = (broker, clientId) => new Kafka({ brokers: [broker], clientId, logLevel: logLevel.NOTHING });

function sendsOfMessages() {
  const values = valueStrings().map(valueBytes);
  return Array.from({ length: 8 }, (_, j) =>
    Array.from({ length: BATCH }, (_, i) => ({
      partition: i % PARTITIONS,
      value: values[(j * BATCH + i) % values.length],
    })),
  );
}

/* `count` producers, each its own kafkajs client (its own connection), SENDS sends in
 * flight in all: sender c uses producer c % count. */
async function produce(system, count) {
  const topic = topicFor(count);
  const producers = Array.from({ length: count }, (_, i) =>
    newKafka(system.broker, `kafdo-bench-producer-${i}`).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    }),
  );
  await Promise.all(producers.map((p) => p.connect()));
  try {
    const sends = sendsOfMessages();
    const sendBatch = async (c, b) => {
      const res = await producers[c % count].send({ topic, acks: -1, messages: sends[b % sends.length] });
      const errors = res.filter((r) => r.errorCode !== 0);
      if (errors.length) throw new Error(`produce answered errors: ${JSON.stringify(errors)}`);
    };
    await drive({ batches: SENDS, clients: SENDS, sendBatch });
    const run = await withCpu(system, () => drive({ batches: BATCHES, clients: SENDS, sendBatch }));
    return {
      producers: count,
      ...figures(BATCHES * BATCH, run.seconds, run.latencies, run),
      gatewayCores: run.gatewayCores,
    };
  } finally {
    await Promise.all(producers.map((p) => p.disconnect()));
  }
}

async function consume(system, expected) {
  const kafka = newKafka(system.broker, 'kafdo-bench-consumer');
  const consumer = kafka.consumer({ groupId: `kbench-consume-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topicFor(PRODUCERS[0])], fromBeginning: true });
    let joined = null;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = cpuNow(system)));
    let crash;
    const crashed = new Promise((_, reject) => (crash = reject));
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      crash(new Error(`consumer crashed: ${payload.error?.message}`)),
    );
    const run = await (async () => {
      let count = 0;
      let bytes = 0;
      let done;
      const all = new Promise((resolve) => (done = resolve));
      const t0 = performance.now();
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) bytes += m.value.length;
          count += batch.messages.length;
          if (count >= expected) done(cpuNow(system));
        },
      });
      const last = await bounded(Promise.race([all, crashed]), STEP_LIMIT_MS, 'consume');
      return { count, bytes, joinMs: joined.t - t0, seconds: (last.t - joined.t) / 1000, ...cores(joined, last) };
    })();
    if (run.count !== expected) throw new Error(`consumed ${run.count} records of ${expected}`);
    if (run.bytes !== expected * VALUE_BYTES)
      throw new Error(`consumed ${run.bytes} value bytes, expected ${expected * VALUE_BYTES}`);
    return { ...figures(run.count, run.seconds, [], run), gatewayCores: run.gatewayCores, joinMs: run.joinMs };
  } finally {
    await consumer.disconnect();
  }
}

async function latency(system) {
  const kafka = newKafka(system.broker, 'kafdo-bench-latency');
  const consumer = kafka.consumer({
    groupId: `kbench-latency-${Date.now()}`,
    maxWaitTimeInMs: system.latencyMaxWaitMs,
  });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await Promise.all([consumer.connect(), producer.connect()]);
  try {
    await consumer.subscribe({ topics: [LAT_TOPIC], fromBeginning: true });
    const arrivals = new Map();
    let waiter = null;
    let fetched = null;
    const fetchedOnce = new Promise((resolve) => (fetched = resolve));
    consumer.on(consumer.events.FETCH, () => fetched());
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = performance.now();
        const { i, t } = JSON.parse(message.value.toString());
        arrivals.set(i, now - t);
        if (waiter?.i === i) waiter.resolve();
      },
    });
    await bounded(fetchedOnce, 120_000, "the latency consumer's first fetch");
    const endToEnd = [];
    const acks = [];
    for (let i = 0; i < WARM_SAMPLES + SAMPLES; i++) {
      const arrived = new Promise((resolve) => (waiter = { i, resolve }));
      const t = performance.now();
      await producer.send({ topic: LAT_TOPIC, acks: -1, messages: [{ value: JSON.stringify({ i, t }) }] });
      const acked = performance.now() - t;
      if (!arrivals.has(i)) await bounded(arrived, 60_000, `latency sample ${i}`);
      if (i >= WARM_SAMPLES) {
        endToEnd.push(arrivals.get(i));
        acks.push(acked);
      }
    }
    const pct = (xs, q) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(q * s.length))];
    };
    return {
      samples: endToEnd.length,
      p50: pct(endToEnd, 0.5),
      p99: pct(endToEnd, 0.99),
      max: Math.max(...endToEnd),
      ackP50: pct(acks, 0.5),
      ackP99: pct(acks, 0.99),
    };
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
}

/* ---- printing -------------------------------------------------------------------- */

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const pad = (s, w) => String(s).padStart(w);
const ratio = (k, s) => (Number.isFinite(k) && Number.isFinite(s) && s > 0 ? fixed(k / s, 2) : '');

function cpuCells(f) {
  return `${pad(fixed(f.clientCores, 2), 8)}${pad(fixed(f.gatewayCores, 2), 9)}${pad(fixed(f.serverCores, 2), 8)}`;
}

function print(results) {
  const kafdo = results.find((r) => r.name === 'kafdo' && !r.skipped);
  const stub = results.find((r) => r.name === 'stub' && !r.skipped);
  const ok = results.filter((r) => !r.skipped);

  console.log();
  console.log(
    'CPU: cores busy during the figure — kafkajs (this Node process), the gateway process, the broker (of 2 cores).',
  );
  console.log(`produce (${SENDS} sends of ${int(BATCH)} in flight in all; a send counts when kafkajs resolves it)`);
  console.log(
    `  ${'producers'.padEnd(10)}${'system'.padEnd(7)}${pad('records/s', 11)}${pad('MB/s', 8)}${pad('send p50', 10)}${pad('send p99', 10)}${pad('kafkajs', 8)}${pad('gateway', 9)}${pad('broker', 8)}`,
  );
  for (const [i, count] of PRODUCERS.entries()) {
    for (const r of ok) {
      const f = r.produce[i];
      console.log(
        `  ${String(count).padEnd(10)}${r.name.padEnd(7)}${pad(int(f.recordsPerSec), 11)}${pad(fixed(f.mbPerSec, 2), 8)}` +
          `${pad(`${fixed(f.p50)} ms`, 10)}${pad(`${fixed(f.p99)} ms`, 10)}${cpuCells(f)}`,
      );
    }
    if (kafdo && stub)
      console.log(
        `  ${String(count).padEnd(10)}kafdo/stub ${ratio(kafdo.produce[i].recordsPerSec, stub.produce[i].recordsPerSec)}`,
      );
  }

  console.log('consume (one member of a new group, from the beginning; records/s from the join to the last record)');
  console.log(
    `  ${'system'.padEnd(7)}${pad('records/s', 11)}${pad('MB/s', 8)}${pad('join', 10)}${pad('kafkajs', 8)}${pad('gateway', 9)}${pad('broker', 8)}`,
  );
  for (const r of ok) {
    const f = r.consume;
    console.log(
      `  ${r.name.padEnd(7)}${pad(int(f.recordsPerSec), 11)}${pad(fixed(f.mbPerSec, 2), 8)}${pad(`${fixed(f.joinMs, 0)} ms`, 10)}${cpuCells(f)}`,
    );
  }
  if (kafdo && stub) console.log(`  kafdo/stub ${ratio(kafdo.consume.recordsPerSec, stub.consume.recordsPerSec)}`);

  console.log(
    `produce-to-consume latency (${SAMPLES} messages sent one at a time, each after the previous arrived; acks=-1)`,
  );
  console.log(
    `  ${'system'.padEnd(7)}${pad('p50', 10)}${pad('p99', 10)}${pad('max', 10)}${pad('ack p50', 10)}${pad('ack p99', 10)}  consumer maxWaitTimeInMs`,
  );
  for (const r of ok) {
    const f = r.latency;
    console.log(
      `  ${r.name.padEnd(7)}${pad(`${fixed(f.p50)} ms`, 10)}${pad(`${fixed(f.p99)} ms`, 10)}${pad(`${fixed(f.max)} ms`, 10)}` +
        `${pad(`${fixed(f.ackP50)} ms`, 10)}${pad(`${fixed(f.ackP99)} ms`, 10)}  ${r.latencyMaxWaitMs}`,
    );
  }
  if (kafdo && stub) {
    console.log(
      `  kafdo/stub p50 ${ratio(kafdo.latency.p50, stub.latency.p50)}, p99 ${ratio(kafdo.latency.p99, stub.latency.p99)} (latency: higher is slower)`,
    );
  }
}

/* ---- main -------------------------------------------------------------------------- */

const kafkajsVersion = require('kafkajs/package.json').version;
console.log(
  `Kafka protocol, kafkajs ${kafkajsVersion} on Node ${process.versions.node}: ${int(BATCHES * BATCH)} records of ${VALUE_BYTES} B, sends of ${int(BATCH)} ` +
    `over ${PARTITIONS} partitions, acks=-1, no compression; kafdo/stub is the ratio`,
);
const results = [];
for (const [name, open] of [
  ['kafdo', openKafdo],
  ['stub', openStub],
].filter(([n]) => ONLY.includes(n))) {
  process.stderr.write(`kafka bench: ${name}\n`);
  let system;
  try {
    system = await open();
    const r = { name, describe: system.describe, latencyMaxWaitMs: system.latencyMaxWaitMs };
    r.produce = [];
    for (const count of PRODUCERS) {
      r.produce.push(await bounded(produce(system, count), STEP_LIMIT_MS, `${name} produce`));
      process.stderr.write(`  ${name} produce, ${count} producer${count > 1 ? 's' : ''}, done\n`);
    }
    r.consume = await bounded(consume(system, (BATCHES + SENDS) * BATCH), STEP_LIMIT_MS, `${name} consume`);
    process.stderr.write(`  ${name} consume done\n`);
    r.latency = await bounded(latency(system), STEP_LIMIT_MS, `${name} latency`);
    process.stderr.write(`  ${name} latency done\n`);
    results.push(r);
  } catch (e) {
    /* Figures never fail the run; a system that could not run the workload does. */
    results.push({ name, skipped: `failed: ${e.message.split('\n').slice(0, 3).join(' | ')}` });
    process.exitCode = 1;
  } finally {
    if (system?.stop) await system.stop();
  }
}
for (const r of results) console.log(`  ${r.name.padEnd(6)} ${r.skipped ? `skipped: ${r.skipped}` : r.describe}`);
print(results);
