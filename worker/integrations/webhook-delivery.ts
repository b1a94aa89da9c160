/*
 * webhook-delivery.ts — what a webhook subscription sends, and how it waits.
 *
 * Each record is one POST to the subscription's URL, with a JSON body:
 *
 *   { "groupId": "billing-hook", "topic": "orders", "partition": 0, "offset": 41,
 *     "timestamp": 1700000000000, "key": "order-123",
 *     "value": {"orderId": "123"}, "headers": {"source": "web"} }
 *
 * as the in-Worker consumer reads the record: key and header values are their
 * UTF-8 text (null when null); value is the JSON the record holds, else its UTF-8
 * text as a JSON string. Bytes that are not UTF-8 go, base64, to keyBase64,
 * valueBase64 or headersBase64 instead. Request headers:
 *
 *   content-type: application/json
 *   kafdo-delivery-id: <topic>/<partition>/<offset>   the same on every retry: the
 *                                                     receiver's idempotency key
 *   kafdo-delivery-attempt: 1, 2, ...
 *   kafdo-group-id, kafdo-topic, kafdo-partition, kafdo-offset
 *   kafdo-signature-256: sha256=<hex HMAC-SHA256(secret, body)>   with a secret
 *
 * A 2xx answer is a delivery. Anything else — another status (redirects are not
 * followed), a network error, no answer within timeoutMs — is a failed attempt. So is
 * a record whose body cannot be written (a value nested too deeply for
 * JSON.stringify): it fails every attempt alike and ends in the dead-letter topic.
 *
 * The record dead-lettered after maxAttempts failures is the original one, key,
 * value, headers and timestamp byte for byte, plus headers saying where it came from
 * and why it failed: kafdo-dlq-topic, kafdo-dlq-partition, kafdo-dlq-offset,
 * kafdo-dlq-group-id, kafdo-dlq-url, kafdo-dlq-attempts, kafdo-dlq-error. For a
 * service target (push-targets.ts) kafdo-dlq-url is "service:<binding>.<method>".
 */
import type { ConsumedRecord } from "../api/consumer";
import type { ConsumerRecord, HeaderValue } from "../common/records";
import type { ProducerMessage } from "../common/api";
import { hmacSha256Hex } from "./webhooks";
import type { WebhookSubscription } from "./webhook-subscriptions";
import { targetName } from "./push-targets";

export const SIGNATURE_HEADER = "kafdo-signature-256";

/* The wait before attempt `failures + 1`: base, 2 base, 4 base, ... at most max. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 40));
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export interface DeliveryBody {
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key?: string | null;
  keyBase64?: string;
  value?: unknown;
  valueBase64?: string;
  headers: Record<string, string | null>;
  headersBase64?: Record<string, string>;
}

export function deliveryBody(groupId: string, record: ConsumedRecord): DeliveryBody {
  const body: DeliveryBody = {
    groupId,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    headers: {},
  };
  if (record.key instanceof Uint8Array) body.keyBase64 = base64(record.key);
  else body.key = record.key;
  if (record.value instanceof Uint8Array) body.valueBase64 = base64(record.value);
  else body.value = record.value;
  for (const [name, value] of Object.entries(record.headers)) {
    if (value instanceof Uint8Array) (body.headersBase64 ??= {})[name] = base64(value);
    else body.headers[name] = value;
  }
  return body;
}

export type DeliveryOutcome = { ok: true } | { ok: false; error: string };

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/* One attempt at POSTing `record` to the subscription's URL. Never throws: a
 * failure is an outcome. */
export async function deliver(
  sub: WebhookSubscription,
  record: ConsumedRecord,
  attempt: number,
): Promise<DeliveryOutcome> {
  const url = sub.url;
  if (url === undefined) return { ok: false, error: "the subscription has no url: its target is a service" };
  let body: string;
  try {
    body = JSON.stringify(deliveryBody(sub.groupId, record));
  } catch (e) {
    return { ok: false, error: `the record cannot be written as a JSON body: ${reason(e)}` };
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "kafdo-webhooks",
    "kafdo-delivery-id": `${record.topic}/${record.partition}/${record.offset}`,
    "kafdo-delivery-attempt": String(attempt),
    "kafdo-group-id": sub.groupId,
    "kafdo-topic": record.topic,
    "kafdo-partition": String(record.partition),
    "kafdo-offset": String(record.offset),
  };
  try {
    if (sub.secret !== null) headers[SIGNATURE_HEADER] = `sha256=${await hmacSha256Hex(sub.secret, body)}`;
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(sub.timeoutMs),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, error: `${url} answered HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, error: `POST ${url} failed: ${reason(e)}` };
  }
}

/*
 * The dead-letter record of a record that could not be delivered. `original` is the
 * record as stored (its bytes); when it could no longer be read (retention removed
 * it meanwhile), the consumed record is written back as the producer writes values.
 */
export function deadLetterMessage(
  sub: WebhookSubscription,
  consumed: ConsumedRecord,
  original: ConsumerRecord | undefined,
  attempts: number,
  error: string,
): ProducerMessage {
  const headers: Record<string, HeaderValue> = Object.create(null);
  if (original) for (const h of original.headers) headers[h.key] = h.value;
  else Object.assign(headers, consumed.headers);
  Object.assign(headers, {
    "kafdo-dlq-topic": consumed.topic,
    "kafdo-dlq-partition": String(consumed.partition),
    "kafdo-dlq-offset": String(consumed.offset),
    "kafdo-dlq-group-id": sub.groupId,
    "kafdo-dlq-url": sub.url ?? targetName(sub.target!),
    "kafdo-dlq-attempts": String(attempts),
    "kafdo-dlq-error": error,
  });
  return {
    topic: sub.deadLetterTopic,
    key: original ? original.key : consumed.key,
    value: original ? original.value : consumed.value,
    headers,
    timestamp: consumed.timestamp,
  };
}
