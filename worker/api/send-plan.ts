/*
 * send-plan.ts — the first step of every in-Worker send (producer.ts, transaction.ts):
 * messages checked and made records, each record's topic looked up (created when
 * auto-creation is on) and its partition chosen by the core (kd_partition: murmur2 of
 * the key as Kafka's Java client does, or the sticky partition for keyless records,
 * which moves once per send).
 */
import { partition as choosePartition } from "../../wasm/kafdo";
import type { Env } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { ProducerRecord } from "../common/records";
import type { ProducerMessage } from "../common/api";
import type { TopicInfo } from "../common/topics";
import { checkPartition, topicFor } from "../partitions/topics";
import { headerList, keyBytes, valueBytes } from "./records";

/* One message with its topic and partition. */
export interface Planned {
  index: number;
  topic: TopicInfo;
  partition: number;
  record: ProducerRecord;
}

export function toRecord(m: ProducerMessage, now: number): ProducerRecord {
  if (m === null || typeof m !== "object") throw new KafdoError(KafkaCode.INVALID_REQUEST, "a message is an object");
  if (typeof m.topic !== "string") throw new KafdoError(KafkaCode.INVALID_REQUEST, "a message names its topic");
  const timestamp = m.timestamp ?? now;
  /* The core refuses negative timestamps; what cannot reach it is a number that
   * is not an exact integer. */
  if (!Number.isSafeInteger(timestamp)) {
    throw new KafdoError(
      KafkaCode.INVALID_TIMESTAMP,
      `timestamp ${String(m.timestamp)} is not a time in ms since the epoch`,
    );
  }
  return { key: keyBytes(m.key), value: valueBytes(m.value), headers: headerList(m.headers), timestamp };
}

/* The messages `todo` (indexes into messages/records), each with its partition. */
export async function planMessages(
  env: Env,
  messages: ProducerMessage[],
  records: ProducerRecord[],
  todo: number[],
  sticky: number,
): Promise<Planned[]> {
  const topics = new Map<string, Promise<TopicInfo>>();
  for (const i of todo) {
    const name = messages[i]!.topic;
    if (!topics.has(name)) topics.set(name, topicFor(env, name, true));
  }
  const planned: Planned[] = [];
  for (const i of todo) {
    const topic = await topics.get(messages[i]!.topic)!;
    const explicit = messages[i]!.partition;
    let partition: number;
    if (explicit !== undefined && explicit !== null) {
      checkPartition(topic, explicit);
      partition = explicit;
    } else {
      partition = choosePartition(records[i]!.key, topic.partitions, sticky);
    }
    planned.push({ index: i, topic, partition, record: records[i]! });
  }
  return planned;
}

/* The planned messages by partition, in message order within each. */
export function byPartition(planned: Planned[]): Planned[][] {
  const groups = new Map<string, Planned[]>();
  for (const p of planned) {
    const key = `${p.topic.topicId}/${p.partition}`;
    const group = groups.get(key) ?? [];
    group.push(p);
    groups.set(key, group);
  }
  return [...groups.values()];
}
