/*
 * libFuzzer target: a partition's transactions (txn_log.c). An arbitrary program of
 * transactional and plain appends, COMMIT / ABORT markers (their epochs and coordinator
 * epochs arbitrary), DeleteRecords, and reads and fetches at either isolation level, over
 * an in-memory SQLite, each call in a transaction as the Worker's shim makes it; a
 * model of the partition follows along and the core must agree with it.
 *
 * Input: 8-byte instructions: u8 op, u8 producer, u8 epoch, u8 arg, i32 value (LE):
 *   op % 4 == 0  append (arg / 2 % 4) + 1 records of producer (producer % 4), epoch
 *                (epoch % 4), transactional when arg & 1, at the sequence that follows
 *                its last (or at `value` when arg & 0x80)
 *   op % 4 == 1  a marker for that producer and epoch: commit when arg & 1, coordinator
 *                epoch (arg / 2 % 4) - 1
 *   op % 4 == 2  a read (arg & 1: read_committed) and a fetch (arg & 2: read_committed)
 *                from offset `value` % (high watermark + 2), at most (arg / 4) + 1 records
 *   op % 4 == 3  DeleteRecords to offset `value` % (high watermark + 1); on a compacted
 *                log, when op & 4, a compaction step (compaction.c) instead
 * The log is compacted (every record has key "k") when the first byte has bit 0x80.
 * After every instruction:
 *   - log start <= LSO <= high watermark, and the LSO is the model's: the first offset
 *     of the earliest open transaction (not below the log start), else the high watermark;
 *   - a read never gives a marker's offset; under read_committed, never an offset at or
 *     past the LSO nor one of an aborted transaction;
 *   - a fetch under read_committed gives only batches below the LSO, and its output's
 *     length is what its counts say.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "internal.h"
#include "kd_list.h"
#include "record_batch.h"
#include "storage.h"

#define DB 1
#define PRODUCERS 4
#define MAX_OFFSETS 2048
#define NOW 1700000000000
/* A compaction step a month on (past segment.ms and delete.retention.ms). */
#define COMPACT_AT (NOW + 86400000LL * 30)

typedef struct {
    int op;
    int64_t pid;
    int32_t epoch, arg, value;
    kbuf sets;
} instruction;

static int32_t run(void *p)
{
    instruction *in = p;
    switch (in->op) {
    case 0: return kd_log_append(DB, in->sets.p, (uint32_t)in->sets.len, NOW, 1 << 20);
    case 1: return kd_log_write_txn_marker(DB, in->pid, in->epoch, in->arg & 1, (in->arg / 2 % 4) - 1, NOW);
    case 4: return kd_log_compact(DB, COMPACT_AT, 1000);
    default: return kd_log_delete_records(DB, in->value);
    }
}

/* The model: per offset, whose transactional record it is, a marker, aborted. */
typedef struct {
    int8_t owner[MAX_OFFSETS]; /* producer index + 1 of a transactional record; 0 none */
    uint8_t marker[MAX_OFFSETS], aborted[MAX_OFFSETS];
    int64_t open_first[PRODUCERS];
    int32_t next_seq[PRODUCERS], epoch[PRODUCERS];
    int64_t log_start, hw;
} model;

static int64_t model_lso(const model *m)
{
    int64_t lso = m->hw;
    for (int i = 0; i < PRODUCERS; i++)
        if (m->open_first[i] >= 0 && m->open_first[i] < lso)
            lso = m->open_first[i];
    return lso < m->log_start ? m->log_start : lso;
}

static void check_state(const model *m)
{
    if (kd_log_txn_state(DB) != 0)
        abort();
    const uint8_t *p = kd_out_ptr();
    int64_t start = (int64_t)rd_le(p, 8), hw = (int64_t)rd_le(p + 8, 8), lso = (int64_t)rd_le(p + 16, 8);
    if (start != m->log_start || hw != m->hw || lso != model_lso(m) || lso < start || lso > hw)
        abort();
}

