/*
 * Tests src-c/txn_log.c over real SQLite through the native storage host: transactional
 * batches opening a producer's transaction, COMMIT and ABORT markers (the control batch's
 * bytes, the aborted ranges), the last stable offset, read_committed and read_uncommitted
 * reads and fetches, ListOffsets, markers retried, stale epochs and coordinator epochs,
 * INVALID_TXN_STATE, the state surviving a reopen, and a storage failure part-way through
 * a marker changing nothing (what a kill -9 leaves, as each call is one transaction).
 */
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

#define DB 1
#include "log_fixture.h"

#define NOW 1700000000000

static uint8_t *producer_batch(int64_t pid, int16_t epoch, int32_t seq, uint32_t n, bool transactional, size_t *len)
{
    kbuf in = {0};
    kparams p = kparams_default();
    p.producer_id = pid;
    p.producer_epoch = epoch;
    p.base_sequence = seq;
    p.attributes = transactional ? KD_ATTR_TRANSACTIONAL : 0;
    kb_params(&in, p, n);
    for (uint32_t i = 0; i < n; i++)
        kb_record(&in, NOW + i, "k", 1, "v", 1, 0, NULL, NULL);
    uint8_t *batch = NULL;
    if (kd_batch_encode(in.p, (uint32_t)in.len) == 0) {
        *len = kd_out_len();
        batch = malloc(*len);
        memcpy(batch, kd_out_ptr(), *len);
    }
    kb_free(&in);
    return batch;
}

static int32_t run_append(void *arg)
{
    kbuf *sets = arg;
    return kd_log_append(DB, sets->p, (uint32_t)sets->len, NOW, 1 << 20);
}

/* Appends one batch in its own set; the set's error code, *base its base offset. */
static int32_t append(int64_t pid, int16_t epoch, int32_t seq, uint32_t n, bool transactional, int64_t *base)
{
    size_t len = 0;
    uint8_t *b = producer_batch(pid, epoch, seq, n, transactional, &len);
    kbuf sets = {0};
    kb_le(&sets, 1, 4);
    kb_le(&sets, len, 4);
    kb_put(&sets, b, len);
    int32_t err = -999;
    if (kd_native_in_transaction(DB, run_append, &sets) == 0 && kd_out_len() == KD_APPEND_RESULT_SIZE) {
        err = (int32_t)rd_le(kd_out_ptr(), 4);
        if (base)
            *base = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    }
    kb_free(&sets);
    free(b);
    return err;
}

typedef struct {
    int64_t pid;
    int32_t epoch, commit, coordinator_epoch;
} marker_call;

static int32_t run_marker(void *arg)
{
    marker_call *m = arg;
    return kd_log_write_txn_marker(DB, m->pid, m->epoch, m->commit, m->coordinator_epoch, NOW);
}

/* Writes a marker in a transaction; the call's code, *offset where it went (-1: none). */
static int32_t marker(int64_t pid, int32_t epoch, int32_t commit, int32_t coordinator_epoch, int64_t *offset)
{
    marker_call m = {pid, epoch, commit, coordinator_epoch};
    int32_t rc = kd_native_in_transaction(DB, run_marker, &m);
    if (rc == 0 && offset)
        *offset = (int64_t)rd_le(kd_out_ptr(), 8);
    return rc;
}

typedef struct {
    int64_t log_start, hw, lso;
    uint32_t open;
    int64_t open_pid[4], open_first[4];
} txn_state;

static txn_state state(void)
{
    txn_state s = {-1, -1, -1, 0, {0}, {0}};
    CHECK_EQ_INT(kd_log_txn_state(DB), 0);
    const uint8_t *p = kd_out_ptr();
    s.log_start = (int64_t)rd_le(p, 8);
    s.hw = (int64_t)rd_le(p + 8, 8);
    s.lso = (int64_t)rd_le(p + 16, 8);
    s.open = (uint32_t)rd_le(p + 24, 4);
    for (uint32_t i = 0; i < s.open && i < 4; i++) {
        s.open_pid[i] = (int64_t)rd_le(p + 28 + i * 16, 8);
        s.open_first[i] = (int64_t)rd_le(p + 36 + i * 16, 8);
    }
    return s;
}

/* A decoded read: the offsets of its records (at most 16), skipped_to, lso. */
typedef struct {
    uint32_t count;
    int64_t offsets[16];
    int64_t skipped_to, lso;
} read_result;

