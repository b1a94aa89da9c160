/*
 * Tests src-c/topics.c over real SQLite: Kafka's naming, partition and config
 * rules, create/describe/list/delete/grow, that refused calls write nothing, and
 * the producer id counter.
 */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "kd_list.h"
#include "storage.h"

#define DB 2
static const uint8_t ID_A[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t ID_B[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

static void kb_str(kbuf *b, const char *s)
{
    kb_le(b, (uint16_t)strlen(s), 2);
    kb_put(b, s, strlen(s));
}

/* Builds a create input; configs as "key", "value" pairs. */
static int32_t create(const char *name, int32_t partitions, int nconfigs, const char *const *kv, const uint8_t *id)
{
    kbuf in = {0};
    kb_str(&in, name);
    kb_le(&in, (uint32_t)partitions, 4);
    kb_le(&in, (uint32_t)nconfigs, 4);
    for (int i = 0; i < nconfigs; i++) {
        kb_str(&in, kv[2 * i]);
        kb_str(&in, kv[2 * i + 1]);
    }
    int32_t rc = kd_topic_create(DB, in.p, (uint32_t)in.len, id, 1700000000000, 256);
    kb_free(&in);
    return rc;
}

/* Reads the partition count and one config value out of a topic output. */
static int32_t out_partitions(const uint8_t *p)
{
    size_t name_len = rd_le(p, 2);
    return (int32_t)rd_le(p + 2 + name_len + 16, 4);
}

static int config_value(const uint8_t *p, const char *key, char *value, size_t cap, int *is_default)
{
    size_t at = 2 + rd_le(p, 2) + 16 + 4 + 8;
    uint32_t count = (uint32_t)rd_le(p + at, 4);
    at += 4;
    for (uint32_t i = 0; i < count; i++) {
        size_t kl = rd_le(p + at, 2);
        const char *k = (const char *)p + at + 2;
        at += 2 + kl;
        size_t vl = rd_le(p + at, 2);
        const char *v = (const char *)p + at + 2;
        at += 2 + vl;
        int def = p[at++];
        if (kl == strlen(key) && memcmp(k, key, kl) == 0 && vl < cap) {
            memcpy(value, v, vl);
            value[vl] = 0;
            *is_default = def;
            return 1;
        }
    }
    return 0;
}

static sqlite3 *open_topics(void)
{
    sqlite3 *conn;
    sqlite3_open(":memory:", &conn);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_topics_open(DB), 0);
    CHECK_EQ_INT(kd_topics_open(DB), 0);
    return conn;
}

static void close_topics(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
}

static void test_names(void)
{
    const char *good[] = {"orders", "a", "cdc.mydb.users", "x_y-z.0", "..."};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_EQ_INT(kd_topic_name_check((const uint8_t *)good[i], (uint32_t)strlen(good[i])), 0);
    const char *bad[] = {"", ".", "..", "has space", "slash/", "ünï", "tab\t", "colon:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(kd_topic_name_check((const uint8_t *)bad[i], (uint32_t)strlen(bad[i])),
                     KD_INVALID_TOPIC_EXCEPTION);
    char long_name[251];
    memset(long_name, 'a', sizeof long_name);
    CHECK_EQ_INT(kd_topic_name_check((const uint8_t *)long_name, 249), 0);
    CHECK_EQ_INT(kd_topic_name_check((const uint8_t *)long_name, 250), KD_INVALID_TOPIC_EXCEPTION);
}

static void test_create_describe_list_delete(void)
{
    sqlite3 *conn = open_topics();
    const char *cfg[] = {"retention.ms", "86400000", "cleanup.policy", "compact"};
    CHECK_EQ_INT(create("orders", 3, 2, cfg, ID_A), 0);
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 3);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_A, 16) == 0);
    CHECK_EQ_INT(create("events", 1, 0, NULL, ID_B), 0);
    CHECK_EQ_INT(create("orders", 5, 0, NULL, ID_B), KD_TOPIC_ALREADY_EXISTS);
    CHECK_EQ_INT(create("a.b", 1, 0, NULL, ID_B), 0);
    CHECK_EQ_INT(create("a_b", 1, 0, NULL, ID_B), KD_INVALID_TOPIC_EXCEPTION); /* collides in metric names */
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"a.b", 3), 0);

    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"orders", 6), 0);
    char v[64];
    int def = -1;
    CHECK(config_value(kd_out_ptr(), "retention.ms", v, sizeof v, &def) && strcmp(v, "86400000") == 0 && !def);
    CHECK(config_value(kd_out_ptr(), "cleanup.policy", v, sizeof v, &def) && strcmp(v, "compact") == 0 && !def);
    CHECK(config_value(kd_out_ptr(), "max.message.bytes", v, sizeof v, &def) && strcmp(v, "1048588") == 0 && def);
    CHECK(config_value(kd_out_ptr(), "retention.bytes", v, sizeof v, &def) && strcmp(v, "-1") == 0 && def);

    CHECK_EQ_INT(kd_topic_list(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);
    CHECK(memcmp(kd_out_ptr() + 6, "events", 6) == 0); /* ordered by name */

    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), 0);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_A, 16) == 0); /* the deleted topic's id, for retiring its logs */
    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"orders", 6), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), KD_UNKNOWN_TOPIC_OR_PARTITION);
    /* Created again: a new id, and none of the old configs. */
    CHECK_EQ_INT(create("orders", 2, 0, NULL, ID_B), 0);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_B, 16) == 0);
    CHECK(config_value(kd_out_ptr(), "retention.ms", v, sizeof v, &def) && def);
    close_topics(conn);
}

