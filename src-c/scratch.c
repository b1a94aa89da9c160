/*
 * scratch.c — the core's output buffer, its error message, and the allocator the
 * host uses for inputs.
 *
 * These are the only mutable globals in the core, and they are scratch: each
 * exported call resets them on entry (kd_scratch_reset) and the host copies out
 * what it keeps before its next call (the ownership rule in kafdo.h). The buffer
 * keeps its capacity between calls so that steady traffic does not reallocate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint8_t *out_buf;
static size_t out_len;
static size_t out_cap;
static char error_message[256];

void *kd_alloc(uint32_t size)
{
    return malloc(size ? size : 1);
}
void kd_free(void *ptr)
{
    free(ptr);
}
const uint8_t *kd_out_ptr(void)
{
    return out_buf;
}
uint32_t kd_out_len(void)
{
    return (uint32_t)out_len;
}
const char *kd_error_message(void)
{
    return error_message;
}

void kd_release_scratch(void)
{
    free(out_buf);
    out_buf = NULL;
    out_len = out_cap = 0;
    error_message[0] = '\0';
}

void kd_scratch_reset(void)
{
    out_len = 0;
    error_message[0] = '\0';
}

int32_t kd_fail(int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    return code;
}

uint8_t *kd_out_reserve(size_t len)
{
    if (len > SIZE_MAX - out_len)
        return NULL;
    size_t need = out_len + len;
    if (need > out_cap) {
        size_t cap = out_cap ? out_cap : 4096;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        uint8_t *grown = realloc(out_buf, cap);
        if (!grown)
            return NULL;
        out_buf = grown;
        out_cap = cap;
    }
    uint8_t *at = out_buf + out_len;
    out_len = need;
    return at;
}

bool kd_out_append(const void *data, size_t len)
{
    uint8_t *at = kd_out_reserve(len);
    if (!at)
        return false;
    if (len)
        memcpy(at, data, len);
    return true;
}

/* The host reads these little-endian; wasm and x86 are little-endian already, but
 * writing bytes explicitly keeps the format independent of the machine. */
static bool out_le(uint64_t v, int n)
{
    uint8_t *at = kd_out_reserve((size_t)n);
    if (!at)
        return false;
    for (int i = 0; i < n; i++)
        at[i] = (uint8_t)(v >> (8 * i));
    return true;
}

bool kd_out_u8(uint8_t v)
{
    return out_le(v, 1);
}
bool kd_out_i16(int16_t v)
{
    return out_le((uint16_t)v, 2);
}
bool kd_out_i32(int32_t v)
{
    return out_le((uint32_t)v, 4);
}
bool kd_out_u32(uint32_t v)
{
    return out_le(v, 4);
}
bool kd_out_i64(int64_t v)
{
    return out_le((uint64_t)v, 8);
}

void kd_out_truncate(size_t len)
{
    if (len < out_len)
        out_len = len;
}

size_t kd_out_size(void)
{
    return out_len;
}
uint8_t *kd_out_data(void)
{
    return out_buf;
}

void kd_out_patch_u32(size_t at, uint32_t v)
{
    if (at + 4 > out_len)
        return;
    for (int i = 0; i < 4; i++)
        out_buf[at + i] = (uint8_t)(v >> (8 * i));
}

void kd_out_patch_i64(size_t at, int64_t v)
{
    if (at + 8 > out_len)
        return;
    for (int i = 0; i < 8; i++)
        out_buf[at + i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* ---- little-endian reader ---- */

static bool le_take(kd_le_reader *r, size_t n, uint64_t *v)
{
    if (r->len - r->pos < n)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += n;
    *v = x;
    return true;
}

bool kd_le_u32(kd_le_reader *r, uint32_t *v)
{
    uint64_t x;
    if (!le_take(r, 4, &x))
        return false;
    *v = (uint32_t)x;
    return true;
}

bool kd_le_i32(kd_le_reader *r, int32_t *v)
{
    uint32_t x;
    if (!kd_le_u32(r, &x))
        return false;
    *v = (int32_t)x;
    return true;
}

bool kd_le_i16(kd_le_reader *r, int16_t *v)
{
    uint64_t x;
    if (!le_take(r, 2, &x))
        return false;
    *v = (int16_t)(uint16_t)x;
    return true;
}

bool kd_le_i64(kd_le_reader *r, int64_t *v)
{
    uint64_t x;
    if (!le_take(r, 8, &x))
        return false;
    *v = (int64_t)x;
    return true;
}

bool kd_le_bytes(kd_le_reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->pos < n)
        return false;
    *out = r->p + r->pos;
    r->pos += n;
    return true;
}

bool kd_le_str(kd_le_reader *r, kd_str *s)
{
    int16_t n;
    const uint8_t *p;
    if (!kd_le_i16(r, &n) || !kd_le_bytes(r, (uint16_t)n, &p))
        return false;
    s->p = p;
    s->len = (uint16_t)n;
    return true;
}

bool kd_out_str(const uint8_t *p, size_t len)
{
    return len <= UINT16_MAX && kd_out_i16((int16_t)(uint16_t)len) && kd_out_append(p, len);
}

/* Byte order, shorter first on a common prefix: Java's String.compareTo for ASCII. */
int kd_str_cmp(kd_str a, kd_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c ? c : (int)a.len - (int)b.len;
}
