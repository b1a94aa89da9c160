/*
 * cdc.ts — MongoDB change data capture into Kafdo topics (KafdoPipeline), and the
 * consumer's side of it (processCDCMessage and the type guards).
 *
 * A change event has MongoDB's change stream shape: operationType, ns {db, coll},
 * documentKey, fullDocument, updateDescription, clusterTime, and MongoDB's resume
 * token in _id; Kafdo adds an optional eventId. The pipeline checks each event,
 * picks its topic from the pattern ({db}, {coll}) and sends it as one record:
 *
 *   key      the documentKey as stable JSON (keys sorted, recursively), e.g.
 *            {"_id":"user-456"}; so every change to one document goes to one
 *            partition, in order, whatever order the driver put its fields in
 *   value    the change event as its UTF-8 JSON text, as it was given
 *   headers  kafdo-event-id: the event's id: eventId, else the resume token
 *              (_id._data, or _id itself as stable JSON)
 *            kafdo-cdc-operation: the operationType
 *            content-type: application/json
 *   timestamp  when the pipeline sent it
 *
 * An event sent again is dropped (records.ts says exactly when). Events MongoDB
 * sends that are not about one document (drop, rename, dropDatabase, invalidate,
 * ...) are refused, as is anything else that is not a change event, with
 * INVALID_REQUEST naming what is wrong; a batch with one such event sends nothing.
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

export const CDC_OPERATION_HEADER = "kafdo-cdc-operation";
export const DEFAULT_CDC_TOPIC_PATTERN = "cdc.{db}.{coll}";

/* ---- the change event ---------------------------------------------------------------- */

export type CDCOperationType = "insert" | "update" | "replace" | "delete";
export const CDC_OPERATION_TYPES: readonly CDCOperationType[] = ["insert", "update", "replace", "delete"];

export type CDCDocument = Record<string, unknown>;

export interface CDCNamespace {
  db: string;
  coll: string;
}

/* The document's _id, and the shard key fields on a sharded collection. */
export interface CDCDocumentKey {
  _id: unknown;
  [field: string]: unknown;
}

export interface CDCUpdateDescription {
  updatedFields: Record<string, unknown>;
  removedFields: string[];
  truncatedArrays?: { field: string; newSize: number }[];
  disambiguatedPaths?: Record<string, unknown>;
}

/* MongoDB's clusterTime, a BSON Timestamp, in whichever JSON form the source gave it
 * (extended JSON {$timestamp: {t, i}}, {t, i}, or text). */
export type CDCTimestamp = { t: number; i: number } | { $timestamp: { t: number; i: number } } | string | number;

interface CDCEventBase {
  /* Kafdo's event id; when absent the resume token (_id) is the id. */
  eventId?: string;
  /* MongoDB's resume token, {_data: "..."}. */
  _id?: unknown;
  operationType: CDCOperationType;
  ns: CDCNamespace;
  documentKey: CDCDocumentKey;
  clusterTime?: CDCTimestamp;
  /* The server's wall clock time of the change (MongoDB 6.0+), as JSON gives it. */
  wallTime?: string;
  /* When the change happened, ISO 8601, as the source reports it. */
  timestamp?: string;
  txnNumber?: unknown;
  lsid?: unknown;
}

export interface CDCInsertEvent<D extends CDCDocument = CDCDocument> extends CDCEventBase {
  operationType: "insert";
  fullDocument: D;
}

export interface CDCUpdateEvent<D extends CDCDocument = CDCDocument> extends CDCEventBase {
  operationType: "update";
  updateDescription: CDCUpdateDescription;
  /* With fullDocument: "updateLookup", the document after the update (null when gone). */
  fullDocument?: D | null;
  fullDocumentBeforeChange?: D | null;
}

export interface CDCReplaceEvent<D extends CDCDocument = CDCDocument> extends CDCEventBase {
  operationType: "replace";
  fullDocument: D;
  fullDocumentBeforeChange?: D | null;
}

export interface CDCDeleteEvent<D extends CDCDocument = CDCDocument> extends CDCEventBase {
  operationType: "delete";
  fullDocumentBeforeChange?: D | null;
}

export type CDCEvent<D extends CDCDocument = CDCDocument> =
  CDCInsertEvent<D> | CDCUpdateEvent<D> | CDCReplaceEvent<D> | CDCDeleteEvent<D>;

/* ---- checking an event ------------------------------------------------------------------- */

