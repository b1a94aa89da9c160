/*
 * txn_coordinator.c — Kafka's transaction coordinator for one transactional id, in the
 * storage of its TransactionCoordinatorDO: the state machine of Kafka's
 * TransactionMetadata (Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,
 * CompleteAbort, Dead, PrepareEpochFence) and every rule of Kafka 3.x's
 * TransactionCoordinator (before KIP-890) for InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn and the timeout abort.
 *
 * The host does the I/O the rules ask for and calls back:
 *   - a new producer id (a new transactional id, or an exhausted epoch) comes from the
 *     cluster's allocator: kd_txn_init answers KD_TXN_NEED_PRODUCER_ID, storing
 *     nothing, and the host calls it again with one;
 *   - a Prepare* state is completed by the host (KD_TXN_DRIVE): it reads the work with
 *     kd_txn_pending, writes a marker on every partition and completes the offsets of
 *     every group (kd_txn_marked as each is done), then kd_txn_complete makes the state
 *     Complete*. Prepare* is stored before any of that, so a host that stops half-way
 *     finds it again (kd_txn_poll answers KD_TXN_DRIVE) and does it again; markers and
 *     offset completion are idempotent.
 *
 * Kafka's "pending transition" (a state being appended to its log) has no counterpart:
 * each call here is one storage transaction. PrepareEpochFence is that kind of state:
 * Kafka holds it only while it aborts the fenced transaction; here the fence and the
 * PrepareAbort it leads to are stored by the same call, so it is never seen stored.
 * Dead is a state Kafka's expiry of idle transactional ids (transactional.id.expiration.ms)
 * enters; Kafdo does not expire them, so nothing enters it either.
 *
 * Byte formats (little-endian; str = u16 length + bytes):
 *   init in:      str transactional_id, i32 timeout_ms, i64 expected_producer_id,
 *                 i16 expected_epoch (both -1: none, InitProducerId before v3),
 *                 i64 new_producer_id (-1: none allocated yet)
 *   init out:     u8 outcome, i64 producer_id, i16 epoch, i64 deadline
 *   add in:       str transactional_id, i64 producer_id, i16 epoch,
 *                 u32 n, (str topic, str topic_ref, i32 partition)*, u32 m, str group*
 *                 (topic_ref: the host's name for the topic's log, kept for the markers)
 *   add out:      i64 deadline
 *   end in:       str transactional_id, i64 producer_id, i16 epoch, u8 commit
 *   end out:      u8 outcome (KD_TXN_DONE: already complete; KD_TXN_DRIVE)
 *   pending out:  u8 state, i64 producer_id, i16 epoch,
 *                 u32 n, (str topic, str topic_ref, i32 partition)*, u32 m, str group*
 *   marked in:    u8 kind (0 partition, 1 group), str topic or group, i32 partition
 *   complete out: u8 state
 *   poll out:     u8 outcome (KD_TXN_DONE or KD_TXN_DRIVE), i64 deadline
 *   describe out: u8 exists, then when it does: str transactional_id, str state name,
 *                 i64 producer_id, i16 epoch, i32 timeout_ms, i64 start_ms, i64 update_ms,
 *                 u32 n, (str topic, i32 partition)*, u32 m, str group*
 *   A deadline is when the host's alarm should call kd_txn_poll, or -1 for none.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sql.h"

static const char *const SCHEMA[] = {
    "CREATE TABLE IF NOT EXISTS txn ("
    " id INTEGER PRIMARY KEY CHECK (id = 0),"
    " transactional_id TEXT NOT NULL,"
    " producer_id INTEGER NOT NULL,"
    " producer_epoch INTEGER NOT NULL,"
    " last_producer_id INTEGER NOT NULL,"
    " last_producer_epoch INTEGER NOT NULL,"
    " timeout_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " start_ms INTEGER NOT NULL,"
    " update_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS txn_partitions ("
    " topic TEXT NOT NULL,"
    " partition INTEGER NOT NULL,"
    " topic_ref TEXT NOT NULL,"
    " PRIMARY KEY (topic, partition))",
    "CREATE TABLE IF NOT EXISTS txn_groups (group_id TEXT PRIMARY KEY)",
};

static const char *const STATE_NAMES[KD_TXN_STATE_COUNT] = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
};

/* Kafka's TransactionMetadata, as stored. */
typedef struct {
    bool exists;
    int64_t producer_id, last_producer_id;
    int32_t epoch, last_epoch; /* int16 values; -1: none (RecordBatch.NO_PRODUCER_EPOCH) */
    int32_t timeout_ms;
    int32_t state;
    int64_t start_ms, update_ms;
} txn_meta;

