/*
 * webhooks.ts — POST /webhooks/:topic (webhook ingestion) and /webhook-subscriptions
 * (webhook consumers), over integrations/.
 *
 * Ingestion takes any body and any content type: the body is the record's value,
 * byte for byte. The topic's settings come from the KAFDO_WEBHOOKS var; a signature
 * that is missing or wrong is 401 UNAUTHORIZED, and nothing is stored. A
 * KAFDO_WEBHOOKS that is not valid refuses every webhook (500) rather than
 * accepting unchecked requests for a topic whose settings it cannot read.
 *
 * A subscription's body is checked against its schema here, and its settings' rules
 * (bounds, URL, topics, group id) by integrations/, as for in-Worker callers.
 */
import { KafdoError, KafkaCode } from "../../common/errors";
import { receiveWebhook, topicWebhookConfig, webhookConfigFromEnv } from "../../integrations/webhooks";
import { DEFAULT_TOLERANCE_SECONDS, KEPT_HEADERS, WEBHOOK_MAX_BODY_BYTES } from "../../integrations/webhooks";
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  describeWebhookSubscription,
  listWebhookSubscriptions,
  type WebhookSubscriptionConfig as WebhookSubscriptionConfigBody,
  SUBSCRIPTION_DEFAULTS,
  SUBSCRIPTION_LIMITS,
} from "../../integrations/webhook-subscriptions";
import { endpoint } from "../endpoint";
import type { Context } from "../router";
import { HttpError } from "../errors";
import { GroupIdParam, TopicParam } from "../parameters";
import { NoSubscription, NotFound, TooLarge, WebhookUnauthorized, noContent, ok } from "../responses";
import { AtLeast, Nullable, StringEnum, Struct, Type, named } from "../schema";
import { RecordMetadata } from "./produce";

/*
 * Whether a webhook may come without the bearer token (routes.ts marks the route
 * public by this): its topic's KAFDO_WEBHOOKS settings ask for a signature, which
 * receive() checks instead. Stripe and GitHub cannot send a bearer token. Unsigned
 * webhook topics need the token like everything else, and so does every webhook
 * while KAFDO_WEBHOOKS is not valid: which topics are signed is then unknown, and
 * what is wrong with the setting is told only to a caller with the token.
 */
export function signedWebhook(c: Context): boolean {
  try {
    return topicWebhookConfig(webhookConfigFromEnv(c.env), c.param("topic")).signature !== undefined;
  } catch {
    return false;
  }
}

type Limited = keyof typeof SUBSCRIPTION_LIMITS;
const bounded = (name: Limited, description: string) =>
  Type.Optional(
    Type.Integer({
      minimum: SUBSCRIPTION_LIMITS[name][0],
      maximum: SUBSCRIPTION_LIMITS[name][1],
      description:
        name in SUBSCRIPTION_DEFAULTS
          ? `${description} Default ${SUBSCRIPTION_DEFAULTS[name as keyof typeof SUBSCRIPTION_DEFAULTS]}.`
          : description,
    }),
  );

/* One shape for both targets: which fields each type takes is checked by
 * integrations/push-targets.ts, which says precisely what is wrong. */
const PushTarget = named(
  "PushTarget",
  Struct({
    type: StringEnum(["http", "service"]),
    url: Type.Optional(Type.String({ description: "http: the http: or https: URL records are POSTed to." })),
    binding: Type.Optional(
      Type.String({
        description: "service: the name of a service binding of Kafdo's Worker ([[services]] in wrangler.toml).",
      }),
    ),
    method: Type.Optional(
      Type.String({ description: 'service: the RPC method that receives each batch. Default "deliver".' }),
    ),
  }),
);