function refuse(message: string): never {
  throw new KafdoError(KafkaCode.INVALID_REQUEST, `invalid CDC event: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

/* The event, checked: INVALID_REQUEST saying what is wrong unless it is a change
 * event the pipeline can store. */
export function parseCDCEvent(value: unknown): CDCEvent {
  if (!isObject(value)) refuse("an event is a JSON object");
  const op = value.operationType;
  if (typeof op !== "string") refuse("operationType is missing");
  if (!(CDC_OPERATION_TYPES as readonly string[]).includes(op)) {
    refuse(`operationType "${op}" is not one of ${CDC_OPERATION_TYPES.join(", ")}`);
  }
  const ns = value.ns;
  if (!isObject(ns)) refuse("ns is missing: an event names its { db, coll }");
  if (!nonEmptyString(ns.db)) refuse("ns.db is not a non-empty string");
  if (!nonEmptyString(ns.coll)) refuse("ns.coll is not a non-empty string");
  if (!isObject(value.documentKey)) refuse("documentKey is missing: an event names the document it changes");
  if (!("_id" in value.documentKey)) refuse("documentKey has no _id");
  if (value.eventId !== undefined && !nonEmptyString(value.eventId)) refuse("eventId is not a non-empty string");
  if (value.eventId === undefined && (value._id === undefined || value._id === null)) {
    refuse(
      "the event has no id: give it an eventId, or MongoDB's resume token in _id, so that a re-sent event can be dropped",
    );
  }
  if (value.timestamp !== undefined && typeof value.timestamp !== "string") refuse("timestamp is not a string");
  switch (op as CDCOperationType) {
    case "insert":
    case "replace":
      if (!isObject(value.fullDocument)) refuse(`a ${op} event has the fullDocument it wrote`);
      break;
    case "update": {
      const u = value.updateDescription;
      if (!isObject(u)) refuse("an update event has an updateDescription");
      if (!isObject(u.updatedFields)) refuse("updateDescription.updatedFields is not an object");
      if (!Array.isArray(u.removedFields) || u.removedFields.some((f) => typeof f !== "string")) {
        refuse("updateDescription.removedFields is not an array of field names");
      }
      if (value.fullDocument !== undefined && value.fullDocument !== null && !isObject(value.fullDocument)) {
        refuse("fullDocument is not an object");
      }
      break;
    }
    case "delete":
      break;
  }
  return value as unknown as CDCEvent;
}

export function isCDCEvent(value: unknown): value is CDCEvent {
  try {
    parseCDCEvent(value);
    return true;
  } catch {
    return false;
  }
}

export function isInsertEvent(event: unknown): event is CDCInsertEvent {
  return isCDCEvent(event) && event.operationType === "insert";
}

export function isUpdateEvent(event: unknown): event is CDCUpdateEvent {
  return isCDCEvent(event) && event.operationType === "update";
}

export function isReplaceEvent(event: unknown): event is CDCReplaceEvent {
  return isCDCEvent(event) && event.operationType === "replace";
}

export function isDeleteEvent(event: unknown): event is CDCDeleteEvent {
  return isCDCEvent(event) && event.operationType === "delete";
}

/* The id that identifies the event: eventId, else the resume token. */
export function cdcEventId(event: CDCEvent): string {
  if (event.eventId !== undefined) return event.eventId;
  const token = event._id;
  if (isObject(token) && typeof token._data === "string") return token._data;
  return typeof token === "string" ? token : stableStringify(token);
}

/* The record key of the event: its documentKey as stable JSON. */
export function cdcRecordKey(event: CDCEvent): string {
  return stableStringify(event.documentKey);
}

/* ---- the pipeline ------------------------------------------------------------------------- */

export interface KafdoPipelineConfig {
  env: KafdoBindings;
  /* The topic of each event; {db} and {coll} are replaced by the event's ns.
   * "cdc.{db}.{coll}" when absent. */
  topicPattern?: string;
  /* Passed to the pipeline's producer. */
  producer?: ProducerConfig;
  /* Drop events this isolate stored recently (records.ts). true when absent. */
  dedupe?: boolean;
}

export class KafdoPipeline {
  readonly topicPattern: string;
  private readonly producer;
  private readonly dedupe: boolean;

  constructor(config: KafdoPipelineConfig) {
    if (config === null || typeof config !== "object" || !config.env) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "a pipeline takes { env, topicPattern? }");
    }
    this.topicPattern = checkPattern(config.topicPattern ?? DEFAULT_CDC_TOPIC_PATTERN, ["db", "coll"], "a pipeline");
    this.producer = lazyProducer(config.env, config.producer);
    this.dedupe = config.dedupe ?? true;
  }

  /* The topic an event goes to. */
  topicFor(event: CDCEvent): string {
    return fillPattern(this.topicPattern, { db: event.ns.db, coll: event.ns.coll });
  }

  /* Sends one change event; refuses an invalid one with INVALID_REQUEST. */
  async send(event: CDCEvent): Promise<EventSendResult> {
    return (await this.sendBatch([event]))[0]!;
  }

  /*
   * Sends change events in one producer batch: one append per (topic, partition),
   * all in parallel, each document's changes in the order given. Every event is
   * checked first; an invalid one refuses the batch and nothing is sent.
   */
  async sendBatch(events: CDCEvent[]): Promise<EventSendResult[]> {
    if (!Array.isArray(events))
      throw new KafdoError(KafkaCode.INVALID_REQUEST, "sendBatch takes an array of CDC events");
    const shaped = events.map((e, i): ShapedEvent => {
      let event: CDCEvent;
      try {
        event = parseCDCEvent(e);
      } catch (err) {
        if (events.length === 1) throw err;
        throw new KafdoError(KafkaCode.INVALID_REQUEST, `event ${i}: ${(err as Error).message}`);
      }
      const eventId = cdcEventId(event);
      return {
        eventId,
        message: {
          topic: this.topicFor(event),
          key: cdcRecordKey(event),
          value: event,
          headers: {
            [EVENT_ID_HEADER]: eventId,
            [CDC_OPERATION_HEADER]: event.operationType,
            "content-type": "application/json",
          },
        },
      };
    });
    if (shaped.length === 0) return [];
    return sendEvents(this.producer, shaped, this.dedupe);
  }

  async flush(): Promise<void> {
    await this.producer.flush();
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

export function createKafdoPipeline(config: KafdoPipelineConfig): KafdoPipeline {
  return new KafdoPipeline(config);
}

/* Every event to one topic. */
export function createFixedTopicPipeline(env: KafdoBindings, topic: string): KafdoPipeline {
  if (typeof topic !== "string" || topic.length === 0 || /[{}]/.test(topic)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "a fixed topic is a topic name");
  }
  return new KafdoPipeline({ env, topicPattern: topic });
}

/* A topic per database: cdc.{db}. */
export function createDatabaseTopicPipeline(env: KafdoBindings): KafdoPipeline {
  return new KafdoPipeline({ env, topicPattern: "cdc.{db}" });
}

/* A topic per collection: cdc.{db}.{coll}. */
export function createCollectionTopicPipeline(env: KafdoBindings): KafdoPipeline {
  return new KafdoPipeline({ env, topicPattern: "cdc.{db}.{coll}" });
}

/* ---- the consumer's side -------------------------------------------------------------------- */

export interface CDCEventContext extends MessageContext {
  eventId: string;
}

type Handler<E> = (event: E, context: CDCEventContext) => unknown;

export interface CDCMessageHandlers<D extends CDCDocument = CDCDocument> {
  /* Only events of this database (or these databases). */
  database?: string | string[];
  /* Only events of this collection (or these). */
  collection?: string | string[];
  /* The consumer group processing the messages, passed to the handlers. */
  groupId?: string;
  onInsert?: Handler<CDCInsertEvent<D>>;
  onUpdate?: Handler<CDCUpdateEvent<D>>;
  onReplace?: Handler<CDCReplaceEvent<D>>;
  onDelete?: Handler<CDCDeleteEvent<D>>;
}

/*
 * Calls the handler for the change event a consumed record holds, when the event
 * passes the database and collection filters; resolves to whether a handler ran.
 * The record's value may be parsed JSON (createConsumer, the REST API), JSON text
 * or its bytes. A record that does not hold a change event is INVALID_REQUEST.
 */
export async function processCDCMessage<D extends CDCDocument = CDCDocument>(
  message: IntegrationMessage,
  handlers: CDCMessageHandlers<D>,
): Promise<boolean> {
  if (handlers === null || typeof handlers !== "object") {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "processCDCMessage takes a message and its handlers");
  }
  checkFilter(handlers.database, "database");
  checkFilter(handlers.collection, "collection");
  const event = parseCDCEvent(messageValue(message, "CDC")) as CDCEvent<D>;
  if (!matches(handlers.database, event.ns.db) || !matches(handlers.collection, event.ns.coll)) return false;
  const context: CDCEventContext = { ...messageContext(message, handlers.groupId), eventId: cdcEventId(event) };
  switch (event.operationType) {
    case "insert":
      return run(handlers.onInsert, event, context);
    case "update":
      return run(handlers.onUpdate, event, context);
    case "replace":
      return run(handlers.onReplace, event, context);
    case "delete":
      return run(handlers.onDelete, event, context);
  }
}

async function run<E>(handler: Handler<E> | undefined, event: E, context: CDCEventContext): Promise<boolean> {
  if (handler === undefined) return false;
  if (typeof handler !== "function") throw new KafdoError(KafkaCode.INVALID_REQUEST, "a handler is a function");
  await handler(event, context);
  return true;
}
