#!/usr/bin/env node
/*
 * client.mjs — what kafdo/client (KafdoClient) costs over raw fetch: the same requests
 * to the same `wrangler dev`, sent once with the SDK and once by hand, side by side as
 * a ratio. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/client.mjs [--records N] [--sends M] [--rounds R]
 *
 * Workloads (bench/rest-workload.mjs's records: 100-byte values, no key, 8 partitions):
 *   produce-batch  N records (default 100,000) in batches of 1,000 (record i to
 *                  partition i % 8), 4 concurrent senders: producer.sendBatch against
 *                  POST /topics/:t/produce-batch with JSON.stringify({messages}) and
 *                  res.json();
 *   produce        M single records (default 5,000), 16 concurrent senders:
 *                  producer.send against POST /topics/:t/produce;
 *   fetch          every partition of the produce-batch topic read back in pages of
 *                  1,000, all 8 at once: consumer.fetch (which decodes each message into
 *                  a record) against GET .../messages?offset=&limit= and res.json().
 * The raw side does what a user writing fetch by hand would do for the same result,
 * building each body from the same message objects, so the ratio is the SDK's own
 * work: validating and shaping messages, its deadline and retry bookkeeping, reading
 * the answer as text and parsing it, decoding records.
 *
 * Each figure starts on a fresh topic. Raw and SDK runs alternate, R rounds each
 * (default 2), and the best round of each is shown, so warm-up and drift fall on both
 * alike. CPU is this process's (the client's), in cores: where the SDK's overhead shows
 * first when the server is not the bottleneck.
 */
import { performance } from 'node:perf_hooks';
import { ensureDist } from '../scripts/ensure-dist.mjs';
import { client as restClient, startDev } from '../tests/e2e/harness.mjs';
import { BATCH, PARTITIONS, drive, valueStrings, withCpu } from './rest-workload.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const RECORDS = arg('records', 100_000);
const SENDS = arg('sends', 5_000);
const ROUNDS = arg('rounds', 2);
const BATCHES = Math.max(1, Math.round(RECORDS / BATCH));
const BATCH_SENDERS = 4;
const SINGLE_SENDERS = 16;

ensureDist();
const { KafdoClient } = await import('kafdo/client');

const values = valueStrings();
const batchOf = (b) =>
  Array.from({ length: BATCH }, (_, i) => ({
    value: values[(b * BATCH + i) % values.length],
    partition: i % PARTITIONS,
  }));

