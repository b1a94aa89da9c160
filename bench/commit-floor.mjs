#!/usr/bin/env node
/*
 * commit-floor.mjs — Kafdo beside the commit floor: the least any design over Durable
 * Object SQLite can do per acknowledged write (bench/floor/worker.ts: one row inserted
 * per request, answered after the output gate). The floor is what the speed goals are
 * stated against; this prints each Kafdo figure beside the floor's from the same run,
 * as a ratio. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/commit-floor.mjs [--samples N] [--seconds S] [--megabytes M]
 *
 * Both Workers run as their own `wrangler dev` (tests/e2e/harness.mjs), one at a time so
 * they never share the two cores, each with a fresh state directory.
 *
 *   ack latency      one writer, one 100-byte record at a time, the next sent when the
 *                    previous is acknowledged; N samples (default 1,000) after 50
 *                    untimed. Floor over HTTP (POST /write) beside Kafdo's REST produce;
 *                    floor over a WebSocket (the Kafka path's hop: gateway -> WebSocket
 *                    -> Worker) beside Kafdo over Kafka (kafkajs through `kafdo gateway`,
 *                    acks=-1, one message per send).
 *   16 senders       single-record writes from 16 concurrent HTTP senders for S seconds
 *                    (default 5): floor POST /write beside Kafdo's POST .../produce
 *                    (8 partitions), with Kafdo's records per commit (group commit),
 *                    read from its logs afterwards (commitsBetween).
 *   bytes stored     M MiB (default 32) of 1 KiB uncompressed values written in batches
 *                    of 500 (floor: /write-many; Kafdo: produce-batch to a one-partition
 *                    topic), then wrangler stopped, the Durable Object's SQLite WAL
 *                    checkpointed and the database file measured: bytes stored per
 *                    payload byte.
 *                    Cloudflare bills stored bytes, so this ratio is the storage bill's
 *                    multiplier. Kafdo's is split by SQLite's dbstat (the log's table,
 *                    its index, other tables, free pages, WAL); then the same 1 KiB
 *                    values one record per produce-batch call (--small-megabytes,
 *                    default 2, from 16 senders): each its own batch and row, the
 *                    case where Kafka's 61-byte batch header and the row cost most.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT, startDev } from '../tests/e2e/harness.mjs';

const { values: opts } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    megabytes: { type: 'string', default: '32' },
    'small-megabytes': { type: 'string', default: '2' },
  },
});
const SAMPLES = Number(opts.samples);
const WARMUP = 50;
const SECONDS = Number(opts.seconds);
const MEGABYTES = Number(opts.megabytes);
const SMALL_MEGABYTES = Number(opts['small-megabytes']);
const SENDERS = 16;
const FILL_BATCH = 500;
const VALUE_BYTES = 1024;

/* A 100-byte record value, and a 1 KiB one: alphanumeric text (JSON-quoted by Kafdo's
 * REST, so the stored value is exactly the size named; the floor stores the same bytes). */
const text = (n, seed) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed | 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s;
};
const SMALL = text(98, 7);
const LARGE = Array.from({ length: 64 }, (_, i) => text(VALUE_BYTES - 2, i + 1));

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99) };
};

/* Times `once()` SAMPLES times, one after another, after WARMUP untimed calls. */
async function latencies(once) {
  for (let i = 0; i < WARMUP; i++) await once();
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await once();
    ms.push(performance.now() - t0);
  }
  return summary(ms);
}

/* SENDERS concurrent loops of `once()` for SECONDS: acknowledged writes per second. */
async function throughput(once) {
  let count = 0;
  const until = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (performance.now() < until) {
        await once();
        count++;
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

async function ok(res, what) {
  const body = await res.text();
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${body.slice(0, 300)}`);
  return body;
}

/* A WebSocket whose sends resolve with their answers, in order. */
async function openSocket(url) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed`)), { once: true });
  });
  const waiting = [];
  ws.addEventListener('message', () => waiting.shift()?.());
  return {
    send: (bytes) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        ws.send(bytes);
      }),
    close: () => ws.close(),
  };
}