static read_result read_at(int64_t offset, int32_t isolation)
{
    read_result r = {0, {0}, -1, -1};
    CHECK_EQ_INT(kd_log_read_isolated(DB, offset, 16, 1 << 20, isolation), 0);
    const uint8_t *p = kd_out_ptr();
    r.lso = (int64_t)rd_le(p + 16, 8);
    r.skipped_to = (int64_t)rd_le(p + 24, 8);
    r.count = (uint32_t)rd_le(p + 32, 4);
    /* kd record list: i64 offset, i64 timestamp, key, value, headers (kafdo.h) */
    size_t at = 36;
    for (uint32_t i = 0; i < r.count && i < 16; i++) {
        r.offsets[i] = (int64_t)rd_le(p + at, 8);
        at += 16;
        int32_t k = (int32_t)rd_le(p + at, 4);
        at += 4 + (k > 0 ? (size_t)k : 0);
        int32_t v = (int32_t)rd_le(p + at, 4);
        at += 4 + (v > 0 ? (size_t)v : 0);
        uint32_t h = (uint32_t)rd_le(p + at, 4);
        at += 4;
        CHECK_EQ_INT(h, 0);
    }
    return r;
}

/* A fetch: lso, the batch bytes' length, the aborted list (at most 4). */
typedef struct {
    int64_t hw, lso;
    uint32_t batches_len, aborted;
    int64_t aborted_pid[4], aborted_first[4];
    uint8_t batches[1024];
} fetch_result;

static fetch_result fetch_at(int64_t offset, int32_t isolation)
{
    fetch_result f;
    memset(&f, 0, sizeof f);
    CHECK_EQ_INT(kd_log_fetch_isolated(DB, offset, 1 << 20, 1, isolation), 0);
    const uint8_t *p = kd_out_ptr();
    f.hw = (int64_t)rd_le(p + 8, 8);
    f.lso = (int64_t)rd_le(p + 16, 8);
    f.batches_len = (uint32_t)rd_le(p + 24, 4);
    CHECK(f.batches_len <= sizeof f.batches);
    memcpy(f.batches, p + 28, f.batches_len < sizeof f.batches ? f.batches_len : sizeof f.batches);
    const uint8_t *a = p + 28 + f.batches_len;
    f.aborted = (uint32_t)rd_le(a, 4);
    CHECK_EQ_INT(kd_out_len(), 28 + f.batches_len + 4 + 16 * f.aborted);
    for (uint32_t i = 0; i < f.aborted && i < 4; i++) {
        f.aborted_pid[i] = (int64_t)rd_le(a + 4 + i * 16, 8);
        f.aborted_first[i] = (int64_t)rd_le(a + 12 + i * 16, 8);
    }
    return f;
}

/* The first batch of a fetch whose base offset is `offset`, parsed (CRC checked). */
static bool batch_at(const fetch_result *f, int64_t offset, kd_batch *b)
{
    for (size_t pos = 0; pos < f->batches_len;) {
        if (kd_batch_read(f->batches + pos, f->batches_len - pos, b) != 0)
            return false;
        if (b->base_offset == offset)
            return true;
        pos += b->size;
    }
    return false;
}

/* A transactional batch opens the producer's transaction: the LSO stays at its first
 * offset until the COMMIT marker, which Kafka's control batch records byte for byte. */
