#!/usr/bin/env node
/*
 * codec.mjs — RecordBatch v2 encode/decode and murmur2 throughput: the C core in
 * WebAssembly (wasm/kafdo.wasm) against kafkajs 2.2.4's JavaScript, on the same records
 * in the same run, and beside them the native core (build/bench_native codec) when it
 * has been built. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/codec.mjs [--seconds S]      (S per measurement, default 1)
 *
 * The core's side pays what a real caller pays, as wasm/kafdo.ts does it: staging the
 * input in wasm memory (kd_alloc, the kd record list written field by field, kd_free)
 * and copying the output out; decoding includes turning the kd record list back into
 * JavaScript records ({ offset, timestamp, key, value, headers }; key and value are
 * views into one copy of the output). kafkajs's side is its Record + RecordBatch
 * encoders and its RecordBatch decoder, as its producer and consumer call them;
 * kafkajs's decoder does not check the CRC, the core's does.
 *
 * Workload: batches of 1000 records, keys "key-<n>" (5 to 7 bytes), random values of
 * 100 B or 1 KB, no headers, timestamps one ms apart. MB/s counts the encoded batch's
 * bytes (10^6 bytes per MB). murmur2 hashes 10,000 keys "user-<n>" given as strings, so
 * both sides pay the UTF-8 encoding.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const Decoder = require('kafkajs/src/protocol/decoder');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1;
const RECORDS = 1000;
const T0 = 1700000000000n;
const PARAMS_BYTES = 44; /* see tests/vectors/kd-format.mjs: kafdo.h's fields, packed */
const KD_TIMESTAMP_DERIVE = -(2n ** 63n);

/* ---- the core, instantiated as the Worker does, without storage ------------ */

const wasmPath = join(root, 'wasm/kafdo.wasm');
if (!existsSync(wasmPath)) {
  console.error(`codec: ${wasmPath} is missing (make wasm)`);
  process.exit(1);
}
const wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
const imports = {};
for (const imp of WebAssembly.Module.imports(wasmModule)) {
  if (imp.kind !== 'function') continue;
  (imports[imp.module] ??= {})[imp.name] =
    imp.name === 'emscripten_notify_memory_growth'
      ? () => {}
      : () => {
          throw new Error(`codec benchmark: the core called ${imp.module}.${imp.name}`);
        };
}
const { exports: k } = await WebAssembly.instantiate(wasmModule, imports);
k._initialize?.();

function fail(what, rc) {
  const mem = new Uint8Array(k.memory.buffer);
  const at = k.kd_error_message();
  const msg = Buffer.from(mem.subarray(at, mem.indexOf(0, at))).toString();
  throw new Error(`${what} returned ${rc}: ${msg}`);
}

/* Encodes records with the core: stage params + kd record list, encode, copy out. */
function coreEncode(records, baseOffset = 0n) {
  let size = PARAMS_BYTES + 4;
  for (const r of records) size += 28 + (r.key ? r.key.length : 0) + (r.value ? r.value.length : 0);
  const ptr = k.kd_alloc(size);
  if (ptr === 0) throw new Error('kd_alloc failed');
  try {
    const view = new DataView(k.memory.buffer);
    const mem = new Uint8Array(k.memory.buffer);
    let o = ptr;
    view.setBigInt64(o, baseOffset, true);
    view.setBigInt64(o + 8, KD_TIMESTAMP_DERIVE, true);
    view.setBigInt64(o + 16, KD_TIMESTAMP_DERIVE, true);
    view.setBigInt64(o + 24, -1n, true);
    view.setInt32(o + 32, 0, true);
    view.setInt32(o + 36, 0, true);
    view.setInt16(o + 40, 0, true);
    view.setInt16(o + 42, 0, true);
    view.setUint32(o + 44, records.length, true);
    o += PARAMS_BYTES + 4;
    for (const r of records) {
      view.setBigInt64(o, 0n, true);
      view.setBigInt64(o + 8, r.timestamp, true);
      o += 16;
      for (const b of [r.key, r.value]) {
        view.setInt32(o, b ? b.length : -1, true);
        o += 4;
        if (b) {
          mem.set(b, o);
          o += b.length;
        }
      }
      view.setUint32(o, 0, true);
      o += 4;
    }
    const rc = k.kd_batch_encode(ptr, size);
    if (rc !== 0) fail('kd_batch_encode', rc);
    return new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()).slice();
  } finally {
    k.kd_free(ptr);
  }
}

