/*
 * index.ts — the Worker's entry: the HTTP front, the Durable Object classes
 * wrangler.toml binds, and KafdoService, the entrypoint other Workers bind to
 * (entrypoint.ts).
 *
 * The front is the REST API (http/), and /kafka, the WebSocket endpoint that
 * `kafdo gateway` carries Kafka connections to (kafka/). An upgrade's answer
 * cannot be rebuilt the way http/ adds its CORS headers, so /kafka is routed here;
 * its HTTP side (the bearer token, http/auth.ts, and errors in the REST API's
 * shape) is done here too, so the two fronts share it without importing each other.
 *
 * The handlers take KafdoBindings (durable-objects/bindings.ts), not the typed Env: a user's
 * Worker built from the package forwards its own env, typed as the README's Env.
 */
import { reportDoorStats } from "./api/metrics";
import { typedEnv, type Env, type KafdoBindings } from "./durable-objects/bindings";
import { handle } from "./http";
import { authenticate } from "./http/auth";
import { HttpError, errorResponse } from "./http/errors";
import { handleR2Queue } from "./integrations/r2";
import { KAFKA_PATH, acceptKafka, isKafkaUpgrade } from "./kafka";

export { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
export { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
export { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";
export { TransactionCoordinatorDO } from "./durable-objects/TransactionCoordinatorDO";
export { WebhookDeliveryDO } from "./integrations/WebhookDeliveryDO";
export { SubscriptionHubDO } from "./http/SubscriptionHubDO";
export { KafdoService } from "./entrypoint";

export default {
  fetch(request: Request, env: KafdoBindings, ctx?: ExecutionContext): Promise<Response> {
    /* This isolate's request counts reach the cluster object now and then (/metrics). */
    const report = reportDoorStats(typedEnv(env));
    if (report) ctx?.waitUntil(report);
    const url = new URL(request.url);
    if (url.pathname === KAFKA_PATH) return kafkaUpgrade(request, typedEnv(env), url);
    return handle(request, typedEnv(env));
  },
  /* R2 event notifications, from the Queue wrangler.toml binds, into topics. */
  queue(batch: MessageBatch, env: KafdoBindings): Promise<void> {
    return handleR2Queue(batch, env);
  },
} satisfies ExportedHandler<KafdoBindings>;

/* GET /kafka: the bearer token as for the REST API, then the upgrade (kafka/). */
async function kafkaUpgrade(request: Request, env: Env, url: URL): Promise<Response> {
  try {
    await authenticate(request, env);
    if (!isKafkaUpgrade(request)) {
      throw new HttpError("UPGRADE_REQUIRED", `${KAFKA_PATH} is a WebSocket endpoint for \`kafdo gateway\``);
    }
    return acceptKafka(env, url);
  } catch (e) {
    return errorResponse(e);
  }
}
