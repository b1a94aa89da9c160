/*
 * inflate.c — DEFLATE decoding (RFC 1951) and the gzip member format (RFC 1952),
 * written from the RFCs for the records of gzip-compressed RecordBatches.
 *
 * The whole output stays in one buffer (a batch's records are iterated after they
 * are inflated), so the buffer itself is the sliding window: a back-reference is a
 * copy from earlier in it, checked against what this stream has written. The
 * buffer has a hard ceiling set by the caller (see inflate.h).
 *
 * Bits are read least-significant first through a 64-bit reservoir refilled to at
 * least 56 bits before each step; one step (a length/literal code, its extra bits,
 * a distance code and its extra bits) needs at most 15 + 5 + 15 + 13 = 48. Past the
 * end of the input the reservoir is filled with zero bits, counted in `pad`: taking
 * any of those bits means the stream was truncated, which every step checks, so a
 * truncated stream can neither read out of bounds nor spin on invented zeros.
 *
 * Huffman codes are canonical (RFC 1951 3.2.2): codes of one length are consecutive
 * integers, given to symbols in order. Decoding looks the next FAST_BITS bits up in
 * a table that answers every code that short in one step; a longer code (rare: the
 * encoder gives long codes to rare symbols) is found by reading bits one at a time
 * against the first code and the count of each length.
 *
 * gzip: each member is a header (optional extra field, name, comment and header
 * CRC), raw DEFLATE data, then CRC-32 and ISIZE (length mod 2^32) of that member's
 * output, both checked. Members may follow each other (RFC 1952 2.2); any other
 * bytes after a member are corrupt.
 */
#include <stdlib.h>
#include <string.h>

#include "inflate.h"
#include "internal.h"

#include "crc32_table.h"

#define CORRUPT(...) kd_fail(KD_CORRUPT_MESSAGE, __VA_ARGS__)

#define MAX_BITS 15  /* the longest Huffman code DEFLATE allows */
#define FAST_BITS 10 /* codes this short are decoded with one table look-up */
#define MAX_LITLEN 286
#define MAX_DIST 30
#define DEFLATE_MAX_RATIO 1032 /* 258 bytes per 2 bits at best */

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* ---- CRC-32 ---- */

/* Slicing-by-8, as crc32c.c does for CRC-32C, over the IEEE polynomial's tables. */
uint32_t kd_crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ le32(buf);
        crc = crc32_table[7][lo & 0xff] ^ crc32_table[6][(lo >> 8) & 0xff] ^
              crc32_table[5][(lo >> 16) & 0xff] ^ crc32_table[4][lo >> 24] ^ crc32_table[3][buf[4]] ^
              crc32_table[2][buf[5]] ^ crc32_table[1][buf[6]] ^ crc32_table[0][buf[7]];
        buf += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ crc32_table[0][(crc ^ *buf++) & 0xff];
    return ~crc;
}

/* ---- output ---- */

/* Makes room for n more bytes: doubling, never past out->max. */
static int32_t out_grow(kd_inflate_out *o, size_t n)
{
    if (n > o->max - o->len)
        return CORRUPT("decompressed size exceeds %zu bytes", o->max);
    size_t cap = o->cap < 4096 ? 4096 : o->cap;
    while (cap - o->len < n)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > o->max)
        cap = o->max; /* enough: len + n <= max */
    uint8_t *grown = realloc(o->data, cap);
    if (!grown)
        return kd_fail(KD_ERR_NOMEM, "out of memory inflating %zu bytes", cap);
    o->data = grown;
    o->cap = cap;
    return 0;
}

static inline int32_t out_room(kd_inflate_out *o, size_t n)
{
    return n <= o->cap - o->len ? 0 : out_grow(o, n);
}

/* ---- bits ---- */

typedef struct {
    const uint8_t *in;
    size_t len;
    size_t pos;      /* the next input byte to load */
    uint64_t bits;   /* loaded bits not yet taken; the next one is bit 0 */
    unsigned count;  /* how many of them are valid */
    unsigned pad;    /* zero bits loaded past the end of the input (the top of `count`) */
} bitreader;

