/*
 * consumer_protocol.c — Kafka's ConsumerProtocol bytes, for a consumer group's
 * describe: the subscription and assignment a Kafka member's client sent, read
 * into the shapes the group stores (so both dialects describe alike), and a Kafdo
 * member's stored ones written out as ConsumerProtocol v0 (so Kafka's tools
 * describe Kafdo's members too).
 *
 * Big-endian: every version (0-3, and later ones, which only add fields at the
 * end) of ConsumerProtocolSubscription starts i16 version, [string topics], and
 * of ConsumerProtocolAssignment i16 version, [(string topic, [i32 partitions])].
 * Only those leading fields are read: a member's bytes are its client's business,
 * and shown decoded where they can be. Names that are not valid topic names, and
 * negative partitions, are left out; a malformed whole shows nothing. Like every
 * decoder here, the reader never reads past `len` nor trusts a length.
 *
 * The stored shapes (little-endian, str = u16 length + bytes): a subscription is
 * u32 n, str topic*; an assignment u32 n, (str topic, i32 partition)*.
 */
#include <string.h>

#include "group_internal.h"

/* ---- reading ---- */

typedef struct {
    const uint8_t *p;
    size_t len, pos;
} be_reader;

static bool be_take(be_reader *r, size_t n, const uint8_t **at)
{
    if (r->len - r->pos < n)
        return false;
    *at = r->p + r->pos;
    r->pos += n;
    return true;
}

static bool be_i16(be_reader *r, int16_t *v)
{
    const uint8_t *at;
    if (!be_take(r, 2, &at))
        return false;
    *v = (int16_t)kd_be16(at);
    return true;
}

static bool be_i32(be_reader *r, int32_t *v)
{
    const uint8_t *at;
    if (!be_take(r, 4, &at))
        return false;
    *v = (int32_t)kd_be32(at);
    return true;
}

static bool be_string(be_reader *r, kd_str *s)
{
    int16_t n;
    if (!be_i16(r, &n) || n < 0 || !be_take(r, (size_t)n, &s->p))
        return false;
    s->len = (uint16_t)n;
    return true;
}

/*
 * Walks a subscription (topics only) or an assignment (each topic with its
 * partitions): one walk, as the two share their opening and their list of
 * topics. Writes the stored shape's entries when `emit` (str topic; or str topic,
 * i32 partition per partition). Returns how many entries, -1 when malformed, -2
 * when memory ran out.
 */
static int64_t walk(const uint8_t *p, size_t len, bool assignment, bool emit)
{
    be_reader r = {p, len, 0};
    int16_t version;
    int32_t n;
    if (!be_i16(&r, &version) || version < 0 || !be_i32(&r, &n) || n < 0)
        return -1;
    int64_t count = 0;
    for (int32_t i = 0; i < n; i++) {
        kd_str topic;
        if (!be_string(&r, &topic))
            return -1;
        bool valid = kd_check_topic_name(topic.p, topic.len) == 0;
        if (!assignment) {
            if (!valid)
                continue;
            if (emit && !kd_out_str(topic.p, topic.len))
                return -2;
            count++;
            continue;
        }
        int32_t m;
        if (!be_i32(&r, &m) || m < 0)
            return -1;
        for (int32_t k = 0; k < m; k++) {
            int32_t partition;
            if (!be_i32(&r, &partition))
                return -1;
            if (!valid || partition < 0)
                continue;
            if (emit && !(kd_out_str(topic.p, topic.len) && kd_out_i32(partition)))
                return -2;
            count++;
        }
    }
    return count;
}

/* The stored shape: u32 n and the entries; u32 0 when malformed. */
static bool out_walked(const uint8_t *p, size_t len, bool assignment)
{
    int64_t n = walk(p, len, assignment, false);
    if (n < 0)
        return kd_out_u32(0);
    return kd_out_u32((uint32_t)n) && walk(p, len, assignment, true) == n;
}

bool consumer_out_subscription(const uint8_t *p, size_t len)
{
    return out_walked(p, len, false);
}

bool consumer_out_assignment(const uint8_t *p, size_t len)
{
    return out_walked(p, len, true);
}

/* ---- writing ---- */

/* An HTTP member's stored subscription (u32 n, str topic*) as a
 * ConsumerProtocolSubscription v0, u32 length first, so that Kafka's tools describe
 * HTTP members too; u32 0 for a malformed blob. */
bool consumer_out_v0_subscription(const uint8_t *sub, uint32_t len)
{
    kd_le_reader r = {sub, len, 0};
    uint32_t n;
    kd_str topic;
    size_t size = 2 + 4 + 4;
    if (!kd_le_u32(&r, &n))
        return kd_out_u32(0);
    for (uint32_t i = 0; i < n; i++) {
        if (!kd_le_str(&r, &topic) || topic.len > INT16_MAX)
            return kd_out_u32(0);
        size += 2 + topic.len;
    }
    if (!kd_out_u32((uint32_t)size))
        return false;
    uint8_t *w = kd_out_reserve(size);
    if (!w)
        return false;
    kd_put_be16(w, 0);
    kd_put_be32(w + 2, n);
    w += 6;
    r.pos = 4;
    for (uint32_t i = 0; i < n; i++) {
        kd_le_str(&r, &topic);
        kd_put_be16(w, topic.len);
        memcpy(w + 2, topic.p, topic.len);
        w += 2 + topic.len;
    }
    kd_put_be32(w, UINT32_MAX); /* user_data: null */
    return true;
}

/* An HTTP member's stored assignment (u32 n, (str topic, i32 partition)*, by topic)
 * as a ConsumerProtocolAssignment v0, u32 length first. */
bool consumer_out_v0_assignment(const uint8_t *blob, uint32_t len)
{
    kd_le_reader r = {blob, len, 0};
    uint32_t n, topics = 0;
    kd_str topic, last = {NULL, 0};
    int32_t partition;
    size_t size = 2 + 4 + 4;
    if (!kd_le_u32(&r, &n))
        return kd_out_u32(0);
    for (uint32_t i = 0; i < n; i++) {
        if (!kd_le_str(&r, &topic) || !kd_le_i32(&r, &partition) || topic.len > INT16_MAX)
            return kd_out_u32(0);
        if (i == 0 || !kd_str_eq(topic, last)) {
            size += 2 + topic.len + 4;
            topics++;
        }
        size += 4;
        last = topic;
    }
    if (!kd_out_u32((uint32_t)size))
        return false;
    uint8_t *w = kd_out_reserve(size);
    if (!w)
        return false;
    kd_put_be16(w, 0);
    kd_put_be32(w + 2, topics);
    w += 6;
    uint8_t *count_at = NULL;
    uint32_t count = 0;
    r.pos = 4;
    for (uint32_t i = 0; i < n; i++) {
        kd_le_str(&r, &topic);
        kd_le_i32(&r, &partition);
        if (i == 0 || !kd_str_eq(topic, last)) {
            if (count_at)
                kd_put_be32(count_at, count);
            kd_put_be16(w, topic.len);
            memcpy(w + 2, topic.p, topic.len);
            count_at = w + 2 + topic.len;
            count = 0;
            w = count_at + 4;
        }
        kd_put_be32(w, (uint32_t)partition);
        w += 4;
        count++;
        last = topic;
    }
    if (count_at)
        kd_put_be32(count_at, count);
    kd_put_be32(w, UINT32_MAX); /* user_data: null */
    return true;
}
