/*
 * log_config.c — the topic configs a partition's log obeys, read from the JSON object
 * the host hands to kd_log_configure (name to value, as DescribeConfigs shows them).
 *
 * Configs the object does not name take Kafka's defaults. topics.c validates values
 * when a topic is created or altered; this reader checks again (the text crosses the
 * ABI) and refuses what it cannot use with INVALID_CONFIG.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kafka.h"
#include "sql.h"

/* "0", "1", "0.5", "0.125", ".5": a number from 0 to 1 in thousandths (rounded down),
 * or -1 when the text is not one. */
int32_t kd_parse_ratio(const uint8_t *s, size_t len)
{
    size_t i = 0;
    int32_t whole = 0;
    bool digits = false;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits = true)
        if ((whole = whole * 10 + (s[i] - '0')) > 1)
            return -1;
    int32_t permille = whole * 1000, scale = 100;
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits = true) {
            permille += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (!digits || i != len || permille > 1000)
        return -1;
    return permille;
}

/* An integer config >= min, given as a JSON string or number. */
static int32_t config_long(const kd_json *doc, const char *name, int64_t fallback, int64_t min, int64_t *out)
{
    uint32_t n = kd_json_get(doc, 0, name);
    if (!n) {
        *out = fallback;
        return 0;
    }
    if (!kd_json_int(doc, n, out) || *out < min)
        return kd_fail(KD_INVALID_CONFIG, "%s must be an integer >= %lld", name, (long long)min);
    return 0;
}

/* Decodes string node n into buf (at most cap bytes); its length, or -1. */
static int64_t config_text(const kd_json *doc, uint32_t n, uint8_t *buf, size_t cap)
{
    if (doc->nodes[n].type != KJ_STRING || doc->nodes[n].len > cap)
        return -1;
    return kd_json_str_decode(doc, n, buf);
}

/* cleanup.policy: a comma-separated list of delete and compact. */
static int32_t config_policy(const kd_json *doc, kd_log_config *c)
{
    c->delete_policy = true;
    c->compact = false;
    uint32_t n = kd_json_get(doc, 0, "cleanup.policy");
    if (!n)
        return 0;
    uint8_t text[64];
    int64_t len = config_text(doc, n, text, sizeof text);
    if (len < 0)
        return kd_fail(KD_INVALID_CONFIG, "cleanup.policy must be a string of delete and/or compact");
    c->delete_policy = false;
    for (int64_t at = 0; at <= len;) {
        int64_t end = at;
        while (end < len && text[end] != ',')
            end++;
        int64_t from = at, to = end;
        while (from < to && text[from] == ' ')
            from++;
        while (to > from && text[to - 1] == ' ')
            to--;
        if (to - from == 6 && memcmp(text + from, "delete", 6) == 0)
            c->delete_policy = true;
        else if (to - from == 7 && memcmp(text + from, "compact", 7) == 0)
            c->compact = true;
        else
            return kd_fail(KD_INVALID_CONFIG, "cleanup.policy must be a string of delete and/or compact");
        at = end + 1;
    }
    return 0;
}

static int32_t config_ratio(const kd_json *doc, const char *name, int32_t fallback, int32_t *out)
{
    uint32_t n = kd_json_get(doc, 0, name);
    if (!n) {
        *out = fallback;
        return 0;
    }
    uint8_t text[32];
    int64_t len = config_text(doc, n, text, sizeof text);
    if (len < 0 && doc->nodes[n].type == KJ_NUMBER && doc->nodes[n].len <= sizeof text) {
        memcpy(text, doc->text + doc->nodes[n].start, doc->nodes[n].len);
        len = doc->nodes[n].len;
    }
    *out = len < 0 ? -1 : kd_parse_ratio(text, (size_t)len);
    return *out < 0 ? kd_fail(KD_INVALID_CONFIG, "%s must be a number from 0 to 1", name) : 0;
}

/* A boolean config: JSON true/false or the strings "true"/"false". */
static int32_t config_bool(const kd_json *doc, const char *name, bool fallback, bool *out)
{
    uint32_t n = kd_json_get(doc, 0, name);
    *out = fallback;
    if (!n)
        return 0;
    uint8_t text[8];
    int64_t len = config_text(doc, n, text, sizeof text);
    if (doc->nodes[n].type == KJ_TRUE || (len == 4 && memcmp(text, "true", 4) == 0))
        *out = true;
    else if (doc->nodes[n].type == KJ_FALSE || (len == 5 && memcmp(text, "false", 5) == 0))
        *out = false;
    else
        return kd_fail(KD_INVALID_CONFIG, "%s must be true or false", name);
    return 0;
}

