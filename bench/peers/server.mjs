/*
 * server.mjs — runs a peer broker (nats-server, redis-server) for the benchmark: on a
 * free loopback port, in a process group of its own, with its data in a temporary
 * directory, and stops it (the whole group) when asked or when the benchmark exits.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, processGroup } from '../../tests/e2e/harness.mjs';

/* Debian puts nats-server in /usr/sbin, which a non-root PATH may lack. */
export function findBinary(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const started = new Set();
process.on('exit', () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
});

/*
 * Starts `binary` with the arguments args(port, dir). ready(port) is polled (it
 * resolves true once the server answers) for at most 30 s. Resolves to
 * { port, dir, pgid, stop() }.
 */
export async function startServer(name, binary, args, ready) {
  const dir = mkdtempSync(join(tmpdir(), `kafdo-bench-${name}-`));
  const port = await freePort();
  const child = spawn(binary, args(port, dir), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child.pid);
  let output = '';
  const keep = (d) => (output = (output + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));

  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    const deadline = Date.now() + 10_000;
    while (processGroup(child.pid).length > 0) {
      if (Date.now() > deadline) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await exit;
    started.delete(child.pid);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    if (await ready(port).catch(() => false)) return { port, dir, pgid: child.pid, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within 30 s:\n${output}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exit]);
  }
}
