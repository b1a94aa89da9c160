/*
 * libFuzzer target: kd_batch_decode on arbitrary bytes (the JSON read path's
 * decoder), and kd_batch_decode_rest (the REST read's JSON, rest_json.c) on the
 * same bytes, in both encodings, its output checked to be as many messages. A mutated batch almost never carries a valid CRC, so each input is
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

/* The record list and the REST messages of the same bytes: both accept them or neither,
 * with as many records. */
static void decode_both(const uint8_t *data, size_t size, int64_t min_offset, uint32_t max_records)
{
    int32_t rc = kd_batch_decode(data, (uint32_t)size, min_offset, max_records);
    uint32_t count = rc == 0 ? (uint32_t)(kd_out_ptr()[0] | kd_out_ptr()[1] << 8 | kd_out_ptr()[2] << 16 |
                                          (uint32_t)kd_out_ptr()[3] << 24)
                             : 0;
    for (int32_t encoding = 0; encoding <= 1; encoding++) {
        int32_t rest = kd_batch_decode_rest(data, (uint32_t)size, min_offset, max_records, encoding);
        if ((rest == 0) != (rc == 0))
            abort();
        if (rest == 0 && memcmp(kd_out_ptr(), &count, 4) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    uint32_t max_records = size ? data[0] : 0;
    int64_t min_offset = size > 1 ? (int64_t)data[1] - 8 : 0;
    decode_both(data, size, INT64_MIN, UINT32_MAX);
    decode_both(data, size, min_offset, max_records);

    if (size >= 61) {
        uint8_t *sealed = malloc(size);
        memcpy(sealed, data, size);
        sealed[16] = 2;
        put_be32(sealed + 8, (uint32_t)(size - 12));
        put_be32(sealed + 17, kd_crc32c(sealed + 21, (uint32_t)(size - 21)));
        decode_both(sealed, size, min_offset, max_records);
        free(sealed);
    }
    return 0;
}
