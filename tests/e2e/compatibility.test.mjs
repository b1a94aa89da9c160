/*
 * compatibility.test.mjs — a Worker configured too old for Kafdo is told what to set.
 *
 * The spec's wrangler.toml (spec-examples/wrangler.toml, as written) has
 * compatibility_date = "2024-01-01". Kafdo needs Durable Object RPC (on from
 * 2024-04-03, or the "rpc" flag) and WeakRef (on from 2025-05-05, or the
 * "enable_weak_ref" flag). Here the user's Worker of package.test.mjs (the spec's
 * config, Env and Producer example) runs under `wrangler dev` with that date as it
 * is: the Producer example must fail with a message naming the date and the flags,
 * not with "cluster.ensureTopic is not a function". With the "rpc" flag alone it
 * must say that WeakRef is missing, not "WeakRef is not defined"; with both flags
 * it runs.
 *
 * The Worker is built in build/ inside this repository, so that `kafdo` resolves to
 * this package (its self-reference) and its built dist/.
 *
 * Run: node --test tests/e2e/compatibility.test.mjs
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureDist } from '../../scripts/ensure-dist.mjs';
import { ROOT, startDev } from './harness.mjs';

const EXAMPLES = join(ROOT, 'tests', 'e2e', 'spec-examples');
const APP = join(ROOT, 'build', 'compatibility-app');

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

const SETTINGS =
  'Set compatibility_date = "2025-05-05" or later in wrangler.toml: Durable Object RPC needs 2024-04-03 or later ' +
  '(or the "rpc" compatibility flag), WeakRef 2025-05-05 or later (or the "enable_weak_ref" compatibility flag).';

/* Runs the spec's Producer example under wrangler dev with `args`; its answer and
 * wrangler's output once the failure (if any) is logged. */
async function runProducerExample(args) {
  const dev = await startDev({ cwd: APP, args });
  try {
    const res = await fetch(`${dev.baseUrl}/producer-example`);
    const text = await res.text();
    for (let i = 0; i < 100 && res.status !== 200 && !dev.output().includes('Kafdo needs'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return { status: res.status, text, output: plain(dev.output()) };
  } finally {
    await dev.stop({ removePersistDir: true });
  }
}

describe("the spec's wrangler.toml, compatibility_date 2024-01-01", () => {
  before(() => {
    ensureDist();
    rmSync(APP, { recursive: true, force: true });
    mkdirSync(join(APP, 'src'), { recursive: true });
    copyFileSync(join(EXAMPLES, 'wrangler.toml'), join(APP, 'wrangler.toml'));
    copyFileSync(join(EXAMPLES, 'env.d.ts'), join(APP, 'src', 'env.d.ts'));
    copyFileSync(join(EXAMPLES, 'producer.ts'), join(APP, 'src', 'producer.ts'));
    copyFileSync(join(EXAMPLES, 'user-worker.ts'), join(APP, 'src', 'index.ts'));
  });

  after(() => rmSync(APP, { recursive: true, force: true }));

  it('fails the Producer example saying that Kafdo needs Durable Object RPC, and which date or flags give it', async () => {
    const { status, output } = await runProducerExample([]);
    assert.equal(status, 500);
    assert.ok(
      output.includes(
        'Kafdo needs Durable Object RPC (its Durable Object stubs have no method ensureTopic()), which this ' +
          `Worker's compatibility settings leave off. ${SETTINGS}`,
      ),
      `wrangler's output says what to set:\n${output}`,
    );
    assert.ok(!output.includes('is not a function'), output);
  });

  it('with the "rpc" flag alone, says that Kafdo needs WeakRef too', async () => {
    const { status, output } = await runProducerExample([
      '--compatibility-flags',
      'nodejs_compat',
      '--compatibility-flags',
      'rpc',
    ]);
    assert.equal(status, 500);
    assert.ok(
      output.includes(`Kafdo needs WeakRef, which this Worker's compatibility settings leave off. ${SETTINGS}`),
      `wrangler's output says what to set:\n${output}`,
    );
    assert.ok(!output.includes('WeakRef is not defined'), output);
  });

  it('runs with the flags the message names', async () => {
    const flags = ['nodejs_compat', 'rpc', 'enable_weak_ref'].flatMap((f) => ['--compatibility-flags', f]);
    const { status, text } = await runProducerExample(flags);
    assert.equal(text, 'Messages sent');
    assert.equal(status, 200);
  });
});
