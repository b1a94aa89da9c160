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
import { dictionary, fromBase64, toBase64 } from "./input";
import { RawJson } from "./json";
import { Nullable, Natural, PartitionNumber, StringMap, Struct, Type, named, type Static } from "./schema";
import type { ConsumerRecord, HeaderValue } from "../common/records";
import type { ProducerMessage } from "../common/api";
import { jsonText, utf8Text } from "../api/records";
import type { Encoding } from "../common/rest-read";

export type { Encoding };
export const ENCODINGS: readonly Encoding[] = ["json", "base64"];

/* ---- produce -------------------------------------------------------------------- */

export const ProduceMessage = named(
  "ProduceMessage",
  Struct({
    key: Type.Optional(
      Nullable(Type.String(), { description: "UTF-8 text, or base64 with encoding=base64. Absent or null: no key." }),
    ),
    value: Type.Unknown({
      description:
        'Any JSON, stored as its UTF-8 JSON text (the string "hi" is stored as "hi" with ' +
        "its quotes); with encoding=base64 a base64 string of the bytes. null: a null value " +
        "(a tombstone).",
    }),
    headers: Type.Optional(
      StringMap(Nullable(Type.String()), {
        description: "Header name to value: UTF-8 text, base64 with encoding=base64, or null.",
      }),
    ),
    partition: Type.Optional(PartitionNumber({ description: "Write to this partition rather than choosing one." })),
    timestamp: Type.Optional(Natural({ description: "The record's timestamp, ms since the epoch; now when absent." })),
  }),
);

/* A checked produce body (validate.ts) as the producer's message; with base64, the
 * key, value and header values are decoded here (`where` names the message). */
export function producerMessage(
  topic: string,
  m: Static<typeof ProduceMessage>,
  encoding: Encoding,
  where: string,
): ProducerMessage {
  const bytes = (v: string | null, at: string): string | Uint8Array | null =>
    v === null || encoding === "json" ? v : fromBase64(v, at);

  const message: ProducerMessage = {
    topic,
    value: encoding === "base64" ? fromBase64Value(m.value, `${where}.value`) : m.value,
  };
  if (m.key !== undefined) message.key = bytes(m.key, `${where}.key`);
  if (m.headers !== undefined) {
    const headers = dictionary<HeaderValue>();
    for (const [name, v] of Object.entries(m.headers)) headers[name] = bytes(v, `${where}.headers.${name}`);
    message.headers = headers;
  }
  if (m.partition !== undefined) message.partition = m.partition;
  if (m.timestamp !== undefined) message.timestamp = m.timestamp;
  return message;
}

function fromBase64Value(v: unknown, where: string): Uint8Array | null {
  return v === null ? null : fromBase64(v, where);
}

/* ---- read ------------------------------------------------------------------------- */

export const Message = named(
  "Message",
  Struct(
    {
      offset: Type.Integer({ minimum: 0 }),
      timestamp: Type.Integer(),
      key: Type.Optional(Nullable(Type.String(), { description: "The key as text, or base64 with encoding=base64." })),
      keyBase64: Type.Optional(Type.String({ description: "encoding=json: the key's bytes when they are not UTF-8." })),
      value: Type.Optional(
        Type.Unknown({ description: "encoding=json: the value's JSON; encoding=base64: base64 or null." }),
      ),
      valueBase64: Type.Optional(
        Type.String({ description: "encoding=json: the value's bytes when they are not UTF-8 JSON text." }),
      ),
      headers: StringMap(Nullable(Type.String()), {
        description:
          "Header name to value (text, or base64 with encoding=base64). A name that occurs " +
          "more than once in a record shows its last value.",
      }),
      headersBase64: Type.Optional(
        StringMap(Type.String(), { description: "encoding=json: header values that are not UTF-8, as base64." }),
      ),
    },
    { description: "A record. Exactly one of key / keyBase64 and one of value / valueBase64 is present." },
  ),
);

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
