/*
 * produce.ts — POST /topics/:topic/produce and /produce-batch.
 *
 * The body becomes ProducerMessages (records.ts) and goes to the in-Worker
 * producer, which chooses partitions, creates an unknown topic when auto-creation
 * is on, and answers only once the records are committed. One producer per
 * request: a REST call is one send, so there is nothing to linger for.
 */
import { createProducer } from "../../api";
import type { Producer, RecordMetadata } from "../../types";
import { Query, array, object, readJson } from "../input";
import { ENCODINGS, producerMessage } from "../records";
import type { Context } from "../router";

export const MAX_BATCH_MESSAGES = 10000;

async function withProducer<T>(c: Context, use: (p: Producer) => Promise<T>): Promise<T> {
  const producer = createProducer(c.env);
  try {
    return await use(producer);
  } finally {
    await producer.close();
  }
}

export async function produce(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const encoding = new Query(c.url, ["encoding"]).oneOf("encoding", ENCODINGS, "json");
  const message = producerMessage(topic, await readJson(c.request), encoding, "body");
  const metadata: RecordMetadata = await withProducer(c, (p) => p.send(message));
  return Response.json(metadata);
}

export async function produceBatch(c: Context): Promise<Response> {
  const topic = c.param("topic");
  const encoding = new Query(c.url, ["encoding"]).oneOf("encoding", ENCODINGS, "json");
  const body = object(await readJson(c.request), "body", ["messages"]);
  const messages = array(body.messages, "body.messages", 1, MAX_BATCH_MESSAGES).map((m, i) =>
    producerMessage(topic, m, encoding, `body.messages[${i}]`),
  );
  const results: RecordMetadata[] = await withProducer(c, (p) => p.sendBatch(messages));
  return Response.json({ results });
}
