/*
 * delete-records.ts — DeleteRecords (key 21), what kafkajs's
 * admin.deleteTopicRecords and librdkafka's rd_kafka_DeleteRecords send: per
 * partition, in parallel, the core's rule through the partition's Durable Object
 * (api/delete-records.ts). Each partition answers its new low watermark, or -1
 * and its error: UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE (an offset above
 * the high watermark, or below -1). timeoutMs is not waited on: a partition has
 * done its part when it answers.
 */
import { deletePartitionRecords } from "../api/delete-records";
import { topicFor } from "../partitions/topics";
import { KafdoError, KafkaCode } from "../common/errors";
import type { TopicInfo } from "../common/topics";
import { errorCodeOf, settleEach, type KafkaContext, type RequestOf } from "./context";

interface DeletePartition {
  partitionIndex: number;
  /* The codec gives an int64 beyond 2^53 as its decimal string. */
  offset: number | string;
}

interface DeleteTopic {
  name: string;
  partitions: DeletePartition[];
}

/* Kafka's low watermark in an answer that has none (DeleteRecordsResponse.INVALID_LOW_WATERMARK). */
const NO_LOW_WATERMARK = -1;

const refused = (partitionIndex: number, errorCode: number): object => ({
  partitionIndex,
  lowWatermark: NO_LOW_WATERMARK,
  errorCode,
});

async function deleteFromTopic(ctx: KafkaContext, t: DeleteTopic): Promise<object> {
  let topic: TopicInfo;
  try {
    topic = await topicFor(ctx.env, t.name);
  } catch (e) {
    const code = errorCodeOf(e);
    return { name: t.name, partitions: t.partitions.map((p) => refused(p.partitionIndex, code)) };
  }
  const partitions = await settleEach(
    t.partitions,
    async ({ partitionIndex, offset }) => {
      if (typeof offset !== "number") {
        throw new KafdoError(
          KafkaCode.OFFSET_OUT_OF_RANGE,
          `offset ${offset} is beyond any partition's high watermark`,
        );
      }
      const lowWatermark = await deletePartitionRecords(ctx.env, topic, partitionIndex, offset);
      return { partitionIndex, lowWatermark, errorCode: 0 };
    },
    (p, code) => refused(p.partitionIndex, code),
  );
  return { name: t.name, partitions };
}

export async function deleteRecords(ctx: KafkaContext, req: RequestOf<"DeleteRecords">): Promise<object> {
  const topics: DeleteTopic[] = req.body.topics;
  return { throttleTimeMs: 0, topics: await Promise.all(topics.map((t) => deleteFromTopic(ctx, t))) };
}
