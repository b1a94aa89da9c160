#!/usr/bin/env node
/*
 * kafka-breakdown.mjs — where one Kafka Produce and one Kafka Fetch spend their time,
 * beside the commit floor (bench/floor/worker.ts, as bench/commit-floor.mjs runs it).
 * Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/kafka-breakdown.mjs [--samples N] [--profile-requests M]
 *
 * Two views of the same requests (frames encoded by kafkajs's own request encoders):
 *
 *   round trips   N (default 300) requests, one at a time, after 30 untimed: each sent
 *                 straight over a WebSocket to the Worker's /kafka, and again through
 *                 `kafdo gateway` over TCP. ApiVersions is the hop and the codec with no
 *                 Durable Object; Produce adds the RPC to the partition, the core's append
 *                 and the SQLite commit (output gate); Fetch the RPC and the core's read.
 *                 gateway - WebSocket is the gateway's hop; WebSocket - floor's WebSocket
 *                 message is Kafdo's own work per request (the floor is one SQLite row
 *                 per message, answered after the output gate).
 *   in flight     the 1,000-record Produce below, 4 at a time on one connection (as kafkajs
 *                 has its sends in flight) and 4 at a time on 4 connections: ms per request.
 *   CPU profile   M (default 300) Produce requests (1,000 records of 100 B over 8
 *                 partitions, as bench/kafka.mjs sends) and M Fetch requests over the
 *                 WebSocket while V8's sampling profiler runs in the Worker's isolate
 *                 (wrangler dev's inspector; the Worker and its Durable Objects share the
 *                 isolate). Each sample is put in the phase its stack is in (the first
 *                 of the Worker's functions named below, leaf first) and split by what
 *                 ran: the core (wasm), SQLite (the host calls the core makes into
 *                 storage), or JavaScript. "runtime" is workerd's own work outside any
 *                 JavaScript frame (RPC serialization, WebSocket I/O, the event loop);
 *                 GC is the garbage collector. µs of CPU per request.
 *
 * Under load from other processes the round trips move a lot; the profile's CPU per
 * request moves less.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ROOT, startDev } from '../tests/e2e/harness.mjs';
import { processGroup } from '../tests/e2e/harness.mjs';

const require = createRequire(import.meta.url);
const encodeRequest = require('kafkajs/src/protocol/request');
const apiVersionsRequest = require('kafkajs/src/protocol/requests/apiVersions/v2/request');
const produceRequest = require('kafkajs/src/protocol/requests/produce/v7/request');
const fetchRequest = require('kafkajs/src/protocol/requests/fetch/v11/request');

const { values: opts } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    'profile-requests': { type: 'string', default: '300' },
    top: { type: 'string', default: '0' },
    'save-profiles': { type: 'string' },
  },
});
const SAMPLES = Number(opts.samples);
const PROFILE_REQUESTS = Number(opts['profile-requests']);
const TOP = Number(opts.top);
const WARMUP = 30;
const IN_FLIGHT = 4;
const PRODUCE_RECORDS = 1000;
const TOPIC = 'breakdown';
const PARTITIONS = 8;
const VALUE = Buffer.alloc(100, 'x');

/* CPU seconds used so far by wrangler dev's processes: workerd (the Worker, its
 * Durable Objects, SQLite, and wrangler's proxy worker) and the rest (wrangler's Node). */
function devCpuSeconds(pgid) {
  const cpu = { workerd: 0, wrangler: 0 };
  for (const { pid, comm } of processGroup(pgid)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu[comm.includes('workerd') ? 'workerd' : 'wrangler'] += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {}
  }
  return cpu;
}

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/* Times `once()` SAMPLES times, one after another, after WARMUP untimed calls. */
async function latencies(once) {
  for (let i = 0; i < WARMUP; i++) await once();
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 0.5), p99: pct(ms, 0.99) };
}

/* ms per request of `round()` (IN_FLIGHT requests at once), SAMPLES / IN_FLIGHT rounds
 * after a few untimed. */
async function perRequest(round) {
  for (let i = 0; i < 3; i++) await round();
  const rounds = Math.max(1, Math.round(SAMPLES / IN_FLIGHT));
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await round();
  return (performance.now() - t0) / (rounds * IN_FLIGHT);
}

