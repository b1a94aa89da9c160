/*
 * records.ts — what the integrations share: stable keys, event ids, the memory of
 * events already stored, and reading a consumed record's value back.
 *
 * An integration turns an outside event (a MongoDB change, an R2 notification)
 * into a ProducerMessage that carries the event's id in the `kafdo-event-id`
 * header, and hands it to sendEvents(), which sends everything in one producer
 * sendBatch (the producer makes that one append per partition, in parallel).
 *
 * Re-sent events. Sources deliver at least once (a change stream resumed from an
 * older token, a Queue retrying a batch), so the same event can arrive twice.
 * sendEvents() drops an event whose (topic, event id) this isolate has stored
 * recently, and answers with where the first copy was stored:
 *
 *   - the memory holds the last RECENT_EVENTS events stored by this Worker
 *     isolate, from any pipeline or bridge in it, and only those whose append
 *     succeeded (a failed send is forgotten, so trying again sends again);
 *   - an event sent again while its first send is still on its way waits for that
 *     send and shares its outcome;
 *   - two copies in one batch are one record.
 *
 * Nothing more is promised: another isolate, an isolate restarted, or an event
 * older than the last RECENT_EVENTS is stored again. A consumer that needs
 * exactly-once effects keeps the ids it has applied and skips the rest: every
 * record carries its event id in the `kafdo-event-id` header for that.
 */
import { KafdoError, KafkaCode } from "../common/errors";
import type { Producer, ProducerMessage, RecordMetadata } from "../common/api";

/* How many recently stored events an isolate remembers, per (topic, event id). */
export const RECENT_EVENTS = 10000;

/* The header holding an event's id, in every record an integration writes. */
export const EVENT_ID_HEADER = "kafdo-event-id";

/* Where an event was stored. `duplicate`: this event id was stored before (or was
 * twice in the batch) and this copy was dropped; the metadata is the first copy's. */
export interface EventSendResult extends RecordMetadata {
  eventId: string;
  duplicate: boolean;
}

/* One event, shaped: the record to send and the id that identifies the event. */
export interface ShapedEvent {
  eventId: string;
  message: ProducerMessage;
}

/* ---- stable JSON ----------------------------------------------------------------- */

/*
 * JSON with every object's keys sorted (recursively), so that two equal documents
 * give the same text whatever order their fields came in: {b:1, a:2} and {a:2, b:1}
 * are both {"a":2,"b":1}. Like JSON.stringify otherwise: toJSON() is honoured (a
 * driver's ObjectId or Date becomes what it would in JSON), undefined and functions
 * in objects are left out, in arrays they are null. A BigInt, a cycle or a value
 * that is not JSON at all is INVALID_REQUEST.
 */
export function stableStringify(value: unknown): string {
  const text = stable(value, new Set());
  if (text === undefined) throw new KafdoError(KafkaCode.INVALID_REQUEST, "the value is not JSON");
  return text;
}

function stable(value: unknown, seen: Set<object>): string | undefined {
  let v = value;
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    v = (v as { toJSON(): unknown }).toJSON();
  }
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
    case "boolean":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? JSON.stringify(v) : "null";
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    case "bigint":
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a BigInt is not JSON");
  }
  const o = v as object;
  if (seen.has(o)) throw new KafdoError(KafkaCode.INVALID_REQUEST, "the value holds a cycle");
  seen.add(o);
  try {
    if (Array.isArray(o)) return `[${o.map((x) => stable(x, seen) ?? "null").join(",")}]`;
    const parts: string[] = [];
    for (const k of Object.keys(o).sort()) {
      const text = stable((o as Record<string, unknown>)[k], seen);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    seen.delete(o);
  }
}

/* ---- sending, without re-sending ------------------------------------------------- */

/* (topic \0 event id) -> where it was stored; insertion order is age. */
const recent = new Map<string, RecordMetadata>();
/* (topic \0 event id) -> the send on its way. */
const inflight = new Map<string, Promise<RecordMetadata>>();

function remember(id: string, metadata: RecordMetadata): void {
  recent.delete(id);
  recent.set(id, metadata);
  while (recent.size > RECENT_EVENTS) recent.delete(recent.keys().next().value!);
}

/*
 * Sends the events with one producer sendBatch, dropping those already stored (see
 * the top of this file). Results are in the order of `events`. With `dedupe` false
 * every event is sent.
 */
