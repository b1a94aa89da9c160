#!/usr/bin/env node
/*
 * rest.mjs — Kafdo's REST produce and read throughput, and the same workload on NATS
 * JetStream and Redis Streams in the same run, printed side by side as ratios.
 * Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/rest.mjs [--records N] [--clients 4,8] [--read-limit L] [--only kafdo,nats,redis]
 *
 * The workload (bench/rest-workload.mjs): N records per figure (default 100,000) with
 * 100-byte values, in batches of 1,000 spread over 8 partitions, sent by 4 and then 8
 * concurrent clients; then every partition read back from its start, one reader per
 * partition. Each figure starts on fresh partitions (a new topic, new streams) after
 * one untimed warm-up batch per client, which creates them.
 *
 * Kafdo runs in its own `wrangler dev` (tests/e2e/harness.mjs: free port, temporary
 * state directory): POST /topics/:t/produce-batch with {"messages": [{"value",
 * "partition"}, ...]} and GET /topics/:t/partitions/:p/messages?offset=&limit= paged
 * by nextOffset. The peers run from Debian's packages (bench/peers/ensure.sh installs
 * them) on free loopback ports with data in temporary directories; one system runs at
 * a time, so they never share the two cores. Everything started here is stopped here.
 *
 * Each figure also shows the CPU both sides used meanwhile, in cores (this client; the
 * server's process group), since on two cores the client can be the bottleneck: the
 * nats.js client is, at about one core, for JetStream publishes.
 *
 * Kafdo's SQLite rows: after each produce figure the partition Durable Objects' SQLite
 * files under the state directory are opened read-only (node:sqlite) and the rows of
 * log_batches counted with the records they hold; the log stores one row per appended
 * RecordBatch, so this is the number of rows the produce wrote.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { client, startDev } from '../tests/e2e/harness.mjs';
import {
  BATCH,
  PARTITIONS,
  VALUE_BYTES,
  bounded,
  drive,
  figures,
  readAll,
  valueStrings,
  withCpu,
} from './rest-workload.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const RECORDS = Number(arg('records', '100000'));
const CLIENTS = arg('clients', '4,8').split(',').map(Number);
const READ_LIMIT = Number(arg('read-limit', String(BATCH)));
const ONLY = arg('only', 'kafdo,nats,redis').split(',');
const BATCHES = Math.max(1, Math.round(RECORDS / BATCH));
const STEP_LIMIT_MS = 10 * 60 * 1000;

/* ---- Kafdo over REST -------------------------------------------------------- */

/* Rows and records in the log_batches tables of every partition object's SQLite. */
async function countLogRows(persistDir) {
  const { DatabaseSync } = await import('node:sqlite');
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.sqlite') && dir.includes('TopicPartitionDO')) files.push(path);
    }
  };
  walk(persistDir);
  let rows = 0;
  let records = 0;
  let partitions = 0;
  for (const file of files) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const has = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'log_batches'").get();
      if (has.n === 0) continue;
      partitions++;
      const r = db.prepare('SELECT count(*) AS rows, coalesce(sum(record_count), 0) AS records FROM log_batches').get();
      rows += Number(r.rows);
      records += Number(r.records);
    } finally {
      db.close();
    }
  }
  return { partitions, rows, records };
}

async function openKafdo(values) {
  const dev = await startDev({ logLevel: 'error' });
  const api = client(dev.baseUrl);
  const version = (await import('wrangler/package.json', { with: { type: 'json' } })).default.version;
  /* A few distinct request bodies, built once, so the client's JSON encoding is not
   * what is measured. */
  const bodies = Array.from({ length: 8 }, (_, j) =>
    JSON.stringify({
      messages: Array.from({ length: BATCH }, (_, i) => ({
        value: values[(j * BATCH + i) % values.length],
        partition: i % PARTITIONS,
      })),
    }),
  );

  return {
    describe: `wrangler dev ${version} (workerd, Durable Object SQLite on local disk), REST, Node fetch`,
    async setup(run) {
      const topic = `bench-${run}`;
      await api.createTopic(topic, PARTITIONS);
      const produceUrl = `${dev.baseUrl}/topics/${topic}/produce-batch`;
      return {
        async sendBatch(c, b) {
          const res = await fetch(produceUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: bodies[b % bodies.length],
          });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`produce-batch answered ${res.status}: ${text.slice(0, 300)}`);
          const { results } = JSON.parse(text);
          if (results?.length !== BATCH) throw new Error(`produce-batch acknowledged ${results?.length} records`);
        },
        async readPartition(p) {
          let offset = 0;
          let end = Infinity;
          let n = 0;
          while (offset < end) {
            const page = await api.read(topic, p, offset, READ_LIMIT);
            end = Math.min(end, page.highWatermark);
            if (page.messages.length === 0 && offset < end) {
              throw new Error(`kafdo: ${topic}/${p} stopped at offset ${offset} of ${end}`);
            }
            for (const m of page.messages) {
              if (typeof m.value !== 'string' || m.value.length !== VALUE_BYTES - 2) {
                throw new Error(`kafdo: unexpected value at ${topic}/${p}@${m.offset}`);
              }
            }
            n += page.messages.length;
            offset = page.nextOffset;
          }
          return n;
        },
        async close() {},
      };
    },
    pgid: dev.pid,
    rows: () => countLogRows(dev.persistDir),
    stop: () => dev.stop({ removePersistDir: true }),
  };
}

/* ---- one system, every figure ------------------------------------------------- */

