/*
 * libFuzzer target: src-c/inflate.c on arbitrary bytes, as a gzip stream and as
 * raw DEFLATE (from the start, and from byte 10, where a gzip seed's DEFLATE data
 * begins: a mutated gzip member rarely keeps a valid CRC-32, raw DEFLATE has none
 * to keep). The ceiling is small so that inputs which inflate far are found and
 * refused quickly. Besides memory errors, the fuzzer stops on any answer but
 * success or CORRUPT_MESSAGE, and on output past the ceiling.
 */
#include <stdint.h>
#include <stdlib.h>

#include "inflate.h"
#include "kafdo.h"

#define CEILING ((size_t)1 << 20)

static void check(int32_t rc, const kd_inflate_out *o)
{
    if ((rc != 0 && rc != KD_CORRUPT_MESSAGE) || o->len > o->max || o->len > o->cap)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kd_inflate_out o = {NULL, 0, 0, CEILING};
    check(kd_gunzip(data, size, &o), &o);
    free(o.data);

    for (size_t skip = 0; skip <= 10 && skip <= size; skip += 10) {
        kd_inflate_out raw = {NULL, 0, 0, CEILING};
        size_t used = 0;
        int32_t rc = kd_inflate_raw(data + skip, size - skip, &used, &raw);
        check(rc, &raw);
        if (rc == 0 && used > size - skip)
            abort();
        free(raw.data);
    }
    return 0;
}