/* The SQLite files of a Durable Object class's objects under persistDir, listed before
 * any is opened (opening one adds and removes its -shm and -wal files). */
function databaseFiles(persistDir, className) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (dir.includes(className) && name.endsWith('.sqlite')) files.push(path);
    }
  };
  walk(persistDir);
  return files;
}

/*
 * The bytes a Durable Object class's SQLite databases hold, as Cloudflare bills them (the
 * database's size): each database's WAL checkpointed into it first (workerd leaves a WAL
 * behind when stopped), then { bytes: the files' sizes, largest: the largest database's,
 * where: what the largest holds }. `where` splits the largest database by SQLite's dbstat:
 * bytes of the pages of the log's table (log_batches), of its indexes, of everything
 * else, and free pages; the bytes of those pages left unused; and the WAL's size before
 * the checkpoint (not billed, but on disk).
 */
async function storedBytes(persistDir, className) {
  const { DatabaseSync } = await import('node:sqlite');
  let bytes = 0;
  let largest = 0;
  let where;
  for (const file of databaseFiles(persistDir, className)) {
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const db = new DatabaseSync(file);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const size = statSync(file).size;
    bytes += size;
    if (size > largest) {
      largest = size;
      where = { wal, table: 0, indexes: 0, other: 0, unused: 0 };
      for (const r of db
        .prepare('SELECT name, sum(pgsize) AS bytes, sum(unused) AS unused FROM dbstat GROUP BY name')
        .all()) {
        const kind = r.name === 'log_batches' ? 'table' : r.name.startsWith('log_batches_') ? 'indexes' : 'other';
        where[kind] += Number(r.bytes);
        where.unused += Number(r.unused);
      }
      const pageSize = Number(db.prepare('PRAGMA page_size').get().page_size);
      where.free = Number(db.prepare('PRAGMA freelist_count').get().freelist_count) * pageSize;
    }
    db.close();
  }
  return { bytes, largest, where };
}

/*
 * The commits of the partitions' logs between two times (ms) and the records they
 * stored: a partition's group commit stores the appends that arrived together in one
 * core call, one transaction, every row of it with the same appended_at (the time the
 * call was given); so distinct appended_at values of a partition count its commits (two
 * commits in the same millisecond count as one, which this machine's commit time makes
 * rare). { commits, records } summed over the partitions.
 */
async function commitsBetween(persistDir, fromMs, toMs) {
  const { DatabaseSync } = await import('node:sqlite');
  const total = { commits: 0, records: 0 };
  for (const path of databaseFiles(persistDir, 'TopicPartitionDO')) {
    const db = new DatabaseSync(path);
    try {
      const r = db
        .prepare(
          'SELECT count(DISTINCT appended_at) AS commits, coalesce(sum(record_count), 0) AS records' +
            ' FROM log_batches WHERE appended_at BETWEEN ? AND ?',
        )
        .get(fromMs, toMs);
      total.commits += Number(r.commits);
      total.records += Number(r.records);
    } catch {
      /* a database without a log */
    } finally {
      db.close();
    }
  }
  return total;
}

/* The size of the partition database (its WAL checkpointed) that holds the most
 * single-record batches of VALUE_BYTES values: the single-record fill's (the latency
 * topics' single records are 100 bytes); 0 when there is none. */
async function singleRecordFillBytes(persistDir) {
  const { DatabaseSync } = await import('node:sqlite');
  let best = { rows: 0, bytes: 0 };
  for (const path of databaseFiles(persistDir, 'TopicPartitionDO')) {
    const db = new DatabaseSync(path);
    try {
      const { rows } = db
        .prepare('SELECT count(*) AS rows FROM log_batches WHERE record_count = 1 AND size_bytes > ?')
        .get(VALUE_BYTES);
      if (Number(rows) > best.rows) {
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        best = { rows: Number(rows), bytes: statSync(path).size };
      }
    } catch {
      /* a database without a log */
    } finally {
      db.close();
    }
  }
  return best.bytes;
}

const fillRecords = () => Math.round((MEGABYTES * 1024 * 1024) / VALUE_BYTES);

