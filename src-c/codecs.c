/*
 * codecs.c — gzip, snappy, lz4 and zstd for RecordBatch records sections, done by the
 * real libraries (Debian's zlib, snappy, lz4 and zstd sources, built into the core by
 * the Makefile), never by decoders of our own. This file only adapts each library's
 * streaming interface to one bounded output buffer and Kafka's framings of them:
 *
 *   gzip    RFC 1952 members (zlib's inflate with gzip headers), back to back
 *   snappy  xerial's framing, as Kafka's Java producer writes it ("\x82SNAPPY\0",
 *           version, compatible version, then [big-endian length][raw block] chunks),
 *           or one raw snappy block, as librdkafka and kafkajs's codec write it
 *   lz4     LZ4 frames (Kafka's magic 2 batches; not the broken v0/v1 header checksum)
 *   zstd    zstd frames, streamed with a window of at most KD_ZSTD_WINDOW_LOG_MAX
 *
 * The bound: output grows as it arrives, never past out->max (one byte over is
 * allowed in the buffer so a stream ending exactly at max is told from one going
 * past it), so a bomb is refused as CORRUPT_MESSAGE as soon as it passes.
 */
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "codecs.h"
#include "internal.h"

#define CORRUPT(...) kd_fail(KD_CORRUPT_MESSAGE, __VA_ARGS__)
#define NOMEM() kd_fail(KD_ERR_NOMEM, "out of memory")

/*
 * The largest zstd window the core allocates (16 MiB, the most a batch's records may
 * decompress to). Producers streaming at levels 20-22 declare larger windows; those
 * frames are refused rather than let a small batch make the core allocate 128 MiB.
 */
#define KD_ZSTD_WINDOW_LOG_MAX 24
#define SNAPPY_XERIAL_BLOCK (32 * 1024) /* xerial's default block, Kafka's Java producer's */

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

const char *kd_codec_name(int codec)
{
    static const char *const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    return codec >= 0 && codec <= 4 ? names[codec] : "unknown";
}

static int32_t exceeded(const kd_codec_out *o)
{
    return CORRUPT("decompressed size exceeds %zu bytes", o->max);
}

/* Makes room for at least one more byte (`hint` more if the ceiling allows), up to
 * one byte past out->max so that passing it can be seen. */
static int32_t make_room(kd_codec_out *o, size_t hint)
{
    if (o->len > o->max)
        return exceeded(o);
    if (o->cap > o->len)
        return 0;
    size_t ceiling = o->max + 1, cap = o->cap ? o->cap * 2 : 4096;
    if (hint > ceiling - o->len)
        hint = ceiling - o->len;
    if (cap < o->len + hint)
        cap = o->len + hint;
    if (cap > ceiling)
        cap = ceiling;
    if (cap > (size_t)UINT32_MAX) /* zlib's counters are 32-bit */
        cap = UINT32_MAX;
    if (cap <= o->len)
        return exceeded(o);
    uint8_t *grown = realloc(o->data, cap);
    if (!grown)
        return NOMEM();
    o->data = grown;
    o->cap = cap;
    return 0;
}

/* ---- decompression ---- */

static int32_t gunzip(const uint8_t *in, size_t len, kd_codec_out *o)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) /* 16: a gzip header and trailer */
        return NOMEM();
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    int32_t rc = 0;
    for (;;) {
        if ((rc = make_room(o, len * 4)) != 0)
            break;
        zs.next_out = o->data + o->len;
        zs.avail_out = (uInt)(o->cap - o->len);
        int zr = inflate(&zs, Z_NO_FLUSH);
        o->len = o->cap - zs.avail_out;
        if (o->len > o->max) {
            rc = exceeded(o);
            break;
        }
        if (zr == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            inflateReset(&zs); /* another member follows */
        } else if (zr == Z_MEM_ERROR) {
            rc = NOMEM();
            break;
        } else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT || zr == Z_STREAM_ERROR) {
            rc = CORRUPT("gzip: %s", zs.msg ? zs.msg : "invalid stream");
            break;
        } else if (zs.avail_out > 0 && zs.avail_in == 0) {
            rc = CORRUPT("gzip stream is truncated");
            break;
        }
    }
    inflateEnd(&zs);
    return rc;
}

