/*
 * json.c — the small JSON reader behind kd_kafka_encode: the Worker describes a
 * Kafka response as JSON and the codec walks it against a schema table.
 *
 * It parses the whole text once into a flat array of nodes (kafka.h describes the
 * layout), checking the grammar of RFC 8259 as it goes, and leaves strings escaped
 * in place: most are only compared with field names or copied once onto the wire,
 * so unescaping is done then, by the reader of the string. The node array is the
 * only allocation, grown as needed and freed by the caller after each call.
 * Nesting is limited to KD_JSON_MAX_DEPTH, so recursion is bounded whatever the
 * input; a Kafka body never nests more than a few levels.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kafka.h"

typedef struct {
    kd_json *doc;
    size_t len;
    size_t pos;
} jparser;

static int32_t jfail(const jparser *p, const char *why)
{
    return kd_fail(KD_ERR_INVALID_ARG, "JSON: %s at byte %zu", why, p->pos);
}

static int32_t new_node(jparser *p, uint8_t type, uint32_t *idx)
{
    kd_json *d = p->doc;
    if (d->count == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;
        size_t bytes = (size_t)cap * sizeof(kd_json_node);
        if (cap < d->cap || bytes / sizeof(kd_json_node) != cap) /* wasm32's size_t */
            return kd_fail(KD_ERR_NOMEM, "JSON: too many values");
        kd_json_node *grown = realloc(d->nodes, bytes);
        if (!grown)
            return kd_fail(KD_ERR_NOMEM, "JSON: out of memory");
        d->nodes = grown;
        d->cap = cap;
    }
    *idx = d->count++;
    d->nodes[*idx] = (kd_json_node){.type = type, .start = (uint32_t)p->pos};
    return 0;
}

