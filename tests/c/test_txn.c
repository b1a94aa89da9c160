/*
 * Tests src-c/txn_coordinator.c and txn_registry.c over real SQLite: Kafka's
 * transaction coordinator for one transactional id — InitProducerId (a new id, epoch
 * bumps fencing the last producer, KIP-360's re-initialisation with the producer id
 * and epoch, epoch exhaustion moving to a new producer id, an ongoing transaction
 * fenced and aborted first), AddPartitionsToTxn and AddOffsetsToTxn, EndTxn in every
 * state, the Prepare* states completed marker by marker, the timeout abort, the
 * errors by version, ListTransactions' filters, and that a refusal stores nothing.
 */
#include <sqlite3.h>

#include "check.h"
#include "storage.h"
#include "txn_fixture.h"

#define DB 7
#define T0 1700000000000LL
#define ID "app-1"

static sqlite3 *conn;

static void fresh(void)
{
    if (conn) {
        kd_native_detach(DB);
        sqlite3_close(conn);
    }
    sqlite3_open(":memory:", &conn);
    kd_native_attach(DB, conn);
    CHECK_EQ_INT(kd_txn_coordinator_open(DB), 0);
}

/* A transactional producer initialised with producer id 1000: its epoch. */
static int start(void)
{
    fresh();
    tx_init_out o;
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_NEED_PRODUCER_ID);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, 1000, T0, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_DONE);
    CHECK_EQ_INT(o.producer_id, 1000);
    return o.epoch;
}

/* Describes and returns the state's name (static buffer). */
static tx_description described;
static const char *state(void)
{
    CHECK_EQ_INT(tx_describe(DB, &described), 0);
    return described.exists ? described.state : "none";
}

/* Writes every marker of the Prepare* state, then completes it. */
static void drive(void)
{
    CHECK_EQ_INT(kd_txn_pending(DB), 0);
    const uint8_t *p = kd_out_ptr();
    size_t at = 11;
    uint32_t n = (uint32_t)tx_le(p + at, 4);
    at += 4;
    char names[16][128];
    int32_t parts[16];
    for (uint32_t i = 0; i < n && i < 16; i++) {
        char ref[128];
        tx_read_str(p, &at, names[i], sizeof names[i]);
        tx_read_str(p, &at, ref, sizeof ref);
        parts[i] = (int32_t)tx_le(p + at, 4);
        at += 4;
    }
    uint32_t m = (uint32_t)tx_le(p + at, 4);
    at += 4;
    char groups[8][128];
    for (uint32_t i = 0; i < m && i < 8; i++)
        tx_read_str(p, &at, groups[i], sizeof groups[i]);
    for (uint32_t i = 0; i < n && i < 16; i++)
        CHECK_EQ_INT(tx_marked(DB, 0, names[i], parts[i]), 0);
    for (uint32_t i = 0; i < m && i < 8; i++)
        CHECK_EQ_INT(tx_marked(DB, 1, groups[i], 0), 0);
    CHECK_EQ_INT(kd_txn_complete(DB, T0 + 50), 0);
}

static void test_new_id_starts_empty_at_epoch_0(void)
{
    int epoch = start();
    CHECK_EQ_INT(epoch, 0);
    CHECK_EQ_STR(state(), "Empty");
    CHECK_EQ_STR(described.id, ID);
    CHECK_EQ_INT(described.timeout_ms, 60000);
    CHECK_EQ_INT(described.start_ms, -1);
    CHECK_EQ_INT(described.partitions, 0);
}

