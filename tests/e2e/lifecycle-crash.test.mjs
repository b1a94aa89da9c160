/*
 * lifecycle-crash.test.mjs — a crash while the log shrinks loses nothing it must keep.
 *
 * A compacted topic gets many batches over a few keys, and a topic with retention.ms gets
 * old and new records; the partitions start compacting and deleting at once (the check
 * interval is 20 ms here). The whole `wrangler dev` process group is then killed with
 * SIGKILL in the middle of that work, several times, and started again on the same state.
 * Afterwards, once the work is done: every key's latest acknowledged record is in the
 * compacted topic at its offset, every record there is one that was acknowledged at that
 * offset, and the high watermark is where the produces left it; the retention topic still
 * has every record that was not expired, at its offset.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, startDev } from './harness.mjs';

const VARS = { KAFDO_RETENTION_CHECK_INTERVAL_MS: '20' };
const COMPACTED = 'crash-compacted';
const RETAINED = 'crash-retained';
const KEYS = 12;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('a SIGKILL during compaction and retention', () => {
  let dev;
  let persistDir;
  const sent = new Map(); /* offset -> { key, value } acknowledged in the compacted topic */
  let high = 0;

  before(async () => {
    dev = await startDev({ vars: VARS });
    persistDir = dev.persistDir;
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('keeps every latest record and every unexpired one', async () => {
    let api = client(dev.baseUrl);
    await api.createTopic(COMPACTED, 1, {
      'cleanup.policy': 'compact',
      'segment.ms': '1',
      'min.cleanable.dirty.ratio': '0',
    });
    await api.createTopic(RETAINED, 1, { 'retention.ms': '600000' });
    const now = Date.now();
    for (let batch = 0; batch < 60; batch++) {
      const messages = Array.from({ length: 40 }, (_, i) => ({
        key: `key-${(batch * 7 + i) % KEYS}`,
        value: { batch, i },
        partition: 0,
      }));
      const { results } = await api.post(`/topics/${COMPACTED}/produce-batch`, { messages });
      results.forEach((r, i) => sent.set(r.offset, { key: messages[i].key, value: messages[i].value }));
      high = Math.max(high, results[results.length - 1].offset + 1);
      const old = batch < 30; /* the first half expired an hour ago, the rest is fresh */
      await api.post(`/topics/${RETAINED}/produce-batch`, {
        messages: Array.from({ length: 20 }, (_, i) => ({
          key: `r${i}`,
          value: { batch, i },
          partition: 0,
          timestamp: old ? now - 3_600_000 : now,
        })),
      });
    }

    /* Kill the runtime mid-work, three times, at different moments. */
    for (const delay of [30, 120, 400]) {
      await sleep(delay);
      await dev.stop({ signal: 'SIGKILL' });
      dev = await startDev({ persistDir, vars: VARS });
      api = client(dev.baseUrl);
      /* A read wakes the partitions again; their alarms resume the work. */
      await api.get(`/topics/${COMPACTED}/partitions/0/offsets`);
      await api.get(`/topics/${RETAINED}/partitions/0/offsets`);
    }

    /* Wait until compaction and retention are done: every key once, the expired gone. */
    let compacted;
    let retained;
    for (let i = 0; i < 150; i++) {
      compacted = await api.get(`/topics/${COMPACTED}/partitions/0/messages?offset=0&limit=10000`);
      const start = (await api.get(`/topics/${RETAINED}/partitions/0/offsets`)).earliest;
      retained = await api.get(`/topics/${RETAINED}/partitions/0/messages?offset=${start}&limit=10000`);
      const keys = new Set(compacted.messages.map((m) => m.key));
      if (keys.size === compacted.messages.length && retained.messages.every((m) => m.timestamp >= now)) break;
      await sleep(200);
    }

    const latest = new Map();
    for (const [offset, m] of sent) if ((latest.get(m.key)?.offset ?? -1) < offset) latest.set(m.key, { offset, ...m });
    assert.equal(compacted.highWatermark, high);
    assert.deepEqual(
      compacted.messages.map((m) => [m.offset, m.key, m.value]),
      [...latest.values()].sort((a, b) => a.offset - b.offset).map((m) => [m.offset, m.key, m.value]),
    );
    for (const m of compacted.messages) assert.deepEqual(sent.get(m.offset), { key: m.key, value: m.value });

    /* Retention: the expired half is gone, the fresh half all there, each at its offset. */
    assert.equal(retained.logStartOffset, 30 * 20);
    const fresh = retained.messages.filter((m) => m.timestamp >= now);
    assert.equal(fresh.length, 30 * 20);
    for (const m of fresh) {
      assert.ok(m.value.batch >= 30);
      assert.equal(m.offset, m.value.batch * 20 + m.value.i);
    }
    assert.equal(retained.highWatermark, 60 * 20);
  });
});
