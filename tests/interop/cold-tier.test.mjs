/*
 * cold-tier.test.mjs — a partition whose early data is in R2 (the cold tier), read from
 * offset 0 through every door of a real `wrangler dev` (which emulates the KAFDO_COLD
 * bucket on disk) with the relay beside it, and compared with a twin topic that keeps
 * everything in SQLite:
 *
 *   - a raw Kafka Fetch v4 through the gateway: the same batch bytes, byte for byte
 *   - kcat (-C -o beginning -e -J), kafkajs (a consumer from the beginning) and the REST
 *     API: the same records
 *   - the bucket holds exactly the segments the partition's SQLite records, nothing else
 *   - a SIGKILL of the whole runtime while segments are being moved loses nothing: after
 *     a restart on the same state directory the tiering finishes and every door still
 *     reads the same, and no object is left that the log does not account for
 *
 * The state is looked at from outside with python3's sqlite3 (read-only): the partition
 * Durable Objects' SQLite (log_batches, log_segments, log_cold_garbage) and miniflare's
 * R2 index (the objects' keys).
 *
 * Run: node --test tests/interop/cold-tier.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startDev } from '../e2e/harness.mjs';

/* Partitions look for what to tier every 100 ms rather than Kafka's five minutes. */
const VARS = { KAFDO_RETENTION_CHECK_INTERVAL_MS: '100' };
import { client, newKafka, RawKafka } from './kafkajs-helpers.mjs';
import { consumeToEnd } from './kcat.mjs';
import { fetchFrame, parseFetch } from './stored-batches.mjs';

const HOUR = 3_600_000;
const OLD = Date.now() - 2 * HOUR;
/* Moved once an hour old, in segments of a few batches (rolled a second after due). */
const TIERED_CONFIG = {
  'remote.storage.enable': 'true',
  'local.retention.ms': String(HOUR),
  'retention.ms': '-1',
  'segment.bytes': '3000',
  'segment.ms': '1000',
};

let dev;
let persistDir;

before(async () => {
  dev = await startDev({ gateway: true, vars: VARS });
  persistDir = dev.persistDir;
});

