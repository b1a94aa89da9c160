/*
 * rest-read.ts — a partition's isolated read (txn-log.ts's logReadIsolated) with the
 * records written by the core as the REST API's JSON messages (rest_json.c), for the
 * REST read path: the Worker sends that text on as it is.
 */
import type { IsolationLevel } from "../worker/common/records";
import type { Encoding, RestReadResult } from "../worker/common/rest-read";
import { int32, int64, uint32, type Reader } from "./bytes";
import { invoke } from "./core";
import { readOffsets } from "./formats";
import { KD_REST_ENCODING_BASE64, KD_REST_ENCODING_JSON } from "./generated/abi";

function encodingCode(encoding: Encoding): number {
  return encoding === "base64" ? KD_REST_ENCODING_BASE64 : KD_REST_ENCODING_JSON;
}

function readRest(r: Reader): RestReadResult {
  const offsets = readOffsets(r);
  const lastStableOffset = r.i64();
  const skippedTo = r.i64();
  const count = r.u32();
  const lastOffset = r.i64();
  const recordBytes = r.i64();
  const nextOffset = count > 0 ? lastOffset + 1 : skippedTo;
  return { ...offsets, lastStableOffset, nextOffset, count, recordBytes, messages: r.restView() };
}

/* logReadIsolated, as REST messages (kd_log_read_rest_isolated). */
export function logReadRestIsolated(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  isolation: IsolationLevel,
  encoding: Encoding,
): RestReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  const code = encodingCode(encoding);
  return invoke({ run: (k) => k.kd_log_read_rest_isolated(db, at, maxRec, max, isolation, code), read: readRest });
}

/* logReadRestIsolated at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logReadRestColdIsolated(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  isolation: IsolationLevel,
  encoding: Encoding,
  bytes: Uint8Array,
  position: number,
): RestReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  const code = encodingCode(encoding);
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_log_read_rest_cold_isolated(db, at, maxRec, max, isolation, code, ptr, len, pos),
    read: readRest,
  });
}

/* Records of RecordBatch bytes (CRC checked) as REST messages (kd_batch_decode_rest):
 * the count and the messages' JSON text. */
export function decodeBatchesRest(
  bytes: Uint8Array,
  encoding: Encoding,
  minOffset = 0,
  maxRecords = 0xffffffff,
): { count: number; messages: Uint8Array } {
  const min = int64(minOffset, "min offset");
  const max = uint32(maxRecords, "max records");
  const code = encodingCode(encoding);
  return invoke({
    input: bytes,
    run: (k, ptr, len) => k.kd_batch_decode_rest(ptr, len, min, max, code),
    read: (r) => ({ count: r.u32(), messages: r.restView() }),
  });
}
