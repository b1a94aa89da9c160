/*
 * sha2.c — SHA-256, SHA-512, HMAC and PBKDF2 for SCRAM (see sha2.h for why they
 * are written here). Straight from FIPS 180-4: one compression function per hash,
 * one streaming context that buffers a block, big-endian lengths at the end.
 * Nothing allocates; every buffer is on the stack and sized by the hash.
 */
#include "sha2.h"

#include <string.h>

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint64_t K512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
    0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
    0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
    0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
    0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
    0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
    0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

static uint32_t ror32(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}
static uint64_t ror64(uint64_t x, int n)
{
    return (x >> n) | (x << (64 - n));
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static uint64_t be64(const uint8_t *p)
{
    return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

static void compress256(uint32_t s[8], const uint8_t block[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = be32(block + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

static void compress512(uint64_t s[8], const uint8_t block[128])
{
    uint64_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = be64(block + 8 * i);
    for (int i = 16; i < 80; i++) {
        uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint64_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int i = 0; i < 80; i++) {
        uint64_t t1 = h + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i];
        uint64_t t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e, s[5] += f, s[6] += g, s[7] += h;
}

/* A streaming hash: the state, a partial block, and the bytes seen. */
typedef struct {
    kd_hash h;
    union {
        uint32_t s256[8];
        uint64_t s512[8];
    } u;
    uint8_t block[128];
    size_t fill;
    uint64_t total;
} sha_ctx;

static size_t block_size(kd_hash h)
{
    return h == KD_SHA256 ? 64 : 128;
}

static void sha_init(sha_ctx *c, kd_hash h)
{
    static const uint32_t iv256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    static const uint64_t iv512[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
                                      0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
    c->h = h;
    c->fill = 0;
    c->total = 0;
    if (h == KD_SHA256)
        memcpy(c->u.s256, iv256, sizeof iv256);
    else
        memcpy(c->u.s512, iv512, sizeof iv512);
}

static void sha_block(sha_ctx *c, const uint8_t *block)
{
    if (c->h == KD_SHA256)
        compress256(c->u.s256, block);
    else
        compress512(c->u.s512, block);
}

static void sha_update(sha_ctx *c, const uint8_t *p, size_t n)
{
    size_t bs = block_size(c->h);
    c->total += n;
    if (c->fill) {
        size_t take = bs - c->fill < n ? bs - c->fill : n;
        memcpy(c->block + c->fill, p, take);
        c->fill += take, p += take, n -= take;
        if (c->fill < bs)
            return;
        sha_block(c, c->block);
        c->fill = 0;
    }
    for (; n >= bs; p += bs, n -= bs)
        sha_block(c, p);
    memcpy(c->block, p, n);
    c->fill = n;
}

/* Pads with 0x80, zeros and the bit length (SHA-512's 128-bit length: high half 0,
 * as no input here reaches 2^61 bytes), then writes the state big-endian. */
static void sha_final(sha_ctx *c, uint8_t *out)
{
    size_t bs = block_size(c->h), len_bytes = bs / 8;
    uint64_t bits = c->total * 8;
    c->block[c->fill++] = 0x80;
    if (c->fill > bs - len_bytes) {
        memset(c->block + c->fill, 0, bs - c->fill);
        sha_block(c, c->block);
        c->fill = 0;
    }
    memset(c->block + c->fill, 0, bs - c->fill);
    for (int i = 0; i < 8; i++)
        c->block[bs - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha_block(c, c->block);
    for (int i = 0; i < 8; i++) {
        if (c->h == KD_SHA256) {
            for (int j = 0; j < 4; j++)
                out[4 * i + j] = (uint8_t)(c->u.s256[i] >> (24 - 8 * j));
        } else {
            for (int j = 0; j < 8; j++)
                out[8 * i + j] = (uint8_t)(c->u.s512[i] >> (56 - 8 * j));
        }
    }
}

void kd_sha2(kd_hash h, const uint8_t *msg, size_t len, uint8_t *out)
{
    sha_ctx c;
    sha_init(&c, h);
    sha_update(&c, msg, len);
    sha_final(&c, out);
}

void kd_hmac(kd_hash h, const uint8_t *key, size_t key_len, const uint8_t *msg1, size_t len1, const uint8_t *msg2,
             size_t len2, uint8_t *out)
{
    size_t bs = block_size(h);
    uint8_t k[128] = {0}, pad[128], inner[KD_HASH_MAX];
    if (key_len > bs)
        kd_sha2(h, key, key_len, k);
    else if (key_len)
        memcpy(k, key, key_len);
    sha_ctx c;
    for (size_t i = 0; i < bs; i++)
        pad[i] = k[i] ^ 0x36;
    sha_init(&c, h);
    sha_update(&c, pad, bs);
    if (len1)
        sha_update(&c, msg1, len1);
    if (len2)
        sha_update(&c, msg2, len2);
    sha_final(&c, inner);
    for (size_t i = 0; i < bs; i++)
        pad[i] = k[i] ^ 0x5c;
    sha_init(&c, h);
    sha_update(&c, pad, bs);
    sha_update(&c, inner, (size_t)h);
    sha_final(&c, out);
}

void kd_pbkdf2(kd_hash h, const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
               uint32_t iterations, uint8_t *out)
{
    static const uint8_t block_one[4] = {0, 0, 0, 1};
    uint8_t u[KD_HASH_MAX];
    kd_hmac(h, password, password_len, salt, salt_len, block_one, 4, u);
    memcpy(out, u, (size_t)h);
    for (uint32_t i = 1; i < iterations; i++) {
        kd_hmac(h, password, password_len, u, (size_t)h, NULL, 0, u);
        for (size_t j = 0; j < (size_t)h; j++)
            out[j] ^= u[j];
    }
}

bool kd_same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}
