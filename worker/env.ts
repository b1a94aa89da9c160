/*
 * env.ts — the top of the Worker's types: the bindings checked against the
 * Durable Object classes wrangler.toml binds them to, and the global Cloudflare.Env.
 *
 * The bindings themselves (KafdoBindings, what a user's Worker passes; Env, what
 * Kafdo's own code uses; typedEnv) are declared low, in durable-objects/bindings.ts,
 * with each namespace typed by an RPC interface (durable-objects/interfaces.ts,
 * integrations/webhook-subscriptions.ts) rather than by its class: code below the
 * top reaches every Durable Object without importing one. This file, which may
 * import anything, checks that each class can stand behind its binding, and is
 * re-exported for the code and tests that import the bindings from here.
 *
 * The global Cloudflare.Env and GlobalProps are declared too (what `wrangler types`
 * would generate), so `env` and `exports` from "cloudflare:workers" carry these
 * types in the Worker and in the tests.
 */
import type { Env as LowEnv } from "./durable-objects/bindings";
import type {
  ClusterMetadataRpc,
  ConsumerGroupRpc,
  SubscriptionHubRpc,
  TopicPartitionRpc,
  TransactionCoordinatorRpc,
} from "./durable-objects/interfaces";
import type { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
import type { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
import type { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";
import type { TransactionCoordinatorDO } from "./durable-objects/TransactionCoordinatorDO";
import type { SubscriptionHubDO } from "./http/SubscriptionHubDO";
import type { WebhookDeliveryDO } from "./integrations/WebhookDeliveryDO";
import type { WebhookDeliveryRpc } from "./integrations/webhook-subscriptions";

export { typedEnv, type Env, type KafdoBindings } from "./durable-objects/bindings";

/* Kafdo's own bindings, the webhook delivery objects' typed too (as only the
 * Worker that binds them knows they are there). */
interface WorkerEnv extends LowEnv {
  WEBHOOK_DELIVERY?: DurableObjectNamespace<WebhookDeliveryRpc>;
}

/*
 * Compile-time only: a stub of each class must be usable where the code below
 * expects a stub of its interface (every method there, each answering what the
 * interface says once RPC has mapped it). Each class also `implements` its
 * interface, which checks the methods as the class declares them.
 */
type Fits<Class extends Rpc.DurableObjectBranded, Interface extends Rpc.DurableObjectBranded> =
  DurableObjectStub<Class> extends DurableObjectStub<Interface> ? true : never;
const classesFitTheirInterfaces: [
  Fits<TopicPartitionDO, TopicPartitionRpc>,
  Fits<ConsumerGroupDO, ConsumerGroupRpc>,
  Fits<ClusterMetadataDO, ClusterMetadataRpc>,
  Fits<WebhookDeliveryDO, WebhookDeliveryRpc>,
  Fits<TransactionCoordinatorDO, TransactionCoordinatorRpc>,
  Fits<SubscriptionHubDO, SubscriptionHubRpc>,
] = [true, true, true, true, true, true];
void classesFitTheirInterfaces;

declare global {
  namespace Cloudflare {
    interface Env extends KafdoEnv {}
    interface GlobalProps {
      mainModule: typeof import("./index");
      durableNamespaces:
        | "TopicPartitionDO"
        | "ConsumerGroupDO"
        | "ClusterMetadataDO"
        | "WebhookDeliveryDO"
        | "TransactionCoordinatorDO"
        | "SubscriptionHubDO";
    }
  }
}

type KafdoEnv = WorkerEnv;
