/*
 * The `kafdo/integrations` entry: outside events shaped into records and sent with
 * the in-Worker producer, and the helpers that read them back.
 *
 *   cdc.ts                    MongoDB change events -> topics (KafdoPipeline),
 *                             processCDCMessage and the type guards
 *   r2.ts                     R2 event notifications from a Queue -> topics
 *                             (R2EventBridge), processR2Event
 *   webhooks.ts               HTTP webhooks -> a topic, with Stripe- and
 *                             GitHub-style signature checks
 *   webhook-subscriptions.ts  webhook consumers: a topic's records POSTed to a URL,
 *   webhook-delivery.ts       at least once, with retries and a dead-letter topic
 *   push-targets.ts           ... or to a Worker's RPC method through a service binding
 *   records.ts                what they share: stable keys, event ids, dropping
 *                             re-sent events
 *
 * Integrations hold no Kafka logic: they use createProducer and createConsumer as
 * any application would. The README (Integrations) describes every record format.
 */
export {
  KafdoPipeline,
  createKafdoPipeline,
  createFixedTopicPipeline,
  createDatabaseTopicPipeline,
  createCollectionTopicPipeline,
  processCDCMessage,
  parseCDCEvent,
  isCDCEvent,
  isInsertEvent,
  isUpdateEvent,
  isReplaceEvent,
  isDeleteEvent,
  cdcEventId,
  cdcRecordKey,
  CDC_OPERATION_HEADER,
  CDC_OPERATION_TYPES,
  DEFAULT_CDC_TOPIC_PATTERN,
} from "./cdc";
export type {
  CDCEvent,
  CDCInsertEvent,
  CDCUpdateEvent,
  CDCReplaceEvent,
  CDCDeleteEvent,
  CDCOperationType,
  CDCNamespace,
  CDCDocument,
  CDCDocumentKey,
  CDCUpdateDescription,
  CDCTimestamp,
  CDCEventContext,
  CDCMessageHandlers,
  KafdoPipelineConfig,
} from "./cdc";

export {
  R2EventBridge,
  createR2EventBridge,
  processR2Event,
  parseR2Event,
  isR2Event,
  isR2ObjectCreated,
  isR2ObjectDeleted,
  r2EventId,
  handleR2Queue,
  R2_ACTION_HEADER,
  DEFAULT_R2_TOPIC_PATTERN,
} from "./r2";
export type {
  R2Event,
  R2ObjectCreatedEvent,
  R2ObjectDeletedEvent,
  R2Action,
  R2CreateAction,
  R2DeleteAction,
  R2EventBridgeConfig,
  R2EventHandlers,
  R2QueueMessage,
} from "./r2";

export {
  receiveWebhook,
  verifyWebhookSignature,
  webhookMessage,
  checkWebhookConfig,
  webhookConfigFromEnv,
  topicWebhookConfig,
  hmacSha256Hex,
  KEPT_HEADERS,
  VERIFIED_HEADER,
  SIGNATURE_SCHEMES,
  DEFAULT_TOLERANCE_SECONDS,
  WEBHOOK_MAX_BODY_BYTES,
} from "./webhooks";
export type { WebhookConfig, WebhookTopicConfig, WebhookSignatureScheme } from "./webhooks";

export {
  createWebhookSubscription,
  describeWebhookSubscription,
  listWebhookSubscriptions,
  deleteWebhookSubscription,
  resolveSubscription,
  SUBSCRIPTION_DEFAULTS,
  SUBSCRIPTION_LIMITS,
} from "./webhook-subscriptions";
export type {
  WebhookSubscriptionConfig,
  WebhookSubscription,
  WebhookSubscriptionInfo,
  WebhookDeliveryStatus,
  WebhookRetry,
} from "./webhook-subscriptions";
export { backoffDelay, deliveryBody, SIGNATURE_HEADER } from "./webhook-delivery";
export type { DeliveryBody } from "./webhook-delivery";
/* Push consumers: a subscription's target may be a Worker behind a service binding. */
export type { HttpTarget, PushBatch, PushRecord, PushTarget, ServiceTarget } from "../common/subscriptions";

export { EVENT_ID_HEADER, RECENT_EVENTS, stableStringify } from "./records";
export type { EventSendResult, IntegrationMessage, MessageContext } from "./records";

export type { ProducerMessage, RecordMetadata } from "../common/api";
