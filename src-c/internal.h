/*
 * internal.h — what the core's modules share with each other and never export.
 *
 * The exported ABI is kafdo.h. This header holds the scratch-buffer helpers every
 * module writes its output and error messages through, the little-endian cursor
 * used to read the host's byte formats, and the cross-module entry points.
 */
#ifndef KAFDO_INTERNAL_H
#define KAFDO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafdo.h"

/* ---- scratch.c: the output buffer and the error message ---- */

/* Empties the output buffer and the error message; every exported call starts here. */
void kd_scratch_reset(void);
/* Sets the error message (printf-like, truncated to fit) and returns code. */
int32_t kd_fail(int32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends to the output buffer; false when memory ran out. */
bool kd_out_append(const void *data, size_t len);
bool kd_out_u8(uint8_t v);
bool kd_out_i16(int16_t v);
bool kd_out_i32(int32_t v);
bool kd_out_u32(uint32_t v);
bool kd_out_i64(int64_t v);
/* Reserves len bytes at the end of the output buffer and returns them (NULL on OOM). */
uint8_t *kd_out_reserve(size_t len);
/* Drops the output past len bytes (len at most the current length). */
void kd_out_truncate(size_t len);
/* Current length, and the buffer for patching bytes already written. */
size_t kd_out_size(void);
uint8_t *kd_out_data(void);
/* Overwrites 4 bytes at `at` (little-endian), e.g. a count written as a placeholder. */
void kd_out_patch_u32(size_t at, uint32_t v);
void kd_out_patch_i64(size_t at, int64_t v);

/* ---- little-endian reader over host-supplied bytes ---- */

typedef struct {
    const uint8_t *p;
    size_t len;
    size_t pos;
} kd_le_reader;

bool kd_le_u32(kd_le_reader *r, uint32_t *v);
bool kd_le_i32(kd_le_reader *r, int32_t *v);
bool kd_le_i16(kd_le_reader *r, int16_t *v);
bool kd_le_i64(kd_le_reader *r, int64_t *v);
/* Points *out at n bytes and advances; false when fewer remain. */
bool kd_le_bytes(kd_le_reader *r, size_t n, const uint8_t **out);

/* A "str" of the host formats: u16 length, then that many bytes. */
typedef struct {
    const uint8_t *p;
    uint16_t len;
} kd_str;

bool kd_le_str(kd_le_reader *r, kd_str *s);
bool kd_out_str(const uint8_t *p, size_t len);
static inline bool kd_str_eq(kd_str a, kd_str b)
{
    return a.len == b.len && (a.len == 0 || __builtin_memcmp(a.p, b.p, a.len) == 0);
}
int kd_str_cmp(kd_str a, kd_str b);

/* ---- big-endian helpers for Kafka's wire format ---- */

static inline uint16_t kd_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t kd_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t kd_be64(const uint8_t *p)
{
    return ((uint64_t)kd_be32(p) << 32) | kd_be32(p + 4);
}
static inline void kd_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void kd_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void kd_put_be64(uint8_t *p, uint64_t v)
{
    kd_put_be32(p, (uint32_t)(v >> 32));
    kd_put_be32(p + 4, (uint32_t)v);
}

/* ---- topics.c ---- */
/* kd_topic_name_check without touching the output buffer, for the core's own use. */
int32_t kd_check_topic_name(const uint8_t *name, uint32_t len);

/* ---- group_registry.c and producer_ids.c: their tables (kd_topics_open calls them) ---- */
int32_t kd_group_registry_open(uint32_t db);
int32_t kd_producer_ids_open(uint32_t db);
int32_t kd_txn_registry_open(uint32_t db);
/* An id tools print (a group id, a transactional id): 1 to max bytes and no control
 * character (group_registry.c says why), else `code` naming `what` and the offending byte. */
int32_t kd_printable_id_check(const uint8_t *id, uint32_t len, uint32_t max, int32_t code, const char *what);

/* ---- crc32c.c ---- */
uint32_t kd_crc32c_update(uint32_t crc, const uint8_t *buf, size_t len);

/* ---- log.c and retention.c: a partition's log ---- */

/* The log start offset and high watermark (UNKNOWN_TOPIC_OR_PARTITION when retired). */
int32_t kd_log_state(uint32_t db, int64_t *log_start_offset, int64_t *high_watermark);
/* Raises the log start offset to log_start_offset (<= high_watermark). */
int32_t kd_log_set_start(uint32_t db, int64_t log_start_offset, int64_t high_watermark);
/* Creates retention's table (kd_log_open calls it). */
int32_t kd_retention_open(uint32_t db);
/* Counts the rows appended since the last count into the log's stored size; *size is
 * then the size of both tiers (tiering moves only counted rows). */
int32_t kd_retention_count(uint32_t db, int64_t *size);
/* Kafka's rule for whether retention deletes a batch (or a cold segment, taken whole)
 * from the log's start: below the log start offset, older than retention.ms, or not
 * needed to keep retention.bytes of a log of `size` bytes. */
struct kd_log_config;
bool kd_retention_deletable(const struct kd_log_config *c, int64_t now_ms, int64_t start, int64_t last,
                            int64_t max_time, int64_t size, int64_t bytes);
/* Compaction shrank the stored batch at base_offset by `bytes`: the log's size follows. */
int32_t kd_retention_removed(uint32_t db, int64_t base_offset, int64_t bytes);

/* ---- log_config.c: the topic configs a log obeys ---- */

typedef struct kd_log_config {
    int64_t retention_ms;    /* -1: no time retention (also when the policy lacks delete) */
    int64_t retention_bytes; /* -1: no size retention (likewise) */
    bool delete_policy, compact;
    int64_t segment_ms, segment_bytes;
    int64_t min_compaction_lag_ms, max_compaction_lag_ms;
    int64_t delete_retention_ms;
    int32_t min_dirty_permille; /* min.cleanable.dirty.ratio in thousandths */
    /* Tiered storage (tiering.c): remote.storage.enable, and local.retention.ms /
     * local.retention.bytes as given (-2: retention.ms / retention.bytes). */
    bool remote_storage;
    int64_t local_retention_ms, local_retention_bytes;
    /* message.timestamp.type=LogAppendTime: appends stamp the broker's time. */
    bool log_append_time;
    /* How far before / after the broker's time a CreateTime record may be:
     * message.timestamp.difference.max.ms, narrowed by Kafka 3.6's
     * message.timestamp.before.max.ms / message.timestamp.after.max.ms. */
    int64_t timestamp_before_max_ms, timestamp_after_max_ms;
} kd_log_config;

/* Parses a JSON object of config name to value; Kafka's default for a name it lacks. */
int32_t kd_log_config_parse(const uint8_t *text, size_t len, kd_log_config *c);
/* The configs stored with the log by kd_log_configure. */
int32_t kd_log_config_load(uint32_t db, kd_log_config *c);
/* A number from 0 to 1 in thousandths, or -1 when the text is not one. */
int32_t kd_parse_ratio(const uint8_t *s, size_t len);

/* ---- tiering.c: the cold tier (segments in an object store) ---- */

/* Creates the cold tier's tables (kd_log_open calls it). */
int32_t kd_tier_open(uint32_t db);

/* What retention did to the cold tier in one step. */
typedef struct {
    int32_t deleted;       /* segments */
    bool more;             /* stopped at max_rows */
    bool blocked;          /* a segment is kept (or more to do): the hot batches wait */
    int64_t cut;           /* the first offset after the segments deleted; 0: none */
    int64_t kept_max_time; /* the first kept segment's newest timestamp */
} kd_tier_expiry;

/* Retention over the cold tier: deletes whole segments from the log's start while
 * kd_retention_deletable says so (at most max_rows), subtracting their bytes from
 * *size; their objects are left for the host to delete (kd_tier_garbage). */
int32_t kd_tier_expire(uint32_t db, const kd_log_config *c, int64_t now_ms, uint32_t max_rows, int64_t start,
                       int64_t *size, kd_tier_expiry *out);
/* 1 when `offset` is below the hot batches and a cold segment holds it or a later
 * offset (a read there is the cold tier's), else 0; < 0 on error. */
int32_t kd_tier_holds(uint32_t db, int64_t offset);
/* The log was retired: every segment's object becomes garbage. */
int32_t kd_tier_retire(uint32_t db);
/* ListOffsets by time over the cold tier: the first batch whose newest timestamp
 * reaches `timestamp` (its base offset and max timestamp); *found 0 when none. */
int32_t kd_tier_offset_for_time(uint32_t db, int64_t timestamp, int64_t *offset, int64_t *at, int *found);

/* Where log.c's walks hand each batch; WALK_STOP ends a walk early without an error. */
typedef int32_t (*kd_batch_sink)(const uint8_t *data, size_t len, void *arg);
#define KD_WALK_STOP INT32_MIN
/* Walks the batches of the cold segment holding `offset` (or the first after it) as
 * log.c walks hot ones, from `bytes`: the part of the segment's object that starts
 * at byte `position`. Each batch is checked against the segment's index. */
int32_t kd_tier_walk(uint32_t db, int64_t offset, int32_t max_bytes, bool min_one, const uint8_t *bytes, size_t len,
                     int64_t position, kd_batch_sink emit, void *arg);

/* ---- log.c's walks and stores, for txn_log.c ---- */

/* Walks the hot batches from offset as kd_log_fetch does, each handed to emit; the
 * log's bounds are filled in. */
int32_t kd_log_walk(uint32_t db, int64_t offset, int32_t max_bytes, bool min_one, int64_t *log_start_offset,
                    int64_t *high_watermark, kd_batch_sink emit, void *arg);
/* The checks of every read (offset in range, max_bytes capped), the log's bounds filled in. */
int32_t kd_log_check_read(uint32_t db, int64_t offset, int32_t *max_bytes, int64_t *log_start_offset,
                          int64_t *high_watermark);
/* Stores one control batch at *next_offset (advanced past it); never indexed for compaction. */
int32_t kd_log_store_control(uint32_t db, uint8_t *batch, size_t len, int64_t now_ms, int64_t *next_offset);

#endif /* KAFDO_INTERNAL_H */
