/*
 * offset-delete.ts — OffsetDelete (admin.deleteConsumerGroupOffsets, librdkafka's
 * DeleteConsumerGroupOffsets): forgets a group's committed offsets for the
 * partitions named. The group's rules are the core's (kd_group_delete_offsets):
 * a partition of a topic a live member subscribes to is GROUP_SUBSCRIBED_TO_TOPIC,
 * a group that never existed GROUP_ID_NOT_FOUND. As Kafka, a partition of a topic
 * that does not exist (or beyond its partitions) is UNKNOWN_TOPIC_OR_PARTITION.
 */
import { checkPartition, topicFor } from "../partitions/topics";
import { group } from "../api/groups";
import type { TopicInfo } from "../common/topics";
import type { TopicPartition } from "../common/groups";
import { errorCodeOf, type KafkaContext, type RequestOf } from "./context";

interface DeletedTopic {
  name: string;
  partitions: { partitionIndex: number }[];
}

export async function offsetDelete(ctx: KafkaContext, req: RequestOf<"OffsetDelete">): Promise<object> {
  const groupId: string = req.body.groupId;
  const asked: DeletedTopic[] = req.body.topics;
  /* Each partition's answer: an error found here, or the group's. */
  const errors = new Map<string, number>();
  const known: TopicPartition[] = [];
  for (const t of asked) {
    const topic: TopicInfo | Error = await topicFor(ctx.env, t.name).catch((e: Error) => e);
    for (const { partitionIndex } of t.partitions) {
      try {
        if (topic instanceof Error) throw topic;
        checkPartition(topic, partitionIndex);
        known.push({ topic: t.name, partition: partitionIndex });
      } catch (e) {
        errors.set(`${partitionIndex}:${t.name}`, errorCodeOf(e));
      }
    }
  }
  try {
    const codes = known.length > 0 ? await group(ctx.env, groupId).deleteOffsets(groupId, known) : [];
    known.forEach((p, i) => errors.set(`${p.partition}:${p.topic}`, codes[i] ?? 0));
  } catch (e) {
    return { errorCode: errorCodeOf(e), throttleTimeMs: 0, topics: [] };
  }
  return {
    errorCode: 0,
    throttleTimeMs: 0,
    topics: asked.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(({ partitionIndex }) => ({
        partitionIndex,
        errorCode: errors.get(`${partitionIndex}:${t.name}`) ?? 0,
      })),
    })),
  };
}
