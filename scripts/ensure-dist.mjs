/*
 * ensure-dist.mjs — builds dist/ (scripts/build-dist.mjs) when it is absent or older
 * than anything it is built from, so code that runs the built package from a checkout
 * (bin/kafdo, which imports kafdo/client from dist/; the end-to-end tests and the
 * benchmark that run kafdo/client from Node) works straight after a clone or an edit,
 * with or without `make`.
 *
 * ensureDist({ onBuild }) returns at once when dist/ is up to date; otherwise it calls
 * onBuild() (to say why the command pauses), builds, and throws an Error with the
 * build's output when the build fails (wasm/kafdo.wasm absent: `make wasm`).
 *
 * Not part of the npm package (scripts/ is not shipped): an installed package's dist/
 * is built once, by npm pack.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = join(ROOT, 'dist', 'worker', 'client', 'index.js');
const INPUTS = [
  'worker',
  'wasm',
  'bin/kafka-frame.mjs',
  'scripts/build-dist.mjs',
  'tsconfig.build.json',
  'tsconfig.json',
];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function ensureDist({ onBuild = () => {} } = {}) {
  const stale = !existsSync(BUILT) || Math.max(...INPUTS.map((p) => newest(join(ROOT, p)))) > statSync(BUILT).mtimeMs;
  if (!stale) return;
  onBuild();
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'node'), [join(ROOT, 'scripts', 'build-dist.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    throw new Error(`the package build failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: e });
  }
}
