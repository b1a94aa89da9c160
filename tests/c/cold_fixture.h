/*
 * cold_fixture.h — a log with a cold tier, for the cold segment fuzzer and its seeds:
 * 12 batches of 4 records in an in-memory SQLite, the first 8 moved to two cold
 * segments of 4 batches (segment.bytes), the rest hot. The segments' bytes (what the
 * bucket would hold) are returned, keyed by base offset 0 and 16.
 */
#ifndef KAFDO_TEST_COLD_FIXTURE_H
#define KAFDO_TEST_COLD_FIXTURE_H

#include <sqlite3.h>

#include "kd_list.h"
#include "storage.h"

#define COLD_DB 1

typedef struct {
    sqlite3 *conn;
    kbuf segments[2];
} cold_fixture;

static int32_t cold_fixture_append(void *arg)
{
    kbuf *sets = arg;
    return kd_log_append(COLD_DB, sets->p, (uint32_t)sets->len, 0, 1 << 20);
}

/* 0 when the fixture is built. */
static inline int cold_fixture_open(cold_fixture *f)
{
    memset(f, 0, sizeof *f);
    if (sqlite3_open(":memory:", &f->conn) != SQLITE_OK)
        return 1;
    kd_native_attach(COLD_DB, f->conn);
    if (kd_log_open(COLD_DB) != 0)
        return 1;
    kbuf sets = {0};
    size_t n = 0;
    kb_le(&sets, 12, 4);
    for (int i = 0; i < 12; i++) {
        uint8_t *b = make_batch(4, i * 1000, 8, &n);
        kb_le(&sets, n, 4);
        kb_put(&sets, b, n);
        free(b);
    }
    int32_t rc = kd_native_in_transaction(COLD_DB, cold_fixture_append, &sets);
    kb_free(&sets);
    char config[200];
    snprintf(config, sizeof config,
             "{\"remote.storage.enable\":\"true\",\"local.retention.ms\":\"0\",\"retention.ms\":\"-1\","
             "\"segment.bytes\":\"%zu\"}",
             n * 4);
    if (rc || kd_log_configure(COLD_DB, (const uint8_t *)config, (uint32_t)strlen(config)) != 0)
        return 1;
    for (int s = 0; s < 2; s++) {
        /* Natively, without the host's transaction: the fixture is built once. */
        if (kd_tier_plan(COLD_DB, 8000 + 1, 1 << 20, (const uint8_t *)"f/", 2) != 0)
            return 1;
        const uint8_t *o = kd_out_ptr();
        if (rd_le(o, 4) != 1)
            return 1;
        int64_t base = (int64_t)rd_le(o + 28, 8), last = (int64_t)rd_le(o + 36, 8);
        size_t key_len = rd_le(o + 44, 2);
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)key_len, (const char *)o + 46);
        size_t len = rd_le(o + 46 + key_len, 4);
        kb_put(&f->segments[s], o + 50 + key_len, len);
        if (kd_tier_commit(COLD_DB, base, last, (int64_t)len, (const uint8_t *)key, (uint32_t)key_len) != 0 ||
            rd_le(kd_out_ptr(), 4) != 1)
            return 1;
    }
    return 0;
}

#endif /* KAFDO_TEST_COLD_FIXTURE_H */
