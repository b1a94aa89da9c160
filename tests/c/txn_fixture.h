/*
 * txn_fixture.h — the native tests' and the fuzzer's way of calling the transaction
 * coordinator (txn_coordinator.c) in the byte formats its header describes, as the
 * Worker's binding (wasm/transactions.ts) does.
 */
#ifndef KAFDO_TEST_TXN_FIXTURE_H
#define KAFDO_TEST_TXN_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kafdo.h"
#include "kd_list.h"

static inline void tx_str(kbuf *b, const char *s)
{
    kb_le(b, (uint16_t)strlen(s), 2);
    kb_put(b, s, strlen(s));
}

static inline int64_t tx_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    if (n == 2)
        return (int16_t)v;
    if (n == 4)
        return (int32_t)v;
    return (int64_t)v;
}

/* What kd_txn_init answered. */
typedef struct {
    int outcome;
    int64_t producer_id;
    int epoch;
    int64_t deadline;
} tx_init_out;

static inline int32_t tx_init(uint32_t db, const char *id, int32_t timeout_ms, int64_t expected_id,
                              int16_t expected_epoch, int64_t new_id, int64_t now, tx_init_out *out)
{
    kbuf in = {0};
    tx_str(&in, id);
    kb_le(&in, (uint32_t)timeout_ms, 4);
    kb_le(&in, (uint64_t)expected_id, 8);
    kb_le(&in, (uint16_t)expected_epoch, 2);
    kb_le(&in, (uint64_t)new_id, 8);
    int32_t rc = kd_txn_init(db, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    if (rc == 0 && out) {
        const uint8_t *p = kd_out_ptr();
        out->outcome = p[0];
        out->producer_id = tx_le(p + 1, 8);
        out->epoch = (int)tx_le(p + 9, 2);
        out->deadline = tx_le(p + 11, 8);
    }
    return rc;
}

/* A partition list "t:0 t:1" (topic_ref "ref-<topic>") and a group list "g1 g2". */
static inline int32_t tx_add(uint32_t db, const char *id, int64_t producer_id, int16_t epoch, const char *partitions,
                             const char *groups, int64_t now)
{
    kbuf in = {0};
    tx_str(&in, id);
    kb_le(&in, (uint64_t)producer_id, 8);
    kb_le(&in, (uint16_t)epoch, 2);
    char copy[512], topic[128], ref[160];
    uint32_t n = 0;
    size_t count_at = in.len;
    kb_le(&in, 0, 4);
    snprintf(copy, sizeof copy, "%s", partitions);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        int part = 0;
        if (sscanf(tok, "%127[^:]:%d", topic, &part) != 2)
            continue;
        snprintf(ref, sizeof ref, "ref-%s", topic);
        tx_str(&in, topic);
        tx_str(&in, ref);
        kb_le(&in, (uint32_t)part, 4);
        n++;
    }
    memcpy(in.p + count_at, &n, 4);
    count_at = in.len;
    kb_le(&in, 0, 4);
    n = 0;
    snprintf(copy, sizeof copy, "%s", groups);
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        tx_str(&in, tok);
        n++;
    }
    memcpy(in.p + count_at, &n, 4);
    int32_t rc = kd_txn_add(db, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    return rc;
}

/* EndTxn; *outcome is the answer's outcome. */
static inline int32_t tx_end(uint32_t db, const char *id, int64_t producer_id, int16_t epoch, int commit, int64_t now,
                             int *outcome)
{
    kbuf in = {0};
    tx_str(&in, id);
    kb_le(&in, (uint64_t)producer_id, 8);
    kb_le(&in, (uint16_t)epoch, 2);
    kb_le(&in, (uint64_t)commit, 1);
    int32_t rc = kd_txn_end(db, in.p, (uint32_t)in.len, now);
    kb_free(&in);
    if (rc == 0 && outcome)
        *outcome = kd_out_ptr()[0];
    return rc;
}

static inline int32_t tx_marked(uint32_t db, int kind, const char *name, int32_t partition)
{
    kbuf in = {0};
    kb_le(&in, (uint64_t)kind, 1);
    tx_str(&in, name);
    kb_le(&in, (uint32_t)partition, 4);
    int32_t rc = kd_txn_marked(db, in.p, (uint32_t)in.len);
    kb_free(&in);
    return rc;
}

/* Reads a str at *at into buf. */
static inline void tx_read_str(const uint8_t *p, size_t *at, char *buf, size_t cap)
{
    size_t n = (size_t)tx_le(p + *at, 2) & 0xffff;
    snprintf(buf, cap, "%.*s", (int)n, (const char *)p + *at + 2);
    *at += 2 + n;
}

/* What kd_txn_describe answered; members as "t:0 t:1|g1". */
typedef struct {
    int exists;
    char id[256], state[32];
    int64_t producer_id;
    int epoch;
    int32_t timeout_ms;
    int64_t start_ms, update_ms;
    int partitions, groups;
    char members[512];
} tx_description;

static inline int32_t tx_describe(uint32_t db, tx_description *d)
{
    memset(d, 0, sizeof *d);
    int32_t rc = kd_txn_describe(db);
    if (rc)
        return rc;
    const uint8_t *p = kd_out_ptr();
    d->exists = p[0];
    if (!d->exists)
        return 0;
    size_t at = 1;
    tx_read_str(p, &at, d->id, sizeof d->id);
    tx_read_str(p, &at, d->state, sizeof d->state);
    d->producer_id = tx_le(p + at, 8);
    d->epoch = (int)tx_le(p + at + 8, 2);
    d->timeout_ms = (int32_t)tx_le(p + at + 10, 4);
    d->start_ms = tx_le(p + at + 14, 8);
    d->update_ms = tx_le(p + at + 22, 8);
    at += 30;
    d->partitions = (int)tx_le(p + at, 4);
    at += 4;
    for (int i = 0; i < d->partitions; i++) {
        char t[128];
        tx_read_str(p, &at, t, sizeof t);
        int32_t part = (int32_t)tx_le(p + at, 4);
        at += 4;
        size_t used = strlen(d->members);
        snprintf(d->members + used, sizeof d->members - used, "%s%s:%d", used ? " " : "", t, (int)part);
    }
    size_t used = strlen(d->members);
    snprintf(d->members + used, sizeof d->members - used, "|");
    d->groups = (int)tx_le(p + at, 4);
    at += 4;
    for (int i = 0; i < d->groups; i++) {
        char g[256];
        tx_read_str(p, &at, g, sizeof g);
        used = strlen(d->members);
        snprintf(d->members + used, sizeof d->members - used, "%s%s", i ? " " : "", g);
    }
    return 0;
}

#endif /* KAFDO_TEST_TXN_FIXTURE_H */