int32_t kd_txn_coordinator_open(uint32_t db)
{
    kd_scratch_reset();
    return kd_sql_run_all(db, SCHEMA, sizeof SCHEMA / sizeof SCHEMA[0]);
}

/* Kafka's TransactionMetadata.isEpochExhausted: the last epochs are kept for the fence. */
static bool epoch_exhausted(int32_t epoch)
{
    return epoch >= INT16_MAX - 1;
}

static bool preparing(int32_t state)
{
    return state == KD_TXN_PREPARE_COMMIT || state == KD_TXN_PREPARE_ABORT;
}

/* Loads the metadata of `id`; a coordinator holds one transactional id, and another
 * id here is the host's mistake. */
static int32_t load(uint32_t db, kd_str id, txn_meta *m)
{
    memset(m, 0, sizeof *m);
    int32_t stmt =
        kd_sql_prepare(db, "SELECT producer_id, producer_epoch, last_producer_id, last_producer_epoch,"
                           " timeout_ms, state, start_ms, update_ms, transactional_id FROM txn WHERE id = 0");
    if (stmt < 0)
        return stmt;
    int32_t rc = kd_sql_step(stmt, "reading the transaction");
    if (rc == 1) {
        m->exists = true;
        m->producer_id = kd_host_column_int64(stmt, 0);
        m->epoch = (int32_t)kd_host_column_int64(stmt, 1);
        m->last_producer_id = kd_host_column_int64(stmt, 2);
        m->last_epoch = (int32_t)kd_host_column_int64(stmt, 3);
        m->timeout_ms = (int32_t)kd_host_column_int64(stmt, 4);
        m->state = (int32_t)kd_host_column_int64(stmt, 5);
        m->start_ms = kd_host_column_int64(stmt, 6);
        m->update_ms = kd_host_column_int64(stmt, 7);
        int32_t n = kd_host_column_bytes(stmt, 8);
        uint8_t stored[KD_MAX_TRANSACTIONAL_ID_BYTES];
        bool same = id.len == 0 || (n == id.len && kd_host_column_copy(stmt, 8, stored, sizeof stored) == n &&
                                    memcmp(stored, id.p, id.len) == 0);
        rc = 0;
        if (m->state < 0 || m->state >= KD_TXN_STATE_COUNT)
            rc = kd_fail(KD_ERR_STORAGE, "the stored transaction state %d is unknown", (int)m->state);
        else if (!same)
            rc = kd_fail(KD_ERR_INVALID_ARG, "this coordinator holds another transactional id");
    }
    kd_host_finalize(stmt);
    return rc < 0 ? rc : 0;
}

static int32_t store(uint32_t db, kd_str id, const txn_meta *m)
{
    return kd_sql_exec(kd_sql_prepare_args(
        db,
        "INSERT OR REPLACE INTO txn (id, transactional_id, producer_id, producer_epoch,"
        " last_producer_id, last_producer_epoch, timeout_ms, state, start_ms, update_ms)"
        " VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "siiiiiiii", &id, m->producer_id, (int64_t)m->epoch, m->last_producer_id, (int64_t)m->last_epoch,
        (int64_t)m->timeout_ms, (int64_t)m->state, m->start_ms, m->update_ms));
}

static int32_t clear_members(uint32_t db)
{
    int32_t rc = kd_sql_run(db, "DELETE FROM txn_partitions");
    return rc ? rc : kd_sql_run(db, "DELETE FROM txn_groups");
}

/* Kafka's prepareTransitionTo: the producer id held before the transition becomes the
 * last one. */
static void transition(txn_meta *m, int32_t state, int64_t producer_id, int32_t epoch, int32_t last_epoch,
                       int64_t now_ms)
{
    m->last_producer_id = m->producer_id;
    m->producer_id = producer_id;
    m->epoch = epoch;
    m->last_epoch = last_epoch;
    m->state = state;
    m->update_ms = now_ms;
}

