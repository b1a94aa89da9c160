/*
 * Tests src-c/kafka_codec.c, kafka_schema.c and json.c: request frames encoded by
 * kafkajs 2.2.4 for every supported API (embedded below at each API's newest
 * kafkajs version; with --vectors DIR, every version tests/vectors/
 * make-kafka-requests.mjs wrote), a hand-built flexible ApiVersions v3 request,
 * the UNSUPPORTED_VERSION and INVALID_REQUEST paths, frames cut at every length,
 * trailing bytes, huge counts, bad UTF-8; and responses encoded from JSON checked
 * byte for byte, with blob holes, defaults, unknown fields and error responses.
 */
#include "check.h"
#include "kafdo.h"

/* Frames from tests/vectors/make-kafka-requests.mjs (correlation id 42, client id
 * "kafdo-test"), as hex. */
static const struct {
    const char *name;
    const char *hex;
} frames[] = {
    {"produce_v7", "000000ce000000070000002a000a6b6166646f2d74657374ffffffff000075300000000100066f726465727300000002"
                   "000000000000004800000000000000000000003c00000000024dd8f1210000000000000000018bcfe568000000018bcf"
                   "e56800ffffffffffffffff0000000000000000000114000000046b3104763100000000020000004a0000000000000000"
                   "0000003e00000000022fd7d46f0000000000000000018bcfe568010000018bcfe56801ffffffffffffffff0000000000"
                   "000000000118000000010476320202680278"},
    /* Produce v2 (no transactionalId; kafkajs writes a magic-1 message set): librdkafka
     * sees a broker compress only when its Produce range reaches down to v0. */
    {"produce_v2", "00000084000000020000002a000a6b6166646f2d74657374ffff000075300000000100066f7264657273000000020000"
                   "000000000026ffffffffffffffff0000001aa5da6a6201000000018bcfe56800000000026b3100000002763100000002"
                   "00000024ffffffffffffffff0000001832d28e8101000000018bcfe56801ffffffff000000027632"},
    {"fetch_v11", "000000650001000b0000002a000a6b6166646f2d74657374ffffffff000001f40000000100a000000100000000ffffff"
                  "ff0000000100066f72646572730000000100000003ffffffff0000000000003039ffffffffffffffff00100000000000"
                  "0000067261636b2d61"},
    {"listOffsets_v3",
     "00000035000200030000002a000a6b6166646f2d74657374ffffffff010000000100066f726465727300000001000000"
     "01fffffffffffffffe"},
    {"metadata_v6", "00000029000300060000002a000a6b6166646f2d746573740000000200066f726465727300066576656e747300"},
    {"offsetCommit_v5",
     "00000041000800050000002a000a6b6166646f2d74657374000267310000000700036d2d310000000100066f72646572"
     "730000000100000000000000000000006300026d64"},
    {"offsetFetch_v4",
     "00000030000900040000002a000a6b6166646f2d74657374000267310000000100066f72646572730000000200000000"
     "00000001"},
    {"findCoordinator_v2", "00000019000a00020000002a000a6b6166646f2d746573740002673100"},
    {"joinGroup_v5", "0000004e000b00050000002a000a6b6166646f2d7465737400026731000075300000ea600000ffff0008636f6e73756d"
                     "6572000000010012526f756e64526f62696e41737369676e65720000000400010203"},
    {"heartbeat_v3", "00000023000c00030000002a000a6b6166646f2d74657374000267310000000700036d2d31ffff"},
    {"leaveGroup_v3", "00000023000d00030000002a000a6b6166646f2d74657374000267310000000100036d2d31ffff"},
    {"syncGroup_v3", "00000033000e00030000002a000a6b6166646f2d74657374000267310000000700036d2d31ffff0000000100036d2d31"
                     "00000003090807"},
    {"describeGroups_v2", "00000020000f00020000002a000a6b6166646f2d74657374000000020002673100026732"},
    {"listGroups_v2", "00000014001000020000002a000a6b6166646f2d74657374"},
    {"apiVersions_v2", "00000014001200020000002a000a6b6166646f2d74657374"},
    {"createTopics_v3",
     "0000004c001300030000002a000a6b6166646f2d746573740000000100066f7264657273000000030001000000000000"
     "0001000e636c65616e75702e706f6c6963790007636f6d706163740000138800"},
    {"deleteTopics_v1", "00000024001400010000002a000a6b6166646f2d746573740000000100066f726465727300001388"},
    {"deleteRecords_v1",
     "00000040001500010000002a000a6b6166646f2d746573740000000100066f72646572730000000200000000000000000000"
     "002a00000002ffffffffffffffff00001388"},
    {"initProducerId_v1", "0000001a001600010000002a000a6b6166646f2d74657374ffff00007530"},
    {"describeConfigs_v2",
     "00000034002000020000002a000a6b6166646f2d74657374000000010200066f726465727300000001000c726574656e"
     "74696f6e2e6d7301"},
    {"alterConfigs_v1",
     "0000004c002100010000002a000a6b6166646f2d74657374000000010200066f726465727300000002000c726574656e"
     "74696f6e2e6d73000431303030000e636c65616e75702e706f6c696379ffff01"},
    {"createPartitions_v1",
     "0000002d002500010000002a000a6b6166646f2d746573740000000100066f726465727300000005ffffffff00001388"
     "00"},
    {"deleteGroups_v1", "00000020002a00010000002a000a6b6166646f2d74657374000000020002673100026732"},
};
#define FRAME_COUNT (sizeof frames / sizeof frames[0])

/* What each API's decoded JSON must contain (the arguments the script gave kafkajs). */
static const struct {
    const char *prefix;
    const char *expect;
} expectations[] = {
    {"produce_", "\"transactionalId\":null,\"acks\":-1,\"timeoutMs\":30000,\"topicData\":[{\"name\":\"orders\","
                 "\"partitionData\":[{\"index\":0,\"records\":{\"at\":"},
    /* v0-2 carry no transactionalId (it reads as null); kafkajs writes message sets of
     * magic 0 (v0, v1: 30 and 28 bytes) and magic 1 (v2: 38 and 36), the codec passes
     * any records on as bytes. v3+ carry RecordBatch v2. */
    {"produce_v0", "{\"at\":54,\"len\":30}},{\"index\":2,\"records\":{\"at\":92,\"len\":28}}]}]"},
    {"produce_v1", "{\"at\":54,\"len\":30}},{\"index\":2,\"records\":{\"at\":92,\"len\":28}}]}]"},
    {"produce_v2", "{\"at\":54,\"len\":38}},{\"index\":2,\"records\":{\"at\":100,\"len\":36}}]}]"},
#define PRODUCE_V3_PLUS "{\"at\":56,\"len\":72}},{\"index\":2,\"records\":{\"at\":136,\"len\":74}}]}]"
    {"produce_v3", PRODUCE_V3_PLUS},
    {"produce_v4", PRODUCE_V3_PLUS},
    {"produce_v5", PRODUCE_V3_PLUS},
    {"produce_v6", PRODUCE_V3_PLUS},
    {"produce_v7", PRODUCE_V3_PLUS},
    {"fetch_", "\"replicaId\":-1,\"replicaState\":{\"replicaId\":-1,\"replicaEpoch\":-1},\"maxWaitMs\":500,"
               "\"minBytes\":1,\"maxBytes\":10485760,\"isolationLevel\":1,"},
    {"fetch_",
     "\"topics\":[{\"topic\":\"orders\",\"topicId\":\"00000000000000000000000000000000\",\"partitions\":"
     "[{\"partition\":3,\"currentLeaderEpoch\":-1,\"fetchOffset\":12345,\"lastFetchedEpoch\":-1,\"logStartOffset\":-1,"
     "\"partitionMaxBytes\":1048576,\"replicaDirectoryId\":\"00000000000000000000000000000000\"}]}],"
     "\"forgottenTopicsData\":[]"},
    {"listOffsets_", "\"replicaId\":-1,"},
    {"listOffsets_", "\"topics\":[{\"name\":\"orders\",\"partitions\":[{\"partitionIndex\":1,\"currentLeaderEpoch\":-1,"
                     "\"timestamp\":-2,\"maxNumOffsets\":1}]}],\"timeoutMs\":0"},
    {"metadata_",
     "\"topics\":[{\"topicId\":\"00000000000000000000000000000000\",\"name\":\"orders\"},"
     "{\"topicId\":\"00000000000000000000000000000000\",\"name\":\"events\"}],\"allowAutoTopicCreation\":"},
    {"offsetCommit_", "\"groupId\":\"g1\",\"generationIdOrMemberEpoch\":"},
    {"offsetCommit_", "\"topics\":[{\"name\":\"orders\",\"partitions\":[{\"partitionIndex\":0,\"committedOffset\":99,"},
    {"offsetCommit_", "\"committedMetadata\":\"md\"}]}]"},
    {"offsetFetch_", "\"groupId\":\"g1\",\"topics\":[{\"name\":\"orders\",\"partitionIndexes\":[0,1]}]"},
    {"findCoordinator_", "\"key\":\"g1\",\"keyType\":0"},
    {"joinGroup_", "\"groupId\":\"g1\",\"sessionTimeoutMs\":30000,\"rebalanceTimeoutMs\":"},
    {"joinGroup_", "\"memberId\":\"\",\"groupInstanceId\":null,\"protocolType\":\"consumer\",\"protocols\":[{\"name\":"
                   "\"RoundRobinAssigner\",\"metadata\":{\"at\":"},
    {"heartbeat_", "\"groupId\":\"g1\",\"generationId\":7,\"memberId\":\"m-1\",\"groupInstanceId\":null"},
    {"leaveGroup_", "\"groupId\":\"g1\",\"memberId\":"},
    {"syncGroup_",
     "\"groupId\":\"g1\",\"generationId\":7,\"memberId\":\"m-1\",\"groupInstanceId\":null,\"protocolType\":null,"
     "\"protocolName\":null,\"assignments\":[{\"memberId\":\"m-1\",\"assignment\":{\"at\":"},
    {"describeGroups_", "\"groups\":[\"g1\",\"g2\"],\"includeAuthorizedOperations\":false"},
    {"listGroups_", "\"body\":{\"statesFilter\":[],\"typesFilter\":[]}"},
    {"apiVersions_", "\"body\":{\"clientSoftwareName\":\"\",\"clientSoftwareVersion\":\"\"}"},
    {"createTopics_",
     "\"topics\":[{\"name\":\"orders\",\"numPartitions\":3,\"replicationFactor\":1,\"assignments\":[],"
     "\"configs\":[{\"name\":\"cleanup.policy\",\"value\":\"compact\"}]}],\"timeoutMs\":5000,\"validateOnly\":false"},
    {"deleteTopics_", "\"topicNames\":[\"orders\"],\"timeoutMs\":5000"},
    {"deleteRecords_", "\"topics\":[{\"name\":\"orders\",\"partitions\":[{\"partitionIndex\":0,\"offset\":42},"
                       "{\"partitionIndex\":2,\"offset\":-1}]}],\"timeoutMs\":5000"},
    {"initProducerId_", "\"transactionalId\":null,\"transactionTimeoutMs\":30000"},
    {"describeConfigs_",
     "\"resources\":[{\"resourceType\":2,\"resourceName\":\"orders\",\"configurationKeys\":[\"retention.ms\"]}]"},
    {"alterConfigs_",
     "\"resources\":[{\"resourceType\":2,\"resourceName\":\"orders\",\"configs\":[{\"name\":"
     "\"retention.ms\",\"value\":\"1000\"},{\"name\":\"cleanup.policy\",\"value\":null}]}],\"validateOnly\":true"},
    {"createPartitions_",
     "\"topics\":[{\"name\":\"orders\",\"count\":5,\"assignments\":null}],\"timeoutMs\":5000,\"validateOnly\":false"},
    {"deleteGroups_", "\"groupsNames\":[\"g1\",\"g2\"]"},
};

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[2 * n] && hex[2 * n + 1] && n < cap; n++)
        sscanf(hex + 2 * n, "%2hhx", &out[n]);
    return n;
}

