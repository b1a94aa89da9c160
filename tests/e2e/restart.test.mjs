/*
 * restart.test.mjs — an acknowledged record survives the runtime dying.
 *
 * Records are produced over REST (single produces and batches, keyed and explicit,
 * with headers and timestamps) and every acknowledgement is kept. Then the whole
 * `wrangler dev` process group is killed with SIGKILL — no shutdown, no flush: a crash
 * — and started again on the same state directory. Every acknowledged record must come
 * back at its offset, in order, with its key, value, headers and timestamp exactly, and
 * nothing else may be there. A second round then produces more after the restart, and
 * a clean stop (SIGTERM) and start shows the log continuing where it was.
 *
 * A produce is acknowledged only after its rows are committed to the Durable Object's
 * SQLite (DESIGN.md §3, output gates), so this is what that promise means from outside.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { client, processGroup, startDev } from './harness.mjs';

const T = 'durable';
const P = 4;

let dev;
let persistDir;
const acked = []; /* { m: what was sent, r: its acknowledgement } */

before(async () => {
  dev = await startDev();
  persistDir = dev.persistDir;
});

after(async () => {
  if (dev) await dev.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

const shown = (msg) => ({
  offset: msg.offset,
  timestamp: msg.timestamp,
  key: msg.key,
  value: msg.value,
  headers: msg.headers,
});

function expected({ m, r }) {
  return { offset: r.offset, timestamp: r.timestamp, key: m.key ?? null, value: m.value, headers: m.headers ?? {} };
}

/* Produces 4 batches of 250 and 40 singles at once, as concurrent clients would. */
async function produce(api, round) {
  const batches = Array.from({ length: 4 }, (_, b) =>
    Array.from({ length: 250 }, (_, i) => ({
      key: `r${round}-b${b}-k${i % 31}`,
      value: { round, b, i, pad: 'p'.repeat(i % 50) },
      ...(i % 4 === 0 ? { headers: { round: String(round), i: String(i) } } : {}),
      ...(i % 7 === 0 ? { timestamp: 1_650_000_000_000 + i } : {}),
    })),
  );
  const singles = Array.from({ length: 40 }, (_, i) => ({
    value: `single ${round}/${i}`,
    partition: i % P,
    ...(i % 2 ? { key: `s${i}` } : {}),
  }));
  await Promise.all([
    ...batches.map(async (batch) => {
      const res = await api.produceBatch(T, batch);
      assert.equal(res.results.length, batch.length);
      res.results.forEach((r, i) => acked.push({ m: batch[i], r }));
    }),
    (async () => {
      for (const m of singles) acked.push({ m, r: await api.produce(T, m) });
    })(),
  ]);
}

/* Reads every partition and compares with everything acknowledged so far. */
async function assertAllThere(api) {
  for (let p = 0; p < P; p++) {
    const want = acked
      .filter((a) => a.r.partition === p)
      .sort((a, b) => a.r.offset - b.r.offset)
      .map(expected);
    assert.deepEqual(
      want.map((m) => m.offset),
      want.map((_, i) => i),
      `partition ${p}: acknowledged offsets`,
    );
    const all = await api.readAll(T, p, 0, 300);
    assert.equal(all.highWatermark, want.length, `partition ${p}: high watermark`);
    assert.deepEqual(all.messages.map(shown), want, `partition ${p}: records`);
  }
}

describe('restart', () => {
  it('produces records and keeps every acknowledgement', async () => {
    const api = client(dev.baseUrl);
    await api.createTopic(T, P);
    await produce(api, 1);
    assert.equal(acked.length, 1040);
    await assertAllThere(api);
  });

  it('reads back every acknowledged record after a SIGKILL of the runtime', async () => {
    const pgid = dev.pid;
    await dev.stop({ signal: 'SIGKILL' });
    assert.deepEqual(processGroup(pgid), [], 'no process of the old runtime is left');
    dev = await startDev({ persistDir });
    const api = client(dev.baseUrl);
    const desc = await api.get(`/admin/topics/${T}`);
    const count = Array.isArray(desc.partitions) ? desc.partitions.length : desc.partitions;
    assert.equal(count, P);
    await assertAllThere(api);
  });

  it('continues the log after the restart, and again after a clean stop', async () => {
    let api = client(dev.baseUrl);
    await produce(api, 2);
    await assertAllThere(api);
    const pgid = dev.pid;
    const forced = await dev.stop();
    assert.deepEqual(forced, [], 'SIGTERM ended every process of the runtime');
    assert.deepEqual(processGroup(pgid), []);
    dev = await startDev({ persistDir });
    api = client(dev.baseUrl);
    await assertAllThere(api);
    assert.equal(acked.length, 2080);
  });

  it('keeps every record acknowledged before a SIGKILL that lands mid-produce', async (t) => {
    const K = 'inflight';
    let api = client(dev.baseUrl);
    await api.createTopic(K, 2);
    const sent = new Map(); /* id -> message */
    const acks = []; /* { id, r } */
    let seq = 0;
    let killed = false;
    let lost = 0;
    let reachedTarget;
    const target = new Promise((resolve) => (reachedTarget = resolve));
    const producers = Array.from({ length: 6 }, async (_, c) => {
      while (!killed) {
        const batch = Array.from({ length: 1 + (seq % 20) }, () => {
          const id = seq++;
          const m = { key: `id-${id}`, value: { id, c }, headers: { id: String(id) } };
          sent.set(id, m);
          return m;
        });
        try {
          const { results } = await api.produceBatch(K, batch);
          results.forEach((r, i) => acks.push({ id: batch[i].value.id, r }));
          if (acks.length >= 1500) reachedTarget();
        } catch {
          lost += batch.length; /* in flight when the runtime died: stored or not, unknown */
        }
      }
    });
    await target;
    killed = true;
    await dev.stop({ signal: 'SIGKILL' });
    await Promise.all(producers);
    t.diagnostic(`${acks.length} records acknowledged before the kill, ${lost} in flight`);

    dev = await startDev({ persistDir });
    api = client(dev.baseUrl);
    const byId = new Map();
    for (let p = 0; p < 2; p++) {
      const all = await api.readAll(K, p, 0, 500);
      assert.deepEqual(
        all.messages.map((m) => m.offset),
        all.messages.map((_, i) => i),
        `partition ${p} is contiguous`,
      );
      for (const m of all.messages) {
        assert.ok(sent.has(m.value.id), `partition ${p} holds record ${m.value.id}, never sent`);
        assert.ok(!byId.has(m.value.id), `record ${m.value.id} is stored twice`);
        byId.set(m.value.id, { partition: p, ...shown(m) });
      }
    }
    for (const { id, r } of acks) {
      const m = sent.get(id);
      assert.deepEqual(
        byId.get(id),
        {
          partition: r.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          key: m.key,
          value: m.value,
          headers: m.headers,
        },
        `acknowledged record ${id}`,
      );
    }
  });
});
