#!/usr/bin/env node
/*
 * make-vectors.mjs OUTDIR — RecordBatch v2 and partitioner test vectors made by a real
 * client, kafkajs 2.2.4, for the C core's tests (tests/c/). Run at test time; the output
 * is generated, never committed. The same kafkajs version and Node give the same bytes
 * (the random data comes from a fixed seed; gzip is Node's zlib at its default level).
 *
 * Usage:  node tests/vectors/make-vectors.mjs OUTDIR     (OUTDIR is created if absent)
 *
 * FILES WRITTEN (all integers little-endian unless said otherwise; the kd formats are
 * exactly those of src-c/kafdo.h, "BYTE FORMATS"):
 *
 *   manifest.txt   One line per batch case, "NAME KIND\n", in a fixed order; no comments,
 *                  no blank lines. NAME matches [a-z0-9_]+. KIND says what to check:
 *                    roundtrip   NAME.batch, NAME.input, NAME.records, NAME.summary exist.
 *                                kd_batch_encode(NAME.input) must output NAME.batch byte
 *                                for byte; kd_batch_decode(NAME.batch, 0, 0xFFFFFFFF) must
 *                                output NAME.records byte for byte; kd_batch_inspect(
 *                                NAME.batch) must output NAME.summary byte for byte.
 *                    concat      NAME.batches (not .batch: it holds several batches back to
 *                                back, as in a Fetch response), NAME.records, NAME.summary;
 *                                no NAME.input. Decode and inspect NAME.batches as for
 *                                roundtrip.
 *                    compressed  A gzip or zstd batch (attributes & 7 == 1 or 4), compressed
 *                                by kafkajs with Node's zlib or zstd. kd_batch_inspect must
 *                                output NAME.summary; kd_batch_decode must output
 *                                NAME.records (what the batch holds once decompressed) byte
 *                                for byte; kd_batch_encode(NAME.input) compresses with the
 *                                core's own library (other bytes), and that batch must
 *                                decode to NAME.records too.
 *
 *   NAME.batch     One batch, its bytes exactly as kafkajs's RecordBatch encoder wrote
 *                  them (big-endian inside, as on the wire). Every NAME.batch has a
 *                  NAME.input beside it.
 *   NAME.batches   (concat only) kafkajs batches back to back.
 *
 *   NAME.input     KD_BATCH_PARAMS_SIZE (44) bytes of batch parameters, then a kd record
 *                  list — the argument of kd_batch_encode for the same batch:
 *                    off  0  i64 base_offset           (the batch's firstOffset)
 *                    off  8  i64 first_timestamp
 *                    off 16  i64 max_timestamp
 *                    off 24  i64 producer_id
 *                    off 32  i32 partition_leader_epoch
 *                    off 36  i32 base_sequence
 *                    off 40  i16 producer_epoch
 *                    off 42  i16 attributes         (compression | 0x10 if transactional)
 *                    off 44  the kd record list
 *                  first_timestamp and max_timestamp are the batch header's values, except
 *                  in cases whose NAME ends in "_derive": there both are KD_TIMESTAMP_DERIVE
 *                  (INT64_MIN) and the batch holds what kafdo.h says the core derives (the
 *                  first record's timestamp; the largest timestamp).
 *                  The kd record list: u32 count, then per record i64 offset (= base_offset
 *                  + index), i64 timestamp (absolute ms), i32 key_len (-1 = null) + bytes,
 *                  i32 value_len (-1 = null) + bytes, u32 header_count, then per header
 *                  u32 key_len + bytes, i32 value_len (-1 = null) + bytes; headers in wire
 *                  order.
 *
 *   NAME.records   The kd record list alone (what NAME.input holds after its 44 bytes, or
 *                  for concat the records of all batches in order, one list).
 *
 *   NAME.summary   kd_batch_inspect's output for NAME.batch(es): u32 batch count, then per
 *                  batch 56 bytes: i64 base_offset, i64 first_timestamp, i64 max_timestamp,
 *                  i64 producer_id, i32 partition_leader_epoch, i32 base_sequence,
 *                  i32 last_offset_delta, i32 record_count, i32 size_bytes (whole batch),
 *                  i16 producer_epoch, i16 attributes. Values read from the batch header
 *                  with kafkajs's Decoder.
 *
 *   partitions.txt Text, one vector per line, four fields separated by one space:
 *                    KEY MURMUR2 PARTITIONS PARTITION\n
 *                  KEY is the key's bytes in lowercase hex, or "-" for the empty key
 *                  (length 0; a null key is not in this file). MURMUR2 is the signed
 *                  int32 from kafkajs's murmur2 (Java's Utils.murmur2), PARTITIONS the
 *                  partition count (1 .. 2147483647), PARTITION the partition kafkajs's
 *                  DefaultPartitioner picks, (MURMUR2 & 0x7fffffff) % PARTITIONS.
 *                  Lines starting with "#" are comments. A C reader:
 *                    sscanf(line, "%4095s %d %d %d", hex, &hash, &n, &part)
 *                  (keys are at most 64 bytes, 128 hex digits).
 *
 * Before writing anything the script checks its own output: every batch must decode with
 * kafkajs's decoder to exactly the records and params it writes beside it, and murmur2
 * must give Java's known values for "21", "foobar" and "abc".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { KD_TIMESTAMP_DERIVE, encodeParams, encodeRecords, encodeSummary } from './kd-format.mjs';
import {
  Compression,
  CompressionCodecs,
  Decoder,
  DefaultPartitioner,
  ProduceV3Request,
  RecordBatch,
  bytesOf,
  compareBatch,
  flattenHeaders,
  murmur2,
  readBatchHeader,
  recordOf,
  splitBatches,
} from './kafkajs.mjs';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node tests/vectors/make-vectors.mjs OUTDIR');
  process.exit(2);
}

/* mulberry32: a small seeded PRNG, so every run writes the same vectors. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(0x6b616664);
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const randBytes = (n) => Buffer.from(Array.from({ length: n }, () => randInt(0, 255)));

const T0 = 1700000000000n; /* 2023-11-14T22:13:20Z */

