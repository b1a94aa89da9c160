/*
 * addressing.ts — how the Worker names its Durable Objects.
 *
 * One ClusterMetadataDO for the whole cluster; one ConsumerGroupDO per group id;
 * one TransactionCoordinatorDO per transactional id; one TopicPartitionDO per (topic id, partition),
 * named by the topic's id and not its name, so that a topic deleted and created again gets new,
 * empty partition logs; one SubscriptionHubDO per topic id, for the same reason (its subscribers
 * end with the topic).
 *
 * Every stub is handed out wrapped by throwRefusals (rpc.ts): a method's refusal,
 * which crosses RPC as a value, is thrown on the caller's side as its KafdoError.
 */
import { KafdoError, KafkaCode } from "../common/errors";
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

/* One TransactionCoordinatorDO per transactional id. */
export function transactionStub(env: Env, transactionalId: string) {
  const ns = env.TRANSACTION_COORDINATOR;
  if (!ns) {
    throw new KafdoError(
      KafkaCode.COORDINATOR_NOT_AVAILABLE,
      "this Worker binds no TRANSACTION_COORDINATOR (wrangler.toml: class TransactionCoordinatorDO)",
    );
  }
  return throwRefusals(ns.get(ns.idFromName(transactionalId)));
}

/* The topic's hub of WebSocket subscribers; undefined when the Worker binds none. */
export function hubStub(env: Env, topicId: string) {
  const hubs = env.SUBSCRIPTION_HUB;
  return hubs ? throwRefusals(hubs.get(hubs.idFromName(topicId))) : undefined;
}
