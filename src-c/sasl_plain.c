/*
 * sasl_plain.c — SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer reads it:
 * authzid NUL authcid NUL password, exactly three parts, user name and password
 * not empty, and an authorization id, when given, naming the user itself.
 *
 * Kafdo keeps no passwords, so a PLAIN password is checked against the user's
 * SCRAM credential: PBKDF2 with the stored salt and iterations, then the StoredKey
 * it yields compared, in constant time, with the stored one. A user created for
 * SCRAM logs in with PLAIN with the same password.
 */
#include <string.h>

#include "internal.h"
#include "sasl.h"

static int32_t plain_failed(const char *why)
{
    return kd_fail(KD_SASL_AUTHENTICATION_FAILED, "%s", why);
}

/* Whether s is UTF-8 (RFC 3629): user names become strings in the Worker, and two
 * byte strings must never decode to one name. */
static bool utf8(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || i + len > n || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
            return false;
        uint32_t cp = c & (0x7f >> len);
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += len;
    }
    return true;
}

typedef struct {
    const uint8_t *user, *password;
    size_t user_len, password_len;
} plain_message;

static int32_t parse_plain(const uint8_t *msg, size_t len, plain_message *pm)
{
    const uint8_t *nul1 = len ? memchr(msg, 0, len) : NULL;
    const uint8_t *nul2 = nul1 ? memchr(nul1 + 1, 0, len - (size_t)(nul1 + 1 - msg)) : NULL;
    if (!nul1 || !nul2 || memchr(nul2 + 1, 0, len - (size_t)(nul2 + 1 - msg)))
        return plain_failed("invalid SASL/PLAIN response: expected 3 tokens");
    size_t authzid_len = (size_t)(nul1 - msg);
    pm->user = nul1 + 1;
    pm->user_len = (size_t)(nul2 - pm->user);
    pm->password = nul2 + 1;
    pm->password_len = len - (size_t)(pm->password - msg);
    if (pm->user_len == 0)
        return plain_failed("authentication failed: username not specified");
    if (pm->password_len == 0)
        return plain_failed("authentication failed: password not specified");
    if (!utf8(msg, len))
        return plain_failed("invalid SASL/PLAIN response: not UTF-8");
    if (authzid_len && (authzid_len != pm->user_len || memcmp(msg, pm->user, authzid_len)))
        return plain_failed("authentication failed: the authorization id is not the user name");
    return 0;
}

int32_t kd_sasl_plain_user(const uint8_t *msg, uint32_t len)
{
    kd_scratch_reset();
    plain_message pm;
    int32_t rc = parse_plain(msg, len, &pm);
    if (rc)
        return rc;
    if (pm.user_len > UINT16_MAX)
        return plain_failed("authentication failed: username too long");
    return kd_out_str(pm.user, pm.user_len) ? 0 : KD_ERR_NOMEM;
}

int32_t kd_sasl_plain_verify(int32_t mechanism, const uint8_t *in, uint32_t len, int32_t iterations)
{
    kd_scratch_reset();
    kd_hash h = KD_SHA256;
    int32_t rc = kd_scram_hash(mechanism, &h);
    if (rc)
        return rc;
    kd_le_reader r = {in, len, 0};
    uint32_t n[3];
    const uint8_t *p[3];
    for (int i = 0; i < 3; i++)
        if (!kd_le_u32(&r, &n[i]) || !kd_le_bytes(&r, n[i], &p[i]))
            return kd_fail(KD_ERR_INVALID_ARG, "input: PLAIN message, salt, stored key (each u32 length first)");
    if (r.pos != len || n[2] != (uint32_t)h || iterations < 1 || iterations > KD_SCRAM_MAX_ITERATIONS)
        return kd_fail(KD_ERR_INVALID_ARG, "the stored credential does not fit the mechanism");
    plain_message pm;
    rc = parse_plain(p[0], n[0], &pm);
    if (rc)
        return rc;
    uint8_t salted[KD_HASH_MAX], stored[KD_HASH_MAX], server[KD_HASH_MAX];
    kd_pbkdf2(h, pm.password, pm.password_len, p[1], n[1], (uint32_t)iterations, salted);
    kd_scram_keys(h, salted, stored, server);
    return kd_same_bytes(stored, p[2], (size_t)h) ? 0
                                                  : plain_failed("authentication failed: invalid username or password");
}