/*
 * Tops the reservoir up to at least 56 bits. With 8 input bytes at hand it loads a
 * whole word and keeps the bytes that fit; the bits of a byte that only partly fit
 * sit above `count` and are loaded again, identical, by the next refill.
 */
static inline void refill(bitreader *br)
{
    if (br->len - br->pos >= 8) {
        br->bits |= le64(br->in + br->pos) << br->count;
        br->pos += (63 - br->count) >> 3;
        br->count |= 56;
        return;
    }
    while (br->count <= 56) {
        uint64_t byte = 0;
        if (br->pos < br->len)
            byte = br->in[br->pos++];
        else
            br->pad += 8;
        br->bits |= byte << br->count;
        br->count += 8;
    }
}

/* Takes n <= 32 bits (the caller refilled for them). */
static inline uint32_t take(bitreader *br, unsigned n)
{
    uint32_t v = (uint32_t)(br->bits & (((uint64_t)1 << n) - 1));
    br->bits >>= n;
    br->count -= n;
    return v;
}

/* True once a bit past the end of the input has been taken. */
static inline int overran(const bitreader *br) { return br->pad > br->count; }

static int32_t truncated(void) { return CORRUPT("deflate stream is truncated"); }

/* Skips to the next byte boundary and answers the input position there. */
static size_t align(bitreader *br)
{
    take(br, br->count & 7);
    return br->pos - (br->count - br->pad) / 8;
}

static void seek(bitreader *br, size_t pos)
{
    br->pos = pos;
    br->bits = 0;
    br->count = br->pad = 0;
}

/* ---- Huffman codes ---- */

typedef struct {
    /* By the next FAST_BITS input bits: length << 9 | symbol of the code they start
     * with, or 0 when that code is longer (or no code starts so). */
    uint16_t fast[1 << FAST_BITS];
    uint16_t count[MAX_BITS + 1]; /* codes of each length */
    unsigned longest;             /* the longest code's length */
    uint32_t first[MAX_BITS + 1]; /* the numerically first code of each length */
    uint16_t index[MAX_BITS + 1]; /* where symbol[] starts each length */
    uint16_t symbol[288];         /* symbols in code order: by length, then value */
} huffman;

static unsigned reverse_bits(unsigned code, unsigned n)
{
    unsigned r = 0;
    for (unsigned i = 0; i < n; i++, code >>= 1)
        r = r << 1 | (code & 1);
    return r;
}

/*
 * Builds the canonical code of RFC 1951 3.2.2 from each symbol's code length (0 =
 * unused). An over-subscribed set of lengths is corrupt; so is an incomplete one,
 * except with at most one code (RFC 1951 allows a lone distance code, and a block
 * without back-references has none); bit patterns no code owns fail in decode.
 */
static int32_t huffman_build(huffman *h, const uint8_t *lengths, unsigned n, const char *what)
{
    memset(h->count, 0, sizeof h->count);
    for (unsigned s = 0; s < n; s++)
        h->count[lengths[s]]++;
    unsigned used = n - h->count[0];
    h->count[0] = 0;

    int32_t left = 1; /* codes of the current length still free */
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return CORRUPT("%s code lengths are over-subscribed", what);
    }
    if (left > 0 && used > 1)
        return CORRUPT("%s code lengths are incomplete", what);
    h->longest = 0;
    for (unsigned len = 1; len <= MAX_BITS; len++)
        if (h->count[len])
            h->longest = len;

    uint32_t code = 0;
    uint16_t at = 0;
    for (unsigned len = 1; len <= MAX_BITS; len++) {
        code = (code + h->count[len - 1]) << 1;
        h->first[len] = code;
        h->index[len] = at;
        at = (uint16_t)(at + h->count[len]);
    }
    uint16_t next[MAX_BITS + 1];
    memcpy(next, h->index, sizeof next);
    for (unsigned s = 0; s < n; s++)
        if (lengths[s])
            h->symbol[next[lengths[s]]++] = (uint16_t)s;

    memset(h->fast, 0, sizeof h->fast);
    for (unsigned len = 1; len <= FAST_BITS; len++)
        for (unsigned k = 0; k < h->count[len]; k++) {
            unsigned sym = h->symbol[h->index[len] + k];
            /* The stream sends a code's most significant bit first. */
            for (unsigned i = reverse_bits(h->first[len] + k, len); i < (1u << FAST_BITS); i += 1u << len)
                h->fast[i] = (uint16_t)(len << 9 | sym);
        }
    return 0;
}