/* Tiered storage's configs: Kafka's defaults and rules between them. */
static void test_tiered_storage_configs(void)
{
    sqlite3 *conn = open_topics();
    const char *refused[][6] = {
        {"remote.storage.enable", "yes", "", "", "", ""},
        {"local.retention.ms", "-3", "", "", "", ""},
        {"remote.storage.enable", "true", "cleanup.policy", "compact", "", ""},
        {"remote.storage.enable", "true", "cleanup.policy", "compact,delete", "", ""},
        {"local.retention.ms", "700000000", "", "", "", ""}, /* over retention.ms's default */
        {"local.retention.ms", "-1", "retention.ms", "1000", "", ""},
        {"local.retention.bytes", "2000", "retention.bytes", "1000", "", ""},
        {"local.retention.bytes", "-1", "retention.bytes", "1000", "", ""},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK_EQ_INT(create("t", 1, refused[i][2][0] ? 2 : 1, refused[i], ID_A), KD_INVALID_CONFIG);
    const char *ok[] = {"remote.storage.enable", "true", "local.retention.ms", "1000",
                        "local.retention.bytes", "-1"}; /* retention.bytes is -1: any */
    CHECK_EQ_INT(create("t", 1, 3, ok, ID_A), 0);
    const char *defaults[] = {"remote.storage.enable", "true"};
    CHECK_EQ_INT(create("u", 1, 1, defaults, ID_B), 0);
    /* Described with Kafka's defaults for what was not set. */
    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"u", 1), 0);
    const uint8_t *o = kd_out_ptr();
    size_t len = kd_out_len();
    const char *want[] = {"local.retention.bytes", "-2", "local.retention.ms", "-2", "remote.storage.enable", "true"};
    size_t found = 0;
    for (size_t w = 0; w < 3; w++)
        for (size_t at = 0; at + strlen(want[2 * w]) < len; at++)
            if (memcmp(o + at, want[2 * w], strlen(want[2 * w])) == 0 &&
                rd_le(o + at + strlen(want[2 * w]), 2) == strlen(want[2 * w + 1]) &&
                memcmp(o + at + strlen(want[2 * w]) + 2, want[2 * w + 1], strlen(want[2 * w + 1])) == 0) {
                found++;
                break;
            }
    CHECK_EQ_INT(found, 3);
    close_topics(conn);
}

