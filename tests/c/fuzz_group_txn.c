/*
 * libFuzzer target: the decoders of group_txn_offsets.c's host input — a
 * TxnOffsetCommit (first byte even) or an unstable-partitions query (odd) — on a
 * group with a committed offset and another producer's pending one. A failed call
 * is rolled back, as the Worker's binding does. Whatever the call accepted or
 * refused, the committed offsets are unchanged (pending offsets are never
 * visible), the group stays describable, and completing every transaction leaves
 * nothing pending.
 *
 * One in-memory database serves every input; each runs in a transaction rolled
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

static int64_t count(const char *query)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(conn, query, -1, &stmt, NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW)
        abort();
    int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static const char COMMITTED[] = "SELECT count(*) FROM group_offsets WHERE topic = 'orders' AND partition = 0"
                                " AND committed_offset = 5";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    if (!conn) {
        if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
            abort();
        kd_native_attach(6, conn);
        if (kd_group_open(6) != 0)
            abort();
    }
    sql("BEGIN");
    sql("INSERT INTO group_offsets VALUES ('orders', 0, 5, '', 1)");
    sql("INSERT INTO group_txn_offsets VALUES (9, 'orders', 0, 8, '', 1, 1, 0)");
    sql("INSERT INTO group_txn_producers VALUES (9, 0, 1)");
    sql("SAVEPOINT call");
    int32_t rc = (data[0] & 1) ? kd_group_txn_unstable(6, data + 1, (uint32_t)(size - 1))
                               : kd_group_txn_commit(6, data + 1, (uint32_t)(size - 1), 2000);
    if (rc != 0)
        sql("ROLLBACK TO call");
    if (count(COMMITTED) != 1 || kd_group_describe(6) != 0)
        abort();
    /* Abort every transaction with a pending offset: nothing stays pending, and the
     * committed offset is as it was. */
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(conn, "SELECT DISTINCT producer_id FROM group_txn_offsets", -1, &stmt, NULL) != SQLITE_OK)
        abort();
    int64_t ids[64];
    int n = 0;
    while (n < 64 && sqlite3_step(stmt) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    for (int i = 0; i < n; i++)
        if (kd_group_txn_complete(6, ids[i], INT16_MAX, 0, 3000) != 0)
            abort();
    if (count("SELECT count(*) FROM group_txn_offsets") != 0 || count(COMMITTED) != 1)
        abort();
    sql("ROLLBACK");
    return 0;
}
