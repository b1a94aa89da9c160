/*
 * txn-offset-commit.ts — TxnOffsetCommit (API 28): a transactional producer commits
 * a consumer group's offsets inside its transaction (kafkajs's sendOffsets,
 * librdkafka's send_offsets_to_transaction). The group holds them pending for the
 * producer id until the transaction coordinator ends the transaction
 * (ConsumerGroupDO.completeTxnOffsets); the rules are the core's
 * (group_txn_offsets.c). As Kafka's broker, a partition of a topic that does not
 * exist is UNKNOWN_TOPIC_OR_PARTITION before the group sees the commit; the others
 * are stored all or nothing and get the group's one code. v3 adds the member,
 * generation and instance id, which the group checks when given.
 */
import { group } from "../api/groups";
import { errorCodeOf, type KafkaContext, type RequestOf } from "./context";
import { missingPartitions, storedOffsets } from "./groups";

export async function txnOffsetCommit(ctx: KafkaContext, req: RequestOf<"TxnOffsetCommit">): Promise<object> {
  const b = req.body;
  const missing = await missingPartitions(ctx, b.topics);
  const offsets = storedOffsets(b.topics, missing);
  let errorCode = 0;
  if (offsets.length > 0) {
    try {
      errorCode = await group(ctx.env, b.groupId).txnOffsetCommit(b.groupId, {
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        memberId: b.memberId,
        generationId: b.generationId,
        groupInstanceId: b.groupInstanceId,
        offsets,
      });
    } catch (e) {
      errorCode = errorCodeOf(e);
    }
  }
  return {
    throttleTimeMs: 0,
    topics: b.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: missing.get(`${t.name}:${p.partitionIndex}`) ?? errorCode,
      })),
    })),
  };
}
