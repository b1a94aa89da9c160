/*
 * transactions.test.mjs — kafkajs 2.2.4's transactional producer through the gateway,
 * end to end over the three sides of Kafdo's transactions (the coordinator, the
 * partitions' markers and read_committed, the group's transactional offsets):
 *
 *   - producer.transaction() writes to several partitions and commits; the next one is
 *     aborted; a third commits. A readUncommitted: false consumer sees the committed
 *     records only, and a read_uncommitted one sees the aborted ones too;
 *   - a transaction's sendOffsets commits the group's offsets with it: visible to the
 *     group (admin.fetchOffsets) once commit() returns, and never after an abort;
 *   - a committed transaction is visible as soon as commit() returns (EndTxn is
 *     answered after the markers are written): a read_committed ListOffsets straight
 *     after answers each partition's end, past the COMMIT marker;
 *   - zombie fencing: a second producer with the same transactionalId aborts the first
 *     one's open transaction and fences it; the first one's commit fails with
 *     INVALID_PRODUCER_EPOCH (EndTxn v1, before KIP-588) or PRODUCER_FENCED, and none of
 *     its records is ever read committed;
 *   - under ACLs (SASL required): a producer needs DESCRIBE on its transactional id to
 *     find its coordinator, WRITE to initialise (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED
 *     at its first transaction()) and WRITE on each topic it
 *     adds to a transaction (else TOPIC_AUTHORIZATION_FAILED, and nothing is added).
 *
 * Run: node --test tests/interop/transactions.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Inbox, captured, errorTypes, newKafka, range, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const { AclResourceTypes: RT, AclOperationTypes: OP, AclPermissionTypes: PERM, ResourcePatternTypes: PT } = kafkajs;

const PARTITIONS = 3;

describe("kafkajs's transactional producer through the gateway", () => {
  let dev;
  let kafka;
  let admin;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-transactions' });
    admin = kafka.admin();
    open.push(admin);
    await admin.connect();
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  async function transactional(transactionalId) {
    const producer = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    open.push(producer);
    await producer.connect();
    return producer;
  }

  /* A consumer of `topic` from its start, with the isolation asked for. */
  async function reader(topic, readUncommitted) {
    const groupId = `reader-${topic}-${readUncommitted ? 'uncommitted' : 'committed'}-${Date.now()}`;
    const inbox = new Inbox();
    const consumer = kafka.consumer({ groupId, readUncommitted, maxWaitTimeInMs: 200 });
    open.push(consumer);
    inbox.watch(consumer, groupId);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async (m) => inbox.push(captured(m)) });
    return inbox;
  }

  const valuesOf = (inbox) => inbox.messages.map((m) => String(m.value)).sort();
  const each = (tag) => range(PARTITIONS).map((partition) => ({ partition, value: `${tag}-${partition}` }));

  it('commits to several partitions, aborts the next; read_committed sees only the committed', async () => {
    const topic = 'txn-committed';
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const producer = await transactional(`tx-${topic}`);

    const first = await producer.transaction();
    await first.send({ topic, messages: each('committed') });
    await first.commit();
    /* Answered after the markers: nothing is left open, so a read_committed ListOffsets
     * (kafkajs's default isolation) answers the end of each partition already, past the
     * record and its COMMIT marker. */
    const ends = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(
      ends.map((p) => Number(p.offset)),
      range(PARTITIONS).map(() => 2),
    );
    const second = await producer.transaction();
    await second.send({ topic, messages: each('aborted') });
    await second.abort();
    const third = await producer.transaction();
    await third.send({ topic, messages: each('after') });
    await third.commit();

    const committed = await reader(topic, false);
    const uncommitted = await reader(topic, true);
    /* The last transaction's records come after the aborted ones on every partition:
     * once they are in, everything before them has been read. */
    const lastSeen = (ms) => range(PARTITIONS).every((p) => ms.some((m) => String(m.value) === `after-${p}`));
    await committed.waitFor('the last transaction, read committed', lastSeen);
    await uncommitted.waitFor('the last transaction, read uncommitted', lastSeen);
    assert.deepEqual(valuesOf(committed), [...each('after'), ...each('committed')].map((m) => m.value).sort());
    assert.deepEqual(
      valuesOf(uncommitted),
      [...each('aborted'), ...each('after'), ...each('committed')].map((m) => m.value).sort(),
    );
  });

  it("commits the group's offsets with the transaction (sendOffsets), and drops them with an abort", async () => {
    const topic = 'txn-offsets';
    const consumerGroupId = `txn-offsets-group-${Date.now()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const producer = await transactional(`tx-${topic}`);
    const offsetsOf = async () =>
      Object.fromEntries(
        (await admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] }))[0].partitions.map((p) => [
          p.partition,
          Number(p.offset),
        ]),
      );

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: each('with-offsets-aborted') });
    await aborted.sendOffsets({ consumerGroupId, topics: [{ topic, partitions: [{ partition: 0, offset: '3' }] }] });
    await aborted.abort();
    assert.equal((await offsetsOf())[0], -1, 'an aborted transaction commits no offset');

    const committed = await producer.transaction();
    await committed.send({ topic, messages: each('with-offsets') });
    await committed.sendOffsets({
      consumerGroupId,
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, offset: '5' },
            { partition: 2, offset: '7' },
          ],
        },
      ],
    });
    await committed.commit();
    const offsets = await offsetsOf();
    assert.equal(offsets[0], 5);
    assert.equal(offsets[2], 7);
  });

  it("fences a zombie: a second producer with the transactionalId aborts the first one's transaction", async () => {
    const topic = 'txn-zombie';
    const transactionalId = `tx-${topic}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const zombie = await transactional(transactionalId);
    const open1 = await zombie.transaction();
    await open1.send({ topic, messages: each('zombie') });

    /* The second producer's InitProducerId (kafkajs sends it at the first transaction())
     * aborts the open transaction (kafkajs retries CONCURRENT_TRANSACTIONS until it is
     * done) and bumps the epoch. */
    const successor = await transactional(transactionalId);
    const live = await successor.transaction();
    await live.send({ topic, messages: each('successor') });
    await live.commit();

    const failure = await open1.commit().then(
      () => null,
      (e) => e,
    );
    assert.ok(failure, "the zombie's commit fails");
    const types = errorTypes(failure);
    assert.ok(
      types.includes('INVALID_PRODUCER_EPOCH') || types.includes('PRODUCER_FENCED'),
      `fenced, not ${JSON.stringify(types)}: ${failure.message}`,
    );

    const committed = await reader(topic, false);
    await committed.waitFor('the successor', (ms) =>
      range(PARTITIONS).every((p) => ms.some((m) => String(m.value) === `successor-${p}`)),
    );
    assert.deepEqual(
      valuesOf(committed),
      each('successor')
        .map((m) => m.value)
        .sort(),
    );
  });
});

