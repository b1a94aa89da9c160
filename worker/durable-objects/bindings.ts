/*
 * bindings.ts — the bindings wrangler.toml gives the Worker, typed twice.
 *
 * KafdoBindings is what the public entry points (createProducer, createConsumer,
 * createAdmin, readPartition, the integrations' factories, kafdo/worker's handlers)
 * take from a user's Worker: its namespaces untyped, so that the README's
 *
 *   interface Env { TOPIC_PARTITION: DurableObjectNamespace; ... }
 *
 * satisfies it, as does an Env that `wrangler types` generates. Env is what Kafdo's
 * own code uses: each Kafka namespace typed by the RPC interface of its Durable
 * Object (interfaces.ts), so RPC calls on a stub are type-checked. typedEnv() turns
 * the one into the other.
 *
 * This sits with the Durable Objects, low, because every layer from them up reaches
 * a binding; it names no class. worker/env.ts, at the top, checks the classes
 * against the interfaces and declares the global Cloudflare.Env.
 */
import type {
  ClusterMetadataRpc,
  ConsumerGroupRpc,
  SubscriptionHubRpc,
  TopicPartitionRpc,
  TransactionCoordinatorRpc,
} from "./interfaces";

/*
 * Any Durable Object namespace, typed by its class's RPC interface or not. workers-types'
 * DurableObjectNamespace<T> is invariant in T (T passes through a conditional type in
 * its stubs), so `any` is the one T that both the README's untyped
 * DurableObjectNamespace and Env's DurableObjectNamespace<TopicPartitionRpc> fit.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- invariant generic: see above
export type AnyDurableObjectNamespace = DurableObjectNamespace<any>;

/* What the public entry points take: the bindings as a user's Worker declares them. */
export interface KafdoBindings {
  TOPIC_PARTITION: AnyDurableObjectNamespace;
  CONSUMER_GROUP: AnyDurableObjectNamespace;
  CLUSTER_METADATA: AnyDurableObjectNamespace;
  /* Anything but "false" (unset included) lets a produce to an unknown topic create
   * it, as Kafka's auto.create.topics.enable does. Optional, as every binding past
   * the three Durable Objects: a user's Worker with the README's Env must type-check. */
  KAFDO_AUTO_CREATE_TOPICS?: string;
  /* Kafka's transactions: one TransactionCoordinatorDO per transactional id. Without
   * it, a transactional producer is answered COORDINATOR_NOT_AVAILABLE. */
  TRANSACTION_COORDINATOR?: AnyDurableObjectNamespace;
  /* Partitions a topic may have at most (256 when unset). */
  KAFDO_MAX_PARTITIONS?: string;
  /* Partitions of an auto-created topic (1 when unset, as Kafka's num.partitions). */
  KAFDO_DEFAULT_PARTITIONS?: string;
  /* A secret: when set, `Authorization: Bearer <it>` is wanted on every REST
   * endpoint but the public ones (/health, signed webhooks: http/routes.ts) and on
   * /kafka's upgrade (http/auth.ts). */
  KAFDO_TOKEN?: string;
  /* A secret: named bearer tokens as JSON {"User:ci": "<sha256 hex of the token>"}; a
   * caller with one is that principal, checked against the ACLs when SASL is required
   * (http/principals.ts). */
  KAFDO_TOKENS?: string;
  /* "required": a Kafka connection must authenticate with SASL (PLAIN, SCRAM-SHA-256,
   * SCRAM-SHA-512) before any request but ApiVersions; "off" (unset) makes SASL optional
   * (kafka/sasl.ts). */
  KAFDO_KAFKA_SASL?: string;
  /* With SASL required, ACLs are enforced (api/acls.ts) and these principals may do
   * anything: Kafka's super.users form, "User:admin;User:ops". */
  KAFDO_SUPER_USERS?: string;
  /* How often a partition looks for what retention and compaction may remove, in ms
   * (300000 when unset, as Kafka's log.retention.check.interval.ms). */
  KAFDO_RETENTION_CHECK_INTERVAL_MS?: string;
  /* How long an empty Kafka-protocol group's first rebalance waits for more members,
   * in ms (3000 when unset, as Kafka's group.initial.rebalance.delay.ms). */
  KAFDO_GROUP_INITIAL_REBALANCE_DELAY_MS?: string;
  /* "off" stops counting requests, traffic and SQLite rows for /metrics (common/metrics.ts). */
  KAFDO_METRICS?: string;
  /* WebSocket subscribers' hubs, one per topic (http/SubscriptionHubDO.ts): with it, a
   * WebSocket subscription hibernates while idle; without, the Worker holds it. */
  SUBSCRIPTION_HUB?: AnyDurableObjectNamespace;
  /* Webhook subscriptions' delivery objects (integrations/webhook-subscriptions.ts,
   * which types the namespace by its own interface). */
  WEBHOOK_DELIVERY?: AnyDurableObjectNamespace;
  /* Webhook ingestion settings by topic, as JSON (integrations/webhooks.ts). */
  KAFDO_WEBHOOKS?: string;
  /* The Queue that R2 event notifications arrive on; the Worker's queue() handler
   * bridges them into topics (integrations/r2.ts). */
  R2_EVENTS?: Queue;
  /* The cold tier's bucket (wrangler.toml binds kafdo-cold): topics with
   * remote.storage.enable=true keep their old batches there (durable-objects/cold-tier.ts). */
  KAFDO_COLD?: R2Bucket;
}

/* What Kafdo's own code uses: the same bindings, each Kafka namespace typed by the
 * interface its class implements. */
export interface Env extends KafdoBindings {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionRpc>;
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupRpc>;
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataRpc>;
  TRANSACTION_COORDINATOR?: DurableObjectNamespace<TransactionCoordinatorRpc>;
  SUBSCRIPTION_HUB?: DurableObjectNamespace<SubscriptionHubRpc>;
}

/*
 * A user's bindings as the typed Env, where a public entry point hands them on to
 * Kafdo's own code. The cast is sound because it only names the interface behind
 * each namespace, and the binding's name is what picks the class: wrangler.toml binds
 * TOPIC_PARTITION to TopicPartitionDO, CONSUMER_GROUP to ConsumerGroupDO and
 * CLUSTER_METADATA to ClusterMetadataDO, as the README's Configuration has a user's
 * Worker do too. The type parameter exists only at compile time; at run time it is
 * the same namespace.
 */
export function typedEnv(env: KafdoBindings): Env {
  return env as Env;
}
