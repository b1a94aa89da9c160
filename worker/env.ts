/*
 * env.ts — the bindings wrangler.toml gives the Worker, typed.
 *
 * The global Cloudflare.Env and GlobalProps are declared too (what `wrangler types`
 * would generate), so `env` and `exports` from "cloudflare:workers" carry these
 * types in the Worker and in the tests.
 */
import type { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
import type { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
import type { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";
import type { WebhookDeliveryDO } from "./durable-objects/WebhookDeliveryDO";

export interface Env {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionDO>;
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupDO>;
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataDO>;
  /* Anything but "false" (unset included) lets a produce to an unknown topic create
   * it, as Kafka's auto.create.topics.enable does. Optional, as every binding past
   * the three Durable Objects: a user's Worker with the README's Env must type-check. */
  KAFDO_AUTO_CREATE_TOPICS?: string;
  /* Partitions a topic may have at most (256 when unset). */
  KAFDO_MAX_PARTITIONS?: string;
  /* Partitions of an auto-created topic (1 when unset, as Kafka's num.partitions). */
  KAFDO_DEFAULT_PARTITIONS?: string;
  /* A secret: when set, the REST API wants `Authorization: Bearer <it>` on every
   * endpoint but /health (http/auth.ts). */
  KAFDO_TOKEN?: string;
  /* Webhook subscriptions' delivery objects (integrations/webhook-subscriptions.ts). */
  WEBHOOK_DELIVERY?: DurableObjectNamespace<WebhookDeliveryDO>;
  /* Webhook ingestion settings by topic, as JSON (integrations/webhooks.ts). */
  KAFDO_WEBHOOKS?: string;
  /* The Queue that R2 event notifications arrive on; the Worker's queue() handler
   * bridges them into topics (integrations/r2.ts). */
  R2_EVENTS?: Queue;
}

declare global {
  namespace Cloudflare {
    interface Env extends KafdoEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "TopicPartitionDO" | "ConsumerGroupDO" | "ClusterMetadataDO" | "WebhookDeliveryDO";
    }
  }
}

type KafdoEnv = Env;
