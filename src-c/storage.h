/*
 * storage.h — the one door through which the core reaches storage.
 *
 * Like SQLite's VFS, the door is small and the host implements it: prepare a
 * statement for a database, bind parameters, step through rows, read columns,
 * finalize. The core owns the schema and every SQL statement; the host only
 * passes calls through.
 *
 *   - In the Worker, the host is wasm/storage-host.ts: each call lands on the
 *     Durable Object's ctx.storage.sql.exec (synchronous, so a wasm import can
 *     call it directly). `db` names the Durable Object's storage, because one wasm
 *     instance serves every DO in the isolate.
 *   - Natively, the host is src-c/host_sqlite.c over Debian's libsqlite3.
 *
 * Semantics the core relies on:
 *   - Binding indexes start at 1, column indexes at 0 (as in SQLite).
 *   - A statement runs when first stepped, after all its bindings.
 *   - kd_host_step returns 1 when a row is ready, 0 when done, < 0 on error.
 *   - Every prepared statement is finalized by the core, errors included.
 *   - Column reads are valid for the current row only.
 *   - Transactions are the host's: one core call that writes is atomic because
 *     the host wraps it (transactionSync in the Worker, BEGIN/COMMIT natively).
 *     The core never issues BEGIN, COMMIT or SAVEPOINT (DO SQLite refuses them).
 */
#ifndef KAFDO_STORAGE_H
#define KAFDO_STORAGE_H

#include <stdint.h>

#if defined(__wasm__)
#define KD_HOST_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#else
#define KD_HOST_IMPORT(name)
#endif

#define KD_COL_NULL 0
#define KD_COL_INTEGER 1
#define KD_COL_FLOAT 2
#define KD_COL_TEXT 3
#define KD_COL_BLOB 4

/* Returns a statement handle >= 0, or < 0 when the SQL cannot be prepared. */
KD_HOST_IMPORT(kd_host_prepare)
int32_t kd_host_prepare(uint32_t db, const char *sql, uint32_t sql_len);

KD_HOST_IMPORT(kd_host_bind_int64)
int32_t kd_host_bind_int64(int32_t stmt, uint32_t index, int64_t value);
KD_HOST_IMPORT(kd_host_bind_blob)
int32_t kd_host_bind_blob(int32_t stmt, uint32_t index, const uint8_t *data, uint32_t len);
KD_HOST_IMPORT(kd_host_bind_text)
int32_t kd_host_bind_text(int32_t stmt, uint32_t index, const char *text, uint32_t len);
KD_HOST_IMPORT(kd_host_bind_null)
int32_t kd_host_bind_null(int32_t stmt, uint32_t index);

KD_HOST_IMPORT(kd_host_step)
int32_t kd_host_step(int32_t stmt);

KD_HOST_IMPORT(kd_host_column_type)
int32_t kd_host_column_type(int32_t stmt, uint32_t col);
KD_HOST_IMPORT(kd_host_column_int64)
int64_t kd_host_column_int64(int32_t stmt, uint32_t col);
/* Byte length of a TEXT or BLOB column (0 for NULL). */
KD_HOST_IMPORT(kd_host_column_bytes)
int32_t kd_host_column_bytes(int32_t stmt, uint32_t col);
/* Copies min(cap, length) bytes of a TEXT or BLOB column to dst; returns the count. */
KD_HOST_IMPORT(kd_host_column_copy)
int32_t kd_host_column_copy(int32_t stmt, uint32_t col, uint8_t *dst, uint32_t cap);

KD_HOST_IMPORT(kd_host_finalize)
void kd_host_finalize(int32_t stmt);

/* Native host only (host_sqlite.c): attach a connection to a db id for the tests,
 * fuzzers and benchmarks. Not part of the wasm module. */
#if !defined(__wasm__)
struct sqlite3;
int kd_native_attach(uint32_t db, struct sqlite3 *conn);
void kd_native_detach(uint32_t db);
/* Runs fn inside BEGIN/COMMIT, rolling back when it returns non-zero, as the
 * Worker's binding does: a core call that fails writes nothing. */
int32_t kd_native_in_transaction(uint32_t db, int32_t (*fn)(void *), void *arg);
/* Fault injection: the n-th kd_host_step from now (n >= 1) fails as a full disk
 * would; 0 turns it off. */
void kd_native_fail_step(long n);
#endif

#endif /* KAFDO_STORAGE_H */
