/*
 * kcat.test.mjs — kcat (Debian's kcat 1.7.1 on librdkafka 2.0.2), an unchanged Kafka
 * client, against Kafdo through `kafdo gateway`: a private `wrangler dev` with the relay
 * beside it (harness.mjs, { gateway: true }), and kcat pointed at 127.0.0.1:<relay port>.
 *
 *   - metadata (-L, -L -J): one broker, node 0, at the relay's address, the controller;
 *     the topic's partitions, each led by node 0
 *   - produce with keys and headers, to chosen partitions (-p) and through librdkafka's
 *     own partitioner (consistent_random: CRC-32 of the key); then consume everything
 *     from the beginning to the end (-o beginning -e) and compare exactly, with the JSON
 *     envelope and with a -f format; the same records through Kafdo's REST API, byte for
 *     byte
 *   - reading from an offset, from the tail (-o -N: ListOffsets latest) and by timestamp
 *     (-o s@ms: ListOffsets by time)
 *   - an unknown topic: Metadata answers UNKNOWN_TOPIC_OR_PARTITION when the client does
 *     not allow auto-creation, and creates the topic (KAFDO_DEFAULT_PARTITIONS) when it
 *     does, as librdkafka's producer does by default; so a produce to a new topic works
 *   - compressed produce (-z gzip, snappy, lz4, zstd): every batch stored with the codec
 *     it was produced with, as a raw Fetch through the relay shows (stored-batches.mjs),
 *     and the records read back
 *   - a consumer group (-G): the first run reads everything and commits (auto commit
 *     every 100 ms, and on close at SIGINT); a second run of the same group sees only the
 *     records produced since; the group's committed offsets are the logs' ends
 *
 * Each kcat run has a deadline; a failing one is run again with librdkafka's protocol
 * debugging and that log is in the failure (kcat.mjs).
 *
 * Run: node --test tests/interop/kcat.test.mjs   (`make test-interop` runs them all)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, startDev } from '../e2e/harness.mjs';
import { startProcess, tail } from './procs.mjs';
import {
  KCAT,
  consistentPartition,
  consumeToEnd,
  crc32,
  debugDigest,
  kcat,
  metadataJson,
  metadataText,
  produce,
} from './kcat.mjs';
import { assertStoredCodecs, storedBatches } from './stored-batches.mjs';

const T = 'orders';
const P = 3;

let dev;
let api;
let B;

before(async () => {
  dev = await startDev({ gateway: true });
  api = client(dev.baseUrl);
  B = dev.kafkaBroker;
  assert.match(B, /^127\.0\.0\.1:\d+$/);
  await api.createTopic(T, P);
});

after(async () => {
  if (dev) await dev.stop({ removePersistDir: true });
});

/* What was produced, per partition in offset order: { key, payload, headers }. */
const produced = Array.from({ length: P }, () => []);
let producedFrom;
let producedTo;

