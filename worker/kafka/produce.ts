/*
 * produce.ts — Produce and InitProducerId.
 *
 * A Produce carries, per partition, RecordBatch bytes exactly as the client
 * encoded them (compressed or not); they go to the partition's Durable Object as
 * they came, all partitions in parallel, through the connection's append queue
 * (partitions/append-queue.ts: one RPC per partition, or one for the sets of several
 * of the connection's Produce requests in flight). The core checks
 * them (CRC, framing, size, the idempotent producer's sequence numbers) and
 * assigns the offsets. acks 1 and all are the same here: the one copy is in
 * Durable Object storage when the append answers; acks 0 gets no response, as in
 * Kafka, but the append is queued before the next request starts.
 *
 * Transactional batches are stored as any other (the partition tracks the producer's
 * open transaction, txn_log.c); a request carrying them must name its transactional
 * id, else every partition is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka.
 */
import { produceAcksError, produceTxnError } from "../../wasm/kafdo";
import { metadataStub } from "../durable-objects/addressing";
import { KafdoError, KafkaCode } from "../common/errors";
import { AppendQueue } from "../partitions/append-queue";
import { topicFor } from "../partitions/topics";
import type { TopicInfo } from "../common/topics";
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

/* A topic looked up, or why not. */
type Looked = { info: TopicInfo } | { error: unknown };

/* Queues the topic's appends at once (no await before each is queued: see produce())
 * and answers when they have. */
async function produceTopic(
  appends: AppendQueue,
  topic: TopicData,
  acksError: number,
  looked: Looked,
): Promise<object> {
  const answer = (partitionResponses: object[]): object => ({ name: topic.name, partitionResponses });
  if (acksError !== 0) {
    return answer(topic.partitionData.map((p) => partitionAnswer(p.index, acksError)));
  }
  if ("error" in looked) {
    const code = errorCodeOf(looked.error);
    return answer(topic.partitionData.map((p) => partitionAnswer(p.index, code, -1, errorMessageOf(looked.error))));
  }
  const { info } = looked;
  const partitionResponses = await settleEach(
    topic.partitionData,
    async (p) => {
      if (p.records === null || p.records.length === 0) {
        throw new KafdoError(KafkaCode.CORRUPT_MESSAGE, "a produce names a partition without records");
      }
      /* slice(): the records are a view into the request's frame; only their own
       * bytes should cross the RPC. */
      const result = await appends.append(info, p.index, p.records.slice());
      return partitionAnswer(
        p.index,
        result.errorCode,
        result.baseOffset,
        null,
        result.logAppendTime,
        result.logStartOffset,
      );
    },
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
  /* The topics first; then every append is queued in one go, in the request's order,
   * and the connection's next request may start (its appends queue behind these). */
  const looked = await Promise.all(
    topics.map((t): Promise<Looked> =>
      acksError !== 0
        ? Promise.resolve({ error: null })
        : topicFor(ctx.env, t.name).then(
            (info) => ({ info }),
            (error: unknown) => ({ error }),
          ),
    ),
  );
  const appends = ctx.appends ?? new AppendQueue(ctx.env);
  const answers = topics.map((t, i) => produceTopic(appends, t, acksError, looked[i]!));
  ctx.nextMayStart?.();
  const responses = await Promise.all(answers);
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
