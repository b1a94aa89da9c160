#!/usr/bin/env node
/*
 * subscribe.mjs — append-to-subscriber latency of real-time subscriptions
 * (GET /topics/:topic/subscribe), as a WebSocket and as Server-Sent Events, against a
 * private `wrangler dev` (tests/e2e/harness.mjs). Prints figures; never passes or
 * fails on time. Goal: p99 under 20 ms locally.
 *
 * Usage:  node bench/subscribe.mjs [--records N]   (default 300 per transport)
 *
 * One subscriber per transport, one at a time, on a 1-partition topic, subscribed
 * from now. Records (100-byte values) are produced one after another over REST; for
 * each the figures are, from the moment its POST is sent (performance.now(), this
 * process): when the subscriber has it ("delivered") and when the produce's answer
 * arrived ("acknowledged"). The partition releases a record to readers and the
 * produce's answer through the same output gate (after SQLite has it), so "delivered"
 * is the append-to-subscriber latency as a client sees it, HTTP round trip of the
 * produce included. 20 untimed records first warm both paths.
 */
import { startDev } from '../tests/e2e/harness.mjs';
import { eventStreamSubscriber, webSocketSubscriber } from '../tests/e2e/subscribe-clients.mjs';

const args = process.argv.slice(2);
const RECORDS = Number(args[args.indexOf('--records') + 1] || 0) || 300;
const WARMUP = 20;
const value = 'v'.repeat(100);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function measure(dev, name, subscribe) {
  const topic = `bench-subscribe-${name}`;
  const post = (path, body) =>
    fetch(dev.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await (await post('/admin/topics', { topic, partitions: 1 })).text();
  const sub = await subscribe(topic);
  const delivered = [];
  const acknowledged = [];
  for (let i = 0; i < WARMUP + RECORDS; i++) {
    const sent = performance.now();
    const answer = post(`/topics/${topic}/produce`, { value, partition: 0 }).then(async (r) => {
      await r.text();
      return performance.now();
    });
    const got = await sub.next(10_000);
    const acked = await answer;
    if (i < WARMUP) continue;
    delivered.push(got.at - sent);
    acknowledged.push(acked - sent);
  }
  sub.close();
  delivered.sort((a, b) => a - b);
  acknowledged.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(9)}  delivered p50 ${fmt(pct(delivered, 50))}  p99 ${fmt(pct(delivered, 99))}  max ${fmt(delivered.at(-1))}` +
      `   | produce acknowledged p50 ${fmt(pct(acknowledged, 50))}  p99 ${fmt(pct(acknowledged, 99))}`,
  );
}

const dev = await startDev();
try {
  console.log(`append-to-subscriber latency, ${RECORDS} records per transport, from the produce's send:`);
  await measure(dev, 'websocket', (topic) =>
    webSocketSubscriber(`${dev.baseUrl.replace(/^http/, 'ws')}/topics/${topic}/subscribe`),
  );
  await measure(dev, 'sse', (topic) => eventStreamSubscriber(`${dev.baseUrl}/topics/${topic}/subscribe`));
} finally {
  await dev.stop({ removePersistDir: true });
}