async function measureFloor() {
  const dev = await startDev({ logLevel: 'error', args: ['--config', join(ROOT, 'bench', 'floor', 'wrangler.toml')] });
  try {
    const small = new TextEncoder().encode(JSON.stringify(SMALL));
    const post = async () => ok(await fetch(`${dev.baseUrl}/write`, { method: 'POST', body: small }), 'floor /write');
    const http = await latencies(post);
    const ws = await openSocket(`${dev.baseUrl.replace('http', 'ws')}/ws`);
    const socket = await latencies(() => ws.send(small));
    ws.close();
    const senders = await throughput(post);

    const frames = LARGE.map((s) => {
      const value = Buffer.from(JSON.stringify(s));
      const frame = Buffer.alloc(4 + value.length);
      frame.writeUInt32BE(value.length, 0);
      value.copy(frame, 4);
      return frame;
    });
    for (let written = 0; written < fillRecords(); written += FILL_BATCH) {
      const body = Buffer.concat(Array.from({ length: FILL_BATCH }, (_, i) => frames[(written + i) % frames.length]));
      await ok(await fetch(`${dev.baseUrl}/write-many`, { method: 'POST', body }), 'floor /write-many');
    }
    const after = JSON.parse(await ok(await fetch(`${dev.baseUrl}/size`), 'floor /size'));
    await dev.stop();
    const onDisk = (await storedBytes(dev.persistDir, 'FloorDO')).bytes;
    return { http, socket, senders, stored: { payload: after.payloadBytes, onDisk } };
  } finally {
    await dev.stop();
    dev.cleanup();
  }
}

