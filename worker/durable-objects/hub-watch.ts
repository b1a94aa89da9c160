/*
 * hub-watch.ts — a partition's side of the hibernatable WebSocket subscriptions: whether
 * its topic's subscription hub (http/SubscriptionHubDO.ts) watches it, and the call that
 * tells the hub after a commit that stored records (or moved the last stable offset, or
 * retired the log), so the hub reads and sends them.
 *
 * The flag is durable (this object's synchronous KV, one key), so a hub whose sockets
 * outlive both objects' eviction is still told. The call is fire and forget: nothing
 * awaits it, and its failure is logged, so it never slows or fails an append. It leaves
 * after the output gate (an outgoing call waits for the commit to be durable), and the
 * hub's read of the records passes this object's output gate as any read does.
 */
import { hubStub } from "./addressing";
import type { Env } from "./bindings";

const KEY = "subscription-hub";

interface Watched {
  topicId: string;
  partition: number;
}

export class HubWatch {
  private watched: Watched | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {
    this.watched = storage.kv.get<Watched>(KEY);
  }

  set(topicId: string, partition: number, watched: boolean): void {
    if (watched) {
      this.watched = { topicId, partition };
      this.storage.kv.put(KEY, this.watched);
    } else if (this.watched) {
      this.watched = undefined;
      this.storage.kv.delete(KEY);
    }
  }

  /* Tells the hub, if one watches (and the Worker binds hubs). */
  notify(): void {
    if (!this.watched) return;
    const { topicId, partition } = this.watched;
    hubStub(this.env, topicId)
      ?.appended(partition)
      .catch((e: unknown) => console.error("kafdo: a subscription hub was not told of an append:", e));
  }
}
