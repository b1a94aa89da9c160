/*
 * make_seeds.c — writes seed inputs for the fuzzers into DIR/<fuzzer>/, so that
 * each starts from valid input and mutates its way into the deep paths: batches
 * for the decoders, params + record lists for the encoders (after a size limit for
 * the producer's split), produce sets for the log (idempotent producers' too), a
 * topic with configs for the topic input, a group for the assignors, joins (HTTP,
 * and Kafka's with a group.instance.id), a commit and a leave for the group, streams
 * of each codec for its decoder (gzip by Python's zlib, each codec by the core's own
 * encoder) and compressed batches (kafkajs's gzip, the core's of each codec) for the
 * batch decoder. Run by the Makefile before the fuzzers; nothing here is committed output.
 */
#include <sys/stat.h>

#include "codecs.h"
#include "cold_fixture.h"
#include "record_batch.h"
#include "kd_list.h"

static void put(const char *dir, const char *fuzzer, const char *name, const uint8_t *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, fuzzer);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, fuzzer, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

/* An uncompressed batch of n records from a producer, appended to b. */
static void idempotent_batch(kbuf *b, int64_t producer_id, int16_t epoch, int32_t sequence, uint32_t n)
{
    kbuf in = {0};
    kparams p = kparams_default();
    p.producer_id = producer_id;
    p.producer_epoch = epoch;
    p.base_sequence = sequence;
    kb_params(&in, p, n);
    for (uint32_t i = 0; i < n; i++)
        kb_record(&in, 1700000000000 + i, "k", 1, "v", 1, 0, NULL, NULL);
    if (kd_batch_encode(in.p, (uint32_t)in.len) == 0)
        kb_put(b, kd_out_ptr(), kd_out_len());
    kb_free(&in);
}

/* Produce sets of idempotent producers for the log: two producers in order, a
 * set of both, a retry of the first set, a new epoch, a gap and an old epoch. */
static void put_idempotent_sets(const char *dir)
{
    static const struct {
        int64_t pid;
        int16_t epoch;
        int32_t seq;
        uint32_t n;
        int set; /* batches with the same set number go back to back in one set */
    } plan[] = {
        {1000, 0, 0, 2, 0}, {1001, 0, 0, 1, 1}, {1000, 0, 2, 1, 2}, {1001, 0, 1, 2, 2},         {1000, 0, 0, 2, 3},
        {1001, 1, 0, 1, 4}, {1000, 0, 9, 1, 5}, {1001, 0, 3, 1, 6}, {1002, 0, INT32_MAX, 2, 7},
    };
    kbuf sets = {0};
    int nsets = plan[sizeof plan / sizeof plan[0] - 1].set + 1;
    kb_le(&sets, (uint32_t)nsets, 4);
    for (int set = 0; set < nsets; set++) {
        kbuf batches = {0};
        for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
            if (plan[i].set == set)
                idempotent_batch(&batches, plan[i].pid, plan[i].epoch, plan[i].seq, plan[i].n);
        kb_le(&sets, batches.len, 4);
        kb_put(&sets, batches.p, batches.len);
        kb_free(&batches);
    }
    put(dir, "log_append", "idempotent", sets.p, sets.len);
    kb_free(&sets);
}

/* Kafka request frames (kafkajs's, as in test_kafka.c, and a flexible ApiVersions v3)
 * for the request decoder; response JSON for the encoder. */
static void put_hex(const char *dir, const char *fuzzer, const char *name, const char *hex)
{
    uint8_t buf[512];
    size_t n = 0;
    for (; hex[2 * n] && hex[2 * n + 1] && n < sizeof buf; n++)
        sscanf(hex + 2 * n, "%2hhx", &buf[n]);
    put(dir, fuzzer, name, buf, n);
}

/* Each codec's stream of a record list, and a batch compressed with it, written by
 * the core's encoder (the libraries'), for the codec's fuzzer and the batch decoder. */