/* The output as a NUL-terminated string (copied: the next call reuses the buffer). */
static char out_text[1 << 16];
static const char *output(void)
{
    size_t n = kd_out_len() < sizeof out_text - 1 ? kd_out_len() : sizeof out_text - 1;
    memcpy(out_text, kd_out_ptr(), n);
    out_text[n] = 0;
    return out_text;
}

static int decode(const uint8_t *p, size_t n)
{
    return kd_kafka_decode(p, (uint32_t)n);
}

static void check_contains(const char *what, const char *json, const char *needle)
{
    if (!strstr(json, needle)) {
        fprintf(stderr, "  %s: expected %s\n  in %s\n", what, needle, json);
        check_current_failed++;
    }
}

/* A frame decodes, with the header kafkajs wrote and the body the script asked for. */
static void check_frame(const char *name, const uint8_t *p, size_t n)
{
    int rc = decode(p, n);
    if (rc != 0) {
        fprintf(stderr, "  %s: rc %d: %s\n", name, rc, kd_error_message());
        check_current_failed++;
        return;
    }
    const char *json = output();
    check_contains(name, json, "\"correlationId\":42,\"clientId\":\"kafdo-test\",\"body\":{");
    int matched = 0;
    for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++)
        if (strncmp(name, expectations[i].prefix, strlen(expectations[i].prefix)) == 0) {
            check_contains(name, json, expectations[i].expect);
            matched++;
        }
    CHECK(matched > 0);
}

/* Every prefix of a frame (its size prefix made to agree) is refused, and never
 * read past: ASan watches the copy, sized exactly. */
static void check_truncations(const char *name, const uint8_t *p, size_t n)
{
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, p, cut);
        if (cut >= 4) {
            uint32_t size = (uint32_t)cut - 4;
            copy[0] = (uint8_t)(size >> 24), copy[1] = (uint8_t)(size >> 16), copy[2] = (uint8_t)(size >> 8),
            copy[3] = (uint8_t)size;
        }
        int rc = decode(copy, cut);
        if (cut < 12 ? rc != KD_ERR_INVALID_ARG : rc != KD_INVALID_REQUEST) {
            fprintf(stderr, "  %s cut at %zu: rc %d\n", name, cut, rc);
            check_current_failed++;
        } else if (cut >= 12) {
            check_contains(name, output(), "\"body\":null}");
        }
        free(copy);
    }
}

static void test_kafkajs_frames(void)
{
    uint8_t buf[1024];
    for (size_t i = 0; i < FRAME_COUNT; i++) {
        size_t n = from_hex(frames[i].hex, buf, sizeof buf);
        check_frame(frames[i].name, buf, n);
    }
}

static void test_truncated_frames(void)
{
    uint8_t buf[1024];
    for (size_t i = 0; i < FRAME_COUNT; i++)
        check_truncations(frames[i].name, buf, from_hex(frames[i].hex, buf, sizeof buf));
}

static void test_trailing_bytes(void)
{
    uint8_t buf[1024];
    size_t n = from_hex(frames[0].hex, buf, sizeof buf);
    buf[n] = 0;
    buf[3]++;
    CHECK_EQ_INT(decode(buf, n + 1), KD_INVALID_REQUEST);
    CHECK(strstr(kd_error_message(), "trailing") != NULL);
    check_contains("trailing", output(),
                   "{\"apiKey\":0,\"apiVersion\":7,\"correlationId\":42,\"clientId\":\"kafdo-test\",\"body\":null}");
}

static void test_header_errors(void)
{
    uint8_t buf[1024];
    size_t n = from_hex(frames[0].hex, buf, sizeof buf);
    CHECK_EQ_INT(decode(NULL, 0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(decode(buf, 11), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_out_len(), 0);
    buf[3]++; /* size prefix disagrees */
    CHECK_EQ_INT(decode(buf, n), KD_ERR_INVALID_ARG);
    buf[3]--;
    CHECK_EQ_INT(decode(buf, n), 0);
}

/* A request for an API or a version Kafdo does not speak: 35 and the header. */
static void test_unsupported_version(void)
{
    /* Produce v12, Fetch v3, an unknown key 99, ApiVersions v5: size, key, version,
     * correlation id, client id "c", then no body. */
    static const uint8_t produce_v12[] = {0, 0, 0, 11, 0, 0, 0, 12, 0, 0, 0, 5, 0, 1, 'c'};
    static const uint8_t fetch_v3[] = {0, 0, 0, 11, 0, 1, 0, 3, 0, 0, 0, 5, 0, 1, 'c'};
    static const uint8_t key_99[] = {0, 0, 0, 10, 0, 99, 0, 0, 0, 0, 0, 5, 0xff, 0xff};
    static const uint8_t api_versions_v5[] = {0, 0, 0, 12, 0, 18, 0, 5, 0, 0, 0, 5, 0, 1, 'c', 0};
    CHECK_EQ_INT(decode(produce_v12, sizeof produce_v12), KD_UNSUPPORTED_VERSION);
    CHECK(strcmp(output(), "{\"apiKey\":0,\"apiVersion\":12,\"correlationId\":5,\"clientId\":\"c\",\"body\":null}") ==
          0);
    CHECK_EQ_INT(decode(fetch_v3, sizeof fetch_v3), KD_UNSUPPORTED_VERSION);
    CHECK_EQ_INT(decode(key_99, sizeof key_99), KD_UNSUPPORTED_VERSION);
    CHECK(strcmp(output(), "{\"apiKey\":99,\"apiVersion\":0,\"correlationId\":5,\"clientId\":null,\"body\":null}") ==
          0);
    CHECK_EQ_INT(decode(api_versions_v5, sizeof api_versions_v5), KD_UNSUPPORTED_VERSION);
    CHECK(strstr(output(), "\"apiKey\":18,\"apiVersion\":5,") != NULL);
}

/* ApiVersions v3 as librdkafka sends it: request header v2 (client id with its
 * int16 length, then tagged fields), a compact-string body, tagged fields. */
static void test_api_versions_v3_flexible(void)
{
    /* clang-format off */
    uint8_t f[] = {0, 0, 0, 0, 0, 18, 0, 3, 0, 0, 0, 9, 0, 7, 'r', 'd', 'k', 'a', 'f', 'k', 'a',
                   1, 0, 3, 0x7f, /* header tagged fields: one, tag 0, 3 bytes, skipped */
                   0, 0,
                   11, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a', /* compact: length + 1 */
                   6, '2', '.', '0', '.', '2',
                   0}; /* body tagged fields: none */
    /* clang-format on */
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strcmp(output(), "{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":9,\"clientId\":\"rdkafka\",\"body\":"
                           "{\"clientSoftwareName\":\"librdkafka\",\"clientSoftwareVersion\":\"2.0.2\"}}") == 0);
    f[27] = 0; /* a compact string of length "0": null, which the field does not allow */
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    f[27] = 11;
    f[sizeof f - 1] = 1; /* a tagged field announced, none there */
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    check_truncations("apiVersions_v3", f, sizeof f - 1 + 1);
}

/* IncrementalAlterConfigs v1 (flexible; kafkajs has no encoder for it): compact
 * strings and arrays, each struct with its tagged fields. */
static void test_incremental_alter_configs_v1_flexible(void)
{
    /* clang-format off */
    uint8_t f[] = {0, 0, 0, 0, 0, 44, 0, 1, 0, 0, 0, 5, 0, 1, 'c', 0, /* header v2 */
                   2, 2, 2, 't',                                      /* one resource: TOPIC "t" */
                   3,                                                 /* two configs */
                   13, 'r', 'e', 't', 'e', 'n', 't', 'i', 'o', 'n', '.', 'm', 's', 0, 5, '1', '0', '0', '0', 0,
                   15, 'c', 'l', 'e', 'a', 'n', 'u', 'p', '.', 'p', 'o', 'l', 'i', 'c', 'y', 2, 0, 0,
                   0,     /* the resource's tagged fields */
                   1, 0}; /* validateOnly, the body's tagged fields */
    /* clang-format on */
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strcmp(output(),
                 "{\"apiKey\":44,\"apiVersion\":1,\"correlationId\":5,\"clientId\":\"c\",\"body\":{\"resources\":"
                 "[{\"resourceType\":2,\"resourceName\":\"t\",\"configs\":[{\"name\":\"retention.ms\","
                 "\"configOperation\":0,\"value\":\"1000\"},{\"name\":\"cleanup.policy\",\"configOperation\":2,"
                 "\"value\":null}]}],\"validateOnly\":true}}") == 0);
    check_truncations("incrementalAlterConfigs_v1", f, sizeof f);
    f[7] = 2; /* no v2 upstream */
    CHECK_EQ_INT(decode(f, sizeof f), KD_UNSUPPORTED_VERSION);
}

