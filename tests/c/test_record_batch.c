/*
 * Tests src-c/record_batch.c: encode, inspect, decode (gzip batches too, and
 * through a log), and refusal of every kind of damage. With --vectors DIR it also checks the core against batches encoded
 * by kafkajs (tests/vectors/make-vectors.mjs, whose header gives the file
 * formats): inspect and decode of kafkajs's bytes must give kafkajs's header
 * values and records, and encoding those records must give kafkajs's bytes, byte
 * for byte. It writes the core's own batches to DIR/core for kafkajs to decode.
 * The producer's split (kd_batch_encode_within) is checked against batches of the
 * same records encoded whole, and appended to a log in memory.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "check.h"
#include <zlib.h>

#include "codecs.h"
#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

static void test_round_trip_nulls_headers_unicode(void)
{
    kbuf in = {0};
    const char *hk[] = {"source", "trace", "source"};
    const char *hv[] = {"web", NULL, "ünïcødé"};
    kb_params(&in, kparams_default(), 4);
    kb_record(&in, 1700000000000, NULL, -1, "v0", 2, 0, NULL, NULL);
    kb_record(&in, 1700000000005, "k1", 2, NULL, -1, 3, hk, hv);
    kb_record(&in, 1699999999990, "", 0, "", 0, 0, NULL, NULL);
    kb_record(&in, 1700000000001, "ключ", 8, "{\"a\":1}", 7, 1, hk, hv);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    size_t n = kd_out_len();
    uint8_t *batch = malloc(n);
    memcpy(batch, kd_out_ptr(), n);

    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), 0);
    const uint8_t *s = kd_out_ptr() + 4;
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    CHECK_EQ_INT((int64_t)rd_le(s + 8, 8), 1700000000000);  /* first timestamp: the first record's */
    CHECK_EQ_INT((int64_t)rd_le(s + 16, 8), 1700000000005); /* max timestamp */
    CHECK_EQ_INT((int64_t)rd_le(s + 24, 8), -1);            /* producer id */
    CHECK_EQ_INT((int32_t)rd_le(s + 40, 4), 3);             /* last offset delta */
    CHECK_EQ_INT((int32_t)rd_le(s + 44, 4), 4);             /* record count */
    CHECK_EQ_INT((int32_t)rd_le(s + 48, 4), n);             /* size */

    CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 0, UINT32_MAX), 0);
    /* The decoded list is the input list with offsets filled in (0..3). */
    kbuf want = {0};
    kb_put(&want, in.p + KD_BATCH_PARAMS_SIZE, in.len - KD_BATCH_PARAMS_SIZE);
    CHECK_EQ_INT(kd_out_len(), want.len);
    if (kd_out_len() == want.len) {
        const uint8_t *got = kd_out_ptr();
        CHECK_EQ_INT(rd_le(got, 4), 4);
        CHECK_EQ_INT(rd_le(got + 4, 8), 0); /* first record's offset */
    }
    /* Skipping and limiting: offsets >= 2, at most 1 record. */
    CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 2, 1), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 4, 8), 2);
    kb_free(&in);
    kb_free(&want);
    free(batch);
}

static void test_encode_refuses_bad_lists(void)
{
    kbuf in = {0};
    kb_params(&in, kparams_default(), 0);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), KD_ERR_INVALID_ARG);
    kb_free(&in);
    kb_params(&in, kparams_default(), 2);
    kb_record(&in, 1, "k", 1, "v", 1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), KD_ERR_INVALID_ARG); /* one record short */
    CHECK_EQ_INT(kd_batch_encode(in.p, 10), KD_ERR_INVALID_ARG);               /* truncated params */
    kb_free(&in);
    kparams bad_codec = kparams_default();
    bad_codec.attributes = 5; /* no codec 5 */
    kb_params(&in, bad_codec, 1);
    kb_record(&in, 1, "k", 1, "v", 1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), KD_UNSUPPORTED_COMPRESSION_TYPE);
    CHECK(strlen(kd_error_message()) > 0);
    kb_free(&in);
}

/* Every truncation and every single-byte change is refused or, for the bytes
 * outside the CRC's span (base offset, length excepted, leader epoch), harmless. */
static void test_damage_is_refused(void)
{
    size_t n;
    uint8_t *batch = make_batch(5, 1700000000000, 20, &n);
    CHECK(batch != NULL);
    if (!batch)
        return;
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)cut), cut == 0 ? 0 : KD_CORRUPT_MESSAGE);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            batch[i] ^= (uint8_t)(1 << bit);
            int32_t rc = kd_batch_inspect(batch, (uint32_t)n);
            int outside_crc = i < 8 || (i >= 12 && i < 16);
            if (outside_crc)
                CHECK_EQ_INT(rc, 0);
            else if (i == 16)
                CHECK(rc == KD_CORRUPT_MESSAGE || rc == KD_UNSUPPORTED_FOR_MESSAGE_FORMAT);
            else
                CHECK_EQ_INT(rc, KD_CORRUPT_MESSAGE);
            CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 0, 100), rc);
            batch[i] ^= (uint8_t)(1 << bit);
        }
    }
    free(batch);
}

