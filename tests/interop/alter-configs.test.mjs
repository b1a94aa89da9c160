/*
 * alter-configs.test.mjs — changing a topic's configs while it lives, through the gateway,
 * with real clients:
 *
 *   kafkajs 2.2.4      admin.alterConfigs (AlterConfigs v1) sets retention.ms on a topic
 *                      holding records three hours old: they go from every partition
 *                      without another produce; describeConfigs (v2, and v0 on a raw
 *                      connection) names each config's source and whether it is a default;
 *                      AlterConfigs replaces the set (a config not named returns to its
 *                      default); INVALID_CONFIG, and INVALID_REQUEST for a broker resource
 *   raw frames         IncrementalAlterConfigs v0 (kafkajs has none): APPEND to
 *                      cleanup.policy keeps the rest; SUBTRACT of a scalar is INVALID_REQUEST
 *   librdkafka 2.0.2   AdminClient.alter_configs and describe_configs from Python's
 *                      confluent-kafka 1.7.0 (Debian's python3-confluent-kafka), when present
 *
 * Run: node --test tests/interop/alter-configs.test.mjs   (`make test-interop`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { RawKafka, hasErrorType, newKafka, requestFrame, startKafdo, stopKafdo, until } from './kafkajs-helpers.mjs';
import { run } from './procs.mjs';

const { ConfigResourceTypes } = kafkajs; // CommonJS: not every export is a named ESM export

const HOUR = 3_600_000;
const T = 'alter-live';
const PARTITIONS = 3;
const PYTHON = process.env.KAFDO_PYTHON ?? '/usr/bin/python3';

/* DescribeConfigs' config sources (Kafka's ConfigSource). */
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

