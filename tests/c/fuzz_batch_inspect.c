/* libFuzzer target: kd_batch_inspect, the validator every produced batch passes. */
#include <stdint.h>

#include "kafdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size <= UINT32_MAX)
        kd_batch_inspect(data, (uint32_t)size);
    return 0;
}
