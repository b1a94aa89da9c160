/*
 * The tagged templates in a Worker: `import { kafka } from "kafdo"`.
 *
 *   await kafka`create topic orders with 3 partitions`
 *   await kafka`orders`.produce({ orderId: "123", amount: 99.99 })
 *   for await (const record of kafka`orders group analytics`) { ... break }
 *
 * `kafka` takes its bindings from the Worker's env (`cloudflare:workers`), read at each
 * sentence, so it needs no setup where the Worker binds TOPIC_PARTITION, CONSUMER_GROUP
 * and CLUSTER_METADATA as the README's Configuration shows; kafkaWith(env) takes them
 * explicitly. The sentences are grammar.ts's, what they do tag.ts's.
 */
import { env } from "cloudflare:workers";
import type { KafdoBindings } from "../durable-objects/bindings";
import { sentencesOver } from "../common/sentences/tag";
import { withStreams, type KafkaStreamTag } from "../streams/sentence";
import { workerBackend } from "./backend";

/* The tag over explicit bindings. Topic sentences carry the stream DSL (worker/streams/). */
export function kafkaWith(bindings: KafdoBindings): KafkaStreamTag {
  return withStreams(sentencesOver(workerBackend(() => bindings)), () => bindings);
}

/* The tag over the Worker's own bindings (cloudflare:workers's env). */
const workerEnv = () => env as unknown as KafdoBindings;
export const kafka: KafkaStreamTag = withStreams(sentencesOver(workerBackend(workerEnv)), workerEnv);

export { FORMS as SENTENCE_FORMS, parseSentence } from "../common/sentences/grammar";
export type { ReadStart, ResetTarget, Sentence } from "../common/sentences/grammar";
export type { KafkaStreamTag, StreamingSentence } from "../streams/sentence";
export type {
  GroupReset,
  GroupSummary,
  KafkaSentence,
  KafkaTag,
  ProduceOptions,
  SentenceRecord,
  TopicSummary,
} from "../common/sentences/tag";
