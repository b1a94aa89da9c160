/*
 * types.ts — the shapes of Kafka data as every layer of the Worker sees them.
 *
 * These are what the wasm binding returns, what a TopicPartitionDO answers over RPC
 * (plain objects and Uint8Arrays, so they cross structured clone unchanged), and what
 * the HTTP front and api/ build on. Fields are named as Kafka users know them.
 *
 * Numbers, not bigints: offsets, timestamps (ms since the epoch) and producer ids are
 * int64 in Kafka but JavaScript numbers here. Every value Kafdo itself produces stays
 * far below 2^53 (an offset would need 9e15 records); an int64 read from a foreign
 * batch that does not fit is rounded by Number(), and a number written that is not a
 * safe integer is refused with KD_ERR_INVALID_ARG.
 *
 * This module imports nothing.
 */

/* A record header. Kafka header keys are strings; values are bytes or null. */
export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/* A record to encode into a batch. The offset is the batch's to assign. */
export interface ProducerRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestamp: number;
  headers?: RecordHeader[];
}

/* A record decoded from a batch, at its absolute offset. */
export interface ConsumerRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

/* The RecordBatch v2 header fields that kd_batch_encode takes beyond the records.
 * Omitted fields take what a Kafka producer sends for a non-idempotent,
 * non-transactional, uncompressed batch; timestamps omitted are derived from the
 * records. */
export interface BatchParams {
  baseOffset?: number;
  firstTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  partitionLeaderEpoch?: number;
  baseSequence?: number;
  producerEpoch?: number;
  attributes?: number;
}

/* One batch's header, as kd_batch_inspect reports it. */
export interface BatchSummary {
  baseOffset: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  recordCount: number;
  sizeBytes: number;
  attributes: number;
}

/* The outcome of one produce set in an append: errorCode 0 and the offsets the set's
 * records were given, or a Kafka error code and offsets of -1 (nothing of it stored). */
export interface AppendResult {
  errorCode: number;
  recordCount: number;
  baseOffset: number;
  lastOffset: number;
  /* The broker's time stamped on the batch (message.timestamp.type=LogAppendTime), else -1. */
  logAppendTime: number;
  /* The partition's log start offset after the append (-1 on error). */
  logStartOffset: number;
}

export interface LogOffsets {
  logStartOffset: number;
  highWatermark: number;
}

/* Stored RecordBatch bytes from an offset, exactly as a Kafka Fetch returns them. */
export interface FetchResult extends LogOffsets {
  batches: Uint8Array;
}

/* Records decoded from stored batches, from an offset. */
export interface ReadResult extends LogOffsets {
  records: ConsumerRecord[];
}

/* ---- topics ---------------------------------------------------------------- */

/* A topic as the cluster's metadata holds it. `topicId` is Kafka's form of a topic
 * id (16 random bytes, URL-safe base64 without padding); partition logs are
 * addressed by it, so a topic deleted and created again starts empty. `config`
 * holds every known config, set or default. */
export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: number;
  createdAt: number;
  /* Every config Kafdo knows, with its default when the topic does not set it. */
  config: Record<string, string>;
  /* The configs the topic sets (Kafka's DYNAMIC_TOPIC_CONFIG); the rest are defaults. */
  overrides: string[];
}

/* ---- the public API (`kafdo`): in-Worker producer and admin ----------------- */

/* Keys and header values: a string is stored as its UTF-8 bytes, a Uint8Array as
 * it is. Values: a Uint8Array is stored as it is; anything else as its UTF-8 JSON
 * text (JSON.stringify), so a string value "hi" is stored as "\"hi\"". */
export type KeyInput = string | Uint8Array | null;
export type HeaderValue = string | Uint8Array | null;

export interface ProducerConfig {
  clientId?: string;
  /* Records buffered per partition before a send goes out without waiting for lingerMs. */
  batchSize?: number;
  /* How long send() waits for more records to batch with (0: send at once). */
  lingerMs?: number;
  /* 0: do not wait for the partition to store the batch (offset -1); 1 and 'all':
   * wait until it is committed to the partition's SQLite (Kafdo keeps one copy, in
   * Durable Object storage, so the two are the same). */
  acks?: 0 | 1 | "all";
  /* Retries of a retriable failure (the topic's metadata moved, the partition
   * object was briefly unavailable), with backoff. */
  retries?: number;
  /* Kafka's compression.type: batches are compressed by the core with this codec
   * (the same libraries Kafka's clients use) when that makes them smaller, which is
   * what is stored and read back by every client. "none" (the default) stores them
   * uncompressed. */
  compression?: Compression;
}

/* Kafka's codecs, as compression.type names them. */
export type Compression = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const COMPRESSIONS: readonly Compression[] = ["none", "gzip", "snappy", "lz4", "zstd"];

