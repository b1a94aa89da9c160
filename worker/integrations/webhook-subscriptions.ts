/*
 * webhook-subscriptions.ts — webhook consumers: a subscription delivers every
 * record of a topic to a URL, as a member of a consumer group, at least once.
 *
 * A subscription is named by its consumer group: one group, one subscription
 * (topic, target URL, retry settings). Its WebhookDeliveryDO (one per group) runs
 * an in-Worker consumer of the group (createConsumer, autoCommit off), POSTs each
 * record to the URL and commits a record's offset only after the URL answered 2xx,
 * or after the record was written to the dead-letter topic: so a record is
 * delivered at least once, in order within its partition, and never skipped.
 * A failed delivery (any other status, a network error, no answer within
 * timeoutMs) is retried after backoffMs, doubling each time up to maxBackoffMs;
 * other partitions go on meanwhile. After maxAttempts failed attempts the record
 * goes to the dead-letter topic, byte for byte, with headers saying why, and
 * delivery moves on. The delivery format is webhook-delivery.ts's.
 *
 * The target may instead be a Worker behind a service binding (push consumers,
 * push-targets.ts): the same delivery, but a partition's records go as one batch
 * to an RPC method, and the batch is what is acknowledged, retried and (after
 * maxAttempts) dead-lettered, record by record. `concurrency` bounds the
 * deliveries in flight at once, for either target.
 *
 * The subscriptions themselves are kept by the delivery objects; a registry
 * object (the WebhookDeliveryDO named "registry") lists them.
 */
import { typedEnv, type Env, type KafdoBindings } from "../durable-objects/bindings";
import { throwRefusals } from "../durable-objects/rpc";
import { KafdoError, KafkaCode } from "../common/errors";
import type { WebhookSubscription, WebhookSubscriptionConfig, WebhookSubscriptionInfo } from "../common/subscriptions";
import { checkServiceBinding, resolveTarget } from "./push-targets";
import { checkGroupId, createAdmin } from "./worker-api";

export const SUBSCRIPTION_DEFAULTS = {
  maxAttempts: 5,
  backoffMs: 1000,
  maxBackoffMs: 300000,
  timeoutMs: 30000,
  maxPollRecords: 100,
  fromBeginning: true,
} as const;

/* Bounds of the numeric settings, inclusive. */
export const SUBSCRIPTION_LIMITS = {
  maxAttempts: [1, 100],
  backoffMs: [1, 3600000],
  maxBackoffMs: [1, 86400000],
  timeoutMs: [1, 300000],
  maxPollRecords: [1, 500],
  concurrency: [1, 1000],
} as const;

/* The subscription's shapes live in the leaf, shared with kafdo/client. */
export type {
  WebhookSubscriptionConfig,
  WebhookSubscription,
  WebhookRetry,
  WebhookDeliveryStatus,
  WebhookSubscriptionInfo,
} from "../common/subscriptions";

/* What a delivery object (WebhookDeliveryDO.ts, which implements it) answers over
 * RPC: declared here, with the subscription's types, so this module reaches the
 * objects without importing their class. */
export interface WebhookDeliveryRpc extends Rpc.DurableObjectBranded {
  configure(sub: WebhookSubscription): Promise<{ created: boolean; subscription: WebhookSubscriptionInfo }>;
  describe(): Promise<WebhookSubscriptionInfo | null>;
  remove(): Promise<boolean>;
  /* The registry's (the object named "registry"). */
  register(groupId: string): Promise<void>;
  unregister(groupId: string): Promise<void>;
  list(): Promise<string[]>;
}

const FIELDS = [
  "groupId",
  "topic",
  "url",
  "target",
  "maxAttempts",
  "backoffMs",
  "maxBackoffMs",
  "timeoutMs",
  "deadLetterTopic",
  "secret",
  "fromBeginning",
  "maxPollRecords",
  "concurrency",
];

