/*
 * kafka_codec.c — Kafka's wire protocol for the Worker: requests from bytes to
 * JSON, responses from JSON to bytes, both by walking the schema tables of
 * kafka_schema.c. kafdo.h documents the formats; the design in short:
 *
 *  - Decoding is a sans-IO reader over the frame (size prefix included). It never
 *    reads past the frame, trusts no length or count (a count larger than the
 *    bytes left is malformed before anything is allocated) and writes JSON into
 *    the core's output buffer as it goes. Every field of the body's table is
 *    emitted, with its default when the request's version does not carry it, so
 *    the Worker reads one shape for every version. Bytes and records are not
 *    copied: they are named by their place in the frame, which the Worker holds.
 *  - Encoding parses the Worker's JSON (json.c) and writes the response frame.
 *    Bytes and records arrive as "blobs": the encoder writes their length and
 *    leaves their bytes zeroed, listing each hole so the Worker can copy stored
 *    RecordBatches straight into place without them passing through JSON.
 *  - Recursion follows the schema tables (a few levels), never the input.
 *
 * Flexible versions (compact lengths, tagged fields) are handled throughout.
 * Tagged fields in a request are skipped; a response carries those its table
 * marks `tagged` when the Worker's JSON names them (ApiVersions v3's features).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "kafka.h"
#include "varint.h"

#define MAX_SAFE_INT ((INT64_C(1) << 53) - 1)
/* The largest response encoded: twice Kafka's socket.request.max.bytes (100 MiB),
 * far above any fetch.max.bytes a client sets, and small enough for wasm memory. */
#define MAX_RESPONSE_BYTES (INT64_C(256) << 20)
#define API_VERSIONS_KEY 18

#define OUT_OR_NOMEM(ok)                                                                                               \
    do {                                                                                                               \
        if (!(ok))                                                                                                     \
            return KD_ERR_NOMEM;                                                                                       \
    } while (0)
#define TRY(expr)                                                                                                      \
    do {                                                                                                               \
        int32_t try_rc_ = (expr);                                                                                      \
        if (try_rc_)                                                                                                   \
            return try_rc_;                                                                                            \
    } while (0)

static bool in_range(int v, uint8_t lo, uint8_t hi)
{
    return lo != NO && v >= lo && (hi == ALL || v <= hi);
}
/* Whether the version carries the field in the body's order (tagged fields go after). */
static bool field_present(const kd_kfield *f, int version)
{
    return !f->tagged && in_range(version, f->vmin, f->vmax);
}
static bool tagged_present(const kd_kfield *f, int version)
{
    return f->tagged && in_range(version, f->vmin, f->vmax);
}
static bool field_nullable(const kd_kfield *f, int version)
{
    return in_range(version, f->nmin, f->nmax);
}

/* The contract's default: upstream's when it names one, else null for a field that
 * is nullable in some version, else the type's zero. */
static bool default_is_null(const kd_kfield *f)
{
    return f->dnull || (f->nmin != NO && f->dint == 0 && f->dstr == NULL);
}

static bool out_text(const char *s)
{
    return kd_out_append(s, strlen(s));
}

/* int64 as JSON: a number while JavaScript holds it exactly, else a decimal string. */
static bool out_int(int64_t v)
{
    char buf[32];
    bool exact = v >= -MAX_SAFE_INT && v <= MAX_SAFE_INT;
    int n = snprintf(buf, sizeof buf, exact ? "%lld" : "\"%lld\"", (long long)v);
    return kd_out_append(buf, (size_t)n);
}

/* ---- UTF-8 and JSON strings ---------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* Writes p[0..n) as a JSON string. KD_INVALID_REQUEST for invalid UTF-8. */
static int32_t out_json_string(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    OUT_OR_NOMEM(kd_out_u8('"'));
    size_t run = 0; /* bytes copied as they are, flushed in one append */
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            size_t k = utf8_seq(p + i, n - i);
            if (k == 0)
                return KD_INVALID_REQUEST;
            i += k, run += k;
            continue;
        }
        OUT_OR_NOMEM(kd_out_append(p + i - run, run));
        run = 0;
        char esc[6] = {'\\', (char)c, 0};
        size_t m = 2;
        if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            m = 6;
        }
        OUT_OR_NOMEM(kd_out_append(esc, m));
        i++;
    }
    OUT_OR_NOMEM(kd_out_append(p + n - run, run));
    OUT_OR_NOMEM(kd_out_u8('"'));
    return 0;
}

/* ---- decoding requests --------------------------------------------------- */

