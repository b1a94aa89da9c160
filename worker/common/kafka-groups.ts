/*
 * kafka-groups.ts — what ConsumerGroupDO's kafka* methods take and give: Kafka's classic
 * group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
 * DescribeGroups) on the same group core as Kafdo's own protocol. Error codes are
 * Kafka's (0 for none), returned as values because the wire answers carry them; only
 * failures with no Kafka code (storage, a broken core) are thrown.
 *
 * Part of worker/common: imports nothing outside it.
 */
import type { CommittedOffset, GroupState, OffsetCommit, TopicPartition } from "./groups";

export interface KafkaGroupProtocol {
  /* The assignor's name, e.g. "range", "RoundRobinAssigner". */
  name: string;
  /* Its metadata, opaque to the group (ConsumerProtocolSubscription for "consumer"). */
  metadata: Uint8Array;
}

export interface KafkaJoinRequest {
  /* "" for a new member: the group gives it clientId-<uuid> (after a
   * MEMBER_ID_REQUIRED round trip when memberIdRequired). */
  memberId: string;
  /* KIP-345 static membership: a restarted member with the same instance id takes
   * its predecessor's place (and assignment); null or "" for a dynamic member. */
  groupInstanceId?: string | null;
  /* JoinGroup v4+ (KIP-394): a join without a member id is answered
   * MEMBER_ID_REQUIRED with the id to join again with. */
  memberIdRequired?: boolean;
  clientId: string;
  /* The client's address, shown by DescribeGroups. */
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /* e.g. "consumer"; every member of a group has the same. */
  protocolType: string;
  /* In the member's order of preference. */
  protocols: KafkaGroupProtocol[];
}

export interface KafkaJoinMember {
  memberId: string;
  groupInstanceId: string | null;
  /* The member's metadata for the selected protocol. */
  metadata: Uint8Array;
}

export interface KafkaJoinResult {
  errorCode: number;
  /* -1 on error. */
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  /* The member's id ("" when a new member's join failed). */
  memberId: string;
  /* Every member, for the leader only (empty for the others and on error). */
  members: KafkaJoinMember[];
}

export interface KafkaSyncRequest {
  memberId: string;
  generationId: number;
  groupInstanceId?: string | null;
  /* SyncGroup v5+: checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
  /* The leader's assignment (ConsumerProtocolAssignment for "consumer"); [] from followers. */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface KafkaSyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  /* The member's assignment; empty on error or when the leader gave it nothing. */
  assignment: Uint8Array;
}

export interface KafkaLeaveResult {
  /* The request's error (0 unless the whole leave failed). */
  errorCode: number;
  /* Per member, in the request's order: 0, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID. */
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

/* One member a LeaveGroup names: by member id, or (v3+) by static instance id. */
export interface KafkaLeaver {
  memberId: string;
  groupInstanceId?: string | null;
}

export interface KafkaCommitRequest {
  /* "" with generation -1: a commit outside group management (admin, simple consumer). */
  memberId: string;
  generationId: number;
  offsets: OffsetCommit[];
}

/* TxnOffsetCommit (API 28): offsets a transactional producer commits for the group,
 * held pending until its transaction ends (TxnOffsetsCompletion). */
export interface KafkaTxnCommitRequest {
  producerId: number;
  producerEpoch: number;
  /* TxnOffsetCommit v3+; before, and with "" / -1 / null, the member is not checked. */
  memberId: string;
  generationId: number;
  groupInstanceId?: string | null;
  offsets: OffsetCommit[];
}

/* The end of a producer's transaction, as its coordinator tells each group the
 * transaction added (AddOffsetsToTxn): commit makes its pending offsets committed,
 * abort drops them. */
export interface TxnOffsetsCompletion {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
}

/* One partition as OffsetFetch answers it: its committed offset, or (requireStable,
 * v7+) UNSTABLE_OFFSET_COMMIT with offset -1 while a transaction's offset of it is
 * pending. */
export interface KafkaFetchedOffset extends CommittedOffset {
  errorCode: number;
}

export interface KafkaGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  kind: "http" | "kafka";
  /* Raw, as DescribeGroups sends them: the metadata for the selected protocol and
   * the assignment; both empty unless the group is Stable (as Kafka's). HTTP members'
   * are made up as ConsumerProtocol v0 bytes of their subscription and assignment. */
  metadata: Uint8Array;
  assignment: Uint8Array;
  /* Decoded (the REST view's): topics subscribed and partitions assigned. */
  subscription: string[];
  assignedPartitions: TopicPartition[];
}

export interface KafkaGroupDescription {
  errorCode: number;
  groupId: string;
  state: GroupState;
  /* "" for a group with no protocol yet; "consumer" for Kafdo's HTTP members. */
  protocolType: string;
  /* The selected protocol while Stable (an HTTP group's strategy), else "" (Kafka's). */
  protocolName: string;
  members: KafkaGroupMember[];
}
