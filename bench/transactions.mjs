#!/usr/bin/env node
/*
 * transactions.mjs — what Kafka transactions cost (issue 16's benchmark): kafkajs 2.2.4
 * through `kafdo gateway` against one `wrangler dev`. Prints figures; never passes or
 * fails on time.
 *
 * Usage:  node bench/transactions.mjs [--records N]
 *
 * produce   N records (default 20,000; 100-byte values, round-robin over 8 partitions)
 *           sent in sends of S records (S = 100, then 1,000) by a plain producer, and by a
 *           transactional one with one transaction per send (transaction(), send,
 *           commit()): records/s, the ratio transactional / plain per S, and the
 *           latency of commit() (EndTxn: the coordinator writes PrepareCommit, a COMMIT
 *           marker on each of the 8 partitions, then CompleteCommit) at p50 and p99;
 * consume   the records the transactions of 100 wrote (with their commit markers)
 *           read from the start by a new consumer group with readUncommitted false
 *           (read_committed) and true, alternating, best of 2 each (timed from the first
 *           batch, so the group's join is not counted): records/s and their ratio.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { startDev } from '../tests/e2e/harness.mjs';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({ options: { records: { type: 'string' } } });
const RECORDS = Number(values.records ?? 20_000);
const PARTITIONS = 8;
const SIZES = [100, 1000];
const ROUNDS = 2;
const value = 'x'.repeat(100);

const fmt = (n) => n.toFixed(0).padStart(7);
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/* The sends of `size` records making up RECORDS, round-robin over the partitions. */
function sends(size) {
  return Array.from({ length: Math.ceil(RECORDS / size) }, () =>
    Array.from({ length: size }, (_, i) => ({ partition: i % PARTITIONS, value })),
  );
}

async function plain(kafka, topic, size) {
  const producer = kafka.producer();
  await producer.connect();
  const batches = sends(size);
  const t = performance.now();
  for (const messages of batches) await producer.send({ topic, messages });
  const seconds = (performance.now() - t) / 1000;
  await producer.disconnect();
  return (batches.length * size) / seconds;
}

async function transactional(kafka, topic, size) {
  const producer = kafka.producer({ transactionalId: `bench-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  /* The producer id is initialised by the first transaction(): not measured. */
  await (await producer.transaction()).abort();
  const batches = sends(size);
  const commits = [];
  const t = performance.now();
  for (const messages of batches) {
    const tx = await producer.transaction();
    await tx.send({ topic, messages });
    const c = performance.now();
    await tx.commit();
    commits.push(performance.now() - c);
  }
  const seconds = (performance.now() - t) / 1000;
  await producer.disconnect();
  return { rate: (batches.length * size) / seconds, commits: commits.sort((a, b) => a - b) };
}

async function consume(kafka, topic, readUncommitted, expected, round) {
  const consumer = kafka.consumer({ groupId: `bench-${topic}-${readUncommitted}-${round}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let t;
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          t ??= performance.now();
          seen += batch.messages.length;
          if (seen >= expected) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = (performance.now() - t) / 1000;
  await consumer.disconnect();
  return seen / seconds;
}

const dev = await startDev({ gateway: true });
try {
  const kafka = new Kafka({ brokers: [dev.kafkaBroker], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = SIZES.flatMap((size) => [`bench-plain-${size}`, `bench-txn-${size}`]);
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  await admin.disconnect();

  console.log(
    `Transactions: kafkajs through kafdo gateway, ${RECORDS} records (100-byte values) over ${PARTITIONS} partitions`,
  );
  for (const size of SIZES) {
    const p = await plain(kafka, `bench-plain-${size}`, size);
    const x = await transactional(kafka, `bench-txn-${size}`, size);
    console.log(
      `sends of ${String(size).padStart(4)}: plain ${fmt(p)} records/s   one transaction each ${fmt(x.rate)} records/s` +
        `   transactional/plain ${(x.rate / p).toFixed(3)}   commit() p50 ${quantile(x.commits, 0.5).toFixed(1)} ms` +
        ` p99 ${quantile(x.commits, 0.99).toFixed(1)} ms (${x.commits.length} commits)`,
    );
  }
  /* Alternating, best of ROUNDS each: the first read of a topic warms what the second
   * finds warm. */
  const expected = Math.ceil(RECORDS / SIZES[0]) * SIZES[0];
  let committed = 0;
  let uncommitted = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const topic = `bench-txn-${SIZES[0]}`;
    committed = Math.max(committed, await consume(kafka, topic, false, expected, round));
    uncommitted = Math.max(uncommitted, await consume(kafka, topic, true, expected, round));
  }
  console.log(
    `consume (the transactions of ${SIZES[0]}): read_committed ${fmt(committed)} records/s   ` +
      `read_uncommitted ${fmt(uncommitted)} records/s   committed/uncommitted ${(committed / uncommitted).toFixed(3)}`,
  );
} finally {
  await dev.stop({ removePersistDir: true });
}