after(async () => {
  if (dev) await dev.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

/* ---- looking at the state on disk ------------------------------------------ */

/* Rows of `sql` in each SQLite file of a directory, read-only, as JSON. */
function query(dir, sql) {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')
    .map((f) => join(dir, f));
  const script = `
import json, sqlite3, sys
out = []
for path in sys.argv[2:]:
    db = sqlite3.connect('file:' + path + '?mode=ro', uri=True)
    try:
        rows = db.execute(sys.argv[1]).fetchall()
    except sqlite3.Error:
        rows = None
    db.close()
    out.append({'file': path, 'rows': rows})
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script, sql, ...files]).toString());
}

/* The partition log's state (the one whose log holds `segmentPrefixOf` objects is found
 * by its segments' keys): hot rows, segment keys, garbage keys. */
function logStates() {
  const dir = join(persistDir, 'v3', 'do', 'kafdo-TopicPartitionDO');
  const hot = query(dir, 'SELECT count(*) FROM log_batches');
  const segments = query(dir, 'SELECT object_key FROM log_segments ORDER BY base_offset');
  const garbage = query(dir, 'SELECT object_key FROM log_cold_garbage');
  return hot.map((h, i) => ({
    file: h.file,
    hot: h.rows?.[0]?.[0] ?? 0,
    segments: (segments[i].rows ?? []).map((r) => r[0]),
    garbage: (garbage[i].rows ?? []).map((r) => r[0]),
  }));
}

/* The keys of every object in the emulated bucket. */
function bucketKeys() {
  const dir = join(persistDir, 'v3', 'r2', 'miniflare-R2BucketObject');
  return query(dir, 'SELECT key FROM _mf_objects')
    .flatMap((f) => (f.rows ?? []).map((r) => r[0]))
    .sort();
}

/* The state of the log whose DO file holds a segment or hot rows for `topic`'s records:
 * found as the log with a segment, or the one given by its file. */
async function waitFor(what, probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/* ---- the doors ------------------------------------------------------------- */

/* Every batch from offset 0, as a Kafka Fetch v4 through the gateway returns them. */
async function fetchedBytes(topic) {
  const raw = await RawKafka.open(dev.kafkaBroker);
  try {
    const parts = [];
    for (let offset = 0; ;) {
      const correlationId = raw.correlationId++;
      await raw.writeRaw(fetchFrame(correlationId, topic, 0, offset));
      const { errorCode, highWatermark, records } = parseFetch(await raw.nextFrame());
      assert.equal(errorCode, 0, `Fetch ${topic}@${offset}`);
      let at = 0;
      while (records.length - at >= 12 && records.length - at >= 12 + records.readInt32BE(at + 8)) {
        offset = Number(records.readBigInt64BE(at)) + records.readInt32BE(at + 23) + 1;
        at += 12 + records.readInt32BE(at + 8);
      }
      assert.ok(at > 0 || offset >= highWatermark, `Fetch ${topic}@${offset} made no progress`);
      parts.push(records.subarray(0, at));
      if (offset >= highWatermark) return Buffer.concat(parts);
    }
  } finally {
    await raw.close();
  }
}

async function kafkajsRecords(topic, count) {
  const kafka = newKafka(dev);
  const consumer = kafka.consumer({ groupId: `cold-${topic}-${Date.now()}` });
  const got = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done;
    const all = new Promise((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push({
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key?.toString('base64') ?? null,
          value: message.value?.toString('base64') ?? null,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString('base64')]),
          ),
        });
        if (got.length >= count) done();
      },
    });
    await Promise.race([
      all,
      new Promise((_, reject) => setTimeout(() => reject(new Error('kafkajs timed out')), 60_000)),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

async function kcatRecords(topic) {
  return (await consumeToEnd(dev.kafkaBroker, topic, { partition: 0 })).map(({ topic: _t, ...rest }) => rest);
}

async function restRecords(topic) {
  return (await client(dev.baseUrl).readAll(topic, 0, 0, 50)).messages;
}

/* Every door's view of `tiered` equals its view of `plain`. */
async function assertSameOnEveryDoor(tiered, plain, count) {
  const [fa, fb] = [await fetchedBytes(tiered), await fetchedBytes(plain)];
  assert.ok(fa.length > 0);
  assert.ok(fa.equals(fb), 'a Kafka Fetch from offset 0 answers the same bytes');
  assert.deepEqual(await kcatRecords(tiered), await kcatRecords(plain), 'kcat');
  const [ka, kb] = [await kafkajsRecords(tiered, count), await kafkajsRecords(plain, count)];
  assert.equal(ka.length, count);
  assert.deepEqual(ka, kb, 'kafkajs');
  const [ra, rb] = [await restRecords(tiered), await restRecords(plain)];
  assert.equal(ra.length, count);
  assert.deepEqual(ra, rb, 'REST');
}

/* The same batches to both topics: `batches` sends of 10 records, old, keyed, with
 * headers and binary values; then `fresh` sends stamped now. */
async function produceTwins(topics, batches, fresh, old = OLD) {
  const producer = newKafka(dev).producer();
  await producer.connect();
  try {
    for (let b = 0; b < batches + fresh; b++) {
      const timestamp = String(b < batches ? old + b : Date.now());
      const messages = Array.from({ length: 10 }, (_, i) => ({
        key: `k${b}-${i}`,
        value: Buffer.from([b, i, 0, 255, ...Buffer.from(`value ${b}/${i} ${'x'.repeat(i * 7)}`)]),
        headers: i % 3 === 0 ? { h: `header ${b}/${i}` } : undefined,
        timestamp,
      }));
      for (const topic of topics) await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

describe('the cold tier through every door', () => {
  it('moves the early batches to R2 and reads them back byte for byte from offset 0', async () => {
    const api = client(dev.baseUrl);
    await api.createTopic('cold-a', 1, TIERED_CONFIG);
    await api.createTopic('plain-a', 1, { 'retention.ms': '-1' });
    await produceTwins(['cold-a', 'plain-a'], 12, 1);
    /* Every old batch moves; the fresh one stays hot. */
    const state = await waitFor('the old batches in R2', () =>
      logStates().find((s) => s.hot === 1 && s.segments.length >= 2 && s.garbage.length === 0),
    );
    assert.deepEqual(bucketKeys(), [...state.segments].sort(), 'the bucket holds exactly the recorded segments');
    await assertSameOnEveryDoor('cold-a', 'plain-a', 130);
  });

  it('loses nothing when the runtime is killed while segments are being moved', async () => {
    const api = client(dev.baseUrl);
    /* The batches come due together, 20 s after they are stamped, so the alarm then
     * moves many segments, a few per step: the kill lands among them. On a loaded
     * machine the move can finish between two looks; then it is tried again, on new
     * topics with twice the batches. */
    const DUE_AFTER = 20_000;
    let topic, twin, file, db, records;
    for (let attempt = 0, batches = 200; ; attempt++, batches *= 2) {
      topic = `cold-b${attempt}`;
      twin = `plain-b${attempt}`;
      await api.createTopic(topic, 1, { ...TIERED_CONFIG, 'local.retention.ms': String(DUE_AFTER), 'segment.ms': '1' });
      await api.createTopic(twin, 1, { 'retention.ms': '-1' });
      const before = new Set(logStates().map((s) => s.file));
      const stamped = Date.now();
      await produceTwins([topic, twin], batches, 0, stamped);
      records = batches * 10; /* produceTwins sends 10 records a batch */
      assert.ok(Date.now() < stamped + DUE_AFTER, 'produced before the batches came due');
      /* The topic's log: the new one whose configs ask for remote storage. */
      const dir = join(persistDir, 'v3', 'do', 'kafdo-TopicPartitionDO');
      /* Every log's configs name remote.storage.enable (all configs are listed); this one's is true. */
      file = query(dir, `SELECT count(*) FROM log_retention WHERE config LIKE '%"remote.storage.enable":"true"%'`).find(
        (f) => !before.has(f.file) && f.rows?.[0]?.[0] === 1,
      ).file;
      /* Watched closely (the segments move fast), and killed once some are moved and some not. */
      db = new DatabaseSync(file, { readOnly: true });
      const progress = db.prepare(
        'SELECT (SELECT count(*) FROM log_batches) AS hot, (SELECT count(*) FROM log_segments) AS cold',
      );
      const deadline = Date.now() + DUE_AFTER + 60_000;
      let moving = false;
      for (;;) {
        const { hot, cold } = progress.get();
        if (hot > 0 && cold > 0) {
          moving = true;
          break;
        }
        if (hot === 0 && cold > 0) break; /* all moved between two looks */
        assert.ok(Date.now() < deadline, 'the segments never started moving');
        await new Promise((r) => setTimeout(r, 2));
      }
      if (moving) break;
      db.close();
      assert.ok(attempt < 2, 'the kill never landed while segments were moving');
    }
    await dev.stop({ signal: 'SIGKILL' });
    db.close();
    const mid = logStates().find((s) => s.file === file);
    console.log(
      `# killed with ${mid.hot} batches hot, ${mid.segments.length} segments, ${mid.garbage.length} in flight`,
    );

    dev = await startDev({ persistDir, gateway: true, vars: VARS });
    /* The alarm the log left finishes the job: everything is cold, nothing is garbage. */
    const cold = await waitFor('every batch of cold-b in R2', () =>
      logStates().find((s) => s.file === mid.file && s.hot === 0 && s.garbage.length === 0),
    );
    const recorded = logStates()
      .flatMap((s) => s.segments)
      .sort();
    assert.deepEqual(bucketKeys(), recorded, 'no object the logs do not account for');
    assert.ok(mid.hot > 0 && cold.segments.length > mid.segments.length);
    await assertSameOnEveryDoor('cold-a', 'plain-a', 130);
    await assertSameOnEveryDoor(topic, twin, records);
  });
});
