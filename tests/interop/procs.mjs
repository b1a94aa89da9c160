/*
 * procs.mjs — running the Kafka clients of the interop tests (kcat, Python's
 * confluent-kafka, the reference mock broker) as child processes.
 *
 * run() runs a command to its end, with a deadline (SIGKILL when it passes) and its
 * output kept; startProcess() starts a long-running one (a kcat group consumer), lets the
 * test wait for its output lines, and stops it with a signal of the test's choosing
 * (SIGINT, so librdkafka closes the consumer and commits). Every child is killed by an
 * exit hook if the test run ends without stopping it. Nothing here sleeps: waits are on
 * output and exits, bounded by deadlines.
 */
import { spawn, spawnSync } from 'node:child_process';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

const tail = (text, lines = 60) => text.split('\n').slice(-lines).join('\n');

/* Runs cmd to its end. Resolves to { code, signal, stdout, stderr, timedOut }. */
export function run(cmd, args, { input, timeoutMs = 60_000, env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ? { ...process.env, ...env } : process.env });
    live.add(child);
    const out = [];
    const err = [];
    let timedOut = false;
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => {
      live.delete(child);
      reject(e);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/* run(), failing with the command, its exit and the end of its stderr unless it exits 0. */
export async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0 || r.timedOut) {
    throw new Error(
      `${cmd} ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited ${r.code ?? r.signal}`}\n` +
        `--- stdout:\n${tail(r.stdout)}\n--- stderr:\n${tail(r.stderr)}`,
    );
  }
  return r;
}

/*
 * Starts a long-running command. The handle has lines (stdout, one entry a line),
 * stderr(), waitFor(predicate(lines), what, timeoutMs), stop(signal, timeoutMs) -> {code,
 * signal} (SIGKILL after timeoutMs), and exited.
 */
export function startProcess(cmd, args, { env, cwd, stdin = 'ignore' } = {}) {
  const child = spawn(cmd, args, {
    cwd,
    env: env ? { ...process.env, ...env } : process.env,
    stdio: [stdin, 'pipe', 'pipe'],
  });
  live.add(child);
  const lines = [];
  const err = [];
  let partial = '';
  const waiters = new Set();
  const wake = () => {
    for (const w of waiters) w();
  };
  child.stdout.on('data', (chunk) => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop();
    lines.push(...parts);
    wake();
  });
  child.stderr.on('data', (c) => {
    err.push(c);
    if (Buffer.concat(err).length > 4 * 1024 * 1024) err.splice(0, err.length - 64);
  });
  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      if (partial) lines.push(partial);
      partial = '';
      exit = { code, signal };
      wake();
      resolve(exit);
    });
  });
  const stderr = () => Buffer.concat(err).toString('utf8');
  const handle = {
    child,
    lines,
    stderr,
    exited,
    waitFor(predicate, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(lines)) {
            done();
            resolve(lines.slice());
          } else if (exit) {
            done();
            reject(
              new Error(
                `${cmd} exited (${JSON.stringify(exit)}) before ${what}; stdout:\n${tail(lines.join('\n'))}\n--- stderr:\n${tail(stderr())}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `gave up waiting ${timeoutMs} ms for ${what}; stdout:\n${tail(lines.join('\n'))}\n--- stderr:\n${tail(stderr())}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGINT', timeoutMs = 30_000) {
      if (!exit) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return exit;
    },
  };
  return handle;
}

/* Whether a program is on PATH (or is an existing path). */
export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v "$1"`, 'sh', cmd]).status === 0;
}

export { tail };