static void put_codec_seeds(const char *dir)
{
    static const char *const fuzzers[] = {"", "gzip", "snappy", "lz4", "zstd"};
    for (int codec = 1; codec <= 4; codec++) {
        kbuf in = {0};
        kparams p = kparams_default();
        p.attributes = (int16_t)codec;
        kb_params(&in, p, 30);
        for (int i = 0; i < 30; i++) {
            const char *hk[] = {"h"}, *hv[] = {"v"};
            kb_record(&in, 1700000000000 + i, "key", 3, "{\"value\":\"compressible\"}", 25, 1, hk, hv);
        }
        if (kd_batch_encode(in.p, (uint32_t)in.len) == 0) {
            char name[32];
            snprintf(name, sizeof name, "core-%s", fuzzers[codec]);
            put(dir, "batch_decode", name, kd_out_ptr(), kd_out_len());
            kd_codec_out z = {NULL, 0, 0, SIZE_MAX};
            if (kd_compress(codec, kd_out_ptr() + 61, kd_out_len() - 61, &z) == 0)
                put(dir, fuzzers[codec], "records", z.data, z.len);
            free(z.data);
        }
        kb_free(&in);
    }
}

/* gzip made by Python's zlib (a dynamic block; a fixed one) and by kafkajs (a gzip
 * RecordBatch of 20 records: tests/vectors/make-vectors.mjs, case "gzip"). */
static void put_gzip_seeds(const char *dir)
{
    put_hex(dir, "gzip", "dynamic",
            "1f8b0800000000000203b5cdd11940300c85d155ee0416b084070b9456856a6815edf4f2d50c9eff73937e3638128d2b"
            "86c0b7c7c40f96b4ed117c998053b2532543b36dd0ff863b256ecb1804dd74ce98e832928af17074240eb2b5b1adb3da"
            "4492b7828b0a3ad6cbdf3b979b17aabe630cd5000000");
    put_hex(dir, "gzip", "fixed",
            "1f8b0800000000000203cb48cdc9c957c840277514d2322b5253143c4ad3d27213f31492f353528b1501037fb06d2d000000");
    put_hex(dir, "gzip", "stored", "1f8b08000000000000ff010500faff68656c6c6f86a6103605000000");
    put_hex(dir, "batch_decode", "kafkajs-gzip",
            "00000000000000000000017900000000029dff11550001000000130000018bcfe568000000018bcfe56813ffffffffff"
            "ffffff000000000000000000141f8b08000000000000039dd3dd6ac2301880e14444a41411112922528278a4f4fff766"
            "5cd785addb68cbcc1c3276531ef4fa06c9e99734e4069e8317de074608591ff47ef69f7e09bdd1969192f4d52bbddc1a"
            "fa434ea425a57f227dc5de4849bcfeab7bf9aed9d5f3c9dfc4a9bb96d1969dd9bda76ed5f79f4d5db1a66bbdf76bd73e"
            "309a4c381dc8e900a0031d7a3ae57428a743800e75e8d98cd3919c8e003ad2a1e7734ec7723a366d6d599c4ee47462da"
            "dab6399dcae9d4b4f562c1e94c4e67a6ad974b4ee7723a376dbd5a71ba90d38551eb01a3f5dae6cbf8cff267a01fc76b"
            "0f186d36020f143874e478ef0123c71178a8c0a127c78b0f186db7028f143874a556f3dd4ee0b10287bed46abedf0b3c"
            "51e0d0995acd5d57e0a90287ded46a4e88c033050edda9d5fc701078aec0a13fb59a1f8f022f143874e878f37f916eec"
            "6030070000");
}

