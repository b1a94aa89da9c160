/*
 * host_sqlite.c — the storage door (storage.h) implemented natively over
 * Debian's libsqlite3, for the C tests, fuzzers and benchmarks.
 *
 * It plays the part the Worker's storage host plays over ctx.storage.sql: db ids
 * name attached connections, statement handles index a small table. Prepared
 * statements are cached per (db, SQL text) and reset on finalize, as DO SQLite
 * caches them internally, so benchmarks measure the log and not the parser.
 * This file is the host, not the core: its tables are the host's state, and it
 * is never compiled into the wasm module.
 */
#include <sqlite3.h>
#include <string.h>

#include "internal.h"
#include "storage.h"

#define MAX_DBS 64
#define MAX_STMTS 256

typedef struct {
    uint32_t db;
    char *sql;
    sqlite3_stmt *stmt;
    int in_use;
} stmt_slot;

static sqlite3 *conns[MAX_DBS];
static stmt_slot slots[MAX_STMTS];

int kd_native_attach(uint32_t db, sqlite3 *conn)
{
    if (db >= MAX_DBS)
        return -1;
    conns[db] = conn;
    return 0;
}

void kd_native_detach(uint32_t db)
{
    for (int i = 0; i < MAX_STMTS; i++) {
        if (slots[i].stmt && slots[i].db == db) {
            sqlite3_finalize(slots[i].stmt);
            sqlite3_free(slots[i].sql);
            memset(&slots[i], 0, sizeof slots[i]);
        }
    }
    if (db < MAX_DBS)
        conns[db] = NULL;
}

int32_t kd_native_in_transaction(uint32_t db, int32_t (*fn)(void *), void *arg)
{
    if (db >= MAX_DBS || !conns[db] || sqlite3_exec(conns[db], "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return KD_ERR_STORAGE;
    int32_t rc = fn(arg);
    /* As the Worker's binding does: a call that fails writes nothing. */
    const char *end = rc != 0 ? "ROLLBACK" : "COMMIT";
    if (sqlite3_exec(conns[db], end, NULL, NULL, NULL) != SQLITE_OK)
        return KD_ERR_STORAGE;
    return rc;
}

static stmt_slot *slot(int32_t stmt)
{
    return stmt >= 0 && stmt < MAX_STMTS && slots[stmt].in_use ? &slots[stmt] : NULL;
}

int32_t kd_host_prepare(uint32_t db, const char *sql, uint32_t sql_len)
{
    if (db >= MAX_DBS || !conns[db])
        return -1;
    int free_slot = -1;
    for (int i = 0; i < MAX_STMTS; i++) {
        stmt_slot *s = &slots[i];
        if (s->stmt && !s->in_use && s->db == db && strlen(s->sql) == sql_len && memcmp(s->sql, sql, sql_len) == 0) {
            s->in_use = 1;
            return i;
        }
        if (!s->stmt && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0)
        return -1;
    stmt_slot *s = &slots[free_slot];
    if (sqlite3_prepare_v2(conns[db], sql, (int)sql_len, &s->stmt, NULL) != SQLITE_OK)
        return -1;
    s->sql = sqlite3_mprintf("%.*s", (int)sql_len, sql);
    s->db = db;
    s->in_use = 1;
    return free_slot;
}

int32_t kd_host_bind_int64(int32_t stmt, uint32_t index, int64_t value)
{
    stmt_slot *s = slot(stmt);
    return s && sqlite3_bind_int64(s->stmt, (int)index, value) == SQLITE_OK ? 0 : -1;
}

int32_t kd_host_bind_blob(int32_t stmt, uint32_t index, const uint8_t *data, uint32_t len)
{
    stmt_slot *s = slot(stmt);
    return s && sqlite3_bind_blob(s->stmt, (int)index, len ? (const void *)data : "", (int)len, SQLITE_TRANSIENT) ==
                       SQLITE_OK
               ? 0
               : -1;
}

int32_t kd_host_bind_text(int32_t stmt, uint32_t index, const char *text, uint32_t len)
{
    stmt_slot *s = slot(stmt);
    return s && sqlite3_bind_text(s->stmt, (int)index, len ? text : "", (int)len, SQLITE_TRANSIENT) == SQLITE_OK ? 0
                                                                                                                 : -1;
}

int32_t kd_host_bind_null(int32_t stmt, uint32_t index)
{
    stmt_slot *s = slot(stmt);
    return s && sqlite3_bind_null(s->stmt, (int)index) == SQLITE_OK ? 0 : -1;
}

/* Fault injection for the tests: when > 0, the step that brings it to 0 fails. */
static long steps_until_failure;

void kd_native_fail_step(long n)
{
    steps_until_failure = n;
}

int32_t kd_host_step(int32_t stmt)
{
    stmt_slot *s = slot(stmt);
    if (!s)
        return -1;
    if (steps_until_failure > 0 && --steps_until_failure == 0)
        return -1;
    int rc = sqlite3_step(s->stmt);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int32_t kd_host_column_type(int32_t stmt, uint32_t col)
{
    stmt_slot *s = slot(stmt);
    if (!s)
        return KD_COL_NULL;
    switch (sqlite3_column_type(s->stmt, (int)col)) {
    case SQLITE_INTEGER: return KD_COL_INTEGER;
    case SQLITE_FLOAT: return KD_COL_FLOAT;
    case SQLITE_TEXT: return KD_COL_TEXT;
    case SQLITE_BLOB: return KD_COL_BLOB;
    default: return KD_COL_NULL;
    }
}

int64_t kd_host_column_int64(int32_t stmt, uint32_t col)
{
    stmt_slot *s = slot(stmt);
    return s ? sqlite3_column_int64(s->stmt, (int)col) : 0;
}

int32_t kd_host_column_bytes(int32_t stmt, uint32_t col)
{
    stmt_slot *s = slot(stmt);
    return s ? sqlite3_column_bytes(s->stmt, (int)col) : 0;
}

int32_t kd_host_column_copy(int32_t stmt, uint32_t col, uint8_t *dst, uint32_t cap)
{
    stmt_slot *s = slot(stmt);
    if (!s)
        return 0;
    const void *p = sqlite3_column_blob(s->stmt, (int)col);
    int n = sqlite3_column_bytes(s->stmt, (int)col);
    if (n > (int)cap)
        n = (int)cap;
    if (n > 0)
        memcpy(dst, p, (size_t)n);
    return n;
}

void kd_host_finalize(int32_t stmt)
{
    stmt_slot *s = slot(stmt);
    if (!s)
        return;
    sqlite3_reset(s->stmt);
    sqlite3_clear_bindings(s->stmt);
    s->in_use = 0;
}