static void test_refusals_write_nothing(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(create("bad name", 1, 0, NULL, ID_A), KD_INVALID_TOPIC_EXCEPTION);
    CHECK_EQ_INT(create("t", 0, 0, NULL, ID_A), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(create("t", 257, 0, NULL, ID_A), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(create("t", -1, 0, NULL, ID_A), KD_INVALID_PARTITIONS);
    const char *unknown[] = {"retention.ms", "1000", "segment.bytes", "1"};
    CHECK_EQ_INT(create("t", 1, 2, unknown, ID_A), KD_INVALID_CONFIG);
    const char *bad_values[][2] = {
        {"retention.ms", "soon"},         {"retention.ms", "-2"},
        {"retention.bytes", "1e9"},       {"retention.ms", ""},
        {"cleanup.policy", "forever"},    {"max.message.bytes", "-1"},
        {"max.message.bytes", "3000000"}, {"retention.ms", "99999999999999999999"},
    };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        CHECK_EQ_INT(create("t", 1, 1, bad_values[i], ID_A), KD_INVALID_CONFIG);
    const char *edge[] = {"retention.ms", "-1", "max.message.bytes", "1998976", "cleanup.policy", "delete,compact"};
    CHECK_EQ_INT(create("ok", 1, 3, edge, ID_A), 0);
    CHECK_EQ_INT(kd_topic_list(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1); /* only "ok" */
    /* Malformed input from the host. */
    uint8_t junk[] = {200, 0, 'a'};
    CHECK_EQ_INT(kd_topic_create(DB, junk, sizeof junk, ID_A, 0, 256), KD_ERR_INVALID_ARG);
    close_topics(conn);
}

/* Kafka 3.x's whole topic-config list is taken, each value checked as Kafka does,
 * and every one reported (the ones set with their values). */
static void test_kafka_topic_configs(void)
{
    sqlite3 *conn = open_topics();
    const char *accepted[] = {
        "compression.type",
        "zstd",
        "file.delete.delay.ms",
        "0",
        "flush.messages",
        "1",
        "flush.ms",
        "1000",
        "follower.replication.throttled.replicas",
        "0:0, 1:0",
        "index.interval.bytes",
        "4096",
        "leader.replication.throttled.replicas",
        "*",
        "message.downconversion.enable",
        "false",
        "message.format.version",
        "2.8-IV1",
        "message.timestamp.after.max.ms",
        "3600000",
        "message.timestamp.before.max.ms",
        "3600000",
        "message.timestamp.difference.max.ms",
        "86400000",
        "message.timestamp.type",
        "LogAppendTime",
        "min.insync.replicas",
        "2",
        "preallocate",
        "true",
        "segment.index.bytes",
        "4096",
        "segment.jitter.ms",
        "0",
        "unclean.leader.election.enable",
        "true",
    };
    uint32_t n = sizeof accepted / sizeof accepted[0] / 2;
    CHECK_EQ_INT(create("kafkaish", 1, n, accepted, ID_A), 0);
    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"kafkaish", 8), 0);
    const uint8_t *o = kd_out_ptr();
    size_t len = kd_out_len(), found = 0;
    for (uint32_t w = 0; w < n; w++) {
        const char *key = accepted[2 * w], *value = accepted[2 * w + 1];
        for (size_t at = 0; at + strlen(key) + 2 + strlen(value) < len; at++)
            if (memcmp(o + at, key, strlen(key)) == 0 && rd_le(o + at + strlen(key), 2) == strlen(value) &&
                memcmp(o + at + strlen(key) + 2, value, strlen(value)) == 0 &&
                o[at + strlen(key) + 2 + strlen(value)] == 0) {
                found++; /* with is_default 0 */
                break;
            }
    }
    CHECK_EQ_INT(found, n);
    const char *refused[][2] = {
        {"compression.type", "brotli"},
        {"flush.messages", "0"},
        {"follower.replication.throttled.replicas", "0"},
        {"leader.replication.throttled.replicas", "a:1"},
        {"leader.replication.throttled.replicas", "0:1,"},
        {"index.interval.bytes", "-1"},
        {"message.downconversion.enable", "yes"},
        {"message.format.version", "banana"},
        {"message.timestamp.difference.max.ms", "-1"},
        {"message.timestamp.type", "createtime"},
        {"min.insync.replicas", "0"},
        {"segment.index.bytes", "3"},
        {"segment.jitter.ms", "-1"},
        {"unclean.leader.election.enable", "1"},
        {"message.timestamp.type", "LogAppendTimeLogAppendTimeLogAppendTimeLogAppendTimeLogAppendTime!"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        CHECK_EQ_INT(create("t", 1, 1, refused[i], ID_A), KD_INVALID_CONFIG);
    close_topics(conn);
}

/* An assignment: num_partitions, replication_factor, then per partition its index
 * and brokers (count first); the core's answer, and *partitions from its output. */
static int32_t assignment(int32_t num_partitions, int16_t replication_factor, int n, const int32_t (*parts)[4],
                          int32_t *partitions)
{
    kbuf in = {0};
    kb_le(&in, (uint32_t)num_partitions, 4);
    kb_le(&in, (uint16_t)replication_factor, 2);
    kb_le(&in, (uint32_t)n, 4);
    for (int i = 0; i < n; i++) {
        kb_le(&in, (uint32_t)parts[i][0], 4);
        kb_le(&in, (uint32_t)parts[i][1], 4);
        for (int b = 0; b < parts[i][1]; b++)
            kb_le(&in, (uint32_t)parts[i][2 + b], 4);
    }
    int32_t rc = kd_topic_assignment_check(in.p, (uint32_t)in.len, 0);
    *partitions = rc == 0 && kd_out_len() == 4 ? (int32_t)rd_le(kd_out_ptr(), 4) : -99;
    kb_free(&in);
    return rc;
}

/* Kafka on one broker (node 0) takes assignments naming only that broker. */
static void test_replica_assignments(void)
{
    int32_t n;
    const int32_t three[][4] = {{0, 1, 0}, {2, 1, 0}, {1, 1, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 3, three, &n), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(assignment(3, -1, 3, three, &n), KD_INVALID_REQUEST);
    CHECK_EQ_INT(assignment(-1, 1, 3, three, &n), KD_INVALID_REQUEST);
    const int32_t other_broker[][4] = {{0, 1, 0}, {1, 1, 1}};
    CHECK_EQ_INT(assignment(-1, -1, 2, other_broker, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    const int32_t twice[][4] = {{0, 2, 0, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 1, twice, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    const int32_t none[][4] = {{0, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 1, none, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    const int32_t gap[][4] = {{0, 1, 0}, {2, 1, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 2, gap, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    const int32_t repeated[][4] = {{0, 1, 0}, {0, 1, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 2, repeated, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    const int32_t negative[][4] = {{-1, 1, 0}};
    CHECK_EQ_INT(assignment(-1, -1, 1, negative, &n), KD_INVALID_REPLICA_ASSIGNMENT);
    /* Malformed from the host: nothing, too short, trailing bytes. */
    CHECK_EQ_INT(kd_topic_assignment_check(NULL, 0, 0), KD_ERR_INVALID_ARG);
    const uint8_t short_in[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0};
    CHECK_EQ_INT(kd_topic_assignment_check(short_in, sizeof short_in, 0), KD_ERR_INVALID_ARG);
    const uint8_t trailing[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9};
    CHECK_EQ_INT(kd_topic_assignment_check(trailing, sizeof trailing, 0), KD_ERR_INVALID_ARG);
    const uint8_t empty[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    CHECK_EQ_INT(kd_topic_assignment_check(empty, sizeof empty, 0), KD_ERR_INVALID_ARG);
}

static void test_partitions_only_grow(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(create("orders", 3, 0, NULL, ID_A), 0);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"orders", 6, 6, 256), 0);
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 6);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"orders", 6, 6, 256), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"orders", 6, 2, 256), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"orders", 6, 300, 256), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"nope", 4, 9, 256), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"orders", 6), 0);
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 6);
    close_topics(conn);
}

/* A deletion marks the topic first; a half-finished one can be run again. */
static void test_delete_in_two_steps(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(create("orders", 3, 0, NULL, ID_A), 0);
    CHECK_EQ_INT(kd_topic_delete_begin(DB, (const uint8_t *)"orders", 6), 0);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_A, 16) == 0); /* the id that names its logs */
    CHECK_EQ_INT(kd_topic_describe(DB, (const uint8_t *)"orders", 6), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(kd_topic_create_partitions(DB, (const uint8_t *)"orders", 6, 5, 256), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(create("orders", 1, 0, NULL, ID_B), KD_TOPIC_ALREADY_EXISTS);
    CHECK_EQ_INT(kd_topic_list(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 0);
    CHECK_EQ_INT(kd_topic_delete_begin(DB, (const uint8_t *)"orders", 6), 0); /* again: still fine */
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), 0);
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(create("orders", 1, 0, NULL, ID_B), 0);
    close_topics(conn);
}

static int32_t ensure(const char *name, int32_t partitions, const uint8_t *id)
{
    kbuf in = {0};
    kb_str(&in, name);
    kb_le(&in, (uint32_t)partitions, 4);
    kb_le(&in, 0, 4);
    int32_t rc = kd_topic_ensure(DB, in.p, (uint32_t)in.len, id, 1700000000000, 256);
    kb_free(&in);
    return rc;
}

/* Auto-creation: an unknown name is created, a known one described as it is, and
 * a name being deleted is UNKNOWN_TOPIC_OR_PARTITION (the client retries it). */
static void test_ensure_topic(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(ensure("orders", 3, ID_A), 0);
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 3);
    CHECK_EQ_INT(ensure("orders", 5, ID_B), 0); /* exists: as it is */
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 3);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_A, 16) == 0);
    CHECK_EQ_INT(ensure("bad name", 1, ID_B), KD_INVALID_TOPIC_EXCEPTION);
    CHECK_EQ_INT(ensure("later", 0, ID_B), KD_INVALID_PARTITIONS);
    CHECK_EQ_INT(kd_topic_delete_begin(DB, (const uint8_t *)"orders", 6), 0);
    CHECK_EQ_INT(ensure("orders", 1, ID_B), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK(strstr(kd_error_message(), "being deleted") != NULL);
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), 0);
    CHECK_EQ_INT(ensure("orders", 1, ID_B), 0);
    CHECK(memcmp(kd_out_ptr() + 2 + 6, ID_B, 16) == 0);
    close_topics(conn);
}

