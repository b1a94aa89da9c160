/*
 * libFuzzer target: kd_topic_create reads the host's topic input (name,
 * partitions, configs with their own lengths). Whatever it accepts must then be
 * describable and listable; whatever it refuses must leave no topic behind.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>

#include "kafdo.h"
#include "storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    static const uint8_t id[16] = {7};
    sqlite3 *conn;
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
        abort();
    kd_native_attach(3, conn);
    if (kd_topics_open(3) != 0)
        abort();
    int32_t rc = kd_topic_create(3, data, (uint32_t)size, id, 0, 256);
    if (kd_topic_list(3) != 0)
        abort();
    uint32_t count = kd_out_ptr()[0];
    if ((rc == 0) != (count == 1))
        abort();
    kd_native_detach(3);
    sqlite3_close(conn);
    return 0;
}