typedef struct {
    const uint8_t *p; /* the whole frame: "at" offsets are into it */
    size_t len, pos;
    int version;
    bool flexible;
    const char *field; /* where decoding stopped, for the error message */
    const char *why;
} kreader;

static int32_t malformed(kreader *r, const char *why)
{
    r->why = why;
    return KD_INVALID_REQUEST;
}

static int32_t rd_take(kreader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->pos < n)
        return malformed(r, "truncated");
    *out = r->p + r->pos;
    r->pos += n;
    return 0;
}

static int32_t rd_uvarint(kreader *r, uint32_t *v)
{
    return kd_uvarint_read(r->p, r->len, &r->pos, v) ? 0 : malformed(r, "bad unsigned varint");
}

/*
 * A length or count: int16 (strings) or int32 (bytes, arrays) before flexible
 * versions, an unsigned varint of n + 1 in them. -1 means null. Anything longer
 * than the bytes left is malformed, whatever it counts (each element takes at
 * least one byte), which bounds every loop and allocation by the frame's size.
 */
static int32_t rd_length(kreader *r, bool wide, int64_t *n)
{
    if (r->flexible) {
        uint32_t u;
        TRY(rd_uvarint(r, &u));
        *n = (int64_t)u - 1;
    } else {
        const uint8_t *b;
        TRY(rd_take(r, wide ? 4 : 2, &b));
        *n = wide ? (int32_t)kd_be32(b) : (int16_t)kd_be16(b);
    }
    if (*n < -1)
        return malformed(r, "negative length");
    if (*n > (int64_t)(r->len - r->pos))
        return malformed(r, "length past the end of the frame");
    return 0;
}

static int32_t skip_tagged_fields(kreader *r)
{
    uint32_t count, tag, size;
    const uint8_t *skip;
    TRY(rd_uvarint(r, &count));
    if (count > r->len - r->pos)
        return malformed(r, "tagged field count past the end of the frame");
    for (uint32_t i = 0; i < count; i++) {
        TRY(rd_uvarint(r, &tag));
        TRY(rd_uvarint(r, &size));
        TRY(rd_take(r, size, &skip));
    }
    return 0;
}

static int32_t dec_struct(kreader *r, const kd_kfield *fields);

static int32_t dec_scalar(kreader *r, uint8_t type, bool nullable)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *b;
    int64_t n;
    switch (type) {
    case KT_BOOL:
        TRY(rd_take(r, 1, &b));
        OUT_OR_NOMEM(out_text(b[0] ? "true" : "false"));
        return 0;
    case KT_INT8:
        TRY(rd_take(r, 1, &b));
        OUT_OR_NOMEM(out_int((int8_t)b[0]));
        return 0;
    case KT_INT16:
        TRY(rd_take(r, 2, &b));
        OUT_OR_NOMEM(out_int((int16_t)kd_be16(b)));
        return 0;
    case KT_INT32:
        TRY(rd_take(r, 4, &b));
        OUT_OR_NOMEM(out_int((int32_t)kd_be32(b)));
        return 0;
    case KT_INT64:
        TRY(rd_take(r, 8, &b));
        OUT_OR_NOMEM(out_int((int64_t)kd_be64(b)));
        return 0;
    case KT_UUID: {
        char s[34] = {'"'};
        TRY(rd_take(r, 16, &b));
        for (int i = 0; i < 16; i++)
            s[1 + 2 * i] = hex[b[i] >> 4], s[2 + 2 * i] = hex[b[i] & 15];
        s[33] = '"';
        OUT_OR_NOMEM(kd_out_append(s, sizeof s));
        return 0;
    }
    default: break;
    }
    TRY(rd_length(r, type != KT_STRING, &n));
    if (n < 0) {
        if (!nullable)
            return malformed(r, "null where the version does not allow it");
        OUT_OR_NOMEM(out_text("null"));
        return 0;
    }
    size_t at = r->pos;
    TRY(rd_take(r, (size_t)n, &b));
    if (type == KT_STRING) {
        int32_t rc = out_json_string(b, (size_t)n);
        return rc == KD_INVALID_REQUEST ? malformed(r, "invalid UTF-8") : rc;
    }
    char buf[64];
    int m = snprintf(buf, sizeof buf, "{\"at\":%zu,\"len\":%lld}", at, (long long)n);
    OUT_OR_NOMEM(kd_out_append(buf, (size_t)m));
    return 0;
}

