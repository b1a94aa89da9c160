/*
 * transactions-crash.test.mjs — Kafka transactions through kill -9 of `wrangler dev`
 * (issue 16's crash tests), with kafkajs 2.2.4 through the gateway. The whole wrangler
 * dev process group is killed with SIGKILL — no shutdown: a crash — and started again
 * on the same persisted state (harness.mjs, as tests/e2e/restart.test.mjs does); the
 * gateway comes back on a new port, so the clients are made again and the producer
 * re-initialised, as an application restarting would.
 *
 *   - during prepare-commit: a producer commits transactions over every partition of a
 *     topic in a loop; wrangler dev is killed several times, half of them at random
 *     moments, half just after kafkajs sends EndTxn (the coordinator is then writing
 *     PrepareCommit or the markers). With the last restart no client connects at
 *     first: the coordinator alone (its alarm: the re-driven Prepare* state, the timeout
 *     of an Ongoing one) must leave no transaction Ongoing or Prepare* (GET
 *     /admin/transactions). Then a read_committed consumer sees, of every transaction,
 *     all its records on every partition or none, each once, and every transaction whose
 *     commit() returned;
 *   - during a long open transaction: records sent and never committed, kill -9,
 *     restart; the coordinator's timeout (transaction.timeout.ms of a few seconds) aborts
 *     it with nobody re-initialising its id, the read_committed end (LSO) moves past it,
 *     a later transaction is visible, and the open one's records never are;
 *   - consume-transform-produce: a transaction per input batch sends the transformed
 *     records and the group's offsets (sendOffsets); killed -9 twice while it runs,
 *     restarted each time (producer initialised before the consumer fetches its offsets,
 *     so a transaction the crash left prepared is completed first). The output topic,
 *     read read_committed, holds every input exactly once, and the group's committed
 *     offsets are each input partition's end.
 *
 * Run: node --test --test-concurrency=1 tests/interop/transactions-crash.test.mjs
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { Inbox, captured, newKafka, range, startKafdo } from './kafkajs-helpers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/* States a transaction may rest in; anything else is unfinished work. */
const AT_REST = new Set(['Empty', 'CompleteCommit', 'CompleteAbort']);
/* kafkajs retries a failed request this many times: enough for CONCURRENT_TRANSACTIONS
 * while a prepared transaction completes, few enough that a client of a killed runtime
 * gives up soon. */
const RETRY = { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 };

/* A deterministic random sequence (the kill moments), so a failure can be replayed. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/* Runs fn, and gives up on it (resolving undefined) after ms. */
const within = (ms, fn) => Promise.race([Promise.resolve().then(fn), sleep(ms)]);

/*
 * One persisted Kafdo killed and restarted: start() (again on the same directory),
 * crash() kills the runtime's whole process group with SIGKILL before anything else
 * (the gateway is closed after, so no client learns of it first).
 */
function crashable() {
  const persistDir = mkdtempSync(join(tmpdir(), 'kafdo-txn-crash-'));
  const k = {
    dev: undefined,
    persistDir,
    async start() {
      k.dev = await startKafdo({ persistDir, vars: { KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS: '0' } });
      return k.dev;
    },
    async crash() {
      try {
        process.kill(-k.dev.pid, 'SIGKILL');
      } catch {}
      await k.dev.stop({ signal: 'SIGKILL' });
    },
    async stop() {
      if (k.dev) await k.dev.stop({ signal: 'SIGKILL' }).catch(() => {});
      k.dev = undefined;
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
  return k;
}

/* Every transactional id's state (GET /admin/transactions). */
async function transactions(dev) {
  return (await dev.api.get('/admin/transactions')).transactions;
}

/* Polls GET /admin/transactions until no transaction is Ongoing or Prepare*; fails
 * naming those left after timeoutMs. Resolves to those found unfinished at first. */
async function allAtRest(dev, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const found = [];
  for (;;) {
    const open = (await transactions(dev)).filter((t) => !AT_REST.has(t.state));
    if (found.length === 0) found.push(...open.map((t) => `${t.transactionalId} ${t.state}`));
    if (open.length === 0) return found;
    if (Date.now() > deadline) {
      assert.fail(`transactions left unfinished ${timeoutMs} ms after the restart: ${JSON.stringify(open)}`);
    }
    await sleep(500);
  }
}

/* A consumer of `topics` from their start with the isolation asked for; its Inbox. */
async function reader(kafka, topics, readUncommitted, open) {
  const groupId = `reader-${topics.join('-')}-${readUncommitted ? 'uncommitted' : 'committed'}-${Date.now()}`;
  const inbox = new Inbox();
  const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 });
  open.push(consumer);
  inbox.watch(consumer, groupId);
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async (m) => inbox.push(captured(m)) });
  return inbox;
}

