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

export interface Env {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionDO>;
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupDO>;
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataDO>;
  /* "true" lets a produce to an unknown topic create it, as Kafka's
   * auto.create.topics.enable does. */
  KAFDO_AUTO_CREATE_TOPICS: string;
  /* Partitions a topic may have at most (256 when unset). */
  KAFDO_MAX_PARTITIONS?: string;
  /* Partitions of an auto-created topic (1 when unset, as Kafka's num.partitions). */
  KAFDO_DEFAULT_PARTITIONS?: string;
}

declare global {
  namespace Cloudflare {
    interface Env extends KafdoEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces: "TopicPartitionDO" | "ConsumerGroupDO" | "ClusterMetadataDO";
    }
  }
}

type KafdoEnv = Env;