/* A count far beyond the frame is malformed at once, before any allocation. */
static void test_huge_counts(void)
{
    /* DeleteGroups v0: groupsNames count 0x7fffffff, then one name. */
    uint8_t f[] = {0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0, 1, 'g'};
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    f[14] = 0x80, f[15] = 0; /* a negative count other than -1 */
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    f[14] = 0xff, f[15] = 0xff, f[16] = 0xff, f[17] = 0xff; /* null, in a version where it cannot be */
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    f[17] = 1;
    f[14] = f[15] = f[16] = 0;
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strstr(output(), "\"body\":{\"groupsNames\":[\"g\"]}") != NULL);
}

static void test_bad_utf8(void)
{
    uint8_t f[] = {0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 1, 0, 2, 0xc3, 0x28};
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    CHECK(strstr(kd_error_message(), "UTF-8") != NULL);
    f[20] = 0xed, f[21] = 0xa0; /* a surrogate's lead bytes */
    CHECK_EQ_INT(decode(f, sizeof f), KD_INVALID_REQUEST);
    f[20] = 0xc3, f[21] = 0xa9; /* é */
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strstr(output(), "[\"\xc3\xa9\"]") != NULL);
    f[20] = '"', f[21] = 0x01; /* escaped, not refused */
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strstr(output(), "[\"\\\"\\u0001\"]") != NULL);
    /* A client id that is not UTF-8: the header still comes back, client id null. */
    uint8_t g[] = {0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 1, 0, 1, 0xff, 0, 1, 'g', 0, 0, 0, 0, 0, 1, 'm'};
    g[3] = (uint8_t)(sizeof g - 4);
    CHECK_EQ_INT(decode(g, sizeof g), KD_INVALID_REQUEST);
    CHECK(strstr(output(), "\"clientId\":null,\"body\":null}") != NULL);
}

static void test_int64_beyond_doubles(void)
{
    /* ListOffsets v1, timestamp 2^53 (a string) and -2^53+1 (a number). */
    uint8_t f[] = {0, 0, 0, 0, 0, 2, 0,   1, 0, 0,    0,    1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                   0, 0, 0, 1, 0, 1, 't', 0, 0, 0,    2,    0, 0,    0,    0,    0,    0x20, 0,
                   0, 0, 0, 0, 0, 0, 0,   0, 1, 0xff, 0xe0, 0, 0,    0,    0,    0,    1};
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    CHECK(strstr(output(), "{\"partitionIndex\":0,\"currentLeaderEpoch\":-1,\"timestamp\":\"9007199254740992\","
                           "\"maxNumOffsets\":1}") != NULL);
    CHECK(strstr(
              output(),
              "{\"partitionIndex\":1,\"currentLeaderEpoch\":-1,\"timestamp\":-9007199254740991,\"maxNumOffsets\":1}") !=
          NULL);
}

/* ---- encoding -------------------------------------------------------------- */

