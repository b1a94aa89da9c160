/*
 * index.ts — the Worker's entry: the HTTP front and the Durable Object classes
 * wrangler.toml binds.
 *
 * The front is the REST API (http/); the WebSocket endpoint of the Kafka gateway
 * and the service-binding entrypoint grow here.
 */
import type { Env } from "./env";
import { handle } from "./http";

export { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
export { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
export { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    return handle(request, env);
  },
} satisfies ExportedHandler<Env>;