const WebhookSubscriptionConfig = named(
  "WebhookSubscriptionConfig",
  Struct({
    groupId: Type.String({ description: "The consumer group; names the subscription." }),
    topic: Type.String(),
    url: Type.Optional(
      Type.String({ description: "An http: or https: URL the records are POSTed to (or give target)." }),
    ),
    target: Type.Optional(PushTarget),
    maxAttempts: bounded("maxAttempts", "Attempts at a record before it is dead-lettered."),
    backoffMs: bounded("backoffMs", "Wait before the second attempt, doubled for each next one."),
    maxBackoffMs: bounded("maxBackoffMs", "The longest wait, at least backoffMs."),
    timeoutMs: bounded("timeoutMs", "How long an attempt waits for the answer."),
    deadLetterTopic: Type.Optional(Type.String({ description: 'Default "<topic>.dlq"; not the topic itself.' })),
    secret: Type.Optional(
      Type.String({ description: "Signs deliveries: kafdo-signature-256: sha256=<hex HMAC-SHA256(secret, body)>." }),
    ),
    fromBeginning: Type.Optional(
      Type.Boolean({
        description:
          "Where the group starts on a partition without a committed offset: the log start " +
          `(true) or the end. Default ${SUBSCRIPTION_DEFAULTS.fromBeginning}.`,
      }),
    ),
    maxPollRecords: bounded("maxPollRecords", "Records fetched at a time; a service target's largest batch."),
    concurrency: bounded("concurrency", "The most deliveries in flight at once; default one per partition."),
  }),
);

const WebhookRetry = named(
  "WebhookRetry",
  Struct({
    topic: Type.String(),
    partition: AtLeast(0),
    offset: AtLeast(0, "The record waiting to be tried again."),
    attempts: AtLeast(1, "Failed attempts so far."),
    nextAttemptAt: AtLeast(0, "ms since the epoch."),
    lastError: Type.String(),
  }),
);

const WebhookSubscription = named(
  "WebhookSubscription",
  Struct({
    groupId: Type.String(),
    topic: Type.String(),
    url: Type.Optional(Type.String({ description: "The http target's URL." })),
    target: Type.Optional(
      Struct(
        { type: StringEnum(["service"]), binding: Type.String(), method: Type.String() },
        {
          description: "A service target (http targets show url).",
        },
      ),
    ),
    maxAttempts: AtLeast(1),
    backoffMs: AtLeast(1),
    maxBackoffMs: AtLeast(1),
    timeoutMs: AtLeast(1),
    deadLetterTopic: Type.String(),
    fromBeginning: Type.Boolean(),
    maxPollRecords: AtLeast(1),
    concurrency: Type.Optional(AtLeast(1, "Shown when set.")),
    signed: Type.Boolean({ description: "Whether deliveries are signed (the secret is not shown)." }),
    createdAt: AtLeast(0, "ms since the epoch."),
    updatedAt: AtLeast(0, "ms since the epoch."),
    status: Struct({
      delivered: AtLeast(0, "Records the URL answered 2xx for."),
      deadLettered: AtLeast(0, "Records written to the dead-letter topic."),
      failedAttempts: AtLeast(0, "Attempts that failed, each retry counted."),
      retrying: Type.Array(WebhookRetry),
      lastError: Nullable(Type.String()),
      lastErrorAt: Nullable(Type.Integer(), { description: "ms since the epoch." }),
    }),
  }),
);

const WebhookSubscriptionList = named(
  "WebhookSubscriptionList",
  Struct({ subscriptions: Type.Array(WebhookSubscription) }),
);