/* One request frame, size prefix included, as kafkajs sends it. */
async function frame(request) {
  return (await encodeRequest({ correlationId: 1, clientId: 'breakdown', request })).buffer;
}

const produceFrame = (records, partitions) =>
  frame(
    produceRequest({
      acks: -1,
      timeout: 30000,
      compression: 0,
      topicData: [
        {
          topic: TOPIC,
          partitions: Array.from({ length: partitions }, (_, p) => ({
            partition: p,
            messages: Array.from({ length: records / partitions }, () => ({ value: VALUE })),
          })),
        },
      ],
    }),
  );

const fetchFrame = () =>
  frame(
    fetchRequest({
      replicaId: -1,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 0,
      topics: [
        {
          topic: TOPIC,
          partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
            partition: p,
            fetchOffset: '0',
            logStartOffset: '-1',
            maxBytes: 16384,
          })),
        },
      ],
    }),
  );

/* A WebSocket (or a TCP socket to the gateway) whose sends resolve with their answers,
 * one frame each, in order. */
async function openWebSocket(url) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed`)), { once: true });
  });
  const waiting = [];
  ws.addEventListener('message', (e) => waiting.shift()?.(e.data));
  return {
    send: (bytes) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        ws.send(bytes);
      }),
    close: () => ws.close(),
  };
}

async function openTcp(port) {
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const waiting = [];
  let held = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    held = Buffer.concat([held, chunk]);
    while (held.length >= 4 && held.length >= 4 + held.readInt32BE(0)) {
      const size = 4 + held.readInt32BE(0);
      waiting.shift()?.(held.subarray(0, size));
      held = held.subarray(size);
    }
  });
  return {
    send: (bytes) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        socket.write(bytes);
      }),
    close: () => socket.destroy(),
  };
}

/* ---- the CPU profile ------------------------------------------------------------ */

/* The Worker's functions that name a phase, as the bundle keeps them. */
const PHASES = [
  ['frame decode', ['kafkaDecode']],
  ['response encode', ['kafkaEncode', 'kafkaErrorResponse', 'finishFrame']],
  ['partition append (DO)', ['flushAppends', '#flushAppends', 'logAppend', 'append']],
  ['partition read (DO)', ['fetchBatches', 'fetchBatchesWait', 'logFetch', 'readWait']],
  ['authorize', ['authorizeRequest']],
  ['handler', ['produce', 'produceTopic', 'fetch', 'readWithin', 'resolve', 'callPartition', 'topicFor']],
  ['connection', ['receive', 'answer', 'push', 'respond', 'respondCounted', 'begin', 'KafkaConnection']],
];
const phaseOf = new Map(PHASES.flatMap(([phase, names]) => names.map((n) => [n, phase])));

/* Talks to wrangler dev's inspector (the Chrome DevTools protocol over a WebSocket). */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  /* The inspector proxy takes DevTools' origin only. */
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://localhost' } });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
  });
  let id = 0;
  const pending = new Map();
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, (msg) => (msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { call, close: () => ws.close() };
}

/* CPU µs per request by phase and kind, from one V8 profile over `requests` requests. */
function breakdown(profile, requests) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const table = new Map();
  const add = (phase, kind, us) => {
    const row = table.get(phase) ?? { js: 0, core: 0, sqlite: 0 };
    row[kind] += us;
    table.set(phase, row);
  };
  /* A sample stands for the time since the one before, except across a gap: the
   * isolate waiting on I/O is not always sampled as idle, and the gap would be charged
   * to the stack sampled after it. A sample counts at most twice the usual interval. */
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 2 * pct(deltas, 0.5);
  const leaves = new Map();
  profile.samples.forEach((id, i) => {
    const us = Math.min(profile.timeDeltas[i] ?? 0, cap);
    const leaf = nodes.get(id);
    const name = leaf.callFrame.functionName;
    const where = `${name || '(anonymous)'} ${leaf.callFrame.url.replace(/^.*\//, '')}:${leaf.callFrame.lineNumber}`;
    leaves.set(where, (leaves.get(where) ?? 0) + us);
    if (name === '(idle)') return;
    if (name === '(garbage collector)') return add('GC', 'js', us);
    if (name === '(program)' || name === '(root)') return add('runtime', 'js', us);
    let kind = 'js';
    let phase = null;
    let sawWasm = false;
    for (let n = leaf; n; n = nodes.get(parent.get(n.id))) {
      const isWasm = n.callFrame.url.startsWith('wasm');
      if (isWasm && !sawWasm) kind = n === leaf ? 'core' : 'sqlite'; /* JS under wasm: the storage host */
      sawWasm ||= isWasm;
      phase ??= phaseOf.get(n.callFrame.functionName.replace(/^.*\./, '')) ?? null;
    }
    add(phase ?? 'other JavaScript', kind, us);
  });
  const top = [...leaves].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  const rows = [...table].map(([phase, r]) => ({
    phase,
    js: r.js / requests,
    core: r.core / requests,
    sqlite: r.sqlite / requests,
  }));
  const order = [...PHASES.map(([p]) => p), 'other JavaScript', 'runtime', 'GC'];
  rows.sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase));
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return { rows, top: top.map(([f, t]) => [f, t / requests]), seconds };
}