/*
 * A case is a batch as a kafkajs user would describe it: messages ({ key, value,
 * headers, timestamp }) plus the batch fields. Defaults are kafkajs's own: firstOffset
 * 0, partitionLeaderEpoch 0, producerId -1, producerEpoch 0, firstSequence 0, and as
 * its producer does, firstTimestamp = smallest timestamp, maxTimestamp = largest.
 */
const cases = [];
const add = (name, spec) => cases.push({ name, kind: 'roundtrip', ...spec });
const msgs = (n, f) => Array.from({ length: n }, (_, i) => f(i));

add('one_record', { messages: [{ key: 'key', value: 'value', timestamp: T0 }] });
add('null_key', { messages: msgs(3, (i) => ({ key: null, value: `v${i}`, timestamp: T0 + BigInt(i) })) });
add('null_value', { messages: [{ key: 'tombstone', value: null, timestamp: T0 }] });
add('null_key_null_value', { messages: msgs(2, (i) => ({ key: null, value: null, timestamp: T0 + BigInt(i) })) });
add('empty_key_value', { messages: [{ key: '', value: '', timestamp: T0 }] });
add('empty_buffers', {
  messages: [
    { key: Buffer.alloc(0), value: Buffer.from([0]), timestamp: T0 },
    { key: Buffer.from([0]), value: Buffer.alloc(0), timestamp: T0 },
  ],
});
add('headers', {
  messages: msgs(3, (i) => ({
    key: `k${i}`,
    value: `{"n":${i}}`,
    headers: { 'content-type': 'application/json', 'trace-id': `trace-${i}` },
    timestamp: T0 + BigInt(i),
  })),
});
add('headers_repeated_key', {
  messages: [{ key: 'k', value: 'v', headers: { a: ['1', '2', '3'], b: 'x', c: ['only'] }, timestamp: T0 }],
});
add('headers_null_value', {
  messages: [
    { key: 'k', value: 'v', headers: { a: null, b: 'x', c: [null, 'y', null] }, timestamp: T0 },
    { key: 'k', value: 'v', headers: { a: 'not null' }, timestamp: T0 + 1n },
  ],
});
add('headers_empty', {
  messages: [{ key: 'k', value: 'v', headers: { '': '', e: Buffer.alloc(0) }, timestamp: T0 }],
});
add('headers_unicode', {
  messages: [{ key: 'k', value: 'v', headers: { ключ: 'значение', '🔑': '✓ ok', 键: ['值', '值2'] }, timestamp: T0 }],
});
add('headers_binary', {
  messages: msgs(4, (i) => ({
    key: null,
    value: randBytes(20),
    headers: { bin: randBytes(i * 30), raw: [randBytes(1), randBytes(200)] },
    timestamp: T0,
  })),
});
add('headers_many', {
  messages: msgs(5, (i) => ({
    key: `k${i}`,
    value: `v${i}`,
    headers: Object.fromEntries(msgs(100, (j) => [`h${j}`, `value-${i}-${j}`])),
    timestamp: T0 + BigInt(i),
  })),
});
add('headers_some_records', {
  messages: msgs(6, (i) => ({
    key: `k${i}`,
    value: `v${i}`,
    headers: i % 2 ? {} : { even: String(i) },
    timestamp: T0 + BigInt(i),
  })),
});
add('unicode', {
  messages: [
    { key: 'clé-键-🔑', value: 'Grüße, 世界 🌍 — ünïcödé', timestamp: T0 },
    { key: 'e\u0301', value: '\u00e9', timestamp: T0 },
  ],
});
add('binary_random', {
  messages: msgs(50, () => ({ key: randBytes(randInt(0, 64)), value: randBytes(randInt(0, 512)), timestamp: T0 })),
});
add('records_1000_100b', {
  messages: msgs(1000, (i) => ({ key: `key-${i}`, value: randBytes(100), timestamp: T0 + BigInt(i) })),
});
add('values_1kb', {
  messages: msgs(100, (i) => ({ key: `key-${i}`, value: randBytes(1024), timestamp: T0 + BigInt(i) })),
});
add('value_100kb', { messages: [{ key: 'big', value: randBytes(100 * 1024), timestamp: T0 }] });
add('key_10kb', { messages: [{ key: randBytes(10 * 1024), value: 'v', timestamp: T0 }] });
add('records_20000_tiny', { messages: msgs(20000, () => ({ key: null, value: 'x', timestamp: T0 })) });
add('timestamps_varied', {
  messages: [0n, 1n, 1000n, 60000n, 86400000n, 86400001n, 2592000000n].map((d, i) => ({
    key: `k${i}`,
    value: 'v',
    timestamp: T0 + d,
  })),
});
add('timestamps_non_monotonic', {
  messages: [500n, 0n, 2000n, 1999n, 3n, 7000n, 6999n].map((d, i) => ({ key: `k${i}`, value: 'v', timestamp: T0 + d })),
});
/* Java's producer takes the first record's timestamp as firstTimestamp, so later records
 * with earlier timestamps get negative deltas. */
