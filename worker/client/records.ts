/*
 * records.ts — messages between kafdo/client's JavaScript form and the REST API's
 * JSON form (the README's HTTP API), both ways, without losing a byte.
 *
 * Producing. A value is any JSON value, stored as its UTF-8 JSON text, or a
 * Uint8Array, stored as it is; keys and header values are strings (stored as
 * UTF-8) or Uint8Arrays; null is null. A request whose messages hold no
 * Uint8Array goes as plain JSON. One that holds any goes with ?encoding=base64,
 * every key, value and header value as base64 of its bytes: a JSON value as its
 * JSON text's UTF-8 (JSON.stringify, as the server would store it), so the bytes
 * stored are the same either way.
 *
 * Consuming. Reads ask for the REST API's default encoding, which shows each part
 * readably when that loses nothing and as base64 in a sibling field otherwise;
 * here both come back as one field, decoded as the in-Worker consumer decodes: a
 * key or header value is its UTF-8 text, else its bytes; a value is the JSON it
 * holds, else its UTF-8 text, else its bytes; null stays null.
 */
import type { ConsumedBytes, ConsumedRecord } from "../common/records";
import { KafdoClientError } from "./errors";

/* A key or a header value: text (stored as UTF-8) or bytes. */
export type BytesInput = string | Uint8Array | null;

export interface ClientMessage {
  /* The producer's defaultTopic when absent. */
  topic?: string;
  key?: BytesInput;
  /* Any JSON value (stored as its UTF-8 JSON text), or bytes; null for a tombstone. */
  value: unknown;
  headers?: Record<string, BytesInput>;
  /* Explicit partition; otherwise by key (murmur2, as Kafka's Java client). */
  partition?: number;
  /* ms since the epoch; the time of the request when absent. */
  timestamp?: number;
}

/* A record as the client reads it: the same shape as every door's consumed record. */
export type ClientRecord = ConsumedRecord;
export type { ConsumedBytes };

/* ---- base64 and UTF-8, with only what every runtime has ---------------------------- */

const encoder = new TextEncoder();
/* ignoreBOM keeps a leading U+FEFF in the text, so decoding never drops bytes. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/* ---- produce --------------------------------------------------------------------- */

export interface RestMessage {
  key?: string | null;
  value: unknown;
  headers?: Record<string, string | null>;
  partition?: number;
  timestamp?: number;
}

function holdsBytes(m: ClientMessage): boolean {
  if (m.key instanceof Uint8Array || m.value instanceof Uint8Array) return true;
  return m.headers !== undefined && Object.values(m.headers).some((v) => v instanceof Uint8Array);
}

/* Whether these messages must go with ?encoding=base64. */
export function needsBase64(messages: readonly ClientMessage[]): boolean {
  return messages.some(holdsBytes);
}

function base64Of(v: BytesInput): string | null {
  if (v === null) return null;
  return toBase64(typeof v === "string" ? encoder.encode(v) : v);
}

function valueBase64(value: unknown): string | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return toBase64(value);
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new KafdoClientError("INVALID_REQUEST", `a message value must be JSON or a Uint8Array, not ${typeof value}`);
  }
  return toBase64(encoder.encode(text));
}

/* The REST body of one message (the topic goes in the path). */
export function restMessage(m: ClientMessage, base64: boolean): RestMessage {
  if (m === null || typeof m !== "object") {
    throw new KafdoClientError(
      "INVALID_REQUEST",
      "a message is an object: { key?, value, headers?, partition?, timestamp? }",
    );
  }
  const out: RestMessage = { value: base64 ? valueBase64(m.value) : m.value };
  if (m.key !== undefined) out.key = base64 ? base64Of(m.key) : (m.key as string | null);
  if (m.headers !== undefined) {
    const headers: Record<string, string | null> = {};
    for (const [name, v] of Object.entries(m.headers)) {
      headers[name] = base64 ? base64Of(v) : (v as string | null);
    }
    out.headers = headers;
  }
  if (m.partition !== undefined) out.partition = m.partition;
  if (m.timestamp !== undefined) out.timestamp = m.timestamp;
  return out;
}

/* ---- consume --------------------------------------------------------------------- */

/* A message as GET .../messages (encoding=json) shows it. */
export interface RestRecord {
  offset: number;
  timestamp: number;
  key?: string | null;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers?: Record<string, string | null>;
  headersBase64?: Record<string, string>;
}

function valueOf(r: RestRecord): unknown {
  if (r.valueBase64 === undefined) return r.value ?? null;
  const bytes = fromBase64(r.valueBase64);
  return utf8(bytes) ?? bytes;
}

export function clientRecord(topic: string, partition: number, r: RestRecord): ClientRecord {
  /* JSON.parse makes every name an own property (__proto__ included), so the
   * answer's headers object is used as it is unless some values came as base64. */
  let headers: Record<string, ConsumedBytes> = r.headers ?? {};
  if (r.headersBase64 !== undefined) {
    headers = { ...headers };
    for (const [name, v] of Object.entries(r.headersBase64)) {
      /* defineProperty, so a header named __proto__ is a header. */
      const value = fromBase64(v);
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return {
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.keyBase64 !== undefined ? fromBase64(r.keyBase64) : (r.key ?? null),
    value: valueOf(r),
    headers,
  };
}
