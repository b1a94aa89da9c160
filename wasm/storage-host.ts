/*
 * storage-host.ts — the Worker's side of the core's storage door (src-c/storage.h).
 *
 * The core owns the schema and every SQL statement; this file only passes its calls
 * through to Durable Object SQLite. Each kd_host_* import lands here:
 *
 *   prepare   records {storage, sql, params[]} under a small integer handle (DO SQL
 *             has no separate prepare, so a statement that cannot be prepared fails
 *             at its first step instead);
 *   bind_*    fill params[index - 1] (SQLite's 1-based binding indexes);
 *   step      on the first call runs ctx.storage.sql.exec(sql, ...params) and walks
 *             its .raw() rows lazily, so a scan the core stops early costs only the
 *             rows it read; then 1 per row, 0 when done, < 0 on error;
 *   column_*  read the current row (0-based columns);
 *   finalize  forgets the handle, first adding the cursor's rowsRead and rowsWritten
 *             (what DO SQLite bills) to its storage's count (sqlRows; metrics).
 *
 * One wasm instance serves every Durable Object in the isolate, so each DO registers
 * its storage once and names it by the returned db id in every core call. The table
 * holds storages weakly: a live DO keeps its own storage alive, and once a DO is gone
 * (evicted, say, while the isolate lives on) its id is free for the next one, so the
 * table does not grow with every object the isolate ever hosted.
 *
 * DO SQL speaks JavaScript values: INTEGER columns arrive as numbers, BLOBs as
 * ArrayBuffers, TEXT as strings, and it refuses BigInt parameters. The core's int64s
 * cross the wasm boundary as BigInt. One within 2^53 is bound as a number; a larger
 * one as its decimal text, which SQLite turns into the exact INTEGER when it meets an
 * INTEGER column (storing into it, or comparing with it) or arithmetic. DO SQL reads
 * an INTEGER beyond 2^53 back as a rounded number; where the core needs such a value
 * exactly, it selects CAST(column AS TEXT), which column_int64 parses exactly.
 *
 * Every exception from DO SQL is caught here and becomes a negative return (a wasm
 * import must not throw through the core); its message is kept for the binding,
 * which reports it with the core's KD_ERR_STORAGE.
 */
import { runtimeLacks } from "../worker/common/errors";
import { KD_COL_BLOB, KD_COL_FLOAT, KD_COL_INTEGER, KD_COL_NULL, KD_COL_TEXT } from "./generated/abi";

/* What a Durable Object hands over: its SQL, and the transaction the binding wraps
 * every writing core call in (DO SQLite refuses BEGIN/COMMIT statements). */
export interface KafdoStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
}

const HOST_ERROR = -1;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

interface Statement {
  storage: KafdoStorage;
  sql: string;
  params: SqlStorageValue[];
  cursor: SqlStorageCursor<Record<string, SqlStorageValue>> | undefined;
  rows: Iterator<SqlStorageValue[]> | undefined;
  row: SqlStorageValue[] | undefined;
  /* UTF-8 of the current row's TEXT columns, made once for column_bytes + copy. */
  text: Map<number, Uint8Array>;
}

/* Rows read and written by the core's statements, as DO SQLite counts (and bills) them. */
export interface SqlRows {
  rowsRead: number;
  rowsWritten: number;
}

const storages: (WeakRef<KafdoStorage> | undefined)[] = [];
const rowCounts = new WeakMap<KafdoStorage, SqlRows>();

/* The rows the core's statements have read and written in `storage` since this
 * isolate registered it (kept in memory only: metrics, never stored). */
export function sqlRows(storage: KafdoStorage): SqlRows {
  const rows = rowCounts.get(storage);
  return rows ? { ...rows } : { rowsRead: 0, rowsWritten: 0 };
}

let countingRows = true;

/* KAFDO_METRICS=off: the Durable Objects turn the count off for their isolate. */
export function countSqlRows(on: boolean): void {
  countingRows = on;
}

/* Called from finalize, which returns nothing: a failure here is not the core's to see. */
function countRows(stmt: Statement): void {
  if (!stmt.cursor || !countingRows) return;
  try {
    let rows = rowCounts.get(stmt.storage);
    if (!rows) rowCounts.set(stmt.storage, (rows = { rowsRead: 0, rowsWritten: 0 }));
    rows.rowsRead += stmt.cursor.rowsRead;
    rows.rowsWritten += stmt.cursor.rowsWritten;
  } catch {
    /* a cursor without the counts: nothing to add */
  }
}
const storageIds = new WeakMap<KafdoStorage, number>();
const statements: (Statement | undefined)[] = [];
const freeHandles: number[] = [];
let lastError: string | undefined;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/* Registers a Durable Object's storage and returns its db id. The id is valid while
 * the caller holds this very storage object (a DO keeps it in a field). */
export function registerStorage(storage: KafdoStorage): number {
  /* Off before compatibility_date 2025-05-05: say so, not "WeakRef is not defined". */
  if (typeof WeakRef !== "function") throw runtimeLacks("WeakRef");
  let id = storageIds.get(storage);
  if (id === undefined) {
    id = storages.findIndex((ref) => ref?.deref() === undefined);
    if (id < 0) id = storages.length;
    storages[id] = new WeakRef(storage);
    storageIds.set(storage, id);
  }
  return id;
}

/* The storage registered under db; throws for an id never handed out. */
export function storageOf(db: number): KafdoStorage {
  const storage = storages[db]?.deref();
  if (!storage) throw new RangeError(`no storage registered as db ${db}`);
  return storage;
}

