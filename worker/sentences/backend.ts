/*
 * backend.ts — the sentences' backend in a Worker: each call one call of the in-Worker
 * API (worker/api/) over the Worker's bindings, so `kafka\`...\`` reads and writes the
 * same logs as every other door, under the same rules (the core's).
 *
 * Nothing is kept between calls: a producer or admin is made per sentence, as Durable
 * Object stubs may not outlive the request that made them.
 */
import { createAdmin, createConsumer, createProducer, partitionOffsets, readPartition } from "../api";
import { consumed } from "../api/consumer";
import { partitionOffsetForTime } from "../api/read";
import type { KafdoBindings } from "../durable-objects/bindings";
import type { SentenceBackend, SentenceRecord } from "../common/sentences/tag";

/* Records one read of a partition returns at most. */
const READ_LIMIT = 500;

export function workerBackend(bindings: () => KafdoBindings): SentenceBackend {
  return {
    admin: () => createAdmin(bindings()),

    async produce(topic, messages) {
      const producer = createProducer(bindings());
      try {
        return await producer.sendBatch(messages.map((m) => ({ ...m, topic })));
      } finally {
        await producer.close();
      }
    },

    consumeInGroup(topic, group, fromBeginning) {
      const env = bindings();
      return {
        async *[Symbol.asyncIterator]() {
          const consumer = createConsumer(env, { groupId: group, fromBeginning });
          try {
            await consumer.subscribe(topic);
            /* Each record's position moves past it as it is yielded; close() commits
             * those positions and leaves the group, whichever way the loop ends. */
            yield* consumer;
          } finally {
            await consumer.close();
          }
        },
      };
    },

    offsets: (topic, partition) => partitionOffsets(bindings(), topic, partition),

    async offsetForTime(topic, partition, timestamp) {
      return (await partitionOffsetForTime(bindings(), topic, partition, timestamp)).offset;
    },

    async read(topic, partition, offset): Promise<SentenceRecord[]> {
      const read = await readPartition(bindings(), topic, partition, { offset, limit: READ_LIMIT });
      return read.records.map((r) => consumed({ topic, partition }, r));
    },
  };
}