/* ---- changing configs ---- */

/* One operation of an alteration: op, key, value (NULL: a null value). */
typedef struct {
    uint8_t op;
    const char *key, *value;
} alter_op;

static int32_t alter(const char *name, uint8_t mode, int nops, const alter_op *ops)
{
    kbuf in = {0};
    kb_str(&in, name);
    kb_le(&in, mode, 1);
    kb_le(&in, (uint32_t)nops, 4);
    for (int i = 0; i < nops; i++) {
        kb_le(&in, ops[i].op, 1);
        kb_str(&in, ops[i].key);
        kb_le(&in, ops[i].value == NULL, 1);
        kb_str(&in, ops[i].value ? ops[i].value : "");
    }
    int32_t rc = kd_topic_alter_configs(DB, in.p, (uint32_t)in.len);
    kb_free(&in);
    return rc;
}

/* The config's value and whether it is the default, from a fresh describe. */
static int described(const char *topic, const char *key, const char *value, int is_default)
{
    if (kd_topic_describe(DB, (const uint8_t *)topic, (uint32_t)strlen(topic)) != 0)
        return 0;
    char v[64];
    int def = -1;
    if (!config_value(kd_out_ptr(), key, v, sizeof v, &def))
        return 0;
    if (strcmp(v, value) != 0 || def != is_default) {
        fprintf(stderr, "  %s %s: \"%s\" default %d, not \"%s\" default %d\n", topic, key, v, def, value, is_default);
        return 0;
    }
    return 1;
}