/* On a compacted log, key "k"'s latest value is its latest committed record: never a
 * marker, an aborted record or one of an open transaction; none below the log start. */
static void check_latest(const model *m)
{
    int64_t latest = -1;
    for (int64_t o = m->log_start; o < m->hw; o++) {
        int owner = m->owner[o];
        bool open = owner > 0 && m->open_first[owner - 1] >= 0 && o >= m->open_first[owner - 1];
        if (!m->marker[o] && !m->aborted[o] && !open)
            latest = o;
    }
    if (kd_log_key_lookup(DB, (const uint8_t *)"k", 1) != 0)
        abort();
    uint32_t count = (uint32_t)rd_le(kd_out_ptr() + 16, 4);
    if (count != (latest >= 0) || (count == 1 && (int64_t)rd_le(kd_out_ptr() + 20, 8) != latest))
        abort();
}

static void check_read(const model *m, int64_t offset, int32_t arg)
{
    int committed = arg & 1;
    int64_t lso = model_lso(m);
    if (kd_log_read_isolated(DB, offset, (uint32_t)(arg / 4) + 1, 1 << 20, committed) == 0) {
        const uint8_t *p = kd_out_ptr();
        size_t len = kd_out_len(), at = 36;
        int64_t skipped_to = (int64_t)rd_le(p + 24, 8);
        uint32_t count = (uint32_t)rd_le(p + 32, 4);
        if (skipped_to < offset || (committed && count == 0 && skipped_to > lso && skipped_to > offset))
            abort();
        for (uint32_t i = 0; i < count; i++) {
            if (at + 24 > len)
                abort();
            int64_t o = (int64_t)rd_le(p + at, 8);
            if (o < offset || o >= m->hw || m->marker[o] || (committed && (o >= lso || m->aborted[o])))
                abort();
            at += 16;
            int32_t k = (int32_t)rd_le(p + at, 4);
            at += 4 + (k > 0 ? (size_t)k : 0);
            int32_t v = (int32_t)rd_le(p + at, 4);
            at += 4 + (v > 0 ? (size_t)v : 0) + 4; /* no headers */
        }
        if (at != len)
            abort();
    }
    committed = (arg & 2) != 0;
    if (kd_log_fetch_isolated(DB, offset, 1 << 20, 1, committed) == 0) {
        const uint8_t *p = kd_out_ptr();
        uint32_t batches = (uint32_t)rd_le(p + 24, 4);
        if (28 + (size_t)batches + 4 > kd_out_len())
            abort();
        uint32_t aborted = (uint32_t)rd_le(p + 28 + batches, 4);
        if (kd_out_len() != 28 + (size_t)batches + 4 + 16 * (size_t)aborted || (!committed && aborted))
            abort();
        for (size_t pos = 0; pos < batches;) {
            kd_batch b;
            if (kd_batch_read(p + 28 + pos, batches - pos, &b) != 0 || (committed && b.base_offset >= lso))
                abort();
            pos += b.size;
        }
    }
}

static void append(model *m, instruction *in, int pi)
{
    bool transactional = in->arg & 1;
    uint32_t n = (uint32_t)(in->arg / 2 % 4) + 1;
    int32_t seq = (in->arg & 0x80) ? in->value : in->epoch == m->epoch[pi] ? m->next_seq[pi] : 0;
    kbuf batch = {0};
    kparams params = kparams_default();
    params.producer_id = in->pid;
    params.producer_epoch = (int16_t)in->epoch;
    params.base_sequence = seq;
    params.attributes = transactional ? KD_ATTR_TRANSACTIONAL : 0;
    kb_params(&batch, params, n);
    for (uint32_t i = 0; i < n; i++)
        kb_record(&batch, NOW, "k", 1, "v", 1, 0, NULL, NULL);
    if (kd_batch_encode(batch.p, (uint32_t)batch.len) != 0)
        abort();
    kb_le(&in->sets, 1, 4);
    kb_le(&in->sets, kd_out_len(), 4);
    kb_put(&in->sets, kd_out_ptr(), kd_out_len());
    kb_free(&batch);
    if (kd_native_in_transaction(DB, run, in) != 0 || kd_out_len() != KD_APPEND_RESULT_SIZE)
        abort();
    int32_t err = (int32_t)rd_le(kd_out_ptr(), 4);
    int64_t base = (int64_t)rd_le(kd_out_ptr() + 8, 8);
    if (err != 0 || base < m->hw)
        return; /* refused, or a duplicate acknowledged with its first offsets */
    m->hw = base + n;
    m->epoch[pi] = in->epoch;
    m->next_seq[pi] = kd_sequence_add(seq, n);
    if (transactional) {
        if (m->open_first[pi] < 0)
            m->open_first[pi] = base;
        for (int64_t o = base; o < base + n; o++)
            m->owner[o] = (int8_t)(pi + 1);
    } else if (m->open_first[pi] >= 0) {
        abort(); /* INVALID_TXN_STATE */
    }
}