describe('kcat', () => {
  it('the partitioner this file computes is zlib CRC-32', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
  });

  it('-L lists the relay as broker 0, the controller, and the topic with its partitions', async () => {
    const text = await metadataText(B);
    assert.match(text, /^Metadata for all topics \(from broker 0: 127\.0\.0\.1:\d+\/0\):$/m, text);
    assert.match(text, /^ 1 brokers:\n {2}broker 0 at (\S+) \(controller\)$/m, text);
    assert.equal(/broker 0 at (\S+)/.exec(text)[1], B, text);
    const lines = text.split('\n');
    const at = lines.indexOf(`  topic "${T}" with ${P} partitions:`);
    assert.ok(at >= 0, `no line for topic ${T} in:\n${text}`);
    for (let p = 0; p < P; p++) {
      assert.equal(lines[at + 1 + p], `    partition ${p}, leader 0, replicas: 0, isrs: 0`, text);
    }
  });

  it('-L -J -t names the same broker and every partition, without errors', async () => {
    const md = await metadataJson(B, T);
    assert.deepEqual(md.originating_broker, { id: 0, name: `${B}/0` });
    assert.deepEqual(md.query, { topic: T });
    assert.equal(md.controllerid, 0);
    assert.deepEqual(md.brokers, [{ id: 0, name: B }]);
    assert.deepEqual(md.topics, [
      {
        topic: T,
        partitions: Array.from({ length: P }, (_, p) => ({
          partition: p,
          leader: 0,
          replicas: [{ id: 0 }],
          isrs: [{ id: 0 }],
        })),
      },
    ]);
  });

  it('-L -t on an unknown topic: UNKNOWN_TOPIC_OR_PARTITION when the client does not allow auto-creation', async () => {
    const r = await kcat(['-L', '-J', '-b', B, '-t', 'no-such-topic', '-X', 'allow.auto.create.topics=false']);
    const md = JSON.parse(r.stdout);
    const t = md.topics.find((x) => x.topic === 'no-such-topic');
    assert.ok(t, r.stdout);
    assert.match(String(t.error), /Unknown topic or partition|UNKNOWN_TOPIC/i, r.stdout);
    const res = await api.request('GET', '/admin/topics/no-such-topic');
    assert.equal(res.status, 404, res.text);
  });

  it('-L -t on an unknown topic creates it when the client allows it (librdkafka producers do)', async () => {
    const md = await metadataJson(B, 'made-by-metadata');
    assert.deepEqual(md.topics, [
      {
        topic: 'made-by-metadata',
        partitions: [{ partition: 0, leader: 0, replicas: [{ id: 0 }], isrs: [{ id: 0 }] }],
      },
    ]);
    const desc = await api.get('/admin/topics/made-by-metadata');
    assert.equal(desc.partitions.length, 1);
  });

  it('produces with keys and headers, to chosen partitions and by key', async () => {
    producedFrom = Date.now();
    /* To each partition: keyed records, one with an empty key (not null), and two headers. */
    for (let p = 0; p < P; p++) {
      const lines = [];
      for (let i = 0; i < 4; i++) lines.push(`k${p}-${i}:value ${p}-${i}`);
      lines.push(`:empty key on ${p}`);
      await produce(B, T, lines, {
        partition: p,
        headers: [
          ['source', 'kcat'],
          ['part', `p${p}`],
        ],
      });
      for (const l of lines) {
        const [key, payload] = l.split(':');
        produced[p].push({ key, payload, headers: ['source', 'kcat', 'part', `p${p}`] });
      }
    }
    /* By key, through librdkafka's partitioner, without headers; also a value with
     * bytes beyond ASCII. */
    const lines = [];
    for (let i = 0; i < 12; i++) lines.push(`user-${i}:click ${i} — é ✓`);
    await produce(B, T, lines);
    for (const l of lines) {
      const [key, payload] = l.split(':');
      produced[consistentPartition(key, P)].push({ key, payload, headers: undefined });
    }
    producedTo = Date.now();
    const counts = produced.map((r) => r.length);
    assert.ok(
      counts.every((n) => n > 5),
      `the keys chosen spread over every partition: ${counts}`,
    );
  });

  it('consumes every record from the beginning to the end, exactly as produced (-J)', async () => {
    const got = await consumeToEnd(B, T);
    const expected = [];
    for (let p = 0; p < P; p++) {
      produced[p].forEach((r, offset) => {
        const e = { topic: T, partition: p, offset, key: r.key, payload: r.payload };
        if (r.headers) e.headers = r.headers;
        expected.push(e);
      });
    }
    const shape = got.map(({ topic, partition, offset, key, payload, headers }) => {
      const o = { topic, partition, offset, key, payload };
      if (headers !== undefined) o.headers = headers;
      return o;
    });
    assert.deepEqual(shape, expected);
    for (const r of got) {
      assert.equal(r.tstype, 'create', JSON.stringify(r));
      assert.ok(r.ts >= producedFrom - 1000 && r.ts <= producedTo + 1000, `timestamp ${r.ts} of ${JSON.stringify(r)}`);
      assert.equal(r.broker, 0, JSON.stringify(r));
    }
  });

  it('consumes the same with a -f format (%k|%s|%h|%p|%o)', async () => {
    const r = await kcat(['-C', '-b', B, '-t', T, '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%h|%p|%o\n']);
    const got = r.stdout.split('\n').filter(Boolean).sort();
    const expected = [];
    for (let p = 0; p < P; p++) {
      produced[p].forEach((rec, offset) => {
        const h = rec.headers ? `source=kcat,part=p${p}` : '';
        expected.push(`${rec.key}|${rec.payload}|${h}|${p}|${offset}`);
      });
    }
    assert.deepEqual(got, expected.sort());
  });

  it('the records read back through the REST API byte for byte', async () => {
    for (let p = 0; p < P; p++) {
      const page = await api.get(`/topics/${T}/partitions/${p}/messages?offset=0&limit=1000&encoding=base64`);
      assert.equal(page.highWatermark, produced[p].length);
      const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
      assert.deepEqual(
        page.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value, headers: m.headers })),
        produced[p].map((r, offset) => ({
          offset,
          key: b64(r.key),
          value: b64(r.payload),
          headers: r.headers ? { source: b64('kcat'), part: b64(`p${p}`) } : {},
        })),
      );
    }
  });

  it('reads from an offset, from the tail and by timestamp', async () => {
    const p = 1;
    const all = produced[p].map((r, offset) => ({ offset, key: r.key }));
    const pick = (recs) => recs.map((r) => ({ offset: r.offset, key: r.key }));
    assert.deepEqual(pick(await consumeToEnd(B, T, { partition: p, offset: 2 })), all.slice(2));
    /* -o -2: two before the end (ListOffsets, latest). */
    assert.deepEqual(pick(await consumeToEnd(B, T, { partition: p, offset: -2 })), all.slice(-2));
    /* -o end: nothing. */
    assert.deepEqual(await consumeToEnd(B, T, { partition: p, offset: 'end' }), []);
    /* -o s@<ms> (ListOffsets by timestamp): 0 is before everything, a time after the
     * last record finds the end. */
    assert.deepEqual(pick(await consumeToEnd(B, T, { partition: p, offset: 's@0' })), all);
    assert.deepEqual(await consumeToEnd(B, T, { partition: p, offset: `s@${producedTo + 3_600_000}` }), []);
  });

  it('offset queries (-Q: ListOffsets) answer as Kafka does', async () => {
    const q = async (p, ts) => {
      const r = await kcat(['-Q', '-b', B, '-t', `${T}:${p}:${ts}`]);
      return r.stdout.trim();
    };
    const p = 2;
    const n = produced[p].length;
    assert.equal(await q(p, -2), `${T} [${p}] offset 0`, 'earliest');
    assert.equal(await q(p, -1), `${T} [${p}] offset ${n}`, 'latest: the high watermark');
    assert.equal(await q(p, 0), `${T} [${p}] offset 0`, 'timestamp 0: the first record');
    /* No record that late: Kafka answers offset -1 (and timestamp -1) with no error
     * (KafkaApis: `case None => buildErrorResponse(Errors.NONE, partition)`), so Java's
     * offsetsForTimes gives null and librdkafka -1. */
    assert.equal(await q(p, producedTo + 3_600_000), `${T} [${p}] offset -1`, 'a timestamp after every record');
  });

  it('a produce to an unknown topic creates it (Metadata auto-creation), readable at once', async () => {
    const fresh = 'created-by-kcat';
    await produce(B, fresh, ['a:first', 'b:second']);
    const desc = await api.get(`/admin/topics/${fresh}`);
    assert.equal(desc.partitions.length, 1);
    const got = await consumeToEnd(B, fresh);
    assert.deepEqual(
      got.map((r) => [r.partition, r.offset, r.key, r.payload]),
      [
        [0, 0, 'a', 'first'],
        [0, 1, 'b', 'second'],
      ],
    );
  });

  it('compressed batches (-z gzip, snappy, lz4, zstd) are stored compressed with that codec and read back', async () => {
    const topic = 'compressed';
    await api.createTopic(topic, 1);
    const expected = [];
    const codecAt = [];
    const logs = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      /* Repetitive values, so that the codec really compresses. -X debug=feature: the
       * features librdkafka derived from ApiVersions, for a failure's message. */
      const lines = Array.from({ length: 20 }, (_, i) => `${codec}-${i}:${codec} ${'abc'.repeat(30)} ${i}`);
      const r = await produce(B, topic, lines, {
        partition: 0,
        extra: ['-z', codec, '-X', 'linger.ms=50', '-X', 'debug=feature'],
      });
      logs.push(r.stderr);
      for (const l of lines) {
        expected.push(l);
        codecAt.push(codec);
      }
    }
    /* How the batches were stored: each with the codec it was produced with (not
     * silently uncompressed), RecordBatch v2, covering every offset once. */
    assertStoredCodecs(await storedBatches(B, topic, 0), codecAt);
    /* librdkafka falls back to uncompressed batches with only this notice when it
     * concludes, from the ApiVersions ranges, that the broker lacks the codec. */
    for (const log of logs) assert.doesNotMatch(log, /does not support compression/, tail(log, 40));
    const got = await consumeToEnd(B, topic);
    assert.deepEqual(
      got.map((r) => `${r.key}:${r.payload}`),
      expected,
    );
    assert.deepEqual(
      got.map((r) => r.offset),
      expected.map((_, i) => i),
    );
  });

  it('an idempotent producer (enable.idempotence: InitProducerId, sequence numbers) is accepted', async () => {
    const topic = 'idempotent';
    await api.createTopic(topic, 2);
    const lines = Array.from({ length: 50 }, (_, i) => `id-${i}:value ${i}`);
    const first = await produce(B, topic, lines, { extra: ['-X', 'enable.idempotence=true', '-X', 'debug=eos'] });
    const pid = /Acquired PID\{Id:(\d+),Epoch:(\d+)\}/.exec(first.stderr);
    assert.ok(pid, `no producer id acquired:\n${tail(debugDigest(first.stderr), 40)}`);
    assert.equal(pid[2], '0');
    await produce(
      B,
      topic,
      lines.map((l) => `again-${l}`),
      { extra: ['-X', 'enable.idempotence=true'] },
    );
    const got = await consumeToEnd(B, topic);
    const all = [...lines, ...lines.map((l) => `again-${l}`)];
    assert.deepEqual(got.map((r) => `${r.key}:${r.payload}`).sort(), all.slice().sort());
    for (let p = 0; p < 2; p++) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${p}: offsets without gaps`,
      );
      /* Each producer's records, in a partition, in the order produced. */
      const keys = got.filter((r) => r.partition === p).map((r) => r.key);
      const order = (prefix) => keys.filter((k) => k.startsWith(prefix)).map((k) => Number(k.split('-').pop()));
      assert.deepEqual(
        order('id-'),
        order('id-')
          .slice()
          .sort((a, b) => a - b),
      );
    }
  });

  describe('a consumer group (-G)', () => {
    const GT = 'group-topic';
    const GROUP = 'kcat-readers';
    const fmt = '%p|%o|%k|%s\n';
    const startMember = () =>
      startProcess(KCAT, [
        '-b',
        B,
        '-G',
        GROUP,
        '-X',
        'auto.offset.reset=earliest',
        '-X',
        'auto.commit.interval.ms=100',
        /* kcat ends with status 1 when librdkafka reports all brokers down, which it does
         * while the consumer closes at SIGINT (against any broker: librdkafka's mock too). */
        '-E',
        /* Unbuffered: each record's line as it is consumed, not when kcat exits. */
        '-u',
        /* The group's protocol log, for a failure's message (debugDigest). */
        '-X',
        'debug=cgrp,protocol',
        '-q',
        '-f',
        fmt,
        GT,
      ]);
    const lineOf = (p, o, key) => `${p}|${o}|${key}|v-${key}`;
    const first = [];
    const second = [];

    before(async () => {
      await api.createTopic(GT, P);
      for (let p = 0; p < P; p++) {
        const keys = [0, 1, 2].map((i) => `a${p}${i}`);
        await produce(
          B,
          GT,
          keys.map((k) => `${k}:v-${k}`),
          { partition: p },
        );
        keys.forEach((k, o) => first.push(lineOf(p, o, k)));
      }
    });

    it('the first member reads everything, commits and leaves on SIGINT', async () => {
      const member = startMember();
      try {
        await member.waitFor(
          (lines) => lines.length >= first.length,
          `${first.length} records from group ${GROUP}`,
          90_000,
        );
      } catch (e) {
        await member.stop('SIGKILL');
        e.message = `${e.message.split('\n--- stderr:')[0]}\n--- group protocol:\n${tail(debugDigest(member.stderr()), 100)}`;
        throw e;
      }
      const exit = await member.stop('SIGINT');
      const log = () => tail(debugDigest(member.stderr()), 100);
      assert.deepEqual(member.lines.filter(Boolean).sort(), first.slice().sort(), log());
      assert.deepEqual(exit, { code: 0, signal: null }, log());
    });

    it('the group committed the ends of the logs (REST: committed offsets)', async () => {
      const res = await api.get(`/consumer-groups/${GROUP}/offsets`);
      const offsets = res.offsets
        .filter((o) => o.topic === GT)
        .map((o) => [o.partition, o.offset])
        .sort((a, b) => a[0] - b[0]);
      assert.deepEqual(
        offsets,
        Array.from({ length: P }, (_, p) => [p, 3]),
        JSON.stringify(res),
      );
    });

    it('a second run of the group sees only the records produced since', async () => {
      for (let p = 0; p < P; p++) {
        const k = `b${p}`;
        await produce(B, GT, [`${k}:v-${k}`], { partition: p });
        second.push(lineOf(p, 3, k));
      }
      const member = startMember();
      try {
        /* Each partition got a new record, and a partition's records come in offset
         * order: once every new one is seen, any old one redelivered would be too. */
        await member.waitFor((lines) => second.every((l) => lines.includes(l)), 'the new records', 90_000);
      } catch (e) {
        e.message = `${e.message.split('\n--- stderr:')[0]}\n--- group protocol:\n${tail(debugDigest(member.stderr()), 100)}`;
        throw e;
      } finally {
        await member.stop('SIGINT');
      }
      assert.deepEqual(
        member.lines.filter(Boolean).sort(),
        second.slice().sort(),
        tail(debugDigest(member.stderr()), 100),
      );
      const res = await api.get(`/consumer-groups/${GROUP}/offsets`);
      assert.deepEqual(
        res.offsets
          .filter((o) => o.topic === GT)
          .map((o) => [o.partition, o.offset])
          .sort((a, b) => a[0] - b[0]),
        Array.from({ length: P }, (_, p) => [p, 4]),
      );
    });

    it('the group is empty once its members left, and shows as a Kafka group (REST describe)', async () => {
      const g = await api.get(`/consumer-groups/${GROUP}`);
      assert.equal(g.state, 'Empty', JSON.stringify(g));
      assert.deepEqual(g.members, []);
      assert.deepEqual(
        g.offsets.filter((o) => o.topic === GT).map((o) => [o.partition, o.offset, o.lag]),
        Array.from({ length: P }, (_, p) => [p, 4, 0]),
      );
    });
  });
});
