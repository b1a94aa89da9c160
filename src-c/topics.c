/*
 * topics.c — the cluster's topics: names, ids, partition counts and configs,
 * with Kafka's rules, stored through the storage door (ClusterMetadataDO's
 * SQLite in the Worker).
 *
 * Kafka's rules enforced here:
 *   - a name is 1-249 characters of [a-zA-Z0-9._-], and not "." or ".."
 *     (INVALID_TOPIC_EXCEPTION);
 *   - partitions are 1..max_partitions (the host's limit, 256 by default), and
 *     a topic's count only grows (INVALID_PARTITIONS);
 *   - a name is taken once (TOPIC_ALREADY_EXISTS);
 *   - configs are Kafka 3.x's topic configs (CONFIGS below), each validated as
 *     Kafka does; any other name is INVALID_CONFIG, as Kafka refuses unknown
 *     topic configs.
 * The topic id is 16 bytes the host draws at random (the core never does I/O);
 * partition logs are addressed by it, so a topic deleted and created again
 * starts from empty logs.
 *
 * The same storage (ClusterMetadataDO's) holds the registry of consumer groups
 * (group_registry.c) and the producer id counter (producer_ids.c); kd_topics_open
 * creates all three.
 *
 * Byte formats (little-endian; a "str" is u16 length + bytes):
 *   create input:  str name, i32 partitions, u32 config_count, (str key, str value)*
 *   topic output:  str name, u8 id[16], i32 partitions, i64 created_at_ms,
 *                  u32 config_count, (str key, str value, u8 is_default)*
 *                  — every known config, with its default when unset.
 *   list output:   u32 count, then count topic outputs, by name.
 *   alter input:   str name, u8 mode (0 AlterConfigs, 1 IncrementalAlterConfigs),
 *                  u32 op_count, (u8 op, str key, u8 value_is_null, str value)*
 *                  — op as Kafka's: SET 0, DELETE 1, APPEND 2, SUBTRACT 3;
 *                  AlterConfigs sends SET only (a null value: back to default).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql.h"

#define KD_STRINGIFY_(x) #x
#define KD_STRINGIFY(x) KD_STRINGIFY_(x)

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS topics ("
    " name TEXT PRIMARY KEY,"
    " topic_id BLOB NOT NULL,"
    " partitions INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL)",
    /* Topics being deleted: their partition logs are being retired. */
    "CREATE TABLE IF NOT EXISTS topics_deleting (name TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS topic_configs ("
    " name TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (name, key))",
};

typedef enum {
    CONFIG_LONG,
    CONFIG_INT,
    CONFIG_CLEANUP_POLICY,
    CONFIG_RATIO,
    CONFIG_BOOL,
    CONFIG_COMPRESSION,    /* compression.type */
    CONFIG_TIMESTAMP_TYPE, /* message.timestamp.type */
    CONFIG_THROTTLED,      /* *.replication.throttled.replicas */
    CONFIG_FORMAT_VERSION, /* message.format.version */
} config_kind;

typedef struct {
    const char *key;
    const char *default_value;
    config_kind kind;
    int64_t min;
} config_def;

/* Kafka 3.x's topic configs (TopicConfig / LogConfig): names, defaults, lower bounds,
 * in name order. Each is validated as Kafka validates it, stored, and reported by
 * DescribeConfigs. The log enforces those that mean something for a partition here
 * (log.c, log_config.c, retention.c, compaction.c, tiering.c); segment.* bound the
 * part of the log compaction leaves alone (Kafka's active segment), since Kafdo
 * stores batches, not segment files. The others (flush.*, index and preallocation
 * sizes, replication and throttling, down-conversion) concern files and replicas
 * that Durable Object storage has no counterpart of: accepted, kept, reported. */
static const config_def CONFIGS[] = {
    {"cleanup.policy", "delete", CONFIG_CLEANUP_POLICY, 0},
    {"compression.type", "producer", CONFIG_COMPRESSION, 0},
    {"delete.retention.ms", "86400000", CONFIG_LONG, 0},
    {"file.delete.delay.ms", "60000", CONFIG_LONG, 0},
    {"flush.messages", "9223372036854775807", CONFIG_LONG, 1},
    {"flush.ms", "9223372036854775807", CONFIG_LONG, 0},
    {"follower.replication.throttled.replicas", "", CONFIG_THROTTLED, 0},
    {"index.interval.bytes", "4096", CONFIG_INT, 0},
    {"leader.replication.throttled.replicas", "", CONFIG_THROTTLED, 0},
    /* Tiered storage (tiering.c); -2: retention.bytes / retention.ms. */
    {"local.retention.bytes", "-2", CONFIG_LONG, -2},
    {"local.retention.ms", "-2", CONFIG_LONG, -2},
    {"max.compaction.lag.ms", "9223372036854775807", CONFIG_LONG, 1},
    {"max.message.bytes", KD_STRINGIFY(KD_DEFAULT_MAX_MESSAGE_BYTES), CONFIG_INT, 0},
    {"message.downconversion.enable", "true", CONFIG_BOOL, 0},
    {"message.format.version", "3.0-IV1", CONFIG_FORMAT_VERSION, 0},
    /* Kafka 3.6 (KIP-937): the two sides of message.timestamp.difference.max.ms. */
    {"message.timestamp.after.max.ms", "9223372036854775807", CONFIG_LONG, 0},
    {"message.timestamp.before.max.ms", "9223372036854775807", CONFIG_LONG, 0},
    {"message.timestamp.difference.max.ms", "9223372036854775807", CONFIG_LONG, 0},
    {"message.timestamp.type", "CreateTime", CONFIG_TIMESTAMP_TYPE, 0},
    {"min.cleanable.dirty.ratio", "0.5", CONFIG_RATIO, 0},
    {"min.compaction.lag.ms", "0", CONFIG_LONG, 0},
    {"min.insync.replicas", "1", CONFIG_INT, 1},
    {"preallocate", "false", CONFIG_BOOL, 0},
    {"remote.storage.enable", "false", CONFIG_BOOL, 0},
    {"retention.bytes", "-1", CONFIG_LONG, -1},
    {"retention.ms", "604800000", CONFIG_LONG, -1},
    {"segment.bytes", "1073741824", CONFIG_INT, 14},
    {"segment.index.bytes", "10485760", CONFIG_INT, 4},
    {"segment.jitter.ms", "0", CONFIG_LONG, 0},
    {"segment.ms", "604800000", CONFIG_LONG, 1},
    {"unclean.leader.election.enable", "false", CONFIG_BOOL, 0},
};
#define CONFIG_COUNT (sizeof CONFIGS / sizeof CONFIGS[0])

