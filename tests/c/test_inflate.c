/*
 * Tests src-c/inflate.c: CRC-32; DEFLATE's stored, fixed and dynamic blocks from
 * Python's zlib and written bit by bit here; gzip members with every optional
 * header field, several members back to back, empty members; and refusal of every
 * kind of damage: truncation at every length, bad CRC and ISIZE, distances too far
 * back, malformed codes, reserved values, output over the caller's ceiling (a
 * decompression bomb), and random bytes. (Gzip RecordBatches are tested in
 * test_record_batch.c; kafkajs's, through make test-vectors.)
 */
#include "check.h"
#include "inflate.h"
#include "internal.h"
#include "kd_list.h"

#include "crc32_table.h"

/*
 * Streams made with Python's zlib when this test was written:
 *   fixed_raw    raw DEFLATE (wbits -15), level 9, Z_FIXED, of FIXED_TEXT
 *   dynamic_raw  raw DEFLATE, level 9, of DYNAMIC_TEXT (one dynamic block)
 *   skewed_gz    gzip (wbits 31), level 9, of skewed(3000) below: a few common and
 *                many rare symbols, so its codes run longer than the fast table's
 *   flags_gz     a gzip member of "flags" whose header has FEXTRA ("ab\2\0xy"),
 *                FNAME ("name.txt"), FCOMMENT ("a comment") and FHCRC
 *   empty_gz     gzip.compress(b"", mtime=0): a member of nothing
 */
#define FIXED_TEXT "hello hello hello hello, fixed Huffman codes!"
#define DYNAMIC_TEXT                                                                                          \
    "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. The quick " \
    "brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs; the five boxing wizards "  \
    "jump quickly."

static const uint8_t fixed_raw[32] = {
    0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x75, 0x14, 0xd2, 0x32, 0x2b, 0x52, 0x53,
    0x14, 0x3c, 0x4a, 0xd3, 0xd2, 0x72, 0x13, 0xf3, 0x14, 0x92, 0xf3, 0x53, 0x52, 0x8b, 0x15, 0x01,
};

static const uint8_t dynamic_raw[100] = {
    0xb5, 0xcd, 0xd1, 0x19, 0x40, 0x30, 0x0c, 0x85, 0xd1, 0x55, 0xee, 0x04, 0x16, 0xb0, 0x84, 0x07,
    0x0b, 0x94, 0x56, 0x85, 0x6a, 0x68, 0x15, 0xed, 0xf4, 0xf2, 0xd5, 0x0c, 0x9e, 0xff, 0x73, 0x93,
    0x7e, 0x36, 0x38, 0x12, 0x8d, 0x2b, 0x86, 0xc0, 0xb7, 0xc7, 0xc4, 0x0f, 0x96, 0xb4, 0xed, 0x11,
    0x7c, 0x99, 0x80, 0x53, 0xb2, 0x53, 0x25, 0x43, 0xb3, 0x6d, 0xd0, 0xff, 0x86, 0x3b, 0x25, 0x6e,
    0xcb, 0x18, 0x04, 0xdd, 0x74, 0xce, 0x98, 0xe8, 0x32, 0x92, 0x8a, 0xf1, 0x70, 0x74, 0x24, 0x0e,
    0xb2, 0xb5, 0xb1, 0xad, 0xb3, 0xda, 0x44, 0x92, 0xb7, 0x82, 0x8b, 0x0a, 0x3a, 0xd6, 0xcb, 0xdf,
    0x3b, 0x97, 0x9b, 0x17,
};

