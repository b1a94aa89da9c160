/*
 * sentences.ts — the tagged templates over HTTP: kafkaOver(client) is the `kafka` tag of
 * a Worker (tag.ts, the same grammar and the same meanings) for a KafdoClient.
 *
 *   import { KafdoClient, kafkaOver } from "kafdo/client"
 *   const kafka = kafkaOver(new KafdoClient({ baseUrl: "https://kafdo.example.workers.dev" }))
 *   await kafka`orders`.produce({ orderId: "123" })
 *
 * Each call is the client's: the admin's requests, the producer's, and for reading the
 * consumer's. A group read is a KafdoHttpConsumer member that fetches its assigned
 * partitions in turn and commits what the loop has received (each record's offset + 1),
 * after every round and when the loop ends, then leaves the group; it commits itself,
 * not by autoCommit, because a fetch's answer may hold records the loop never reaches.
 * A read without a group fetches by explicit offsets and commits nothing (the consumer
 * it fetches through is never joined; its group id only fills the required field).
 */
import type { OffsetCommit } from "../common/groups";
import { sentencesOver, type KafkaTag, type SentenceBackend, type SentenceRecord } from "../common/sentences/tag";
import type { KafdoClient } from "./client";

/* Records one fetch asks for at most. */
const FETCH_LIMIT = 500;
/* The wait after a round over the assigned partitions that found nothing. */
const GROUP_IDLE_MS = 200;
/* The group id of the never-joined consumer that reads without a group. */
const READER_GROUP = "kafdo-sentences-reader";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function kafkaOver(client: KafdoClient): KafkaTag {
  return sentencesOver(httpBackend(client));
}

function httpBackend(client: KafdoClient): SentenceBackend {
  const reader = (topic: string) => client.consumer({ groupId: READER_GROUP, topics: [topic], autoCommit: false });
  return {
    admin: () => client.admin(),
    produce: (topic, messages) => client.producer().sendBatch(messages.map((m) => ({ ...m, topic }))),
    consumeInGroup: (topic, group, fromBeginning) => ({
      [Symbol.asyncIterator]: () => readInGroup(client, topic, group, fromBeginning),
    }),
    offsets: (topic, partition) => reader(topic).getOffsets(topic, partition),
    async offsetForTime(topic, partition, timestamp) {
      return (await reader(topic).offsetForTime(topic, partition, timestamp)).offset;
    },
    async read(topic, partition, offset) {
      return (await reader(topic).fetch(topic, partition, { offset, limit: FETCH_LIMIT })).messages;
    },
  };
}

async function* readInGroup(
  client: KafdoClient,
  topic: string,
  group: string,
  fromBeginning: boolean,
): AsyncGenerator<SentenceRecord> {
  const consumer = client.consumer({ groupId: group, topics: [topic], fromBeginning, autoCommit: false });
  /* The next offset to read of each partition the loop has received records of. */
  const received = new Map<string, OffsetCommit>();
  const commitReceived = async () => {
    const assigned = new Set(consumer.assignment().map((tp) => `${tp.partition}@${tp.topic}`));
    const offsets = [...received].filter(([k]) => assigned.has(k)).map(([, o]) => o);
    received.clear();
    if (offsets.length > 0) await consumer.commit(offsets);
  };
  try {
    await consumer.connect();
    for (;;) {
      let found = false;
      for (const { topic: t, partition } of consumer.assignment()) {
        const { messages } = await consumer.fetch(t, partition, { limit: FETCH_LIMIT });
        for (const record of messages) {
          found = true;
          received.set(`${partition}@${t}`, { topic: t, partition, offset: record.offset + 1 });
          yield record;
        }
      }
      await commitReceived();
      if (!found) await sleep(GROUP_IDLE_MS);
    }
  } finally {
    try {
      await commitReceived();
    } finally {
      await consumer.disconnect();
    }
  }
}
