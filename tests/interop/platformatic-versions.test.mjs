/*
 * platformatic-versions.test.mjs — @platformatic/kafka, which picks for each API the
 * highest version both sides support, at the newest versions Kafdo offers (issue 20):
 * CreateTopics 7 (the topic made described: id, partitions, replicas, configs),
 * CreatePartitions 3, DescribeConfigs 4, InitProducerId 5 and Produce 11 (an
 * idempotent producer), FindCoordinator 5 (several keys at once), DescribeGroups 5,
 * ListGroups 5 (the types filter), ListOffsets 6 (leader epochs) and DeleteTopics 6
 * (by name, and by topic id), against `wrangler dev` + `kafdo gateway`. The versions
 * it sent are read from its own diagnostics channel, so the test fails if it falls
 * back to an older one.
 *
 * Run: node --test tests/interop/platformatic-versions.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import {
  Admin,
  Connection,
  Consumer,
  Producer,
  deleteTopicsV6,
  listOffsetsV6,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { startDev } from '../e2e/harness.mjs';

/* Every (API key, version) the client sent, from its diagnostics channel. */
const sent = new Map();
diagnostics.subscribe('tracing:plt:kafka:connections:api:start', ({ apiKey, apiVersion }) => {
  if (!sent.has(apiKey)) sent.set(apiKey, new Set());
  sent.get(apiKey).add(apiVersion);
});

/* The response a ResponseError carries, or the resolved value. */
async function answerOf(promise) {
  try {
    return await promise;
  } catch (e) {
    if (e?.response) return e.response;
    throw e;
  }
}

/* The Kafka error names inside a @platformatic/kafka error (nested AggregateErrors). */
function protocolErrors(e) {
  if (e?.apiId) return [e.apiId];
  return (e?.errors ?? []).flatMap(protocolErrors);
}

const ZERO_ID = '00000000-0000-0000-0000-000000000000';

