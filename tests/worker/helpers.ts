/*
 * Helpers shared by the worker tests: bytes from text, and RecordBatch v2 header
 * surgery (offsets per Kafka's layout: baseOffset 0, batchLength 8, leaderEpoch 12,
 * magic 16, crc 17, attributes 21, lastOffsetDelta 23, ...; the CRC-32C covers
 * bytes 21 to the end).
 */
import { expect } from "vitest";
import { crc32c, encodeBatch } from "../../wasm/kafdo";
import { KafdoError } from "../../worker/errors";
import type { ProducerRecord } from "../../worker/types";

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array | null): string | null =>
  b === null ? null : new TextDecoder().decode(b);

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