describe('changing topic configs while the topic lives', () => {
  let dev;
  let kafka;
  let admin;
  let producer;

  before(async () => {
    dev = await startKafdo();
    kafka = newKafka(dev, { clientId: 'interop-alter' });
    admin = kafka.admin({ retry: { retries: 0 } });
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect().catch(() => {});
    await admin?.disconnect().catch(() => {});
    await stopKafdo(dev);
  });

  async function describeTopic(name) {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name }],
      includeSynonyms: false,
    });
    assert.equal(resources[0].errorCode, 0);
    return new Map(resources[0].configEntries.map((e) => [e.configName, e]));
  }

  it('describeConfigs names DEFAULT_CONFIG for a config the topic does not set, DYNAMIC_TOPIC_CONFIG for one it sets', async () => {
    await admin.createTopics({
      topics: [
        { topic: T, numPartitions: PARTITIONS, configEntries: [{ name: 'max.message.bytes', value: '500000' }] },
      ],
    });
    const entries = await describeTopic(T);
    assert.deepEqual(
      { ...entries.get('max.message.bytes') },
      {
        ...entries.get('max.message.bytes'),
        configValue: '500000',
        isDefault: false,
        configSource: DYNAMIC_TOPIC_CONFIG,
      },
    );
    assert.deepEqual(
      { ...entries.get('retention.ms') },
      { ...entries.get('retention.ms'), configValue: '604800000', isDefault: true, configSource: DEFAULT_CONFIG },
    );

    // DescribeConfigs v0 carries is_default itself (v1+ carry the source instead).
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      const v0 = await raw.call('describeConfigs', 0, { resources: [{ type: ConfigResourceTypes.TOPIC, name: T }] });
      const byName = new Map(v0.resources[0].configEntries.map((e) => [e.configName, e]));
      assert.equal(byName.get('max.message.bytes').isDefault, false);
      assert.equal(byName.get('retention.ms').isDefault, true);
    } finally {
      await raw.close();
    }
  });

  it('alterConfigs retention.ms: records older than it go from every partition at once, no produce needed', async () => {
    const old = String(Date.now() - 3 * HOUR);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      await producer.send({
        topic: T,
        messages: [
          { partition, value: 'old-0', timestamp: old },
          { partition, value: 'old-1', timestamp: old },
        ],
      });
      await producer.send({ topic: T, messages: [{ partition, value: 'new', timestamp: String(Date.now()) }] });
    }
    const offsets = async () => (await dev.api.get(`/admin/topics/${T}/offsets`)).partitions;
    assert.deepEqual(
      await offsets(),
      Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, earliest: 0, latest: 3 })),
    );

    const answer = await admin.alterConfigs({
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: T, configEntries: [{ name: 'retention.ms', value: String(HOUR) }] },
      ],
    });
    assert.deepEqual(
      answer.resources.map((r) => [r.errorCode, r.resourceName]),
      [[0, T]],
    );

    await until('the old records to go from every partition', async () =>
      (await offsets()).every((p) => p.earliest === 2),
    );
    assert.deepEqual(
      await offsets(),
      Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, earliest: 2, latest: 3 })),
    );
    const read = await dev.api.get(`/topics/${T}/partitions/1/messages?offset=2&encoding=base64`);
    assert.deepEqual(
      read.messages.map((m) => Buffer.from(m.value, 'base64').toString()),
      ['new'],
    );

    // AlterConfigs names the whole set: max.message.bytes, not named, is a default again.
    const entries = await describeTopic(T);
    assert.equal(entries.get('retention.ms').configValue, String(HOUR));
    assert.equal(entries.get('retention.ms').configSource, DYNAMIC_TOPIC_CONFIG);
    assert.equal(entries.get('max.message.bytes').configValue, '1048588');
    assert.equal(entries.get('max.message.bytes').isDefault, true);
  });

  it('a bad value is INVALID_CONFIG and changes nothing; a broker resource is INVALID_REQUEST', async () => {
    await assert.rejects(
      admin.alterConfigs({
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: T, configEntries: [{ name: 'retention.ms', value: 'soon' }] },
        ],
      }),
      hasErrorType('INVALID_CONFIG'),
    );
    assert.equal((await describeTopic(T)).get('retention.ms').configValue, String(HOUR));
    await assert.rejects(
      admin.alterConfigs({
        resources: [
          { type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'log.retention.ms', value: '1' }] },
        ],
      }),
      hasErrorType('INVALID_REQUEST'),
    );
  });

  it('IncrementalAlterConfigs v0 on a raw connection: APPEND keeps the rest; SUBTRACT of a scalar is INVALID_REQUEST', async () => {
    const raw = await RawKafka.open(dev.kafkaBroker);
    try {
      const append = await incrementalAlter(raw, T, [{ name: 'cleanup.policy', op: 2, value: 'compact' }]);
      assert.deepEqual(append, [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: T }]);
      const [refused] = await incrementalAlter(raw, T, [{ name: 'retention.ms', op: 3, value: '1' }]);
      assert.equal(refused.errorCode, 42, JSON.stringify(refused));
      assert.match(refused.errorMessage, /subtract is not allowed for config key: retention\.ms/);
    } finally {
      await raw.close();
    }
    const entries = await describeTopic(T);
    assert.equal(entries.get('cleanup.policy').configValue, 'delete,compact');
    assert.equal(entries.get('retention.ms').configValue, String(HOUR), 'kept: not named');
  });

  it('librdkafka 2.0.2 (confluent-kafka): alter_configs and describe_configs', async (t) => {
    const probe = await run(PYTHON, ['-c', 'import confluent_kafka']);
    if (probe.code !== 0) {
      t.skip(`${PYTHON} has no confluent_kafka (Debian's python3-confluent-kafka)`);
      return;
    }
    const script = `
import json, sys
from confluent_kafka.admin import AdminClient, ConfigResource
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
resource = ConfigResource("topic", sys.argv[2], set_config={"retention.ms": "7200000"})
for f in admin.alter_configs([resource]).values():
    f.result(timeout=30)
described = {}
for f in admin.describe_configs([ConfigResource("topic", sys.argv[2])]).values():
    for name, entry in f.result(timeout=30).items():
        described[name] = {"value": entry.value, "isDefault": entry.is_default, "source": entry.source}
print(json.dumps(described))
`;
    const result = await run(PYTHON, ['-c', script, dev.kafkaBroker, T]);
    assert.equal(result.code, 0, result.stderr);
    const described = JSON.parse(result.stdout);
    assert.deepEqual(described['retention.ms'], { value: '7200000', isDefault: false, source: DYNAMIC_TOPIC_CONFIG });
    // AlterConfigs replaced the set: cleanup.policy is the default again.
    assert.deepEqual(described['cleanup.policy'], { value: 'delete', isDefault: true, source: DEFAULT_CONFIG });
  });
});

/* IncrementalAlterConfigs v0 for one topic: the request by hand (kafkajs has no encoder
 * for it), the response decoded here. */
async function incrementalAlter(raw, topic, configs) {
  const parts = [int32(1), Buffer.from([2]), str(topic), int32(configs.length)];
  for (const c of configs) parts.push(str(c.name), Buffer.from([c.op]), str(c.value));
  parts.push(Buffer.from([0])); // validateOnly
  const correlationId = 77;
  await raw.writeRaw(requestFrame(44, 0, correlationId, 'kafdo-interop-raw', Buffer.concat(parts)));
  const frame = await raw.nextFrame();
  assert.ok(frame, 'answered');
  assert.equal(frame.readInt32BE(4), correlationId);
  let at = 8 + 4; // correlation id, throttle
  const count = frame.readInt32BE(at);
  at += 4;
  const readStr = () => {
    const n = frame.readInt16BE(at);
    at += 2;
    if (n < 0) return null;
    const s = frame.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const out = [];
  for (let i = 0; i < count; i++) {
    const errorCode = frame.readInt16BE(at);
    at += 2;
    const errorMessage = readStr();
    const resourceType = frame.readInt8(at);
    at += 1;
    out.push({ errorCode, errorMessage, resourceType, resourceName: readStr() });
  }
  return out;
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

function str(s) {
  const b = Buffer.from(s, 'utf8');
  const n = Buffer.alloc(2);
  n.writeInt16BE(b.length, 0);
  return Buffer.concat([n, b]);
}
