/*
 * rest-workload.mjs — the one workload that bench/rest.mjs runs on Kafdo and on its
 * peers, so the figures compare like with like.
 *
 * Records carry a 100-byte value and no key: the value is a JSON string of 98
 * alphanumeric characters, so the bytes stored are exactly 100 on every system (Kafdo
 * stores a JSON value as its UTF-8 JSON text, quotes included; the peers are handed
 * the same 100 bytes). Records go out in batches of 1,000, spread evenly over 8
 * partitions (record i of a batch to partition i % 8), by several concurrent clients
 * that take the next batch from a shared counter until all are sent. A batch counts
 * when every record of it is acknowledged as stored.
 *
 * Reads page through each partition from its first offset to its end, one reader per
 * partition, all partitions at once, as a consumer group with a member per partition
 * would.
 *
 * MB/s counts value bytes only (10^6 bytes per MB), so it is records/s x 100 / 10^6 on
 * every system and does not reward a verbose protocol.
 *
 * CPU is counted on both sides of each measurement, in cores (CPU seconds over wall
 * seconds): the client's (this Node process) and the server's (every process of its
 * process group, from /proc). On a two-core machine the two compete, and a figure
 * where the client uses a whole core is the client's figure as much as the server's.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { processGroup } from '../tests/e2e/harness.mjs';

export const BATCH = 1000;
export const PARTITIONS = 8;
export const VALUE_BYTES = 100;

/* A fixed set of distinct value strings (98 characters, so 100 as JSON), made by a
 * small deterministic generator so every run and every system sends the same bytes. */
export function valueStrings(count = 4096) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = 0x9e3779b9;
  const out = [];
  for (let n = 0; n < count; n++) {
    let s = '';
    for (let i = 0; i < VALUE_BYTES - 2; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      s += alphabet[(x >>> 0) % alphabet.length];
    }
    out.push(s);
  }
  return out;
}

/* The 100 bytes a peer stores for value string s: its JSON text. */
export const valueBytes = (s) => Buffer.from(JSON.stringify(s), 'utf8');

/* CPU seconds used so far by the processes of group `pgid` (those still running). */
export function groupCpuSeconds(pgid) {
  let ticks = 0;
  for (const { pid } of processGroup(pgid)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

/* Runs fn, measuring the client's and the server's CPU meanwhile: resolves to fn's
 * result with { clientCores, serverCores } added. */
export async function withCpu(serverPgid, fn) {
  const c0 = process.cpuUsage();
  const s0 = serverPgid ? groupCpuSeconds(serverPgid) : NaN;
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const s1 = serverPgid ? groupCpuSeconds(serverPgid) : NaN;
  return { ...result, clientCores: (c.user + c.system) / 1e6 / wall, serverCores: (s1 - s0) / wall };
}

/*
 * Sends `batches` batches with `clients` concurrent clients. sendBatch(client, batch)
 * resolves when the batch is acknowledged. Resolves to the elapsed seconds and each
 * batch's latency (ms).
 */
export async function drive({ batches, clients, sendBatch }) {
  let next = 0;
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (next < batches) {
        const b = next++;
        const s = performance.now();
        await sendBatch(c, b);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, latencies };
}

/* Reads every partition at once; readPartition(p) resolves to the records it read. */
export async function readAll(readPartition) {
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readPartition(p)));
  return { seconds: (performance.now() - t0) / 1000, records: counts.reduce((a, b) => a + b, 0) };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/* Throughput, latency and CPU figures of one measurement. */
export function figures(records, seconds, latencies = [], cpu = {}) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    clientCores: cpu.clientCores,
    serverCores: cpu.serverCores,
    records,
    seconds,
    recordsPerSec: records / seconds,
    mbPerSec: (records * VALUE_BYTES) / seconds / 1e6,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

/* Runs `fn` with a bound on time: rejects with `what` when it takes longer. */
export function bounded(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
