/*
 * kcat.mjs — kcat (Debian's package, librdkafka 2.0.2) as the interop tests drive it.
 *
 * Every call runs kcat to its end with a deadline. When it fails, the same command is run
 * again with librdkafka's protocol debugging (`-X debug=protocol,broker,msg,...`) and the
 * end of that output is put in the error, so a failure names the request, its API key and
 * version and what the broker answered.
 */
import { run, tail } from './procs.mjs';

export const KCAT = process.env.KCAT ?? 'kcat';
const DEBUG = 'protocol,broker,msg,topic,metadata,cgrp,fetch';

/* The librdkafka debug log of `args` run once more (for an error message). */
export async function diagnose(args, opts = {}) {
  const r = await run(KCAT, [...args, '-X', `debug=${DEBUG}`], { ...opts, timeoutMs: 20_000 });
  return `--- the same with -X debug=${DEBUG} (${r.timedOut ? 'timed out' : `exit ${r.code}`}), requests, answers and errors:\n${tail(debugDigest(r.stderr), 100)}`;
}

/* The lines of a librdkafka debug log that tell what went wrong: requests sent, answers
 * received, errors; not the client's internal bookkeeping. */
export function debugDigest(log) {
  const keep =
    /\|(SEND|RECV|REQERR|PROTOERR|ERROR|FAIL|JOINGROUP|SYNCGROUP|HEARTBEAT|COMMIT|OFFSET|OFFSETS|CGRPJOINSTATE|PRODUCE|MSGSET|FETCHERR|PARTCNT|METADATA)\||^%[0-6]\||^% /;
  return log
    .split('\n')
    .filter((l) => keep.test(l) || /error|fail/i.test(l))
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join('\n');
}

/* Runs kcat; throws (with the debug log of a second run) unless it exits 0. */
export async function kcat(args, { input, timeoutMs = 60_000, check } = {}) {
  const r = await run(KCAT, args, { input, timeoutMs });
  let problem = r.timedOut
    ? `timed out after ${timeoutMs} ms`
    : r.code !== 0
      ? `exited ${r.code ?? r.signal}`
      : undefined;
  if (!problem && check) problem = check(r);
  if (problem) {
    throw new Error(
      `kcat ${args.join(' ')}: ${problem}\n--- stdout:\n${tail(r.stdout)}\n--- stderr:\n${tail(r.stderr)}\n` +
        (await diagnose(args, { input })),
    );
  }
  return r;
}

/*
 * Produces lines "key:value" (-K:) to topic, to one partition when given (-p), with the
 * given headers on every message (-H name=value). Fails when kcat reports a delivery
 * failure.
 */
export function produce(broker, topic, lines, { partition, headers = [], extra = [] } = {}) {
  const args = ['-P', '-b', broker, '-t', topic, '-K', ':'];
  if (partition !== undefined) args.push('-p', String(partition));
  for (const [name, value] of headers) args.push('-H', `${name}=${value}`);
  args.push(...extra);
  return kcat(args, {
    input: lines.map((l) => `${l}\n`).join(''),
    check: (r) => (/^% (ERROR|Failed to produce|Delivery failed)/m.test(r.stderr) ? 'reported an error' : undefined),
  });
}

/*
 * Consumes a topic (or one partition) from `offset` to its end (-e) with the JSON
 * envelope; resolves to the records sorted by partition then offset, each
 * { partition, offset, key, payload, headers, tstype, ts }.
 */
export async function consumeToEnd(broker, topic, { offset = 'beginning', partition, extra = [] } = {}) {
  const args = ['-C', '-b', broker, '-t', topic, '-o', String(offset), '-e', '-J', '-q'];
  if (partition !== undefined) args.push('-p', String(partition));
  args.push(...extra);
  const r = await kcat(args);
  return parseJsonLines(r.stdout).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

export function parseJsonLines(text) {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`kcat printed a line that is not JSON: ${l}`);
      }
    });
}

/* kcat -L -J: the metadata as JSON, for one topic or all. */
export async function metadataJson(broker, topic) {
  const args = ['-L', '-J', '-b', broker];
  if (topic !== undefined) args.push('-t', topic);
  const r = await kcat(args);
  return JSON.parse(r.stdout);
}

/* kcat -L: the metadata as text. */
export async function metadataText(broker, topic) {
  const args = ['-L', '-b', broker];
  if (topic !== undefined) args.push('-t', topic);
  return (await kcat(args)).stdout;
}

/* librdkafka's default partitioner, consistent_random: CRC-32 (zlib's) of the key modulo
 * the partition count (a record without key goes to a random partition). */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(text) {
  let c = 0xffffffff;
  for (const b of Buffer.from(text, 'utf8')) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
export const consistentPartition = (key, partitions) => crc32(key) % partitions;
