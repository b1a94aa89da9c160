#!/usr/bin/env node
/*
 * check-core-batches.mjs DIR — checks batches written by the C core with a real client's
 * decoder (kafkajs 2.2.4): the other direction of make-vectors.mjs.
 *
 * Usage:  node tests/vectors/check-core-batches.mjs DIR
 *
 * INPUT FILES, written by the C test into DIR, one pair per case (NAME: any file name
 * characters except "/"; other files in DIR are ignored):
 *
 *   NAME.core.batch  exactly one RecordBatch v2, the output of kd_batch_encode.
 *   NAME.core.input  the argument that kd_batch_encode was given: KD_BATCH_PARAMS_SIZE
 *                    (44) bytes of batch params, then a kd record list that fills the
 *                    rest of the file exactly. Little-endian, no padding, as in
 *                    src-c/kafdo.h:
 *                      off  0 i64 base_offset, off  8 i64 first_timestamp,
 *                      off 16 i64 max_timestamp, off 24 i64 producer_id,
 *                      off 32 i32 partition_leader_epoch, off 36 i32 base_sequence,
 *                      off 40 i16 producer_epoch, off 42 i16 attributes;
 *                    then, at off 44, u32 count and per record: i64 offset (not read: a batch's
 *                    offsets are base_offset + index), i64 timestamp, i32 key_len (-1 =
 *                    null) + bytes, i32 value_len (-1 = null) + bytes, u32 header_count,
 *                    per header u32 key_len + bytes, i32 value_len (-1 = null) + bytes.
 *
 * WHAT IS CHECKED for each pair, with kafkajs's RecordBatch decoder, its Decoder
 * primitives (headers in wire order, which its decoder folds into an object) and its
 * crc32C:
 *   - the file is one batch whose length field covers the file exactly; magic 2; the
 *     CRC-32C of bytes 21..end equals the header's CRC;
 *   - base offset, partition leader epoch, attributes, producer id and epoch, base
 *     sequence equal the params; lastOffsetDelta = count - 1; record count = count;
 *     first/max timestamp equal the params, or when a param is KD_TIMESTAMP_DERIVE
 *     (INT64_MIN), the first record's timestamp / the largest timestamp;
 *   - per record: offset = base_offset + index, offsetDelta = index, timestamp and
 *     timestampDelta (timestamp - first timestamp), record attributes 0, key, value,
 *     and headers: as kafkajs's decoder shows them and, byte for byte, in wire order.
 *
 * OUTPUT: "FAIL NAME: reason" lines for each mismatch (at most 20 per case), then one
 * summary line "N passed, M failed". Exit status 0 only when M is 0 and N > 0; 1 when a
 * case failed or DIR holds no NAME.core.batch; 2 on a usage error.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { KD_BATCH_PARAMS_SIZE, decodeParams, decodeRecords } from './kd-format.mjs';
import { compareBatch } from './kafkajs.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tests/vectors/check-core-batches.mjs DIR');
  process.exit(2);
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.core.batch'))
  .map((f) => f.slice(0, -'.core.batch'.length))
  .sort();

let passed = 0;
let failed = 0;
for (const name of names) {
  let problems;
  const inputPath = join(dir, `${name}.core.input`);
  if (!existsSync(inputPath)) {
    problems = [`${name}.core.input is missing`];
  } else {
    try {
      const input = readFileSync(inputPath);
      const params = decodeParams(input);
      const records = decodeRecords(input.subarray(KD_BATCH_PARAMS_SIZE));
      problems = await compareBatch(readFileSync(join(dir, `${name}.core.batch`)), params, records);
    } catch (e) {
      problems = [`${name}.core.input: ${e.message}`];
    }
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    for (const p of problems) console.log(`FAIL ${name}: ${p}`);
  }
}

if (names.length === 0) console.log(`FAIL: no *.core.batch files in ${dir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