static void skip_ws(jparser *p)
{
    const uint8_t *t = p->doc->text;
    while (p->pos < p->len && (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r'))
        p->pos++;
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string: p->pos at its opening quote. Escapes are checked, not decoded. */
static int32_t parse_string(jparser *p)
{
    const uint8_t *t = p->doc->text;
    uint32_t idx;
    p->pos++;
    int32_t rc = new_node(p, KJ_STRING, &idx);
    if (rc)
        return rc;
    while (p->pos < p->len && t[p->pos] != '"') {
        uint8_t c = t[p->pos];
        if (c < 0x20)
            return jfail(p, "control character in a string");
        if (c != '\\') {
            p->pos++;
            continue;
        }
        if (p->pos + 1 >= p->len)
            break;
        uint8_t e = t[p->pos + 1];
        if (e == 'u') {
            if (p->len - p->pos < 6 || !is_hex(t[p->pos + 2]) || !is_hex(t[p->pos + 3]) || !is_hex(t[p->pos + 4]) ||
                !is_hex(t[p->pos + 5]))
                return jfail(p, "bad \\u escape");
            p->pos += 6;
        } else if (e && strchr("\"\\/bfnrt", e)) {
            p->pos += 2;
        } else {
            return jfail(p, "bad escape");
        }
    }
    if (p->pos >= p->len)
        return jfail(p, "unterminated string");
    kd_json_node *n = &p->doc->nodes[idx];
    n->len = (uint32_t)(p->pos - n->start);
    n->next = p->doc->count;
    p->pos++;
    return 0;
}

static size_t digits(jparser *p)
{
    size_t from = p->pos;
    while (p->pos < p->len && p->doc->text[p->pos] >= '0' && p->doc->text[p->pos] <= '9')
        p->pos++;
    return p->pos - from;
}

static int32_t parse_number(jparser *p)
{
    const uint8_t *t = p->doc->text;
    uint32_t idx;
    int32_t rc = new_node(p, KJ_NUMBER, &idx);
    if (rc)
        return rc;
    if (t[p->pos] == '-')
        p->pos++;
    size_t lead = p->pos;
    size_t n = digits(p);
    if (n == 0 || (n > 1 && t[lead] == '0'))
        return jfail(p, "bad number");
    if (p->pos < p->len && t[p->pos] == '.') {
        p->pos++;
        if (digits(p) == 0)
            return jfail(p, "bad number");
    }
    if (p->pos < p->len && (t[p->pos] == 'e' || t[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (t[p->pos] == '+' || t[p->pos] == '-'))
            p->pos++;
        if (digits(p) == 0)
            return jfail(p, "bad number");
    }
    kd_json_node *node = &p->doc->nodes[idx];
    node->len = (uint32_t)(p->pos - node->start);
    node->next = p->doc->count;
    return 0;
}

static int32_t parse_literal(jparser *p, const char *word, uint8_t type)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->doc->text + p->pos, word, n) != 0)
        return jfail(p, "unexpected character");
    uint32_t idx;
    int32_t rc = new_node(p, type, &idx);
    if (rc)
        return rc;
    p->pos += n;
    p->doc->nodes[idx].len = (uint32_t)n;
    p->doc->nodes[idx].next = p->doc->count;
    return 0;
}

static int32_t parse_value(jparser *p, int depth);

/* An array or an object: p->pos at its opening bracket. */
static int32_t parse_container(jparser *p, int depth, bool object)
{
    const uint8_t *t = p->doc->text;
    uint8_t close = object ? '}' : ']';
    uint32_t idx, count = 0;
    if (depth >= KD_JSON_MAX_DEPTH)
        return jfail(p, "nested too deeply");
    int32_t rc = new_node(p, object ? KJ_OBJECT : KJ_ARRAY, &idx);
    if (rc)
        return rc;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && t[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            skip_ws(p);
            if (object) {
                if (p->pos >= p->len || t[p->pos] != '"')
                    return jfail(p, "expected a member name");
                if ((rc = parse_string(p)))
                    return rc;
                skip_ws(p);
                if (p->pos >= p->len || t[p->pos] != ':')
                    return jfail(p, "expected ':'");
                p->pos++;
            }
            if ((rc = parse_value(p, depth + 1)))
                return rc;
            count++;
            skip_ws(p);
            if (p->pos < p->len && t[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && t[p->pos] == close) {
                p->pos++;
                break;
            }
            return jfail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    kd_json_node *n = &p->doc->nodes[idx];
    n->count = count;
    n->len = (uint32_t)(p->pos - n->start);
    n->next = p->doc->count;
    return 0;
}

static int32_t parse_value(jparser *p, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return jfail(p, "unexpected end");
    uint8_t c = p->doc->text[p->pos];
    switch (c) {
    case '{': return parse_container(p, depth, true);
    case '[': return parse_container(p, depth, false);
    case '"': return parse_string(p);
    case 't': return parse_literal(p, "true", KJ_TRUE);
    case 'f': return parse_literal(p, "false", KJ_FALSE);
    case 'n': return parse_literal(p, "null", KJ_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p);
        return jfail(p, "unexpected character");
    }
}

int32_t kd_json_parse(kd_json *doc, const uint8_t *text, size_t len)
{
    *doc = (kd_json){.text = text};
    if (len > UINT32_MAX - 1)
        return kd_fail(KD_ERR_INVALID_ARG, "JSON: text too long");
    jparser p = {.doc = doc, .len = len};
    int32_t rc = parse_value(&p, 0);
    if (rc)
        return rc;
    skip_ws(&p);
    return p.pos == len ? 0 : jfail(&p, "trailing characters");
}

void kd_json_free(kd_json *doc)
{
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = doc->cap = 0;
}

static uint32_t hex4(const uint8_t *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = s[i];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t put_utf8(uint8_t *dst, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (dst)
        memcpy(dst, b, n);
    return n;
}

/* The parser checked every escape's shape, so only surrogates can still fail. */
int64_t kd_json_str_decode(const kd_json *doc, uint32_t n, uint8_t *dst)
{
    const uint8_t *s = doc->text + doc->nodes[n].start;
    size_t len = doc->nodes[n].len, i = 0, out = 0;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    while (i < len) {
        if (s[i] != '\\') {
            if (dst)
                dst[out] = s[i];
            out++, i++;
            continue;
        }
        if (s[i + 1] != 'u') {
            if (dst)
                dst[out] = (uint8_t)to[strchr(from, s[i + 1]) - from];
            out++, i += 2;
            continue;
        }
        uint32_t cp = hex4(s + i + 2);
        i += 6;
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return -1;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
                return -1;
            uint32_t lo = hex4(s + i + 2);
            if (lo < 0xdc00 || lo > 0xdfff)
                return -1;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        out += put_utf8(dst ? dst + out : NULL, cp);
    }
    return (int64_t)out;
}

bool kd_json_str_eq(const kd_json *doc, uint32_t n, const char *s)
{
    const kd_json_node *node = &doc->nodes[n];
    size_t want = strlen(s);
    if (node->type != KJ_STRING)
        return false;
    if (!memchr(doc->text + node->start, '\\', node->len))
        return node->len == want && memcmp(doc->text + node->start, s, want) == 0;
    uint8_t buf[128];
    if (node->len > sizeof buf) /* escapes only shrink a string; names are short */
        return false;
    int64_t got = kd_json_str_decode(doc, n, buf);
    return got == (int64_t)want && memcmp(buf, s, want) == 0;
}

uint32_t kd_json_get(const kd_json *doc, uint32_t obj, const char *key)
{
    const kd_json_node *o = &doc->nodes[obj];
    if (o->type != KJ_OBJECT)
        return 0;
    uint32_t child = obj + 1;
    for (uint32_t i = 0; i < o->count; i++) {
        uint32_t value = child + 1;
        if (kd_json_str_eq(doc, child, key))
            return value;
        child = doc->nodes[value].next;
    }
    return 0;
}

bool kd_json_int(const kd_json *doc, uint32_t n, int64_t *v)
{
    const kd_json_node *node = &doc->nodes[n];
    if (node->type != KJ_NUMBER && node->type != KJ_STRING)
        return false;
    const uint8_t *s = doc->text + node->start;
    size_t len = node->len, i = 0;
    bool neg = len > 0 && s[0] == '-';
    i = neg;
    if (i == len)
        return false;
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (mag > (limit - d) / 10)
            return false;
        mag = mag * 10 + d;
    }
    *v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}
