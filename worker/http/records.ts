/*
 * records.ts — records between their JSON form on the REST API and the in-Worker
 * API's form.
 *
 * Going in, a produce body becomes a ProducerMessage. With the default encoding a
 * value is any JSON and goes to the producer as the parsed value, which stores its
 * UTF-8 JSON text; keys and header values are strings, stored as their UTF-8
 * bytes. With ?encoding=base64 the key, the value and the header values are base64
 * of raw bytes, stored as they are. null is null (a tombstone value, a null key).
 *
 * Coming out, a record shows what its bytes are. With encoding=json each of key,
 * value and header value is shown readably when it can be shown without loss, and
 * as base64 in a sibling field otherwise: a key or header value that is not valid
 * UTF-8 goes to keyBase64 / headersBase64, a value that is not UTF-8 JSON text to
 * valueBase64. With encoding=base64 all of them are base64. the README (HTTP API) says the
 * same for users.
 *
 * A value shown as JSON is its stored text, not that text parsed and written again
 * (json.ts): a read shows the bytes that were stored, every digit of a large number
 * and any depth of nesting included.
 */
import { invalidRequest } from "./errors";
import {
  dictionary,
  fromBase64,
  has,
  integer,
  object,
  partitionField,
  string,
  stringMap,
  toBase64,
} from "./input";
import { RawJson } from "./json";
import type { ConsumerRecord, HeaderValue, KeyInput } from "../common/records";
import type { ProducerMessage } from "../common/api";
import { jsonText, utf8Text } from "../api/records";

export type Encoding = "json" | "base64";
export const ENCODINGS: readonly Encoding[] = ["json", "base64"];

const MESSAGE_FIELDS = ["key", "value", "headers", "partition", "timestamp"] as const;

/* ---- produce -------------------------------------------------------------------- */

export function producerMessage(topic: string, body: unknown, encoding: Encoding, where: string): ProducerMessage {
  const o = object(body, where, MESSAGE_FIELDS);
  if (!has(o, "value")) throw invalidRequest(`${where}.value is required (null for a tombstone)`);
  const bytes = (v: unknown, at: string): string | Uint8Array | null => {
    if (v === null) return null;
    return encoding === "base64" ? fromBase64(v, at) : string(v, at);
  };

  const message: ProducerMessage = {
    topic,
    value: encoding === "base64" ? bytes(o.value, `${where}.value`) : o.value,
  };
  if (has(o, "key")) message.key = bytes(o.key, `${where}.key`) satisfies KeyInput;
  if (has(o, "headers")) {
    message.headers = stringMap<HeaderValue>(o.headers, `${where}.headers`, bytes);
  }
  if (has(o, "partition")) message.partition = partitionField(o.partition, `${where}.partition`);
  if (has(o, "timestamp")) {
    message.timestamp = integer(o.timestamp, `${where}.timestamp`, 0, Number.MAX_SAFE_INTEGER);
  }
  return message;
}

/* ---- read ------------------------------------------------------------------------- */

export interface JsonMessage {
  offset: number;
  timestamp: number;
  key?: string | null;
  keyBase64?: string;
  /* encoding=json: the stored JSON text (written as it is by jsonResponse), or null;
   * encoding=base64: base64 or null. */
  value?: RawJson | string | null;
  valueBase64?: string;
  headers: Record<string, string | null>;
  headersBase64?: Record<string, string>;
}

export function jsonMessage(record: ConsumerRecord, encoding: Encoding): JsonMessage {
  const { offset, timestamp } = record;

  if (encoding === "base64") {
    const headers = dictionary<string | null>();
    for (const h of record.headers) headers[h.key] = h.value === null ? null : toBase64(h.value);
    return {
      offset,
      timestamp,
      key: record.key === null ? null : toBase64(record.key),
      value: record.value === null ? null : toBase64(record.value),
      headers,
    };
  }

  const keyText = record.key === null ? null : utf8Text(record.key);
  const key = keyText === undefined ? { keyBase64: toBase64(record.key!) } : { key: keyText };

  const text = record.value === null ? null : jsonText(record.value);
  const value =
    text === undefined ? { valueBase64: toBase64(record.value!) } : { value: text === null ? null : new RawJson(text) };

  /* A name repeated in the record shows its last value, in one of the two maps. */
  const headers = dictionary<string | null>();
  let headersBase64: Record<string, string> | undefined;
  for (const h of record.headers) {
    const text = h.value === null ? null : utf8Text(h.value);
    if (text !== undefined) {
      headers[h.key] = text;
      if (headersBase64) delete headersBase64[h.key];
    } else {
      headersBase64 ??= dictionary();
      headersBase64[h.key] = toBase64(h.value!);
      delete headers[h.key];
    }
  }
  const binary = headersBase64 && Object.keys(headersBase64).length > 0 ? { headersBase64 } : {};
  return { offset, timestamp, ...key, ...value, headers, ...binary };
}
