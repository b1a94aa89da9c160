/*
 * bench_native.c — the C core's throughput natively: the partition log over a real
 * SQLite file (appends, fetches, reads) and the codec (encode, decode, validate,
 * murmur2). Prints figures; never passes or fails on time.
 *
 *   bench_native [codec|log|all] [--tsv] [--seconds S] [--db PATH]
 *
 * codec   RecordBatch encode / decode / inspect of 1000-record batches with 100 B and
 *         1 KB random values and keys "key-<n>", and murmur2 over 10,000 keys
 *         "user-<n>": the same workload as bench/codec.mjs, which runs this mode with
 *         --tsv to print the native figures beside the wasm and kafkajs ones. As there,
 *         the caller's marshalling is timed: encode builds the kd record list from an
 *         array of records, decode walks the output list back into that array.
 * log     A partition log in a fresh SQLite file (PATH, default a temporary file that
 *         is deleted at exit; journal_mode=WAL, synchronous=NORMAL): appends of one
 *         1000-record batch (100 B values) each, every append one transaction through
 *         kd_native_in_transaction as the Worker's transactionSync does; then fetches
 *         (kd_log_fetch) at random offsets with max_bytes of one batch and of 1 MiB,
 *         and reads (kd_log_read: fetch and decode 1000 records).
 *
 * Only kafdo.h and storage.h are used. --tsv prints "name<TAB>per_second<TAB>MB_per_s"
 * lines (MB = 10^6 bytes of batch; MB_per_s is 0 for murmur2).
 *
 * Build (the Makefile's build/bench_native; CORE_SRC is every core module in src-c/):
 *   cc -std=c11 -Wall -Wextra -Werror -O2 -Isrc-c bench/bench_native.c $(CORE_SRC) \
 *      src-c/host_sqlite.c -lsqlite3 -o build/bench_native
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafdo.h"
#include "storage.h"

#define RECORDS 1000
#define PARAMS_BYTES 44 /* kafdo.h's batch parameter fields, packed */
#define KEYS 10000
#define DB 1
#define T0 1700000000000LL

static double seconds_per_figure = 1.0;
static int tsv;

/* ---- small helpers ---- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int32_t rc)
{
    fprintf(stderr, "bench_native: %s returned %d: %s\n", what, (int)rc, kd_error_message());
    exit(1);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
} /* the ABI is little-endian, */
static void put_i32(uint8_t *p, int32_t v)
{
    memcpy(p, &v, 4);
} /* as are the hosts we run on */
static void put_i16(uint8_t *p, int16_t v)
{
    memcpy(p, &v, 2);
}
static void put_i64(uint8_t *p, int64_t v)
{
    memcpy(p, &v, 8);
}
static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static int32_t get_i32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
static int64_t get_i64(const uint8_t *p)
{
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}
static int64_t get_be64(const uint8_t *p) /* a batch's base offset, as on the wire */
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Calls fn(arg) for about seconds_per_figure after a short warm-up; returns calls/s. */
static double rate(void (*fn)(void *), void *arg)
{
    double warm = now_s() + 0.1;
    while (now_s() < warm)
        fn(arg);
    long calls = 0;
    double start = now_s(), t = start;
    while (t - start < seconds_per_figure) {
        for (int i = 0; i < 4; i++)
            fn(arg);
        calls += 4;
        t = now_s();
    }
    return (double)calls / (t - start);
}

static void report(const char *name, const char *label, double per_second, double mb_per_second, const char *unit)
{
    if (tsv) {
        printf("%s\t%.0f\t%.1f\n", name, per_second, mb_per_second);
        return;
    }
    if (mb_per_second > 0)
        printf("  %-44s %12.0f %-8s %9.1f MB/s\n", label, per_second, unit, mb_per_second);
    else
        printf("  %-44s %12.0f %s\n", label, per_second, unit);
}

/* ---- the workload: records and their kd list ---- */

typedef struct {
    int64_t offset, timestamp;
    const uint8_t *key, *value;
    int32_t key_len, value_len;
} record;

typedef struct {
    record recs[RECORDS];
    uint8_t *storage; /* keys and values */
    uint8_t *input;   /* params + kd record list, rebuilt by each encode */
    size_t input_len;
    uint8_t *batch; /* one encoded batch */
    size_t batch_len;
    record out[RECORDS];
} workload;

