/*
 * The spec's HTTP Client SDK example (kafdo-README.md, kept verbatim in
 * spec-examples/http-sdk.ts) runs as written with Node against `wrangler dev`, and
 * type-checks against kafdo/client's types. spec-examples/http-sdk.mjs says what is
 * substituted (the base URL) and what must exist first (see there).
 *
 * The in-Worker examples (producer, consumer, async iterator, rebalance listener, admin)
 * run inside workerd in tests/worker; the packaged install in package.test.mjs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureDist } from '../../scripts/ensure-dist.mjs';
import { ROOT, startDev } from './harness.mjs';
import { checkExampleRun, examplePreconditions, runExample, typecheckExample } from './spec-examples/http-sdk.mjs';

/* Inside the repository, so `import ... from 'kafdo/client'` resolves to this package
 * (Node's self-reference by name) and its built dist/. */
const WORK = join(ROOT, 'build', 'spec-examples');

describe("the spec's HTTP Client SDK example", () => {
  let dev;

  before(async () => {
    ensureDist();
    mkdirSync(WORK, { recursive: true });
    dev = await startDev({ vars: { KAFDO_TOKEN: 'your-token' } });
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('runs as written against wrangler dev', async () => {
    await examplePreconditions(dev.baseUrl);
    await checkExampleRun(dev.baseUrl, await runExample(WORK, dev.baseUrl));
  });

  it('type-checks against kafdo/client, in strict mode', async () => {
    await typecheckExample(WORK);
  });
});