/* The message of the last storage failure since clearHostError(), if any. */
export function hostError(): string | undefined {
  return lastError;
}

export function clearHostError(): void {
  lastError = undefined;
}

/* Forgets every open statement. The core finalizes all it prepares, so this only
 * matters after the instance trapped mid-call and is being replaced. */
export function dropStatements(): void {
  statements.length = 0;
  freeHandles.length = 0;
}

function fail(message: string): number {
  lastError = message;
  return HOST_ERROR;
}

function failWith(e: unknown): number {
  return fail(e instanceof Error ? e.message : String(e));
}

/* An import that returns a status: any exception becomes HOST_ERROR with its
 * message kept (a bad pointer from the core, or DO SQL refusing the statement). */
function guarded<A extends unknown[]>(f: (...args: A) => number): (...args: A) => number {
  return (...args) => {
    try {
      return f(...args);
    } catch (e) {
      return failWith(e);
    }
  };
}

/*
 * The "env" imports of kafdo.wasm. `memory` returns the instance's memory; the
 * binding supplies it late because the imports exist before the instance does.
 * Views over memory.buffer are made per call: the core may grow memory at any time.
 */
export function storageImports(memory: () => WebAssembly.Memory) {
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(memory().buffer, ptr, len);

  const bind = (handle: number, index: number, value: SqlStorageValue): number => {
    const stmt = statements[handle];
    if (!stmt) return fail(`bind on unknown statement ${handle}`);
    if (stmt.rows) return fail("bind after the statement ran");
    if (index < 1) return fail(`binding index ${index} (they start at 1)`);
    while (stmt.params.length < index - 1) stmt.params.push(null);
    stmt.params[index - 1] = value;
    return 0;
  };

  const column = (handle: number, col: number): SqlStorageValue | undefined => {
    const row = statements[handle]?.row;
    return row ? row[col] : undefined;
  };

  /* TEXT and BLOB bytes of a column; a number reads as its text, as SQLite does. */
  const columnBytes = (handle: number, col: number): Uint8Array => {
    const stmt = statements[handle];
    const value = column(handle, col);
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (value === null || value === undefined || !stmt) return new Uint8Array(0);
    let text = stmt.text.get(col);
    if (!text) {
      text = utf8Encoder.encode(String(value));
      stmt.text.set(col, text);
    }
    return text;
  };

  return {
    kd_host_prepare: guarded((db: number, sqlPtr: number, sqlLen: number): number => {
      const storage = storages[db]?.deref();
      if (!storage) return fail(`no storage registered as db ${db}`);
      const stmt: Statement = {
        storage,
        sql: utf8Decoder.decode(bytes(sqlPtr, sqlLen)),
        params: [],
        cursor: undefined,
        rows: undefined,
        row: undefined,
        text: new Map(),
      };
      const handle = freeHandles.pop() ?? statements.length;
      statements[handle] = stmt;
      return handle;
    }),

    kd_host_bind_int64: guarded((handle: number, index: number, value: bigint): number => {
      const exact = value <= MAX_SAFE && value >= MIN_SAFE;
      return bind(handle, index, exact ? Number(value) : value.toString());
    }),

    kd_host_bind_blob: guarded((handle: number, index: number, ptr: number, len: number): number =>
      bind(handle, index, bytes(ptr, len).slice().buffer),
    ),

    kd_host_bind_text: guarded((handle: number, index: number, ptr: number, len: number): number =>
      bind(handle, index, utf8Decoder.decode(bytes(ptr, len))),
    ),

    kd_host_bind_null: guarded((handle: number, index: number): number => bind(handle, index, null)),

    kd_host_step: guarded((handle: number): number => {
      const stmt = statements[handle];
      if (!stmt) return fail(`step on unknown statement ${handle}`);
      stmt.row = undefined;
      stmt.text.clear();
      if (!stmt.rows) {
        stmt.cursor = stmt.storage.sql.exec(stmt.sql, ...stmt.params);
        stmt.rows = stmt.cursor.raw();
      }
      const next = stmt.rows.next();
      if (next.done) return 0;
      stmt.row = next.value;
      return 1;
    }),

    kd_host_column_type(handle: number, col: number): number {
      const value = column(handle, col);
      if (value === null || value === undefined) return KD_COL_NULL;
      if (typeof value === "number") return Number.isInteger(value) ? KD_COL_INTEGER : KD_COL_FLOAT;
      if (typeof value === "string") return KD_COL_TEXT;
      return KD_COL_BLOB;
    },

    kd_host_column_int64(handle: number, col: number): bigint {
      const value = column(handle, col);
      if (typeof value === "number") return Number.isFinite(value) ? BigInt(Math.trunc(value)) : 0n;
      if (typeof value === "string") {
        const digits = /^\s*[+-]?\d+/.exec(value);
        if (!digits) return 0n;
        const n = BigInt(digits[0].trim());
        return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
      }
      return 0n;
    },

    kd_host_column_bytes(handle: number, col: number): number {
      return columnBytes(handle, col).length;
    },

    kd_host_column_copy: guarded((handle: number, col: number, dst: number, cap: number): number => {
      const src = columnBytes(handle, col);
      const n = Math.min(src.length, cap);
      bytes(dst, n).set(src.subarray(0, n));
      return n;
    }),

    kd_host_finalize(handle: number): void {
      const stmt = statements[handle];
      if (stmt) {
        countRows(stmt);
        statements[handle] = undefined;
        freeHandles.push(handle);
      }
    },
  };
}
