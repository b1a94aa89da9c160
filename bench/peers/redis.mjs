/*
 * redis.mjs — the REST workload on Redis Streams (Debian's redis-server, AOF on with
 * appendfsync everysec), through the `ioredis` npm client.
 *
 * A partition is a stream (8 stream keys per run). A batch is one pipeline of 1,000
 * XADDs (auto-generated ids), sent on the client's connection, and counts when the
 * pipeline's 1,000 replies are back: Redis replies after the write is in memory and
 * appended to the AOF buffer, which is written before the next reply batch and fsynced
 * once a second. One connection per client. Reads page through each stream with
 * XRANGE ... COUNT 1000, exclusive of the last id seen, one connection per reader.
 */
import Redis from 'ioredis';
import { BATCH, PARTITIONS, valueBytes } from '../rest-workload.mjs';
import { findBinary, startServer } from './server.mjs';

export const name = 'redis';

/* A connection that fails once instead of retrying; its errors reach the caller's
 * promise (the readiness probe expects ECONNREFUSED at first), not the console. */
function connectTo(port) {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  r.on('error', () => {});
  return r;
}

export async function open(values) {
  const binary = findBinary('redis-server');
  if (!binary) return { skipped: 'redis-server is not installed (bench/peers/ensure.sh installs it)' };
  const server = await startServer(
    'redis',
    binary,
    (port, dir) => [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    async (port) => {
      const r = connectTo(port);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
  );
  const payloads = values.map(valueBytes);
  const probe = connectTo(server.port);
  await probe.connect();
  const info = await probe.info('server');
  probe.disconnect();
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const clientVersion = (await import('ioredis/package.json', { with: { type: 'json' } })).default.version;

  return {
    describe: `redis-server ${version} (streams, appendonly yes, appendfsync everysec), ioredis ${clientVersion}`,
    async setup(run, clients) {
      const keys = Array.from({ length: PARTITIONS }, (_, p) => `b${run}:p${p}`);
      const conns = Array.from({ length: clients }, () => connectTo(server.port));
      await Promise.all(conns.map((r) => r.connect()));
      return {
        async sendBatch(c, b) {
          const pipeline = conns[c].pipeline();
          const base = b * BATCH;
          for (let i = 0; i < BATCH; i++) {
            pipeline.xadd(keys[i % PARTITIONS], '*', 'v', payloads[(base + i) % payloads.length]);
          }
          const replies = await pipeline.exec();
          for (const [err] of replies) if (err) throw err;
        },
        async readPartition(p) {
          const r = connectTo(server.port);
          await r.connect();
          try {
            const expected = await r.xlen(keys[p]);
            let n = 0;
            let start = '-';
            while (n < expected) {
              const page = await r.xrangeBuffer(keys[p], start, '+', 'COUNT', BATCH);
              if (page.length === 0) throw new Error(`redis: stream ${keys[p]} stopped at ${n} of ${expected}`);
              for (const [, fields] of page) {
                if (fields[1].length !== payloads[0].length) throw new Error(`redis: a ${fields[1].length}-byte value`);
              }
              n += page.length;
              start = `(${page[page.length - 1][0].toString()}`;
            }
            return n;
          } finally {
            r.disconnect();
          }
        },
        async close() {
          for (const r of conns) r.disconnect();
        },
      };
    },
    pgid: server.pgid,
    stop: () => server.stop(),
  };
}
