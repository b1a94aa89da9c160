/*
 * r2.ts — R2 event notifications into Kafdo topics (R2EventBridge), and the
 * consumer's side of it (processR2Event, isR2ObjectCreated).
 *
 * R2 sends a notification to a Cloudflare Queue when an object changes; a Queue
 * consumer receives it as a message whose body is
 *
 *   { "account": "<account id>", "action": "PutObject", "bucket": "my-bucket",
 *     "object": { "key": "uploads/a.png", "size": 65536, "eTag": "c846..." },
 *     "eventTime": "2024-05-24T19:36:44.379Z",
 *     "copySource": { "bucket": "my-bucket", "object": "a-original.png" } }
 *
 * with action PutObject, CopyObject or CompleteMultipartUpload (event type
 * object-create; copySource only with CopyObject), or DeleteObject or
 * LifecycleDeletion (object-delete; object has its key only). The bridge sends each
 * notification it accepts as one record:
 *
 *   topic    the pattern with {bucket} filled in; r2.{bucket} when absent
 *   key      "<bucket>/<object key>": every change to one object goes to one
 *            partition, in order
 *   value    the notification as JSON, with two fields added for readers:
 *            "eventType" ("object-create" or "object-delete") and "key" (the
 *            object's key, also at object.key)
 *   headers  kafdo-event-id: SHA-256 (hex) of the notification's stable JSON, so
 *              a notification delivered twice has one id
 *            kafdo-r2-action: the action
 *            content-type: application/json
 *
 * A notification delivered again (Queues deliver at least once) is dropped as
 * records.ts describes.
 */
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { ProducerConfig } from "../common/api";
import { lazyProducer } from "./worker-api";
import {
  EVENT_ID_HEADER,
  checkFilter,
  checkPattern,
  fillPattern,
  matches,
  messageContext,
  messageValue,
  sendEvents,
  stableStringify,
  type EventSendResult,
  type IntegrationMessage,
  type MessageContext,
  type ShapedEvent,
} from "./records";

export const R2_ACTION_HEADER = "kafdo-r2-action";
export const DEFAULT_R2_TOPIC_PATTERN = "r2.{bucket}";

export type R2CreateAction = "PutObject" | "CopyObject" | "CompleteMultipartUpload";
export type R2DeleteAction = "DeleteObject" | "LifecycleDeletion";
export type R2Action = R2CreateAction | R2DeleteAction;

const CREATE_ACTIONS: readonly string[] = ["PutObject", "CopyObject", "CompleteMultipartUpload"];
const DELETE_ACTIONS: readonly string[] = ["DeleteObject", "LifecycleDeletion"];

interface R2EventBase {
  account: string;
  bucket: string;
  /* The object's key (the same as object.key). */
  key: string;
  /* ISO 8601. */
  eventTime: string;
}

export interface R2ObjectCreatedEvent extends R2EventBase {
  eventType: "object-create";
  action: R2CreateAction;
  object: { key: string; size: number; eTag: string };
  /* CopyObject: where the object was copied from. */
  copySource?: { bucket: string; object: string };
}

export interface R2ObjectDeletedEvent extends R2EventBase {
  eventType: "object-delete";
  action: R2DeleteAction;
  object: { key: string };
}

export type R2Event = R2ObjectCreatedEvent | R2ObjectDeletedEvent;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const str = (v: unknown): v is string => typeof v === "string";

/*
 * The R2 event a notification (or an event already parsed) describes, or a string
 * saying why it is not one.
 */
function toEvent(body: unknown): R2Event | string {
  if (!isObject(body)) return "an R2 notification is a JSON object";
  const { account, action, bucket, object, eventTime } = body;
  if (!str(account)) return "account is not a string";
  if (!str(bucket) || bucket.length === 0) return "bucket is not a non-empty string";
  if (!str(eventTime) || Number.isNaN(Date.parse(eventTime))) return "eventTime is not an ISO 8601 time";
  if (!isObject(object) || !str(object.key) || object.key.length === 0) return "object.key is not a non-empty string";
  if (!str(action)) return "action is missing";
  const base = { account, bucket, key: object.key, eventTime };
  if (CREATE_ACTIONS.includes(action)) {
    const { size, eTag } = object;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) return "object.size is not a byte count";
    if (!str(eTag)) return "object.eTag is not a string";
    const event: R2ObjectCreatedEvent = {
      eventType: "object-create",
      action: action as R2CreateAction,
      ...base,
      object: { key: object.key, size, eTag },
    };
    const source = body.copySource;
    if (source !== undefined) {
      if (!isObject(source) || !str(source.bucket) || !str(source.object)) {
        return "copySource is not { bucket, object }";
      }
      event.copySource = { bucket: source.bucket, object: source.object };
    }
    return event;
  }
  if (DELETE_ACTIONS.includes(action)) {
    return { eventType: "object-delete", action: action as R2DeleteAction, ...base, object: { key: object.key } };
  }
  return `action "${action}" is not one of ${[...CREATE_ACTIONS, ...DELETE_ACTIONS].join(", ")}`;
}