static const uint8_t skewed_gz[1038] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4d, 0x56, 0x59, 0xa2, 0xdc, 0x30,
    0x08, 0x3b, 0x2b, 0x9b, 0x93, 0x69, 0xef, 0xff, 0x5f, 0x24, 0x81, 0xd3, 0xf7, 0x66, 0xc9, 0x24,
    0x36, 0x9b, 0x84, 0xb0, 0x5b, 0xb8, 0x99, 0x5b, 0x98, 0x59, 0xba, 0xae, 0xfb, 0xa3, 0xff, 0xdc,
    0xfb, 0x06, 0xee, 0x47, 0x1a, 0x6f, 0xcf, 0xa3, 0x3c, 0xde, 0xeb, 0x8e, 0x3d, 0xd8, 0x85, 0x0b,
    0xf7, 0x32, 0x3f, 0xd1, 0x4b, 0xf9, 0x1c, 0x96, 0xf0, 0x51, 0xfd, 0x4a, 0x6c, 0x8e, 0x7e, 0xf7,
    0x83, 0xb4, 0x2c, 0x38, 0x09, 0xad, 0x71, 0xda, 0xee, 0xad, 0x49, 0x6f, 0x87, 0x1e, 0xdc, 0xd7,
    0xbb, 0xcd, 0x15, 0x8d, 0xe6, 0x04, 0x68, 0x1e, 0xa6, 0x48, 0xf0, 0xf8, 0xc5, 0x07, 0x9c, 0xf4,
    0x8a, 0x8e, 0xa3, 0x90, 0x80, 0xe9, 0x9e, 0x29, 0x86, 0xe4, 0xf5, 0x1b, 0xd7, 0xd2, 0xc4, 0x18,
    0x1d, 0x32, 0x6e, 0xa5, 0x16, 0x20, 0x29, 0xf9, 0xec, 0xff, 0xea, 0x78, 0xc3, 0xfb, 0x35, 0x76,
    0x52, 0x4b, 0x99, 0x00, 0xb7, 0x24, 0xc3, 0xe8, 0x9f, 0x75, 0x53, 0x1e, 0x33, 0xdc, 0x82, 0x22,
    0x76, 0x8a, 0x19, 0xdc, 0xf2, 0xdb, 0x64, 0xa6, 0x08, 0xd8, 0x81, 0x1c, 0x0a, 0x1b, 0x3b, 0xc0,
    0x82, 0x59, 0xb7, 0xa3, 0x5c, 0xda, 0xf7, 0xde, 0x09, 0x7f, 0xb0, 0xef, 0x6c, 0x69, 0x9c, 0x7f,
    0xaa, 0xca, 0x5c, 0xc6, 0xba, 0x64, 0x64, 0x48, 0x29, 0x7c, 0x12, 0xa7, 0x23, 0xec, 0x05, 0x0a,
    0x0c, 0xa8, 0x0b, 0xdd, 0xee, 0xce, 0xa4, 0x4b, 0xf0, 0xb4, 0x1b, 0xef, 0x47, 0x41, 0xf5, 0x75,
    0xda, 0x80, 0xa3, 0x2d, 0x1b, 0x7d, 0x87, 0x2f, 0x80, 0xda, 0x55, 0xb8, 0x12, 0x07, 0x33, 0xfa,
    0x49, 0xe3, 0xc9, 0x5d, 0xf8, 0x08, 0xa4, 0x44, 0x60, 0x85, 0x17, 0xc2, 0x40, 0x92, 0xfc, 0x51,
    0x87, 0x94, 0x8a, 0xdc, 0x18, 0x14, 0x6e, 0x72, 0x37, 0xaa, 0x9a, 0x7e, 0x6b, 0x98, 0x76, 0x81,
    0x4e, 0xa5, 0x10, 0x17, 0x54, 0xb2, 0x35, 0x01, 0xd0, 0xbb, 0x6e, 0xe8, 0xd1, 0x81, 0x4a, 0x12,
    0x0f, 0x96, 0x86, 0xff, 0xa9, 0xaf, 0xcb, 0xcb, 0x43, 0xde, 0x5c, 0x2a, 0x77, 0xf4, 0x1d, 0x74,
    0xda, 0x75, 0xe7, 0x0b, 0x91, 0x4f, 0x27, 0x00, 0x7e, 0xd5, 0x33, 0x87, 0x45, 0xb5, 0x04, 0xcc,
    0x65, 0x9a, 0x2b, 0x8e, 0xce, 0xfe, 0xa8, 0xfa, 0xee, 0x07, 0xc9, 0xc5, 0xf0, 0x1c, 0x91, 0x91,
    0x17, 0x03, 0xdb, 0xc0, 0x94, 0x93, 0xbd, 0x8f, 0x33, 0x65, 0x76, 0xe6, 0x59, 0xf9, 0xb6, 0x53,
    0x86, 0xc9, 0x1a, 0x09, 0xb1, 0x10, 0x67, 0x2c, 0xf0, 0x4b, 0x90, 0x28, 0x92, 0x33, 0xea, 0x23,
    0xf5, 0x41, 0x87, 0xf6, 0xde, 0xf2, 0xdb, 0x37, 0x7c, 0x9d, 0x6d, 0x41, 0xdf, 0x4c, 0x00, 0x62,
    0x85, 0x96, 0xa5, 0x0b, 0x1e, 0xf8, 0xc8, 0x5b, 0xc8, 0xc6, 0x04, 0xbd, 0x31, 0x9d, 0xe0, 0xcb,
    0x3a, 0x62, 0x86, 0xb4, 0x1e, 0x05, 0xf3, 0x7f, 0x25, 0x27, 0x7b, 0x14, 0xb8, 0x3d, 0x9e, 0x56,
    0x00, 0xf5, 0x55, 0x0d, 0xac, 0xc5, 0xce, 0x95, 0x4d, 0x70, 0xac, 0x50, 0xa2, 0xf1, 0xa1, 0x08,
    0x42, 0x90, 0xc7, 0x43, 0xa9, 0x88, 0x5b, 0x6e, 0xd6, 0x20, 0xf5, 0x14, 0x7c, 0x9c, 0xa2, 0xc4,
    0x54, 0x09, 0x60, 0x58, 0x28, 0xa0, 0x0a, 0x5c, 0x13, 0x3b, 0x9f, 0x4e, 0x4d, 0x51, 0xba, 0x5f,
    0x82, 0x08, 0x1b, 0xca, 0xa1, 0x61, 0x23, 0x73, 0x7b, 0x93, 0xa5, 0xf5, 0x4f, 0xfb, 0x44, 0x85,
    0xad, 0xa3, 0x4b, 0x40, 0xb8, 0xbc, 0x62, 0xd4, 0xc8, 0x96, 0x40, 0x15, 0x6a, 0xaa, 0x50, 0x89,
    0x48, 0xce, 0x61, 0x6b, 0xc3, 0xe4, 0xcf, 0xa8, 0xec, 0xa6, 0xb8, 0x72, 0x17, 0xc7, 0xd5, 0x36,
    0xbd, 0xa4, 0x8d, 0xd4, 0xcf, 0x49, 0x91, 0x3f, 0x7f, 0x29, 0x5b, 0xbd, 0x0d, 0x35, 0x43, 0x7f,
    0x94, 0x4a, 0xa7, 0x4a, 0x3d, 0x63, 0xe7, 0x2a, 0xc4, 0x24, 0x96, 0x64, 0x10, 0x80, 0x1d, 0x71,
    0xf0, 0x9f, 0xca, 0x53, 0x7e, 0x9b, 0x09, 0xf0, 0x87, 0xdf, 0xdc, 0x7d, 0xbe, 0x62, 0x24, 0xcf,
    0x97, 0x35, 0x0d, 0xb1, 0xd4, 0x70, 0x02, 0x5d, 0x99, 0x3e, 0x68, 0xcf, 0xbd, 0x7b, 0x96, 0x6a,
    0x94, 0xc6, 0x50, 0x3e, 0x35, 0x26, 0x5a, 0xd4, 0xa6, 0x93, 0x57, 0xbe, 0x4c, 0xd3, 0x81, 0xe5,
    0x33, 0x76, 0x08, 0xcc, 0x99, 0x2d, 0x09, 0x94, 0x60, 0x69, 0x34, 0x11, 0xc6, 0x60, 0xd1, 0x67,
    0xff, 0x45, 0xc4, 0xd5, 0xda, 0x4c, 0x1a, 0x2d, 0x1a, 0x36, 0x6b, 0xe7, 0x96, 0x4b, 0x23, 0x38,
    0xd0, 0xea, 0x59, 0x6d, 0xef, 0x3b, 0x6f, 0x50, 0xb2, 0xb6, 0x1a, 0x62, 0x3b, 0xbc, 0xfe, 0x66,
    0x3b, 0x3b, 0x20, 0x5f, 0x31, 0x84, 0x32, 0x80, 0xea, 0x52, 0x43, 0xbf, 0xca, 0x2c, 0x45, 0x10,
    0x05, 0x9b, 0x2b, 0x35, 0xc9, 0xca, 0x44, 0x8b, 0x54, 0xf6, 0xb9, 0xfd, 0x27, 0x2a, 0xfa, 0xd6,
    0x09, 0x75, 0x3b, 0x5c, 0xda, 0x3d, 0xb0, 0x2a, 0xf4, 0x69, 0xf9, 0xad, 0xc3, 0xc7, 0x3d, 0xf6,
    0x0e, 0xc2, 0x7b, 0x15, 0xf8, 0x89, 0xb8, 0xcd, 0xdd, 0xa2, 0xf6, 0x48, 0x11, 0x63, 0xb3, 0x1a,
    0x4d, 0x7f, 0xe7, 0xe7, 0x23, 0x16, 0xee, 0xf8, 0x58, 0x20, 0x9b, 0x04, 0x4f, 0x0d, 0xd1, 0x0f,
    0x82, 0x57, 0x9e, 0x7e, 0xa6, 0x19, 0xc1, 0x62, 0xc0, 0x4f, 0x0e, 0xd0, 0x00, 0xf9, 0x11, 0x9a,
    0x04, 0x36, 0x23, 0x33, 0xae, 0x4c, 0x73, 0x5d, 0x70, 0xec, 0x0c, 0xbb, 0x18, 0xa5, 0xfa, 0x72,
    0xb5, 0x64, 0x64, 0x52, 0x9d, 0x98, 0x9a, 0x4d, 0xe5, 0xa5, 0x7c, 0x1f, 0xad, 0xe4, 0x38, 0x8d,
    0x4b, 0x1d, 0x59, 0x98, 0x89, 0xb5, 0x05, 0x81, 0x78, 0x84, 0x4b, 0xa4, 0x69, 0x6d, 0x84, 0x46,
    0xb3, 0x67, 0xcf, 0x1b, 0x74, 0xf8, 0xfb, 0x66, 0xa6, 0xa0, 0x2b, 0x8d, 0xe7, 0x19, 0x63, 0x85,
    0xc2, 0x3d, 0x98, 0x13, 0x95, 0xb9, 0x54, 0x4f, 0xd3, 0x08, 0x6d, 0x15, 0x9b, 0x6e, 0x31, 0xff,
    0x4a, 0x47, 0xdb, 0x2d, 0x80, 0x77, 0x24, 0xe4, 0x77, 0xa8, 0xb8, 0x3a, 0xc2, 0x5a, 0x1d, 0x27,
    0xab, 0xba, 0x8f, 0x16, 0xb3, 0x6d, 0x77, 0x16, 0x51, 0xe8, 0x77, 0x9b, 0x87, 0xc4, 0xec, 0x9e,
    0x87, 0x34, 0x54, 0x89, 0x8b, 0x33, 0x40, 0x0d, 0x02, 0x12, 0x4b, 0x4d, 0x3e, 0x83, 0x09, 0xe6,
    0xde, 0x10, 0xd9, 0x9d, 0x3d, 0x31, 0x2d, 0xa2, 0x41, 0x3b, 0xb6, 0xf6, 0xa0, 0x75, 0x86, 0xcd,
    0x9e, 0x8a, 0x19, 0x76, 0x39, 0xea, 0xe3, 0xb6, 0xa0, 0xf9, 0x37, 0x3d, 0x70, 0x7a, 0x83, 0x86,
    0xdb, 0x8d, 0x8a, 0xa7, 0x8c, 0xf0, 0x39, 0xd2, 0x0c, 0x99, 0x53, 0x8d, 0x46, 0xbe, 0x84, 0x8e,
    0x17, 0x3c, 0x50, 0xe8, 0x24, 0x34, 0x0a, 0xe3, 0x7e, 0x95, 0x5a, 0x43, 0x86, 0x1c, 0x1f, 0x21,
    0xe9, 0x93, 0x23, 0x0f, 0x25, 0x7d, 0x80, 0xd2, 0x49, 0xaa, 0x6a, 0x7c, 0xa4, 0x4e, 0x25, 0x25,
    0xd9, 0x0f, 0xdf, 0x1e, 0xcd, 0xd8, 0xca, 0x97, 0x6a, 0xf9, 0xa3, 0x57, 0x93, 0xf4, 0xb5, 0x64,
    0xe6, 0x68, 0x6c, 0x43, 0x20, 0x72, 0x00, 0x83, 0x0e, 0xe3, 0xd4, 0x69, 0x3c, 0x5b, 0x60, 0x1a,
    0xde, 0x77, 0x4e, 0xa5, 0x2b, 0xf7, 0x19, 0x9f, 0xd6, 0xc7, 0x7c, 0xbb, 0x3d, 0xff, 0x35, 0x63,
    0x4c, 0x59, 0x6c, 0xab, 0xbb, 0x47, 0xb2, 0xd6, 0x99, 0xdf, 0x68, 0xda, 0xca, 0xdd, 0x5d, 0xbe,
    0x62, 0x39, 0x52, 0x40, 0x7a, 0xe9, 0xb8, 0xe6, 0x33, 0xcc, 0x3e, 0xf6, 0x40, 0xfa, 0x42, 0xc7,
    0xdc, 0xb8, 0x1d, 0x6e, 0xf1, 0x0f, 0x12, 0xeb, 0xf0, 0x97, 0xb8, 0x0b, 0x00, 0x00,
};

