/*
 * subscriptions.ts — KafdoClient's push subscriptions over /webhook-subscriptions:
 * a consumer group whose records Kafdo pushes to a URL (POSTed one at a time) or to
 * a Worker behind one of Kafdo's service bindings (batches to an RPC method), at
 * least once, in order per partition, with retries and a dead-letter topic.
 * The same settings and answers as integrations/webhook-subscriptions.ts.
 */
import type { WebhookSubscriptionConfig, WebhookSubscriptionInfo } from "../common/subscriptions";
import { type Transport, segment } from "./transport";

export class KafdoHttpSubscriptions {
  constructor(private readonly transport: Transport) {}

  /* Creates the group's subscription, or replaces its settings (keeping its
   * committed offsets). */
  create(config: WebhookSubscriptionConfig): Promise<WebhookSubscriptionInfo> {
    return this.transport.call("POST", "/webhook-subscriptions", { body: config });
  }

  /* Its settings and how delivery goes; GROUP_ID_NOT_FOUND when there is none. */
  describe(groupId: string): Promise<WebhookSubscriptionInfo> {
    return this.transport.call("GET", `/webhook-subscriptions/${segment(groupId)}`);
  }

  async list(): Promise<WebhookSubscriptionInfo[]> {
    const answer = await this.transport.call<{ subscriptions: WebhookSubscriptionInfo[] }>(
      "GET",
      "/webhook-subscriptions",
    );
    return answer.subscriptions;
  }

  /* Stops delivery; the group's committed offsets stay. */
  async delete(groupId: string): Promise<void> {
    await this.transport.call("DELETE", `/webhook-subscriptions/${segment(groupId)}`);
  }
}
