#!/usr/bin/env node
/*
 * metrics-cost.mjs — what counting metrics costs produce throughput: the same
 * workloads against two `wrangler dev`s of this checkout, one with metrics on (the
 * default) and one with KAFDO_METRICS=off, measured in alternating rounds (on, off,
 * on, off, ...) so drift on a shared machine falls on both alike. Prints each mode's
 * median and the difference. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/metrics-cost.mjs [--rounds 3] [--batches 40] [--singles 1500]
 *
 * Workloads, each on a fresh topic of 8 partitions per round (after an untimed
 * warm-up): "batched", POST /topics/:t/produce-batch of 1,000 100-byte records (the
 * rest benchmark's, bench/rest-workload.mjs) by 4 clients; "single", POST
 * /topics/:t/produce of one record by 8 clients — where the per-request cost of
 * counting (a REST door entry, a partition's traffic, the SQLite rows) weighs most.
 *
 * Throughput on a shared two-core machine moves by tens of percent between rounds, so
 * each figure also gives the server's CPU per unit of work (CPU seconds of wrangler's
 * process group over the records or requests), which contention moves much less; and
 * the counting itself is timed in this process (the compiled common/metrics.js, what
 * each request runs more with metrics on), as an upper bound in ns per request.
 */
import { ensureDist } from '../scripts/ensure-dist.mjs';
import { startDev } from '../tests/e2e/harness.mjs';
import { BATCH, PARTITIONS, drive, valueStrings, withCpu } from './rest-workload.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i > 0 ? process.argv[i + 1] : fallback);
}
const ROUNDS = arg('rounds', 5);
const BATCHES = arg('batches', 40);
const SINGLES = arg('singles', 1500);

const values = valueStrings();
const batchBodies = Array.from({ length: 8 }, (_, j) =>
  JSON.stringify({
    messages: Array.from({ length: BATCH }, (_, i) => ({
      value: values[(j * BATCH + i) % values.length],
      partition: i % PARTITIONS,
    })),
  }),
);
const singleBodies = values.slice(0, 64).map((value, i) => JSON.stringify({ value, partition: i % PARTITIONS }));

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
}

async function round(dev, name) {
  const timed = async (work, fn) => {
    const r = await withCpu(dev.pid, fn);
    return { perSec: work / r.seconds, cpuMsPerUnit: (r.serverCores * r.seconds * 1000) / work };
  };
  const topic = `cost-${name}-${Date.now().toString(36)}`;
  await post(`${dev.baseUrl}/admin/topics`, JSON.stringify({ topic, partitions: PARTITIONS }));
  const batchUrl = `${dev.baseUrl}/topics/${topic}/produce-batch`;
  const singleUrl = `${dev.baseUrl}/topics/${topic}/produce`;
  await drive({ batches: 4, clients: 4, sendBatch: (_, b) => post(batchUrl, batchBodies[b % 8]) });
  await drive({ batches: 64, clients: 8, sendBatch: (_, b) => post(singleUrl, singleBodies[b % 64]) });
  const batched = await timed((BATCHES * BATCH) / 1000, () =>
    drive({ batches: BATCHES, clients: 4, sendBatch: (_, b) => post(batchUrl, batchBodies[b % 8]) }),
  );
  const single = await timed(SINGLES, () =>
    drive({ batches: SINGLES, clients: 8, sendBatch: (_, b) => post(singleUrl, singleBodies[b % 64]) }),
  );
  return { batched, single };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const devs = {
  on: await startDev({ logLevel: 'error' }),
  off: await startDev({ logLevel: 'error', vars: { KAFDO_METRICS: 'off' } }),
};
try {
  const results = { on: [], off: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) results[mode].push(await round(devs[mode], mode));
  }
  const enabled = await fetch(`${devs.off.baseUrl}/metrics.json`).then((res) => res.json());
  if (enabled.enabled !== false) throw new Error('the KAFDO_METRICS=off Worker says metrics are on');
  const pct = (on, off) => `${on >= off ? '+' : ''}${(((on - off) / off) * 100).toFixed(1)}%`;
  console.log(`Metrics' cost on produce: ${ROUNDS} alternating rounds per mode, medians (on vs KAFDO_METRICS=off)`);
  for (const [workload, unit, per] of [
    ['batched', 'records/s', '1000 records'],
    ['single', 'requests/s', 'request'],
  ]) {
    const series = (mode, f) => results[mode].map((x) => f(x[workload]));
    const rate = (x) => (workload === 'batched' ? x.perSec * 1000 : x.perSec);
    const [on, off] = [median(series('on', rate)), median(series('off', rate))];
    const [cpuOn, cpuOff] = [median(series('on', (x) => x.cpuMsPerUnit)), median(series('off', (x) => x.cpuMsPerUnit))];
    console.log(
      `  ${workload}: throughput on ${on.toFixed(0)} ${unit}, off ${off.toFixed(0)}: ${pct(on, off)} ` +
        `(rounds on ${series('on', rate)
          .map((v) => v.toFixed(0))
          .join('/')}, off ${series('off', rate)
          .map((v) => v.toFixed(0))
          .join('/')})`,
    );
    console.log(
      `  ${workload}: server CPU on ${cpuOn.toFixed(2)} ms per ${per}, off ${cpuOff.toFixed(2)}: ${pct(cpuOn, cpuOff)}`,
    );
  }
  ensureDist();
  const m = await import('../dist/worker/common/metrics.js');
  const series = new m.TrafficSeries();
  const N = 1_000_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    m.recordRequest(
      'rest',
      'POST /topics/:topic/produce',
      (i % 50) + 0.5,
      i % 97 === 0 ? 'UNKNOWN_TOPIC_OR_PARTITION' : undefined,
    );
    series.add(1_700_000_000_000 + i, { appendedRecords: 1, appendedBytes: 100 });
  }
  console.log(
    `  counting per request (door entry + partition traffic), in-process: ${(((performance.now() - t0) * 1e6) / N).toFixed(0)} ns`,
  );
} finally {
  await Promise.all(Object.values(devs).map((d) => d.stop({ removePersistDir: true })));
}
