/*
 * The npm package, as a user gets it: `npm pack` makes the tarball (its prepack step
 * builds dist/), and it is installed into an empty folder with `npm install <tarball>
 * --offline`. Its runtime dependencies, `ws` (for `kafdo gateway`), `@sinclair/typebox`
 * (the REST front's schemas) and `node-sql-parser` (SQL over a topic, with its own two
 * dependencies), are installed beside it from this repository's node_modules
 * (the versions package-lock.json pins, which `npm ci` put there), each packed into a
 * tarball of its own. Not from npm's cache: what the cache holds depends on the machine's
 * history, and on a fresh machine it lacks what the registry names today (ENOTCACHED). Not from the registry either: the test
 * would then install whichever ws was released last, not the one this repository is
 * tested with, and would need the network. So the install needs neither, and .ci/run
 * proves it by running with an empty npm cache. Then, from that folder only:
 *
 *   - the user's Worker, made of the spec's wrangler.toml and Env and a src/index.ts that
 *     re-exports the three Durable Object classes from `kafdo` (spec-examples/), is
 *     bundled by `wrangler deploy --dry-run` with the wasm core in it, type-checks
 *     against the package's types with the spec's Env as written, and runs under
 *     `wrangler dev`: the spec's Producer example produces, and kafdo/client reads
 *     the records back from Node;
 *   - kafdo/client runs the spec's HTTP Client SDK example against that Worker, and the
 *     example type-checks against the installed package's .d.ts files;
 *   - the package's command, node_modules/.bin/kafdo, runs;
 *   - kafdo/integrations imports in plain Node, where a consumer running outside a
 *     Worker uses its helpers (processCDCMessage, the type guards, R2EventBridge's
 *     parsing and filters): the parts that load the wasm core come only on first use.
 *
 * One deviation from the spec's files, made on the command line and not in them: the
 * spec's compatibility_date, 2024-01-01, is older than what Kafdo's Worker code needs
 * (JavaScript RPC to Durable Objects from 2024-04-03, WeakRef from 2025-05-05), so
 * wrangler dev runs with --compatibility-date set to this repository's own date. With
 * 2024-01-01 a produce fails saying which date or flags Kafdo needs
 * (compatibility.test.mjs).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT, freePort, startDev } from './harness.mjs';
import { checkExampleRun, examplePreconditions, runExample, typecheckExample } from './spec-examples/http-sdk.mjs';

const exec = promisify(execFile);
const BIN = join(ROOT, 'node_modules', '.bin');
const EXAMPLES = join(ROOT, 'tests', 'e2e', 'spec-examples');
const ENV = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
/* The package's runtime dependencies: ws (for `kafdo gateway`), @sinclair/typebox (the
 * REST front's schemas) and node-sql-parser (SQL over a topic), the last two bundled into a
 * user's Worker. Each is installed from what npm ci put in node_modules from
 * package-lock.json: the versions the package is installed with; so are node-sql-parser's
 * own dependencies, which an offline install needs beside it. */
const RUNTIME_DEPENDENCIES = ['@sinclair/typebox', 'node-sql-parser', 'ws'];
const THEIR_DEPENDENCIES = ['@types/pegjs', 'big-integer'];
const COMPATIBILITY_DATE = /compatibility_date = "([^"]+)"/.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))[1];

