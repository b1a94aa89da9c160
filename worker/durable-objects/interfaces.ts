/*
 * interfaces.ts — what each Kafka Durable Object answers over RPC: the methods a
 * stub of it has, as the code below the classes sees them.
 *
 * The bindings (bindings.ts) type each namespace by one of these interfaces rather
 * than by its class, so that nothing that reaches a Durable Object imports the
 * class: the classes call one another (ClusterMetadataDO reaches the partitions and
 * the groups; ConsumerGroupDO reaches the cluster), and typing the stubs by the
 * classes tied every file that touches `env` into one import cycle.
 *
 * Each class `implements` its interface, so a method changed in the class and not
 * here fails to compile; worker/env.ts checks once more, at the top, that each
 * class's namespace can stand where its interface's is expected.
 */
import type {
  AclBinding,
  AclFilter,
  ConfigChange,
  PartitionProducer,
  ResetPartition,
  ResetSpec,
} from "../../wasm/kafdo";
import type {
  AppendResult,
  FetchResult,
  IsolationLevel,
  LogOffsets,
  ReadResult,
  StableOffsets,
} from "../common/records";
import type { PartitionQuery, PartitionQueryResult, RecordRow } from "../common/query";
import type { Encoding, RestReadResult } from "../common/rest-read";
import type {
  CommittedOffset,
  GroupDescription,
  JoinRequest,
  JoinResult,
  OffsetCommit,
  ResetOffset,
  TopicPartition,
} from "../common/groups";
import type {
  KafkaCommitRequest,
  KafkaFetchedOffset,
  KafkaGroupDescription,
  KafkaJoinRequest,
  KafkaJoinResult,
  KafkaLeaveResult,
  KafkaLeaver,
  KafkaSyncRequest,
  KafkaSyncResult,
  KafkaTxnCommitRequest,
  TxnOffsetsCompletion,
} from "../common/kafka-groups";
import type { CredentialInfo, StoredCredential } from "../common/security";
import type { TopicInfo } from "../common/topics";
import type { ClusterMetrics, GroupMetrics, IsolateReport, PartitionMetrics } from "../common/metrics";
import type {
  TransactionDescription,
  TransactionPartition,
  TransactionalProducer,
  TxnProducer,
} from "../common/transactions";

/* One partition's log (TopicPartitionDO). */
export interface TopicPartitionRpc extends Rpc.DurableObjectBranded {
  append(sets: Uint8Array[], maxBatchBytes?: number, topicConfig?: string): Promise<AppendResult[]>;
  configure(topicConfig: string): void;
  deleteRecords(offset: number): { lowWatermark: number };
  latest(key: Uint8Array, topicConfig?: string): ReadResult;
  /* Fetches default to read_uncommitted (Kafka's Fetch), reads to read_committed. */
  fetchBatches(
    offset: number,
    maxBytes: number,
    minOneBatch?: boolean,
    isolation?: IsolationLevel,
  ): FetchResult | Promise<FetchResult>;
  read(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation?: IsolationLevel,
  ): ReadResult | Promise<ReadResult>;
  /* read() as the REST API's JSON messages (common/rest-read.ts). */
  readRest(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    isolation: IsolationLevel,
    encoding: Encoding,
  ): RestReadResult | Promise<RestReadResult>;
  readWait(
    offset: number,
    maxRecords: number,
    maxBytes: number,
    waitMs: number,
    isolation?: IsolationLevel,
  ): ReadResult | Promise<ReadResult>;
  fetchBatchesWait(
    offset: number,
    maxBytes: number,
    minOneBatch: boolean,
    waitMs: number,
    isolation?: IsolationLevel,
  ): FetchResult | Promise<FetchResult>;
  offsets(): LogOffsets;
  /* The offsets with the last stable offset (REST's offsets endpoint). */
  stableOffsets(): StableOffsets;
  /* SQL over the topic (query-rows.ts). */
  query(q: PartitionQuery): Promise<PartitionQueryResult>;
  queryMerge(q: PartitionQuery, rows: RecordRow[]): PartitionQueryResult;
  describe(): { sizeBytes: number; producers: PartitionProducer[] };
  offsetForTimestamp(timestamp: number, isolation?: IsolationLevel): { offset: number; timestamp: number };
  /* Transactions (TXN.md): ends the producer's open transaction here with a COMMIT or
   * ABORT marker; errorCode 0 also when none is open (a retry). */
  writeTxnMarker(m: {
    producerId: number;
    producerEpoch: number;
    commit: boolean;
    coordinatorEpoch: number;
  }): Promise<{ errorCode: number }>;
  offsetsBefore(timestamp: number, maxNum: number): number[];
  retire(): void;
  /* A subscription hub (SubscriptionHubDO) starts or stops watching: told after each commit. */
  watch(topicId: string, partition: number, watched: boolean): void;
  /* What /metrics shows of the partition (reads only). */
  metrics(): PartitionMetrics;
}