static void test_init_refusals_store_nothing(void)
{
    fresh();
    tx_init_out o;
    CHECK_EQ_INT(tx_init(DB, "", 60000, -1, -1, 1000, T0, &o), KD_INVALID_REQUEST);
    CHECK_EQ_INT(tx_init(DB, "a\nb", 60000, -1, -1, 1000, T0, &o), KD_INVALID_REQUEST);
    CHECK_EQ_INT(tx_init(DB, ID, 0, -1, -1, 1000, T0, &o), KD_INVALID_TRANSACTION_TIMEOUT);
    CHECK_EQ_INT(tx_init(DB, ID, KD_TXN_MAX_TIMEOUT_MS + 1, -1, -1, 1000, T0, &o), KD_INVALID_TRANSACTION_TIMEOUT);
    CHECK_EQ_INT(tx_init(DB, ID, -5, -1, -1, 1000, T0, &o), KD_INVALID_TRANSACTION_TIMEOUT);
    /* A producer id without its epoch, or the other way round. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, -1, 1000, T0, &o), KD_INVALID_REQUEST);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, 3, 1000, T0, &o), KD_INVALID_REQUEST);
    CHECK_EQ_STR(state(), "none");
    CHECK_EQ_INT(tx_init(DB, ID, KD_TXN_MAX_TIMEOUT_MS, -1, -1, 1000, T0, &o), 0);
    CHECK_EQ_STR(state(), "Empty");
}

static void test_reinit_bumps_epoch_and_fences(void)
{
    start();
    tx_init_out o;
    CHECK_EQ_INT(tx_init(DB, ID, 30000, -1, -1, -1, T0 + 1, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_DONE);
    CHECK_EQ_INT(o.producer_id, 1000);
    CHECK_EQ_INT(o.epoch, 1);
    CHECK_EQ_INT(tx_describe(DB, &described), 0);
    CHECK_EQ_INT(described.timeout_ms, 30000);
    /* The first producer (epoch 0) is fenced from every request. */
    CHECK_EQ_INT(tx_add(DB, ID, 1000, 0, "t:0", "", T0 + 2), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, 0, 1, T0 + 2, NULL), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(tx_add(DB, ID, 1000, 1, "t:0", "", T0 + 2), 0);
    CHECK_EQ_STR(state(), "Ongoing");
}

static void test_kip360_reinit_with_producer_id_and_epoch(void)
{
    start();
    tx_init_out o;
    /* The producer resumes after an error: its own id and epoch bump it. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 0, -1, T0 + 1, &o), 0);
    CHECK_EQ_INT(o.epoch, 1);
    /* The answer was lost and it asks again with epoch 0: the same epoch, not a bump. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 0, -1, T0 + 2, &o), 0);
    CHECK_EQ_INT(o.epoch, 1);
    /* Another producer id, or an epoch that is neither current nor last: fenced. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 999, 1, -1, T0 + 3, &o), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 5, -1, T0 + 3, &o), KD_PRODUCER_FENCED);
    /* A new producer (no id given) resets the last epoch: the old one is fenced for good. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 4, &o), 0);
    CHECK_EQ_INT(o.epoch, 2);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 1, -1, T0 + 5, &o), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(tx_describe(DB, &described), 0);
    CHECK_EQ_INT(described.epoch, 2);
}

static void test_exhausted_epoch_moves_to_a_new_producer_id(void)
{
    start();
    sqlite3_exec(conn, "UPDATE txn SET producer_epoch = 32765", NULL, NULL, NULL);
    tx_init_out o;
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 1, &o), 0);
    CHECK_EQ_INT(o.epoch, 32766);
    /* 32766 is exhausted (the last epoch is kept for a fence): a new producer id. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 2, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_NEED_PRODUCER_ID);
    CHECK_EQ_INT(tx_describe(DB, &described), 0);
    CHECK_EQ_INT(described.epoch, 32766); /* nothing stored */
    /* The producer itself re-initialises (KIP-360): it is moved to a new id at epoch 0. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 32766, 2000, T0 + 2, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_DONE);
    CHECK_EQ_INT(o.producer_id, 2000);
    CHECK_EQ_INT(o.epoch, 0);
    /* Its answer lost, it asks again with the old id at the exhausted epoch: the last
     * producer, answered the same new id and epoch. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 32766, -1, T0 + 3, &o), 0);
    CHECK_EQ_INT(o.producer_id, 2000);
    CHECK_EQ_INT(o.epoch, 0);
    /* A new producer instead: the old one's retry is fenced (the last epoch reset). */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 4, &o), 0);
    CHECK_EQ_INT(o.epoch, 1);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, 32766, -1, T0 + 5, &o), KD_PRODUCER_FENCED);
}