static const uint8_t flags_gz[54] = {
    0x1f, 0x8b, 0x08, 0x1e, 0x00, 0xf1, 0x53, 0x65, 0x00, 0x03, 0x06, 0x00, 0x61, 0x62, 0x02, 0x00,
    0x78, 0x79, 0x6e, 0x61, 0x6d, 0x65, 0x2e, 0x74, 0x78, 0x74, 0x00, 0x61, 0x20, 0x63, 0x6f, 0x6d,
    0x6d, 0x65, 0x6e, 0x74, 0x00, 0xe2, 0xfc, 0x4b, 0xcb, 0x49, 0x4c, 0x2f, 0x06, 0x00, 0xba, 0x41,
    0x05, 0x0b, 0x05, 0x00, 0x00, 0x00,
};

static const uint8_t empty_gz[20] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
};


/* Byte 'a' + k where k is the number of trailing zero bits of a xorshift32 word. */
static void skewed(uint8_t *out, size_t n)
{
    uint32_t x = 0x2545F491u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int k = 0;
        while (k < 31 && !((x >> k) & 1))
            k++;
        out[i] = (uint8_t)('a' + k);
    }
}

/* ---- helpers ---- */

/* Inflates (raw or gzip) under a ceiling; on success compares with want. */
static int32_t inflate_is(int gzip, const uint8_t *in, size_t len, size_t max, const void *want, size_t want_len)
{
    kd_inflate_out o = {NULL, 0, 0, max};
    size_t used = 0;
    int32_t rc = gzip ? kd_gunzip(in, len, &o) : kd_inflate_raw(in, len, &used, &o);
    if (rc == 0) {
        CHECK_EQ_INT(o.len, want_len);
        CHECK(o.len == want_len && (want_len == 0 || memcmp(o.data, want, want_len) == 0));
        if (!gzip)
            CHECK_EQ_INT(used, len);
    }
    CHECK(o.len <= max && o.cap <= (max > 4096 ? max : 4096));
    free(o.data);
    return rc;
}

