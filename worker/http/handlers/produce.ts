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
import { COMPRESSIONS, type Compression } from "../../common/records";
import { type Producer, type RecordMetadata } from "../../common/api";
import { Query, array, object, readJson } from "../input";
import { ENCODINGS, producerMessage } from "../records";
import type { Context } from "../router";

export const MAX_BATCH_MESSAGES = 10000;

async function withProducer<T>(c: Context, compression: Compression, use: (p: Producer) => Promise<T>): Promise<T> {
  const producer = createProducer(c.env, { compression });
  try {
    return await use(producer);
  } finally {
    await producer.close();
  }
}

export async function produce(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const query = new Query(c.url, ["encoding", "compression"]);
  const encoding = query.oneOf("encoding", ENCODINGS, "json");
  const compression = query.oneOf("compression", COMPRESSIONS, "none");
  const message = producerMessage(topic, await readJson(c.request), encoding, "body");
  const metadata: RecordMetadata = await withProducer(c, compression, (p) => p.send(message));
  return Response.json(metadata);
}

export async function produceBatch(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const query = new Query(c.url, ["encoding", "compression"]);
  const encoding = query.oneOf("encoding", ENCODINGS, "json");
  const compression = query.oneOf("compression", COMPRESSIONS, "none");
  const body = object(await readJson(c.request), "body", ["messages"]);
  const messages = array(body.messages, "body.messages", 1, MAX_BATCH_MESSAGES).map((m, i) =>
    producerMessage(topic, m, encoding, `body.messages[${i}]`),
  );
  const results: RecordMetadata[] = await withProducer(c, compression, (p) => p.sendBatch(messages));
  return Response.json({ results });
}