static int32_t dec_array(kreader *r, const kd_kfield *f, bool nullable)
{
    int64_t n;
    TRY(rd_length(r, true, &n));
    if (n < 0) {
        if (!nullable)
            return malformed(r, "null where the version does not allow it");
        OUT_OR_NOMEM(out_text("null"));
        return 0;
    }
    OUT_OR_NOMEM(kd_out_u8('['));
    for (int64_t i = 0; i < n; i++) {
        if (i)
            OUT_OR_NOMEM(kd_out_u8(','));
        TRY(f->elem == KT_STRUCT ? dec_struct(r, f->sub) : dec_scalar(r, f->elem, false));
    }
    OUT_OR_NOMEM(kd_out_u8(']'));
    return 0;
}

static int32_t dec_defaults(const kd_kfield *fields);

/* The JSON of a field the request's version does not carry. */
static int32_t dec_default(const kd_kfield *f)
{
    if (default_is_null(f))
        return out_text("null") ? 0 : KD_ERR_NOMEM;
    switch (f->type) {
    case KT_BOOL: return out_text(f->dint ? "true" : "false") ? 0 : KD_ERR_NOMEM;
    case KT_STRING: {
        const char *s = f->dstr ? f->dstr : "";
        return out_json_string((const uint8_t *)s, strlen(s));
    }
    case KT_BYTES:
    case KT_RECORDS: return out_text("{\"at\":0,\"len\":0}") ? 0 : KD_ERR_NOMEM;
    case KT_UUID: return out_text("\"00000000000000000000000000000000\"") ? 0 : KD_ERR_NOMEM;
    case KT_ARRAY: return out_text("[]") ? 0 : KD_ERR_NOMEM;
    case KT_STRUCT: return dec_defaults(f->sub);
    default: return out_int(f->dint) ? 0 : KD_ERR_NOMEM;
    }
}

/* A struct no version here carries (upstream's tagged structs): all defaults. */
static int32_t dec_defaults(const kd_kfield *fields)
{
    OUT_OR_NOMEM(kd_out_u8('{'));
    for (const kd_kfield *f = fields; f->name; f++) {
        if (f != fields)
            OUT_OR_NOMEM(kd_out_u8(','));
        OUT_OR_NOMEM(kd_out_u8('"') && out_text(f->name) && kd_out_append("\":", 2));
        TRY(dec_default(f));
    }
    OUT_OR_NOMEM(kd_out_u8('}'));
    return 0;
}

static int32_t dec_struct(kreader *r, const kd_kfield *fields)
{
    OUT_OR_NOMEM(kd_out_u8('{'));
    for (const kd_kfield *f = fields; f->name; f++) {
        if (f != fields)
            OUT_OR_NOMEM(kd_out_u8(','));
        OUT_OR_NOMEM(kd_out_u8('"') && out_text(f->name) && kd_out_append("\":", 2));
        if (!field_present(f, r->version)) {
            TRY(dec_default(f));
            continue;
        }
        r->field = f->name;
        bool nullable = field_nullable(f, r->version);
        if (f->type == KT_STRUCT)
            TRY(dec_struct(r, f->sub));
        else
            TRY(f->type == KT_ARRAY ? dec_array(r, f, nullable) : dec_scalar(r, f->type, nullable));
    }
    if (r->flexible)
        TRY(skip_tagged_fields(r));
    OUT_OR_NOMEM(kd_out_u8('}'));
    return 0;
}

/* {"apiKey":..,"apiVersion":..,"correlationId":..,"clientId":..,"body": — the
 * caller writes the body (or null) and the closing brace. */
static int32_t out_header(int16_t key, int16_t version, int32_t corr, const uint8_t *client, int64_t client_len)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, "{\"apiKey\":%d,\"apiVersion\":%d,\"correlationId\":%d,\"clientId\":", key,
                     version, corr);
    OUT_OR_NOMEM(kd_out_append(buf, (size_t)n));
    if (client_len < 0)
        OUT_OR_NOMEM(out_text("null"));
    else
        TRY(out_json_string(client, (size_t)client_len));
    OUT_OR_NOMEM(out_text(",\"body\":"));
    return 0;
}

/* The output for a request whose body is not decoded: the header, "body":null. */
static int32_t header_only(int32_t code, int16_t key, int16_t version, int32_t corr, const uint8_t *client,
                           int64_t client_len, const char *message)
{
    kd_scratch_reset();
    int32_t rc = out_header(key, version, corr, client, client_len);
    if (rc == KD_INVALID_REQUEST) { /* the client id itself is not UTF-8 */
        kd_scratch_reset();
        rc = out_header(key, version, corr, NULL, -1);
    }
    if (rc || !out_text("null}"))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    return kd_fail(code, "%s", message);
}

static bool version_supported(const kd_kapi *api, int16_t version)
{
    return api && version >= api->min_version && version <= api->max_version;
}