static int32_t unzstd(const uint8_t *in, size_t len, kd_codec_out *o)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return NOMEM();
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, KD_ZSTD_WINDOW_LOG_MAX);
    ZSTD_inBuffer ib = {in, len, 0};
    int32_t rc = 0;
    for (;;) {
        if ((rc = make_room(o, len * 4)) != 0)
            break;
        ZSTD_outBuffer ob = {o->data, o->cap, o->len};
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        o->len = ob.pos;
        if (ZSTD_isError(r)) {
            rc = CORRUPT("zstd: %s", ZSTD_getErrorName(r));
            break;
        }
        if (o->len > o->max) {
            rc = exceeded(o);
            break;
        }
        if (r == 0 && ib.pos == ib.size)
            break; /* the last frame is complete */
        if (ib.pos == ib.size && ob.pos < ob.size) {
            rc = CORRUPT("zstd stream is truncated");
            break;
        }
    }
    ZSTD_freeDCtx(d);
    return rc;
}

static int32_t unlz4(const uint8_t *in, size_t len, kd_codec_out *o)
{
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return NOMEM();
    size_t at = 0;
    int32_t rc = 0;
    for (;;) {
        if ((rc = make_room(o, len * 4)) != 0)
            break;
        size_t dst = o->cap - o->len, src = len - at;
        size_t r = LZ4F_decompress(d, o->data + o->len, &dst, in + at, &src, NULL);
        if (LZ4F_isError(r)) {
            rc = CORRUPT("lz4: %s", LZ4F_getErrorName(r));
            break;
        }
        at += src;
        o->len += dst;
        if (o->len > o->max) {
            rc = exceeded(o);
            break;
        }
        if (r == 0 && at == len)
            break; /* the last frame is complete; another may follow when r == 0 */
        if (at == len && o->len < o->cap) {
            rc = CORRUPT("lz4 stream is truncated");
            break;
        }
    }
    LZ4F_freeDecompressionContext(d);
    return rc;
}

/* One raw snappy block, whose decompressed length is declared up front: a claim past
 * the ceiling is refused before anything is allocated. */
static int32_t unsnappy_block(const uint8_t *in, size_t len, kd_codec_out *o)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)in, len, &n) != SNAPPY_OK)
        return CORRUPT("snappy: the block's length is malformed");
    if (n > o->max - o->len)
        return exceeded(o);
    if (n > o->cap - o->len) { /* doubling, so that many small chunks copy little */
        size_t cap = o->cap * 2 > o->len + n ? o->cap * 2 : o->len + n;
        if (cap > o->max)
            cap = o->max;
        uint8_t *grown = realloc(o->data, cap);
        if (!grown)
            return NOMEM();
        o->data = grown;
        o->cap = cap;
    }
    size_t got = n;
    if (n > 0 && snappy_uncompress((const char *)in, len, (char *)o->data + o->len, &got) != SNAPPY_OK)
        return CORRUPT("snappy: the block is malformed");
    o->len += got;
    return 0;
}

static int32_t unsnappy(const uint8_t *in, size_t len, kd_codec_out *o)
{
    if (len < 16 || memcmp(in, xerial_magic, sizeof xerial_magic) != 0)
        return unsnappy_block(in, len, o);
    for (size_t pos = 16; pos < len;) {
        if (len - pos < 4)
            return CORRUPT("snappy: xerial chunk length is truncated");
        uint32_t n = kd_be32(in + pos);
        pos += 4;
        if (n > len - pos)
            return CORRUPT("snappy: xerial chunk of %u bytes runs past the stream", (unsigned)n);
        int32_t rc = unsnappy_block(in + pos, n, o);
        if (rc)
            return rc;
        pos += n;
    }
    return 0;
}

