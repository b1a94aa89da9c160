/*
 * group_internal.h — what the consumer group's files share (not exported): the
 * group's state row, its constants, and the functions one file lends another.
 *
 *   group.c              the state machine: schema, members, rebalances, expiry,
 *                        join / poll / heartbeat / leave, describe and delete
 *   group_classic.c      Kafka's classic protocol (member kind 1): the protocol
 *                        vote, SyncGroup, KIP-394 and KIP-345 (static members)
 *   consumer_protocol.c  Kafka's ConsumerProtocol bytes, read and written
 *   group_offsets.c      committed offsets: OffsetCommit, OffsetFetch, OffsetDelete
 *   group_txn_offsets.c  transactional offsets (TxnOffsetCommit), pending until
 *                        their transaction ends
 *
 * The design, the state diagram and every byte format are at the top of group.c.
 */
#ifndef KAFDO_GROUP_INTERNAL_H
#define KAFDO_GROUP_INTERNAL_H

#include "internal.h"
#include "sql.h"

#define STATE_EMPTY 0
#define STATE_PREPARING_REBALANCE 1
#define STATE_COMPLETING_REBALANCE 2
#define STATE_STABLE 3
#define STATE_DEAD 4 /* described only: a group that does not exist */

#define MIN_SESSION_TIMEOUT_MS 500
#define MAX_SESSION_TIMEOUT_MS 1800000
#define MAX_METADATA_BYTES 4096
#define MAX_GROUP_SIZE 1000        /* bounds the assignors' work on one call */
#define MAX_TOPIC_PARTITIONS 10000 /* the assignor's bound */
#define NO_DEADLINE INT64_MAX

#define KIND_HTTP 0
#define KIND_KAFKA 1
#define JOIN_MEMBER_ID_REQUIRED 1        /* kind-1 join flag: the client speaks KIP-394 (JoinGroup v4+) */
#define JOIN_STATUS_MEMBER_ID_REQUIRED 2 /* join output status: join again with the member id given */
#define MAX_PROTOCOLS 64
#define MAX_CLASSIC_BYTES (1 << 20) /* a member's protocols, or one assignment */

typedef struct {
    int64_t state, generation, strategy, rebalance_deadline;
} group_state;

static inline bool group_out_blob(const uint8_t *p, uint32_t len)
{
    return kd_out_u32(len) && kd_out_append(p, len);
}

/* ---- group.c ---- */

int32_t group_load_state(uint32_t db, group_state *g);
int32_t group_save_state(uint32_t db, const group_state *g);
int32_t group_count_members(uint32_t db, int64_t *members, int64_t *waiting);
int32_t group_member_exists(uint32_t db, const kd_str *id, int *exists);
/* The earliest moment the group needs attention (NO_DEADLINE for none). */
int32_t group_next_deadline(uint32_t db, const group_state *g, int64_t *deadline);
/* Whether the group exists (members, a generation, or committed offsets). */
int32_t group_exists(uint32_t db, const group_state *g, int64_t members, bool *exists);
/* Heartbeat's and commit's fencing: in the group, of its current generation. */
int32_t group_check_member(uint32_t db, const group_state *g, const kd_str *member, int32_t generation);

/* ---- group_classic.c ---- */

/* What a kind-1 join carries after its header. */
typedef struct {
    kd_str client_host, protocol_type;
    uint32_t n;
    size_t at; /* where the protocols start in the input */
} classic_join;

/* The dialect of the group's members (the last to join an empty group sets it). */
int32_t group_dialect(uint32_t db, int64_t *dialect);
/* A member's kind must be the group's (INCONSISTENT_GROUP_PROTOCOL). */
int32_t group_check_dialect(uint32_t db, uint8_t kind);
/* UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID for a static member's replaced id. */
int32_t group_fail_unknown(uint32_t db, const kd_str *member);
/* str protocol_type, str protocol_name, as describe and the dialects answer them. */
int32_t group_out_protocol(uint32_t db, const group_state *g);
int32_t classic_prune(uint32_t db);
int32_t classic_complete(uint32_t db, group_state *g, int64_t now_ms);
int32_t classic_out_metadata(uint32_t db);
int32_t classic_out_assignments(uint32_t db);
int32_t classic_read_join(kd_le_reader *r, classic_join *cj);
int32_t classic_join_member(uint32_t db, const kd_str *id, int exists, const classic_join *cj, const uint8_t *in,
                            size_t in_len, bool *changed, const uint8_t **first, uint32_t *first_len);
int32_t classic_replace_static(uint32_t db, const kd_str *instance, const kd_str *id, kd_str *replaced,
                               kd_str *prior_leader);
int32_t classic_check_instance(uint32_t db, const kd_str *instance, const kd_str *member);
int32_t classic_out_member_id_required(uint32_t db, const group_state *g, const kd_str *id);
int32_t classic_out_join(uint32_t db, const group_state *g, bool leads);

/* ---- consumer_protocol.c ---- */

/* The stored shapes (u32 n, str topic* / u32 n, (str topic, i32 partition)*) of a
 * ConsumerProtocolSubscription / Assignment; u32 0 when it is malformed. False
 * only when memory ran out. */
bool consumer_out_subscription(const uint8_t *p, size_t len);
bool consumer_out_assignment(const uint8_t *p, size_t len);
/* The stored shapes as ConsumerProtocol v0 bytes, u32 length first. */
bool consumer_out_v0_subscription(const uint8_t *sub, uint32_t len);
bool consumer_out_v0_assignment(const uint8_t *blob, uint32_t len);

/* ---- group_offsets.c ---- */

/* u32 n, then every committed partition's offsets row. */
int32_t group_out_all_offsets(uint32_t db);

/* One offset of a commit's input: str topic, i32 partition, i64 offset, str metadata. */
typedef struct {
    kd_str topic;
    int32_t partition;
    int64_t offset;
    kd_str metadata;
} group_offset;

/* Reads one offset; false when the bytes are malformed. */
bool group_read_offset(kd_le_reader *r, group_offset *o);
/* Reads `n` offsets and checks each as OffsetCommit does (topic name, partition
 * >= 0, offset >= -2, metadata size); r ends after them. */
int32_t group_check_offsets(kd_le_reader *r, uint32_t n);

/* ---- group_txn_offsets.c ---- */

/* Its tables (kd_group_open creates them). */
int32_t group_txn_open(uint32_t db);
/* A plain commit of the partition: its pending transactional offsets are older. */
int32_t group_txn_supersede(uint32_t db, const kd_str *topic, int32_t partition);
/* Forget pending transactional offsets, as the committed ones are forgotten. */
int32_t group_txn_forget_partition(uint32_t db, const kd_str *topic, int32_t partition);
int32_t group_txn_forget_topic(uint32_t db, const kd_str *topic);
int32_t group_txn_forget_all(uint32_t db);
int32_t group_txn_forget_producer(uint32_t db, int64_t producer_id);
/* How many pending transactional offsets the group holds. */
int32_t group_txn_count(uint32_t db, int64_t *pending);

#endif /* KAFDO_GROUP_INTERNAL_H */