static int32_t gunzip_rc(const uint8_t *in, size_t len, size_t max)
{
    kd_inflate_out o = {NULL, 0, 0, max};
    int32_t rc = kd_gunzip(in, len, &o);
    CHECK(o.len <= max);
    free(o.data);
    return rc;
}

static int32_t raw_rc(const uint8_t *in, size_t len, size_t max)
{
    kd_inflate_out o = {NULL, 0, 0, max};
    size_t used;
    int32_t rc = kd_inflate_raw(in, len, &used, &o);
    CHECK(o.len <= max);
    free(o.data);
    return rc;
}

static int message_has(const char *what)
{
    if (strstr(kd_error_message(), what))
        return 1;
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", kd_error_message(), what);
    return 0;
}

#define CHECK_CORRUPT(expr, what)                                                                          \
    do {                                                                                                   \
        CHECK_EQ_INT((expr), KD_CORRUPT_MESSAGE);                                                          \
        CHECK(message_has(what));                                                                          \
    } while (0)

/* A DEFLATE bit writer: fields least-significant bit first, Huffman codes most
 * significant bit first (RFC 1951 3.1.1). */
typedef struct {
    kbuf b;
    size_t bits;
} bitw;

static void put_bits(bitw *w, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++, w->bits++) {
        if (w->bits % 8 == 0)
            kb_le(&w->b, 0, 1);
        w->b.p[w->bits / 8] |= (uint8_t)(((v >> i) & 1) << (w->bits % 8));
    }
}

static void put_code(bitw *w, uint32_t code, unsigned len)
{
    while (len--)
        put_bits(w, (code >> len) & 1, 1);
}

/* A symbol of the fixed literal/length code (RFC 1951 3.2.6). */
static void fixed_sym(bitw *w, unsigned sym)
{
    if (sym < 144)
        put_code(w, 0x30 + sym, 8);
    else if (sym < 256)
        put_code(w, 0x190 + sym - 144, 9);
    else if (sym < 280)
        put_code(w, sym - 256, 7);
    else
        put_code(w, 0xc0 + sym - 280, 8);
}

/* A gzip member around raw DEFLATE bytes, its trailer from data/len. */
static void gzip_member(kbuf *g, const uint8_t *deflate, size_t n, const void *data, size_t len)
{
    static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
    kb_put(g, header, sizeof header);
    kb_put(g, deflate, n);
    kb_le(g, len ? kd_crc32_update(0, data, len) : 0, 4);
    kb_le(g, (uint32_t)len, 4);
}

/* ---- CRC-32 ---- */

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void test_crc32(void)
{
    CHECK_EQ_INT(kd_crc32_update(0, (const uint8_t *)"123456789", 9), 0xcbf43926u);
    for (int i = 0; i < 256; i++) {
        uint32_t c = (uint32_t)i;
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        CHECK_EQ_INT(crc32_table[0][i], c);
        for (int k = 1; k < 8; k++) {
            c = (c >> 8) ^ crc32_table[0][c & 0xff];
            CHECK_EQ_INT(crc32_table[k][i], c);
        }
    }
    uint8_t buf[300];
    skewed(buf, sizeof buf);
    for (size_t start = 0; start < 9; start++)
        for (size_t n = 0; n + start <= 80; n++)
            CHECK_EQ_INT(kd_crc32_update(0, buf + start, n), crc_bitwise(buf + start, n));
    uint32_t a = kd_crc32_update(0, buf, 100);
    CHECK_EQ_INT(kd_crc32_update(a, buf + 100, 200), crc_bitwise(buf, 300));
}

