/*
 * groups.ts — consumer groups over Kafdo's own protocol, where the group computes the
 * assignment: joining, committing, describing and listing groups.
 *
 * Part of worker/common: imports nothing outside it.
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export type AssignmentStrategy = "range" | "roundrobin" | "sticky";

/* Joining a group over Kafdo's own protocol, where the group computes assignments. */
export interface JoinRequest {
  /* Absent or "" for a new member: the group gives it an id. */
  memberId?: string;
  clientId: string;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /* "range" when absent, as Kafka's default assignor. */
  strategy?: AssignmentStrategy;
}

export interface JoinResult {
  memberId: string;
  generationId: number;
  leader: string;
  protocol: AssignmentStrategy | string;
  assignment: TopicPartition[];
}

export interface OffsetCommit extends TopicPartition {
  /* The offset of the next record to consume, as Kafka commits it. */
  offset: number;
  metadata?: string;
}

export interface CommittedOffset extends TopicPartition {
  /* -1 when nothing is committed. */
  offset: number;
  metadata: string;
  commitTimestamp: number;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  /* "http": Kafdo's protocol (REST, in-Worker); "kafka": Kafka's classic protocol. */
  kind: "http" | "kafka";
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  lastHeartbeat: number;
  subscription: string[];
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocol: string;
  leader: string;
  members: GroupMember[];
  offsets: CommittedOffset[];
}

/* describeGroup's answer in the admin API and REST: offsets with their lag. */
export interface GroupOffsetLag extends CommittedOffset {
  /* The partition's high watermark. */
  latest: number;
  /* latest - committed offset (latest when nothing is committed). */
  lag: number;
}

export interface GroupInfo {
  groupId: string;
  state: GroupState;
  members: GroupMember[];
  generationId: number;
  protocol: string;
  leader: string;
  offsets: GroupOffsetLag[];
}

export interface GroupListing {
  groupId: string;
  state: GroupState;
}

/* Where a reset moves a group's offsets, as kafka-consumer-groups --reset-offsets:
 * --to-earliest, --to-latest, --to-datetime (ms since the epoch), --to-offset,
 * --shift-by (from the committed offset). Every offset is clamped to the log. */
export type OffsetResetTarget =
  "earliest" | "latest" | { timestamp: number } | { offset: number } | { shiftBy: number };

export interface ResetOffsetsRequest {
  topic: string;
  /* Every partition of the topic when absent. */
  partitions?: number[];
  to: OffsetResetTarget;
  /* Answers the offsets a reset would commit, committing nothing. */
  dryRun?: boolean;
}

export interface ResetOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface ResetOffsetsResult {
  groupId: string;
  dryRun: boolean;
  offsets: ResetOffset[];
}
