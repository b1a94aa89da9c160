/*
 * mock-diff.test.mjs — the same kcat commands against Kafdo (through `kafdo gateway`) and
 * against a reference broker, librdkafka's own mock cluster (bench/kafka_stub_broker.c,
 * the benchmark's, built by `make build/kafka_stub_broker` against Debian's
 * librdkafka-dev), and the answers compared once the parts that
 * must differ (broker id and address, timestamps) are set aside: metadata, what a
 * consumer reads back after keyed, headered, partitioned produces, reads from offsets,
 * from the tail and by timestamp, offset queries (-Q). (Not unknown topics: the mock
 * creates them whatever the client asks.)
 *
 * Run: node --test tests/interop/mock-diff.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { client, ROOT, startDev } from '../e2e/harness.mjs';
import { runOk, startProcess } from './procs.mjs';
import { consumeToEnd, kcat, metadataJson, produce } from './kcat.mjs';

const T = 'diff-topic';
const P = 3;
/* The benchmark's reference broker (one mock broker; same command line). */
const MOCK = join(ROOT, 'build', 'kafka_stub_broker');

let dev;
let mock;
const brokers = {};

before(async () => {
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  await runOk('make', ['-s', '-C', ROOT, 'build/kafka_stub_broker']);
  mock = startProcess(MOCK, [`${T}:${P}`], { stdin: 'pipe' });
  const [line] = await mock.waitFor((lines) => lines.length >= 1, 'the mock broker to listen', 30_000);
  brokers.mock = /^bootstrap (\S+)$/.exec(line)[1].split(',')[0];
  dev = await startDev({ gateway: true });
  brokers.kafdo = dev.kafkaBroker;
  await client(dev.baseUrl).createTopic(T, P);
});

after(async () => {
  if (mock) {
    mock.child.stdin.end();
    await mock.stop('SIGTERM');
  }
  if (dev) await dev.stop({ removePersistDir: true });
});

/* Runs fn(broker) against both; resolves to { kafdo, mock }. */
async function both(fn) {
  return { kafdo: await fn(brokers.kafdo), mock: await fn(brokers.mock) };
}

/* Metadata without what names the broker: ids become "self", addresses "addr". */
function normalizeMetadata(md, broker) {
  const self = md.brokers.find((b) => b.name === broker)?.id;
  const id = (x) => (x === self ? 'self' : x);
  return {
    brokers: md.brokers.map((b) => ({ id: id(b.id), name: b.name === broker ? 'addr' : b.name })),
    topics: md.topics
      .map((t) => ({
        ...t,
        partitions: t.partitions?.map((p) => ({
          ...p,
          leader: id(p.leader),
          replicas: p.replicas.map((r) => ({ id: id(r.id) })),
          isrs: p.isrs.map((r) => ({ id: id(r.id) })),
        })),
      }))
      .sort((a, b) => (a.topic < b.topic ? -1 : 1)),
  };
}

const records = (recs) =>
  recs.map(({ topic, partition, offset, key, payload, headers, tstype }) => ({
    topic,
    partition,
    offset,
    key,
    payload,
    headers,
    tstype,
  }));

describe("kcat against Kafdo and against librdkafka's mock broker", () => {
  it('metadata of the topic has the same shape', async () => {
    const md = await both((b) => metadataJson(b, T));
    assert.deepEqual(normalizeMetadata(md.kafdo, brokers.kafdo), normalizeMetadata(md.mock, brokers.mock));
  });

  it('the same produces read back the same', async () => {
    await both(async (b) => {
      for (let p = 0; p < P; p++) {
        await produce(b, T, [`a${p}:one`, `b${p}:two`, `:empty key`], {
          partition: p,
          headers: [
            ['h', `${p}`],
            ['h', 'again'],
          ],
        });
      }
      await produce(
        b,
        T,
        Array.from({ length: 9 }, (_, i) => `key-${i}:v${i}`),
      );
      /* A message without the key delimiter: kcat sends a null key. */
      await produce(b, T, ['no delimiter here'], { partition: 2 });
    });
    const got = await both((b) => consumeToEnd(b, T));
    assert.ok(got.mock.length > 0);
    assert.deepEqual(records(got.kafdo), records(got.mock));
  });

  it('reads from an offset, the tail and a timestamp the same way', async () => {
    /* Not s@0: the mock does not look timestamps up (it answers -1 to any), Kafka's rule
     * for them is checked in kcat.test.mjs. */
    for (const offset of [1, -2, 'end', `s@${Date.now() + 3_600_000}`]) {
      for (let p = 0; p < P; p++) {
        const got = await both((b) => consumeToEnd(b, T, { partition: p, offset }));
        assert.deepEqual(records(got.kafdo), records(got.mock), `-p ${p} -o ${offset}`);
      }
    }
  });

  it('offset queries (-Q, ListOffsets latest and earliest) answer the same', async () => {
    const q = async (b, ts) => {
      const args = ['-Q', '-b', b];
      for (let p = 0; p < P; p++) args.push('-t', `${T}:${p}:${ts}`);
      const r = await kcat(args);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    for (const ts of [-2, -1]) {
      const got = await both((b) => q(b, ts));
      assert.deepEqual(got.kafdo, got.mock, `timestamp ${ts}`);
    }
  });
});
