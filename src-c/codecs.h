/*
 * codecs.h — Kafka's four compression codecs, for a RecordBatch's records section:
 * gzip (zlib), snappy (xerial framing or a raw block), lz4 (the LZ4 frame format) and
 * zstd (frames), each done by Debian's own library built into the core (the Makefile
 * fetches and builds them: scripts/codec-sources.sh, scripts/build-codecs.sh).
 *
 * Not exported (kafdo.h does not declare these): record_batch.c is the one user.
 *
 * Decompression writes into a kd_codec_out the caller sets up with a hard ceiling,
 * `max`: output that would pass it is refused (KD_CORRUPT_MESSAGE, "decompressed size
 * exceeds ..."), so a few kilobytes claiming gigabytes (a decompression bomb) cannot
 * exhaust wasm memory. The buffer grows with realloc as output arrives; the caller
 * frees out->data (free()) whatever the result. Every malformed stream is
 * KD_CORRUPT_MESSAGE with kd_fail's message set; a failed allocation is KD_ERR_NOMEM.
 */
#ifndef KAFDO_CODECS_H
#define KAFDO_CODECS_H

#include <stddef.h>
#include <stdint.h>

/* Kafka's codec numbers (a batch's attributes bits 0-2). */
#define KD_CODEC_NONE 0
#define KD_CODEC_GZIP 1
#define KD_CODEC_SNAPPY 2
#define KD_CODEC_LZ4 3
#define KD_CODEC_ZSTD 4

typedef struct {
    uint8_t *data; /* malloc'd, NULL until the first byte; the caller frees it */
    size_t len;    /* bytes written */
    size_t cap;    /* bytes allocated */
    size_t max;    /* len never passes this */
} kd_codec_out;

/* "gzip", "snappy", "lz4", "zstd" ("none" for 0, "unknown" past 4). */
const char *kd_codec_name(int codec);

/*
 * Decompresses in[0..len) of `codec` (1-4) into out, whole: several gzip members,
 * lz4 frames or zstd frames back to back are concatenated, as Kafka's readers do.
 * Empty input, a truncated stream and bytes after the last one are corrupt.
 */
int32_t kd_decompress(int codec, const uint8_t *in, size_t len, kd_codec_out *out);

/*
 * Compresses in[0..len) with `codec` (1-4) into out as Kafka's Java producer writes
 * it: gzip (one member, level 6), snappy in xerial's framing (32 KiB blocks), lz4
 * frames of independent 64 KiB blocks, a zstd frame (level 3). out->max bounds the
 * result as for decompression.
 */
int32_t kd_compress(int codec, const uint8_t *in, size_t len, kd_codec_out *out);

#endif /* KAFDO_CODECS_H */