static void test_commit(void)
{
    sqlite3 *conn = open_fresh_log("txn-commit");
    int64_t base = -1;
    CHECK_EQ_INT(append(7, 0, 0, 3, true, &base), 0);
    CHECK_EQ_INT(base, 0);
    CHECK_EQ_INT(append(8, 0, 0, 1, false, &base), 0); /* another producer, not transactional */
    CHECK_EQ_INT(append(7, 0, 3, 2, true, &base), 0);  /* the same transaction goes on */
    CHECK_EQ_INT(base, 4);
    txn_state s = state();
    CHECK_EQ_INT(s.hw, 6);
    CHECK_EQ_INT(s.lso, 0);
    CHECK_EQ_INT(s.open, 1);
    CHECK_EQ_INT(s.open_pid[0], 7);
    CHECK_EQ_INT(s.open_first[0], 0);

    /* read_committed sees nothing below an open transaction; read_uncommitted sees all. */
    read_result r = read_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(r.count, 0);
    CHECK_EQ_INT(r.skipped_to, 0);
    CHECK_EQ_INT(r.lso, 0);
    CHECK_EQ_INT(read_at(0, KD_READ_UNCOMMITTED).count, 6);
    fetch_result f = fetch_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(f.batches_len, 0);
    CHECK_EQ_INT(f.lso, 0);
    CHECK(fetch_at(0, KD_READ_UNCOMMITTED).batches_len > 0);

    int64_t at = -1;
    CHECK_EQ_INT(marker(7, 0, KD_TXN_COMMIT, 0, &at), 0);
    CHECK_EQ_INT(at, 6);
    s = state();
    CHECK_EQ_INT(s.hw, 7);
    CHECK_EQ_INT(s.lso, 7);
    CHECK_EQ_INT(s.open, 0);
    CHECK_EQ_INT((int64_t)rd_le(kd_out_ptr() + 16, 8), 7);

    /* The marker: Kafka's control batch (CRC checked by kd_batch_read). */
    f = fetch_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(f.lso, 7);
    CHECK_EQ_INT(f.aborted, 0);
    kd_batch b;
    CHECK(batch_at(&f, 6, &b));
    CHECK_EQ_INT(b.attributes, KD_ATTR_CONTROL | KD_ATTR_TRANSACTIONAL);
    CHECK_EQ_INT(b.producer_id, 7);
    CHECK_EQ_INT(b.producer_epoch, 0);
    CHECK_EQ_INT(b.base_sequence, -1);
    CHECK_EQ_INT(b.record_count, 1);
    kd_record_iter it;
    kd_record rec;
    kd_record_iter_init(&it, &b);
    CHECK_EQ_INT(kd_record_next(&it, &rec), 1);
    static const uint8_t commit_key[] = {0, 0, 0, 1}, value[] = {0, 0, 0, 0, 0, 0};
    CHECK(rec.key_len == 4 && memcmp(rec.key, commit_key, 4) == 0);
    CHECK(rec.value_len == 6 && memcmp(rec.value, value, 6) == 0);
    CHECK_EQ_INT(kd_record_next(&it, &rec), 0);

    /* Committed records are read; the control batch never is, whatever the isolation. */
    r = read_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(r.count, 6);
    CHECK_EQ_INT(r.offsets[5], 5);
    CHECK_EQ_INT(read_at(0, KD_READ_UNCOMMITTED).count, 6);
    r = read_at(6, KD_READ_UNCOMMITTED);
    CHECK_EQ_INT(r.count, 0);
    CHECK_EQ_INT(r.skipped_to, 7); /* the next read starts past the marker */
    close_log(conn);
}

/* An ABORT marker records the range; read_committed reads skip it and a Fetch lists it
 * for the client while its batches overlap what the fetch returns. */
/* kd_log_read_rest_isolated's head and messages against kd_log_read_isolated's. */
static void check_rest_read(int64_t offset, int32_t isolation)
{
    read_result list = read_at(offset, isolation);
    CHECK_EQ_INT(kd_log_read_rest_isolated(DB, offset, 16, 1 << 20, isolation, KD_REST_ENCODING_BASE64), 0);
    const uint8_t *p = kd_out_ptr();
    size_t len = kd_out_len();
    CHECK_EQ_INT((int64_t)rd_le(p + 16, 8), list.lso);
    CHECK_EQ_INT((int64_t)rd_le(p + 24, 8), list.skipped_to);
    CHECK_EQ_INT(rd_le(p + 32, 4), list.count);
    CHECK_EQ_INT((int64_t)rd_le(p + 36, 8), list.count ? list.offsets[list.count - 1] : -1);
    CHECK_EQ_INT((int64_t)rd_le(p + 44, 8), 2 * list.count); /* "k" and "v" */
    /* one message per record, at its offset, its value base64 */
    char *text = calloc(len - 52 + 1, 1);
    memcpy(text, p + 52, len - 52);
    const char *at = text;
    for (uint32_t i = 0; i < list.count; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s{\"offset\":%lld,", i ? "," : "", (long long)list.offsets[i]);
        CHECK(strncmp(at, want, strlen(want)) == 0);
        at = strstr(at, "\"value\":\"dg==\",\"headers\":{}}");
        CHECK(at != NULL);
        if (!at)
            break;
        at += strlen("\"value\":\"dg==\",\"headers\":{}}");
    }
    CHECK(at && *at == 0);
    free(text);
}