function stage(bytes) {
  const ptr = k.kd_alloc(bytes.length);
  if (ptr === 0) throw new Error('kd_alloc failed');
  new Uint8Array(k.memory.buffer).set(bytes, ptr);
  return ptr;
}

/* Decodes a batch with the core into JavaScript records. */
function coreDecode(batch) {
  const ptr = stage(batch);
  let out;
  try {
    const rc = k.kd_batch_decode(ptr, batch.length, 0n, 0xffffffff);
    if (rc !== 0) fail('kd_batch_decode', rc);
    out = new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()).slice();
  } finally {
    k.kd_free(ptr);
  }
  const view = new DataView(out.buffer);
  const count = view.getUint32(0, true);
  const records = new Array(count);
  let o = 4;
  const bytes = () => {
    const n = view.getInt32(o, true);
    o += 4;
    if (n < 0) return null;
    o += n;
    return out.subarray(o - n, o);
  };
  for (let i = 0; i < count; i++) {
    const offset = view.getBigInt64(o, true);
    const timestamp = view.getBigInt64(o + 8, true);
    o += 16;
    const key = bytes();
    const value = bytes();
    const headerCount = view.getUint32(o, true);
    o += 4;
    const headers = [];
    for (let h = 0; h < headerCount; h++) {
      const n = view.getUint32(o, true);
      const hkey = Buffer.from(out.buffer, o + 4, n).toString();
      o += 4 + n;
      headers.push({ key: hkey, value: bytes() });
    }
    records[i] = { offset, timestamp, key, value, headers };
  }
  return records;
}

function coreInspect(batch) {
  const ptr = stage(batch);
  try {
    const rc = k.kd_batch_inspect(ptr, batch.length);
    if (rc !== 0) fail('kd_batch_inspect', rc);
    return new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()).slice();
  } finally {
    k.kd_free(ptr);
  }
}

/* murmur2 with the key staged in a buffer kept between calls. */
const KEY_SCRATCH = 256;
const keyPtr = k.kd_alloc(KEY_SCRATCH);
const utf8 = new TextEncoder();
function coreMurmur2Reused(key) {
  const { written } = utf8.encodeInto(key, new Uint8Array(k.memory.buffer, keyPtr, KEY_SCRATCH));
  return k.kd_murmur2(keyPtr, written);
}
/* murmur2 as wasm/kafdo.ts stages a key: kd_alloc, copy, call, kd_free. */
function coreMurmur2PerCall(key) {
  const bytes = Buffer.from(key);
  const ptr = stage(bytes);
  try {
    return k.kd_murmur2(ptr, bytes.length);
  } finally {
    k.kd_free(ptr);
  }
}

/* ---- kafkajs -------------------------------------------------------------- */

async function kafkajsEncode(records) {
  const encoded = records.map((r, i) =>
    Record({ offsetDelta: i, timestampDelta: r.timestamp - T0, key: r.key, value: r.value }),
  );
  const batch = await RecordBatch({
    firstOffset: 0,
    firstTimestamp: T0,
    maxTimestamp: records[records.length - 1].timestamp,
    producerId: -1,
    lastOffsetDelta: records.length - 1,
    records: encoded,
  });
  return batch.buffer;
}

const kafkajsDecode = async (batch) => (await RecordBatchDecoder(new Decoder(batch))).records;

/* ---- measuring ------------------------------------------------------------ */

/* Runs fn (maybe async) for about SECONDS after a warm-up; returns calls per second. */
async function rate(fn) {
  const warm = performance.now() + 200;
  while (performance.now() < warm) await fn();
  let calls = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 8; i++) await fn();
    calls += 8;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

function nativeFigures() {
  const bin = join(root, 'build/bench_native');
  if (!existsSync(bin)) return null;
  const out = execFileSync(bin, ['codec', '--tsv', '--seconds', String(SECONDS)], { encoding: 'utf8' });
  const figures = {};
  for (const line of out.trim().split('\n')) {
    const [name, perSecond, mbPerSecond] = line.split('\t');
    figures[name] = { perSecond: Number(perSecond), mbPerSecond: Number(mbPerSecond) };
  }
  return figures;
}