static int encode(const char *json)
{
    return kd_kafka_encode((const uint8_t *)json, (uint32_t)strlen(json));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The output's frame equals `want` (hex), and it has `holes` holes. */
static void check_frame_hex(const char *what, uint32_t holes, const char *want)
{
    uint8_t expect[2048];
    size_t n = from_hex(want, expect, sizeof expect);
    const uint8_t *out = kd_out_ptr();
    size_t at = 4 + 8 * (size_t)le32(out);
    if (le32(out) != holes || kd_out_len() != at + n || memcmp(out + at, expect, n) != 0) {
        fprintf(stderr, "  %s: %u holes, frame ", what, le32(out));
        for (size_t i = at; i < kd_out_len(); i++)
            fprintf(stderr, "%02x", out[i]);
        fprintf(stderr, "\n  expected %s\n", want);
        check_current_failed++;
    }
}

static void test_encode_metadata(void)
{
    int rc =
        encode("{\"apiKey\":3,\"apiVersion\":1,\"correlationId\":7,\"body\":{\"brokers\":[{\"nodeId\":0,\"host\":\"h\","
               "\"port\":9092}],\"controllerId\":0,\"topics\":[{\"errorCode\":0,\"name\":\"t\",\"partitions\":"
               "[{\"errorCode\":0,\"partitionIndex\":0,\"leaderId\":0,\"replicaNodes\":[0],\"isrNodes\":[0]}]}]}}");
    CHECK_EQ_INT(rc, 0);
    /* size, correlation id; brokers: [0, "h", 9092, rack null]; controller 0;
     * topics: [0, "t", isInternal false, partitions [0, 0, 0, [0], [0]]] */
    check_frame_hex("metadata v1", 0,
                    "0000004100000007"
                    "00000001"
                    "00000000"
                    "000168"
                    "00002384"
                    "ffff"
                    "00000000"
                    "00000001"
                    "0000"
                    "000174"
                    "00"
                    "00000001"
                    "0000"
                    "00000000"
                    "00000000"
                    "0000000100000000"
                    "0000000100000000");
}

static void test_encode_api_versions_v3(void)
{
    int rc = encode("{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":"
                    "[{\"apiKey\":0,\"minVersion\":3,\"maxVersion\":7}],\"throttleTimeMs\":0}}");
    CHECK_EQ_INT(rc, 0);
    /* header v0 (no tagged fields, even flexible), compact array of 1 (2), the
     * element's empty tagged fields, throttle, the body's empty tagged fields */
    check_frame_hex("apiVersions v3", 0,
                    "00000013"
                    "00000001"
                    "0000"
                    "02"
                    "0000"
                    "0003"
                    "0007"
                    "00"
                    "00000000"
                    "00");
}

/* AlterConfigs and IncrementalAlterConfigs answer one entry per resource; v2 and v1
 * are flexible (a response header with tagged fields, compact strings). */
static void test_encode_alter_configs(void)
{
    CHECK_EQ_INT(
        encode("{\"apiKey\":33,\"apiVersion\":0,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"responses\":"
               "[{\"errorCode\":0,\"errorMessage\":null,\"resourceType\":2,\"resourceName\":\"t\"}]}}"),
        0);
    check_frame_hex("alterConfigs v0", 0,
                    "00000014"
                    "00000005"
                    "00000000"
                    "00000001"
                    "0000"
                    "ffff"
                    "02"
                    "000174");
    CHECK_EQ_INT(
        encode("{\"apiKey\":33,\"apiVersion\":2,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"responses\":"
               "[{\"errorCode\":42,\"errorMessage\":\"no\",\"resourceType\":4,\"resourceName\":\"0\"}]}}"),
        0);
    check_frame_hex("alterConfigs v2", 0,
                    "00000014"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "002a"
                    "036e6f"
                    "04"
                    "0230"
                    "00"
                    "00");
    CHECK_EQ_INT(
        encode("{\"apiKey\":44,\"apiVersion\":1,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"responses\":"
               "[{\"errorCode\":40,\"errorMessage\":\"bad\",\"resourceType\":2,\"resourceName\":\"t\"}]}}"),
        0);
    check_frame_hex("incrementalAlterConfigs v1", 0,
                    "00000015"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "0028"
                    "04626164"
                    "02"
                    "0274"
                    "00"
                    "00");
}

static void test_encode_fetch_holes(void)
{
    int rc =
        encode("{\"apiKey\":1,\"apiVersion\":4,\"correlationId\":2,\"blobs\":[3,0],\"body\":{\"responses\":[{\"topic\":"
               "\"t\",\"partitions\":[{\"partitionIndex\":0,\"highWatermark\":\"9007199254740993\","
               "\"records\":{\"blob\":0}},{\"partitionIndex\":1,\"records\":{\"blob\":1}},"
               "{\"partitionIndex\":2,\"records\":null}]}]}}");
    CHECK_EQ_INT(rc, 0);
    const uint8_t *out = kd_out_ptr();
    CHECK_EQ_INT(le32(out), 2);
    CHECK_EQ_INT(le32(out + 8), 0);
    CHECK_EQ_INT(le32(out + 16), 1);
    /* throttle; responses [ "t", partitions: [ idx, err, hw, lso -1, aborted null, records ] ] */
    check_frame_hex("fetch v4", 2,
                    "0000007000000002"
                    "00000000"
                    "00000001"
                    "000174"
                    "00000003"
                    "00000000"
                    "0000"
                    "0020000000000001"
                    "ffffffffffffffff"
                    "ffffffff"
                    "00000003"
                    "000000"
                    "00000001"
                    "0000"
                    "0000000000000000"
                    "ffffffffffffffff"
                    "ffffffff"
                    "00000000"
                    "00000002"
                    "0000"
                    "0000000000000000"
                    "ffffffffffffffff"
                    "ffffffff"
                    "ffffffff");
    /* The holes point at the zeroed bytes after each length, from the frame's start. */
    const uint8_t *frame = out + 4 + 16;
    CHECK_EQ_INT(le32(out + 4), 4 + 4 + 4 + 4 + 3 + 4 + 4 + 2 + 8 + 8 + 4 + 4);
    CHECK_EQ_INT(frame[le32(out + 4) - 1], 3);
    CHECK_EQ_INT(le32(out + 12), le32(out + 4) + 3 + 4 + 2 + 8 + 8 + 4 + 4);
}

/* Produce v0-2 answers as produce.ts builds them: v0 without throttle time, v1 with
 * it, v2 with each partition's log append time too. */
static void test_encode_produce_v0_to_v2(void)
{
    static const char body[] = "\"body\":{\"responses\":[{\"name\":\"t\",\"partitionResponses\":[{\"index\":0,"
                               "\"errorCode\":0,\"baseOffset\":5,\"logAppendTimeMs\":-1,\"logStartOffset\":-1,"
                               "\"recordErrors\":[],\"errorMessage\":null}]}],\"throttleTimeMs\":0}}";
    static const char *const want[] = {
        /* responses ["t", [index 0, errorCode 0, baseOffset 5]] */
        "0000001d00000004"
        "00000001"
        "000174"
        "00000001"
        "00000000"
        "0000"
        "0000000000000005",
        /* and throttle time */
        "0000002100000004"
        "00000001"
        "000174"
        "00000001"
        "00000000"
        "0000"
        "0000000000000005"
        "00000000",
        /* and log append time -1 */
        "0000002900000004"
        "00000001"
        "000174"
        "00000001"
        "00000000"
        "0000"
        "0000000000000005"
        "ffffffffffffffff"
        "00000000",
    };
    for (int v = 0; v <= 2; v++) {
        char json[512];
        snprintf(json, sizeof json, "{\"apiKey\":0,\"apiVersion\":%d,\"correlationId\":4,%s", v, body);
        CHECK_EQ_INT(encode(json), 0);
        check_frame_hex("produce v0-2", 0, want[v]);
    }
}

/* ListOffsets v0 (ListOffsetsRequest.json / Response.json): max_num_offsets in the
 * request, old_style_offsets in the answer, neither timestamp nor offset. */
static void test_list_offsets_v0(void)
{
    /* replica -1; topics ["t", [partition 0, timestamp -1, max_num_offsets 10]] */
    uint8_t f[64];
    size_t n = from_hex("00000000"
                        "00020000"
                        "00000009"
                        "ffff"
                        "ffffffff"
                        "00000001"
                        "000174"
                        "00000001"
                        "00000000"
                        "ffffffffffffffff"
                        "0000000a",
                        f, sizeof f);
    f[3] = (uint8_t)(n - 4);
    CHECK_EQ_INT(decode(f, n), 0);
    check_contains("listOffsets v0", output(),
                   "\"body\":{\"replicaId\":-1,\"isolationLevel\":0,\"topics\":[{\"name\":\"t\",\"partitions\":"
                   "[{\"partitionIndex\":0,\"currentLeaderEpoch\":-1,\"timestamp\":-1,\"maxNumOffsets\":10}]}]");
    CHECK_EQ_INT(
        encode("{\"apiKey\":2,\"apiVersion\":0,\"correlationId\":9,\"body\":{\"throttleTimeMs\":0,\"topics\":"
               "[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,\"errorCode\":0,\"oldStyleOffsets\":[5,0],"
               "\"timestamp\":-1,\"offset\":-1,\"leaderEpoch\":-1}]}]}}"),
        0);
    /* topics ["t", [partition 0, error 0, offsets [5, 0]]]: no throttle time before v2 */
    check_frame_hex("listOffsets v0", 0,
                    "00000029"
                    "00000009"
                    "00000001"
                    "000174"
                    "00000001"
                    "00000000"
                    "0000"
                    "00000002"
                    "0000000000000005"
                    "0000000000000000");
}

/* A blob object in a field the version skips takes no hole: the table shrinks. */
static void test_encode_unused_blob(void)
{
    int rc = encode("{\"apiKey\":14,\"apiVersion\":0,\"correlationId\":2,\"blobs\":[2],\"body\":{\"errorCode\":0,"
                    "\"assignment\":{\"blob\":0}}}");
    CHECK_EQ_INT(rc, 0);
    check_frame_hex("syncGroup v0", 1,
                    "0000000c00000002"
                    "0000"
                    "00000002"
                    "0000");
    CHECK_EQ_INT(le32(kd_out_ptr() + 4), 14);
}

static void test_encode_defaults_and_errors(void)
{
    /* Every API, every version: an empty body encodes, size prefix right. */
    for (int key = 0; key < 64; key++)
        for (int v = 0; v < 16; v++) {
            char json[128];
            snprintf(json, sizeof json, "{\"apiKey\":%d,\"apiVersion\":%d,\"correlationId\":3}", key, v);
            if (encode(json) != 0)
                continue;
            const uint8_t *out = kd_out_ptr();
            const uint8_t *frame = out + 4;
            CHECK_EQ_INT(le32(out), 0);
            CHECK_EQ_INT(((uint32_t)frame[0] << 24 | frame[1] << 16 | frame[2] << 8 | frame[3]) + 8, kd_out_len());
        }
    CHECK_EQ_INT(encode("{\"apiKey\":3,\"apiVersion\":1,\"correlationId\":7,\"body\":{\"brokers\":[{\"nodeID\":0}]}}"),
                 KD_ERR_INVALID_ARG);
    CHECK(strstr(kd_error_message(), "nodeID") != NULL);
    CHECK_EQ_INT(encode("{\"apiKey\":3,\"apiVersion\":1,\"correlationId\":7,\"bodyy\":{}}"), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":3,\"apiVersion\":13,\"correlationId\":7}"), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":3,\"apiVersion\":1}"), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":12,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"errorCode\":40000}}"),
                 KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":12,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"errorCode\":1.5}}"),
                 KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":12,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"errorCode\":\"27\"}}"), 0);
    CHECK_EQ_INT(encode("{\"apiKey\":14,\"apiVersion\":0,\"correlationId\":7,\"blobs\":[1],\"body\":{\"assignment\":{"
                        "\"blob\":1}}}"),
                 KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":14,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"assignment\":\"AAE=\"}}"),
                 KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":10,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"host\":\"\\ud800\"}}"),
                 KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(
        encode("{\"apiKey\":10,\"apiVersion\":0,\"correlationId\":7,\"body\":{\"host\":\"\\u00e9\\ud83d\\ude00\\n\"}}"),
        0);
    check_frame_hex("findCoordinator v0", 0,
                    "000000170000000700000000000000"
                    "07"
                    "c3a9f09f98800a"
                    "00000000");
    /* Not JSON, or JSON nested past the limit. */
    CHECK_EQ_INT(encode("{\"apiKey\":3,"), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(encode("{\"apiKey\":3}x"), KD_ERR_INVALID_ARG);
    char deep[300];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = 0;
    CHECK_EQ_INT(encode(deep), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_kafka_encode(NULL, 0), KD_ERR_INVALID_ARG);
}

static void test_error_responses(void)
{
    /* Heartbeat v1: throttle 0, errorCode 27. */
    CHECK_EQ_INT(kd_kafka_error_response(12, 1, 4, 27), 0);
    check_frame_hex("heartbeat error", 0,
                    "0000000a00000004"
                    "00000000"
                    "001b");
    /* Produce v7 has no top-level code: an empty response. */
    CHECK_EQ_INT(kd_kafka_error_response(0, 7, 4, 42), 0);
    check_frame_hex("produce error", 0,
                    "0000000c00000004"
                    "00000000"
                    "00000000");
    /* Unsupported ApiVersions: v0 with the ranges, one per API kd_kafka_supported lists. */
    CHECK_EQ_INT(kd_kafka_supported(), 0);
    uint32_t apis = 0;
    for (const char *at = output(); (at = strstr(at, "\"apiKey\"")) != NULL; at++)
        apis++;
    CHECK(apis >= 22);
    CHECK_EQ_INT(kd_kafka_error_response(18, 9, 4, 35), 0);
    const uint8_t *f = kd_out_ptr() + 4;
    CHECK_EQ_INT(f[8], 0);
    CHECK_EQ_INT(f[9], 35);
    CHECK_EQ_INT(f[13], apis); /* the count of supported APIs */
    CHECK_EQ_INT((uint32_t)(f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3]), 4 + 2 + 4 + apis * 6);
    /* Anything else: correlation id and the code. */
    CHECK_EQ_INT(kd_kafka_error_response(99, 0, 4, 35), 0);
    check_frame_hex("unknown api error", 0,
                    "0000000600000004"
                    "0023");
    CHECK_EQ_INT(kd_kafka_error_response(3, 13, 4, 35), 0);
    check_frame_hex("metadata v13 error", 0,
                    "0000000600000004"
                    "0023");
}

