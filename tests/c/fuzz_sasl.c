/* libFuzzer target: the SASL messages a client sends before it is authenticated
 * (sasl_scram.c, sasl_plain.c). The input is one client message; its first byte
 * picks which reader takes it: a SCRAM client-first message, a SCRAM client-final
 * message against a fixed first/server-first exchange and credential, or a PLAIN
 * message (parsed and checked against a credential). Besides not crashing: a
 * random client-final never verifies, and success always has output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

static size_t put(uint8_t *out, const void *p, size_t n)
{
    uint32_t len = (uint32_t)n;
    memcpy(out, &len, 4);
    memcpy(out + 4, p, n);
    return 4 + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    static const char first[] = "n,,n=user,r=fuzznonce";
    static const char server_first[] = "r=fuzznonceAQID,s=c2FsdA==,i=4096";
    static uint8_t keys[64];
    uint8_t *in = malloc(len + 512);
    size_t at = 0;
    int32_t rc;
    switch (data[0] % 3) {
    case 0:
        rc = kd_scram_client_first(msg, (uint32_t)len);
        if (rc == 0 && kd_out_len() < 4)
            abort();
        break;
    case 1:
        at += put(in + at, first, sizeof first - 1);
        at += put(in + at, server_first, sizeof server_first - 1);
        at += put(in + at, msg, len);
        at += put(in + at, keys, 32);
        at += put(in + at, keys + 32, 32);
        rc = kd_scram_client_final(KD_SCRAM_SHA_256, in, (uint32_t)at);
        if (rc == 0) /* a proof against all-zero keys: no input should find one */
            abort();
        break;
    default:
        rc = kd_sasl_plain_user(msg, (uint32_t)len);
        if (rc == 0 && kd_out_len() < 3)
            abort();
        at += put(in + at, msg, len);
        at += put(in + at, "salt", 4);
        at += put(in + at, keys, 32);
        /* The fewest iterations the call takes, to keep runs fast. */
        rc = kd_sasl_plain_verify(KD_SCRAM_SHA_256, in, (uint32_t)at, 1);
        if (rc == 0)
            abort();
        break;
    }
    free(in);
    return 0;
}
