/*
 * Every record of a topic, read partition by partition with readPartition (not through
 * the stream code under test), values decoded as the consumer decodes them.
 */
import { env } from "cloudflare:workers";
import { createAdmin, partitionOffsets, readPartition } from "kafdo";
import { consumed } from "../../../worker/api/consumer";
import type { ConsumedRecord } from "../../../worker/common/records";

export async function contents(topic: string): Promise<ConsumedRecord[]> {
  const { partitions } = await createAdmin(env).describeTopic(topic);
  const out: ConsumedRecord[] = [];
  for (const { partition } of partitions) {
    let { earliest: offset, latest } = await partitionOffsets(env, topic, partition);
    while (offset < latest) {
      const read = await readPartition(env, topic, partition, { offset, limit: 1000 });
      for (const r of read.records) {
        if (r.offset < offset) continue;
        out.push(consumed({ topic, partition }, r));
        offset = r.offset + 1;
      }
      ({ latest } = await partitionOffsets(env, topic, partition));
    }
  }
  return out;
}

export const values = async (topic: string) => (await contents(topic)).map((r) => r.value);

/* Sorted copies, to compare outputs whose order across partitions is not fixed. */
export const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