async function measureKafdo() {
  const dev = await startDev({ logLevel: 'error', gateway: true });
  const admin = (body) =>
    fetch(`${dev.baseUrl}/admin/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  try {
    await ok(await admin({ topic: 'floor-latency', partitions: 1 }), 'create topic');
    await ok(await admin({ topic: 'floor-senders', partitions: 8 }), 'create topic');
    await ok(await admin({ topic: 'floor-kafka', partitions: 1 }), 'create topic');
    await ok(await admin({ topic: 'floor-fill', partitions: 1 }), 'create topic');
    const one = JSON.stringify({ value: SMALL });
    const produce = (topic) => async () =>
      ok(
        await fetch(`${dev.baseUrl}/topics/${topic}/produce`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: one,
        }),
        'produce',
      );
    const http = await latencies(produce('floor-latency'));

    const kafka = new Kafka({ clientId: 'commit-floor', brokers: [dev.kafkaBroker], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const value = Buffer.from(JSON.stringify(SMALL));
    const socket = await latencies(() => producer.send({ topic: 'floor-kafka', acks: -1, messages: [{ value }] }));
    await producer.disconnect();

    const sendersFrom = Date.now();
    const senders = await throughput(produce('floor-senders'));
    const sendersTo = Date.now();

    const bodies = Array.from({ length: 8 }, (_, j) =>
      JSON.stringify({
        messages: Array.from({ length: FILL_BATCH }, (_, i) => ({ value: LARGE[(j * FILL_BATCH + i) % LARGE.length] })),
      }),
    );
    for (let written = 0, b = 0; written < fillRecords(); written += FILL_BATCH, b++) {
      await ok(
        await fetch(`${dev.baseUrl}/topics/floor-fill/produce-batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[b % bodies.length],
        }),
        'produce-batch',
      );
    }
    /* The same values one record per call (each its own batch and row), from SENDERS
     * senders at once: what small batches cost. SMALL_MEGABYTES of them, in their own
     * topic. */
    await ok(await admin({ topic: 'floor-fill-single', partitions: 1 }), 'create topic');
    const singles = LARGE.map((value) => JSON.stringify({ messages: [{ value }] }));
    let sent = 0;
    const smallRecords = Math.round((SMALL_MEGABYTES * 1024 * 1024) / VALUE_BYTES);
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (sent < smallRecords) {
          const body = singles[sent++ % singles.length];
          await ok(
            await fetch(`${dev.baseUrl}/topics/floor-fill-single/produce-batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            }),
            'produce-batch',
          );
        }
      }),
    );
    await dev.stop();
    /* Only the filled partitions' databases: the latency topics' records are not
     * payload here. The largest is the batched fill's. */
    const commits = await commitsBetween(dev.persistDir, sendersFrom, sendersTo);
    const stored = await storedBytes(dev.persistDir, 'TopicPartitionDO');
    const single = await singleRecordFillBytes(dev.persistDir);
    return {
      http,
      socket,
      senders,
      commits,
      stored: { payload: fillRecords() * VALUE_BYTES, onDisk: stored.largest, where: stored.where },
      single: { payload: smallRecords * VALUE_BYTES, onDisk: single },
    };
  } finally {
    await dev.stop();
    dev.cleanup();
  }
}

const fixed = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const ratio = (a, b) => fixed(a / b, 2);

const floor = await measureFloor();
const kafdo = await measureKafdo();

console.log(
  `commit floor — one row per write in Durable Object SQLite, answered after the output gate (bench/floor/worker.ts)`,
);
console.log(`  ack latency, one writer, ${SAMPLES} samples          p50         p99     ratio kafdo/floor p50, p99`);
const row = (name, f, base) =>
  console.log(
    `  ${name.padEnd(44)}${`${fixed(f.p50, 2)} ms`.padStart(10)}${`${fixed(f.p99, 2)} ms`.padStart(12)}` +
      (base ? `     ${ratio(f.p50, base.p50)}, ${ratio(f.p99, base.p99)}` : ''),
  );
row('floor, HTTP POST', floor.http);
row('kafdo, REST produce (one record)', kafdo.http, floor.http);
row('floor, WebSocket message', floor.socket);
row('kafdo, Kafka produce (kafkajs via gateway)', kafdo.socket, floor.socket);
console.log(
  `  kafdo Kafka ack p50 - floor WebSocket p50: ${fixed(kafdo.socket.p50 - floor.socket.p50, 2)} ms (goal <= 2 ms)`,
);
console.log(`  ${SENDERS} senders, single records, ${SECONDS} s`);
console.log(`    floor   ${fixed(floor.senders, 0).padStart(8)} writes/s`);
console.log(
  `    kafdo   ${fixed(kafdo.senders, 0).padStart(8)} records/s    kafdo/floor ${ratio(kafdo.senders, floor.senders)}`,
);
console.log(
  `            ${fixed(kafdo.commits.records / kafdo.commits.commits, 2)} records per commit` +
    ` (${kafdo.commits.records} records in ${kafdo.commits.commits} partition commits; the floor commits each write alone)`,
);
console.log(
  `  bytes stored per payload byte, ${MEGABYTES} MiB of ${VALUE_BYTES}-byte values, uncompressed (the database's size, WAL checkpointed: what is billed)`,
);
console.log(
  `    floor   ${fixed(floor.stored.onDisk / floor.stored.payload, 2)} (${fixed(floor.stored.onDisk / 1048576)} MiB on disk for ${fixed(floor.stored.payload / 1048576)} MiB)`,
);
console.log(
  `    kafdo   ${fixed(kafdo.stored.onDisk / kafdo.stored.payload, 2)} (${fixed(kafdo.stored.onDisk / 1048576)} MiB on disk for ${fixed(kafdo.stored.payload / 1048576)} MiB)` +
    `    kafdo/floor ${ratio(kafdo.stored.onDisk / kafdo.stored.payload, floor.stored.onDisk / floor.stored.payload)}`,
);
const w = kafdo.stored.where;
const mib = (n) => `${fixed(n / 1048576, 2)} MiB`;
console.log(
  `      of which: log table ${mib(w.table)}, its indexes ${mib(w.indexes)}, other tables ${mib(w.other)}, free pages ${mib(w.free)};` +
    ` unused in pages ${mib(w.unused)}; WAL before checkpoint ${mib(w.wal)} (not billed)`,
);
console.log(
  `    kafdo, one record per batch (${SMALL_MEGABYTES} MiB from ${SENDERS} senders)   ${fixed(kafdo.single.onDisk / kafdo.single.payload, 2)}` +
    ` (${fixed(kafdo.single.onDisk / 1048576)} MiB on disk for ${fixed(kafdo.single.payload / 1048576)} MiB)`,
);