/* Sets a batch's attributes and re-seals its CRC, as a client would have. */
static void reseal(uint8_t *batch, size_t n, uint16_t attributes, int32_t count)
{
    kd_put_be16(batch + 21, attributes);
    if (count >= 0)
        kd_put_be32(batch + 57, (uint32_t)count);
    kd_put_be32(batch + 17, kd_crc32c_update(0, batch + 21, n - 21));
}

static void test_header_rules(void)
{
    size_t n;
    uint8_t *batch = make_batch(3, 1000, 4, &n);
    if (!batch)
        return;
    /* A compressed batch validates (its payload is opaque): a payload that is not
     * what its codec says fails only when decoded, for every codec. */
    for (uint16_t codec = 1; codec <= 4; codec++) {
        reseal(batch, n, codec, -1);
        CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), 0);
        CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 0, 100), KD_CORRUPT_MESSAGE);
        CHECK(strstr(kd_error_message(), kd_codec_name(codec)) != NULL);
    }
    /* A compressed batch may not claim more records than compression could hold. */
    reseal(batch, n, 1, INT32_MAX);
    kd_put_be32(batch + 23, INT32_MAX - 1);
    reseal(batch, n, 1, INT32_MAX);
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), KD_CORRUPT_MESSAGE);
    kd_put_be32(batch + 23, 2);
    reseal(batch, n, 5, 3); /* no codec 5 */
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), KD_CORRUPT_MESSAGE);
    /* Record count disagreeing with lastOffsetDelta, and zero records. */
    reseal(batch, n, 0, 4);
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), KD_CORRUPT_MESSAGE);
    reseal(batch, n, 0, 0);
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), KD_CORRUPT_MESSAGE);
    /* LogAppendTime: every record reports the batch's max timestamp. */
    reseal(batch, n, KD_ATTR_TIMESTAMP_LOG_APPEND, 3);
    kd_put_be64(batch + 35, 424242);
    reseal(batch, n, KD_ATTR_TIMESTAMP_LOG_APPEND, 3);
    CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 0, 100), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 4 + 8, 8), 424242);
    /* Control batches carry no user records. */
    reseal(batch, n, KD_ATTR_CONTROL | KD_ATTR_TRANSACTIONAL, 3);
    CHECK_EQ_INT(kd_batch_decode(batch, (uint32_t)n, 0, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 0);
    /* The old message formats are refused by name. */
    batch[16] = 1;
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)n), KD_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    free(batch);
}

