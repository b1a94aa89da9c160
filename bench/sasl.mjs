#!/usr/bin/env node
/*
 * sasl.mjs — what SCRAM and ACLs cost on the Kafka port: the same kafkajs workload
 * through `kafdo gateway` against two `wrangler dev`s, one with KAFDO_KAFKA_SASL off,
 * one with it required (kafkajs logs in with SCRAM-SHA-256 as a user whose ACLs allow
 * exactly the topic and group, so every request is authorized by the core's decision).
 * Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/sasl.mjs [--batches N] [--size M] [--rounds R]
 *
 * produce  N batches (default 200) of M records (default 100, 100-byte values) to one
 *          partition, one at a time (acks all): records/s;
 * consume  the same records read back by a consumer group from the start: records/s.
 * The best of R rounds (default 2) of each, on a fresh topic each round.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { client, startDev } from '../tests/e2e/harness.mjs';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({
  options: { batches: { type: 'string' }, size: { type: 'string' }, rounds: { type: 'string' } },
});
const BATCHES = Number(values.batches ?? 200);
const SIZE = Number(values.size ?? 100);
const ROUNDS = Number(values.rounds ?? 2);
const value = 'x'.repeat(100);

async function workload(kafka, topic, group) {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: SIZE }, () => ({ value }));
  let t = performance.now();
  for (let i = 0; i < BATCHES; i++) await producer.send({ topic, messages });
  const produce = (BATCHES * SIZE) / ((performance.now() - t) / 1000);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  t = performance.now();
  await new Promise((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= BATCHES * SIZE) resolve();
        },
      })
      .catch(reject);
  });
  const consume = seen / ((performance.now() - t) / 1000);
  await consumer.disconnect();
  return { produce, consume };
}

async function measure(name, vars, sasl) {
  const dev = await startDev({ gateway: true, vars });
  try {
    const api = client(dev.baseUrl);
    if (sasl) {
      await api.request('PUT', '/admin/users/bench', { mechanism: 'SCRAM-SHA-256', password: 'bench-pw' });
      await api.post('/admin/acls', {
        acls: [
          {
            resourceType: 'TOPIC',
            resourceName: 'bench-',
            patternType: 'PREFIXED',
            principal: 'User:bench',
            operation: 'ALL',
          },
          {
            resourceType: 'GROUP',
            resourceName: 'bench-',
            patternType: 'PREFIXED',
            principal: 'User:bench',
            operation: 'READ',
          },
        ],
      });
    }
    const kafka = new Kafka({
      brokers: [dev.kafkaBroker],
      logLevel: logLevel.NOTHING,
      ...(sasl ? { sasl: { mechanism: 'scram-sha-256', username: 'bench', password: 'bench-pw' } } : {}),
    });
    let best = { produce: 0, consume: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      await api.createTopic(`bench-${r}`, 1);
      const got = await workload(kafka, `bench-${r}`, `bench-g${r}`);
      best = { produce: Math.max(best.produce, got.produce), consume: Math.max(best.consume, got.consume) };
    }
    console.log(
      `${name.padEnd(22)} produce ${best.produce.toFixed(0).padStart(7)} records/s   consume ${best.consume.toFixed(0).padStart(7)} records/s`,
    );
    return best;
  } finally {
    await dev.stop({ removePersistDir: true });
  }
}

console.log(`kafkajs through kafdo gateway: ${BATCHES} batches of ${SIZE} records, best of ${ROUNDS}`);
const off = await measure('SASL off', {}, false);
const on = await measure('SCRAM + ACLs', { KAFDO_KAFKA_SASL: 'required' }, true);
console.log(
  `on/off: produce ${(on.produce / off.produce).toFixed(3)}, consume ${(on.consume / off.consume).toFixed(3)}`,
);