/* A topic's hibernatable WebSocket subscribers (http/SubscriptionHubDO.ts). */
export interface SubscriptionHubRpc extends Rpc.DurableObjectBranded {
  /* The partition stored records (or moved its last stable offset, or was retired). */
  appended(partition: number): Promise<void>;
}

/* One consumer group's membership and offsets (ConsumerGroupDO). */
export interface ConsumerGroupRpc extends Rpc.DurableObjectBranded {
  join(groupId: string, req: JoinRequest): Promise<JoinResult>;
  heartbeat(groupId: string, memberId: string, generationId: number): void;
  leave(groupId: string, memberId: string): void;
  commit(groupId: string, memberId: string, generationId: number, offsets: OffsetCommit[]): Promise<void> | void;
  committed(groupId: string, partitions?: TopicPartition[]): CommittedOffset[];
  describe(groupId: string): GroupDescription;
  deleteOffsets(groupId: string, partitions: TopicPartition[]): number[];
  deleteGroup(groupId: string): Promise<void>;
  topicChanged(groupId: string, topic: string, deleted?: boolean): void;
  kafkaJoin(groupId: string, req: KafkaJoinRequest): Promise<KafkaJoinResult>;
  kafkaSync(groupId: string, req: KafkaSyncRequest): Promise<KafkaSyncResult>;
  kafkaHeartbeat(groupId: string, memberId: string, generationId: number): number;
  kafkaLeave(groupId: string, leavers: KafkaLeaver[]): KafkaLeaveResult;
  kafkaCommit(groupId: string, req: KafkaCommitRequest): Promise<number> | number;
  kafkaDescribe(groupId: string): KafkaGroupDescription;
  /* OffsetFetch: committed offsets with each partition's code (requireStable:
   * UNSTABLE_OFFSET_COMMIT while a transaction's offset is pending). */
  kafkaOffsets(groupId: string, requireStable: boolean, partitions?: TopicPartition[]): KafkaFetchedOffset[];
  /* TxnOffsetCommit: 0 or the one code for every partition; held pending. */
  txnOffsetCommit(groupId: string, req: KafkaTxnCommitRequest): Promise<number> | number;
  /* The transaction coordinator ending a producer's transaction (idempotent). */
  completeTxnOffsets(m: TxnOffsetsCompletion): Promise<{ errorCode: number }>;
  /* kafka-consumer-groups --reset-offsets (only while the group has no members). */
  resetOffsets(
    groupId: string,
    spec: ResetSpec,
    partitions: ResetPartition[],
    dryRun: boolean,
  ): ResetOffset[] | Promise<ResetOffset[]>;
  /* What /metrics shows of the group (reads only). */
  metrics(groupId: string): GroupMetrics;
}

/* The cluster's topics, groups, producer ids, SASL users' credentials and ACLs
 * (ClusterMetadataDO). */
export interface ClusterMetadataRpc extends Rpc.DurableObjectBranded {
  createTopic(name: string, partitions: number, config: Record<string, string>): TopicInfo;
  ensureTopic(name: string, partitions: number): TopicInfo;
  validateTopic(name: string, partitions: number, config: Record<string, string>): TopicInfo;
  validatePartitions(name: string, count: number): TopicInfo;
  describeTopic(name: string): TopicInfo;
  listTopics(): TopicInfo[];
  createPartitions(name: string, count: number): Promise<TopicInfo>;
  alterConfigs(name: string, changes: ConfigChange[], incremental: boolean): Promise<TopicInfo>;
  validateConfigs(name: string, changes: ConfigChange[], incremental: boolean): TopicInfo;
  registerGroup(groupId: string): void;
  unregisterGroup(groupId: string): void;
  listGroups(): string[];
  allocateProducerId(): number;
  allocateTransactionalProducerId(transactionalId: string): number;
  listTransactionalIds(): string[];
  deleteTopic(name: string): Promise<TopicInfo>;
  /* An isolate's door stats, between scrapes (/metrics). */
  reportDoors(isolate: IsolateReport): void;
  /* A scrape: the scraping isolate's stats and the groups' lag now, for the totals. */
  metrics(isolate: IsolateReport, lag: Record<string, number>): ClusterMetrics;
  createAcls(bindings: AclBinding[]): void;
  listAcls(): AclBinding[];
  deleteAcls(filters: AclFilter[]): AclBinding[][];
  putScramCredential(credential: StoredCredential): void;
  scramCredentials(user: string): StoredCredential[];
  listScramCredentials(): CredentialInfo[];
  deleteScramCredential(user: string, mechanism?: number): number;
}

/* One transactional id's transaction coordinator (TransactionCoordinatorDO). */
export interface TransactionCoordinatorRpc extends Rpc.DurableObjectBranded {
  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    producerId?: number,
    producerEpoch?: number,
  ): TransactionalProducer | Promise<TransactionalProducer>;
  addPartitions(producer: TxnProducer, partitions: TransactionPartition[]): void;
  addOffsets(producer: TxnProducer, groupId: string): void;
  endTxn(producer: TxnProducer, commit: boolean): void | Promise<void>;
  describe(): TransactionDescription | null;
}
