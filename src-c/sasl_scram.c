/*
 * sasl_scram.c — the server side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802,
 * RFC 7677) as Kafka implements them (org.apache.kafka.common.security.scram):
 * the credential a user's password becomes, the three messages a server reads or
 * writes, and the proof check. kafdo.h documents the calls and byte formats.
 *
 * Stateless, as the whole core: the Worker keeps a connection's exchange (the
 * client-first and server-first messages) and hands both back with the
 * client-final one; everything derived from them is derived again here. Randomness
 * (the server nonce, the salt) comes from the Worker, which has a CSPRNG.
 *
 * The grammar is Kafka's ScramMessages, which is stricter than RFC 5802 in two
 * ways clients never notice: no channel binding (the gs2 flag is "n"), and names
 * and attribute values are 7-bit. Every failure is SASL_AUTHENTICATION_FAILED,
 * as Kafka answers any SaslException, with the reason in kd_error_message (never
 * a secret: no proof, key or password is ever put into a message).
 *
 * A credential is Kafka's ScramCredential: salt, iterations, StoredKey = H(ClientKey)
 * and ServerKey, where ClientKey = HMAC(SaltedPassword, "Client Key"), ServerKey =
 * HMAC(SaltedPassword, "Server Key") and SaltedPassword = PBKDF2(password, salt, i).
 * The password and SaltedPassword are never kept.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "sasl.h"
#include "sha2.h"

/* ---- base64 (RFC 4648, padded; the decoder refuses anything not canonical) ---- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t kd_base64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    return o;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes into out (room for len/4*3 bytes); -1 when not canonical padded base64. */
static int64_t base64_decode(const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            if (in[i + j] == '=' && i + 4 == len && j >= 2) {
                v[j] = 0;
                pad++;
            } else {
                v[j] = b64_value(in[i + j]);
                if (v[j] < 0 || pad)
                    return -1;
            }
        }
        uint32_t n = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        /* Canonical: the bits the padding drops are zero. */
        if ((pad == 1 && (n & 0xff)) || (pad == 2 && (n & 0xffff)))
            return -1;
        out[o++] = (uint8_t)(n >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(n >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)n;
    }
    return (int64_t)o;
}

/* ---- the mechanisms and the credential ------------------------------------ */

int32_t kd_scram_hash(int32_t mechanism, kd_hash *h)
{
    if (mechanism == KD_SCRAM_SHA_256)
        *h = KD_SHA256;
    else if (mechanism == KD_SCRAM_SHA_512)
        *h = KD_SHA512;
    else
        return kd_fail(KD_UNSUPPORTED_SASL_MECHANISM,
                       "unknown SCRAM mechanism %d (1 is SCRAM-SHA-256, 2 SCRAM-SHA-512)", (int)mechanism);
    return 0;
}

void kd_scram_keys(kd_hash h, const uint8_t *salted, uint8_t *stored_key, uint8_t *server_key)
{
    uint8_t client_key[KD_HASH_MAX];
    kd_hmac(h, salted, (size_t)h, (const uint8_t *)"Client Key", 10, NULL, 0, client_key);
    kd_sha2(h, client_key, (size_t)h, stored_key);
    kd_hmac(h, salted, (size_t)h, (const uint8_t *)"Server Key", 10, NULL, 0, server_key);
}

int32_t kd_scram_credential(int32_t mechanism, const uint8_t *in, uint32_t len, int32_t iterations,
                            int32_t salted_given)
{
    kd_scratch_reset();
    kd_hash h = KD_SHA256;
    int32_t rc = kd_scram_hash(mechanism, &h);
    if (rc)
        return rc;
    if (iterations < KD_SCRAM_MIN_ITERATIONS || iterations > KD_SCRAM_MAX_ITERATIONS)
        return kd_fail(KD_UNACCEPTABLE_CREDENTIAL, "iterations must be between %d and %d, not %d",
                       KD_SCRAM_MIN_ITERATIONS, KD_SCRAM_MAX_ITERATIONS, (int)iterations);
    kd_le_reader r = {in, len, 0};
    uint32_t salt_len, secret_len;
    const uint8_t *salt, *secret;
    if (!kd_le_u32(&r, &salt_len) || !kd_le_bytes(&r, salt_len, &salt) || !kd_le_u32(&r, &secret_len) ||
        !kd_le_bytes(&r, secret_len, &secret) || r.pos != len)
        return kd_fail(KD_ERR_INVALID_ARG, "a credential's input is u32 salt length, salt, u32 secret length, secret");
    if (salt_len == 0)
        return kd_fail(KD_UNACCEPTABLE_CREDENTIAL, "the salt must not be empty");
    if (salted_given ? secret_len != (uint32_t)h : secret_len == 0)
        return kd_fail(KD_UNACCEPTABLE_CREDENTIAL,
                       salted_given ? "the salted password must be %d bytes" : "the password must not be empty",
                       (int)h);
    uint8_t salted[KD_HASH_MAX], keys[2 * KD_HASH_MAX];
    if (salted_given)
        memcpy(salted, secret, (size_t)h);
    else
        kd_pbkdf2(h, secret, secret_len, salt, salt_len, (uint32_t)iterations, salted);
    kd_scram_keys(h, salted, keys, keys + (size_t)h);
    return kd_out_append(keys, 2 * (size_t)h) ? 0 : KD_ERR_NOMEM;
}

