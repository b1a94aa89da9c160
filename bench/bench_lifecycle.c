/*
 * bench_lifecycle.c — what retention and compaction cost, natively (the core over
 * Debian's SQLite, WAL, synchronous=NORMAL), each figure beside the same workload
 * without the feature, as a ratio:
 *
 *   - appends of 1,000-record batches (100 B values, keys over 1,000 "user-<n>") to a
 *     log with neither, to a log whose retention.bytes makes every append followed by
 *     a retention step that deletes (the worst case: Kafdo steps once a sixteenth of
 *     retention.bytes was appended), and to a compacted log (every record's key is
 *     written to the key table);
 *   - a compaction pass over 200,000 records of 1,000 keys: records examined per second;
 *   - the latest record of a key: lookups per second on that compacted log.
 *
 * Prints figures; never passes or fails on time. `--seconds S` per figure (default 1).
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kd_list.h"
#include "storage.h"

#define DB 1
#define RECORDS 1000
#define KEYS 1000
#define T0 1700000000000LL

static double seconds_per_figure = 1.0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(const char *what, int32_t rc)
{
    if (rc) {
        fprintf(stderr, "bench_lifecycle: %s failed (%d): %s\n", what, (int)rc, kd_error_message());
        exit(1);
    }
}

static char path[64];

static sqlite3 *open_log(const char *config)
{
    snprintf(path, sizeof path, "/tmp/kafdo-bench-lifecycle-%d.db", (int)getpid());
    const char *suffixes[] = {"", "-wal", "-shm"};
    char side[96];
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        unlink(side);
    }
    sqlite3 *conn;
    if (sqlite3_open(path, &conn) != SQLITE_OK)
        exit(1);
    sqlite3_exec(conn, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_exec(conn, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    kd_native_attach(DB, conn);
    check("kd_log_open", kd_log_open(DB));
    check("kd_log_configure", kd_log_configure(DB, (const uint8_t *)config, (uint32_t)strlen(config)));
    return conn;
}

static void close_log(sqlite3 *conn)
{
    kd_native_detach(DB);
    sqlite3_close(conn);
    const char *suffixes[] = {"", "-wal", "-shm"};
    char side[96];
    for (int i = 0; i < 3; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        unlink(side);
    }
}

/* One produce set of one batch: RECORDS records, keys user-<(first + i) % KEYS>. */
static kbuf make_set(int first)
{
    kbuf list = {0};
    kb_params(&list, kparams_default(), RECORDS);
    char value[100];
    memset(value, 'v', sizeof value);
    for (int i = 0; i < RECORDS; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "user-%d", (first + i) % KEYS);
        kb_record(&list, T0 + i, key, kl, value, (int32_t)sizeof value, 0, NULL, NULL);
    }
    check("kd_batch_encode", kd_batch_encode(list.p, (uint32_t)list.len));
    kbuf set = {0};
    kb_le(&set, 1, 4);
    kb_le(&set, kd_out_len(), 4);
    kb_put(&set, kd_out_ptr(), kd_out_len());
    kb_free(&list);
    return set;
}

typedef struct {
    kbuf set;
    int64_t now;
    bool step;
} append_call;

static int32_t append_in_txn(void *arg)
{
    append_call *a = arg;
    uint8_t *copy = malloc(a->set.len);
    memcpy(copy, a->set.p, a->set.len);
    int32_t rc = kd_log_append(DB, copy, (uint32_t)a->set.len, a->now, KD_MAX_STORED_BATCH_BYTES);
    free(copy);
    return rc;
}

static int32_t step_in_txn(void *arg)
{
    return kd_log_retention(DB, ((append_call *)arg)->now, 2000);
}

/* Appends per second for `seconds_per_figure`; with a.step, each append is followed by
 * a retention step in its own transaction, as the partition's alarm runs it. */
static double appends_per_second(const char *config, bool step)
{
    sqlite3 *conn = open_log(config);
    append_call a = {make_set(0), T0, step};
    long n = 0;
    double start = now_s(), elapsed;
    do {
        a.now++;
        check("append", kd_native_in_transaction(DB, append_in_txn, &a));
        if (a.step)
            check("retention step", kd_native_in_transaction(DB, step_in_txn, &a));
        n++;
    } while ((elapsed = now_s() - start) < seconds_per_figure);
    kb_free(&a.set);
    close_log(conn);
    return (double)n / elapsed;
}

static int32_t compact_in_txn(void *arg)
{
    return kd_log_compact(DB, *(int64_t *)arg, 2000);
}

typedef struct {
    int key;
} lookup_call;

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds_per_figure = atof(argv[++i]);
    }
    if (seconds_per_figure <= 0)
        seconds_per_figure = 1.0;
    printf("the log's lifecycle (native, SQLite %s, WAL, synchronous=NORMAL): batches of %d records, "
           "100 B values, %d keys\n",
           sqlite3_libversion(), RECORDS, KEYS);

    const char *plain = "{\"cleanup.policy\":\"delete\",\"retention.ms\":\"-1\",\"retention.bytes\":\"-1\"}";
    double base = appends_per_second(plain, false);
    /* ~118 kB a batch: 1 MB keeps about eight batches, so every step deletes one. */
    double retained = appends_per_second("{\"retention.ms\":\"-1\",\"retention.bytes\":\"1000000\"}", true);
    double compacted = appends_per_second("{\"cleanup.policy\":\"compact\"}", false);
    printf("  %-52s %10.0f appends/s  %10.0f rec/s\n", "append, no retention, no compaction", base, base * RECORDS);
    printf("  %-52s %10.0f appends/s  ratio %.2f\n", "append + a deleting retention step after each", retained,
           retained / base);
    printf("  %-52s %10.0f appends/s  ratio %.2f\n", "append to a compacted log (key table kept)", compacted,
           compacted / base);

    /* A compaction pass over 200 batches whose 200,000 records hold 1,000 keys. */
    sqlite3 *conn =
        open_log("{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1\",\"min.cleanable.dirty.ratio\":\"0\"}");
    for (int b = 0; b < 200; b++) {
        append_call a = {make_set(b * 7), T0 + b, false};
        check("append", kd_native_in_transaction(DB, append_in_txn, &a));
        kb_free(&a.set);
    }
    int64_t at = T0 + 1000000;
    long steps = 0, removed = 0;
    double start = now_s();
    for (;;) {
        check("compaction step", kd_native_in_transaction(DB, compact_in_txn, &at));
        removed += (int32_t)rd_le(kd_out_ptr(), 4);
        steps++;
        if (rd_le(kd_out_ptr() + 4, 4) == 0)
            break;
    }
    double took = now_s() - start;
    printf("  %-52s %10.0f rec/s      (%ld removed, %ld steps, %.0f ms)\n", "compaction pass, records examined",
           200.0 * RECORDS / took, removed, steps, took * 1000);

    long lookups = 0;
    start = now_s();
    double elapsed;
    do {
        char key[16];
        int kl = snprintf(key, sizeof key, "user-%ld", lookups % KEYS);
        check("lookup", kd_log_key_lookup(DB, (const uint8_t *)key, (uint32_t)kl));
        if (rd_le(kd_out_ptr() + 16, 4) != 1) {
            fprintf(stderr, "bench_lifecycle: %s has no latest record\n", key);
            return 1;
        }
        lookups++;
    } while ((elapsed = now_s() - start) < seconds_per_figure);
    printf("  %-52s %10.0f lookups/s  (%.1f us each)\n", "the latest record of a key", lookups / elapsed,
           elapsed / lookups * 1e6);
    close_log(conn);
    kd_release_scratch();
    return 0;
}