function refuse(message: string): never {
  throw new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

function bounded(
  c: Record<string, unknown>,
  name: keyof typeof SUBSCRIPTION_DEFAULTS & keyof typeof SUBSCRIPTION_LIMITS,
): number {
  return inBounds(c[name] ?? SUBSCRIPTION_DEFAULTS[name], name);
}

function inBounds(v: unknown, name: keyof typeof SUBSCRIPTION_LIMITS): number {
  const [min, max] = SUBSCRIPTION_LIMITS[name];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    refuse(`${name} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/*
 * The subscription's settings, checked and resolved; INVALID_REQUEST (or
 * INVALID_GROUP_ID) saying what is wrong. Topic names are checked when the
 * subscription is created (createWebhookSubscription), by the cluster.
 */
export async function resolveSubscription(config: unknown): Promise<WebhookSubscription> {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    refuse("a webhook subscription is an object { groupId, topic, url | target, ... }");
  }
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!FIELDS.includes(k)) refuse(`a webhook subscription has no setting "${k}"; known: ${FIELDS.join(", ")}`);
  }
  const groupId = await checkGroupId(c.groupId);
  if (typeof c.topic !== "string" || c.topic.length === 0) refuse("topic must be a topic name");
  const target = resolveTarget(c);
  const backoffMs = bounded(c, "backoffMs");
  const maxBackoffMs = bounded(c, "maxBackoffMs");
  if (maxBackoffMs < backoffMs) refuse("maxBackoffMs must be at least backoffMs");
  const deadLetterTopic = c.deadLetterTopic ?? `${c.topic}.dlq`;
  if (typeof deadLetterTopic !== "string" || deadLetterTopic.length === 0)
    refuse("deadLetterTopic must be a topic name");
  if (deadLetterTopic === c.topic) refuse("deadLetterTopic must not be the subscription's own topic");
  if (c.secret !== undefined && (typeof c.secret !== "string" || c.secret.length === 0)) {
    refuse("secret must be a non-empty string");
  }
  if (c.secret !== undefined && "target" in target) refuse("secret signs HTTP deliveries; a service target has none");
  if (c.fromBeginning !== undefined && typeof c.fromBeginning !== "boolean")
    refuse("fromBeginning must be true or false");
  const resolved: WebhookSubscription = {
    groupId,
    topic: c.topic,
    ...target,
    maxAttempts: bounded(c, "maxAttempts"),
    backoffMs,
    maxBackoffMs,
    timeoutMs: bounded(c, "timeoutMs"),
    deadLetterTopic,
    secret: (c.secret as string | undefined) ?? null,
    fromBeginning: (c.fromBeginning as boolean | undefined) ?? SUBSCRIPTION_DEFAULTS.fromBeginning,
    maxPollRecords: bounded(c, "maxPollRecords"),
  };
  /* Absent unless given, so an http subscription reads as it always has. */
  if (c.concurrency !== undefined) resolved.concurrency = inBounds(c.concurrency, "concurrency");
  return resolved;
}

/* ---- the delivery objects ----------------------------------------------------------------- */

function namespace(env: Env): DurableObjectNamespace<WebhookDeliveryRpc> {
  if (!env.WEBHOOK_DELIVERY) {
    throw new KafdoError(
      KafkaCode.UNKNOWN_SERVER_ERROR,
      "webhook subscriptions need the WEBHOOK_DELIVERY Durable Object binding",
    );
  }
  /* Typed by the interface: the binding's name picks the class (wrangler.toml binds
   * WEBHOOK_DELIVERY to WebhookDeliveryDO), as typedEnv does for the Kafka ones. */
  return env.WEBHOOK_DELIVERY;
}

/* The delivery object of a group's subscription. */
export function deliveryStub(env: Env, groupId: string) {
  const ns = namespace(env);
  return throwRefusals(ns.get(ns.idFromName(`group:${groupId}`)));
}

function registryStub(env: Env) {
  const ns = namespace(env);
  return throwRefusals(ns.get(ns.idFromName("registry")));
}

/* A topic name the cluster accepts (it need not exist yet). */
async function checkTopicName(env: Env, topic: string): Promise<void> {
  try {
    await (await createAdmin(env)).describeTopic(topic);
  } catch (e) {
    if (KafdoError.from(e)?.code !== KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) throw KafdoError.from(e) ?? e;
  }
}

/*
 * Creates the group's subscription, or replaces its settings (`created` says
 * which). Delivery starts at once. Replacing keeps the group's committed offsets,
 * so delivery resumes where it was.
 */
export async function createWebhookSubscription(
  bindings: KafdoBindings,
  config: WebhookSubscriptionConfig,
): Promise<{ created: boolean; subscription: WebhookSubscriptionInfo }> {
  const env = typedEnv(bindings);
  const sub = await resolveSubscription(config);
  if (sub.target) checkServiceBinding(env, sub.target);
  await checkTopicName(env, sub.topic);
  await checkTopicName(env, sub.deadLetterTopic);
  const answer = await deliveryStub(env, sub.groupId).configure(sub);
  await registryStub(env).register(sub.groupId);
  return answer;
}

/* GROUP_ID_NOT_FOUND when the group has no subscription. */
export async function describeWebhookSubscription(
  env: KafdoBindings,
  groupId: string,
): Promise<WebhookSubscriptionInfo> {
  const id = await checkGroupId(groupId);
  const info = await deliveryStub(typedEnv(env), id).describe();
  if (!info) throw new KafdoError(KafkaCode.GROUP_ID_NOT_FOUND, `group "${groupId}" has no webhook subscription`);
  return info;
}

/* Every subscription, by group id. */
export async function listWebhookSubscriptions(bindings: KafdoBindings): Promise<WebhookSubscriptionInfo[]> {
  const env = typedEnv(bindings);
  const ids = await registryStub(env).list();
  const all = await Promise.all(ids.map((id) => deliveryStub(env, id).describe()));
  return all.filter((s): s is WebhookSubscriptionInfo => s !== null);
}

/*
 * Stops delivery and forgets the subscription: its consumer leaves the group. The
 * group's committed offsets stay (delete the group to drop them).
 * GROUP_ID_NOT_FOUND when there is none.
 */
export async function deleteWebhookSubscription(bindings: KafdoBindings, groupId: string): Promise<void> {
  const env = typedEnv(bindings);
  const id = await checkGroupId(groupId);
  const removed = await deliveryStub(env, id).remove();
  await registryStub(env).unregister(groupId);
  if (!removed) throw new KafdoError(KafkaCode.GROUP_ID_NOT_FOUND, `group "${groupId}" has no webhook subscription`);
}