/* ---- the messages ---------------------------------------------------------- */

static int32_t auth_failed(const char *why)
{
    return kd_fail(KD_SASL_AUTHENTICATION_FAILED, "%s", why);
}

/* A cursor over one message, read attribute by attribute ("x=value,"). */
typedef struct {
    const uint8_t *p;
    size_t len, pos;
} msg_reader;

/* Reads "<name>=" and the value up to the next ',' or the end; the value's bytes
 * must be 7-bit and not NUL (Kafka's VALUE). */
static bool attribute(msg_reader *m, char name, const uint8_t **value, size_t *value_len)
{
    if (m->pos + 2 > m->len || m->p[m->pos] != (uint8_t)name || m->p[m->pos + 1] != '=')
        return false;
    size_t start = m->pos + 2, end = start;
    while (end < m->len && m->p[end] != ',') {
        if (m->p[end] == 0 || m->p[end] > 0x7f)
            return false;
        end++;
    }
    *value = m->p + start;
    *value_len = end - start;
    m->pos = end;
    return true;
}

static bool comma(msg_reader *m)
{
    if (m->pos >= m->len || m->p[m->pos] != ',')
        return false;
    m->pos++;
    return true;
}

/* Kafka's PRINTABLE: 0x21..0x7e but ','. */
static bool printable(const uint8_t *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

/* Extensions ",key=value" until the end or a stop attribute ("p=" of the final
 * message); tokenauth=true asks for delegation tokens, which Kafdo does not have. */
static int32_t extensions(msg_reader *m, bool until_proof)
{
    while (m->pos < m->len) {
        if (until_proof && m->pos + 3 <= m->len && !memcmp(m->p + m->pos, ",p=", 3))
            return 0;
        if (!comma(m))
            return auth_failed("invalid SCRAM message: expected ',' between attributes");
        size_t key = m->pos;
        while (m->pos < m->len && ((m->p[m->pos] | 0x20) >= 'a' && (m->p[m->pos] | 0x20) <= 'z'))
            m->pos++;
        if (m->pos == key || m->pos >= m->len || m->p[m->pos] != '=')
            return auth_failed("invalid SCRAM message: an extension is key=value");
        size_t key_len = m->pos - key;
        m->pos++;
        size_t value = m->pos;
        while (m->pos < m->len && m->p[m->pos] != ',') {
            if (m->p[m->pos] == 0 || m->p[m->pos] > 0x7f)
                return auth_failed("invalid SCRAM message: an extension's value is 7-bit");
            m->pos++;
        }
        if (m->pos == value)
            return auth_failed("invalid SCRAM message: an extension's value is empty");
        if (key_len == 9 && !memcmp(m->p + key, "tokenauth", 9) && m->pos - value == 4 &&
            !memcmp(m->p + value, "true", 4))
            return auth_failed("delegation tokens are not supported");
    }
    return until_proof ? auth_failed("invalid SCRAM client-final message: no proof") : 0;
}

/* Unescapes a saslname (=2C is ',', =3D is '='; a bare '=' is malformed) into out
 * (room for n bytes); returns its length, or -1. */
static int64_t saslname(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '=') {
            out[o++] = s[i];
        } else if (i + 2 < n && s[i + 1] == '2' && s[i + 2] == 'C') {
            out[o++] = ',', i += 2;
        } else if (i + 2 < n && s[i + 1] == '3' && s[i + 2] == 'D') {
            out[o++] = '=', i += 2;
        } else {
            return -1;
        }
    }
    return (int64_t)o;
}

/* What a client-first message says. */
typedef struct {
    size_t gs2_len;      /* the gs2 header: "n," authzid ",", bare follows */
    const uint8_t *user; /* escaped saslname */
    size_t user_len;
    const uint8_t *nonce;
    size_t nonce_len;
} client_first;