async function profiled(dev, name, send, frameBytes) {
  const inspect = await inspector(dev.inspectorPort);
  try {
    await inspect.call('Profiler.enable');
    await inspect.call('Profiler.setSamplingInterval', { interval: 100 });
    const cpu0 = devCpuSeconds(dev.pid);
    const t0 = performance.now();
    await inspect.call('Profiler.start');
    for (let i = 0; i < PROFILE_REQUESTS; i++) await send(frameBytes);
    const { profile } = await inspect.call('Profiler.stop');
    if (opts['save-profiles']) {
      mkdirSync(opts['save-profiles'], { recursive: true });
      writeFileSync(join(opts['save-profiles'], `${name}.cpuprofile`), JSON.stringify(profile));
      /* The bundle the profile's line numbers point into. */
      const scriptId = profile.nodes.find((n) => n.callFrame.url.endsWith('index.js'))?.callFrame.scriptId;
      if (scriptId) {
        await inspect.call('Debugger.enable');
        const { scriptSource } = await inspect.call('Debugger.getScriptSource', { scriptId });
        writeFileSync(join(opts['save-profiles'], 'worker-bundle.js'), scriptSource);
      }
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = devCpuSeconds(dev.pid);
    const cpu = { workerd: cpu1.workerd - cpu0.workerd, wrangler: cpu1.wrangler - cpu0.wrangler };
    return { ...breakdown(profile, PROFILE_REQUESTS), wall, cpu };
  } finally {
    inspect.close();
  }
}

/* ---- the runs ------------------------------------------------------------------- */

async function measureFloor() {
  const dev = await startDev({ logLevel: 'error', args: ['--config', join(ROOT, 'bench', 'floor', 'wrangler.toml')] });
  try {
    const ws = await openWebSocket(`${dev.baseUrl.replace('http', 'ws')}/ws`);
    const socket = await latencies(() => ws.send(VALUE));
    ws.close();
    return socket;
  } finally {
    await dev.stop();
    dev.cleanup();
  }
}

async function measureKafdo() {
  const dev = await startDev({ logLevel: 'error', gateway: true });
  try {
    const res = await fetch(`${dev.baseUrl}/admin/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: TOPIC, partitions: PARTITIONS }),
    });
    if (!res.ok) throw new Error(`create topic answered ${res.status}: ${await res.text()}`);
    const kafkaUrl = `${dev.baseUrl.replace('http', 'ws')}/kafka?advertise=${dev.kafkaBroker}`;
    const ws = await openWebSocket(kafkaUrl);
    const tcp = await openTcp(dev.gateway.port);
    const frames = {
      ApiVersions: await frame(apiVersionsRequest()),
      'Produce, 1 record, 1 partition': await produceFrame(1, 1),
      'Produce, 1,000 records, 8 partitions': await produceFrame(PRODUCE_RECORDS, PARTITIONS),
      'Fetch, 8 partitions, 16 KiB each': await fetchFrame(),
    };
    const trips = [];
    for (const [name, bytes] of Object.entries(frames)) {
      trips.push({ name, ws: await latencies(() => ws.send(bytes)), gateway: await latencies(() => tcp.send(bytes)) });
    }
    /* The same Produce, IN_FLIGHT at a time on one connection (as kafkajs sends 4 sends
     * in flight), then on IN_FLIGHT connections: ms per request. */
    const produce1000 = frames['Produce, 1,000 records, 8 partitions'];
    const sockets = [ws, ...(await Promise.all(Array.from({ length: IN_FLIGHT - 1 }, () => openWebSocket(kafkaUrl))))];
    const inFlight = {
      oneConnection: await perRequest(() => Promise.all(sockets.map(() => ws.send(produce1000)))),
      connections: await perRequest(() => Promise.all(sockets.map((s) => s.send(produce1000)))),
    };
    for (const s of sockets.slice(1)) s.close();
    const produceProfile = await profiled(dev, 'produce', ws.send, frames['Produce, 1,000 records, 8 partitions']);
    const fetchProfile = await profiled(dev, 'fetch', ws.send, frames['Fetch, 8 partitions, 16 KiB each']);
    ws.close();
    tcp.close();
    return { trips, inFlight, produceProfile, fetchProfile };
  } finally {
    await dev.stop();
    dev.cleanup();
  }
}

const floor = await measureFloor();
const kafdo = await measureKafdo();

const ms = (x) => `${x.toFixed(2)} ms`.padStart(10);
const us = (x) => `${Math.round(x)}`.padStart(8);
console.log(`Kafka request breakdown — ${SAMPLES} requests one at a time, p50 / p99`);
console.log(`  ${'request'.padEnd(40)}${'WebSocket'.padStart(22)}${'via gateway'.padStart(22)}  gateway hop p50`);
console.log(`  ${'floor: one SQLite row per message'.padEnd(40)}${ms(floor.p50)}${ms(floor.p99)}`);
for (const t of kafdo.trips) {
  console.log(
    `  ${t.name.padEnd(40)}${ms(t.ws.p50)}${ms(t.ws.p99)}  ${ms(t.gateway.p50)}${ms(t.gateway.p99)}  ${ms(t.gateway.p50 - t.ws.p50)}`,
  );
}
const perRecord = (kafdo.produceProfile.cpu.workerd * 1e6) / (PROFILE_REQUESTS * PRODUCE_RECORDS);
console.log(`  workerd CPU per produced record (1,000-record Produce, one at a time): ${perRecord.toFixed(1)} µs`);
console.log(
  `  Produce, 1,000 records over 8 partitions, ${IN_FLIGHT} in flight: on one connection ` +
    `${kafdo.inFlight.oneConnection.toFixed(2)} ms a request, on ${IN_FLIGHT} connections ` +
    `${kafdo.inFlight.connections.toFixed(2)} ms a request`,
);
for (const [what, p] of [
  ['Produce, 1,000 records over 8 partitions', kafdo.produceProfile],
  ['Fetch, 8 partitions of 16 KiB', kafdo.fetchProfile],
]) {
  const total = p.rows.reduce((s, r) => s + r.js + r.core + r.sqlite, 0);
  console.log(
    `  ${what}, ${PROFILE_REQUESTS} one at a time: ${Math.round((p.wall * 1e6) / PROFILE_REQUESTS)} µs wall, ` +
      `CPU per request: workerd ${Math.round((p.cpu.workerd * 1e6) / PROFILE_REQUESTS)} µs, ` +
      `wrangler's Node ${Math.round((p.cpu.wrangler * 1e6) / PROFILE_REQUESTS)} µs; ` +
      `the Worker isolate's profile ${Math.round(total)} µs:`,
  );
  console.log(`    ${'phase'.padEnd(26)}${'JS µs'.padStart(8)}${'core µs'.padStart(8)}${'SQLite µs'.padStart(10)}`);
  for (const r of p.rows) console.log(`    ${r.phase.padEnd(26)}${us(r.js)}${us(r.core)}${us(r.sqlite).padStart(10)}`);
  for (const [where, t] of p.top) console.log(`      ${us(t)} µs  ${where}`);
}