async function measure(name, system) {
  const out = { name, describe: system.describe, runs: [] };
  for (const clients of CLIENTS) {
    const run = `c${clients}`;
    const s = await system.setup(run, clients);
    await drive({ batches: clients, clients, sendBatch: (c, b) => s.sendBatch(c, BATCHES + b) });
    const rowsBefore = system.rows ? await system.rows() : undefined;
    const produced = await bounded(
      withCpu(system.pgid, () => drive({ batches: BATCHES, clients, sendBatch: s.sendBatch })),
      STEP_LIMIT_MS,
      `${name} produce`,
    );
    const rowsAfter = system.rows ? await system.rows() : undefined;
    const read = await bounded(
      withCpu(system.pgid, () => readAll((p) => s.readPartition(p))),
      STEP_LIMIT_MS,
      `${name} read`,
    );
    await s.close();
    const expected = (BATCHES + clients) * BATCH;
    if (read.records !== expected) throw new Error(`${name}: read ${read.records} records of ${expected}`);
    out.runs.push({
      clients,
      produce: figures(BATCHES * BATCH, produced.seconds, produced.latencies, produced),
      read: figures(read.records, read.seconds, [], read),
      rows: rowsBefore && { rows: rowsAfter.rows - rowsBefore.rows, records: rowsAfter.records - rowsBefore.records },
    });
    process.stderr.write(`  ${name} ${clients} clients done\n`);
  }
  return out;
}

/* ---- printing ---------------------------------------------------------------- */

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const pad = (s, w) => String(s).padStart(w);

function table(title, results, kind) {
  console.log(title);
  const withLatency = kind === 'produce';
  console.log(
    `  ${'clients'.padEnd(8)}${'system'.padEnd(7)}${pad('records/s', 12)}${pad('MB/s', 8)}` +
      (withLatency ? `${pad('batch p50', 11)}${pad('batch p99', 11)}` : '') +
      `${pad('CPU client', 12)}${pad('server', 8)}${pad('kafdo/peer', 12)}`,
  );
  const kafdo = results.find((r) => r.name === 'kafdo');
  for (const clients of CLIENTS) {
    for (const r of results) {
      if (r.skipped) continue;
      const f = r.runs.find((x) => x.clients === clients)?.[kind];
      if (!f) continue;
      const k = kafdo?.runs?.find((x) => x.clients === clients)?.[kind];
      const ratio = r.name !== 'kafdo' && k ? fixed(k.recordsPerSec / f.recordsPerSec, 2) : '';
      console.log(
        `  ${String(clients).padEnd(8)}${r.name.padEnd(7)}${pad(int(f.recordsPerSec), 12)}${pad(fixed(f.mbPerSec, 2), 8)}` +
          (withLatency ? `${pad(`${fixed(f.p50)} ms`, 11)}${pad(`${fixed(f.p99)} ms`, 11)}` : '') +
          `${pad(fixed(f.clientCores, 2), 12)}${pad(fixed(f.serverCores, 2), 8)}${pad(ratio, 12)}`,
      );
    }
  }
}

/* ---- main --------------------------------------------------------------------- */

const values = valueStrings();
const systems = [
  ['kafdo', () => openKafdo(values)],
  ['nats', async () => (await import('./peers/nats.mjs')).open(values)],
  ['redis', async () => (await import('./peers/redis.mjs')).open(values)],
].filter(([name]) => ONLY.includes(name));

console.log(
  `REST workload: ${int(BATCHES * BATCH)} records per figure, batches of ${int(BATCH)}, ` +
    `${VALUE_BYTES}-byte values, ${PARTITIONS} partitions; reads page by ${int(READ_LIMIT)}`,
);
const results = [];
for (const [name, open] of systems) {
  process.stderr.write(`rest bench: ${name}\n`);
  let system;
  try {
    system = await open();
    if (system.skipped) {
      results.push({ name, skipped: system.skipped });
      continue;
    }
    results.push(await measure(name, system));
  } catch (e) {
    /* Figures never fail the run; a system that could not run the workload does. */
    results.push({ name, skipped: `failed: ${e.message.split('\n')[0]}` });
    process.exitCode = 1;
  } finally {
    if (system?.stop) await system.stop();
  }
}
for (const r of results) console.log(`  ${r.name.padEnd(6)} ${r.skipped ? `skipped: ${r.skipped}` : r.describe}`);
console.log();
console.log("CPU: cores busy during the figure, this Node client and the server's whole process group (of 2 cores).");
table('produce (a batch counts when all its records are acknowledged as stored)', results, 'produce');
table(`read (${PARTITIONS} readers at once, one per partition, from the first offset to the end)`, results, 'read');

const kafdo = results.find((r) => r.name === 'kafdo' && !r.skipped);
if (kafdo) {
  console.log();
  console.log('Kafdo SQLite rows written per 1,000 records (rows of log_batches the produce added):');
  for (const run of kafdo.runs) {
    const { rows, records } = run.rows;
    console.log(
      `  ${run.clients} clients: ${fixed((rows * 1000) / records, 2)} ` +
        `(${int(rows)} rows for ${int(records)} records in ${int(BATCHES)} produce-batch calls)`,
    );
  }
  console.log(
    `  One row per stored RecordBatch: a produce-batch call of ${int(BATCH)} records over ${PARTITIONS} partitions\n` +
      `  hands each partition one set of ${int(BATCH / PARTITIONS)} records, stored as one batch, one row;\n` +
      `  so ${PARTITIONS} rows per 1,000 records here, and 1 when a batch's records share a partition.`,
  );
}