/* gs2-header "n,[a=authzid]," [m=reserved,] n=saslname,r=nonce[,ext=value]* */
static int32_t parse_client_first(const uint8_t *msg, size_t len, client_first *cf)
{
    msg_reader m = {msg, len, 0};
    const uint8_t *authzid = NULL;
    size_t authzid_len = 0;
    if (len < 2 || msg[0] != 'n' || msg[1] != ',')
        return auth_failed(len && (msg[0] == 'y' || msg[0] == 'p')
                               ? "SCRAM channel binding is not supported"
                               : "invalid SCRAM client-first message: it starts \"n,\"");
    m.pos = 2;
    if (m.pos < len && msg[m.pos] == 'a') {
        if (!attribute(&m, 'a', &authzid, &authzid_len) || authzid_len == 0)
            return auth_failed("invalid SCRAM client-first message: bad authzid");
    }
    if (!comma(&m))
        return auth_failed("invalid SCRAM client-first message: bad gs2 header");
    cf->gs2_len = m.pos;
    if (m.pos < len && msg[m.pos] == 'm')
        return auth_failed("SCRAM mandatory extensions are not supported");
    if (!attribute(&m, 'n', &cf->user, &cf->user_len) || cf->user_len == 0 || !comma(&m))
        return auth_failed("invalid SCRAM client-first message: expected n=<user>,");
    if (!attribute(&m, 'r', &cf->nonce, &cf->nonce_len) || !printable(cf->nonce, cf->nonce_len))
        return auth_failed("invalid SCRAM client-first message: expected r=<nonce>");
    int32_t rc = extensions(&m, false);
    if (rc)
        return rc;
    uint8_t scratch[512];
    if (cf->user_len > sizeof scratch || saslname(cf->user, cf->user_len, scratch) < 0)
        return auth_failed("invalid SCRAM client-first message: bad user name");
    /* Kafka: an authorization id must name the authenticated user itself. */
    if (authzid && (authzid_len != cf->user_len || memcmp(authzid, cf->user, authzid_len)))
        return auth_failed("the authorization id is not the user name");
    return 0;
}

int32_t kd_scram_client_first(const uint8_t *msg, uint32_t len)
{
    kd_scratch_reset();
    client_first cf;
    int32_t rc = parse_client_first(msg, len, &cf);
    if (rc)
        return rc;
    uint8_t user[512];
    int64_t n = saslname(cf.user, cf.user_len, user);
    return kd_out_str(user, (size_t)n) && kd_out_str(cf.nonce, cf.nonce_len) ? 0 : KD_ERR_NOMEM;
}

/* Reads the u32-length-prefixed fields of an input. */
static bool fields(const uint8_t *in, uint32_t len, int count, const uint8_t **p, uint32_t *n)
{
    kd_le_reader r = {in, len, 0};
    for (int i = 0; i < count; i++)
        if (!kd_le_u32(&r, &n[i]) || !kd_le_bytes(&r, n[i], &p[i]))
            return false;
    return r.pos == len;
}

int32_t kd_scram_server_first(const uint8_t *in, uint32_t len, int32_t iterations)
{
    kd_scratch_reset();
    const uint8_t *p[3];
    uint32_t n[3];
    if (!fields(in, len, 3, p, n) || n[1] == 0 || n[1] > 96 || n[2] == 0 || n[2] > 96)
        return kd_fail(KD_ERR_INVALID_ARG,
                       "input: client-first message, server nonce (1..96 bytes), salt (1..96 bytes)");
    client_first cf;
    int32_t rc = parse_client_first(p[0], n[0], &cf);
    if (rc)
        return rc;
    char nonce[128], salt[128], tail[24];
    size_t nonce_len = kd_base64_encode(p[1], n[1], nonce);
    size_t salt_len = kd_base64_encode(p[2], n[2], salt);
    int tail_len = snprintf(tail, sizeof tail, ",i=%d", (int)iterations);
    /* r=<client nonce><server nonce>,s=<salt>,i=<iterations> */
    bool ok = kd_out_append("r=", 2) && kd_out_append(cf.nonce, cf.nonce_len) && kd_out_append(nonce, nonce_len) &&
              kd_out_append(",s=", 3) && kd_out_append(salt, salt_len) && kd_out_append(tail, (size_t)tail_len);
    return ok ? 0 : KD_ERR_NOMEM;
}