static void put_kafka_seeds(const char *dir)
{
    put_hex(dir, "kafka_decode", "produce-v7",
            "000000ce000000070000002a000a6b6166646f2d74657374ffffffff000075300000000100066f726465727300000002"
            "000000000000004800000000000000000000003c00000000024dd8f1210000000000000000018bcfe568000000018bcf"
            "e56800ffffffffffffffff0000000000000000000114000000046b3104763100000000020000004a0000000000000000"
            "0000003e00000000022fd7d46f0000000000000000018bcfe568010000018bcfe56801ffffffffffffffff0000000000"
            "000000000118000000010476320202680278");
    /* Produce below v3: no transactionalId, a magic-1 message set (kafkajs's). */
    put_hex(dir, "kafka_decode", "produce-v2",
            "00000084000000020000002a000a6b6166646f2d74657374ffff000075300000000100066f7264657273000000020000"
            "000000000026ffffffffffffffff0000001aa5da6a6201000000018bcfe56800000000026b3100000002763100000002"
            "00000024ffffffffffffffff0000001832d28e8101000000018bcfe56801ffffffff000000027632");
    put_hex(dir, "kafka_decode", "fetch-v11",
            "000000650001000b0000002a000a6b6166646f2d74657374ffffffff000001f40000000100a000000100000000ffffff"
            "ff0000000100066f72646572730000000100000003ffffffff0000000000003039ffffffffffffffff00100000000000"
            "0000067261636b2d61");
    put_hex(dir, "kafka_decode", "join-group-v5",
            "0000004e000b00050000002a000a6b6166646f2d7465737400026731000075300000ea600000ffff0008636f6e73756d"
            "6572000000010012526f756e64526f62696e41737369676e65720000000400010203");
    put_hex(dir, "kafka_decode", "create-topics-v3",
            "0000004c001300030000002a000a6b6166646f2d746573740000000100066f7264657273000000030001000000000000"
            "0001000e636c65616e75702e706f6c6963790007636f6d706163740000138800");
    put_hex(dir, "kafka_decode", "delete-records-v1",
            "00000040001500010000002a000a6b6166646f2d746573740000000100066f72646572730000000200000000000000000000"
            "002a00000002ffffffffffffffff00001388");
    put_hex(dir, "kafka_decode", "alter-configs-v1",
            "0000004c002100010000002a000a6b6166646f2d74657374000000010200066f726465727300000002000c726574656e"
            "74696f6e2e6d73000431303030000e636c65616e75702e706f6c696379ffff01");
    /* IncrementalAlterConfigs v1, flexible: SET retention.ms 1000, APPEND cleanup.policy null. */
    put_hex(dir, "kafka_decode", "incremental-alter-configs-v1",
            "0000003a002c0001000000050001630002020274030d726574656e74696f6e2e6d7300053130303000"
            "0f636c65616e75702e706f6c696379020000000100");
    put_hex(dir, "kafka_decode", "api-versions-v3",
            "000000240012000300000009000772646b61666b61000b6c696272646b61666b6106322e302e3200");
    static const char *const json[] = {
        "{\"apiKey\":3,\"apiVersion\":8,\"correlationId\":7,\"body\":{\"brokers\":[{\"nodeId\":0,\"host\":\"h\","
        "\"port\":9092,\"rack\":null}],\"controllerId\":0,\"topics\":[{\"errorCode\":0,\"name\":\"t\",\"partitions\":"
        "[{\"errorCode\":0,\"partitionIndex\":0,\"leaderId\":0,\"replicaNodes\":[0],\"isrNodes\":[0]}]}]}}",
        "{\"apiKey\":1,\"apiVersion\":11,\"correlationId\":2,\"blobs\":[3],\"body\":{\"responses\":[{\"topic\":\"t\","
        "\"partitions\":[{\"partitionIndex\":0,\"highWatermark\":\"9007199254740993\",\"records\":{\"blob\":0}}]}]}}",
        "{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":"
        "[{\"apiKey\":0,\"minVersion\":3,\"maxVersion\":7}],\"throttleTimeMs\":0}}",
        "{\"apiKey\":0,\"apiVersion\":2,\"correlationId\":4,\"body\":{\"responses\":[{\"name\":\"t\","
        "\"partitionResponses\":"
        "[{\"index\":0,\"errorCode\":0,\"baseOffset\":5,\"logAppendTimeMs\":-1}]}],\"throttleTimeMs\":0}}",
        "{\"apiKey\":44,\"apiVersion\":1,\"correlationId\":5,\"body\":{\"throttleTimeMs\":0,\"responses\":"
        "[{\"errorCode\":40,\"errorMessage\":\"bad\",\"resourceType\":2,\"resourceName\":\"t\"}]}}",
        "{\"apiKey\":10,\"apiVersion\":2,\"correlationId\":7,\"body\":{\"host\":\"\\u00e9\\ud83d\\ude00\","
        "\"errorMessage\":null}}",
    };
    for (size_t i = 0; i < sizeof json / sizeof json[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "response-%zu", i);
        put(dir, "kafka_encode", name, (const uint8_t *)json[i], strlen(json[i]));
    }
    static const char delete_records[] = "{\"apiKey\":21,\"apiVersion\":2,\"correlationId\":5,\"body\":{"
                                         "\"throttleTimeMs\":0,\"topics\":[{\"name\":\"t\","
                                         "\"partitions\":[{\"partitionIndex\":0,\"lowWatermark\":42,\"errorCode\":0},"
                                         "{\"partitionIndex\":1,\"lowWatermark\":-1,\"errorCode\":1}]}]}}";
    put(dir, "kafka_encode", "delete-records-response", (const uint8_t *)delete_records, strlen(delete_records));
    /* The administration APIs of issue 20 (as in test_kafka.c), and ApiVersions v3's tagged features. */
    put_hex(dir, "kafka_decode", "offset-delete-v0",
            "00000021002f000000000005000163000167000000010001740000000200000000"
            "00000003");
    put_hex(dir, "kafka_decode", "elect-leaders-v2", "0000001b002b00020000000500016300000202740200000000000000753000");
    put_hex(dir, "kafka_decode", "alter-partition-reassignments-v0",
            "00000026002d00000000000500016300000075300202740300000000020000000000000000010000"
            "0000");
    put_hex(dir, "kafka_decode", "describe-log-dirs-v4",
            "0000001a00230004000000050001630002027403000000000000000100"
            "00");
    /* The remaining APIs' newest versions (test_remaining_apis_flexible). */
    put_hex(dir, "kafka_decode", "create-topics-v7",
            "0000002d00130007000000050001630002027400000002ffff01020d726574656e74696f6e2e6d730000000000753001"
            "00");
    put_hex(dir, "kafka_decode", "delete-topics-v6",
            "000000370014000600000005000163000300000102030405060708090a0b0c0d0e0f0002740000000000000000000000"
            "0000000000000000753000");
    put_hex(dir, "kafka_decode", "find-coordinator-v4", "00000015000a00040000000500016300000303673103673200");
    static const char api_versions_features[] =
        "{\"apiKey\":18,\"apiVersion\":3,\"correlationId\":1,\"body\":{\"errorCode\":0,\"apiKeys\":[],"
        "\"throttleTimeMs\":0,"
        "\"supportedFeatures\":[{\"name\":\"f\",\"minVersion\":0,\"maxVersion\":1}],\"finalizedFeaturesEpoch\":0}}";
    put(dir, "kafka_encode", "api-versions-features", (const uint8_t *)api_versions_features,
        strlen(api_versions_features));
    static const char describe_cluster[] =
        "{\"apiKey\":60,\"apiVersion\":1,\"correlationId\":5,\"body\":{\"clusterId\":\"kafdo\",\"brokers\":"
        "[{\"brokerId\":0,\"host\":\"h\",\"port\":9092,\"rack\":null}]}}";
    put(dir, "kafka_encode", "describe-cluster-response", (const uint8_t *)describe_cluster, strlen(describe_cluster));
}