const backwards = [0n, -1n, -1000n, 5n, -86400000n, 3n].map((d, i) => ({
  key: `k${i}`,
  value: 'v',
  timestamp: T0 + d,
}));
add('negative_timestamp_delta', { firstTimestamp: T0, maxTimestamp: T0 + 5n, messages: backwards });
add('timestamp_zero', { messages: msgs(3, (i) => ({ key: `k${i}`, value: 'v', timestamp: 0n })) });
add('timestamp_large_deltas', {
  messages: [0n, 2n ** 31n, 2n ** 35n, 2n ** 40n + 7n].map((d, i) => ({ key: `k${i}`, value: 'v', timestamp: T0 + d })),
});
add('first_offset_2_40', {
  firstOffset: 2n ** 40n - 3n,
  messages: msgs(10, (i) => ({ key: `k${i}`, value: `v${i}`, timestamp: T0 + BigInt(i) })),
});
add('first_offset_2_53', {
  firstOffset: 2n ** 53n - 2n,
  messages: msgs(5, (i) => ({ key: `k${i}`, value: `v${i}`, timestamp: T0 + BigInt(i) })),
});
add('idempotent', {
  producerId: 4242424242n,
  producerEpoch: 3,
  firstSequence: 1000,
  messages: msgs(5, (i) => ({ key: `k${i}`, value: `v${i}`, timestamp: T0 + BigInt(i) })),
});
add('idempotent_max', {
  producerId: 2n ** 62n + 11n,
  producerEpoch: 32767,
  firstSequence: 2147483647 - 10,
  messages: msgs(5, (i) => ({ key: `k${i}`, value: `v${i}`, timestamp: T0 + BigInt(i) })),
});
add('leader_epoch_minus1', { partitionLeaderEpoch: -1, messages: [{ key: 'k', value: 'v', timestamp: T0 }] });
add('leader_epoch_0', { partitionLeaderEpoch: 0, messages: [{ key: 'k', value: 'v', timestamp: T0 }] });
add('leader_epoch_max', { partitionLeaderEpoch: 2147483647, messages: [{ key: 'k', value: 'v', timestamp: T0 }] });
add('transactional', {
  transactional: true,
  producerId: 77n,
  producerEpoch: 1,
  firstSequence: 0,
  messages: msgs(3, (i) => ({ key: `k${i}`, value: `v${i}`, headers: { tx: 'yes' }, timestamp: T0 + BigInt(i) })),
});
add('timestamps_derive', {
  derive: true,
  messages: [0n, 10n, 5n, 20n, 15n].map((d, i) => ({ key: `k${i}`, value: 'v', timestamp: T0 + d })),
});
add('negative_timestamp_delta_derive', { derive: true, messages: backwards });

