/* Tests src-c/sha2.c, sasl_scram.c and sasl_plain.c: the hashes, HMAC and PBKDF2
 * against FIPS 180-4, RFC 4231 and RFC 7914 vectors, SCRAM-SHA-256 against RFC 7677's
 * exchange, SCRAM-SHA-512 against a client computed here, and PLAIN's rules. */
#include "check.h"
#include "internal.h"
#include "sasl.h"
#include "sha2.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_hash(kd_hash h, const char *msg, const char *want)
{
    uint8_t d[KD_HASH_MAX];
    char got[2 * KD_HASH_MAX + 1];
    kd_sha2(h, (const uint8_t *)msg, strlen(msg), d);
    hex(d, (size_t)h, got);
    CHECK_EQ_STR(got, want);
}

static void test_sha2_vectors(void)
{
    check_hash(KD_SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_hash(KD_SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_hash(KD_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_hash(KD_SHA512, "abc",
               "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    check_hash(KD_SHA512,
               "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrs"
               "tnopqrstu",
               "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
               "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

static void check_hmac(kd_hash h, const uint8_t *key, size_t key_len, const char *msg, const char *want)
{
    uint8_t d[KD_HASH_MAX];
    char got[2 * KD_HASH_MAX + 1];
    /* The message in two parts, as SCRAM's callers may pass it. */
    size_t half = strlen(msg) / 2;
    kd_hmac(h, key, key_len, (const uint8_t *)msg, half, (const uint8_t *)msg + half, strlen(msg) - half, d);
    hex(d, (size_t)h, got);
    CHECK_EQ_STR(got, want);
}

static void test_hmac_rfc4231(void)
{
    check_hmac(KD_SHA256, (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    check_hmac(KD_SHA512, (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
               "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
               "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    uint8_t big[131];
    memset(big, 0xaa, sizeof big); /* a key longer than the block is hashed first */
    check_hmac(KD_SHA256, big, sizeof big, "Test Using Larger Than Block-Size Key - Hash Key First",
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    check_hmac(KD_SHA512, big, sizeof big, "Test Using Larger Than Block-Size Key - Hash Key First",
               "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
               "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

static void test_pbkdf2_rfc7914(void)
{
    uint8_t d[KD_HASH_MAX];
    char got[2 * KD_HASH_MAX + 1];
    kd_pbkdf2(KD_SHA256, (const uint8_t *)"passwd", 6, (const uint8_t *)"salt", 4, 1, d);
    hex(d, 32, got);
    CHECK_EQ_STR(got, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    kd_pbkdf2(KD_SHA256, (const uint8_t *)"Password", 8, (const uint8_t *)"NaCl", 4, 80000, d);
    hex(d, 32, got);
    CHECK_EQ_STR(got, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
}

static void test_same_bytes(void)
{
    CHECK(kd_same_bytes((const uint8_t *)"abc", (const uint8_t *)"abc", 3));
    CHECK(!kd_same_bytes((const uint8_t *)"abc", (const uint8_t *)"abd", 3));
    CHECK(kd_same_bytes(NULL, NULL, 0));
}

/* Builds "fields" input: each part u32 little-endian length, then bytes. */
static size_t pack(uint8_t *out, int count, const void *const *parts, const size_t *lens)
{
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        uint32_t n = (uint32_t)lens[i];
        memcpy(out + at, &n, 4);
        memcpy(out + at + 4, parts[i], lens[i]);
        at += 4 + lens[i];
    }
    return at;
}

/* StoredKey || ServerKey of a password, through the exported call. */
static int32_t credential(int32_t mech, const char *password, const void *salt, size_t salt_len, int32_t iterations,
                          uint8_t *keys)
{
    uint8_t in[256];
    const void *parts[] = {salt, password};
    size_t lens[] = {salt_len, strlen(password)};
    int32_t rc = kd_scram_credential(mech, in, (uint32_t)pack(in, 2, parts, lens), iterations, 0);
    if (rc == 0)
        memcpy(keys, kd_out_ptr(), kd_out_len());
    return rc;
}

static const char *RFC_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
static const char *RFC_SERVER_FIRST =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
static const char *RFC_FINAL =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
/* base64 W22ZaJ0SNY7soEsUEjb6gQ== */
static const uint8_t RFC_SALT[] = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
                                   0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};

static int32_t client_final(int32_t mech, const char *first, const char *server_first, const char *final,
                            const uint8_t *keys, size_t h)
{
    static uint8_t in[4096];
    const void *parts[] = {first, server_first, final, keys, keys + h};
    size_t lens[] = {strlen(first), strlen(server_first), strlen(final), h, h};
    return kd_scram_client_final(mech, in, (uint32_t)pack(in, 5, parts, lens));
}

static void test_scram_sha256_rfc7677(void)
{
    uint8_t keys[64];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pencil", RFC_SALT, sizeof RFC_SALT, 4096, keys), 0);
    CHECK_EQ_INT(kd_scram_client_first((const uint8_t *)RFC_FIRST, (uint32_t)strlen(RFC_FIRST)), 0);
    CHECK_EQ_INT(kd_out_len(), 2 + 4 + 2 + 20);
    CHECK(memcmp(kd_out_ptr() + 2, "user", 4) == 0);
    CHECK(memcmp(kd_out_ptr() + 8, "rOprNGfwEbeRWgbNEkqO", 20) == 0);
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_256, RFC_FIRST, RFC_SERVER_FIRST, RFC_FINAL, keys, 32), 0);
    char out[128] = {0};
    memcpy(out, kd_out_ptr(), kd_out_len());
    CHECK_EQ_STR(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

    /* Another password: the proof does not verify, and nothing is output. */
    uint8_t wrong[64];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pencil2", RFC_SALT, sizeof RFC_SALT, 4096, wrong), 0);
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_256, RFC_FIRST, RFC_SERVER_FIRST, RFC_FINAL, wrong, 32),
                 KD_SASL_AUTHENTICATION_FAILED);
    CHECK_EQ_INT(kd_out_len(), 0);
    CHECK(strstr(kd_error_message(), "invalid credentials") != NULL);
}

static void test_scram_refusals(void)
{
    uint8_t keys[64];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pencil", RFC_SALT, sizeof RFC_SALT, 4096, keys), 0);
    const char *bad_finals[] = {
        /* another nonce */
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        /* another channel binding */
        "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        /* no proof, proof not base64, proof too short, fields out of order, empty */
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!!!",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "",
        /* delegation tokens */
        ("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,tokenauth=true,p=dHzbZapWIk4jUhN+"
         "Ute9ytag9zjfMHgsqmmiz7AndVQ="),
    };
    for (size_t i = 0; i < sizeof bad_finals / sizeof *bad_finals; i++)
        CHECK_EQ_INT(client_final(KD_SCRAM_SHA_256, RFC_FIRST, RFC_SERVER_FIRST, bad_finals[i], keys, 32),
                     KD_SASL_AUTHENTICATION_FAILED);
    const char *bad_firsts[] = {
        "y,,n=user,r=abc",
        "p=tls-unique,,n=user,r=abc",
        "n,,n=,r=abc",
        "n,,r=abc,n=user",
        "n,,n=us=er,r=abc",
        "n,a=other,n=user,r=abc",
        "n,,m=x,n=user,r=abc",
        "n,,n=user,r=",
        "n,,n=user,r=ab c",
        "n,,n=user",
        "n,,n=user,r=abc,",
        "n,,n=user,r=abc,tokenauth=true",
        "",
        "n",
    };
    for (size_t i = 0; i < sizeof bad_firsts / sizeof *bad_firsts; i++)
        CHECK_EQ_INT(kd_scram_client_first((const uint8_t *)bad_firsts[i], (uint32_t)strlen(bad_firsts[i])),
                     KD_SASL_AUTHENTICATION_FAILED);
    /* Escapes, an authzid naming the user, and extensions are fine. */
    const char *first = "n,a=a=2Cb,n=a=2Cb,r=xyz,ext=1";
    CHECK_EQ_INT(kd_scram_client_first((const uint8_t *)first, (uint32_t)strlen(first)), 0);
    CHECK(memcmp(kd_out_ptr(),
                 "\x03\x00"
                 "a,b",
                 5) == 0);
    /* Unknown mechanism. */
    CHECK_EQ_INT(client_final(3, RFC_FIRST, RFC_SERVER_FIRST, RFC_FINAL, keys, 32), KD_UNSUPPORTED_SASL_MECHANISM);
}

static void test_credential_bounds(void)
{
    uint8_t keys[128];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pw", "salt", 4, 4095, keys), KD_UNACCEPTABLE_CREDENTIAL);
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pw", "salt", 4, 16385, keys), KD_UNACCEPTABLE_CREDENTIAL);
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "", "salt", 4, 4096, keys), KD_UNACCEPTABLE_CREDENTIAL);
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pw", "", 0, 4096, keys), KD_UNACCEPTABLE_CREDENTIAL);
    CHECK_EQ_INT(credential(0, "pw", "salt", 4, 4096, keys), KD_UNSUPPORTED_SASL_MECHANISM);
    /* A SaltedPassword given (AlterUserScramCredentials) yields the keys the password would. */
    uint8_t salted[32], in[128];
    kd_pbkdf2(KD_SHA256, (const uint8_t *)"pencil", 6, RFC_SALT, sizeof RFC_SALT, 4096, salted);
    const void *parts[] = {RFC_SALT, salted};
    size_t lens[] = {sizeof RFC_SALT, 32};
    CHECK_EQ_INT(kd_scram_credential(KD_SCRAM_SHA_256, in, (uint32_t)pack(in, 2, parts, lens), 4096, 1), 0);
    CHECK_EQ_INT(kd_out_len(), 64);
    uint8_t from_salted[64];
    memcpy(from_salted, kd_out_ptr(), 64);
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pencil", RFC_SALT, sizeof RFC_SALT, 4096, keys), 0);
    CHECK(memcmp(keys, from_salted, 64) == 0);
    lens[1] = 31;
    CHECK_EQ_INT(kd_scram_credential(KD_SCRAM_SHA_256, in, (uint32_t)pack(in, 2, parts, lens), 4096, 1),
                 KD_UNACCEPTABLE_CREDENTIAL);
}

/* SCRAM-SHA-512 end to end: the server's messages from the core, the client's
 * proof computed here as RFC 5802 says a client does. */
static void test_scram_sha512_round_trip(void)
{
    const char *first = "n,,n=alice,r=clientnonce123";
    const uint8_t snonce[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const char *salt = "saltsaltsalt";
    uint8_t keys[128], in[512];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_512, "s3cret", salt, strlen(salt), 4096, keys), 0);
    const void *parts[] = {first, snonce, salt};
    size_t lens[] = {strlen(first), sizeof snonce, strlen(salt)};
    CHECK_EQ_INT(kd_scram_server_first(in, (uint32_t)pack(in, 3, parts, lens), 4096), 0);
    char server_first[256] = {0};
    memcpy(server_first, kd_out_ptr(), kd_out_len());
    CHECK_EQ_STR(server_first, "r=clientnonce123AQIDBAUGBwgJ,s=c2FsdHNhbHRzYWx0,i=4096");

    char final[512];
    int without_proof = snprintf(final, sizeof final, "c=biws,r=clientnonce123AQIDBAUGBwgJ");
    char auth[512];
    int auth_len = snprintf(auth, sizeof auth, "%s,%s,%s", first + 3, server_first, final);
    uint8_t salted[64], client_key[64], stored[64], sig[64], proof[64];
    kd_pbkdf2(KD_SHA512, (const uint8_t *)"s3cret", 6, (const uint8_t *)salt, strlen(salt), 4096, salted);
    kd_hmac(KD_SHA512, salted, 64, (const uint8_t *)"Client Key", 10, NULL, 0, client_key);
    kd_sha2(KD_SHA512, client_key, 64, stored);
    CHECK(memcmp(stored, keys, 64) == 0);
    kd_hmac(KD_SHA512, stored, 64, (const uint8_t *)auth, (size_t)auth_len, NULL, 0, sig);
    for (int i = 0; i < 64; i++)
        proof[i] = client_key[i] ^ sig[i];
    char b64[100];
    size_t n = kd_base64_encode(proof, 64, b64);
    snprintf(final + without_proof, sizeof final - (size_t)without_proof, ",p=%.*s", (int)n, b64);
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_512, first, server_first, final, keys, 64), 0);
    CHECK(kd_out_len() == 2 + 88 && memcmp(kd_out_ptr(), "v=", 2) == 0);

    /* librdkafka's client-final names its own nonce before the server's (which already
     * starts with it); Kafka takes a nonce that ends with the server's, and so does Kafdo. */
    without_proof = snprintf(final, sizeof final, "c=biws,r=clientnonce123clientnonce123AQIDBAUGBwgJ");
    auth_len = snprintf(auth, sizeof auth, "%s,%s,%s", first + 3, server_first, final);
    kd_hmac(KD_SHA512, stored, 64, (const uint8_t *)auth, (size_t)auth_len, NULL, 0, sig);
    for (int i = 0; i < 64; i++)
        proof[i] = client_key[i] ^ sig[i];
    n = kd_base64_encode(proof, 64, b64);
    snprintf(final + without_proof, sizeof final - (size_t)without_proof, ",p=%.*s", (int)n, b64);
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_512, first, server_first, final, keys, 64), 0);
    /* A nonce that only starts with the server's is not that. */
    const char *extended = "c=biws,r=clientnonce123AQIDBAUGBwgJx,p=AAAA";
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_512, first, server_first, extended, keys, 64),
                 KD_SASL_AUTHENTICATION_FAILED);
    /* The same exchange checked as SHA-256 is refused: the keys are the wrong size. */
    CHECK_EQ_INT(client_final(KD_SCRAM_SHA_256, first, server_first, final, keys, 64), KD_ERR_INVALID_ARG);
}

