/*
 * Tests src-c/codecs.c: each codec's framings as Kafka's clients write them, round
 * trips through the libraries, streams back to back, and the refusals: empty,
 * truncated, trailing bytes, damaged, and output past the ceiling (a bomb).
 */
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "codecs.h"
#include "kafdo.h"

#define MiB ((size_t)1 << 20)

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) { /* compressible, but not trivially */
        x = x * 1103515245 + 12345;
        p[i] = (uint8_t)("kafdo records "[i % 14] ^ ((x >> 28) == 0 ? (x >> 16) : 0));
    }
    return p;
}

static int32_t decompress(int codec, const uint8_t *in, size_t len, size_t max, kd_codec_out *o)
{
    *o = (kd_codec_out){NULL, 0, 0, max};
    return kd_decompress(codec, in, len, o);
}

static void test_round_trips(void)
{
    size_t sizes[] = {1, 100, 32 * 1024, 32 * 1024 + 1, 300 * 1024};
    for (int codec = 1; codec <= 4; codec++)
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            uint8_t *in = sample(sizes[i]);
            kd_codec_out z = {NULL, 0, 0, SIZE_MAX}, o;
            CHECK_EQ_INT(kd_compress(codec, in, sizes[i], &z), 0);
            CHECK_EQ_INT(decompress(codec, z.data, z.len, 16 * MiB, &o), 0);
            CHECK(o.len == sizes[i] && memcmp(o.data, in, sizes[i]) == 0);
            /* The bound is exact: the size itself passes, one byte less does not. */
            free(o.data);
            CHECK_EQ_INT(decompress(codec, z.data, z.len, sizes[i], &o), 0);
            free(o.data);
            CHECK_EQ_INT(decompress(codec, z.data, z.len, sizes[i] - 1, &o), KD_CORRUPT_MESSAGE);
            CHECK(strstr(kd_error_message(), "decompressed size exceeds") != NULL);
            free(o.data);
            /* Every truncation is refused (but xerial's header alone, a valid stream of
             * no chunks: a batch of it is refused for its missing records). */
            for (size_t cut = 0; cut < z.len; cut += 1 + z.len / 50) {
                if (codec == KD_CODEC_SNAPPY && cut == 16)
                    continue;
                int32_t rc = decompress(codec, z.data, cut, 16 * MiB, &o);
                if (rc != KD_CORRUPT_MESSAGE)
                    fprintf(stderr, "  %s cut at %zu of %zu: %d\n", kd_codec_name(codec), cut, z.len, (int)rc);
                CHECK_EQ_INT(rc, KD_CORRUPT_MESSAGE);
                free(o.data);
            }
            /* So are bytes after the stream. */
            uint8_t *more = malloc(z.len + 3);
            memcpy(more, z.data, z.len);
            memcpy(more + z.len, "xyz", 3);
            CHECK_EQ_INT(decompress(codec, more, z.len + 3, 16 * MiB, &o), KD_CORRUPT_MESSAGE);
            free(o.data);
            free(more);
            free(z.data);
            free(in);
        }
}

/* Two gzip members, two lz4 frames, two zstd frames back to back: concatenated. */
static void test_streams_back_to_back(void)
{
    for (int codec = 1; codec <= 4; codec++) {
        if (codec == 2)
            continue; /* snappy has no such thing: xerial's chunks are tested below */
        kd_codec_out a = {NULL, 0, 0, SIZE_MAX}, b = {NULL, 0, 0, SIZE_MAX}, o;
        CHECK_EQ_INT(kd_compress(codec, (const uint8_t *)"hello, ", 7, &a), 0);
        CHECK_EQ_INT(kd_compress(codec, (const uint8_t *)"world", 5, &b), 0);
        uint8_t *both = malloc(a.len + b.len);
        memcpy(both, a.data, a.len);
        memcpy(both + a.len, b.data, b.len);
        CHECK_EQ_INT(decompress(codec, both, a.len + b.len, 100, &o), 0);
        CHECK(o.len == 12 && memcmp(o.data, "hello, world", 12) == 0);
        free(o.data);
        free(both);
        free(a.data);
        free(b.data);
    }
}

/* Snappy as Kafka's clients write it: xerial's framing (Kafka's Java producer; its
 * header, then [be32 length][raw block] chunks) and one raw block (librdkafka). */
