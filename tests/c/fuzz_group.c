/*
 * libFuzzer target: the consumer group's decoders of host input — join, commit
 * and offsets — each input on an empty group. The first byte picks which call.
 * A failed call is rolled back, as the Worker's shim does; whatever the call
 * accepted or refused, the group must stay pollable and describable.
 *
 * One in-memory database serves every input (creating the schema per input
 * would cost most of the time): each input runs in a transaction that is rolled
 * back at the end, so every input starts from the same empty group.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>

#include "kafdo.h"
#include "storage.h"

static sqlite3 *conn;

static void sql(const char *statement)
{
    if (sqlite3_exec(conn, statement, NULL, NULL, NULL) != SQLITE_OK)
        abort();
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
    sql("SAVEPOINT call");
    int32_t rc;
    switch (data[0] % 3) {
    case 0: rc = kd_group_join(5, in, len, 1000); break;
    case 1: rc = kd_group_commit(5, in, len, 1000); break;
    default: rc = kd_group_offsets(5, in, len); break;
    }
    if (rc != 0)
        sql("ROLLBACK TO call");
    if (kd_group_poll(5, 2000) != 0 || kd_group_describe(5) != 0)
        abort();
    sql("ROLLBACK");
    return 0;
}
