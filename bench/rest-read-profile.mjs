#!/usr/bin/env node
/*
 * rest-read-profile.mjs — where a REST read's CPU goes: V8's sampling profile of
 * wrangler dev's isolate (the Worker and its Durable Objects share it) while 8
 * readers read 8 partitions back, as bench/rest.mjs's read figure does. Prints the
 * Worker's CPU per record read and the functions that take the most of it (self time).
 *
 * Usage:  node bench/rest-read-profile.mjs [--records N] [--rounds R] [--top T] [--save file.cpuprofile]
 *
 * N records (default 100,000) of 100-byte JSON string values go to 8 partitions in
 * produce-batch calls of 1,000 (untimed); then every partition is read from its start
 * in pages of 1,000, R times over (default 3), while the profiler runs. The CPU per
 * record is wrangler dev's whole process group's (from /proc) over the records read;
 * each function's part of it is its share of the profile's busy samples (counted, not
 * timed: on a loaded machine a sample's time includes the while the process waited
 * for a core). The profiler itself costs some CPU.
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { processGroup, startDev } from '../tests/e2e/harness.mjs';
import { BATCH, PARTITIONS, groupCpuSeconds, readAll, valueStrings } from './rest-workload.mjs';

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    top: { type: 'string', default: '25' },
    save: { type: 'string' },
  },
});
const RECORDS = Number(opts.records);
const ROUNDS = Number(opts.rounds);

/* Talks to wrangler dev's inspector (the Chrome DevTools protocol over a WebSocket). */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://localhost' } });
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
  });
  let id = 0;
  const pending = new Map();
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, (msg) => (msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { call, close: () => ws.close() };
}

/* CPU seconds per process of the group, by command name. */
function cpuByCommand(pgid) {
  const out = new Map();
  for (const { pid, comm } of processGroup(pgid)) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(comm, (out.get(comm) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {}
  }
  return out;
}

/* Busy samples per function (self), and in all, from a profile. */
function selfSamples(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let busy = 0;
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    if (functionName === '(idle)') continue;
    busy++;
    const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber}`;
    self.set(where, (self.get(where) ?? 0) + 1);
  }
  return { busy, self: [...self].sort((a, b) => b[1] - a[1]) };
}

const dev = await startDev();
try {
  const topic = 'profile';
  const created = await fetch(`${dev.baseUrl}/admin/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic, partitions: PARTITIONS }),
  });
  if (!created.ok) throw new Error(`create topic: ${created.status} ${await created.text()}`);
  const values = valueStrings();
  for (let b = 0; b < RECORDS / BATCH; b++) {
    const messages = Array.from({ length: BATCH }, (_, i) => ({
      value: values[(b + i) % values.length],
      partition: i % PARTITIONS,
    }));
    const res = await fetch(`${dev.baseUrl}/topics/${topic}/produce-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
    if (!res.ok) throw new Error(`produce-batch: ${res.status} ${await res.text()}`);
  }
  const readPartition = async (p) => {
    let offset = 0;
    let n = 0;
    for (;;) {
      const res = await fetch(
        `${dev.baseUrl}/topics/${topic}/partitions/${p}/messages?offset=${offset}&limit=${BATCH}`,
      );
      const page = await res.json();
      if (page.messages.length === 0) return n;
      n += page.messages.length;
      offset = page.nextOffset;
    }
  };
  await readAll(readPartition); /* warm-up */
  const inspect = await inspector(dev.inspectorPort);
  await inspect.call('Profiler.enable');
  await inspect.call('Profiler.setSamplingInterval', { interval: 100 });
  await inspect.call('Profiler.start');
  const cpu0 = groupCpuSeconds(dev.pid);
  const byCommand0 = cpuByCommand(dev.pid);
  let records = 0;
  let seconds = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const read = await readAll(readPartition);
    records += read.records;
    seconds += read.seconds;
  }
  const cpu = groupCpuSeconds(dev.pid) - cpu0;
  const byCommand = [...cpuByCommand(dev.pid)].map(
    ([c, t]) => `${c} ${(((t - (byCommand0.get(c) ?? 0)) * 1e6) / records).toFixed(2)}`,
  );
  const { profile } = await inspect.call('Profiler.stop');
  inspect.close();
  if (opts.save) writeFileSync(opts.save, JSON.stringify(profile));
  const { busy, self } = selfSamples(profile);
  const usPerRecord = (cpu * 1e6) / records;
  console.log(
    `${records.toLocaleString('en-US')} records read in ${seconds.toFixed(2)} s ` +
      `(${Math.round(records / seconds).toLocaleString('en-US')} rec/s); ` +
      `wrangler dev's CPU: ${usPerRecord.toFixed(2)} µs per record; ${busy} busy samples`,
  );
  console.log(`  by process (µs per record): ${byCommand.join(', ')}`);
  console.log('self, share of the busy samples and µs per record:');
  for (const [where, n] of self.slice(0, Number(opts.top))) {
    const share = n / busy;
    console.log(
      `  ${(100 * share).toFixed(1).padStart(5)} %  ${(share * usPerRecord).toFixed(2).padStart(6)}  ${where}`,
    );
  }
} finally {
  await dev.stop();
}