export interface ProducerMessage {
  topic: string;
  key?: KeyInput;
  value: unknown;
  headers?: Record<string, HeaderValue>;
  /* Explicit partition; otherwise by key (murmur2, as Kafka's Java client), or
   * sticky per send for keyless records. */
  partition?: number;
  /* ms since the epoch; now when absent. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

export interface Producer {
  send(record: ProducerMessage): Promise<RecordMetadata>;
  sendBatch(records: ProducerMessage[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AdminConfig {
  clientId?: string;
  requestTimeoutMs?: number;
}

export interface CreateTopicConfig {
  topic: string;
  /* 1 when absent, as Kafka's num.partitions. */
  partitions?: number;
  config?: Record<string, string>;
}

/* A topic's config changes: a value sets the config, null returns it to its default. */
export type ConfigChanges = Record<string, string | number | null>;

export interface AlterConfigsOptions {
  /* The configs given become the topic's whole set, the rest return to their
   * defaults (Kafka's AlterConfigs). Without it, only the configs given change
   * (Kafka's IncrementalAlterConfigs). */
  replace?: boolean;
  /* Checks the changes and keeps nothing (Kafka's validate_only). */
  validateOnly?: boolean;
}

export interface PartitionInfo {
  partition: number;
  /* The broker that leads it; Kafdo is one broker, node 0. */
  leader: number;
}

export interface TopicDescription {
  topic: string;
  topicId: string;
  partitions: PartitionInfo[];
  config: Record<string, string>;
  createdAt: number;
}

export interface PartitionOffsets {
  /* The log start offset. */
  earliest: number;
  /* The high watermark: the offset the next record will get. */
  latest: number;
}

/* DeleteRecords (Kafka's): a partition's records below `offset` go; -1 is the high
 * watermark, so every record there is now. */
export interface RecordsToDelete {
  partition: number;
  offset: number;
}

export interface DeletedRecords {
  partition: number;
  /* The partition's new log start offset (Kafka's low watermark). */
  lowWatermark: number;
}

export interface Admin {
  createTopic(config: CreateTopicConfig): Promise<TopicDescription>;
  deleteTopic(topic: string): Promise<void>;
  listTopics(): Promise<string[]>;
  describeTopic(topic: string): Promise<TopicDescription>;
  createPartitions(topic: string, count: number): Promise<TopicDescription>;
  alterConfigs(topic: string, configs: ConfigChanges, options?: AlterConfigsOptions): Promise<TopicDescription>;
  listOffsets(topic: string): Promise<Map<number, PartitionOffsets>>;
  deleteRecords(topic: string, partitions: RecordsToDelete[]): Promise<DeletedRecords[]>;
  listGroups(): Promise<GroupListing[]>;
  describeGroup(groupId: string): Promise<GroupInfo>;
  deleteGroup(groupId: string): Promise<void>;
  close(): Promise<void>;
}

/* A consumed record as the in-Worker API and REST show it before JSON shaping. */
export interface ReadOptions {
  offset: number;
  /* At most this many records (1..10000; 100 when absent). */
  limit?: number;
  /* At most about this many bytes of stored batches (but always at least one
   * batch); 1 MiB when absent. */
  maxBytes?: number;
}

export interface PartitionRead extends LogOffsets {
  topic: string;
  partition: number;
  records: ConsumerRecord[];
}

/* ---- consumer groups --------------------------------------------------------- */

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

/* ---- SASL users (the Kafka port's PLAIN / SCRAM logins) ------------------------ */

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

/* A user as GET /admin/users lists it: the mechanisms it has a credential for; never a
 * password or key. */
export interface SaslUser {
  name: string;
  credentials: { mechanism: ScramMechanismName; iterations: number }[];
}

/* An ACL binding as /admin/acls writes it (Kafka's names). DENY wins over ALLOW. */
export interface AclEntry {
  resourceType: "TOPIC" | "GROUP" | "CLUSTER" | "TRANSACTIONAL_ID";
  resourceName: string;
  /* LITERAL (the default; "*" is every name) or PREFIXED. */
  patternType?: "LITERAL" | "PREFIXED";
  principal: string;
  host?: string;
  operation: string;
  permission?: "ALLOW" | "DENY";
}

/* A filter: what is omitted matches any (patternType MATCH by name, as kafka-acls). */
export type AclEntryFilter = Partial<Omit<AclEntry, "patternType">> & { patternType?: "ANY" | "MATCH" | "LITERAL" | "PREFIXED" };

/* PUT /admin/users/:name: PLAIN logins check a password against the SCRAM credential. */
export interface SaslUserCredential {
  mechanism: ScramMechanismName;
  password: string;
  /* PBKDF2 iterations, 4096 (the default) to 16384. */
  iterations?: number;
}

/* ---- Kafka-dialect groups ------------------------------------------------------
 * What ConsumerGroupDO's kafka* methods take and give: Kafka's classic group
 * protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
 * DescribeGroups) on the same group core as Kafdo's own protocol. Error codes are
 * Kafka's (0 for none), returned as values because the wire answers carry them;
 * only failures with no Kafka code (storage, a broken core) are thrown. */

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