int32_t kd_kafka_decode(const uint8_t *frame, uint32_t len)
{
    kd_scratch_reset();
    if (!frame || len < 12)
        return kd_fail(KD_ERR_INVALID_ARG, "a request frame is at least 12 bytes, got %u", len);
    if (kd_be32(frame) != len - 4)
        return kd_fail(KD_ERR_INVALID_ARG, "size prefix %u does not match the frame's %u bytes", kd_be32(frame),
                       len - 4);
    int16_t key = (int16_t)kd_be16(frame + 4), version = (int16_t)kd_be16(frame + 6);
    int32_t corr = (int32_t)kd_be32(frame + 8);
    const kd_kapi *api = kd_kafka_api(key);

    /* Request header v1/v2: the client id keeps its int16 length even in flexible
     * versions, so that any ApiVersions request is readable by any broker. */
    kreader r = {.p = frame, .len = len, .pos = 12, .version = version, .field = "clientId"};
    int64_t client_len = -1;
    const uint8_t *client = NULL;
    bool header_ok =
        rd_length(&r, false, &client_len) == 0 && (client_len < 0 || rd_take(&r, (size_t)client_len, &client) == 0);
    if (!header_ok)
        client_len = -1;
    char message[200];
    if (!version_supported(api, version)) {
        snprintf(message, sizeof message, "API key %d version %d is not supported", key, version);
        return header_only(KD_UNSUPPORTED_VERSION, key, version, corr, client, client_len, message);
    }
    if (!header_ok)
        return header_only(KD_INVALID_REQUEST, key, version, corr, NULL, -1, "request header: client id truncated");

    r.flexible = version >= api->flexible_from;
    int32_t rc = out_header(key, version, corr, client, client_len);
    if (rc == KD_INVALID_REQUEST)
        return header_only(rc, key, version, corr, NULL, -1, "request header: client id is not UTF-8");
    r.field = "request header";
    if (rc == 0 && r.flexible)
        rc = skip_tagged_fields(&r);
    r.field = "body";
    if (rc == 0)
        rc = dec_struct(&r, api->request);
    if (rc == 0 && r.pos != r.len)
        rc = malformed(&r, "trailing bytes after the body");
    if (rc == KD_ERR_NOMEM)
        return kd_fail(rc, "out of memory decoding %s", api->name);
    if (rc) {
        snprintf(message, sizeof message, "%s v%d: %s: %s", api->name, version, r.field, r.why);
        return header_only(rc, key, version, corr, client, client_len, message);
    }
    return kd_out_u8('}') ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- encoding responses -------------------------------------------------- */

typedef struct {
    const kd_json *doc;
    int version;
    bool flexible;
    size_t frame_at;      /* where the frame starts in the output buffer */
    const int64_t *blobs; /* lengths from "blobs" */
    uint32_t blob_count;
    uint32_t hole_count, hole_cap; /* holes reserved before the frame, and used */
    const char *field;
} kwriter;

static int32_t enc_fail(const kwriter *w, const char *why)
{
    return kd_fail(KD_ERR_INVALID_ARG, "%s: %s", w->field ? w->field : "response", why);
}

static int32_t put_be(uint64_t v, size_t n)
{
    uint8_t *p = kd_out_reserve(n);
    if (!p)
        return KD_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return 0;
}

static int32_t put_uvarint(uint32_t v)
{
    uint8_t b[KD_VARINT_MAX];
    return kd_out_append(b, kd_uvarint_write(b, v)) ? 0 : KD_ERR_NOMEM;
}

/* A length or count (-1 for null) in the version's form; see rd_length. */
static int32_t put_length(const kwriter *w, bool wide, int64_t n)
{
    if (w->flexible)
        return put_uvarint((uint32_t)(n + 1));
    return put_be((uint64_t)n, wide ? 4 : 2);
}

static int32_t enc_int(kwriter *w, uint8_t type, uint32_t node)
{
    static const struct {
        int64_t lo, hi;
        size_t bytes;
    } range[] = {
        [KT_INT8] = {INT8_MIN, INT8_MAX, 1},
        [KT_INT16] = {INT16_MIN, INT16_MAX, 2},
        [KT_INT32] = {INT32_MIN, INT32_MAX, 4},
        [KT_INT64] = {INT64_MIN, INT64_MAX, 8},
    };
    int64_t v;
    if (!kd_json_int(w->doc, node, &v))
        return enc_fail(w, "expected an integer");
    if (v < range[type].lo || v > range[type].hi)
        return enc_fail(w, "integer out of range");
    return put_be((uint64_t)v, range[type].bytes);
}

static int32_t enc_string(kwriter *w, uint32_t node)
{
    if (w->doc->nodes[node].type != KJ_STRING)
        return enc_fail(w, "expected a string");
    int64_t n = kd_json_str_decode(w->doc, node, NULL);
    if (n < 0)
        return enc_fail(w, "lone surrogate in a string");
    if (n > INT16_MAX)
        return enc_fail(w, "string longer than 32767 bytes");
    TRY(put_length(w, false, n));
    uint8_t *p = kd_out_reserve((size_t)n);
    if (!p)
        return KD_ERR_NOMEM;
    kd_json_str_decode(w->doc, node, p);
    return 0;
}

/* A blob: its length, then its bytes left zeroed and listed as a hole. */
static int32_t enc_blob(kwriter *w, uint32_t node)
{
    const kd_json_node *o = &w->doc->nodes[node];
    uint32_t at = kd_json_get(w->doc, node, "blob");
    int64_t i;
    if (o->type != KJ_OBJECT || o->count != 1 || !at)
        return enc_fail(w, "expected {\"blob\":i} or null");
    if (!kd_json_int(w->doc, at, &i) || i < 0 || i >= w->blob_count)
        return enc_fail(w, "blob index out of range");
    int64_t len = w->blobs[i];
    if (len > MAX_RESPONSE_BYTES - (int64_t)(kd_out_size() - w->frame_at))
        return enc_fail(w, "response larger than 256 MiB");
    if (w->hole_count == w->hole_cap)
        return enc_fail(w, "more blob references than counted"); /* cannot happen: see count_holes */
    TRY(put_length(w, true, len));
    uint32_t position = (uint32_t)(kd_out_size() - w->frame_at);
    uint8_t *p = kd_out_reserve((size_t)len);
    if (!p)
        return KD_ERR_NOMEM;
    memset(p, 0, (size_t)len);
    kd_out_patch_u32(4 + 8 * (size_t)w->hole_count, position);
    kd_out_patch_u32(8 + 8 * (size_t)w->hole_count, (uint32_t)i);
    w->hole_count++;
    return 0;
}

static int32_t enc_uuid(kwriter *w, uint32_t node)
{
    const kd_json_node *n = &w->doc->nodes[node];
    const uint8_t *s = w->doc->text + n->start;
    uint8_t b[16];
    if (n->type != KJ_STRING || n->len != 32)
        return enc_fail(w, "expected a uuid of 32 hex digits");
    for (int i = 0; i < 32; i++) {
        uint8_t c = s[i], d;
        if (c >= '0' && c <= '9')
            d = (uint8_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint8_t)(c - 'a' + 10);
        else
            return enc_fail(w, "expected a uuid of 32 lowercase hex digits");
        b[i / 2] = (uint8_t)(i % 2 ? b[i / 2] | d : d << 4);
    }
    return kd_out_append(b, 16) ? 0 : KD_ERR_NOMEM;
}

static int32_t enc_struct(kwriter *w, const kd_kfield *fields, uint32_t node);

/*
 * One value; node 0 means "absent": the field's default. A null where the
 * version cannot carry one is written as the empty value ("" / [] / no bytes),
 * which is also what a default of null becomes in such a version.
 */
static int32_t enc_value(kwriter *w, uint8_t type, const kd_kfield *f, uint32_t node, bool nullable)
{
    bool is_null = node ? w->doc->nodes[node].type == KJ_NULL : (f && default_is_null(f));
    if (is_null && type != KT_BOOL && type < KT_STRING)
        return enc_fail(w, "null for a number");
    if (is_null && (type == KT_STRING || type == KT_BYTES || type == KT_RECORDS || type == KT_ARRAY))
        return put_length(w, type != KT_STRING, nullable ? -1 : 0);
    if (is_null && type == KT_BOOL)
        return enc_fail(w, "null for a bool");
    if (!node) { /* absent, not null: the default */
        switch (type) {
        case KT_STRING: {
            const char *s = f && f->dstr ? f->dstr : "";
            size_t n = strlen(s);
            TRY(put_length(w, false, (int64_t)n));
            return kd_out_append(s, n) ? 0 : KD_ERR_NOMEM;
        }
        case KT_BYTES:
        case KT_RECORDS:
        case KT_ARRAY: return put_length(w, true, 0);
        case KT_UUID: return put_be(0, 8) || put_be(0, 8) ? KD_ERR_NOMEM : 0;
        case KT_BOOL: return put_be(f && f->dint ? 1 : 0, 1);
        case KT_STRUCT: return enc_struct(w, f->sub, 0);
        default:
            return put_be((uint64_t)(f ? f->dint : 0), type == KT_INT8    ? 1
                                                       : type == KT_INT16 ? 2
                                                       : type == KT_INT32 ? 4
                                                                          : 8);
        }
    }
    switch (type) {
    case KT_BOOL: {
        uint8_t t = w->doc->nodes[node].type;
        if (t != KJ_TRUE && t != KJ_FALSE)
            return enc_fail(w, "expected true or false");
        return put_be(t == KJ_TRUE, 1);
    }
    case KT_STRING: return enc_string(w, node);
    case KT_BYTES:
    case KT_RECORDS: return enc_blob(w, node);
    case KT_UUID: return enc_uuid(w, node);
    case KT_STRUCT: return enc_struct(w, f->sub, node);
    case KT_ARRAY: {
        const kd_json_node *a = &w->doc->nodes[node];
        if (a->type != KJ_ARRAY)
            return enc_fail(w, "expected an array");
        TRY(put_length(w, true, a->count));
        for (uint32_t i = 0, e = node + 1; i < a->count; i++, e = w->doc->nodes[e].next)
            TRY(f->elem == KT_STRUCT ? enc_struct(w, f->sub, e) : enc_value(w, f->elem, NULL, e, false));
        return 0;
    }
    default: return enc_int(w, type, node);
    }
}

static const kd_kfield *find_field(const kd_kfield *fields, const kd_json *doc, uint32_t key)
{
    for (const kd_kfield *f = fields; f->name; f++)
        if (kd_json_str_eq(doc, key, f->name))
            return f;
    return NULL;
}

/*
 * The tagged-field section of a flexible struct: the tagged fields the JSON names,
 * in tag order (the table lists them so), each as tag, size, value. A value's size
 * is known once written, so it is written first and moved up past its size.
 */
static int32_t enc_tagged_fields(kwriter *w, const kd_kfield *fields, uint32_t node)
{
    uint32_t count = 0;
    for (const kd_kfield *f = fields; f->name; f++)
        count += node && tagged_present(f, w->version) && kd_json_get(w->doc, node, f->name);
    TRY(put_uvarint(count));
    for (const kd_kfield *f = fields; f->name && count; f++) {
        uint32_t value = node && tagged_present(f, w->version) ? kd_json_get(w->doc, node, f->name) : 0;
        if (!value)
            continue;
        const char *parent = w->field;
        w->field = f->name;
        uint32_t holes = w->hole_count;
        TRY(put_uvarint(f->tag));
        size_t at = kd_out_size();
        TRY(enc_value(w, f->type, f, value, field_nullable(f, w->version)));
        if (w->hole_count != holes) /* a hole's place would move: no tagged blobs */
            return enc_fail(w, "bytes in a tagged field");
        size_t size = kd_out_size() - at;
        uint8_t b[KD_VARINT_MAX];
        size_t k = kd_uvarint_write(b, (uint32_t)size);
        if (!kd_out_reserve(k))
            return KD_ERR_NOMEM;
        uint8_t *out = kd_out_data();
        memmove(out + at + k, out + at, size);
        memcpy(out + at, b, k);
        w->field = parent;
    }
    return 0;
}

/* A struct from object `node` (0: every field its default). A member the table
 * does not name is refused, so a misspelt field is an error, not a silent default. */
static int32_t enc_struct(kwriter *w, const kd_kfield *fields, uint32_t node)
{
    const kd_json *d = w->doc;
    if (node) {
        if (d->nodes[node].type != KJ_OBJECT)
            return enc_fail(w, "expected an object");
        for (uint32_t i = 0, k = node + 1; i < d->nodes[node].count; i++, k = d->nodes[k + 1].next)
            if (!find_field(fields, d, k)) {
                int n = (int)(d->nodes[k].len < 64 ? d->nodes[k].len : 64);
                return kd_fail(KD_ERR_INVALID_ARG, "unknown field \"%.*s\" in %s", n,
                               (const char *)d->text + d->nodes[k].start, w->field ? w->field : "body");
            }
    }
    for (const kd_kfield *f = fields; f->name; f++) {
        if (!field_present(f, w->version))
            continue;
        const char *parent = w->field;
        w->field = f->name;
        TRY(enc_value(w, f->type, f, node ? kd_json_get(d, node, f->name) : 0, field_nullable(f, w->version)));
        w->field = parent;
    }
    return w->flexible ? enc_tagged_fields(w, fields, node) : 0;
}

/* An upper bound on the holes: every {"blob":..} object in the document. The
 * hole table goes before the frame, so it is reserved first and trimmed after. */
static uint32_t count_holes(const kd_json *d)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->count; i++)
        if (d->nodes[i].type == KJ_OBJECT && d->nodes[i].count == 1 && kd_json_str_eq(d, i + 1, "blob"))
            n++;
    return n;
}