static void test_supported(void)
{
    CHECK_EQ_INT(kd_kafka_supported(), 0);
    const char *s = output();
    static const char head[] =
        "[{\"apiKey\":0,\"minVersion\":0,\"maxVersion\":11},{\"apiKey\":1,\"minVersion\":4,\"maxVersion\":12},"
        "{\"apiKey\":2,\"minVersion\":0,\"maxVersion\":6},";
    CHECK(strncmp(s, head, sizeof head - 1) == 0);
    CHECK(strstr(s, "{\"apiKey\":10,\"minVersion\":0,\"maxVersion\":5}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":15,\"minVersion\":0,\"maxVersion\":5}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":16,\"minVersion\":0,\"maxVersion\":5}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":18,\"minVersion\":0,\"maxVersion\":4}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":19,\"minVersion\":0,\"maxVersion\":7}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":20,\"minVersion\":0,\"maxVersion\":6}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":22,\"minVersion\":0,\"maxVersion\":5}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":32,\"minVersion\":0,\"maxVersion\":4}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":37,\"minVersion\":0,\"maxVersion\":3}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":21,\"minVersion\":0,\"maxVersion\":2}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":33,\"minVersion\":0,\"maxVersion\":2}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":42,\"minVersion\":0,\"maxVersion\":2}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":44,\"minVersion\":0,\"maxVersion\":1}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":35,\"minVersion\":0,\"maxVersion\":4}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":43,\"minVersion\":0,\"maxVersion\":2}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":45,\"minVersion\":0,\"maxVersion\":0}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":46,\"minVersion\":0,\"maxVersion\":0}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":47,\"minVersion\":0,\"maxVersion\":0}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":60,\"minVersion\":0,\"maxVersion\":1}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":61,\"minVersion\":0,\"maxVersion\":0}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":24,\"minVersion\":0,\"maxVersion\":3}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":25,\"minVersion\":0,\"maxVersion\":3}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":26,\"minVersion\":0,\"maxVersion\":3}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":65,\"minVersion\":0,\"maxVersion\":0}") != NULL);
    CHECK(strstr(s, "{\"apiKey\":66,\"minVersion\":0,\"maxVersion\":1}]") != NULL);
}

/* DeleteRecords v2, the flexible version (librdkafka 2.0.2 and kafkajs send v0-1):
 * request header v2, compact arrays and strings, a tagged-field section per struct. */
static void test_delete_records_v2_flexible(void)
{
    /* clang-format off */
    uint8_t f[] = {0, 0, 0, 0, 0, 21, 0, 2, 0, 0, 0, 42, 0, 1, 'c', 0,
                   2, 7, 'o', 'r', 'd', 'e', 'r', 's', /* topics: one; "orders" */
                   3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 42, 0, /* partitions: two; 0 at 42 */
                   0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, /* 1 at -1 */
                   0, /* the topic's tagged fields */
                   0, 0, 0x13, 0x88, /* timeoutMs 5000 */
                   0}; /* the body's tagged fields */
    /* clang-format on */
    f[3] = (uint8_t)(sizeof f - 4);
    CHECK_EQ_INT(decode(f, sizeof f), 0);
    check_contains("deleteRecords v2", output(),
                   "\"body\":{\"topics\":[{\"name\":\"orders\",\"partitions\":[{\"partitionIndex\":0,\"offset\":42},"
                   "{\"partitionIndex\":1,\"offset\":-1}]}],\"timeoutMs\":5000}");
    check_truncations("deleteRecords_v2", f, sizeof f);
    /* v3 is beyond upstream's and Kafdo's range. */
    f[7] = 3;
    CHECK_EQ_INT(decode(f, sizeof f), KD_UNSUPPORTED_VERSION);
}

/* DeleteRecords responses as delete-records.ts builds them, in each version: the low
 * watermark, or -1 with the partition's error code. */
static void test_encode_delete_records(void)
{
    static const char body[] = "\"body\":{\"throttleTimeMs\":0,\"topics\":[{\"name\":\"t\",\"partitions\":["
                               "{\"partitionIndex\":0,\"lowWatermark\":42,\"errorCode\":0},"
                               "{\"partitionIndex\":1,\"lowWatermark\":-1,\"errorCode\":1}]}]}}";
    /* throttle; topics [ "t", partitions [ 0, 42, 0 ], [ 1, -1, OFFSET_OUT_OF_RANGE ] ] */
    static const char v0[] = "0000002f00000005"
                             "00000000"
                             "00000001"
                             "000174"
                             "00000002"
                             "00000000"
                             "000000000000002a"
                             "0000"
                             "00000001"
                             "ffffffffffffffff"
                             "0001";
    /* flexible: the response header's tagged fields, compact lengths, a tagged-field
     * section after each struct and the body */
    static const char v2[] = "0000002d00000005"
                             "00"
                             "00000000"
                             "02"
                             "0274"
                             "03"
                             "00000000"
                             "000000000000002a"
                             "0000"
                             "00"
                             "00000001"
                             "ffffffffffffffff"
                             "0001"
                             "00"
                             "00"
                             "00";
    for (int v = 0; v <= 2; v++) {
        char json[512];
        snprintf(json, sizeof json, "{\"apiKey\":21,\"apiVersion\":%d,\"correlationId\":5,%s", v, body);
        CHECK_EQ_INT(encode(json), 0);
        check_frame_hex("deleteRecords", 0, v == 2 ? v2 : v0);
    }
    /* An error response (a body the handler could not make): every topic's partitions
     * are the caller's to fill, so it is the empty answer. */
    CHECK_EQ_INT(kd_kafka_error_response(21, 1, 5, 42), 0);
    check_frame_hex("deleteRecords error", 0,
                    "0000000c00000005"
                    "00000000"
                    "00000000");
}

/* ---- the administration APIs a single broker answers (issue 20) ---- */

/* A request frame from hex without its size prefix: the prefix is made here. */
static size_t frame_of(const char *hex, uint8_t *buf, size_t cap)
{
    size_t n = from_hex(hex, buf + 4, cap - 4);
    buf[0] = 0, buf[1] = 0, buf[2] = (uint8_t)(n >> 8), buf[3] = (uint8_t)n;
    return n + 4;
}

/* Each request decodes at its versions (flexible ones with request header v2), to
 * the body the handler reads, and every cut of it is refused. */