static void test_several_batches_back_to_back(void)
{
    size_t n1, n2;
    uint8_t *a = make_batch(2, 1, 3, &n1), *b = make_batch(3, 2, 3, &n2);
    if (!a || !b)
        return;
    kd_batch_set_base_offset(b, 2);
    kbuf both = {0};
    kb_put(&both, a, n1);
    kb_put(&both, b, n2);
    CHECK_EQ_INT(kd_batch_inspect(both.p, (uint32_t)both.len), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);
    CHECK_EQ_INT(kd_batch_decode(both.p, (uint32_t)both.len, 1, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 4); /* offsets 1..4 */
    CHECK_EQ_INT(kd_batch_decode(both.p, (uint32_t)both.len - 1, 0, 100), KD_CORRUPT_MESSAGE);
    kb_free(&both);
    free(a);
    free(b);
}

/* ---- gzip batches ---- */

/* A gzip member of stored DEFLATE blocks (at most `block` bytes each): valid gzip
 * made without a compressor. */
static void gzip_stored(kbuf *g, const uint8_t *p, size_t n, size_t block)
{
    static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
    kb_put(g, header, sizeof header);
    size_t at = 0;
    do {
        size_t k = n - at < block ? n - at : block;
        kb_le(g, at + k == n, 1); /* BFINAL, BTYPE 00 */
        kb_le(g, k, 2);
        kb_le(g, ~k & 0xffff, 2);
        kb_put(g, p + at, k);
        at += k;
    } while (at < n);
    kb_le(g, crc32(0, p, (uInt)n), 4);
    kb_le(g, n, 4);
}

/* The batch with its records section gzipped (codec 1) and the CRC sealed again. */
static void gzip_batch(kbuf *out, const uint8_t *batch, size_t n, size_t block)
{
    kb_put(out, batch, 61);
    gzip_stored(out, batch + 61, n - 61, block);
    kd_put_be32(out->p + 8, (uint32_t)(out->len - 12));
    reseal(out->p, out->len, 1, -1);
}

static void test_gzip_batches(void)
{
    size_t n;
    uint8_t *plain = make_batch(5, 1700000000000, 300, &n);
    if (!plain)
        return;
    CHECK_EQ_INT(kd_batch_decode(plain, (uint32_t)n, 0, 100), 0);
    kbuf want = {0};
    kb_put(&want, kd_out_ptr(), kd_out_len());

    /* The same records, compressed, in one stored block and in several. */
    for (size_t block = 100; block <= 65535; block += 65435) {
        kbuf gz = {0};
        gzip_batch(&gz, plain, n, block);
        CHECK_EQ_INT(kd_batch_inspect(gz.p, (uint32_t)gz.len), 0);
        CHECK_EQ_INT(kd_batch_decode(gz.p, (uint32_t)gz.len, 0, 100), 0);
        CHECK(kd_out_len() == want.len && memcmp(kd_out_ptr(), want.p, want.len) == 0);
        kb_free(&gz);
    }
    kbuf gz = {0};
    gzip_batch(&gz, plain, n, 1000);

    /* From an offset and up to a count, and between uncompressed batches. */
    CHECK_EQ_INT(kd_batch_decode(gz.p, (uint32_t)gz.len, 2, 2), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 4, 8), 2);
    kbuf three = {0};
    kb_put(&three, plain, n);
    kb_put(&three, gz.p, gz.len);
    kb_put(&three, plain, n);
    kd_batch_set_base_offset(three.p + n, 5);
    kd_batch_set_base_offset(three.p + n + gz.len, 10);
    CHECK_EQ_INT(kd_batch_decode(three.p, (uint32_t)three.len, 0, 100), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 15);
    kb_free(&three);

    /* The record count must match what the payload holds, exactly. */
    kbuf bad = {0};
    kb_put(&bad, gz.p, gz.len);
    kd_put_be32(bad.p + 23, 5);
    reseal(bad.p, bad.len, 1, 6);
    CHECK_EQ_INT(kd_batch_decode(bad.p, (uint32_t)bad.len, 0, 100), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "gzip batch at offset 0: record 5") != NULL);
    kd_put_be32(bad.p + 23, 3);
    reseal(bad.p, bad.len, 1, 4);
    CHECK_EQ_INT(kd_batch_decode(bad.p, (uint32_t)bad.len, 0, 1), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "bytes follow the last record") != NULL);

    /* A damaged payload under a good CRC-32C: accepted on append (which never
     * inflates), refused with a reason when read, with nothing output. */
    memcpy(bad.p, gz.p, gz.len);
    bad.p[bad.len - 5] ^= 1; /* the gzip CRC-32 */
    reseal(bad.p, bad.len, 1, -1);
    CHECK_EQ_INT(kd_batch_inspect(bad.p, (uint32_t)bad.len), 0);
    CHECK_EQ_INT(kd_batch_decode(bad.p, (uint32_t)bad.len, 0, 100), KD_CORRUPT_MESSAGE);
    CHECK(strstr(kd_error_message(), "gzip batch at offset 0: gzip: incorrect data check") != NULL);
    kb_free(&bad);

    /* gzip's bytes under another codec's number are that codec's corrupt stream. */
    for (int codec = 2; codec <= 4; codec++) {
        reseal(gz.p, gz.len, (uint16_t)codec, -1);
        CHECK_EQ_INT(kd_batch_inspect(gz.p, (uint32_t)gz.len), 0);
        CHECK_EQ_INT(kd_batch_decode(gz.p, (uint32_t)gz.len, 0, 100), KD_CORRUPT_MESSAGE);
        CHECK(strstr(kd_error_message(), kd_codec_name(codec)) != NULL);
    }
    reseal(gz.p, gz.len, 1, -1);

    /* Through a partition's log: append as they came, read back as records. */
    sqlite3 *conn = NULL;
    CHECK_EQ_INT(sqlite3_open(":memory:", &conn), SQLITE_OK);
    kd_native_attach(1, conn);
    CHECK_EQ_INT(kd_log_open(1), 0);
    kbuf sets = {0};
    kb_le(&sets, 2, 4);
    kb_le(&sets, n, 4);
    kb_put(&sets, plain, n);
    kb_le(&sets, gz.len, 4);
    kb_put(&sets, gz.p, gz.len);
    CHECK_EQ_INT(kd_log_append(1, sets.p, (uint32_t)sets.len, 1700000000000, 1 << 20), 0);
    CHECK_EQ_INT(kd_log_read(1, 3, UINT32_MAX, INT32_MAX), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 8, 8), 10); /* high watermark */
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 7); /* offsets 3..9 */
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 20, 8), 3);
    CHECK_EQ_INT(kd_log_read(1, 6, 2, INT32_MAX), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 2);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 20, 8), 6);
    kd_native_detach(1);
    sqlite3_close(conn);
    kb_free(&sets);
    kb_free(&gz);
    kb_free(&want);
    free(plain);
}