/* One batch taken out of a whole Produce v3 request from kafkajs's request encoder: the
 * batch exactly as kafkajs's producer sends it (timestamps as users pass them, strings). */
cases.push({
  name: 'produce_request_v3',
  kind: 'roundtrip',
  fromProduceRequest: true,
  messages: msgs(8, (i) => ({
    key: i % 3 ? `user-${i}` : null,
    value: JSON.stringify({ id: i, text: 'héllo' }),
    headers: i % 2 ? { source: 'kafkajs', n: String(i) } : undefined,
    timestamp: T0 + BigInt(i * 7),
  })),
});

cases.push({
  name: 'concat3',
  kind: 'concat',
  batches: [
    { firstOffset: 100n, messages: msgs(3, (i) => ({ key: `a${i}`, value: 'first', timestamp: T0 + BigInt(i) })) },
    {
      firstOffset: 103n,
      producerId: 9n,
      producerEpoch: 2,
      firstSequence: 5,
      messages: [{ key: null, value: 'second', timestamp: T0 + 10n }],
    },
    {
      firstOffset: 104n,
      partitionLeaderEpoch: -1,
      transactional: true,
      producerId: 10n,
      messages: msgs(5, (i) => ({
        key: `c${i}`,
        value: randBytes(30),
        headers: { h: String(i) },
        timestamp: T0 + 20n + BigInt(i),
      })),
    },
  ],
});

cases.push({
  name: 'gzip',
  kind: 'compressed',
  compression: Compression.GZIP,
  messages: msgs(20, (i) => ({
    key: `key-${i}`,
    value: `{"event":"page_view","n":${i},"path":"/products/${i % 4}"}`,
    headers: { 'content-type': 'application/json' },
    timestamp: T0 + BigInt(i),
  })),
});

/* zstd: kafkajs has no zstd codec of its own; Node's (node:zlib, the zstd library) is
 * plugged in as its ZSTD codec, as an application does with a codec package. */
CompressionCodecs[Compression.ZSTD] = () => ({
  compress: async (encoder) => zstdCompressSync(encoder.buffer),
  decompress: async (buffer) => zstdDecompressSync(buffer),
});
cases.push({
  name: 'zstd',
  kind: 'compressed',
  compression: Compression.ZSTD,
  messages: msgs(40, (i) => ({
    key: i % 5 ? `key-${i}` : null,
    value: `{"event":"page_view","n":${i},"path":"/products/${i % 4}"}`,
    headers: { 'content-type': 'application/json' },
    timestamp: T0 + BigInt(i),
  })),
});

/* More gzip: what Node's zlib makes of other data — stored blocks for random bytes,
 * several dynamic blocks and far back-references for a larger batch — and the
 * record shapes above inside a compressed payload. */
