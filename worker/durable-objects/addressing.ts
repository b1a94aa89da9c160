/*
 * addressing.ts — how the Worker names its Durable Objects.
 *
 * One ClusterMetadataDO for the whole cluster; one ConsumerGroupDO per group id;
 * one TopicPartitionDO per (topic id, partition), named by the topic's id and not
 * its name, so that a topic deleted and created again gets new, empty partition logs;
 * one SubscriptionHubDO per topic id, for the same reason (its subscribers end with the topic).
 *
 * Every stub is handed out wrapped by throwRefusals (rpc.ts): a method's refusal,
 * which crosses RPC as a value, is thrown on the caller's side as its KafdoError.
 */
import type { Env } from "./bindings";
import { throwRefusals } from "./rpc";

const CLUSTER = "cluster";

export function metadataStub(env: Env) {
  return throwRefusals(env.CLUSTER_METADATA.get(env.CLUSTER_METADATA.idFromName(CLUSTER)));
}

export function partitionStub(env: Env, topicId: string, partition: number) {
  return throwRefusals(env.TOPIC_PARTITION.get(env.TOPIC_PARTITION.idFromName(`${topicId}/${partition}`)));
}

/* One ConsumerGroupDO per group id. */
export function groupStub(env: Env, groupId: string) {
  return throwRefusals(env.CONSUMER_GROUP.get(env.CONSUMER_GROUP.idFromName(groupId)));
}

/* The topic's hub of WebSocket subscribers; undefined when the Worker binds none. */
export function hubStub(env: Env, topicId: string) {
  const hubs = env.SUBSCRIPTION_HUB;
  return hubs ? throwRefusals(hubs.get(hubs.idFromName(topicId))) : undefined;
}