/* ---- streams from Python's zlib ---- */

static void test_python_streams(void)
{
    CHECK_EQ_INT(inflate_is(0, fixed_raw, sizeof fixed_raw, 1 << 20, FIXED_TEXT, strlen(FIXED_TEXT)), 0);
    CHECK_EQ_INT(inflate_is(0, dynamic_raw, sizeof dynamic_raw, 1 << 20, DYNAMIC_TEXT, strlen(DYNAMIC_TEXT)), 0);
    uint8_t want[3000];
    skewed(want, sizeof want);
    CHECK_EQ_INT(inflate_is(1, skewed_gz, sizeof skewed_gz, 1 << 20, want, sizeof want), 0);
    CHECK_EQ_INT(inflate_is(1, flags_gz, sizeof flags_gz, 1 << 20, "flags", 5), 0);
    CHECK_EQ_INT(inflate_is(1, empty_gz, sizeof empty_gz, 1 << 20, "", 0), 0);
    /* The ceiling is exact: the output may reach it, not pass it. */
    CHECK_EQ_INT(inflate_is(1, skewed_gz, sizeof skewed_gz, sizeof want, want, sizeof want), 0);
    CHECK_CORRUPT(inflate_is(1, skewed_gz, sizeof skewed_gz, sizeof want - 1, want, sizeof want),
                  "decompressed size exceeds 2999 bytes");
    CHECK_CORRUPT(inflate_is(1, flags_gz, sizeof flags_gz, 0, "", 0), "decompressed size exceeds 0 bytes");
    CHECK_EQ_INT(inflate_is(1, empty_gz, sizeof empty_gz, 0, "", 0), 0);
}

/* Members back to back make one output; a back-reference never reaches into the
 * member before. */
static void test_members_back_to_back(void)
{
    uint8_t want[5 + 3000];
    memcpy(want, "flags", 5);
    skewed(want + 5, 3000);
    kbuf g = {0};
    kb_put(&g, empty_gz, sizeof empty_gz);
    kb_put(&g, flags_gz, sizeof flags_gz);
    kb_put(&g, empty_gz, sizeof empty_gz);
    kb_put(&g, skewed_gz, sizeof skewed_gz);
    CHECK_EQ_INT(inflate_is(1, g.p, g.len, 1 << 20, want, sizeof want), 0);
    /* Anything after the last member is corrupt: garbage, zeros, half a member. */
    size_t whole = g.len;
    kb_put(&g, "\0\0", 2);
    CHECK_CORRUPT(gunzip_rc(g.p, g.len, 1 << 20), "gzip header is truncated");
    g.len = whole;
    kb_put(&g, "trailing garbage", 16);
    CHECK_CORRUPT(gunzip_rc(g.p, g.len, 1 << 20), "not a gzip member: it starts 74 72");
    g.len = whole;
    kb_put(&g, flags_gz, 42); /* into its DEFLATE data */
    CHECK_CORRUPT(gunzip_rc(g.p, g.len, 1 << 20), "truncated");
    kb_free(&g);

    /* "ab" then a member whose first symbol copies from distance 1: too far. */
    bitw w = {{0}, 0};
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    fixed_sym(&w, 257); /* length 3 */
    put_code(&w, 0, 5); /* distance 1 */
    fixed_sym(&w, 256);
    kbuf two = {0};
    static const uint8_t ab_member[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3, 0x4b, 0x4c, 0x02, 0x00,
                                        0x6d, 0x48, 0x83, 0x9e, 0x02, 0, 0, 0}; /* gzip.compress(b"ab", mtime=0) */
    kb_put(&two, ab_member, sizeof ab_member);
    CHECK_EQ_INT(inflate_is(1, two.p, two.len, 100, "ab", 2), 0);
    gzip_member(&two, w.b.p, w.b.len, "bbb", 3);
    CHECK_CORRUPT(gunzip_rc(two.p, two.len, 100), "distance 1 is too far back: 0 bytes written");
    kb_free(&two);
    kb_free(&w.b);
}

/* ---- blocks written bit by bit ---- */

static void test_stored_blocks(void)
{
    static const uint8_t hello[] = {0x01, 0x05, 0x00, 0xfa, 0xff, 'h', 'e', 'l', 'l', 'o'};
    CHECK_EQ_INT(inflate_is(0, hello, sizeof hello, 100, "hello", 5), 0);
    /* A non-final empty stored block, a stored block, then a final fixed block. */
    bitw w = {{0}, 0};
    put_bits(&w, 0, 1);
    put_bits(&w, 0, 2);
    w.bits = (w.bits + 7) / 8 * 8;
    put_bits(&w, 0x0000, 16);
    put_bits(&w, 0xffff, 16);
    put_bits(&w, 0, 1);
    put_bits(&w, 0, 2);
    w.bits = (w.bits + 7) / 8 * 8;
    put_bits(&w, 2, 16);
    put_bits(&w, 0xfffd, 16);
    put_bits(&w, 'h' | 'i' << 8, 16);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    fixed_sym(&w, '!');
    fixed_sym(&w, 256);
    CHECK_EQ_INT(inflate_is(0, w.b.p, w.b.len, 100, "hi!", 3), 0);
    kb_free(&w.b);

    static const uint8_t bad_nlen[] = {0x01, 0x05, 0x00, 0xfa, 0xfe, 'h', 'e', 'l', 'l', 'o'};
    CHECK_CORRUPT(raw_rc(bad_nlen, sizeof bad_nlen, 100), "does not match its complement");
    static const uint8_t short_data[] = {0x01, 0x06, 0x00, 0xf9, 0xff, 'h', 'e', 'l', 'l', 'o'};
    CHECK_CORRUPT(raw_rc(short_data, sizeof short_data, 100), "truncated");
}

