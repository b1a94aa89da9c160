/*
 * Tests src-c/kafka_rules.c: the rules of Kafka's requests the Kafka front asks
 * of the core (acks, a Fetch's budget, Metadata's all-topics list, JoinGroup by
 * version, CreateTopics' partition count and replication factor).
 */
#include "check.h"
#include "kafdo.h"

static void test_produce_acks(void)
{
    CHECK_EQ_INT(kd_produce_acks_check(0), 0);
    CHECK_EQ_INT(kd_produce_acks_check(1), 0);
    CHECK_EQ_INT(kd_produce_acks_check(-1), 0);
    CHECK_EQ_INT(kd_produce_acks_check(2), KD_INVALID_REQUIRED_ACKS);
    CHECK(strstr(kd_error_message(), "not 2") != NULL);
    CHECK_EQ_INT(kd_produce_acks_check(-2), KD_INVALID_REQUIRED_ACKS);
    CHECK_EQ_INT(kd_produce_acks_check(32767), KD_INVALID_REQUIRED_ACKS);
}

static void test_fetch_budget(void)
{
    CHECK_EQ_INT(kd_fetch_budget(1024), 1024);
    CHECK_EQ_INT(kd_fetch_budget(0), 0);
    CHECK_EQ_INT(kd_fetch_budget(-1), 0);
    CHECK_EQ_INT(kd_fetch_budget(KD_MAX_READ_BYTES), KD_MAX_READ_BYTES);
    CHECK_EQ_INT(kd_fetch_budget(INT32_MAX), KD_MAX_READ_BYTES); /* Fetch v0-2's default */
}

static void test_metadata_lists_all(void)
{
    CHECK_EQ_INT(kd_metadata_lists_all(0, 0), 1); /* v0: an empty list is every topic */
    CHECK_EQ_INT(kd_metadata_lists_all(1, 0), 0); /* v1+: an empty list is none */
    CHECK_EQ_INT(kd_metadata_lists_all(12, 0), 0);
    CHECK_EQ_INT(kd_metadata_lists_all(1, -1), 1); /* null */
    CHECK_EQ_INT(kd_metadata_lists_all(12, -1), 1);
    CHECK_EQ_INT(kd_metadata_lists_all(0, 2), 0);
}

static void test_join_by_version(void)
{
    CHECK_EQ_INT(kd_join_rebalance_timeout(0, 10000, -1), 10000);    /* v0 has none */
    CHECK_EQ_INT(kd_join_rebalance_timeout(0, 10000, 60000), 10000); /* whatever the field says */
    CHECK_EQ_INT(kd_join_rebalance_timeout(1, 10000, 60000), 60000);
    CHECK_EQ_INT(kd_join_rebalance_timeout(5, 10000, -1), 10000);
    CHECK_EQ_INT(kd_join_member_id_required(3), 0);
    CHECK_EQ_INT(kd_join_member_id_required(4), 1);
    CHECK_EQ_INT(kd_join_member_id_required(9), 1);
}

static int32_t out_i32(void)
{
    const uint8_t *p = kd_out_ptr();
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static void test_create_topics_request(void)
{
    CHECK_EQ_INT(kd_topic_request_partitions(6, 3, 1), 0);
    CHECK_EQ_INT(kd_out_len(), 4);
    CHECK_EQ_INT(out_i32(), 6);
    CHECK_EQ_INT(kd_topic_request_partitions(-1, -1, 4), 0); /* both the broker's defaults */
    CHECK_EQ_INT(out_i32(), 4);
    CHECK_EQ_INT(kd_topic_request_partitions(-1, 1, 1), 0);
    CHECK_EQ_INT(out_i32(), 1);
    /* A count that is not one is kd_topic_create's to refuse. */
    CHECK_EQ_INT(kd_topic_request_partitions(0, 1, 1), 0);
    CHECK_EQ_INT(out_i32(), 0);
    CHECK_EQ_INT(kd_topic_request_partitions(3, 0, 1), KD_INVALID_REPLICATION_FACTOR);
    CHECK_EQ_INT(kd_out_len(), 0);
    CHECK_EQ_INT(kd_topic_request_partitions(3, -2, 1), KD_INVALID_REPLICATION_FACTOR);
    CHECK(strstr(kd_error_message(), "-2") != NULL);
}

int main(void)
{
    RUN(test_produce_acks);
    RUN(test_fetch_budget);
    RUN(test_metadata_lists_all);
    RUN(test_join_by_version);
    RUN(test_create_topics_request);
    return CHECK_SUMMARY();
}