/* ---- encoding within a size limit (the producer's split) ---- */

/* Record i of the lists below: varied sizes, null keys and values, headers, and
 * timestamps that go backwards, so the deltas (and so the sizes) vary. */
static void spec_record(kbuf *b, uint32_t i)
{
    static const char *const hk[] = {"trace", "source"};
    static const char *const hv[] = {"abc", NULL};
    static char value[400];
    char key[32];
    int key_len = snprintf(key, sizeof key, "key-%u", (unsigned)i);
    size_t value_len = (i * 37) % sizeof value;
    memset(value, 'a' + (int)(i % 26), value_len);
    int64_t ts = 1700000000000 + (int64_t)(i % 7 == 3 ? -(int64_t)i * 1000 : (int64_t)i * 250000);
    kb_record(b, ts, i % 5 == 0 ? NULL : key, i % 5 == 0 ? -1 : key_len, i % 11 == 0 ? NULL : value,
              i % 11 == 0 ? -1 : (int32_t)value_len, i % 3, hk, hv);
}

/* Params + records [from, to) of spec_record. */
static void spec_list(kbuf *b, kparams p, uint32_t from, uint32_t to)
{
    kb_params(b, p, to - from);
    for (uint32_t i = from; i < to; i++)
        spec_record(b, i);
}

/* The size of one batch holding records [from, to), by kd_batch_encode. */
static size_t spec_batch_size(uint32_t from, uint32_t to)
{
    kbuf in = {0};
    spec_list(&in, kparams_default(), from, to);
    size_t n = kd_batch_encode(in.p, (uint32_t)in.len) == 0 ? kd_out_len() : 0;
    kb_free(&in);
    return n;
}

static uint8_t *copy_out(size_t *n)
{
    *n = kd_out_len();
    uint8_t *p = malloc(*n ? *n : 1);
    memcpy(p, kd_out_ptr(), *n);
    return p;
}

/* A batch of exactly the limit is one batch, the same bytes kd_batch_encode
 * writes; one byte less and it splits. */
static void test_within_exact_limit(void)
{
    kbuf in = {0};
    spec_list(&in, kparams_default(), 0, 10);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    size_t one_len;
    uint8_t *one = copy_out(&one_len);

    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, (int32_t)one_len), 0);
    CHECK_EQ_INT(kd_out_len(), one_len);
    CHECK(kd_out_len() == one_len && memcmp(kd_out_ptr(), one, one_len) == 0);

    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, (int32_t)one_len - 1), 0);
    size_t split_len;
    uint8_t *split = copy_out(&split_len);
    CHECK_EQ_INT(kd_batch_inspect(split, (uint32_t)split_len), 0);
    size_t sums_len;
    uint8_t *sums = copy_out(&sums_len);
    CHECK_EQ_INT(rd_le(sums, 4), 2);
    /* Greedy: the first batch holds the first nine records, the second the last. */
    CHECK_EQ_INT((int32_t)rd_le(sums + 4 + 44, 4), 9);
    CHECK_EQ_INT((int64_t)rd_le(sums + 4 + KD_BATCH_SUMMARY_SIZE, 8), 9); /* base offset */
    CHECK_EQ_INT((int32_t)rd_le(sums + 4 + 48, 4), spec_batch_size(0, 9));
    free(sums);
    free(split);
    free(one);
    kb_free(&in);
}

/* Records [from, to) spread over batches of at most `limit` bytes: each batch is
 * within it and full (the next record would not have fitted), and together they
 * decode to exactly what one batch of the same records decodes to. */
static void check_split(uint32_t from, uint32_t to, int32_t limit)
{
    kbuf in = {0};
    spec_list(&in, kparams_default(), from, to);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    size_t whole_len;
    uint8_t *whole = copy_out(&whole_len);
    CHECK_EQ_INT(kd_batch_decode(whole, (uint32_t)whole_len, INT64_MIN, UINT32_MAX), 0);
    size_t want_len;
    uint8_t *want = copy_out(&want_len);

    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, limit), 0);
    size_t out_len;
    uint8_t *out = copy_out(&out_len);
    CHECK_EQ_INT(kd_batch_decode(out, (uint32_t)out_len, INT64_MIN, UINT32_MAX), 0);
    CHECK(kd_out_len() == want_len && memcmp(kd_out_ptr(), want, want_len) == 0);

    CHECK_EQ_INT(kd_batch_inspect(out, (uint32_t)out_len), 0);
    uint32_t batches = (uint32_t)rd_le(kd_out_ptr(), 4);
    size_t sums_len;
    uint8_t *sums = copy_out(&sums_len);
    CHECK(batches > 1);
    uint32_t next = from;
    for (uint32_t k = 0; k < batches; k++) {
        const uint8_t *s = sums + 4 + (size_t)k * KD_BATCH_SUMMARY_SIZE;
        int32_t count = (int32_t)rd_le(s + 44, 4), size = (int32_t)rd_le(s + 48, 4);
        CHECK(size <= limit);
        CHECK_EQ_INT((int64_t)rd_le(s, 8), next - from); /* base offsets run on */
        CHECK_EQ_INT(size, spec_batch_size(next, next + (uint32_t)count));
        if (k + 1 < batches)
            CHECK((int64_t)spec_batch_size(next, next + (uint32_t)count + 1) > limit);
        next += (uint32_t)count;
    }
    CHECK_EQ_INT(next, to);
    free(sums);
    free(out);
    free(want);
    free(whole);
    kb_free(&in);
}

