/*
 * libFuzzer target: kd_batch_decode on arbitrary bytes (the JSON read path's
 * decoder). A mutated batch almost never carries a valid CRC, so each input is
 * also decoded a second time with its length and CRC fields sealed the way an
 * honest client would have written them: that is what drives the fuzzer into
 * the record and header parser behind the checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    uint32_t max_records = size ? data[0] : 0;
    int64_t min_offset = size > 1 ? (int64_t)data[1] - 8 : 0;
    kd_batch_decode(data, (uint32_t)size, INT64_MIN, UINT32_MAX);
    kd_batch_decode(data, (uint32_t)size, min_offset, max_records);

    if (size >= 61) {
        uint8_t *sealed = malloc(size);
        memcpy(sealed, data, size);
        sealed[16] = 2;
        put_be32(sealed + 8, (uint32_t)(size - 12));
        put_be32(sealed + 17, kd_crc32c(sealed + 21, (uint32_t)(size - 21)));
        kd_batch_decode(sealed, (uint32_t)size, min_offset, max_records);
        free(sealed);
    }
    return 0;
}
