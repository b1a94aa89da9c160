/*
 * sasl.h — what the SASL modules (sasl_scram.c, sasl_plain.c) share; internal.
 * The exported calls and their formats are in kafdo.h.
 */
#ifndef KAFDO_SASL_H
#define KAFDO_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "sha2.h"

/* Kafka's bounds on a SCRAM credential's iterations (ScramMechanism.minIterations,
 * and the 16384 AlterUserScramCredentials allows at most). */
#define KD_SCRAM_MIN_ITERATIONS 4096
#define KD_SCRAM_MAX_ITERATIONS 16384

/* The hash of a SCRAM mechanism (KD_SCRAM_SHA_256 / _512); UNSUPPORTED_SASL_MECHANISM otherwise. */
int32_t kd_scram_hash(int32_t mechanism, kd_hash *h);
/* StoredKey and ServerKey (h bytes each) from SaltedPassword. */
void kd_scram_keys(kd_hash h, const uint8_t *salted, uint8_t *stored_key, uint8_t *server_key);
/* Padded base64 of len bytes into out (room for (len+2)/3*4); returns its length. */
size_t kd_base64_encode(const uint8_t *in, size_t len, char *out);

#endif /* KAFDO_SASL_H */