const gzip = (name, spec) => cases.push({ name, kind: 'compressed', compression: Compression.GZIP, ...spec });
gzip('gzip_random_values', {
  messages: msgs(40, (i) => ({ key: `k${i}`, value: randBytes(randInt(100, 2000)), timestamp: T0 + BigInt(i) })),
});
gzip('gzip_2000_records', {
  messages: msgs(2000, (i) => ({
    key: i % 7 ? `user-${i % 101}` : null,
    value: JSON.stringify({
      id: i,
      kind: ['view', 'click', 'buy'][i % 3],
      price: (i * 37) % 1000,
      tag: randBytes(6).toString('hex'),
    }),
    headers: i % 5 ? undefined : { trace: `t-${i}` },
    timestamp: T0 + BigInt(i * 3),
  })),
});
gzip('gzip_nulls_headers', {
  messages: [
    { key: null, value: null, timestamp: T0 },
    { key: '', value: '', headers: { a: null, b: ['1', '2'], ключ: '✓' }, timestamp: T0 + 1n },
    { key: randBytes(300), value: randBytes(5000), headers: { bin: randBytes(40) }, timestamp: T0 - 5n },
  ],
  firstTimestamp: T0,
  maxTimestamp: T0 + 1n,
});
gzip('gzip_idempotent', {
  producerId: 4242n,
  producerEpoch: 2,
  firstSequence: 77,
  firstOffset: 2n ** 40n,
  messages: msgs(10, (i) => ({ key: `k${i}`, value: 'v'.repeat(i * 50), timestamp: T0 + BigInt(i) })),
});

/* ---- building one batch with kafkajs ------------------------------------- */

function batchFields(spec) {
  const ts = spec.messages.map((m) => BigInt(m.timestamp));
  const min = ts.reduce((a, b) => (b < a ? b : a));
  const max = ts.reduce((a, b) => (b > a ? b : a));
  return {
    firstOffset: spec.firstOffset ?? 0n,
    firstTimestamp: spec.firstTimestamp ?? (spec.derive ? ts[0] : min),
    maxTimestamp: spec.maxTimestamp ?? max,
    partitionLeaderEpoch: spec.partitionLeaderEpoch ?? 0,
    producerId: spec.producerId ?? -1n,
    producerEpoch: spec.producerEpoch ?? 0,
    firstSequence: spec.firstSequence ?? 0,
    transactional: !!spec.transactional,
    compression: spec.compression ?? Compression.None,
  };
}

async function encodeWithRecordBatch(spec, f) {
  const records = spec.messages.map((m, i) =>
    recordOf({
      offsetDelta: i,
      timestampDelta: BigInt(m.timestamp) - f.firstTimestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }),
  );
  const batch = await RecordBatch({
    compression: f.compression,
    firstOffset: f.firstOffset.toString(),
    firstTimestamp: f.firstTimestamp,
    maxTimestamp: f.maxTimestamp,
    partitionLeaderEpoch: f.partitionLeaderEpoch,
    lastOffsetDelta: records.length - 1,
    transactional: f.transactional,
    producerId: f.producerId,
    producerEpoch: f.producerEpoch,
    firstSequence: f.firstSequence,
    records,
  });
  return batch.buffer;
}

/* Encodes a Produce v3 request and reads its one record set back out with kafkajs's Decoder. */
async function encodeWithProduceRequest(spec) {
  const request = ProduceV3Request({
    acks: -1,
    timeout: 30000,
    topicData: [
      {
        topic: 'vectors',
        partitions: [
          {
            partition: 0,
            messages: spec.messages.map((m) => ({ ...m, timestamp: m.timestamp.toString() })),
          },
        ],
      },
    ],
  });
  const d = new Decoder((await request.encode()).buffer);
  d.readString(); /* transactional_id */
  d.readInt16(); /* acks */
  d.readInt32(); /* timeout */
  d.readInt32(); /* topic count */
  d.readString(); /* topic */
  d.readInt32(); /* partition count */
  d.readInt32(); /* partition */
  return Buffer.from(d.readBytes());
}

function kdRecords(spec, firstOffset) {
  return spec.messages.map((m, i) => ({
    offset: firstOffset + BigInt(i),
    timestamp: BigInt(m.timestamp),
    key: bytesOf(m.key),
    value: bytesOf(m.value),
    headers: flattenHeaders(m.headers),
  }));
}

function paramsOf(f, derive) {
  return {
    baseOffset: f.firstOffset,
    firstTimestamp: derive ? KD_TIMESTAMP_DERIVE : f.firstTimestamp,
    maxTimestamp: derive ? KD_TIMESTAMP_DERIVE : f.maxTimestamp,
    producerId: f.producerId,
    partitionLeaderEpoch: f.partitionLeaderEpoch,
    baseSequence: f.firstSequence,
    producerEpoch: f.producerEpoch,
    attributes: (f.compression & 7) | (f.transactional ? 0x10 : 0),
  };
}

