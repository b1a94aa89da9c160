/*
 * bin/kafdo, the package's command line, run as a user runs it (a child process,
 * through its #!/usr/bin/env node line) against a `wrangler dev` of this repository
 * with a KAFDO_TOKEN: health, topics, producing with a key, headers and a partition
 * and from stdin, consuming the records back exactly, groups; and how it fails: a
 * usage error exits 2, a refusal by Kafdo or an unreachable Kafdo exits 1, each with
 * one line on stderr naming the error's code.
 *
 * The CLI imports kafdo/client from dist/, which ensureDist() builds when it is
 * absent or stale; so does bin/kafdo itself from a checkout, as the last test shows on
 * a fresh copy of this one.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureDist } from '../../scripts/ensure-dist.mjs';
import { assertFails, lines, run } from './cli-run.mjs';
import { ROOT, copyCheckout, freePort, startDev } from './harness.mjs';

ensureDist();
const { KafdoClient } = await import('kafdo/client');

const TOKEN = 'e2e-cli-token';
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

describe('bin/kafdo against wrangler dev', () => {
  let dev;
  let kafdo;

  before(async () => {
    dev = await startDev({ vars: { KAFDO_TOKEN: TOKEN } });
    kafdo = async (args, options = {}) => {
      const result = await run(args, {
        ...options,
        env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN, ...options.env },
      });
      assert.equal(result.code, 0, `kafdo ${args.join(' ')}: ${JSON.stringify(result)}`);
      assert.equal(result.stderr, '');
      return result.stdout;
    };
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('--help and --version', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['health', 'topics create', 'topics alter', 'produce', 'consume', 'groups describe']) {
      assert.ok(help.stdout.includes(`  ${command}`), `--help shows ${command}`);
    }
    assert.deepEqual(await run(['--version']), { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('health', async () => {
    assert.deepEqual(JSON.parse(await kafdo(['health'])), { status: 'ok' });
  });

  it('topics create, list, describe', async () => {
    const created = JSON.parse(
      await kafdo(['topics', 'create', 'cli-orders', '--partitions', '3', '--config', 'retention.ms=86400000']),
    );
    assert.equal(created.topic, 'cli-orders');
    assert.equal(created.partitions.length, 3);
    assert.equal(created.config['retention.ms'], '86400000');

    assert.ok(lines(await kafdo(['topics', 'list'])).includes('cli-orders'));
    assert.deepEqual(JSON.parse(await kafdo(['topics', 'describe', 'cli-orders'])), created);

    assertFails(
      await run(['topics', 'create', 'cli-orders'], { env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN } }),
      1,
      /TOPIC_ALREADY_EXISTS \(Kafka error 36\)/,
    );
  });

  it('topics alter sets configs and returns deleted ones to their defaults, the rest kept', async () => {
    await kafdo([
      'topics',
      'create',
      'cli-alter',
      '--config',
      'retention.ms=86400000',
      '--config',
      'cleanup.policy=compact',
    ]);
    const altered = JSON.parse(
      await kafdo([
        'topics',
        'alter',
        'cli-alter',
        '--config',
        'retention.bytes=5000',
        '--delete-config',
        'cleanup.policy',
      ]),
    );
    assert.equal(altered.topic, 'cli-alter');
    await kafdo(['topics', 'create', 'cli-defaults']);
    const defaults = JSON.parse(await kafdo(['topics', 'describe', 'cli-defaults'])).config;
    assert.deepEqual(altered.config, { ...defaults, 'retention.bytes': '5000', 'retention.ms': '86400000' });
    assert.deepEqual(JSON.parse(await kafdo(['topics', 'describe', 'cli-alter'])), altered);

    const env = { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN };
    assertFails(
      await run(['topics', 'alter', 'cli-alter', '--config', 'retention.ms=soon'], { env }),
      1,
      /INVALID_CONFIG \(Kafka error 40\)/,
    );
    assertFails(
      await run(['topics', 'alter', 'cli-nope', '--config', 'retention.ms=1'], { env }),
      1,
      /UNKNOWN_TOPIC_OR_PARTITION/,
    );
    assertFails(
      await run(['topics', 'alter', 'cli-alter'], { env }),
      2,
      /needs --config name=value or --delete-config name/,
    );
    assertFails(
      await run(['topics', 'alter', 'cli-alter', '--config', 'retention.ms=1', '--delete-config', 'retention.ms'], {
        env,
      }),
      2,
      /both name retention\.ms/,
    );
    assert.deepEqual(JSON.parse(await kafdo(['topics', 'describe', 'cli-alter'])), altered, 'refusals changed nothing');
  });

  it('produces with a key, headers and a partition, and from stdin; consumes them back exactly', async () => {
    const one = lines(
      await kafdo([
        'produce',
        'cli-orders',
        '--key',
        'order-1',
        '--header',
        'source=web',
        '--header',
        'trace=a=b',
        '--partition',
        '1',
        '{"orderId": "1", "amount": 99.99}',
      ]),
    ).map((l) => JSON.parse(l));
    assert.equal(one.length, 1);
    assert.deepEqual({ ...one[0], timestamp: 0 }, { topic: 'cli-orders', partition: 1, offset: 0, timestamp: 0 });

    const stdin = '"a string"\n\n42\r\n{"nested": {"list": [1, null, true]}}\nnull\n[]';
    const many = lines(await kafdo(['produce', 'cli-orders', '--partition', '1', '--key', 'k'], { input: stdin }));
    assert.deepEqual(
      many.map((l) => JSON.parse(l)).map(({ partition, offset }) => [partition, offset]),
      [
        [1, 1],
        [1, 2],
        [1, 3],
        [1, 4],
        [1, 5],
      ],
    );

    const records = lines(await kafdo(['consume', 'cli-orders', '--partition', '1'])).map((l) => JSON.parse(l));
    assert.deepEqual(
      records.map(({ topic, partition, offset, key, value, headers }) => ({
        topic,
        partition,
        offset,
        key,
        value,
        headers,
      })),
      [
        { key: 'order-1', value: { orderId: '1', amount: 99.99 }, headers: { source: 'web', trace: 'a=b' } },
        { key: 'k', value: 'a string', headers: {} },
        { key: 'k', value: 42, headers: {} },
        { key: 'k', value: { nested: { list: [1, null, true] } }, headers: {} },
        { key: 'k', value: null, headers: {} },
        { key: 'k', value: [], headers: {} },
      ].map((r, offset) => ({ topic: 'cli-orders', partition: 1, offset, ...r })),
    );
    assert.ok(records.every((r) => Number.isInteger(r.timestamp) && r.timestamp > 0));

    /* The value is stored as the very text given (read back with encoding=base64). */
    const raw = await fetch(`${dev.baseUrl}/topics/cli-orders/partitions/1/messages?offset=0&limit=1&encoding=base64`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    }).then((r) => r.json());
    assert.equal(Buffer.from(raw.messages[0].value, 'base64').toString(), '{"orderId": "1", "amount": 99.99}');

    const window = lines(await kafdo(['consume', 'cli-orders', '--partition', '1', '--offset', '2', '--limit', '2']));
    assert.deepEqual(
      window.map((l) => JSON.parse(l).offset),
      [2, 3],
    );
    assert.equal(await kafdo(['consume', 'cli-orders', '--partition', '0']), '', 'an empty partition prints nothing');
  });

  it('consumes a partition longer than one read, and bytes as base64', async () => {
    const values = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ i }));
    assert.equal(
      lines(await kafdo(['produce', 'cli-long', '--partition', '0'], { input: values.join('\n') })).length,
      1500,
    );
    const records = lines(await kafdo(['consume', 'cli-long', '--partition', '0'])).map((l) => JSON.parse(l));
    assert.deepEqual(
      records.map((r) => r.value.i),
      values.map((_, i) => i),
    );
    assert.deepEqual(
      records.map((r) => r.offset),
      values.map((_, i) => i),
    );

    await kafdo(['produce', 'cli-bytes', '--partition', '0', '1']);
    await fetch(`${dev.baseUrl}/topics/cli-bytes/produce?encoding=base64`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ partition: 0, key: '/w==', value: '3q2+7w==', headers: { sig: '/w==', ok: 'b2s=' } }),
    }).then((r) => assert.equal(r.status, 200));
    const [, bytes] = lines(await kafdo(['consume', 'cli-bytes', '--partition', '0'])).map((l) => JSON.parse(l));
    assert.deepEqual(
      { ...bytes, timestamp: 0 },
      {
        topic: 'cli-bytes',
        partition: 0,
        offset: 1,
        timestamp: 0,
        keyBase64: '/w==',
        valueBase64: '3q2+7w==',
        headers: { ok: 'ok' },
        headersBase64: { sig: '/w==' },
      },
    );
  });

  it('topics delete-records: the partition starts at the new low watermark; beyond the end exits 1', async () => {
    await kafdo(['topics', 'create', 'cli-records', '--partitions', '2']);
    await kafdo(['produce', 'cli-records', '--partition', '1'], { input: '1\n2\n3\n4\n5\n' });
    const deleted = await kafdo(['topics', 'delete-records', 'cli-records', '--partition', '1', '--offset', '3']);
    assert.deepEqual(JSON.parse(deleted), { topic: 'cli-records', partition: 1, lowWatermark: 3 });
    const rest = lines(await kafdo(['consume', 'cli-records', '--partition', '1'])).map((l) => JSON.parse(l));
    assert.deepEqual(
      rest.map((r) => [r.offset, r.value]),
      [
        [3, 4],
        [4, 5],
      ],
    );
    /* -1 is the high watermark: everything the partition holds. */
    const all = await kafdo(['topics', 'delete-records', 'cli-records', '--partition', '1', '--offset=-1']);
    assert.equal(JSON.parse(all).lowWatermark, 5);
    assert.equal(await kafdo(['consume', 'cli-records', '--partition', '1']), '');

    const env = { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN };
    assertFails(
      await run(['topics', 'delete-records', 'cli-records', '--partition', '0', '--offset', '1'], { env }),
      1,
      /^kafdo: OFFSET_OUT_OF_RANGE \(Kafka error 1\): .*partition 0/,
    );
    assertFails(
      await run(['topics', 'delete-records', 'cli-records', '--partition', '0'], { env }),
      2,
      /needs --partition P and --offset O/,
    );
    assertFails(
      await run(['topics', 'delete-records', 'cli-records', '--partition', '0', '--offset', 'x'], { env }),
      2,
      /--offset must be an integer/,
    );
  });

  it('groups list, describe, delete', async () => {
    const client = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: `Bearer ${TOKEN}` } });
    const consumer = client.consumer({ groupId: 'cli-group', topics: ['cli-orders'], autoCommit: false });
    await consumer.connect();
    await consumer.commit([{ topic: 'cli-orders', partition: 1, offset: 4 }]);
    await consumer.disconnect();

    assert.ok(lines(await kafdo(['groups', 'list'])).includes('cli-group\tEmpty'));
    const described = JSON.parse(await kafdo(['groups', 'describe', 'cli-group']));
    assert.equal(described.groupId, 'cli-group');
    assert.equal(described.state, 'Empty');
    assert.equal(await kafdo(['groups', 'delete', 'cli-group']), '');
    assert.ok(!lines(await kafdo(['groups', 'list'])).some((l) => l.startsWith('cli-group\t')));
  });

  it('users set (password from stdin), list, delete; kafdo/client lists the same', async () => {
    const set = JSON.parse(
      await kafdo(['users', 'set', 'cli-alice', '--mechanism', 'SCRAM-SHA-512', '--iterations', '8192'], {
        input: 'p4ss word\n',
      }),
    );
    assert.deepEqual(set, { name: 'cli-alice', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }] });
    await kafdo(['users', 'set', 'cli-alice'], { input: 'other' });
    const client = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: `Bearer ${TOKEN}` } });
    const listed = await client.admin().listUsers();
    assert.deepEqual(
      listed.find((u) => u.name === 'cli-alice').credentials.map((c) => c.mechanism),
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
    );
    assert.deepEqual(JSON.parse(await kafdo(['users', 'list'])), listed);
    assert.ok(!(await kafdo(['users', 'list'])).includes('p4ss'));
    assert.equal(await kafdo(['users', 'delete', 'cli-alice', '--mechanism', 'SCRAM-SHA-512']), '');
    assert.equal(await kafdo(['users', 'delete', 'cli-alice']), '');
    assertFails(
      await run(['users', 'delete', 'cli-alice'], { env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN } }),
      1,
      /RESOURCE_NOT_FOUND/,
    );
    assertFails(
      await run(['users', 'set', 'cli-bob'], { env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN } }),
      2,
      /stdin/,
    );
    await assert.rejects(client.admin().setUser('x', { mechanism: 'SCRAM-SHA-256', password: '' }), {
      code: 'UNACCEPTABLE_CREDENTIAL',
    });
  });

  it('acls create, list, delete (kafdo/client underneath)', async () => {
    const created = JSON.parse(
      await kafdo([
        'acls',
        'create',
        '--acl',
        'resourceType=TOPIC',
        '--acl',
        'resourceName=cli-',
        '--acl',
        'patternType=PREFIXED',
        '--acl',
        'principal=User:cli',
        '--acl',
        'operation=READ',
      ]),
    );
    assert.deepEqual(created, [
      {
        resourceType: 'TOPIC',
        resourceName: 'cli-',
        patternType: 'PREFIXED',
        principal: 'User:cli',
        host: '*',
        operation: 'READ',
        permission: 'ALLOW',
      },
    ]);
    const listed = JSON.parse(await kafdo(['acls', 'list', '--filter', 'principal=User:cli']));
    assert.deepEqual(listed, created);
    const client = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(await client.admin().describeAcls({ resourceType: 'TOPIC', resourceName: 'cli-orders' }), created);
    assert.deepEqual(JSON.parse(await kafdo(['acls', 'delete', '--filter', 'principal=User:cli'])), created);
    assert.deepEqual(await client.admin().describeAcls({ principal: 'User:cli' }), []);
    assertFails(
      await run(['acls', 'create', '--acl', 'resourceType=TOPIC'], {
        env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN },
      }),
      1,
      /INVALID_REQUEST/,
    );
    assertFails(await run(['acls', 'delete'], { env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN } }), 2, /--filter/);
  });

  it('topics delete', async () => {
    assert.equal(await kafdo(['topics', 'delete', 'cli-orders']), '');
    assert.ok(!lines(await kafdo(['topics', 'list'])).includes('cli-orders'));
    assertFails(
      await run(['topics', 'describe', 'cli-orders'], { env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN } }),
      1,
      /UNKNOWN_TOPIC_OR_PARTITION/,
    );
  });

  it('consuming an unknown topic exits 1 naming UNKNOWN_TOPIC_OR_PARTITION', async () => {
    assertFails(
      await run(['consume', 'cli-no-such-topic', '--partition', '0'], {
        env: { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN },
      }),
      1,
      /^kafdo: UNKNOWN_TOPIC_OR_PARTITION \(Kafka error 3\): .*cli-no-such-topic/,
    );
  });

  it('usage errors exit 2 and send nothing', async () => {
    const env = { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN };
    const cases = [
      [[], /no command/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['topics'], /topics needs one of: list, describe, create, delete/],
      [['topics', 'create'], /usage: kafdo topics create <topic>/],
      [['topics', 'create', 't', '--partitions', 'two'], /--partitions must be an integer/],
      [['topics', 'create', 't', '--config', 'retention.ms'], /--config takes name=value/],
      [['health', '--key', 'k'], /health does not take --key/],
      [['consume', 'cli-usage', '--offset', '1'], /--offset needs --partition P/],
      [['--bogus', 'health'], /Unknown option '--bogus'/],
      [['produce', 'cli-usage', 'not json'], /the value is not JSON/],
    ];
    for (const [args, pattern] of cases) assertFails(await run(args, { env }), 2, pattern);

    assertFails(await run(['produce', 'cli-usage'], { env, input: '1\n{oops\n3\n' }), 2, /stdin line 2 is not JSON/);
    assert.ok(!lines(await kafdo(['topics', 'list'])).includes('cli-usage'), 'nothing was produced');
  });

  it('needs the token for everything but health; --token gives it', async () => {
    const env = { KAFDO_URL: dev.baseUrl };
    assert.deepEqual(JSON.parse((await run(['health'], { env })).stdout), { status: 'ok' });
    assertFails(await run(['topics', 'list'], { env }), 1, /^kafdo: UNAUTHORIZED: /);
    assertFails(await run(['topics', 'list', '--token', 'wrong'], { env }), 1, /^kafdo: UNAUTHORIZED: /);

    const withFlag = await run(['topics', 'list', '--token', TOKEN, '--url', dev.baseUrl], { env: {} });
    assert.equal(withFlag.code, 0, JSON.stringify(withFlag));
    assert.ok(lines(withFlag.stdout).includes('cli-long'));
  });

  it(
    'from a checkout whose dist/ is absent or older than its sources, builds it first, then works',
    { timeout: 240_000 },
    async () => {
      /* What the README's setup (make dev or make test) leaves: the wasm core, no dist/. */
      const checkout = copyCheckout({ withFiles: ['wasm/kafdo.wasm'] });
      try {
        const options = { bin: join(checkout, 'bin', 'kafdo'), env: { KAFDO_URL: dev.baseUrl } };
        const building = 'kafdo: building dist/ from this checkout (npm run build)\n';
        assert.deepEqual(await run(['health'], options), {
          code: 0,
          stdout: '{\n  "status": "ok"\n}\n',
          stderr: building,
        });
        assert.deepEqual(
          await run(['health'], options),
          { code: 0, stdout: '{\n  "status": "ok"\n}\n', stderr: '' },
          'built once',
        );
        const later = new Date(Date.now() + 5000);
        utimesSync(join(checkout, 'worker', 'client', 'index.ts'), later, later);
        assert.equal((await run(['health'], options)).stderr, building, 'a source newer than dist/ builds it again');
      } finally {
        rmSync(checkout, { recursive: true, force: true });
      }
    },
  );

  it('an unreachable Kafdo exits 1 naming NETWORK_EXCEPTION', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    assertFails(
      await run(['health', '--url', url]),
      1,
      /^kafdo: NETWORK_EXCEPTION \(Kafka error 13\): GET http:\/\/127\.0\.0\.1:\d+\/health could not reach/,
    );
  });
});
