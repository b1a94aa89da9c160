/*
 * streams-crash.test.mjs — a hosted pipeline killed -9 under load counts every input
 * record exactly once.
 *
 * Under `wrangler dev`, the user's Worker of tests/worker/streams/hosted/ (Kafdo plus
 * PipelineDO classes) runs ClickCounts: clicks per user per 1-minute window, 20 s of
 * grace, 37 records a step. While clicks are produced over REST (event times mostly
 * in order, some late within the grace and some beyond it), the whole wrangler dev
 * process group is killed with SIGKILL — no shutdown: a crash — at random moments, and
 * started again on the same state. At the end a click far later than the others
 * closes every window, and the counts the pipeline wrote must equal the reference
 * (tests/worker/streams/window-reference.mjs) computed over what the input topic holds
 * (a produce cut by a kill may or may not have been stored: the log says which), each
 * window once, no output twice.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { client, startDev } from './harness.mjs';
import { events, MINUTE, random, reference, SECOND } from '../worker/streams/window-reference.mjs';

const CONFIG = ['--config', 'tests/worker/streams/hosted/wrangler.toml'];
const KILLS = 4;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let dev;
let persistDir;

after(async () => {
  if (dev) await dev.stop({ signal: 'SIGKILL' });
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

/* Produces batches of 50 clicks until stopped; a batch cut by the kill is left as it is. */
function producing(api, state) {
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const batch = events(50, 1000 + state.batches, state.produced);
      state.batches++;
      state.produced += batch.length;
      try {
        await api.produceBatch(
          'clicks',
          batch.map((e) => ({ value: e, timestamp: e.ts })),
        );
      } catch {
        return; /* killed */
      }
      await sleep(20);
    }
  })();
  return async () => {
    stop = true;
    await loop;
  };
}

async function status(api) {
  return api.post('/pipelines/clicks/status');
}

it('a pipeline killed -9 under load counts every click exactly once', { timeout: 900_000 }, async () => {
  dev = await startDev({ args: CONFIG });
  persistDir = dev.persistDir;
  let api = client(dev.baseUrl);
  await api.createTopic('clicks', 1);
  await api.post('/pipelines/clicks/start');
  const next = random(3);
  const state = { batches: 0, produced: 0 };

  for (let kill = 0; kill < KILLS; kill++) {
    const stopProducing = producing(api, state);
    await sleep(1500 + next() * 3000);
    const before = await status(api).catch(() => undefined);
    await dev.stop({ signal: 'SIGKILL' });
    await stopProducing();
    console.log(`kill ${kill + 1}: pipeline had read ${before?.read} (${before?.pending} outputs unsent)`);
    dev = await startDev({ args: CONFIG, persistDir });
    api = client(dev.baseUrl);
    /* the alarm is stored; start() again only makes sure it is due now */
    await api.post('/pipelines/clicks/start');
  }

  const { messages: stored } = await api.readAll('clicks', 0);
  const last = Math.max(...stored.map((m) => m.value.ts));
  await api.produceBatch('clicks', [
    { value: { user: 'closer', ts: last + 10 * MINUTE }, timestamp: last + 10 * MINUTE },
  ]);
  const total = stored.length + 1;
  let s;
  for (let i = 0; i < 600; i++) {
    s = await status(api);
    if (s.offsets[0]?.offset === total && s.pending === 0) break;
    await sleep(500);
  }
  assert.equal(s.offsets[0]?.offset, total, `caught up: ${JSON.stringify(s)}`);
  assert.equal(s.read, total);

  const input = stored.map((m) => m.value);
  const expected = new Map([...reference(input, MINUTE, MINUTE, 20 * SECOND)]);
  const { messages: out } = await api.readAll('click-counts', 0);
  const tags = new Set(out.map((m) => m.headers['kafdo-pipeline-output']));
  assert.equal(tags.size, out.length, 'an output written twice');
  const got = new Map();
  for (const m of out) {
    const id = `${m.value.key}@${m.value.windowStart}`;
    assert.ok(!got.has(id), `${id} emitted twice`);
    got.set(id, m.value.count);
  }
  assert.deepEqual(got, expected);
  const counted = [...got.values()].reduce((a, b) => a + b, 0);
  console.log(
    `${KILLS} kills; ${stored.length} clicks produced (${state.produced} sent), ${counted} counted in ` +
      `${got.size} windows, ${stored.length - counted} dropped as late; ${out.length} outputs`,
  );
});