/* Config alterations of the topic "t" that fuzz_topic_create makes first:
 * str name, u8 mode, u32 count, (u8 op, str key, u8 null, str value)*. */
/* fuzz_sasl: the first byte picks the reader (0 client-first, 1 client-final, 2 PLAIN). */
static void put_sasl_seeds(const char *dir)
{
    static const char first[] = "\0n,,n=user,r=fuzznonce,ext=1";
    static const char final[] = "\1c=biws,r=fuzznonceAQID,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static const char plain[] = "\2user\0user\0pencil";
    put(dir, "sasl", "client-first", (const uint8_t *)first, sizeof first - 1);
    put(dir, "sasl", "client-final", (const uint8_t *) final, sizeof final - 1);
    put(dir, "sasl", "plain", (const uint8_t *)plain, sizeof plain - 1);
}

/* fuzz_acl: first byte 0 authorize, 1 filter, 2 check; little-endian u16 string lengths. */
static void put_acl_seeds(const char *dir)
{
    /* principal "User:a", host "*", no super users, one query (READ topic "t"), one ACL
     * (topic, literal "t", "User:a", "*", READ, ALLOW). */
    static const uint8_t authorize[] = {0, 6,   0, 'U', 's', 'e', 'r', ':', 'a', 1,   0, '*', 0,   0, 0, 0,
                                        1, 0,   0, 0,   3,   2,   1,   0,   't', 1,   0, 0,   0,   2, 3, 1,
                                        0, 't', 6, 0,   'U', 's', 'e', 'r', ':', 'a', 1, 0,   '*', 3, 3};
    static const uint8_t filter[] = {1, 1, 2,   1, 1, 0,   't', 0,   0,   1,   1,   1, 0, 0,   0, 2, 4,
                                     1, 0, 't', 6, 0, 'U', 's', 'e', 'r', ':', 'a', 1, 0, '*', 3, 3};
    static const uint8_t check[] = {2, 2, 4, 1, 0, 't', 6, 0, 'U', 's', 'e', 'r', ':', 'a', 1, 0, '*', 3, 3};
    put(dir, "acl", "authorize", authorize, sizeof authorize);
    put(dir, "acl", "filter", filter, sizeof filter);
    put(dir, "acl", "check", check, sizeof check);
}