static void test_within_splits_many_records(void)
{
    check_split(0, 300, 1000);
    check_split(0, 300, 4096);
    check_split(17, 200, 700);
}

/* The split batches go into a partition's log as one produce set, which assigns
 * them consecutive offsets. */
static void test_within_appends_with_consecutive_offsets(void)
{
    sqlite3 *conn = NULL;
    CHECK_EQ_INT(sqlite3_open(":memory:", &conn), SQLITE_OK);
    kd_native_attach(1, conn);
    CHECK_EQ_INT(kd_log_open(1), 0);
    kbuf in = {0};
    spec_list(&in, kparams_default(), 0, 250);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 2000), 0);
    kbuf sets = {0};
    kb_le(&sets, 1, 4);
    kb_le(&sets, kd_out_len(), 4);
    kb_put(&sets, kd_out_ptr(), kd_out_len());
    CHECK_EQ_INT(kd_log_append(1, sets.p, (uint32_t)sets.len, 1700000000000, 2000), 0);
    CHECK_EQ_INT((int32_t)rd_le(kd_out_ptr(), 4), 0);       /* no error */
    CHECK_EQ_INT((int32_t)rd_le(kd_out_ptr() + 4, 4), 250); /* records */
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 8, 8), 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 16, 8), 249);
    CHECK_EQ_INT(kd_log_read(1, 0, UINT32_MAX, INT32_MAX), 0);
    const uint8_t *list = kd_out_ptr() + 16;
    CHECK_EQ_INT(rd_le(list, 4), 250);
    kd_native_detach(1);
    sqlite3_close(conn);
    kb_free(&sets);
    kb_free(&in);
}

/* Base sequences advance with the records, wrapping past INT32_MAX as Kafka's do;
 * explicit header timestamps are kept for every batch. */
static void test_within_carries_params(void)
{
    kbuf in = {0};
    kparams p = kparams_default();
    p.base_offset = 1000;
    p.base_sequence = INT32_MAX - 2;
    p.producer_id = 77;
    p.first_timestamp = 1600000000000;
    spec_list(&in, p, 0, 8);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 400), 0);
    size_t n;
    uint8_t *out = copy_out(&n);
    CHECK_EQ_INT(kd_batch_inspect(out, (uint32_t)n), 0);
    uint32_t batches = (uint32_t)rd_le(kd_out_ptr(), 4);
    CHECK(batches >= 3);
    int64_t done = 0;
    for (uint32_t k = 0; k < batches; k++) {
        const uint8_t *s = kd_out_ptr() + 4 + (size_t)k * KD_BATCH_SUMMARY_SIZE;
        CHECK_EQ_INT((int64_t)rd_le(s, 8), 1000 + done);
        CHECK_EQ_INT((int64_t)rd_le(s + 8, 8), 1600000000000);
        CHECK_EQ_INT((int64_t)rd_le(s + 24, 8), 77);
        CHECK_EQ_INT((int32_t)rd_le(s + 36, 4), (int32_t)(((int64_t)INT32_MAX - 2 + done) % ((int64_t)INT32_MAX + 1)));
        done += (int32_t)rd_le(s + 44, 4);
    }
    CHECK_EQ_INT(done, 8);
    free(out);
    kb_free(&in);
}

