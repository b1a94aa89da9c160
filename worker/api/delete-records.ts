/*
 * delete-records.ts — Kafka's DeleteRecords, for the admin (and through it REST,
 * kafdo/client, the CLI and the service binding) and for the Kafka API
 * (kafka/delete-records.ts).
 *
 * The rule is the core's (kd_log_delete_records): the partition's log start offset
 * rises to the offset asked, -1 meaning the high watermark; an offset at or below
 * the log start changes nothing; one above the high watermark is
 * OFFSET_OUT_OF_RANGE. Reads below the new start are refused at once; the
 * partition's retention alarm deletes the rows afterwards.
 *
 * The admin's form, deleteRecords(), answers all or throws, as kafkajs's
 * deleteTopicRecords does: the partitions are checked against the topic first, so
 * an unknown one changes nothing; then every partition is asked in parallel, and if
 * any refuses, one KafdoError names each refusal. That is not atomic, as in Kafka:
 * the partitions that agreed have their records deleted.
 */
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { DeletedRecords, RecordsToDelete, TopicInfo } from "../common/topics";
import { callPartition } from "../partitions/access";
import { checkPartition, forget, topicFor } from "../partitions/topics";

/* One partition's DeleteRecords: its new low watermark. */
export async function deletePartitionRecords(
  env: Env,
  topic: TopicInfo,
  partition: number,
  offset: number,
): Promise<number> {
  return (await callPartition(env, topic, partition, async (stub) => stub.deleteRecords(offset))).lowWatermark;
}

/* The request's shape: { partition, offset } items, each partition once. */
function checkRequest(partitions: RecordsToDelete[]): void {
  if (!Array.isArray(partitions)) {
    throw new KafdoError(KafkaCode.INVALID_REQUEST, "deleteRecords takes (topic, [{ partition, offset }, ...])");
  }
  const seen = new Set<number>();
  for (const p of partitions) {
    if (p === null || typeof p !== "object" || !Number.isSafeInteger(p.partition) || !Number.isSafeInteger(p.offset)) {
      throw new KafdoError(
        KafkaCode.INVALID_REQUEST,
        "each partition to delete records from is { partition, offset }, both integers",
      );
    }
    if (seen.has(p.partition)) {
      throw new KafdoError(KafkaCode.INVALID_REQUEST, `partition ${p.partition} is given more than once`);
    }
    seen.add(p.partition);
  }
}

/* Every partition's new low watermark, in the order asked; or one KafdoError (see the
 * header): the code of the first partition refused, the message naming each. */
export async function deleteRecords(
  env: Env,
  topicName: string,
  partitions: RecordsToDelete[],
): Promise<DeletedRecords[]> {
  checkRequest(partitions);
  forget(topicName);
  const topic = await topicFor(env, topicName);
  for (const { partition } of partitions) checkPartition(topic, partition);
  const settled = await Promise.allSettled(
    partitions.map(({ partition, offset }) => deletePartitionRecords(env, topic, partition, offset)),
  );
  const refused: { partition: number; error: KafdoError }[] = [];
  const deleted: DeletedRecords[] = [];
  for (const [i, s] of settled.entries()) {
    const { partition } = partitions[i]!;
    if (s.status === "fulfilled") {
      deleted.push({ partition, lowWatermark: s.value });
      continue;
    }
    const error = KafdoError.from(s.reason);
    if (!error) throw s.reason; /* not a refusal but a failure: the caller's to report */
    refused.push({ partition, error });
  }
  if (refused.length === 0) return deleted;
  const each = refused.map(({ partition, error }) => `partition ${partition}: ${error.name}: ${error.message}`);
  const rest =
    deleted.length > 0 ? `; the records of partitions ${deleted.map((d) => d.partition).join(", ")} were deleted` : "";
  throw new KafdoError(refused[0]!.error.code, `DeleteRecords on "${topicName}": ${each.join("; ")}${rest}`);
}