static void test_transaction_commit_marker_by_marker(void)
{
    int e = start();
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "orders:0 orders:1", "", T0 + 10), 0);
    CHECK_EQ_INT(tx_le(kd_out_ptr(), 8), T0 + 10 + 60000 + 1); /* the timeout's deadline */
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "audit:2 orders:1", "g1", T0 + 20), 0);
    CHECK_EQ_STR(state(), "Ongoing");
    CHECK_EQ_INT(described.start_ms, T0 + 10);
    CHECK_EQ_STR(described.members, "audit:2 orders:0 orders:1|g1");
    int outcome = -1;
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 30, &outcome), 0);
    CHECK_EQ_INT(outcome, KD_TXN_DRIVE);
    CHECK_EQ_STR(state(), "PrepareCommit");
    /* While it completes: more partitions, a second EndTxn, InitProducerId wait. */
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "orders:3", "", T0 + 31), KD_CONCURRENT_TRANSACTIONS);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 31, NULL), KD_CONCURRENT_TRANSACTIONS);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 0, T0 + 31, NULL), KD_INVALID_TXN_STATE);
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 31, NULL), KD_CONCURRENT_TRANSACTIONS);
    /* Markers one by one: DescribeTransactions shows those still to write. */
    CHECK_EQ_INT(tx_marked(DB, 0, "orders", 0), 0);
    CHECK_EQ_INT(tx_marked(DB, 1, "g1", 0), 0);
    CHECK_EQ_STR(state(), "PrepareCommit");
    CHECK_EQ_STR(described.members, "audit:2 orders:1|");
    /* The alarm after a crash finds the state to drive again. */
    CHECK_EQ_INT(kd_txn_poll(DB, T0 + 40), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], KD_TXN_DRIVE);
    drive();
    CHECK_EQ_STR(state(), "CompleteCommit");
    CHECK_EQ_STR(described.members, "|");
    CHECK_EQ_INT(described.start_ms, T0 + 10);
    /* A retried commit is answered as the first; an abort is not what happened. */
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 60, &outcome), 0);
    CHECK_EQ_INT(outcome, KD_TXN_DONE);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 0, T0 + 60, NULL), KD_INVALID_TXN_STATE);
    /* The next transaction begins with its first partition. */
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "orders:3", "", T0 + 70), 0);
    CHECK_EQ_STR(state(), "Ongoing");
    CHECK_EQ_INT(described.start_ms, T0 + 70);
    CHECK_EQ_STR(described.members, "orders:3|");
    /* Completing is idempotent outside Prepare*. */
    CHECK_EQ_INT(kd_txn_complete(DB, T0 + 80), 0);
    CHECK_EQ_STR(state(), "Ongoing");
}

static void test_end_without_a_transaction(void)
{
    int e = start();
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 1, NULL), KD_INVALID_TXN_STATE);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 0, T0 + 1, NULL), KD_INVALID_TXN_STATE);
    CHECK_EQ_INT(tx_end(DB, ID, 1001, (int16_t)e, 1, T0 + 1, NULL), KD_INVALID_PRODUCER_ID_MAPPING);
    CHECK_EQ_INT(tx_add(DB, ID, 1001, (int16_t)e, "t:0", "", T0 + 1), KD_INVALID_PRODUCER_ID_MAPPING);
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "t:-1", "", T0 + 1), KD_INVALID_REQUEST);
    CHECK_EQ_STR(state(), "Empty");
    /* A coordinator that never initialised: no mapping. */
    fresh();
    CHECK_EQ_INT(tx_end(DB, ID, 1000, 0, 1, T0, NULL), KD_INVALID_PRODUCER_ID_MAPPING);
    CHECK_EQ_INT(tx_add(DB, ID, 1000, 0, "t:0", "", T0), KD_INVALID_PRODUCER_ID_MAPPING);
    CHECK_EQ_STR(state(), "none");
}

static void test_abort_then_commit_is_invalid(void)
{
    int e = start();
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "t:0", "", T0 + 1), 0);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 0, T0 + 2, NULL), 0);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 3, NULL), KD_INVALID_TXN_STATE);
    drive();
    CHECK_EQ_STR(state(), "CompleteAbort");
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 3, NULL), KD_INVALID_TXN_STATE);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 0, T0 + 3, NULL), 0);
}