static void test_decode_admin_apis(void)
{
    static const struct {
        const char *name, *hex, *body;
    } cases[] = {
        {"describeCluster_v0",
         "003c0000"
         "00000005"
         "000163"
         "00"
         "01"
         "00",
         "{\"includeClusterAuthorizedOperations\":true,\"endpointType\":1}"},
        {"describeCluster_v1",
         "003c0001"
         "00000005"
         "000163"
         "00"
         "00"
         "02"
         "00",
         "{\"includeClusterAuthorizedOperations\":false,\"endpointType\":2}"},
        {"offsetDelete_v0",
         "002f0000"
         "00000005"
         "000163"
         "000167"
         "00000001"
         "000174"
         "00000002"
         "00000000"
         "00000003",
         "{\"groupId\":\"g\",\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0},{\"partitionIndex\":3}]"
         "}]}"},
        {"describeLogDirs_v1",
         "00230001"
         "00000005"
         "000163"
         "ffffffff",
         "{\"topics\":null}"},
        {"describeLogDirs_v4",
         "00230004"
         "00000005"
         "000163"
         "00"
         "02"
         "0274"
         "03"
         "00000000"
         "00000001"
         "00"
         "00",
         "{\"topics\":[{\"topic\":\"t\",\"partitions\":[0,1]}]}"},
        {"electLeaders_v0",
         "002b0000"
         "00000005"
         "000163"
         "ffffffff"
         "00007530",
         "{\"electionType\":0,\"topicPartitions\":null,\"timeoutMs\":30000}"},
        {"electLeaders_v2",
         "002b0002"
         "00000005"
         "000163"
         "00"
         "00"
         "02"
         "0274"
         "02"
         "00000000"
         "00"
         "00007530"
         "00",
         "{\"electionType\":0,\"topicPartitions\":[{\"topic\":\"t\",\"partitions\":[0]}],\"timeoutMs\":30000}"},
        {"listPartitionReassignments_v0",
         "002e0000"
         "00000005"
         "000163"
         "00"
         "00007530"
         "00"
         "00",
         "{\"timeoutMs\":30000,\"topics\":null}"},
        {"alterPartitionReassignments_v0",
         "002d0000"
         "00000005"
         "000163"
         "00"
         "00007530"
         "02"
         "0274"
         "03"
         "00000000"
         "02"
         "00000000"
         "00"
         "00000001"
         "00"
         "00"
         "00"
         "00",
         "{\"timeoutMs\":30000,\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,\"replicas\":[0]},"
         "{\"partitionIndex\":1,\"replicas\":null}]}]}"},
        {"describeProducers_v0",
         "003d0000"
         "00000005"
         "000163"
         "00"
         "02"
         "0274"
         "02"
         "00000000"
         "00"
         "00",
         "{\"topics\":[{\"name\":\"t\",\"partitionIndexes\":[0]}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t f[256];
        size_t n = frame_of(cases[i].hex, f, sizeof f);
        int rc = decode(f, n);
        if (rc != 0) {
            fprintf(stderr, "  %s: rc %d: %s\n", cases[i].name, rc, kd_error_message());
            check_current_failed++;
            continue;
        }
        char want[512];
        snprintf(want, sizeof want, "\"body\":%s}", cases[i].body);
        check_contains(cases[i].name, output(), want);
        check_truncations(cases[i].name, f, n);
    }
}

/* Their responses, byte for byte, as the handlers build them. */
static void test_encode_admin_apis(void)
{
    CHECK_EQ_INT(
        encode("{\"apiKey\":60,\"apiVersion\":0,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"errorCode\":0,"
               "\"errorMessage\":null,\"clusterId\":\"kafdo\",\"controllerId\":0,\"brokers\":[{\"brokerId\":0,"
               "\"host\":\"h\",\"port\":9092,\"rack\":null}],\"clusterAuthorizedOperations\":-2147483648}}"),
        0);
    /* header tagged fields; throttle, error, message null, "kafdo", controller 0,
     * brokers [0, "h", 9092, rack null], operations, tagged fields */
    check_frame_hex("describeCluster v0", 0,
                    "00000028"
                    "00000005"
                    "00"
                    "00000000"
                    "0000"
                    "00"
                    "066b6166646f"
                    "00000000"
                    "02"
                    "00000000"
                    "0268"
                    "00002384"
                    "00"
                    "00"
                    "80000000"
                    "00");
    CHECK_EQ_INT(
        encode("{\"apiKey\":47,\"apiVersion\":0,\"correlationId\":5,\"body\":{\"errorCode\":0,\"throttleTimeMs\":0,"
               "\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,\"errorCode\":86}]}]}}"),
        0);
    check_frame_hex("offsetDelete v0", 0,
                    "0000001b"
                    "00000005"
                    "0000"
                    "00000000"
                    "00000001"
                    "000174"
                    "00000001"
                    "00000000"
                    "0056");
    CHECK_EQ_INT(
        encode("{\"apiKey\":35,\"apiVersion\":4,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"errorCode\":0,"
               "\"results\":[{\"errorCode\":0,\"logDir\":\"/d\",\"topics\":[{\"name\":\"t\",\"partitions\":"
               "[{\"partitionIndex\":0,\"partitionSize\":100,\"offsetLag\":0,\"isFutureKey\":false}]}],"
               "\"totalBytes\":-1,\"usableBytes\":-1}]}}"),
        0);
    check_frame_hex("describeLogDirs v4", 0,
                    "0000003e"
                    "00000005"
                    "00"
                    "00000000"
                    "0000"
                    "02"
                    "0000"
                    "032f64"
                    "02"
                    "0274"
                    "02"
                    "00000000"
                    "0000000000000064"
                    "0000000000000000"
                    "00"
                    "00"
                    "00"
                    "ffffffffffffffff"
                    "ffffffffffffffff"
                    "00"
                    "00");
}

/* ApiVersions v3's tagged fields (KIP-584 features): written in tag order, each
 * with its size, when the Worker's JSON names them; absent ones are not sent. */
static void test_encode_api_versions_tagged(void)
{
    CHECK_EQ_INT(
        encode("{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":[],"
               "\"throttleTimeMs\":0,\"finalizedFeaturesEpoch\":0,\"supportedFeatures\":[],\"finalizedFeatures\":[]}}"),
        0);
    /* tagged fields: three; tag 0 (1 byte: an empty compact array), tag 1 (8 bytes:
     * epoch 0), tag 2 (1 byte); zkMigrationReady not named, not sent */
    check_frame_hex("apiVersions v3 tagged", 0,
                    "0000001c"
                    "00000001"
                    "0000"
                    "01"
                    "00000000"
                    "03"
                    "000101"
                    "01080000000000000000"
                    "020101");
    /* Not in v2, which has no tagged fields. */
    CHECK_EQ_INT(encode("{\"apiKey\":18,\"apiVersion\":2,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":[],"
                        "\"throttleTimeMs\":0,\"finalizedFeaturesEpoch\":0}}"),
                 0);
    check_frame_hex("apiVersions v2", 0,
                    "0000000e"
                    "00000001"
                    "0000"
                    "00000000"
                    "00000000");
    /* A feature with its name: the size covers the element's own tagged fields. */
    CHECK_EQ_INT(
        encode("{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":[],"
               "\"throttleTimeMs\":0,\"supportedFeatures\":[{\"name\":\"f\",\"minVersion\":0,\"maxVersion\":1}]}}"),
        0);
    check_frame_hex("apiVersions v3 feature", 0,
                    "00000016"
                    "00000001"
                    "0000"
                    "01"
                    "00000000"
                    "01"
                    "0008"
                    "02"
                    "0266"
                    "0000"
                    "0001"
                    "00");
}

/* Produce v9 and Fetch v12, the flexible versions: compact records, each struct
 * with its tagged fields; Fetch v12's lastFetchedEpoch and rackId read. */
static void test_produce_v9_fetch_v12_flexible(void)
{
    uint8_t f[256];
    size_t n = frame_of("00000009"
                        "00000005"
                        "000163"
                        "00"
                        "00"
                        "ffff"
                        "00007530"
                        "02"
                        "0274"
                        "02"
                        "00000000"
                        "04616263"
                        "00"
                        "00"
                        "00",
                        f, sizeof f);
    CHECK_EQ_INT(decode(f, n), 0);
    check_contains("produce v9", output(),
                   "\"body\":{\"transactionalId\":null,\"acks\":-1,\"timeoutMs\":30000,\"topicData\":[{\"name\":\"t\","
                   "\"partitionData\":[{\"index\":0,\"records\":{\"at\":32,\"len\":3}}]}]}}");
    check_truncations("produce_v9", f, n);
    n = frame_of("0001000c"
                 "00000005"
                 "000163"
                 "00"
                 "ffffffff"
                 "000001f4"
                 "00000001"
                 "00a00000"
                 "01"
                 "00000000"
                 "ffffffff"
                 "02"
                 "0274"
                 "02"
                 "00000000"
                 "ffffffff"
                 "0000000000000005"
                 "00000003"
                 "ffffffffffffffff"
                 "00100000"
                 "00"
                 "00"
                 "01"
                 "0272"
                 "00",
                 f, sizeof f);
    CHECK_EQ_INT(decode(f, n), 0);
    check_contains(
        "fetch v12", output(),
        "\"partitions\":[{\"partition\":0,\"currentLeaderEpoch\":-1,\"fetchOffset\":5,\"lastFetchedEpoch\":3,"
        "\"logStartOffset\":-1,\"partitionMaxBytes\":1048576,");
    check_contains("fetch v12", output(), "\"forgottenTopicsData\":[],\"rackId\":\"r\"}}");
    check_truncations("fetch_v12", f, n);

    CHECK_EQ_INT(
        encode("{\"apiKey\":1,\"apiVersion\":12,\"correlationId\":2,\"blobs\":[3],\"body\":{\"responses\":[{\"topic\":"
               "\"t\",\"partitions\":[{\"partitionIndex\":0,\"highWatermark\":5,\"records\":{\"blob\":0}}]}]}}"),
        0);
    /* header tagged fields; throttle, error, session; responses [ "t", partitions [ 0, 0,
     * hw 5, lso -1, log start -1, aborted null, preferred -1, records (3 bytes, a hole) ] ] */
    check_frame_hex("fetch v12", 1,
                    "0000003d00000002"
                    "00"
                    "00000000"
                    "0000"
                    "00000000"
                    "02"
                    "0274"
                    "02"
                    "00000000"
                    "0000"
                    "0000000000000005"
                    "ffffffffffffffff"
                    "ffffffffffffffff"
                    "00"
                    "ffffffff"
                    "04"
                    "000000"
                    "00"
                    "00"
                    "00");
    CHECK_EQ_INT(encode("{\"apiKey\":0,\"apiVersion\":9,\"correlationId\":4,\"body\":{\"responses\":[{\"name\":\"t\","
                        "\"partitionResponses\":"
                        "[{\"index\":0,\"errorCode\":0,\"baseOffset\":5,\"logAppendTimeMs\":-1,\"logStartOffset\":0,"
                        "\"recordErrors\":[],\"errorMessage\":null}]}],\"throttleTimeMs\":0}}"),
                 0);
    check_frame_hex("produce v9", 0,
                    "0000003000000004"
                    "00"
                    "02"
                    "0274"
                    "02"
                    "00000000"
                    "0000"
                    "0000000000000005"
                    "ffffffffffffffff"
                    "0000000000000000"
                    "01"
                    "00"
                    "00"
                    "00"
                    "00000000"
                    "00");
}

/* Metadata v9-12, flexible: v10 adds topic ids, v11 drops the cluster's operations,
 * v12 asks for a topic by id with a null name. */
static void test_metadata_flexible(void)
{
    uint8_t f[256];
    /* v12: one topic by id (name null), one by name; allowAutoTopicCreation true,
     * includeTopicAuthorizedOperations false */
    size_t n = frame_of("0003000c"
                        "00000005"
                        "000163"
                        "00"
                        "03"
                        "000102030405060708090a0b0c0d0e0f"
                        "00"
                        "00"
                        "00000000000000000000000000000000"
                        "0274"
                        "00"
                        "01"
                        "00"
                        "00",
                        f, sizeof f);
    CHECK_EQ_INT(decode(f, n), 0);
    check_contains("metadata v12", output(),
                   "\"body\":{\"topics\":[{\"topicId\":\"000102030405060708090a0b0c0d0e0f\",\"name\":null},"
                   "{\"topicId\":\"00000000000000000000000000000000\",\"name\":\"t\"}],\"allowAutoTopicCreation\":true,"
                   "\"includeClusterAuthorizedOperations\":false,\"includeTopicAuthorizedOperations\":false}}");
    check_truncations("metadata_v12", f, n);
    /* v9: names only, the cluster's operations asked for */
    n = frame_of("00030009"
                 "00000005"
                 "000163"
                 "00"
                 "02"
                 "0274"
                 "00"
                 "00"
                 "01"
                 "00"
                 "00",
                 f, sizeof f);
    CHECK_EQ_INT(decode(f, n), 0);
    check_contains("metadata v9", output(),
                   "\"topics\":[{\"topicId\":\"00000000000000000000000000000000\",\"name\":\"t\"}],"
                   "\"allowAutoTopicCreation\":false,\"includeClusterAuthorizedOperations\":true,");
    static const char body[] =
        "\"body\":{\"brokers\":[{\"nodeId\":0,\"host\":\"h\",\"port\":9092,\"rack\":null}],\"clusterId\":\"k\","
        "\"controllerId\":0,"
        "\"topics\":[{\"errorCode\":0,\"name\":\"t\",\"topicId\":\"000102030405060708090a0b0c0d0e0f\",\"isInternal\":"
        "false,"
        "\"partitions\":[],\"topicAuthorizedOperations\":-2147483648}],\"clusterAuthorizedOperations\":8096}}";
    char json[1024];
    snprintf(json, sizeof json, "{\"apiKey\":3,\"apiVersion\":10,\"correlationId\":7,%s", body);
    CHECK_EQ_INT(encode(json), 0);
    /* header tagged fields; throttle; brokers [0, "h", 9092, null]; "k"; controller 0;
     * topics [0, "t", id, false, [], operations]; cluster operations (v10) */
    check_frame_hex("metadata v10", 0,
                    "0000003d00000007"
                    "00"
                    "00000000"
                    "02"
                    "00000000"
                    "0268"
                    "00002384"
                    "00"
                    "00"
                    "026b"
                    "00000000"
                    "02"
                    "0000"
                    "0274"
                    "000102030405060708090a0b0c0d0e0f"
                    "00"
                    "01"
                    "80000000"
                    "00"
                    "00001fa0"
                    "00");
    snprintf(json, sizeof json, "{\"apiKey\":3,\"apiVersion\":12,\"correlationId\":7,%s", body);
    CHECK_EQ_INT(encode(json), 0);
    check_frame_hex("metadata v12", 0,
                    "0000003900000007"
                    "00"
                    "00000000"
                    "02"
                    "00000000"
                    "0268"
                    "00002384"
                    "00"
                    "00"
                    "026b"
                    "00000000"
                    "02"
                    "0000"
                    "0274"
                    "000102030405060708090a0b0c0d0e0f"
                    "00"
                    "01"
                    "80000000"
                    "00"
                    "00");
}

/* The group APIs at their flexible versions: JoinGroup v9 (reason), SyncGroup v5
 * (protocol type and name), Heartbeat v4, OffsetCommit v8, OffsetFetch v8 (several
 * groups, requireStable). */
static void test_group_apis_flexible(void)
{
    static const struct {
        const char *name, *hex, *body;
    } cases[] = {
        {"joinGroup_v9",
         "000b0009"
         "00000005"
         "000163"
         "00"
         "036731"
         "00007530"
         "0000ea60"
         "01"
         "00"
         "09636f6e73756d6572"
         "02"
         "0672616e6765"
         "0209"
         "00"
         "04627965"
         "00",
         "{\"groupId\":\"g1\",\"sessionTimeoutMs\":30000,\"rebalanceTimeoutMs\":60000,\"memberId\":\"\","
         "\"groupInstanceId\":null,"
         "\"protocolType\":\"consumer\",\"protocols\":[{\"name\":\"range\",\"metadata\":{\"at\":46,\"len\":1}}],"
         "\"reason\":\"bye\"}"},
        {"syncGroup_v5",
         "000e0005"
         "00000005"
         "000163"
         "00"
         "036731"
         "00000001"
         "0263"
         "00"
         "09636f6e73756d6572"
         "0672616e6765"
         "02"
         "0263"
         "030102"
         "00"
         "00",
         "{\"groupId\":\"g1\",\"generationId\":1,\"memberId\":\"c\",\"groupInstanceId\":null,\"protocolType\":"
         "\"consumer\","
         "\"protocolName\":\"range\",\"assignments\":[{\"memberId\":\"c\",\"assignment\":{\"at\":45,\"len\":2}}]}"},
        {"heartbeat_v4",
         "000c0004"
         "00000005"
         "000163"
         "00"
         "036731"
         "00000001"
         "0263"
         "00"
         "00",
         "{\"groupId\":\"g1\",\"generationId\":1,\"memberId\":\"c\",\"groupInstanceId\":null}"},
        {"offsetCommit_v8",
         "00080008"
         "00000005"
         "000163"
         "00"
         "036731"
         "00000001"
         "0263"
         "00"
         "02"
         "0274"
         "02"
         "00000000"
         "0000000000000063"
         "ffffffff"
         "00"
         "00"
         "00"
         "00",
         "\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,\"committedOffset\":99,"
         "\"committedLeaderEpoch\":-1,"
         "\"commitTimestamp\":-1,\"committedMetadata\":null}]}]}"},
        {"offsetFetch_v8",
         "00090008"
         "00000005"
         "000163"
         "00"
         "03"
         "036731"
         "02"
         "0274"
         "02"
         "00000000"
         "00"
         "00"
         "036732"
         "00"
         "00"
         "01"
         "00",
         "\"groups\":[{\"groupId\":\"g1\",\"memberId\":null,\"memberEpoch\":-1,\"topics\":[{\"name\":\"t\","
         "\"partitionIndexes\":[0]}]},"
         "{\"groupId\":\"g2\",\"memberId\":null,\"memberEpoch\":-1,\"topics\":null}],\"requireStable\":true}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t f[256];
        size_t n = frame_of(cases[i].hex, f, sizeof f);
        int rc = decode(f, n);
        if (rc != 0) {
            fprintf(stderr, "  %s: rc %d: %s\n", cases[i].name, rc, kd_error_message());
            check_current_failed++;
            continue;
        }
        check_contains(cases[i].name, output(), cases[i].body);
        check_truncations(cases[i].name, f, n);
    }
    CHECK_EQ_INT(
        encode("{\"apiKey\":9,\"apiVersion\":8,\"correlationId\":7,\"body\":{\"throttleTimeMs\":0,\"groups\":[{"
               "\"groupId\":"
               "\"g1\",\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,\"committedOffset\":5,"
               "\"committedLeaderEpoch\":-1,\"metadata\":\"\",\"errorCode\":0}]}],\"errorCode\":0}]}}"),
        0);
    /* header tagged fields; throttle; groups [ "g1", topics [ "t", partitions [ 0, 5, -1, "",
     * 0 ] ], 0 ] */
    check_frame_hex("offsetFetch v8", 0,
                    "0000002a00000007"
                    "00"
                    "00000000"
                    "02"
                    "036731"
                    "02"
                    "0274"
                    "02"
                    "00000000"
                    "0000000000000005"
                    "ffffffff"
                    "01"
                    "0000"
                    "00"
                    "00"
                    "0000"
                    "00"
                    "00");
}

/* The remaining APIs at their newest versions (issue 20): DescribeGroups v5, ListGroups
 * v5 (types filter), ApiVersions v4, CreateTopics v7, DeleteTopics v6 (by name or id),
 * InitProducerId v5 (producer id and epoch), DescribeConfigs v4 (documentation asked),
 * CreatePartitions v3, FindCoordinator v4 (several keys), ListOffsets v6 (leader
 * epoch) and Produce v11: flexible requests decoded, every cut refused; responses byte
 * for byte. */
static void test_remaining_apis_flexible(void)
{
    static const struct {
        const char *name, *hex, *body;
    } cases[] = {
        {"describeGroups_v5",
         "000f0005"
         "00000005"
         "000163"
         "00"
         "02"
         "036731"
         "01"
         "00",
         "{\"groups\":[\"g1\"],\"includeAuthorizedOperations\":true}"},
        {"listGroups_v5",
         "00100005"
         "00000005"
         "000163"
         "00"
         "02"
         "07537461626c65"
         "02"
         "08636c6173736963"
         "00",
         "{\"statesFilter\":[\"Stable\"],\"typesFilter\":[\"classic\"]}"},
        {"apiVersions_v4",
         "00120004"
         "00000005"
         "000163"
         "00"
         "026b"
         "0231"
         "00",
         "{\"clientSoftwareName\":\"k\",\"clientSoftwareVersion\":\"1\"}"},
        {"createTopics_v7",
         "00130007"
         "00000005"
         "000163"
         "00"
         "02"
         "0274"
         "00000002"
         "ffff"
         "01"
         "02"
         "0d726574656e74696f6e2e6d73"
         "00"
         "00"
         "00"
         "00007530"
         "01"
         "00",
         "{\"topics\":[{\"name\":\"t\",\"numPartitions\":2,\"replicationFactor\":-1,\"assignments\":[],"
         "\"configs\":[{\"name\":\"retention.ms\",\"value\":null}]}],\"timeoutMs\":30000,\"validateOnly\":true}"},
        {"deleteTopics_v6",
         "00140006"
         "00000005"
         "000163"
         "00"
         "03"
         "00"
         "000102030405060708090a0b0c0d0e0f"
         "00"
         "0274"
         "00000000000000000000000000000000"
         "00"
         "00007530"
         "00",
         "{\"topics\":[{\"name\":null,\"topicId\":\"000102030405060708090a0b0c0d0e0f\"},"
         "{\"name\":\"t\",\"topicId\":\"00000000000000000000000000000000\"}],\"topicNames\":[],\"timeoutMs\":30000}"},
        {"initProducerId_v5",
         "00160005"
         "00000005"
         "000163"
         "00"
         "00"
         "0000ea60"
         "0000000000000007"
         "0002"
         "00",
         "{\"transactionalId\":null,\"transactionTimeoutMs\":60000,\"producerId\":7,\"producerEpoch\":2}"},
        {"describeConfigs_v4",
         "00200004"
         "00000005"
         "000163"
         "00"
         "02"
         "02"
         "0274"
         "00"
         "00"
         "01"
         "01"
         "00",
         "{\"resources\":[{\"resourceType\":2,\"resourceName\":\"t\",\"configurationKeys\":null}],"
         "\"includeSynonyms\":true,\"includeDocumentation\":true}"},
        {"createPartitions_v3",
         "00250003"
         "00000005"
         "000163"
         "00"
         "02"
         "0274"
         "00000004"
         "00"
         "00"
         "00007530"
         "00"
         "00",
         "{\"topics\":[{\"name\":\"t\",\"count\":4,\"assignments\":null}],\"timeoutMs\":30000,\"validateOnly\":false}"},
        {"findCoordinator_v4",
         "000a0004"
         "00000005"
         "000163"
         "00"
         "00"
         "03"
         "036731"
         "036732"
         "00",
         "{\"key\":\"\",\"keyType\":0,\"coordinatorKeys\":[\"g1\",\"g2\"]}"},
        {"listOffsets_v6",
         "00020006"
         "00000005"
         "000163"
         "00"
         "ffffffff"
         "01"
         "02"
         "0274"
         "02"
         "00000000"
         "00000000"
         "ffffffffffffffff"
         "00"
         "00"
         "00",
         "{\"replicaId\":-1,\"isolationLevel\":1,\"topics\":[{\"name\":\"t\",\"partitions\":[{\"partitionIndex\":0,"
         "\"currentLeaderEpoch\":0,\"timestamp\":-1,\"maxNumOffsets\":1}]}],\"timeoutMs\":0}"},
        {"produce_v11",
         "0000000b"
         "00000005"
         "000163"
         "00"
         "00"
         "ffff"
         "00007530"
         "02"
         "0274"
         "02"
         "00000000"
         "04616263"
         "00"
         "00"
         "00",
         "{\"transactionalId\":null,\"acks\":-1,\"timeoutMs\":30000,\"topicData\":[{\"name\":\"t\","
         "\"partitionData\":[{\"index\":0,\"records\":{\"at\":32,\"len\":3}}]}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t f[256];
        size_t n = frame_of(cases[i].hex, f, sizeof f);
        int rc = decode(f, n);
        if (rc != 0) {
            fprintf(stderr, "  %s: rc %d: %s\n", cases[i].name, rc, kd_error_message());
            check_current_failed++;
            continue;
        }
        char want[512];
        snprintf(want, sizeof want, "\"body\":%s}", cases[i].body);
        check_contains(cases[i].name, output(), want);
        check_truncations(cases[i].name, f, n);
    }

    CHECK_EQ_INT(
        encode("{\"apiKey\":10,\"apiVersion\":4,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"coordinators\":"
               "[{\"key\":\"g1\",\"nodeId\":0,\"host\":\"h\",\"port\":9092,\"errorCode\":0,\"errorMessage\":null}]}}"),
        0);
    /* header tagged fields; throttle; coordinators [ "g1", node 0, "h", 9092, 0, null ] */
    check_frame_hex("findCoordinator v4", 0,
                    "0000001c"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "036731"
                    "00000000"
                    "0268"
                    "00002384"
                    "0000"
                    "00"
                    "00"
                    "00");
    CHECK_EQ_INT(
        encode(
            "{\"apiKey\":19,\"apiVersion\":7,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"topics\":[{\"name\":"
            "\"t\",\"topicId\":\"000102030405060708090a0b0c0d0e0f\",\"errorCode\":0,\"errorMessage\":null,"
            "\"numPartitions\":2,\"replicationFactor\":1,\"configs\":[{\"name\":\"a\",\"value\":\"b\","
            "\"readOnly\":false,\"configSource\":5,\"isSensitive\":false}]}]}}"),
        0);
    /* topics [ "t", id, 0, null, 2 partitions, 1 replica, configs [ "a", "b", false,
     * DEFAULT_CONFIG, false ] ]; topicConfigErrorCode (tagged) is not written */
    check_frame_hex("createTopics v7", 0,
                    "00000030"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "0274"
                    "000102030405060708090a0b0c0d0e0f"
                    "0000"
                    "00"
                    "00000002"
                    "0001"
                    "02"
                    "0261"
                    "0262"
                    "00"
                    "05"
                    "00"
                    "00"
                    "00"
                    "00");
    CHECK_EQ_INT(
        encode("{\"apiKey\":20,\"apiVersion\":6,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"responses\":[{"
               "\"name\":"
               "null,\"topicId\":\"000102030405060708090a0b0c0d0e0f\",\"errorCode\":100,\"errorMessage\":\"x\"}]}}"),
        0);
    check_frame_hex("deleteTopics v6", 0,
                    "00000021"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "00"
                    "000102030405060708090a0b0c0d0e0f"
                    "0064"
                    "0278"
                    "00"
                    "00");
    CHECK_EQ_INT(
        encode("{\"apiKey\":16,\"apiVersion\":5,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"errorCode\":0,"
               "\"groups\":[{\"groupId\":\"g\",\"protocolType\":\"consumer\",\"groupState\":\"Stable\","
               "\"groupType\":\"classic\"}]}}"),
        0);
    check_frame_hex("listGroups v5", 0,
                    "00000028"
                    "00000005"
                    "00"
                    "00000000"
                    "0000"
                    "02"
                    "0267"
                    "09636f6e73756d6572"
                    "07537461626c65"
                    "08636c6173736963"
                    "00"
                    "00");
    CHECK_EQ_INT(
        encode(
            "{\"apiKey\":2,\"apiVersion\":6,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"topics\":[{\"name\":"
            "\"t\",\"partitions\":[{\"partitionIndex\":0,\"errorCode\":0,\"timestamp\":-1,\"offset\":7,\"leaderEpoch\":"
            "0}]}]}}"),
        0);
    /* topics [ "t", partitions [ 0, 0, timestamp -1, offset 7, leader epoch 0 ] ] */
    check_frame_hex("listOffsets v6", 0,
                    "0000002a"
                    "00000005"
                    "00"
                    "00000000"
                    "02"
                    "0274"
                    "02"
                    "00000000"
                    "0000"
                    "ffffffffffffffff"
                    "0000000000000007"
                    "00000000"
                    "00"
                    "00"
                    "00");
}

static const char *vectors_dir;

/* Every frame tests/vectors/make-kafka-requests.mjs wrote (see its header). */
static void test_vectors(void)
{
    char path[1024], name[256];
    snprintf(path, sizeof path, "%s/manifest.txt", vectors_dir);
    FILE *m = fopen(path, "r");
    CHECK(m != NULL);
    if (!m)
        return;
    int count = 0;
    while (fscanf(m, "%255s", name) == 1) {
        static uint8_t buf[1 << 16];
        snprintf(path, sizeof path, "%s/%s.bin", vectors_dir, name);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        check_frame(name, buf, n);
        check_truncations(name, buf, n);
        count++;
    }
    fclose(m);
    CHECK(count >= 83);
    printf("  %d kafkajs frames\n", count);
}

int main(int argc, char **argv)
{
    RUN(test_kafkajs_frames);
    RUN(test_truncated_frames);
    RUN(test_trailing_bytes);
    RUN(test_header_errors);
    RUN(test_unsupported_version);
    RUN(test_api_versions_v3_flexible);
    RUN(test_incremental_alter_configs_v1_flexible);
    RUN(test_huge_counts);
    RUN(test_bad_utf8);
    RUN(test_int64_beyond_doubles);
    RUN(test_encode_metadata);
    RUN(test_encode_api_versions_v3);
    RUN(test_encode_alter_configs);
    RUN(test_encode_fetch_holes);
    RUN(test_encode_unused_blob);
    RUN(test_encode_defaults_and_errors);
    RUN(test_error_responses);
    RUN(test_supported);
    RUN(test_encode_produce_v0_to_v2);
    RUN(test_list_offsets_v0);
    RUN(test_delete_records_v2_flexible);
    RUN(test_encode_delete_records);
    RUN(test_decode_admin_apis);
    RUN(test_encode_admin_apis);
    RUN(test_encode_api_versions_tagged);
    RUN(test_produce_v9_fetch_v12_flexible);
    RUN(test_metadata_flexible);
    RUN(test_group_apis_flexible);
    RUN(test_remaining_apis_flexible);
    if (argc == 3 && strcmp(argv[1], "--vectors") == 0) {
        vectors_dir = argv[2];
        RUN(test_vectors);
    }
    kd_release_scratch();
    return CHECK_SUMMARY();
}