static void test_abort(void)
{
    sqlite3 *conn = open_fresh_log("txn-abort");
    CHECK_EQ_INT(append(9, 0, 0, 2, true, NULL), 0);   /* 0..1, aborted */
    CHECK_EQ_INT(append(10, 0, 0, 1, false, NULL), 0); /* 2 */
    int64_t at = -1;
    CHECK_EQ_INT(marker(9, 0, KD_TXN_ABORT, 0, &at), 0);
    CHECK_EQ_INT(at, 3);
    CHECK_EQ_INT(append(9, 0, 2, 1, true, NULL), 0); /* 4, the next transaction: sequences go on */
    CHECK_EQ_INT(marker(9, 0, KD_TXN_COMMIT, 0, &at), 0);
    CHECK_EQ_INT(at, 5);

    read_result r = read_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(r.count, 2);
    CHECK_EQ_INT(r.offsets[0], 2);
    CHECK_EQ_INT(r.offsets[1], 4);
    r = read_at(0, KD_READ_UNCOMMITTED);
    CHECK_EQ_INT(r.count, 4); /* the aborted ones too, never the markers */
    r = read_at(3, KD_READ_COMMITTED);
    CHECK_EQ_INT(r.count, 1);
    CHECK_EQ_INT(r.offsets[0], 4);

    fetch_result f = fetch_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(f.lso, 6);
    CHECK_EQ_INT(f.aborted, 1);
    CHECK_EQ_INT(f.aborted_pid[0], 9);
    CHECK_EQ_INT(f.aborted_first[0], 0);
    kd_batch b;
    CHECK(batch_at(&f, 3, &b));
    kd_record_iter it;
    kd_record rec;
    kd_record_iter_init(&it, &b);
    CHECK_EQ_INT(kd_record_next(&it, &rec), 1);
    CHECK(rec.key_len == 4 && rec.key[3] == 0);                /* ABORT */
    CHECK_EQ_INT(fetch_at(4, KD_READ_COMMITTED).aborted, 0);   /* the range ended at 3 */
    CHECK_EQ_INT(fetch_at(0, KD_READ_UNCOMMITTED).aborted, 0); /* Kafka lists them for read_committed only */
    CHECK_EQ_INT(fetch_at(0, KD_READ_UNCOMMITTED).lso, 6);

    /* Only the aborted batches count: a fetch that stops before the range lists nothing. */
    CHECK_EQ_INT(kd_log_fetch_isolated(DB, 2, 0, 0, KD_READ_COMMITTED), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 24, 4), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 28, 4), 0);

    /* The REST form of the read (kd_log_read_rest_isolated) gives the same head and records. */
    for (int64_t offset = 0; offset <= 6; offset++)
        for (int32_t isolation = 0; isolation <= 1; isolation++)
            check_rest_read(offset, isolation);
    CHECK_EQ_INT(kd_log_read_rest_isolated(DB, 0, 16, 1 << 20, KD_READ_COMMITTED, 2), KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_log_read_rest_isolated(DB, 0, 16, 1 << 20, 2, KD_REST_ENCODING_JSON), KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_log_read_rest_isolated(DB, 2, 16, 1, KD_READ_COMMITTED, KD_REST_ENCODING_JSON), 0);
    const char *json =
        "{\"offset\":2,\"timestamp\":1700000000000,\"key\":\"k\",\"valueBase64\":\"dg==\",\"headers\":{}}";
    CHECK_EQ_INT(kd_out_len(), 52 + strlen(json));
    CHECK(memcmp(kd_out_ptr() + 52, json, strlen(json)) == 0);

    /* A read of only what was aborted moves on past it. */
    r = read_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(kd_log_read_isolated(DB, 0, 16, 1, KD_READ_COMMITTED), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 32, 4), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 24, 8), 2);
    close_log(conn);
}

/* A marker for a producer without a transaction open writes nothing and answers 0 (a
 * coordinator retrying); stale epochs and coordinator epochs are refused. */
