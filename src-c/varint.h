/*
 * varint.h — Kafka's variable-length integers (protobuf's encoding).
 *
 * Records and their headers use zig-zag varints (int32) and varlongs (int64);
 * flexible protocol versions use unsigned varints for lengths. A decoder reads
 * from buf[*pos..len), advances *pos only on success, and refuses encodings that
 * run past len or are longer than the type allows (5 bytes for 32 bits, 10 for
 * 64): Kafka's own reader throws on those too.
 */
#ifndef KAFDO_VARINT_H
#define KAFDO_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_VARINT_MAX 5
#define KD_VARLONG_MAX 10

bool kd_uvarint_read(const uint8_t *buf, size_t len, size_t *pos, uint32_t *out);
bool kd_uvarlong_read(const uint8_t *buf, size_t len, size_t *pos, uint64_t *out);
bool kd_varint_read(const uint8_t *buf, size_t len, size_t *pos, int32_t *out);
bool kd_varlong_read(const uint8_t *buf, size_t len, size_t *pos, int64_t *out);

/* Writers put the encoding at dst (room for the MAX bytes) and return its length. */
size_t kd_uvarint_write(uint8_t *dst, uint32_t v);
size_t kd_uvarlong_write(uint8_t *dst, uint64_t v);
size_t kd_varint_write(uint8_t *dst, int32_t v);
size_t kd_varlong_write(uint8_t *dst, int64_t v);

/* Encoded sizes, for computing lengths before writing. */
size_t kd_uvarlong_size(uint64_t v);
static inline size_t kd_varint_size(int32_t v)
{
    return kd_uvarlong_size((uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}
static inline size_t kd_varlong_size(int64_t v)
{
    return kd_uvarlong_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

#endif /* KAFDO_VARINT_H */