#define NO_CODE (-1)   /* the bits start no code */
#define NO_INPUT (-2)  /* the bits ran out first: the stream is truncated */

/* A code longer than FAST_BITS: one bit at a time, compared with each length's range. */
static int decode_slow(bitreader *br, const huffman *h)
{
    uint64_t bits = br->bits;
    uint32_t code = 0;
    for (unsigned len = 1; len <= h->longest; len++, bits >>= 1) {
        code = code << 1 | (uint32_t)(bits & 1);
        if (code - h->first[len] < h->count[len]) {
            take(br, len);
            return h->symbol[h->index[len] + (code - h->first[len])];
        }
    }
    unsigned real = br->count > br->pad ? br->count - br->pad : 0;
    return h->longest > real ? NO_INPUT : NO_CODE;
}

/* The next symbol, or NO_CODE / NO_INPUT. Needs 15 bits in the reservoir. */
static inline int decode(bitreader *br, const huffman *h)
{
    unsigned e = h->fast[br->bits & ((1u << FAST_BITS) - 1)];
    if (e) {
        take(br, e >> 9);
        return (int)(e & 511);
    }
    return decode_slow(br, h);
}

/* ---- blocks ---- */

static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                         31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,    65,    97,    129,
                                       193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Literals and back-references until the end-of-block code. `start` is where this
 * stream's output began: no distance reaches before it. */
