/*
 * kafka.ts — kafkajs's Kafka client class for code running in a Worker:
 *
 *   import { Kafka } from "kafdo/kafkajs";
 *   const kafka = new Kafka({ clientId: "my-app" });
 *
 * There are no brokers to reach: the producer, consumer and admin it makes call the
 * Kafdo Durable Objects of this Worker over RPC (the in-Worker API). Their bindings
 * are the Worker's own, read from `env` of "cloudflare:workers", so the config needs
 * nothing else; `env` in the config names other bindings (a test's, say). `brokers`,
 * `ssl`, `sasl` and the other connection options are accepted and ignored, so a
 * config written for kafkajs works unchanged.
 */
import { env as workerEnv } from "cloudflare:workers";
import type { KafdoBindings } from "../api";
import { KafkaJSAdmin } from "./admin";
import { KafkaJSConsumer, type ConsumerConfig } from "./consumer";
import { KafkaJSNonRetriableError } from "./errors";
import { KafkaJSProducer, type ProducerConfig } from "./producer";

export interface KafkaConfig {
  clientId?: string;
  /* Kafdo only: the Worker's bindings to use instead of those of "cloudflare:workers". */
  env?: KafdoBindings;
  /* kafkajs's connection options: accepted, not used. */
  brokers?: unknown;
  ssl?: unknown;
  sasl?: unknown;
  connectionTimeout?: number;
  requestTimeout?: number;
  retry?: unknown;
  logLevel?: number;
}

const DEFAULT_CLIENT_ID = "kafkajs";

function bindings(config: KafkaConfig): KafdoBindings {
  const env = (config.env ?? workerEnv) as Partial<KafdoBindings> | undefined;
  if (!env?.TOPIC_PARTITION || !env.CONSUMER_GROUP || !env.CLUSTER_METADATA) {
    throw new KafkaJSNonRetriableError(
      "Kafka needs this Worker's Kafdo bindings (TOPIC_PARTITION, CONSUMER_GROUP, CLUSTER_METADATA): " +
        "declare them in wrangler.toml, or pass { env } to new Kafka()",
    );
  }
  return env as KafdoBindings;
}

export class Kafka {
  private readonly env: KafdoBindings;
  private readonly clientId: string;

  constructor(config: KafkaConfig = {}) {
    this.env = bindings(config ?? {});
    this.clientId = config?.clientId ?? DEFAULT_CLIENT_ID;
  }

  producer(config?: ProducerConfig): KafkaJSProducer {
    return new KafkaJSProducer(this.env, this.clientId, config);
  }

  consumer(config: ConsumerConfig): KafkaJSConsumer {
    return new KafkaJSConsumer(this.env, this.clientId, config);
  }

  admin(): KafkaJSAdmin {
    return new KafkaJSAdmin(this.env);
  }
}