/* AlterConfigs: the configs named become the whole set; the rest go back to defaults. */
static void test_alter_replaces_the_set(void)
{
    sqlite3 *conn = open_topics();
    const char *cfg[] = {"retention.ms", "86400000", "cleanup.policy", "compact"};
    CHECK_EQ_INT(create("orders", 3, 2, cfg, ID_A), 0);
    const alter_op ops[] = {{KD_CONFIG_SET, "retention.bytes", "1000"}, {KD_CONFIG_SET, "max.message.bytes", NULL}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_REPLACE, 2, ops), 0);
    char v[64];
    int def = -1;
    CHECK(config_value(kd_out_ptr(), "retention.bytes", v, sizeof v, &def) && strcmp(v, "1000") == 0 && !def);
    CHECK(described("orders", "retention.bytes", "1000", 0));
    CHECK(described("orders", "retention.ms", "604800000", 1)); /* not named: back to the default */
    CHECK(described("orders", "cleanup.policy", "delete", 1));
    CHECK(described("orders", "max.message.bytes", "1048588", 1)); /* a null value: the default */
    CHECK_EQ_INT(out_partitions(kd_out_ptr()), 3);
    /* Nothing named: every config returns to its default. */
    CHECK_EQ_INT(alter("orders", KD_ALTER_REPLACE, 0, NULL), 0);
    CHECK(described("orders", "retention.bytes", "-1", 1));
    /* A value equal to the default is still set on the topic. */
    const alter_op same[] = {{KD_CONFIG_SET, "retention.ms", "604800000"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_REPLACE, 1, same), 0);
    CHECK(described("orders", "retention.ms", "604800000", 0));
    /* AlterConfigs has no other operation: the host never sends one. */
    const alter_op del[] = {{KD_CONFIG_DELETE, "retention.ms", NULL}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_REPLACE, 1, del), KD_ERR_INVALID_ARG);
    close_topics(conn);
}

