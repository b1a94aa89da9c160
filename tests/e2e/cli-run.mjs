/*
 * cli-run.mjs — running the `kafdo` command as a user would, for the CLI tests (not a
 * test file itself).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

/* This checkout's bin/kafdo. */
export const KAFDO = join(ROOT, 'bin', 'kafdo');

/* The environment a user would have: node on PATH, no KAFDO_* but what a test gives. */
export const BASE_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KAFDO_')));
BASE_ENV.PATH = `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`;

/* Runs kafdo (bin/kafdo of this checkout, or `bin`) with `args`; `input` (a string) is
 * its stdin, else stdin is empty. Resolves to { code, stdout, stderr }. */
export function run(args, { env = {}, input = '', bin = KAFDO } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...BASE_ENV, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/* Asserts a failure: exit `code`, nothing on stdout, one line on stderr matching `pattern`. */
export function assertFails(result, code, pattern) {
  assert.equal(result.code, code, `exit ${code}: ${JSON.stringify(result)}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^kafdo: [^\n]+\n$/, 'one line on stderr');
  assert.match(result.stderr, pattern);
}

/* The non-empty lines of an output. */
export const lines = (stdout) => stdout.split('\n').filter((l) => l !== '');
