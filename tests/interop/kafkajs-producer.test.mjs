/*
 * kafkajs-producer.test.mjs — kafkajs 2.2.4's producer through the gateway:
 *
 *   - the idempotent producer (InitProducerId, Produce with producer id, epoch and
 *     sequences) stores each record once; and a Produce repeated with the same producer
 *     id, epoch and sequence (what a producer's retry after a lost answer sends, made
 *     with kafkajs's own Produce encoder on a raw connection) is acknowledged with the
 *     first append's offset and stored once, while a sequence gap is
 *     OUT_OF_ORDER_SEQUENCE_NUMBER;
 *   - Produce v0-2 (on a raw connection): a RecordBatch v2 is stored and answered in the
 *     version's shape; kafkajs's magic 0 and 1 message sets are
 *     UNSUPPORTED_FOR_MESSAGE_FORMAT (Kafdo stores RecordBatch v2 only);
 *   - a gzip-compressed batch (CompressionTypes.GZIP) is stored and consumed back
 *     identical;
 *   - headers (string and binary values), null keys and null values round-trip;
 *   - a message over the topic's max.message.bytes (set small by createTopics'
 *     configEntries) is refused with MESSAGE_TOO_LARGE, and the connection goes on: the
 *     same producer sends again, and on a raw connection the next request is answered;
 *   - a Produce answer carries the partition's log start offset (after DeleteRecords
 *     too), and, on a message.timestamp.type=LogAppendTime topic, the append time every
 *     record then reads back with; message.timestamp.difference.max.ms refuses a record
 *     too far from the broker's time with INVALID_TIMESTAMP;
 *   - with allowAutoTopicCreation: false, producing to an unknown topic fails with
 *     UNKNOWN_TOPIC_OR_PARTITION and creates nothing.
 *
 * Run: node --test tests/interop/kafkajs-producer.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { Inbox, RawKafka, captured, hasErrorType, newKafka, range, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const { CompressionTypes } = kafkajs; // kafkajs is CommonJS: not every export is a named ESM export

const require = createRequire(import.meta.url);

describe("kafkajs's producer through the gateway", () => {
  let dev;
  let kafka;
  let admin;
  const open = [];

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-producer' });
    admin = kafka.admin();
    open.push(admin);
    await admin.connect();
  });

  after(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  /* Every record of a topic's partitions from offset 0, consumed by a new group. */
  async function consumeAll(topic, count, groupId = `reader-${topic}-${Date.now()}`) {
    const inbox = new Inbox();
    const consumer = kafka.consumer({ groupId });
    open.push(consumer);
    inbox.watch(consumer, groupId);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async (m) => inbox.push(captured(m)) });
    await inbox.count(count);
    await consumer.disconnect();
    open.splice(open.indexOf(consumer), 1);
    return inbox.messages;
  }

  it('an idempotent producer stores each record once', async () => {
    const TOPIC = 'idempotent';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    open.push(producer);
    await producer.connect();

    const sent = [];
    for (const round of range(5)) {
      const messages = range(4).map((i) => ({ key: `k-${i}`, value: `round ${round} message ${i}` }));
      const result = await producer.send({ topic: TOPIC, messages });
      for (const r of result) assert.equal(r.errorCode, 0, JSON.stringify(r));
      sent.push(...messages);
    }
    await producer.sendBatch({
      topicMessages: [{ topic: TOPIC, messages: [{ key: 'batch', value: 'via sendBatch' }] }],
    });
    sent.push({ key: 'batch', value: 'via sendBatch' });

    const offsets = await dev.api.get(`/admin/topics/${TOPIC}/offsets`);
    assert.equal(
      offsets.partitions.reduce((n, p) => n + p.latest, 0),
      sent.length,
      JSON.stringify(offsets),
    );

    const received = await consumeAll(TOPIC, sent.length);
    assert.deepEqual(received.map((m) => `${m.key}=${m.value}`).sort(), sent.map((m) => `${m.key}=${m.value}`).sort());
  });

  it('a repeated idempotent Produce (same producer id, epoch, sequence) is acknowledged and stored once', async () => {
    const TOPIC = 'idempotent-raw';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      const { producerId, producerEpoch, errorCode } = await raw.call('initProducerId', 1, { transactionalId: null });
      assert.equal(errorCode, 0);
      assert.ok(Number(producerId) >= 0, `producer id ${producerId}`);

      const produce = (firstSequence, messages) =>
        raw.call('produce', 3, {
          acks: -1,
          timeout: 5000,
          producerId,
          producerEpoch,
          topicData: [{ topic: TOPIC, partitions: [{ partition: 0, firstSequence, messages }] }],
        });
      const batch = range(3).map((i) => ({ key: `seq-${i}`, value: `value ${i}`, timestamp: Date.now() }));

      const first = await produce(0, batch);
      const firstOffset = first.topics[0].partitions[0].baseOffset;
      assert.equal(firstOffset, '0');
      const again = await produce(0, batch); // a retry of the same batch
      assert.equal(again.topics[0].partitions[0].errorCode, 0);
      assert.equal(again.topics[0].partitions[0].baseOffset, firstOffset, 'a duplicate answers the first offset');

      const next = await produce(3, [{ key: 'seq-3', value: 'value 3' }]);
      assert.equal(next.topics[0].partitions[0].baseOffset, '3');

      await assert.rejects(produce(9, [{ key: 'gap', value: 'gap' }]), hasErrorType('OUT_OF_ORDER_SEQUENCE_NUMBER'));

      const { messages, highWatermark } = await dev.api.readAll(TOPIC, 0, 0);
      assert.equal(highWatermark, 4);
      assert.deepEqual(
        messages.map((m) => m.key),
        ['seq-0', 'seq-1', 'seq-2', 'seq-3'],
      );
    } finally {
      await raw.close();
    }
  });

  it('Produce v0-2: a RecordBatch v2 is stored; a magic 0 or 1 message set is UNSUPPORTED_FOR_MESSAGE_FORMAT', async () => {
    const TOPIC = 'produce-old-versions';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    const topicData = (key) => [
      { topic: TOPIC, partitions: [{ partition: 0, messages: [{ key, value: `value of ${key}` }] }] },
    ];
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      /* kafkajs's v0-2 encoders write message sets of magic 0 (v0, v1) and magic 1 (v2):
       * Kafdo stores RecordBatch v2 only and does not convert. */
      for (const version of [0, 1, 2]) {
        const answer = await raw.call(
          'produce',
          version,
          { acks: -1, timeout: 5000, topicData: topicData(`m-${version}`) },
          { parse: false },
        );
        assert.equal(answer.topics[0].partitions[0].errorCode, 43, `v${version}: ${JSON.stringify(answer)}`);
      }
      /* A RecordBatch v2 in a v2 request, as Kafka accepts it (it checks the magic only
       * from v3 on): kafkajs's v3 frame without its transactional id (null: ffff). */
      const { request } = require('kafkajs/src/protocol/requests/produce').protocol({ version: 3 })({
        acks: -1,
        timeout: 5000,
        topicData: topicData('batch-in-v2'),
      });
      const correlationId = raw.correlationId++;
      const v3 = (await require('kafkajs/src/protocol/request')({ correlationId, clientId: 'c', request })).buffer;
      const idEnd = 14 + v3.readInt16BE(12);
      assert.equal(v3.readInt16BE(idEnd), -1);
      const v2 = Buffer.concat([v3.subarray(0, idEnd), v3.subarray(idEnd + 2)]);
      v2.writeInt32BE(v2.length - 4, 0);
      v2.writeInt16BE(2, 6);
      await raw.writeRaw(v2);
      const frame = await raw.nextFrame();
      assert.equal(frame.readInt32BE(4), correlationId);
      const answer = await require('kafkajs/src/protocol/requests/produce/v2/response').decode(frame.subarray(8));
      assert.deepEqual(answer.topics[0].partitions[0], { partition: 0, errorCode: 0, offset: '0', timestamp: '-1' });
      assert.equal(answer.throttleTime, 0);
      const { messages, highWatermark } = await dev.api.readAll(TOPIC, 0, 0);
      assert.equal(highWatermark, 1);
      assert.deepEqual(
        messages.map((m) => m.key),
        ['batch-in-v2'],
      );
    } finally {
      await raw.close();
    }
  });

  it('a gzip-compressed batch is stored and consumed back identical', async () => {
    const TOPIC = 'gzipped';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();

    const messages = range(50).map((i) => ({
      key: `gz-${i}`,
      value: Buffer.from(`${'compressible '.repeat(20)}#${i}`),
      headers: { n: String(i) },
      timestamp: String(1_700_000_000_000 + i),
    }));
    await producer.send({ topic: TOPIC, compression: CompressionTypes.GZIP, messages });

    const offsets = await dev.api.get(`/admin/topics/${TOPIC}/offsets`);
    assert.equal(offsets.partitions[0].latest, messages.length);

    const received = await consumeAll(TOPIC, messages.length);
    assert.equal(received.length, messages.length);
    received.forEach((m, i) => {
      assert.equal(m.offset, i);
      assert.equal(m.key.toString(), messages[i].key);
      assert.ok(m.value.equals(messages[i].value), `value ${i}`);
      assert.equal(m.headers.n.toString(), String(i));
      assert.equal(m.timestamp, messages[i].timestamp);
    });
  });

  it('headers, null keys and null values round-trip', async () => {
    const TOPIC = 'headers-and-nulls';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();

    const binary = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3, 0x28]);
    const messages = [
      { key: null, value: 'no key', headers: { 'trace-id': 'abc-123', bin: binary } },
      { key: 'with-key', value: null, headers: {} },
      { key: null, value: Buffer.alloc(0) },
      { key: binary, value: binary, headers: { empty: '', 'utf-8': 'héllo ✓' } },
    ];
    await producer.send({ topic: TOPIC, messages });

    const received = await consumeAll(TOPIC, messages.length);
    assert.equal(received[0].key, null);
    assert.equal(received[0].value.toString(), 'no key');
    assert.equal(received[0].headers['trace-id'].toString(), 'abc-123');
    assert.ok(received[0].headers.bin.equals(binary));
    assert.equal(received[1].key.toString(), 'with-key');
    assert.equal(received[1].value, null);
    assert.deepEqual(received[1].headers, {});
    assert.equal(received[2].key, null);
    assert.equal(received[2].value.length, 0);
    assert.ok(received[3].key.equals(binary));
    assert.ok(received[3].value.equals(binary));
    assert.equal(received[3].headers.empty.toString(), '');
    assert.equal(received[3].headers['utf-8'].toString(), 'héllo ✓');

    // The REST door agrees: a null key is null, a null value a tombstone.
    const { messages: stored } = await dev.api.readAll(TOPIC, 0, 0);
    assert.equal(stored[0].key, null);
    assert.equal(stored[0].headers['trace-id'], 'abc-123');
    assert.equal(stored[1].value, null);
  });

  it('a message over max.message.bytes is MESSAGE_TOO_LARGE, and the connection goes on', async () => {
    const TOPIC = 'small-messages';
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }],
    });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();

    await assert.rejects(
      producer.send({ topic: TOPIC, messages: [{ key: 'big', value: Buffer.alloc(4096, 0x61) }] }),
      hasErrorType('MESSAGE_TOO_LARGE'),
    );
    const ok = await producer.send({ topic: TOPIC, messages: [{ key: 'small', value: 'fits' }] });
    assert.equal(ok[0].errorCode, 0);
    assert.equal(ok[0].baseOffset, '0', 'nothing of the refused message was stored');

    // The same, on one raw connection: refused, then the next request on it is answered.
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      const produce = (value) =>
        raw.call('produce', 3, {
          acks: -1,
          timeout: 5000,
          topicData: [{ topic: TOPIC, partitions: [{ partition: 0, messages: [{ key: 'raw', value }] }] }],
        });
      await assert.rejects(produce(Buffer.alloc(4096, 0x62)), hasErrorType('MESSAGE_TOO_LARGE'));
      const next = await produce('small again');
      assert.equal(next.topics[0].partitions[0].errorCode, 0);
      assert.equal(next.topics[0].partitions[0].baseOffset, '1');
      assert.equal(raw.isClosed, false);
    } finally {
      await raw.close();
    }
    const { messages } = await dev.api.readAll(TOPIC, 0, 0);
    assert.deepEqual(
      messages.map((m) => m.key),
      ['small', 'raw'],
    );
  });

  it("a Produce answer carries the partition's log start offset", async () => {
    const TOPIC = 'log-start';
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    const producer = kafka.producer();
    open.push(producer);
    await producer.connect();
    const messages = range(3).map((i) => ({ value: `m${i}` }));
    const [first] = await producer.send({ topic: TOPIC, messages });
    assert.equal(first.logStartOffset, '0');
    assert.equal(first.logAppendTime, '-1', 'a CreateTime topic has no append time');
    await admin.fetchTopicMetadata({ topics: [TOPIC] }); // deleteTopicRecords needs the leaders known
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '2' }] });
    const [second] = await producer.send({ topic: TOPIC, messages });
    assert.equal(second.baseOffset, '3');
    assert.equal(second.logStartOffset, '2');
  });

  it("Kafka's timestamp configs: LogAppendTime stamps the broker's time, a too distant timestamp is INVALID_TIMESTAMP", async () => {
    const STAMPED = 'stamped';
    const BOUNDED = 'bounded-timestamps';
    await admin.createTopics({
      topics: [
        {
          topic: STAMPED,
          numPartitions: 1,
          configEntries: [
            { name: 'message.timestamp.type', value: 'LogAppendTime' },
            { name: 'min.insync.replicas', value: '1' },
            { name: 'unclean.leader.election.enable', value: 'true' },
          ],
        },
        {
          topic: BOUNDED,
          numPartitions: 1,
          configEntries: [{ name: 'message.timestamp.difference.max.ms', value: '60000' }],
        },
      ],
    });
    const described = await admin.describeConfigs({
      resources: [
        { type: 2, name: STAMPED, configNames: ['message.timestamp.type', 'min.insync.replicas', 'compression.type'] },
      ],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    assert.deepEqual(entries, {
      'message.timestamp.type': 'LogAppendTime',
      'min.insync.replicas': '1',
      'compression.type': 'producer',
    });

    const producer = kafka.producer({ retry: { retries: 1 } });
    open.push(producer);
    await producer.connect();
    const before = Date.now();
    const dayAgo = String(before - 86_400_000);
    const [stamped] = await producer.send({
      topic: STAMPED,
      messages: [
        { value: 'a', timestamp: dayAgo },
        { value: 'b', timestamp: dayAgo },
      ],
    });
    const appendTime = Number(stamped.logAppendTime);
    assert.ok(appendTime >= before - 1000 && appendTime <= Date.now() + 1000, `append time ${stamped.logAppendTime}`);
    const read = await consumeAll(STAMPED, 2);
    assert.deepEqual(
      read.map((m) => m.timestamp),
      [String(appendTime), String(appendTime)],
    );

    await assert.rejects(
      producer.send({ topic: BOUNDED, messages: [{ value: 'old', timestamp: String(Date.now() - 3_600_000) }] }),
      hasErrorType('INVALID_TIMESTAMP'),
    );
    const [ok] = await producer.send({ topic: BOUNDED, messages: [{ value: 'now' }] });
    assert.equal(ok.baseOffset, '0', 'nothing of the refused record was stored');
  });

  it('allowAutoTopicCreation: false, unknown topic: UNKNOWN_TOPIC_OR_PARTITION, nothing created', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
    open.push(producer);
    await producer.connect();
    await assert.rejects(
      producer.send({ topic: 'nobody-made-this', messages: [{ value: 'x' }] }),
      hasErrorType('UNKNOWN_TOPIC_OR_PARTITION'),
    );
    assert.ok(!(await admin.listTopics()).includes('nobody-made-this'));
    assert.equal((await dev.api.request('GET', '/admin/topics/nobody-made-this')).status, 404);

    // The default (allowAutoTopicCreation: true) creates it, as Kafka with
    // auto.create.topics.enable does.
    const creating = kafka.producer();
    open.push(creating);
    await creating.connect();
    const [r] = await creating.send({ topic: 'made-on-first-produce', messages: [{ value: 'x' }] });
    assert.equal(r.errorCode, 0);
    assert.ok((await admin.listTopics()).includes('made-on-first-produce'));
  });
});
