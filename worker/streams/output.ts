/*
 * output.ts — what a pipeline's sink writes for a record that comes out of its steps:
 * for .to(topic), the value to that topic; for .branch(...), to the topic of the first
 * predicate the value matches (none: nothing). The record's key and headers are kept
 * (an aggregation's results carry their group key; selectKey sets another); its
 * timestamp is kept too, so windows downstream see the same event time.
 */
import type { ProducerMessage } from "../common/api";
import type { StreamRecord } from "./processor";
import type { Sink } from "./plan";

export async function sinkMessage(sink: Sink, r: StreamRecord): Promise<ProducerMessage | undefined> {
  let topic: string | undefined;
  if (sink.kind === "to") topic = sink.topic;
  else {
    for (const [predicate, to] of sink.branches) {
      if (await predicate(r.value, r)) {
        topic = to;
        break;
      }
    }
  }
  if (topic === undefined) return undefined;
  return { topic, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp };
}