/* An Ongoing transaction's alarm: Kafka aborts it once start + timeout < now. */
static int64_t deadline_of(const txn_meta *m)
{
    if (m->state == KD_TXN_ONGOING)
        return m->start_ms + m->timeout_ms + 1;
    return -1;
}

/* Kafka's prepareFenceProducerEpoch then endTransaction(ABORT, isFromClient = false): the
 * producer's epoch is bumped (fencing it) and the transaction moves to PrepareAbort
 * under the new epoch, its partitions kept for the markers. */
static void fence_and_abort(txn_meta *m, int64_t now_ms)
{
    int32_t fenced = m->epoch < INT16_MAX ? m->epoch + 1 : m->epoch;
    transition(m, KD_TXN_PREPARE_EPOCH_FENCE, m->producer_id, fenced, -1, now_ms);
    transition(m, KD_TXN_PREPARE_ABORT, m->producer_id, fenced, -1, now_ms);
}

static int32_t out_init(uint8_t outcome, const txn_meta *m)
{
    bool ok = kd_out_u8(outcome) && kd_out_i64(outcome == KD_TXN_DONE ? m->producer_id : -1) &&
              kd_out_i16((int16_t)(outcome == KD_TXN_DONE ? m->epoch : -1)) && kd_out_i64(deadline_of(m));
    return ok ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

static int32_t check_transactional_id(kd_str id)
{
    if (id.len == 0)
        return kd_fail(KD_INVALID_REQUEST, "a transactional id is not empty");
    return kd_printable_id_check(id.p, id.len, KD_MAX_TRANSACTIONAL_ID_BYTES, KD_INVALID_REQUEST, "transactional id");
}

int32_t kd_txn_init(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str id;
    int32_t timeout_ms;
    int64_t expected_id, new_id;
    int16_t expected_epoch;
    if (!kd_le_str(&r, &id) || !kd_le_i32(&r, &timeout_ms) || !kd_le_i64(&r, &expected_id) ||
        !kd_le_i16(&r, &expected_epoch) || !kd_le_i64(&r, &new_id) || r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "malformed InitProducerId input");
    int32_t rc = check_transactional_id(id);
    if (rc)
        return rc;
    if (timeout_ms <= 0 || timeout_ms > KD_TXN_MAX_TIMEOUT_MS)
        return kd_fail(KD_INVALID_TRANSACTION_TIMEOUT, "transaction.timeout.ms is 1 to %d, not %d",
                       KD_TXN_MAX_TIMEOUT_MS, (int)timeout_ms);
    /* KafkaApis: a producer id and epoch are given together or not at all. */
    bool expected = expected_id != -1 || expected_epoch != -1;
    if (expected && (expected_id < 0 || expected_epoch < 0))
        return kd_fail(KD_INVALID_REQUEST, "InitProducerId gives both a producer id and an epoch, or neither");
    if (new_id < -1)
        return kd_fail(KD_ERR_INVALID_ARG, "a new producer id is not negative");
    txn_meta m;
    if ((rc = load(db, id, &m)))
        return rc;
    if (!m.exists) {
        if (new_id < 0)
            return out_init(KD_TXN_NEED_PRODUCER_ID, &m);
        m = (txn_meta){true, new_id, -1, -1, -1, timeout_ms, KD_TXN_EMPTY, -1, now_ms};
        new_id = -1;
    }
    /* isValidProducerId: a fresh metadata, the same producer id, or a retry of an epoch
     * bump that moved the producer to a new id. */
    if (expected && !(m.epoch == -1 || expected_id == m.producer_id ||
                      (expected_id == m.last_producer_id && epoch_exhausted(expected_epoch))))
        return kd_fail(KD_PRODUCER_FENCED, "producer %lld epoch %d is not this transactional id's producer",
                       (long long)expected_id, (int)expected_epoch);
    switch (m.state) {
    case KD_TXN_PREPARE_COMMIT:
    case KD_TXN_PREPARE_ABORT: return kd_fail(KD_CONCURRENT_TRANSACTIONS, "the last transaction is still completing");
    case KD_TXN_ONGOING:
        /* The transaction is aborted first, under an epoch never given to a producer;
         * the client is told to retry, and its retry bumps the epoch again (or, with
         * the epochs exhausted, moves to a new producer id). */
        fence_and_abort(&m, now_ms);
        if ((rc = store(db, id, &m)))
            return rc;
        return out_init(KD_TXN_DRIVE, &m);
    case KD_TXN_EMPTY:
    case KD_TXN_COMPLETE_COMMIT:
    case KD_TXN_COMPLETE_ABORT: break;
    default: return kd_fail(KD_ERR_STORAGE, "the transaction is stored in state %s", STATE_NAMES[m.state]);
    }
    if (epoch_exhausted(m.epoch) && (!expected || expected_epoch == m.epoch)) {
        /* prepareProducerIdRotation: a new producer id at epoch 0. */
        if (new_id < 0)
            return out_init(KD_TXN_NEED_PRODUCER_ID, &m);
        transition(&m, KD_TXN_EMPTY, new_id, 0, expected ? m.epoch : -1, now_ms);
    } else if (!expected) {
        /* prepareIncrementProducerEpoch for a new producer: fences every older one. */
        if (epoch_exhausted(m.epoch))
            return kd_fail(KD_ERR_STORAGE, "producer %lld has no epoch left", (long long)m.producer_id);
        transition(&m, KD_TXN_EMPTY, m.producer_id, m.epoch + 1, -1, now_ms);
    } else if (m.epoch == -1 || expected_epoch == m.epoch) {
        /* The producer resumes after an error (KIP-360) and no other took its place. */
        transition(&m, KD_TXN_EMPTY, m.producer_id, m.epoch + 1, m.epoch, now_ms);
    } else if (expected_epoch == m.last_epoch) {
        /* A retry of a bump whose answer was lost: the epoch it made, unchanged. */
        transition(&m, KD_TXN_EMPTY, m.producer_id, m.epoch, m.last_epoch, now_ms);
    } else {
        return kd_fail(KD_PRODUCER_FENCED, "epoch %d is neither the producer's current %d nor its last %d",
                       (int)expected_epoch, (int)m.epoch, (int)m.last_epoch);
    }
    m.timeout_ms = timeout_ms;
    m.start_ms = -1;
    if ((rc = clear_members(db)) || (rc = store(db, id, &m)))
        return rc;
    return out_init(KD_TXN_DONE, &m);
}

/* The checks every request of a producer's transaction passes (AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn): its producer id, then its epoch. */
static int32_t check_producer(const txn_meta *m, int64_t producer_id, int16_t epoch)
{
    if (!m->exists || m->producer_id != producer_id)
        return kd_fail(KD_INVALID_PRODUCER_ID_MAPPING, "producer %lld does not hold this transactional id",
                       (long long)producer_id);
    if (m->epoch != epoch)
        return kd_fail(KD_PRODUCER_FENCED, "epoch %d is not the producer's current epoch %d", (int)epoch,
                       (int)m->epoch);
    return 0;
}

static int32_t read_members(kd_le_reader *r, uint32_t *partitions, uint32_t *groups, bool *invalid)
{
    kd_str s;
    int32_t p;
    if (!kd_le_u32(r, partitions))
        return -1;
    for (uint32_t i = 0; i < *partitions; i++) {
        kd_str ref;
        if (!kd_le_str(r, &s) || !kd_le_str(r, &ref) || !kd_le_i32(r, &p))
            return -1;
        if (p < 0 || kd_check_topic_name(s.p, s.len) != 0)
            *invalid = true;
    }
    if (!kd_le_u32(r, groups))
        return -1;
    for (uint32_t i = 0; i < *groups; i++) {
        if (!kd_le_str(r, &s))
            return -1;
        if (s.len == 0 || s.len > KD_MAX_GROUP_ID_BYTES)
            *invalid = true;
    }
    return r->pos == r->len ? 0 : -1;
}

/* Whether every partition and group named is in the transaction already. */
static int32_t all_present(uint32_t db, kd_le_reader r, uint32_t partitions, uint32_t groups, bool *present)
{
    *present = true;
    kd_str s, ref;
    int32_t p;
    int64_t n;
    int found;
    kd_le_u32(&r, &partitions);
    for (uint32_t i = 0; i < partitions && *present; i++) {
        kd_le_str(&r, &s);
        kd_le_str(&r, &ref);
        kd_le_i32(&r, &p);
        int32_t rc = kd_sql_one_i64(kd_sql_prepare_args(db,
                                                        "SELECT COUNT(*) FROM txn_partitions WHERE topic = ?1"
                                                        " AND partition = ?2",
                                                        "si", &s, (int64_t)p),
                                    &n, &found);
        if (rc)
            return rc;
        *present = n > 0;
    }
    kd_le_u32(&r, &groups);
    for (uint32_t i = 0; i < groups && *present; i++) {
        kd_le_str(&r, &s);
        int32_t rc = kd_sql_one_i64(
            kd_sql_prepare_args(db, "SELECT COUNT(*) FROM txn_groups WHERE group_id = ?1", "s", &s), &n, &found);
        if (rc)
            return rc;
        *present = n > 0;
    }
    return 0;
}

static int32_t insert_members(uint32_t db, kd_le_reader r)
{
    uint32_t partitions, groups;
    kd_str s, ref;
    int32_t p, rc;
    kd_le_u32(&r, &partitions);
    for (uint32_t i = 0; i < partitions; i++) {
        kd_le_str(&r, &s);
        kd_le_str(&r, &ref);
        kd_le_i32(&r, &p);
        rc = kd_sql_exec(kd_sql_prepare_args(
            db, "INSERT OR IGNORE INTO txn_partitions (topic, partition, topic_ref) VALUES (?1, ?2, ?3)", "sis", &s,
            (int64_t)p, &ref));
        if (rc)
            return rc;
    }
    kd_le_u32(&r, &groups);
    for (uint32_t i = 0; i < groups; i++) {
        kd_le_str(&r, &s);
        rc = kd_sql_exec(kd_sql_prepare_args(db, "INSERT OR IGNORE INTO txn_groups (group_id) VALUES (?1)", "s", &s));
        if (rc)
            return rc;
    }
    return 0;
}

int32_t kd_txn_add(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str id;
    int64_t producer_id;
    int16_t epoch;
    uint32_t partitions = 0, groups = 0;
    bool invalid = false;
    if (!kd_le_str(&r, &id) || !kd_le_i64(&r, &producer_id) || !kd_le_i16(&r, &epoch))
        return kd_fail(KD_ERR_INVALID_ARG, "malformed AddPartitionsToTxn input");
    kd_le_reader members = r;
    if (read_members(&r, &partitions, &groups, &invalid))
        return kd_fail(KD_ERR_INVALID_ARG, "malformed AddPartitionsToTxn input");
    int32_t rc = check_transactional_id(id);
    if (rc)
        return rc;
    if (invalid)
        return kd_fail(KD_INVALID_REQUEST, "a partition index is not negative, a topic or group name is valid");
    txn_meta m;
    if ((rc = load(db, id, &m)) || (rc = check_producer(&m, producer_id, epoch)))
        return rc;
    if (preparing(m.state))
        return kd_fail(KD_CONCURRENT_TRANSACTIONS, "the last transaction is still completing");
    if (m.state != KD_TXN_ONGOING && m.state != KD_TXN_EMPTY && m.state != KD_TXN_COMPLETE_COMMIT &&
        m.state != KD_TXN_COMPLETE_ABORT)
        return kd_fail(KD_ERR_STORAGE, "the transaction is stored in state %s", STATE_NAMES[m.state]);
    bool present = false;
    if (m.state == KD_TXN_ONGOING && (rc = all_present(db, members, partitions, groups, &present)))
        return rc;
    if (!present) {
        /* prepareAddPartitions: a transaction begins with its first partition. */
        if (m.state != KD_TXN_ONGOING)
            m.start_ms = now_ms;
        transition(&m, KD_TXN_ONGOING, m.producer_id, m.epoch, m.last_epoch, now_ms);
        if ((rc = insert_members(db, members)) || (rc = store(db, id, &m)))
            return rc;
    }
    return kd_out_i64(deadline_of(&m)) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_txn_end(uint32_t db, const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    kd_str id;
    int64_t producer_id;
    int16_t epoch;
    const uint8_t *commit_byte;
    if (!kd_le_str(&r, &id) || !kd_le_i64(&r, &producer_id) || !kd_le_i16(&r, &epoch) ||
        !kd_le_bytes(&r, 1, &commit_byte) || r.pos != r.len || *commit_byte > 1)
        return kd_fail(KD_ERR_INVALID_ARG, "malformed EndTxn input");
    bool commit = *commit_byte == 1;
    int32_t rc = check_transactional_id(id);
    txn_meta m;
    if (rc || (rc = load(db, id, &m)) || (rc = check_producer(&m, producer_id, epoch)))
        return rc;
    const char *asked = commit ? "commit" : "abort";
    uint8_t outcome = KD_TXN_DONE;
    switch (m.state) {
    case KD_TXN_ONGOING:
        transition(&m, commit ? KD_TXN_PREPARE_COMMIT : KD_TXN_PREPARE_ABORT, m.producer_id, m.epoch, m.last_epoch,
                   now_ms);
        if ((rc = store(db, id, &m)))
            return rc;
        outcome = KD_TXN_DRIVE;
        break;
    case KD_TXN_COMPLETE_COMMIT:
    case KD_TXN_COMPLETE_ABORT:
        /* A retry of the EndTxn that completed it is answered as that one was. */
        if (commit != (m.state == KD_TXN_COMPLETE_COMMIT))
            return kd_fail(KD_INVALID_TXN_STATE, "cannot %s: the transaction is %s", asked, STATE_NAMES[m.state]);
        break;
    case KD_TXN_PREPARE_COMMIT:
    case KD_TXN_PREPARE_ABORT:
        if (commit != (m.state == KD_TXN_PREPARE_COMMIT))
            return kd_fail(KD_INVALID_TXN_STATE, "cannot %s: the transaction is %s", asked, STATE_NAMES[m.state]);
        return kd_fail(KD_CONCURRENT_TRANSACTIONS, "the transaction is still completing");
    case KD_TXN_EMPTY: return kd_fail(KD_INVALID_TXN_STATE, "cannot %s: no transaction has begun", asked);
    default: return kd_fail(KD_ERR_STORAGE, "the transaction is stored in state %s", STATE_NAMES[m.state]);
    }
    return kd_out_u8(outcome) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

/* Writes `sql`'s rows of (str, [str,] i32) or (str) as the pending / describe lists. */
static int32_t out_rows(uint32_t db, const char *sql, int columns)
{
    size_t at = kd_out_size();
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    int32_t stmt = kd_sql_prepare(db, sql);
    if (stmt < 0)
        return stmt;
    uint32_t count = 0;
    int32_t rc;
    while ((rc = kd_sql_step(stmt, "listing the transaction's members")) == 1) {
        for (int c = 0; c < columns; c++) {
            if (kd_host_column_type(stmt, (uint32_t)c) == KD_COL_INTEGER) {
                if (!kd_out_i32((int32_t)kd_host_column_int64(stmt, (uint32_t)c)))
                    rc = kd_fail(KD_ERR_NOMEM, "out of memory");
                continue;
            }
            int32_t n = kd_host_column_bytes(stmt, (uint32_t)c);
            uint8_t *p = n >= 0 && n <= UINT16_MAX ? kd_out_reserve(2 + (size_t)n) : NULL;
            if (!p) {
                rc = kd_fail(KD_ERR_STORAGE, "a stored name does not fit");
                break;
            }
            p[0] = (uint8_t)n;
            p[1] = (uint8_t)(n >> 8);
            kd_host_column_copy(stmt, (uint32_t)c, p + 2, (uint32_t)n);
        }
        if (rc < 0)
            break;
        count++;
    }
    kd_host_finalize(stmt);
    if (rc)
        return rc;
    kd_out_patch_u32(at, count);
    return 0;
}

int32_t kd_txn_pending(uint32_t db)
{
    kd_scratch_reset();
    txn_meta m;
    kd_str any = {NULL, 0};
    int32_t rc = load(db, any, &m);
    if (rc)
        return rc;
    if (!kd_out_u8((uint8_t)(m.exists ? m.state : KD_TXN_EMPTY)) || !kd_out_i64(m.exists ? m.producer_id : -1) ||
        !kd_out_i16((int16_t)(m.exists ? m.epoch : -1)))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (!preparing(m.state) || !m.exists)
        return kd_out_u32(0) && kd_out_u32(0) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
    rc = out_rows(db, "SELECT topic, topic_ref, partition FROM txn_partitions ORDER BY topic, partition", 3);
    return rc ? rc : out_rows(db, "SELECT group_id FROM txn_groups ORDER BY group_id", 1);
}

int32_t kd_txn_marked(uint32_t db, const uint8_t *in, uint32_t in_len)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    const uint8_t *kind;
    kd_str name;
    int32_t partition;
    if (!kd_le_bytes(&r, 1, &kind) || *kind > 1 || !kd_le_str(&r, &name) || !kd_le_i32(&r, &partition) ||
        r.pos != r.len)
        return kd_fail(KD_ERR_INVALID_ARG, "malformed marker input");
    txn_meta m;
    kd_str any = {NULL, 0};
    int32_t rc = load(db, any, &m);
    /* Only a transaction being completed loses its members one by one. */
    if (rc || !m.exists || !preparing(m.state))
        return rc;
    if (*kind == 1)
        return kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM txn_groups WHERE group_id = ?1", "s", &name));
    return kd_sql_exec(kd_sql_prepare_args(db, "DELETE FROM txn_partitions WHERE topic = ?1 AND partition = ?2", "si",
                                           &name, (int64_t)partition));
}

int32_t kd_txn_complete(uint32_t db, int64_t now_ms)
{
    kd_scratch_reset();
    txn_meta m;
    kd_str any = {NULL, 0};
    int32_t rc = load(db, any, &m);
    if (rc)
        return rc;
    if (m.exists && preparing(m.state)) {
        /* prepareComplete: the start time stays, for DescribeTransactions. */
        int32_t done = m.state == KD_TXN_PREPARE_COMMIT ? KD_TXN_COMPLETE_COMMIT : KD_TXN_COMPLETE_ABORT;
        transition(&m, done, m.producer_id, m.epoch, m.last_epoch, now_ms);
        /* The id stored is kept as it is (load compared nothing): rewrite the row's
         * other columns only. */
        rc = kd_sql_exec(kd_sql_prepare_args(db, "UPDATE txn SET state = ?1, update_ms = ?2 WHERE id = 0", "ii",
                                             (int64_t)m.state, now_ms));
        if (rc || (rc = clear_members(db)))
            return rc;
    }
    return kd_out_u8((uint8_t)(m.exists ? m.state : KD_TXN_EMPTY)) ? 0 : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_txn_poll(uint32_t db, int64_t now_ms)
{
    kd_scratch_reset();
    txn_meta m;
    kd_str any = {NULL, 0};
    int32_t rc = load(db, any, &m);
    if (rc)
        return rc;
    uint8_t outcome = KD_TXN_DONE;
    if (m.exists && preparing(m.state)) {
        outcome = KD_TXN_DRIVE; /* left by a host that stopped before completing it */
    } else if (m.exists && m.state == KD_TXN_ONGOING && m.start_ms + m.timeout_ms < now_ms) {
        /* abortTimedOutTransactions: the producer is fenced and its transaction aborted. */
        fence_and_abort(&m, now_ms);
        rc = kd_sql_exec(kd_sql_prepare_args(db,
                                             "UPDATE txn SET state = ?1, producer_epoch = ?2, last_producer_epoch = ?3,"
                                             " last_producer_id = ?4, update_ms = ?5 WHERE id = 0",
                                             "iiiii", (int64_t)m.state, (int64_t)m.epoch, (int64_t)m.last_epoch,
                                             m.last_producer_id, now_ms));
        if (rc)
            return rc;
        outcome = KD_TXN_DRIVE;
    }
    return kd_out_u8(outcome) && kd_out_i64(m.exists ? deadline_of(&m) : -1) ? 0
                                                                             : kd_fail(KD_ERR_NOMEM, "out of memory");
}

int32_t kd_txn_describe(uint32_t db)
{
    kd_scratch_reset();
    txn_meta m;
    kd_str any = {NULL, 0};
    int32_t rc = load(db, any, &m);
    if (rc)
        return rc;
    if (!kd_out_u8(m.exists))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    if (!m.exists)
        return 0;
    uint8_t *id = NULL;
    uint32_t id_len = 0;
    rc = kd_sql_one_dup(kd_sql_prepare(db, "SELECT transactional_id FROM txn WHERE id = 0"), &id, &id_len);
    if (rc)
        return rc;
    const char *name = STATE_NAMES[m.state];
    bool ok = kd_out_str(id, id_len) && kd_out_str((const uint8_t *)name, strlen(name)) && kd_out_i64(m.producer_id) &&
              kd_out_i16((int16_t)m.epoch) && kd_out_i32(m.timeout_ms) && kd_out_i64(m.start_ms) &&
              kd_out_i64(m.update_ms);
    free(id);
    if (!ok)
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    rc = out_rows(db, "SELECT topic, partition FROM txn_partitions ORDER BY topic, partition", 2);
    return rc ? rc : out_rows(db, "SELECT group_id FROM txn_groups ORDER BY group_id", 1);
}

/*
 * ListTransactions' filters (TransactionStateManager.listTransactionStates) over the
 * host's list of transactions. In: u32 n, str state_filter*, u32 n, i64
 * producer_id_filter*, i64 duration_filter_ms (< 0: none), u32 n, (str state name, i64
 * producer_id, i64 start_ms)*. Out: u32 n, str unknown_state_filter*, then u8 keep per
 * transaction. Dead is never listed; a state filter that names no state is reported
 * unknown, and keeps nothing when it is the only one.
 */
int32_t kd_txn_list_filter(const uint8_t *in, uint32_t in_len, int64_t now_ms)
{
    kd_scratch_reset();
    kd_le_reader r = {in, in_len, 0};
    uint32_t nstates, npids, ntxns;
    uint8_t wanted[KD_TXN_STATE_COUNT] = {0};
    if (!kd_le_u32(&r, &nstates))
        return kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
    if (!kd_out_u32(0))
        return kd_fail(KD_ERR_NOMEM, "out of memory");
    uint32_t unknown = 0;
    for (uint32_t i = 0; i < nstates; i++) {
        kd_str s;
        if (!kd_le_str(&r, &s))
            return kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
        int found = -1;
        for (int k = 0; k < KD_TXN_STATE_COUNT; k++)
            if (strlen(STATE_NAMES[k]) == s.len && memcmp(STATE_NAMES[k], s.p, s.len) == 0)
                found = k;
        if (found >= 0) {
            wanted[found] = 1;
        } else {
            if (!kd_out_str(s.p, s.len))
                return kd_fail(KD_ERR_NOMEM, "out of memory");
            unknown++;
        }
    }
    kd_out_patch_u32(0, unknown);
    if (!kd_le_u32(&r, &npids) || npids > (r.len - r.pos) / 8)
        return kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
    const uint8_t *pids;
    int64_t duration;
    kd_le_bytes(&r, (size_t)npids * 8, &pids);
    if (!kd_le_i64(&r, &duration) || !kd_le_u32(&r, &ntxns))
        return kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
    for (uint32_t i = 0; i < ntxns; i++) {
        kd_str state;
        int64_t producer_id, start_ms;
        if (!kd_le_str(&r, &state) || !kd_le_i64(&r, &producer_id) || !kd_le_i64(&r, &start_ms))
            return kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
        int s = -1;
        for (int k = 0; k < KD_TXN_STATE_COUNT; k++)
            if (strlen(STATE_NAMES[k]) == state.len && memcmp(STATE_NAMES[k], state.p, state.len) == 0)
                s = k;
        bool keep = s >= 0 && s != KD_TXN_DEAD;
        if (keep && npids > 0) {
            bool match = false;
            for (uint32_t k = 0; k < npids && !match; k++) {
                kd_le_reader pr = {pids + (size_t)k * 8, 8, 0};
                int64_t v;
                kd_le_i64(&pr, &v);
                match = v == producer_id;
            }
            keep = match;
        }
        if (keep && nstates > 0)
            keep = wanted[s];
        if (keep && duration >= 0)
            keep = now_ms - start_ms > duration;
        if (!kd_out_u8(keep))
            return kd_fail(KD_ERR_NOMEM, "out of memory");
    }
    return r.pos == r.len ? 0 : kd_fail(KD_ERR_INVALID_ARG, "malformed ListTransactions input");
}

int32_t kd_txn_error_for_version(int16_t api_key, int16_t api_version, int32_t code)
{
    /* KIP-588: PRODUCER_FENCED is new in these versions; older clients know the fence
     * as INVALID_PRODUCER_EPOCH (KafkaApis converts it the same way). */
    if (code != KD_PRODUCER_FENCED)
        return code;
    bool old =
        (api_key == 22 && api_version < 4) || ((api_key == 24 || api_key == 25 || api_key == 26) && api_version < 2);
    return old ? KD_INVALID_PRODUCER_EPOCH : code;
}