static int32_t read_blobs(const kd_json *d, uint32_t node, int64_t **out, uint32_t *count)
{
    *out = NULL;
    *count = 0;
    if (!node)
        return 0;
    const kd_json_node *a = &d->nodes[node];
    if (a->type != KJ_ARRAY)
        return kd_fail(KD_ERR_INVALID_ARG, "\"blobs\" must be an array of lengths");
    if (a->count > UINT32_MAX / sizeof(int64_t))
        return kd_fail(KD_ERR_INVALID_ARG, "too many blobs");
    *out = kd_alloc(a->count * (uint32_t)sizeof(int64_t));
    if (!*out)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0, e = node + 1; i < a->count; i++, e = d->nodes[e].next)
        if (!kd_json_int(d, e, &(*out)[i]) || (*out)[i] < 0 || (*out)[i] > INT32_MAX)
            return kd_fail(KD_ERR_INVALID_ARG, "\"blobs\"[%u] is not a length", i);
    *count = a->count;
    return 0;
}

static int32_t header_int(const kd_json *d, const char *name, int64_t lo, int64_t hi, int64_t *v)
{
    uint32_t n = kd_json_get(d, 0, name);
    if (!n || !kd_json_int(d, n, v) || *v < lo || *v > hi)
        return kd_fail(KD_ERR_INVALID_ARG, "\"%s\" must be an integer from %lld to %lld", name, (long long)lo,
                       (long long)hi);
    return 0;
}

