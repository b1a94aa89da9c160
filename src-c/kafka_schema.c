/*
 * kafka_schema.c — the request and response bodies of every Kafka API Kafdo
 * speaks, one line per field, transcribed from apache/kafka's message definitions
 * (clients/src/main/resources/common/message/<Api>Request.json and
 * <Api>Response.json). kafka_codec.c walks these tables; nothing else reads them.
 *
 * Columns: JSON name (camelCase of upstream's), type, array element type, first
 * and last version carrying the field, first and last version where it may be
 * null, then the default: null?, integer/bool value, string value, and for arrays
 * of structs the elements' table. Upstream "default" values are kept exactly,
 * since a field missing from a request's version reads as its default (e.g.
 * Metadata's allowAutoTopicCreation true, Fetch's replicaId -1 and maxBytes
 * 0x7fffffff).
 *
 * Every field upstream defines is here, also those of versions beyond Kafdo's
 * ranges, so that a response naming one is not refused (it is skipped, as any
 * field the version lacks). Tagged fields (marked) never go on the wire: a
 * request's are skipped, a response carries none; they read as their defaults.
 */
#include "kafka.h"

/* Rows name the columns up to `sub`; the last two (`tagged`, `tag`) only a tagged
 * field a response writes names, the others leave them false and 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
/* The tables keep one row per field on one line, as this file is read and as
 * scripts/gen-kafka-types.mjs parses it: clang-format leaves them as they are. */
/* clang-format off */