static void marker(model *m, instruction *in, int pi)
{
    int32_t rc = kd_native_in_transaction(DB, run, in);
    if (rc == KD_INVALID_PRODUCER_EPOCH || rc == KD_TRANSACTION_COORDINATOR_FENCED)
        return;
    if (rc != 0 || kd_out_len() != 16)
        abort();
    int64_t at = (int64_t)rd_le(kd_out_ptr(), 8);
    if (at < 0) {
        if (m->open_first[pi] >= 0)
            abort(); /* an open transaction is always ended */
        return;
    }
    if (at != m->hw || m->open_first[pi] < 0)
        abort();
    m->marker[at] = 1;
    if (!(in->arg & 1))
        for (int64_t o = m->open_first[pi]; o < at; o++)
            if (m->owner[o] == pi + 1)
                m->aborted[o] = 1;
    m->open_first[pi] = -1;
    if (in->epoch > m->epoch[pi]) {
        m->epoch[pi] = in->epoch;
        m->next_seq[pi] = 0;
    }
    m->hw = at + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 14)
        return 0;
    sqlite3 *conn;
    if (sqlite3_open(":memory:", &conn) != SQLITE_OK)
        abort();
    kd_native_attach(DB, conn);
    if (kd_log_open(DB) != 0)
        abort();
    static const char compacted[] = "{\"cleanup.policy\":\"compact\",\"segment.ms\":\"1\","
                                    "\"min.cleanable.dirty.ratio\":\"0.01\"}";
    bool compact = size > 0 && (data[0] & 0x80);
    if (compact && kd_log_configure(DB, (const uint8_t *)compacted, sizeof compacted - 1) != 0)
        abort();
    static model m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < PRODUCERS; i++) {
        m.open_first[i] = -1;
        m.epoch[i] = -1;
    }
    for (size_t pos = 0; pos + 8 <= size && m.hw < MAX_OFFSETS - 8; pos += 8) {
        instruction in = {data[pos] % 4, 100 + data[pos + 1] % PRODUCERS,   data[pos + 2] % 4,
                          data[pos + 3], (int32_t)rd_le(data + pos + 4, 4), {0}};
        int pi = (int)(in.pid - 100);
        switch (in.op) {
        case 0: append(&m, &in, pi); break;
        case 1: marker(&m, &in, pi); break;
        case 2: check_read(&m, (int64_t)((uint32_t)in.value % (uint64_t)(m.hw + 2)), in.arg); break;
        default: {
            if (compact && (data[pos] & 4)) {
                in.op = 4;
                if (kd_native_in_transaction(DB, run, &in) != 0)
                    abort();
                break;
            }
            in.value = (int32_t)((uint32_t)in.value % (uint64_t)(m.hw + 1));
            if (kd_native_in_transaction(DB, run, &in) != 0)
                abort();
            if (in.value > m.log_start)
                m.log_start = in.value;
        }
        }
        kb_free(&in.sets);
        check_state(&m);
        if (compact)
            check_latest(&m);
    }
    kd_native_detach(DB);
    sqlite3_close(conn);
    return 0;
}
