/*
 * kafkajs-groups.test.mjs — Kafka's classic group protocol through the gateway, with
 * kafkajs 2.2.4 consumers (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * OffsetCommit, OffsetFetch, LeaveGroup) against `wrangler dev` + `kafdo gateway`.
 *
 *   - two consumers of one group split a topic's partitions: once the rebalance the
 *     second one starts has settled (both have joined the same generation, seen from
 *     kafkajs's GROUP_JOIN events and the group's REST description), every partition
 *     belongs to exactly one member and every record produced afterwards is consumed
 *     exactly once between them, by the member that owns its partition;
 *   - the REST description shows the two Kafka members (kind "kafka", kafkajs's client
 *     id, their subscriptions and assignments);
 *   - consumers restarted in the same group resume from the committed offsets: no gap,
 *     and no record delivered again that was committed (uncommitted ones are delivered
 *     again, which is the at-least-once contract).
 *
 * No sleeps: the waits are on kafkajs events and on messages arriving; fences (one
 * record per partition) bound "nothing more was delivered".
 *
 * Run: node --test tests/interop/kafkajs-groups.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Inbox, captured, fence, newKafka, range, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const { AssignerProtocol } = kafkajs; // kafkajs is CommonJS: not every export is a named ESM export

describe('kafkajs consumer groups through the gateway', () => {
  let dev;
  let kafka;
  let admin;
  let producer;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-groups' });
    admin = kafka.admin();
    producer = kafka.producer();
    open.push(admin, producer);
    await admin.connect();
    await producer.connect();
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  it('two consumers split the partitions, each record is consumed exactly once', async () => {
    const TOPIC = 'split';
    const P = 6;
    const GROUP = 'splitters';
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: P }] }), true);

    const inbox = new Inbox();
    /* the latest assignment each member was given (kafkajs GROUP_JOIN), by consumer */
    const joins = new Inbox();
    const consumers = ['a', 'b'].map((name) => {
      const consumer = kafka.consumer({ groupId: GROUP });
      open.push(consumer);
      inbox.watch(consumer, `consumer ${name}`);
      joins.watch(consumer, `consumer ${name}`);
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        joins.push({ name, memberId: payload.memberId, assignment: payload.memberAssignment });
      });
      return { name, consumer };
    });

    for (const { name, consumer } of consumers) {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async (m) => inbox.push(captured(m, { by: name })),
      });
    }

    /* Settled: the latest assignments of a and b are disjoint and cover the topic. */
    const latest = () => {
      const byName = new Map();
      for (const j of joins.messages) byName.set(j.name, j);
      return byName;
    };
    await joins.waitFor('the rebalance to settle on a split of every partition', () => {
      const l = latest();
      if (l.size !== 2) return false;
      const parts = [...l.values()].flatMap((j) => j.assignment[TOPIC] ?? []);
      return parts.length === P && new Set(parts).size === P;
    });
    const owner = new Map();
    for (const j of latest().values()) for (const p of j.assignment[TOPIC] ?? []) owner.set(p, j.name);
    assert.ok(
      [...latest().values()].every((j) => (j.assignment[TOPIC] ?? []).length > 0),
      `each member should own partitions: ${JSON.stringify([...latest().values()])}`,
    );

    // The REST door describes the same group: Stable, two Kafka members, same split.
    const group = await dev.api.get(`/consumer-groups/${GROUP}`);
    assert.equal(group.state, 'Stable', JSON.stringify(group));
    assert.equal(group.members.length, 2, JSON.stringify(group));
    const memberIds = new Map([...latest().values()].map((j) => [j.memberId, j]));
    for (const m of group.members) {
      assert.equal(m.kind, 'kafka', JSON.stringify(m));
      assert.equal(m.clientId, 'interop-groups', JSON.stringify(m));
      assert.deepEqual(m.subscription, [TOPIC], JSON.stringify(m));
      const j = memberIds.get(m.memberId);
      assert.ok(j, `REST member ${m.memberId} is not one kafkajs joined as: ${JSON.stringify([...memberIds.keys()])}`);
      assert.deepEqual(
        m.assignment.map((a) => a.partition).sort((x, y) => x - y),
        [...(j.assignment[TOPIC] ?? [])].sort((x, y) => x - y),
        `member ${m.memberId}'s assignment over REST vs kafkajs`,
      );
    }
    // kafkajs's admin describes it too, with the assignment kafkajs's leader computed.
    const { groups } = await admin.describeGroups([GROUP]);
    assert.equal(groups[0].state, 'Stable');
    assert.equal(groups[0].protocolType, 'consumer');
    assert.equal(groups[0].members.length, 2);
    for (const m of groups[0].members) {
      const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      assert.deepEqual(
        [...(assignment.assignment[TOPIC] ?? [])].sort(),
        [...(memberIds.get(m.memberId)?.assignment[TOPIC] ?? [])].sort(),
        `describeGroups assignment of ${m.memberId}`,
      );
    }

    // Now produce: every record consumed exactly once, by its partition's owner.
    const records = range(60).map((i) => ({ key: `k-${i}`, value: `v-${i}` }));
    await producer.send({ topic: TOPIC, messages: records });
    await inbox.count(records.length);
    const received = await fence(producer, inbox, TOPIC, range(P));

    assert.deepEqual(
      received.map((m) => m.key.toString()).sort(),
      records.map((r) => r.key).sort(),
      'every record once (no duplicate, none missing)',
    );
    for (const m of received) {
      assert.equal(
        m.by,
        owner.get(m.partition),
        `partition ${m.partition} consumed by ${m.by}, owned by ${owner.get(m.partition)}`,
      );
      assert.equal(m.value.toString(), `v-${m.key.toString().slice(2)}`);
    }
    for (const p of range(P)) {
      const offsets = received.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(offsets, range(offsets.length), `partition ${p} delivered in order from 0`);
    }

    for (const { consumer } of consumers) {
      await consumer.disconnect();
      open.splice(open.indexOf(consumer), 1);
    }
    const empty = await dev.api.get(`/consumer-groups/${GROUP}`);
    assert.equal(empty.state, 'Empty', JSON.stringify(empty));
    assert.equal(empty.members.length, 0);
  });

  it('a restarted consumer resumes from the committed offsets: no gap, nothing committed delivered again', async () => {
    const TOPIC = 'ledger';
    const P = 3;
    const N = 10; // records per partition
    const K = 4; // of which the first consumer commits the first K
    const GROUP = 'ledger-readers';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: P }] });
    for (const partition of range(P)) {
      await producer.send({
        topic: TOPIC,
        messages: range(N).map((i) => ({ partition, key: `p${partition}-${i}`, value: String(i) })),
      });
    }

    // First run: processes everything, commits only up to offset K of each partition.
    const first = new Inbox();
    // autoCommit is an option of kafkajs's run(), not of consumer() (which ignores it)
    const c1 = kafka.consumer({ groupId: GROUP });
    open.push(c1);
    first.watch(c1, 'first consumer');
    await c1.connect();
    await c1.subscribe({ topic: TOPIC, fromBeginning: true });
    await c1.run({
      autoCommit: false,
      eachMessage: async (m) => {
        const offset = Number(m.message.offset);
        if (offset < K) {
          await c1.commitOffsets([{ topic: m.topic, partition: m.partition, offset: String(offset + 1) }]);
        }
        first.push(captured(m));
      },
    });
    await first.count(N * P);
    await c1.disconnect();
    open.splice(open.indexOf(c1), 1);

    const committed = await dev.api.get(`/consumer-groups/${GROUP}/offsets`);
    assert.deepEqual(
      committed.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      range(P).map((partition) => ({ topic: TOPIC, partition, offset: K })),
      JSON.stringify(committed),
    );

    // Restart (auto-commit this time): exactly offsets K..N-1 of each partition again.
    const second = new Inbox();
    const c2 = kafka.consumer({ groupId: GROUP });
    open.push(c2);
    second.watch(c2, 'restarted consumer');
    await c2.connect();
    await c2.subscribe({ topic: TOPIC, fromBeginning: true });
    await c2.run({ eachMessage: async (m) => second.push(captured(m)) });
    await second.count((N - K) * P);
    const again = await fence(producer, second, TOPIC, range(P));
    for (const p of range(P)) {
      assert.deepEqual(
        again.filter((m) => m.partition === p).map((m) => m.offset),
        range(N - K).map((i) => K + i),
        `partition ${p}: the restarted consumer starts at the committed offset ${K}, no gap, no repeat`,
      );
    }
    await c2.disconnect(); // auto-commit has committed every batch, fences included
    open.splice(open.indexOf(c2), 1);

    const [fetched] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    for (const { partition, offset } of fetched.partitions) {
      assert.equal(Number(offset), N + 1, `partition ${partition} committed after the fence`);
    }

    // A third run delivers only what is new.
    const third = new Inbox();
    const c3 = kafka.consumer({ groupId: GROUP });
    open.push(c3);
    third.watch(c3, 'third consumer');
    await c3.connect();
    await c3.subscribe({ topic: TOPIC, fromBeginning: true });
    await c3.run({ eachMessage: async (m) => third.push(captured(m)) });
    await producer.send({ topic: TOPIC, messages: [{ partition: 1, key: 'late', value: 'late' }] });
    const late = await fence(producer, third, TOPIC, range(P));
    assert.deepEqual(
      late.map((m) => [m.partition, m.offset, m.key.toString()]),
      [[1, N + 1, 'late']],
    );
    await c3.disconnect();
    open.splice(open.indexOf(c3), 1);
  });
});