static void make_workload(workload *w, int value_len)
{
    w->storage = malloc((size_t)RECORDS * (16 + (size_t)value_len));
    uint8_t *p = w->storage;
    size_t list = 4;
    for (int i = 0; i < RECORDS; i++) {
        record *r = &w->recs[i];
        r->offset = 0;
        r->timestamp = T0 + i;
        r->key = p;
        r->key_len = snprintf((char *)p, 16, "key-%d", i);
        p += 16;
        r->value = p;
        r->value_len = value_len;
        for (int j = 0; j < value_len; j++)
            *p++ = (uint8_t)rng();
        list += 8 + 8 + 4 + (size_t)r->key_len + 4 + (size_t)value_len + 4;
    }
    w->input_len = PARAMS_BYTES + list;
    w->input = malloc(w->input_len);
}

/* Builds params + kd record list from the records, as a caller of the ABI must. */
static void build_input(workload *w)
{
    uint8_t *p = w->input;
    put_i64(p, 0);
    put_i64(p + 8, KD_TIMESTAMP_DERIVE);
    put_i64(p + 16, KD_TIMESTAMP_DERIVE);
    put_i64(p + 24, -1);
    put_i32(p + 32, 0);
    put_i32(p + 36, 0);
    put_i16(p + 40, 0);
    put_i16(p + 42, 0);
    put_u32(p + 44, RECORDS);
    p += PARAMS_BYTES + 4;
    for (int i = 0; i < RECORDS; i++) {
        const record *r = &w->recs[i];
        put_i64(p, r->offset);
        put_i64(p + 8, r->timestamp);
        put_i32(p + 16, r->key_len);
        memcpy(p + 20, r->key, (size_t)r->key_len);
        p += 20 + r->key_len;
        put_i32(p, r->value_len);
        memcpy(p + 4, r->value, (size_t)r->value_len);
        p += 4 + r->value_len;
        put_u32(p, 0);
        p += 4;
    }
}

static void encode_once(void *arg)
{
    workload *w = arg;
    build_input(w);
    int32_t rc = kd_batch_encode(w->input, (uint32_t)w->input_len);
    if (rc)
        die("kd_batch_encode", rc);
}

/* Walks a kd record list into w->out (views into the core's output). */
static void walk_list(workload *w, const uint8_t *p, size_t len)
{
    const uint8_t *end = p + len;
    uint32_t count = get_u32(p);
    p += 4;
    for (uint32_t i = 0; i < count && i < RECORDS; i++) {
        record *r = &w->out[i];
        r->offset = get_i64(p);
        r->timestamp = get_i64(p + 8);
        r->key_len = get_i32(p + 16);
        r->key = p + 20;
        p += 20 + (r->key_len > 0 ? r->key_len : 0);
        r->value_len = get_i32(p);
        r->value = p + 4;
        p += 4 + (r->value_len > 0 ? r->value_len : 0);
        uint32_t headers = get_u32(p);
        p += 4;
        for (uint32_t h = 0; h < headers; h++) {
            p += 4 + get_u32(p);
            int32_t n = get_i32(p);
            p += 4 + (n > 0 ? n : 0);
        }
    }
    if (p != end) {
        fprintf(stderr, "bench_native: the decoded record list is %td bytes off\n", end - p);
        exit(1);
    }
}

static void decode_once(void *arg)
{
    workload *w = arg;
    int32_t rc = kd_batch_decode(w->batch, (uint32_t)w->batch_len, 0, UINT32_MAX);
    if (rc)
        die("kd_batch_decode", rc);
    walk_list(w, kd_out_ptr(), kd_out_len());
}

static void inspect_once(void *arg)
{
    workload *w = arg;
    int32_t rc = kd_batch_inspect(w->batch, (uint32_t)w->batch_len);
    if (rc)
        die("kd_batch_inspect", rc);
}

typedef struct {
    char keys[KEYS][16];
    uint32_t lens[KEYS];
    int32_t sink;
} key_set;

static void murmur2_all(void *arg)
{
    key_set *k = arg;
    for (int i = 0; i < KEYS; i++)
        k->sink ^= kd_murmur2((const uint8_t *)k->keys[i], k->lens[i]);
}

