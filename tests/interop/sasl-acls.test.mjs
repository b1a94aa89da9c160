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
import { errorTypes, newKafka, startKafdo, stopKafdo } from './kafkajs-helpers.mjs';

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
