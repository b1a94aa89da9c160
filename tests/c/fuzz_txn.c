/*
 * libFuzzer target: the transaction coordinator (txn_coordinator.c) driven by random
 * request sequences. Each input is a program: every step's first byte picks a request
 * (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, the host completing a
 * Prepare* state, the alarm, the clock, an epoch moved near exhaustion) and the bytes
 * after it its arguments, chosen among the producer's current and last ids and epochs
 * and a few others; a step whose first byte is 0xff hands the rest of the input, raw,
 * to one of the decoders. Each call runs in a savepoint rolled back when it fails, as
 * the Worker's binding does. After every step:
 *   - a refused call changed nothing (the description is byte for byte the same);
 *   - the state is one Kafka stores (never Dead or PrepareEpochFence), the epoch within
 *     int16, a producer's epoch never goes down, and InitProducerId never answers an
 *     epoch past the exhausted one;
 *   - only Ongoing and Prepare* hold partitions or groups; completing a Prepare* state
 *     leaves Complete* and nothing pending.
 * One in-memory database serves every input; each input runs in a transaction that is
 * rolled back at its end, so every input starts from no transaction at all.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "storage.h"
#include "txn_fixture.h"

#define DB 9
#define ID "fuzz-app"

static sqlite3 *conn;

static void sql(const char *statement)
{
    if (sqlite3_exec(conn, statement, NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

/* The call's result with the savepoint released, or rolled back when it failed. */
static int32_t settle(int32_t rc)
{
    sql(rc == 0 ? "RELEASE call" : "ROLLBACK TO call; RELEASE call");
    return rc;
}

/* The description as bytes, for comparing before and after a refused call. */
static size_t snapshot(uint8_t *buf, size_t cap)
{
    if (kd_txn_describe(DB) != 0)
        abort();
    size_t n = kd_out_len() < cap ? kd_out_len() : cap;
    memcpy(buf, kd_out_ptr(), n);
    return n;
}

typedef struct {
    const uint8_t *p;
    size_t n, at;
} program;

static uint8_t next(program *pr)
{
    return pr->at < pr->n ? pr->p[pr->at++] : 0;
}