async function rawJson(res) {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/* ---- the two sides of each workload ------------------------------------------------ */

function raw(baseUrl) {
  const post = (path, body) =>
    fetch(baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(rawJson);
  return {
    sendBatch: (topic, messages) =>
      post(`/topics/${encodeURIComponent(topic)}/produce-batch`, { messages }).then((r) => r.results),
    send: (topic, message) => post(`/topics/${encodeURIComponent(topic)}/produce`, message),
    fetch: async (topic, partition, offset) => {
      const q = new URLSearchParams({ offset: String(offset), limit: String(BATCH) });
      return rawJson(
        await fetch(`${baseUrl}/topics/${encodeURIComponent(topic)}/partitions/${partition}/messages?${q}`),
      );
    },
  };
}

function sdk(baseUrl) {
  const client = new KafdoClient({ baseUrl });
  const producer = client.producer();
  const consumer = client.consumer({ groupId: 'bench-client', topics: ['unused'] });
  return {
    sendBatch: (topic, messages) => producer.sendBatch(messages.map((m) => ({ topic, ...m }))),
    send: (topic, message) => producer.send({ topic, ...message }),
    fetch: (topic, partition, offset) => consumer.fetch(topic, partition, { offset, limit: BATCH }),
  };
}

/* ---- workloads ------------------------------------------------------------------------ */

async function produceBatches(side, topic) {
  return drive({
    batches: BATCHES,
    clients: BATCH_SENDERS,
    sendBatch: async (_, b) => {
      const results = await side.sendBatch(topic, batchOf(b));
      if (results.length !== BATCH) throw new Error(`acknowledged ${results.length} of ${BATCH}`);
    },
  }).then((r) => ({ ...r, records: BATCHES * BATCH }));
}

async function produceSingles(side, topic) {
  return drive({
    batches: SENDS,
    clients: SINGLE_SENDERS,
    sendBatch: async (_, i) => {
      const meta = await side.send(topic, { value: values[i % values.length], partition: i % PARTITIONS });
      if (typeof meta.offset !== 'number') throw new Error('no offset acknowledged');
    },
  }).then((r) => ({ ...r, records: SENDS }));
}

async function fetchAll(side, topic) {
  const t0 = performance.now();
  const counts = await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, p) => {
      let offset = 0;
      let end = Infinity;
      let n = 0;
      while (offset < end) {
        const page = await side.fetch(topic, p, offset);
        end = Math.min(end, page.highWatermark);
        if (page.messages.length === 0 && offset < end) throw new Error(`${topic}/${p} stopped at ${offset}`);
        n += page.messages.length;
        offset = page.nextOffset;
      }
      return n;
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, records: counts.reduce((a, b) => a + b, 0) };
}

/* ---- running and printing ------------------------------------------------------------ */

const int = (n) => Math.round(n).toLocaleString('en-US');
const pad = (s, w) => String(s).padStart(w);

async function main() {
  const dev = await startDev({ logLevel: 'error' });
  try {
    const admin = restClient(dev.baseUrl);
    const sides = { raw: raw(dev.baseUrl), sdk: sdk(dev.baseUrl) };
    const best = { raw: {}, sdk: {} };
    const keep = (side, name, figure) => {
      const perSec = figure.records / figure.seconds;
      if (!(best[side][name]?.perSec >= perSec))
        best[side][name] = { perSec, cores: figure.clientCores, records: figure.records };
    };

    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['raw', 'sdk'] : ['sdk', 'raw'];
      for (const side of order) {
        const s = sides[side];
        const topic = `bench-client-${side}-${round}`;
        await admin.createTopic(topic, PARTITIONS);
        await s.sendBatch(topic, batchOf(0).slice(0, PARTITIONS));
        keep(side, 'produce-batch', await withCpu(null, () => produceBatches(s, topic)));
        const read = await withCpu(null, () => fetchAll(s, topic));
        if (read.records !== BATCHES * BATCH + PARTITIONS) throw new Error(`${side}: read ${read.records} records`);
        keep(side, 'fetch', read);
        const singles = `${topic}-single`;
        await admin.createTopic(singles, PARTITIONS);
        keep(side, 'produce', await withCpu(null, () => produceSingles(s, singles)));
        process.stderr.write(`  round ${round + 1}/${ROUNDS}: ${side} done\n`);
      }
    }

    const version = (await import('wrangler/package.json', { with: { type: 'json' } })).default.version;
    console.log(
      `kafdo/client against raw fetch — the same requests to wrangler dev ${version}, Node ${process.version}`,
    );
    console.log(`(best of ${ROUNDS} alternating rounds; CPU is the client process's, in cores)`);
    console.log(
      `  ${'workload'.padEnd(46)}${pad('raw rec/s', 12)}${pad('CPU', 6)}${pad('SDK rec/s', 12)}${pad('CPU', 6)}${pad('SDK/raw', 9)}`,
    );
    const rows = [
      ['produce-batch', `produce-batch: ${int(BATCHES * BATCH)} in 1,000s, ${BATCH_SENDERS} senders`],
      ['produce', `produce: ${int(SENDS)} single, ${SINGLE_SENDERS} senders`],
      ['fetch', `fetch: pages of 1,000, ${PARTITIONS} partitions`],
    ];
    for (const [name, label] of rows) {
      const r = best.raw[name];
      const s = best.sdk[name];
      console.log(
        `  ${label.padEnd(46)}${pad(int(r.perSec), 12)}${pad(r.cores.toFixed(2), 6)}` +
          `${pad(int(s.perSec), 12)}${pad(s.cores.toFixed(2), 6)}${pad((s.perSec / r.perSec).toFixed(2), 9)}`,
      );
    }
  } finally {
    await dev.stop({ removePersistDir: true });
  }
}

await main();
