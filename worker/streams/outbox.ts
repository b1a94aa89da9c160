/*
 * outbox.ts — how a hosted pipeline writes its outputs exactly once.
 *
 * A step's outputs are first stored in the pipeline object's SQLite (the outbox), in
 * the same transaction as the input offsets and the aggregation state they follow
 * from; only then are they sent. Each output carries a header, kafdo-pipeline-output:
 * "<pipeline object id>/<outbox sequence number>", unique for ever. After a crash the
 * outbox still holds what may or may not have been sent: the object reads its output
 * partitions from where they ended before the send (stored with the outbox; from 0
 * for a partition or topic made since) and sends again only the outputs whose tag it
 * does not find there. A send is one producer call without retries (a retry of an
 * append whose answer was lost could store it twice): a failed send is recovered the
 * same way.
 *
 * Also here: outputs as JSON text for SQLite (keys, values and header values that are
 * bytes kept as base64).
 */
import { createAdmin, partitionOffsets } from "../api";
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { ProducerMessage } from "../common/api";
import { readFrom } from "./input";

export const OUTPUT_HEADER = "kafdo-pipeline-output";

const BYTES = "$kafdoBytes";

export function storedMessage(m: ProducerMessage): string {
  return JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? { [BYTES]: base64(v) } : v));
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function loadedMessage(text: string): ProducerMessage {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && BYTES in v && Object.keys(v).length === 1) {
      return Uint8Array.from(atob((v as Record<string, string>)[BYTES]!), (c) => c.charCodeAt(0));
    }
    return v;
  }) as ProducerMessage;
}

/* Each partition's high watermark, of each topic that exists; none for one that does not. */
export async function outputEnds(
  env: KafdoBindings,
  topics: string[],
): Promise<{ topic: string; partition: number; offset: number }[]> {
  const ends = await Promise.all(
    topics.map(async (topic) => {
      const partitions = await partitionsOf(env, topic);
      return Promise.all(
        partitions.map(async (partition) => ({
          topic,
          partition,
          offset: (await partitionOffsets(env, topic, partition)).latest,
        })),
      );
    }),
  );
  return ends.flat();
}

async function partitionsOf(env: KafdoBindings, topic: string): Promise<number[]> {
  try {
    return (await createAdmin(env).describeTopic(topic)).partitions.map((p) => p.partition);
  } catch (e) {
    if (KafdoError.from(e)?.code === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) return [];
    throw e;
  }
}

/* The output tags starting with `prefix` found in `topics` after the stored ends. */
export async function sentTags(
  env: KafdoBindings,
  topics: string[],
  ends: { topic: string; partition: number; offset: number }[],
  prefix: string,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const topic of topics) {
    for (const partition of await partitionsOf(env, topic)) {
      let offset = ends.find((e) => e.topic === topic && e.partition === partition)?.offset ?? 0;
      const { latest } = await partitionOffsets(env, topic, partition);
      while (offset < latest) {
        const { records, next } = await readFrom(env, topic, partition, offset, latest);
        for (const r of records) {
          const tag = r.headers[OUTPUT_HEADER];
          if (typeof tag === "string" && tag.startsWith(prefix)) found.add(tag);
        }
        offset = next;
      }
    }
  }
  return found;
}