export const receive = endpoint({
  summary: "Receive a webhook",
  description:
    "Stores the request as one record of the topic: the body, byte for byte and of any " +
    `content type (at most ${WEBHOOK_MAX_BODY_BYTES} bytes), is the value; the request headers ` +
    `${KEPT_HEADERS.join(", ")} and those the topic's settings name are the record's headers; the ` +
    "key is the value of the topic's keyHeader, else null. The topic's settings come from the " +
    "KAFDO_WEBHOOKS var (JSON, by topic). With a signature scheme there, the request must be " +
    "signed with the topic's shared secret, HMAC-SHA256 over the body: github, " +
    "X-Hub-Signature-256: sha256=<hex>; stripe, Stripe-Signature: t=<unix seconds>,v1=<hex of " +
    `"<t>." + body>, t within ${DEFAULT_TOLERANCE_SECONDS} s of now by default. A missing or wrong ` +
    "signature is 401 UNAUTHORIZED and stores nothing. An unknown topic is created as a " +
    "produce would. A signed topic needs no bearer token (Stripe and GitHub cannot send " +
    "one): the signature authenticates the request; an unsigned one needs it as any " +
    "other endpoint.",
  tags: ["webhooks"],
  security: [{ bearerAuth: [] }, {}],
  params: { topic: TopicParam },
  rawBody: "Any bytes: stored as the record's value.",
  responses: { 200: ok("Where the record was stored.", RecordMetadata) },
  errors: [WebhookUnauthorized, NotFound, TooLarge],
  async handle(c, { params: { topic } }) {
    try {
      const config = topicWebhookConfig(webhookConfigFromEnv(c.env), topic);
      return Response.json(await receiveWebhook(c.env, topic, c.request, config));
    } catch (e) {
      const k = KafdoError.from(e);
      if (k?.code === KafkaCode.SASL_AUTHENTICATION_FAILED) throw new HttpError("UNAUTHORIZED", k.message);
      /* The server's configuration, not the request, is wrong. */
      if (k?.code === KafkaCode.INVALID_CONFIG) throw new KafdoError(KafkaCode.UNKNOWN_SERVER_ERROR, k.message);
      throw e;
    }
  },
});

export const listSubscriptions = endpoint({
  summary: "List webhook subscriptions",
  tags: ["webhooks"],
  responses: { 200: ok("Every subscription, by group id.", WebhookSubscriptionList) },
  async handle(c) {
    return Response.json({ subscriptions: await listWebhookSubscriptions(c.env) });
  },
});

export const createSubscription = endpoint({
  summary: "Create or replace a webhook subscription",
  description:
    "A consumer group that POSTs every record of a topic to a URL, at least once: a record's " +
    "offset is committed only after the URL answered 2xx (or after the record went to the " +
    "dead-letter topic). A failed attempt is retried after backoffMs, doubled each time up " +
    "to maxBackoffMs; after maxAttempts failures the record, byte for byte, goes to the " +
    "dead-letter topic with kafdo-dlq-* headers, and delivery moves on. One subscription " +
    "per group: posting again for a group replaces its settings (200) and keeps its " +
    "committed offsets; a new one is 201. the README (Webhook consumers) shows the delivery format. " +
    'With target { type: "service", binding, method } instead of url, the records go to a ' +
    "Worker behind that service binding: each partition's records, up to maxPollRecords, as " +
    "one batch to the RPC method, acknowledged by its return, retried and dead-lettered as one " +
    "(push consumers). An unknown binding is 400 INVALID_REQUEST and stores nothing.",
  tags: ["webhooks"],
  body: WebhookSubscriptionConfig,
  responses: {
    200: ok("The subscription, replaced.", WebhookSubscription),
    201: ok("The subscription, created.", WebhookSubscription),
  },
  async handle(c, { body }) {
    const { created, subscription } = await createWebhookSubscription(c.env, body as WebhookSubscriptionConfigBody);
    return Response.json(subscription, { status: created ? 201 : 200 });
  },
});

export const describeSubscription = endpoint({
  summary: "Describe a webhook subscription",
  tags: ["webhooks"],
  params: { groupId: GroupIdParam },
  responses: { 200: ok("The subscription and how its delivery goes.", WebhookSubscription) },
  errors: [NoSubscription],
  async handle(c, { params }) {
    return Response.json(await describeWebhookSubscription(c.env, params.groupId));
  },
});

export const deleteSubscription = endpoint({
  summary: "Delete a webhook subscription",
  description:
    "Stops delivery; the group's consumer leaves it. The group's committed offsets stay " +
    "(DELETE /admin/groups/{groupId} removes them).",
  tags: ["webhooks"],
  params: { groupId: GroupIdParam },
  responses: { 204: noContent("Deleted.") },
  errors: [NoSubscription],
  async handle(c, { params }) {
    await deleteWebhookSubscription(c.env, params.groupId);
    return new Response(null, { status: 204 });
  },
});
