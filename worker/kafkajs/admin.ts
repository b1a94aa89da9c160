/*
 * admin.ts — kafkajs's admin client over the in-Worker admin (createAdmin), its
 * answers in kafkajs's shapes (offsets as strings, one broker: node 0 leads every
 * partition). Group offset changes go through admin.resetGroupOffsets, so they obey
 * the same rules as the REST reset: only while the group is empty, each offset
 * clamped to its log.
 */
import { Buffer } from "./buffer";
import { createAdmin, type Admin as ApiAdmin, type KafdoBindings } from "../api";
import { partitionOffsetForTime } from "../api/read";
import { committedOffsets } from "../api/groups";
import { KafdoError, KafkaCode } from "../common/errors";
import type { OffsetResetTarget } from "../common/groups";
import { typedEnv } from "../durable-objects/bindings";
import {
  KafkaJSDeleteGroupsError,
  KafkaJSNonRetriableError,
  asKafkajs,
  kafkajsError,
  type KafkaJSError,
} from "./errors";

export interface ITopicConfig {
  topic: string;
  numPartitions?: number;
  replicationFactor?: number;
  configEntries?: { name: string; value: string }[];
}

export interface PartitionMetadata {
  partitionErrorCode: number;
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface SeekEntry {
  partition: number;
  offset: string;
}

const BROKER = 0;

function strings(list: unknown, what: string): string[] {
  if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
    throw new KafkaJSNonRetriableError(`${what} takes an array of names`);
  }
  return list as string[];
}

export class KafkaJSAdmin {
  private readonly admin: ApiAdmin;

  constructor(private readonly env: KafdoBindings) {
    this.admin = createAdmin(env);
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  /* true when every topic was created; false when some already existed (kafkajs's answer). */
  async createTopics({
    topics,
    validateOnly,
  }: {
    topics: ITopicConfig[];
    validateOnly?: boolean;
    waitForLeaders?: boolean;
    timeout?: number;
  }): Promise<boolean> {
    if (!Array.isArray(topics) || topics.length === 0)
      throw new KafkaJSNonRetriableError("createTopics takes { topics: [{ topic, numPartitions? }] }");
    if (validateOnly) throw new KafkaJSNonRetriableError("createTopics' validateOnly is not supported");
    let allCreated = true;
    for (const t of topics) {
      const config = Object.fromEntries((t.configEntries ?? []).map((c) => [c.name, c.value]));
      try {
        await this.admin.createTopic({
          topic: t.topic,
          partitions: t.numPartitions === undefined || t.numPartitions === -1 ? 1 : t.numPartitions,
          config,
        });
      } catch (e) {
        if (KafdoError.from(e)?.code !== KafkaCode.TOPIC_ALREADY_EXISTS) throw kafkajsError(e);
        allCreated = false;
      }
    }
    return allCreated;
  }

  async deleteTopics({ topics }: { topics: string[]; timeout?: number }): Promise<void> {
    const names = strings(topics, "deleteTopics");
    await asKafkajs(async () => {
      for (const topic of names) await this.admin.deleteTopic(topic);
    });
  }

  async listTopics(): Promise<string[]> {
    return await asKafkajs(() => this.admin.listTopics());
  }

  /* Every topic when none are named. */
  async fetchTopicMetadata({ topics }: { topics?: string[] } = {}): Promise<{
    topics: { name: string; partitions: PartitionMetadata[] }[];
  }> {
    return await asKafkajs(async () => {
      const names =
        topics === undefined || topics.length === 0
          ? await this.admin.listTopics()
          : strings(topics, "fetchTopicMetadata");
      const described = await Promise.all(names.map((t) => this.admin.describeTopic(t)));
      return {
        topics: described.map((d) => ({
          name: d.topic,
          partitions: d.partitions.map((p) => ({
            partitionErrorCode: 0,
            partitionId: p.partition,
            leader: p.leader,
            replicas: [BROKER],
            isr: [BROKER],
            offlineReplicas: [],
          })),
        })),
      };
    });
  }

  async fetchTopicOffsets(topic: string): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
    return await asKafkajs(async () => {
      const offsets = await this.admin.listOffsets(topic);
      return [...offsets].map(([partition, o]) => ({
        partition,
        offset: String(o.latest),
        high: String(o.latest),
        low: String(o.earliest),
      }));
    });
  }

