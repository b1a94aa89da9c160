/*
 * broker-configs.ts — what DescribeConfigs shows of the BROKER resource: the
 * broker configs whose meaning Kafdo keeps, all read-only (none changes at run
 * time; AlterConfigs refuses them, admin.ts). A config the Worker's settings
 * decide (wrangler.toml [vars], bindings) is STATIC_BROKER_CONFIG when set there,
 * else Kafka's DEFAULT_CONFIG; the log.* defaults are the topic configs' defaults
 * (topics.c), which every topic without an override follows.
 */
import type { Env } from "../durable-objects/bindings";
import type { Broker } from "./context";
import { MAX_READ_BYTES } from "../../wasm/kafdo";

/* DescribeConfigs' config sources and config types (v3). */
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;
const TYPE = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 } as const;

export interface BrokerConfig {
  name: string;
  value: string;
  source: number;
  type: number;
}

/* [name, value, type] of Kafka's default, which Kafdo applies as Kafka does. */
const KAFKA_DEFAULTS: [string, string, number][] = [
  ["broker.id", "0", TYPE.int],
  ["delete.topic.enable", "true", TYPE.boolean],
  ["default.replication.factor", "1", TYPE.int],
  ["log.cleanup.policy", "delete", TYPE.list],
  ["log.cleaner.delete.retention.ms", "86400000", TYPE.long],
  ["log.cleaner.max.compaction.lag.ms", "9223372036854775807", TYPE.long],
  ["log.cleaner.min.cleanable.ratio", "0.5", TYPE.double],
  ["log.cleaner.min.compaction.lag.ms", "0", TYPE.long],
  ["log.local.retention.bytes", "-2", TYPE.long],
  ["log.local.retention.ms", "-2", TYPE.long],
  ["log.retention.bytes", "-1", TYPE.long],
  ["log.retention.ms", "604800000", TYPE.long],
  ["log.roll.ms", "604800000", TYPE.long],
  ["log.segment.bytes", "1073741824", TYPE.int],
  ["message.max.bytes", "1048576", TYPE.int],
];

/* Every broker config Kafdo shows, in name order. */
export function brokerConfigs(env: Env, broker: Broker): BrokerConfig[] {
  const fromDefault = ([name, value, type]: [string, string, number]): BrokerConfig => ({
    name,
    value,
    type,
    source: SOURCE_DEFAULT,
  });
  const fromWorker = (name: string, set: string | undefined, fallback: string, type: number): BrokerConfig =>
    set === undefined
      ? { name, value: fallback, type, source: SOURCE_DEFAULT }
      : { name, value: set, type, source: SOURCE_STATIC_BROKER };
  const configs: BrokerConfig[] = [
    ...KAFKA_DEFAULTS.map(fromDefault),
    fromWorker(
      "auto.create.topics.enable",
      env.KAFDO_AUTO_CREATE_TOPICS === undefined ? undefined : String(env.KAFDO_AUTO_CREATE_TOPICS !== "false"),
      "true",
      TYPE.boolean,
    ),
    fromWorker(
      "num.partitions",
      env.KAFDO_DEFAULT_PARTITIONS === undefined ? undefined : String(Number(env.KAFDO_DEFAULT_PARTITIONS)),
      "1",
      TYPE.int,
    ),
    /* Kafdo's own: the gateway's address, its cap on a Fetch, its cold tier. */
    {
      name: "advertised.listeners",
      value: `PLAINTEXT://${broker.host}:${broker.port}`,
      type: TYPE.string,
      source: SOURCE_STATIC_BROKER,
    },
    { name: "fetch.max.bytes", value: String(MAX_READ_BYTES), type: TYPE.int, source: SOURCE_STATIC_BROKER },
    {
      name: "remote.log.storage.system.enable",
      value: String(env.KAFDO_COLD !== undefined),
      type: TYPE.boolean,
      source: SOURCE_STATIC_BROKER,
    },
  ];
  return configs.sort((a, b) => (a.name < b.name ? -1 : 1));
}
