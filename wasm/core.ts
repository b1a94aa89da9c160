/*
 * core.ts — the wasm instance of the C core, and invoke(), the one way to call it.
 *
 * The instance. kafdo.wasm arrives as a WebAssembly.Module (Workers compile imported
 * .wasm modules ahead of time); it is instantiated once per isolate, on first use, and
 * shared by every Durable Object in the isolate, each naming its storage by a db id
 * (registerStorage). If the instance ever traps, it is dropped and the next call makes
 * a fresh one: the core keeps no state outside storage, so nothing is lost.
 *
 * A call, as kafdo.h's ownership rule has it: the input is copied into memory from
 * kd_alloc and freed after the call; the output is copied out of kd_out_ptr/kd_out_len
 * (and the error message out of kd_error_message) before any other kd_ call, since the
 * next call reuses them. Memory may grow during any call, so views over memory.buffer
 * are made afresh after each one. A call that writes runs inside its Durable Object's
 * transactionSync and throws out of it on failure, so a storage error part-way leaves
 * the storage as it was.
 */
import kafdoModule from "./kafdo.wasm";
import { KafdoError, KD_ERR_NOMEM, KD_ERR_STORAGE } from "../worker/common/errors";
import { Reader } from "./bytes";
import { clearHostError, dropStatements, hostError, storageImports, storageOf } from "./storage-host";