static void test_snappy_framings(void)
{
    const char *text = "kafdo kafdo kafdo kafdo kafdo kafdo";
    size_t n = strlen(text);
    char raw[128];
    size_t raw_len = sizeof raw;
    CHECK_EQ_INT(snappy_compress(text, n, raw, &raw_len), SNAPPY_OK);
    kd_codec_out o;
    CHECK_EQ_INT(decompress(2, (const uint8_t *)raw, raw_len, 100, &o), 0);
    CHECK(o.len == n && memcmp(o.data, text, n) == 0);
    free(o.data);

    /* xerial: magic, version 1, compatible 1, then two chunks of the same block. */
    uint8_t x[16 + 2 * (4 + 128)];
    memcpy(x, "\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16);
    size_t len = 16;
    for (int i = 0; i < 2; i++) {
        x[len] = 0, x[len + 1] = 0, x[len + 2] = 0, x[len + 3] = (uint8_t)raw_len;
        memcpy(x + len + 4, raw, raw_len);
        len += 4 + raw_len;
    }
    CHECK_EQ_INT(decompress(2, x, len, 100, &o), 0);
    CHECK(o.len == 2 * n && memcmp(o.data, text, n) == 0 && memcmp(o.data + n, text, n) == 0);
    free(o.data);
    /* Our own writes xerial's framing, as Kafka's Java producer does. */
    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    CHECK_EQ_INT(kd_compress(2, (const uint8_t *)text, n, &z), 0);
    CHECK(z.len > 16 && memcmp(z.data, "\x82SNAPPY\0\0\0\0\1\0\0\0\1", 16) == 0);
    free(z.data);
    /* A chunk running past the stream, and a block claiming more than the ceiling. */
    x[19] = 200;
    CHECK_EQ_INT(decompress(2, x, len, 100, &o), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "runs past the stream") != NULL);
    free(o.data);
    uint8_t claim[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0}; /* 4 GiB - 1, then nothing */
    CHECK_EQ_INT(decompress(2, claim, sizeof claim, 16 * MiB, &o), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "exceeds") != NULL);
    CHECK(o.data == NULL); /* refused before anything was allocated */
    free(o.data);
}

/* The bombs: a little input claiming far more than the ceiling is refused as soon
 * as output passes it, for every codec. */
static void test_bombs(void)
{
    size_t big = 64 * MiB;
    uint8_t *zeros = calloc(1, big);
    for (int codec = 1; codec <= 4; codec++) {
        kd_codec_out z = {NULL, 0, 0, SIZE_MAX}, o;
        CHECK_EQ_INT(kd_compress(codec, zeros, big, &z), 0);
        CHECK(z.len < 4 * MiB);
        CHECK_EQ_INT(decompress(codec, z.data, z.len, 16 * MiB, &o), KD_CORRUPT_MESSAGE);
        CHECK(strstr(kd_error_message(), "decompressed size exceeds 16777216 bytes") != NULL);
        CHECK(o.cap <= 16 * MiB + 1);
        free(o.data);
        free(z.data);
    }
    free(zeros);
}

/* A zstd frame declaring a window past 16 MiB is refused, not allocated. */
static void test_zstd_window_limit(void)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 27);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0); /* as a stream of unknown size */
    uint8_t in[1000] = {0}, out[2000];
    ZSTD_outBuffer ob = {out, sizeof out, 0};
    ZSTD_inBuffer ib = {in, sizeof in, 0};
    CHECK(!ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue))); /* size unknown */
    CHECK(!ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end)));
    ZSTD_freeCCtx(c);
    kd_codec_out o;
    CHECK_EQ_INT(decompress(4, out, ob.pos, 16 * MiB, &o), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "zstd: Frame requires too much memory") != NULL);
    free(o.data);
}

static void test_refusals(void)
{
    kd_codec_out o;
    for (int codec = 1; codec <= 4; codec++) {
        CHECK_EQ_INT(decompress(codec, (const uint8_t *)"", 0, 100, &o), KD_CORRUPT_MESSAGE);
        CHECK(strstr(kd_error_message(), "empty") != NULL);
        free(o.data);
        CHECK_EQ_INT(decompress(codec, (const uint8_t *)"not compressed at all", 21, 100, &o), KD_CORRUPT_MESSAGE);
        free(o.data);
    }
    CHECK_EQ_INT(decompress(5, (const uint8_t *)"x", 1, 100, &o), KD_UNSUPPORTED_COMPRESSION_TYPE);
    free(o.data);
    /* A damaged gzip CRC-32 and a damaged lz4 content checksum. */
    uint8_t *in = sample(5000);
    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    CHECK_EQ_INT(kd_compress(1, in, 5000, &z), 0);
    z.data[z.len - 6] ^= 1;
    CHECK_EQ_INT(decompress(1, z.data, z.len, 10000, &o), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "incorrect data check") != NULL);
    free(o.data);
    free(z.data);
    LZ4F_preferences_t prefs = {0};
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    uint8_t frame[8000];
    size_t n = LZ4F_compressFrame(frame, sizeof frame, in, 5000, &prefs);
    CHECK(!LZ4F_isError(n));
    CHECK_EQ_INT(decompress(3, frame, n, 10000, &o), 0);
    free(o.data);
    frame[n - 1] ^= 1;
    CHECK_EQ_INT(decompress(3, frame, n, 10000, &o), KD_CORRUPT_MESSAGE);
    free(o.data);
    free(in);
}

int main(void)
{
    RUN(test_round_trips);
    RUN(test_streams_back_to_back);
    RUN(test_snappy_framings);
    RUN(test_bombs);
    RUN(test_zstd_window_limit);
    RUN(test_refusals);
    return CHECK_SUMMARY();
}
