/*
 * webhooks.ts — POST /webhooks/:topic (webhook ingestion) and /webhook-subscriptions
 * (webhook consumers), over integrations/.
 *
 * Ingestion takes any body and any content type: the body is the record's value,
 * byte for byte. The topic's settings come from the KAFDO_WEBHOOKS var; a signature
 * that is missing or wrong is 401 UNAUTHORIZED, and nothing is stored. A
 * KAFDO_WEBHOOKS that is not valid refuses every webhook (500) rather than
 * accepting unchecked requests for a topic whose settings it cannot read.
 */
import { KafdoError, KafkaCode } from "../../common/errors";
import { receiveWebhook, topicWebhookConfig, webhookConfigFromEnv } from "../../integrations/webhooks";
import {
  createWebhookSubscription,
  deleteWebhookSubscription,
  describeWebhookSubscription,
  listWebhookSubscriptions,
  type WebhookSubscriptionConfig,
} from "../../integrations/webhook-subscriptions";
import { HttpError } from "../errors";
import { Query, readJson } from "../input";
import type { Context } from "../router";


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

export async function receive(c: Context): Promise<Response> {
  Query.none(c.url);
  const topic = c.param("topic");
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
}

export async function createSubscription(c: Context): Promise<Response> {
  Query.none(c.url);
  const body = (await readJson(c.request)) as WebhookSubscriptionConfig;
  const { created, subscription } = await createWebhookSubscription(c.env, body);
  return Response.json(subscription, { status: created ? 201 : 200 });
}

export async function listSubscriptions(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json({ subscriptions: await listWebhookSubscriptions(c.env) });
}

export async function describeSubscription(c: Context): Promise<Response> {
  Query.none(c.url);
  return Response.json(await describeWebhookSubscription(c.env, c.param("groupId")));
}

export async function deleteSubscription(c: Context): Promise<Response> {
  Query.none(c.url);
  await deleteWebhookSubscription(c.env, c.param("groupId"));
  return new Response(null, { status: 204 });
}
