/*
 * admin-apis.test.mjs — the cluster and partition administration APIs Kafdo answers
 * as a single Kafka broker (issue 20), asked by @platformatic/kafka (its Admin where
 * it has a method, its own API encoders on a Connection where it has only those; its
 * Connection with hand-written bodies for ElectLeaders, which it lacks), against
 * `wrangler dev` + `kafdo gateway`: DescribeCluster, DescribeLogDirs (each
 * partition's stored bytes), DescribeProducers (the idempotent producer that wrote),
 * List/AlterPartitionReassignments, ElectLeaders, OffsetDelete (refused for a topic a
 * live member subscribes to), DescribeConfigs of the broker, Metadata v12 (topic ids,
 * a topic asked for by id), and ApiVersions v3's finalized-features epoch, read off
 * the wire.
 *
 * Run: node --test tests/interop/admin-apis.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  Admin,
  Connection,
  Consumer,
  Producer,
  Writer,
  createAPI,
  describeClusterV1,
  describeProducersV0,
  listPartitionReassignmentsV0,
  metadataV12,
  alterPartitionReassignmentsV0,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { startDev } from '../e2e/harness.mjs';

const TOPIC = 'ops';
const GROUP = 'ops-group';

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

/* ElectLeaders v2 (flexible), which @platformatic/kafka has no encoder for. */
const electLeadersV2 = createAPI(
  43,
  2,
  (electionType, topics, timeoutMs) =>
    Writer.create()
      .appendInt8(electionType)
      .appendArray(topics, (w, t) =>
        w.appendString(t.topic).appendArray(t.partitions, (w, p) => w.appendInt32(p), true, false),
      )
      .appendInt32(timeoutMs)
      .appendTaggedFields(),
  (_correlationId, _apiKey, _apiVersion, reader) => ({
    throttleTimeMs: reader.readInt32(),
    errorCode: reader.readInt16(),
    results: reader.readArray((r) => ({
      topic: r.readString(),
      partitions: r.readArray((p) => ({
        partitionId: p.readInt32(),
        errorCode: p.readInt16(),
        errorMessage: p.readNullableString(),
      })),
    })),
  }),
);