static const kd_kfield produceRequest_topicData_partitionData[] = {
    {"index", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"records", KT_RECORDS, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield produceRequest_topicData[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionData", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, produceRequest_topicData_partitionData},
    {0}};

static const kd_kfield produceRequest[] = {
    {"transactionalId", KT_STRING, 0, 3, ALL, 3, ALL, true, 0, NULL, NULL},
    {"acks", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topicData", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, produceRequest_topicData},
    {0}};

static const kd_kfield produceResponse_responses_partitionResponses_recordErrors[] = {
    {"batchIndex", KT_INT32, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"batchIndexErrorMessage", KT_STRING, 0, 8, ALL, 8, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield produceResponse_responses_partitionResponses_currentLeader[] = {
    {"leaderId", KT_INT32, 0, 10, ALL, NO, 0, false, -1, NULL, NULL},
    {"leaderEpoch", KT_INT32, 0, 10, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield produceResponse_responses_partitionResponses[] = {
    {"index", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"baseOffset", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"logAppendTimeMs", KT_INT64, 0, 2, ALL, NO, 0, false, -1, NULL, NULL},
    {"logStartOffset", KT_INT64, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"recordErrors", KT_ARRAY, KT_STRUCT, 8, ALL, NO, 0, false, 0, NULL, produceResponse_responses_partitionResponses_recordErrors},
    {"errorMessage", KT_STRING, 0, 8, ALL, 8, ALL, true, 0, NULL, NULL},
    {"currentLeader", KT_STRUCT, 0, NO, 0, NO, 0, false, 0, NULL, produceResponse_responses_partitionResponses_currentLeader}, /* tagged */
    {0}};

static const kd_kfield produceResponse_responses[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionResponses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, produceResponse_responses_partitionResponses},
    {0}};

static const kd_kfield produceResponse_nodeEndpoints[] = {
    {"nodeId", KT_INT32, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {"rack", KT_STRING, 0, 10, ALL, 10, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield produceResponse[] = {
    {"responses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, produceResponse_responses},
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"nodeEndpoints", KT_ARRAY, KT_STRUCT, NO, 0, NO, 0, false, 0, NULL, produceResponse_nodeEndpoints}, /* tagged */
    {0}};

static const kd_kfield fetchRequest_replicaState[] = {
    {"replicaId", KT_INT32, 0, 15, ALL, NO, 0, false, -1, NULL, NULL},
    {"replicaEpoch", KT_INT64, 0, 15, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield fetchRequest_topics_partitions[] = {
    {"partition", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"currentLeaderEpoch", KT_INT32, 0, 9, ALL, NO, 0, false, -1, NULL, NULL},
    {"fetchOffset", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"lastFetchedEpoch", KT_INT32, 0, 12, ALL, NO, 0, false, -1, NULL, NULL},
    {"logStartOffset", KT_INT64, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"partitionMaxBytes", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"replicaDirectoryId", KT_UUID, 0, NO, 0, NO, 0, false, 0, NULL, NULL}, /* tagged */
    {0}};

static const kd_kfield fetchRequest_topics[] = {
    {"topic", KT_STRING, 0, 0, 12, NO, 0, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 13, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, fetchRequest_topics_partitions},
    {0}};

static const kd_kfield fetchRequest_forgottenTopicsData[] = {
    {"topic", KT_STRING, 0, 7, 12, NO, 0, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 13, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_INT32, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield fetchRequest[] = {
    {"clusterId", KT_STRING, 0, NO, 0, 12, ALL, true, 0, NULL, NULL}, /* tagged */
    {"replicaId", KT_INT32, 0, 0, 14, NO, 0, false, -1, NULL, NULL},
    {"replicaState", KT_STRUCT, 0, NO, 0, NO, 0, false, 0, NULL, fetchRequest_replicaState}, /* tagged */
    {"maxWaitMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"minBytes", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"maxBytes", KT_INT32, 0, 3, ALL, NO, 0, false, 2147483647, NULL, NULL},
    {"isolationLevel", KT_INT8, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"sessionId", KT_INT32, 0, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {"sessionEpoch", KT_INT32, 0, 7, ALL, NO, 0, false, -1, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, fetchRequest_topics},
    {"forgottenTopicsData", KT_ARRAY, KT_STRUCT, 7, ALL, NO, 0, false, 0, NULL, fetchRequest_forgottenTopicsData},
    {"rackId", KT_STRING, 0, 11, ALL, NO, 0, false, 0, "", NULL},
    {0}};

static const kd_kfield fetchResponse_responses_partitions_divergingEpoch[] = {
    {"epoch", KT_INT32, 0, 12, ALL, NO, 0, false, -1, NULL, NULL},
    {"endOffset", KT_INT64, 0, 12, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse_responses_partitions_currentLeader[] = {
    {"leaderId", KT_INT32, 0, 12, ALL, NO, 0, false, -1, NULL, NULL},
    {"leaderEpoch", KT_INT32, 0, 12, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse_responses_partitions_snapshotId[] = {
    {"endOffset", KT_INT64, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"epoch", KT_INT32, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse_responses_partitions_abortedTransactions[] = {
    {"producerId", KT_INT64, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"firstOffset", KT_INT64, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse_responses_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"highWatermark", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"lastStableOffset", KT_INT64, 0, 4, ALL, NO, 0, false, -1, NULL, NULL},
    {"logStartOffset", KT_INT64, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"divergingEpoch", KT_STRUCT, 0, NO, 0, NO, 0, false, 0, NULL, fetchResponse_responses_partitions_divergingEpoch}, /* tagged */
    {"currentLeader", KT_STRUCT, 0, NO, 0, NO, 0, false, 0, NULL, fetchResponse_responses_partitions_currentLeader}, /* tagged */
    {"snapshotId", KT_STRUCT, 0, NO, 0, NO, 0, false, 0, NULL, fetchResponse_responses_partitions_snapshotId}, /* tagged */
    {"abortedTransactions", KT_ARRAY, KT_STRUCT, 4, ALL, 4, ALL, false, 0, NULL, fetchResponse_responses_partitions_abortedTransactions},
    {"preferredReadReplica", KT_INT32, 0, 11, ALL, NO, 0, false, -1, NULL, NULL},
    {"records", KT_RECORDS, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse_responses[] = {
    {"topic", KT_STRING, 0, 0, 12, NO, 0, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 13, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, fetchResponse_responses_partitions},
    {0}};

static const kd_kfield fetchResponse_nodeEndpoints[] = {
    {"nodeId", KT_INT32, 0, 16, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 16, ALL, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 16, ALL, NO, 0, false, 0, NULL, NULL},
    {"rack", KT_STRING, 0, 16, ALL, 16, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield fetchResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {"sessionId", KT_INT32, 0, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {"responses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, fetchResponse_responses},
    {"nodeEndpoints", KT_ARRAY, KT_STRUCT, NO, 0, NO, 0, false, 0, NULL, fetchResponse_nodeEndpoints}, /* tagged */
    {0}};

static const kd_kfield listOffsetsRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"currentLeaderEpoch", KT_INT32, 0, 4, ALL, NO, 0, false, -1, NULL, NULL},
    {"timestamp", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"maxNumOffsets", KT_INT32, 0, 0, 0, NO, 0, false, 1, NULL, NULL},
    {0}};

static const kd_kfield listOffsetsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listOffsetsRequest_topics_partitions},
    {0}};

static const kd_kfield listOffsetsRequest[] = {
    {"replicaId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"isolationLevel", KT_INT8, 0, 2, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listOffsetsRequest_topics},
    {"timeoutMs", KT_INT32, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listOffsetsResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"oldStyleOffsets", KT_ARRAY, KT_INT64, 0, 0, NO, 0, false, 0, NULL, NULL},
    {"timestamp", KT_INT64, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"offset", KT_INT64, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"leaderEpoch", KT_INT32, 0, 4, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield listOffsetsResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listOffsetsResponse_topics_partitions},
    {0}};

static const kd_kfield listOffsetsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 2, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listOffsetsResponse_topics},
    {0}};

static const kd_kfield metadataRequest_topics[] = {
    {"topicId", KT_UUID, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {"name", KT_STRING, 0, 0, ALL, 10, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield metadataRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, 1, ALL, false, 0, NULL, metadataRequest_topics},
    {"allowAutoTopicCreation", KT_BOOL, 0, 4, ALL, NO, 0, false, 1, NULL, NULL},
    {"includeClusterAuthorizedOperations", KT_BOOL, 0, 8, 10, NO, 0, false, 0, NULL, NULL},
    {"includeTopicAuthorizedOperations", KT_BOOL, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield metadataResponse_brokers[] = {
    {"nodeId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"rack", KT_STRING, 0, 1, ALL, 1, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield metadataResponse_topics_partitions[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"leaderId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"leaderEpoch", KT_INT32, 0, 7, ALL, NO, 0, false, -1, NULL, NULL},
    {"replicaNodes", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"isrNodes", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"offlineReplicas", KT_ARRAY, KT_INT32, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield metadataResponse_topics[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"name", KT_STRING, 0, 0, ALL, 12, ALL, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 10, ALL, NO, 0, false, 0, NULL, NULL},
    {"isInternal", KT_BOOL, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, metadataResponse_topics_partitions},
    {"topicAuthorizedOperations", KT_INT32, 0, 8, ALL, NO, 0, false, -2147483648, NULL, NULL},
    {0}};

static const kd_kfield metadataResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"brokers", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, metadataResponse_brokers},
    {"clusterId", KT_STRING, 0, 2, ALL, 2, ALL, true, 0, NULL, NULL},
    {"controllerId", KT_INT32, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, metadataResponse_topics},
    {"clusterAuthorizedOperations", KT_INT32, 0, 8, 10, NO, 0, false, -2147483648, NULL, NULL},
    {0}};

static const kd_kfield offsetCommitRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedOffset", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedLeaderEpoch", KT_INT32, 0, 6, ALL, NO, 0, false, -1, NULL, NULL},
    {"commitTimestamp", KT_INT64, 0, 1, 1, NO, 0, false, -1, NULL, NULL},
    {"committedMetadata", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetCommitRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetCommitRequest_topics_partitions},
    {0}};

static const kd_kfield offsetCommitRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"generationIdOrMemberEpoch", KT_INT32, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"memberId", KT_STRING, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 7, ALL, 7, ALL, true, 0, NULL, NULL},
    {"retentionTimeMs", KT_INT64, 0, 2, 4, NO, 0, false, -1, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetCommitRequest_topics},
    {0}};

static const kd_kfield offsetCommitResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetCommitResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetCommitResponse_topics_partitions},
    {0}};

static const kd_kfield offsetCommitResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetCommitResponse_topics},
    {0}};

static const kd_kfield offsetFetchRequest_topics[] = {
    {"name", KT_STRING, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {"partitionIndexes", KT_ARRAY, KT_INT32, 0, 7, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchRequest_groups_topics[] = {
    {"name", KT_STRING, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionIndexes", KT_ARRAY, KT_INT32, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchRequest_groups[] = {
    {"groupId", KT_STRING, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberId", KT_STRING, 0, 9, ALL, 9, ALL, true, 0, NULL, NULL},
    {"memberEpoch", KT_INT32, 0, 9, ALL, NO, 0, false, -1, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 8, ALL, 8, ALL, false, 0, NULL, offsetFetchRequest_groups_topics},
    {0}};

static const kd_kfield offsetFetchRequest[] = {
    {"groupId", KT_STRING, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, 7, 2, 7, false, 0, NULL, offsetFetchRequest_topics},
    {"groups", KT_ARRAY, KT_STRUCT, 8, ALL, NO, 0, false, 0, NULL, offsetFetchRequest_groups},
    {"requireStable", KT_BOOL, 0, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {"committedOffset", KT_INT64, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {"committedLeaderEpoch", KT_INT32, 0, 5, 7, NO, 0, false, -1, NULL, NULL},
    {"metadata", KT_STRING, 0, 0, 7, 0, 7, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchResponse_topics[] = {
    {"name", KT_STRING, 0, 0, 7, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, 7, NO, 0, false, 0, NULL, offsetFetchResponse_topics_partitions},
    {0}};

static const kd_kfield offsetFetchResponse_groups_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedOffset", KT_INT64, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedLeaderEpoch", KT_INT32, 0, 8, ALL, NO, 0, false, -1, NULL, NULL},
    {"metadata", KT_STRING, 0, 8, ALL, 8, ALL, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchResponse_groups_topics[] = {
    {"name", KT_STRING, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 8, ALL, NO, 0, false, 0, NULL, offsetFetchResponse_groups_topics_partitions},
    {0}};

static const kd_kfield offsetFetchResponse_groups[] = {
    {"groupId", KT_STRING, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 8, ALL, NO, 0, false, 0, NULL, offsetFetchResponse_groups_topics},
    {"errorCode", KT_INT16, 0, 8, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetFetchResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, 7, NO, 0, false, 0, NULL, offsetFetchResponse_topics},
    {"errorCode", KT_INT16, 0, 2, 7, NO, 0, false, 0, NULL, NULL},
    {"groups", KT_ARRAY, KT_STRUCT, 8, ALL, NO, 0, false, 0, NULL, offsetFetchResponse_groups},
    {0}};

static const kd_kfield findCoordinatorRequest[] = {
    {"key", KT_STRING, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"keyType", KT_INT8, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"coordinatorKeys", KT_ARRAY, KT_STRING, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield findCoordinatorResponse_coordinators[] = {
    {"key", KT_STRING, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"nodeId", KT_INT32, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 4, ALL, 4, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield findCoordinatorResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 1, 3, 1, 3, false, 0, NULL, NULL},
    {"nodeId", KT_INT32, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"coordinators", KT_ARRAY, KT_STRUCT, 4, ALL, NO, 0, false, 0, NULL, findCoordinatorResponse_coordinators},
    {0}};

static const kd_kfield joinGroupRequest_protocols[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"metadata", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield joinGroupRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"sessionTimeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"rebalanceTimeoutMs", KT_INT32, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"protocolType", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"protocols", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, joinGroupRequest_protocols},
    {"reason", KT_STRING, 0, 8, ALL, 8, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield joinGroupResponse_members[] = {
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"metadata", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield joinGroupResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 2, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"generationId", KT_INT32, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"protocolType", KT_STRING, 0, 7, ALL, 7, ALL, true, 0, NULL, NULL},
    {"protocolName", KT_STRING, 0, 0, ALL, 7, ALL, false, 0, NULL, NULL},
    {"leader", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"skipAssignment", KT_BOOL, 0, 9, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"members", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, joinGroupResponse_members},
    {0}};

static const kd_kfield heartbeatRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"generationId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 3, ALL, 3, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield heartbeatResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield leaveGroupRequest_members[] = {
    {"memberId", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 3, ALL, 3, ALL, true, 0, NULL, NULL},
    {"reason", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield leaveGroupRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberId", KT_STRING, 0, 0, 2, NO, 0, false, 0, NULL, NULL},
    {"members", KT_ARRAY, KT_STRUCT, 3, ALL, NO, 0, false, 0, NULL, leaveGroupRequest_members},
    {0}};

static const kd_kfield leaveGroupResponse_members[] = {
    {"memberId", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 3, ALL, 3, ALL, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield leaveGroupResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"members", KT_ARRAY, KT_STRUCT, 3, ALL, NO, 0, false, 0, NULL, leaveGroupResponse_members},
    {0}};

static const kd_kfield syncGroupRequest_assignments[] = {
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"assignment", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield syncGroupRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"generationId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 3, ALL, 3, ALL, true, 0, NULL, NULL},
    {"protocolType", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"protocolName", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"assignments", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, syncGroupRequest_assignments},
    {0}};

static const kd_kfield syncGroupResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"protocolType", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"protocolName", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {"assignment", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeGroupsRequest[] = {
    {"groups", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"includeAuthorizedOperations", KT_BOOL, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeGroupsResponse_groups_members[] = {
    {"memberId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupInstanceId", KT_STRING, 0, 4, ALL, 4, ALL, true, 0, NULL, NULL},
    {"clientId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"clientHost", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberMetadata", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"memberAssignment", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeGroupsResponse_groups[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupState", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"protocolType", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"protocolData", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"members", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeGroupsResponse_groups_members},
    {"authorizedOperations", KT_INT32, 0, 3, ALL, NO, 0, false, -2147483648, NULL, NULL},
    {0}};

static const kd_kfield describeGroupsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"groups", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeGroupsResponse_groups},
    {0}};

static const kd_kfield listGroupsRequest[] = {
    {"statesFilter", KT_ARRAY, KT_STRING, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"typesFilter", KT_ARRAY, KT_STRING, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listGroupsResponse_groups[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"protocolType", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupState", KT_STRING, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupType", KT_STRING, 0, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listGroupsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groups", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listGroupsResponse_groups},
    {0}};

static const kd_kfield apiVersionsRequest[] = {
    {"clientSoftwareName", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"clientSoftwareVersion", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield apiVersionsResponse_apiKeys[] = {
    {"apiKey", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"minVersion", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"maxVersion", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield apiVersionsResponse_supportedFeatures[] = {
    {"name", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"minVersion", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"maxVersion", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield apiVersionsResponse_finalizedFeatures[] = {
    {"name", KT_STRING, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"maxVersionLevel", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"minVersionLevel", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield apiVersionsResponse[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"apiKeys", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, apiVersionsResponse_apiKeys},
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    /* tagged 0-3 in v3+, written when the Worker names them */
    {"supportedFeatures", KT_ARRAY, KT_STRUCT, 3, ALL, NO, 0, false, 0, NULL, apiVersionsResponse_supportedFeatures, true, 0},
    {"finalizedFeaturesEpoch", KT_INT64, 0, 3, ALL, NO, 0, false, -1, NULL, NULL, true, 1},
    {"finalizedFeatures", KT_ARRAY, KT_STRUCT, 3, ALL, NO, 0, false, 0, NULL, apiVersionsResponse_finalizedFeatures, true, 2},
    {"zkMigrationReady", KT_BOOL, 0, 3, ALL, NO, 0, false, 0, NULL, NULL, true, 3},
    {0}};

static const kd_kfield createTopicsRequest_topics_assignments[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"brokerIds", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createTopicsRequest_topics_configs[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createTopicsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"numPartitions", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"replicationFactor", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"assignments", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createTopicsRequest_topics_assignments},
    {"configs", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createTopicsRequest_topics_configs},
    {0}};

static const kd_kfield createTopicsRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createTopicsRequest_topics},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 60000, NULL, NULL},
    {"validateOnly", KT_BOOL, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createTopicsResponse_topics_configs[] = {
    {"name", KT_STRING, 0, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 5, ALL, 5, ALL, false, 0, NULL, NULL},
    {"readOnly", KT_BOOL, 0, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {"configSource", KT_INT8, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"isSensitive", KT_BOOL, 0, 5, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createTopicsResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 7, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 1, ALL, 0, ALL, false, 0, NULL, NULL},
    {"topicConfigErrorCode", KT_INT16, 0, NO, 0, NO, 0, false, 0, NULL, NULL}, /* tagged */
    {"numPartitions", KT_INT32, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"replicationFactor", KT_INT16, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"configs", KT_ARRAY, KT_STRUCT, 5, ALL, 5, ALL, false, 0, NULL, createTopicsResponse_topics_configs},
    {0}};

static const kd_kfield createTopicsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 2, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createTopicsResponse_topics},
    {0}};

static const kd_kfield deleteTopicsRequest_topics[] = {
    {"name", KT_STRING, 0, 6, ALL, 6, ALL, true, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 6, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteTopicsRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 6, ALL, NO, 0, false, 0, NULL, deleteTopicsRequest_topics},
    {"topicNames", KT_ARRAY, KT_STRING, 0, 5, NO, 0, false, 0, NULL, NULL},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteTopicsResponse_responses[] = {
    {"name", KT_STRING, 0, 0, ALL, 6, ALL, false, 0, NULL, NULL},
    {"topicId", KT_UUID, 0, 6, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 5, ALL, 5, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteTopicsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"responses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteTopicsResponse_responses},
    {0}};

static const kd_kfield deleteRecordsRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"offset", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteRecordsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteRecordsRequest_topics_partitions},
    {0}};

static const kd_kfield deleteRecordsRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteRecordsRequest_topics},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteRecordsResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"lowWatermark", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteRecordsResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteRecordsResponse_topics_partitions},
    {0}};

static const kd_kfield deleteRecordsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteRecordsResponse_topics},
    {0}};

static const kd_kfield initProducerIdRequest[] = {
    {"transactionalId", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"transactionTimeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 3, ALL, NO, 0, false, -1, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 3, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield initProducerIdResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeConfigsRequest_resources[] = {
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"configurationKeys", KT_ARRAY, KT_STRING, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeConfigsRequest[] = {
    {"resources", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeConfigsRequest_resources},
    {"includeSynonyms", KT_BOOL, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"includeDocumentation", KT_BOOL, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeConfigsResponse_results_configs_synonyms[] = {
    {"name", KT_STRING, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 1, ALL, 0, ALL, false, 0, NULL, NULL},
    {"source", KT_INT8, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeConfigsResponse_results_configs[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"readOnly", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"isDefault", KT_BOOL, 0, 0, 0, NO, 0, false, 0, NULL, NULL},
    {"configSource", KT_INT8, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {"isSensitive", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"synonyms", KT_ARRAY, KT_STRUCT, 1, ALL, NO, 0, false, 0, NULL, describeConfigsResponse_results_configs_synonyms},
    {"configType", KT_INT8, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"documentation", KT_STRING, 0, 3, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeConfigsResponse_results[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"configs", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeConfigsResponse_results_configs},
    {0}};

static const kd_kfield describeConfigsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeConfigsResponse_results},
    {0}};

/* AlterConfigs (33) and IncrementalAlterConfigs (44): the same shape but for
 * configOperation, and the same response. */
static const kd_kfield alterConfigsRequest_resources_configs[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterConfigsRequest_resources[] = {
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"configs", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterConfigsRequest_resources_configs},
    {0}};

static const kd_kfield alterConfigsRequest[] = {
    {"resources", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterConfigsRequest_resources},
    {"validateOnly", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterConfigsResponse_responses[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterConfigsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"responses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterConfigsResponse_responses},
    {0}};

static const kd_kfield incrementalAlterConfigsRequest_resources_configs[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"configOperation", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"value", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield incrementalAlterConfigsRequest_resources[] = {
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"configs", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, incrementalAlterConfigsRequest_resources_configs},
    {0}};

static const kd_kfield incrementalAlterConfigsRequest[] = {
    {"resources", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, incrementalAlterConfigsRequest_resources},
    {"validateOnly", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createPartitionsRequest_topics_assignments[] = {
    {"brokerIds", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createPartitionsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"count", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"assignments", KT_ARRAY, KT_STRUCT, 0, ALL, 0, ALL, false, 0, NULL, createPartitionsRequest_topics_assignments},
    {0}};

static const kd_kfield createPartitionsRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createPartitionsRequest_topics},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"validateOnly", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createPartitionsResponse_results[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield createPartitionsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createPartitionsResponse_results},
    {0}};

static const kd_kfield deleteGroupsRequest[] = {
    {"groupsNames", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteGroupsResponse_results[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteGroupsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteGroupsResponse_results},
    {0}};

/* ---- the cluster and partition administration APIs a single broker answers
 * (issue 20): DescribeCluster, OffsetDelete, DescribeLogDirs, the partition
 * reassignments, DescribeProducers, ElectLeaders ---- */

static const kd_kfield describeClusterRequest[] = {
    {"includeClusterAuthorizedOperations", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"endpointType", KT_INT8, 0, 1, ALL, NO, 0, false, 1, NULL, NULL},
    {0}};

static const kd_kfield describeClusterResponse_brokers[] = {
    {"brokerId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"port", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"rack", KT_STRING, 0, 0, ALL, 0, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield describeClusterResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, true, 0, NULL, NULL},
    {"endpointType", KT_INT8, 0, 1, ALL, NO, 0, false, 1, NULL, NULL},
    {"clusterId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"controllerId", KT_INT32, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"brokers", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeClusterResponse_brokers},
    {"clusterAuthorizedOperations", KT_INT32, 0, 0, ALL, NO, 0, false, -2147483648, NULL, NULL},
    {0}};

static const kd_kfield offsetDeleteRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetDeleteRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetDeleteRequest_topics_partitions},
    {0}};

static const kd_kfield offsetDeleteRequest[] = {
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetDeleteRequest_topics},
    {0}};

static const kd_kfield offsetDeleteResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield offsetDeleteResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetDeleteResponse_topics_partitions},
    {0}};

static const kd_kfield offsetDeleteResponse[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, offsetDeleteResponse_topics},
    {0}};

static const kd_kfield describeLogDirsRequest_topics[] = {
    {"topic", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeLogDirsRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, 0, ALL, false, 0, NULL, describeLogDirsRequest_topics},
    {0}};

static const kd_kfield describeLogDirsResponse_results_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionSize", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"offsetLag", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"isFutureKey", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeLogDirsResponse_results_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeLogDirsResponse_results_topics_partitions},
    {0}};

static const kd_kfield describeLogDirsResponse_results[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"logDir", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeLogDirsResponse_results_topics},
    {"totalBytes", KT_INT64, 0, 4, ALL, NO, 0, false, -1, NULL, NULL},
    {"usableBytes", KT_INT64, 0, 4, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield describeLogDirsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 3, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeLogDirsResponse_results},
    {0}};

static const kd_kfield listPartitionReassignmentsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionIndexes", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listPartitionReassignmentsRequest[] = {
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 60000, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, 0, ALL, true, 0, NULL, listPartitionReassignmentsRequest_topics},
    {0}};

static const kd_kfield listPartitionReassignmentsResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"replicas", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"addingReplicas", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"removingReplicas", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listPartitionReassignmentsResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listPartitionReassignmentsResponse_topics_partitions},
    {0}};

static const kd_kfield listPartitionReassignmentsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listPartitionReassignmentsResponse_topics},
    {0}};

static const kd_kfield alterPartitionReassignmentsRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"replicas", KT_ARRAY, KT_INT32, 0, ALL, 0, ALL, true, 0, NULL, NULL},
    {0}};

static const kd_kfield alterPartitionReassignmentsRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterPartitionReassignmentsRequest_topics_partitions},
    {0}};

static const kd_kfield alterPartitionReassignmentsRequest[] = {
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 60000, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterPartitionReassignmentsRequest_topics},
    {0}};

static const kd_kfield alterPartitionReassignmentsResponse_responses_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterPartitionReassignmentsResponse_responses[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterPartitionReassignmentsResponse_responses_partitions},
    {0}};

static const kd_kfield alterPartitionReassignmentsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"responses", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterPartitionReassignmentsResponse_responses},
    {0}};

static const kd_kfield describeProducersRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionIndexes", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeProducersRequest[] = {
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeProducersRequest_topics},
    {0}};

static const kd_kfield describeProducersResponse_topics_partitions_activeProducers[] = {
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"lastSequence", KT_INT32, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"lastTimestamp", KT_INT64, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {"coordinatorEpoch", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"currentTxnStartOffset", KT_INT64, 0, 0, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield describeProducersResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, true, 0, NULL, NULL},
    {"activeProducers", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeProducersResponse_topics_partitions_activeProducers},
    {0}};

static const kd_kfield describeProducersResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeProducersResponse_topics_partitions},
    {0}};

static const kd_kfield describeProducersResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeProducersResponse_topics},
    {0}};

static const kd_kfield electLeadersRequest_topicPartitions[] = {
    {"topic", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield electLeadersRequest[] = {
    {"electionType", KT_INT8, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"topicPartitions", KT_ARRAY, KT_STRUCT, 0, ALL, 0, ALL, false, 0, NULL, electLeadersRequest_topicPartitions},
    {"timeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 60000, NULL, NULL},
    {0}};

static const kd_kfield electLeadersResponse_replicaElectionResults_partitionResult[] = {
    {"partitionId", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield electLeadersResponse_replicaElectionResults[] = {
    {"topic", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionResult", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, electLeadersResponse_replicaElectionResults_partitionResult},
    {0}};

static const kd_kfield electLeadersResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {"replicaElectionResults", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, electLeadersResponse_replicaElectionResults},
    {0}};


/*
 * The versions Kafdo answers. Produce starts at 0 although Kafdo stores only
 * RecordBatch v2 (magic 2): v0-2 differ from v3 only in lacking transactionalId
 * (and, in the response, throttleTimeMs before v1, logAppendTimeMs before v2), and
 * Kafka itself accepts magic-2 batches in them (ProduceRequest checks the magic
 * only from v3 on); magic 0/1 message sets in any version are refused with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (kd_batch_read). The 0 matters to librdkafka
 * (2.0.2 and others): it compresses with gzip, snappy or lz4 only when the broker's
 * Produce range includes version 0 (rd_kafka_msgset_writer_select_MsgVersion asks
 * for Produce 0..0), else it logs "Broker does not support compression type" and
 * sends every batch uncompressed.
 *
 * Fetch stays at 4+: a Fetch below 4 must be answered in message format 0 or 1,
 * which would mean converting stored batches, also snappy, lz4 and zstd ones the
 * core cannot open. librdkafka so leaves its MsgVer1 and ThrottleTime features
 * off, which changes nothing while MsgVer2 (Produce 3, Fetch 4) is on.
 */
/* SASL (issue 15): authentication, and the SCRAM credentials' administration. */
static const kd_kfield saslHandshakeRequest[] = {
    {"mechanism", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield saslHandshakeResponse[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"mechanisms", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield saslAuthenticateRequest[] = {
    {"authBytes", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield saslAuthenticateResponse[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"authBytes", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"sessionLifetimeMs", KT_INT64, 0, 1, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeUserScramCredentialsRequest_users[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeUserScramCredentialsRequest[] = {
    {"users", KT_ARRAY, KT_STRUCT, 0, ALL, 0, ALL, false, 0, NULL, describeUserScramCredentialsRequest_users},
    {0}};

static const kd_kfield describeUserScramCredentialsResponse_results_credentialInfos[] = {
    {"mechanism", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"iterations", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeUserScramCredentialsResponse_results[] = {
    {"user", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"credentialInfos", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeUserScramCredentialsResponse_results_credentialInfos},
    {0}};

static const kd_kfield describeUserScramCredentialsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeUserScramCredentialsResponse_results},
    {0}};

static const kd_kfield alterUserScramCredentialsRequest_deletions[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"mechanism", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterUserScramCredentialsRequest_upsertions[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"mechanism", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"iterations", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"salt", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"saltedPassword", KT_BYTES, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterUserScramCredentialsRequest[] = {
    {"deletions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterUserScramCredentialsRequest_deletions},
    {"upsertions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterUserScramCredentialsRequest_upsertions},
    {0}};

static const kd_kfield alterUserScramCredentialsResponse_results[] = {
    {"user", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield alterUserScramCredentialsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, alterUserScramCredentialsResponse_results},
    {0}};

/* ACLs (issue 15): DescribeAcls, CreateAcls, DeleteAcls. */
static const kd_kfield describeAclsRequest[] = {
    {"resourceTypeFilter", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceNameFilter", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"patternTypeFilter", KT_INT8, 0, 1, ALL, NO, 0, false, 3, NULL, NULL},
    {"principalFilter", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"hostFilter", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"operation", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"permissionType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeAclsResponse_resources_acls[] = {
    {"principal", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"operation", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"permissionType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeAclsResponse_resources[] = {
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"patternType", KT_INT8, 0, 1, ALL, NO, 0, false, 3, NULL, NULL},
    {"acls", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeAclsResponse_resources_acls},
    {0}};

static const kd_kfield describeAclsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"resources", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeAclsResponse_resources},
    {0}};

static const kd_kfield createAclsRequest_creations[] = {
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourcePatternType", KT_INT8, 0, 1, ALL, NO, 0, false, 3, NULL, NULL},
    {"principal", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"operation", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"permissionType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createAclsRequest[] = {
    {"creations", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createAclsRequest_creations},
    {0}};

static const kd_kfield createAclsResponse_results[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield createAclsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"results", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, createAclsResponse_results},
    {0}};

static const kd_kfield deleteAclsRequest[] = {
    /* Each filter has DescribeAcls's fields (Kafka's DeleteAclsFilter). */
    {"filters", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeAclsRequest},
    {0}};

static const kd_kfield deleteAclsResponse_filterResults_matchingAcls[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"resourceType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resourceName", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"patternType", KT_INT8, 0, 1, ALL, NO, 0, false, 3, NULL, NULL},
    {"principal", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"host", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"operation", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"permissionType", KT_INT8, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield deleteAclsResponse_filterResults[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorMessage", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {"matchingAcls", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteAclsResponse_filterResults_matchingAcls},
    {0}};

static const kd_kfield deleteAclsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"filterResults", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, deleteAclsResponse_filterResults},
    {0}};

/* Transactions (issue 16): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, DescribeTransactions,
 * ListTransactions. AddPartitionsToTxn 4+ is the brokers' batched form (KIP-890). */
static const kd_kfield addPartitionsToTxnRequest_transactions_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield addPartitionsToTxnRequest_transactions[] = {
    {"transactionalId", KT_STRING, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"verifyOnly", KT_BOOL, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 4, ALL, NO, 0, false, 0, NULL, addPartitionsToTxnRequest_transactions_topics},
    {0}};

static const kd_kfield addPartitionsToTxnRequest[] = {
    {"transactions", KT_ARRAY, KT_STRUCT, 4, ALL, NO, 0, false, 0, NULL, addPartitionsToTxnRequest_transactions},
    {"v3AndBelowTransactionalId", KT_STRING, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"v3AndBelowProducerId", KT_INT64, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"v3AndBelowProducerEpoch", KT_INT16, 0, 0, 3, NO, 0, false, 0, NULL, NULL},
    {"v3AndBelowTopics", KT_ARRAY, KT_STRUCT, 0, 3, NO, 0, false, 0, NULL, addPartitionsToTxnRequest_transactions_topics},
    {0}};

static const kd_kfield addPartitionsToTxnResponse_resultsByTransaction_topicResults_resultsByPartition[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitionErrorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield addPartitionsToTxnResponse_resultsByTransaction_topicResults[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"resultsByPartition", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, addPartitionsToTxnResponse_resultsByTransaction_topicResults_resultsByPartition},
    {0}};

static const kd_kfield addPartitionsToTxnResponse_resultsByTransaction[] = {
    {"transactionalId", KT_STRING, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"topicResults", KT_ARRAY, KT_STRUCT, 4, ALL, NO, 0, false, 0, NULL, addPartitionsToTxnResponse_resultsByTransaction_topicResults},
    {0}};

static const kd_kfield addPartitionsToTxnResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 4, ALL, NO, 0, false, 0, NULL, NULL},
    {"resultsByTransaction", KT_ARRAY, KT_STRUCT, 4, ALL, NO, 0, false, 0, NULL, addPartitionsToTxnResponse_resultsByTransaction},
    {"resultsByTopicV3AndBelow", KT_ARRAY, KT_STRUCT, 0, 3, NO, 0, false, 0, NULL, addPartitionsToTxnResponse_resultsByTransaction_topicResults},
    {0}};

static const kd_kfield addOffsetsToTxnRequest[] = {
    {"transactionalId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield addOffsetsToTxnResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield endTxnRequest[] = {
    {"transactionalId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"committed", KT_BOOL, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield endTxnResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 5, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield describeTransactionsRequest[] = {
    {"transactionalIds", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeTransactionsResponse_transactionStates_topics[] = {
    {"topic", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_INT32, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield describeTransactionsResponse_transactionStates[] = {
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionalId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionState", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionTimeoutMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionStartTimeMs", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeTransactionsResponse_transactionStates_topics},
    {0}};

static const kd_kfield describeTransactionsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionStates", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, describeTransactionsResponse_transactionStates},
    {0}};

static const kd_kfield listTransactionsRequest[] = {
    {"stateFilters", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerIdFilters", KT_ARRAY, KT_INT64, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"durationFilter", KT_INT64, 0, 1, ALL, NO, 0, false, -1, NULL, NULL},
    {0}};

static const kd_kfield listTransactionsResponse_transactionStates[] = {
    {"transactionalId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionState", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield listTransactionsResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"unknownStateFilters", KT_ARRAY, KT_STRING, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"transactionStates", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, listTransactionsResponse_transactionStates},
    {0}};

/* ---- transactions (issue 16): TxnOffsetCommit, the group's side ---- */

static const kd_kfield txnOffsetCommitRequest_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedOffset", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"committedLeaderEpoch", KT_INT32, 0, 2, ALL, NO, 0, false, -1, NULL, NULL},
    {"committedMetadata", KT_STRING, 0, 0, ALL, 0, ALL, false, 0, NULL, NULL},
    {0}};

static const kd_kfield txnOffsetCommitRequest_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, txnOffsetCommitRequest_topics_partitions},
    {0}};

static const kd_kfield txnOffsetCommitRequest[] = {
    {"transactionalId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"groupId", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerId", KT_INT64, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"producerEpoch", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"generationId", KT_INT32, 0, 3, ALL, NO, 0, false, -1, NULL, NULL},
    {"memberId", KT_STRING, 0, 3, ALL, NO, 0, false, 0, "", NULL},
    {"groupInstanceId", KT_STRING, 0, 3, ALL, 3, ALL, true, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, txnOffsetCommitRequest_topics},
    {0}};

static const kd_kfield txnOffsetCommitResponse_topics_partitions[] = {
    {"partitionIndex", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"errorCode", KT_INT16, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {0}};

static const kd_kfield txnOffsetCommitResponse_topics[] = {
    {"name", KT_STRING, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"partitions", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, txnOffsetCommitResponse_topics_partitions},
    {0}};

static const kd_kfield txnOffsetCommitResponse[] = {
    {"throttleTimeMs", KT_INT32, 0, 0, ALL, NO, 0, false, 0, NULL, NULL},
    {"topics", KT_ARRAY, KT_STRUCT, 0, ALL, NO, 0, false, 0, NULL, txnOffsetCommitResponse_topics},
    {0}};

const kd_kapi kd_kafka_apis[] = {
    {0, "Produce", 0, 11, 9, produceRequest, produceResponse},
    {1, "Fetch", 4, 12, 12, fetchRequest, fetchResponse},
    {2, "ListOffsets", 0, 6, 6, listOffsetsRequest, listOffsetsResponse},
    {3, "Metadata", 0, 12, 9, metadataRequest, metadataResponse},
    {8, "OffsetCommit", 0, 8, 8, offsetCommitRequest, offsetCommitResponse},
    {9, "OffsetFetch", 1, 8, 6, offsetFetchRequest, offsetFetchResponse},
    {10, "FindCoordinator", 0, 5, 3, findCoordinatorRequest, findCoordinatorResponse},
    {11, "JoinGroup", 0, 9, 6, joinGroupRequest, joinGroupResponse},
    {12, "Heartbeat", 0, 4, 4, heartbeatRequest, heartbeatResponse},
    {13, "LeaveGroup", 0, 5, 4, leaveGroupRequest, leaveGroupResponse},
    {14, "SyncGroup", 0, 5, 4, syncGroupRequest, syncGroupResponse},
    {15, "DescribeGroups", 0, 5, 5, describeGroupsRequest, describeGroupsResponse},
    {16, "ListGroups", 0, 5, 3, listGroupsRequest, listGroupsResponse},
    {17, "SaslHandshake", 0, 1, NO, saslHandshakeRequest, saslHandshakeResponse},
    {18, "ApiVersions", 0, 4, 3, apiVersionsRequest, apiVersionsResponse},
    {19, "CreateTopics", 0, 7, 5, createTopicsRequest, createTopicsResponse},
    {20, "DeleteTopics", 0, 6, 4, deleteTopicsRequest, deleteTopicsResponse},
    {21, "DeleteRecords", 0, 2, 2, deleteRecordsRequest, deleteRecordsResponse},
    {22, "InitProducerId", 0, 5, 2, initProducerIdRequest, initProducerIdResponse},
    {24, "AddPartitionsToTxn", 0, 3, 3, addPartitionsToTxnRequest, addPartitionsToTxnResponse},
    {25, "AddOffsetsToTxn", 0, 3, 3, addOffsetsToTxnRequest, addOffsetsToTxnResponse},
    {26, "EndTxn", 0, 3, 3, endTxnRequest, endTxnResponse},
    {28, "TxnOffsetCommit", 0, 3, 3, txnOffsetCommitRequest, txnOffsetCommitResponse},
    {29, "DescribeAcls", 0, 3, 2, describeAclsRequest, describeAclsResponse},
    {30, "CreateAcls", 0, 3, 2, createAclsRequest, createAclsResponse},
    {31, "DeleteAcls", 0, 3, 2, deleteAclsRequest, deleteAclsResponse},
    {32, "DescribeConfigs", 0, 4, 4, describeConfigsRequest, describeConfigsResponse},
    {33, "AlterConfigs", 0, 2, 2, alterConfigsRequest, alterConfigsResponse},
    {35, "DescribeLogDirs", 0, 4, 2, describeLogDirsRequest, describeLogDirsResponse},
    {36, "SaslAuthenticate", 0, 2, 2, saslAuthenticateRequest, saslAuthenticateResponse},
    {37, "CreatePartitions", 0, 3, 2, createPartitionsRequest, createPartitionsResponse},
    {42, "DeleteGroups", 0, 2, 2, deleteGroupsRequest, deleteGroupsResponse},
    {43, "ElectLeaders", 0, 2, 2, electLeadersRequest, electLeadersResponse},
    {44, "IncrementalAlterConfigs", 0, 1, 1, incrementalAlterConfigsRequest, alterConfigsResponse},
    {45, "AlterPartitionReassignments", 0, 0, 0, alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse},
    {46, "ListPartitionReassignments", 0, 0, 0, listPartitionReassignmentsRequest, listPartitionReassignmentsResponse},
    {47, "OffsetDelete", 0, 0, NO, offsetDeleteRequest, offsetDeleteResponse},
    {50, "DescribeUserScramCredentials", 0, 0, 0, describeUserScramCredentialsRequest, describeUserScramCredentialsResponse},
    {51, "AlterUserScramCredentials", 0, 0, 0, alterUserScramCredentialsRequest, alterUserScramCredentialsResponse},
    {60, "DescribeCluster", 0, 1, 0, describeClusterRequest, describeClusterResponse},
    {61, "DescribeProducers", 0, 0, 0, describeProducersRequest, describeProducersResponse},
    {65, "DescribeTransactions", 0, 0, 0, describeTransactionsRequest, describeTransactionsResponse},
    {66, "ListTransactions", 0, 1, 0, listTransactionsRequest, listTransactionsResponse},
};
/* clang-format on */
const size_t kd_kafka_api_count = sizeof kd_kafka_apis / sizeof kd_kafka_apis[0];

const kd_kapi *kd_kafka_api(int16_t key)
{
    for (size_t i = 0; i < kd_kafka_api_count; i++)
        if (kd_kafka_apis[i].key == key)
            return &kd_kafka_apis[i];
    return NULL;
}