static int32_t plain_verify(const char *msg, size_t msg_len, const uint8_t *stored)
{
    uint8_t in[256];
    const void *parts[] = {msg, RFC_SALT, stored};
    size_t lens[] = {msg_len, sizeof RFC_SALT, 32};
    return kd_sasl_plain_verify(KD_SCRAM_SHA_256, in, (uint32_t)pack(in, 3, parts, lens), 4096);
}

static void test_plain(void)
{
    uint8_t keys[64];
    CHECK_EQ_INT(credential(KD_SCRAM_SHA_256, "pencil", RFC_SALT, sizeof RFC_SALT, 4096, keys), 0);
    CHECK_EQ_INT(kd_sasl_plain_user((const uint8_t *)"\0user\0pencil", 12), 0);
    CHECK(kd_out_len() == 6 && memcmp(kd_out_ptr(), "\x04\x00user", 6) == 0);
    CHECK_EQ_INT(plain_verify("\0user\0pencil", 12, keys), 0);
    CHECK_EQ_INT(plain_verify("user\0user\0pencil", 16, keys), 0);
    CHECK_EQ_INT(plain_verify("\0user\0pencil2", 13, keys), KD_SASL_AUTHENTICATION_FAILED);
    struct {
        const char *m;
        size_t n;
    } bad[] = {
        {"\0user\0", 6},
        {"\0\0pencil", 8},
        {"user\0pencil", 11},
        {"\0user\0pen\0cil", 13},
        {"other\0user\0pencil", 17},
        {"\0us\xff"
         "er\0pencil",
         14},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_EQ_INT(kd_sasl_plain_user((const uint8_t *)bad[i].m, (uint32_t)bad[i].n), KD_SASL_AUTHENTICATION_FAILED);
        CHECK_EQ_INT(plain_verify(bad[i].m, bad[i].n, keys), KD_SASL_AUTHENTICATION_FAILED);
        CHECK(strstr(kd_error_message(), "pencil") == NULL);
    }
}

int main(void)
{
    RUN(test_sha2_vectors);
    RUN(test_hmac_rfc4231);
    RUN(test_pbkdf2_rfc7914);
    RUN(test_same_bytes);
    RUN(test_scram_sha256_rfc7677);
    RUN(test_scram_refusals);
    RUN(test_credential_bounds);
    RUN(test_scram_sha512_round_trip);
    RUN(test_plain);
    return CHECK_SUMMARY();
}
