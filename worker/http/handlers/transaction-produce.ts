/*
 * transaction-produce.ts — POST /transactions/produce: one atomic produce to any
 * topics and partitions, with a consumer group's offsets, over the in-Worker
 * producer's transactions (api/transaction.ts). The call is one Kafka transaction:
 * every record and the offsets are committed together, or, on any failure, the
 * transaction is aborted and nothing of it is visible to read_committed readers (the
 * REST reads' default) or to the group.
 *
 * With a transactionalId, the call's producer initialises that id, fencing any
 * earlier producer of it (zombie fencing: an older call still running with the same
 * id fails with PRODUCER_FENCED, 409, and its records are never committed). Without
 * one, the call uses an id of its own ("kafdo-rest-<uuid>"), which no one else holds
 * (reused by the isolate's later calls: IDLE below).
 */
import { createProducer } from "../../api";
import type {
  ProducerMessage,
  RecordMetadata as Metadata,
  TransactionalProducerApi,
  TransactionOffsets,
} from "../../common/api";
import { endpoint } from "../endpoint";
import { invalidRequest } from "../errors";
import { ProduceCompression, ProduceEncoding } from "../parameters";
import { ProduceMessage, producerMessage } from "../records";
import { NotFound, ProducerFenced, ok } from "../responses";
import { Natural, PartitionNumber, Struct, Type, named } from "../schema";
import { MAX_BATCH_MESSAGES, RecordMetadata } from "./produce";

const TransactionRecord = named(
  "TransactionRecord",
  Struct({ topic: Type.String({ description: "The record's topic." }), ...ProduceMessage.properties }),
);

const TransactionOffsetsBody = named(
  "TransactionOffsets",
  Struct({
    groupId: Type.String({ description: "The consumer group whose offsets commit with the records." }),
    topics: Type.Array(
      Struct({
        topic: Type.String(),
        partitions: Type.Array(
          Struct({
            partition: PartitionNumber(),
            offset: Natural({ description: "The next offset to consume (the last processed + 1)." }),
            metadata: Type.Optional(Type.String()),
          }),
        ),
      }),
    ),
  }),
);

const TransactionProduce = named(
  "TransactionProduce",
  Struct({
    transactionalId: Type.Optional(
      Type.String({
        description: "Kafka's transactional.id: an earlier producer of it is fenced. Absent: an id of the call's own.",
      }),
    ),
    records: Type.Array(TransactionRecord, { minItems: 1, maxItems: MAX_BATCH_MESSAGES }),
    offsets: Type.Optional(TransactionOffsetsBody),
  }),
);

const TransactionProduceResult = named(
  "TransactionProduceResult",
  Struct({
    transactionalId: Type.String(),
    results: Type.Array(RecordMetadata, { description: "Where each record was stored, in order." }),
  }),
);

/*
 * The producers of calls without a transactionalId, idle between calls, per isolate
 * (and bindings, and codec). A call takes one, or makes one with a new id, and gives
 * it back once its transaction committed: so the ids (each a coordinator and a row of
 * the cluster's registry, listed by GET /admin/transactions) grow with the calls an
 * isolate runs at once, not with every call, and a reused producer needs no
 * InitProducerId. A producer whose call failed is dropped.
 */
type Idle = { id: string; producer: TransactionalProducerApi }[];
const IDLE = new WeakMap<object, Map<string, Idle>>();

function idleProducers(env: object, compression: string): Idle {
  let byCodec = IDLE.get(env);
  if (!byCodec) IDLE.set(env, (byCodec = new Map()));
  let idle = byCodec.get(compression);
  if (!idle) byCodec.set(compression, (idle = []));
  return idle;
}

export const produceTransaction = endpoint({
  summary: "Produce atomically (one transaction)",
  description:
    "Appends every record (each to its topic and partition: explicit, by key, or chosen) and " +
    "commits the group's offsets, as one Kafka transaction: all are visible to read_committed " +
    "readers and the group once this answers 200, or none is (on any error the transaction is " +
    "aborted and the error answered). With `transactionalId`, an earlier producer of that id is " +
    "fenced (its records never commit). Needs WRITE on every topic, WRITE on the transactional " +
    "id when given, READ on the group when offsets are given.",
  tags: ["produce"],
  query: { encoding: ProduceEncoding, compression: ProduceCompression },
  body: TransactionProduce,
  responses: {
    200: ok("The transaction committed: where each record was stored, in order.", TransactionProduceResult),
  },
  errors: [NotFound, ProducerFenced],
  async handle(c, { query, body }) {
    const encoding = query.encoding ?? "json";
    const messages: ProducerMessage[] = body.records.map((r, i) =>
      producerMessage(r.topic, r, encoding, `body.records[${i}]`),
    );
    if (body.transactionalId === "") throw invalidRequest("body.transactionalId is empty");
    const compression = query.compression ?? "none";
    const own = body.transactionalId === undefined ? idleProducers(c.env, compression) : undefined;
    const pooled = own?.pop();
    const transactionalId = pooled?.id ?? body.transactionalId ?? `kafdo-rest-${crypto.randomUUID()}`;
    const producer = pooled?.producer ?? createProducer(c.env, { transactionalId, compression });
    const txn = await producer.transaction();
    let results: Metadata[];
    try {
      results = await txn.sendBatch(messages);
      if (body.offsets) {
        const offsets: TransactionOffsets = { consumerGroupId: body.offsets.groupId, topics: body.offsets.topics };
        await txn.sendOffsets(offsets);
      }
      await txn.commit();
    } catch (e) {
      /* Nothing of it may commit; a fenced transaction has no abort to make. */
      if (txn.isActive()) await txn.abort().catch(() => undefined);
      throw e;
    }
    own?.push({ id: transactionalId, producer });
    return Response.json({ transactionalId, results });
  },
});
