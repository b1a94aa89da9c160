#!/usr/bin/env node
/*
 * sql-query.mjs — the latency of the spec's SQL example (streaming-README.md) over a
 * topic of N records in 8 partitions, with its time filter (the last hour: about 1/24
 * of the records, read from Kafka's ListOffsets by time on) and without it (every
 * record read). Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/sql-query.mjs [--records N] [--runs R]
 *
 * Kafdo runs in its own `wrangler dev` (tests/e2e/harness.mjs). The records are JSON
 * orders ({"status", "amount", "customer"}, about 60 bytes) with timestamps rising over
 * the last 24 hours, produced over REST in batches of 1,000 (untimed), then
 * POST /topics/orders/query is timed R times for each form (the median and the best
 * shown). wrangler dev runs every Durable Object in one workerd process, so the 8
 * partitions' reads share its one thread here: Cloudflare runs each in its own.
 */
import { client, mapLimit, startDev } from '../tests/e2e/harness.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const RECORDS = Number(arg('records', '1000000'));
const RUNS = Number(arg('runs', '5'));
const PARTITIONS = 8;
const BATCH = 1000;
const DAY = 24 * 3600 * 1000;
const STATUSES = ['completed', 'pending', 'failed', 'shipped'];

const SPEC = `SELECT * FROM orders
  WHERE timestamp > NOW() - INTERVAL '1 hour'
    AND status = 'completed'
  ORDER BY timestamp DESC
  LIMIT 100`;
const UNTIMED = `SELECT * FROM orders
  WHERE status = 'completed'
  ORDER BY timestamp DESC
  LIMIT 100`;

async function timed(api, sql, budget) {
  const times = [];
  let answer;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    answer = await api.post('/topics/orders/query', { sql, ...budget });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], best: times[0], rows: answer.rows.length, stats: answer.stats };
}

const dev = await startDev();
try {
  const api = client(dev.baseUrl);
  await api.createTopic('orders', PARTITIONS);
  const start = Date.now() - DAY;
  const batches = Math.ceil(RECORDS / BATCH);
  const t0 = performance.now();
  await mapLimit(
    Array.from({ length: batches }, (_, b) => b),
    4,
    async (b) => {
      const messages = [];
      for (let i = b * BATCH; i < Math.min(RECORDS, (b + 1) * BATCH); i++) {
        messages.push({
          partition: i % PARTITIONS,
          timestamp: start + Math.floor((i / RECORDS) * DAY),
          value: { status: STATUSES[i % 4], amount: (i % 10000) / 100, customer: `c${i % 977}` },
        });
      }
      await api.produceBatch('orders', messages);
    },
  );
  const loadSeconds = (performance.now() - t0) / 1000;
  console.log(
    `SQL over a topic: ${RECORDS} records in ${PARTITIONS} partitions (loaded in ${loadSeconds.toFixed(1)} s), ${RUNS} runs each, wrangler dev on this machine`,
  );
  const show = (name, f) =>
    console.log(
      `  ${name}: median ${f.median.toFixed(0)} ms, best ${f.best.toFixed(0)} ms; ` +
        `${f.rows} rows, ${f.stats.recordsRead} records (${(f.stats.bytesRead / 1e6).toFixed(1)} MB) read`,
    );
  show('spec example (last hour)   ', await timed(api, SPEC, {}));
  show('without the time filter    ', await timed(api, UNTIMED, { maxRows: RECORDS, maxBytes: 1 << 30 }));
} finally {
  await dev.stop();
}
