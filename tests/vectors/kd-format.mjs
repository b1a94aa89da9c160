/*
 * kd-format.mjs — the byte formats of src-c/kafdo.h, in JavaScript, for the vector scripts.
 *
 * make-vectors.mjs writes these formats and check-core-batches.mjs reads them; both
 * take every layout from here, so there is one JavaScript statement of each format
 * beside kafdo.h's. All integers are little-endian, no padding (kafdo.h, "BYTE FORMATS").
 *
 * In JavaScript a record is
 *   { offset: bigint, timestamp: bigint, key: Buffer|null, value: Buffer|null,
 *     headers: [{ key: Buffer, value: Buffer|null }, ...] }   (headers in wire order)
 * and a batch's header fields are
 *   { baseOffset, firstTimestamp, maxTimestamp, producerId: bigint,
 *     partitionLeaderEpoch, baseSequence, producerEpoch, attributes: number }
 * plus, in a summary, lastOffsetDelta, recordCount and sizeBytes.
 */

/*
 * Batch parameters, in kafdo.h's order: i64 base_offset, i64 first_timestamp,
 * i64 max_timestamp, i64 producer_id, i32 partition_leader_epoch, i32 base_sequence,
 * i16 producer_epoch, i16 attributes: KD_BATCH_PARAMS_SIZE (44) bytes, no padding,
 * the record list right after.
 */
export const KD_BATCH_PARAMS_SIZE = 44;
export const KD_BATCH_SUMMARY_SIZE = 56;
export const KD_TIMESTAMP_DERIVE = -(2n ** 63n);

export function encodeParams(p) {
  const b = Buffer.alloc(KD_BATCH_PARAMS_SIZE);
  b.writeBigInt64LE(BigInt(p.baseOffset), 0);
  b.writeBigInt64LE(BigInt(p.firstTimestamp), 8);
  b.writeBigInt64LE(BigInt(p.maxTimestamp), 16);
  b.writeBigInt64LE(BigInt(p.producerId), 24);
  b.writeInt32LE(p.partitionLeaderEpoch, 32);
  b.writeInt32LE(p.baseSequence, 36);
  b.writeInt16LE(p.producerEpoch, 40);
  b.writeInt16LE(p.attributes, 42);
  return b;
}

export function decodeParams(b) {
  if (b.length < KD_BATCH_PARAMS_SIZE) {
    throw new Error(`batch params: ${b.length} bytes, expected ${KD_BATCH_PARAMS_SIZE}`);
  }
  return {
    baseOffset: b.readBigInt64LE(0),
    firstTimestamp: b.readBigInt64LE(8),
    maxTimestamp: b.readBigInt64LE(16),
    producerId: b.readBigInt64LE(24),
    partitionLeaderEpoch: b.readInt32LE(32),
    baseSequence: b.readInt32LE(36),
    producerEpoch: b.readInt16LE(40),
    attributes: b.readInt16LE(42),
  };
}

/* Batch summary (kd_batch_inspect's output): u32 count, then 56 bytes per batch. */
export function encodeSummary(batches) {
  const b = Buffer.alloc(4 + batches.length * KD_BATCH_SUMMARY_SIZE);
  b.writeUInt32LE(batches.length, 0);
  batches.forEach((s, i) => {
    const o = 4 + i * KD_BATCH_SUMMARY_SIZE;
    b.writeBigInt64LE(BigInt(s.baseOffset), o);
    b.writeBigInt64LE(BigInt(s.firstTimestamp), o + 8);
    b.writeBigInt64LE(BigInt(s.maxTimestamp), o + 16);
    b.writeBigInt64LE(BigInt(s.producerId), o + 24);
    b.writeInt32LE(s.partitionLeaderEpoch, o + 32);
    b.writeInt32LE(s.baseSequence, o + 36);
    b.writeInt32LE(s.lastOffsetDelta, o + 40);
    b.writeInt32LE(s.recordCount, o + 44);
    b.writeInt32LE(s.sizeBytes, o + 48);
    b.writeInt16LE(s.producerEpoch, o + 52);
    b.writeInt16LE(s.attributes, o + 54);
  });
  return b;
}

/* The "kd records" list: u32 count, then per record the fields kafdo.h lists. */
export function encodeRecords(records) {
  let size = 4;
  for (const r of records) {
    size += 8 + 8 + 4 + (r.key ? r.key.length : 0) + 4 + (r.value ? r.value.length : 0) + 4;
    for (const h of r.headers) size += 4 + h.key.length + 4 + (h.value ? h.value.length : 0);
  }
  const b = Buffer.alloc(size);
  let o = b.writeUInt32LE(records.length, 0);
  const bytes = (v, nullable) => {
    if (v === null) {
      if (!nullable) throw new Error('a header key is never null');
      o = b.writeInt32LE(-1, o);
      return;
    }
    o = b.writeInt32LE(v.length, o);
    o += v.copy(b, o);
  };
  for (const r of records) {
    o = b.writeBigInt64LE(BigInt(r.offset), o);
    o = b.writeBigInt64LE(BigInt(r.timestamp), o);
    bytes(r.key, true);
    bytes(r.value, true);
    o = b.writeUInt32LE(r.headers.length, o);
    for (const h of r.headers) {
      bytes(h.key, false);
      bytes(h.value, true);
    }
  }
  if (o !== size) throw new Error(`kd records: wrote ${o} of ${size} bytes`);
  return b;
}

/* Parses a kd record list that must fill `b` exactly; throws on any malformation. */
export function decodeRecords(b) {
  let o = 0;
  const need = (n, what) => {
    if (o + n > b.length) {
      throw new Error(`kd records: ${what} at byte ${o} needs ${n} bytes, ${b.length - o} left`);
    }
  };
  const bytes = (nullable, what) => {
    need(4, `${what} length`);
    const len = b.readInt32LE(o);
    o += 4;
    if (len === -1 && nullable) return null;
    if (len < 0) throw new Error(`kd records: ${what} length ${len} at byte ${o - 4}`);
    need(len, what);
    const v = Buffer.from(b.subarray(o, o + len));
    o += len;
    return v;
  };
  need(4, 'count');
  const count = b.readUInt32LE(0);
  o = 4;
  const records = [];
  for (let i = 0; i < count; i++) {
    need(16, `record ${i} offset/timestamp`);
    const offset = b.readBigInt64LE(o);
    const timestamp = b.readBigInt64LE(o + 8);
    o += 16;
    const key = bytes(true, `record ${i} key`);
    const value = bytes(true, `record ${i} value`);
    need(4, `record ${i} header count`);
    const hc = b.readUInt32LE(o);
    o += 4;
    const headers = [];
    for (let j = 0; j < hc; j++) {
      headers.push({
        key: bytes(false, `record ${i} header ${j} key`),
        value: bytes(true, `record ${i} header ${j} value`),
      });
    }
    records.push({ offset, timestamp, key, value, headers });
  }
  if (o !== b.length) throw new Error(`kd records: ${b.length - o} bytes after the last record`);
  return records;
}
