/*
 * libFuzzer target: kd_batch_encode_within, the producer's split. The first four
 * bytes choose the size limit (small ones mostly, so inputs split often); the rest
 * is the host's batch params and kd record list. Whatever it encodes must be
 * batches within the limit that the core's own validator accepts, whose base
 * offsets run on, and that decode to exactly what kd_batch_encode's single batch
 * of the same records decodes to.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

static uint8_t *copy_out(uint32_t *n)
{
    *n = kd_out_len();
    uint8_t *p = malloc(*n ? *n : 1);
    memcpy(p, kd_out_ptr(), *n);
    return p;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size - 4 > UINT32_MAX)
        return 0;
    uint32_t pick = (uint32_t)le(data, 4);
    int32_t limit = (pick & 0x80000000u) ? (int32_t)pick : (int32_t)(pick % 4096);
    const uint8_t *in = data + 4;
    uint32_t in_len = (uint32_t)(size - 4);

    if (kd_batch_encode_within(in, in_len, limit) != 0) {
        if (kd_out_len() != 0)
            abort(); /* a refusal outputs nothing */
        return 0;
    }
    uint32_t n;
    uint8_t *batches = copy_out(&n);
    if (kd_batch_inspect(batches, n) != 0)
        abort(); /* the encoder wrote something its own validator refuses */
    uint32_t count = (uint32_t)le(kd_out_ptr(), 4);
    int64_t next = (int64_t)le(in, 8); /* the params' base offset */
    for (uint32_t k = 0; k < count; k++) {
        const uint8_t *s = kd_out_ptr() + 4 + (size_t)k * KD_BATCH_SUMMARY_SIZE;
        if ((int32_t)le(s + 48, 4) > limit || (int64_t)le(s, 8) != next)
            abort(); /* over the limit, or offsets that do not run on */
        next = (int64_t)((uint64_t)next + (uint64_t)(int32_t)le(s + 44, 4));
    }
    if (kd_batch_decode(batches, n, INT64_MIN, UINT32_MAX) != 0)
        abort();
    uint32_t split_len;
    uint8_t *split = copy_out(&split_len);

    if (kd_batch_encode(in, in_len) != 0)
        abort(); /* the split accepted what the single-batch encoder refuses */
    uint32_t whole_len;
    uint8_t *whole = copy_out(&whole_len);
    if (kd_batch_decode(whole, whole_len, INT64_MIN, UINT32_MAX) != 0)
        abort();
    /* Under LogAppendTime a record reports its batch's max timestamp, which is
     * each split batch's own; otherwise the records must match byte for byte. */
    int log_append_time = (le(in + 42, 2) & KD_ATTR_TIMESTAMP_LOG_APPEND) != 0;
    if (!log_append_time && (kd_out_len() != split_len || memcmp(kd_out_ptr(), split, split_len) != 0))
        abort(); /* the split lost, reordered or changed records */
    free(whole);
    free(split);
    free(batches);
    return 0;
}
