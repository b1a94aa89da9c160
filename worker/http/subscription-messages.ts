/*
 * subscription-messages.ts — what a subscriber is sent (handlers/subscribe.ts for the
 * Worker-held transports, SubscriptionHubDO.ts for hibernatable WebSockets): each record
 * as the JSON of a read's message with its topic and partition, and an in-band error
 * as {"error":{"code","message"}} followed by the close code that goes with it.
 */
import type { ConsumerRecord } from "../common/records";
import { stringifyJson } from "./json";
import { jsonMessage } from "./records";

/* The close code a slow subscriber's WebSocket gets (4000-4999: the application's). */
export const SLOW_CLOSE_CODE = 4429;

/* Other in-band errors: 1008 (policy violation) for a malformed ack, else 1011 (the
 * server met a condition it cannot go on with). */
export const closeCode = (code: string): number =>
  code === "SLOW_SUBSCRIBER" ? SLOW_CLOSE_CODE : code === "INVALID_REQUEST" ? 1008 : 1011;

/* The close code that answers a subscriber's close: its own when an endpoint may send
 * it (1000, 3000-4999), else 1000. */
export const answeringCloseCode = (code: number): number =>
  code === 1000 || (code >= 3000 && code < 5000) ? code : 1000;

export function recordJson(topic: string, partition: number, record: ConsumerRecord): string {
  return stringifyJson({ topic, partition, ...jsonMessage(record, "json") });
}

export const errorJson = (code: string, message: string): string => JSON.stringify({ error: { code, message } });