static void test_marker_rules(void)
{
    sqlite3 *conn = open_fresh_log("txn-rules");
    int64_t at = 0;
    CHECK_EQ_INT(marker(11, 0, KD_TXN_COMMIT, 0, &at), 0); /* unknown producer */
    CHECK_EQ_INT(at, -1);
    CHECK_EQ_INT(state().hw, 0);

    CHECK_EQ_INT(append(11, 2, 0, 1, true, NULL), 0);
    CHECK_EQ_INT(marker(11, 1, KD_TXN_COMMIT, 0, NULL), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(state().hw, 1);
    CHECK_EQ_INT(state().lso, 0);
    CHECK_EQ_INT(marker(11, 2, KD_TXN_COMMIT, 5, &at), 0);
    CHECK_EQ_INT(at, 1);
    CHECK_EQ_INT(marker(11, 2, KD_TXN_COMMIT, 5, &at), 0); /* retried: nothing more */
    CHECK_EQ_INT(at, -1);
    CHECK_EQ_INT(state().hw, 2);

    CHECK_EQ_INT(append(11, 2, 1, 1, true, NULL), 0);
    CHECK_EQ_INT(marker(11, 2, KD_TXN_ABORT, 4, NULL), KD_TRANSACTION_COORDINATOR_FENCED);
    CHECK_EQ_INT(marker(11, 2, KD_TXN_ABORT, 6, &at), 0);
    CHECK_EQ_INT(at, 3);

    /* A stale producer's transactional batch is refused as its other batches are. */
    CHECK_EQ_INT(append(11, 1, 0, 1, true, NULL), KD_INVALID_PRODUCER_EPOCH);
    /* Bad arguments are refused before anything is read. */
    CHECK_EQ_INT(marker(-1, 0, KD_TXN_COMMIT, 0, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(marker(11, 40000, KD_TXN_COMMIT, 0, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(marker(11, 2, 7, 0, NULL), KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_log_read_isolated(DB, 0, 16, 1024, 2), KD_INVALID_REQUEST);
    CHECK_EQ_INT(state().hw, 4);
    close_log(conn);
}

/* The coordinator fencing a producer aborts with a newer epoch: that epoch becomes the
 * producer's, the old one is refused, the new one starts at sequence 0. */
static void test_fencing_epoch_bump(void)
{
    sqlite3 *conn = open_fresh_log("txn-fence");
    CHECK_EQ_INT(append(12, 3, 0, 2, true, NULL), 0);
    int64_t at = -1;
    CHECK_EQ_INT(marker(12, 4, KD_TXN_ABORT, 0, &at), 0);
    CHECK_EQ_INT(at, 2);
    CHECK_EQ_INT(append(12, 3, 2, 1, true, NULL), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(append(12, 4, 5, 1, true, NULL), KD_OUT_OF_ORDER_SEQUENCE_NUMBER);
    CHECK_EQ_INT(append(12, 4, 0, 1, true, NULL), 0);
    /* DescribeProducers shows the new epoch; its last sequence is the new batch's. */
    CHECK_EQ_INT(kd_log_describe(DB), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 8, 4), 1);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 12 + 8, 4), 4);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 12 + 12, 4), 0);
    CHECK_EQ_INT(state().lso, 3);
    close_log(conn);
}

/* While its transaction is open, a producer's plain batch is INVALID_TXN_STATE and
 * changes nothing; a transactional batch without a producer is INVALID_RECORD. */
static void test_invalid_txn_state(void)
{
    sqlite3 *conn = open_fresh_log("txn-state");
    CHECK_EQ_INT(append(13, 0, 0, 1, true, NULL), 0);
    CHECK_EQ_INT(append(13, 0, 1, 1, false, NULL), KD_INVALID_TXN_STATE);
    CHECK_EQ_INT(state().hw, 1);
    CHECK_EQ_INT(append(13, 0, 1, 1, true, NULL), 0); /* the sequence was not taken */
    CHECK_EQ_INT(append(-1, -1, -1, 1, true, NULL), KD_INVALID_RECORD);
    CHECK_EQ_INT(marker(13, 0, KD_TXN_COMMIT, 0, NULL), 0);
    CHECK_EQ_INT(append(13, 0, 2, 1, false, NULL), 0); /* after the commit, plain batches again */
    close_log(conn);
}

/* The open transactions and the aborted ranges are in the database: a reopen keeps them. */
static void test_survives_reopen(void)
{
    sqlite3 *conn = open_fresh_log("txn-reopen");
    CHECK_EQ_INT(append(14, 0, 0, 2, true, NULL), 0);
    CHECK_EQ_INT(append(15, 0, 0, 1, true, NULL), 0);
    kd_native_detach(DB);
    sqlite3_close(conn);
    CHECK(sqlite3_open(db_path, &conn) == SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    txn_state s = state();
    CHECK_EQ_INT(s.lso, 0);
    CHECK_EQ_INT(s.open, 2);
    CHECK_EQ_INT(marker(14, 0, KD_TXN_ABORT, 0, NULL), 0);
    CHECK_EQ_INT(state().lso, 2);
    kd_native_detach(DB);
    sqlite3_close(conn);
    CHECK(sqlite3_open(db_path, &conn) == SQLITE_OK);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_log_open(DB), 0);
    CHECK_EQ_INT(state().lso, 2);
    CHECK_EQ_INT(marker(15, 0, KD_TXN_COMMIT, 0, NULL), 0);
    fetch_result f = fetch_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(f.lso, 5);
    CHECK_EQ_INT(f.aborted, 1);
    CHECK_EQ_INT(f.aborted_pid[0], 14);
    read_result r = read_at(0, KD_READ_COMMITTED);
    CHECK_EQ_INT(r.count, 1);
    CHECK_EQ_INT(r.offsets[0], 2);
    close_log(conn);
}

/* A storage failure at any step of a marker rolls all of it back, as a kill -9 before
 * the commit would: the transaction is still open and a retry completes it. */
static void test_marker_failure_rolls_back(void)
{
    sqlite3 *conn = open_fresh_log("txn-fail");
    CHECK_EQ_INT(append(16, 0, 0, 1, true, NULL), 0);
    int failed = 0;
    for (long n = 1; n < 40; n++) {
        kd_native_fail_step(n);
        int32_t rc = marker(16, 0, KD_TXN_ABORT, 0, NULL);
        kd_native_fail_step(0);
        if (rc == 0)
            break;
        failed++;
        CHECK_EQ_INT(rc, KD_ERR_STORAGE);
        txn_state s = state();
        CHECK_EQ_INT(s.hw, 1);
        CHECK_EQ_INT(s.lso, 0);
        CHECK_EQ_INT(s.open, 1);
        CHECK_EQ_INT(fetch_at(0, KD_READ_COMMITTED).aborted, 0);
    }
    CHECK(failed > 3);
    txn_state s = state();
    CHECK_EQ_INT(s.hw, 2);
    CHECK_EQ_INT(s.lso, 2);
    CHECK_EQ_INT(fetch_at(0, KD_READ_COMMITTED).aborted, 1);
    close_log(conn);
}

/* ListOffsets latest: the LSO under read_committed, the high watermark otherwise. */
static void test_list_offsets(void)
{
    sqlite3 *conn = open_fresh_log("txn-list");
    CHECK_EQ_INT(append(17, 0, 0, 1, false, NULL), 0);
    CHECK_EQ_INT(append(18, 0, 0, 2, true, NULL), 0);
    CHECK_EQ_INT(kd_log_list_offset(DB, KD_LIST_LATEST, KD_READ_COMMITTED), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 8), 1);
    CHECK_EQ_INT(kd_log_list_offset(DB, KD_LIST_LATEST, KD_READ_UNCOMMITTED), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 8), 3);
    CHECK_EQ_INT(kd_log_list_offset(DB, KD_LIST_EARLIEST, KD_READ_COMMITTED), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 8), 0);
    CHECK_EQ_INT(kd_log_retire(DB), 0);
    CHECK_EQ_INT(kd_log_list_offset(DB, KD_LIST_LATEST, KD_READ_COMMITTED), KD_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ_INT(marker(18, 0, KD_TXN_COMMIT, 0, NULL), KD_UNKNOWN_TOPIC_OR_PARTITION);
    close_log(conn);
}

