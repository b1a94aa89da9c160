/*
 * kafka-rules.ts — Kafka's per-request rules (src-c/kafka_rules.c): the Kafka front
 * asks these of the core rather than deciding them itself.
 */
import { int16, int32 } from "./bytes";
import { invoke } from "./core";

/* 0 when a Produce's acks is 0, 1 or -1, else INVALID_REQUIRED_ACKS (the code, not thrown). */
export function produceAcksError(acks: number): number {
  const a = int16(acks, "acks");
  return invoke({ run: (k) => k.kd_produce_acks_check(a), accepts: () => true });
}

/* A Fetch's byte budget from its max_bytes (0..MAX_READ_BYTES). */
export function fetchBudget(maxBytes: number): number {
  const m = int32(maxBytes, "max bytes");
  return invoke({ run: (k) => k.kd_fetch_budget(m), accepts: () => true });
}

/* Whether a Metadata request asks for every topic (`topics` null, or empty at v0). */
export function metadataListsAll(apiVersion: number, topics: unknown[] | null): boolean {
  const count = topics === null ? -1 : topics.length;
  return invoke({ run: (k) => k.kd_metadata_lists_all(apiVersion, count), accepts: () => true }) === 1;
}

/* A JoinGroup's rebalance timeout (v0 has none: the session timeout). */
export function joinRebalanceTimeout(apiVersion: number, sessionTimeoutMs: number, rebalanceTimeoutMs: number): number {
  const session = int32(sessionTimeoutMs, "session timeout");
  const rebalance = int32(rebalanceTimeoutMs, "rebalance timeout");
  return invoke({ run: (k) => k.kd_join_rebalance_timeout(apiVersion, session, rebalance), accepts: () => true });
}

/* Whether a JoinGroup version speaks KIP-394 (MEMBER_ID_REQUIRED on a first join). */
export function joinMemberIdRequired(apiVersion: number): boolean {
  return invoke({ run: (k) => k.kd_join_member_id_required(apiVersion), accepts: () => true }) === 1;
}

/* A CreateTopics entry without a manual assignment: the partition count to create
 * (defaultPartitions for -1), or INVALID_REPLICATION_FACTOR thrown. */
export function topicRequestPartitions(
  numPartitions: number,
  replicationFactor: number,
  defaultPartitions: number,
): number {
  const n = int32(numPartitions, "partition count");
  const rf = int16(replicationFactor, "replication factor");
  const d = int32(defaultPartitions, "default partitions");
  return invoke({ run: (k) => k.kd_topic_request_partitions(n, rf, d), read: (out) => out.i32() });
}