static void bench_codec(void)
{
    if (!tsv)
        printf("codec (native, -O2): %d records per batch, keys \"key-<n>\", random values, no headers\n", RECORDS);
    const int sizes[] = {100, 1024};
    for (int s = 0; s < 2; s++) {
        workload *w = calloc(1, sizeof *w);
        make_workload(w, sizes[s]);
        encode_once(w);
        w->batch_len = kd_out_len();
        w->batch = malloc(w->batch_len);
        memcpy(w->batch, kd_out_ptr(), w->batch_len);
        decode_once(w);
        if (w->out[RECORDS - 1].value_len != sizes[s] ||
            memcmp(w->out[RECORDS - 1].value, w->recs[RECORDS - 1].value, (size_t)sizes[s]) != 0) {
            fprintf(stderr, "bench_native: decode does not give back the encoded records\n");
            exit(1);
        }
        double mb = (double)w->batch_len / 1e6;
        const char *v = sizes[s] == 100 ? "100 B" : "1 KB";
        char name[32], label[64];
        double r = rate(encode_once, w);
        snprintf(name, sizeof name, "encode_%d", sizes[s]);
        snprintf(label, sizeof label, "encode, %s values", v);
        report(name, label, r * RECORDS, r * mb, "rec/s");
        r = rate(decode_once, w);
        snprintf(name, sizeof name, "decode_%d", sizes[s]);
        snprintf(label, sizeof label, "decode, %s values", v);
        report(name, label, r * RECORDS, r * mb, "rec/s");
        r = rate(inspect_once, w);
        snprintf(name, sizeof name, "inspect_%d", sizes[s]);
        snprintf(label, sizeof label, "validate only (inspect), %s", v);
        report(name, label, r * RECORDS, r * mb, "rec/s");
        free(w->storage);
        free(w->input);
        free(w->batch);
        free(w);
    }
    key_set *k = calloc(1, sizeof *k);
    for (int i = 0; i < KEYS; i++)
        k->lens[i] = (uint32_t)snprintf(k->keys[i], sizeof k->keys[i], "user-%d", i);
    double r = rate(murmur2_all, k);
    report("murmur2", "murmur2, keys \"user-<n>\"", r * KEYS, 0, "hash/s");
    free(k);
}

/* ---- the log ---- */

typedef struct {
    uint8_t *in; /* u32 set_count = 1, u32 set_len, one batch */
    uint32_t in_len;
    int64_t now_ms;
    int64_t appended;
} append_call;

static int32_t append_in_txn(void *arg)
{
    append_call *a = arg;
    return kd_log_append(DB, a->in, a->in_len, a->now_ms, KD_MAX_STORED_BATCH_BYTES);
}

static void append_once(void *arg)
{
    append_call *a = arg;
    a->now_ms++;
    int32_t rc = kd_native_in_transaction(DB, append_in_txn, a);
    if (rc)
        die("kd_log_append", rc);
    const uint8_t *out = kd_out_ptr();
    if (kd_out_len() != KD_APPEND_RESULT_SIZE || get_i32(out) != 0) {
        fprintf(stderr, "bench_native: append refused the batch (error %d): %s\n", (int)get_i32(out),
                kd_error_message());
        exit(1);
    }
    a->appended += get_i32(out + 4);
}

typedef struct {
    int64_t high_watermark;
    int32_t max_bytes;
    uint32_t max_records;
    double bytes; /* batch bytes returned by fetch_once, summed */
    long calls;
} fetch_call;

static void fetch_once(void *arg)
{
    fetch_call *f = arg;
    int64_t offset = (int64_t)(rng() % (uint64_t)f->high_watermark);
    int32_t rc = kd_log_fetch(DB, offset, f->max_bytes, 1);
    if (rc)
        die("kd_log_fetch", rc);
    if (kd_out_len() <= 16 || get_be64(kd_out_ptr() + 16) > offset) {
        fprintf(stderr, "bench_native: fetch at %lld returned no batch holding it\n", (long long)offset);
        exit(1);
    }
    f->bytes += kd_out_len() - 16;
    f->calls++;
}

