/*
 * sql.h — small conveniences over the storage door (storage.h) for the modules
 * that own a schema (log.c, topics.c, the group_*.c files, and the rest): prepare
 * from a C string, with its parameters bound from a format; run a statement that
 * returns no rows; read one integer or one text. Every failure becomes
 * KD_ERR_STORAGE with the statement named in the error message, so the host
 * knows to roll back.
 */
#ifndef KAFDO_SQL_H
#define KAFDO_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "storage.h"

/* A prepared statement handle, or < 0 with the error message set. */
int32_t kd_sql_prepare(uint32_t db, const char *sql);
/* Runs a statement without parameters to completion. */
int32_t kd_sql_run(uint32_t db, const char *sql);
/* Runs each statement of a schema, in order. */
int32_t kd_sql_run_all(uint32_t db, const char *const *statements, size_t count);
/* Steps a prepared statement once and reads its first column as an integer;
 * *found says whether there was a row. Finalizes the statement. A negative
 * `stmt` (a failed prepare) is passed back. */
int32_t kd_sql_one_i64(int32_t stmt, int64_t *out, int *found);
/* Steps once; 1 row, 0 done, KD_ERR_STORAGE (message set) on error. */
int32_t kd_sql_step(int32_t stmt, const char *what);
/* Binds, failing with KD_ERR_STORAGE. */
int32_t kd_sql_bind_i64(int32_t stmt, uint32_t index, int64_t v);
int32_t kd_sql_bind_blob(int32_t stmt, uint32_t index, const uint8_t *p, uint32_t len);
int32_t kd_sql_bind_text(int32_t stmt, uint32_t index, const uint8_t *p, uint32_t len);
/*
 * Prepares `sql` and binds its parameters in order from `fmt`: 'i' an int64_t,
 * 's' a const kd_str * (as TEXT), 't' a const char * NUL-terminated (as TEXT),
 * 'b' a const uint8_t * and a uint32_t (as BLOB). Returns the statement, or < 0
 * with the error set (nothing left to finalize).
 */
int32_t kd_sql_prepare_args(uint32_t db, const char *sql, const char *fmt, ...);
/* Runs a statement that returns no rows to its first step and finalizes it. A
 * negative `stmt` (a failed prepare) is passed back. */
int32_t kd_sql_exec(int32_t stmt);
/* Reads one TEXT (or BLOB) column of the statement's first row, copied as
 * kd_sql_column_dup does; NULL and 0 when there is no row. Finalizes the
 * statement; a negative `stmt` is passed back. */
int32_t kd_sql_one_dup(int32_t stmt, uint8_t **out, uint32_t *len);
/* Copies a TEXT or BLOB column into memory from malloc (NUL-terminated; the
 * caller frees it). */
int32_t kd_sql_column_dup(int32_t stmt, uint32_t col, uint8_t **out, uint32_t *len);

/* Runs a query of one text column and writes its rows to the output as a u32 count then,
 * per row, a u16 length (little-endian) and the bytes; a row longer than max_len is a
 * damaged store (KD_ERR_STORAGE). `what` names the listing in errors. */
int32_t kd_sql_out_names(uint32_t db, const char *sql, int32_t max_len, const char *what);

#endif /* KAFDO_SQL_H */
