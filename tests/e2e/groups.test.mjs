/*
 * groups.test.mjs — consumer groups end to end over HTTP against a real `wrangler dev`
 * (workerd, Durable Objects, SQLite on disk), started by harness.mjs.
 *
 * The flow an HTTP consumer goes through: two members join at once and split a
 * topic; a third joins, the others learn of the rebalance from their heartbeats, join
 * again and the new generation splits three ways; a commit from a stale generation is
 * refused and changes nothing; the description shows members, assignment, committed
 * offsets and lag; a group with members cannot be deleted. Then the runtime is stopped
 * and started again on the same state directory: the committed offsets, and the group
 * with them, are still there, a new member resumes from them, and the group can be
 * deleted once empty. The stop is a SIGKILL: a commit answered is in SQLite.
 *
 * Nothing sleeps: members heartbeat and join as a client would, and waiting for the
 * group to start a rebalance is asking it, a bounded number of times.
 *
 * Run: node --test tests/e2e/   (needs wasm/kafdo.wasm and node_modules; `make test-e2e`)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { client, processGroup, startDev } from './harness.mjs';

const T = 'clicks';
const P = 6;
const G = 'click counters';
const g = `/consumer-groups/${encodeURIComponent(G)}`;
const admin = `/admin/groups/${encodeURIComponent(G)}`;

let dev;
let persistDir;
let api;

before(async () => {
  dev = await startDev();
  persistDir = dev.persistDir;
  api = client(dev.baseUrl);
});

after(async () => {
  if (dev) await dev.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

function assertError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: status ${res.status}, body ${res.text.slice(0, 300)}`);
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text.slice(0, 300)}`);
  assert.ok(res.body.error.message.length > 0, `${what}: empty error.message`);
}

const join = (body) => api.post(`${g}/join`, body, 200);
const heartbeat = (m, generationId = m.generationId) =>
  api.request('POST', `${g}/heartbeat`, { memberId: m.memberId, generationId });
const commit = (m, offsets, generationId = m.generationId) =>
  api.request('POST', `${g}/commit`, { memberId: m.memberId, generationId, offsets });
const committed = async () => (await api.get(`${g}/offsets`, 200)).offsets;
const describeGroup = () => api.get(g, 200);

async function until(what, probe, tries = 500) {
  for (let i = 0; i < tries; i++) if (await probe()) return;
  throw new Error(`gave up waiting for ${what}`);
}

/* New members joining at once, each heartbeating and joining again when told the
 * group is rebalancing, until all are in one generation (see rest-groups.test.ts). */
async function joinTogether(bodies) {
  const latest = bodies.map(() => undefined);
  const inFlight = bodies.map(() => undefined);
  const start = (i, body) => {
    inFlight[i] = join(body).then((r) => {
      latest[i] = r;
      inFlight[i] = undefined;
    });
  };
  bodies.forEach((body, i) => start(i, body));
  for (let round = 0; round < 500; round++) {
    const waiting = inFlight.filter(Boolean);
    if (waiting.length === bodies.length) {
      await Promise.race(waiting);
      continue;
    }
    let settled = waiting.length === 0 && new Set(latest.map((r) => r?.generationId)).size === 1;
    for (let i = 0; i < bodies.length; i++) {
      if (!latest[i] || inFlight[i]) continue;
      const res = await heartbeat(latest[i]);
      if (res.status === 204) continue;
      settled = false;
      assertError(res, 409, 'REBALANCE_IN_PROGRESS', 'heartbeat while others join');
      start(i, { ...bodies[i], memberId: latest[i].memberId });
    }
    if (settled) return latest;
  }
  throw new Error('the members never settled in one generation');
}

function assertSplit(members, partitions, what) {
  const assigned = members.flatMap((m) => m.assignment);
  assert.ok(
    assigned.every((tp) => tp.topic === T),
    `${what}: only ${T} is assigned`,
  );
  assert.deepEqual(
    assigned.map((tp) => tp.partition).sort((a, b) => a - b),
    [...Array(partitions).keys()],
    `${what}: every partition exactly once`,
  );
  assert.equal(new Set(members.map((m) => m.generationId)).size, 1, `${what}: one generation`);
  assert.equal(new Set(members.map((m) => m.memberId)).size, members.length, `${what}: distinct member ids`);
}

