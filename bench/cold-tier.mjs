#!/usr/bin/env node
/*
 * cold-tier.mjs — reading a partition whose older batches are in R2 (the cold tier),
 * beside the same partition kept in SQLite, in one `wrangler dev` (R2 emulated locally),
 * and what storing such a partition costs a month at Cloudflare's published prices.
 * Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/cold-tier.mjs [--megabytes M] [--samples S]
 *
 * Two topics of one partition get the same M MB (default 32) in batches of 1,000 records
 * of 100 B over REST: "hot" with the defaults, "cold" with remote.storage.enable=true,
 * local.retention.bytes=1 MiB and segment.bytes=4 MiB, so all but its newest MiB moves to
 * R2. Once it has (the offsets a read from 0 reports come from segments; the script waits
 * until the partition's SQLite holds little), each topic is read from offset 0 to its end
 * in pages of 1 MiB, and S single-page reads are timed at random offsets. The ratios are
 * cold / hot.
 *
 * Prices (Cloudflare's published list prices on 2026-12-06, USD per GB-month of stored
 * data beyond the included amounts): Durable Object SQLite storage 0.20, R2 Standard
 * storage 0.015. Operations are left out: a partition's reads and writes are billed per
 * row (SQLite) or per request (R2), and depend on the workload, not on where bytes rest.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { client, startDev } from '../tests/e2e/harness.mjs';

const SQLITE_USD_PER_GB_MONTH = 0.2;
const R2_USD_PER_GB_MONTH = 0.015;

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MEGABYTES = arg('megabytes', 32);
const SAMPLES = arg('samples', 200);
const BATCH = 1000;
const VALUE = 'x'.repeat(100);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Bytes of batches the partitions' SQLite holds (log_batches), over every partition
 * Durable Object's file under the state directory, opened read-only. */
async function sqliteBytes(dir) {
  const { DatabaseSync } = await import('node:sqlite');
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sqlite') && p.includes('TopicPartitionDO')) {
        const db = new DatabaseSync(p, { readOnly: true });
        try {
          const has = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'log_batches'").get();
          if (has.n) total += Number(db.prepare('SELECT coalesce(sum(size_bytes), 0) AS b FROM log_batches').get().b);
        } finally {
          db.close();
        }
      }
    }
  };
  walk(dir);
  return total;
}

async function produce(api, topic, megabytes) {
  const batches = Math.ceil((megabytes * 1e6) / (BATCH * VALUE.length));
  const messages = Array.from({ length: BATCH }, (_, i) => ({ key: `k${i}`, value: VALUE, partition: 0 }));
  for (let b = 0; b < batches; b++) await api.post(`/topics/${topic}/produce-batch`, { messages });
  return batches * BATCH;
}

async function readAll(api, topic) {
  let offset = 0;
  let records = 0;
  const start = performance.now();
  for (;;) {
    const page = await api.get(`/topics/${topic}/partitions/0/messages?offset=${offset}&limit=10000&maxBytes=1048576`);
    if (page.messages.length === 0) break;
    records += page.messages.length;
    offset = page.nextOffset;
  }
  return { records, seconds: (performance.now() - start) / 1000 };
}

async function pageLatencies(api, topic, high) {
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const offset = Math.floor(Math.random() * (high - BATCH));
    const t = performance.now();
    await api.get(`/topics/${topic}/partitions/0/messages?offset=${offset}&limit=1000&maxBytes=1048576`);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)], p99: ms[Math.floor(ms.length * 0.99)] };
}

const dev = await startDev({ vars: { KAFDO_RETENTION_CHECK_INTERVAL_MS: '100' } });
try {
  const api = client(dev.baseUrl);
  await api.createTopic('hot', 1);
  await api.createTopic('cold', 1, {
    'remote.storage.enable': 'true',
    'local.retention.bytes': String(1 << 20),
    'segment.bytes': String(4 << 20),
  });
  const hotBefore = await sqliteBytes(dev.persistDir);
  const high = await produce(api, 'hot', MEGABYTES);
  const hotBytes = (await sqliteBytes(dev.persistDir)) - hotBefore;
  const coldBefore = await sqliteBytes(dev.persistDir);
  await produce(api, 'cold', MEGABYTES);
  /* Wait until tiering has taken the cold partition's SQLite down (to about 1 MiB). */
  let coldBytes = Infinity;
  for (let i = 0; i < 300 && coldBytes > 4 * (1 << 20); i++) {
    await sleep(200);
    await api.get('/topics/cold/partitions/0/offsets'); /* wakes the partition */
    coldBytes = (await sqliteBytes(dev.persistDir)) - coldBefore;
  }

  const hotRead = await readAll(api, 'hot');
  const coldRead = await readAll(api, 'cold');
  const hotPages = await pageLatencies(api, 'hot', high);
  const coldPages = await pageLatencies(api, 'cold', high);

  console.log(
    `cold tier (wrangler dev, R2 emulated locally): ${MEGABYTES} MB in one partition, ${high} records of 100 B`,
  );
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(`  batches in SQLite after producing: hot ${mb(hotBytes)}, cold ${mb(coldBytes)} (the rest in R2)`);
  const rate = (r) => r.records / r.seconds;
  console.log(
    `  read from offset 0 to the end, pages of 1 MiB:  hot ${rate(hotRead).toFixed(0)} rec/s, ` +
      `cold ${rate(coldRead).toFixed(0)} rec/s, cold/hot ${(rate(coldRead) / rate(hotRead)).toFixed(2)}`,
  );
  console.log(
    `  one page of 1,000 records at a random offset:   hot p50 ${hotPages.p50.toFixed(1)} / p99 ${hotPages.p99.toFixed(1)} ms, ` +
      `cold p50 ${coldPages.p50.toFixed(1)} / p99 ${coldPages.p99.toFixed(1)} ms, ` +
      `p50 cold/hot ${(coldPages.p50 / hotPages.p50).toFixed(2)}`,
  );
  /* A month of a 100 GB partition (beyond one object's 10 GB only with the cold tier):
   * all in SQLite, or 1 GB in SQLite and the rest in R2. */
  const gb = 100;
  const allHot = gb * SQLITE_USD_PER_GB_MONTH;
  const tiered = 1 * SQLITE_USD_PER_GB_MONTH + (gb - 1) * R2_USD_PER_GB_MONTH;
  console.log(
    `  storage, ${gb} GB a month at list prices:        all in SQLite $${allHot.toFixed(2)} ` +
      `(and over one object's 10 GB), 1 GB hot + 99 GB in R2 $${tiered.toFixed(2)}, ratio ${(tiered / allHot).toFixed(3)}`,
  );
  if (hotRead.records !== high || coldRead.records !== high) {
    console.error(`cold-tier.mjs: read ${hotRead.records} hot and ${coldRead.records} cold records of ${high}`);
    process.exitCode = 1;
  }
} finally {
  await dev.stop({ removePersistDir: true });
}