static void test_fixed_blocks(void)
{
    /* 'a', then a copy of 10 from distance 1 (overlapping), then "b" + a copy of
     * 258 from distance 2 (length code 285), then end of block. */
    bitw w = {{0}, 0};
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    fixed_sym(&w, 'a');
    fixed_sym(&w, 264); /* length 10 */
    put_code(&w, 0, 5); /* distance 1 */
    fixed_sym(&w, 'b');
    fixed_sym(&w, 285);
    put_code(&w, 1, 5); /* distance 2 */
    fixed_sym(&w, 256);
    char want[11 + 1 + 258];
    memset(want, 'a', 11);
    want[11] = 'b';
    for (int i = 0; i < 258; i++)
        want[12 + i] = want[10 + i];
    CHECK_EQ_INT(inflate_is(0, w.b.p, w.b.len, 1000, want, sizeof want), 0);
    kb_free(&w.b);

    /* Length symbols 286 and 287, and distance symbols 30 and 31, are in the fixed
     * code but mean nothing. */
    for (unsigned sym = 286; sym <= 287; sym++) {
        bitw b = {{0}, 0};
        put_bits(&b, 3, 3);
        fixed_sym(&b, 'x');
        fixed_sym(&b, sym);
        put_code(&b, 0, 5);
        fixed_sym(&b, 256);
        CHECK_CORRUPT(raw_rc(b.b.p, b.b.len, 100), "length symbol");
        kb_free(&b.b);
    }
    for (unsigned d = 30; d <= 31; d++) {
        bitw b = {{0}, 0};
        put_bits(&b, 3, 3);
        fixed_sym(&b, 'x');
        fixed_sym(&b, 257);
        put_code(&b, d, 5);
        fixed_sym(&b, 256);
        CHECK_CORRUPT(raw_rc(b.b.p, b.b.len, 100), "distance symbol");
        kb_free(&b.b);
    }
    /* Distance 2 after one byte. */
    bitw far = {{0}, 0};
    put_bits(&far, 3, 3);
    fixed_sym(&far, 'x');
    fixed_sym(&far, 257);
    put_code(&far, 1, 5);
    fixed_sym(&far, 256);
    CHECK_CORRUPT(raw_rc(far.b.p, far.b.len, 100), "distance 2 is too far back: 1 bytes written");
    kb_free(&far.b);
    /* Block type 3. */
    static const uint8_t reserved[] = {0x07, 0, 0, 0};
    CHECK_CORRUPT(raw_rc(reserved, sizeof reserved, 100), "block type 3");
}

/*
 * A dynamic block header: HLIT, HDIST, all 19 code length code lengths (cl[],
 * indexed by symbol), then symbols of that code with their extra bits, written
 * as (symbol, extra) pairs, extra -1 for none. Codes are assigned canonically.
 */
static void dynamic_header(bitw *w, unsigned nlit, unsigned ndist, const uint8_t cl[19], const int *syms,
                           size_t nsyms)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    put_bits(w, 1, 1);
    put_bits(w, 2, 2);
    put_bits(w, nlit - 257, 5);
    put_bits(w, ndist - 1, 5);
    put_bits(w, 19 - 4, 4);
    for (int i = 0; i < 19; i++)
        put_bits(w, cl[order[i]], 3);
    unsigned code[19] = {0}, next = 0;
    for (unsigned len = 1; len <= 7; len++) {
        for (unsigned s = 0; s < 19; s++)
            if (cl[s] == len)
                code[s] = next++;
        next <<= 1;
    }
    for (size_t i = 0; i < nsyms; i += 2) {
        int s = syms[i];
        put_code(w, code[s], cl[s]);
        if (syms[i + 1] >= 0)
            put_bits(w, (uint32_t)syms[i + 1], s == 16 ? 2 : s == 17 ? 3 : 7);
    }
}

