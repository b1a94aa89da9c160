/*
 * subscriptions.ts — the shapes of a push subscription (integrations/
 * webhook-subscriptions.ts): a consumer group whose records a delivery object pushes
 * to a target, at least once, in order per partition, with retries and a
 * dead-letter topic. Here, in the leaf, so the HTTP client (kafdo/client) and the
 * Worker share them.
 *
 * Two targets: an http: or https: URL, POSTed one record at a time (the webhook
 * consumers'), or a Worker reached through a service binding, whose RPC method
 * receives a partition's records as one PushBatch and acknowledges them by
 * returning.
 */
import type { ConsumedRecord } from "./records";

/* Records POSTed one at a time to a URL (`url` alone says the same). */
export interface HttpTarget {
  type: "http";
  url: string;
}

/* Batches handed to `method` (default "deliver") of the Worker behind the service
 * binding named `binding` (a [[services]] entry of Kafdo's wrangler.toml). */
export interface ServiceTarget {
  type: "service";
  binding: string;
  method?: string;
}

export type PushTarget = HttpTarget | ServiceTarget;

/* What a service target's method receives: some records of one partition, in
 * offset order. Returning acknowledges them all; throwing (or not answering within
 * timeoutMs) fails them all, to be tried again. */
export interface PushBatch {
  groupId: string;
  topic: string;
  partition: number;
  /* 1 on the first attempt at these records, 2 on the first retry, ... */
  attempt: number;
  records: PushRecord[];
}

/* A record of a push batch: the in-Worker consumer's shape. */
export type PushRecord = ConsumedRecord;

export interface WebhookSubscriptionConfig {
  /* The consumer group that consumes the topic; names the subscription. */
  groupId: string;
  topic: string;
  /* Where records are POSTed: an http: or https: URL. Give this or `target`. */
  url?: string;
  /* Where records go: { type: "http", url } (as `url`) or { type: "service", binding, method? }. */
  target?: PushTarget;
  /* Attempts at one record (one batch, for a service) before it goes to the dead-letter topic. 5. */
  maxAttempts?: number;
  /* Wait before the second attempt; doubled before each next one. 1000. */
  backoffMs?: number;
  /* The longest wait between attempts. 300000. */
  maxBackoffMs?: number;
  /* How long an attempt waits for the answer. 30000. */
  timeoutMs?: number;
  /* "<topic>.dlq" when absent. */
  deadLetterTopic?: string;
  /* Signs each delivery (http only): kafdo-signature-256: sha256=<hex HMAC-SHA256(secret, body)>. */
  secret?: string;
  /* Where the group starts on a partition it has no committed offset for: the
   * log start (true, as Kafka Connect's sinks) or the end. true. */
  fromBeginning?: boolean;
  /* Records fetched at a time; for a service, the most records in one batch. 100. */
  maxPollRecords?: number;
  /* The most deliveries in flight at once (each to its own partition); absent: one
   * per partition with records, unbounded. */
  concurrency?: number;
}

/* A subscription with every setting resolved, as its delivery object keeps it.
 * `url` for an http target; `target` (and no url) for a service. */
export interface WebhookSubscription {
  groupId: string;
  topic: string;
  url?: string;
  target?: Required<ServiceTarget>;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  deadLetterTopic: string;
  secret: string | null;
  fromBeginning: boolean;
  maxPollRecords: number;
  concurrency?: number;
}

/* A record (the first of a batch, for a service) waiting to be tried again. */
export interface WebhookRetry {
  topic: string;
  partition: number;
  offset: number;
  /* Failed attempts so far. */
  attempts: number;
  /* ms since the epoch. */
  nextAttemptAt: number;
  lastError: string;
}

export interface WebhookDeliveryStatus {
  /* Records the target acknowledged (a 2xx, or the method returned). */
  delivered: number;
  /* Records written to the dead-letter topic. */
  deadLettered: number;
  /* Attempts that failed (each retry counts). */
  failedAttempts: number;
  retrying: WebhookRetry[];
  lastError: string | null;
  /* ms since the epoch. */
  lastErrorAt: number | null;
}

/* What describing a subscription shows: its settings (the secret only as `signed`)
 * and how delivery goes. */
export interface WebhookSubscriptionInfo extends Omit<WebhookSubscription, "secret"> {
  signed: boolean;
  createdAt: number;
  updatedAt: number;
  status: WebhookDeliveryStatus;
}
