/*
 * worker-api.ts — the parts of Kafdo's in-Worker API the integrations use (the
 * producer, the admin, the group id check), imported when first used rather than
 * when `kafdo/integrations` is loaded.
 *
 * Those modules import the wasm core (wasm/kafdo.ts imports "./kafdo.wasm"), which
 * only a Worker can load. Node cannot: Node 20 refuses it ("Unknown file extension
 * .wasm"), Node 22 takes it for a WebAssembly ES module and fails on the imports the
 * Worker supplies ("Cannot find package 'env'").
 * Imported on demand, `kafdo/integrations` loads anywhere, so a consumer running
 * outside a Worker (with kafdo/client, say) uses the helpers: processCDCMessage,
 * the type guards, processR2Event, R2EventBridge.parseQueueMessage,
 * verifyWebhookSignature. The pipelines need a Worker's bindings anyway and work
 * there as before: wrangler's bundler includes a dynamically imported module like
 * any other. Every integration module reaches the Worker API through this file
 * only, and imports nothing else that loads the core.
 */
import type { KafdoBindings } from "../durable-objects/bindings";
import type { Admin, Producer, ProducerConfig } from "../common/api";

/*
 * A producer that is created at its first call. It behaves as createProducer's:
 * every call, flush and close included, goes to the one producer, in call order.
 */
export function lazyProducer(env: KafdoBindings, config?: ProducerConfig): Producer {
  let producer: Promise<Producer> | undefined;
  const created = () => (producer ??= import("../api/producer").then((m) => m.createProducer(env, config)));
  return {
    send: async (message) => (await created()).send(message),
    sendBatch: async (messages) => (await created()).sendBatch(messages),
    flush: async () => (await created()).flush(),
    close: async () => (await created()).close(),
  };
}

export async function createAdmin(env: KafdoBindings): Promise<Admin> {
  return (await import("../api/admin")).createAdmin(env);
}

/* The group id, or INVALID_GROUP_ID (the core's rule: api/groups.ts). */
export async function checkGroupId(groupId: unknown): Promise<string> {
  return (await import("../api/groups")).checkGroupId(groupId);
}
