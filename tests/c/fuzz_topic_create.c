/*
 * libFuzzer target: the host's topic inputs. kd_topic_create reads one (name,
 * partitions, configs with their own lengths); whatever it accepts must then be
 * describable and listable, whatever it refuses must leave no topic behind.
 * kd_topic_alter_configs reads the same bytes as a config alteration (name, mode,
 * operations) against the topics then present, among them "t", made first with a
 * config set: whatever it refuses must leave every topic as it was.
 * kd_topic_assignment_check reads them as a replica assignment: accepted, it answers
 * a partition count of at least 1.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kafdo.h"
#include "storage.h"

/* "t", 1 partition, retention.ms = 1000. */
static const uint8_t TOPIC_T[] = {1,   0,   't', 1,   0,   0,   0,   1,   0,   0, 0, 12,  0,   'r', 'e', 't',
                                  'e', 'n', 't', 'i', 'o', 'n', '.', 'm', 's', 4, 0, '1', '0', '0', '0'};

/* The listing of every topic, copied out of the core's output. */
static uint8_t *listing(size_t *len)
{
    if (kd_topic_list(3) != 0)
        abort();
    *len = kd_out_len();
    uint8_t *copy = malloc(*len);
    if (!copy)
        abort();
    memcpy(copy, kd_out_ptr(), *len);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    static const uint8_t id[16] = {7};
    sqlite3 *conn;
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
        abort();
    kd_native_attach(3, conn);
    if (kd_topics_open(3) != 0 || kd_topic_create(3, TOPIC_T, sizeof TOPIC_T, id, 0, 256) != 0)
        abort();
    int32_t rc = kd_topic_create(3, data, (uint32_t)size, id, 0, 256);
    if (kd_topic_list(3) != 0)
        abort();
    uint32_t count = kd_out_ptr()[0];
    if ((rc == 0) != (count == 2))
        abort();

    size_t before_len, after_len;
    uint8_t *before = listing(&before_len);
    rc = kd_topic_alter_configs(3, data, (uint32_t)size);
    uint8_t *after = listing(&after_len);
    if (rc != 0 && (before_len != after_len || memcmp(before, after, before_len) != 0))
        abort();
    free(before);
    free(after);
    if (kd_topic_assignment_check(data, (uint32_t)size, 0) == 0 &&
        (kd_out_len() != 4 || (int32_t)(kd_out_ptr()[0] | kd_out_ptr()[1] << 8 | kd_out_ptr()[2] << 16 |
                                        (uint32_t)kd_out_ptr()[3] << 24) < 1))
        abort();
    kd_native_detach(3);
    sqlite3_close(conn);
    return 0;
}