static void test_init_during_a_transaction_fences_and_aborts_it(void)
{
    int e = start();
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "t:0 t:1", "g", T0 + 1), 0);
    tx_init_out o;
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 2, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_DRIVE); /* the host answers CONCURRENT_TRANSACTIONS */
    CHECK_EQ_STR(state(), "PrepareAbort");
    CHECK_EQ_INT(described.epoch, e + 1); /* the old producer is fenced already */
    CHECK_EQ_STR(described.members, "t:0 t:1|g");
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, T0 + 3, NULL), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(kd_txn_pending(DB), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], KD_TXN_PREPARE_ABORT);
    CHECK_EQ_INT(tx_le(kd_out_ptr() + 9, 2), e + 1); /* the markers carry the new epoch */
    drive();
    CHECK_EQ_STR(state(), "CompleteAbort");
    /* The retry bumps once more. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, -1, -1, -1, T0 + 4, &o), 0);
    CHECK_EQ_INT(o.outcome, KD_TXN_DONE);
    CHECK_EQ_INT(o.epoch, e + 2);
}

static void test_timeout_aborts_and_fences(void)
{
    int e = start();
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "t:0", "", T0 + 100), 0);
    int64_t deadline = tx_le(kd_out_ptr(), 8);
    CHECK_EQ_INT(kd_txn_poll(DB, deadline - 1), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], KD_TXN_DONE);
    CHECK_EQ_INT(tx_le(kd_out_ptr() + 1, 8), deadline);
    CHECK_EQ_STR(state(), "Ongoing");
    CHECK_EQ_INT(kd_txn_poll(DB, deadline), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], KD_TXN_DRIVE);
    CHECK_EQ_STR(state(), "PrepareAbort");
    CHECK_EQ_INT(described.epoch, e + 1);
    /* The producer learns it was fenced at its next request. */
    CHECK_EQ_INT(tx_add(DB, ID, 1000, (int16_t)e, "t:1", "", deadline + 1), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(tx_end(DB, ID, 1000, (int16_t)e, 1, deadline + 1, NULL), KD_PRODUCER_FENCED);
    drive();
    CHECK_EQ_STR(state(), "CompleteAbort");
    CHECK_EQ_INT(kd_txn_poll(DB, deadline + 10), 0);
    CHECK_EQ_INT(kd_out_ptr()[0], KD_TXN_DONE);
    CHECK_EQ_INT(tx_le(kd_out_ptr() + 1, 8), -1);
    /* KIP-360: the timed-out producer cannot resume with its old epoch. */
    CHECK_EQ_INT(tx_init(DB, ID, 60000, 1000, (int16_t)e, -1, deadline + 20, NULL), KD_PRODUCER_FENCED);
}

