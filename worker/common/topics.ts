/*
 * topics.ts — a topic as the cluster's metadata holds it and as the admin API describes,
 * creates, alters and trims it.
 *
 * Part of worker/common: imports nothing outside it.
 */

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
