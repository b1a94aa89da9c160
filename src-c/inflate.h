/*
 * inflate.h — DEFLATE (RFC 1951) and gzip (RFC 1952) decompression inside the core,
 * for the records of gzip-compressed RecordBatches (attributes compression = 1).
 *
 * Not exported (kafdo.h does not declare it): record_batch.c is the one user.
 *
 * Output goes into a kd_inflate_out the caller sets up with a hard ceiling, `max`:
 * output that would pass it is refused (KD_CORRUPT_MESSAGE, "decompressed size
 * exceeds ..."), so a few kilobytes claiming gigabytes cannot exhaust wasm memory.
 * The buffer grows with realloc as output arrives; the caller frees out->data
 * (free()) whatever the result. Every malformed stream is KD_CORRUPT_MESSAGE with
 * kd_fail's message set; a failed allocation is KD_ERR_NOMEM. No input crashes.
 */
#ifndef KAFDO_INFLATE_H
#define KAFDO_INFLATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data; /* malloc'd, NULL until the first byte; the caller frees it */
    size_t len;    /* bytes written */
    size_t cap;    /* bytes allocated */
    size_t max;    /* len never passes this */
} kd_inflate_out;

/*
 * Inflates one raw DEFLATE stream (no zlib or gzip wrapper) from in[0..len),
 * appending to out. Back-references reach only into what this stream wrote, never
 * into bytes out held before the call. On success *used is the number of input
 * bytes the stream took, up to and including the byte holding its last bit.
 */
int32_t kd_inflate_raw(const uint8_t *in, size_t len, size_t *used, kd_inflate_out *out);

/*
 * Decompresses a whole gzip stream: one member or several back to back (each one's
 * header, DEFLATE data, CRC-32 and ISIZE checked), their outputs concatenated.
 * Empty input and bytes after the last member are corrupt. On success *out holds
 * the output (out->data may be NULL when it is empty); on failure too the caller
 * frees out->data.
 */
int32_t kd_gunzip(const uint8_t *in, size_t len, kd_inflate_out *out);

/* CRC-32 (IEEE 802.3, the gzip and zlib one; not Kafka's CRC-32C). Start with 0. */
uint32_t kd_crc32_update(uint32_t crc, const uint8_t *buf, size_t len);

#endif /* KAFDO_INFLATE_H */
