/*
 * partitioner.c — which partition a record goes to, as Kafka's Java client does it.
 *
 * Keyed records: murmur2 (Java's Utils.murmur2: seed 0x9747b28c, m 0x5bd1e995,
 * r 24, the tail mixed in little-endian), then toPositive (& 0x7fffffff), then
 * modulo the partition count. kafkajs's DefaultPartitioner computes the same, so
 * a key lands on one partition whichever of the three doors it came through.
 * Keyless records follow the caller's sticky counter (see kd_partition in kafdo.h).
 * All arithmetic is on uint32_t: Java's int overflow wraps, C's signed overflow
 * would be undefined.
 */
#include "internal.h"

int32_t kd_murmur2(const uint8_t *key, uint32_t len)
{
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    uint32_t h = 0x9747b28c ^ len;
    uint32_t i = 0;

    for (; len - i >= 4; i += 4) {
        uint32_t k =
            (uint32_t)key[i] | (uint32_t)key[i + 1] << 8 | (uint32_t)key[i + 2] << 16 | (uint32_t)key[i + 3] << 24;
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len - i) {
    case 3:
        h ^= (uint32_t)key[i + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)key[i + 1] << 8;
        /* fall through */
    case 1: h ^= key[i]; h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t kd_partition(const uint8_t *key, int32_t key_len, int32_t partitions, uint32_t sticky)
{
    kd_scratch_reset();
    if (partitions < 1)
        return kd_fail(KD_ERR_INVALID_ARG, "partition count %d is not positive", (int)partitions);
    if (key_len < 0)
        return (int32_t)(sticky % (uint32_t)partitions);
    uint32_t positive = (uint32_t)kd_murmur2(key, (uint32_t)key_len) & 0x7fffffffu;
    return (int32_t)(positive % (uint32_t)partitions);
}
