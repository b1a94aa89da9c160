/*
 * sasl-acls.test.mjs — ACLs on the Kafka port, with kafkajs 2.2.4 authenticated by SCRAM
 * against a Worker with KAFDO_KAFKA_SASL=required and KAFDO_SUPER_USERS=User:admin: the
 * super user manages ACLs with admin.createAcls / describeAcls / deleteAcls; a principal
 * allowed to write one topic and read one group can do exactly that; prefixed patterns;
 * deny wins over allow; Metadata hides what a principal may not describe.
 *
 * Run: node --test tests/interop/sasl-acls.test.mjs
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { RawKafka, errorTypes, newKafka, requestFrame, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

const { AclResourceTypes: RT, AclOperationTypes: OP, AclPermissionTypes: PERM, ResourcePatternTypes: PT } = kafkajs;

const acl = (resourceType, resourceName, resourcePatternType, principal, operation, permissionType = PERM.ALLOW) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal,
  host: '*',
  operation,
  permissionType,
});

describe('ACLs on the Kafka port (SASL required, super user User:admin)', () => {
  let dev;
  const as = (user, extra = {}) =>
    newKafka(dev, {
      sasl: { mechanism: 'scram-sha-256', username: user, password: `${user}-pw` },
      retry: { retries: 0 },
      ...extra,
    });
  let admin;

  before(async () => {
    dev = await startKafdo({ vars: { KAFDO_KAFKA_SASL: 'required', KAFDO_SUPER_USERS: 'User:admin;User:ops' } });
    for (const user of ['admin', 'alice', 'bob', 'nobody']) {
      await dev.api.request('PUT', `/admin/users/${user}`, { mechanism: 'SCRAM-SHA-256', password: `${user}-pw` });
    }
    admin = as('admin').admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['orders', 'payments', 'payroll', 'secret'].map((topic) => ({ topic, numPartitions: 1 })),
    });
    await admin.createAcls({
      acl: [
        acl(RT.TOPIC, 'orders', PT.LITERAL, 'User:alice', OP.WRITE),
        acl(RT.GROUP, 'billing', PT.LITERAL, 'User:alice', OP.READ),
        acl(RT.TOPIC, 'pay', PT.PREFIXED, 'User:bob', OP.ALL),
        acl(RT.GROUP, 'pay-', PT.PREFIXED, 'User:bob', OP.READ),
        acl(RT.TOPIC, 'payroll', PT.LITERAL, 'User:bob', OP.READ, PERM.DENY),
      ],
    });
  });

  after(async () => {
    await admin?.disconnect();
    await stopKafdo(dev);
  });

  it('describeAcls lists what was created; an invalid binding is refused and nothing of it kept', async () => {
    const { resources } = await admin.describeAcls({
      resourceType: RT.ANY,
      resourcePatternType: PT.ANY,
      operation: OP.ANY,
      permissionType: PERM.ANY,
    });
    const flat = resources.flatMap((r) =>
      r.acls.map(
        (a) =>
          `${r.resourceType}/${r.resourceName}/${r.resourcePatternType} ${a.principal} ${a.operation} ${a.permissionType}`,
      ),
    );
    assert.deepEqual(
      flat.sort(),
      [
        `${RT.GROUP}/billing/${PT.LITERAL} User:alice ${OP.READ} ${PERM.ALLOW}`,
        `${RT.GROUP}/pay-/${PT.PREFIXED} User:bob ${OP.READ} ${PERM.ALLOW}`,
        `${RT.TOPIC}/orders/${PT.LITERAL} User:alice ${OP.WRITE} ${PERM.ALLOW}`,
        `${RT.TOPIC}/pay/${PT.PREFIXED} User:bob ${OP.ALL} ${PERM.ALLOW}`,
        `${RT.TOPIC}/payroll/${PT.LITERAL} User:bob ${OP.READ} ${PERM.DENY}`,
      ].sort(),
    );
    await assert.rejects(
      admin.createAcls({ acl: [acl(RT.CLUSTER, 'not-the-cluster', PT.LITERAL, 'User:x', OP.ALTER)] }),
      (e) => {
        assert.ok(errorTypes(e).includes('INVALID_REQUEST'), e.stack);
        return true;
      },
    );
  });

  it('alice writes orders and nothing else, and sees only orders', async () => {
    const producer = as('alice').producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'orders', messages: [{ value: 'ok' }] });
    assert.equal(sent.errorCode, 0);
    await assert.rejects(producer.send({ topic: 'payments', messages: [{ value: 'no' }] }), (e) => {
      assert.ok(errorTypes(e).includes('TOPIC_AUTHORIZATION_FAILED'), e.stack);
      return true;
    });
    await producer.disconnect();
    const a = as('alice').admin();
    await a.connect();
    assert.deepEqual(await a.listTopics(), ['orders']);
    /* READ on the group (DESCRIBE implied) lets her fetch its offsets; another group is refused. */
    await a.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
    /* FindCoordinator for it is GROUP_AUTHORIZATION_FAILED, which kafkajs reports as no coordinator. */
    await assert.rejects(a.fetchOffsets({ groupId: 'other', topics: ['orders'] }), (e) => {
      assert.ok(
        errorTypes(e).includes('GROUP_AUTHORIZATION_FAILED') || e.name === 'KafkaJSGroupCoordinatorNotFound',
        e.stack,
      );
      return true;
    });
    await assert.rejects(a.createTopics({ topics: [{ topic: 'new-one' }] }), (e) => {
      assert.ok(errorTypes(e).includes('TOPIC_AUTHORIZATION_FAILED'), e.stack);
      return true;
    });
    await assert.rejects(
      a.describeAcls({
        resourceType: RT.ANY,
        resourcePatternType: PT.ANY,
        operation: OP.ANY,
        permissionType: PERM.ANY,
      }),
      (e) => {
        assert.ok(errorTypes(e).includes('CLUSTER_AUTHORIZATION_FAILED'), e.stack);
        return true;
      },
    );
    await a.disconnect();
  });

  it('bob reads the pay* topics in a pay-* group, but payroll is denied: deny wins', async () => {
    const b = as('bob');
    const producer = b.producer();
    await producer.connect();
    await producer.send({ topic: 'payments', messages: [{ value: 'p1' }] });
    await producer.send({ topic: 'payroll', messages: [{ value: 'r1' }] }); /* WRITE is allowed by ALL */
    await producer.disconnect();
    const consumer = b.consumer({ groupId: 'pay-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'payments', fromBeginning: true });
    const got = await new Promise((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message.value.toString()) }).catch(reject);
    });
    assert.equal(got, 'p1');
    await consumer.disconnect();
    const a = b.admin();
    await a.connect();
    assert.deepEqual((await a.listTopics()).sort(), ['payments', 'payroll']);
    await assert.rejects(a.fetchTopicOffsets('secret'), (e) => {
      assert.ok(
        errorTypes(e).includes('TOPIC_AUTHORIZATION_FAILED') || /not authorized|TOPIC_AUTHORIZATION/i.test(e.message),
        e.stack,
      );
      return true;
    });
    await a.disconnect();
    const denied = b.consumer({ groupId: 'pay-payroll', retry: { retries: 0 } });
    await denied.connect();
    await denied.subscribe({ topic: 'payroll', fromBeginning: true });
    const crashed = await new Promise((resolve) => {
      denied.on(denied.events.CRASH, ({ payload }) => resolve(payload.error));
      denied.run({ eachMessage: async () => resolve(new Error('read payroll')) }).catch(resolve);
    });
    assert.ok(errorTypes(crashed).includes('TOPIC_AUTHORIZATION_FAILED'), String(crashed?.stack ?? crashed));
    await denied.disconnect();
  });

  /* A raw connection logged in with PLAIN as `user`, for what kafkajs's admin cannot ask. */
  async function rawAs(user) {
    const raw = await RawKafka.open(dev.kafkaBroker);
    await raw.call('saslHandshake', 1, { mechanism: 'PLAIN' });
    const token = Buffer.from(`\0${user}\0${user}-pw`);
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length);
    await raw.call('saslAuthenticate', 1, { authBytes: Buffer.concat([size, token]) });
    return raw;
  }

  it('OffsetFetch answers a topic alice may not describe TOPIC_AUTHORIZATION_FAILED, and leaves it out of "all"', async () => {
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '1' }] });
    await admin.setOffsets({ groupId: 'billing', topic: 'payments', partitions: [{ partition: 0, offset: '1' }] });
    const a = as('alice').admin();
    await a.connect();
    await a.listTopics(); /* kafkajs finds the coordinator only with metadata loaded */
    /* No topic list (null on the wire): every offset of the group but those of payments. */
    const all = await a.fetchOffsets({ groupId: 'billing' });
    assert.deepEqual(
      all.map((t) => t.topic),
      ['orders'],
    );
    await a.disconnect();
    const raw = await rawAs('alice');
    const named = await raw.call(
      'offsetFetch',
      3,
      {
        groupId: 'billing',
        topics: ['orders', 'payments'].map((topic) => ({ topic, partitions: [{ partition: 0 }] })),
      },
      { parse: false },
    );
    const byTopic = Object.fromEntries(named.responses.map((t) => [t.topic, t.partitions[0]]));
    assert.deepEqual([byTopic.orders.errorCode, byTopic.orders.offset], [0, '1']);
    assert.deepEqual([byTopic.payments.errorCode, byTopic.payments.offset], [29, '-1']);
    await raw.close();
  });

  it('OffsetDelete needs DELETE on the group and READ on each topic', async () => {
    /* OffsetDelete v0 (kafkajs has no encoder): group, [topic [partition]]. */
    const str = (s) => {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Buffer.byteLength(s));
      return Buffer.concat([b, Buffer.from(s)]);
    };
    const i32 = (n) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const offsetDelete = async (raw, groupId, topics) => {
      const body = Buffer.concat([
        str(groupId),
        i32(topics.length),
        ...topics.flatMap((t) => [str(t), i32(1), i32(0)]),
      ]);
      await raw.writeRaw(requestFrame(47, 0, 77, 'raw', body));
      const frame = await raw.nextFrame();
      let at = 8;
      const errorCode = frame.readInt16BE(at);
      at += 2 + 4; /* throttle */
      const answered = {};
      const topicCount = frame.readInt32BE(at);
      at += 4;
      for (let i = 0; i < topicCount; i++) {
        const len = frame.readInt16BE(at);
        const name = frame.subarray(at + 2, at + 2 + len).toString();
        at += 2 + len;
        const parts = frame.readInt32BE(at);
        at += 4;
        for (let j = 0; j < parts; j++, at += 6)
          answered[`${name}/${frame.readInt32BE(at)}`] = frame.readInt16BE(at + 4);
      }
      return { errorCode, answered };
    };
    await admin.createAcls({
      acl: [acl(RT.GROUP, 'pay-cleanup', PT.LITERAL, 'User:bob', OP.DELETE)],
    });
    await new Promise((r) => setTimeout(r, 2100)); /* the isolate's ACL cache */
    await admin.setOffsets({ groupId: 'pay-cleanup', topic: 'payments', partitions: [{ partition: 0, offset: '1' }] });
    await admin.setOffsets({ groupId: 'pay-cleanup', topic: 'secret', partitions: [{ partition: 0, offset: '1' }] });
    await admin.setOffsets({ groupId: 'pay-readers', topic: 'payments', partitions: [{ partition: 0, offset: '1' }] });
    const raw = await rawAs('bob');
    /* READ on pay-readers is not DELETE: the whole request is refused. */
    assert.equal((await offsetDelete(raw, 'pay-readers', ['payments'])).errorCode, 30);
    const { errorCode, answered } = await offsetDelete(raw, 'pay-cleanup', ['payments', 'secret', 'payroll']);
    assert.equal(errorCode, 0);
    assert.deepEqual(answered, { 'payments/0': 0, 'secret/0': 29, 'payroll/0': 29 });
    await raw.close();
    const left = await admin.fetchOffsets({ groupId: 'pay-cleanup', topics: ['payments', 'secret'] });
    assert.deepEqual(Object.fromEntries(left.map((t) => [t.topic, t.partitions[0].offset])), {
      payments: '-1',
      secret: '1',
    });
  });

  it("Metadata, DescribeGroups and DescribeCluster answer the principal's own authorized operations when asked", async () => {
    const str = (s) => {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Buffer.byteLength(s));
      return Buffer.concat([b, Buffer.from(s)]);
    };
    const i32 = (n) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const bool = (v) => Buffer.from([v ? 1 : 0]);
    /* A cursor over a response frame (past its size and correlation id). */
    const reader = (frame) => {
      let at = 8;
      const r = {
        i8: () => frame.readInt8((at += 1) - 1),
        i16: () => frame.readInt16BE((at += 2) - 2),
        i32: () => frame.readInt32BE((at += 4) - 4),
        str: () => {
          const len = r.i16();
          if (len < 0) return null;
          return frame.subarray(at, (at += len)).toString();
        },
        bytes: () => {
          const len = r.i32();
          at += Math.max(len, 0);
        },
        array: (item) => Array.from({ length: r.i32() }, () => item()),
      };
      return r;
    };
    const bits = (ops) => ops.reduce((all, op) => all | (1 << op), 0);
    const exchange = async (raw, apiKey, version, body) => {
      await raw.writeRaw(requestFrame(apiKey, version, 78, 'raw', body));
      return reader(await raw.nextFrame());
    };
    /* Metadata v8: topics, allow auto creation, cluster operations, topic operations. */
    const metadata = async (raw, topics) => {
      const r = await exchange(
        raw,
        3,
        8,
        Buffer.concat([i32(topics.length), ...topics.map(str), bool(false), bool(true), bool(true)]),
      );
      r.i32(); /* throttle */
      r.array(() => [r.i32(), r.str(), r.i32(), r.str()]);
      r.str(); /* cluster id */
      r.i32(); /* controller */
      const answered = Object.fromEntries(
        r.array(() => {
          const errorCode = r.i16();
          const name = r.str();
          r.i8();
          r.array(() => [r.i16(), r.i32(), r.i32(), r.i32(), r.array(r.i32), r.array(r.i32), r.array(r.i32)]);
          return [name, { errorCode, operations: r.i32() }];
        }),
      );
      return { topics: answered, cluster: r.i32() };
    };
    /* DescribeGroups v3: groups, include authorized operations. */
    const describeGroups = async (raw, groups) => {
      const r = await exchange(raw, 15, 3, Buffer.concat([i32(groups.length), ...groups.map(str), bool(true)]));
      r.i32();
      return Object.fromEntries(
        r.array(() => {
          const errorCode = r.i16();
          const groupId = r.str();
          r.str();
          r.str();
          r.str();
          r.array(() => [r.str(), r.str(), r.str(), r.bytes(), r.bytes()]);
          return [groupId, { errorCode, operations: r.i32() }];
        }),
      );
    };
    const TOPIC_ALL = bits([OP.READ, OP.WRITE, OP.CREATE, OP.DELETE, OP.ALTER, OP.DESCRIBE, 10, 11]);
    const bob = await rawAs('bob');
    const seen = await metadata(bob, ['payments', 'payroll']);
    /* ALL on pay*, READ denied on payroll; nothing on the cluster. */
    assert.deepEqual(seen.topics, {
      payments: { errorCode: 0, operations: TOPIC_ALL },
      payroll: { errorCode: 0, operations: TOPIC_ALL & ~bits([OP.READ]) },
    });
    assert.equal(seen.cluster, 0);
    /* READ on pay-* implies DESCRIBE; billing is not bob's. */
    assert.deepEqual(await describeGroups(bob, ['pay-readers', 'billing']), {
      'pay-readers': { errorCode: 0, operations: bits([OP.READ, OP.DESCRIBE]) },
      billing: { errorCode: 30, operations: -2147483648 },
    });
    await bob.close();
    const alice = await rawAs('alice');
    assert.deepEqual((await metadata(alice, ['orders'])).topics, {
      orders: { errorCode: 0, operations: bits([OP.WRITE, OP.DESCRIBE]) },
    });
    await alice.close();
    /* DescribeCluster v0 (flexible, every length below 127 is one varint byte): the
     * header's and the body's empty tagged fields around include_cluster_authorized_operations. */
    const describeCluster = async (raw) => {
      const r = await exchange(raw, 60, 0, Buffer.from([0, 1, 0]));
      const compact = () => {
        const len = r.i8() - 1;
        return len < 0 ? null : Buffer.from(Array.from({ length: len }, () => r.i8())).toString();
      };
      r.i8(); /* response header tags */
      r.i32(); /* throttle */
      const errorCode = r.i16();
      compact(); /* error message */
      compact(); /* cluster id */
      r.i32(); /* controller */
      /* brokers: id, host, port, rack, tags */
      for (let n = r.i8() - 1; n > 0; n--) {
        r.i32();
        compact();
        r.i32();
        compact();
        r.i8();
      }
      return { errorCode, operations: r.i32() };
    };
    const CLUSTER_ALL = bits([OP.CREATE, OP.ALTER, OP.DESCRIBE, OP.CLUSTER_ACTION, 10, 11, 12]);
    const root = await rawAs('admin');
    assert.equal((await metadata(root, ['orders'])).cluster, CLUSTER_ALL);
    assert.deepEqual(await describeCluster(root), { errorCode: 0, operations: CLUSTER_ALL });
    await root.close();
    /* A principal allowed DESCRIBE on the cluster (and nothing else there) is told just that. */
    await admin.createAcls({ acl: [acl(RT.CLUSTER, 'kafka-cluster', PT.LITERAL, 'User:nobody', OP.DESCRIBE)] });
    await new Promise((r) => setTimeout(r, 2100)); /* the isolate's ACL cache */
    const nobody = await rawAs('nobody');
    assert.deepEqual(await describeCluster(nobody), { errorCode: 0, operations: bits([OP.DESCRIBE]) });
    await nobody.close();
    await admin.deleteAcls({
      filters: [
        {
          resourceType: RT.CLUSTER,
          resourceName: 'kafka-cluster',
          resourcePatternType: PT.LITERAL,
          principal: 'User:nobody',
          host: '*',
          operation: OP.ANY,
          permissionType: PERM.ANY,
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 2100));
  });

  it('a principal with no ACL sees no topics and may not produce', async () => {
    const a = as('nobody').admin();
    await a.connect();
    assert.deepEqual(await a.listTopics(), []);
    await a.disconnect();
  });

  it('deleteAcls removes what the filter matches, and the access goes with it', async () => {
    const { filterResponses } = await admin.deleteAcls({
      filters: [
        {
          resourceType: RT.TOPIC,
          resourceName: 'orders',
          resourcePatternType: PT.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: OP.ANY,
          permissionType: PERM.ANY,
        },
      ],
    });
    assert.equal(filterResponses[0].matchingAcls.length, 1);
    await new Promise((r) => setTimeout(r, 2100)); /* the isolate's ACL cache */
    const producer = as('alice').producer();
    await producer.connect();
    await assert.rejects(producer.send({ topic: 'orders', messages: [{ value: 'no longer' }] }), (e) => {
      assert.ok(errorTypes(e).includes('TOPIC_AUTHORIZATION_FAILED'), e.stack);
      return true;
    });
    await producer.disconnect();
  });
});
