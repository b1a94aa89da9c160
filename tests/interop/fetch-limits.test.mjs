/*
 * fetch-limits.test.mjs — a Fetch stays within the request's max_bytes, as librdkafka's
 * test 0082 needs it (issue 20): kcat (librdkafka 2.0.2) with fetch.max.bytes=1000000,
 * max.partition.fetch.bytes=20000000 and receive.message.max.bytes at its least
 * (fetch.max.bytes + 512), so that a response over ~1 MB is refused by the client
 * ("Invalid response size"), reads two partitions holding ~2.4 MB each to their end,
 * every record as produced. Kafka's rule: the answer stays within max_bytes, except the
 * first batch of the first partition with data, returned whole so the consumer makes
 * progress; the other partitions' data stops at the budget.
 *
 * Run: node --test tests/interop/fetch-limits.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { client, startDev } from '../e2e/harness.mjs';
import { consumeToEnd, produce } from './kcat.mjs';

const TOPIC = 'big-records';
const PER_PARTITION = 8;
const VALUE_BYTES = 300_000;

describe('Fetch within max_bytes (librdkafka 0082)', () => {
  let dev;

  before(async () => {
    dev = await startDev({ gateway: true });
    await client(dev.baseUrl).createTopic(TOPIC, 2);
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('kcat with fetch.max.bytes=1000000 and max.partition.fetch.bytes=20000000 reads ~5 MB to the end', async () => {
    const sent = [];
    for (const partition of [0, 1]) {
      const lines = Array.from({ length: PER_PARTITION }, (_, i) => {
        const key = `p${partition}-${i}`;
        const value = `${key}:`.padEnd(VALUE_BYTES, String.fromCharCode(97 + ((i + partition) % 26)));
        sent.push({ partition, key, value });
        return `${key}:${value}`;
      });
      /* librdkafka batches up to 1 MB: three records a batch. */
      await produce(dev.kafkaBroker, TOPIC, lines, { partition, extra: ['-X', 'linger.ms=100'] });
    }
    const got = await consumeToEnd(dev.kafkaBroker, TOPIC, {
      extra: [
        '-X',
        'fetch.max.bytes=1000000',
        '-X',
        'max.partition.fetch.bytes=20000000',
        '-X',
        'receive.message.max.bytes=1000512',
      ],
    });
    assert.equal(got.length, sent.length);
    assert.deepEqual(
      got.map((r) => ({ partition: r.partition, key: r.key, value: r.payload })),
      sent,
    );
  });
});
