/*
 * bin/kafdo's Kafka verbs against a `wrangler dev` with a KAFDO_TOKEN, run as a user
 * runs them: topics add-partitions; produce with key and header separators, raw
 * values and a progress line; consume from an offset, a time, in a group, with
 * --max-messages and the json / raw / kcat formats; offsets; groups describe --table
 * and reset-offsets (every --to-*, --shift-by, --dry-run, a live group refused with
 * nothing changed); metrics (GET /metrics and /metrics.json, behind the token); each
 * verb's --help; and the exit codes and one-line errors a script relies on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureDist } from '../../scripts/ensure-dist.mjs';
import { assertFails, lines, run } from './cli-run.mjs';
import { startDev } from './harness.mjs';

ensureDist();
const { KafdoClient } = await import('kafdo/client');

const TOKEN = 'e2e-cli-verbs-token';

const json = (stdout) => lines(stdout).map((l) => JSON.parse(l));

describe('bin/kafdo: the Kafka verbs, against wrangler dev', () => {
  let dev;
  let env;
  let kafdo;
  let client;

  before(async () => {
    dev = await startDev({ vars: { KAFDO_TOKEN: TOKEN } });
    env = { KAFDO_URL: dev.baseUrl, KAFDO_TOKEN: TOKEN };
    kafdo = async (args, options = {}) => {
      const result = await run(args, { ...options, env: { ...env, ...options.env } });
      assert.equal(result.code, 0, `kafdo ${args.join(' ')}: ${JSON.stringify(result)}`);
      if (!options.stderr) assert.equal(result.stderr, '');
      return options.stderr ? result : result.stdout;
    };
    client = new KafdoClient({ baseUrl: dev.baseUrl, headers: { Authorization: `Bearer ${TOKEN}` } });
  });

  after(async () => {
    await dev?.stop({ removePersistDir: true });
  });

  it('every verb has its --help, exit 0', async () => {
    for (const verb of [
      ['health'],
      ['topics'],
      ['topics', 'create'],
      ['topics', 'add-partitions'],
      ['produce'],
      ['consume'],
      ['offsets'],
      ['groups'],
      ['groups', 'describe'],
      ['groups', 'reset-offsets'],
      ['metrics'],
      ['gateway'],
    ]) {
      const r = await run([...verb, '--help']);
      assert.equal(r.code, 0, verb.join(' '));
      assert.match(r.stdout, new RegExp(`^Usage: kafdo ${verb.join(' ')}`), verb.join(' '));
    }
    assert.match((await run(['consume', '--help'])).stdout, /%k key/);
    assertFails(await run(['frobnicate', '--help']), 2, /unknown command "frobnicate"/);
  });

  it('topics add-partitions grows a topic to N in all', async () => {
    await kafdo(['topics', 'create', 'v-grow', '--partitions', '2']);
    const grown = JSON.parse(await kafdo(['topics', 'add-partitions', 'v-grow', '--partitions', '5']));
    assert.equal(grown.partitions.length, 5);
    assertFails(
      await run(['topics', 'add-partitions', 'v-grow', '--partitions', '3'], { env }),
      1,
      /^kafdo: INVALID_PARTITIONS/,
    );
    assertFails(await run(['topics', 'add-partitions', 'v-grow'], { env }), 2, /needs --partitions N/);
  });

  it('produce parses key and header separators and raw values; consume prints json, raw and kcat formats', async () => {
    await kafdo(['topics', 'create', 'v-fmt']);
    const input = 'src:web,trace:t1|k1=hello world\nsrc:cli|k2=second:value\n';
    const produced = json(
      await kafdo(['produce', 'v-fmt', '--raw', '--header-separator', '|', '--key-separator', '='], { input }),
    );
    assert.deepEqual(
      produced.map((p) => p.offset),
      [0, 1],
    );
    const records = json(await kafdo(['consume', 'v-fmt']));
    assert.deepEqual(
      records.map(({ key, valueBase64, value, headers }) => ({
        key,
        value: value ?? Buffer.from(valueBase64, 'base64').toString(),
        headers,
      })),
      [
        { key: 'k1', value: 'hello world', headers: { src: 'web', trace: 't1' } },
        { key: 'k2', value: 'second:value', headers: { src: 'cli' } },
      ],
    );
    assert.equal(await kafdo(['consume', 'v-fmt', '--format', 'raw']), 'hello world\nsecond:value\n');
    assert.equal(
      await kafdo(['consume', 'v-fmt', '--format', '%t/%p@%o %k=%s (%K,%S) [%h]\\n']),
      'v-fmt/0@0 k1=hello world (2,11) [src=web,trace=t1]\nv-fmt/0@1 k2=second:value (2,12) [src=cli]\n',
    );
    assert.equal(await kafdo(['consume', 'v-fmt', '--max-messages', '1', '--format', '%o\\n']), '0\n');

    assertFails(
      await run(['produce', 'v-fmt', '--key-separator', '='], { env, input: 'a=1\nno separator\n' }),
      2,
      /stdin line 2 has no key separator "="/,
    );
    assertFails(
      await run(['produce', 'v-fmt', '--header-separator', '|'], { env, input: 'bad|1\n' }),
      2,
      /header "bad" is not name:value/,
    );
    assertFails(await run(['consume', 'v-fmt', '--format', '%z'], { env }), 2, /unknown field %z/);
    assertFails(
      await run(['produce', 'v-fmt', '--key', 'k', '--key-separator', '='], { env, input: 'a=1\n' }),
      2,
      /both give the key/,
    );
    assert.equal(json(await kafdo(['consume', 'v-fmt'])).length, 2, 'the refusals sent nothing');
  });

  it('produce shows a progress line for large inputs on stderr', async () => {
    const input = Array.from({ length: 2500 }, (_, i) => String(i)).join('\n');
    const { stdout, stderr } = await kafdo(['produce', 'v-big', '--partition', '0', '--progress'], {
      input,
      stderr: true,
    });
    assert.equal(lines(stdout).length, 2500);
    assert.deepEqual(
      lines(stderr).map((l) => l.replace(/ \(\d+\/s\)$/, '')),
      [
        'kafdo: produced 1000 of 2500 records',
        'kafdo: produced 2000 of 2500 records',
        'kafdo: produced 2500 of 2500 records',
      ],
    );
  });

  it('consume from an offset and from a time, over all partitions or one; offsets', async () => {
    await kafdo(['topics', 'create', 'v-time', '--partitions', '2']);
    const t0 = 1_700_000_000_000;
    const producer = client.producer({ defaultTopic: 'v-time' });
    await producer.sendBatch([0, 1, 2, 3].map((i) => ({ partition: 0, value: i, timestamp: t0 + i * 1000 })));
    await producer.sendBatch([{ partition: 1, value: 'p1', timestamp: t0 }]);
    assert.deepEqual(
      json(await kafdo(['consume', 'v-time'])).map((r) => [r.partition, r.offset]),
      [
        [0, 0],
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 0],
      ],
    );
    assert.deepEqual(
      json(await kafdo(['consume', 'v-time', '--partition', '0', '--offset', '2'])).map((r) => r.value),
      [2, 3],
    );
    const iso = new Date(t0 + 1500).toISOString();
    assert.deepEqual(
      json(await kafdo(['consume', 'v-time', '--from-time', iso])).map((r) => [r.partition, r.value]),
      [
        [0, 2],
        [0, 3],
      ],
    );
    assert.deepEqual(
      json(await kafdo(['consume', 'v-time', '--from-time', String(t0 + 3000)])).map((r) => r.value),
      [3],
    );

    assert.deepEqual(json(await kafdo(['offsets', 'v-time'])), [
      { topic: 'v-time', partition: 0, earliest: 0, latest: 4 },
      { topic: 'v-time', partition: 1, earliest: 0, latest: 1 },
    ]);
    assert.deepEqual(json(await kafdo(['offsets', 'v-time', '--partition', '0', '--time', String(t0 + 500)])), [
      { topic: 'v-time', partition: 0, earliest: 0, latest: 4, offsetForTime: { offset: 1, timestamp: t0 + 1000 } },
    ]);
    assertFails(
      await run(['consume', 'v-time', '--from-time', 'yesterday'], { env }),
      2,
      /--from-time takes ms since the epoch or an ISO 8601/,
    );
    assertFails(
      await run(['consume', 'v-time', '--offset', '1', '--partition', '0', '--from-beginning'], { env }),
      2,
      /give one of/,
    );
    assertFails(await run(['offsets', 'v-nope'], { env }), 1, /^kafdo: UNKNOWN_TOPIC_OR_PARTITION \(Kafka error 3\)/);
  });

  it('consume --group reads from the committed offsets and commits what it printed', async () => {
    await kafdo(['topics', 'create', 'v-group']);
    await kafdo(['produce', 'v-group'], { input: '1\n2\n3\n' });
    assert.deepEqual(
      json(await kafdo(['consume', 'v-group', '--group', 'v-g', '--from-beginning', '--max-messages', '2'])).map(
        (r) => r.value,
      ),
      [1, 2],
    );
    assert.deepEqual(
      json(await kafdo(['consume', 'v-group', '--group', 'v-g'])).map((r) => r.value),
      [3],
    );
    assert.equal(await kafdo(['consume', 'v-group', '--group', 'v-g']), '', 'caught up');
    const described = JSON.parse(await kafdo(['groups', 'describe', 'v-g']));
    assert.deepEqual(
      described.offsets.map((o) => [o.offset, o.lag]),
      [[3, 0]],
    );
    const table = lines(await kafdo(['groups', 'describe', 'v-g', '--table']));
    assert.match(table[0], /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID$/);
    assert.match(table[1], /^v-g +v-group +0 +3 +3 +0 +-$/);
  });

  it('groups reset-offsets: each target, dry run, and a live group refused with nothing changed', async () => {
    await kafdo(['topics', 'create', 'v-reset', '--partitions', '2']);
    await kafdo(['produce', 'v-reset', '--partition', '0'], { input: '1\n2\n3\n4\n' });
    await kafdo(['produce', 'v-reset', '--partition', '1'], { input: '1\n2\n' });
    const reset = async (...args) =>
      JSON.parse(await kafdo(['groups', 'reset-offsets', 'v-r', '--topic', 'v-reset', ...args])).offsets.map(
        (o) => o.offset,
      );
    assert.deepEqual(await reset('--to-latest', '--execute'), [4, 2]);
    assert.deepEqual(await reset('--to-earliest', '--dry-run'), [0, 0]);
    assert.deepEqual(
      JSON.parse(await kafdo(['groups', 'describe', 'v-r'])).offsets.map((o) => o.offset),
      [4, 2],
      'a dry run commits nothing',
    );
    assert.deepEqual(await reset('--shift-by', '-3', '--execute'), [1, 0]);
    assert.deepEqual(await reset('--to-offset', '3', '--execute'), [3, 2]);
    assert.deepEqual(await reset('--to-offset', '1', '--partitions', '1', '--execute'), [1]);
    assert.deepEqual(await reset('--to-datetime', '2000-01-01T00:00:00Z', '--execute'), [0, 0]);
    assert.equal(
      await kafdo(['groups', 'reset-offsets', 'v-r', '--topic', 'v-reset', '--to-latest', '--dry-run', '--table']),
      'GROUP TOPIC PARTITION NEW-OFFSET\nv-r v-reset 0 4\nv-r v-reset 1 2\n',
    );

    const consumer = client.consumer({ groupId: 'v-r', topics: ['v-reset'], autoCommit: false });
    await consumer.connect();
    try {
      assertFails(
        await run(['groups', 'reset-offsets', 'v-r', '--topic', 'v-reset', '--to-latest', '--execute'], { env }),
        1,
        /^kafdo: NON_EMPTY_GROUP \(Kafka error 68\): .*live members/,
      );
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(
      JSON.parse(await kafdo(['groups', 'describe', 'v-r'])).offsets.map((o) => o.offset),
      [0, 0],
      'nothing changed',
    );

    const usage = [
      [['--topic', 'v-reset', '--execute'], /needs one of --to-earliest/],
      [['--topic', 'v-reset', '--to-latest', '--to-earliest', '--execute'], /needs one of --to-earliest/],
      [['--topic', 'v-reset', '--to-latest'], /needs --dry-run \(show\) or --execute/],
      [['--to-latest', '--execute'], /needs --topic T/],
      [['--topic', 'v-reset', '--to-offset', '-1', '--execute'], /--to-offset must be an integer from 0/],
      [['--topic', 'v-reset', '--to-datetime', 'soon', '--execute'], /--to-datetime takes/],
    ];
    for (const [args, pattern] of usage)
      assertFails(await run(['groups', 'reset-offsets', 'v-r', ...args], { env }), 2, pattern);
    assertFails(
      await run(
        ['groups', 'reset-offsets', 'v-r', '--topic', 'v-reset', '--partitions', '7', '--to-latest', '--execute'],
        { env },
      ),
      1,
      /^kafdo: UNKNOWN_TOPIC_OR_PARTITION .*partition 7/,
    );
    assertFails(
      await run(['groups', 'reset-offsets', 'v-other', '--topic', 'v-reset', '--shift-by', '1', '--execute'], { env }),
      1,
      /^kafdo: INVALID_REQUEST \(Kafka error 42\): cannot shift v-reset-0/,
    );
  });

  it('metrics: Prometheus text and JSON over wrangler dev, behind the token', async () => {
    await kafdo(['topics', 'create', 'v-metrics']);
    await kafdo(['produce', 'v-metrics'], { input: '1\n2\n3\n' });
    const text = await kafdo(['metrics']);
    assert.match(text, /^kafdo_partition_appended_records_total\{topic="v-metrics",partition="0"\} 3$/m);
    assert.match(text, /^kafdo_partition_high_watermark\{topic="v-metrics",partition="0"\} 3$/m);
    assert.match(text, /^kafdo_requests_total\{door="rest",operation="POST \/topics\/:topic\/produce-batch"\} \d+$/m);
    const snap = JSON.parse(await kafdo(['metrics', '--json']));
    const p = snap.topics.find((t) => t.topic === 'v-metrics').partitions[0];
    assert.equal(p.appended.records, 3);
    assert.equal(p.stored.hot.rows, 1);
    assert.equal(snap.series.length, 60);
    assertFails(await run(['metrics'], { env: { KAFDO_URL: dev.baseUrl } }), 1, /^kafdo: UNAUTHORIZED: /);
    const raw = await fetch(`${dev.baseUrl}/metrics`);
    assert.equal(raw.status, 401);
  });
});
