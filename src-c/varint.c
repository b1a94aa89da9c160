/*
 * varint.c — Kafka's zig-zag varints and unsigned varints. See varint.h.
 *
 * Zig-zag maps signed to unsigned so that small magnitudes stay short:
 * 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3 ... The shifts are done on unsigned types so
 * that no signed overflow (undefined behaviour) can happen on any input.
 */
#include "varint.h"

static bool uvar_read(const uint8_t *buf, size_t len, size_t *pos, int max_bytes, uint64_t *out)
{
    uint64_t v = 0;
    size_t p = *pos;
    for (int i = 0; i < max_bytes; i++) {
        if (p >= len)
            return false;
        uint8_t b = buf[p++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *pos = p;
            *out = v;
            return true;
        }
    }
    return false; /* too long for the type */
}

bool kd_uvarint_read(const uint8_t *buf, size_t len, size_t *pos, uint32_t *out)
{
    uint64_t v;
    if (!uvar_read(buf, len, pos, KD_VARINT_MAX, &v))
        return false;
    *out = (uint32_t)v; /* Java ignores bits past 32 in the fifth byte; so do we */
    return true;
}

bool kd_uvarlong_read(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out)
{
    return uvar_read(buf, len, pos, KD_VARLONG_MAX, out);
}

bool kd_varint_read(const uint8_t *buf, size_t len, size_t *pos, int32_t *out)
{
    uint32_t u;
    if (!kd_uvarint_read(buf, len, pos, &u))
        return false;
    *out = (int32_t)((u >> 1) ^ (0u - (u & 1)));
    return true;
}

bool kd_varlong_read(const uint8_t *buf, size_t len, size_t *pos, int64_t *out)
{
    uint64_t u;
    if (!kd_uvarlong_read(buf, len, pos, &u))
        return false;
    *out = (int64_t)((u >> 1) ^ (0ull - (u & 1)));
    return true;
}

size_t kd_uvarlong_write(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

size_t kd_uvarint_write(uint8_t *dst, uint32_t v)
{
    return kd_uvarlong_write(dst, v);
}

size_t kd_varint_write(uint8_t *dst, int32_t v)
{
    return kd_uvarlong_write(dst, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

size_t kd_varlong_write(uint8_t *dst, int64_t v)
{
    return kd_uvarlong_write(dst, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

size_t kd_uvarlong_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