static void read_once(void *arg)
{
    fetch_call *f = arg;
    int64_t offset = (int64_t)(rng() % (uint64_t)(f->high_watermark - f->max_records));
    int32_t rc = kd_log_read(DB, offset, f->max_records, f->max_bytes);
    if (rc)
        die("kd_log_read", rc);
    if (get_u32(kd_out_ptr() + 16) != f->max_records) {
        fprintf(stderr, "bench_native: read at %lld returned %u records\n", (long long)offset,
                (unsigned)get_u32(kd_out_ptr() + 16));
        exit(1);
    }
}

/* ---- transactions: read_committed beside read_uncommitted (txn_log.c) ---- */

typedef struct {
    int64_t from, to; /* the transactional part of the log */
    int32_t isolation;
    double records;
    long calls;
} isolated_call;

static void read_isolated_once(void *arg)
{
    isolated_call *c = arg;
    int64_t offset = c->from + (int64_t)(rng() % (uint64_t)(c->to - c->from - RECORDS));
    int32_t rc = kd_log_read_isolated(DB, offset, RECORDS, 1 << 20, c->isolation);
    if (rc)
        die("kd_log_read_isolated", rc);
    c->records += get_u32(kd_out_ptr() + 32);
    c->calls++;
}

typedef struct {
    int64_t pid;
    int32_t commit;
} marker_args;

static int32_t marker_in_txn(void *arg)
{
    marker_args *m = arg;
    return kd_log_write_txn_marker(DB, m->pid, 0, m->commit, 0, T0);
}

/* Appends `count` transactions of one batch each from one producer, every other one
 * aborted, then reads them at both isolation levels. */
static void bench_isolation(append_call *a, uint32_t batch_len, int count)
{
    uint8_t *batch = a->in + 8;
    int64_t pid = 77;
    /* The header's fields are big-endian (record_batch.h's layout). */
    batch[21] = 0;
    batch[22] = KD_ATTR_TRANSACTIONAL;
    for (int i = 0; i < 8; i++)
        batch[43 + i] = (uint8_t)(pid >> (56 - 8 * i));
    batch[51] = batch[52] = 0; /* epoch 0 */
    int32_t rc = kd_log_offsets(DB);
    if (rc)
        die("kd_log_offsets", rc);
    int64_t from = get_i64(kd_out_ptr() + 8);
    for (int t = 0; t < count; t++) {
        uint32_t seq = (uint32_t)t * RECORDS;
        for (int i = 0; i < 4; i++)
            batch[53 + i] = (uint8_t)(seq >> (24 - 8 * i));
        uint32_t crc = kd_crc32c(batch + 21, batch_len - 21);
        for (int i = 0; i < 4; i++)
            batch[17 + i] = (uint8_t)(crc >> (24 - 8 * i));
        append_once(a);
        marker_args m = {pid, t % 2};
        if ((rc = kd_native_in_transaction(DB, marker_in_txn, &m)) != 0)
            die("kd_log_write_txn_marker", rc);
    }
    rc = kd_log_offsets(DB);
    if (rc)
        die("kd_log_offsets", rc);
    int64_t to = get_i64(kd_out_ptr() + 8);
    if (!tsv)
        printf("transactions: %d of one batch each, every other one aborted\n", count);
    for (int32_t isolation = 0; isolation <= 1; isolation++) {
        isolated_call c = {from, to, isolation, 0, 0};
        double r = rate(read_isolated_once, &c);
        const char *name = isolation ? "read_committed" : "read_uncommitted";
        char label[64];
        snprintf(label, sizeof label, "read, %s, up to 1000 records", name);
        report(name, label, r, r * batch_len / 1e6, "reads/s");
        snprintf(label, sizeof label, "  %s records returned", name);
        report(isolation ? "read_committed_records" : "read_uncommitted_records", label,
               r * c.records / (double)c.calls, 0, "rec/s");
    }
}