/* The core's exports, as kafdo.h declares them (int64s cross as BigInt). */
export interface CoreExports {
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
  kd_log_stats(db: number, fromOffset: bigint): number;
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
  kd_log_write_txn_marker(
    db: number,
    producerId: bigint,
    producerEpoch: number,
    commit: number,
    coordinatorEpoch: number,
    nowMs: bigint,
  ): number;
  kd_log_fetch_isolated(db: number, offset: bigint, maxBytes: number, minOneBatch: number, isolation: number): number;
  kd_log_read_isolated(db: number, offset: bigint, maxRecords: number, maxBytes: number, isolation: number): number;
  kd_log_fetch_cold_isolated(
    db: number,
    offset: bigint,
    maxBytes: number,
    minOneBatch: number,
    isolation: number,
    ptr: number,
    len: number,
    position: bigint,
  ): number;
  kd_log_read_cold_isolated(
    db: number,
    offset: bigint,
    maxRecords: number,
    maxBytes: number,
    isolation: number,
    ptr: number,
    len: number,
    position: bigint,
  ): number;
  kd_log_read_rest_isolated(
    db: number,
    offset: bigint,
    maxRecords: number,
    maxBytes: number,
    isolation: number,
    encoding: number,
  ): number;
  kd_log_read_rest_cold_isolated(
    db: number,
    offset: bigint,
    maxRecords: number,
    maxBytes: number,
    isolation: number,
    encoding: number,
    ptr: number,
    len: number,
    position: bigint,
  ): number;
  kd_batch_decode_rest(ptr: number, len: number, minOffset: bigint, maxRecords: number, encoding: number): number;
  kd_log_list_offset(db: number, timestamp: bigint, isolation: number): number;
  kd_log_txn_state(db: number): number;
  kd_produce_txn_check(ptr: number, len: number, hasTransactionalId: number): number;
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
  kd_producer_id_next(db: number): number;
  kd_group_open(db: number): number;
  kd_group_join(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_sync(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_poll(db: number, nowMs: bigint): number;
  kd_group_heartbeat(db: number, ptr: number, len: number, generation: number, nowMs: bigint): number;
  kd_group_leave(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_topic_changed(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_topic_deleted(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_commit(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_offsets(db: number, ptr: number, len: number): number;
  kd_group_describe(db: number): number;
  kd_group_reset_offsets(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_delete(db: number): number;
  kd_group_delete_offsets(db: number, ptr: number, len: number): number;
  kd_group_txn_commit(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_group_txn_complete(db: number, producerId: bigint, producerEpoch: number, commit: number, nowMs: bigint): number;
  kd_group_txn_unstable(db: number, ptr: number, len: number): number;
  kd_group_id_check(ptr: number, len: number): number;
  kd_groups_register(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_groups_unregister(db: number, ptr: number, len: number): number;
  kd_groups_list(db: number): number;
  kd_kafka_decode(ptr: number, len: number): number;
  kd_kafka_encode(ptr: number, len: number): number;
  kd_kafka_error_response(apiKey: number, apiVersion: number, correlationId: number, errorCode: number): number;
  kd_kafka_supported(): number;
  kd_produce_acks_check(acks: number): number;
  kd_fetch_budget(maxBytes: number): number;
  kd_metadata_lists_all(apiVersion: number, topicCount: number): number;
  kd_join_rebalance_timeout(apiVersion: number, sessionTimeoutMs: number, rebalanceTimeoutMs: number): number;
  kd_join_member_id_required(apiVersion: number): number;
  kd_topic_request_partitions(numPartitions: number, replicationFactor: number, defaultPartitions: number): number;
  kd_topic_ensure(db: number, ptr: number, len: number, idPtr: number, nowMs: bigint, maxPartitions: number): number;
  kd_group_held_join(state: number, waiting: number, leads: number): number;
  kd_group_held_sync(state: number, generation: number, heldGeneration: number): number;
  kd_scram_credential(mechanism: number, ptr: number, len: number, iterations: number, saltedGiven: number): number;
  kd_scram_client_first(ptr: number, len: number): number;
  kd_scram_server_first(ptr: number, len: number, iterations: number): number;
  kd_scram_client_final(mechanism: number, ptr: number, len: number): number;
  kd_sasl_plain_user(ptr: number, len: number): number;
  kd_sasl_plain_verify(mechanism: number, ptr: number, len: number, iterations: number): number;
  kd_acl_check(ptr: number, len: number): number;
  kd_acl_filter(ptr: number, len: number): number;
  kd_acl_authorize(ptr: number, len: number): number;
  kd_acl_operations(ptr: number, len: number): number;
  kd_txn_coordinator_open(db: number): number;
  kd_txn_init(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_txn_add(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_txn_end(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_txn_pending(db: number): number;
  kd_txn_marked(db: number, ptr: number, len: number): number;
  kd_txn_complete(db: number, nowMs: bigint): number;
  kd_txn_poll(db: number, nowMs: bigint): number;
  kd_txn_describe(db: number): number;
  kd_txn_list_filter(ptr: number, len: number, nowMs: bigint): number;
  kd_txn_error_for_version(apiKey: number, apiVersion: number, code: number): number;
  kd_txn_ids_register(db: number, ptr: number, len: number, nowMs: bigint): number;
  kd_txn_ids_list(db: number): number;
}

let core: CoreExports | undefined;

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
  /* Set once the instance exists; the storage imports below reach memory through it. */
  let exports: CoreExports | undefined = undefined;
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

/* After anything but a KafdoError (a trap, or an exception thrown through the
 * core), the core may have stopped mid-way with its heap half-updated: start over. */
function discardInstance(): void {
  core = undefined;
  dropStatements();
}

const utf8Decoder = new TextDecoder();

function readCString(k: CoreExports, ptr: number): string {
  const mem = new Uint8Array(k.memory.buffer);
  let end = ptr;
  while (end < mem.length && mem[end] !== 0) end++;
  return utf8Decoder.decode(mem.subarray(ptr, end));
}

/* The KafdoError for a failed call: the core's code and message, and for a storage
 * failure what the host's storage said. */
function errorOf(k: CoreExports, code: number): KafdoError {
  let message = readCString(k, k.kd_error_message());
  const host = code === KD_ERR_STORAGE ? hostError() : undefined;
  if (host) message = message ? `${message}: ${host}` : host;
  return new KafdoError(code, message);
}

/* One call of the core. */
export interface Invocation<T> {
  /* The bytes the call reads, staged in memory from kd_alloc and freed after it.
   * Absent: none (pointer 0, length 0); null: none, given as pointer 0 and length -1
   * (kd_partition's keyless record). */
  input?: Uint8Array | null;
  /* The db whose storage the call writes: it runs inside that storage's
   * transactionSync, so a failure rolls back everything it wrote. */
  writes?: number;
  /* The core function, given the staged input's pointer and length. */
  run(k: CoreExports, ptr: number, len: number): number;
  /* Which returns are answers; any other is a failure, thrown as a KafdoError with
   * the core's message. Absent: 0 only (kafdo.h's status convention). */
  accepts?(rc: number): boolean;
  /* The answer, read from (a copy of) the call's output and its return. Absent: the
   * return itself is the answer (a status, or a value such as kd_crc32c's). */
  read?(out: Reader, rc: number): T;
}

/* Stages the input, calls, reads the output: every call of the core goes through here. */
export function invoke<T = number>(c: Invocation<T>): T {
  const go = (): T => {
    const k = instance();
    let ptr = 0;
    try {
      const input = c.input;
      if (input) {
        ptr = k.kd_alloc(input.length);
        if (ptr === 0) throw new KafdoError(KD_ERR_NOMEM, `cannot stage ${input.length} bytes of input`);
        new Uint8Array(k.memory.buffer).set(input, ptr);
      }
      clearHostError();
      const rc = c.run(k, ptr, input === null ? -1 : (input?.length ?? 0));
      if (c.accepts ? !c.accepts(rc) : rc !== 0) throw errorOf(k, rc);
      if (!c.read) return rc as T;
      const out = new Uint8Array(k.memory.buffer, k.kd_out_ptr(), k.kd_out_len()).slice();
      return c.read(new Reader(out), rc);
    } catch (e) {
      if (!(e instanceof KafdoError)) {
        discardInstance();
        ptr = 0;
      }
      throw e;
    } finally {
      if (ptr !== 0) k.kd_free(ptr);
    }
  };
  return c.writes === undefined ? go() : storageOf(c.writes).transactionSync(go);
}
