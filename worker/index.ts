/*
 * index.ts — the Worker's entry: the HTTP front, the Durable Object classes
 * wrangler.toml binds, and KafdoService, the entrypoint other Workers bind to
 * (entrypoint.ts).
 *
 * The front is the REST API (http/); the WebSocket endpoint of the Kafka gateway
 * grows here. The handlers take KafdoBindings (env.ts), not the typed Env: a user's
 * Worker built from the package forwards its own env, typed as the README's Env.
 */
import { typedEnv, type KafdoBindings } from "./env";
import { handle } from "./http";
import { handleR2Queue } from "./integrations/r2";

export { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
export { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
export { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";
export { WebhookDeliveryDO } from "./durable-objects/WebhookDeliveryDO";
export { KafdoService } from "./entrypoint";

export default {
  fetch(request: Request, env: KafdoBindings): Promise<Response> {
    return handle(request, typedEnv(env));
  },
  /* R2 event notifications, from the Queue wrangler.toml binds, into topics. */
  queue(batch: MessageBatch, env: KafdoBindings): Promise<void> {
    return handleR2Queue(batch, env);
  },
} satisfies ExportedHandler<KafdoBindings>;