static const char *const TOPICS[] = {"t0:0", "t0:1", "t1:0", "t1:3 t0:0", "", "t2:7"};
static const char *const GROUPS[] = {"g1", "g2", "g1 g2", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!conn) {
        sqlite3_open(":memory:", &conn);
        kd_native_attach(DB, conn);
        if (kd_txn_coordinator_open(DB) != 0)
            abort();
    }
    if (size > 4096)
        return 0;
    sql("BEGIN");
    program pr = {data, size, 0};
    int64_t now = 1700000000000LL, next_id = 1000;
    int64_t seen_id = -1;
    int seen_epoch = -1;
    while (pr.at < pr.n) {
        uint8_t op = next(&pr);
        tx_description d;
        if (tx_describe(DB, &d) != 0)
            abort();
        int64_t ids[] = {d.exists ? d.producer_id : 1000, 1000, 999, -1};
        int epochs[] = {d.exists ? d.epoch : 0, d.exists ? d.epoch - 1 : 0, 32766, -1, 0};
        uint8_t before[1024];
        size_t before_len = snapshot(before, sizeof before);
        sql("SAVEPOINT call");
        int32_t rc;
        if (op == 0xff) {
            /* The rest of the input, raw, to a decoder. */
            uint8_t which = next(&pr);
            const uint8_t *in = pr.p + pr.at;
            uint32_t len = (uint32_t)(pr.n - pr.at);
            pr.at = pr.n;
            switch (which % 5) {
            case 0: rc = kd_txn_init(DB, in, len, now); break;
            case 1: rc = kd_txn_add(DB, in, len, now); break;
            case 2: rc = kd_txn_end(DB, in, len, now); break;
            case 3: rc = kd_txn_marked(DB, in, len); break;
            default: rc = kd_txn_list_filter(in, len, now); break;
            }
            settle(rc);
            break;
        }
        int refusable = 1;
        switch (op % 9) {
        case 0: {
            /* InitProducerId: a timeout, maybe the producer's id and epoch. */
            static const int32_t timeouts[] = {60000, 0, 900001, 1000, 900000};
            int32_t timeout = timeouts[next(&pr) % 5];
            uint8_t who = next(&pr);
            int64_t expected_id = (who & 3) == 3 ? -1 : ids[who & 3];
            int16_t expected_epoch = (who & 3) == 3 ? -1 : (int16_t)epochs[(who >> 2) % 5];
            tx_init_out o;
            rc = tx_init(DB, ID, timeout, expected_id, expected_epoch, -1, now, &o);
            if (rc == 0 && o.outcome == KD_TXN_NEED_PRODUCER_ID) {
                rc = tx_init(DB, ID, timeout, expected_id, expected_epoch, next_id++, now, &o);
                if (rc == 0 && o.outcome == KD_TXN_NEED_PRODUCER_ID)
                    abort(); /* a producer id given is always enough */
            }
            if (rc == 0 && o.outcome == KD_TXN_DONE && (o.epoch < 0 || o.epoch > 32766 || o.producer_id < 1000))
                abort();
            break;
        }
        case 1:
        case 2: {
            uint8_t who = next(&pr);
            const char *topics = op % 9 == 1 ? TOPICS[next(&pr) % 6] : "";
            const char *groups = op % 9 == 2 ? GROUPS[next(&pr) % 4] : "";
            rc = tx_add(DB, ID, ids[who & 3], (int16_t)epochs[(who >> 2) % 5], topics, groups, now);
            break;
        }
        case 3: {
            uint8_t who = next(&pr);
            rc = tx_end(DB, ID, ids[who & 3], (int16_t)epochs[(who >> 2) % 5], who >> 7, now, NULL);
            break;
        }
        case 4: {
            /* The host completes a Prepare* state: some markers, maybe all and complete. */
            rc = kd_txn_pending(DB);
            if (rc == 0) {
                uint8_t how = next(&pr);
                int was_preparing = !strcmp(d.state, "PrepareCommit") || !strcmp(d.state, "PrepareAbort");
                if (how & 1) {
                    rc = tx_marked(DB, 0, "t0", 0);
                    if (rc == 0)
                        rc = tx_marked(DB, 1, "g1", 0);
                }
                if (rc == 0 && (how & 2)) {
                    rc = kd_txn_complete(DB, now);
                    if (rc == 0 && was_preparing) {
                        tx_description after;
                        if (tx_describe(DB, &after) != 0 || strncmp(after.state, "Complete", 8) != 0 ||
                            after.partitions || after.groups)
                            abort();
                    }
                }
            }
            refusable = 0;
            break;
        }
        case 5:
            rc = kd_txn_poll(DB, now);
            refusable = 0;
            break;
        case 6:
            now += (int64_t)next(&pr) * 1000;
            rc = 0;
            break;
        case 7:
            now += 900001;
            rc = 0;
            break;
        default:
            /* Near exhaustion, so that the fuzzer reaches the rotation in a few steps. */
            sqlite3_exec(conn, "UPDATE txn SET producer_epoch = 32765 WHERE producer_epoch >= 0", NULL, NULL, NULL);
            seen_epoch = -1;
            rc = 0;
            break;
        }
        if (settle(rc) != 0) {
            uint8_t after[1024];
            size_t after_len = snapshot(after, sizeof after);
            if (refusable && (after_len != before_len || memcmp(before, after, before_len) != 0))
                abort(); /* a refusal stored something */
        }
        if (tx_describe(DB, &d) != 0)
            abort();
        if (d.exists) {
            int empty_or_done = !strcmp(d.state, "Empty") || !strncmp(d.state, "Complete", 8);
            if (!strcmp(d.state, "Dead") || !strcmp(d.state, "PrepareEpochFence") || d.epoch < -1 || d.epoch > 32767 ||
                (empty_or_done && (d.partitions || d.groups)) || (!strcmp(d.state, "Ongoing") && d.start_ms < 0))
                abort();
            if (d.producer_id == seen_id && d.epoch < seen_epoch)
                abort(); /* an epoch went down */
            seen_id = d.producer_id;
            seen_epoch = d.epoch;
        }
    }
    sql("ROLLBACK");
    return 0;
}
