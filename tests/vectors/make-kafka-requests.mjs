#!/usr/bin/env node
/*
 * make-kafka-requests.mjs OUTDIR — Kafka request frames encoded by a real client,
 * kafkajs 2.2.4, for the C codec's tests (tests/c/test_kafka.c --vectors OUTDIR).
 * Run at test time; the output is generated, never committed.
 *
 * Writes OUTDIR/<api>_v<version>.bin for every version kafkajs has of each API that
 * Kafdo supports: the whole frame, size prefix included, exactly as kafkajs's
 * protocol/request.js puts it on the socket (correlation id 42, client id
 * "kafdo-test"), plus OUTDIR/manifest.txt listing the names, one per line. The
 * arguments below are what test_kafka.c checks in the decoded JSON.
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';

const require = createRequire(import.meta.url);
const request = require('kafkajs/src/protocol/request');
const requests = (name, v) => `kafkajs/src/protocol/requests/${name}/v${v}/request`;

const out = process.argv[2];
if (!out) {
  console.error('usage: make-kafka-requests.mjs OUTDIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const produceArgs = {
  acks: -1,
  timeout: 30000,
  topicData: [
    {
      topic: 'orders',
      partitions: [
        { partition: 0, messages: [{ key: 'k1', value: 'v1', timestamp: 1700000000000 }] },
        { partition: 2, messages: [{ key: null, value: 'v2', timestamp: 1700000000001, headers: { h: 'x' } }] },
      ],
    },
  ],
};
const fetchArgs = {
  replicaId: -1,
  maxWaitTime: 500,
  minBytes: 1,
  maxBytes: 10485760,
  isolationLevel: 1,
  rackId: 'rack-a',
  topics: [{ topic: 'orders', partitions: [{ partition: 3, fetchOffset: '12345', maxBytes: 1048576 }] }],
};

/* [api, versions, arguments]; arguments as each kafkajs request module takes them. */
const cases = [
  ['produce', [0, 1, 2, 3, 4, 5, 6, 7], produceArgs],
  ['fetch', [4, 5, 6, 7, 8, 9, 10, 11], fetchArgs],
  [
    'listOffsets',
    [1, 2, 3],
    { replicaId: -1, isolationLevel: 1, topics: [{ topic: 'orders', partitions: [{ partition: 1, timestamp: -2 }] }] },
  ],
  ['metadata', [0, 1, 2, 3, 4, 5, 6], { topics: ['orders', 'events'], allowAutoTopicCreation: false }],
  [
    'offsetCommit',
    [0, 1, 2, 3, 4, 5],
    {
      groupId: 'g1',
      groupGenerationId: 7,
      memberId: 'm-1',
      retentionTime: -1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '99', metadata: 'md' }] }],
    },
  ],
  [
    'offsetFetch',
    [1, 2, 3, 4],
    { groupId: 'g1', topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 1 }] }] },
  ],
  ['findCoordinator', [0, 1, 2], { groupId: 'g1', coordinatorKey: 'g1', coordinatorType: 0 }],
  [
    'joinGroup',
    [0, 1, 2, 3, 4, 5],
    {
      groupId: 'g1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from([0, 1, 2, 3]) }],
    },
  ],
  ['heartbeat', [0, 1, 2, 3], { groupId: 'g1', groupGenerationId: 7, memberId: 'm-1' }],
  ['leaveGroup', [0, 1, 2, 3], { groupId: 'g1', memberId: 'm-1', members: [{ memberId: 'm-1' }] }],
  [
    'syncGroup',
    [0, 1, 2, 3],
    {
      groupId: 'g1',
      generationId: 7,
      memberId: 'm-1',
      groupAssignment: [{ memberId: 'm-1', memberAssignment: Buffer.from([9, 8, 7]) }],
    },
  ],
  ['describeGroups', [0, 1, 2], { groupIds: ['g1', 'g2'] }],
  ['listGroups', [0, 1, 2], undefined],
  ['apiVersions', [0, 1, 2], undefined],
  [
    'createTopics',
    [0, 1, 2, 3],
    {
      topics: [
        {
          topic: 'orders',
          numPartitions: 3,
          replicationFactor: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
      validateOnly: false,
      timeout: 5000,
    },
  ],
  ['deleteTopics', [0, 1], { topics: ['orders'], timeout: 5000 }],
  [
    'deleteRecords',
    [0, 1],
    {
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, offset: '42' },
            { partition: 2, offset: -1 },
          ],
        },
      ],
      timeout: 5000,
    },
  ],
  ['initProducerId', [0, 1], { transactionalId: null, transactionTimeout: 30000 }],
  [
    'describeConfigs',
    [0, 1, 2],
    { resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }], includeSynonyms: true },
  ],
  [
    'alterConfigs',
    [0, 1],
    {
      resources: [
        {
          type: 2,
          name: 'orders',
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'cleanup.policy', value: null },
          ],
        },
      ],
      validateOnly: true,
    },
  ],
  [
    'createPartitions',
    [0, 1],
    { topicPartitions: [{ topic: 'orders', count: 5 }], validateOnly: false, timeout: 5000 },
  ],
  ['deleteGroups', [0, 1], ['g1', 'g2']],
];

const names = [];
for (const [api, versions, args] of cases) {
  for (const v of versions) {
    const path = require.resolve(requests(api, v));
    if (!existsSync(path)) throw new Error(`kafkajs has no ${api} v${v}`);
    const req = require(path)(args);
    if (req.apiVersion !== v) throw new Error(`${api} v${v} encodes version ${req.apiVersion}`);
    const frame = await request({ correlationId: 42, clientId: 'kafdo-test', request: req });
    const name = `${api}_v${v}`;
    writeFileSync(`${out}/${name}.bin`, frame.buffer);
    names.push(name);
  }
}
writeFileSync(`${out}/manifest.txt`, names.join('\n') + '\n');
console.log(`make-kafka-requests: ${names.length} frames in ${out}`);
