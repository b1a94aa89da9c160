/*
 * kafkajs-ported-loop.test.mjs — tests/worker/kafkajs/fixtures/order-totals.mjs run with
 * real kafkajs 2.2.4 in Node against `wrangler dev` + `kafdo gateway`: the Node side of
 * the loop that tests/worker/kafkajs/ported-loop.test.ts runs unchanged in a Worker with
 * `kafdo/kafkajs`. Both must answer the same.
 *
 * Run: node --test tests/interop/kafkajs-ported-loop.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as kafkajs from 'kafkajs';
import { startKafdo, stopKafdo } from './kafkajs-helpers.mjs';
import { ORDERS, orderTotals } from '../worker/kafkajs/fixtures/order-totals.mjs';

describe('the ported consume loop, with kafkajs in Node', () => {
  let dev;
  before(async () => {
    dev = await startKafdo();
  });
  after(async () => {
    await stopKafdo(dev);
  });

  it('sums the orders and commits what it processed', async () => {
    const topic = `orders-${Date.now().toString(36)}`;
    const config = { clientId: 'order-totals', brokers: [dev.kafkaBroker], logLevel: kafkajs.logLevel.NOTHING };
    const result = await orderTotals(kafkajs, config, { topic, groupId: `order-totals-${topic}`, orders: ORDERS });
    assert.deepEqual(result.totals, { ada: 20, bob: 7, cy: 1 });
    assert.equal(result.seen.length, ORDERS.length);
    for (const s of result.seen) {
      assert.equal(s.source, 'order-totals');
      assert.equal(typeof s.offset, 'string');
      assert.equal(s.timestamp, 'string');
    }
    assert.ok(result.commits > 0);
    const last = new Map();
    for (const s of result.seen) last.set(s.partition, Math.max(last.get(s.partition) ?? -1, Number(s.offset)));
    const committed = result.committed.find((t) => t.topic === topic);
    for (const [partition, offset] of last) {
      assert.equal(committed.partitions.find((p) => p.partition === partition)?.offset, String(offset + 1));
    }
  });
});
