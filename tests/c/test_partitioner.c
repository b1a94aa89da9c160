/*
 * Tests src-c/partitioner.c: murmur2 against Java's known values, the partition
 * rule, and (with --vectors DIR) kafkajs's DefaultPartitioner on many keys.
 */
#include "check.h"
#include "kafdo.h"

static void test_murmur2_known_values(void)
{
    /* Values of Kafka's Utils.murmur2, from its own tests. */
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"21", 2), -973932308);
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"foobar", 6), -790332482);
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"abc", 3), 479470107);
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"a-little-bit-long-string", 24), -985981536);
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"a-little-bit-longer-string", 26), -1486304829);
    CHECK_EQ_INT(kd_murmur2((const uint8_t *)"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48), -58897971);
}

static void test_partition_rule(void)
{
    /* toPositive(murmur2("21")) % 3 = (-973932308 & 0x7fffffff) % 3 */
    CHECK_EQ_INT(kd_partition((const uint8_t *)"21", 2, 3, 0), (int32_t)((uint32_t)-973932308 & 0x7fffffff) % 3);
    for (uint32_t s = 0; s < 20; s++)
        CHECK_EQ_INT(kd_partition(NULL, -1, 7, s), (int32_t)(s % 7));
    CHECK_EQ_INT(kd_partition(NULL, -1, 7, UINT32_MAX), (int32_t)(UINT32_MAX % 7));
    CHECK_EQ_INT(kd_partition((const uint8_t *)"x", 1, 0, 0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_partition((const uint8_t *)"x", 1, -4, 0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_partition((const uint8_t *)"", 0, 1, 9), 0);
}

static const char *vectors_dir;

/* partitions.txt, written by tests/vectors/make-vectors.mjs: see its header. */
static void test_kafkajs_partitions(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/partitions.txt", vectors_dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[4096];
    int checked = 0, wrong = 0;
    while (fgets(line, sizeof line, f)) {
        char hex[2100];
        long long murmur, partitions, expected;
        if (line[0] == '#' || sscanf(line, "%2099s %lld %lld %lld", hex, &murmur, &partitions, &expected) != 4)
            continue;
        uint8_t key[1050];
        size_t n = 0;
        if (strcmp(hex, "-") != 0)
            for (; hex[2 * n] && hex[2 * n + 1] && n < sizeof key; n++)
                sscanf(hex + 2 * n, "%2hhx", &key[n]);
        int32_t m = kd_murmur2(key, (uint32_t)n);
        int32_t p = kd_partition(key, (int32_t)n, (int32_t)partitions, 0);
        if (m != murmur || p != expected) {
            if (wrong++ < 5)
                fprintf(stderr, "  key %s: murmur2 %d (kafkajs %lld), partition %d (kafkajs %lld of %lld)\n", hex,
                        (int)m, murmur, (int)p, expected, partitions);
        }
        checked++;
    }
    fclose(f);
    printf("  %d kafkajs partition choices checked\n", checked);
    CHECK(checked >= 1000);
    CHECK_EQ_INT(wrong, 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--vectors") == 0) {
        vectors_dir = argv[2];
        RUN(test_kafkajs_partitions);
        return CHECK_SUMMARY();
    }
    RUN(test_murmur2_known_values);
    RUN(test_partition_rule);
    return CHECK_SUMMARY();
}