export async function sendEvents(producer: Producer, events: ShapedEvent[], dedupe = true): Promise<EventSendResult[]> {
  if (!dedupe) {
    const sent = await producer.sendBatch(events.map((e) => e.message));
    return sent.map((m, i) => ({ ...m, eventId: events[i]!.eventId, duplicate: false }));
  }
  const results: (EventSendResult | Promise<EventSendResult>)[] = new Array(events.length);
  const fresh: { id: string; index: number }[] = [];
  const copies: { index: number; of: number }[] = [];
  const firstInBatch = new Map<string, number>();
  events.forEach((e, i) => {
    const id = `${e.message.topic}\0${e.eventId}`;
    const known = recent.get(id);
    const pending = inflight.get(id);
    const earlier = firstInBatch.get(id);
    if (known) {
      results[i] = { ...known, eventId: e.eventId, duplicate: true };
    } else if (pending) {
      results[i] = pending.then((m) => ({ ...m, eventId: e.eventId, duplicate: true }));
    } else if (earlier !== undefined) {
      copies.push({ index: i, of: earlier });
    } else {
      firstInBatch.set(id, i);
      fresh.push({ id, index: i });
    }
  });

  if (fresh.length > 0) {
    const sending = producer.sendBatch(fresh.map((f) => events[f.index]!.message));
    fresh.forEach((f, j) => {
      const one = sending.then((all) => all[j]!);
      inflight.set(f.id, one);
      results[f.index] = one.then((metadata) => {
        /* acks 0 answers offset -1: nothing is known to be stored, so nothing is remembered. */
        if (metadata.offset >= 0) remember(f.id, metadata);
        return { ...metadata, eventId: events[f.index]!.eventId, duplicate: false };
      });
      const forget = () => {
        if (inflight.get(f.id) === one) inflight.delete(f.id);
      };
      one.then(forget, forget);
    });
  }
  for (const c of copies) {
    results[c.index] = Promise.resolve(results[c.of]!).then((r) => ({ ...r, duplicate: true }));
  }
  return Promise.all(results);
}

/* ---- reading a consumed record back ----------------------------------------------- */

/*
 * A record as the consumer helpers take it: anything with the record's value, such
 * as createConsumer's records (value already parsed from its JSON), the REST API's
 * messages (value as JSON), or a record whose value is still its UTF-8 JSON text or
 * bytes. The other fields are passed to handlers when present.
 */
export interface IntegrationMessage {
  value: unknown;
  key?: unknown;
  headers?: Record<string, unknown>;
  topic?: string;
  partition?: number;
  offset?: number;
}

/* Where a record came from, as handlers are told it. */
export interface MessageContext {
  topic?: string;
  partition?: number;
  offset?: number;
  /* The consumer group processing the record, when the caller names it. */
  groupId?: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/* The value of a consumed record as a JSON object: a parsed object as it is, JSON
 * text or its UTF-8 bytes parsed. INVALID_REQUEST when it is none of those. */
export function messageValue(message: unknown, what: string): Record<string, unknown> {
  if (message === null || typeof message !== "object" || !("value" in message)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `a ${what} message is a record with a value`);
  }
  let value = (message as IntegrationMessage).value;
  try {
    if (value instanceof Uint8Array) value = strictUtf8.decode(value);
    if (typeof value === "string") value = JSON.parse(value);
  } catch {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `the ${what} message's value is not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `the ${what} message's value is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function messageContext(message: IntegrationMessage, groupId: string | undefined): MessageContext {
  const context: MessageContext = {};
  if (typeof message.topic === "string") context.topic = message.topic;
  if (typeof message.partition === "number") context.partition = message.partition;
  if (typeof message.offset === "number") context.offset = message.offset;
  if (groupId !== undefined) context.groupId = groupId;
  return context;
}

/* Whether `value` passes a filter of one name or a list of names (no filter: yes). */
export function matches(filter: string | readonly string[] | undefined, value: string): boolean {
  if (filter === undefined) return true;
  return typeof filter === "string" ? filter === value : filter.includes(value);
}

/* Checks a filter option: a string or an array of strings. */
export function checkFilter(filter: unknown, name: string): void {
  if (filter === undefined) return;
  const ok = typeof filter === "string" || (Array.isArray(filter) && filter.every((f) => typeof f === "string"));
  if (!ok) throw new KafdoError(KafkaCode.INVALID_REQUEST, `${name} is a string or an array of strings`);
}

/* A topic pattern with `{name}` placeholders: checks that it names only `allowed`
 * ones, and fills them in. */
export function checkPattern(pattern: unknown, allowed: readonly string[], what: string): string {
  if (typeof pattern !== "string" || pattern.length === 0) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, `${what}'s topicPattern is a non-empty string`);
  }
  for (const m of pattern.matchAll(/\{([^}]*)\}/g)) {
    if (!allowed.includes(m[1]!)) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        `${what}'s topicPattern "${pattern}" has the placeholder {${m[1]}}; it may use ${allowed.map((a) => `{${a}}`).join(", ")}`,
      );
    }
  }
  return pattern;
}

export function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/\{([^}]*)\}/g, (_, name: string) => values[name]!);
}
