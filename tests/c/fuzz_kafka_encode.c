/* libFuzzer target: kd_kafka_encode, the JSON reader and the response encoder.
 * A response it accepts must be a whole frame: holes inside it, size prefix right. */
#include <stdint.h>
#include <stdlib.h>

#include "kafdo.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX || kd_kafka_encode(data, (uint32_t)size) != 0)
        return 0;
    const uint8_t *out = kd_out_ptr();
    uint32_t len = kd_out_len(), holes = le32(out);
    if ((uint64_t)holes * 8 + 12 > len)
        abort();
    const uint8_t *frame = out + 4 + 8 * (size_t)holes;
    uint32_t frame_len = len - 4 - 8 * holes;
    if (((uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 | frame[3]) != frame_len - 4)
        abort();
    for (uint32_t i = 0; i < holes; i++)
        if (le32(out + 4 + 8 * i) > frame_len)
            abort();
    return 0;
}
