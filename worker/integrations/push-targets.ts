/*
 * push-targets.ts — where a push subscription (webhook-subscriptions.ts) delivers:
 * an http: or https: URL (webhook-delivery.ts POSTs one record at a time), or a
 * Worker behind a service binding, whose RPC method gets a partition's records as
 * one batch (PushBatch) and acknowledges them all by returning — Cloudflare Queues'
 * consumer model, fed from a consumer group.
 *
 * A service target is declared in Kafdo's wrangler.toml as any service binding,
 * with the entrypoint class whose method receives the batches:
 *
 *   [[services]]
 *   binding = "ORDERS_CONSUMER"
 *   service = "orders-consumer"
 *   entrypoint = "OrdersConsumer"     # class OrdersConsumer extends WorkerEntrypoint
 *
 * and named in the subscription: target: { type: "service", binding:
 * "ORDERS_CONSUMER", method: "deliver" }. The binding must be there when the
 * subscription is made (else INVALID_REQUEST, nothing stored). Whether the target
 * has the method can only be known by calling it: a target that lacks it fails the
 * round, not the records — delivery waits, retrying, with status.lastError saying
 * so, and nothing goes to the dead-letter topic for it.
 */
import { KafdoError, KafkaCode } from "../common/errors";
import type { PushBatch, ServiceTarget, WebhookSubscription } from "../common/subscriptions";

export const DEFAULT_METHOD = "deliver";

/* As webhook-delivery.ts's DeliveryOutcome (which imports this file). */
type DeliveryOutcome = { ok: true } | { ok: false; error: string };

/* Names an RPC method may not have here: the handlers workerd calls itself, and
 * what every object or promise has. */
const NOT_METHODS = new Set([
  "fetch",
  "connect",
  "queue",
  "scheduled",
  "tail",
  "trace",
  "email",
  "alarm",
  "test",
  "constructor",
  "then",
  "dup",
  "toString",
  "valueOf",
  "toJSON",
]);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function refuse(message: string): never {
  throw new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

/*
 * The subscription's target from its settings, `url` or `target`, checked for
 * form: { url } for http, { target } for a service. INVALID_REQUEST saying what is
 * wrong. Whether the binding exists is checkServiceBinding's.
 */
export function resolveTarget(c: Record<string, unknown>): { url: string } | { target: Required<ServiceTarget> } {
  if (c.target === undefined) return { url: checkUrl(c.url) };
  if (c.url !== undefined) refuse("give url or target, not both");
  const t = c.target as Record<string, unknown>;
  if (t === null || typeof t !== "object" || Array.isArray(t)) {
    refuse('target must be { type: "http", url } or { type: "service", binding, method? }');
  }
  const known = t.type === "http" ? ["type", "url"] : t.type === "service" ? ["type", "binding", "method"] : null;
  if (!known) refuse(`target.type must be "http" or "service", not ${JSON.stringify(t.type)}`);
  for (const k of Object.keys(t)) {
    if (!known.includes(k)) refuse(`a ${t.type} target has no setting "${k}"; known: ${known.join(", ")}`);
  }
  if (t.type === "http") return { url: checkUrl(t.url, "target.url") };
  if (typeof t.binding !== "string" || !IDENTIFIER.test(t.binding)) {
    refuse(`target.binding must be the name of a service binding, not ${JSON.stringify(t.binding)}`);
  }
  const method = t.method ?? DEFAULT_METHOD;
  if (typeof method !== "string" || !IDENTIFIER.test(method)) {
    refuse(`target.method must be the name of an RPC method, not ${JSON.stringify(method)}`);
  }
  if (NOT_METHODS.has(method)) {
    refuse(
      `target.method "${method}" is not an RPC method a batch can be delivered to; use a method of your own, e.g. "deliver"`,
    );
  }
  return { target: { type: "service", binding: t.binding, method } };
}

function checkUrl(raw: unknown, name = "url"): string {
  if (typeof raw !== "string") refuse(`${name} must be an http: or https: URL (or give a service target)`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse(`${name} "${raw}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") refuse(`${name} "${raw}" is not http: or https:`);
  return url.href;
}

/* A service binding: workerd's Fetcher (an RPC stub answers every property, so
 * its shape cannot tell; a DO namespace, a KV namespace, a bucket, a queue or a
 * var are not Fetchers). */
function isService(binding: unknown): boolean {
  return Object.prototype.toString.call(binding) === "[object Fetcher]";
}

/* INVALID_REQUEST unless the Worker has a service binding by the target's name. */
export function checkServiceBinding(env: object, target: ServiceTarget): void {
  const binding = (env as Record<string, unknown>)[target.binding];
  if (binding === undefined) {
    refuse(
      `target.binding "${target.binding}" is not a binding of this Worker: declare it under [[services]] in wrangler.toml`,
    );
  }
  if (!isService(binding)) refuse(`target.binding "${target.binding}" is not a service binding`);
}

/* Thrown when the target cannot take any batch (it lacks the method, or the binding
 * went away): the delivery round fails and is tried again, the records stay. */
export class TargetUnusable extends Error {
  override name = "TargetUnusable";
}

/* What the dead-letter header kafdo-dlq-url says of a service target. */
export function targetName(target: Required<ServiceTarget>): string {
  return `service:${target.binding}.${target.method}`;
}

/*
 * One attempt at a batch: `records` (one partition's, in order) to the service
 * target. Returns a failed outcome when the method throws or gives no answer within
 * timeoutMs; throws TargetUnusable when the target cannot be called at all.
 */
export async function deliverBatch(
  env: object,
  sub: WebhookSubscription & { target: Required<ServiceTarget> },
  records: PushBatch["records"],
  attempt: number,
): Promise<DeliveryOutcome> {
  const { binding, method } = sub.target;
  const service = (env as Record<string, unknown>)[binding] as Record<string, unknown> | undefined;
  if (!isService(service)) throw new TargetUnusable(`service binding ${binding} is gone`);
  const batch: PushBatch = {
    groupId: sub.groupId,
    topic: records[0]!.topic,
    partition: records[0]!.partition,
    attempt,
    records,
  };
  const where = targetName(sub.target);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<DeliveryOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, error: `${where} gave no answer within ${sub.timeoutMs} ms` }),
      sub.timeoutMs,
    );
  });
  const call = (async (): Promise<DeliveryOutcome> => {
    try {
      await (service![method] as (b: PushBatch) => unknown)(batch);
      return { ok: true };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (/does not implement the method|not a function/i.test(error)) {
        throw new TargetUnusable(`${where} cannot be called: ${error}`);
      }
      return { ok: false, error: `${where} threw: ${error}` };
    }
  })();
  /* Settled after a timeout, it is no one's answer. */
  call.catch(() => undefined);
  try {
    return await Promise.race([call, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
