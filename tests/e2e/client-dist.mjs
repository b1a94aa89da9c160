/*
 * client-dist.mjs — the built package (dist/) for the end-to-end tests that run
 * kafdo/client from Node, which needs the compiled JavaScript, not the TypeScript
 * sources.
 *
 * ensureDist() runs the package build (scripts/build-dist.mjs) when dist/ is absent
 * or older than anything it is built from, so `node --test tests/e2e/client.test.mjs`
 * works straight after editing the client, with or without `make`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

const BUILT = join(ROOT, 'dist', 'worker', 'client', 'index.js');
const INPUTS = ['worker', 'wasm', 'scripts/build-dist.mjs', 'tsconfig.build.json', 'tsconfig.json'];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function ensureDist() {
  const stale =
    !existsSync(BUILT) || Math.max(...INPUTS.map((p) => newest(join(ROOT, p)))) > statSync(BUILT).mtimeMs;
  if (!stale) return;
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'node'), [join(ROOT, 'scripts', 'build-dist.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    throw new Error(`the package build failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