static void test_within_refuses(void)
{
    /* One record that alone makes a batch over the limit: named, nothing output. */
    kbuf in = {0};
    spec_list(&in, kparams_default(), 0, 5); /* record 4 is the largest */
    size_t alone = spec_batch_size(4, 5);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, (int32_t)alone - 1), KD_MESSAGE_TOO_LARGE);
    CHECK_EQ_INT(kd_out_len(), 0);
    char want[64];
    snprintf(want, sizeof want, "record 4 is %zu bytes", alone - 61);
    CHECK(strstr(kd_error_message(), want) != NULL);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, (int32_t)alone), 0);
    for (int32_t limit = 0; limit < 68; limit++) /* no record fits under 68 bytes */
        CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, limit), KD_MESSAGE_TOO_LARGE);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, -1), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len - 1, 1 << 20), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, 10, 1 << 20), KD_ERR_INVALID_ARG);
    kb_put(&in, "x", 1);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 1 << 20), KD_ERR_INVALID_ARG);
    kb_free(&in);

    /* The smallest record makes a 68-byte batch. */
    kb_params(&in, kparams_default(), 1);
    kb_record(&in, 5, NULL, -1, NULL, -1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 68), 0);
    CHECK_EQ_INT(kd_out_len(), 68);
    kb_free(&in);

    /* Negative timestamps are refused (Kafka's producer refuses them); 0 is a time. */
    kb_params(&in, kparams_default(), 3);
    kb_record(&in, 0, "k", 1, "v", 1, 0, NULL, NULL);
    kb_record(&in, 1, "k", 1, "v", 1, 0, NULL, NULL);
    kb_record(&in, -1, "k", 1, "v", 1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 1 << 20), KD_INVALID_TIMESTAMP);
    CHECK(strstr(kd_error_message(), "record 2") != NULL);
    CHECK_EQ_INT(kd_out_len(), 0);
    kb_free(&in);

    kb_params(&in, kparams_default(), 0);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 1 << 20), KD_ERR_INVALID_ARG);
    kb_free(&in);
    kparams bad_codec = kparams_default();
    bad_codec.attributes = 5;
    kb_params(&in, bad_codec, 1);
    kb_record(&in, 1, "k", 1, "v", 1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 1 << 20), KD_UNSUPPORTED_COMPRESSION_TYPE);
    kb_free(&in);
}

/* ---- the core's own compressed batches ---- */

/* A list of `count` records with JSON-like values that compress well. */
static void compressible_list(kbuf *in, uint16_t attributes, uint32_t count)
{
    kparams p = kparams_default();
    p.attributes = (int16_t)attributes;
    kb_params(in, p, count);
    for (uint32_t i = 0; i < count; i++) {
        char key[32], value[128];
        int kn = snprintf(key, sizeof key, "order-%u", (unsigned)i);
        int vn =
            snprintf(value, sizeof value, "{\"order\":%u,\"status\":\"shipped\",\"warehouse\":\"north\"}", (unsigned)i);
        const char *hk[] = {"source"}, *hv[] = {"kafdo"};
        kb_record(in, 1700000000000 + i, key, kn, value, vn, 1, hk, hv);
    }
}

/* Each codec: the batch says its codec, is smaller than the uncompressed one, and
 * decodes to the very records of the uncompressed one (the library's own decoder
 * reads what its encoder wrote). */
static void test_every_codec_round_trips(void)
{
    kbuf in = {0};
    compressible_list(&in, 0, 200);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    size_t plain_len = kd_out_len();
    uint8_t *plain = malloc(plain_len);
    memcpy(plain, kd_out_ptr(), plain_len);
    CHECK_EQ_INT(kd_batch_decode(plain, (uint32_t)plain_len, 0, UINT32_MAX), 0);
    kbuf want = {0};
    kb_put(&want, kd_out_ptr(), kd_out_len());
    kb_free(&in);

    for (uint16_t codec = 1; codec <= 4; codec++) {
        compressible_list(&in, codec, 200);
        CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
        kbuf z = {0};
        kb_put(&z, kd_out_ptr(), kd_out_len());
        CHECK_EQ_INT(kd_be16(z.p + 21) & 7, codec);
        CHECK(z.len < plain_len / 3);
        CHECK_EQ_INT(kd_batch_inspect(z.p, (uint32_t)z.len), 0);
        CHECK_EQ_INT(kd_batch_decode(z.p, (uint32_t)z.len, 0, UINT32_MAX), 0);
        CHECK(kd_out_len() == want.len && memcmp(kd_out_ptr(), want.p, want.len) == 0);
        /* Split within a limit: every batch compressed, all the records there. */
        CHECK_EQ_INT(kd_batch_encode_within(in.p, (uint32_t)in.len, 4096), 0);
        kbuf split = {0};
        kb_put(&split, kd_out_ptr(), kd_out_len());
        uint32_t batches = 0;
        for (size_t pos = 0; pos < split.len; batches++) {
            CHECK_EQ_INT(kd_be16(split.p + pos + 21) & 7, codec);
            pos += 12 + kd_be32(split.p + pos + 8);
        }
        CHECK(batches > 1);
        CHECK_EQ_INT(kd_batch_decode(split.p, (uint32_t)split.len, 0, UINT32_MAX), 0);
        CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 200);
        kb_free(&split);
        kb_free(&z);
        kb_free(&in);
    }

    /* One tiny record does not shrink: it is stored uncompressed, and says so. */
    kparams p = kparams_default();
    p.attributes = 4;
    kb_params(&in, p, 1);
    kb_record(&in, 1, "k", 1, "v", 1, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    CHECK_EQ_INT(kd_be16(kd_out_ptr() + 21) & 7, 0);
    kb_free(&in);
    kb_free(&want);
    free(plain);
}