/* IncrementalAlterConfigs: SET and DELETE one config, the rest are kept. */
static void test_alter_incremental_set_delete(void)
{
    sqlite3 *conn = open_topics();
    const char *cfg[] = {"retention.ms", "86400000", "cleanup.policy", "compact"};
    CHECK_EQ_INT(create("orders", 1, 2, cfg, ID_A), 0);
    const alter_op ops[] = {{KD_CONFIG_SET, "retention.bytes", "5000"}, {KD_CONFIG_DELETE, "cleanup.policy", NULL}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 2, ops), 0);
    CHECK(described("orders", "retention.bytes", "5000", 0));
    CHECK(described("orders", "retention.ms", "86400000", 0)); /* not named: kept */
    CHECK(described("orders", "cleanup.policy", "delete", 1));
    /* DELETE of a config that is not set changes nothing, and takes any value. */
    const alter_op again[] = {{KD_CONFIG_DELETE, "cleanup.policy", "ignored"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, again), 0);
    CHECK(described("orders", "cleanup.policy", "delete", 1));
    CHECK(described("orders", "retention.bytes", "5000", 0));
    close_topics(conn);
}

/* APPEND and SUBTRACT work on cleanup.policy's list, from the default when unset. */
/* The rules between configs hold for alterations too: remote storage on a compacted
 * topic, or a local retention past the total, is refused and changes nothing. */
static void test_alter_keeps_the_rules_between_configs(void)
{
    sqlite3 *conn = open_topics();
    const char *cfg[] = {"cleanup.policy", "compact"};
    CHECK_EQ_INT(create("table", 1, 1, cfg, ID_A), 0);
    const alter_op remote[] = {{KD_CONFIG_SET, "remote.storage.enable", "true"}};
    CHECK_EQ_INT(alter("table", KD_ALTER_INCREMENTAL, 1, remote), KD_INVALID_CONFIG);
    CHECK(described("table", "remote.storage.enable", "false", 1));
    const alter_op local[] = {{KD_CONFIG_SET, "retention.ms", "1000"}, {KD_CONFIG_SET, "local.retention.ms", "5000"}};
    CHECK_EQ_INT(alter("table", KD_ALTER_INCREMENTAL, 2, local), KD_INVALID_CONFIG);
    CHECK(described("table", "retention.ms", "604800000", 1));
    close_topics(conn);
}

static void test_alter_incremental_lists(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(create("orders", 1, 0, NULL, ID_A), 0);
    const alter_op append[] = {{KD_CONFIG_APPEND, "cleanup.policy", "compact"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, append), 0);
    CHECK(described("orders", "cleanup.policy", "delete,compact", 0));
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, append), 0); /* already there: once */
    CHECK(described("orders", "cleanup.policy", "delete,compact", 0));
    const alter_op subtract[] = {{KD_CONFIG_SUBTRACT, "cleanup.policy", "delete"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, subtract), 0);
    CHECK(described("orders", "cleanup.policy", "compact", 0));
    const alter_op both[] = {{KD_CONFIG_APPEND, "cleanup.policy", "delete,compact"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, both), 0);
    CHECK(described("orders", "cleanup.policy", "compact,delete", 0));
    /* Nothing left is not a policy. */
    const alter_op all[] = {{KD_CONFIG_SUBTRACT, "cleanup.policy", "compact,delete"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, all), KD_INVALID_CONFIG);
    const alter_op junk[] = {{KD_CONFIG_APPEND, "cleanup.policy", "forever"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, junk), KD_INVALID_CONFIG);
    const alter_op empty_item[] = {{KD_CONFIG_APPEND, "cleanup.policy", "delete,"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, empty_item), KD_INVALID_CONFIG);
    /* Only list configs take APPEND and SUBTRACT (Kafka's INVALID_REQUEST). */
    const alter_op scalar[] = {{KD_CONFIG_APPEND, "retention.ms", "1000"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, scalar), KD_INVALID_REQUEST);
    CHECK(strstr(kd_error_message(), "append is not allowed for config key: retention.ms") != NULL);
    const alter_op scalar_sub[] = {{KD_CONFIG_SUBTRACT, "retention.bytes", "1"}};
    CHECK_EQ_INT(alter("orders", KD_ALTER_INCREMENTAL, 1, scalar_sub), KD_INVALID_REQUEST);
    CHECK(described("orders", "cleanup.policy", "compact,delete", 0));
    close_topics(conn);
}