/* fuzz_txn: request programs (its header has the steps): init, add partitions and a
 * group, commit, complete; init, add, a second init fencing it, complete, init again;
 * init, add, the timeout, the alarm, complete. */
static void put_txn_coordinator_seeds(const char *dir)
{
    static const uint8_t commit[] = {0, 0, 3, 1, 0, 3, 2, 0, 0, 3, 0x80, 4, 3, 3, 0x80};
    static const uint8_t fence[] = {0, 0, 3, 1, 0, 3, 0, 0, 3, 4, 3, 0, 0, 3, 1, 4, 1, 0};
    static const uint8_t timeout[] = {0, 3, 3, 1, 0, 1, 7, 5, 4, 3, 1, 4, 0, 3, 8, 0, 0, 0};
    put(dir, "txn", "commit", commit, sizeof commit);
    put(dir, "txn", "fence", fence, sizeof fence);
    put(dir, "txn", "timeout", timeout, sizeof timeout);
}

static void put_alter_seeds(const char *dir)
{
    static const struct {
        const char *name;
        uint8_t mode;
        struct {
            uint8_t op;
            const char *key, *value;
        } ops[3];
    } seeds[] = {
        {"alter-incremental",
         KD_ALTER_INCREMENTAL,
         {{KD_CONFIG_SET, "retention.bytes", "100"},
          {KD_CONFIG_APPEND, "cleanup.policy", "compact"},
          {KD_CONFIG_DELETE, "retention.ms", NULL}}},
        {"alter-replace",
         KD_ALTER_REPLACE,
         {{KD_CONFIG_SET, "retention.ms", "5000"},
          {KD_CONFIG_SET, "cleanup.policy", "compact,delete"},
          {KD_CONFIG_SET, "max.message.bytes", NULL}}},
    };
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        kbuf in = {0};
        kb_le(&in, 1, 2);
        kb_put(&in, "t", 1);
        kb_le(&in, seeds[s].mode, 1);
        kb_le(&in, 3, 4);
        for (int i = 0; i < 3; i++) {
            const char *value = seeds[s].ops[i].value;
            kb_le(&in, seeds[s].ops[i].op, 1);
            kb_le(&in, strlen(seeds[s].ops[i].key), 2);
            kb_put(&in, seeds[s].ops[i].key, strlen(seeds[s].ops[i].key));
            kb_le(&in, value == NULL, 1);
            kb_le(&in, value ? strlen(value) : 0, 2);
            kb_put(&in, value ? value : "", value ? strlen(value) : 0);
        }
        put(dir, "topic_create", seeds[s].name, in.p, in.len);
        kb_free(&in);
    }
}

/* Lifecycle programs: configs, then (op, arg, i64 value) instructions (fuzz_log_lifecycle.c). */
static void put_retention_seeds(const char *dir)
{
    static const struct {
        const char *name, *config;
        uint8_t program[6][2];
        int64_t values[6];
    } seeds[] = {
        {"time",
         "{\"retention.ms\":\"100\"}",
         {{0, 13}, {0, 2}, {1, 3}, {0, 1}, {1, 15}, {2, 0}},
         {0, 1000, 1050, 5000, 99999, 3}},
        {"size",
         "{\"retention.ms\":\"-1\",\"retention.bytes\":\"200\"}",
         {{0, 31}, {0, 31}, {1, 0}, {1, 15}, {2, 0}, {1, 1}},
         {1, 2, 3, 4, -1, 5}},
        {"compact",
         "{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1\",\"min.cleanable.dirty.ratio\":\"0\"}",
         {{0, 31}, {0, 159}, {3, 15}, {4, 1}, {0, 30}, {3, 2}},
         {7, 5, 100000, 40, 9, 200000}},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        kbuf p = {0};
        kb_put(&p, seeds[i].config, strlen(seeds[i].config) + 1);
        for (int j = 0; j < 6; j++) {
            kb_put(&p, seeds[i].program[j], 2);
            kb_le(&p, (uint64_t)seeds[i].values[j], 8);
        }
        put(dir, "log_lifecycle", seeds[i].name, p.p, p.len);
        kb_free(&p);
    }
}

