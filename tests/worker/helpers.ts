/*
 * Helpers shared by the worker tests: bytes from text, and RecordBatch v2 header
 * surgery (offsets per Kafka's layout: baseOffset 0, batchLength 8, leaderEpoch 12,
 * magic 16, crc 17, attributes 21, lastOffsetDelta 23, ...; the CRC-32C covers
 * bytes 21 to the end).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { crc32c, encodeBatch } from "../../wasm/kafdo";
import { KafdoError } from "../../worker/common/errors";
import type { ProducerRecord } from "../../worker/common/records";
import { DEFAULT_RETENTION_CHECK_INTERVAL_MS } from "../../worker/durable-objects/TopicPartitionDO";

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

export const CRC_AT = 17;
export const ATTRIBUTES_AT = 21;
export const PRODUCER_ID_AT = 43;

export function view(batch: Uint8Array): DataView {
  return new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
}

export function baseOffsetOf(batch: Uint8Array): number {
  return Number(view(batch).getBigInt64(0, false));
}

/* Writes a new CRC over bytes 21..end, as a client would after editing the header. */
export function reseal(batch: Uint8Array): Uint8Array {
  view(batch).setUint32(CRC_AT, crc32c(batch.subarray(ATTRIBUTES_AT)), false);
  return batch;
}

/* A batch of records whose values are `${prefix}-${i}`. */
export function batchOf(count: number, prefix: string, timestamp = 1_700_000_000_000): Uint8Array {
  const records: ProducerRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({ key: utf8(`k${i}`), value: utf8(`${prefix}-${i}`), timestamp: timestamp + i });
  }
  return encodeBatch({}, records);
}

/* Asserts that fn throws (or rejects with) the KafdoError named `name`, also when
 * the error crossed an RPC boundary. */
export async function expectKafdoError(fn: () => unknown, name: string): Promise<KafdoError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${name}, nothing was thrown`).toBeDefined();
  const err = KafdoError.from(caught);
  expect(err, `expected ${name}, got ${String(caught)}`).toBeInstanceOf(KafdoError);
  expect(err!.name).toBe(name);
  return err!;
}

/* A partition object's stub itself, unwrapped (addressing.ts wraps the ones it hands
 * out), as cloudflare:test's runInDurableObject and runDurableObjectAlarm take it. */
export function rawPartitionStub(topicId: string, partition: number) {
  return env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${topicId}/${partition}`));
}

/* Runs a partition's alarms as time would: each one set for now or for the next check
 * (the retention check interval, 5 minutes by default), until none is left or the next
 * is a deadline further away; how many ran here (workerd may have run some itself). */
export async function runDueAlarms(topicId: string, partition = 0): Promise<number> {
  const stub = rawPartitionStub(topicId, partition);
  let ran = 0;
  /* workerd also runs an alarm set for now by itself, and while it runs none is set:
   * only two looks 30 ms apart that both find nothing due mean the work is done. */
  for (let idle = 0, turns = 0; idle < 2 && turns < 100; turns++) {
    const due = await runInDurableObject(stub, async (_i, state) => {
      const at = await state.storage.getAlarm();
      return at !== null && at <= Date.now() + DEFAULT_RETENTION_CHECK_INTERVAL_MS + 1000;
    });
    if (due && (await runDurableObjectAlarm(stub))) {
      ran++;
      idle = 0;
    } else {
      idle++;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }
  return ran;
}