static int32_t inflate_codes(bitreader *br, kd_inflate_out *o, size_t start, const huffman *lit,
                             const huffman *dist)
{
    int32_t rc;
    for (;;) {
        refill(br);
        int sym = decode(br, lit);
        if (sym < 0)
            return sym == NO_INPUT ? truncated() : CORRUPT("invalid literal/length code");
        if (overran(br))
            return truncated();
        if (sym < 256) {
            if (o->len == o->cap && (rc = out_grow(o, 1)) != 0)
                return rc;
            o->data[o->len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return 0;
        sym -= 257;
        if (sym >= 29)
            return CORRUPT("length symbol %d is invalid", sym + 257);
        size_t length = length_base[sym] + take(br, length_extra[sym]);
        int d = decode(br, dist);
        if (d < 0)
            return d == NO_INPUT ? truncated() : CORRUPT("invalid distance code");
        if (d >= MAX_DIST)
            return CORRUPT("distance symbol %d is invalid", d);
        size_t distance = dist_base[d] + take(br, dist_extra[d]);
        if (overran(br))
            return truncated();
        if (distance > o->len - start)
            return CORRUPT("distance %zu is too far back: %zu bytes written", distance, o->len - start);
        if ((rc = out_room(o, length)) != 0)
            return rc;
        uint8_t *to = o->data + o->len;
        const uint8_t *from = to - distance;
        if (distance >= length) {
            memcpy(to, from, length);
        } else {
            for (size_t i = 0; i < length; i++) /* overlapping: repeats the last `distance` bytes */
                to[i] = from[i];
        }
        o->len += length;
    }
}

static int32_t inflate_stored(bitreader *br, kd_inflate_out *o)
{
    align(br);
    refill(br);
    uint32_t len = take(br, 16), nlen = take(br, 16);
    if (overran(br))
        return truncated();
    if (len != (~nlen & 0xffff))
        return CORRUPT("stored block length %u does not match its complement %u", (unsigned)len, (unsigned)nlen);
    size_t at = align(br);
    if (len > br->len - at)
        return truncated();
    int32_t rc = out_room(o, len);
    if (rc)
        return rc;
    if (len) {
        memcpy(o->data + o->len, br->in + at, len);
        o->len += len;
    }
    seek(br, at + len);
    return 0;
}

static int32_t fixed_codes(huffman *lit, huffman *dist)
{
    uint8_t lengths[288];
    memset(lengths, 8, 144);
    memset(lengths + 144, 9, 112);
    memset(lengths + 256, 7, 24);
    memset(lengths + 280, 8, 8);
    int32_t rc = huffman_build(lit, lengths, 288, "fixed literal/length");
    memset(lengths, 5, 32); /* 30 and 31 take part in the code but never occur */
    return rc ? rc : huffman_build(dist, lengths, 32, "fixed distance");
}

/* The order in which a dynamic block sends the code length code's lengths. */
static const uint8_t code_length_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

static int32_t dynamic_codes(bitreader *br, huffman *lit, huffman *dist)
{
    refill(br);
    unsigned nlit = take(br, 5) + 257, ndist = take(br, 5) + 1, ncode = take(br, 4) + 4;
    if (nlit > MAX_LITLEN || ndist > MAX_DIST)
        return CORRUPT("dynamic block declares %u literal/length and %u distance codes (at most %d and %d)", nlit,
                       ndist, MAX_LITLEN, MAX_DIST);
    uint8_t lengths[MAX_LITLEN + MAX_DIST] = {0};
    for (unsigned i = 0; i < ncode; i++) {
        refill(br);
        lengths[code_length_order[i]] = (uint8_t)take(br, 3);
    }
    if (overran(br))
        return truncated();
    huffman *code_lengths = dist; /* dist is built last, so it can lend its space */
    int32_t rc = huffman_build(code_lengths, lengths, 19, "code length");
    if (rc)
        return rc;

    unsigned total = nlit + ndist;
    for (unsigned i = 0; i < total;) {
        refill(br);
        int sym = decode(br, code_lengths);
        if (sym < 0)
            return sym == NO_INPUT ? truncated() : CORRUPT("invalid code length code");
        if (sym < 16) {
            lengths[i++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        unsigned repeat;
        if (sym == 16) {
            if (i == 0)
                return CORRUPT("code length repeat with no length before it");
            value = lengths[i - 1];
            repeat = 3 + take(br, 2);
        } else if (sym == 17) {
            repeat = 3 + take(br, 3);
        } else {
            repeat = 11 + take(br, 7);
        }
        if (repeat > total - i)
            return CORRUPT("code length repeat runs past the %u lengths declared", total);
        memset(lengths + i, value, repeat);
        i += repeat;
    }
    if (overran(br))
        return truncated();
    if (lengths[256] == 0)
        return CORRUPT("dynamic block has no end-of-block code");
    if ((rc = huffman_build(lit, lengths, nlit, "literal/length")) != 0)
        return rc;
    return huffman_build(dist, lengths + nlit, ndist, "distance");
}

int32_t kd_inflate_raw(const uint8_t *in, size_t len, size_t *used, kd_inflate_out *o)
{
    bitreader br = {in, len, 0, 0, 0, 0};
    size_t start = o->len;
    huffman lit, dist;
    unsigned last;
    do {
        refill(&br);
        last = take(&br, 1);
        unsigned type = take(&br, 2);
        if (overran(&br))
            return truncated();
        int32_t rc;
        switch (type) {
        case 0:
            rc = inflate_stored(&br, o);
            break;
        case 1:
            rc = fixed_codes(&lit, &dist);
            if (!rc)
                rc = inflate_codes(&br, o, start, &lit, &dist);
            break;
        case 2:
            rc = dynamic_codes(&br, &lit, &dist);
            if (!rc)
                rc = inflate_codes(&br, o, start, &lit, &dist);
            break;
        default:
            rc = CORRUPT("deflate block type 3 is reserved");
        }
        if (rc)
            return rc;
    } while (!last);
    *used = align(&br);
    return 0;
}

/* ---- gzip ---- */

#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10
#define GZ_RESERVED 0xe0

static int32_t header_truncated(void) { return CORRUPT("gzip header is truncated"); }

/* Skips a zero-terminated header field (file name, comment). */
static int32_t skip_string(const uint8_t *in, size_t len, size_t *pos, const char *what)
{
    const uint8_t *zero = memchr(in + *pos, 0, len - *pos);
    if (!zero)
        return CORRUPT("gzip %s has no terminating zero", what);
    *pos = (size_t)(zero - in) + 1;
    return 0;
}

static int32_t gzip_member(const uint8_t *in, size_t len, size_t *used, kd_inflate_out *o)
{
    if (len < 10)
        return header_truncated();
    if (in[0] != 0x1f || in[1] != 0x8b)
        return CORRUPT("not a gzip member: it starts %02x %02x, not 1f 8b", in[0], in[1]);
    if (in[2] != 8)
        return CORRUPT("gzip compression method %u is not deflate (8)", in[2]);
    unsigned flags = in[3];
    if (flags & GZ_RESERVED)
        return CORRUPT("gzip header sets reserved flags (%02x)", flags);
    size_t pos = 10; /* past MTIME, XFL and OS, which say nothing we need */
    int32_t rc;
    if (flags & GZ_FEXTRA) {
        if (len - pos < 2)
            return header_truncated();
        size_t xlen = le16(in + pos);
        pos += 2;
        if (xlen > len - pos)
            return header_truncated();
        pos += xlen;
    }
    if ((flags & GZ_FNAME) && (rc = skip_string(in, len, &pos, "file name")) != 0)
        return rc;
    if ((flags & GZ_FCOMMENT) && (rc = skip_string(in, len, &pos, "comment")) != 0)
        return rc;
    if (flags & GZ_FHCRC) {
        if (len - pos < 2)
            return header_truncated();
        uint32_t want = le16(in + pos), got = kd_crc32_update(0, in, pos) & 0xffff;
        if (want != got)
            return CORRUPT("gzip header CRC mismatch: header says %04x, bytes give %04x", (unsigned)want, (unsigned)got);
        pos += 2;
    }

    size_t start = o->len, n;
    if ((rc = kd_inflate_raw(in + pos, len - pos, &n, o)) != 0)
        return rc;
    pos += n;
    if (len - pos < 8)
        return CORRUPT("gzip member ends without its 8-byte trailer");
    size_t size = o->len - start;
    uint32_t want_crc = le32(in + pos), want_size = le32(in + pos + 4);
    uint32_t crc = size ? kd_crc32_update(0, o->data + start, size) : 0;
    if (crc != want_crc)
        return CORRUPT("gzip CRC-32 mismatch: trailer says %08x, data gives %08x", (unsigned)want_crc, (unsigned)crc);
    if (want_size != (uint32_t)size)
        return CORRUPT("gzip ISIZE says %u bytes, the member inflated to %zu", (unsigned)want_size, size);
    *used = pos + 8;
    return 0;
}

int32_t kd_gunzip(const uint8_t *in, size_t len, kd_inflate_out *o)
{
    if (len == 0)
        return CORRUPT("gzip stream is empty");
    /* The usual stream is one member, whose ISIZE ends the input: allocate that
     * once, when it is within the ceiling and what DEFLATE could make of the input. */
    if (len >= 18 && o->cap == 0) {
        size_t hint = le32(in + len - 4);
        if (hint > 0 && hint <= o->max - o->len && hint / DEFLATE_MAX_RATIO <= len) {
            uint8_t *p = realloc(o->data, hint);
            if (!p)
                return kd_fail(KD_ERR_NOMEM, "out of memory inflating %zu bytes", hint);
            o->data = p;
            o->cap = hint;
        }
    }
    for (size_t pos = 0; pos < len;) {
        size_t n = 0; /* set by gzip_member on success; zeroed for gcc -O2 */
        int32_t rc = gzip_member(in + pos, len - pos, &n, o);
        if (rc)
            return rc;
        pos += n;
    }
    return 0;
}