/* A batch whose records decompress past 16 MiB is refused as corrupt, whatever its
 * codec; 16 MiB itself is read. */
static void test_decompression_bomb_is_refused(void)
{
    for (int codec = 1; codec <= 4; codec++) {
        for (int over = 0; over <= 1; over++) {
            /* One record whose value makes the records section exactly 16 MiB (+1). */
            size_t total = ((size_t)16 << 20) + (size_t)over;
            uint8_t *records = calloc(1, total);
            size_t body = total - 4; /* the record's length varint takes 4 bytes */
            uint8_t *w = records;
            *w++ = (uint8_t)(((body << 1) & 0x7f) | 0x80); /* zig-zag varint of body */
            *w++ = (uint8_t)(((body << 1) >> 7 & 0x7f) | 0x80);
            *w++ = (uint8_t)(((body << 1) >> 14 & 0x7f) | 0x80);
            *w++ = (uint8_t)((body << 1) >> 21);
            *w++ = 0; /* attributes */
            *w++ = 0; /* timestamp delta */
            *w++ = 0; /* offset delta */
            *w++ = 1; /* key: null (-1) */
            /* value length varint (zig-zag), 4 bytes, then zeros; no headers. */
            size_t vl = body - 9; /* the body less 4 one-byte fields, 4 of value length, the header count */
            *w++ = (uint8_t)(((vl << 1) & 0x7f) | 0x80);
            *w++ = (uint8_t)(((vl << 1) >> 7 & 0x7f) | 0x80);
            *w++ = (uint8_t)(((vl << 1) >> 14 & 0x7f) | 0x80);
            *w++ = (uint8_t)((vl << 1) >> 21);
            /* header count 0 is the last byte, already zero */
            kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
            CHECK_EQ_INT(kd_compress(codec, records, total, &z), 0);
            CHECK(z.len < 1 << 20);
            size_t n;
            uint8_t *header = make_batch(1, 1000, 1, &n);
            kbuf batch = {0};
            kb_put(&batch, header, 61);
            kb_put(&batch, z.data, z.len);
            kd_put_be32(batch.p + 8, (uint32_t)(batch.len - 12));
            reseal(batch.p, batch.len, (uint16_t)codec, 1);
            CHECK_EQ_INT(kd_batch_inspect(batch.p, (uint32_t)batch.len), 0);
            int32_t rc = kd_batch_decode(batch.p, (uint32_t)batch.len, 0, 10);
            if (over) {
                CHECK_EQ_INT(rc, KD_CORRUPT_MESSAGE);
                CHECK(strstr(kd_error_message(), "decompressed size exceeds 16777216 bytes") != NULL);
            } else {
                if (rc)
                    fprintf(stderr, "  %s: %s\n", kd_codec_name(codec), kd_error_message());
                CHECK_EQ_INT(rc, 0);
            }
            kb_free(&batch);
            free(header);
            free(z.data);
            free(records);
        }
    }
}

/* ---- vectors from kafkajs ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(p, 1, (size_t)n, f);
    fclose(f);
    return p;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

static int vectors_checked;

/* Compares the core's output with a file's bytes. */
static int output_is(const char *dir, const char *name, const char *ext)
{
    char path[1024];
    size_t n;
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    uint8_t *want = read_file(path, &n);
    int same = want && n == kd_out_len() && memcmp(want, kd_out_ptr(), n) == 0;
    if (!same)
        fprintf(stderr, "  vector %s: core output differs from %s.%s (%u vs %zu bytes)\n", name, name, ext,
                kd_out_len(), want ? n : 0);
    free(want);
    return same;
}