/* The cold segment reader's inputs (fuzz_cold_segment.c): each segment's real bytes
 * read from several offsets, a fetch and a read, and one with its index replaced. */
static void put_cold_seeds(const char *dir)
{
    cold_fixture f;
    if (cold_fixture_open(&f) != 0)
        return;
    static const struct {
        uint8_t flags;
        int64_t offset;
        int segment;
    } seeds[] = {{1, 0, 0}, {3, 5, 0}, {0, 17, 1}, {3, 31, 1}, {5, 2, 0}};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        kbuf p = {0};
        kb_put(&p, &seeds[i].flags, 1);
        kb_le(&p, (uint64_t)seeds[i].offset + 2, 8);
        kb_le(&p, 1 << 20, 4);
        kb_le(&p, 0, 4);
        kbuf index = {0};
        if (seeds[i].flags & 4) { /* one entry: the first batch alone */
            kd_batch b;
            kd_batch_read(f.segments[0].p, f.segments[0].len, &b);
            uint8_t e[32] = {0};
            e[15] = 3; /* last offset 3 */
            for (int k = 0; k < 4; k++)
                e[28 + k] = (uint8_t)(b.size >> (24 - 8 * k));
            kb_put(&index, e, sizeof e);
        }
        kb_le(&p, index.len, 2);
        kb_put(&p, index.p, index.len);
        kb_put(&p, f.segments[seeds[i].segment].p, f.segments[seeds[i].segment].len);
        char name[32];
        snprintf(name, sizeof name, "cold-%zu", i);
        put(dir, "cold_segment", name, p.p, p.len);
        kb_free(&p);
        kb_free(&index);
    }
}

/* Transaction programs (fuzz_txn_log.c): 8-byte instructions u8 op, u8 producer, u8 epoch,
 * u8 arg, i32 value: two producers' transactions, one aborted and one committed, with
 * reads at both isolation levels between; and the same on a compacted log. */