async function sh(file, args, cwd) {
  try {
    return (await exec(file, args, { cwd, env: ENV, maxBuffer: 64 << 20, timeout: 300_000 })).stdout;
  } catch (e) {
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: e });
  }
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the npm package, installed from its tarball into an empty folder', () => {
  let work;
  let app;
  let installed;
  let dev;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kafdo-package-'));
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    await sh('npm', ['pack', '--pack-destination', work, '--no-audit', '--no-fund'], ROOT);
    const tarball = join(work, `kafdo-${version}.tgz`);
    assert.ok(existsSync(tarball), `npm pack made ${tarball}`);

    app = join(work, 'my-kafdo-app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-kafdo-app', private: true, type: 'module' }));
    const packed = [];
    for (const name of [...RUNTIME_DEPENDENCIES, ...THEIR_DEPENDENCIES]) {
      const from = join(ROOT, 'node_modules', name);
      packed.push(
        join(work, JSON.parse(await sh('npm', ['pack', from, '--pack-destination', work, '--json'], ROOT))[0].filename),
      );
    }
    await sh('npm', ['install', tarball, ...packed, '--offline', '--no-audit', '--no-fund'], app);
    installed = join(app, 'node_modules', 'kafdo');

    copyFileSync(join(EXAMPLES, 'wrangler.toml'), join(app, 'wrangler.toml'));
    copyFileSync(join(EXAMPLES, 'env.d.ts'), join(app, 'src', 'env.d.ts'));
    copyFileSync(join(EXAMPLES, 'producer.ts'), join(app, 'src', 'producer.ts'));
    copyFileSync(join(EXAMPLES, 'user-worker.ts'), join(app, 'src', 'index.ts'));
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships built JavaScript, .d.ts files and the wasm core; its runtime dependencies are ws, typebox and node-sql-parser', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), RUNTIME_DEPENDENCIES);
    assert.equal(manifest.peerDependencies, undefined);
    assert.deepEqual(
      readdirSync(join(app, 'node_modules'))
        .filter((f) => !f.startsWith('.'))
        .sort(),
      ['@sinclair', '@types', 'big-integer', 'kafdo', 'node-sql-parser', 'ws'],
      'installing it installed nothing else',
    );
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages;
    for (const name of RUNTIME_DEPENDENCIES) {
      const version = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
      assert.equal(version, lock[`node_modules/${name}`].version, `${name} as package-lock.json pins it`);
    }
    /* Had it not satisfied the package's range, the offline install would have failed. */

    for (const entry of ['.', './client', './integrations', './worker']) {
      const { types, default: js } = manifest.exports[entry];
      assert.ok(existsSync(join(installed, js)), `${entry}: ${js}`);
      assert.ok(existsSync(join(installed, types)), `${entry}: ${types}`);
    }
    const files = filesUnder(installed).map((f) => f.slice(installed.length + 1));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      [],
      'no TypeScript sources',
    );
    assert.deepEqual(
      readFileSync(join(installed, 'dist', 'wasm', 'kafdo.wasm')),
      readFileSync(join(ROOT, 'wasm', 'kafdo.wasm')),
      'the wasm core beside its binding',
    );
    assert.ok(!files.some((f) => f.startsWith('src-c/') || f.startsWith('tests/')));
  });

  it('installs the kafdo command (bin/kafdo) in node_modules/.bin', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const kafdo = join(app, 'node_modules', '.bin', 'kafdo');
    assert.equal(await sh(kafdo, ['--version'], app), `${version}\n`);
    /* It loads kafdo/client from the installed dist/: an unreachable URL is its error. */
    await assert.rejects(
      sh(kafdo, ['--url', `http://127.0.0.1:${await freePort()}`, 'health'], app),
      /NETWORK_EXCEPTION/,
    );
  });

  it('imports kafdo/integrations in plain Node and runs its consumer helpers there', async () => {
    /* A module of the user's, run by Node from the app's folder: `kafdo/integrations`
     * resolves through the installed package's exports, as in the README. */
    writeFileSync(
      join(app, 'consumer-helpers.mjs'),
      `
      import { processCDCMessage, isInsertEvent, isDeleteEvent, R2EventBridge, processR2Event } from 'kafdo/integrations';
      const change = {
        _id: { _data: '8263A1' }, operationType: 'insert', ns: { db: 'shop', coll: 'users' },
        documentKey: { _id: 'user-456' }, fullDocument: { _id: 'user-456', name: 'Ada' },
      };
      const seen = [];
      const ran = await processCDCMessage(
        { topic: 'cdc.shop.users', partition: 0, offset: 7, value: JSON.stringify(change) },
        { collection: 'users', onInsert: (event, context) => seen.push([event.fullDocument.name, context.offset, context.eventId]) },
      );
      const notification = {
        account: 'acct', action: 'PutObject', bucket: 'uploads', eventTime: '2025-01-02T03:04:05Z',
        object: { key: 'photos/cat.jpg', size: 3, eTag: 'e1' },
      };
      const bridge = new R2EventBridge({ env: {}, keyPrefixFilter: 'photos/' });
      const r2 = R2EventBridge.parseQueueMessage({ body: JSON.stringify(notification) });
      const created = [];
      await processR2Event({ value: r2 }, { onObjectCreated: (event) => created.push(event.key) });
      console.log(JSON.stringify({
        ran, seen, insert: isInsertEvent(change), del: isDeleteEvent(change),
        topic: bridge.topicFor(r2), accepts: bridge.accepts(r2), created,
      }));
    `,
    );
    const out = JSON.parse(await sh(process.execPath, ['consumer-helpers.mjs'], app));
    assert.deepEqual(out, {
      ran: true,
      seen: [['Ada', 7, '8263A1']],
      insert: true,
      del: false,
      topic: 'r2.uploads',
      accepts: true,
      created: ['photos/cat.jpg'],
    });
  });

  it("bundles the user's Worker with wrangler deploy --dry-run, wasm core included", async () => {
    const out = join(work, 'out');
    await sh(join(BIN, 'wrangler'), ['deploy', '--dry-run', '--outdir', out], app);
    const emitted = readdirSync(out);
    const wasm = emitted.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `one wasm module in ${emitted.join(', ')}`);
    assert.deepEqual(readFileSync(join(out, wasm[0])), readFileSync(join(ROOT, 'wasm', 'kafdo.wasm')));
    const bundle = readFileSync(join(out, 'index.js'), 'utf8');
    const exported =
      /^export \{([^}]*)\}/m
        .exec(bundle)?.[1]
        .split(',')
        .map((s) => s.trim()) ?? [];
    for (const name of ['TopicPartitionDO', 'ConsumerGroupDO', 'ClusterMetadataDO', 'default']) {
      assert.ok(
        exported.some((e) => e === name || e.endsWith(` as ${name}`)),
        `the bundle exports ${name}: ${exported}`,
      );
    }
  });

  it("type-checks the user's Worker, with the spec's Env, against the package's types", async () => {
    /* The Env is the spec's, as written (src/env.d.ts); `wrangler types` gives only
     * the runtime's types (DurableObjectNamespace, ExecutionContext, ...), not an Env
     * of its own. */
    await sh(join(BIN, 'wrangler'), ['types', '--include-env=false'], app);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ES2022',
          moduleResolution: 'bundler',
          lib: ['ES2022'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['worker-configuration.d.ts', 'src/env.d.ts', 'src/index.ts', 'src/producer.ts'],
      }),
    );
    await sh(join(BIN, 'tsc'), ['-p', join(app, 'tsconfig.json')], app);
  });

  it("runs the user's Worker: the spec's Producer example stores, kafdo/client reads back", async () => {
    dev = await startDev({
      cwd: app,
      vars: { KAFDO_TOKEN: 'your-token' },
      args: ['--compatibility-date', COMPATIBILITY_DATE],
    });
    const res = await fetch(`${dev.baseUrl}/producer-example`);
    assert.equal(await res.text(), 'Messages sent');
    assert.equal(res.status, 200);

    /* kafdo/client, imported from the installed package. */
    const { KafdoClient, KafdoClientError } = await import(join(installed, 'dist', 'worker', 'client', 'index.js'));
    const client = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: 'Bearer your-token' } });
    const { messages } = await client
      .consumer({ groupId: 'package-test', topics: ['orders'] })
      .fetch('orders', 0, { offset: 0 });
    assert.deepEqual(
      messages.map((m) => [m.key, m.value, m.headers]),
      [
        ['order-123', { orderId: '123', amount: 99.99 }, { source: 'web' }],
        ['order-124', { orderId: '124', amount: 49.99 }, {}],
        ['order-125', { orderId: '125', amount: 149.99 }, {}],
      ],
    );
    const refused = await new KafdoClient({ baseUrl: dev.baseUrl })
      .admin()
      .listTopics()
      .catch((e) => e);
    assert.ok(refused instanceof KafdoClientError);
    assert.equal(refused.code, 'UNAUTHORIZED');
  });

  it("runs the spec's HTTP Client SDK example with kafdo/client from the installed package", async () => {
    assert.ok(dev, 'the Worker runs (previous test)');
    await examplePreconditions(dev.baseUrl);
    await checkExampleRun(dev.baseUrl, await runExample(app, dev.baseUrl));
  });

  it('type-checks the HTTP Client SDK example against the installed package', async () => {
    await typecheckExample(app);
  });
});
