/*
 * kafdo.ts — the TypeScript binding of the C core: the one place that knows the ABI
 * (src-c/kafdo.h). Everything above it calls typed functions and gets typed values or
 * a KafdoError; nothing above it sees a pointer.
 *
 * The instance. kafdo.wasm arrives as a WebAssembly.Module (Workers compile imported
 * .wasm modules ahead of time); it is instantiated once per isolate, on first use, and
 * shared by every Durable Object in the isolate, each naming its storage by a db id
 * (registerStorage). If the instance ever traps, it is dropped and the next call makes
 * a fresh one: the core keeps no state outside storage, so nothing is lost.
 *
 * Every call follows kafdo.h's ownership rule: inputs are copied into memory from
 * kd_alloc and freed after the call; the output is copied out of kd_out_ptr/kd_out_len
 * (and the error message out of kd_error_message) before any other kd_ call, since
 * the next call reuses them. Memory may grow during any call, so views over
 * memory.buffer are made afresh after each one.
 *
 * Byte formats are kafdo.h's, little-endian. int64s cross the wasm boundary as BigInt
 * and appear above this file as numbers (see worker/types.ts for why that is safe).
 *
 * Writes run in a transaction: logOpen and logAppend call the core inside the DO's
 * transactionSync and throw out of it on failure, so a storage error mid-append
 * leaves the log as it was.
 */
import kafdoModule from "./kafdo.wasm";
import { KafdoError, KD_ERR_INVALID_ARG, KD_ERR_NOMEM, KD_ERR_STORAGE, KafkaCode } from "../worker/errors";
import type {
  AppendResult,
  BatchParams,
  BatchSummary,
  ConsumerRecord,
  FetchResult,
  LogOffsets,
  ProducerRecord,
  ReadResult,
  AssignmentStrategy,
  CommittedOffset,
  GroupMember,
  GroupState,
  OffsetCommit,
  RecordHeader,
  TopicInfo,
  TopicPartition,
} from "../worker/types";
import {
  clearHostError,
  dropStatements,
  hostError,
  registerStorage,
  storageImports,
  storageOf,
  type KafdoStorage,
} from "./storage-host";

export { registerStorage, type KafdoStorage };

/* KD_TIMESTAMP_DERIVE: ask the encoder to derive a batch timestamp from its records. */
const TIMESTAMP_DERIVE = -(2n ** 63n);

/* KD_BATCH_PARAMS_SIZE (four i64, two i32, two i16, packed), KD_BATCH_SUMMARY_SIZE,
 * and kd_log_append's per-set result. */
const BATCH_PARAMS_BYTES = 44;
const BATCH_SUMMARY_BYTES = 56;
const APPEND_RESULT_BYTES = 40;

interface CoreExports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  kd_alloc(size: number): number;
  kd_free(ptr: number): void;
  kd_out_ptr(): number;
  kd_out_len(): number;
  kd_error_message(): number;
  kd_crc32c(ptr: number, len: number): number;
  kd_murmur2(ptr: number, len: number): number;
  kd_partition(keyPtr: number, keyLen: number, partitions: number, sticky: number): number;
  kd_batch_encode(ptr: number, len: number): number;
  kd_batch_encode_within(ptr: number, len: number, maxBatchBytes: number): number;
  kd_batch_inspect(ptr: number, len: number): number;
  kd_batch_decode(ptr: number, len: number, minOffset: bigint, maxRecords: number): number;
  kd_log_open(db: number): number;
  kd_log_append(db: number, ptr: number, len: number, nowMs: bigint, maxBatchBytes: number): number;
  kd_log_offsets(db: number): number;
  kd_log_describe(db: number): number;
  kd_log_offset_for_time(db: number, timestamp: bigint): number;
  kd_log_offsets_before(db: number, timestamp: bigint, maxNum: number, nowMs: bigint): number;
  kd_log_fetch(db: number, offset: bigint, maxBytes: number, minOneBatch: number): number;
  kd_log_read(db: number, offset: bigint, maxRecords: number, maxBytes: number): number;
  kd_log_retire(db: number): number;
  kd_log_configure(db: number, ptr: number, len: number): number;
  kd_log_delete_records(db: number, offset: bigint): number;
  kd_log_retention(db: number, nowMs: bigint, maxRows: number): number;
  kd_log_compact(db: number, nowMs: bigint, maxRows: number): number;
  kd_log_key_lookup(db: number, ptr: number, len: number): number;
  /* the cold tier */
  kd_tier_plan(db: number, nowMs: bigint, maxBytes: number, prefixPtr: number, prefixLen: number): number;
  kd_tier_commit(db: number, base: bigint, last: bigint, length: bigint, keyPtr: number, keyLen: number): number;
  kd_tier_garbage(db: number, maxKeys: number): number;
  kd_tier_forget(db: number, ptr: number, len: number): number;
  kd_tier_locate(db: number, offset: bigint, maxBytes: number, minOneBatch: number): number;
  kd_log_fetch_cold(
    db: number,
    offset: bigint,
    maxBytes: number,
    minOneBatch: number,
    ptr: number,
    len: number,
    position: bigint,
  ): number;
  kd_log_read_cold(
    db: number,
    offset: bigint,
    maxRecords: number,
    maxBytes: number,
    ptr: number,
    len: number,
    position: bigint,
  ): number;
  kd_topics_open(db: number): number;
  kd_topic_name_check(ptr: number, len: number): number;
  kd_topic_create(db: number, ptr: number, len: number, idPtr: number, nowMs: bigint, maxPartitions: number): number;
  kd_topic_describe(db: number, ptr: number, len: number): number;
  kd_topic_list(db: number): number;
  kd_topic_delete_begin(db: number, ptr: number, len: number): number;
  kd_topic_delete(db: number, ptr: number, len: number): number;
  kd_topic_create_partitions(db: number, ptr: number, len: number, count: number, maxPartitions: number): number;
  kd_topic_assignment_check(ptr: number, len: number, nodeId: number): number;
  kd_topic_alter_configs(db: number, ptr: number, len: number): number;
  kd_group_open(db: number): number;
  kd_group_join(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_poll(db: number, nowMs: bigint): number;
  kd_group_heartbeat(db: number, ptr: number, len: number, generation: number, nowMs: bigint): number;
  kd_group_leave(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_topic_changed(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_commit(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_offsets(db: number, ptr: number, len: number): number;
  kd_group_describe(db: number): number;
  kd_group_delete(db: number): number;
  kd_group_delete_offsets(db: number, ptr: number, len: number): number;
  kd_group_id_check(ptr: number, len: number): number;
  kd_groups_register(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_groups_unregister(db: number, ptr: number, len: number): number;
  kd_groups_list(db: number): number;
  /* idempotent producers */
  kd_producer_id_next(db: number): number;
  /* classic groups */
  kd_group_sync(db: number, ptr: number, len: number, nowMs: bigint): number;
  /* Kafka wire protocol codec */
  kd_kafka_decode(ptr: number, len: number): number;
  kd_kafka_encode(ptr: number, len: number): number;
  kd_kafka_error_response(apiKey: number, apiVersion: number, correlationId: number, errorCode: number): number;
  kd_kafka_supported(): number;
  /* SASL: SCRAM and PLAIN */
  kd_scram_credential(mechanism: number, ptr: number, len: number, iterations: number, saltedGiven: number): number;
  kd_scram_client_first(ptr: number, len: number): number;
  kd_scram_server_first(ptr: number, len: number, iterations: number): number;
  kd_scram_client_final(mechanism: number, ptr: number, len: number): number;
  kd_sasl_plain_user(ptr: number, len: number): number;
  kd_sasl_plain_verify(mechanism: number, ptr: number, len: number, iterations: number): number;
  /* ACLs */
  kd_acl_check(ptr: number, len: number): number;
  kd_acl_filter(ptr: number, len: number): number;
  kd_acl_authorize(ptr: number, len: number): number;
}

let core: CoreExports | undefined;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/* Imports the core may have beyond the storage door: libc's few system calls, which
 * a standalone build routes to WASI. The core writes no files and never exits, so
 * they only have to exist. */
function systemImports(module: WebAssembly.Module): Record<string, Record<string, WebAssembly.ImportValue>> {
  const stubs: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function" || imp.name.startsWith("kd_host_")) continue;
    const name = `${imp.module}.${imp.name}`;
    (stubs[imp.module] ??= {})[imp.name] =
      imp.name === "emscripten_notify_memory_growth"
        ? () => {}
        : () => {
            throw new Error(`kafdo.wasm called ${name}, which the Worker does not provide`);
          };
  }
  return stubs;
}

function instance(): CoreExports {
  if (core) return core;
  let exports: CoreExports | undefined;
  const memory = (): WebAssembly.Memory => {
    if (!exports) throw new Error("kafdo.wasm used storage before it was instantiated");
    return exports.memory;
  };
  const imports = systemImports(kafdoModule);
  imports.env = { ...imports.env, ...storageImports(memory) };
  exports = new WebAssembly.Instance(kafdoModule, imports).exports as unknown as CoreExports;
  exports._initialize?.();
  core = exports;
  return core;
}

/* ---- calling the core ---------------------------------------------------- */

/* After anything but a KafdoError (a trap, or an exception thrown through the
 * core), the core may have stopped mid-way with its heap half-updated: start over. */
function discardInstance(): void {
  core = undefined;
  dropStatements();
}

function readCString(k: CoreExports, ptr: number): string {
  const mem = new Uint8Array(k.memory.buffer);
  let end = ptr;
  while (end < mem.length && mem[end] !== 0) end++;
  return utf8Decoder.decode(mem.subarray(ptr, end));
}

function errorOf(k: CoreExports, code: number): KafdoError {
  let message = readCString(k, k.kd_error_message());
  const host = code === KD_ERR_STORAGE ? hostError() : undefined;
  if (host) message = message ? `${message}: ${host}` : host;
  return new KafdoError(code, message);
}

/*
 * Runs one core call: stages `inputLen` bytes written by `write` (none when
 * inputLen is undefined), calls `run`, and on a zero return hands a copy of the
 * output to `read`; any other return becomes a KafdoError.
 */
function call<T>(
  inputLen: number | undefined,
  write: ((mem: DataView, bytes: Uint8Array, ptr: number) => void) | undefined,
  run: (k: CoreExports, ptr: number, len: number) => number,
  read: (out: Uint8Array) => T,
): T {
  const k = instance();
  let ptr = 0;
  try {
    if (inputLen !== undefined) {
      ptr = k.kd_alloc(inputLen);
      if (ptr === 0) throw new KafdoError(KD_ERR_NOMEM, `cannot stage ${inputLen} bytes of input`);
      write?.(new DataView(k.memory.buffer), new Uint8Array(k.memory.buffer), ptr);
    }
    clearHostError();
    const rc = run(k, ptr, inputLen ?? 0);
    if (rc !== 0) throw errorOf(k, rc);
    const out = new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()).slice();
    return read(out);
  } catch (e) {
    if (!(e instanceof KafdoError)) {
      discardInstance();
      ptr = 0;
    }
    throw e;
  } finally {
    if (ptr !== 0) k.kd_free(ptr);
  }
}

/* Stages raw bytes (none for null: the call gets pointer 0 and length -1) and runs a
 * call that returns a plain value, not a status; `run` reads any error message
 * itself, before the input is freed. */
function withBytes<T>(bytes: Uint8Array | null, run: (k: CoreExports, ptr: number, len: number) => T): T {
  const k = instance();
  let ptr = 0;
  try {
    if (bytes) {
      ptr = k.kd_alloc(bytes.length);
      if (ptr === 0) throw new KafdoError(KD_ERR_NOMEM, `cannot stage ${bytes.length} bytes of input`);
      new Uint8Array(k.memory.buffer).set(bytes, ptr);
    }
    return run(k, ptr, bytes ? bytes.length : -1);
  } catch (e) {
    if (!(e instanceof KafdoError)) {
      discardInstance();
      ptr = 0;
    }
    throw e;
  } finally {
    if (ptr !== 0) k.kd_free(ptr);
  }
}

/* ---- little-endian reading and writing ----------------------------------- */

class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) {
      throw new KafdoError(KD_ERR_INVALID_ARG, "the core's output is shorter than its format says");
    }
    this.pos += n;
    return at;
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i64(): number {
    return Number(this.view.getBigInt64(this.need(8), true));
  }
  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.buf.slice(at, at + n);
  }
  nullableBytes(): Uint8Array | null {
    const n = this.i32();
    return n < 0 ? null : this.bytes(n);
  }
  rest(): Uint8Array {
    return this.bytes(this.buf.length - this.pos);
  }
}

