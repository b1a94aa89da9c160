/*
 * The body of the four codec fuzz targets (fuzz_gzip.c, fuzz_snappy.c, fuzz_lz4.c,
 * fuzz_zstd.c each define FUZZ_CODEC and include this): the core's decoder entry
 * point for that codec (kd_decompress, through Kafka's framings of the library) on
 * arbitrary bytes, output never past its ceiling; then the input compressed by
 * kd_compress must decompress to itself.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "kafdo.h"

#define CEILING ((size_t)1 << 20) /* small, so bombs are met quickly */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kd_codec_out o = {NULL, 0, 0, CEILING};
    int32_t rc = kd_decompress(FUZZ_CODEC, data, size, &o);
    assert(rc == 0 || rc == KD_CORRUPT_MESSAGE || rc == KD_ERR_NOMEM);
    assert(o.len <= CEILING + 1 && (rc != 0 || o.len <= CEILING));
    free(o.data);

    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    if (kd_compress(FUZZ_CODEC, data, size, &z) == 0) {
        kd_codec_out back = {NULL, 0, 0, size};
        rc = kd_decompress(FUZZ_CODEC, z.data, z.len, &back);
        assert(rc == 0 && back.len == size && (size == 0 || memcmp(back.data, data, size) == 0));
        free(back.data);
    }
    free(z.data);
    return 0;
}
