/*
 * entrypoint.ts — KafdoService, the WorkerEntrypoint other Workers bind to.
 *
 * A Worker in the same account binds to it (wrangler.toml of the caller):
 *
 *   [[services]]
 *   binding = "KAFDO"
 *   service = "kafdo"
 *   entrypoint = "KafdoService"
 *
 * and calls its methods with RPC, no HTTP hop and no JSON: `await
 * env.KAFDO.produce({ topic: "orders", key: "k", value: { a: 1 } })`. Each method is
 * the in-Worker API's operation of the same name (api/), so it takes and answers
 * what createProducer, createAdmin and the group functions do: values as the
 * producer stores them (a Uint8Array as it is, anything else as its JSON text),
 * records read back as bytes (Uint8Array keys, values and header values), exactly
 * as stored.
 *
 * Errors are KafdoErrors. Crossing RPC they arrive as Errors whose message starts
 * with the Kafka error name ("UNKNOWN_TOPIC_OR_PARTITION: topic ..."); the caller's
 * KafdoError.from(e) (from `kafdo` or `kafdo/client`) gives the KafdoError back.
 *
 * fetch() is the REST API itself, for a caller that wants HTTP semantics through
 * the binding (and with it the bearer token, when KAFDO_TOKEN is set). The RPC
 * methods take no token: a service binding is granted by the deployment's own
 * configuration and is not reachable from the internet.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { createAdmin, createProducer, partitionOffsets, readPartition } from "./api";
import * as groups from "./api/groups";
import type { Env } from "./durable-objects/bindings";
import { handle } from "./http";
import { countRpcCalls } from "./api/rpc-metrics";
import { DEFAULT_CLIENT_ID, DEFAULT_REBALANCE_TIMEOUT_MS, DEFAULT_SESSION_TIMEOUT_MS } from "./http/handlers/groups";
import type {
  AlterConfigsOptions,
  ConfigChanges,
  CreateTopicConfig,
  DeletedRecords,
  PartitionOffsets,
  RecordsToDelete,
  TopicDescription,
} from "./common/topics";
import type {
  CommittedOffset,
  GroupInfo,
  GroupListing,
  JoinRequest,
  JoinResult,
  OffsetCommit,
  ResetOffsetsRequest,
  ResetOffsetsResult,
  TopicPartition,
} from "./common/groups";
import type { PartitionRead, ReadOptions } from "./common/records";
import type { ProducerMessage, RecordMetadata } from "./common/api";

/* A join over RPC: only the topics are required, the rest default as over REST. */
export type ServiceJoinRequest = Partial<JoinRequest> & Pick<JoinRequest, "topics">;

export class KafdoService extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Promise<Response> {
    return handle(request, this.env);
  }

  /* ---- producing ------------------------------------------------------------------ */

  async produce(message: ProducerMessage): Promise<RecordMetadata> {
    const producer = createProducer(this.env);
    try {
      return await producer.send(message);
    } finally {
      await producer.close();
    }
  }

  async sendBatch(messages: ProducerMessage[]): Promise<RecordMetadata[]> {
    const producer = createProducer(this.env);
    try {
      return await producer.sendBatch(messages);
    } finally {
      await producer.close();
    }
  }

  /* ---- reading -------------------------------------------------------------------- */

  /* Records from options.offset (0 when absent), as stored: bytes. */
  read(topic: string, partition: number, options: Partial<ReadOptions> = {}): Promise<PartitionRead> {
    return readPartition(this.env, topic, partition, { ...options, offset: options.offset ?? 0 });
  }

  offsets(topic: string, partition: number): Promise<PartitionOffsets> {
    return partitionOffsets(this.env, topic, partition);
  }

  /* ---- consumer groups (Kafdo's group protocol) ------------------------------------- */

  joinGroup(groupId: string, request: ServiceJoinRequest): Promise<JoinResult> {
    return groups.joinGroup(this.env, groupId, {
      ...request,
      clientId: request.clientId ?? DEFAULT_CLIENT_ID,
      sessionTimeoutMs: request.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS,
    });
  }

  heartbeat(groupId: string, memberId: string, generationId: number): Promise<void> {
    return groups.heartbeat(this.env, groupId, memberId, generationId);
  }

  commitOffsets(groupId: string, memberId: string, generationId: number, offsets: OffsetCommit[]): Promise<void> {
    return groups.commitOffsets(this.env, groupId, memberId, generationId, offsets);
  }

  leaveGroup(groupId: string, memberId: string): Promise<void> {
    return groups.leaveGroup(this.env, groupId, memberId);
  }

  /* The committed offsets of `partitions`, or of every partition the group committed. */
  committedOffsets(groupId: string, partitions?: TopicPartition[]): Promise<CommittedOffset[]> {
    return groups.committedOffsets(this.env, groupId, partitions);
  }

  /* ---- administration -------------------------------------------------------------- */

  createTopic(config: CreateTopicConfig): Promise<TopicDescription> {
    return createAdmin(this.env).createTopic(config);
  }

  deleteTopic(topic: string): Promise<void> {
    return createAdmin(this.env).deleteTopic(topic);
  }

  listTopics(): Promise<string[]> {
    return createAdmin(this.env).listTopics();
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return createAdmin(this.env).describeTopic(topic);
  }

  createPartitions(topic: string, count: number): Promise<TopicDescription> {
    return createAdmin(this.env).createPartitions(topic, count);
  }

  alterConfigs(topic: string, configs: ConfigChanges, options?: AlterConfigsOptions): Promise<TopicDescription> {
    return createAdmin(this.env).alterConfigs(topic, configs, options);
  }

  listOffsets(topic: string): Promise<Map<number, PartitionOffsets>> {
    return createAdmin(this.env).listOffsets(topic);
  }

  deleteRecords(topic: string, partitions: RecordsToDelete[]): Promise<DeletedRecords[]> {
    return createAdmin(this.env).deleteRecords(topic, partitions);
  }

  listGroups(): Promise<GroupListing[]> {
    return createAdmin(this.env).listGroups();
  }

  describeGroup(groupId: string): Promise<GroupInfo> {
    return createAdmin(this.env).describeGroup(groupId);
  }

  deleteGroup(groupId: string): Promise<void> {
    return createAdmin(this.env).deleteGroup(groupId);
  }

  resetGroupOffsets(groupId: string, request: ResetOffsetsRequest): Promise<ResetOffsetsResult> {
    return createAdmin(this.env).resetGroupOffsets(groupId, request);
  }
}

countRpcCalls(KafdoService);
