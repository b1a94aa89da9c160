/*
 * sql.c — conveniences over the storage door. See sql.h.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql.h"

int32_t kd_sql_prepare(uint32_t db, const char *sql)
{
    int32_t stmt = kd_host_prepare(db, sql, (uint32_t)strlen(sql));
    if (stmt < 0)
        return kd_fail(KD_ERR_STORAGE, "storage could not prepare: %.120s", sql);
    return stmt;
}

int32_t kd_sql_step(int32_t stmt, const char *what)
{
    int32_t rc = kd_host_step(stmt);
    if (rc < 0)
        return kd_fail(KD_ERR_STORAGE, "storage failed while %s", what);
    return rc;
}

int32_t kd_sql_run(uint32_t db, const char *sql)
{
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "running a schema statement")) == 1)
        ;
    kd_host_finalize(stmt);
    return rc;
}

int32_t kd_sql_bind_i64(int32_t stmt, uint32_t index, int64_t v)
{
    return kd_host_bind_int64(stmt, index, v) < 0
               ? kd_fail(KD_ERR_STORAGE, "storage refused parameter %u", (unsigned)index)
               : 0;
}

int32_t kd_sql_bind_blob(int32_t stmt, uint32_t index, const uint8_t *p, uint32_t len)
{
    return kd_host_bind_blob(stmt, index, p, len) < 0
               ? kd_fail(KD_ERR_STORAGE, "storage refused blob parameter %u", (unsigned)index)
               : 0;
}

int32_t kd_sql_bind_text(int32_t stmt, uint32_t index, const uint8_t *p, uint32_t len)
{
    return kd_host_bind_text(stmt, index, (const char *)p, len) < 0
               ? kd_fail(KD_ERR_STORAGE, "storage refused text parameter %u", (unsigned)index)
               : 0;
}

int32_t kd_sql_column_dup(int32_t stmt, uint32_t col, uint8_t **out, uint32_t *len)
{
    int32_t n = kd_host_column_bytes(stmt, col);
    if (n < 0)
        return kd_fail(KD_ERR_STORAGE, "storage gave a negative length");
    uint8_t *p = malloc((size_t)n + 1);
    if (!p)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    *len = (uint32_t)kd_host_column_copy(stmt, col, p, (uint32_t)n);
    p[*len] = 0;
    *out = p;
    return 0;
}

int32_t kd_sql_run_all(uint32_t db, const char *const *statements, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int32_t rc = kd_sql_run(db, statements[i]);
        if (rc)
            return rc;
    }
    return 0;
}

int32_t kd_sql_one_i64(int32_t stmt, int64_t *out, int *found)
{
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading a value");
    *found = rc == 1;
    if (rc == 1)
        *out = kd_host_column_int64(stmt, 0);
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_sql_prepare_args(uint32_t db, const char *sql, const char *fmt, ...)
{
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    va_list ap;
    va_start(ap, fmt);
    int32_t rc = 0;
    for (uint32_t i = 0; fmt[i] && !rc; i++) {
        if (fmt[i] == 'i') {
            rc = kd_sql_bind_i64(stmt, i + 1, va_arg(ap, int64_t));
        } else if (fmt[i] == 's') {
            const kd_str *s = va_arg(ap, const kd_str *);
            rc = kd_sql_bind_text(stmt, i + 1, s->p, s->len);
        } else if (fmt[i] == 't') {
            const char *s = va_arg(ap, const char *);
            rc = kd_sql_bind_text(stmt, i + 1, (const uint8_t *)s, (uint32_t)strlen(s));
        } else {
            const uint8_t *p = va_arg(ap, const uint8_t *);
            uint32_t n = va_arg(ap, uint32_t);
            rc = kd_sql_bind_blob(stmt, i + 1, p, n);
        }
    }
    va_end(ap);
    if (rc) {
        kd_host_finalize(stmt);
        return rc;
    }
    return stmt;
}

int32_t kd_sql_exec(int32_t stmt)
{
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "writing");
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_sql_one_dup(int32_t stmt, uint8_t **out, uint32_t *len)
{
    *out = NULL;
    *len = 0;
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading a value");
    if (rc == 1)
        rc = kd_sql_column_dup(stmt, 0, out, len);
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

int32_t kd_sql_out_names(uint32_t db, const char *sql, int32_t max_len, const char *what)
{
    kd_scratch_reset();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    uint32_t count = 0;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, what)) == 1) {
        int32_t n = kd_host_column_bytes(stmt, 0);
        if (n < 0 || n > max_len) {
            rc = kd_fail(KD_ERR_STORAGE, "%s: a stored name is too long", what);
            break;
        }
        uint8_t *name = kd_out_reserve(2 + (size_t)n);
        if (!name) {
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
            break;
        }
        name[0] = (uint8_t)n;
        name[1] = (uint8_t)(n >> 8);
        kd_host_column_copy(stmt, 0, name + 2, (uint32_t)n);
        count++;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    kd_out_patch_u32(0, count);
    return 0;
}
