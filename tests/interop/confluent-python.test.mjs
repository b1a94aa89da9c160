/*
 * confluent-python.test.mjs — Python's confluent-kafka (Debian's python3-confluent-kafka
 * 1.7.0 on librdkafka 2.0.2) against Kafdo through `kafdo gateway` (harness.mjs,
 * { gateway: true }). The client work is confluent_roundtrip.py, one phase a process:
 *
 *   create        AdminClient.create_topics (CreateTopics), list_topics (Metadata)
 *   produce       10,000 records with delivery reports: all delivered, none failed, each
 *                 partition's offsets 0, 1, 2... in the order produced
 *   consume-half  a group member reads and commits batch by batch, stops past half,
 *                 reads one batch more without committing and closes
 *   consume-rest  a new member of the same group resumes at the committed offsets: the
 *                 uncommitted batch comes again, nothing committed does, the union is
 *                 exactly the 10,000, each at the partition and offset delivered
 *   consume-pair  two members of a new group at once: a rebalance splits the partitions
 *                 between them, and between them they read every record (again only
 *                 what a commit refused during the rebalance did not cover)
 *   static-restart a static member (group.instance.id) closes and starts again: its old
 *                 partitions come back, the other member is not rebalanced (KIP-345)
 *   cooperative-grow two cooperative-sticky members share a topic; it grows from 2 to 4
 *                 partitions: the group rebalances at once and the new ones are assigned
 *   cooperative-delete two cooperative-sticky members subscribed to two topics share
 *                 and read their partitions; one topic is deleted: the group rebalances,
 *                 the members hold the other topic's partitions and read what is
 *                 produced to it afterwards (librdkafka's test 0113 h_delete_topic, with
 *                 its topic.metadata.refresh.interval.ms of 3000)
 *   broker-configs AdminClient.describe_configs of the broker: read-only, with sources
 *   produce-codec compression.type gzip, snappy, lz4, zstd in turn, each read back; and
 *                 here, through a raw Fetch (stored-batches.mjs), each batch stored with
 *                 the codec it was produced with, not silently uncompressed
 *   create-assigned  create_topics with a replica assignment naming broker 0 (the one
 *                 broker) creates the topic; one naming broker 1 is INVALID_REPLICA_ASSIGNMENT
 *   transactions  init_transactions, begin/commit_transaction and abort_transaction, each
 *                 with send_offsets_to_transaction; a read_committed consumer reads only
 *                 the committed records, the group holds only the committed offsets; and
 *                 here, kcat -X isolation.level=read_committed reads only those too
 *
 * The script asserts; this file checks its summaries and, through Kafdo's REST API, that
 * the stored logs and the group's committed offsets agree.
 *
 * Run: node --test tests/interop/confluent-python.test.mjs   (needs /usr/bin/python3 with
 * confluent_kafka: Debian's python3-confluent-kafka; `make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, ROOT, startDev } from '../e2e/harness.mjs';
import { run, tail } from './procs.mjs';
import { consumeToEnd, debugDigest } from './kcat.mjs';
import { assertStoredCodecs, storedBatches } from './stored-batches.mjs';

const PYTHON = process.env.KAFDO_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(ROOT, 'tests', 'interop', 'confluent_roundtrip.py');
const T = 'py-events';
const P = 4;
const N = 10_000;
const GROUP = 'py-readers';

let dev;
let api;
let work;
let state;

before(async () => {
  dev = await startDev({ gateway: true });
  api = client(dev.baseUrl);
  work = mkdtempSync(join(tmpdir(), 'kafdo-interop-py-'));
  state = join(work, 'state.json');
});

after(async () => {
  if (dev) await dev.stop({ removePersistDir: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

/* Runs one phase; resolves to its JSON summary, or fails with its stderr. */
async function phase(...args) {
  const r = await run(PYTHON, [SCRIPT, ...args], { timeoutMs: 240_000 });
  if (r.code !== 0 || r.timedOut) {
    let debug = '';
    if (!args[0].startsWith('produce')) {
      /* The same phase with librdkafka's protocol log, for the report (state permitting). */
      const d = await run(PYTHON, [SCRIPT, ...args], {
        timeoutMs: 60_000,
        env: { KAFDO_INTEROP_DEBUG: 'protocol,broker,cgrp,fetch' },
      });
      debug = `\n--- again with KAFDO_INTEROP_DEBUG (exit ${d.code}), requests, answers, errors:\n${tail(debugDigest(d.stderr), 100)}`;
    }
    throw new Error(
      `confluent_roundtrip.py ${args.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}\n` +
        `--- stdout:\n${r.stdout}\n--- stderr:\n${r.stderr.split('\n').slice(-60).join('\n')}${debug}`,
    );
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('confluent-kafka (Python)', () => {
  it('creates a topic with the AdminClient and sees it in list_topics', async () => {
    const out = await phase('create', dev.kafkaBroker, T, String(P));
    assert.equal(out.partitions, P);
    const desc = await api.get(`/admin/topics/${T}`);
    assert.equal(desc.partitions.length, P);
  });

  it("describes the broker's configs (DescribeConfigs, BROKER): read-only, with their sources", async () => {
    const out = await phase('broker-configs', dev.kafkaBroker);
    assert.deepEqual(out.configs['message.max.bytes'], { value: '1048576', source: 5 }, 'DEFAULT_CONFIG');
    assert.deepEqual(
      out.configs['advertised.listeners'],
      { value: `PLAINTEXT://${dev.kafkaBroker}`, source: 4 },
      'STATIC_BROKER_CONFIG',
    );
    assert.equal(out.configs['log.retention.ms'].value, '604800000');
  });

  let producedPerPartition;
  it(`produces ${N} records, every one delivered, offsets contiguous per partition`, async () => {
    const out = await phase('produce', dev.kafkaBroker, T, String(N), state);
    assert.equal(out.delivered, N);
    producedPerPartition = out.partitions;
    assert.equal(
      Object.values(producedPerPartition).reduce((a, b) => a + b, 0),
      N,
    );
    /* The logs' ends agree (REST). */
    const offsets = await api.get(`/admin/topics/${T}/offsets`);
    assert.deepEqual(
      Object.fromEntries(offsets.partitions.filter((p) => p.latest > 0).map((p) => [String(p.partition), p.latest])),
      producedPerPartition,
    );
  });

  let half;
  it('a group member reads and commits past half, then closes with one batch uncommitted', async () => {
    half = await phase('consume-half', dev.kafkaBroker, T, GROUP, state);
    assert.ok(half.committed >= N / 2 && half.committed < N, JSON.stringify(half));
    assert.ok(half.uncommitted > 0, JSON.stringify(half));
    /* What the group stored is what the client committed (REST). */
    const res = await api.get(`/consumer-groups/${GROUP}/offsets`);
    assert.deepEqual(
      Object.fromEntries(res.offsets.filter((o) => o.topic === T).map((o) => [String(o.partition), o.offset])),
      half.committed_offsets,
    );
    /* close() sent LeaveGroup: the member is gone at once, not when its session ends. */
    const g = await api.get(`/consumer-groups/${GROUP}`);
    assert.equal(g.state, 'Empty', JSON.stringify(g));
    assert.deepEqual(g.members, []);
  });

  it('a new member of the group resumes at the commits: nothing lost, nothing committed read again', async () => {
    const rest = await phase('consume-rest', dev.kafkaBroker, T, GROUP, state);
    assert.equal(rest.total, N);
    assert.equal(rest.read, N - half.committed);
    const res = await api.get(`/consumer-groups/${GROUP}/offsets`);
    assert.deepEqual(
      Object.fromEntries(res.offsets.filter((o) => o.topic === T).map((o) => [String(o.partition), o.offset])),
      producedPerPartition,
    );
    const g = await api.get(`/consumer-groups/${GROUP}`);
    assert.equal(g.state, 'Empty', JSON.stringify(g));
  });

  it('two members of a new group split the partitions and read every record between them', async () => {
    const out = await phase('consume-pair', dev.kafkaBroker, T, `${GROUP}-pair`, state);
    assert.equal(out.total, N);
    const { a, b } = out.members;
    assert.deepEqual(
      [...a.assigned, ...b.assigned].sort(),
      Array.from({ length: P }, (_, p) => p),
    );
    assert.ok(a.assigned.length > 0 && b.assigned.length > 0, JSON.stringify(out));
    assert.equal(a.read + b.read, N + out.read_again, JSON.stringify(out));
  });

  it('a static member (group.instance.id) restarting gets its partitions back without a rebalance', async () => {
    const out = await phase('static-restart', dev.kafkaBroker, 'py-static', 'py-static-group');
    assert.equal(out.phase, 'static-restart');
    assert.deepEqual(out.events_after_restart, [['static', 'assign', out.partitions]]);
  });

  it("a cooperative-sticky group is given a grown topic's new partitions at once (the group rebalances when its topic grows)", async () => {
    const out = await phase('cooperative-grow', dev.kafkaBroker, 'py-grown', 'py-cooperative');
    assert.equal(out.phase, 'cooperative-grow');
    assert.deepEqual([...out.assigned.a, ...out.assigned.b].sort(), [0, 1, 2, 3]);
  });

  it('a cooperative-sticky group subscribed to two topics rebalances and continues when one is deleted', async () => {
    const out = await phase('cooperative-delete', dev.kafkaBroker, 'py-two', 'py-cooperative-delete');
    assert.equal(out.phase, 'cooperative-delete');
    assert.deepEqual(
      [...out.assigned.a, ...out.assigned.b].sort(),
      [
        ['py-two-keep', 0],
        ['py-two-keep', 1],
      ],
      JSON.stringify(out),
    );
    assert.equal(out.read_after.length, 20, JSON.stringify(out));
    assert.ok(out.seconds < 30, JSON.stringify(out));
    for (const e of out.errors) assert.match(e, /py-two-gone/, "the only errors reported are the deleted topic's");
    const g = await api.get('/consumer-groups/py-cooperative-delete');
    assert.ok(
      !JSON.stringify(g).includes('py-two-gone'),
      `the group no longer holds the deleted topic: ${JSON.stringify(g)}`,
    );
  });

  it('produces with compression.type gzip, snappy, lz4 and zstd: each batch stored with its codec', async () => {
    const topic = 'py-codecs';
    await api.createTopic(topic, 1);
    const codecAt = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const out = await phase('produce-codec', dev.kafkaBroker, topic, codec, '50');
      assert.deepEqual([out.first, out.last], [codecAt.length, codecAt.length + 49], JSON.stringify(out));
      for (let i = 0; i < 50; i++) codecAt.push(codec);
    }
    assertStoredCodecs(await storedBatches(dev.kafkaBroker, topic, 0), codecAt);
  });

  it('create_topics with a replica assignment on broker 0 creates the topic; on broker 1 it is refused', async () => {
    const out = await phase('create-assigned', dev.kafkaBroker, 'py-assigned');
    assert.deepEqual(out, {
      phase: 'create-assigned',
      partitions: [0, 1, 2],
      refused: 'INVALID_REPLICA_ASSIGNMENT',
      elsewhere_listed: false,
    });
    assert.equal((await api.get('/admin/topics/py-assigned')).partitions.length, 3);
  });

  it('init_transactions, a committed and an aborted transaction; read_committed reads the committed', async () => {
    const out = await phase('transactions', dev.kafkaBroker, 'py-txn');
    assert.deepEqual(out.values, ['committed-0', 'committed-1'], JSON.stringify(out));
    /* send_offsets_to_transaction: the committed transaction's offset is the group's,
     * the aborted one's (9) never is. */
    const res = await api.get('/consumer-groups/py-txn-eos/offsets');
    assert.deepEqual(
      res.offsets.map((o) => [o.topic, o.partition, o.offset]),
      [['py-txn', 0, 5]],
    );
  });

  it('kcat with -X isolation.level=read_committed reads only the committed transaction', async () => {
    const values = async (isolation) =>
      (await consumeToEnd(dev.kafkaBroker, 'py-txn', { extra: ['-X', `isolation.level=${isolation}`] }))
        .map((r) => r.payload)
        .sort();
    assert.deepEqual(await values('read_committed'), ['committed-0', 'committed-1']);
    assert.deepEqual(await values('read_uncommitted'), ['aborted-0', 'aborted-1', 'committed-0', 'committed-1']);
  });
});