const si = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const cell = (f, unit) =>
  f ? `${si(f.perSecond)}${unit} ${f.mbPerSecond ? `${f.mbPerSecond.toFixed(0).padStart(5)} MB/s` : ''}` : '—';

const records = (valueBytes) =>
  Array.from({ length: RECORDS }, (_, i) => ({
    key: Buffer.from(`key-${i}`),
    value: randomBytes(valueBytes),
    timestamp: T0 + BigInt(i),
  }));

const rows = [];
async function pair(label, nativeName, unit, perCall, bytesPerCall, coreFn, jsFn) {
  const core = await rate(coreFn);
  const js = jsFn ? await rate(jsFn) : null;
  const fig = (r) => (r === null ? null : { perSecond: r * perCall, mbPerSecond: (r * bytesPerCall) / 1e6 });
  rows.push({ label, nativeName, unit, core: fig(core), js: fig(js) });
}

for (const valueBytes of [100, 1024]) {
  const recs = records(valueBytes);
  const batch = coreEncode(recs);
  const jsBatch = await kafkajsEncode(recs);
  if (Buffer.compare(Buffer.from(batch), jsBatch) !== 0) {
    throw new Error(`the core and kafkajs encode the ${valueBytes} B workload differently`);
  }
  const decoded = coreDecode(batch);
  if (decoded.length !== RECORDS || Buffer.compare(decoded[RECORDS - 1].value, recs[RECORDS - 1].value) !== 0) {
    throw new Error('the core decoded the workload wrongly');
  }
  const size = batch.length;
  const v = valueBytes === 1024 ? '1 KB' : `${valueBytes} B`;
  const n = `_${valueBytes}`;
  await pair(
    `encode, ${v} values`,
    `encode${n}`,
    ' rec/s',
    RECORDS,
    size,
    () => coreEncode(recs),
    () => kafkajsEncode(recs),
  );
  await pair(
    `decode, ${v} values`,
    `decode${n}`,
    ' rec/s',
    RECORDS,
    size,
    () => coreDecode(batch),
    () => kafkajsDecode(jsBatch),
  );
  await pair(`validate only (inspect), ${v}`, `inspect${n}`, ' rec/s', RECORDS, size, () => coreInspect(batch), null);
}

const keys = Array.from({ length: 10000 }, (_, i) => `user-${i}`);
for (const key of keys.slice(0, 100)) {
  if (coreMurmur2Reused(key) !== murmur2(key) || coreMurmur2PerCall(key) !== murmur2(key)) {
    throw new Error(`murmur2("${key}") differs between the core and kafkajs`);
  }
}
const hashAll = (f) => () => {
  for (const key of keys) f(key);
};
await pair(
  'murmur2, key staged in a kept buffer',
  'murmur2',
  ' hash/s',
  keys.length,
  0,
  hashAll(coreMurmur2Reused),
  hashAll(murmur2),
);
await pair(
  'murmur2, kd_alloc per key (as kafdo.ts)',
  null,
  ' hash/s',
  keys.length,
  0,
  hashAll(coreMurmur2PerCall),
  hashAll(murmur2),
);

const native = nativeFigures();
console.log(`codec: ${RECORDS} records per batch, keys "key-<n>", random values, no headers; ${SECONDS} s per figure`);
console.log(
  `       wasm core (marshalling included) vs kafkajs 2.2.4 on Node ${process.versions.node}; ratio = core/kafkajs`,
);
const w = [42, 26, 26, 9, 26];
console.log(
  ['', 'wasm core', 'kafkajs', 'ratio', native ? 'native core (C, -O2)' : 'native: build/bench_native absent']
    .map((s, i) => s.padEnd(w[i]))
    .join('')
    .trimEnd(),
);
for (const r of rows) {
  const ratio = r.js ? `${(r.core.perSecond / r.js.perSecond).toFixed(2)}x` : '—';
  const nat = native && r.nativeName ? native[r.nativeName] : null;
  console.log(
    [r.label, cell(r.core, r.unit), cell(r.js, r.unit), ratio, cell(nat, r.unit)]
      .map((s, i) => s.padEnd(w[i]))
      .join('')
      .trimEnd(),
  );
}
console.log("(kafkajs's decoder does not check the CRC-32C; the core's decode and inspect do.)");