class Writer {
  constructor(
    private readonly view: DataView,
    private readonly mem: Uint8Array,
    public pos: number,
  ) {}

  i16(v: number): void {
    this.view.setInt16(this.pos, v, true);
    this.pos += 2;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  i32(v: number): void {
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: bigint): void {
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.mem.set(b, this.pos);
    this.pos += b.length;
  }
  nullableBytes(b: Uint8Array | null): void {
    this.i32(b ? b.length : -1);
    if (b) this.bytes(b);
  }
}

/* A number as an int64 for the core; a value that is not a safe integer is the
 * caller's mistake, refused rather than rounded. */
function int64(v: number, what: string): bigint {
  if (!Number.isSafeInteger(v)) throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an integer`);
  return BigInt(v);
}

function int32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an int32`);
  }
  return v;
}

function int16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < -(2 ** 15) || v >= 2 ** 15) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not an int16`);
  }
  return v;
}

function uint32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) {
    throw new KafdoError(KD_ERR_INVALID_ARG, `${what} ${v} is not a uint32`);
  }
  return v;
}

function readRecordList(r: Reader): ConsumerRecord[] {
  const count = r.u32();
  const records: ConsumerRecord[] = [];
  for (let i = 0; i < count; i++) {
    const offset = r.i64();
    const timestamp = r.i64();
    const key = r.nullableBytes();
    const value = r.nullableBytes();
    const headerCount = r.u32();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hkey = utf8Decoder.decode(r.bytes(r.u32()));
      headers.push({ key: hkey, value: r.nullableBytes() });
    }
    records.push({ offset, timestamp, key, value, headers });
  }
  return records;
}

function readOffsets(r: Reader): LogOffsets {
  return { logStartOffset: r.i64(), highWatermark: r.i64() };
}

/* ---- checksums, hashing, partitioning ----------------------------------- */

export function crc32c(bytes: Uint8Array): number {
  return withBytes(bytes, (k, ptr, len) => k.kd_crc32c(ptr, len)) >>> 0;
}

export function murmur2(bytes: Uint8Array): number {
  return withBytes(bytes, (k, ptr, len) => k.kd_murmur2(ptr, len));
}

/* The partition for a record key (null for a keyless record, which goes to
 * sticky % partitions; see kd_partition). */
export function partition(key: Uint8Array | null, partitions: number, sticky: number): number {
  const n = int32(partitions, "partition count");
  const s = uint32(sticky, "sticky counter");
  return withBytes(key, (k, ptr, len) => {
    const rc = k.kd_partition(ptr, len, n, s);
    if (rc < 0) throw errorOf(k, rc);
    return rc;
  });
}

/* ---- RecordBatch v2 ------------------------------------------------------ */

/* Bytes for a call's input: how many, and how to write them at ptr. */
interface Staged {
  size: number;
  write(view: DataView, mem: Uint8Array, ptr: number): void;
}

/* The input both encoders take: batch params, then the kd record list. Numbers
 * that are not what their field holds are refused here, before the core is called. */
function batchInput(params: BatchParams, records: ProducerRecord[]): Staged {
  const headerKeys = records.map((rec) => (rec.headers ?? []).map((h) => utf8Encoder.encode(h.key)));
  let size = BATCH_PARAMS_BYTES + 4;
  records.forEach((rec, i) => {
    size += 8 + 8 + 4 + (rec.key?.length ?? 0) + 4 + (rec.value?.length ?? 0) + 4;
    (rec.headers ?? []).forEach((h, j) => {
      size += 4 + headerKeys[i]![j]!.length + 4 + (h.value?.length ?? 0);
    });
  });
  const derive = (t: number | undefined, what: string) => (t === undefined ? TIMESTAMP_DERIVE : int64(t, what));
  const head = {
    baseOffset: int64(params.baseOffset ?? 0, "base offset"),
    firstTimestamp: derive(params.firstTimestamp, "first timestamp"),
    maxTimestamp: derive(params.maxTimestamp, "max timestamp"),
    producerId: int64(params.producerId ?? -1, "producer id"),
    partitionLeaderEpoch: int32(params.partitionLeaderEpoch ?? -1, "partition leader epoch"),
    baseSequence: int32(params.baseSequence ?? -1, "base sequence"),
    producerEpoch: int16(params.producerEpoch ?? -1, "producer epoch"),
    attributes: int16(params.attributes ?? 0, "attributes"),
  };
  const timestamps = records.map((rec) => int64(rec.timestamp, "record timestamp"));

  const write = (view: DataView, mem: Uint8Array, ptr: number): void => {
    const w = new Writer(view, mem, ptr);
    w.i64(head.baseOffset);
    w.i64(head.firstTimestamp);
    w.i64(head.maxTimestamp);
    w.i64(head.producerId);
    w.i32(head.partitionLeaderEpoch);
    w.i32(head.baseSequence);
    w.i16(head.producerEpoch);
    w.i16(head.attributes);
    w.u32(records.length);
    records.forEach((rec, i) => {
      w.i64(0n);
      w.i64(timestamps[i]!);
      w.nullableBytes(rec.key);
      w.nullableBytes(rec.value);
      const headers = rec.headers ?? [];
      w.u32(headers.length);
      headers.forEach((h, j) => {
        const key = headerKeys[i]![j]!;
        w.u32(key.length);
        w.bytes(key);
        w.nullableBytes(h.value);
      });
    });
  };
  return { size, write };
}

/* Encodes records into one uncompressed RecordBatch. */
export function encodeBatch(params: BatchParams, records: ProducerRecord[]): Uint8Array {
  const input = batchInput(params, records);
  return call(
    input.size,
    input.write,
    (k, ptr, len) => k.kd_batch_encode(ptr, len),
    (out) => out,
  );
}

/* Encodes records into uncompressed RecordBatches of at most maxBytes each (Kafka's
 * max.message.bytes), back to back, as the core splits them; MESSAGE_TOO_LARGE
 * when one record cannot fit, INVALID_TIMESTAMP for a negative timestamp. */
export function encodeBatchesWithin(params: BatchParams, records: ProducerRecord[], maxBytes: number): Uint8Array {
  const max = int32(maxBytes, "max batch bytes");
  const input = batchInput(params, records);
  return call(
    input.size,
    input.write,
    (k, ptr, len) => k.kd_batch_encode_within(ptr, len, max),
    (out) => out,
  );
}

/* Validates one or more RecordBatches back to back and summarizes each. */
export function inspectBatches(bytes: Uint8Array): BatchSummary[] {
  return call(
    bytes.length,
    (_view, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_batch_inspect(ptr, len),
    (out) => {
      const r = new Reader(out);
      const count = r.u32();
      if (out.length !== 4 + count * BATCH_SUMMARY_BYTES) {
        throw new KafdoError(KD_ERR_INVALID_ARG, "the core's batch summary has the wrong length");
      }
      const summaries: BatchSummary[] = [];
      for (let i = 0; i < count; i++) {
        const baseOffset = r.i64();
        const firstTimestamp = r.i64();
        const maxTimestamp = r.i64();
        const producerId = r.i64();
        const partitionLeaderEpoch = r.i32();
        const baseSequence = r.i32();
        const lastOffsetDelta = r.i32();
        const recordCount = r.i32();
        const sizeBytes = r.i32();
        const producerEpoch = r.i16();
        const attributes = r.i16();
        summaries.push({
          baseOffset,
          lastOffsetDelta,
          firstTimestamp,
          maxTimestamp,
          producerId,
          producerEpoch,
          baseSequence,
          partitionLeaderEpoch,
          recordCount,
          sizeBytes,
          attributes,
        });
      }
      return summaries;
    },
  );
}

/* Validates and decodes batches: the records at or after minOffset, at most
 * maxRecords of them. */
export function decodeBatches(bytes: Uint8Array, minOffset = 0, maxRecords = 0xffffffff): ConsumerRecord[] {
  const min = int64(minOffset, "min offset");
  const max = uint32(maxRecords, "max records");
  return call(
    bytes.length,
    (_view, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_batch_decode(ptr, len, min, max),
    (out) => readRecordList(new Reader(out)),
  );
}

/* ---- a partition's log --------------------------------------------------- */

/* Creates the log's schema in db's storage when absent. */
export function logOpen(db: number): void {
  storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_log_open(db),
      () => undefined,
    ),
  );
}

/*
 * Appends produce sets (each one or more RecordBatches back to back) in one
 * transaction. Each set succeeds or fails on its own (its result's errorCode); a
 * failure of storage itself rolls back the whole call and throws KD_ERR_STORAGE.
 */
export function logAppend(db: number, sets: Uint8Array[], nowMs: number, maxBatchBytes: number): AppendResult[] {
  const now = int64(nowMs, "now");
  const max = int32(maxBatchBytes, "max batch bytes");
  const size = sets.reduce((n, s) => n + 4 + s.length, 4);
  return storageOf(db).transactionSync(() =>
    call(
      size,
      (view, mem, ptr) => {
        const w = new Writer(view, mem, ptr);
        w.u32(sets.length);
        for (const set of sets) {
          w.u32(set.length);
          w.bytes(set);
        }
      },
      (k, ptr, len) => k.kd_log_append(db, ptr, len, now, max),
      (out) => {
        if (out.length !== sets.length * APPEND_RESULT_BYTES) {
          throw new KafdoError(KD_ERR_INVALID_ARG, "the core's append results have the wrong length");
        }
        const r = new Reader(out);
        return sets.map(() => {
          const errorCode = r.i32();
          const recordCount = r.i32();
          const baseOffset = r.i64();
          const lastOffset = r.i64();
          return { errorCode, recordCount, baseOffset, lastOffset, logAppendTime: r.i64(), logStartOffset: r.i64() };
        });
      },
    ),
  );
}

/* ListOffsets by time: the first record at or after `timestamp` (kafdo.h). */
export function logOffsetForTime(db: number, timestamp: number): { offset: number; timestamp: number } {
  const ts = int64(timestamp, "timestamp");
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_offset_for_time(db, ts),
    (out) => {
      const r = new Reader(out);
      return { offset: r.i64(), timestamp: r.i64() };
    },
  );
}

/* ListOffsets v0: up to maxNum offsets before the time, newest first (kd_log_offsets_before). */
export function logOffsetsBefore(db: number, timestamp: number, maxNum: number, nowMs: number): number[] {
  const ts = int64(timestamp, "timestamp");
  const max = int32(maxNum, "max number of offsets");
  const now = int64(nowMs, "now");
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_offsets_before(db, ts, max, now),
    (out) => {
      const r = new Reader(out);
      const count = r.u32();
      return Array.from({ length: count }, () => r.i64());
    },
  );
}

export function logOffsets(db: number): LogOffsets {
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_offsets(db),
    (out) => readOffsets(new Reader(out)),
  );
}

/* One idempotent producer a partition remembers (DescribeProducers). */
export interface LogProducer {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastAppendMs: number;
}

/* What the admin APIs show of a partition: its stored bytes (SQLite and the cold
 * tier) and its idempotent producers, by id (kd_log_describe). */
export function logDescribe(db: number): { sizeBytes: number; producers: LogProducer[] } {
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_describe(db),
    (out) => {
      const r = new Reader(out);
      const sizeBytes = r.i64();
      const producers = Array.from({ length: r.u32() }, () => ({
        producerId: r.i64(),
        producerEpoch: r.i32(),
        lastSequence: r.i32(),
        lastAppendMs: r.i64(),
      }));
      return { sizeBytes, producers };
    },
  );
}

/* The most one read of a log returns, whatever is asked: kafdo.h's KD_MAX_READ_BYTES
 * (why 16 MiB is told there). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/* Stored batches from offset (the one containing it first), within maxBytes (and
 * MAX_READ_BYTES); with minOneBatch, the first batch whole even past maxBytes, as
 * Kafka gives the first partition with data in a Fetch. */
export function logFetch(db: number, offset: number, maxBytes: number, minOneBatch: boolean): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_fetch(db, at, max, minOneBatch ? 1 : 0),
    (out) => {
      const r = new Reader(out);
      return { ...readOffsets(r), batches: r.rest() };
    },
  );
}

/* Records from offset, at most maxRecords, from batches within maxBytes (at least
 * one batch, at most MAX_READ_BYTES of stored batches and of records). */
export function logRead(db: number, offset: number, maxRecords: number, maxBytes: number): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  return call(
    undefined,
    undefined,
    (k) => k.kd_log_read(db, at, maxRec, max),
    (out) => {
      const r = new Reader(out);
      return { ...readOffsets(r), records: readRecordList(r) };
    },
  );
}

/* Retires a partition's log when its topic is deleted (see kd_log_retire). */
export function logRetire(db: number): void {
  storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_log_retire(db),
      () => undefined,
    ),
  );
}

/* Stores the topic's configs (a JSON object, as DescribeConfigs shows them) with the
 * log, for retention; true when they differ from what was stored (kd_log_configure). */
export function logConfigure(db: number, configJson: string): boolean {
  const bytes = utf8Encoder.encode(configJson);
  return storageOf(db).transactionSync(() =>
    call(
      bytes.length,
      (_v, mem, ptr) => mem.set(bytes, ptr),
      (k, ptr, len) => k.kd_log_configure(db, ptr, len),
      (out) => new Reader(out).i32() !== 0,
    ),
  );
}

/* DeleteRecords: raises the log start offset to `offset` (-1: the high watermark) and
 * answers the new log start offset (kd_log_delete_records). */
export function logDeleteRecords(db: number, offset: number): number {
  const at = int64(offset, "offset");
  return storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_log_delete_records(db, at),
      (out) => new Reader(out).i64(),
    ),
  );
}

/* What one retention step did, and when the next is due (kd_log_retention). */
export interface RetentionStep {
  deleted: number;
  more: boolean;
  active: boolean;
  logStartOffset: number;
  sizeBytes: number;
  /* ms since the epoch when the oldest kept batch expires; -1: none */
  nextDeadlineMs: number;
  /* run again once the log holds more than this; -1: never */
  sizeTriggerBytes: number;
}

/* One bounded step of retention, in its own transaction. */
export function logRetention(db: number, nowMs: number, maxRows: number): RetentionStep {
  const now = int64(nowMs, "now");
  return storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_log_retention(db, now, maxRows),
      (out) => {
        const r = new Reader(out);
        return {
          deleted: r.i32(),
          more: r.i32() !== 0,
          active: r.i32() !== 0,
          logStartOffset: r.i64(),
          sizeBytes: r.i64(),
          nextDeadlineMs: r.i64(),
          sizeTriggerBytes: r.i64(),
        };
      },
    ),
  );
}

/* What one compaction step did, and when the next may be due (kd_log_compact). */
export interface CompactionStep {
  recordsRemoved: number;
  more: boolean;
  active: boolean;
  bytesRemoved: number;
  /* ms since the epoch when a pass may be due; -1: only after more appends */
  nextDeadlineMs: number;
}

/* One bounded step of compaction, in its own transaction. */
export function logCompact(db: number, nowMs: number, maxRows: number): CompactionStep {
  const now = int64(nowMs, "now");
  return storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_log_compact(db, now, maxRows),
      (out) => {
        const r = new Reader(out);
        return {
          recordsRemoved: r.i32(),
          more: r.i32() !== 0,
          active: r.i32() !== 0,
          bytesRemoved: r.i64(),
          nextDeadlineMs: r.i64(),
        };
      },
    ),
  );
}

/* The latest record of `key` in a compacted log, or none (kd_log_key_lookup). */
export function logKeyLookup(db: number, key: Uint8Array): ReadResult {
  return call(
    key.length,
    (_v, mem, ptr) => mem.set(key, ptr),
    (k, ptr, len) => k.kd_log_key_lookup(db, ptr, len),
    (out) => {
      const r = new Reader(out);
      return { ...readOffsets(r), records: readRecordList(r) };
    },
  );
}

/* ---- the cold tier (src-c/tiering.c) -------------------------------------- */

/* A segment to move to the cold tier: its object's key and bytes. */
export interface TierSegment {
  baseOffset: number;
  lastOffset: number;
  key: string;
  bytes: Uint8Array;
}

/* What kd_tier_plan answers: the next segment, if one is due, and when to look again. */
export interface TierPlan {
  segment: TierSegment | null;
  /* more batches are due after this segment */
  more: boolean;
  /* the topic tiers by time or size */
  active: boolean;
  /* ms since the epoch when the oldest hot batch is due; -1: none */
  nextDeadlineMs: number;
  /* plan again once the log (both tiers) holds more than this; -1: never */
  sizeTriggerBytes: number;
}

/* Plans a segment of the oldest hot batches past the topic's local retention, at most
 * maxBytes; its object is named keyPrefix + the base offset. Its own transaction (it
 * records the key as in flight). */
export function tierPlan(db: number, nowMs: number, maxBytes: number, keyPrefix: string): TierPlan {
  const now = int64(nowMs, "now");
  const max = int32(maxBytes, "max bytes");
  const prefix = utf8Encoder.encode(keyPrefix);
  return storageOf(db).transactionSync(() =>
    call(
      prefix.length,
      (_v, mem, ptr) => mem.set(prefix, ptr),
      (k, ptr, len) => k.kd_tier_plan(db, now, max, ptr, len),
      (out) => {
        const r = new Reader(out);
        const planned = r.i32() !== 0;
        const more = r.i32() !== 0;
        const active = r.i32() !== 0;
        const nextDeadlineMs = r.i64();
        const sizeTriggerBytes = r.i64();
        let segment: TierSegment | null = null;
        if (planned) {
          const baseOffset = r.i64();
          const lastOffset = r.i64();
          const key = readStr(r);
          segment = { baseOffset, lastOffset, key, bytes: r.bytes(r.u32()) };
        }
        return { segment, more, active, nextDeadlineMs, sizeTriggerBytes };
      },
    ),
  );
}

/* After the plan's object was put: records the segment and drops its hot batches;
 * false when the batches changed since the plan (the object is then garbage). */
export function tierCommit(db: number, plan: TierSegment): boolean {
  const key = utf8Encoder.encode(plan.key);
  const base = int64(plan.baseOffset, "base offset");
  const last = int64(plan.lastOffset, "last offset");
  const length = BigInt(plan.bytes.length);
  return storageOf(db).transactionSync(() =>
    call(
      key.length,
      (_v, mem, ptr) => mem.set(key, ptr),
      (k, ptr, len) => k.kd_tier_commit(db, base, last, length, ptr, len),
      (out) => new Reader(out).i32() !== 0,
    ),
  );
}

/* Keys of objects that are no longer part of the log, for the host to delete. */
export function tierGarbage(db: number, maxKeys: number): string[] {
  const max = uint32(maxKeys, "max keys");
  return call(
    undefined,
    undefined,
    (k) => k.kd_tier_garbage(db, max),
    (out) => {
      const r = new Reader(out);
      return Array.from({ length: r.u32() }, () => readStr(r));
    },
  );
}

/* The objects of these keys were deleted: the log forgets them. */
export function tierForget(db: number, keys: string[]): void {
  const encoded = keys.map((key) => utf8Encoder.encode(key));
  const size = encoded.reduce((n, k) => n + 2 + k.length, 4);
  storageOf(db).transactionSync(() =>
    call(
      size,
      (view, mem, ptr) => {
        const w = new Writer(view, mem, ptr);
        w.u32(encoded.length);
        for (const k of encoded) {
          w.u16(k.length);
          w.bytes(k);
        }
      },
      (k, ptr, len) => k.kd_tier_forget(db, ptr, len),
      () => undefined,
    ),
  );
}

/* What answers a read at a cold offset: a byte range of one object. */
export interface ColdRange {
  key: string;
  position: number;
  length: number;
}

export function tierLocate(db: number, offset: number, maxBytes: number, minOneBatch: boolean): ColdRange | null {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  return call(
    undefined,
    undefined,
    (k) => k.kd_tier_locate(db, at, max, minOneBatch ? 1 : 0),
    (out) => {
      const r = new Reader(out);
      if (r.i32() === 0) return null;
      return { key: readStr(r), position: r.i64(), length: r.i64() };
    },
  );
}

/* logFetch at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logFetchCold(
  db: number,
  offset: number,
  maxBytes: number,
  minOneBatch: boolean,
  bytes: Uint8Array,
  position: number,
): FetchResult {
  const at = int64(offset, "offset");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return call(
    bytes.length,
    (_v, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_log_fetch_cold(db, at, max, minOneBatch ? 1 : 0, ptr, len, pos),
    (out) => {
      const r = new Reader(out);
      return { ...readOffsets(r), batches: r.rest() };
    },
  );
}

/* logRead at a cold offset, from `bytes`: the object's bytes from `position`. */
export function logReadCold(
  db: number,
  offset: number,
  maxRecords: number,
  maxBytes: number,
  bytes: Uint8Array,
  position: number,
): ReadResult {
  const at = int64(offset, "offset");
  const maxRec = uint32(maxRecords, "max records");
  const max = int32(maxBytes, "max bytes");
  const pos = int64(position, "position");
  return call(
    bytes.length,
    (_v, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_log_read_cold(db, at, maxRec, max, ptr, len, pos),
    (out) => {
      const r = new Reader(out);
      return { ...readOffsets(r), records: readRecordList(r) };
    },
  );
}

/* ---- topics (the cluster's metadata) ------------------------------------ */

/* Strings in the core's formats: u16 length, then UTF-8 bytes. The ones that can be
 * too long are a caller's (a topic name, a config entry, a member or client id,
 * commit metadata), so that is a bad request, INVALID_REQUEST, not a failure here. */
const MAX_STRING_BYTES = 0xffff;

function stringTooLong(length: number): KafdoError {
  return new KafdoError(
    KafkaCode.INVALID_REQUEST,
    `a string of ${length} UTF-8 bytes is over the limit of ${MAX_STRING_BYTES} bytes`,
  );
}

function strSize(s: Uint8Array): number {
  if (s.length > MAX_STRING_BYTES) throw stringTooLong(s.length);
  return 2 + s.length;
}

function readStr(r: Reader): string {
  return utf8Decoder.decode(r.bytes(r.u16()));
}

/* Kafka's string form of a topic id: URL-safe base64 of its 16 bytes, unpadded. */
function topicIdString(id: Uint8Array): string {
  let s = "";
  for (const b of id) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function readTopic(r: Reader): TopicInfo {
  const name = readStr(r);
  const topicId = topicIdString(r.bytes(16));
  const partitions = r.i32();
  const createdAt = r.i64();
  const count = r.u32();
  const config: Record<string, string> = {};
  const overrides: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = readStr(r);
    config[key] = readStr(r);
    if (r.bytes(1)[0] === 0) overrides.push(key); /* not the default: set on the topic */
  }
  return { name, topicId, partitions, createdAt, config, overrides };
}

function nameCall<T>(
  db: number,
  name: string,
  run: (k: CoreExports, ptr: number, len: number) => number,
  write: boolean,
  read: (out: Uint8Array) => T,
): T {
  const bytes = utf8Encoder.encode(name);
  const go = () =>
    call(
      bytes.length,
      (_view, mem, ptr) => mem.set(bytes, ptr),
      run,
      read,
    );
  return write ? storageOf(db).transactionSync(go) : go();
}

export function topicsOpen(db: number): void {
  storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_topics_open(db),
      () => undefined,
    ),
  );
}

/* Throws INVALID_TOPIC_EXCEPTION unless `name` is a valid Kafka topic name. */
export function checkTopicName(name: string): void {
  const bytes = utf8Encoder.encode(name);
  call(
    bytes.length,
    (_view, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_topic_name_check(ptr, len),
    () => undefined,
  );
}

/* A CreateTopics replica assignment, as the request carries it. */
export interface ReplicaAssignment {
  partitionIndex: number;
  brokerIds: number[];
}

/* Judges a manual replica assignment on a cluster whose one broker is `nodeId`
 * (kd_topic_assignment_check); the number of partitions it creates. */
export function checkReplicaAssignment(
  numPartitions: number,
  replicationFactor: number,
  assignments: ReplicaAssignment[],
  nodeId: number,
): number {
  const size = assignments.reduce((n, a) => n + 8 + 4 * a.brokerIds.length, 4 + 2 + 4);
  return call(
    size,
    (view, mem, ptr) => {
      const w = new Writer(view, mem, ptr);
      w.i32(numPartitions);
      w.i16(replicationFactor);
      w.u32(assignments.length);
      for (const a of assignments) {
        w.i32(a.partitionIndex);
        w.u32(a.brokerIds.length);
        for (const b of a.brokerIds) w.i32(b);
      }
    },
    (k, ptr, len) => k.kd_topic_assignment_check(ptr, len, nodeId),
    (out) => new Reader(out).i32(),
  );
}

export function topicCreate(
  db: number,
  name: string,
  partitions: number,
  config: Record<string, string>,
  topicId: Uint8Array,
  nowMs: number,
  maxPartitions: number,
): TopicInfo {
  if (topicId.length !== 16) throw new KafdoError(KD_ERR_INVALID_ARG, "a topic id is 16 bytes");
  const nameBytes = utf8Encoder.encode(name);
  const pairs = Object.entries(config).map(([k, v]) => [utf8Encoder.encode(k), utf8Encoder.encode(String(v))]);
  const size = pairs.reduce((n, [k, v]) => n + strSize(k!) + strSize(v!), strSize(nameBytes) + 4 + 4 + 16);
  const parts = int32(partitions, "partition count");
  const now = int64(nowMs, "now");
  const max = int32(maxPartitions, "max partitions");
  return storageOf(db).transactionSync(() =>
    call(
      size,
      (view, mem, ptr) => {
        const w = new Writer(view, mem, ptr);
        const str = (s: Uint8Array) => {
          w.u16(s.length);
          w.bytes(s);
        };
        str(nameBytes);
        w.i32(parts);
        w.u32(pairs.length);
        for (const [k, v] of pairs) {
          str(k!);
          str(v!);
        }
        w.bytes(topicId); /* the id travels after the input, in the same allocation */
      },
      (k, ptr, len) => k.kd_topic_create(db, ptr, len - 16, ptr + len - 16, now, max),
      (out) => readTopic(new Reader(out)),
    ),
  );
}

export function topicDescribe(db: number, name: string): TopicInfo {
  return nameCall(db, name, (k, ptr, len) => k.kd_topic_describe(db, ptr, len), false, (out) =>
    readTopic(new Reader(out)),
  );
}

export function topicList(db: number): TopicInfo[] {
  return call(
    undefined,
    undefined,
    (k) => k.kd_topic_list(db),
    (out) => {
      const r = new Reader(out);
      const count = r.u32();
      const topics: TopicInfo[] = [];
      for (let i = 0; i < count; i++) topics.push(readTopic(r));
      return topics;
    },
  );
}

/* Marks a topic as being deleted (kd_topic_delete_begin); returns it. */
export function topicDeleteBegin(db: number, name: string): TopicInfo {
  return nameCall(db, name, (k, ptr, len) => k.kd_topic_delete_begin(db, ptr, len), true, (out) =>
    readTopic(new Reader(out)),
  );
}

/* Deletes a topic's metadata; returns the topic as it was. */
export function topicDelete(db: number, name: string): TopicInfo {
  return nameCall(db, name, (k, ptr, len) => k.kd_topic_delete(db, ptr, len), true, (out) =>
    readTopic(new Reader(out)),
  );
}

export function topicCreatePartitions(db: number, name: string, count: number, maxPartitions: number): TopicInfo {
  const n = int32(count, "partition count");
  const max = int32(maxPartitions, "max partitions");
  return nameCall(db, name, (k, ptr, len) => k.kd_topic_create_partitions(db, ptr, len, n, max), true, (out) =>
    readTopic(new Reader(out)),
  );
}

/* One change of a topic's configs: Kafka's IncrementalAlterConfigs operations
 * (AlterConfigs sends "set" only; a null value there means the default). */
export type ConfigOperation = "set" | "delete" | "append" | "subtract";
export interface ConfigChange {
  op: ConfigOperation;
  name: string;
  value: string | null;
}
const CONFIG_OPERATIONS: readonly ConfigOperation[] = ["set", "delete", "append", "subtract"];

/* Changes a topic's configs (kd_topic_alter_configs): with `incremental`, only the
 * configs named; without, the configs named become the whole set. */
export function topicAlterConfigs(db: number, name: string, changes: ConfigChange[], incremental: boolean): TopicInfo {
  const input = new Bytes().str(name).u8(incremental ? 1 : 0).u32(changes.length);
  for (const c of changes) {
    const op = CONFIG_OPERATIONS.indexOf(c.op);
    if (op < 0) throw new KafdoError(KD_ERR_INVALID_ARG, `unknown config operation "${c.op}"`);
    input.u8(op).str(c.name).u8(c.value === null ? 1 : 0).str(c.value ?? "");
  }
  return writeCall(db, input.bytes(), (k, ptr, len) => k.kd_topic_alter_configs(db, ptr, len), (out) =>
    readTopic(new Reader(out)),
  );
}

/* ---- consumer groups (group.c; formats at its top) -------------------------- */

const GROUP_STATES: readonly GroupState[] = ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"];
const STRATEGIES: readonly AssignmentStrategy[] = ["range", "roundrobin", "sticky"];

export interface GroupJoinInput {
  memberId: string;
  clientId: string;
  /* Random text for a new member's id (the core makes it clientId-suffix). */
  idSuffix: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  strategy: AssignmentStrategy;
  /* Kafka-dialect members join through classicJoin. */
  kind: "http";
  /* The member's subscription, with each topic's partition count (0: no such topic). */
  topics: { topic: string; partitions: number }[];
}

export interface GroupJoinOutput {
  /* false: hold the join until groupPoll reports this member no longer waiting. */
  complete: boolean;
  memberId: string;
  generationId: number;
  leader: string;
  strategy: AssignmentStrategy;
  assignment: TopicPartition[];
  /* When the host should call groupPoll next (ms since the epoch), or null. */
  nextDeadline: number | null;
}

export interface GroupPollOutput {
  state: GroupState;
  generationId: number;
  nextDeadline: number | null;
  expired: string[];
  members: { memberId: string; waiting: boolean; assignment: TopicPartition[] }[];
  /* What a Kafka-dialect group's held calls are answered with: while
   * CompletingRebalance every member's metadata for the selected protocol (the
   * leader's join answer), while Stable every Kafka member's assignment bytes. */
  protocolType: string;
  protocolName: string;
  leader: string;
  memberBytes: { memberId: string; bytes: Uint8Array }[];
}

export interface GroupDescribeOutput {
  state: GroupState;
  generationId: number;
  strategy: AssignmentStrategy;
  leader: string;
  /* "consumer" and the strategy for Kafdo's members; a Kafka group's own. */
  protocolType: string;
  protocolName: string;
  members: GroupMember[];
  /* Per member, in members' order: what DescribeGroups sends (bytes empty unless Stable). */
  raw: { clientHost: string; metadata: Uint8Array; assignment: Uint8Array; groupInstanceId: string | null }[];
  offsets: CommittedOffset[];
}

/* A growable little-endian writer for inputs whose size is easiest known by writing. */
class Bytes {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  /* room() may replace buf and view: take the offset first, then write. */
  u8(v: number): this {
    const at = this.room(1);
    this.view.setUint8(at, v);
    return this;
  }
  i32(v: number): this {
    const at = this.room(4);
    this.view.setInt32(at, int32(v, "value"), true);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v, true);
    return this;
  }
  i64(v: number): this {
    const at = this.room(8);
    this.view.setBigInt64(at, int64(v, "value"), true);
    return this;
  }
  str(s: string): this {
    const b = utf8Encoder.encode(s);
    if (b.length > MAX_STRING_BYTES) throw stringTooLong(b.length);
    const at = this.room(2 + b.length);
    this.view.setUint16(at, b.length, true);
    this.buf.set(b, at + 2);
    return this;
  }
  /* u32 length, then the bytes. */
  blob(b: Uint8Array): this {
    const at = this.room(4 + b.length);
    this.view.setUint32(at, b.length, true);
    this.buf.set(b, at + 4);
    return this;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function deadline(v: number): number | null {
  return v >= Number.MAX_SAFE_INTEGER ? null : v;
}

function readAssignment(r: Reader): TopicPartition[] {
  const n = r.u32();
  const out: TopicPartition[] = [];
  for (let i = 0; i < n; i++) out.push({ topic: readStr(r), partition: r.i32() });
  return out;
}

function readOffsetRows(r: Reader): CommittedOffset[] {
  const n = r.u32();
  const out: CommittedOffset[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ topic: readStr(r), partition: r.i32(), offset: r.i64(), metadata: readStr(r), commitTimestamp: r.i64() });
  }
  return out;
}

/* Runs a core call on `input` inside the storage's transaction (a failure rolls
 * back everything the call wrote). */
function writeCall<T>(
  db: number,
  input: Uint8Array,
  run: (k: CoreExports, ptr: number, len: number) => number,
  read: (out: Uint8Array) => T,
): T {
  return storageOf(db).transactionSync(() => call(input.length, (_v, mem, ptr) => mem.set(input, ptr), run, read));
}

export function groupOpen(db: number): void {
  storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_group_open(db),
      () => undefined,
    ),
  );
}

export function groupJoin(db: number, req: GroupJoinInput, nowMs: number): GroupJoinOutput {
  const strategy = STRATEGIES.indexOf(req.strategy);
  if (strategy < 0) throw new KafdoError(KD_ERR_INVALID_ARG, `unknown assignment strategy "${req.strategy}"`);
  const input = new Bytes()
    .str(req.memberId)
    .str(req.clientId)
    .str(req.idSuffix)
    .i32(req.sessionTimeoutMs)
    .i32(req.rebalanceTimeoutMs)
    .u8(strategy)
    .u8(0)
    .u32(req.topics.length);
  for (const t of req.topics) input.str(t.topic).i32(t.partitions);
  const now = int64(nowMs, "now");
  return writeCall(db, input.bytes(), (k, ptr, len) => k.kd_group_join(db, ptr, len, now), (out) => {
    const r = new Reader(out);
    const complete = r.bytes(1)[0] === 1;
    const memberId = readStr(r);
    const generationId = r.i32();
    const leader = readStr(r);
    const strat = STRATEGIES[r.bytes(1)[0]!] ?? "range";
    const assignment = readAssignment(r);
    return { complete, memberId, generationId, leader, strategy: strat, assignment, nextDeadline: deadline(r.i64()) };
  });
}

export function groupPoll(db: number, nowMs: number): GroupPollOutput {
  const now = int64(nowMs, "now");
  return storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_group_poll(db, now),
      (out) => {
        const r = new Reader(out);
        const state = GROUP_STATES[r.bytes(1)[0]!] ?? "Dead";
        const generationId = r.i32();
        const nextDeadline = deadline(r.i64());
        const expired: string[] = [];
        for (let n = r.u32(), i = 0; i < n; i++) expired.push(readStr(r));
        const members: GroupPollOutput["members"] = [];
        for (let n = r.u32(), i = 0; i < n; i++) {
          const memberId = readStr(r);
          const waiting = r.bytes(1)[0] === 1;
          members.push({ memberId, waiting, assignment: readAssignment(r) });
        }
        const protocolType = readStr(r);
        const protocolName = readStr(r);
        const leader = readStr(r);
        const memberBytes = readMemberBytes(r);
        return { state, generationId, nextDeadline, expired, members, protocolType, protocolName, leader, memberBytes };
      },
    ),
  );
}

/* A heartbeat; throws REBALANCE_IN_PROGRESS (after storing the member's liveness),
 * ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID. Returns the next deadline. */
export function groupHeartbeat(db: number, memberId: string, generationId: number, nowMs: number): number | null {
  const id = utf8Encoder.encode(memberId);
  const gen = int32(generationId, "generation");
  const now = int64(nowMs, "now");
  const answer = writeCall(db, id, (k, ptr, len) => k.kd_group_heartbeat(db, ptr, len, gen, now), (out) => {
    const r = new Reader(out);
    return { error: r.i32(), deadline: deadline(r.i64()) };
  });
  if (answer.error !== 0) throw new KafdoError(answer.error, "the group is rebalancing: join again");
  return answer.deadline;
}

/* A member leaves, by member id or (groupInstanceId given, Kafka's LeaveGroup
 * v3+) by static instance id; throws UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
 * Returns the member id that left and the next deadline. */
export function groupLeave(
  db: number,
  memberId: string,
  nowMs: number,
  groupInstanceId = "",
): { memberId: string; nextDeadline: number | null } {
  const input = new Bytes().str(memberId).str(groupInstanceId);
  const now = int64(nowMs, "now");
  return writeCall(db, input.bytes(), (k, ptr, len) => k.kd_group_leave(db, ptr, len, now), (out) => {
    const r = new Reader(out);
    const nextDeadline = deadline(r.i64());
    return { memberId: readStr(r), nextDeadline };
  });
}

/* A topic was deleted or grew: a settled group subscribed to it rebalances
 * (kd_group_topic_changed). Returns whether it did, and the next deadline. */
export function groupTopicChanged(db: number, topic: string, nowMs: number): { rebalanced: boolean; nextDeadline: number | null } {
  const now = int64(nowMs, "now");
  return writeCall(db, utf8Encoder.encode(topic), (k, ptr, len) => k.kd_group_topic_changed(db, ptr, len, now), (out) => {
    const r = new Reader(out);
    const rebalanced = r.bytes(1)[0] === 1;
    return { rebalanced, nextDeadline: deadline(r.i64()) };
  });
}

export function groupCommit(
  db: number,
  memberId: string,
  generationId: number,
  offsets: OffsetCommit[],
  nowMs: number,
): void {
  const input = new Bytes().str(memberId).i32(generationId).u32(offsets.length);
  for (const o of offsets) input.str(o.topic).i32(o.partition).i64(o.offset).str(o.metadata ?? "");
  const now = int64(nowMs, "now");
  writeCall(db, input.bytes(), (k, ptr, len) => k.kd_group_commit(db, ptr, len, now), () => undefined);
}

/* Committed offsets of the given partitions (offset -1 where none), or of every
 * committed partition. */
export function groupOffsets(db: number, partitions?: TopicPartition[]): CommittedOffset[] {
  const input = new Bytes();
  if (partitions === undefined) input.u32(0xffffffff);
  else {
    input.u32(partitions.length);
    for (const p of partitions) input.str(p.topic).i32(p.partition);
  }
  const bytes = input.bytes();
  return call(
    bytes.length,
    (_v, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_group_offsets(db, ptr, len),
    (out) => readOffsetRows(new Reader(out)),
  );
}

export function groupDescribe(db: number): GroupDescribeOutput {
  return call(
    undefined,
    undefined,
    (k) => k.kd_group_describe(db),
    (out) => {
      const r = new Reader(out);
      const state = GROUP_STATES[r.bytes(1)[0]!] ?? "Dead";
      const generationId = r.i32();
      const strategy = STRATEGIES[r.bytes(1)[0]!] ?? "range";
      const leader = readStr(r);
      const protocolType = readStr(r);
      const protocolName = readStr(r);
      const members: GroupMember[] = [];
      const raw: GroupDescribeOutput["raw"] = [];
      for (let n = r.u32(), i = 0; i < n; i++) {
        const memberId = readStr(r);
        const clientId = readStr(r);
        const kind = r.bytes(1)[0] === 1 ? "kafka" : "http";
        const sessionTimeoutMs = r.i32();
        const rebalanceTimeoutMs = r.i32();
        const lastHeartbeat = r.i64();
        const subscription: string[] = [];
        for (let t = r.u32(), j = 0; j < t; j++) subscription.push(readStr(r));
        members.push({
          memberId,
          clientId,
          kind,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          lastHeartbeat,
          subscription,
          assignment: readAssignment(r),
        });
        raw.push({
          clientHost: readStr(r),
          metadata: r.bytes(r.u32()),
          assignment: r.bytes(r.u32()),
          groupInstanceId: readStr(r) || null,
        });
      }
      return { state, generationId, strategy, leader, protocolType, protocolName, members, raw, offsets: readOffsetRows(r) };
    },
  );
}

export function groupDelete(db: number): void {
  storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_group_delete(db),
      () => undefined,
    ),
  );
}

/* OffsetDelete (kd_group_delete_offsets): each partition's error, in order: 0 when
 * its offset is gone, GROUP_SUBSCRIBED_TO_TOPIC when a live member subscribes to
 * its topic. Throws GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP. */
export function groupDeleteOffsets(db: number, partitions: TopicPartition[]): number[] {
  const input = new Bytes().u32(partitions.length);
  for (const p of partitions) input.str(p.topic).i32(p.partition);
  const bytes = input.bytes();
  return storageOf(db).transactionSync(() =>
    call(
      bytes.length,
      (_v, mem, ptr) => mem.set(bytes, ptr),
      (k, ptr, len) => k.kd_group_delete_offsets(db, ptr, len),
      (out) => {
        const r = new Reader(out);
        return Array.from({ length: r.u32() }, () => r.i16());
      },
    ),
  );
}

/* Throws INVALID_GROUP_ID unless `groupId` is a valid group id. */
export function checkGroupId(groupId: string): void {
  const bytes = utf8Encoder.encode(groupId);
  call(
    bytes.length,
    (_view, mem, ptr) => mem.set(bytes, ptr),
    (k, ptr, len) => k.kd_group_id_check(ptr, len),
    () => undefined,
  );
}

/* The cluster's registry of group ids (ClusterMetadataDO's storage). */
export function groupsRegister(db: number, groupId: string, nowMs: number): void {
  const now = int64(nowMs, "now");
  writeCall(db, utf8Encoder.encode(groupId), (k, ptr, len) => k.kd_groups_register(db, ptr, len, now), () => undefined);
}

export function groupsUnregister(db: number, groupId: string): void {
  writeCall(db, utf8Encoder.encode(groupId), (k, ptr, len) => k.kd_groups_unregister(db, ptr, len), () => undefined);
}

export function groupsList(db: number): string[] {
  return call(
    undefined,
    undefined,
    (k) => k.kd_groups_list(db),
    (out) => {
      const r = new Reader(out);
      const ids: string[] = [];
      for (let n = r.u32(), i = 0; i < n; i++) ids.push(readStr(r));
      return ids;
    },
  );
}

/* ---- idempotent producers ---- */

/* A new producer id (kd_producer_id_next), in db's storage (ClusterMetadataDO's):
 * unique in the cluster and never handed out again, for InitProducerId without a
 * transactional id (which answers it with epoch 0). The partition logs judge
 * idempotent batches themselves, inside logAppend. */
export function producerIdNext(db: number): number {
  return storageOf(db).transactionSync(() =>
    call(
      undefined,
      undefined,
      (k) => k.kd_producer_id_next(db),
      (out) => new Reader(out).i64(),
    ),
  );
}

/* ---- classic groups (the Kafka dialect) ---- */

/* u32 k, (str member_id, u32 len, bytes)*: kd_group_poll's and a leader's join's lists. */
function readMemberBytes(r: Reader): { memberId: string; bytes: Uint8Array }[] {
  const out: { memberId: string; bytes: Uint8Array }[] = [];
  for (let n = r.u32(), i = 0; i < n; i++) out.push({ memberId: readStr(r), bytes: r.bytes(r.u32()) });
  return out;
}

export interface ClassicJoinInput {
  memberId: string;
  clientId: string;
  /* Random text for a new member's id (the core makes it clientId-suffix). */
  idSuffix: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
  /* KIP-345's group.instance.id; "" or absent for a dynamic member. */
  groupInstanceId?: string;
  /* KIP-394 (JoinGroup v4+): a join without a member id is answered
   * MEMBER_ID_REQUIRED with the id to join with. */
  memberIdRequired?: boolean;
  /* group.initial.rebalance.delay.ms for an empty group's first rebalance. */
  initialRebalanceDelayMs?: number;
}

export interface ClassicJoinOutput {
  /* false: hold the join until groupPoll reports this member no longer waiting. */
  complete: boolean;
  /* MEMBER_ID_REQUIRED: answer it with memberId; nothing else is meaningful. */
  memberIdRequired: boolean;
  /* The static member id this join replaced ("" for none): whatever it waits
   * for is answered FENCED_INSTANCE_ID. */
  fencedMemberId: string;
  memberId: string;
  generationId: number;
  leader: string;
  nextDeadline: number | null;
  protocolType: string;
  protocolName: string;
  /* For the leader of a complete join: every member's metadata for the selected protocol. */
  members: { memberId: string; bytes: Uint8Array }[];
}

/* A Kafka-dialect join (member kind 1; group.c's join input and output). */
export function classicJoin(db: number, req: ClassicJoinInput, nowMs: number): ClassicJoinOutput {
  const input = new Bytes()
    .str(req.memberId)
    .str(req.clientId)
    .str(req.idSuffix)
    .i32(req.sessionTimeoutMs)
    .i32(req.rebalanceTimeoutMs)
    .u8(0)
    .u8(1)
    .str(req.groupInstanceId ?? "")
    .u8(req.memberIdRequired ? 1 : 0)
    .i32(req.initialRebalanceDelayMs ?? 0)
    .str(req.clientHost)
    .str(req.protocolType)
    .u32(req.protocols.length);
  for (const p of req.protocols) input.str(p.name).blob(p.metadata);
  const now = int64(nowMs, "now");
  return writeCall(db, input.bytes(), (k, ptr, len) => k.kd_group_join(db, ptr, len, now), (out) => {
    const r = new Reader(out);
    const status = r.bytes(1)[0];
    const memberId = readStr(r);
    const generationId = r.i32();
    const leader = readStr(r);
    r.bytes(1); /* strategy: Kafdo's dialect only */
    readAssignment(r); /* empty: the leader assigns */
    const nextDeadline = deadline(r.i64());
    const protocolType = readStr(r);
    const protocolName = readStr(r);
    const members = readMemberBytes(r);
    return {
      complete: status === 1,
      memberIdRequired: status === 2,
      fencedMemberId: readStr(r),
      memberId,
      generationId,
      leader,
      nextDeadline,
      protocolType,
      protocolName,
      members,
    };
  });
}

export interface ClassicSyncInput {
  memberId: string;
  generationId: number;
  /* "" when the request does not name them. */
  protocolType: string;
  protocolName: string;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface ClassicSyncOutput {
  /* false: hold the sync until groupPoll reports the group Stable. */
  complete: boolean;
  protocolType: string;
  protocolName: string;
  assignment: Uint8Array;
  nextDeadline: number | null;
}

/* Kafka's SyncGroup (kd_group_sync); throws its errors as KafdoErrors. */
export function classicSync(db: number, req: ClassicSyncInput, nowMs: number): ClassicSyncOutput {
  const input = new Bytes()
    .str(req.memberId)
    .i32(req.generationId)
    .str(req.protocolType)
    .str(req.protocolName)
    .u32(req.assignments.length);
  for (const a of req.assignments) input.str(a.memberId).blob(a.assignment);
  const now = int64(nowMs, "now");
  return writeCall(db, input.bytes(), (k, ptr, len) => k.kd_group_sync(db, ptr, len, now), (out) => {
    const r = new Reader(out);
    const complete = r.bytes(1)[0] === 1;
    const protocolType = readStr(r);
    const protocolName = readStr(r);
    const assignment = r.bytes(r.u32());
    return { complete, protocolType, protocolName, assignment, nextDeadline: deadline(r.i64()) };
  });
}

/* ---- the Kafka wire protocol codec ---- */

/* A decoded request. `body` follows apache/kafka's message schema for the API, field
 * names in camelCase, every field present whatever the version (kafdo.h); bytes and
 * records fields are Uint8Array views into the frame, int64 beyond 2^53 a string. */
export interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: any;
}

/* Decodes one request frame (size prefix included). `error` is 0, UNSUPPORTED_VERSION
 * or INVALID_REQUEST, with `body` null unless 0; throws a KafdoError when not even the
 * header can be read (the connection is garbage). */
export function kafkaDecode(frame: Uint8Array): { error: number; request: KafkaRequest } {
  return withBytes(frame, (k, ptr, len) => {
    const rc = k.kd_kafka_decode(ptr, len);
    if (rc !== 0 && rc !== KafkaCode.UNSUPPORTED_VERSION && rc !== KafkaCode.INVALID_REQUEST) throw errorOf(k, rc);
    const text = utf8Decoder.decode(new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()));
    const request = JSON.parse(text, (_key, value: unknown) => {
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const o = value as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 2 && typeof o.at === "number" && typeof o.len === "number")
          return frame.subarray(o.at, o.at + o.len);
      }
      return value;
    }) as KafkaRequest;
    return { error: rc, request };
  });
}

/* Reads kd_kafka_encode's output: the hole table, then the frame, into which each
 * blob is copied at its hole. */
function finishFrame(out: Uint8Array, blobs: Uint8Array[]): Uint8Array {
  const r = new Reader(out);
  const holes: [number, number][] = [];
  for (let n = r.u32(), i = 0; i < n; i++) holes.push([r.u32(), r.u32()]);
  const frame = out.subarray(r.pos);
  for (const [position, index] of holes) {
    const blob = blobs[index];
    if (!blob) throw new KafdoError(KD_ERR_INVALID_ARG, `the core named blob ${index} of ${blobs.length}`);
    frame.set(blob, position);
  }
  return frame;
}

/* Encodes a response body (apache/kafka's schema, camelCase names) into a whole
 * frame, size prefix included. Uint8Array values (bytes, records) travel beside the
 * JSON and are copied into place; bigints become decimal strings. */
export function kafkaEncode(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify({ apiKey, apiVersion, correlationId, body }, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { blob: blobs.length - 1 };
    }
    if (typeof value === "bigint") return value.toString();
    return value;
  });
  /* "blobs" is known only once the body has been walked; it goes last. */
  const input = utf8Encoder.encode(`${json.slice(0, -1)},"blobs":[${blobs.map((b) => b.length).join(",")}]}`);
  return call(
    input.length,
    (_view, mem, ptr) => mem.set(input, ptr),
    (k, ptr, len) => k.kd_kafka_encode(ptr, len),
    (out) => finishFrame(out, blobs),
  );
}

/* A response carrying only `errorCode` (kafdo.h, kd_kafka_error_response). */
export function kafkaErrorResponse(apiKey: number, apiVersion: number, correlationId: number, errorCode: number): Uint8Array {
  return call(
    undefined,
    undefined,
    (k) => k.kd_kafka_error_response(apiKey, apiVersion, correlationId, errorCode),
    (out) => finishFrame(out, []),
  );
}

/* The APIs and versions the codec speaks (the ApiVersions response lists them). */
export function kafkaSupported(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return call(
    undefined,
    undefined,
    (k) => k.kd_kafka_supported(),
    (out) => JSON.parse(utf8Decoder.decode(out)) as { apiKey: number; minVersion: number; maxVersion: number }[],
  );
}

/* ---- SASL: SCRAM-SHA-256/512 and PLAIN (sasl_scram.c, sasl_plain.c) ---- */

/* Kafka's ScramMechanism codes. */
export const SCRAM_SHA_256 = 1;
export const SCRAM_SHA_512 = 2;
export type ScramMechanism = typeof SCRAM_SHA_256 | typeof SCRAM_SHA_512;

/* What Kafdo keeps of a password (kafdo.h, kd_scram_credential). */
export interface ScramKeys {
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/* kafdo.h's "fields": each part's u32 length, then its bytes. */
function fieldsOf(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function callWith<T>(input: Uint8Array, run: (k: CoreExports, ptr: number, len: number) => number, read: (out: Uint8Array) => T): T {
  return call(input.length, (_view, mem, ptr) => mem.set(input, ptr), run, read);
}

/* A credential from a password, or (saltedGiven) from the SaltedPassword a client sent. */
export function scramCredential(
  mechanism: ScramMechanism,
  salt: Uint8Array,
  secret: Uint8Array,
  iterations: number,
  saltedGiven = false,
): ScramKeys {
  return callWith(
    fieldsOf([salt, secret]),
    (k, ptr, len) => k.kd_scram_credential(mechanism, ptr, len, int32(iterations, "iterations"), saltedGiven ? 1 : 0),
    (out) => ({ storedKey: out.slice(0, out.length / 2), serverKey: out.slice(out.length / 2) }),
  );
}

/* The user and nonce of a SCRAM client-first message. */
export function scramClientFirst(message: Uint8Array): { user: string; nonce: string } {
  return callWith(message, (k, ptr, len) => k.kd_scram_client_first(ptr, len), (out) => {
    const r = new Reader(out);
    const user = utf8Decoder.decode(r.bytes(r.u16()));
    return { user, nonce: utf8Decoder.decode(r.bytes(r.u16())) };
  });
}

export function scramServerFirst(clientFirst: Uint8Array, serverNonce: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array {
  return callWith(
    fieldsOf([clientFirst, serverNonce, salt]),
    (k, ptr, len) => k.kd_scram_server_first(ptr, len, int32(iterations, "iterations")),
    (out) => out,
  );
}

/* The server-final message when the client's proof holds; a KafdoError
 * (SASL_AUTHENTICATION_FAILED) when it does not. */
export function scramClientFinal(
  mechanism: ScramMechanism,
  clientFirst: Uint8Array,
  serverFirst: Uint8Array,
  clientFinal: Uint8Array,
  keys: ScramKeys,
): Uint8Array {
  return callWith(
    fieldsOf([clientFirst, serverFirst, clientFinal, keys.storedKey, keys.serverKey]),
    (k, ptr, len) => k.kd_scram_client_final(mechanism, ptr, len),
    (out) => out,
  );
}

/* The user a PLAIN message names (its password stays in the message). */
export function saslPlainUser(message: Uint8Array): string {
  return callWith(message, (k, ptr, len) => k.kd_sasl_plain_user(ptr, len), (out) => {
    const r = new Reader(out);
    return utf8Decoder.decode(r.bytes(r.u16()));
  });
}

/* Throws SASL_AUTHENTICATION_FAILED unless the PLAIN message's password yields storedKey. */
export function saslPlainVerify(mechanism: ScramMechanism, message: Uint8Array, salt: Uint8Array, storedKey: Uint8Array, iterations: number): void {
  callWith(
    fieldsOf([message, salt, storedKey]),
    (k, ptr, len) => k.kd_sasl_plain_verify(mechanism, ptr, len, int32(iterations, "iterations")),
    () => undefined,
  );
}

/* ---- ACLs: Kafka's authorization decision (acl.c) ---- */

/* An ACL binding with Kafka's codes (ResourceType, PatternType, AclOperation,
 * AclPermissionType), as the wire and storage carry it. */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/* A filter (DescribeAcls, DeleteAcls): null strings match any. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

/* One question: may the principal do `operation` on this resource? */
export interface AclQuery {
  operation: number;
  resourceType: number;
  resourceName: string;
}

/* Little-endian bytes in kafdo.h's formats (u8, u32, str with a u16 length). */
class LeBytes {
  private parts: Uint8Array[] = [];
  u8(v: number): this {
    this.parts.push(Uint8Array.of(v & 0xff));
    return this;
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const bytes = utf8Encoder.encode(s);
    if (bytes.length > 0xffff) throw new KafdoError(KafkaCode.INVALID_REQUEST, `a name of ${bytes.length} bytes (at most 65535)`);
    const b = new Uint8Array(2 + bytes.length);
    new DataView(b.buffer).setUint16(0, bytes.length, true);
    b.set(bytes, 2);
    this.parts.push(b);
    return this;
  }
  nullableStr(s: string | null): this {
    return s === null ? this.u8(0) : this.u8(1).str(s);
  }
  binding(a: AclBinding): this {
    return this.u8(a.resourceType).u8(a.patternType).str(a.resourceName).str(a.principal).str(a.host).u8(a.operation).u8(a.permissionType);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/* Throws INVALID_REQUEST (with the reason) for a binding Kafka would not store. */
export function aclCheck(binding: AclBinding): void {
  callWith(new LeBytes().binding(binding).done(), (k, ptr, len) => k.kd_acl_check(ptr, len), () => undefined);
}

/* Which bindings the filter matches; INVALID_REQUEST for a filter with an unknown code. */
export function aclFilter(filter: AclFilter, bindings: AclBinding[]): boolean[] {
  const w = new LeBytes()
    .u8(filter.resourceType)
    .u8(filter.patternType)
    .nullableStr(filter.resourceName)
    .nullableStr(filter.principal)
    .nullableStr(filter.host)
    .u8(filter.operation)
    .u8(filter.permissionType)
    .u32(bindings.length);
  for (const b of bindings) w.binding(b);
  return callWith(w.done(), (k, ptr, len) => k.kd_acl_filter(ptr, len), (out) => Array.from(out, (v) => v === 1));
}

/* Kafka's decision for each query (acl.c). */
export function aclAuthorize(principal: string, host: string, superUsers: string[], queries: AclQuery[], bindings: AclBinding[]): boolean[] {
  const w = new LeBytes().str(principal).str(host).u32(superUsers.length);
  for (const s of superUsers) w.str(s);
  w.u32(queries.length);
  for (const q of queries) w.u8(q.operation).u8(q.resourceType).str(q.resourceName);
  w.u32(bindings.length);
  for (const b of bindings) w.binding(b);
  return callWith(w.done(), (k, ptr, len) => k.kd_acl_authorize(ptr, len), (out) => Array.from(out, (v) => v === 1));
}
