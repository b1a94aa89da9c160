/*
 * produce.ts — POST /topics/:topic/produce and /produce-batch.
 *
 * The body becomes ProducerMessages (records.ts) and goes to the in-Worker
 * producer, which chooses partitions, creates an unknown topic when auto-creation
 * is on, and answers only once the records are committed. One producer per
 * request: a REST call is one send, so there is nothing to linger for.
 * ?compression=gzip|snappy|lz4|zstd has the core compress the stored batches (the
 * producer's compression.type); none, the default, stores them uncompressed.
 */
import { createProducer } from "../../api";
import type { Compression } from "../../common/records";
import type { Producer, RecordMetadata as Metadata } from "../../common/api";
import { endpoint } from "../endpoint";
import type { Context } from "../router";
import { ProduceCompression, ProduceEncoding, TopicParam } from "../parameters";
import { ProduceMessage, producerMessage } from "../records";
import { NotFound, ok } from "../responses";
import { Struct, Type, named } from "../schema";

export const MAX_BATCH_MESSAGES = 10000;

export const RecordMetadata = named(
  "RecordMetadata",
  Struct({
    topic: Type.String(),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.Integer({ minimum: 0 }),
    timestamp: Type.Integer({ minimum: 0 }),
  }),
);

const ProduceBatch = named(
  "ProduceBatch",
  Struct({ messages: Type.Array(ProduceMessage, { minItems: 1, maxItems: MAX_BATCH_MESSAGES }) }),
);

const ProduceBatchResult = named("ProduceBatchResult", Struct({ results: Type.Array(RecordMetadata) }));

async function withProducer<T>(c: Context, compression: Compression, use: (p: Producer) => Promise<T>): Promise<T> {
  const producer = createProducer(c.env, { compression });
  try {
    return await use(producer);
  } finally {
    await producer.close();
  }
}

export const produce = endpoint({
  summary: "Produce one message",
  description:
    "Appends one record and answers once it is stored. An unknown topic is created with one " +
    'partition when KAFDO_AUTO_CREATE_TOPICS is not "false", else it is 404 ' +
    "UNKNOWN_TOPIC_OR_PARTITION. Without `partition` the record goes by its key's hash " +
    "(murmur2, as Kafka's Java client), or to a partition of the producer's choice when keyless.",
  tags: ["produce"],
  params: { topic: TopicParam },
  query: { encoding: ProduceEncoding, compression: ProduceCompression },
  body: ProduceMessage,
  responses: { 200: ok("Where the record was stored.", RecordMetadata) },
  errors: [NotFound],
  async handle(c, { params, query, body }) {
    const message = producerMessage(params.topic, body, query.encoding ?? "json", "body");
    const metadata: Metadata = await withProducer(c, query.compression ?? "none", (p) => p.send(message));
    return Response.json(metadata);
  },
});

export const produceBatch = endpoint({
  summary: "Produce several messages",
  description:
    "Appends the messages, each to its own partition (explicit, by key, or chosen), one " +
    "request per partition in parallel. The results are in the order of the messages. " +
    "A malformed message refuses the whole batch before anything is stored.",
  tags: ["produce"],
  params: { topic: TopicParam },
  query: { encoding: ProduceEncoding, compression: ProduceCompression },
  body: ProduceBatch,
  responses: { 200: ok("Where each record was stored, in order.", ProduceBatchResult) },
  errors: [NotFound],
  async handle(c, { params, query, body }) {
    const encoding = query.encoding ?? "json";
    const messages = body.messages.map((m, i) => producerMessage(params.topic, m, encoding, `body.messages[${i}]`));
    const results: Metadata[] = await withProducer(c, query.compression ?? "none", (p) => p.sendBatch(messages));
    return Response.json({ results });
  },
});
