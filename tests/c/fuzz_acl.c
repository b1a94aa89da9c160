/* libFuzzer target: acl.c's readers and decision over any bytes. The first byte picks
 * the call (kd_acl_authorize, kd_acl_filter, kd_acl_check, kd_acl_operations); the rest
 * is its input. Besides not crashing: an answer has one byte per query or binding, each
 * 0 or 1, or (kd_acl_operations) an i32 per query with no bit outside Kafka's operations. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint8_t *in = malloc(size);
    memcpy(in, data + 1, size - 1);
    uint32_t len = (uint32_t)size - 1;
    int32_t rc;
    switch (data[0] % 4) {
    case 0: rc = kd_acl_authorize(in, len); break;
    case 1: rc = kd_acl_filter(in, len); break;
    case 2: rc = kd_acl_check(in, len); break;
    default:
        /* An i32 of operation bits per query, none outside Kafka's operation codes. */
        rc = kd_acl_operations(in, len);
        if (rc == 0)
            for (uint32_t i = 0; i + 4 <= kd_out_len(); i += 4)
                if (kd_out_ptr()[i] & 0x07 || kd_out_ptr()[i + 1] & 0xe0 || kd_out_ptr()[i + 2] || kd_out_ptr()[i + 3])
                    abort();
        free(in);
        return 0;
    }
    if (rc == 0)
        for (uint32_t i = 0; i < kd_out_len(); i++)
            if (kd_out_ptr()[i] > 1)
                abort();
    free(in);
    return 0;
}
