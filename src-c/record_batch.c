/*
 * record_batch.c — Kafka's RecordBatch v2: validate, iterate, encode, decode.
 *
 * Decoding follows the picohttpparser model: the caller's bytes are never copied
 * or trusted; every length field is checked against what remains before it is
 * used; a batch is accepted whole or refused with CORRUPT_MESSAGE and a reason.
 * Compressed batches (attributes bits 0-2) are validated as far as the header and
 * CRC go and kept as they came: an append never decompresses (it stays cheap, and
 * the Kafka Fetch path returns the stored bytes as they are). Only decoding records
 * opens them: every codec (gzip, snappy, lz4, zstd: codecs.c, the real libraries)
 * into a buffer bounded by KD_MAX_RECORDS_BYTES whose records get the same framing
 * checks as an uncompressed batch's.
 *
 * Encoding writes batches from the host's record list, compressed when the
 * attributes ask for a codec and that makes the batch smaller (else uncompressed:
 * stored bytes are what is paid for). The producer's encoder (kd_batch_encode_within)
 * also decides Kafka's split: records into batches of at most max.message.bytes,
 * each filled as far as its exact uncompressed size allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "internal.h"
#include "record_batch.h"
#include "varint.h"

#define OFF_LENGTH 8
#define OFF_MAGIC 16
#define OFF_CRC 17
#define OFF_ATTRIBUTES 21
#define OFF_RECORDS 61
#define MIN_BATCH_LENGTH (OFF_RECORDS - 12) /* batchLength of an empty batch */
#define MAX_COMPRESSION_RATIO 1050
/*
 * The most a compressed batch's records may decompress to on the read path. Decoding holds
 * them whole in wasm memory beside the decoded copy, in an isolate of 128 MB, so a
 * small batch claiming more is refused rather than allowed to exhaust it. A 1 MB
 * batch of compressible JSON (10-20x) fits; a bomb does not.
 */
#define KD_MAX_RECORDS_BYTES ((size_t)16 << 20)

#define CORRUPT(...) kd_fail(KD_CORRUPT_MESSAGE, __VA_ARGS__)