static void exec_or_die(sqlite3 *conn, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(conn, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_native: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

/* The temporary database, removed at exit however the run ends. */
static char temp_path[64];

static void remove_temp_db(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char side[96];
    for (int i = 0; i < 4 && temp_path[0]; i++) {
        snprintf(side, sizeof side, "%s%s", temp_path, suffixes[i]);
        unlink(side);
    }
}

static void bench_log(const char *path_arg)
{
    char path[256];
    int temporary = path_arg == NULL;
    if (temporary) {
        snprintf(temp_path, sizeof temp_path, "/tmp/kafdo-bench-XXXXXX");
        int fd = mkstemp(temp_path);
        if (fd < 0) {
            perror("bench_native: mkstemp");
            exit(1);
        }
        close(fd);
        atexit(remove_temp_db);
        snprintf(path, sizeof path, "%s", temp_path);
    } else {
        snprintf(path, sizeof path, "%s", path_arg);
    }
    sqlite3 *conn;
    if (sqlite3_open(path, &conn) != SQLITE_OK) {
        fprintf(stderr, "bench_native: cannot open %s\n", path);
        exit(1);
    }
    exec_or_die(conn, "PRAGMA journal_mode=WAL");
    exec_or_die(conn, "PRAGMA synchronous=NORMAL");
    kd_native_attach(DB, conn);
    int32_t rc = kd_log_open(DB);
    if (rc)
        die("kd_log_open", rc);

    workload *w = calloc(1, sizeof *w);
    make_workload(w, 100);
    encode_once(w);
    uint32_t batch_len = kd_out_len();
    append_call a = {malloc(8 + (size_t)batch_len), 8 + batch_len, T0, 0};
    put_u32(a.in, 1);
    put_u32(a.in + 4, batch_len);
    memcpy(a.in + 8, kd_out_ptr(), batch_len);

    if (!tsv)
        printf("log (native, SQLite %s, WAL, synchronous=NORMAL, %s): batches of %d records, 100 B values, "
               "%u bytes\n",
               sqlite3_libversion(), temporary ? "temporary file" : path, RECORDS, (unsigned)batch_len);
    rc = kd_log_offsets(DB);
    if (rc)
        die("kd_log_offsets", rc);
    int64_t start_hw = get_i64(kd_out_ptr() + 8);
    double r = rate(append_once, &a);
    report("append", "append, one batch per transaction", r, r * batch_len / 1e6, "appends/s");
    report("append_records", "  as records", r * RECORDS, 0, "rec/s");

    rc = kd_log_offsets(DB);
    if (rc)
        die("kd_log_offsets", rc);
    int64_t hw = get_i64(kd_out_ptr() + 8);
    if (hw != start_hw + a.appended) {
        fprintf(stderr, "bench_native: high watermark went from %lld to %lld with %lld records appended\n",
                (long long)start_hw, (long long)hw, (long long)a.appended);
        exit(1);
    }
    if (!tsv)
        printf("  (the log now holds %lld records)\n", (long long)hw);

    /* Bytes per fetch vary little, so MB/s is calls/s times the mean over all calls. */
    fetch_call f = {hw, 1, RECORDS, 0, 0};
    r = rate(fetch_once, &f);
    report("fetch_1", "fetch, max_bytes 1 (one batch)", r, r * f.bytes / (double)f.calls / 1e6, "fetches/s");
    f = (fetch_call){hw, 1 << 20, RECORDS, 0, 0};
    r = rate(fetch_once, &f);
    report("fetch_1mib", "fetch, max_bytes 1 MiB", r, r * f.bytes / (double)f.calls / 1e6, "fetches/s");
    r = rate(read_once, &f);
    report("read_1000", "read (fetch + decode), 1000 records", r, r * batch_len / 1e6, "reads/s");
    bench_isolation(&a, batch_len, 200);

    kd_native_detach(DB);
    sqlite3_close(conn);
    free(a.in);
    free(w->storage);
    free(w->input);
    free(w);
}

int main(int argc, char **argv)
{
    const char *mode = "all", *db_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tsv"))
            tsv = 1;
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds_per_figure = atof(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db_path = argv[++i];
        else if (!strcmp(argv[i], "codec") || !strcmp(argv[i], "log") || !strcmp(argv[i], "all"))
            mode = argv[i];
        else {
            fprintf(stderr, "usage: bench_native [codec|log|all] [--tsv] [--seconds S] [--db PATH]\n");
            return 2;
        }
    }
    if (seconds_per_figure <= 0)
        seconds_per_figure = 1.0;
    if (strcmp(mode, "log"))
        bench_codec();
    if (strcmp(mode, "codec"))
        bench_log(db_path);
    kd_release_scratch();
    return 0;
}
