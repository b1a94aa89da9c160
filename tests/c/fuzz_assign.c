/* libFuzzer target: kd_assign reads the host's group description (members,
 * subscriptions, owned partitions, topics), a format with its own counts. */
#include <stdint.h>

#include "kafdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size <= 1 << 16)
        kd_assign(data, (uint32_t)size);
    return 0;
}
