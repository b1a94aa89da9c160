/*
 * kafka.h — internal to the Kafka wire-protocol codec (kafka_schema.c, kafka_codec.c)
 * and its JSON reader (json.c). Nothing here is exported; kafdo.h is the door.
 *
 * The codec is schema-driven: each supported API has one table of fields for its
 * request body and one for its response body, transcribed from apache/kafka's
 * message definitions (clients/src/main/resources/common/message/). One engine
 * walks a table to turn wire bytes into JSON (requests) and JSON into wire bytes
 * (responses), so adding an API or a version is editing a table, not code.
 */
#ifndef KAFDO_KAFKA_H
#define KAFDO_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field types, as named in the message definitions. */
enum {
    KT_BOOL = 1,
    KT_INT8,
    KT_INT16,
    KT_INT32,
    KT_INT64,
    KT_STRING,
    KT_BYTES,
    KT_RECORDS,
    KT_UUID,
    KT_STRUCT, /* an array's elements, or a single nested struct */
    KT_ARRAY,
};

/* A version bound meaning "and every later version" (upstream's "N+"), and the
 * nullable-from of a field that is never nullable. */
#define ALL 255
#define NO 255

/*
 * One field of a request or response body. A table is an array of these ended by
 * an entry whose name is NULL. A field upstream only sends tagged has vmin NO: it
 * is in the schema (JSON always shows it) but never on the wire, unless it is
 * marked `tagged` with its tag: then vmin..vmax are its taggedVersions, and a
 * response carries it in the struct's tagged-field section when the Worker's JSON
 * names it (a request's tagged fields are still skipped and read as defaults).
 */
typedef struct kd_kfield {
    const char *name;            /* camelCase of upstream's name */
    uint8_t type;                /* KT_* */
    uint8_t elem;                /* KT_ARRAY only: the element type */
    uint8_t vmin, vmax;          /* the versions that carry the field (vmin NO: none) */
    uint8_t nmin, nmax;          /* the versions in which it may be null (nmin NO: never) */
    bool dnull;                  /* upstream's default is null */
    int64_t dint;                /* upstream's default for integers and bools */
    const char *dstr;            /* upstream's default for a string, when not "" or null */
    const struct kd_kfield *sub; /* fields of a struct, or of an array's struct elements */
    bool tagged;                 /* a tagged field, written after the struct's other fields */
    uint8_t tag;                 /* its tag, when tagged */
} kd_kfield;

typedef struct {
    int16_t key;
    const char *name;
    int16_t min_version, max_version; /* what Kafdo supports */
    int16_t flexible_from;            /* first flexible version upstream */
    const kd_kfield *request, *response;
} kd_kapi;

extern const kd_kapi kd_kafka_apis[];
extern const size_t kd_kafka_api_count;

/* The API with this key, or NULL. */
const kd_kapi *kd_kafka_api(int16_t key);

/* ---- json.c: a small JSON reader for the encoder ---- */

enum {
    KJ_NULL = 1,
    KJ_FALSE,
    KJ_TRUE,
    KJ_NUMBER,
    KJ_STRING,
    KJ_ARRAY,
    KJ_OBJECT
};

/*
 * A parsed document is a flat array of nodes in document order (as jsmn does):
 * an object's children are its keys and values alternating, each key followed
 * by its value's subtree; `next` is the index just past a node's subtree, so
 * siblings are walked without recursion. Strings point into the input, still
 * escaped, between the quotes.
 */
typedef struct {
    uint8_t type;   /* KJ_* */
    uint32_t start; /* byte offset of the text (a string's first byte after the quote) */
    uint32_t len;   /* bytes of text (a string's, without its quotes) */
    uint32_t count; /* children: array elements, or object members (pairs) */
    uint32_t next;  /* index of the node after this one's subtree */
} kd_json_node;

typedef struct {
    const uint8_t *text;
    kd_json_node *nodes;
    uint32_t count, cap;
} kd_json;

#define KD_JSON_MAX_DEPTH 64

/* Parses text (RFC 8259, one value, surrounding whitespace allowed). Returns 0, or
 * KD_ERR_INVALID_ARG / KD_ERR_NOMEM with kd_error_message set. Free with
 * kd_json_free, also after a failure. */
int32_t kd_json_parse(kd_json *doc, const uint8_t *text, size_t len);
void kd_json_free(kd_json *doc);

/* The value of member `key` (NUL-terminated) of object node `obj`, or 0 when absent
 * (node 0 is the root, never a member's value). */
uint32_t kd_json_get(const kd_json *doc, uint32_t obj, const char *key);
/* Whether string node `n` equals the NUL-terminated `s` (after unescaping). */
bool kd_json_str_eq(const kd_json *doc, uint32_t n, const char *s);
/* Unescapes string node `n` into dst (NULL to only measure); returns its length in
 * bytes, or -1 when an escape is a lone surrogate. */
int64_t kd_json_str_decode(const kd_json *doc, uint32_t n, uint8_t *dst);
/* An integer node (a number without fraction or exponent, or a string of decimal
 * digits with an optional '-') as int64; false when it is neither or overflows. */
bool kd_json_int(const kd_json *doc, uint32_t n, int64_t *v);

#endif /* KAFDO_KAFKA_H */