static int32_t check_envelope(const kd_json *d)
{
    static const char *const names[] = {"apiKey", "apiVersion", "correlationId", "blobs", "body"};
    if (d->nodes[0].type != KJ_OBJECT)
        return kd_fail(KD_ERR_INVALID_ARG, "expected a JSON object");
    for (uint32_t i = 0, k = 1; i < d->nodes[0].count; i++, k = d->nodes[k + 1].next) {
        bool known = false;
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++)
            known = known || kd_json_str_eq(d, k, names[j]);
        if (!known) {
            int n = (int)(d->nodes[k].len < 64 ? d->nodes[k].len : 64);
            return kd_fail(KD_ERR_INVALID_ARG, "unknown field \"%.*s\"", n, (const char *)d->text + d->nodes[k].start);
        }
    }
    return 0;
}

/* The frame after the hole table: size, response header, body. */
static int32_t encode_frame(kwriter *w, const kd_kapi *api, int32_t corr, uint32_t body)
{
    TRY(put_be(0, 4)); /* the size, patched below */
    TRY(put_be((uint32_t)corr, 4));
    /* Response header v1 (a tagged-field section) in flexible versions, but never
     * for ApiVersions: a client must read it before knowing what the broker speaks. */
    if (w->flexible && api->key != API_VERSIONS_KEY)
        TRY(put_uvarint(0));
    w->field = NULL;
    TRY(enc_struct(w, api->response, body));
    kd_put_be32(kd_out_data() + w->frame_at, (uint32_t)(kd_out_size() - w->frame_at - 4));
    return 0;
}

