/*
 * kd_list.h — test helpers that build the host-side byte formats of kafdo.h
 * (batch params + kd record list) and read kd record lists back, so the native
 * tests talk to the core exactly as the Worker's binding does.
 */
#ifndef KAFDO_TEST_KD_LIST_H
#define KAFDO_TEST_KD_LIST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"

typedef struct {
    uint8_t *p;
    size_t len, cap;
} kbuf;

static inline void kb_put(kbuf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}
static inline void kb_le(kbuf *b, uint64_t v, int n)
{
    uint8_t t[8];
    for (int i = 0; i < n; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    kb_put(b, t, (size_t)n);
}
static inline void kb_free(kbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

typedef struct {
    int64_t base_offset, first_timestamp, max_timestamp, producer_id;
    int32_t partition_leader_epoch, base_sequence;
    int16_t producer_epoch, attributes;
} kparams;

static inline kparams kparams_default(void)
{
    kparams p = {0, KD_TIMESTAMP_DERIVE, KD_TIMESTAMP_DERIVE, -1, -1, -1, -1, 0};
    return p;
}

static inline void kb_params(kbuf *b, kparams p, uint32_t count)
{
    kb_le(b, (uint64_t)p.base_offset, 8);
    kb_le(b, (uint64_t)p.first_timestamp, 8);
    kb_le(b, (uint64_t)p.max_timestamp, 8);
    kb_le(b, (uint64_t)p.producer_id, 8);
    kb_le(b, (uint32_t)p.partition_leader_epoch, 4);
    kb_le(b, (uint32_t)p.base_sequence, 4);
    kb_le(b, (uint16_t)p.producer_epoch, 2);
    kb_le(b, (uint16_t)p.attributes, 2);
    kb_le(b, count, 4);
}

/* Appends one record; key/value NULL with len -1 for null. Headers: n pairs. */
static inline void kb_record(kbuf *b, int64_t ts, const char *key, int32_t key_len, const char *value,
                             int32_t value_len, uint32_t nheaders, const char *const *hkeys, const char *const *hvals)
{
    kb_le(b, 0, 8);
    kb_le(b, (uint64_t)ts, 8);
    kb_le(b, (uint32_t)key_len, 4);
    if (key_len > 0)
        kb_put(b, key, (size_t)key_len);
    kb_le(b, (uint32_t)value_len, 4);
    if (value_len > 0)
        kb_put(b, value, (size_t)value_len);
    kb_le(b, nheaders, 4);
    for (uint32_t i = 0; i < nheaders; i++) {
        kb_le(b, (uint32_t)strlen(hkeys[i]), 4);
        kb_put(b, hkeys[i], strlen(hkeys[i]));
        if (hvals[i]) {
            kb_le(b, (uint32_t)strlen(hvals[i]), 4);
            kb_put(b, hvals[i], strlen(hvals[i]));
        } else {
            kb_le(b, 0xffffffffu, 4);
        }
    }
}

/* Encodes n simple records "k<i>"/"v<i>" into a batch; returns a malloc'd copy. */
static inline uint8_t *make_batch(uint32_t n, int64_t ts0, size_t value_size, size_t *out_len)
{
    kbuf in = {0};
    kb_params(&in, kparams_default(), n);
    char *value = malloc(value_size + 1);
    for (uint32_t i = 0; i < n; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "k%u", (unsigned)i);
        memset(value, 'a' + (int)(i % 26), value_size);
        kb_record(&in, ts0 + i, key, kl, value, (int32_t)value_size, 0, NULL, NULL);
    }
    free(value);
    uint8_t *batch = NULL;
    if (kd_batch_encode(in.p, (uint32_t)in.len) == 0) {
        *out_len = kd_out_len();
        batch = malloc(*out_len);
        memcpy(batch, kd_out_ptr(), *out_len);
    }
    kb_free(&in);
    return batch;
}

static inline uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif /* KAFDO_TEST_KD_LIST_H */
