/*
 * kafkajs.mjs — kafkajs 2.2.4's own RecordBatch v2 code, used as the reference client.
 *
 * Everything that encodes, decodes, checksums or hashes here is kafkajs's module, loaded
 * from node_modules: the RecordBatch and Record encoders, the RecordBatch decoder, its
 * Decoder primitives, CRC-32C, murmur2 and the DefaultPartitioner. This file only feeds
 * them and compares what they say with a kd record list (see kd-format.mjs).
 *
 * Two places where kafkajs cannot be used as is, and what we do instead:
 *   - Record v0's encoder throws on a null header value (it calls Buffer.byteLength(null)
 *     while sizing the record). Records with a null header value are built by recordOf()
 *     from the same kafkajs pieces the Record encoder uses (Encoder, Header v0 encoder),
 *     with the size taken from the encoded body.
 *   - The RecordBatch decoder folds a record's headers into an object keyed by header
 *     key, so the order of interleaved repeated keys is lost, and it does not check the
 *     CRC. compareBatch() checks both views: the decoder's (what a kafkajs consumer
 *     sees) and the headers in wire order, read with kafkajs's Decoder primitives, and
 *     it checks the CRC with kafkajs's crc32C.
 */
import { createRequire } from 'node:module';
import { KD_TIMESTAMP_DERIVE } from './kd-format.mjs';

const require = createRequire(import.meta.url);
export const Long = require('kafkajs/src/utils/long');
export const Encoder = require('kafkajs/src/protocol/encoder');
export const Decoder = require('kafkajs/src/protocol/decoder');
export const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
export const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
export const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
export const Header = require('kafkajs/src/protocol/recordBatch/header/v0');
export const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder');
export const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
export const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');
export const DefaultPartitioner = require('kafkajs/src/producer/partitioners/default');
export const ProduceV3Request = require('kafkajs/src/protocol/requests/produce/v3/request');
export const {
  Types: Compression,
  Codecs: CompressionCodecs,
  lookupCodecByAttributes,
} = require('kafkajs/src/protocol/message/compression');

/* A kafkajs value (string, Buffer, null/undefined) as the bytes kafkajs puts on the wire. */
export function bytesOf(v) {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? Buffer.from(v) : Buffer.from(String(v), 'utf8');
}

/* A kafkajs headers object flattened in the order Record v0 writes it. */
export function flattenHeaders(headers = {}) {
  return Object.keys(headers).flatMap((key) =>
    (Array.isArray(headers[key]) ? headers[key] : [headers[key]]).map((value) => ({
      key: Buffer.from(key, 'utf8'),
      value: bytesOf(value),
    })),
  );
}

/* One record as kafkajs encodes it (see the note on null header values above). */
export function recordOf({ offsetDelta, timestampDelta, key, value, headers = {} }) {
  const flat = Object.keys(headers).flatMap((k) =>
    (Array.isArray(headers[k]) ? headers[k] : [headers[k]]).map((v) => ({ key: k, value: v })),
  );
  if (!flat.some((h) => h.value === null)) {
    return Record({ offsetDelta, timestampDelta, key, value, headers });
  }
  const body = new Encoder()
    .writeInt8(0)
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(flat.map(Header));
  return new Encoder().writeVarInt(body.size()).writeEncoder(body);
}

/* The header fields of the batch at `pos`, read with kafkajs's Decoder. */
export function readBatchHeader(buf, pos = 0) {
  const d = new Decoder(buf.subarray(pos));
  const h = {
    baseOffset: BigInt(d.readInt64().toString()),
    length: d.readInt32(),
    partitionLeaderEpoch: d.readInt32(),
    magic: d.readInt8(),
    crc: d.readInt32() >>> 0,
    attributes: d.readInt16(),
    lastOffsetDelta: d.readInt32(),
    firstTimestamp: BigInt(d.readInt64().toString()),
    maxTimestamp: BigInt(d.readInt64().toString()),
    producerId: BigInt(d.readInt64().toString()),
    producerEpoch: d.readInt16(),
    baseSequence: d.readInt32(),
    recordCount: d.readInt32(),
  };
  h.sizeBytes = 12 + h.length;
  return h;
}