static int32_t encode_json(const uint8_t *in, uint32_t in_len)
{
    kd_json d;
    int64_t *blobs = NULL;
    int32_t rc = kd_json_parse(&d, in, in_len);
    int64_t key, version, corr;
    uint32_t blob_count = 0;
    if (!rc)
        rc = check_envelope(&d);
    if (!rc)
        rc = header_int(&d, "apiKey", INT16_MIN, INT16_MAX, &key);
    if (!rc)
        rc = header_int(&d, "apiVersion", INT16_MIN, INT16_MAX, &version);
    if (!rc)
        rc = header_int(&d, "correlationId", INT32_MIN, INT32_MAX, &corr);
    if (!rc)
        rc = read_blobs(&d, kd_json_get(&d, 0, "blobs"), &blobs, &blob_count);
    const kd_kapi *api = rc ? NULL : kd_kafka_api((int16_t)key);
    if (!rc && !version_supported(api, (int16_t)version))
        rc = kd_fail(KD_ERR_INVALID_ARG, "API key %lld version %lld is not supported", (long long)key,
                     (long long)version);
    if (!rc) {
        uint32_t holes = count_holes(&d);
        kwriter w = {.doc = &d,
                     .version = (int)version,
                     .flexible = version >= api->flexible_from,
                     .frame_at = 4 + 8 * (size_t)holes,
                     .blobs = blobs,
                     .blob_count = blob_count,
                     .hole_cap = holes};
        if (!kd_out_reserve(w.frame_at))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        if (!rc)
            rc = encode_frame(&w, api, (int32_t)corr, kd_json_get(&d, 0, "body"));
        if (!rc)
            kd_out_patch_u32(0, w.hole_count);
        if (rc == KD_ERR_NOMEM)
            rc = kd_fail(rc, "out of memory encoding %s", api->name);
        if (!rc && w.hole_count < holes) { /* trim the table to the holes used */
            size_t used = 4 + 8 * (size_t)w.hole_count;
            uint8_t *out = kd_out_data();
            memmove(out + used, out + w.frame_at, kd_out_size() - w.frame_at);
            size_t total = kd_out_size() - (w.frame_at - used);
            kd_scratch_reset(); /* shortens the buffer; its bytes and capacity stay */
            kd_out_reserve(total);
        }
    }
    kd_free(blobs);
    kd_json_free(&d);
    return rc;
}

