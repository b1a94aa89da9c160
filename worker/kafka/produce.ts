/*
 * produce.ts — Produce and InitProducerId.
 *
 * A Produce carries, per partition, RecordBatch bytes exactly as the client
 * encoded them (compressed or not); they go to the partition's Durable Object as
 * they came, one RPC per partition (partitions/access.ts), all partitions in parallel. The core checks
 * them (CRC, framing, size, the idempotent producer's sequence numbers) and
 * assigns the offsets. acks 1 and all are the same here: the one copy is in
 * Durable Object storage when the append answers; acks 0 gets no response, as in
 * Kafka, but the append is still made before the next request is read.
 *
 * Transactional batches are stored as any other (the partition tracks the producer's
 * open transaction, txn_log.c); a request carrying them must name its transactional
 * id, else every partition is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka.
 */
import { produceAcksError, produceTxnError } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { KafdoError, KafkaCode } from "../common/errors";
import { callPartition } from "../partitions/access";
import { maxMessageBytes, topicConfigText, topicFor } from "../partitions/topics";
import { errorCodeOf, errorMessageOf, settleEach, type KafkaContext, type RequestOf } from "./context";
import type { ProduceRequestTopicData as TopicData } from "./generated/requests";
import { initTransactionalProducer } from "./transactions";

/* Kafka answers the partition's log start offset and, on a LogAppendTime topic, the
 * time the batches were stamped with; -1 for each otherwise (and on errors). */
function partitionAnswer(
  index: number,
  errorCode: number,
  baseOffset = -1,
  errorMessage: string | null = null,
  logAppendTimeMs = -1,
  logStartOffset = -1,
): object {
  return { index, errorCode, baseOffset, logAppendTimeMs, logStartOffset, recordErrors: [], errorMessage };
}

async function produceTopic(ctx: KafkaContext, topic: TopicData, acksError: number): Promise<object> {
  const answer = (partitionResponses: object[]): object => ({ name: topic.name, partitionResponses });
  if (acksError !== 0) {
    return answer(topic.partitionData.map((p) => partitionAnswer(p.index, acksError)));
  }
  let info;
  try {
    info = await topicFor(ctx.env, topic.name);
  } catch (e) {
    const code = errorCodeOf(e);
    return answer(topic.partitionData.map((p) => partitionAnswer(p.index, code, -1, errorMessageOf(e))));
  }
  const partitionResponses = await settleEach(
    topic.partitionData,
    (p) =>
      callPartition(ctx.env, info, p.index, async (stub) => {
        if (p.records === null || p.records.length === 0) {
          throw new KafdoError(KafkaCode.CORRUPT_MESSAGE, "a produce names a partition without records");
        }
        /* slice(): the records are a view into the request's frame; only their own
         * bytes should cross the RPC. */
        const [result] = await stub.append([p.records.slice()], maxMessageBytes(info), topicConfigText(info));
        if (!result) throw new Error("the partition answered no result");
        return partitionAnswer(
          p.index,
          result.errorCode,
          result.baseOffset,
          null,
          result.logAppendTime,
          result.logStartOffset,
        );
      }),
    (p, code, e) => partitionAnswer(p.index, code, -1, errorMessageOf(e)),
  );
  return answer(partitionResponses);
}

/* The whole request's refusal of transactional batches without a transactional id (0: none). */
function transactionError(req: RequestOf<"Produce">): number {
  const hasId = req.body.transactionalId !== null;
  for (const t of req.body.topicData) {
    for (const p of t.partitionData) {
      const code = p.records === null ? 0 : produceTxnError(p.records, hasId);
      if (code !== 0) return code;
    }
  }
  return 0;
}

export async function produce(ctx: KafkaContext, req: RequestOf<"Produce">): Promise<object | null> {
  /* INVALID_REQUIRED_ACKS, or a transactional refusal, for every partition */
  const acksError = produceAcksError(req.body.acks) || transactionError(req);
  const topics = req.body.topicData;
  const responses = await Promise.all(topics.map((t) => produceTopic(ctx, t, acksError)));
  if (req.body.acks === 0) return null;
  return { responses, throttleTimeMs: 0 };
}

/*
 * A producer id for an idempotent producer (epoch 0), unique in the cluster; a
 * transactional id's producer id and epoch come from its coordinator (transactions.ts).
 */
export async function initProducerId(ctx: KafkaContext, req: RequestOf<"InitProducerId">): Promise<object> {
  if (req.body.transactionalId !== null) return initTransactionalProducer(ctx, req);
  try {
    const producerId = await metadataStub(ctx.env).allocateProducerId();
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(e), producerId: -1, producerEpoch: -1 };
  }
}