  /* The first offset at or after `timestamp` per partition; the high watermark where no
   * record is that late (kafkajs's answer), the high watermark too without a timestamp. */
  async fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp?: number,
  ): Promise<{ partition: number; offset: string }[]> {
    return await asKafkajs(async () => {
      const offsets = await this.admin.listOffsets(topic);
      return Promise.all(
        [...offsets].map(async ([partition, o]) => {
          if (timestamp === undefined) return { partition, offset: String(o.latest) };
          const found = await partitionOffsetForTime(this.env, topic, partition, timestamp);
          return { partition, offset: String(found.offset >= 0 ? found.offset : o.latest) };
        }),
      );
    });
  }

  async createPartitions({
    topicPartitions,
  }: {
    topicPartitions: { topic: string; count: number }[];
    validateOnly?: boolean;
    timeout?: number;
  }): Promise<boolean> {
    if (!Array.isArray(topicPartitions))
      throw new KafkaJSNonRetriableError("createPartitions takes { topicPartitions: [{ topic, count }] }");
    await asKafkajs(async () => {
      for (const { topic, count } of topicPartitions) await this.admin.createPartitions(topic, count);
    });
    return true;
  }

  async listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }> {
    const groups = await asKafkajs(() => this.admin.listGroups());
    return { groups: groups.map((g) => ({ groupId: g.groupId, protocolType: "consumer" })) };
  }

  /* A group that does not exist is described as Dead with no members, as Kafka does. */
  async describeGroups(groupIds: string[]) {
    const ids = strings(groupIds, "describeGroups");
    const groups = await Promise.all(
      ids.map(async (groupId) => {
        try {
          const g = await this.admin.describeGroup(groupId);
          return {
            errorCode: 0,
            groupId,
            protocol: g.protocol,
            protocolType: "consumer",
            state: g.state,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              clientId: m.clientId,
              clientHost: "",
              memberMetadata: Buffer.alloc(0),
              memberAssignment: Buffer.alloc(0),
            })),
          };
        } catch (e) {
          if (KafdoError.from(e)?.code !== KafkaCode.GROUP_ID_NOT_FOUND) throw kafkajsError(e);
          return { errorCode: 0, groupId, protocol: "", protocolType: "", state: "Dead", members: [] };
        }
      }),
    );
    return { groups };
  }

  /* Each group's answer; KafkaJSDeleteGroupsError naming the groups refused. */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number; error?: KafkaJSError }[]> {
    const ids = strings(groupIds, "deleteGroups");
    const results = await Promise.all(
      ids.map(async (groupId) => {
        try {
          await this.admin.deleteGroup(groupId);
          return { groupId, errorCode: 0 };
        } catch (e) {
          const error = kafkajsError(e) as KafkaJSError & { code?: number };
          return { groupId, errorCode: error.code ?? -1, error };
        }
      }),
    );
    const failed = results.filter((r) => r.errorCode !== 0) as {
      groupId: string;
      errorCode: number;
      error: KafkaJSError;
    }[];
    if (failed.length > 0) throw new KafkaJSDeleteGroupsError("Error in DeleteGroups", failed);
    return results;
  }

  /* The group's committed offsets of the topics (every topic it committed for when none
   * are named), "-1" where nothing is committed; resolveOffsets answers those as the
   * log start or end as a consumer would (fromBeginning: log start). */
  async fetchOffsets({
    groupId,
    topics,
    resolveOffsets,
  }: {
    groupId: string;
    topics?: string[];
    resolveOffsets?: boolean;
  }) {
    return await asKafkajs(async () => {
      const env = typedEnv(this.env);
      const names = topics === undefined ? undefined : strings(topics, "fetchOffsets");
      let partitions: { topic: string; partition: number }[] | undefined;
      if (names) {
        const counts = await Promise.all(names.map(async (t) => (await this.admin.describeTopic(t)).partitions.length));
        partitions = names.flatMap((topic, i) =>
          Array.from({ length: counts[i]! }, (_, partition) => ({ topic, partition })),
        );
      }
      const committed = await committedOffsets(env, groupId, partitions);
      const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
      for (const t of names ?? []) byTopic.set(t, []);
      for (const c of committed) {
        let offset = c.offset;
        if (offset < 0 && resolveOffsets)
          offset = (await this.admin.listOffsets(c.topic)).get(c.partition)?.latest ?? -1;
        const list = byTopic.get(c.topic) ?? [];
        list.push({ partition: c.partition, offset: String(offset), metadata: c.metadata || null });
        byTopic.set(c.topic, list);
      }
      return [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.sort((a, b) => a.partition - b.partition),
      }));
    });
  }

  /* Commits the given offsets for the (empty) group: each checked first with a dry run,
   * so a refusal of one partition leaves every other unchanged. */
  async setOffsets({
    groupId,
    topic,
    partitions,
  }: {
    groupId: string;
    topic: string;
    partitions: SeekEntry[];
  }): Promise<void> {
    if (!Array.isArray(partitions) || partitions.length === 0)
      throw new KafkaJSNonRetriableError("setOffsets takes { groupId, topic, partitions: [{ partition, offset }] }");
    const resets = partitions.map((p) => {
      if (!/^\d+$/.test(String(p.offset)))
        throw new KafkaJSNonRetriableError(`setOffsets: offset ${String(p.offset)} is not an offset`);
      return { topic, partitions: [p.partition], to: { offset: Number(p.offset) } as OffsetResetTarget };
    });
    await asKafkajs(async () => {
      for (const r of resets) await this.admin.resetGroupOffsets(groupId, { ...r, dryRun: true });
      for (const r of resets) await this.admin.resetGroupOffsets(groupId, r);
    });
  }

  /* Every partition of the topic to the log end, or its start with `earliest`. */
  async resetOffsets({
    groupId,
    topic,
    earliest = false,
  }: {
    groupId: string;
    topic: string;
    earliest?: boolean;
  }): Promise<void> {
    await asKafkajs(() => this.admin.resetGroupOffsets(groupId, { topic, to: earliest ? "earliest" : "latest" }));
  }
}