const withoutTime = (offsets) => offsets.map(({ commitTimestamp, ...o }) => o);

describe('consumer groups over HTTP', () => {
  let a;
  let b;
  let c;
  let stored;

  it('two members joining at once split the partitions', async () => {
    await api.createTopic(T, P);
    await api.produceBatch(
      T,
      Array.from({ length: 30 }, (_, i) => ({ value: { i }, partition: i % P })),
    );
    [a, b] = await joinTogether([
      { topics: [T], clientId: 'a' },
      { topics: [T], clientId: 'b' },
    ]);
    assertSplit([a, b], P, 'two members');
    assert.deepEqual([a.assignment.length, b.assignment.length], [3, 3]);
    assert.equal((await heartbeat(a)).status, 204);
    assert.equal((await heartbeat(b)).status, 204);
    assert.equal((await describeGroup()).state, 'Stable');
  });

  it('a third member makes the others rejoin, and the new generation splits three ways', async () => {
    const third = join({ topics: [T], clientId: 'c' });
    await until('the rebalance to start', async () => (await describeGroup()).state === 'PreparingRebalance');
    assertError(await heartbeat(a), 409, 'REBALANCE_IN_PROGRESS', 'a heartbeat during the rebalance');
    assertError(await heartbeat(b), 409, 'REBALANCE_IN_PROGRESS', 'b heartbeat during the rebalance');
    const old = a;
    [a, b, c] = await Promise.all([
      join({ topics: [T], clientId: 'a', memberId: a.memberId }),
      join({ topics: [T], clientId: 'b', memberId: b.memberId }),
      third,
    ]);
    assertSplit([a, b, c], P, 'three members');
    assert.equal(a.generationId, old.generationId + 1);
    assert.equal(a.memberId, old.memberId);
    for (const m of [a, b, c]) assert.equal((await heartbeat(m)).status, 204);
    assertError(await heartbeat(old), 409, 'ILLEGAL_GENERATION', 'a heartbeat of the old generation');
  });

  it('commits what each member consumed; a stale generation is refused and changes nothing', async () => {
    for (const m of [a, b, c]) {
      const offsets = m.assignment.map(({ topic, partition }) => ({
        topic,
        partition,
        offset: 2,
        metadata: m.memberId,
      }));
      assert.equal((await commit(m, offsets)).status, 204);
    }
    stored = await committed();
    assert.deepEqual(
      withoutTime(stored)
        .sort((x, y) => x.partition - y.partition)
        .map((o) => [o.partition, o.offset]),
      [...Array(P).keys()].map((p) => [p, 2]),
    );
    assertError(
      await commit(a, [{ topic: T, partition: a.assignment[0].partition, offset: 5 }], a.generationId - 1),
      409,
      'ILLEGAL_GENERATION',
      'a commit of the old generation',
    );
    assert.deepEqual(await committed(), stored);
  });

  it('describes the group with members, assignment, committed offsets and lag', async () => {
    const d = await describeGroup();
    assert.equal(d.groupId, G);
    assert.equal(d.state, 'Stable');
    assert.equal(d.generationId, a.generationId);
    assert.deepEqual(d.members.map((m) => m.clientId).sort(), ['a', 'b', 'c']);
    for (const m of [a, b, c]) {
      const shown = d.members.find((x) => x.memberId === m.memberId);
      assert.deepEqual(
        shown.assignment.map((tp) => tp.partition).sort(),
        m.assignment.map((tp) => tp.partition).sort(),
      );
    }
    assert.deepEqual(
      d.offsets.map((o) => [o.partition, o.offset, o.latest, o.lag]),
      [...Array(P).keys()].map((p) => [p, 2, 5, 3]),
    );
    assert.deepEqual(await api.get(admin, 200), d);
    const { groups } = await api.get('/admin/groups', 200);
    assert.deepEqual(groups, [{ groupId: G, state: 'Stable' }]);
  });

  it('refuses to delete the group while it has members, and deletes nothing', async () => {
    const before = await describeGroup();
    assertError(await api.request('DELETE', admin), 409, 'NON_EMPTY_GROUP', 'delete of a live group');
    assert.deepEqual(await describeGroup(), before);
    assert.deepEqual(await committed(), stored);
  });

  it('members leave; the group is Empty and keeps its offsets', async () => {
    for (const m of [a, b, c])
      assert.equal((await api.request('POST', `${g}/leave`, { memberId: m.memberId })).status, 204);
    const d = await describeGroup();
    assert.equal(d.state, 'Empty');
    assert.deepEqual(d.members, []);
    assert.deepEqual(await committed(), stored);
  });

  it('keeps the committed offsets, and the group, across a crash of the runtime', async () => {
    const pgid = dev.pid;
    await dev.stop({ signal: 'SIGKILL' });
    assert.deepEqual(processGroup(pgid), [], 'no process of the old runtime is left');
    dev = await startDev({ persistDir });
    api = client(dev.baseUrl);

    assert.deepEqual(await committed(), stored);
    const d = await describeGroup();
    assert.equal(d.state, 'Empty');
    assert.deepEqual(
      withoutTime(d.offsets).map((o) => [o.partition, o.offset, o.latest, o.lag]),
      [...Array(P).keys()].map((p) => [p, 2, 5, 3]),
    );
    assert.deepEqual((await api.get('/admin/groups', 200)).groups, [{ groupId: G, state: 'Empty' }]);

    /* a new member takes every partition and resumes where the group left off */
    const m = await join({ topics: [T] });
    assert.ok(m.generationId > a.generationId, `generation ${m.generationId} after ${a.generationId}`);
    assertSplit([m], P, 'one member after the restart');
    const from = new Map((await committed()).map((o) => [o.partition, o.offset]));
    const page = await api.read(T, 0, from.get(0));
    assert.deepEqual(
      page.messages.map((msg) => msg.offset),
      [2, 3, 4],
    );
    assert.equal((await api.request('POST', `${g}/leave`, { memberId: m.memberId })).status, 204);
  });

  it('deletes the group once it is empty', async () => {
    assert.equal((await api.request('DELETE', admin)).status, 204);
    assertError(await api.request('GET', admin), 404, 'GROUP_ID_NOT_FOUND', 'describe after delete');
    assertError(await api.request('DELETE', admin), 404, 'GROUP_ID_NOT_FOUND', 'delete after delete');
    assert.deepEqual(await committed(), []);
    assert.deepEqual((await api.get('/admin/groups', 200)).groups, []);
  });

  it('answers bad input with the error shape and the right status', async () => {
    const cases = [
      ['malformed JSON', () => api.request('POST', `${g}/join`, '{"topics": ['), 400, 'INVALID_REQUEST'],
      ['a join without topics', () => api.request('POST', `${g}/join`, {}), 400, 'INVALID_REQUEST'],
      [
        'a heartbeat without memberId',
        () => api.request('POST', `${g}/heartbeat`, { generationId: 1 }),
        400,
        'INVALID_REQUEST',
      ],
      [
        'a commit without memberId',
        () => api.request('POST', `${g}/commit`, { generationId: 1, offsets: [] }),
        400,
        'INVALID_REQUEST',
      ],
      ['a leave without memberId', () => api.request('POST', `${g}/leave`, {}), 400, 'INVALID_REQUEST'],
      [
        'a group id of 256 characters',
        () => api.request('GET', `/consumer-groups/${'x'.repeat(256)}`),
        400,
        'INVALID_GROUP_ID',
      ],
      [
        'a session timeout of 1 ms',
        () => api.request('POST', `${g}/join`, { topics: [T], sessionTimeoutMs: 1 }),
        400,
        'INVALID_SESSION_TIMEOUT',
      ],
      [
        'a heartbeat of an unknown member',
        () => api.request('POST', `${g}/heartbeat`, { memberId: 'nobody', generationId: 1 }),
        409,
        'UNKNOWN_MEMBER_ID',
      ],
      [
        'a body that is not JSON',
        () => api.request('POST', `${g}/leave`, '{}', { 'content-type': 'text/plain' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['a wrong method', () => api.request('PUT', `${g}/join`, {}), 405, 'METHOD_NOT_ALLOWED'],
    ];
    for (const [what, send, status, code] of cases) assertError(await send(), status, code, what);
    assertError(await api.request('GET', admin), 404, 'GROUP_ID_NOT_FOUND', 'the refusals made no group');
  });
});