static void put_txn_seeds(const char *dir)
{
    static const uint8_t program[][4] = {
        {0, 0, 0, 3}, {0, 1, 0, 0}, {2, 0, 0, 3}, {0, 0, 0, 5}, {1, 0, 0, 0}, {2, 0, 0, 7},
        {0, 2, 1, 1}, {1, 2, 2, 3}, {2, 0, 0, 2}, {0, 2, 2, 1}, {3, 0, 0, 0}, {2, 0, 0, 1},
    };
    kbuf p = {0};
    for (size_t i = 0; i < sizeof program / sizeof program[0]; i++) {
        kb_put(&p, program[i], 4);
        kb_le(&p, i % 3, 4);
    }
    put(dir, "txn_log", "abort-then-commit", p.p, p.len);
    kb_free(&p);
    /* The same on a compacted log (first byte's 0x80), a compaction step (op 7) after
     * each marker and at the end. */
    for (size_t i = 0; i < sizeof program / sizeof program[0]; i++) {
        uint8_t ins[4] = {program[i][0] == 3 ? 7 : program[i][0], program[i][1], program[i][2], program[i][3]};
        if (i == 0)
            ins[0] |= 0x80;
        kb_put(&p, ins, 4);
        kb_le(&p, i % 3, 4);
        if (program[i][0] == 1) {
            static const uint8_t step[8] = {7};
            kb_put(&p, step, 8);
        }
    }
    put(dir, "txn_log", "compacted-abort-then-commit", p.p, p.len);
    kb_free(&p);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    const char *dir = argv[1];
    mkdir(dir, 0755);
    put_retention_seeds(dir);
    put_cold_seeds(dir);
    put_txn_seeds(dir);
    const char *hk[] = {"h1", "h2"};
    const char *hv[] = {"v", NULL};
    kbuf in = {0};
    kb_params(&in, kparams_default(), 3);
    kb_record(&in, 1700000000000, "key", 3, "value", 5, 2, hk, hv);
    kb_record(&in, 1700000000001, NULL, -1, NULL, -1, 0, NULL, NULL);
    kb_record(&in, 1699999999999, "", 0, "{\"a\":1}", 7, 1, hk, hv);
    put(dir, "batch_encode", "three", in.p, in.len);
    kbuf within = {0};
    kb_le(&within, 100, 4); /* the size limit: the three records take two batches */
    kb_put(&within, in.p, in.len);
    put(dir, "batch_encode_within", "three-split", within.p, within.len);
    kb_free(&within);
    if (kd_batch_encode(in.p, (uint32_t)in.len) != 0)
        return 1;
    kbuf batch = {0};
    kb_put(&batch, kd_out_ptr(), kd_out_len());
    size_t n;
    uint8_t *small = make_batch(2, 5, 3, &n);
    kb_put(&batch, small, n); /* two batches back to back */
    put(dir, "batch_decode", "two-batches", batch.p, batch.len);
    put(dir, "batch_inspect", "two-batches", batch.p, batch.len);
    kbuf sets = {0};
    kb_le(&sets, 2, 4);
    kb_le(&sets, batch.len, 4);
    kb_put(&sets, batch.p, batch.len);
    kb_le(&sets, n, 4);
    kb_put(&sets, small, n);
    put(dir, "log_append", "two-sets", sets.p, sets.len);
    put_idempotent_sets(dir);
    put_kafka_seeds(dir);
    put_gzip_seeds(dir);
    put_codec_seeds(dir);
    kbuf topic = {0};
    const char *cfg[][2] = {{"retention.ms", "86400000"}, {"cleanup.policy", "compact"}};
    kb_le(&topic, 6, 2);
    kb_put(&topic, "orders", 6);
    kb_le(&topic, 3, 4);
    kb_le(&topic, 2, 4);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            kb_le(&topic, strlen(cfg[i][j]), 2);
            kb_put(&topic, cfg[i][j], strlen(cfg[i][j]));
        }
    put(dir, "topic_create", "orders", topic.p, topic.len);
    kb_free(&topic);
    put_alter_seeds(dir);
    put_sasl_seeds(dir);
    put_acl_seeds(dir);
    put_txn_coordinator_seeds(dir);
    kbuf group = {0};
    kb_le(&group, KD_ASSIGN_STICKY, 1);
    kb_le(&group, 2, 4);
    for (int m = 0; m < 2; m++) {
        kb_le(&group, 2, 2);
        kb_put(&group, m ? "m1" : "m0", 2);
        kb_le(&group, 1, 4);
        kb_le(&group, 6, 2);
        kb_put(&group, "orders", 6);
        kb_le(&group, 1, 4);
        kb_le(&group, 6, 2);
        kb_put(&group, "orders", 6);
        kb_le(&group, (uint32_t)m, 4);
    }
    kb_le(&group, 1, 4);
    kb_le(&group, 6, 2);
    kb_put(&group, "orders", 6);
    kb_le(&group, 3, 4);
    put(dir, "assign", "two-members", group.p, group.len);
    kb_free(&group);
    kbuf join = {0};
    kb_le(&join, 0, 1); /* selector: join */
    const char *strs[] = {"", "client", "a1"};
    for (int i = 0; i < 3; i++) {
        kb_le(&join, strlen(strs[i]), 2);
        kb_put(&join, strs[i], strlen(strs[i]));
    }
    kb_le(&join, 30000, 4);
    kb_le(&join, 60000, 4);
    kb_le(&join, KD_ASSIGN_STICKY, 1);
    kb_le(&join, 0, 1);
    kb_le(&join, 1, 4);
    kb_le(&join, 6, 2);
    kb_put(&join, "orders", 6);
    kb_le(&join, 3, 4);
    put(dir, "group", "join", join.p, join.len);
    kb_free(&join);
    kbuf commit = {0};
    kb_le(&commit, 1, 1); /* selector: commit */
    kb_le(&commit, 0, 2);
    kb_le(&commit, 0xffffffffu, 4);
    kb_le(&commit, 1, 4);
    kb_le(&commit, 6, 2);
    kb_put(&commit, "orders", 6);
    kb_le(&commit, 2, 4);
    kb_le(&commit, 42, 8);
    kb_le(&commit, 2, 2);
    kb_put(&commit, "md", 2);
    put(dir, "group", "commit", commit.p, commit.len);
    kb_free(&commit);
    /* A reset of orders-0 and orders-1 back by 2 (the group's first byte: empty). */
    kbuf reset = {0};
    kb_le(&reset, 0, 1); /* the group: empty */
    kb_le(&reset, 0, 1); /* flags */
    kb_le(&reset, 4, 1); /* spec: shiftBy */
    kb_le(&reset, (uint64_t)-2, 8);
    kb_le(&reset, 2, 4);
    for (uint32_t p = 0; p < 2; p++) {
        kb_le(&reset, 6, 2);
        kb_put(&reset, "orders", 6);
        kb_le(&reset, p, 4);
        kb_le(&reset, 0, 8);
        kb_le(&reset, 10, 8);
        kb_le(&reset, (uint64_t)-1, 8);
    }
    put(dir, "group_reset", "shift", reset.p, reset.len);
    kb_free(&reset);
    /* A TxnOffsetCommit (selector 0) of orders-1 by producer 7 epoch 0, naming no
     * member; and an unstable query (selector 1) of orders-0. */
    kbuf txn = {0};
    kb_le(&txn, 0, 1);
    kb_le(&txn, 7, 8);
    kb_le(&txn, 0, 2);
    kb_le(&txn, 0, 2); /* member "" */
    kb_le(&txn, 0xffffffffu, 4);
    kb_le(&txn, 0, 2); /* no group.instance.id */
    kb_le(&txn, 1, 4);
    kb_le(&txn, 6, 2);
    kb_put(&txn, "orders", 6);
    kb_le(&txn, 1, 4);
    kb_le(&txn, 12, 8);
    kb_le(&txn, 2, 2);
    kb_put(&txn, "md", 2);
    put(dir, "group_txn", "commit", txn.p, txn.len);
    kb_free(&txn);
    static const uint8_t unstable[] = {1, 1, 0, 0, 0, 6, 0, 'o', 'r', 'd', 'e', 'r', 's', 0, 0, 0, 0};
    put(dir, "group_txn", "unstable", unstable, sizeof unstable);
    /* A Kafka member's join with a group.instance.id, KIP-394's flag and an initial
     * delay; and a leave by instance id. */
    kbuf kjoin = {0};
    kb_le(&kjoin, 0, 1); /* selector: join */
    const char *kstrs[] = {"", "client", "k1"};
    for (int i = 0; i < 3; i++) {
        kb_le(&kjoin, strlen(kstrs[i]), 2);
        kb_put(&kjoin, kstrs[i], strlen(kstrs[i]));
    }
    kb_le(&kjoin, 30000, 4);
    kb_le(&kjoin, 0, 4); /* rebalance timeout 0, as Kafka takes it */
    kb_le(&kjoin, 0, 1);
    kb_le(&kjoin, 1, 1); /* kind: Kafka */
    const char *ktail[] = {"host-1", "", "/10.0.0.1", "consumer", "range"};
    for (int i = 0; i < 3; i++) {
        if (i == 1) {
            kb_le(&kjoin, 1, 1);    /* member id required */
            kb_le(&kjoin, 3000, 4); /* initial delay */
            continue;
        }
        kb_le(&kjoin, strlen(ktail[i]), 2);
        kb_put(&kjoin, ktail[i], strlen(ktail[i]));
    }
    kb_le(&kjoin, 8, 2);
    kb_put(&kjoin, "consumer", 8);
    kb_le(&kjoin, 1, 4);
    kb_le(&kjoin, 5, 2);
    kb_put(&kjoin, "range", 5);
    static const uint8_t sub[] = {0, 0, 0, 0, 0, 1, 0, 6, 'o', 'r', 'd', 'e', 'r', 's', 0xff, 0xff, 0xff, 0xff};
    kb_le(&kjoin, sizeof sub, 4);
    kb_put(&kjoin, sub, sizeof sub);
    put(dir, "group", "join-static", kjoin.p, kjoin.len);
    kb_free(&kjoin);
    kbuf leave = {0};
    kb_le(&leave, 3, 1); /* selector: leave */
    kb_le(&leave, 0, 2);
    kb_le(&leave, 6, 2);
    kb_put(&leave, "host-1", 6);
    put(dir, "group", "leave-instance", leave.p, leave.len);
    kb_free(&leave);
    kbuf offset_delete = {0};
    kb_le(&offset_delete, 0x83, 1); /* selector: OffsetDelete (0x83 % 6 == 5), in a group of two Kafka members */
    kb_le(&offset_delete, 2, 4);
    for (int i = 0; i < 2; i++) {
        kb_le(&offset_delete, 6, 2);
        kb_put(&offset_delete, i ? "events" : "orders", 6);
        kb_le(&offset_delete, (uint32_t)i, 4);
    }
    put(dir, "group", "offset-delete", offset_delete.p, offset_delete.len);
    kb_free(&offset_delete);
    free(small);
    kb_free(&in);
    kb_free(&batch);
    kb_free(&sets);
    kd_release_scratch();
    return 0;
}