static void test_dynamic_blocks(void)
{
    /* Code length code: 0 -> "0", 1 -> "10", 18 -> "11". Literal/length code:
     * 'a' and end-of-block of length 1; one distance code, unused (length 0). */
    uint8_t cl[19] = {0};
    cl[0] = 1;
    cl[1] = 2;
    cl[18] = 2;
    const int ok[] = {18, 97 - 11, 1, -1, 18, 138 - 11, 18, 256 - 236 - 11, 1, -1, 0, -1};
    bitw w = {{0}, 0};
    dynamic_header(&w, 257, 1, cl, ok, sizeof ok / sizeof ok[0]);
    put_code(&w, 0, 1); /* 'a' */
    put_code(&w, 0, 1);
    put_code(&w, 1, 1); /* end of block */
    CHECK_EQ_INT(inflate_is(0, w.b.p, w.b.len, 100, "aa", 2), 0);
    kb_free(&w.b);

    /* Codes of every length up to 15, so most are longer than the decoder's fast
     * table: 'a'..'n' of lengths 1..14, 'o' and end-of-block of length 15 (code
     * lengths 0..14 of length 4, 15 and 18 of length 5). */
    uint8_t cl_long[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 0, 0, 5};
    int long_syms[2 * 40], k = 0;
    long_syms[k++] = 18, long_syms[k++] = 97 - 11;
    for (int len = 1; len <= 15; len++)
        long_syms[k++] = len, long_syms[k++] = -1;
    long_syms[k++] = 18, long_syms[k++] = 138 - 11;
    for (int z = 0; z < 6; z++)
        long_syms[k++] = 0, long_syms[k++] = -1;
    long_syms[k++] = 15, long_syms[k++] = -1; /* end of block */
    long_syms[k++] = 0, long_syms[k++] = -1;  /* no distance code */
    bitw l = {{0}, 0};
    dynamic_header(&l, 257, 1, cl_long, long_syms, (size_t)k);
    for (unsigned len = 1; len <= 14; len++)
        put_code(&l, (1u << len) - 2, len); /* len-1 ones and a zero */
    put_code(&l, (1u << 15) - 2, 15);      /* 'o' */
    put_code(&l, (1u << 15) - 1, 15);      /* end of block */
    CHECK_EQ_INT(inflate_is(0, l.b.p, l.b.len, 100, "abcdefghijklmno", 15), 0);
    kb_free(&l.b);

    /* A lone distance code (length 1, RFC 1951 3.2.7): its other bit pattern is
     * no code. Literal/length code: 'a' "0", end of block "10", length 3 "11". */
    uint8_t cl_d[19] = {0};
    cl_d[0] = cl_d[1] = cl_d[2] = cl_d[18] = 2;
    const int lone[] = {18, 97 - 11, 1, -1, 18, 138 - 11, 18, 256 - 236 - 11, 2, -1, 2, -1, 1, -1};
    for (int bad = 0; bad <= 1; bad++) {
        bitw v = {{0}, 0};
        dynamic_header(&v, 258, 1, cl_d, lone, sizeof lone / sizeof lone[0]);
        put_code(&v, 0, 1);   /* 'a' */
        put_code(&v, 3, 2);   /* length 3 */
        put_code(&v, bad, 1); /* distance 1, or nothing */
        put_code(&v, 2, 2);   /* end of block */
        if (bad)
            CHECK_CORRUPT(raw_rc(v.b.p, v.b.len, 100), "invalid distance code");
        else
            CHECK_EQ_INT(inflate_is(0, v.b.p, v.b.len, 100, "aaaa", 4), 0);
        kb_free(&v.b);
    }
    /* A lone literal/length code, end of block "0": "1" is no code. */
    const int eob_only[] = {18, 138 - 11, 18, 118 - 11, 1, -1, 0, -1};
    bitw e1 = {{0}, 0};
    dynamic_header(&e1, 257, 1, cl, eob_only, sizeof eob_only / sizeof eob_only[0]);
    put_code(&e1, 1, 1);
    CHECK_CORRUPT(raw_rc(e1.b.p, e1.b.len, 100), "invalid literal/length code");
    kb_free(&e1.b);

    /* The same with 'a' and end-of-block of length 2: an incomplete code. */
    uint8_t cl2[19] = {0};
    cl2[0] = 1;
    cl2[2] = 2;
    cl2[18] = 2;
    const int incomplete[] = {18, 97 - 11, 2, -1, 18, 138 - 11, 18, 256 - 236 - 11, 2, -1, 0, -1};
    bitw b = {{0}, 0};
    dynamic_header(&b, 257, 1, cl2, incomplete, sizeof incomplete / sizeof incomplete[0]);
    CHECK_CORRUPT(raw_rc(b.b.p, b.b.len, 100), "literal/length code lengths are incomplete");
    kb_free(&b.b);

    /* No end-of-block code: 258 zeros. */
    const int no_eob[] = {18, 138 - 11, 18, 120 - 11};
    bitw c = {{0}, 0};
    dynamic_header(&c, 257, 1, cl, no_eob, 4);
    CHECK_CORRUPT(raw_rc(c.b.p, c.b.len, 100), "no end-of-block code");
    kb_free(&c.b);

    /* Zeros past the 258 lengths declared. */
    const int too_many[] = {18, 138 - 11, 18, 138 - 11};
    bitw d = {{0}, 0};
    dynamic_header(&d, 257, 1, cl, too_many, 4);
    CHECK_CORRUPT(raw_rc(d.b.p, d.b.len, 100), "runs past the 258 lengths");
    kb_free(&d.b);

    /* Repeat-previous (16) with nothing before it. */
    uint8_t cl16[19] = {0};
    cl16[16] = 1;
    cl16[0] = 2;
    cl16[8] = 2;
    const int rep_first[] = {16, 0};
    bitw e = {{0}, 0};
    dynamic_header(&e, 257, 1, cl16, rep_first, 2);
    CHECK_CORRUPT(raw_rc(e.b.p, e.b.len, 100), "no length before it");
    kb_free(&e.b);

    /* Code length codes over-subscribed (four of length 1) and incomplete (three
     * of length 2). */
    uint8_t over[19] = {1, 1, 1, 1};
    bitw f = {{0}, 0};
    dynamic_header(&f, 257, 1, over, NULL, 0);
    CHECK_CORRUPT(raw_rc(f.b.p, f.b.len, 100), "code length code lengths are over-subscribed");
    kb_free(&f.b);
    uint8_t under[19] = {2, 2, 2};
    bitw g = {{0}, 0};
    dynamic_header(&g, 257, 1, under, NULL, 0);
    CHECK_CORRUPT(raw_rc(g.b.p, g.b.len, 100), "code length code lengths are incomplete");
    kb_free(&g.b);

    /* HLIT of 287 and HDIST of 31 are more than DEFLATE has. */
    bitw h = {{0}, 0};
    dynamic_header(&h, 287, 1, cl, NULL, 0);
    CHECK_CORRUPT(raw_rc(h.b.p, h.b.len, 100), "dynamic block declares 287");
    kb_free(&h.b);
    bitw i = {{0}, 0};
    dynamic_header(&i, 257, 31, cl, NULL, 0);
    CHECK_CORRUPT(raw_rc(i.b.p, i.b.len, 100), "and 31 distance codes");
    kb_free(&i.b);
}

/* ---- gzip headers and trailers ---- */