async function checkedBatch(name, spec) {
  const f = batchFields(spec);
  const batch = spec.fromProduceRequest ? await encodeWithProduceRequest(spec) : await encodeWithRecordBatch(spec, f);
  const params = paramsOf(f, spec.derive);
  const records = kdRecords(spec, f.firstOffset);
  const bad = await compareBatch(batch, params, records);
  if (bad.length) throw new Error(`${name}: kafkajs's batch does not match its description:\n  ${bad.join('\n  ')}`);
  return { batch, params, records };
}

const summaryOf = (batchBytes) => encodeSummary(splitBatches(batchBytes).map((b) => readBatchHeader(b)));

/* ---- partitioner vectors -------------------------------------------------- */

function partitionLines() {
  const known = { 21: -973932308, foobar: -790332482, abc: 479470107 };
  for (const [k, v] of Object.entries(known)) {
    if (murmur2(k) !== v) throw new Error(`kafkajs murmur2("${k}") = ${murmur2(k)}, Java says ${v}`);
  }
  const keys = [
    '21',
    'foobar',
    'abc',
    '',
    'a',
    'ab',
    'abcd',
    'abcde',
    'ключ',
    '键',
    '🔑',
    'café',
    'cafe\u0301',
    'user-1',
    '0',
  ];
  keys.push(...Array.from({ length: 65 }, (_, n) => randBytes(n))); /* every length 0..64 */
  while (keys.length < 2000) keys.push(randBytes(randInt(0, 64)));
  const counts = [1, 2, 3, 8, 100, 256, 2147483647];
  const partitioner = DefaultPartitioner();
  /* The partitioner only reads metadata's length for keyed messages (and filters it for
   * leaders); a stand-in object lets it run with 2^31-1 partitions. */
  const metadata = (n) =>
    n <= 256
      ? Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }))
      : { length: n, filter: () => [{ partitionId: 0, leader: 0 }] };
  const lines = ['# KEY MURMUR2 PARTITIONS PARTITION — from kafkajs 2.2.4 murmur2 and DefaultPartitioner'];
  for (const key of keys) {
    const hex = Buffer.isBuffer(key) ? key.toString('hex') : Buffer.from(key, 'utf8').toString('hex');
    const hash = murmur2(key);
    for (const n of counts) {
      const p = partitioner({ topic: 'vectors', partitionMetadata: metadata(n), message: { key } });
      if (p !== (hash & 0x7fffffff) % n) throw new Error(`partitioner and murmur2 disagree for ${hex} / ${n}`);
      lines.push(`${hex || '-'} ${hash} ${n} ${p}`);
    }
  }
  return lines.join('\n') + '\n';
}

/* ---- main ----------------------------------------------------------------- */

const files = new Map();
const manifest = [];
for (const c of cases) {
  if (c.kind === 'concat') {
    const parts = [];
    for (const [i, b] of c.batches.entries()) parts.push(await checkedBatch(`${c.name}[${i}]`, b));
    const batch = Buffer.concat(parts.map((p) => p.batch));
    files.set(`${c.name}.batches`, batch);
    files.set(`${c.name}.records`, encodeRecords(parts.flatMap((p) => p.records)));
    files.set(`${c.name}.summary`, summaryOf(batch));
  } else {
    const { batch, params, records } = await checkedBatch(c.name, c);
    const list = encodeRecords(records);
    files.set(`${c.name}.batch`, batch);
    files.set(`${c.name}.input`, Buffer.concat([encodeParams(params), list]));
    files.set(`${c.name}.records`, list);
    files.set(`${c.name}.summary`, summaryOf(batch));
  }
  manifest.push(`${c.name} ${c.kind}\n`);
}
files.set('manifest.txt', manifest.join(''));
files.set('partitions.txt', partitionLines());

mkdirSync(outDir, { recursive: true });
for (const [name, bytes] of files) writeFileSync(join(outDir, name), bytes);
console.log(`make-vectors: ${manifest.length} batch cases, ${files.size} files in ${outDir}`);
