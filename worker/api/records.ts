/*
 * records.ts — turning the public API's messages into the bytes a record holds.
 *
 * Keys and header values: a string is its UTF-8 bytes, a Uint8Array itself. Values:
 * a Uint8Array itself; anything else its UTF-8 JSON text, so every JSON value comes
 * back as what was sent (undefined is a null value). This is the one place those
 * rules live; the REST front passes parsed JSON and decoded base64 through it.
 *
 * And back: utf8Text, jsonValue and jsonText read stored bytes as text or JSON where
 * they are (the consumer and the REST read path shape records with them).
 */
import { KafdoError, KafkaCode } from "../common/errors";
import type { HeaderValue, KeyInput, RecordHeader } from "../common/records";

const utf8 = new TextEncoder();

export function keyBytes(key: KeyInput | undefined): Uint8Array | null {
  if (key === undefined || key === null) return null;
  if (typeof key === "string") return utf8.encode(key);
  if (key instanceof Uint8Array) return key;
  throw new KafdoError(KafkaCode.INVALID_REQUEST, "a record key is a string, a Uint8Array or null");
}

export function valueBytes(value: unknown): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `a record value must be JSON or bytes: ${(e as Error).message}`);
  }
  if (text === undefined) throw new KafdoError(KafkaCode.INVALID_REQUEST, "a record value must be JSON or bytes");
  return utf8.encode(text);
}

export function headerList(headers: Record<string, HeaderValue> | undefined): RecordHeader[] {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== "object" || Array.isArray(headers)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "record headers are an object of names to values");
  }
  return Object.entries(headers).map(([key, value]) => {
    const bytes = keyBytes(value as KeyInput);
    return { key, value: bytes };
  });
}

/* ignoreBOM keeps a leading U+FEFF in the text, so decoding never drops bytes. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/* The bytes as text when they are valid UTF-8, else undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/* The JSON value the bytes hold as UTF-8 JSON text, if they do. */
export function jsonValue(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  const text = utf8Text(bytes);
  if (text === undefined) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/* The bytes as text when they are UTF-8 JSON text, else undefined. The text is
 * parsed only to check it: whoever shows it passes the text on as it is, which
 * keeps every digit of a number and any depth of nesting. */
export function jsonText(bytes: Uint8Array): string | undefined {
  const text = utf8Text(bytes);
  if (text === undefined) return undefined;
  try {
    JSON.parse(text);
    return text;
  } catch {
    return undefined;
  }
}
