/*
 * sentence.ts — the stream DSL on the tagged templates: kafka`orders`.filter(...),
 * .map(...), .to(...), and the rest of Stream's methods, on every topic sentence.
 *
 *   kafka`orders`                        the topic from its log start to its end now
 *   kafka`orders since yesterday`        from the first record at or after the time
 *   kafka`orders from beginning`         from the log start (the same as bare)
 *   kafka`orders`.query(sql)             SQL over the topic (api/query.ts)
 *   kafka`orders group high-value`       the pipeline named high-value: it resumes where
 *                                        its last run stopped (its offsets committed to
 *                                        the consumer group high-value)
 *
 * (A bare kafka`orders` read with for await starts at the end, as a consumer does; a
 * pipeline over it processes what is already there: a run once is for the records
 * the topic holds.) The stream methods of any other sentence are refused.
 */
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { KafkaSentence, KafkaTag } from "../common/sentences/tag";
import type { Source } from "./plan";
import { Stream } from "./stream";

const METHODS = [
  "filter",
  "map",
  "flatMap",
  "tap",
  "selectKey",
  "window",
  "groupBy",
  "to",
  "branch",
  "collect",
  "reduce",
  "query",
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a topic's values are the user's JSON
export type StreamMethods = Pick<Stream<any>, (typeof METHODS)[number]>;
export type StreamingSentence = KafkaSentence & StreamMethods;
export type KafkaStreamTag = (strings: TemplateStringsArray, ...values: unknown[]) => StreamingSentence;

/* The stream of a topic sentence. */
function sentenceStream(sentence: KafkaSentence, bindings: () => KafdoBindings, method: string): Stream {
  const s = sentence.sentence;
  if (s.kind !== "topic") {
    throw new KafdoError(
      KafkaCode.INVALID_REQUEST,
      `.${method}() is a stream method, for a sentence that names a topic: kafka\`orders\`.${method}(...)`,
    );
  }
  const source: Source = { bindings, topic: s.topic, start: s.start ?? { at: "earliest" } };
  if (s.group !== undefined) source.name = s.group;
  return new Stream(source);
}

/* `tag` with the stream methods added to each sentence it makes. */
export function withStreams(tag: KafkaTag, bindings: () => KafdoBindings): KafkaStreamTag {
  return (strings, ...values) => {
    const sentence = tag(strings, ...values);
    for (const method of METHODS) {
      Object.defineProperty(sentence, method, {
        value: (...args: unknown[]) => {
          const stream = sentenceStream(sentence, bindings, method);
          return (stream[method] as (...a: unknown[]) => unknown).apply(stream, args);
        },
        configurable: true,
        writable: true,
      });
    }
    return sentence as StreamingSentence;
  };
}