/* Wrapping addition: a hostile timestamp delta must not be undefined behaviour. */
static int64_t add_wrap(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Reads a varint length of a nullable byte string (-1 = null) and points at its bytes. */
static bool read_nullable(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **out, int32_t *out_len)
{
    int32_t n;
    if (!kd_varint_read(buf, len, pos, &n) || n < -1)
        return false;
    if (n == -1) {
        *out = NULL;
        *out_len = -1;
        return true;
    }
    if ((size_t)n > len - *pos)
        return false;
    *out = buf + *pos;
    *out_len = n;
    *pos += (size_t)n;
    return true;
}

int32_t kd_header_next(const uint8_t *headers, size_t len, size_t *pos, kd_header *h)
{
    if (*pos >= len)
        return 0;
    const uint8_t *key;
    int32_t key_len;
    if (!read_nullable(headers, len, pos, &key, &key_len) || key_len < 0)
        return CORRUPT("record header key is malformed or null");
    h->key = key;
    h->key_len = (uint32_t)key_len;
    if (!read_nullable(headers, len, pos, &h->value, &h->value_len))
        return CORRUPT("record header value is malformed");
    return 1;
}

void kd_record_iter_init(kd_record_iter *it, const kd_batch *batch)
{
    it->batch = batch;
    it->records = batch->data;
    it->end = batch->size;
    it->pos = OFF_RECORDS;
    it->index = 0;
    it->last_delta = -1;
}

void kd_record_iter_init_records(kd_record_iter *it, const kd_batch *batch, const uint8_t *records, size_t len)
{
    it->batch = batch;
    it->records = records;
    it->end = len;
    it->pos = 0;
    it->index = 0;
    it->last_delta = -1;
}

int32_t kd_record_next(kd_record_iter *it, kd_record *rec)
{
    const kd_batch *b = it->batch;
    if (it->index >= b->record_count)
        return 0;

    const uint8_t *buf = it->records;
    size_t pos = it->pos;
    int32_t body_len;
    if (!kd_varint_read(buf, it->end, &pos, &body_len) || body_len < 0 || (size_t)body_len > it->end - pos)
        return CORRUPT("record %d: length is malformed or runs past the batch", (int)it->index);
    size_t end = pos + (size_t)body_len;

    int64_t ts_delta;
    int32_t offset_delta, header_count;
    if (end - pos < 1)
        return CORRUPT("record %d: no attributes byte", (int)it->index);
    pos++; /* record attributes: unused by Kafka */
    if (!kd_varlong_read(buf, end, &pos, &ts_delta) || !kd_varint_read(buf, end, &pos, &offset_delta))
        return CORRUPT("record %d: timestamp or offset delta is malformed", (int)it->index);
    /* Increasing, within the batch's last offset delta: a compacted batch keeps its
     * offsets and so has gaps (producers' batches are contiguous: log.c checks that). */
    if (offset_delta <= it->last_delta || offset_delta > b->last_offset_delta)
        return CORRUPT("record %d: offset delta is %d", (int)it->index, (int)offset_delta);
    if (!read_nullable(buf, end, &pos, &rec->key, &rec->key_len) ||
        !read_nullable(buf, end, &pos, &rec->value, &rec->value_len))
        return CORRUPT("record %d: key or value runs past the record", (int)it->index);
    if (!kd_varint_read(buf, end, &pos, &header_count) || header_count < 0)
        return CORRUPT("record %d: header count is malformed", (int)it->index);

    rec->headers = buf + pos;
    size_t headers_start = pos;
    for (int32_t i = 0; i < header_count; i++) {
        kd_header h;
        int32_t rc = kd_header_next(buf, end, &pos, &h);
        if (rc == 0)
            return CORRUPT("record %d: fewer headers than its count", (int)it->index);
        if (rc < 0 || rc > 1)
            return rc;
    }
    if (pos != end)
        return CORRUPT("record %d: %zu bytes left over", (int)it->index, end - pos);

    rec->headers_len = pos - headers_start;
    rec->header_count = (uint32_t)header_count;
    rec->offset = add_wrap(b->base_offset, offset_delta);
    rec->timestamp =
        (b->attributes & KD_ATTR_TIMESTAMP_LOG_APPEND) ? b->max_timestamp : add_wrap(b->first_timestamp, ts_delta);
    it->pos = end;
    it->index++;
    it->last_delta = offset_delta;
    return 1;
}

void kd_batch_header(const uint8_t *buf, kd_batch *b)
{
    b->data = buf;
    b->size = 12 + (size_t)(int32_t)kd_be32(buf + OFF_LENGTH);
    b->base_offset = (int64_t)kd_be64(buf);
    b->partition_leader_epoch = (int32_t)kd_be32(buf + 12);
    b->attributes = (int16_t)kd_be16(buf + OFF_ATTRIBUTES);
    b->last_offset_delta = (int32_t)kd_be32(buf + 23);
    b->first_timestamp = (int64_t)kd_be64(buf + 27);
    b->max_timestamp = (int64_t)kd_be64(buf + 35);
    b->producer_id = (int64_t)kd_be64(buf + 43);
    b->producer_epoch = (int16_t)kd_be16(buf + 51);
    b->base_sequence = (int32_t)kd_be32(buf + 53);
    b->record_count = (int32_t)kd_be32(buf + 57);
}

/* The checks of kd_batch_read up to the records: lengths, magic, the CRC when
 * check_crc, attributes and the count. The records are walked by the caller. */
static int32_t read_header(const uint8_t *buf, size_t len, kd_batch *b, bool check_crc)
{
    if (len < OFF_MAGIC + 1)
        return CORRUPT("%zu bytes are too few for a record batch header", len);
    int8_t magic = (int8_t)buf[OFF_MAGIC];
    if (magic != 2)
        return kd_fail(magic == 0 || magic == 1 ? KD_UNSUPPORTED_FOR_MESSAGE_FORMAT : KD_CORRUPT_MESSAGE,
                       "message format magic %d is not supported (RecordBatch v2 only)", (int)magic);
    int32_t batch_length = (int32_t)kd_be32(buf + OFF_LENGTH);
    if (batch_length < MIN_BATCH_LENGTH)
        return CORRUPT("batch length %d is below the header's size", (int)batch_length);
    if ((size_t)batch_length > len - 12)
        return CORRUPT("batch length %d runs past the %zu bytes given", (int)batch_length, len - 12);

    kd_batch_header(buf, b);

    if (check_crc) {
        uint32_t crc = kd_be32(buf + OFF_CRC);
        uint32_t actual = kd_crc32c_update(0, buf + OFF_ATTRIBUTES, b->size - OFF_ATTRIBUTES);
        if (crc != actual)
            return CORRUPT("CRC-32C mismatch: batch says %08x, bytes give %08x", (unsigned)crc, (unsigned)actual);
    }
    if (kd_batch_compression(b) > 4)
        return CORRUPT("compression codec %d is unknown", kd_batch_compression(b));
    if (b->record_count <= 0)
        return CORRUPT("record count %d: a batch holds at least one record", (int)b->record_count);
    if (b->last_offset_delta < b->record_count - 1)
        return CORRUPT("record count %d disagrees with last offset delta %d", (int)b->record_count,
                       (int)b->last_offset_delta);
    /* Each record takes at least 7 bytes; a larger count cannot be honest. A
     * compressed payload is not opened here, so its count is bounded by what
     * compression can achieve: at most MAX_COMPRESSION_RATIO bytes per byte (more
     * than deflate's 1032:1), so a tiny batch cannot claim billions of offsets. */
    size_t payload = b->size - OFF_RECORDS;
    size_t most = kd_batch_compression(b) == 0 ? payload / 7 : payload * (MAX_COMPRESSION_RATIO / 7);
    if ((size_t)b->record_count > most)
        return CORRUPT("record count %d cannot fit in %zu bytes", (int)b->record_count, payload);

    b->records_max_timestamp = b->max_timestamp; /* all a compressed batch can tell */
    return 0;
}

int32_t kd_batch_read(const uint8_t *buf, size_t len, kd_batch *b)
{
    int32_t rc = read_header(buf, len, b, true);
    if (rc)
        return rc;
    if (kd_batch_compression(b) == 0) {
        kd_record_iter it;
        kd_record rec;
        int32_t rc;
        kd_record_iter_init(&it, b);
        int64_t max = INT64_MIN;
        while ((rc = kd_record_next(&it, &rec)) == 1)
            if (rec.timestamp > max)
                max = rec.timestamp;
        if (rc != 0)
            return rc;
        if (!(b->attributes & KD_ATTR_TIMESTAMP_LOG_APPEND))
            b->records_max_timestamp = max;
        if (it.pos != it.end)
            return CORRUPT("%zu bytes follow the last record", it.end - it.pos);
    }
    return 0;
}

void kd_batch_set_base_offset(uint8_t *batch, int64_t base_offset)
{
    kd_put_be64(batch, (uint64_t)base_offset);
}

void kd_batch_set_records(uint8_t *batch, size_t size, int32_t record_count)
{
    kd_put_be32(batch + OFF_LENGTH, (uint32_t)(size - 12));
    kd_put_be32(batch + 57, (uint32_t)record_count);
    kd_put_be32(batch + OFF_CRC, kd_crc32c_update(0, batch + OFF_ATTRIBUTES, size - OFF_ATTRIBUTES));
}

void kd_batch_set_max_timestamp(uint8_t *batch, size_t size, int64_t max_timestamp)
{
    kd_put_be64(batch + 35, (uint64_t)max_timestamp);
    kd_put_be32(batch + OFF_CRC, kd_crc32c_update(0, batch + OFF_ATTRIBUTES, size - OFF_ATTRIBUTES));
}

void kd_batch_set_log_append_time(uint8_t *batch, size_t size, int64_t now_ms)
{
    uint16_t attributes =
        (uint16_t)(batch[OFF_ATTRIBUTES] << 8 | batch[OFF_ATTRIBUTES + 1]) | KD_ATTR_TIMESTAMP_LOG_APPEND;
    batch[OFF_ATTRIBUTES] = (uint8_t)(attributes >> 8);
    batch[OFF_ATTRIBUTES + 1] = (uint8_t)attributes;
    kd_batch_set_max_timestamp(batch, size, now_ms);
}

/* ---- exported: inspect ---- */

static bool write_summary(const kd_batch *b)
{
    return kd_out_i64(b->base_offset) && kd_out_i64(b->first_timestamp) && kd_out_i64(b->max_timestamp) &&
           kd_out_i64(b->producer_id) && kd_out_i32(b->partition_leader_epoch) && kd_out_i32(b->base_sequence) &&
           kd_out_i32(b->last_offset_delta) && kd_out_i32(b->record_count) && kd_out_i32((int32_t)b->size) &&
           kd_out_i16(b->producer_epoch) && kd_out_i16(b->attributes);
}

int32_t kd_batch_inspect(const uint8_t *buf, uint32_t len)
{
    kd_scratch_reset();
    uint32_t count = 0;
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    for (size_t pos = 0; pos < len;) {
        kd_batch b;
        int32_t rc = kd_batch_read(buf + pos, len - pos, &b);
        if (rc)
            return rc;
        if (!write_summary(&b))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
        pos += b.size;
        count++;
    }
    kd_out_patch_u32(0, count);
    return 0;
}

/* ---- exported: decode ---- */

static bool out_nullable(const uint8_t *p, int32_t n)
{
    return kd_out_i32(n) && (n <= 0 || kd_out_append(p, (size_t)n));
}

/* Writes one record in the kd record list format. */
static int32_t out_record(const kd_record *rec)
{
    if (!kd_out_i64(rec->offset) || !kd_out_i64(rec->timestamp) || !out_nullable(rec->key, rec->key_len) ||
        !out_nullable(rec->value, rec->value_len) || !kd_out_u32(rec->header_count))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    size_t pos = 0;
    kd_header h;
    int32_t rc;
    while ((rc = kd_header_next(rec->headers, rec->headers_len, &pos, &h)) == 1) {
        if (!kd_out_u32(h.key_len) || !kd_out_append(h.key, h.key_len) || !out_nullable(h.value, h.value_len))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return rc;
}

/* Re-raises the error just set with the batch it is about in front. */
static int32_t in_batch(int32_t rc, const kd_batch *b)
{
    char why[224];
    snprintf(why, sizeof why, "%s", kd_error_message());
    return kd_fail(rc, "%s batch at offset %lld: %s", kd_codec_name(kd_batch_compression(b)), (long long)b->base_offset,
                   why);
}

/*
 * Opens a compressed batch's records: they are decompressed into *inflated (the
 * caller frees it, whatever the result) and every record's framing is checked before
 * any is used, as kd_batch_read does for an uncompressed batch, so a batch decodes
 * whole or not at all. The record count must match; bytes after it are corrupt.
 */
static int32_t open_compressed(const kd_batch *b, kd_record_iter *it, uint8_t **inflated)
{
    *inflated = NULL;
    kd_codec_out out = {NULL, 0, 0, KD_MAX_RECORDS_BYTES};
    int32_t rc = kd_decompress(kd_batch_compression(b), b->data + OFF_RECORDS, b->size - OFF_RECORDS, &out);
    *inflated = out.data;
    if (rc)
        return in_batch(rc, b);
    kd_record rec;
    kd_record_iter_init_records(it, b, out.data, out.len);
    while ((rc = kd_record_next(it, &rec)) == 1)
        ;
    if (rc)
        return in_batch(rc, b);
    if (it->pos != it->end)
        return CORRUPT("%s batch at offset %lld: %zu bytes follow the last record",
                       kd_codec_name(kd_batch_compression(b)), (long long)b->base_offset, it->end - it->pos);
    kd_record_iter_init_records(it, b, out.data, out.len);
    return 0;
}

int32_t kd_batch_open_records(const kd_batch *b, kd_record_iter *it, uint8_t **decompressed)
{
    *decompressed = NULL;
    if (kd_batch_compression(b) == 0) {
        kd_record_iter_init(it, b);
        return 0;
    }
    return open_compressed(b, it, decompressed);
}

int32_t kd_batch_with_records(const kd_batch *b, const uint8_t *records, size_t len, int32_t count, uint8_t **out,
                              size_t *out_len)
{
    int codec = kd_batch_compression(b);
    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    int32_t rc = codec ? kd_compress(codec, records, len, &z) : 0;
    const uint8_t *section = codec ? z.data : records;
    size_t section_len = codec ? z.len : len;
    *out = NULL;
    if (rc == 0 && section_len > (size_t)INT32_MAX - OFF_RECORDS)
        rc = kd_fail(KD_MESSAGE_TOO_LARGE, "batch of %zu bytes is too large", section_len);
    if (rc == 0 && (*out = malloc(OFF_RECORDS + section_len)) == NULL)
        rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    if (rc == 0) {
        memcpy(*out, b->data, OFF_RECORDS);
        if (section_len)
            memcpy(*out + OFF_RECORDS, section, section_len);
        *out_len = OFF_RECORDS + section_len;
        kd_batch_set_records(*out, *out_len, count);
    }
    free(z.data);
    return rc;
}

/*
 * kd_batch_records_out and kd_batch_stored_records_out. Each batch's header is
 * checked (its CRC too unless `stored`), then its records are checked while they are
 * written, in one walk: a refusal discards the output, so nothing refused is ever
 * seen, and the records need not be walked once more to be checked first.
 */
static int32_t records_out(const uint8_t *buf, size_t len, int64_t min_offset, uint32_t max_records, uint32_t *count,
                           bool stored, kd_record_emit emit, void *arg)
{
    for (size_t pos = 0; pos < len && *count < max_records;) {
        kd_batch b;
        int32_t rc = read_header(buf + pos, len - pos, &b, !stored);
        if (rc)
            return rc;
        pos += b.size;
        if (b.attributes & KD_ATTR_CONTROL)
            continue; /* transaction markers carry no user records */
        if (add_wrap(b.base_offset, b.last_offset_delta) < min_offset)
            continue;
        kd_record_iter it;
        kd_record rec;
        uint8_t *inflated;
        if ((rc = kd_batch_open_records(&b, &it, &inflated)) != 0) {
            free(inflated);
            return rc;
        }
        while (*count < max_records && (rc = kd_record_next(&it, &rec)) == 1) {
            if (rec.offset < min_offset)
                continue;
            if ((rc = emit(&rec, arg)) != 0)
                break;
            (*count)++;
        }
        /* Every record read: nothing may follow the last (kd_batch_read's check). */
        if (rc == 0 && it.index == b.record_count && it.pos != it.end)
            rc = CORRUPT("%zu bytes follow the last record", it.end - it.pos);
        free(inflated);
        if (rc < 0 || rc > 1)
            return rc;
    }
    return 0;
}

static int32_t emit_list_record(const kd_record *rec, void *arg)
{
    (void)arg;
    return out_record(rec);
}

int32_t kd_batch_records_out(const uint8_t *buf, size_t len, int64_t min_offset, uint32_t max_records, uint32_t *count)
{
    return records_out(buf, len, min_offset, max_records, count, false, emit_list_record, NULL);
}

int32_t kd_batch_stored_records_out(const uint8_t *buf, size_t len, int64_t min_offset, uint32_t max_records,
                                    uint32_t *count)
{
    return records_out(buf, len, min_offset, max_records, count, true, emit_list_record, NULL);
}

int32_t kd_batch_records_each(const uint8_t *buf, size_t len, bool stored, int64_t min_offset, uint32_t max_records,
                              uint32_t *count, kd_record_emit emit, void *arg)
{
    return records_out(buf, len, min_offset, max_records, count, stored, emit, arg);
}

int32_t kd_batch_decode(const uint8_t *buf, uint32_t len, int64_t min_offset, uint32_t max_records)
{
    kd_scratch_reset();
    uint32_t count = 0;
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = kd_batch_records_out(buf, len, min_offset, max_records, &count);
    if (rc)
        return rc;
    kd_out_patch_u32(0, count);
    return 0;
}

/* ---- exported: encode ---- */

typedef struct {
    int64_t base_offset, first_timestamp, max_timestamp, producer_id;
    int32_t partition_leader_epoch, base_sequence;
    int16_t producer_epoch, attributes;
} batch_params;

static bool read_params(kd_le_reader *r, batch_params *p)
{
    return kd_le_i64(r, &p->base_offset) && kd_le_i64(r, &p->first_timestamp) && kd_le_i64(r, &p->max_timestamp) &&
           kd_le_i64(r, &p->producer_id) && kd_le_i32(r, &p->partition_leader_epoch) &&
           kd_le_i32(r, &p->base_sequence) && kd_le_i16(r, &p->producer_epoch) && kd_le_i16(r, &p->attributes);
}

/* One record of a kd record list, pointing into the host's bytes. */
typedef struct {
    int64_t timestamp;
    const uint8_t *key, *value;
    int32_t key_len, value_len;
    uint32_t header_count;
    const uint8_t *headers; /* kd list format headers */
    size_t headers_len;
} list_record;

static bool read_nullable_le(kd_le_reader *r, const uint8_t **p, int32_t *n)
{
    if (!kd_le_i32(r, n) || *n < -1)
        return false;
    *p = NULL;
    return *n < 0 || kd_le_bytes(r, (size_t)*n, p);
}

static bool read_list_record(kd_le_reader *r, list_record *rec)
{
    int64_t offset;
    if (!kd_le_i64(r, &offset) || !kd_le_i64(r, &rec->timestamp) || !read_nullable_le(r, &rec->key, &rec->key_len) ||
        !read_nullable_le(r, &rec->value, &rec->value_len) || !kd_le_u32(r, &rec->header_count))
        return false;
    size_t start = r->pos;
    for (uint32_t i = 0; i < rec->header_count; i++) {
        uint32_t key_len;
        const uint8_t *p;
        int32_t value_len;
        if (!kd_le_u32(r, &key_len) || key_len > INT32_MAX || !kd_le_bytes(r, key_len, &p) ||
            !read_nullable_le(r, &p, &value_len))
            return false;
    }
    rec->headers = r->p + start;
    rec->headers_len = r->pos - start;
    return true;
}

static size_t nullable_size(int32_t n)
{
    return kd_varint_size(n) + (n > 0 ? (size_t)n : 0);
}

/* Size of a record's body (everything after its length varint); SIZE_MAX if too big. */
static size_t record_body_size(const list_record *rec, int64_t ts_delta, int32_t offset_delta)
{
    size_t size = 1 + kd_varlong_size(ts_delta) + kd_varint_size(offset_delta) + nullable_size(rec->key_len) +
                  nullable_size(rec->value_len) + kd_varint_size((int32_t)rec->header_count);
    kd_le_reader hr = {rec->headers, rec->headers_len, 0};
    for (uint32_t i = 0; i < rec->header_count; i++) {
        uint32_t key_len;
        int32_t value_len;
        const uint8_t *p;
        kd_le_u32(&hr, &key_len);
        kd_le_bytes(&hr, key_len, &p);
        read_nullable_le(&hr, &p, &value_len);
        size += nullable_size((int32_t)key_len) + nullable_size(value_len);
    }
    return size > INT32_MAX ? SIZE_MAX : size;
}

static bool put_nullable(const uint8_t *p, int32_t n)
{
    uint8_t tmp[KD_VARINT_MAX];
    size_t k = kd_varint_write(tmp, n);
    return kd_out_append(tmp, k) && (n <= 0 || kd_out_append(p, (size_t)n));
}

/* Zig-zag varints and varlongs agree on every value that fits in 32 bits, so one
 * writer serves the record's lengths, offset delta and timestamp delta. */
static bool put_varlong(int64_t v)
{
    uint8_t tmp[KD_VARLONG_MAX];
    return kd_out_append(tmp, kd_varlong_write(tmp, v));
}

/* Bytes a record takes in a batch: its length varint, then its body; SIZE_MAX if too big. */
static size_t record_size(const list_record *rec, int64_t ts_delta, int32_t offset_delta)
{
    size_t body = record_body_size(rec, ts_delta, offset_delta);
    return body == SIZE_MAX ? SIZE_MAX : kd_varint_size((int32_t)body) + body;
}

static int32_t put_record(const list_record *rec, int64_t ts_delta, int32_t offset_delta)
{
    size_t body = record_body_size(rec, ts_delta, offset_delta);
    if (body == SIZE_MAX)
        return kd_fail(KD_MESSAGE_TOO_LARGE, "record %d is too large to encode", (int)offset_delta);
    bool ok = put_varlong((int32_t)body) && kd_out_u8(0) && put_varlong(ts_delta) && put_varlong(offset_delta) &&
              put_nullable(rec->key, rec->key_len) && put_nullable(rec->value, rec->value_len) &&
              put_varlong((int32_t)rec->header_count);
    kd_le_reader hr = {rec->headers, rec->headers_len, 0};
    for (uint32_t i = 0; ok && i < rec->header_count; i++) {
        uint32_t key_len;
        int32_t value_len;
        const uint8_t *key, *value;
        kd_le_u32(&hr, &key_len);
        kd_le_bytes(&hr, key_len, &key);
        read_nullable_le(&hr, &value, &value_len);
        ok = put_nullable(key, (int32_t)key_len) && put_nullable(value, value_len);
    }
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

static int64_t sub_wrap(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* The input both encoders share: batch parameters, then a record count. */
static int32_t read_encode_head(kd_le_reader *r, batch_params *p, uint32_t *count)
{
    if (!read_params(r, p) || !kd_le_u32(r, count))
        return kd_fail(KD_ERR_INVALID_ARG, "batch parameters are truncated");
    if (*count == 0 || *count > INT32_MAX)
        return kd_fail(KD_ERR_INVALID_ARG, "a batch needs 1 to 2^31-1 records, not %u", (unsigned)*count);
    if ((p->attributes & KD_ATTR_COMPRESSION_MASK) > KD_CODEC_ZSTD)
        return kd_fail(KD_UNSUPPORTED_COMPRESSION_TYPE, "compression codec %d is unknown",
                       p->attributes & KD_ATTR_COMPRESSION_MASK);
    return 0;
}

/*
 * Replaces the records section of the batch at `start` in the output (from
 * OFF_RECORDS to the end) by its compressed form when that is smaller and still
 * within what kd_batch_read accepts of a compressed batch; else the batch stays
 * uncompressed and its attributes say so.
 */
static int32_t compress_records(size_t start, int codec, uint32_t count)
{
    uint8_t *batch = kd_out_data() + start;
    size_t records = kd_out_size() - start - OFF_RECORDS;
    kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
    int32_t rc = kd_compress(codec, batch + OFF_RECORDS, records, &z);
    bool smaller = rc == 0 && z.len < records && count <= z.len * (MAX_COMPRESSION_RATIO / 7);
    if (rc == 0 && smaller) {
        kd_out_truncate(start + OFF_RECORDS);
        if (!kd_out_append(z.data, z.len))
            rc = kd_fail(KD_ERR_NOMEM, "out of memory");
    } else if (rc == 0) {
        uint16_t attributes = kd_be16(batch + OFF_ATTRIBUTES) & ~KD_ATTR_COMPRESSION_MASK;
        kd_put_be16(batch + OFF_ATTRIBUTES, attributes);
    }
    free(z.data);
    return rc;
}

/* Appends one batch to the output: the header from p (its timestamps resolved),
 * `count` records read from r (a list already checked), compressed as p's attributes
 * ask when that saves bytes, then length and CRC. */
static int32_t write_batch(const batch_params *p, kd_le_reader *r, uint32_t count)
{
    size_t start = kd_out_size();
    uint8_t *h = kd_out_reserve(OFF_RECORDS);
    if (!h)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    kd_put_be64(h, (uint64_t)p->base_offset);
    kd_put_be32(h + 12, (uint32_t)p->partition_leader_epoch);
    h[OFF_MAGIC] = 2;
    kd_put_be16(h + OFF_ATTRIBUTES, (uint16_t)p->attributes);
    kd_put_be32(h + 23, count - 1);
    kd_put_be64(h + 27, (uint64_t)p->first_timestamp);
    kd_put_be64(h + 35, (uint64_t)p->max_timestamp);
    kd_put_be64(h + 43, (uint64_t)p->producer_id);
    kd_put_be16(h + 51, (uint16_t)p->producer_epoch);
    kd_put_be32(h + 53, (uint32_t)p->base_sequence);
    kd_put_be32(h + 57, count);

    for (uint32_t i = 0; i < count; i++) {
        list_record rec;
        read_list_record(r, &rec);
        int32_t rc = put_record(&rec, sub_wrap(rec.timestamp, p->first_timestamp), (int32_t)i);
        if (rc)
            return rc;
    }
    int codec = p->attributes & KD_ATTR_COMPRESSION_MASK;
    int32_t rc = codec ? compress_records(start, codec, count) : 0;
    if (rc)
        return rc;
    size_t size = kd_out_size() - start;
    if (size - 12 > INT32_MAX)
        return kd_fail(KD_MESSAGE_TOO_LARGE, "batch of %zu bytes is too large", size);
    uint8_t *batch = kd_out_data() + start; /* re-read: the buffer may have moved */
    kd_put_be32(batch + OFF_LENGTH, (uint32_t)(size - 12));
    kd_put_be32(batch + OFF_CRC, kd_crc32c_update(0, batch + OFF_ATTRIBUTES, size - OFF_ATTRIBUTES));
    return 0;
}

int32_t kd_batch_encode(const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    batch_params p;
    uint32_t count;
    int32_t rc = read_encode_head(&r, &p, &count);
    if (rc)
        return rc;

    /* First pass: check the list and derive the timestamps the header needs. */
    size_t records_start = r.pos;
    int64_t first_ts = 0, max_ts = INT64_MIN;
    for (uint32_t i = 0; i < count; i++) {
        list_record rec;
        if (!read_list_record(&r, &rec))
            return kd_fail(KD_ERR_INVALID_ARG, "record %u of the list is malformed", (unsigned)i);
        if (i == 0)
            first_ts = rec.timestamp;
        if (rec.timestamp > max_ts)
            max_ts = rec.timestamp;
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "%zu bytes follow the record list", r.len - r.pos);
    if (p.first_timestamp == KD_TIMESTAMP_DERIVE)
        p.first_timestamp = first_ts;
    if (p.max_timestamp == KD_TIMESTAMP_DERIVE)
        p.max_timestamp = max_ts;

    /* Second pass: the batch. */
    r.pos = records_start;
    return write_batch(&p, &r, count);
}

/* ---- exported: encode within a size limit ---- */

/* The timestamp a batch starting with `rec` counts its deltas from. */
static int64_t batch_first_timestamp(const batch_params *p, const list_record *rec)
{
    return p->first_timestamp == KD_TIMESTAMP_DERIVE ? rec->timestamp : p->first_timestamp;
}

/*
 * The producer's split, done with exact sizes. A first pass refuses the whole list
 * before anything is written: a malformed record, a negative timestamp, or a record
 * whose batch alone would be over the limit. Then batches are filled greedily, as
 * Kafka's producer fills its own: a record joins the open batch when its exact
 * encoded size (which depends on its deltas within that batch) still fits, else it
 * opens the next one, where the first pass has shown it fits alone. Each batch is
 * planned (scanned for its size and timestamps), then written from the same records.
 */
int32_t kd_batch_encode_within(const uint8_t *in, uint32_t in_len, int32_t max_batch_bytes)
{
    kd_scratch_reset();
    if (max_batch_bytes < 0)
        return kd_fail(KD_ERR_INVALID_ARG, "max batch bytes %d is negative", (int)max_batch_bytes);
    kd_le_reader r = {in, in_len, 0};
    batch_params p;
    uint32_t count;
    int32_t rc = read_encode_head(&r, &p, &count);
    if (rc)
        return rc;
    size_t limit = (size_t)max_batch_bytes;

    size_t records_start = r.pos;
    for (uint32_t i = 0; i < count; i++) {
        list_record rec;
        if (!read_list_record(&r, &rec))
            return kd_fail(KD_ERR_INVALID_ARG, "record %u of the list is malformed", (unsigned)i);
        if (rec.timestamp < 0)
            return kd_fail(KD_INVALID_TIMESTAMP,
                           "record %u: timestamp %lld is negative; a timestamp is ms since the epoch", (unsigned)i,
                           (long long)rec.timestamp);
        size_t size = record_size(&rec, sub_wrap(rec.timestamp, batch_first_timestamp(&p, &rec)), 0);
        if (size == SIZE_MAX)
            return kd_fail(KD_MESSAGE_TOO_LARGE, "record %u is over 2 GiB", (unsigned)i);
        if (limit < OFF_RECORDS || size > limit - OFF_RECORDS)
            return kd_fail(KD_MESSAGE_TOO_LARGE,
                           "record %u is %zu bytes: a batch of it alone is %zu bytes, over max.message.bytes (%d)",
                           (unsigned)i, size, OFF_RECORDS + size, (int)max_batch_bytes);
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "%zu bytes follow the record list", r.len - r.pos);

    r.pos = records_start;
    for (uint32_t done = 0; done < count;) {
        size_t batch_start = r.pos;
        list_record rec;
        read_list_record(&r, &rec);
        batch_params b = p;
        b.first_timestamp = batch_first_timestamp(&p, &rec);
        int64_t max_ts = rec.timestamp;
        size_t size = OFF_RECORDS + record_size(&rec, sub_wrap(rec.timestamp, b.first_timestamp), 0);
        uint32_t n = 1;
        while (done + n < count) {
            size_t at = r.pos;
            read_list_record(&r, &rec);
            size_t more = record_size(&rec, sub_wrap(rec.timestamp, b.first_timestamp), (int32_t)n);
            if (more > limit - size) {
                r.pos = at;
                break;
            }
            size += more;
            n++;
            if (rec.timestamp > max_ts)
                max_ts = rec.timestamp;
        }
        if (p.max_timestamp == KD_TIMESTAMP_DERIVE)
            b.max_timestamp = max_ts;
        b.base_offset = add_wrap(p.base_offset, done);
        b.base_sequence = kd_sequence_add(p.base_sequence, done);
        kd_le_reader batch_records = {r.p, r.len, batch_start};
        if ((rc = write_batch(&b, &batch_records, n)) != 0)
            return rc;
        done += n;
    }
    return 0;
}