/* Every refusal leaves the topic's configs as they were: all or nothing. */
static void test_alter_refusals_change_nothing(void)
{
    sqlite3 *conn = open_topics();
    const char *cfg[] = {"retention.ms", "86400000"};
    CHECK_EQ_INT(create("orders", 1, 1, cfg, ID_A), 0);
    static const struct {
        uint8_t mode;
        alter_op ops[2];
        int32_t code;
    } refused[] = {
        /* A valid change then an invalid one: neither is kept. */
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {KD_CONFIG_SET, "retention.ms", "soon"}},
         KD_INVALID_CONFIG},
        {KD_ALTER_REPLACE,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {KD_CONFIG_SET, "segment.bytes", "1"}},
         KD_INVALID_CONFIG},
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {KD_CONFIG_DELETE, "no.such.config", NULL}},
         KD_INVALID_CONFIG},
        {KD_ALTER_REPLACE,
         {{KD_CONFIG_SET, "max.message.bytes", "3000000"}, {KD_CONFIG_SET, "retention.ms", "1"}},
         KD_INVALID_CONFIG},
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.ms", "1"}, {KD_CONFIG_DELETE, "retention.ms", NULL}},
         KD_INVALID_REQUEST},
        {KD_ALTER_REPLACE,
         {{KD_CONFIG_SET, "retention.ms", "1"}, {KD_CONFIG_SET, "retention.ms", "2"}},
         KD_INVALID_REQUEST},
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {KD_CONFIG_SET, "retention.ms", NULL}},
         KD_INVALID_REQUEST},
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {KD_CONFIG_APPEND, "cleanup.policy", NULL}},
         KD_INVALID_REQUEST},
        {KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "10"}, {7, "retention.ms", "1"}},
         KD_INVALID_REQUEST},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int32_t rc = alter("orders", refused[i].mode, 2, refused[i].ops);
        if (rc != refused[i].code)
            fprintf(stderr, "  refusal %zu: rc %d (%s)\n", i, rc, kd_error_message());
        CHECK_EQ_INT(rc, refused[i].code);
        CHECK(kd_error_message()[0] != 0);
        CHECK(described("orders", "retention.ms", "86400000", 0));
        CHECK(described("orders", "retention.bytes", "-1", 1));
    }
    /* An unknown topic, one being deleted, a bad name. */
    const alter_op one[] = {{KD_CONFIG_SET, "retention.ms", "1"}};
    CHECK_EQ_INT(alter("nope", KD_ALTER_INCREMENTAL, 1, one), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(alter("bad name", KD_ALTER_INCREMENTAL, 1, one), KD_INVALID_TOPIC_EXCEPTION);
    CHECK_EQ_INT(create("going", 1, 0, NULL, ID_B), 0);
    CHECK_EQ_INT(kd_topic_delete_begin(DB, (const uint8_t *)"going", 5), 0);
    CHECK_EQ_INT(alter("going", KD_ALTER_INCREMENTAL, 1, one), KD_UNKNOWN_TOPIC_OR_PARTITION);
    /* Malformed input from the host: cut anywhere, a bad mode, bytes after the end. */
    kbuf in = {0};
    kb_str(&in, "orders");
    kb_le(&in, KD_ALTER_INCREMENTAL, 1);
    kb_le(&in, 1, 4);
    kb_le(&in, KD_CONFIG_SET, 1);
    kb_str(&in, "retention.ms");
    kb_le(&in, 0, 1);
    kb_str(&in, "1");
    for (size_t cut = 0; cut < in.len; cut++)
        CHECK_EQ_INT(kd_topic_alter_configs(DB, in.p, (uint32_t)cut), KD_ERR_INVALID_ARG);
    kb_le(&in, 0, 1);
    CHECK_EQ_INT(kd_topic_alter_configs(DB, in.p, (uint32_t)in.len), KD_ERR_INVALID_ARG);
    in.p[8] = 2; /* mode */
    CHECK_EQ_INT(kd_topic_alter_configs(DB, in.p, (uint32_t)in.len - 1), KD_ERR_INVALID_ARG);
    in.p[8] = KD_ALTER_INCREMENTAL;
    CHECK_EQ_INT(kd_topic_alter_configs(DB, in.p, (uint32_t)in.len - 1), 0);
    kb_free(&in);
    CHECK(described("orders", "retention.ms", "1", 0));
    close_topics(conn);
}

