/*
 * stored-batches.mjs — how a partition's records were stored, as a Kafka consumer sees
 * them on the wire: each batch's base offset, record count, magic and compression codec.
 *
 * A client library hides this (it decompresses and hands out records), so a test that
 * only compares records cannot tell a compressed batch from one its producer quietly
 * sent uncompressed. Here a Fetch v4 goes through the gateway (the same door as the
 * clients) on a raw connection (RawKafka), and the answer's record bytes are read up to
 * each batch's attributes: Kafdo returns stored batches byte for byte, so these are the
 * batches as stored.
 */
import assert from 'node:assert/strict';
import { RawKafka, requestFrame } from './kafkajs-helpers.mjs';

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const FETCH = 1;
const FETCH_VERSION = 4;
const MAX_BYTES = 1 << 20;

/* Fetch v4 for one partition from `offset`, without waiting. */
export function fetchFrame(correlationId, topic, partition, offset) {
  const name = Buffer.from(topic, 'utf8');
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + name.length + 4 + 4 + 8 + 4);
  let at = 0;
  at = body.writeInt32BE(-1, at); /* replica id: a consumer */
  at = body.writeInt32BE(0, at); /* max wait ms */
  at = body.writeInt32BE(0, at); /* min bytes */
  at = body.writeInt32BE(MAX_BYTES, at);
  at = body.writeInt8(0, at); /* isolation level: read uncommitted */
  at = body.writeInt32BE(1, at); /* one topic */
  at = body.writeInt16BE(name.length, at);
  at += name.copy(body, at);
  at = body.writeInt32BE(1, at); /* one partition */
  at = body.writeInt32BE(partition, at);
  at = body.writeBigInt64BE(BigInt(offset), at);
  body.writeInt32BE(MAX_BYTES, at);
  return requestFrame(FETCH, FETCH_VERSION, correlationId, 'kafdo-stored-batches', body);
}

/* The one partition's { errorCode, highWatermark, records } of a Fetch v4 response frame. */
export function parseFetch(frame) {
  let at = 8; /* size, correlation id */
  at += 4; /* throttle time */
  const topics = frame.readInt32BE(at);
  at += 4;
  if (topics !== 1) throw new Error(`Fetch v4 answered ${topics} topics, asked for 1`);
  at += 2 + frame.readInt16BE(at); /* topic name */
  const partitions = frame.readInt32BE(at);
  at += 4;
  if (partitions !== 1) throw new Error(`Fetch v4 answered ${partitions} partitions, asked for 1`);
  at += 4; /* partition index */
  const errorCode = frame.readInt16BE(at);
  at += 2;
  const highWatermark = Number(frame.readBigInt64BE(at));
  at += 8 + 8; /* high watermark, last stable offset */
  const aborted = frame.readInt32BE(at);
  at += 4 + Math.max(aborted, 0) * 16;
  const size = frame.readInt32BE(at);
  at += 4;
  const records = size > 0 ? frame.subarray(at, at + size) : Buffer.alloc(0);
  return { errorCode, highWatermark, records };
}

/* The batch headers in record bytes; a partial batch at the end (max bytes) is left. */
function batchHeaders(records) {
  const out = [];
  let at = 0;
  while (records.length - at >= 12) {
    const length = records.readInt32BE(at + 8);
    if (records.length - at < 12 + length) break;
    const magic = records.readInt8(at + 16);
    /* RecordBatch v2: attributes at 21, last offset delta at 23; a message of magic 0
     * or 1: attributes at 17, one message (or one compressed wrapper) each. */
    const attributes = magic === 2 ? records.readInt16BE(at + 21) : records.readInt8(at + 17);
    out.push({
      baseOffset: Number(records.readBigInt64BE(at)),
      records: magic === 2 ? records.readInt32BE(at + 23) + 1 : 1,
      magic,
      codec: CODECS[attributes & 7] ?? `codec ${attributes & 7}`,
      bytes: 12 + length /* the batch's stored size */,
    });
    at += 12 + length;
  }
  return out;
}

/*
 * Every batch of topic/partition from offset 0 to the high watermark:
 * [{ baseOffset, records, magic, codec, bytes }] in offset order.
 */
export async function storedBatches(broker, topic, partition) {
  const raw = await RawKafka.open(broker);
  try {
    const batches = [];
    let offset = 0;
    for (;;) {
      const correlationId = raw.correlationId++;
      await raw.writeRaw(fetchFrame(correlationId, topic, partition, offset));
      const frame = await raw.nextFrame();
      if (!frame) throw new Error(`Fetch ${topic}/${partition}@${offset}: the connection closed instead of answering`);
      const { errorCode, highWatermark, records } = parseFetch(frame);
      if (errorCode !== 0) throw new Error(`Fetch ${topic}/${partition}@${offset}: error code ${errorCode}`);
      const got = batchHeaders(records);
      if (got.length === 0) {
        if (offset >= highWatermark) return batches;
        throw new Error(
          `Fetch ${topic}/${partition}@${offset}: no whole batch below the high watermark ${highWatermark}`,
        );
      }
      batches.push(...got);
      const last = got[got.length - 1];
      offset = last.baseOffset + last.records;
    }
  } finally {
    await raw.close();
  }
}

/*
 * Asserts that `batches` (storedBatches) are RecordBatch v2 covering offsets 0 to
 * codecAt.length - 1 once each, every batch with the codec codecAt names for its offsets.
 */
export function assertStoredCodecs(batches, codecAt) {
  const all = JSON.stringify(batches);
  let next = 0;
  for (const b of batches) {
    assert.equal(b.baseOffset, next, `batches leave a gap or overlap: ${all}`);
    assert.equal(b.magic, 2, `the batch at offset ${b.baseOffset} has magic ${b.magic}: ${all}`);
    assert.equal(b.codec, codecAt[b.baseOffset], `the batch at offset ${b.baseOffset} is stored as ${b.codec}: ${all}`);
    assert.equal(
      codecAt[b.baseOffset + b.records - 1],
      b.codec,
      `the batch at offset ${b.baseOffset} spans two produces: ${all}`,
    );
    next += b.records;
  }
  assert.equal(next, codecAt.length, `the batches hold ${next} records, ${codecAt.length} were produced: ${all}`);
}
