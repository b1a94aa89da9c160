/*
 * libFuzzer target: the consumer group's decoders of host input — join (both
 * member kinds), commit, sync, leave, offsets and OffsetDelete (first byte % 6, in
 * that order) — each input on an empty group, or on a
 * group of two Kafka-dialect members waiting for their leader's SyncGroup. The
 * first byte picks the call (low bits) and the group (high bit). A failed call is
 * rolled back, as the Worker's shim does; whatever the call accepted or refused,
 * the group must stay pollable and describable, and a leader's sync must still
 * settle a Kafka group.
 *
 * One in-memory database serves every input (creating the schema per input
 * would cost most of the time): each input runs in a transaction that is rolled
 * back at the end, so every input starts from the same group.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"
#include "storage.h"

static sqlite3 *conn;

static void sql(const char *statement)
{
    if (sqlite3_exec(conn, statement, NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

/* A kind-1 join of a new member "c-<suffix>" (or a rejoin of `member`). */
static int32_t kafka_join(const char *member, const char *suffix, int64_t now)
{
    static const uint8_t meta[] = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff};
    uint8_t in[128];
    size_t n = 0;
#define STR(s)                                                                                                         \
    do {                                                                                                               \
        size_t l_ = strlen(s);                                                                                         \
        in[n++] = (uint8_t)l_;                                                                                         \
        in[n++] = 0;                                                                                                   \
        memcpy(in + n, s, l_);                                                                                         \
        n += l_;                                                                                                       \
    } while (0)
#define U32(v)                                                                                                         \
    do {                                                                                                               \
        uint32_t v_ = (v);                                                                                             \
        memcpy(in + n, &v_, 4);                                                                                        \
        n += 4;                                                                                                        \
    } while (0)
    STR(member);
    STR("c");
    STR(suffix);
    U32(30000);
    U32(10000);
    in[n++] = 0;
    in[n++] = 1;
    STR("");     /* no group.instance.id */
    in[n++] = 0; /* no KIP-394 */
    U32(0);      /* no initial delay */
    STR("host");
    STR("consumer");
    U32(1);
    STR("range");
    U32(sizeof meta);
    memcpy(in + n, meta, sizeof meta);
    n += sizeof meta;
#undef STR
#undef U32
    return kd_group_join(5, in, (uint32_t)n, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    if (!conn) {
        if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
            abort();
        kd_native_attach(5, conn);
        if (kd_group_open(5) != 0)
            abort();
    }
    const uint8_t *in = data + 1;
    uint32_t len = (uint32_t)(size - 1);
    sql("BEGIN");
    if (data[0] & 0x80) {
        /* c-a leads generation 2 of c-a and c-b, CompletingRebalance. */
        if (kafka_join("", "a", 1000) != 0 || kafka_join("", "b", 1000) != 0 || kafka_join("c-a", "", 1000) != 0)
            abort();
    }
    sql("SAVEPOINT call");
    int32_t rc;
    switch (data[0] % 6) {
    case 0: rc = kd_group_join(5, in, len, 1000); break;
    case 1: rc = kd_group_commit(5, in, len, 1000); break;
    case 2: rc = kd_group_sync(5, in, len, 1000); break;
    case 3: rc = kd_group_leave(5, in, len, 1000); break;
    case 4: rc = kd_group_offsets(5, in, len); break;
    default: rc = kd_group_delete_offsets(5, in, len); break;
    }
    if (rc != 0)
        sql("ROLLBACK TO call");
    if (kd_group_poll(5, 2000) != 0 || kd_group_describe(5) != 0)
        abort();
    if (data[0] & 0x80) {
        /* Whatever happened, the group still answers a sync from its leader. */
        static const uint8_t sync[] = {3, 0, 'c', '-', 'a', 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        rc = kd_group_sync(5, sync, sizeof sync, 2000);
        if (rc < 0 || kd_group_poll(5, 2000) != 0 || kd_group_describe(5) != 0)
            abort();
    }
    sql("ROLLBACK");
    return 0;
}