int32_t kd_decompress(int codec, const uint8_t *in, size_t len, kd_codec_out *out)
{
    if (len == 0)
        return CORRUPT("the %s stream is empty", kd_codec_name(codec));
    switch (codec) {
    case KD_CODEC_GZIP: return gunzip(in, len, out);
    case KD_CODEC_SNAPPY: return unsnappy(in, len, out);
    case KD_CODEC_LZ4: return unlz4(in, len, out);
    case KD_CODEC_ZSTD: return unzstd(in, len, out);
    default: return kd_fail(KD_UNSUPPORTED_COMPRESSION_TYPE, "compression codec %d is unknown", codec);
    }
}

/* ---- compression ---- */

/* Sets out up to hold `bound` bytes (the library's worst case for the input). */
static int32_t reserve(kd_codec_out *o, size_t bound)
{
    if (bound > o->max)
        return kd_fail(KD_MESSAGE_TOO_LARGE, "compressed size may reach %zu bytes, past %zu", bound, o->max);
    uint8_t *p = realloc(o->data, bound ? bound : 1);
    if (!p)
        return NOMEM();
    o->data = p;
    o->cap = bound;
    o->len = 0;
    return 0;
}

static int32_t gzip(const uint8_t *in, size_t len, kd_codec_out *o)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NOMEM();
    int32_t rc = reserve(o, deflateBound(&zs, (uLong)len));
    if (rc == 0) {
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)len;
        zs.next_out = o->data;
        zs.avail_out = (uInt)o->cap;
        rc = deflate(&zs, Z_FINISH) == Z_STREAM_END ? 0 : NOMEM();
        o->len = o->cap - zs.avail_out;
    }
    deflateEnd(&zs);
    return rc;
}

static int32_t snappy(const uint8_t *in, size_t len, kd_codec_out *o)
{
    size_t blocks = (len + SNAPPY_XERIAL_BLOCK - 1) / SNAPPY_XERIAL_BLOCK;
    int32_t rc = reserve(o, 16 + blocks * (4 + snappy_max_compressed_length(SNAPPY_XERIAL_BLOCK)));
    if (rc)
        return rc;
    memcpy(o->data, xerial_magic, sizeof xerial_magic);
    kd_put_be32(o->data + 8, 1);  /* version */
    kd_put_be32(o->data + 12, 1); /* the oldest version that can read it */
    o->len = 16;
    for (size_t at = 0; at < len; at += SNAPPY_XERIAL_BLOCK) {
        size_t k = len - at < SNAPPY_XERIAL_BLOCK ? len - at : SNAPPY_XERIAL_BLOCK;
        size_t n = o->cap - o->len - 4;
        if (snappy_compress((const char *)in + at, k, (char *)o->data + o->len + 4, &n) != SNAPPY_OK)
            return NOMEM();
        kd_put_be32(o->data + o->len, (uint32_t)n);
        o->len += 4 + n;
    }
    return 0;
}

static int32_t lz4(const uint8_t *in, size_t len, kd_codec_out *o)
{
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent; /* as Kafka's Java producer */
    int32_t rc = reserve(o, LZ4F_compressFrameBound(len, &prefs));
    if (rc)
        return rc;
    size_t n = LZ4F_compressFrame(o->data, o->cap, in, len, &prefs);
    if (LZ4F_isError(n))
        return NOMEM();
    o->len = n;
    return 0;
}

static int32_t zstd(const uint8_t *in, size_t len, kd_codec_out *o)
{
    int32_t rc = reserve(o, ZSTD_compressBound(len));
    if (rc)
        return rc;
    size_t n = ZSTD_compress(o->data, o->cap, in, len, ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(n))
        return NOMEM();
    o->len = n;
    return 0;
}

int32_t kd_compress(int codec, const uint8_t *in, size_t len, kd_codec_out *out)
{
    switch (codec) {
    case KD_CODEC_GZIP: return gzip(in, len, out);
    case KD_CODEC_SNAPPY: return snappy(in, len, out);
    case KD_CODEC_LZ4: return lz4(in, len, out);
    case KD_CODEC_ZSTD: return zstd(in, len, out);
    default: return kd_fail(KD_UNSUPPORTED_COMPRESSION_TYPE, "compression codec %d is unknown", codec);
    }
}