/* A compacted log keeps markers and never takes a marker's key for a record's. */
static void test_compacted_log_keeps_markers(void)
{
    sqlite3 *conn = open_fresh_log("txn-compact");
    static const char config[] = "{\"cleanup.policy\":\"compact\"}";
    CHECK_EQ_INT(kd_log_configure(DB, (const uint8_t *)config, sizeof config - 1), 0);
    CHECK_EQ_INT(append(19, 0, 0, 1, true, NULL), 0);
    CHECK_EQ_INT(marker(19, 0, KD_TXN_COMMIT, 0, NULL), 0);
    static const uint8_t commit_key[] = {0, 0, 0, 1};
    CHECK_EQ_INT(kd_log_key_lookup(DB, commit_key, 4), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 16, 4), 0);
    CHECK_EQ_INT(kd_log_compact(DB, NOW + 86400000LL * 30, 1000), 0);
    CHECK_EQ_INT(state().hw, 2);
    kd_batch b;
    fetch_result f = fetch_at(0, KD_READ_UNCOMMITTED);
    CHECK(batch_at(&f, 1, &b));
    close_log(conn);
}

/* The offset the latest value of key "k" is at (-1: none), as GET /topics/:t/keys/:k. */
static int64_t latest_k(void)
{
    CHECK_EQ_INT(kd_log_key_lookup(DB, (const uint8_t *)"k", 1), 0);
    return rd_le(kd_out_ptr() + 16, 4) == 1 ? (int64_t)rd_le(kd_out_ptr() + 20, 8) : -1;
}