int32_t kd_scram_client_final(int32_t mechanism, const uint8_t *in, uint32_t len)
{
    kd_scratch_reset();
    kd_hash h = KD_SHA256;
    int32_t rc = kd_scram_hash(mechanism, &h);
    if (rc)
        return rc;
    const uint8_t *p[5];
    uint32_t n[5];
    if (!fields(in, len, 5, p, n) || n[3] != (uint32_t)h || n[4] != (uint32_t)h)
        return kd_fail(KD_ERR_INVALID_ARG,
                       "input: client-first, server-first, client-final messages, stored key, server key");
    const uint8_t *first = p[0], *server_first = p[1], *final = p[2], *stored_key = p[3], *server_key = p[4];
    client_first cf;
    rc = parse_client_first(first, n[0], &cf);
    if (rc)
        return rc;
    /* The nonce the server sent: server-first starts "r=<nonce>,". */
    msg_reader sm = {server_first, n[1], 0};
    const uint8_t *server_nonce;
    size_t server_nonce_len;
    if (!attribute(&sm, 'r', &server_nonce, &server_nonce_len))
        return kd_fail(KD_ERR_INVALID_ARG, "the server-first message does not start with r=");

    /* c=<base64 of the gs2 header>,r=<nonce>[,ext]*,p=<base64 proof> */
    msg_reader m = {final, n[2], 0};
    const uint8_t *channel, *nonce, *proof_b64;
    size_t channel_len, nonce_len, proof_len;
    if (!attribute(&m, 'c', &channel, &channel_len) || !comma(&m) || !attribute(&m, 'r', &nonce, &nonce_len))
        return auth_failed("invalid SCRAM client-final message: expected c=<binding>,r=<nonce>");
    rc = extensions(&m, true);
    if (rc)
        return rc;
    size_t without_proof = m.pos;
    m.pos++;
    if (!attribute(&m, 'p', &proof_b64, &proof_len) || m.pos != m.len)
        return auth_failed("invalid SCRAM client-final message: the proof comes last");
    uint8_t proof[KD_HASH_MAX + 3];
    char gs2[128];
    if (cf.gs2_len > 90)
        return auth_failed("invalid SCRAM client-first message: gs2 header too long");
    size_t gs2_len = kd_base64_encode(first, cf.gs2_len, gs2);
    if (channel_len != gs2_len || memcmp(channel, gs2, gs2_len))
        return auth_failed("the SCRAM channel binding is not the client-first message's gs2 header");
    /* RFC 5802 wants the server's nonce exactly; Kafka (ScramSaslServer) takes a nonce
     * that ends with it, because librdkafka (2.0.2 included) sends its own nonce before
     * the server's. The proof covers the nonce as sent, so nothing is weakened. */
    if (nonce_len < server_nonce_len || memcmp(nonce + nonce_len - server_nonce_len, server_nonce, server_nonce_len))
        return auth_failed("the SCRAM client-final nonce does not end with the server's");
    if (proof_len > (KD_HASH_MAX + 2) / 3 * 4 || base64_decode(proof_b64, proof_len, proof) != (int64_t)h)
        return auth_failed("invalid SCRAM client proof");

    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    const uint8_t *bare = first + cf.gs2_len;
    size_t bare_len = n[0] - cf.gs2_len;
    size_t auth_len = bare_len + 1 + n[1] + 1 + without_proof;
    uint8_t *auth = kd_out_reserve(auth_len);
    if (!auth)
        return KD_ERR_NOMEM;
    memcpy(auth, bare, bare_len);
    auth[bare_len] = ',';
    memcpy(auth + bare_len + 1, server_first, n[1]);
    auth[bare_len + 1 + n[1]] = ',';
    memcpy(auth + bare_len + 2 + n[1], final, without_proof);

    /* ClientKey = proof XOR HMAC(StoredKey, AuthMessage); it must hash to StoredKey. */
    uint8_t signature[KD_HASH_MAX], client_key[KD_HASH_MAX], check[KD_HASH_MAX];
    kd_hmac(h, stored_key, (size_t)h, auth, auth_len, NULL, 0, signature);
    for (size_t i = 0; i < (size_t)h; i++)
        client_key[i] = proof[i] ^ signature[i];
    kd_sha2(h, client_key, (size_t)h, check);
    if (!kd_same_bytes(check, stored_key, (size_t)h)) {
        kd_out_truncate(0);
        return auth_failed("authentication failed: invalid credentials");
    }
    uint8_t server_signature[KD_HASH_MAX];
    kd_hmac(h, server_key, (size_t)h, auth, auth_len, NULL, 0, server_signature);
    kd_out_truncate(0);
    char v[(KD_HASH_MAX + 2) / 3 * 4];
    size_t v_len = kd_base64_encode(server_signature, (size_t)h, v);
    return kd_out_append("v=", 2) && kd_out_append(v, v_len) ? 0 : KD_ERR_NOMEM;
}