/* Splits back-to-back batches by their length fields (kafkajs's own framing rule). */
export function splitBatches(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 61) throw new Error(`${buf.length - pos} stray bytes at byte ${pos}`);
    const size = 12 + buf.readInt32BE(pos + 8);
    if (size < 61 || pos + size > buf.length) {
      throw new Error(`batch at byte ${pos} claims ${size} bytes, ${buf.length - pos} left`);
    }
    out.push(buf.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/* Every record of one batch with its headers in wire order (kafkajs Decoder primitives). */
export async function wireRecords(batch) {
  const h = readBatchHeader(batch);
  let payload = batch.subarray(61, h.sizeBytes);
  const codec = lookupCodecByAttributes(h.attributes);
  if (codec) payload = await codec.decompress(payload);
  const d = new Decoder(payload);
  const records = [];
  for (let i = 0; i < h.recordCount; i++) {
    const r = new Decoder(d.readVarIntBytes());
    const attributes = r.readInt8();
    const timestampDelta = BigInt(r.readVarLong().toString());
    const offsetDelta = r.readVarInt();
    const key = r.readVarIntBytes();
    const value = r.readVarIntBytes();
    const headers = r.readVarIntArray((hd) => ({ key: hd.readVarIntBytes(), value: hd.readVarIntBytes() }));
    if (r.offset !== r.buffer.length) {
      throw new Error(`record ${i}: ${r.buffer.length - r.offset} bytes after its headers`);
    }
    records.push({ attributes, timestampDelta, offsetDelta, key, value, headers });
  }
  if (d.offset !== d.buffer.length) {
    throw new Error(`${d.buffer.length - d.offset} bytes after record ${h.recordCount - 1}`);
  }
  return records;
}

const show = (b) =>
  b === null
    ? 'null'
    : b.length > 24
      ? `${b.length} bytes ${b.subarray(0, 24).toString('hex')}...`
      : `0x${b.toString('hex')}`;
const sameBytes = (a, b) => (a === null || b === null ? a === b : Buffer.compare(a, b) === 0);

/* The object kafkajs's record decoder makes of a header list (same reduce as kafkajs). */
function kafkajsHeaderObject(headers) {
  return headers.reduce((obj, { key, value }) => {
    const k = key.toString('utf8');
    return {
      ...obj,
      [k]: obj[k] === undefined ? value : Array.isArray(obj[k]) ? obj[k].concat([value]) : [obj[k], value],
    };
  }, {});
}

function sameHeaderObject(a, b) {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\0') !== kb.join('\0')) return false;
  return ka.every((k) => {
    const va = Array.isArray(a[k]) ? a[k] : [a[k]];
    const vb = Array.isArray(b[k]) ? b[k] : [b[k]];
    return (
      Array.isArray(a[k]) === Array.isArray(b[k]) && va.length === vb.length && va.every((v, i) => sameBytes(v, vb[i]))
    );
  });
}

/*
 * Compares one encoded batch with the batch params and kd records it should hold.
 * Returns a list of mismatches in words (empty when the batch is right). `records`'
 * offset fields are not used: a batch's offsets are params.baseOffset + index.
 */
export async function compareBatch(batch, params, records) {
  const bad = [];
  let h;
  try {
    const [only, ...rest] = splitBatches(batch);
    if (rest.length) bad.push(`expected one batch, found ${rest.length + 1}`);
    h = readBatchHeader(only);
  } catch (e) {
    return [`framing: ${e.message}`];
  }
  const field = (name, got, want) => {
    if (got !== want) bad.push(`batch ${name}: got ${got}, want ${want}`);
  };
  const n = records.length;
  if (n === 0) return ['the record list is empty (a batch holds at least one record)'];
  const timestamps = records.map((r) => BigInt(r.timestamp));
  const first = params.firstTimestamp === KD_TIMESTAMP_DERIVE ? timestamps[0] : BigInt(params.firstTimestamp);
  const max =
    params.maxTimestamp === KD_TIMESTAMP_DERIVE
      ? timestamps.reduce((a, b) => (b > a ? b : a))
      : BigInt(params.maxTimestamp);
  field('magic', h.magic, 2);
  const crc = crc32C(batch.subarray(21, h.sizeBytes)) >>> 0;
  if (crc !== h.crc)
    bad.push(`batch crc: header says 0x${h.crc.toString(16)}, CRC-32C of bytes 21.. is 0x${crc.toString(16)}`);
  field('baseOffset', h.baseOffset, BigInt(params.baseOffset));
  field('partitionLeaderEpoch', h.partitionLeaderEpoch, params.partitionLeaderEpoch);
  field('attributes', h.attributes, params.attributes);
  field('lastOffsetDelta', h.lastOffsetDelta, n - 1);
  field('firstTimestamp', h.firstTimestamp, first);
  field('maxTimestamp', h.maxTimestamp, max);
  field('producerId', h.producerId, BigInt(params.producerId));
  field('producerEpoch', h.producerEpoch, params.producerEpoch);
  field('baseSequence', h.baseSequence, params.baseSequence);
  field('recordCount', h.recordCount, n);
  if (bad.length) return bad;

  let decoded;
  let wire;
  try {
    decoded = (await RecordBatchDecoder(new Decoder(batch))).records;
    wire = await wireRecords(batch);
  } catch (e) {
    return [...bad, `kafkajs could not decode the batch: ${e.message}`];
  }
  if (decoded.length !== n) return [...bad, `kafkajs decoded ${decoded.length} records, want ${n}`];
  for (let i = 0; i < n && bad.length < 20; i++) {
    const want = records[i];
    const got = decoded[i];
    const w = wire[i];
    const at = `record ${i}`;
    const offset = BigInt(params.baseOffset) + BigInt(i);
    if (got.offset !== offset.toString()) bad.push(`${at} offset: got ${got.offset}, want ${offset}`);
    if (w.offsetDelta !== i) bad.push(`${at} offsetDelta: got ${w.offsetDelta}, want ${i}`);
    if (got.timestamp !== timestamps[i].toString())
      bad.push(`${at} timestamp: got ${got.timestamp}, want ${timestamps[i]}`);
    if (w.timestampDelta !== timestamps[i] - first)
      bad.push(`${at} timestampDelta: got ${w.timestampDelta}, want ${timestamps[i] - first}`);
    if (w.attributes !== 0) bad.push(`${at} attributes: got ${w.attributes}, want 0`);
    if (!sameBytes(got.key, want.key)) bad.push(`${at} key: got ${show(got.key)}, want ${show(want.key)}`);
    if (!sameBytes(got.value, want.value)) bad.push(`${at} value: got ${show(got.value)}, want ${show(want.value)}`);
    if (!sameHeaderObject(got.headers, kafkajsHeaderObject(want.headers))) {
      bad.push(`${at} headers as kafkajs decodes them differ`);
    }
    if (w.headers.length !== want.headers.length) {
      bad.push(`${at}: ${w.headers.length} headers, want ${want.headers.length}`);
    } else {
      w.headers.forEach((hd, j) => {
        if (!sameBytes(hd.key, want.headers[j].key))
          bad.push(`${at} header ${j} key: got ${show(hd.key)}, want ${show(want.headers[j].key)}`);
        if (!sameBytes(hd.value, want.headers[j].value))
          bad.push(`${at} header ${j} value: got ${show(hd.value)}, want ${show(want.headers[j].value)}`);
      });
    }
  }
  return bad;
}
