/* libFuzzer target: kd_kafka_decode, which reads every byte a Kafka client sends.
 * Besides not crashing, its output must be the header JSON whatever it returns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    /* Half the time, make the size prefix agree so the body is reached. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (size >= 4 && (data[0] & 1)) {
        uint32_t n = (uint32_t)size - 4;
        copy[0] = (uint8_t)(n >> 24), copy[1] = (uint8_t)(n >> 16), copy[2] = (uint8_t)(n >> 8), copy[3] = (uint8_t)n;
    }
    int32_t rc = kd_kafka_decode(copy, (uint32_t)size);
    if ((rc == 0 || rc == 35 || rc == 42) && (kd_out_len() < 10 || memcmp(kd_out_ptr(), "{\"apiKey\":", 10) != 0))
        abort();
    free(copy);
    return 0;
}
