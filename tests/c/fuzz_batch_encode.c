/*
 * libFuzzer target: kd_batch_encode reads the host's batch params and kd record
 * list, a format with its own lengths. Whatever it encodes must then pass the
 * core's own validator and decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    if (kd_batch_encode(data, (uint32_t)size) != 0)
        return 0;
    uint32_t n = kd_out_len();
    uint8_t *batch = malloc(n);
    memcpy(batch, kd_out_ptr(), n);
    if (kd_batch_inspect(batch, n) != 0 || kd_batch_decode(batch, n, INT64_MIN, UINT32_MAX) != 0)
        abort(); /* the encoder wrote something its own decoder refuses */
    free(batch);
    return 0;
}
