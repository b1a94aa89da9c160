/*
 * sha2.h — SHA-256 and SHA-512 (FIPS 180-4), HMAC over them (RFC 2104) and
 * PBKDF2 (RFC 8018): exactly what SCRAM-SHA-256/512 (RFC 5802, 7677) needs, and
 * a constant-time comparison for the secrets they produce. Internal to the core;
 * sasl_scram.c and sasl_plain.c are its users.
 *
 * Written here rather than linked: the Debian-packaged libraries that have them
 * (nettle, libtomcrypt, OpenSSL) bring an autoconf build and far more than three
 * functions into the wasm core, while these are ~200 lines checked against the
 * FIPS 180-4, RFC 4231 and RFC 7914 test vectors (tests/c/test_sasl.c).
 */
#ifndef KAFDO_SHA2_H
#define KAFDO_SHA2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two hashes SCRAM is offered with; the value is the digest size in bytes. */
typedef enum {
    KD_SHA256 = 32,
    KD_SHA512 = 64
} kd_hash;

#define KD_HASH_MAX 64

/* out gets kd_hash bytes. */
void kd_sha2(kd_hash h, const uint8_t *msg, size_t len, uint8_t *out);
/* HMAC-H(key, msg1 || msg2); msg2 may be NULL with len 0. */
void kd_hmac(kd_hash h, const uint8_t *key, size_t key_len, const uint8_t *msg1, size_t len1, const uint8_t *msg2,
             size_t len2, uint8_t *out);
/* PBKDF2-HMAC-H, one block of output (dkLen = hLen, as SCRAM's Hi()). */
void kd_pbkdf2(kd_hash h, const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
               uint32_t iterations, uint8_t *out);
/* Whether a and b (n bytes each) are equal, in time that depends only on n. */
bool kd_same_bytes(const uint8_t *a, const uint8_t *b, size_t n);

#endif /* KAFDO_SHA2_H */
