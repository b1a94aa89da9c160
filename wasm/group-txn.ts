/*
 * group-txn.ts — a consumer group's transactional offsets (group_txn_offsets.c, whose
 * top has the rules): TxnOffsetCommit's offsets held pending per producer id, the
 * end of a producer's transaction (commit: they become committed; abort: dropped),
 * and which partitions OffsetFetch's requireStable answers UNSTABLE_OFFSET_COMMIT.
 */
import type { TopicPartition } from "../worker/common/groups";
import type { KafkaTxnCommitRequest } from "../worker/common/kafka-groups";
import { Writer, int16, int32, int64 } from "./bytes";
import { invoke } from "./core";

/* kd_group_txn_commit: throws UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 * ILLEGAL_GENERATION, INVALID_PRODUCER_EPOCH or an offset's refusal; stores
 * nothing then. */
export function groupTxnCommit(db: number, req: KafkaTxnCommitRequest, nowMs: number): void {
  const input = new Writer()
    .i64(int64(req.producerId, "producer id"))
    .i16(int16(req.producerEpoch, "producer epoch"))
    .str(req.memberId)
    .i32(int32(req.generationId, "generation"))
    .str(req.groupInstanceId ?? "")
    .u32(req.offsets.length);
  for (const o of req.offsets)
    input
      .str(o.topic)
      .i32(o.partition)
      .i64(o.offset)
      .str(o.metadata ?? "");
  const now = int64(nowMs, "now");
  invoke({ input: input.bytes(), writes: db, run: (k, ptr, len) => k.kd_group_txn_commit(db, ptr, len, now) });
}

/* kd_group_txn_complete: the producer's transaction ended (idempotent); throws
 * INVALID_PRODUCER_EPOCH for an epoch older than the producer's last. */
export function groupTxnComplete(
  db: number,
  producerId: number,
  producerEpoch: number,
  commit: boolean,
  nowMs: number,
): void {
  const id = int64(producerId, "producer id");
  const epoch = int32(producerEpoch, "producer epoch");
  const now = int64(nowMs, "now");
  invoke({ writes: db, run: (k) => k.kd_group_txn_complete(db, id, epoch, commit ? 1 : 0, now) });
}

/* kd_group_txn_unstable: of the partitions given (undefined: every committed one),
 * those with pending transactional offsets. */
export function groupTxnUnstable(db: number, partitions?: TopicPartition[]): TopicPartition[] {
  const input = new Writer();
  if (partitions === undefined) input.u32(0xffffffff);
  else {
    input.u32(partitions.length);
    for (const p of partitions) input.str(p.topic).i32(p.partition);
  }
  return invoke({
    input: input.bytes(),
    run: (k, ptr, len) => k.kd_group_txn_unstable(db, ptr, len),
    read: (r) => r.list(() => ({ topic: r.str(), partition: r.i32() })),
  });
}