describe('@platformatic/kafka at its newest versions, through kafdo gateway', () => {
  let dev;
  let admin;
  let connection;
  const closers = [];

  before(async () => {
    dev = await startDev({ gateway: true });
    admin = new Admin({ clientId: 'pv-admin', bootstrapBrokers: [dev.kafkaBroker] });
    closers.push(() => admin.close());
    const [host, port] = dev.kafkaBroker.split(':');
    connection = new Connection('pv-raw');
    await connection.connect(host, Number(port));
    closers.push(() => connection.close());
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await dev?.stop({ removePersistDir: true });
  });

  it('CreateTopics 7 describes the topic made; CreatePartitions 3 and DescribeConfigs 4', async () => {
    const [made] = await admin.createTopics({
      topics: ['pv-a'],
      partitions: 2,
      replicas: 1,
      configs: [{ name: 'retention.ms', value: '600000' }],
    });
    assert.equal(made.name, 'pv-a');
    assert.equal(made.partitions, 2);
    assert.equal(made.replicas, 1, 'one replica, node 0, as Metadata shows');
    assert.equal(made.configuration['retention.ms'], '600000');
    assert.equal(made.configuration['cleanup.policy'], 'delete', 'the defaults too');
    assert.notEqual(made.id, ZERO_ID);
    const metadata = await admin.metadata({ topics: ['pv-a'] });
    assert.equal(metadata.topics.get('pv-a').id, made.id, 'the id Metadata answers');

    const refused = await admin.createTopics({ topics: ['pv-a'], partitions: 2, replicas: 1 }).then(
      () => assert.fail('created twice'),
      (e) => e,
    );
    assert.deepEqual(protocolErrors(refused), ['TOPIC_ALREADY_EXISTS']);

    await admin.createPartitions({ topics: [{ name: 'pv-a', count: 3 }] });
    assert.equal((await admin.metadata({ topics: ['pv-a'], forceUpdate: true })).topics.get('pv-a').partitionsCount, 3);

    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: 'pv-a' }],
      includeDocumentation: true,
    });
    const retention = described.configs.find((c) => c.name === 'retention.ms');
    assert.equal(retention.value, '600000');
    assert.equal(retention.configSource, 1, 'DYNAMIC_TOPIC_CONFIG');
  });

  it('an idempotent producer (InitProducerId 5, Produce 11) and a group (FindCoordinator 5, DescribeGroups 5, ListGroups 5)', async () => {
    const producer = new Producer({
      clientId: 'pv-producer',
      bootstrapBrokers: [dev.kafkaBroker],
      serializers: stringSerializers,
      idempotent: true,
    });
    closers.push(() => producer.close());
    const messages = Array.from({ length: 9 }, (_, i) => ({
      topic: 'pv-a',
      partition: i % 3,
      key: `k${i}`,
      value: `v${i}`,
    }));
    await producer.send({ messages });

    const consumer = new Consumer({
      groupId: 'pv-group',
      clientId: 'pv-consumer',
      bootstrapBrokers: [dev.kafkaBroker],
      deserializers: stringDeserializers,
      sessionTimeout: 10000,
      heartbeatInterval: 500,
    });
    closers.push(() => consumer.close(true));
    const stream = await consumer.consume({ autocommit: false, topics: ['pv-a'], mode: 'earliest' });
    const got = [];
    for await (const m of stream) {
      got.push(m.value);
      if (got.length === messages.length) break;
    }
    assert.deepEqual(got.sort(), messages.map((m) => m.value).sort());

    const [group] = (await admin.describeGroups({ groups: ['pv-group'] })).values();
    assert.equal(group.state, 'Stable');
    assert.equal(group.members.size, 1);
    const classic = await admin.listGroups({ types: ['classic'] });
    assert.ok(classic.has('pv-group'), 'listed as a classic group');
    assert.equal(classic.get('pv-group').groupType, 'classic');
    const consumerType = await admin.listGroups({ types: ['consumer'] });
    assert.equal(consumerType.size, 0, 'no group of KIP-848 type');
    await stream.close();

    const coordinators = await admin.findCoordinator({ keyType: 0, keys: ['pv-group', 'another'] });
    assert.deepEqual(
      coordinators.map((c) => [c.key, c.nodeId]),
      [
        ['pv-group', 0],
        ['another', 0],
      ],
      'both keys in one request',
    );
    /* Transactions exist: a transactional id's coordinator is the broker too. */
    const txn = await admin.findCoordinator({ keyType: 1, keys: ['tx'] });
    assert.deepEqual(
      txn.map((c) => [c.key, c.nodeId]),
      [['tx', 0]],
      'the transaction coordinator',
    );
  });

  it('ListOffsets 6 answers leader epoch 0 with an offset', async () => {
    const r = await listOffsetsV6.api.async(connection, -1, 0, [
      {
        name: 'pv-a',
        partitions: [
          { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n },
          { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 9999999999999n },
        ],
      },
    ]);
    const [latest, late] = r.topics[0].partitions;
    assert.equal(latest.errorCode, 0);
    assert.equal(Number(latest.offset), 3);
    assert.equal(latest.leaderEpoch, 0);
    assert.equal(Number(late.offset), -1, 'nothing that late');
    assert.equal(late.leaderEpoch, -1);
  });

  it('DeleteTopics 6 by name and by topic id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const [b] = await admin.createTopics({ topics: ['pv-b'], partitions: 1, replicas: 1 });
    await admin.createTopics({ topics: ['pv-c'], partitions: 1, replicas: 1 });
    const byId = await deleteTopicsV6.api.async(connection, [{ name: null, topicId: b.id }], 30000);
    assert.deepEqual(
      byId.responses.map((r) => [r.name, r.topicId, r.errorCode]),
      [['pv-b', b.id, 0]],
    );
    const unknown = await answerOf(deleteTopicsV6.api.async(connection, [{ name: null, topicId: b.id }], 30000));
    assert.equal(unknown.responses[0].errorCode, 100, 'UNKNOWN_TOPIC_ID: already deleted');
    await admin.deleteTopics({ topics: ['pv-c'] });
    const left = await admin.listTopics();
    assert.ok(!left.includes('pv-b') && !left.includes('pv-c'), JSON.stringify(left));
  });

  it('sent each API at the newest version Kafdo offers', () => {
    const newest = { 0: 11, 2: 6, 10: 5, 15: 5, 16: 5, 19: 7, 20: 6, 22: 5, 32: 4, 37: 3 };
    for (const [key, version] of Object.entries(newest)) {
      assert.deepEqual([...(sent.get(Number(key)) ?? [])], [version], `API ${key}`);
    }
  });
});
