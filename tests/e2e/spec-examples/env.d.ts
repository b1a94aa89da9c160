/*
 * env.d.ts — the spec's `Env` (kafdo-README.md, "Environment Type"), exactly as written
 * there, below this comment. A script, not a module, so the examples see `Env` as a
 * global type, as they use it.
 */
interface Env {
  TOPIC_PARTITION: DurableObjectNamespace
  CONSUMER_GROUP: DurableObjectNamespace
  CLUSTER_METADATA: DurableObjectNamespace
}
