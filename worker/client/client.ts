/*
 * client.ts — KafdoClient: Kafdo from any JavaScript runtime, over the REST API.
 *
 *   const client = new KafdoClient({ baseUrl: "https://kafdo.example.workers.dev" })
 *   await client.producer({ defaultTopic: "events" }).send({ key: "k", value: { a: 1 } })
 *
 * The client holds its configuration and hands one Transport (transport.ts: the
 * deadline, the retries, the error shape) to the producer, consumers and admin it
 * makes. It needs only `fetch`, so it runs in Node 18+, browsers, Deno, Bun and
 * Workers; pass `fetch` to use another (a service binding's, a mock's).
 */
import type { MetricsSnapshot } from "../common/metrics";
import { KafdoClientError } from "./errors";
import { KafdoHttpAdmin } from "./admin";
import { KafdoHttpSubscriptions } from "./subscriptions";
import { type ClientConsumerConfig, KafdoHttpConsumer } from "./consumer";
import { type ClientProducerConfig, KafdoHttpProducer } from "./producer";
import {
  type ClientTransactionRequest,
  type ClientTransactionResult,
  KafdoHttpTransaction,
  produceTransaction,
} from "./transaction";
import { type ClientRecord, type RestRecord, clientRecord } from "./records";
import { type FetchFunction, Transport, normalizeBaseUrl, segment } from "./transport";

export interface KafdoClientConfig {
  /* Required: the URL of a Kafdo deployment (a path prefix is kept). */
  baseUrl: string;
  /* Identifies this client to consumer groups; "kafdo-client-<random>" when absent. */
  clientId?: string;
  /* Each call settles within this many ms, retries included. 30000. */
  timeout?: number;
  /* Headers sent with every request, e.g. { Authorization: "Bearer <token>" }. */
  headers?: Record<string, string>;
  /* The fetch to send requests with. globalThis.fetch. */
  fetch?: FetchFunction;
  /* Retries of a network error, 429 or 503, with exponential backoff. 3. */
  retries?: number;
  /* The first retry's backoff, doubled each time (at most 5 s). 100. */
  retryBackoffMs?: number;
}

export interface HealthStatus {
  status: string;
}

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID().slice(0, 8) : Math.random().toString(16).slice(2, 10);
}

/* A number option: `fallback` when absent; at least `min` and below 2^31 ms (what a
 * timer can hold) when given. */
function numberOption(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= min && value < 2 ** 31)) {
    const range = `from ${min} to 2^31 - 1`;
    throw new KafdoClientError("INVALID_CONFIG", `${name} must be a number ${range}, not ${String(value)}`);
  }
  return value;
}

export class KafdoClient {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly timeout: number;
  private readonly transport: Transport;

  constructor(config: KafdoClientConfig) {
    if (config === null || typeof config !== "object") {
      throw new KafdoClientError(
        "INVALID_CONFIG",
        "KafdoClient takes { baseUrl, clientId?, timeout?, headers?, fetch? }",
      );
    }
    this.baseUrl = normalizeBaseUrl(config.baseUrl);
    this.clientId = config.clientId ?? `kafdo-client-${randomId()}`;
    this.timeout = numberOption(config.timeout, "timeout", 30000, 1);
    const custom = config.fetch;
    if (custom !== undefined && typeof custom !== "function") {
      throw new KafdoClientError("INVALID_CONFIG", "fetch must be a function");
    }
    if (custom === undefined && typeof (globalThis as { fetch?: unknown }).fetch !== "function") {
      throw new KafdoClientError("INVALID_CONFIG", "this runtime has no globalThis.fetch; pass one as `fetch`");
    }
    this.transport = new Transport({
      baseUrl: this.baseUrl,
      timeout: this.timeout,
      headers: { ...config.headers },
      /* Called as plain functions: a browser's fetch refuses a `this` other than
       * the window; the global one is looked up per call, as a polyfill may come late. */
      fetch: custom ? (input, init) => custom(input, init) : (input, init) => globalThis.fetch(input, init),
      retries: Math.floor(numberOption(config.retries, "retries", 3, 0)),
      retryBackoffMs: numberOption(config.retryBackoffMs, "retryBackoffMs", 100, 0),
    });
  }

  /* GET /health: { status: "ok" } when the service answers. */
  health(): Promise<HealthStatus> {
    return this.transport.call("GET", "/health");
  }

  /* GET /metrics.json: the metrics snapshot (common/metrics.ts's MetricsSnapshot). */
  metrics(): Promise<MetricsSnapshot> {
    return this.transport.call("GET", "/metrics.json");
  }

  /* GET /metrics: the same, in Prometheus' text format. */
  metricsText(): Promise<string> {
    return this.transport.call("GET", "/metrics", { text: true });
  }

  /* GET /topics/:topic/keys/:key: a compacted topic's latest record of `key` (the
   * partition it hashes to, or options.partition), or null when the key has none. */
  async readKey(topic: string, key: string, options: { partition?: number } = {}): Promise<ClientRecord | null> {
    try {
      const answer = await this.transport.call<RestRecord & { topic: string; partition: number }>(
        "GET",
        `/topics/${segment(topic)}/keys/${segment(key)}`,
        { query: { partition: options.partition } },
      );
      return clientRecord(answer.topic, answer.partition, answer);
    } catch (e) {
      if (e instanceof KafdoClientError && e.code === "NOT_FOUND" && e.status === 404) return null;
      throw e;
    }
  }

  /* One atomic produce (POST /transactions/produce): every record and the group's
   * offsets commit together, or nothing does. */
  async produceTransaction(request: ClientTransactionRequest): Promise<ClientTransactionResult> {
    return produceTransaction(this.transport, request);
  }

  /* kafkajs's Transaction shape over one atomic produce, sent at commit(). */
  transaction(
    options: { transactionalId?: string; compression?: ClientTransactionRequest["compression"] } = {},
  ): KafdoHttpTransaction {
    return new KafdoHttpTransaction(this.transport, options);
  }

  producer(config: ClientProducerConfig = {}): KafdoHttpProducer {
    return new KafdoHttpProducer(this.transport, config);
  }

  consumer(config: ClientConsumerConfig): KafdoHttpConsumer {
    return new KafdoHttpConsumer(this.transport, this.clientId, this.timeout, config);
  }

  admin(): KafdoHttpAdmin {
    return new KafdoHttpAdmin(this.transport);
  }

  /* Push subscriptions: a topic's records pushed to a URL or a Worker (subscriptions.ts). */
  subscriptions(): KafdoHttpSubscriptions {
    return new KafdoHttpSubscriptions(this.transport);
  }
}
