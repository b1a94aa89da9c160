/*
 * libFuzzer target: kd_group_reset_offsets's decoder of host input, on a group
 * with committed offsets, empty (first byte even) or with one member (odd). The
 * input after the first byte is the reset's. Whatever the call accepts or refuses,
 * the group stays describable; a refused call writes nothing (it runs in a
 * savepoint that a failure rolls back, as the Worker's binding does), and a
 * group with a member is never reset.
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

/* A Kafdo-dialect member subscribed to "orders". */
static void join(void)
{
    static const uint8_t in[] = {0, 0, 1, 0, 'c', 1, 0, 'x', 0x30, 0x75, 0,   0,   0x10, 0x27, 0, 0, 0,
                                 0, 1, 0, 0, 0,   6, 0, 'o', 'r',  'd',  'e', 'r', 's',  2,    0, 0, 0};
    if (kd_group_join(6, in, sizeof in, 1000) != 0)
        abort();
}

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
    sql("INSERT INTO group_offsets VALUES ('orders', 0, 5, '', 1), ('orders', 1, -2, '', 1), ('orders', 2, -1, '', 1)");
    if (data[0] & 1)
        join();
    sql("SAVEPOINT call");
    int32_t rc = kd_group_reset_offsets(6, data + 1, (uint32_t)(size - 1), 2000);
    if (rc != 0)
        sql("ROLLBACK TO call");
    if (rc == 0 && (data[0] & 1))
        abort(); /* a group with a member is never reset */
    if (kd_group_describe(6) != 0)
        abort();
    sql("ROLLBACK");
    return 0;
}
