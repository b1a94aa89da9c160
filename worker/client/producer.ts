/*
 * producer.ts — KafdoClient's producer: send and sendBatch over
 * POST /topics/:topic/produce and /produce-batch.
 *
 * Each call is one request per topic and is answered once the records are
 * committed to their partitions, so there is nothing to buffer, flush or linger
 * for. A batch whose messages name several topics goes as one request per topic,
 * in parallel, and its answer lists every message's metadata in the messages'
 * order; each topic's request is all or nothing, the batch as a whole is not.
 */
import type { RecordMetadata } from "../common/api";
import { KafdoClientError } from "./errors";
import { type ClientMessage, needsBase64, restMessage } from "./records";
import { type Transport, segment } from "./transport";

export interface ClientProducerConfig {
  /* The topic of messages that name none. */
  defaultTopic?: string;
  /* How the Worker stores the records (POST ...?compression=): gzip, snappy, lz4 or
   * zstd compress each batch when that makes it smaller; none (the default) does not. */
  compression?: "none" | "gzip" | "snappy" | "lz4" | "zstd";
}

export class KafdoHttpProducer {
  constructor(
    private readonly transport: Transport,
    readonly config: ClientProducerConfig = {},
  ) {}

  /* Sends one message; resolves with where it was stored. */
  async send(message: ClientMessage): Promise<RecordMetadata> {
    const topic = this.topicOf(message, "send()");
    const base64 = needsBase64([message]);
    return this.transport.call<RecordMetadata>("POST", `/topics/${segment(topic)}/produce`, {
      query: { encoding: base64 ? "base64" : undefined, compression: this.config.compression },
      body: restMessage(message, base64),
    });
  }

  /* Sends several messages; resolves with their metadata, in the messages' order. */
  async sendBatch(messages: ClientMessage[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(messages)) {
      throw new KafdoClientError("INVALID_REQUEST", "sendBatch() takes an array of messages");
    }
    if (messages.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const topic = this.topicOf(m, `sendBatch() message ${i}`);
      const indexes = byTopic.get(topic) ?? [];
      indexes.push(i);
      byTopic.set(topic, indexes);
    });
    const results = new Array<RecordMetadata>(messages.length);
    await Promise.all(
      [...byTopic].map(async ([topic, indexes]) => {
        const batch = indexes.map((i) => messages[i]!);
        const base64 = needsBase64(batch);
        const answer = await this.transport.call<{ results: RecordMetadata[] }>(
          "POST",
          `/topics/${segment(topic)}/produce-batch`,
          {
            query: { encoding: base64 ? "base64" : undefined, compression: this.config.compression },
            body: { messages: batch.map((m) => restMessage(m, base64)) },
          },
        );
        indexes.forEach((messageIndex, k) => (results[messageIndex] = answer.results[k]!));
      }),
    );
    return results;
  }

  private topicOf(message: ClientMessage, where: string): string {
    const topic = message?.topic ?? this.config.defaultTopic;
    if (typeof topic !== "string" || topic === "") {
      throw new KafdoClientError(
        "INVALID_REQUEST",
        `${where}: the message names no topic and the producer has no defaultTopic`,
      );
    }
    return topic;
  }
}