async function disconnectAll(clients) {
  for (const c of clients.splice(0).reverse()) await within(20_000, () => c.disconnect().catch(() => {}));
}

describe('transactions through kill -9 of wrangler dev', () => {
  const open = [];
  const started = [];
  let k;

  after(async () => {
    await disconnectAll(open);
    for (const c of started) await c.stop();
  });

  /* A topic of `partitions` made through kafkajs's admin. */
  async function createTopic(dev, topic, partitions) {
    const admin = newKafka(dev).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
    await admin.disconnect();
  }

  it('a kill during prepare-commit: every transaction is all committed or all aborted on every partition', async (t) => {
    const TOPIC = 'crash-commits';
    const PARTITIONS = 4;
    const PER_PARTITION = 3;
    const KILLS = 4;
    const TIMEOUT_MS = 8000;
    const next = random(16);
    k = crashable();
    started.push(k);
    let dev = await k.start();
    await createTopic(dev, TOPIC, PARTITIONS);

    const attempted = new Set();
    const acknowledged = new Set(); /* commit() returned */
    const inDoubt = new Set(); /* EndTxn sent, commit() had not returned at the kill */
    let n = 0;
    let killedAt = 0;

    for (let kill = 0; kill < KILLS; kill++) {
      /* A kill at a random moment (kills 1 and 3), or just after an EndTxn leaves
       * (kills 2 and 4: the last one then likely leaves a PrepareCommit to the alarm). */
      const onEndTxn = kill % 2 === 1;
      let sentEndTxn = 0;
      let current = -1;
      let endTxnOf = -1;
      let fire;
      const fired = new Promise((resolve) => (fire = resolve));
      const kafka = newKafka(dev, {
        retry: RETRY,
        logLevel: logLevel.DEBUG,
        logCreator:
          () =>
          ({ log }) => {
            if (!String(log.message).startsWith('Request EndTxn')) return;
            endTxnOf = current;
            if (onEndTxn && ++sentEndTxn === 3) setTimeout(fire, next() * 30);
          },
      });
      const producer = kafka.producer({ transactionalId: 'crash-a', idempotent: true, transactionTimeout: TIMEOUT_MS });
      await producer.connect();
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const txn = n++;
          current = txn;
          attempted.add(txn);
          const tx = await producer.transaction();
          await tx.send({
            topic: TOPIC,
            messages: range(PARTITIONS).flatMap((partition) =>
              range(PER_PARTITION).map((i) => ({ partition, key: `t${txn}`, value: `${txn}:${partition}:${i}` })),
            ),
          });
          await tx.commit();
          acknowledged.add(txn);
        }
      })().catch(() => {}); /* cut by the kill */
      if (!onEndTxn) setTimeout(fire, 2000 + next() * 4000);
      await fired;
      killedAt = Date.now();
      await k.crash();
      stop = true;
      if (endTxnOf === current && !acknowledged.has(current)) inDoubt.add(current);
      await within(60_000, () => loop);
      await within(20_000, () => producer.disconnect().catch(() => {}));
      t.diagnostic(
        `kill ${kill + 1} (${onEndTxn ? 'after EndTxn' : 'at random'}): ${acknowledged.size} of ${attempted.size} ` +
          `transactions acknowledged, transaction ${current} cut`,
      );
      dev = await k.start();
    }

    /* Nobody has re-initialised crash-a since the last kill: the coordinator's alarm
     * alone finishes a prepared transaction, and aborts an ongoing one once its timeout
     * has passed. */
    const unfinished = await allAtRest(dev, TIMEOUT_MS + 60_000);
    const a = (await transactions(dev)).find((x) => x.transactionalId === 'crash-a');
    t.diagnostic(
      `after the last restart, before any client: ${unfinished.join(', ') || 'nothing unfinished'}; crash-a ` +
        `${a.state}, changed ${a.updateTimeMs > killedAt ? 'after' : 'before'} the last kill`,
    );

    const kafka = newKafka(dev, { retry: RETRY });
    const producer = kafka.producer({ transactionalId: 'crash-a', idempotent: true });
    open.push(producer);
    await producer.connect();
    const last = await producer.transaction();
    await last.send({
      topic: TOPIC,
      messages: range(PARTITIONS).map((partition) => ({ partition, key: 'last', value: `last:${partition}` })),
    });
    await last.commit();

    const lastSeen = (ms) => range(PARTITIONS).every((p) => ms.some((m) => String(m.value) === `last:${p}`));
    const committed = await reader(kafka, [TOPIC], false, open);
    const uncommitted = await reader(kafka, [TOPIC], true, open);
    await committed.waitFor('the last transaction, read committed', lastSeen);
    await uncommitted.waitFor('the last transaction, read uncommitted', lastSeen);

    const values = (inbox) => inbox.messages.map((m) => String(m.value)).filter((v) => !v.startsWith('last:'));
    const seen = values(committed);
    assert.equal(new Set(seen).size, seen.length, 'a record read committed twice');
    const byTxn = new Map();
    for (const v of seen) {
      const [txn, partition] = v.split(':').map(Number);
      if (!byTxn.has(txn)) byTxn.set(txn, []);
      byTxn.get(txn).push(partition);
    }
    const whole = PARTITIONS * PER_PARTITION;
    for (const [txn, partitions] of byTxn) {
      assert.ok(attempted.has(txn), `transaction ${txn} was never sent`);
      assert.equal(
        partitions.length,
        whole,
        `transaction ${txn} is partly visible: ${partitions.length} of ${whole} records (partitions ${partitions})`,
      );
    }
    for (const txn of acknowledged) assert.ok(byTxn.has(txn), `transaction ${txn} was acknowledged, is not visible`);
    const stored = new Set(values(uncommitted).map((v) => Number(v.split(':')[0])));
    const aborted = [...stored].filter((txn) => !byTxn.has(txn));
    const doubtCommitted = [...inDoubt].filter((txn) => byTxn.has(txn));
    t.diagnostic(
      `${KILLS} kills, ${attempted.size} transactions: ${byTxn.size} committed (${acknowledged.size} acknowledged), ` +
        `${aborted.length} stored and aborted; ${inDoubt.size} cut after EndTxn, of which ${doubtCommitted.length} committed`,
    );
    assert.ok(acknowledged.size > 0, 'no transaction was ever committed');
    const states = await transactions(dev);
    assert.ok(
      states.every((s) => AT_REST.has(s.state)),
      JSON.stringify(states),
    );
    await disconnectAll(open);
    await k.stop();
  });

  it('a kill during a long open transaction: its timeout aborts it and the last stable offset moves on', async (t) => {
    const TOPIC = 'crash-open';
    const PARTITIONS = 2;
    const TIMEOUT_MS = 5000;
    k = crashable();
    started.push(k);
    let dev = await k.start();
    await createTopic(dev, TOPIC, PARTITIONS);
    /* Each partition's [last stable offset, high watermark]: kafkajs's ListOffsets is
     * read_committed (the LSO), REST's topic offsets give the high watermark. */
    const lsoOf = async (kafka) => {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      await admin.disconnect();
      const { partitions } = await dev.api.get(`/admin/topics/${TOPIC}/offsets`);
      return range(PARTITIONS).map((p) => [
        Number(offsets.find((o) => o.partition === p).offset),
        partitions.find((o) => o.partition === p).latest,
      ]);
    };

    let kafka = newKafka(dev, { retry: RETRY });
    const producer = kafka.producer({ transactionalId: 'crash-b', idempotent: true, transactionTimeout: TIMEOUT_MS });
    open.push(producer);
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({
      topic: TOPIC,
      messages: range(PARTITIONS).flatMap((partition) =>
        range(5).map((i) => ({ partition, value: `open:${partition}:${i}` })),
      ),
    });
    assert.deepEqual(await lsoOf(kafka), [
      [0, 5],
      [0, 5],
    ]);
    assert.equal((await dev.api.get('/admin/transactions/crash-b')).state, 'Ongoing');
    await k.crash();
    await disconnectAll(open);
    dev = await k.start();

    /* Nobody re-initialises crash-b: its coordinator's alarm aborts it. */
    const unfinished = await allAtRest(dev, TIMEOUT_MS + 60_000);
    const described = await dev.api.get('/admin/transactions/crash-b');
    t.diagnostic(`after the restart: ${unfinished.join(', ')}; then ${described.state}`);
    assert.equal(described.state, 'CompleteAbort');
    kafka = newKafka(dev, { retry: RETRY });
    /* The ABORT marker follows the records: the LSO is the end again. */
    assert.deepEqual(await lsoOf(kafka), [
      [6, 6],
      [6, 6],
    ]);

    const later = kafka.producer({ transactionalId: 'crash-b-later', idempotent: true });
    open.push(later);
    await later.connect();
    const tx2 = await later.transaction();
    await tx2.send({
      topic: TOPIC,
      messages: range(PARTITIONS).map((partition) => ({ partition, value: `later:${partition}` })),
    });
    await tx2.commit();

    const laterSeen = (ms) => range(PARTITIONS).every((p) => ms.some((m) => String(m.value) === `later:${p}`));
    const committed = await reader(kafka, [TOPIC], false, open);
    const uncommitted = await reader(kafka, [TOPIC], true, open);
    await committed.waitFor('the later transaction, read committed', laterSeen);
    await uncommitted.waitFor('the later transaction, read uncommitted', laterSeen);
    const values = (inbox) => inbox.messages.map((m) => String(m.value)).sort();
    assert.deepEqual(values(committed), ['later:0', 'later:1']);
    assert.equal(values(uncommitted).filter((v) => v.startsWith('open:')).length, 10, 'the open records were stored');
    await disconnectAll(open);
    await k.stop();
  });

  it('consume-transform-produce with sendOffsets across kill -9: every input once downstream, offsets agree', async (t) => {
    const IN = 'ctp-in';
    const OUT = 'ctp-out';
    const GROUP = 'ctp-group';
    const PARTITIONS = 4;
    const PER_PARTITION = 60;
    const KILLS = 2;
    const next = random(28);
    k = crashable();
    started.push(k);
    let dev = await k.start();
    await createTopic(dev, IN, PARTITIONS);
    await createTopic(dev, OUT, PARTITIONS);
    {
      const plain = newKafka(dev).producer();
      await plain.connect();
      /* In sends of 5 a partition: batches of a few records, many transactions. */
      for (let from = 0; from < PER_PARTITION; from += 5) {
        await plain.send({
          topic: IN,
          messages: range(PARTITIONS).flatMap((partition) =>
            range(5).map((i) => ({ partition, key: `k${from + i}`, value: `in:${partition}:${from + i}` })),
          ),
        });
      }
      await plain.disconnect();
    }

    /* One life of the application: the producer initialised first (completing what a
     * crash left prepared, so the group's offsets are settled before they are fetched),
     * then the consumer; one transaction per batch. Resolves to its clients and a
     * promise fulfilled up to killWithinMs after the EndTxn numbered `killAt` is sent. */
    let processed = 0;
    async function life(killAt, killWithinMs) {
      let endTxns = 0;
      let fire;
      const fired = new Promise((resolve) => (fire = resolve));
      const kafka = newKafka(dev, {
        /* A client of a killed runtime gives up rather than reconnecting forever to its
         * gateway's closed port (which would keep this process alive). */
        retry: { ...RETRY, restartOnFailure: async () => false },
        logLevel: logLevel.DEBUG,
        logCreator:
          () =>
          ({ log }) => {
            if (String(log.message).startsWith('Request EndTxn') && ++endTxns === killAt) {
              setTimeout(fire, next() * killWithinMs);
            }
          },
      });
      const producer = kafka.producer({ transactionalId: 'ctp', idempotent: true, transactionTimeout: 10_000 });
      await producer.connect();
      const init = await producer.transaction();
      await init.abort();
      const consumer = kafka.consumer({
        groupId: GROUP,
        readUncommitted: false,
        maxWaitTimeInMs: 200,
        maxBytesPerPartition: 256,
        sessionTimeout: 6000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 1000,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: IN, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          if (batch.messages.length === 0) return;
          const tx = await producer.transaction();
          await tx.send({
            topic: OUT,
            messages: batch.messages.map((m) => ({ partition: batch.partition, key: m.key, value: `out:${m.value}` })),
          });
          const offset = String(Number(batch.lastOffset()) + 1);
          await tx.sendOffsets({
            consumerGroupId: GROUP,
            topics: [{ topic: IN, partitions: [{ partition: batch.partition, offset }] }],
          });
          await tx.commit();
          for (const m of batch.messages) resolveOffset(m.offset);
          processed += batch.messages.length;
        },
      });
      return { kafka, producer, consumer, fired };
    }

    for (let kill = 0; kill < KILLS; kill++) {
      /* The first kill just after an EndTxn leaves, the second at a random moment of
       * the transactions that follow the third. */
      const app = await life(kill === 0 ? 4 : 3, kill === 0 ? 30 : 1500);
      await app.fired;
      await k.crash();
      await within(20_000, () => app.consumer.disconnect().catch(() => {}));
      await within(20_000, () => app.producer.disconnect().catch(() => {}));
      t.diagnostic(`kill ${kill + 1}: ${processed} input records processed by transactions acknowledged so far`);
      dev = await k.start();
    }

    const app = await life(-1, 0);
    open.push(app.consumer, app.producer);
    const committedOffsets = async () => {
      const admin = app.kafka.admin();
      await admin.connect();
      const [{ partitions }] = await admin.fetchOffsets({ groupId: GROUP, topics: [IN] });
      await admin.disconnect();
      return partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
    };
    const deadline = Date.now() + 240_000;
    let offsets;
    while ((offsets = await committedOffsets()).some((o) => o !== PER_PARTITION)) {
      assert.ok(Date.now() < deadline, `the group's offsets stay at ${offsets}`);
      await sleep(1000);
    }
    await disconnectAll(open);

    /* A last committed transaction on every output partition: once a read_committed
     * consumer has it, it has everything committed before it. */
    const kafka = newKafka(dev, { retry: RETRY });
    const closer = kafka.producer({ transactionalId: 'ctp-closer', idempotent: true });
    open.push(closer);
    await closer.connect();
    const last = await closer.transaction();
    await last.send({
      topic: OUT,
      messages: range(PARTITIONS).map((partition) => ({ partition, value: `last:${partition}` })),
    });
    await last.commit();
    const output = await reader(kafka, [OUT], false, open);
    await output.waitFor('the closing transaction', (ms) =>
      range(PARTITIONS).every((p) => ms.some((m) => String(m.value) === `last:${p}`)),
    );
    const got = output.messages.filter((m) => !String(m.value).startsWith('last:'));
    const values = got.map((m) => String(m.value)).sort();
    const expected = range(PARTITIONS)
      .flatMap((p) => range(PER_PARTITION).map((i) => `out:in:${p}:${i}`))
      .sort();
    assert.equal(new Set(values).size, values.length, 'an input was output twice');
    assert.deepEqual(values, expected);
    /* The offsets agree with the output: partition p's output holds exactly the inputs
     * of partition p below its committed offset (here: all of them). */
    for (const p of range(PARTITIONS)) {
      assert.equal(got.filter((m) => m.partition === p).length, offsets[p]);
    }
    t.diagnostic(`${KILLS} kills; ${values.length} outputs, group offsets ${offsets}`);
    await disconnectAll(open);
    await k.stop();
  });
});