describe('transactions under ACLs (SASL required, super user User:admin)', () => {
  let dev;
  let admin;
  const as = (user) =>
    newKafka(dev, {
      sasl: { mechanism: 'scram-sha-256', username: user, password: `${user}-pw` },
      /* An idempotent producer wants retries; an authorization failure is never retried. */
      retry: { retries: 2, initialRetryTime: 100 },
    });
  const allow = (resourceType, resourceName, operation) => ({
    resourceType,
    resourceName,
    resourcePatternType: PT.LITERAL,
    principal: 'User:carol',
    host: '*',
    operation,
    permissionType: PERM.ALLOW,
  });

  before(async () => {
    dev = await startKafdo({ vars: { KAFDO_KAFKA_SASL: 'required', KAFDO_SUPER_USERS: 'User:admin' } });
    for (const user of ['admin', 'carol']) {
      await dev.api.request('PUT', `/admin/users/${user}`, { mechanism: 'SCRAM-SHA-256', password: `${user}-pw` });
    }
    admin = as('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: ['acl-txn', 'acl-secret'].map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.createAcls({
      acl: [
        allow(RT.TOPIC, 'acl-txn', OP.WRITE),
        allow(RT.TRANSACTIONAL_ID, 'carol-tx', OP.WRITE),
        allow(RT.TRANSACTIONAL_ID, 'other-tx', OP.DESCRIBE),
      ],
    });
  });

  after(async () => {
    await admin?.disconnect();
    await stopKafdo(dev);
  });

  it('needs WRITE on the transactional id, then on every topic of the transaction', async () => {
    const other = as('carol').producer({ transactionalId: 'other-tx', maxInFlightRequests: 1, idempotent: true });
    await other.connect();
    /* kafkajs initialises the transactional producer id at its first transaction(). */
    const refused = await other.transaction().then(
      () => null,
      (e) => e,
    );
    await other.disconnect().catch(() => {});
    assert.ok(refused, 'a transactional id carol may describe but not write is refused');
    assert.ok(
      errorTypes(refused).includes('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'),
      `${refused.name}: ${refused.message} ${JSON.stringify(errorTypes(refused))}`,
    );
    /* Without even DESCRIBE, FindCoordinator is refused (kafkajs reports no coordinator). */
    const hidden = as('carol').producer({ transactionalId: 'hidden-tx', maxInFlightRequests: 1, idempotent: true });
    await hidden.connect();
    const unseen = await hidden.transaction().then(
      () => null,
      (e) => e,
    );
    await hidden.disconnect().catch(() => {});
    assert.equal(unseen?.name, 'KafkaJSGroupCoordinatorNotFound');

    const producer = as('carol').producer({ transactionalId: 'carol-tx', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      const denied = await producer.transaction();
      const failure = await denied.send({ topic: 'acl-secret', messages: [{ value: 'x' }] }).then(
        () => null,
        (e) => e,
      );
      assert.ok(failure, 'a topic carol may not write is refused');
      assert.ok(errorTypes(failure).includes('TOPIC_AUTHORIZATION_FAILED'), JSON.stringify(errorTypes(failure)));
      await denied.abort().catch(() => {});
      /* The operator's view (GET /admin/transactions/:id): nothing was added. */
      const described = await dev.api.get('/admin/transactions/carol-tx');
      assert.equal(described.state, 'Empty');
      assert.deepEqual(described.partitions, []);
    } finally {
      await producer.disconnect();
    }
  });
});
