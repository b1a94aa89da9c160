/*
 * kafkajs-initial-delay.test.mjs — Kafka's group.initial.rebalance.delay.ms, which Kafdo
 * offers as KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS (3000 by default; the other suites
 * set 0): two kafkajs 2.2.4 consumers of a new group started together land in one
 * generation: the group is at generation 1. Without the delay the first is alone in
 * generation 1 and the second's arrival makes generation 2.
 *
 * Run: node --test tests/interop/kafkajs-initial-delay.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newKafka, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const TOPIC = 'delay-events';

describe("kafkajs consumers starting together with Kafka's initial rebalance delay", () => {
  let dev;
  let kafka;
  const open = [];

  before(async () => {
    dev = await startKafdo({ vars: { KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS: '3000' } });
    kafka = newKafka(dev, { clientId: 'interop-delay' });
    const admin = kafka.admin();
    open.push(admin);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] });
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  it('share generation 1, each joining once', { timeout: 60_000 }, async () => {
    const joins = [];
    const assigned = new Map();
    const consumers = ['a', 'b'].map((name) => {
      const c = kafka.consumer({ groupId: 'delay-group' });
      open.push(c);
      c.on(c.events.GROUP_JOIN, (e) => {
        joins.push(name);
        assigned.set(name, e.payload.memberAssignment[TOPIC] ?? []);
      });
      return c;
    });
    const started = Date.now();
    await Promise.all(
      consumers.map(async (c) => {
        await c.connect();
        await c.subscribe({ topic: TOPIC, fromBeginning: true });
        await c.run({ eachMessage: async () => {} });
      }),
    );
    while (joins.length < 2 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2000)); /* a second generation would show by now */
    assert.deepEqual([...joins].sort(), ['a', 'b'], `joins: ${joins}`);
    assert.deepEqual([...assigned.get('a'), ...assigned.get('b')].sort(), [0, 1, 2, 3]);
    const group = await dev.api.get('/consumer-groups/delay-group');
    assert.equal(group.generationId, 1, `generation ${group.generationId}: the group rebalanced per arrival`);
    assert.ok(Date.now() - started >= 3000, 'the first rebalance waited for the delay');
  });
});
