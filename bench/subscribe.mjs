#!/usr/bin/env node
/*
 * subscribe.mjs — append-to-subscriber latency of real-time subscriptions
 * (GET /topics/:topic/subscribe), as a WebSocket and as Server-Sent Events, against a
 * private `wrangler dev` (tests/e2e/harness.mjs). Prints figures; never passes or
 * fails on time. Goal: p99 under 20 ms locally.
 *
 * Usage:  node bench/subscribe.mjs [--records N]   (default 300)
 *
 * A WebSocket and an event-stream subscriber, both subscribed from now to the same
 * 1-partition topic at once, so both transports are measured on the same records at
 * the same moments (on a loaded machine, figures taken one after the other differ by
 * more than the transports do). Records (100-byte values) are produced one after
 * another over REST; for each the figures are, from the moment its POST is sent
 * (performance.now(), this process): when each subscriber has it ("delivered") and
 * when the produce's answer arrived ("acknowledged"). The partition releases a record
 * to readers and the produce's answer through the same output gate (after SQLite has
 * it), so "delivered" is the append-to-subscriber latency as a client sees it, HTTP
 * round trip of the produce included; "delivered - acknowledged" near 0 says the
 * subscription adds nothing to what the append itself takes. 20 untimed records first
 * warm every path.
 */
import { startDev } from '../tests/e2e/harness.mjs';
import { eventStreamSubscriber, webSocketSubscriber } from '../tests/e2e/subscribe-clients.mjs';

const args = process.argv.slice(2);
const RECORDS = Number(args[args.indexOf('--records') + 1] || 0) || 300;
const WARMUP = 20;
const value = 'v'.repeat(100);

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const line = (name, figures) => {
  figures.sort((a, b) => a - b);
  return `${name.padEnd(22)} p50 ${fmt(pct(figures, 50))}  p99 ${fmt(pct(figures, 99))}  max ${fmt(figures.at(-1))}`;
};

const dev = await startDev();
try {
  const topic = 'bench-subscribe';
  const post = (path, body) =>
    fetch(dev.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await (await post('/admin/topics', { topic, partitions: 1 })).text();
  const ws = await webSocketSubscriber(`${dev.baseUrl.replace(/^http/, 'ws')}/topics/${topic}/subscribe`);
  const sse = await eventStreamSubscriber(`${dev.baseUrl}/topics/${topic}/subscribe`);
  const figures = { websocket: [], sse: [], acknowledged: [] };
  for (let i = 0; i < WARMUP + RECORDS; i++) {
    const sent = performance.now();
    const answer = post(`/topics/${topic}/produce`, { value, partition: 0 }).then(async (r) => {
      await r.text();
      return performance.now();
    });
    const [viaWs, viaSse, acked] = await Promise.all([ws.next(10_000), sse.next(10_000), answer]);
    if (i < WARMUP) continue;
    figures.websocket.push(viaWs.at - sent);
    figures.sse.push(viaSse.at - sent);
    figures.acknowledged.push(acked - sent);
  }
  ws.close();
  sse.close();
  console.log(`append-to-subscriber latency, ${RECORDS} records, from the produce's send:`);
  console.log(line('websocket delivered', figures.websocket));
  console.log(line('sse delivered', figures.sse));
  console.log(line('produce acknowledged', figures.acknowledged));
} finally {
  await dev.stop({ removePersistDir: true });
}