/* The cluster's storage: its topics, and beside them the registry of groups
 * (group_registry.c) and the producer id counter (producer_ids.c). */
int32_t kd_topics_open(uint32_t db)
{
    kd_scratch_reset();
    int32_t rc = kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
    if (!rc)
        rc = kd_group_registry_open(db);
    if (!rc)
        rc = kd_producer_ids_open(db);
    return rc ? rc : kd_txn_registry_open(db);
}

int32_t kd_topic_name_check(const uint8_t *name, uint32_t len)
{
    kd_scratch_reset();
    return kd_check_topic_name(name, len);
}

int32_t kd_check_topic_name(const uint8_t *name, uint32_t len)
{
    if (len == 0 || len > 249)
        return kd_fail(KD_INVALID_TOPIC_EXCEPTION, "topic name must be 1 to 249 characters, not %u", (unsigned)len);
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return kd_fail(KD_INVALID_TOPIC_EXCEPTION, "topic name cannot be \".\" or \"..\"");
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                 c == '-';
        if (!ok)
            return kd_fail(KD_INVALID_TOPIC_EXCEPTION,
                           "topic name may hold only ASCII letters, digits, '.', '_' and '-'");
    }
    return 0;
}

/* ---- replica assignments ---- */

int32_t kd_topic_assignment_check(const uint8_t *in, uint32_t len, int32_t node_id)
{
    kd_scratch_reset();
    kd_le_reader r = {in, len, 0};
    int32_t num_partitions;
    int16_t replication_factor;
    uint32_t partitions;
    if (!kd_le_i32(&r, &num_partitions) || !kd_le_i16(&r, &replication_factor) || !kd_le_u32(&r, &partitions) ||
        partitions > len / 8)
        return kd_fail(KD_ERR_INVALID_ARG, "a replica assignment is malformed");
    if (partitions == 0)
        return kd_fail(KD_ERR_INVALID_ARG, "a replica assignment names no partitions");
    if (num_partitions != -1 || replication_factor != -1)
        return kd_fail(KD_INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set. "
                                           "Both cannot be used at the same time.");
    /* Which partition indexes were seen: one bit each, for 0..partitions-1. */
    uint8_t *seen = calloc((partitions + 7) / 8, 1);
    if (!seen)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t rc = 0;
    uint32_t replicas = 0;
    for (uint32_t i = 0; i < partitions && !rc; i++) {
        int32_t index;
        uint32_t brokers;
        if (!kd_le_i32(&r, &index) || !kd_le_u32(&r, &brokers) || brokers > (r.len - r.pos) / 4) {
            rc = kd_fail(KD_ERR_INVALID_ARG, "a replica assignment is malformed");
            break;
        }
        if (index < 0 || (uint32_t)index >= partitions || (seen[index / 8] & (1u << (index % 8))))
            rc = kd_fail(KD_INVALID_REPLICA_ASSIGNMENT,
                         "partitions should be a consecutive 0-based integer sequence, each named once");
        else if (brokers == 0)
            rc = kd_fail(KD_INVALID_REPLICA_ASSIGNMENT, "partition %d is assigned no broker", (int)index);
        else if (i > 0 && brokers != replicas)
            rc = kd_fail(KD_INVALID_REPLICA_ASSIGNMENT, "All partitions should have the same number of replicas");
        if (rc)
            break;
        seen[index / 8] |= (uint8_t)(1u << (index % 8));
        replicas = brokers;
        /* One broker exists, so a list of more than one names it twice or names another. */
        for (uint32_t b = 0; b < brokers && !rc; b++) {
            int32_t broker;
            kd_le_i32(&r, &broker);
            if (broker != node_id)
                rc = kd_fail(KD_INVALID_REPLICA_ASSIGNMENT,
                             "broker %d of partition %d's assignment does not exist: "
                             "the cluster's one broker is %d",
                             (int)broker, (int)index, (int)node_id);
            else if (b > 0)
                rc = kd_fail(KD_INVALID_REPLICA_ASSIGNMENT,
                             "Duplicate brokers not allowed in replica assignment: "
                             "partition %d names broker %d twice",
                             (int)index, (int)broker);
        }
    }
    free(seen);
    if (!rc && r.pos != r.len)
        rc = kd_fail(KD_ERR_INVALID_ARG, "%zu bytes follow a replica assignment", r.len - r.pos);
    if (rc)
        return rc;
    return kd_out_i32((int32_t)partitions) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* ---- configs ---- */

static const config_def *find_config(const uint8_t *key, size_t len)
{
    for (size_t i = 0; i < CONFIG_COUNT; i++)
        if (strlen(CONFIGS[i].key) == len && memcmp(CONFIGS[i].key, key, len) == 0)
            return &CONFIGS[i];
    return NULL;
}

/* Parses a decimal integer that must use all of s[0..len). */
static bool parse_i64(const uint8_t *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool negative = len > 0 && s[0] == '-';
    if (negative)
        i++;
    if (i == len || len > 20)
        return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (v > (uint64_t)INT64_MAX + (negative ? 1u : 0u))
        return false;
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool equals(const uint8_t *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static const char *const COMPRESSION_TYPES[] = {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"};

/* Kafka's ThrottledReplicaListValidator: empty, "*", or partition:broker pairs of
 * integers separated by commas (spaces around them allowed). */
static bool throttled_replicas_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    if (i == len || (len - i == 1 && s[i] == '*'))
        return true;
    for (;;) {
        size_t digits = 0;
        while (i < len && s[i] == ' ')
            i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
        if (!digits || i == len || s[i++] != ':')
            return false;
        for (digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
        while (i < len && s[i] == ' ')
            i++;
        if (!digits)
            return false;
        if (i == len)
            return true;
        if (s[i++] != ',')
            return false;
    }
}

/* message.format.version (deprecated since Kafka 3.0, ignored from then on): a
 * version Kafka knows, "0.8.0" to "3.x", optionally with an -IVn suffix. */
static bool format_version_valid(const uint8_t *s, size_t len)
{
    size_t i = 0, parts = 0;
    while (i < len) {
        size_t digits = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
        if (!digits)
            return false;
        parts++;
        if (i < len && s[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (parts < 2 || parts > 3 || !(s[0] >= '0' && s[0] <= '3'))
        return false;
    if (i == len)
        return true;
    if (len - i < 4 || s[i] != '-' || s[i + 1] != 'I' || s[i + 2] != 'V')
        return false;
    for (i += 3; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int32_t check_config(const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    const config_def *def = find_config(key, key_len);
    if (!def)
        return kd_fail(KD_INVALID_CONFIG, "unknown topic config \"%.*s\"", (int)(key_len > 64 ? 64 : key_len),
                       (const char *)key);
    /* Stored values have room for 64 bytes (config_set, out_topic); a throttled
     * replica list is the only kind that could want more. */
    if (value_len > 64)
        return kd_fail(KD_INVALID_CONFIG, "%s is longer than Kafdo keeps (64 characters)", def->key);
    int64_t v;
    switch (def->kind) {
    case CONFIG_CLEANUP_POLICY:
        if (equals(value, value_len, "delete") || equals(value, value_len, "compact") ||
            equals(value, value_len, "delete,compact") || equals(value, value_len, "compact,delete"))
            return 0;
        return kd_fail(KD_INVALID_CONFIG, "cleanup.policy must be delete, compact or both");
    case CONFIG_INT:
        if (!parse_i64(value, value_len, &v) || v < def->min || v > INT32_MAX)
            return kd_fail(KD_INVALID_CONFIG, "%s must be an integer from %lld to %d", def->key, (long long)def->min,
                           INT32_MAX);
        if (equals(key, key_len, "max.message.bytes") && v > KD_MAX_STORED_BATCH_BYTES)
            return kd_fail(KD_INVALID_CONFIG, "max.message.bytes is at most %d: a Durable Object SQLite row holds 2 MB",
                           KD_MAX_STORED_BATCH_BYTES);
        return 0;
    case CONFIG_BOOL:
        if (equals(value, value_len, "true") || equals(value, value_len, "false"))
            return 0;
        return kd_fail(KD_INVALID_CONFIG, "%s must be true or false", def->key);
    case CONFIG_RATIO:
        if (kd_parse_ratio(value, value_len) < 0)
            return kd_fail(KD_INVALID_CONFIG, "%s must be a number from 0 to 1", def->key);
        return 0;
    case CONFIG_COMPRESSION:
        for (size_t i = 0; i < sizeof COMPRESSION_TYPES / sizeof COMPRESSION_TYPES[0]; i++)
            if (equals(value, value_len, COMPRESSION_TYPES[i]))
                return 0;
        return kd_fail(KD_INVALID_CONFIG, "compression.type must be uncompressed, zstd, lz4, snappy, gzip or producer");
    case CONFIG_TIMESTAMP_TYPE:
        if (equals(value, value_len, "CreateTime") || equals(value, value_len, "LogAppendTime"))
            return 0;
        return kd_fail(KD_INVALID_CONFIG, "message.timestamp.type must be CreateTime or LogAppendTime");
    case CONFIG_THROTTLED:
        if (throttled_replicas_valid(value, value_len))
            return 0;
        return kd_fail(KD_INVALID_CONFIG,
                       "%s must be empty, * or a list of partition:broker pairs (integers), comma separated", def->key);
    case CONFIG_FORMAT_VERSION:
        if (format_version_valid(value, value_len))
            return 0;
        return kd_fail(KD_INVALID_CONFIG, "message.format.version must be a Kafka version such as 2.8 or 3.0-IV1");
    case CONFIG_LONG:
        if (!parse_i64(value, value_len, &v) || v < def->min)
            return kd_fail(KD_INVALID_CONFIG, "%s must be an integer of at least %lld", def->key, (long long)def->min);
        return 0;
    }
    return kd_fail(KD_INVALID_CONFIG, "config kind unknown");
}

/*
 * Kafka's rules between configs of one topic (each value already checked alone):
 * remote storage is refused on a compacted topic, and a local retention that is not
 * -2 (the total's) is at most the total retention, and not unlimited (-1) when the
 * total is limited.
 */
static int32_t check_config_set(const uint8_t *in, size_t at, size_t end, uint32_t count)
{
    kd_le_reader r = {in, end, at};
    bool remote = false, compact = false;
    int64_t retention_ms = 604800000LL, retention_bytes = -1, local_ms = -2, local_bytes = -2;
    for (uint32_t i = 0; i < count; i++) {
        kd_str key, value;
        kd_le_str(&r, &key);
        kd_le_str(&r, &value);
        int64_t *number = equals(key.p, key.len, "retention.ms")            ? &retention_ms
                          : equals(key.p, key.len, "retention.bytes")       ? &retention_bytes
                          : equals(key.p, key.len, "local.retention.ms")    ? &local_ms
                          : equals(key.p, key.len, "local.retention.bytes") ? &local_bytes
                                                                            : NULL;
        if (number)
            parse_i64(value.p, value.len, number);
        if (equals(key.p, key.len, "remote.storage.enable"))
            remote = equals(value.p, value.len, "true");
        if (equals(key.p, key.len, "cleanup.policy"))
            compact = !equals(value.p, value.len, "delete"); /* check_config allowed four values */
    }
    if (remote && compact)
        return kd_fail(KD_INVALID_CONFIG, "remote.storage.enable=true is not supported with cleanup.policy=compact");
    const struct {
        const char *local, *total;
        int64_t local_value, total_value;
    } pairs[] = {{"local.retention.ms", "retention.ms", local_ms, retention_ms},
                 {"local.retention.bytes", "retention.bytes", local_bytes, retention_bytes}};
    for (size_t i = 0; i < 2; i++) {
        int64_t local = pairs[i].local_value, total = pairs[i].total_value;
        if (local == -2 || total == -1)
            continue;
        if (local == -1 || local > total)
            return kd_fail(KD_INVALID_CONFIG, "%s (%lld) must be at most %s (%lld)", pairs[i].local, (long long)local,
                           pairs[i].total, (long long)total);
    }
    return 0;
}

/* ---- output ---- */

static int32_t bind_name(int32_t stmt, const uint8_t *name, uint32_t len)
{
    return kd_host_bind_text(stmt, 1, (const char *)name, len) < 0
               ? kd_fail(KD_ERR_STORAGE, "storage refused a topic name")
               : 0;
}

/* Copies a TEXT column into a small buffer; false when it does not fit. */
static bool column_text(int32_t stmt, uint32_t col, uint8_t *buf, size_t cap, size_t *len)
{
    int32_t n = kd_host_column_bytes(stmt, col);
    if (n < 0 || (size_t)n > cap)
        return false;
    *len = (size_t)kd_host_column_copy(stmt, col, buf, (uint32_t)n);
    return true;
}

/* Writes the topic output for `name`, or fails with UNKNOWN_TOPIC_OR_PARTITION — also
 * for a topic being deleted, unless `deleting_too`. */
static int32_t out_topic(uint32_t db, const uint8_t *name, uint32_t name_len, bool deleting_too)
{
    int32_t stmt =
        kd_sql_prepare(db, deleting_too ? "SELECT topic_id, partitions, created_at FROM topics WHERE name = ?1"
                                        : "SELECT topic_id, partitions, created_at FROM topics WHERE name = ?1"
                                          " AND name NOT IN (SELECT name FROM topics_deleting)");
    if (stmt < 0)
        return stmt;
    int32_t rc = bind_name(stmt, name, name_len);
    if (!rc)
        rc = kd_sql_step(stmt, "reading a topic");
    if (rc == 0) {
        kd_host_finalize(stmt);
        return kd_fail(KD_UNKNOWN_TOPIC_OR_PARTITION, "topic \"%.*s\" does not exist", (int)name_len,
                       (const char *)name);
    }
    if (rc < 0) {
        kd_host_finalize(stmt);
        return rc;
    }
    uint8_t id[16] = {0};
    size_t id_len;
    bool ok = column_text(stmt, 0, id, sizeof id, &id_len) && id_len == 16;
    int64_t partitions = kd_host_column_int64(stmt, 1), created_at = kd_host_column_int64(stmt, 2);
    kd_host_finalize(stmt);
    if (!ok)
        return kd_fail(KD_ERR_STORAGE, "a stored topic id is not 16 bytes");
    if (!kd_out_str(name, name_len) || !kd_out_append(id, 16) || !kd_out_i32((int32_t)partitions) ||
        !kd_out_i64(created_at) || !kd_out_u32(CONFIG_COUNT))
        return kd_fail(KD_ERR_NOMEM, "out of memory");

    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        stmt = kd_sql_prepare(db, "SELECT value FROM topic_configs WHERE name = ?1 AND key = ?2");
        if (stmt < 0)
            return stmt;
        rc = bind_name(stmt, name, name_len);
        if (!rc && kd_host_bind_text(stmt, 2, CONFIGS[i].key, (uint32_t)strlen(CONFIGS[i].key)) < 0)
            rc = kd_fail(KD_ERR_STORAGE, "storage refused a config key");
        if (!rc)
            rc = kd_sql_step(stmt, "reading a topic config");
        uint8_t value[64];
        size_t value_len = 0;
        bool is_default = rc != 1;
        if (rc == 1 && !column_text(stmt, 0, value, sizeof value, &value_len))
            rc = kd_fail(KD_ERR_STORAGE, "a stored config value is too long");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
        const uint8_t *v = is_default ? (const uint8_t *)CONFIGS[i].default_value : value;
        size_t vlen = is_default ? strlen(CONFIGS[i].default_value) : value_len;
        if (!kd_out_str((const uint8_t *)CONFIGS[i].key, strlen(CONFIGS[i].key)) || !kd_out_str(v, vlen) ||
            !kd_out_u8(is_default))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return 0;
}

int32_t kd_topic_describe(uint32_t db, const uint8_t *name, uint32_t name_len)
{
    kd_scratch_reset();
    int32_t rc = kd_check_topic_name(name, name_len);
    return rc ? rc : out_topic(db, name, name_len, false);
}

int32_t kd_topic_list(uint32_t db)
{
    kd_scratch_reset();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(
        db, "SELECT name FROM topics WHERE name NOT IN (SELECT name FROM topics_deleting) ORDER BY name");
    if (stmt < 0)
        return stmt;
    /* Names first (the statement must be done before out_topic runs its own). */
    size_t names_cap = 16, count = 0;
    struct {
        uint8_t name[249];
        size_t len;
    } *names = malloc(names_cap * sizeof *names);
    int32_t rc = names ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
    while (!rc && (rc = kd_sql_step(stmt, "listing topics")) == 1) {
        if (count == names_cap) {
            void *grown = realloc(names, 2 * names_cap * sizeof *names);
            if (!grown) {
                rc = kd_fail(KD_ERR_NOMEM, "out of memory");
                break;
            }
            names = grown;
            names_cap *= 2;
        }
        if (!column_text(stmt, 0, names[count].name, sizeof names[count].name, &names[count].len)) {
            rc = kd_fail(KD_ERR_STORAGE, "a stored topic name is too long");
            break;
        }
        count++;
        rc = 0;
    }
    kd_host_finalize(stmt);
    for (size_t i = 0; !rc && i < count; i++)
        rc = out_topic(db, names[i].name, (uint32_t)names[i].len, false);
    free(names);
    if (rc)
        return rc;
    kd_out_patch_u32(0, (uint32_t)count);
    return 0;
}

/* Runs one statement binding the topic's name (?1) and, when given, an integer (?2). */
static int32_t exec_named(uint32_t db, const char *sql, const uint8_t *name, uint32_t len, const int64_t *v)
{
    kd_str n = {name, (uint16_t)len}; /* a checked topic name: at most 249 bytes */
    return kd_sql_exec(v ? kd_sql_prepare_args(db, sql, "si", &n, *v) : kd_sql_prepare_args(db, sql, "s", &n));
}

int32_t kd_topic_create(uint32_t db, const uint8_t *in, uint32_t in_len, const uint8_t *topic_id, int64_t now_ms,
                        int32_t max_partitions)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str name;
    int32_t partitions;
    uint32_t config_count;
    if (!kd_le_str(&r, &name) || !kd_le_i32(&r, &partitions) || !kd_le_u32(&r, &config_count) ||
        config_count > in_len / 4)
        return kd_fail(KD_ERR_INVALID_ARG, "topic creation input is malformed");
    int32_t rc = kd_check_topic_name(name.p, name.len);
    if (rc)
        return rc;
    if (partitions < 1 || partitions > max_partitions)
        return kd_fail(KD_INVALID_PARTITIONS, "partitions must be 1 to %d, not %d", (int)max_partitions,
                       (int)partitions);
    /* Validate every config before writing anything. */
    size_t configs_at = r.pos;
    for (uint32_t i = 0; i < config_count; i++) {
        kd_str key, value;
        if (!kd_le_str(&r, &key) || !kd_le_str(&r, &value))
            return kd_fail(KD_ERR_INVALID_ARG, "config %u is malformed", (unsigned)i);
        if ((rc = check_config(key.p, key.len, value.p, value.len)) != 0)
            return rc;
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the topic's configs");
    if ((rc = check_config_set(in, configs_at, in_len, config_count)) != 0)
        return rc;

    int32_t stmt = kd_sql_prepare(db, "SELECT 1 FROM topics WHERE name = ?1");
    if (stmt < 0)
        return stmt;
    rc = bind_name(stmt, name.p, name.len);
    if (!rc)
        rc = kd_sql_step(stmt, "looking a topic up");
    kd_host_finalize(stmt);
    if (rc == 1)
        return kd_fail(KD_TOPIC_ALREADY_EXISTS, "topic \"%.*s\" already exists (or is still being deleted)",
                       (int)name.len, (const char *)name.p);
    if (rc < 0)
        return rc;
    /* Kafka refuses names that differ only in '.' and '_': they collide in metric names. */
    stmt = kd_sql_prepare(db, "SELECT 1 FROM topics WHERE replace(name, '.', '_') = replace(?1, '.', '_')");
    if (stmt < 0)
        return stmt;
    rc = bind_name(stmt, name.p, name.len);
    if (!rc)
        rc = kd_sql_step(stmt, "looking for colliding topics");
    kd_host_finalize(stmt);
    if (rc == 1)
        return kd_fail(KD_INVALID_TOPIC_EXCEPTION,
                       "topic \"%.*s\" collides with an existing topic that differs only in '.' and '_'", (int)name.len,
                       (const char *)name.p);
    if (rc < 0)
        return rc;

    stmt = kd_sql_prepare(db, "INSERT INTO topics (name, topic_id, partitions, created_at) VALUES (?1, ?2, ?3, ?4)");
    if (stmt < 0)
        return stmt;
    rc = bind_name(stmt, name.p, name.len);
    if (!rc)
        rc = kd_sql_bind_blob(stmt, 2, topic_id, 16);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 3, partitions);
    if (!rc)
        rc = kd_sql_bind_i64(stmt, 4, now_ms);
    if (!rc)
        rc = kd_sql_step(stmt, "creating a topic");
    kd_host_finalize(stmt);
    if (rc < 0)
        return rc;

    r.pos = configs_at;
    for (uint32_t i = 0; i < config_count; i++) {
        kd_str key, value;
        kd_le_str(&r, &key);
        kd_le_str(&r, &value);
        stmt = kd_sql_prepare(db, "INSERT OR REPLACE INTO topic_configs (name, key, value) VALUES (?1, ?2, ?3)");
        if (stmt < 0)
            return stmt;
        rc = bind_name(stmt, name.p, name.len);
        if (!rc && (kd_host_bind_text(stmt, 2, (const char *)key.p, key.len) < 0 ||
                    kd_host_bind_text(stmt, 3, (const char *)value.p, value.len) < 0))
            rc = kd_fail(KD_ERR_STORAGE, "storage refused a config");
        if (!rc)
            rc = kd_sql_step(stmt, "storing a topic config");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
    }
    return out_topic(db, name.p, name.len, false);
}

/*
 * Auto-creation (Metadata and Produce naming a topic that does not exist): the
 * topic when it exists, else created as kd_topic_create would. A name that is
 * still being deleted is UNKNOWN_TOPIC_OR_PARTITION, not TOPIC_ALREADY_EXISTS: the
 * client retries an unknown topic, and finds the name free once the deletion ends.
 */
int32_t kd_topic_ensure(uint32_t db, const uint8_t *in, uint32_t in_len, const uint8_t *topic_id, int64_t now_ms,
                        int32_t max_partitions)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str name;
    if (!kd_le_str(&r, &name))
        return kd_fail(KD_ERR_INVALID_ARG, "topic creation input is malformed");
    int32_t rc = kd_topic_describe(db, name.p, name.len);
    if (rc != KD_UNKNOWN_TOPIC_OR_PARTITION)
        return rc;
    rc = kd_topic_create(db, in, in_len, topic_id, now_ms, max_partitions);
    if (rc == KD_TOPIC_ALREADY_EXISTS)
        return kd_fail(KD_UNKNOWN_TOPIC_OR_PARTITION, "topic \"%.*s\" is being deleted", (int)name.len,
                       (const char *)name.p);
    return rc;
}

/*
 * Deleting a topic takes two steps, so that its partition logs can be retired in
 * between with the topic unreachable: kd_topic_delete_begin marks it (describe,
 * list and growth no longer see it; creating the name again is refused until the
 * deletion ends), kd_topic_delete removes it. Both can be repeated: a deletion
 * that failed half-way is finished by running it again.
 */
int32_t kd_topic_delete_begin(uint32_t db, const uint8_t *name, uint32_t name_len)
{
    kd_scratch_reset();
    int32_t rc = kd_check_topic_name(name, name_len);
    if (rc || (rc = out_topic(db, name, name_len, true)) != 0)
        return rc;
    return exec_named(db, "INSERT OR IGNORE INTO topics_deleting (name) VALUES (?1)", name, name_len, NULL);
}

int32_t kd_topic_delete(uint32_t db, const uint8_t *name, uint32_t name_len)
{
    kd_scratch_reset();
    int32_t rc = kd_check_topic_name(name, name_len);
    if (rc || (rc = out_topic(db, name, name_len, true)) != 0)
        return rc;
    if ((rc = exec_named(db, "DELETE FROM topic_configs WHERE name = ?1", name, name_len, NULL)) != 0 ||
        (rc = exec_named(db, "DELETE FROM topics_deleting WHERE name = ?1", name, name_len, NULL)) != 0)
        return rc;
    return exec_named(db, "DELETE FROM topics WHERE name = ?1", name, name_len, NULL);
}

int32_t kd_topic_create_partitions(uint32_t db, const uint8_t *name, uint32_t name_len, int32_t count,
                                   int32_t max_partitions)
{
    kd_scratch_reset();
    int32_t rc = kd_check_topic_name(name, name_len);
    if (rc || (rc = out_topic(db, name, name_len, false)) != 0)
        return rc;
    /* The current count sits right after the name and id in the output. */
    kd_le_reader r = {kd_out_ptr(), kd_out_len(), 2u + name_len + 16u};
    int32_t current;
    kd_le_i32(&r, &current);
    if (count <= current)
        return kd_fail(KD_INVALID_PARTITIONS,
                       "topic \"%.*s\" has %d partitions; the count can only grow, not become %d", (int)name_len,
                       (const char *)name, (int)current, (int)count);
    if (count > max_partitions)
        return kd_fail(KD_INVALID_PARTITIONS, "partitions must be at most %d, not %d", (int)max_partitions, (int)count);
    int64_t v = count;
    if ((rc = exec_named(db, "UPDATE topics SET partitions = ?2 WHERE name = ?1", name, name_len, &v)) != 0)
        return rc;
    kd_scratch_reset();
    return out_topic(db, name, name_len, false);
}

/*
 * ---- changing a topic's configs while it lives ----
 *
 * AlterConfigs names the topic's whole set: a config it does not name returns to
 * its default. IncrementalAlterConfigs changes only the configs it names: SET,
 * DELETE (back to the default), and for list configs (cleanup.policy) APPEND and
 * SUBTRACT items of the current list (the default's when unset). Each value is
 * validated as at creation, and nothing is written unless every operation on the
 * topic is valid. A config set to its default value is still set (Kafka's
 * DYNAMIC_TOPIC_CONFIG), as a config named at creation is.
 */

/* The configs being built: per entry of CONFIGS, set or not, and the value. */
typedef struct {
    bool set[CONFIG_COUNT];
    uint8_t value[CONFIG_COUNT][64];
    size_t value_len[CONFIG_COUNT];
    bool named[CONFIG_COUNT]; /* by an operation already: a second one is refused */
} config_set;

/* cleanup.policy as a list of its items, in order, each at most once. */
static const char *const POLICY_ITEMS[] = {"delete", "compact"};
#define POLICY_ITEM_COUNT 2

typedef struct {
    int items[POLICY_ITEM_COUNT];
    int count;
} policy_list;

static bool policy_has(const policy_list *l, int item)
{
    for (int i = 0; i < l->count; i++)
        if (l->items[i] == item)
            return true;
    return false;
}

/* Splits a comma-separated list of policy items; false for anything else. */
static bool parse_policy_list(const uint8_t *s, size_t len, policy_list *out)
{
    out->count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ',')
            continue;
        int item = -1;
        for (int k = 0; k < POLICY_ITEM_COUNT; k++)
            if (equals(s + start, i - start, POLICY_ITEMS[k]))
                item = k;
        if (item < 0)
            return false;
        if (!policy_has(out, item))
            out->items[out->count++] = item;
        start = i + 1;
    }
    return true;
}

/* Applies one operation to `cs` (nothing is stored yet). */
static int32_t apply_config_op(config_set *cs, uint8_t op, kd_str key, bool value_null, kd_str value)
{
    const config_def *def = find_config(key.p, key.len);
    if (!def) /* check_config's message for an unknown name */
        return check_config(key.p, key.len, value.p, value.len);
    size_t i = (size_t)(def - CONFIGS);
    if (cs->named[i])
        return kd_fail(KD_INVALID_REQUEST, "config %s is named more than once", def->key);
    cs->named[i] = true;
    if (op != KD_CONFIG_DELETE && value_null)
        return kd_fail(KD_INVALID_REQUEST, "config %s needs a value for this operation", def->key);
    int32_t rc;
    switch (op) {
    case KD_CONFIG_SET:
        if ((rc = check_config(key.p, key.len, value.p, value.len)) != 0)
            return rc;
        memcpy(cs->value[i], value.p, value.len);
        cs->value_len[i] = value.len;
        cs->set[i] = true;
        return 0;
    case KD_CONFIG_DELETE: cs->set[i] = false; return 0;
    case KD_CONFIG_APPEND:
    case KD_CONFIG_SUBTRACT: {
        if (def->kind != CONFIG_CLEANUP_POLICY)
            return kd_fail(KD_INVALID_REQUEST, "Config value %s is not allowed for config key: %s",
                           op == KD_CONFIG_APPEND ? "append" : "subtract", def->key);
        policy_list current, change;
        const uint8_t *now = cs->set[i] ? cs->value[i] : (const uint8_t *)def->default_value;
        size_t now_len = cs->set[i] ? cs->value_len[i] : strlen(def->default_value);
        if (!parse_policy_list(now, now_len, &current) || !parse_policy_list(value.p, value.len, &change))
            return kd_fail(KD_INVALID_CONFIG, "cleanup.policy items are delete and compact");
        policy_list result = {.count = 0};
        if (op == KD_CONFIG_APPEND) {
            result = current;
            for (int k = 0; k < change.count; k++)
                if (!policy_has(&result, change.items[k]))
                    result.items[result.count++] = change.items[k];
        } else {
            for (int k = 0; k < current.count; k++)
                if (!policy_has(&change, current.items[k]))
                    result.items[result.count++] = current.items[k];
        }
        if (result.count == 0)
            return kd_fail(KD_INVALID_CONFIG, "cleanup.policy cannot be left empty: it is delete, compact or both");
        size_t n = 0;
        for (int k = 0; k < result.count; k++) {
            const char *item = POLICY_ITEMS[result.items[k]];
            if (k)
                cs->value[i][n++] = ',';
            memcpy(cs->value[i] + n, item, strlen(item));
            n += strlen(item);
        }
        cs->value_len[i] = n;
        cs->set[i] = true;
        return 0;
    }
    default:
        return kd_fail(KD_INVALID_REQUEST,
                       "config operation %u is not one of SET (0), DELETE (1), APPEND (2), "
                       "SUBTRACT (3)",
                       (unsigned)op);
    }
}

/* The configs stored for the topic whose output out_topic just wrote. */
static void load_config_set(config_set *cs, uint32_t name_len)
{
    kd_le_reader r = {kd_out_ptr(), kd_out_len(), 2u + name_len + 16u + 4u + 8u};
    uint32_t count = 0;
    kd_le_u32(&r, &count);
    for (uint32_t n = 0; n < count; n++) {
        kd_str key, value;
        const uint8_t *is_default;
        if (!kd_le_str(&r, &key) || !kd_le_str(&r, &value) || !kd_le_bytes(&r, 1, &is_default))
            return;
        const config_def *def = find_config(key.p, key.len);
        if (!def || *is_default || value.len > sizeof cs->value[0])
            continue;
        size_t i = (size_t)(def - CONFIGS);
        memcpy(cs->value[i], value.p, value.len);
        cs->value_len[i] = value.len;
        cs->set[i] = true;
    }
}

/* The rules between configs (check_config_set) for the set an alteration leaves:
 * written out in the host's format (str key, str value per config) and checked. */
static int32_t check_altered_set(const config_set *cs)
{
    uint8_t buf[CONFIG_COUNT * (2 + 64 + 2 + 64)];
    size_t at = 0;
    uint32_t count = 0;
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        if (!cs->set[i])
            continue;
        size_t key_len = strlen(CONFIGS[i].key);
        buf[at++] = (uint8_t)key_len;
        buf[at++] = (uint8_t)(key_len >> 8);
        memcpy(buf + at, CONFIGS[i].key, key_len);
        at += key_len;
        buf[at++] = (uint8_t)cs->value_len[i];
        buf[at++] = (uint8_t)(cs->value_len[i] >> 8);
        memcpy(buf + at, cs->value[i], cs->value_len[i]);
        at += cs->value_len[i];
        count++;
    }
    return check_config_set(buf, 0, at, count);
}

int32_t kd_topic_alter_configs(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str name;
    const uint8_t *mode;
    uint32_t op_count;
    if (!kd_le_str(&r, &name) || !kd_le_bytes(&r, 1, &mode) || !kd_le_u32(&r, &op_count) || op_count > in_len / 6 ||
        *mode > KD_ALTER_INCREMENTAL)
        return kd_fail(KD_ERR_INVALID_ARG, "config alteration input is malformed");
    int32_t rc = kd_check_topic_name(name.p, name.len);
    if (rc || (rc = out_topic(db, name.p, name.len, false)) != 0)
        return rc;
    config_set cs;
    memset(&cs, 0, sizeof cs);
    if (*mode == KD_ALTER_INCREMENTAL)
        load_config_set(&cs, name.len);
    kd_scratch_reset();

    for (uint32_t n = 0; n < op_count; n++) {
        const uint8_t *op, *value_null;
        kd_str key, value;
        if (!kd_le_bytes(&r, 1, &op) || !kd_le_str(&r, &key) || !kd_le_bytes(&r, 1, &value_null) ||
            !kd_le_str(&r, &value))
            return kd_fail(KD_ERR_INVALID_ARG, "config operation %u is malformed", (unsigned)n);
        /* AlterConfigs sets what it names; a null value leaves that config at its default. */
        uint8_t effective = *op;
        if (*mode == KD_ALTER_REPLACE) {
            if (*op != KD_CONFIG_SET)
                return kd_fail(KD_ERR_INVALID_ARG, "AlterConfigs only sets configs");
            if (*value_null)
                effective = KD_CONFIG_DELETE;
        }
        if ((rc = apply_config_op(&cs, effective, key, *value_null != 0, value)) != 0)
            return rc;
    }
    if (r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "bytes follow the config operations");
    if ((rc = check_altered_set(&cs)) != 0)
        return rc;

    if ((rc = exec_named(db, "DELETE FROM topic_configs WHERE name = ?1", name.p, name.len, NULL)) != 0)
        return rc;
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        if (!cs.set[i])
            continue;
        int32_t stmt = kd_sql_prepare(db, "INSERT INTO topic_configs (name, key, value) VALUES (?1, ?2, ?3)");
        if (stmt < 0)
            return stmt;
        rc = bind_name(stmt, name.p, name.len);
        if (!rc && (kd_host_bind_text(stmt, 2, CONFIGS[i].key, (uint32_t)strlen(CONFIGS[i].key)) < 0 ||
                    kd_host_bind_text(stmt, 3, (const char *)cs.value[i], (uint32_t)cs.value_len[i]) < 0))
            rc = kd_fail(KD_ERR_STORAGE, "storage refused a config");
        if (!rc)
            rc = kd_sql_step(stmt, "storing a topic config");
        kd_host_finalize(stmt);
        if (rc < 0)
            return rc;
    }
    return out_topic(db, name.p, name.len, false);
}
