/*
 * make_seeds.c — writes seed inputs for the fuzzers into DIR/<fuzzer>/, so that
 * each starts from valid input and mutates its way into the deep paths: batches
 * for the decoders, params + record lists for the encoders (after a size limit for
 * the producer's split), produce sets for the log, a topic with configs for the
 * topic input, a group for the assignors, a join and a commit for the group. Run
 * by the Makefile before the fuzzers; nothing here is committed output.
 */
#include <sys/stat.h>

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

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    const char *dir = argv[1];
    mkdir(dir, 0755);
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
    free(small);
    kb_free(&in);
    kb_free(&batch);
    kb_free(&sets);
    kd_release_scratch();
    return 0;
}
