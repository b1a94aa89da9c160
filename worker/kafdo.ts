/*
 * The `kafdo` package entry: the in-Worker API (api/index.ts) and the Durable
 * Object classes a user's Worker re-exports, WebhookDeliveryDO included (its class
 * sits with the integrations, a layer above the API it uses, so the entry that
 * names it sits at the top).
 */
export * from "./api";
export { WebhookDeliveryDO } from "./integrations/WebhookDeliveryDO";
/* Bound as SUBSCRIPTION_HUB, it holds WebSocket subscribers hibernatable (http/SubscriptionHubDO.ts). */
export { SubscriptionHubDO } from "./http/SubscriptionHubDO";
/* The tagged templates: kafka`orders`.produce(value), for await (... of kafka`orders group g`). */
export * from "./sentences";
/* Stream processing: stream(env, topic) and PipelineDO, the class a user's Worker extends to host a pipeline. */
export * from "./streams";