/* Whether a read_uncommitted fetch from the start holds a batch at `offset`. */
static bool stored_at(int64_t offset)
{
    kd_batch b;
    fetch_result f = fetch_at(0, KD_READ_UNCOMMITTED);
    return batch_at(&f, offset, &b);
}

/* On a compacted log an aborted record never becomes a key's latest value and the
 * cleaner removes it (Kafka's cleaner discards aborted transactional data), keeping its
 * marker; an open transaction's record counts only once committed, and compaction
 * leaves the open transaction's part of the log alone. */
static void test_compaction_ignores_aborted_and_open(void)
{
    sqlite3 *conn = open_fresh_log("txn-compact-aborted");
    static const char config[] = "{\"cleanup.policy\":\"compact\",\"min.cleanable.dirty.ratio\":\"0.01\"}";
    CHECK_EQ_INT(kd_log_configure(DB, (const uint8_t *)config, sizeof config - 1), 0);
    const int64_t later = NOW + 86400000LL * 30;
    CHECK_EQ_INT(append(-1, -1, -1, 1, false, NULL), 0); /* committed k at 0 */
    CHECK_EQ_INT(append(20, 0, 0, 1, true, NULL), 0);    /* k at 1, aborted by 2 */
    CHECK_EQ_INT(marker(20, 0, KD_TXN_ABORT, 0, NULL), 0);
    CHECK_EQ_INT(latest_k(), 0);
    CHECK_EQ_INT(kd_log_compact(DB, later, 1000), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1); /* the aborted record went */
    CHECK(stored_at(0));
    CHECK(!stored_at(1));
    CHECK(stored_at(2)); /* the ABORT marker stays */
    CHECK_EQ_INT(latest_k(), 0);
    CHECK_EQ_INT(read_at(0, KD_READ_UNCOMMITTED).count, 1);

    CHECK_EQ_INT(append(21, 0, 0, 1, true, NULL), 0); /* k at 3, open */
    CHECK_EQ_INT(latest_k(), 0);
    CHECK_EQ_INT(kd_log_compact(DB, later + 1, 1000), 0);
    CHECK(stored_at(0));
    CHECK(stored_at(3));
    CHECK_EQ_INT(marker(21, 0, KD_TXN_COMMIT, 0, NULL), 0); /* at 4 */
    CHECK_EQ_INT(latest_k(), 3);
    CHECK_EQ_INT(kd_log_compact(DB, later + 2, 1000), 0);
    CHECK(!stored_at(0)); /* now superseded by the committed record at 3 */
    CHECK(stored_at(3));
    CHECK(stored_at(4));
    CHECK_EQ_INT(latest_k(), 3);

    /* A committed record appended while a transaction is open stays latest when that
     * transaction's earlier record commits after it. */
    CHECK_EQ_INT(append(22, 0, 0, 1, true, NULL), 0);    /* k at 5, open */
    CHECK_EQ_INT(append(-1, -1, -1, 1, false, NULL), 0); /* committed k at 6 */
    CHECK_EQ_INT(latest_k(), 6);
    CHECK_EQ_INT(marker(22, 0, KD_TXN_COMMIT, 0, NULL), 0);
    CHECK_EQ_INT(latest_k(), 6);
    close_log(conn);
}

/* Reads of a cold segment (tiering.c) follow the same rules: an aborted transaction and
 * its marker moved to the cold tier are skipped under read_committed and listed for a
 * Fetch; read_uncommitted gives the aborted records, never the marker. */
