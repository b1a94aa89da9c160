/*
 * kafka_rules.c — the rules of Kafka's request handling that belong to no log,
 * topic or group: which acks a Produce may ask for, a Fetch's byte budget, which
 * topics a Metadata request names, how a JoinGroup's version shapes the join, and
 * how a CreateTopics request's partition count and replication factor are read.
 *
 * The Kafka front (worker/kafka/) asks these of the core rather than deciding
 * them itself, so every rule about Kafka is written once, here, and tested
 * natively (tests/c/test_kafka_rules.c). They touch no storage; only
 * kd_topic_request_partitions writes the output buffer.
 */
#include "internal.h"

int32_t kd_produce_acks_check(int32_t acks)
{
    kd_scratch_reset();
    /* Kafka's ProduceRequest: 0 (no answer), 1 (the leader's write) or -1 (all
     * in-sync replicas); anything else is refused per partition. */
    if (acks == 0 || acks == 1 || acks == -1)
        return 0;
    return kd_fail(KD_INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1, not %d", (int)acks);
}

int32_t kd_fetch_budget(int32_t max_bytes)
{
    kd_scratch_reset();
    /* A Fetch's max_bytes, capped as Kafka's broker caps it by fetch.max.bytes;
     * a negative one reads nothing (the first-batch rule still moves a consumer). */
    if (max_bytes < 0)
        return 0;
    return max_bytes < KD_MAX_READ_BYTES ? max_bytes : KD_MAX_READ_BYTES;
}

int32_t kd_metadata_lists_all(int16_t api_version, int32_t topic_count)
{
    kd_scratch_reset();
    /* A null list asks for every topic; so does an empty one before v1, which has
     * no null list (Kafka's MetadataRequest.isAllTopics). */
    return topic_count < 0 || (api_version == 0 && topic_count == 0);
}

int32_t kd_join_rebalance_timeout(int16_t api_version, int32_t session_timeout_ms, int32_t rebalance_timeout_ms)
{
    kd_scratch_reset();
    /* JoinGroup v0 has no rebalance timeout: Kafka's broker uses the session
     * timeout (the field's default, -1, says the same when it is absent). */
    if (api_version == 0 || rebalance_timeout_ms == -1)
        return session_timeout_ms;
    return rebalance_timeout_ms;
}

int32_t kd_join_member_id_required(int16_t api_version)
{
    kd_scratch_reset();
    /* KIP-394: from JoinGroup v4 a first join (no member id) is answered
     * MEMBER_ID_REQUIRED with an id to join again with. */
    return api_version >= 4;
}

int32_t kd_topic_request_partitions(int32_t num_partitions, int16_t replication_factor, int32_t default_partitions)
{
    kd_scratch_reset();
    /* Kafka's CreateTopics without a manual assignment: -1 takes the broker's
     * default.replication.factor and num.partitions; 0 or below -1 is not a
     * replication factor. Any factor is otherwise accepted: each partition is one
     * Durable Object, whose storage Cloudflare replicates. A partition count other
     * than -1 is judged by kd_topic_create (INVALID_PARTITIONS). */
    if (replication_factor == 0 || replication_factor < -1)
        return kd_fail(KD_INVALID_REPLICATION_FACTOR, "replication factor %d is not valid", (int)replication_factor);
    int32_t partitions = num_partitions == -1 ? default_partitions : num_partitions;
    return kd_out_i32(partitions) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}
