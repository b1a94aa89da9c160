/*
 * index.ts — the Worker's entry: the HTTP front and the Durable Object classes
 * wrangler.toml binds.
 *
 * For now the front answers the health check; the REST API, the WebSocket endpoint
 * of the Kafka gateway and the service-binding entrypoint grow here.
 */
import type { Env } from "./env";

export { ClusterMetadataDO } from "./durable-objects/ClusterMetadataDO";
export { ConsumerGroupDO } from "./durable-objects/ConsumerGroupDO";
export { TopicPartitionDO } from "./durable-objects/TopicPartitionDO";

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/health") {
      return Response.json({ status: "ok" });
    }
    return Response.json(
      { error: { code: "NOT_FOUND", message: `no route for ${request.method} ${pathname}` } },
      { status: 404 },
    );
  },
} satisfies ExportedHandler<Env>;