/* message.timestamp.type: CreateTime or LogAppendTime. */
static int32_t config_timestamp_type(const kd_json *doc, bool *log_append_time)
{
    *log_append_time = false;
    uint32_t n = kd_json_get(doc, 0, "message.timestamp.type");
    if (!n)
        return 0;
    uint8_t text[16];
    int64_t len = config_text(doc, n, text, sizeof text);
    if (len == 13 && memcmp(text, "LogAppendTime", 13) == 0)
        *log_append_time = true;
    else if (!(len == 10 && memcmp(text, "CreateTime", 10) == 0))
        return kd_fail(KD_INVALID_CONFIG, "message.timestamp.type must be CreateTime or LogAppendTime");
    return 0;
}

/* The bounds on a CreateTime record's distance from the broker's time: the
 * difference bounds both sides, before / after each one (the tighter wins). */
static int32_t config_timestamp_bounds(const kd_json *doc, kd_log_config *c)
{
    int64_t difference = INT64_MAX, before = INT64_MAX, after = INT64_MAX;
    int32_t rc = config_long(doc, "message.timestamp.difference.max.ms", INT64_MAX, 0, &difference);
    if (!rc)
        rc = config_long(doc, "message.timestamp.before.max.ms", INT64_MAX, 0, &before);
    if (!rc)
        rc = config_long(doc, "message.timestamp.after.max.ms", INT64_MAX, 0, &after);
    c->timestamp_before_max_ms = before < difference ? before : difference;
    c->timestamp_after_max_ms = after < difference ? after : difference;
    return rc;
}

int32_t kd_log_config_parse(const uint8_t *text, size_t len, kd_log_config *c)
{
    kd_json doc;
    int32_t rc = kd_json_parse(&doc, text, len);
    if (rc) {
        kd_json_free(&doc);
        return kd_fail(KD_INVALID_CONFIG, "the topic's configs are not a JSON object");
    }
    if (doc.nodes[0].type != KJ_OBJECT)
        rc = kd_fail(KD_INVALID_CONFIG, "the topic's configs must be a JSON object");
    if (!rc)
        rc = config_long(&doc, "retention.ms", 604800000LL, -1, &c->retention_ms);
    if (!rc)
        rc = config_long(&doc, "retention.bytes", -1, -1, &c->retention_bytes);
    if (!rc)
        rc = config_policy(&doc, c);
    if (!rc)
        rc = config_long(&doc, "segment.ms", 604800000LL, 1, &c->segment_ms);
    if (!rc)
        rc = config_long(&doc, "segment.bytes", 1073741824LL, 1, &c->segment_bytes);
    if (!rc)
        rc = config_long(&doc, "min.compaction.lag.ms", 0, 0, &c->min_compaction_lag_ms);
    if (!rc)
        rc = config_long(&doc, "max.compaction.lag.ms", INT64_MAX, 1, &c->max_compaction_lag_ms);
    if (!rc)
        rc = config_long(&doc, "delete.retention.ms", 86400000LL, 0, &c->delete_retention_ms);
    if (!rc)
        rc = config_ratio(&doc, "min.cleanable.dirty.ratio", 500, &c->min_dirty_permille);
    if (!rc)
        rc = config_bool(&doc, "remote.storage.enable", false, &c->remote_storage);
    if (!rc)
        rc = config_long(&doc, "local.retention.ms", -2, -2, &c->local_retention_ms);
    if (!rc)
        rc = config_long(&doc, "local.retention.bytes", -2, -2, &c->local_retention_bytes);
    if (!rc)
        rc = config_timestamp_type(&doc, &c->log_append_time);
    if (!rc)
        rc = config_timestamp_bounds(&doc, c);
    kd_json_free(&doc);
    if (!rc && !c->delete_policy)
        c->retention_ms = c->retention_bytes = -1;
    return rc;
}

int32_t kd_log_config_load(uint32_t db, kd_log_config *c)
{
    int32_t stmt = kd_sql_prepare(db, "SELECT config FROM log_retention WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the topic's configs");
    uint8_t *text = NULL;
    uint32_t len = 0;
    if (rc == 1)
        rc = kd_sql_column_dup(stmt, 0, &text, &len);
    else if (rc == 0)
        rc = kd_fail(KD_ERR_STORAGE, "the log's retention row is missing: was kd_log_open called?");
    kd_host_finalize(stmt);
    if (!rc)
        rc = kd_log_config_parse(text, len, c);
    free(text);
    return rc;
}
