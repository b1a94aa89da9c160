#!/usr/bin/env node
/*
 * dev.mjs — `make dev`: Kafdo on this machine, for HTTP and for Kafka clients.
 *
 *   wrangler dev     the Worker: HTTP on 127.0.0.1:8787, DO SQLite under .wrangler/state
 *   kafdo gateway    Kafka's wire protocol on 127.0.0.1:9092, relayed to the Worker
 *
 * wrangler dev runs as a child with the terminal (its hotkeys work); the gateway runs
 * in this process. Ctrl-C reaches both (the terminal signals the whole foreground
 * group; wrangler's own Ctrl-C and `x` end it too): when wrangler dev ends, for
 * whatever reason, the gateway closes and this script exits with wrangler's status.
 * SIGTERM to this script alone is passed on to wrangler dev. The gateway starts at
 * once: a Kafka client that connects before the Worker is up is refused and retries.
 */
import { spawn } from 'node:child_process';
import { startGateway } from '../bin/gateway.mjs';

const HTTP = { host: '127.0.0.1', port: 8787 };
const KAFKA = '127.0.0.1:9092';

const gateway = await startGateway({ listen: KAFKA, url: `http://${HTTP.host}:${HTTP.port}` });
console.log(`kafdo gateway: Kafka on ${KAFKA}, relayed to ${gateway.wsUrl}`);

const wrangler = spawn('wrangler', ['dev', '--ip', HTTP.host, '--port', String(HTTP.port)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => wrangler.kill(signal));
}
const code = await new Promise((resolve) => {
  wrangler.once('error', (e) => {
    console.error(`make dev: cannot run wrangler: ${e.message}`);
    resolve(1);
  });
  wrangler.once('exit', (status, signal) => resolve(status ?? (signal === 'SIGINT' ? 130 : 1)));
});
await gateway.close();
process.exit(code);