/* The event, checked: INVALID_REQUEST saying what is wrong unless it is one. */
export function parseR2Event(value: unknown): R2Event {
  const event = toEvent(value);
  if (typeof event === "string") throw new KafdoError(KafkaCode.INVALID_REQUEST, `invalid R2 event: ${event}`);
  return event;
}

export function isR2Event(value: unknown): value is R2Event {
  return typeof toEvent(value) !== "string";
}

export function isR2ObjectCreated(event: unknown): event is R2ObjectCreatedEvent {
  const e = toEvent(event);
  return typeof e !== "string" && e.eventType === "object-create";
}

export function isR2ObjectDeleted(event: unknown): event is R2ObjectDeletedEvent {
  const e = toEvent(event);
  return typeof e !== "string" && e.eventType === "object-delete";
}

/* The notification's identity: SHA-256 (hex) of its fields as stable JSON. */
export async function r2EventId(event: R2Event): Promise<string> {
  const identity: Record<string, unknown> = {
    account: event.account,
    action: event.action,
    bucket: event.bucket,
    object: event.object,
    eventTime: event.eventTime,
  };
  if (event.eventType === "object-create" && event.copySource) identity.copySource = event.copySource;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stableStringify(identity)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/* ---- the bridge ----------------------------------------------------------------------------- */

export interface R2EventBridgeConfig {
  env: KafdoBindings;
  /* The topic of each event; {bucket} is replaced by the event's bucket. "r2.{bucket}"
   * when absent. */
  topicPattern?: string;
  /* Only events of this bucket (or these buckets). */
  bucketFilter?: string | string[];
  /* Only events of objects whose key starts with this. */
  keyPrefixFilter?: string;
  producer?: ProducerConfig;
  /* Drop events this isolate stored recently (records.ts). true when absent. */
  dedupe?: boolean;
}

/* What a Queue consumer receives: a Queue Message, or anything with its body. */
export interface R2QueueMessage {
  body: unknown;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export class R2EventBridge {
  readonly topicPattern: string;
  private readonly bucketFilter: string | string[] | undefined;
  private readonly keyPrefixFilter: string | undefined;
  private readonly producer;
  private readonly dedupe: boolean;

  constructor(config: R2EventBridgeConfig) {
    if (config === null || typeof config !== "object" || !config.env) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        "an R2 event bridge takes { env, topicPattern?, bucketFilter?, keyPrefixFilter? }",
      );
    }
    this.topicPattern = checkPattern(config.topicPattern ?? DEFAULT_R2_TOPIC_PATTERN, ["bucket"], "an R2 event bridge");
    checkFilter(config.bucketFilter, "bucketFilter");
    if (config.keyPrefixFilter !== undefined && typeof config.keyPrefixFilter !== "string") {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "keyPrefixFilter is a string");
    }
    this.bucketFilter = config.bucketFilter;
    this.keyPrefixFilter = config.keyPrefixFilter;
    this.producer = lazyProducer(config.env, config.producer);
    this.dedupe = config.dedupe ?? true;
  }

  /*
   * The R2 event a Queue message holds, or null when the message is not an R2 event
   * notification. The body may be the notification as R2 sends it (a JSON object),
   * or its JSON text or bytes.
   */
  static parseQueueMessage(message: R2QueueMessage | unknown): R2Event | null {
    if (!isObject(message) || !("body" in message)) return null;
    let body = message.body;
    try {
      if (body instanceof ArrayBuffer) body = new Uint8Array(body);
      if (body instanceof Uint8Array) body = utf8.decode(body);
      if (typeof body === "string") body = JSON.parse(body);
    } catch {
      return null;
    }
    const event = toEvent(body);
    return typeof event === "string" ? null : event;
  }

  /* Whether the event passes the bucket and key prefix filters. */
  accepts(event: R2Event): boolean {
    if (!matches(this.bucketFilter, event.bucket)) return false;
    return this.keyPrefixFilter === undefined || event.key.startsWith(this.keyPrefixFilter);
  }

  topicFor(event: R2Event): string {
    return fillPattern(this.topicPattern, { bucket: event.bucket });
  }

  /* Sends one event, or nothing (null) when the filters leave it out. An event that
   * is not one is INVALID_REQUEST. */
  async processEvent(event: R2Event): Promise<EventSendResult | null> {
    return (await this.processEvents([event]))[0]!;
  }

  /* Sends the events the filters accept in one producer batch; null for the others. */
  async processEvents(events: R2Event[]): Promise<(EventSendResult | null)[]> {
    if (!Array.isArray(events))
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "processEvents takes an array of R2 events");
    const parsed = events.map(parseR2Event);
    const accepted = parsed.map((e, i) => ({ e, i })).filter(({ e }) => this.accepts(e));
    const shaped = await Promise.all(
      accepted.map(async ({ e }): Promise<ShapedEvent> => {
        const eventId = await r2EventId(e);
        return {
          eventId,
          message: {
            topic: this.topicFor(e),
            key: `${e.bucket}/${e.key}`,
            value: e,
            headers: { [EVENT_ID_HEADER]: eventId, [R2_ACTION_HEADER]: e.action, "content-type": "application/json" },
          },
        };
      }),
    );
    const out: (EventSendResult | null)[] = parsed.map(() => null);
    if (shaped.length === 0) return out;
    const sent = await sendEvents(this.producer, shaped, this.dedupe);
    accepted.forEach(({ i }, j) => (out[i] = sent[j]!));
    return out;
  }

  async flush(): Promise<void> {
    await this.producer.flush();
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

export function createR2EventBridge(config: R2EventBridgeConfig): R2EventBridge {
  return new R2EventBridge(config);
}

/* ---- the consumer's side ---------------------------------------------------------------------- */

export interface R2EventHandlers {
  /* Only events of this bucket (or these buckets). */
  bucketFilter?: string | string[];
  /* Only events of objects whose key starts with this. */
  keyPrefixFilter?: string;
  /* The consumer group processing the messages, passed to the handlers. */
  groupId?: string;
  onObjectCreated?: (event: R2ObjectCreatedEvent, context: MessageContext) => unknown;
  onObjectDeleted?: (event: R2ObjectDeletedEvent, context: MessageContext) => unknown;
}

/*
 * Calls the handler for the R2 event a consumed record holds (as the bridge wrote
 * it), when it passes the filters; resolves to whether a handler ran. A record that
 * does not hold an R2 event is INVALID_REQUEST.
 */
export async function processR2Event(message: IntegrationMessage, handlers: R2EventHandlers): Promise<boolean> {
  if (handlers === null || typeof handlers !== "object") {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "processR2Event takes a message and its handlers");
  }
  checkFilter(handlers.bucketFilter, "bucketFilter");
  const event = parseR2Event(messageValue(message, "R2 event"));
  if (!matches(handlers.bucketFilter, event.bucket)) return false;
  if (handlers.keyPrefixFilter !== undefined && !event.key.startsWith(handlers.keyPrefixFilter)) return false;
  const context = messageContext(message, handlers.groupId);
  const handler = event.eventType === "object-create" ? handlers.onObjectCreated : handlers.onObjectDeleted;
  if (handler === undefined) return false;
  if (typeof handler !== "function") throw new KafdoError(KafkaCode.INVALID_REQUEST, "a handler is a function");
  await (handler as (e: R2Event, c: MessageContext) => unknown)(event, context);
  return true;
}

/*
 * The Queue consumer of Kafdo's Worker: the R2 notifications of a batch go to the
 * bridge (topic pattern r2.{bucket}) in one producer batch; messages that are not
 * R2 notifications are left out. A failure throws, so the Queue delivers the batch
 * again; the events already stored are then dropped as re-sent.
 */
export async function handleR2Queue(batch: MessageBatch, env: KafdoBindings): Promise<void> {
  const events = batch.messages.map((m) => R2EventBridge.parseQueueMessage(m)).filter((e) => e !== null);
  if (events.length === 0) return;
  const bridge = createR2EventBridge({ env });
  try {
    await bridge.processEvents(events);
  } finally {
    await bridge.close();
  }
}
