/*
 * rest_json.c — records written as the messages of a REST read's answer
 * (GET /topics/:t/partitions/:p/messages), so the Worker sends the text it gets
 * from the partition as it is, with no record decoded again in TypeScript.
 *
 * The text is what worker/http/records.ts's jsonMessage, written out by
 * worker/http/json.ts's stringifyJson, gives for the same record; the TypeScript
 * stays for the in-Worker API's records and for GET /topics/:t/keys/:k, and a
 * worker test compares the two on many records. One message:
 *
 *   {"offset":O,"timestamp":T,KEY,VALUE,"headers":{...}[,"headersBase64":{...}]}
 *
 * With encoding=json: KEY is "key":null, "key":"text" when the key is well-formed
 * UTF-8, else "keyBase64":"..."; VALUE is "value":null, "value":<the stored text as
 * it is> when the value is UTF-8 JSON text (the grammar of ECMAScript's JSON.parse,
 * any depth), else "valueBase64":"..."; a header value goes to "headers" as text or
 * null, or to "headersBase64" when it is not UTF-8. With encoding=base64 the key,
 * the value and every header value are base64 or null, all headers in "headers".
 *
 * The headers are a JavaScript object's keys there: a name repeated shows its last
 * value, at the place it first took in that map (moving between the two maps puts it
 * last), and names that are array indexes ("0" to "4294967294") come first in numeric
 * order, as JSON.stringify writes an object. Header names are decoded as TextDecoder
 * does by default: ill-formed bytes become U+FFFD and a leading BOM is dropped.
 *
 * Text is escaped as JSON.stringify escapes it; numbers are written as JavaScript
 * writes them (a timestamp past 2^53 is first rounded to a double, as Number() does).
 */
#include "rest_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at p (Unicode's table 3-7: no overlong
 * form, no surrogate, nothing past U+10FFFF), or how many bytes of it are a valid
 * start (its maximal subpart, at least 1) negated. */
