/*
 * http-sdk.mjs — running the spec's HTTP Client SDK example (http-sdk.ts, verbatim) and
 * checking what it did; shared by tests/e2e/spec-examples.test.mjs (this repository's
 * build) and tests/e2e/package.test.mjs (the package installed from its tarball).
 *
 * The example's one placeholder, the base URL, is replaced by a dev server's address.
 * Its token is not a placeholder here: the dev servers run with KAFDO_TOKEN
 * "your-token", the example's own, so it authenticates exactly as written. Two things
 * must exist before it runs, because the example deletes them at its end and deleting
 * what does not exist is an error (404, as Kafka's admin fails on an unknown topic or
 * group): the topic "old-logs" and the group "old-group". examplePreconditions makes
 * them; the example is not changed. The group's committed offset is on a topic of its
 * own ("old-group-input"), not on "old-logs": deleting a topic forgets every group's
 * offsets of it, as Kafka's coordinator does, so a group whose only offsets were on
 * "old-logs" would no longer exist when the example deletes it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT, client as restClient } from '../harness.mjs';

const run = promisify(execFile);
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), 'http-sdk.ts');
const PLACEHOLDER = "baseUrl: 'https://kafdo.your-domain.workers.dev'";
const AUTH = { authorization: 'Bearer your-token' };

/* The example with its base URL pointing at `baseUrl`. */
export function exampleFor(baseUrl) {
  const source = readFileSync(EXAMPLE, 'utf8');
  assert.equal(source.split(PLACEHOLDER).length, 2, 'the example has its one base URL placeholder');
  return source.replace(PLACEHOLDER, `baseUrl: '${baseUrl}'`);
}

/* What the example needs to exist before it runs (see above), made over REST. */
export async function examplePreconditions(baseUrl) {
  const rest = restClient(baseUrl);
  const created = await rest.request('POST', '/admin/topics', { topic: 'old-logs' }, AUTH);
  assert.equal(created.status, 201, created.text);
  const input = await rest.request('POST', '/admin/topics', { topic: 'old-group-input' }, AUTH);
  assert.equal(input.status, 201, input.text);
  const committed = await rest.request(
    'POST',
    '/consumer-groups/old-group/commit',
    { memberId: '', generationId: -1, offsets: [{ topic: 'old-group-input', partition: 0, offset: 0 }] },
    AUTH,
  );
  assert.equal(committed.status, 204, committed.text);
}

/* Writes the example for `baseUrl` into `dir` (where 'kafdo/client' must resolve) and
 * runs it with Node; resolves with its output. */
export async function runExample(dir, baseUrl) {
  const file = join(dir, 'http-sdk.ts');
  writeFileSync(file, exampleFor(baseUrl));
  const { stdout } = await run(NODE, [file], { cwd: dir, timeout: 120_000 });
  return stdout;
}

/* Checks the example's output and what it left behind on the server. */
export async function checkExampleRun(baseUrl, stdout) {
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines, [
    'Status: ok',
    lines[1],
    'user-123: {"type":"page_view","page":"/home"}',
    'user-123: {"type":"click","button":"signup"}',
    'user-456: {"type":"page_view","page":"/about"}',
    'Earliest: 0, Latest: 3',
  ]);
  assert.match(lines[1], /^Member ID: my-app-/);

  const rest = restClient(baseUrl);
  const get = async (path) => {
    const res = await rest.request('GET', path, undefined, AUTH);
    return { status: res.status, body: res.body };
  };
  const topics = (await get('/admin/topics')).body.topics;
  assert.ok(topics.includes('events') && topics.includes('logs'));
  assert.ok(!topics.includes('old-logs'));
  assert.equal((await get('/admin/topics/logs')).body.partitions.length, 10);
  const group = (await get('/admin/groups/analytics-processor')).body;
  assert.equal(group.state, 'Empty', 'the consumer left its group');
  assert.deepEqual(
    group.offsets.map((o) => [o.topic, o.partition, o.offset, o.lag]),
    [['events', 0, 3, 0]],
    'commit() committed what fetch read',
  );
  assert.equal((await get('/admin/groups/old-group')).status, 404);
}

/* Type-checks the example in `dir` (where 'kafdo/client' must resolve) with tsc,
 * strict, as a Node project: module resolution nodenext, no @types, the DOM lib for
 * console; the package's own .d.ts files are checked too (skipLibCheck off). */
export async function typecheckExample(dir) {
  writeFileSync(join(dir, 'http-sdk-typed.ts'), exampleFor('http://127.0.0.1:8787'));
  const config = join(dir, 'tsconfig.example.json');
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'DOM'],
        types: [],
        skipLibCheck: false,
      },
      files: ['http-sdk-typed.ts'],
    }),
  );
  await run(TSC, ['-p', config], { cwd: dir }).catch((e) => assert.fail(`tsc:\n${e.stdout}${e.stderr}`));
}
