/*
 * messages.ts — kafkajs's message shapes, to and from the in-Worker API's.
 *
 * Out (produce): a kafkajs message's key, value and header values are Buffers or
 * strings; a string is sent as its UTF-8 bytes (never as JSON text, which the
 * in-Worker producer would make of it), a Buffer as it is. A timestamp is a string
 * (or number) of ms since the epoch.
 *
 * In (consume): records are read raw (createConsumer's `raw`), so the message has
 * the stored bytes: key and value as Buffers (null stays null), each header value a
 * Buffer, offset and timestamp as strings, as kafkajs gives them.
 */
import { Buffer } from "./buffer";
import type { ConsumedRecord, ProducerMessage } from "../api";
import { KafkaJSNonRetriableError } from "./errors";

export type KafkaJSBytes = Buffer | string | null;
export type IHeaders = Record<string, Buffer | string | undefined>;

/* kafkajs's Message: what producer.send takes per message. */
export interface Message {
  key?: KafkaJSBytes;
  value: KafkaJSBytes;
  partition?: number;
  headers?: IHeaders;
  timestamp?: string | number;
}

/* kafkajs's KafkaMessage: what eachMessage and eachBatch hand over. */
export interface KafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  attributes: number;
  offset: string;
  size?: number;
  headers: Record<string, Buffer | undefined>;
}

const utf8 = new TextEncoder();

function bytesOf(v: unknown, what: string): Uint8Array | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return utf8.encode(v);
  if (v instanceof Uint8Array) return v;
  throw new KafkaJSNonRetriableError(`${what} must be a Buffer, a string or null, not ${typeof v}`);
}

function headersOf(headers: unknown): Record<string, Uint8Array | null> | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers !== "object" || Array.isArray(headers)) {
    throw new KafkaJSNonRetriableError("message headers are an object of names to Buffers or strings");
  }
  const out: Record<string, Uint8Array | null> = {};
  for (const [key, value] of Object.entries(headers)) {
    /* A header repeated (an array of values) cannot be expressed by the in-Worker API. */
    if (Array.isArray(value)) throw new KafkaJSNonRetriableError(`header "${key}": repeated headers are not supported`);
    if (value === undefined) continue;
    Object.defineProperty(out, key, {
      value: bytesOf(value, `header "${key}"`),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function timestampOf(t: unknown): number | undefined {
  if (t === undefined || t === null) return undefined;
  const n = typeof t === "string" && /^-?\d+$/.test(t) ? Number(t) : t;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw new KafkaJSNonRetriableError(`a message timestamp is ms since the epoch as a string, not ${String(t)}`);
  }
  return n;
}

/* One kafkajs message for `topic`, as the in-Worker producer's. */
export function producerMessage(topic: string, m: Message): ProducerMessage {
  if (m === null || typeof m !== "object") throw new KafkaJSNonRetriableError("a message is an object with a value");
  const out: ProducerMessage = {
    topic,
    key: bytesOf(m.key, "a message key"),
    value: bytesOf(m.value, "a message value"),
  };
  const headers = headersOf(m.headers);
  if (headers) out.headers = headers;
  if (m.partition !== undefined && m.partition !== null) out.partition = m.partition;
  const timestamp = timestampOf(m.timestamp);
  if (timestamp !== undefined) out.timestamp = timestamp;
  return out;
}

const buffer = (b: unknown): Buffer | null =>
  b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : null;

/* A raw consumed record as kafkajs's KafkaMessage. */
export function kafkaMessage(r: ConsumedRecord): KafkaMessage {
  const headers: Record<string, Buffer | undefined> = {};
  for (const [key, value] of Object.entries(r.headers)) {
    Object.defineProperty(headers, key, {
      value: buffer(value) ?? undefined,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return {
    key: buffer(r.key),
    value: buffer(r.value),
    timestamp: String(r.timestamp),
    attributes: 0,
    offset: String(r.offset),
    headers,
  };
}
