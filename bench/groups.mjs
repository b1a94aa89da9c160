#!/usr/bin/env node
/*
 * groups.mjs — consumer groups over Kafdo's REST protocol: records/s consumed by a
 * group of 4 consumers over 8 partitions, and the time from a member joining to a
 * stable group. Prints figures; never passes or fails on time.
 *
 * Usage:  node bench/groups.mjs [--records N]
 *
 * Kafdo runs in its own `wrangler dev` (tests/e2e/harness.mjs). The topic is filled
 * with N records of 100-byte values (untimed), then:
 *   - consume: 4 members join one group (range over 8 partitions: two each) and
 *     heartbeat until the group is stable with all four; each then reads its
 *     partitions from the committed offset (none: the start) in pages of 1,000,
 *     commits after every page, until it has read to the high watermark; records/s
 *     is N over the time from the first join to the last commit.
 *   - join to stable: with those 4 members heartbeating every 50 ms, a fifth joins;
 *     the others see REBALANCE_IN_PROGRESS on their next heartbeat and join again.
 *     The figure is the time from the fifth join's request to the moment all five
 *     hold the new generation. Also the first join of an empty group (one member).
 */
import { client, startDev } from '../tests/e2e/harness.mjs';
import { PARTITIONS, bounded, valueStrings } from './rest-workload.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const RECORDS = Number(arg('records', '100000'));
const CONSUMERS = 4;
const PAGE = 1000;

const join = (api, group, topic, memberId = '') =>
  api.post(`/consumer-groups/${group}/join`, {
    memberId,
    clientId: 'bench',
    topics: [topic],
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 30000,
  });

async function fill(api, topic) {
  const values = valueStrings();
  let sent = 0;
  const batches = [];
  while (sent < RECORDS) {
    const n = Math.min(1000, RECORDS - sent);
    batches.push(
      Array.from({ length: n }, (_, i) => ({
        value: values[(sent + i) % values.length],
        partition: (sent + i) % PARTITIONS,
      })),
    );
    sent += n;
  }
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(batches.slice(i, i + 4).map((messages) => api.produceBatch(topic, messages)));
  }
}

/*
 * Starts n members at once and runs them as a client does until the group is
 * stable with all of them: the first join completes alone (an empty group has
 * no one to wait for), the next ones start rebalances that the earlier members
 * learn of from their heartbeats (every 50 ms here) and join again.
 */
async function settle(api, group, topic, n) {
  const members = await Promise.all(
    Array.from({ length: n }, async () => {
      let me = await join(api, group, topic);
      for (;;) {
        const res = await api.request('POST', `/consumer-groups/${group}/heartbeat`, {
          memberId: me.memberId,
          generationId: me.generationId,
        });
        if (res.status === 409) {
          me = await join(api, group, topic, me.memberId);
          continue;
        }
        const d = await api.get(`/consumer-groups/${group}`);
        if (d.state === 'Stable' && d.members.length === n && d.generationId === me.generationId) return me;
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  return members;
}

async function consume(api, group, topic, member) {
  let read = 0;
  for (const { partition } of member.assignment) {
    const committed = await api.get(`/consumer-groups/${group}/offsets`);
    const row = committed.offsets.find((o) => o.topic === topic && o.partition === partition);
    let offset = row && row.offset >= 0 ? row.offset : 0;
    for (;;) {
      const page = await api.read(topic, partition, offset, PAGE);
      if (page.messages.length === 0) break;
      read += page.messages.length;
      offset = page.nextOffset;
      await api.post(`/consumer-groups/${group}/commit`, {
        memberId: member.memberId,
        generationId: member.generationId,
        offsets: [{ topic, partition, offset }],
      });
      if (offset >= page.highWatermark) break;
    }
  }
  return read;
}

async function main() {
  const dev = await startDev();
  try {
    const api = client(dev.baseUrl);
    const topic = `bench-groups-${Date.now()}`;
    await api.createTopic(topic, PARTITIONS);
    await fill(api, topic);

    const group = `bench-${Date.now()}`;
    const t0 = performance.now();
    const members = await bounded(settle(api, group, topic, CONSUMERS), 120000, 'the joins');
    const joined = performance.now();
    const counts = await Promise.all(members.map((m) => consume(api, group, topic, m)));
    const seconds = (performance.now() - t0) / 1000;
    const read = counts.reduce((a, b) => a + b, 0);
    console.log(
      `Consumer group over REST (${CONSUMERS} consumers, ${PARTITIONS} partitions, ${RECORDS} records of 100 B, pages of ${PAGE}, commit per page)`,
    );
    console.log(
      `  consumed      ${read} records in ${seconds.toFixed(2)} s: ${Math.round(read / seconds).toLocaleString('en-US')} records/s`,
    );
    console.log(
      `  4 members joining an empty group together (heartbeats every 50 ms): ${(joined - t0).toFixed(0)} ms to a stable group`,
    );

    /* A fifth member joins a stable group of four that heartbeat every 50 ms. */
    let current = members;
    let stop = false;
    const heartbeats = current.map(async (m) => {
      let me = m;
      while (!stop) {
        const res = await api.request('POST', `/consumer-groups/${group}/heartbeat`, {
          memberId: me.memberId,
          generationId: me.generationId,
        });
        if (res.status === 409) me = await join(api, group, topic, me.memberId);
        await new Promise((r) => setTimeout(r, 50));
      }
      return me;
    });
    const s = performance.now();
    const fifth = await bounded(join(api, group, topic), 120000, 'the fifth join');
    const stableMs = performance.now() - s;
    stop = true;
    current = await Promise.all(heartbeats);
    const generations = new Set([fifth, ...current].map((m) => m.generationId));
    console.log(
      `  a 5th member joining a stable group of 4 (heartbeats every 50 ms): ${stableMs.toFixed(0)} ms to a stable group (generations seen: ${[...generations].join(',')})`,
    );
  } finally {
    await dev.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
