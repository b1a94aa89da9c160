/*
 * nats.mjs — the REST workload on NATS JetStream (Debian's nats-server, file storage),
 * through the `nats` npm client.
 *
 * A partition is a stream with one subject (8 streams, 8 subjects per run): like a
 * Kafka partition, each is an independent log with its own sequence numbers. A batch
 * is 1,000 JetStream publishes issued at once on the client's connection, and counts
 * when all 1,000 PubAcks are back (JetStream acknowledges a publish once the stream
 * has stored it). One connection per client. Reads use a pull consumer per stream that
 * needs no acks (as a Kafka fetch needs none), fetching 1,000 messages at a time (never
 * more than are left: a fetch for more waits out its expiry), one connection per reader.
 *
 * nats-server's file store writes each message to its block file before the ack and
 * leaves fsync to its periodic sync (default every 2 minutes): like Redis with
 * appendfsync everysec and Kafdo on local SQLite, acknowledged means in the OS's
 * page cache, not on the platter.
 */
import { AckPolicy, connect, StorageType } from 'nats';
import { BATCH, PARTITIONS, valueBytes } from '../rest-workload.mjs';
import { findBinary, startServer } from './server.mjs';

export const name = 'nats';

export async function open(values) {
  const binary = findBinary('nats-server');
  if (!binary) return { skipped: 'nats-server is not installed (bench/peers/ensure.sh installs it)' };
  const server = await startServer(
    'nats',
    binary,
    (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    async (port) => {
      const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 1000 });
      const jsm = await nc.jetstreamManager();
      await jsm.getAccountInfo();
      await nc.close();
      return true;
    },
  );
  const servers = `127.0.0.1:${server.port}`;
  const payloads = values.map(valueBytes);
  const version = (await import('nats/package.json', { with: { type: 'json' } })).default.version;

  return {
    describe: `nats-server (JetStream, file storage in a temp dir), nats.js ${version}`,
    async setup(run, clients) {
      const admin = await connect({ servers });
      const jsm = await admin.jetstreamManager();
      const streams = [];
      const subjects = [];
      for (let p = 0; p < PARTITIONS; p++) {
        streams.push(`B${run}_P${p}`);
        subjects.push(`b${run}.p${p}`);
        await jsm.streams.add({ name: streams[p], subjects: [subjects[p]], storage: StorageType.File });
      }
      const conns = await Promise.all(Array.from({ length: clients }, () => connect({ servers })));
      const jss = conns.map((nc) => nc.jetstream());
      return {
        async sendBatch(c, b) {
          const js = jss[c];
          const base = b * BATCH;
          const acks = new Array(BATCH);
          for (let i = 0; i < BATCH; i++) {
            acks[i] = js.publish(subjects[i % PARTITIONS], payloads[(base + i) % payloads.length]);
          }
          await Promise.all(acks);
        },
        async readPartition(p) {
          const nc = await connect({ servers });
          try {
            const info = await jsm.streams.info(streams[p]);
            const expected = info.state.messages;
            await jsm.consumers.add(streams[p], { durable_name: 'reader', ack_policy: AckPolicy.None });
            const consumer = await nc.jetstream().consumers.get(streams[p], 'reader');
            let n = 0;
            while (n < expected) {
              let got = 0;
              const msgs = await consumer.fetch({ max_messages: Math.min(BATCH, expected - n), expires: 5000 });
              for await (const m of msgs) {
                if (m.data.length !== payloads[0].length) throw new Error(`nats: a ${m.data.length}-byte message`);
                got++;
              }
              if (got === 0) throw new Error(`nats: stream ${streams[p]} stopped at ${n} of ${expected}`);
              n += got;
            }
            return n;
          } finally {
            await nc.close();
          }
        },
        async close() {
          await Promise.all(conns.map((nc) => nc.close()));
          await admin.close();
        },
      };
    },
    pgid: server.pgid,
    stop: () => server.stop(),
  };
}