static void test_group_registry(void)
{
    sqlite3 *conn = open_topics();
    CHECK_EQ_INT(kd_groups_register(DB, (const uint8_t *)"g2", 2, 1), 0);
    CHECK_EQ_INT(kd_groups_register(DB, (const uint8_t *)"g1", 2, 1), 0);
    CHECK_EQ_INT(kd_groups_register(DB, (const uint8_t *)"g1", 2, 2), 0); /* idempotent */
    CHECK_EQ_INT(kd_groups_register(DB, (const uint8_t *)"", 0, 1), KD_INVALID_GROUP_ID);
    CHECK_EQ_INT(kd_groups_list(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 2);
    CHECK(memcmp(kd_out_ptr() + 6, "g1", 2) == 0);
    CHECK_EQ_INT(kd_groups_unregister(DB, (const uint8_t *)"g1", 2), 0);
    CHECK_EQ_INT(kd_groups_list(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    close_topics(conn);
}

/* Producer ids: from KD_FIRST_PRODUCER_ID, each handed out once, across reopens of
 * the database too; a refused call rolled back by the host hands out nothing. */
static int64_t next_producer_id(void)
{
    if (kd_producer_id_next(DB) != 0 || kd_out_len() != 8)
        return -1;
    return (int64_t)rd_le(kd_out_ptr(), 8);
}

static void test_producer_ids(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/kafdo-test-topics-%d.db", (int)getpid());
    unlink(path);
    sqlite3 *conn;
    CHECK_EQ_INT(sqlite3_open(path, &conn), SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_topics_open(DB), 0);
    for (int64_t i = 0; i < 100; i++)
        CHECK_EQ_INT(next_producer_id(), KD_FIRST_PRODUCER_ID + i);
    kd_native_detach(DB);
    sqlite3_close(conn);

    CHECK_EQ_INT(sqlite3_open(path, &conn), SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_topics_open(DB), 0); /* opening again does not reset the counter */
    CHECK_EQ_INT(next_producer_id(), KD_FIRST_PRODUCER_ID + 100);
    /* Topics come and go without touching it. */
    CHECK_EQ_INT(create("orders", 1, 0, NULL, ID_A), 0);
    CHECK_EQ_INT(kd_topic_delete(DB, (const uint8_t *)"orders", 6), 0);
    CHECK_EQ_INT(next_producer_id(), KD_FIRST_PRODUCER_ID + 101);
    /* A counter that is not what the core wrote is a storage error. */
    CHECK_EQ_INT(sqlite3_exec(conn, "UPDATE producer_ids SET next_id = -3", NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ_INT(kd_producer_id_next(DB), KD_ERR_STORAGE);
    kd_native_detach(DB);
    sqlite3_close(conn);
    unlink(path);
}

int main(void)
{
    RUN(test_names);
    RUN(test_create_describe_list_delete);
    RUN(test_refusals_write_nothing);
    RUN(test_kafka_topic_configs);
    RUN(test_replica_assignments);
    RUN(test_partitions_only_grow);
    RUN(test_delete_in_two_steps);
    RUN(test_ensure_topic);
    RUN(test_alter_replaces_the_set);
    RUN(test_alter_incremental_set_delete);
    RUN(test_alter_incremental_lists);
    RUN(test_alter_keeps_the_rules_between_configs);
    RUN(test_alter_refusals_change_nothing);
    RUN(test_tiered_storage_configs);
    RUN(test_group_registry);
    RUN(test_producer_ids);
    kd_release_scratch();
    return CHECK_SUMMARY();
}