/* One case of manifest.txt (format in tests/vectors/make-vectors.mjs). */
static void check_vector(const char *dir, const char *name, const char *kind)
{
    char path[1024];
    size_t batch_len, input_len = 0;
    int concat = strcmp(kind, "concat") == 0, compressed = strcmp(kind, "compressed") == 0;
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, concat ? "batches" : "batch");
    uint8_t *batch = read_file(path, &batch_len);
    snprintf(path, sizeof path, "%s/%s.input", dir, name);
    uint8_t *input = concat ? NULL : read_file(path, &input_len);
    if (!batch || (!concat && !input)) {
        fprintf(stderr, "  vector %s: missing files\n", name);
        CHECK(0);
        goto done;
    }
    /* kafkajs's bytes validate to kafkajs's header values... */
    CHECK_EQ_INT(kd_batch_inspect(batch, (uint32_t)batch_len), 0);
    CHECK(output_is(dir, name, "summary"));
    /* ...decode (gzip ones inflated by the core) to exactly the records kafkajs was given... */
    int32_t rc = kd_batch_decode(batch, (uint32_t)batch_len, 0, UINT32_MAX);
    if (rc)
        fprintf(stderr, "  vector %s: decode failed: %d %s\n", name, (int)rc, kd_error_message());
    CHECK(rc == 0 && output_is(dir, name, "records"));
    if (compressed) { /* the core compresses too (its own bytes), to the same records */
        CHECK_EQ_INT(kd_batch_encode(input, (uint32_t)input_len), 0);
        size_t ours_len = kd_out_len();
        uint8_t *ours = malloc(ours_len);
        memcpy(ours, kd_out_ptr(), ours_len);
        /* The same codec, or none where it would not have shrunk the batch (random values). */
        int codec = kd_be16(ours + 21) & 7, theirs = kd_be16(batch + 21) & 7;
        if (codec == 0) {
            kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
            CHECK_EQ_INT(kd_compress(theirs, ours + 61, ours_len - 61, &z), 0);
            CHECK(z.len >= ours_len - 61);
            free(z.data);
        } else {
            CHECK_EQ_INT(codec, theirs);
        }
        CHECK_EQ_INT(kd_batch_decode(ours, (uint32_t)ours_len, 0, UINT32_MAX), 0);
        CHECK(output_is(dir, name, "records"));
        free(ours);
        vectors_checked++;
        goto done;
    }
    /* ...and the core encodes those records into the same bytes. */
    if (!concat) {
        CHECK_EQ_INT(kd_batch_encode(input, (uint32_t)input_len), 0);
        CHECK(output_is(dir, name, "batch"));
        snprintf(path, sizeof path, "%s/core/%s.core.batch", dir, name);
        write_file(path, kd_out_ptr(), kd_out_len());
        snprintf(path, sizeof path, "%s/core/%s.core.input", dir, name);
        write_file(path, input, input_len);
    }
    vectors_checked++;
done:
    free(batch);
    free(input);
}

static const char *vectors_dir;

/* Batches only the core can make (kafkajs's encoder cannot write a null header
 * value, and merges repeated header keys): written for kafkajs's decoder to read. */
static void test_core_only_batches_for_kafkajs(void)
{
    const char *hk[] = {"a", "b", "a"};
    const char *hv[] = {"1", NULL, "2"};
    kbuf in = {0};
    kparams p = kparams_default();
    p.base_offset = 1000;
    kb_params(&in, p, 1002);
    kb_record(&in, 1700000000000, "k", 1, NULL, -1, 3, hk, hv);
    kb_record(&in, 1700000000009, NULL, -1, "", 0, 2, hk + 1, hv + 1);
    for (int i = 0; i < 1000; i++)
        kb_record(&in, 1700000000000 - i, "key", 3, "0123456789", 10, 0, NULL, NULL);
    CHECK_EQ_INT(kd_batch_encode(in.p, (uint32_t)in.len), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/core/core_only.core.batch", vectors_dir);
    write_file(path, kd_out_ptr(), kd_out_len());
    snprintf(path, sizeof path, "%s/core/core_only.core.input", vectors_dir);
    write_file(path, in.p, in.len);
    kb_free(&in);
}

static void test_kafkajs_vectors(void)
{
    char path[1024], line[600];
    snprintf(path, sizeof path, "%s/core", vectors_dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/manifest.txt", vectors_dir);
    FILE *manifest = fopen(path, "r");
    CHECK(manifest != NULL);
    if (!manifest)
        return;
    while (fgets(line, sizeof line, manifest)) {
        char name[256], kind[32];
        if (sscanf(line, "%255s %31s", name, kind) == 2)
            check_vector(vectors_dir, name, kind);
    }
    fclose(manifest);
    printf("  %d kafkajs vectors checked\n", vectors_checked);
    CHECK(vectors_checked >= 20);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--vectors") == 0) {
        vectors_dir = argv[2];
        RUN(test_kafkajs_vectors);
        RUN(test_core_only_batches_for_kafkajs);
        kd_release_scratch();
        return CHECK_SUMMARY();
    }
    RUN(test_round_trip_nulls_headers_unicode);
    RUN(test_encode_refuses_bad_lists);
    RUN(test_every_codec_round_trips);
    RUN(test_decompression_bomb_is_refused);
    RUN(test_damage_is_refused);
    RUN(test_header_rules);
    RUN(test_several_batches_back_to_back);
    RUN(test_gzip_batches);
    RUN(test_within_exact_limit);
    RUN(test_within_splits_many_records);
    RUN(test_within_appends_with_consecutive_offsets);
    RUN(test_within_carries_params);
    RUN(test_within_refuses);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