static void test_cold_reads(void)
{
    sqlite3 *conn = open_fresh_log("txn-cold");
    size_t n = 0;
    free(producer_batch(30, 0, 0, 4, true, &n));
    CHECK_EQ_INT(append(30, 0, 0, 4, true, NULL), 0);      /* 0..3 */
    CHECK_EQ_INT(marker(30, 0, KD_TXN_ABORT, 0, NULL), 0); /* 4 */
    CHECK_EQ_INT(append(31, 0, 0, 4, false, NULL), 0);     /* 5..8 */
    CHECK_EQ_INT(append(31, 0, 4, 4, false, NULL), 0);     /* 9..12, stays hot */
    char config[200];
    snprintf(config, sizeof config,
             "{\"remote.storage.enable\":\"true\",\"local.retention.ms\":\"0\",\"retention.ms\":\"-1\","
             "\"segment.bytes\":\"%zu\"}",
             2 * n + 78);
    CHECK_EQ_INT(kd_log_configure(DB, (const uint8_t *)config, (uint32_t)strlen(config)), 0);
    CHECK_EQ_INT(kd_tier_plan(DB, NOW + 1000, 1 << 20, (const uint8_t *)"t/", 2), 0);
    const uint8_t *o = kd_out_ptr();
    CHECK_EQ_INT(rd_le(o, 4), 1);
    int64_t base = (int64_t)rd_le(o + 28, 8), last = (int64_t)rd_le(o + 36, 8);
    CHECK_EQ_INT(base, 0);
    CHECK_EQ_INT(last, 8);
    size_t key_len = rd_le(o + 44, 2);
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)key_len, (const char *)o + 46);
    size_t len = rd_le(o + 46 + key_len, 4);
    uint8_t *segment = malloc(len);
    memcpy(segment, o + 50 + key_len, len);
    CHECK_EQ_INT(kd_tier_commit(DB, base, last, (int64_t)len, (const uint8_t *)key, (uint32_t)key_len), 0);
    CHECK_EQ_INT(kd_log_read_isolated(DB, 0, 16, 1 << 20, KD_READ_COMMITTED), KD_ERR_COLD);

    CHECK_EQ_INT(kd_tier_locate(DB, 0, 1 << 20, 1), 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr(), 4), 1);
    int64_t position = (int64_t)rd_le(kd_out_ptr() + 6 + key_len, 8);
    int64_t length = (int64_t)rd_le(kd_out_ptr() + 14 + key_len, 8);
    CHECK(position >= 0 && position + length <= (int64_t)len);
    const uint8_t *bytes = segment + position;
    CHECK_EQ_INT(kd_log_read_cold_isolated(DB, 0, 16, 1 << 20, KD_READ_COMMITTED, bytes, (uint32_t)length, position),
                 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 32, 4), 4); /* 5..8 */
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 36, 8), 5);
    CHECK_EQ_INT(kd_log_read_cold_isolated(DB, 0, 16, 1 << 20, KD_READ_UNCOMMITTED, bytes, (uint32_t)length, position),
                 0);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 32, 4), 8); /* 0..3 and 5..8, never the marker */
    CHECK_EQ_INT(kd_log_fetch_cold_isolated(DB, 0, 1 << 20, 1, KD_READ_COMMITTED, bytes, (uint32_t)length, position),
                 0);
    uint32_t batches = (uint32_t)rd_le(kd_out_ptr() + 24, 4);
    CHECK_EQ_INT(batches, len);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 28 + batches, 4), 1);
    CHECK_EQ_INT(rd_le(kd_out_ptr() + 32 + batches, 8), 30);
    free(segment);
    close_log(conn);
}

/* A produce of transactional batches must name its transactional id. */
static void test_produce_check(void)
{
    size_t n = 0;
    uint8_t *txn = producer_batch(20, 0, 0, 1, true, &n);
    uint8_t *plain = producer_batch(20, 0, 0, 1, false, &n);
    CHECK_EQ_INT(kd_produce_txn_check(txn, (uint32_t)n, 1), 0);
    CHECK_EQ_INT(kd_produce_txn_check(txn, (uint32_t)n, 0), KD_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    CHECK_EQ_INT(kd_produce_txn_check(plain, (uint32_t)n, 0), 0);
    CHECK_EQ_INT(kd_produce_txn_check(txn, 10, 0), 0); /* too short: the append refuses it */
    free(txn);
    free(plain);
}

int main(void)
{
    RUN(test_commit);
    RUN(test_abort);
    RUN(test_marker_rules);
    RUN(test_fencing_epoch_bump);
    RUN(test_invalid_txn_state);
    RUN(test_survives_reopen);
    RUN(test_marker_failure_rolls_back);
    RUN(test_list_offsets);
    RUN(test_compacted_log_keeps_markers);
    RUN(test_compaction_ignores_aborted_and_open);
    RUN(test_produce_check);
    RUN(test_cold_reads);
    return CHECK_SUMMARY();
}