static void test_gzip_damage(void)
{
    uint8_t m[sizeof flags_gz];
    CHECK_CORRUPT(gunzip_rc(flags_gz, 0, 100), "gzip stream is empty");
#define DAMAGED(at, value, what)                                                                           \
    do {                                                                                                   \
        memcpy(m, flags_gz, sizeof m);                                                                     \
        m[at] = (uint8_t)(value);                                                                          \
        CHECK_CORRUPT(gunzip_rc(m, sizeof m, 100), what);                                                  \
    } while (0)
    DAMAGED(0, 0x1e, "not a gzip member");
    DAMAGED(1, 0x8c, "not a gzip member");
    DAMAGED(2, 7, "compression method 7");
    DAMAGED(3, flags_gz[3] | 0x20, "reserved flags");
    DAMAGED(20, 'N', "header CRC mismatch"); /* a letter of the file name */
    DAMAGED(sizeof m - 8, flags_gz[sizeof m - 8] ^ 1, "CRC-32 mismatch");
    DAMAGED(sizeof m - 4, 6, "ISIZE says 6 bytes, the member inflated to 5");
    DAMAGED(sizeof m - 1, 1, "ISIZE");
#undef DAMAGED
    /* A file name with no end. */
    static const uint8_t unterminated[] = {0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c'};
    CHECK_CORRUPT(gunzip_rc(unterminated, sizeof unterminated, 100), "file name has no terminating zero");
    static const uint8_t extra_short[] = {0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 9, 0, 'a'};
    CHECK_CORRUPT(gunzip_rc(extra_short, sizeof extra_short, 100), "header is truncated");
}

/* Every prefix of a valid stream is refused, never read past. */
static void test_truncated_everywhere(void)
{
    kbuf both = {0};
    kb_put(&both, flags_gz, sizeof flags_gz);
    kb_put(&both, skewed_gz, sizeof skewed_gz);
    for (size_t cut = 0; cut < both.len; cut++) {
        /* A copy of exactly the prefix, so ASan sees any read past it. */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, both.p, cut);
        if (cut == sizeof flags_gz) {
            CHECK_EQ_INT(gunzip_rc(p, cut, 1 << 20), 0);
        } else {
            CHECK_EQ_INT(gunzip_rc(p, cut, 1 << 20), KD_CORRUPT_MESSAGE);
        }
        free(p);
    }
    kb_free(&both);
    const uint8_t *raws[] = {fixed_raw, dynamic_raw};
    size_t lens[] = {sizeof fixed_raw, sizeof dynamic_raw};
    for (int r = 0; r < 2; r++)
        for (size_t cut = 0; cut < lens[r]; cut++) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, raws[r], cut);
            CHECK_CORRUPT(raw_rc(p, cut, 1 << 20), "truncated");
            free(p);
        }
}

/* A few kilobytes of 258-byte copies claiming far more than the ceiling. */
static void test_bomb_is_refused(void)
{
    bitw w = {{0}, 0};
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    fixed_sym(&w, 0);
    size_t copies = (17u << 20) / 258; /* about 17 MiB */
    for (size_t i = 0; i < copies; i++) {
        fixed_sym(&w, 285);
        put_code(&w, 0, 5);
    }
    fixed_sym(&w, 256);
    size_t total = 1 + copies * 258;
    kd_inflate_out o = {NULL, 0, 0, (size_t)16 << 20};
    size_t used;
    CHECK_CORRUPT(kd_inflate_raw(w.b.p, w.b.len, &used, &o), "decompressed size exceeds 16777216 bytes");
    CHECK(o.cap <= o.max);
    free(o.data);
    /* Under a ceiling that allows it, the same stream inflates in full. */
    kd_inflate_out big = {NULL, 0, 0, total};
    CHECK_EQ_INT(kd_inflate_raw(w.b.p, w.b.len, &used, &big), 0);
    CHECK_EQ_INT(big.len, total);
    CHECK(big.data && big.data[0] == 0 && big.data[total - 1] == 0);
    free(big.data);
    kb_free(&w.b);
}

/* Random bytes and every single-bit change of a real stream: any answer but a
 * crash (ASan and UBSan watch), and success only with the original output (a
 * changed MTIME, XFL, OS or FTEXT, or a padding bit after the last block). */
static void test_noise(void)
{
    uint32_t x = 99;
    uint8_t buf[600];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(round % 600);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)(x >> 16);
        }
        if (round % 3 == 0 && n >= 10) /* give some a gzip header to get past */
            memcpy(buf, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
        int32_t rc = gunzip_rc(buf, n, 1 << 16);
        CHECK(rc == 0 || rc == KD_CORRUPT_MESSAGE);
        rc = raw_rc(buf, n, 1 << 16);
        CHECK(rc == 0 || rc == KD_CORRUPT_MESSAGE);
    }
    uint8_t want[3000];
    skewed(want, sizeof want);
    uint8_t *m = malloc(sizeof skewed_gz);
    int succeeded = 0;
    for (size_t i = 0; i < sizeof skewed_gz; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(m, skewed_gz, sizeof skewed_gz);
            m[i] ^= (uint8_t)(1 << bit);
            int32_t rc = inflate_is(1, m, sizeof skewed_gz, 1 << 20, want, sizeof want);
            CHECK(rc == 0 || rc == KD_CORRUPT_MESSAGE);
            succeeded += rc == 0;
        }
    CHECK(succeeded >= 6 * 8 + 1 && succeeded <= 6 * 8 + 1 + 7);
    free(m);
}

int main(void)
{
    RUN(test_crc32);
    RUN(test_python_streams);
    RUN(test_members_back_to_back);
    RUN(test_stored_blocks);
    RUN(test_fixed_blocks);
    RUN(test_dynamic_blocks);
    RUN(test_gzip_damage);
    RUN(test_truncated_everywhere);
    RUN(test_bomb_is_refused);
    RUN(test_noise);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