int32_t kd_kafka_encode(const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    if (!in && in_len)
        return kd_fail(KD_ERR_INVALID_ARG, "no input");
    return encode_json(in ? in : (const uint8_t *)"", in_len);
}

/* ---- the supported ranges and error responses ---------------------------- */

/* [{"apiKey":0,"minVersion":3,"maxVersion":7},...] into buf; false when it does not fit. */
static bool supported_json(char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    buf[n++] = '[';
    for (size_t i = 0; i < kd_kafka_api_count; i++) {
        const kd_kapi *a = &kd_kafka_apis[i];
        int m = snprintf(buf + n, cap - n, "%s{\"apiKey\":%d,\"minVersion\":%d,\"maxVersion\":%d}", i ? "," : "",
                         a->key, a->min_version, a->max_version);
        if (m < 0 || (size_t)m >= cap - n - 1)
            return false;
        n += (size_t)m;
    }
    buf[n++] = ']';
    *len = n;
    return true;
}

int32_t kd_kafka_supported(void)
{
    char buf[4096];
    size_t n;
    kd_scratch_reset();
    if (!supported_json(buf, sizeof buf, &n))
        return kd_fail(KD_ERR_NOMEM, "supported list does not fit");
    return kd_out_append(buf, n) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

static bool has_top_level_error_code(const kd_kfield *fields)
{
    for (const kd_kfield *f = fields; f->name; f++)
        if (strcmp(f->name, "errorCode") == 0)
            return true;
    return false;
}

/*
 * Built as the JSON a Worker would send and encoded by the same path, so error
 * responses cannot drift from ordinary ones. ApiVersions always lists the
 * supported ranges, so a client refused for its version learns which to use.
 */
int32_t kd_kafka_error_response(int16_t api_key, int16_t api_version, int32_t correlation_id, int16_t error_code)
{
    kd_scratch_reset();
    const kd_kapi *api = kd_kafka_api(api_key);
    bool supported = version_supported(api, api_version);
    if (!supported && api_key != API_VERSIONS_KEY) {
        /* The bare minimum a client can read whatever it asked: correlation id, code. */
        if (!kd_out_u32(0) || put_be(6, 4) || put_be((uint32_t)correlation_id, 4) || put_be((uint16_t)error_code, 2))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        return 0;
    }
    char json[5120], ranges[4096];
    size_t ranges_len = 0;
    if (api_key == API_VERSIONS_KEY && !supported_json(ranges, sizeof ranges, &ranges_len))
        return kd_fail(KD_ERR_NOMEM, "supported list does not fit");
    int n = snprintf(json, sizeof json, "{\"apiKey\":%d,\"apiVersion\":%d,\"correlationId\":%d,\"body\":{", api_key,
                     supported ? api_version : 0, correlation_id);
    if (has_top_level_error_code(api->response))
        n += snprintf(json + n, sizeof json - (size_t)n, "\"errorCode\":%d%s", error_code,
                      api_key == API_VERSIONS_KEY ? "," : "");
    if (api_key == API_VERSIONS_KEY)
        n += snprintf(json + n, sizeof json - (size_t)n, "\"apiKeys\":%.*s", (int)ranges_len, ranges);
    n += snprintf(json + n, sizeof json - (size_t)n, "}}");
    if (n < 0 || (size_t)n >= sizeof json)
        return kd_fail(KD_ERR_NOMEM, "error response does not fit");
    return encode_json((const uint8_t *)json, (uint32_t)n);
}
