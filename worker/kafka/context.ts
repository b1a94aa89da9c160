/*
 * context.ts — what every Kafka API handler is given, and how a failure becomes
 * the error code a Kafka client expects.
 */
import type { Env } from "../durable-objects/bindings";
import type { AppendQueue } from "../partitions/append-queue";
import { KafdoError, KafkaCode } from "../common/errors";
import type { KafkaRequest } from "../../wasm/kafdo";
import type { KafkaRequestBodies } from "./generated/requests";

/* The one broker clients see: the gateway that carries their connection (node 0,
 * its address as the gateway advertised it), coordinator and leader for all. */
export interface Broker {
  nodeId: 0;
  host: string;
  port: number;
}

export interface KafkaContext {
  env: Env;
  broker: Broker;
  /* Who the connection is, as Kafka names principals ("User:alice"); set by the
   * connection's SASL session (sasl.ts), User:ANONYMOUS until it authenticates. */
  principal?: string;
  /* The connection's appends, in the order its requests queue them (Produce); a
   * handler called outside a connection queues its own. */
  appends?: AppendQueue;
  /* Lets the connection's next request start before this one is answered: a handler
   * calls it once every effect it has is queued in order (a Produce's appends), so a
   * later request cannot overtake it. Answers still go in order. */
  nextMayStart?: () => void;
}

/*
 * A handler answers one decoded request with its response body (field names as
 * the codec's, kafka_schema.c), or null when the request takes no response (a
 * Produce with acks 0).
 *
 * Each handler takes its own API's RequestOf<...>, and the tables of handlers
 * (index.ts, groups.ts) hold them all under their API keys: the core decoded each
 * body by the key the table picks the handler by. The type is a method's, whose
 * parameter TypeScript checks both ways, so that a handler of one API's request
 * fits a table of them all.
 */
export type Handler = {
  handle(ctx: KafkaContext, request: KafkaRequest): Promise<object | null> | object | null;
}["handle"];

/* A decoded request of one API, its body typed from the core's schema table
 * (generated/requests.ts, made from src-c/kafka_schema.c). */
export type RequestOf<Api extends keyof KafkaRequestBodies> = Omit<KafkaRequest, "body"> & {
  body: KafkaRequestBodies[Api];
};

/* Kafka's "authorized operations not asked for" (Metadata, DescribeGroups). */
export const NO_OPERATIONS = -2147483648;

/* The operations a broker without an authorizer reports allowed when asked: every one
 * its resource type supports (Kafka's AclEntry.supportedOperations, the core's table). */
export {
  KD_ACL_CLUSTER_OPERATIONS as CLUSTER_OPERATIONS,
  KD_ACL_TOPIC_OPERATIONS as TOPIC_OPERATIONS,
} from "../../wasm/generated/abi";

/* Kafka's code for a failure: a KafdoError's own (UNKNOWN_SERVER_ERROR for the
 * core's internal ones), UNKNOWN_SERVER_ERROR for anything else. */
export function errorCodeOf(e: unknown): number {
  return KafdoError.from(e)?.kafkaCode ?? KafkaCode.UNKNOWN_SERVER_ERROR;
}

/* The message a response's errorMessage field carries for a failure. */
export function errorMessageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/* Settles every item's promise; a rejection becomes that item's error code, so
 * one partition's failure never fails its neighbours' answers. */
export async function settleEach<T, R>(
  items: T[],
  run: (item: T) => Promise<R>,
  onError: (item: T, code: number, e: unknown) => R,
): Promise<R[]> {
  return Promise.all(
    items.map(async (item) => {
      try {
        return await run(item);
      } catch (e) {
        return onError(item, errorCodeOf(e), e);
      }
    }),
  );
}
