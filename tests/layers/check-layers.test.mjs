/*
 * The layer rules (scripts/check-layers.mjs): first that the checker catches what it is
 * for, on small trees written here (an upward import, each way of writing one, the client
 * reaching into the Worker, a cycle); then this repository against them.
 *
 * The repository keeps every rule: no violation, no cycle, no exception list.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHECKER = join(ROOT, 'scripts', 'check-layers.mjs');

/* Runs the checker as `make test-layers` does: { status, lines }. */
function check(root) {
  try {
    const out = execFileSync(process.execPath, [CHECKER, '--root', root], { encoding: 'utf8' });
    return { status: 0, lines: out.trim().split('\n') };
  } catch (e) {
    return { status: e.status, lines: e.stdout.trim().split('\n') };
  }
}

function tree(files) {
  const root = mkdtempSync(join(tmpdir(), 'kafdo-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const made = [];
after(() => made.forEach((root) => rmSync(root, { recursive: true, force: true })));

describe('check-layers on small trees', () => {
  const clean = {
    'worker/common/errors.ts': 'export class KafdoError extends Error {}\n',
    'wasm/kafdo.ts': 'import { KafdoError } from "../worker/common/errors";\nexport const e = KafdoError;\n',
    'worker/durable-objects/TopicPartitionDO.ts': 'import { e } from "../../wasm/kafdo";\nexport const d = e;\n',
    'worker/api/producer.ts':
      'import { d } from "../durable-objects/TopicPartitionDO.js";\nimport type { KafdoError } from "../common/errors";\nexport const p = d;\n',
    'worker/http/index.ts': 'export { p } from "../api/producer";\nimport "node:fs";\n',
    'worker/client/index.ts': 'import type { KafdoError } from "../common/errors";\nexport type E = KafdoError;\n',
    'worker/index.ts': 'import * as http from "./http/index";\nexport default http;\n',
    'bin/kafdo': '#!/usr/bin/env node\nimport "../worker/client/index.ts";\n',
  };

  it('passes a tree that keeps the rules', () => {
    const root = tree(clean);
    made.push(root);
    const { status, lines } = check(root);
    assert.equal(status, 0, lines.join('\n'));
    assert.match(lines.at(-1), /8 files, 0 layer violations, 0 import cycles: ok/);
  });

  it('reports an upward import however it is written, a client import of the Worker, a sibling import and a cycle', () => {
    const root = tree({
      ...clean,
      // upward: the leaf importing the API, statically
      'worker/common/errors.ts':
        'import { p } from "../api/producer";\nexport class KafdoError extends Error {}\nexport const q = p;\n',
      // upward by a type-level import() and by a dynamic import()
      'wasm/storage.ts':
        'export type Env = typeof import("../worker/index");\nexport const load = () => import("../worker/api/producer");\n',
      // the SDK reaching into the Worker, and the Worker importing the SDK
      'worker/client/index.ts': 'import { p } from "../api/producer";\nexport const c = p;\n',
      // the SDK and the leaf needing more than fetch
      'worker/client/socket.ts': 'import { connect } from "cloudflare:sockets";\nexport const s = connect;\n',
      'worker/common/body.ts': 'import { Buffer } from "node:buffer";\nexport const b = Buffer;\n',
      'worker/http/index.ts':
        'export { p } from "../api/producer";\nexport * from "../client/index";\nexport * from "../kafka/index";\n',
      'worker/kafka/index.ts': 'export const k = 1;\n',
      // a file outside every layer, and an import of it
      'worker/stray.ts': 'export const s = 1;\n',
      'worker/api/uses-stray.ts': 'import { s } from "../stray";\nexport const u = s;\n',
      // a cycle inside one layer, which no rank rule catches
      'worker/api/a.ts': 'import { b } from "./b";\nexport const a = () => b;\n',
      'worker/api/b.ts': 'import { a } from "./a";\nexport const b = () => a;\n',
    });
    made.push(root);
    const { status, lines } = check(root);
    const out = lines.join('\n');
    assert.equal(status, 1, out);
    const expect = [
      'worker/common/errors.ts:1: import "../api/producer" (worker/api/producer.ts): upward import (common → api)',
      'wasm/storage.ts:1: import "../worker/index" (worker/index.ts): upward import (wasm → worker)',
      'wasm/storage.ts:2: import "../worker/api/producer" (worker/api/producer.ts): upward import (wasm → api)',
      'worker/client/index.ts:1: import "../api/producer" (worker/api/producer.ts): client imports only client and common',
      'worker/client/socket.ts:1: import "cloudflare:sockets": client imports no module from outside the tree',
      'worker/common/body.ts:1: import "node:buffer": common imports no module from outside the tree',
      'worker/http/index.ts:2: import "../client/index" (worker/client/index.ts): no Worker layer imports the client (http → client)',
      'worker/http/index.ts:3: import "../kafka/index" (worker/kafka/index.ts): siblings do not import each other (http → kafka)',
      'worker/stray.ts: in no layer (add its folder to LAYERS in scripts/check-layers.mjs)',
      'worker/api/uses-stray.ts:1: import "../stray" (worker/stray.ts): imports a file in no layer',
      'import cycle of 2 files: worker/api/a.ts -> worker/api/b.ts -> worker/api/a.ts',
    ];
    for (const line of expect) assert.ok(lines.includes(line), `missing: ${line}\n--- got:\n${out}`);
    // The leaf importing the API closes a loop through four layers, reported as a second cycle.
    assert.match(out, /import cycle of \d+ files: .*worker\/common\/errors\.ts/);
    assert.match(lines.at(-1), /10 layer violations, 2 import cycles$/);
  });
});

describe('check-layers on this repository', () => {
  it('has no layer violation and no import cycle', () => {
    const { lines } = check(ROOT);
    assert.match(lines.at(-1), /0 layer violations, 0 import cycles: ok$/, lines.join('\n'));
  });
});