describe('the administration APIs of a single broker, through kafdo gateway', () => {
  let dev;
  let admin;
  let connection;
  let host;
  let port;
  const closers = [];

  before(async () => {
    dev = await startDev({ gateway: true });
    [host, port] = dev.kafkaBroker.split(':');
    admin = new Admin({ clientId: 'ops-admin', bootstrapBrokers: [dev.kafkaBroker] });
    closers.push(() => admin.close());
    connection = new Connection('ops-raw');
    await connection.connect(host, Number(port));
    closers.push(() => connection.close());
    await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 });
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await dev?.stop({ removePersistDir: true });
  });

  it('DescribeCluster: one broker, node 0 at the gateway, the controller', async () => {
    const r = await describeClusterV1.api.async(connection, true, 1);
    assert.equal(r.errorCode, 0);
    assert.equal(r.clusterId, 'kafdo');
    assert.equal(r.controllerId, 0);
    assert.deepEqual(r.brokers, [{ brokerId: 0, host, port: Number(port), rack: null }]);
    assert.notEqual(r.clusterAuthorizedOperations, -2147483648, 'operations given when asked');
    const controllers = await answerOf(describeClusterV1.api.async(connection, false, 2));
    assert.equal(controllers.errorCode, 114, 'MISMATCHED_ENDPOINT_TYPE: a broker is no controller endpoint');
  });

  it('DescribeProducers and DescribeLogDirs: the idempotent producer, the stored bytes', async () => {
    const producer = new Producer({
      clientId: 'ops-producer',
      bootstrapBrokers: [dev.kafkaBroker],
      serializers: stringSerializers,
      idempotent: true,
    });
    closers.push(() => producer.close());
    for (let i = 0; i < 3; i++) {
      await producer.send({
        messages: [0, 1, 2, 3].map((n) => ({ topic: TOPIC, partition: 0, key: `k${n}`, value: `v${i}-${n}` })),
      });
    }
    const described = await describeProducersV0.api.async(connection, [{ name: TOPIC, partitionIndexes: [0, 1] }]);
    const [p0, p1] = described.topics[0].partitions;
    assert.equal(p0.errorCode, 0);
    assert.equal(p0.activeProducers.length, 1);
    const active = p0.activeProducers[0];
    assert.ok(BigInt(active.producerId) >= 0n, `producer id ${active.producerId}`);
    assert.equal(active.lastSequence, 11, 'twelve records in sequence 0-11');
    assert.equal(Number(active.currentTxnStartOffset), -1);
    assert.deepEqual(p1.activeProducers, [], 'partition 1 has had no producer');
    const missing = await answerOf(
      describeProducersV0.api.async(connection, [{ name: 'no-such-topic', partitionIndexes: [0] }]),
    );
    assert.equal(missing.topics[0].partitions[0].errorCode, 3, 'UNKNOWN_TOPIC_OR_PARTITION');

    const [dirs] = await admin.describeLogDirs({ topics: [{ name: TOPIC, partitions: [0, 1] }] });
    assert.equal(dirs.results.length, 1, 'one log directory');
    const sizes = new Map(
      dirs.results[0].topics
        .find((t) => t.name === TOPIC)
        .partitions.map((p) => [p.partitionIndex, Number(p.partitionSize)]),
    );
    assert.ok(sizes.get(0) > 12 * 6, `partition 0 holds its batches: ${sizes.get(0)} bytes`);
    assert.equal(sizes.get(1), 0, 'partition 1 is empty');
  });

  it('ListPartitionReassignments, AlterPartitionReassignments, ElectLeaders: nothing to move or elect', async () => {
    const listed = await listPartitionReassignmentsV0.api.async(connection, 30000, null);
    assert.equal(listed.errorCode, 0);
    assert.deepEqual(listed.topics, []);
    const altered = await answerOf(
      alterPartitionReassignmentsV0.api.async(connection, 30000, false, [
        {
          name: TOPIC,
          partitions: [
            { partitionIndex: 0, replicas: [0] },
            { partitionIndex: 1, replicas: [1] },
          ],
        },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, replicas: [0] }] },
      ]),
    );
    const codes = altered.responses.map((t) => t.partitions.map((p) => p.errorCode));
    assert.deepEqual(codes, [[0, 39], [3]], 'to [0]: done; to broker 1: INVALID_REPLICA_ASSIGNMENT; unknown topic');
    const cancelled = await answerOf(
      alterPartitionReassignmentsV0.api.async(connection, 30000, false, [
        { name: TOPIC, partitions: [{ partitionIndex: 0, replicas: null }] },
      ]),
    );
    assert.equal(cancelled.responses[0].partitions[0].errorCode, 85, 'NO_REASSIGNMENT_IN_PROGRESS');

    const elected = await electLeadersV2.async(connection, 0, [{ topic: TOPIC, partitions: [0, 1, 7] }], 30000);
    assert.equal(elected.errorCode, 0);
    assert.deepEqual(
      elected.results[0].partitions.map((p) => p.errorCode),
      [84, 84, 3],
      'ELECTION_NOT_NEEDED; partition 7 unknown',
    );
    const all = await electLeadersV2.async(connection, 0, null, 30000);
    assert.deepEqual(all.results, [], 'every partition: none needed one');
  });

  it('OffsetDelete: refused for a subscribed topic while the group has a member, done once it is empty', async () => {
    await admin.alterConsumerGroupOffsets({
      groupId: GROUP,
      topics: [
        {
          name: TOPIC,
          partitionOffsets: [
            { partition: 0, offset: 5n },
            { partition: 1, offset: 0n },
          ],
        },
      ],
    });
    const consumer = new Consumer({
      groupId: GROUP,
      clientId: 'ops-consumer',
      bootstrapBrokers: [dev.kafkaBroker],
      deserializers: stringDeserializers,
      sessionTimeout: 10000,
      heartbeatInterval: 500,
    });
    const stream = await consumer.consume({ autocommit: false, topics: [TOPIC], mode: 'committed' });
    const refused = await admin
      .deleteConsumerGroupOffsets({ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] })
      .then(
        () => assert.fail('OffsetDelete of a subscribed topic succeeded'),
        (e) => e,
      );
    assert.deepEqual(protocolErrors(refused), ['GROUP_SUBSCRIBED_TO_TOPIC']);
    await stream.close();
    await consumer.close(true);
    await admin.deleteConsumerGroupOffsets({ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
    const [offsets] = await admin.listConsumerGroupOffsets({
      groups: [{ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] }],
    });
    const byPartition = new Map(offsets.topics[0].partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]));
    assert.equal(byPartition.get(0), -1, 'partition 0 forgotten');
    assert.equal(byPartition.get(1), 0, 'partition 1 kept');
    const rest = await (await fetch(`${dev.baseUrl}/consumer-groups/${GROUP}/offsets`)).json().catch(() => null);
    if (rest?.offsets)
      assert.ok(
        !rest.offsets.some((o) => o.topic === TOPIC && o.partition === 0 && o.offset >= 0),
        JSON.stringify(rest),
      );
  });

  it('DescribeConfigs of the broker: read-only configs with their sources', async () => {
    const [broker] = await admin.describeConfigs({
      resources: [{ resourceType: 4, resourceName: '0' }],
      includeSynonyms: true,
    });
    const byName = new Map(broker.configs.map((c) => [c.name, c]));
    assert.equal(byName.get('message.max.bytes').value, '1048576');
    assert.equal(byName.get('log.retention.ms').value, '604800000');
    assert.equal(byName.get('advertised.listeners').value, `PLAINTEXT://${dev.kafkaBroker}`);
    for (const c of broker.configs) assert.equal(c.readOnly, true, c.name);
    assert.equal(byName.get('fetch.max.bytes').configSource, 4, 'STATIC_BROKER_CONFIG');
    assert.equal(byName.get('log.segment.bytes').configSource, 5, 'DEFAULT_CONFIG');
    const [cluster] = await admin.describeConfigs({ resources: [{ resourceType: 4, resourceName: '' }] });
    assert.deepEqual(cluster.configs, [], 'no cluster-wide dynamic defaults');
  });

  it('Metadata v12: topic ids, and a topic asked for by its id', async () => {
    const byName = await metadataV12.api.async(connection, [TOPIC], false, true);
    const [topic] = byName.topics;
    assert.equal(topic.errorCode, 0);
    assert.match(topic.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-/, 'a topic id, not zero');
    assert.notEqual(topic.topicId, '00000000-0000-0000-0000-000000000000');
    assert.notEqual(topic.topicAuthorizedOperations, -2147483648, 'operations given when asked');
    const byId = await metadataV12.api.async(connection, [{ topicId: topic.topicId, name: null }], false, false);
    assert.equal(byId.topics[0].name, TOPIC);
    assert.equal(byId.topics[0].partitions.length, 2);
    const unknown = await answerOf(
      metadataV12.api.async(
        connection,
        [{ topicId: '00000000-0000-0000-0000-0000000000aa', name: null }],
        false,
        false,
      ),
    );
    assert.equal(unknown.topics[0].errorCode, 100, 'UNKNOWN_TOPIC_ID');
  });

  it('ApiVersions v3 carries the finalized features epoch as a tagged field', async () => {
    /* size, key 18, version 3, correlation id 7, client id "t", header tagged fields,
     * compact strings "t" and "1", body tagged fields */
    const request = Buffer.from([0, 0, 0, 17, 0, 18, 0, 3, 0, 0, 0, 7, 0, 1, 0x74, 0, 2, 0x74, 2, 0x31, 0]);
    const answer = await new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), host, () => socket.write(request));
      let got = Buffer.alloc(0);
      socket.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
          socket.end();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    assert.equal(answer.readInt16BE(8), 0, 'no error');
    /* the body ends: throttle time, then one tagged field: tag 1, 8 bytes, epoch 0 */
    assert.deepEqual([...answer.subarray(answer.length - 11)], [1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