static void test_errors_by_version(void)
{
    CHECK_EQ_INT(kd_txn_error_for_version(22, 3, KD_PRODUCER_FENCED), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(kd_txn_error_for_version(22, 4, KD_PRODUCER_FENCED), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(kd_txn_error_for_version(24, 1, KD_PRODUCER_FENCED), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(kd_txn_error_for_version(24, 2, KD_PRODUCER_FENCED), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(kd_txn_error_for_version(25, 0, KD_PRODUCER_FENCED), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(kd_txn_error_for_version(26, 1, KD_PRODUCER_FENCED), KD_INVALID_PRODUCER_EPOCH);
    CHECK_EQ_INT(kd_txn_error_for_version(26, 3, KD_PRODUCER_FENCED), KD_PRODUCER_FENCED);
    CHECK_EQ_INT(kd_txn_error_for_version(26, 0, KD_INVALID_TXN_STATE), KD_INVALID_TXN_STATE);
}

/* ListTransactions' filters: states (unknown names reported), producer ids, duration. */
static void test_list_filter(void)
{
    kbuf in = {0};
    kb_le(&in, 2, 4);
    tx_str(&in, "Ongoing");
    tx_str(&in, "Bogus");
    kb_le(&in, 0, 4);
    kb_le(&in, (uint64_t)-1, 8);
    kb_le(&in, 3, 4);
    const char *states[] = {"Ongoing", "Empty", "Dead"};
    for (int i = 0; i < 3; i++) {
        tx_str(&in, states[i]);
        kb_le(&in, 1000 + (uint64_t)i, 8);
        kb_le(&in, (uint64_t)T0, 8);
    }
    CHECK_EQ_INT(kd_txn_list_filter(in.p, (uint32_t)in.len, T0 + 1000), 0);
    const uint8_t *p = kd_out_ptr();
    CHECK_EQ_INT(tx_le(p, 4), 1);
    char name[32];
    size_t at = 4;
    tx_read_str(p, &at, name, sizeof name);
    CHECK_EQ_STR(name, "Bogus");
    CHECK_EQ_INT(p[at], 1);
    CHECK_EQ_INT(p[at + 1], 0);
    CHECK_EQ_INT(p[at + 2], 0);
    kb_free(&in);
    /* No state filter, producer id 1001 or 1002, running longer than 500 ms: Dead never. */
    in = (kbuf){0};
    kb_le(&in, 0, 4);
    kb_le(&in, 2, 4);
    kb_le(&in, 1001, 8);
    kb_le(&in, 1002, 8);
    kb_le(&in, 500, 8);
    kb_le(&in, 3, 4);
    for (int i = 0; i < 3; i++) {
        tx_str(&in, i == 2 ? "Dead" : "Ongoing");
        kb_le(&in, 1000 + (uint64_t)i, 8);
        kb_le(&in, (uint64_t)(T0 + (i == 1 ? 0 : 900)), 8);
    }
    CHECK_EQ_INT(kd_txn_list_filter(in.p, (uint32_t)in.len, T0 + 1000), 0);
    p = kd_out_ptr();
    CHECK_EQ_INT(tx_le(p, 4), 0);
    CHECK_EQ_INT(p[4], 0); /* producer 1000: not asked for */
    CHECK_EQ_INT(p[5], 1); /* 1001, 1000 ms old */
    CHECK_EQ_INT(p[6], 0); /* Dead */
    /* Truncated input. */
    CHECK_EQ_INT(kd_txn_list_filter(in.p, (uint32_t)in.len - 1, T0), KD_ERR_INVALID_ARG);
    kb_free(&in);
}

static void test_registry(void)
{
    sqlite3 *c;
    sqlite3_open(":memory:", &c);
    kd_native_attach(DB + 1, c);
    CHECK_EQ_INT(kd_topics_open(DB + 1), 0);
    CHECK_EQ_INT(kd_txn_ids_register(DB + 1, (const uint8_t *)"b", 1, T0), 0);
    CHECK_EQ_INT(kd_txn_ids_register(DB + 1, (const uint8_t *)"a", 1, T0), 0);
    CHECK_EQ_INT(kd_txn_ids_register(DB + 1, (const uint8_t *)"a", 1, T0), 0);
    CHECK_EQ_INT(kd_txn_ids_register(DB + 1, (const uint8_t *)"", 0, T0), KD_INVALID_REQUEST);
    CHECK_EQ_INT(kd_txn_ids_list(DB + 1), 0);
    CHECK_EQ_INT(kd_out_len(), 4 + 3 + 3);
    CHECK(memcmp(kd_out_ptr() + 4, "\1\0a\1\0b", 6) == 0);
    kd_native_detach(DB + 1);
    sqlite3_close(c);
}

static void test_malformed_input(void)
{
    fresh();
    static const uint8_t junk[] = {5, 0, 'a'};
    CHECK_EQ_INT(kd_txn_init(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_txn_add(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_txn_end(DB, junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_txn_marked(DB, junk, sizeof junk), KD_ERR_INVALID_ARG);
    CHECK_EQ_INT(kd_txn_list_filter(junk, sizeof junk, T0), KD_ERR_INVALID_ARG);
    /* A coordinator holds one transactional id. */
    start();
    CHECK_EQ_INT(tx_init(DB, "another", 60000, -1, -1, 5, T0, NULL), KD_ERR_INVALID_ARG);
}

int main(void)
{
    RUN(test_new_id_starts_empty_at_epoch_0);
    RUN(test_init_refusals_store_nothing);
    RUN(test_reinit_bumps_epoch_and_fences);
    RUN(test_kip360_reinit_with_producer_id_and_epoch);
    RUN(test_exhausted_epoch_moves_to_a_new_producer_id);
    RUN(test_transaction_commit_marker_by_marker);
    RUN(test_end_without_a_transaction);
    RUN(test_abort_then_commit_is_invalid);
    RUN(test_init_during_a_transaction_fences_and_aborts_it);
    RUN(test_timeout_aborts_and_fences);
    RUN(test_errors_by_version);
    RUN(test_list_filter);
    RUN(test_registry);
    RUN(test_malformed_input);
    kd_native_detach(DB);
    sqlite3_close(conn);
    return CHECK_SUMMARY();
}