static long utf8_sequence(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return -1;
    size_t need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint8_t lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    uint8_t hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    size_t i = 1;
    for (; i < need && i < n; i++) {
        if (p[i] < lo || p[i] > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
    }
    return i == need ? (long)need : -(long)i;
}

static bool utf8_valid(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        /* ASCII, the common case, 8 bytes at a time */
        uint64_t word;
        if (n - i >= 8 && (memcpy(&word, p + i, 8), (word & 0x8080808080808080ull) == 0)) {
            i += 8;
            continue;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        long k = utf8_sequence(p + i, n - i);
        if (k < 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

/* The bytes decoded as TextDecoder("utf-8") does: each maximal ill-formed subpart is
 * U+FFFD, a leading U+FEFF is dropped. dst holds at least 3 * n bytes. */
static size_t utf8_decode_lossy(const uint8_t *p, size_t n, uint8_t *dst)
{
    size_t out = 0;
    for (size_t i = 0; i < n;) {
        long k = utf8_sequence(p + i, n - i);
        if (k > 0) {
            memcpy(dst + out, p + i, (size_t)k);
            out += (size_t)k;
            i += (size_t)k;
        } else {
            memcpy(dst + out, "\xEF\xBF\xBD", 3);
            out += 3;
            i += (size_t)-k;
        }
    }
    if (out >= 3 && memcmp(dst, "\xEF\xBB\xBF", 3) == 0) {
        memmove(dst, dst + 3, out - 3);
        out -= 3;
    }
    return out;
}

/* JavaScript's length of well-formed UTF-8 text: its UTF-16 code units. */
static size_t utf16_length(const uint8_t *p, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            units++;
        if (p[i] >= 0xF0)
            units++;
    }
    return units;
}

/* ---- is it JSON text (ECMAScript's JSON.parse, whose nesting has no limit) ---- */

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether no byte of w is '"', '\\' or below 0x20 (bit tricks: a byte below n has
 * its high bit set in w - n * ONES and not in w). */
static bool plain_word(uint64_t w)
{
    uint64_t quote = w ^ (ONES * '"'), backslash = w ^ (ONES * '\\');
    uint64_t control = (w - ONES * 0x20) & ~w;
    uint64_t zero = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
    return ((control | zero) & HIGHS) == 0;
}

/* Past the string at p[i] == '"', or 0 when it is not one. The text is well-formed
 * UTF-8 already, so only ASCII needs looking at. */
static size_t skip_string(const uint8_t *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        /* 8 bytes at a time while none is a quote, a backslash or a control */
        while (n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (plain_word(w))
                i += 8;
            else
                break;
        }
        if (i >= n)
            return 0;
        uint8_t c = p[i];
        if (c > '\\' || (c >= 0x20 && c != '"' && c != '\\'))
            continue;
        if (c == '"')
            return i + 1;
        if (c < 0x20)
            return 0;
        if (c != '\\')
            continue;
        if (++i >= n)
            return 0;
        c = p[i];
        if (c == 'u') {
            if (n - i < 5 || !is_hex(p[i + 1]) || !is_hex(p[i + 2]) || !is_hex(p[i + 3]) || !is_hex(p[i + 4]))
                return 0;
            i += 4;
        } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
            return 0;
        }
    }
    return 0;
}

static size_t skip_digits(const uint8_t *p, size_t n, size_t i)
{
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    return i;
}

/* Past the number at p[i], or 0. */
static size_t skip_number(const uint8_t *p, size_t n, size_t i)
{
    if (p[i] == '-')
        i++;
    if (i >= n || p[i] < '0' || p[i] > '9')
        return 0;
    i = p[i] == '0' ? i + 1 : skip_digits(p, n, i);
    if (i < n && p[i] == '.') {
        size_t j = skip_digits(p, n, i + 1);
        if (j == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t j = skip_digits(p, n, i);
        if (j == i)
            return 0;
        i = j;
    }
    return i;
}

static size_t skip_literal(const uint8_t *p, size_t n, size_t i, const char *word)
{
    size_t len = strlen(word);
    return n - i >= len && memcmp(p + i, word, len) == 0 ? i + len : 0;
}

/* An object's member name and colon, from p[i] (past whitespace): past them, or 0. */
static size_t skip_name(const uint8_t *p, size_t n, size_t i)
{
    if (i >= n || p[i] != '"' || (i = skip_string(p, n, i)) == 0)
        return 0;
    i = skip_ws(p, n, i);
    return i < n && p[i] == ':' ? skip_ws(p, n, i + 1) : 0;
}

/* Whether p holds one JSON value between optional whitespace. Iterative, with the
 * open containers in a bit stack (1: object), so any depth is judged as JSON.parse
 * judges it. -1 when memory ran out. */
static int json_text(const uint8_t *p, size_t n)
{
    uint8_t *open = NULL; /* a bit per open container */
    size_t depth = 0, cap = 0;
    int ok = 0;
    size_t i = skip_ws(p, n, 0);
    for (;;) {
        /* a value at i */
        if (i >= n)
            goto done;
        uint8_t c = p[i];
        if (c == '{' || c == '[') {
            if (depth == cap * 8) {
                size_t grown = cap ? cap * 2 : 16;
                uint8_t *bits = realloc(open, grown);
                if (!bits) {
                    ok = -1;
                    goto done;
                }
                open = bits;
                cap = grown;
            }
            if (c == '{')
                open[depth / 8] |= (uint8_t)(1u << (depth % 8));
            else
                open[depth / 8] &= (uint8_t) ~(1u << (depth % 8));
            depth++;
            i = skip_ws(p, n, i + 1);
            if (i < n && p[i] == (c == '{' ? '}' : ']')) {
                depth--;
                i++;
            } else {
                if (c == '{' && (i = skip_name(p, n, i)) == 0)
                    goto done;
                continue;
            }
        } else if (c == '"') {
            i = skip_string(p, n, i);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            i = skip_number(p, n, i);
        } else {
            i = skip_literal(p, n, i, c == 't' ? "true" : c == 'f' ? "false" : "null");
        }
        if (i == 0)
            goto done;
        /* after a value: close containers, or a comma and the next value */
        for (;;) {
            i = skip_ws(p, n, i);
            if (depth == 0) {
                ok = i == n;
                goto done;
            }
            bool object = (open[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
            if (i < n && p[i] == (object ? '}' : ']')) {
                depth--;
                i++;
                continue;
            }
            if (i >= n || p[i] != ',')
                goto done;
            i = skip_ws(p, n, i + 1);
            if (object && (i = skip_name(p, n, i)) == 0)
                goto done;
            break;
        }
    }
done:
    free(open);
    return ok;
}

/* ---- writing ---- */

static bool out_text(const char *s)
{
    return kd_out_append(s, strlen(s));
}

/* A string literal's bytes, its length known when compiled. */
#define OUT_LITERAL(s) kd_out_append(s, sizeof s - 1)

/* The text as JSON.stringify writes a string. */
static bool out_string(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!kd_out_u8('"'))
        return false;
    size_t run = 0; /* bytes from `run` on are copied as they are */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (!kd_out_append(p + run, i - run))
            return false;
        run = i + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"':
        case '\\': esc[1] = (char)c; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        if (!out_text(esc))
            return false;
    }
    return kd_out_append(p + run, n - run) && kd_out_u8('"');
}

/* The bytes as a base64 string (RFC 4648 section 4, padded). */
static bool out_base64(const uint8_t *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t *o = kd_out_reserve((n + 2) / 3 * 4 + 2);
    if (!o)
        return false;
    *o++ = '"';
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = (uint8_t)abc[v >> 18];
        *o++ = (uint8_t)abc[(v >> 12) & 63];
        *o++ = (uint8_t)abc[(v >> 6) & 63];
        *o++ = (uint8_t)abc[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = (uint8_t)abc[v >> 18];
        *o++ = (uint8_t)abc[(v >> 12) & 63];
        *o++ = i + 1 < n ? (uint8_t)abc[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '"';
    return true;
}

/* An int64 as JavaScript writes Number(BigInt(v)): exact up to 2^53; past it the
 * nearest double, written with its shortest round-tripping digits then zeros (the
 * values are below 1e21, so never in exponent form). */
static bool out_int(int64_t v)
{
    char buf[40];
    const int64_t exact = (int64_t)1 << 53;
    if (v >= -exact && v <= exact) {
        /* written by hand: printf's machinery costs more than the rest of a message */
        char *end = buf + sizeof buf, *at = end;
        uint64_t u = v < 0 ? (uint64_t)-v : (uint64_t)v;
        do {
            *--at = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--at = '-';
        return kd_out_append(at, (size_t)(end - at));
    }
    double d = (double)v;
    char sci[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(sci, sizeof sci, "%.*e", digits - 1, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    /* sci is [-]D[.DDD]e+XX: the digits, then zeros up to the exponent */
    char *e = strchr(sci, 'e');
    int exponent = atoi(e + 1);
    size_t len = 0;
    for (char *c = sci; c < e; c++)
        if (*c != '.')
            buf[len++] = *c;
    size_t sign = sci[0] == '-';
    while (len - sign < (size_t)exponent + 1)
        buf[len++] = '0';
    buf[len] = 0;
    return out_text(buf);
}

/* ---- headers ---- */

enum {
    IN_HEADERS = 0,
    IN_BASE64 = 1
};

typedef struct {
    const uint8_t *name; /* decoded (rest_json's header names) */
    size_t name_len;
    const uint8_t *value; /* NULL: null */
    int32_t value_len;
    uint32_t order;    /* the header's place in the record */
    uint32_t inserted; /* the place at which the name last entered its map */
    uint8_t map;       /* IN_HEADERS or IN_BASE64 */
} header_entry;

static int by_name_then_order(const void *a, const void *b)
{
    const header_entry *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = n ? memcmp(x->name, y->name, n) : 0;
    if (c)
        return c;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The name's value as an array index ("0" to "4294967294", no leading zero), or -1. */
static int64_t array_index(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 10 || (p[0] == '0' && n > 1))
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= 4294967294LL ? v : -1;
}

/* JavaScript's order of an object's keys: array indexes ascending, then the rest in
 * the order they were added. */
static int by_property_order(const void *a, const void *b)
{
    const header_entry *x = a, *y = b;
    if (x->map != y->map)
        return x->map < y->map ? -1 : 1;
    int64_t i = array_index(x->name, x->name_len), j = array_index(y->name, y->name_len);
    if ((i >= 0) != (j >= 0))
        return i >= 0 ? -1 : 1;
    if (i >= 0)
        return i < j ? -1 : i > j;
    return x->inserted < y->inserted ? -1 : x->inserted > y->inserted;
}

static bool same_name(const header_entry *x, const header_entry *y)
{
    return x->name_len == y->name_len && (x->name_len == 0 || memcmp(x->name, y->name, x->name_len) == 0);
}

static bool out_header_value(const header_entry *h, int32_t encoding)
{
    if (!h->value)
        return out_text("null");
    return encoding == KD_REST_ENCODING_BASE64 || h->map == IN_BASE64 ? out_base64(h->value, (size_t)h->value_len)
                                                                      : out_string(h->value, (size_t)h->value_len);
}

/* The headers, kept per name as above, written in the order of their maps' keys. */
static bool out_header_maps(header_entry *all, uint32_t n, int32_t encoding)
{
    qsort(all, n, sizeof *all, by_name_then_order);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n;) {
        uint32_t inserted = all[i].order;
        uint32_t j = i;
        for (; j + 1 < n && same_name(&all[j], &all[j + 1]); j++)
            if (all[j + 1].map != all[j].map)
                inserted = all[j + 1].order;
        all[kept] = all[j];
        all[kept++].inserted = inserted;
        i = j + 1;
    }
    qsort(all, kept, sizeof *all, by_property_order);
    bool ok = out_text(",\"headers\":{");
    uint8_t map = IN_HEADERS;
    for (uint32_t i = 0; ok && i < kept; i++) {
        if (all[i].map != map) {
            ok = out_text("},\"headersBase64\":{");
            map = all[i].map;
        } else if (i > 0) {
            ok = kd_out_u8(',');
        }
        ok = ok && out_string(all[i].name, all[i].name_len) && kd_out_u8(':') && out_header_value(&all[i], encoding);
    }
    return ok && kd_out_u8('}');
}

/* The record's "headers" (and "headersBase64") members. */
static int32_t out_headers(const kd_record *rec, kd_rest_messages *m)
{
    if (rec->header_count == 0)
        return out_text(",\"headers\":{}") ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = 0;
    header_entry *all = calloc(rec->header_count, sizeof *all);
    uint8_t *names = malloc(3 * rec->headers_len + 1);
    if (!all || !names) {
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t pos = 0, used = 0;
    uint32_t n = 0;
    kd_header h;
    while (n < rec->header_count && (rc = kd_header_next(rec->headers, rec->headers_len, &pos, &h)) == 1) {
        header_entry *e = &all[n];
        e->name = names + used;
        e->name_len = utf8_decode_lossy(h.key, h.key_len, names + used);
        used += e->name_len;
        e->value = h.value;
        e->value_len = h.value_len;
        e->order = n++;
        bool text = m->encoding == KD_REST_ENCODING_BASE64 || !h.value || utf8_valid(h.value, (size_t)h.value_len);
        e->map = text ? IN_HEADERS : IN_BASE64;
        m->record_bytes += utf16_length(e->name, e->name_len) + (h.value_len > 0 ? (size_t)h.value_len : 0);
        m->list_bytes += 8 + h.key_len + (h.value_len > 0 ? (size_t)h.value_len : 0);
    }
    if (rc >= 0)
        rc = out_header_maps(all, n, m->encoding) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
done:
    free(all);
    free(names);
    return rc;
}

/* ---- a message ---- */

/* "name":<the bytes as text>, or "nameBase64":"..." when they are not (encoding=json);
 * "name":"<base64>" (encoding=base64); "name":null. `json`: text means JSON text. */
static bool out_bytes_member(const char *name, const uint8_t *p, int32_t len, int32_t encoding, bool json)
{
    if (!p)
        return kd_out_u8(',') && kd_out_u8('"') && out_text(name) && out_text("\":null");
    if (encoding == KD_REST_ENCODING_BASE64)
        return kd_out_u8(',') && kd_out_u8('"') && out_text(name) && out_text("\":") && out_base64(p, (size_t)len);
    bool text = utf8_valid(p, (size_t)len);
    int is_json = text && json ? json_text(p, (size_t)len) : 0;
    if (is_json < 0)
        return false;
    if (!text || (json && !is_json))
        return kd_out_u8(',') && kd_out_u8('"') && out_text(name) && out_text("Base64\":") &&
               out_base64(p, (size_t)len);
    if (!(kd_out_u8(',') && kd_out_u8('"') && out_text(name) && out_text("\":")))
        return false;
    return json ? kd_out_append(p, (size_t)len) : out_string(p, (size_t)len);
}

int32_t kd_rest_message_out(const kd_record *rec, void *messages)
{
    kd_rest_messages *m = messages;
    bool ok = (m->written == 0 || kd_out_u8(',')) && OUT_LITERAL("{\"offset\":") && out_int(rec->offset) &&
              OUT_LITERAL(",\"timestamp\":") && out_int(rec->timestamp) &&
              out_bytes_member("key", rec->key, rec->key_len, m->encoding, false) &&
              out_bytes_member("value", rec->value, rec->value_len, m->encoding, true);
    if (!ok)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    m->record_bytes +=
        (rec->key_len > 0 ? (size_t)rec->key_len : 0) + (rec->value_len > 0 ? (size_t)rec->value_len : 0);
    m->list_bytes +=
        28 + (rec->key_len > 0 ? (size_t)rec->key_len : 0) + (rec->value_len > 0 ? (size_t)rec->value_len : 0);
    int32_t rc = out_headers(rec, m);
    if (rc)
        return rc;
    if (!kd_out_u8('}'))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    m->written++;
    m->last_offset = rec->offset;
    return 0;
}

int32_t kd_batch_decode_rest(const uint8_t *buf, uint32_t len, int64_t min_offset, uint32_t max_records,
                             int32_t encoding)
{
    kd_scratch_reset();
    if (encoding != KD_REST_ENCODING_JSON && encoding != KD_REST_ENCODING_BASE64)
        return kd_fail(KD_INVALID_REQUEST, "encoding %d is neither 0 (json) nor 1 (base64)", (int)encoding);
    kd_rest_messages m = {.encoding = encoding, .last_offset = -1};
    uint32_t count = 0;
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = kd_batch_records_each(buf, len, false, min_offset, max_records, &count, kd_rest_message_out, &m);
    if (rc)
        return rc;
    kd_out_patch_u32(0, count);
    return 0;
}
