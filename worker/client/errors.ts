/*
 * errors.ts — the one error type of kafdo/client.
 *
 * Every failure a KafdoClient call ends with is a KafdoClientError, whether the
 * server refused the request or the request never got an answer. Its `code` says
 * which, by name:
 *
 *   - the server's error code, as the REST API sends it in its one error shape
 *     ({"error": {"code", "message"}}): Kafka's name for the error
 *     (UNKNOWN_TOPIC_OR_PARTITION, REBALANCE_IN_PROGRESS, ...) or one of the HTTP
 *     front's own (NOT_FOUND, UNAUTHORIZED, PAYLOAD_TOO_LARGE, ...);
 *   - REQUEST_TIMED_OUT (Kafka's name): no answer within the client's `timeout`;
 *   - NETWORK_EXCEPTION (Kafka's name): the server could not be reached (refused
 *     connection, unknown host, reset), after the retries;
 *   - UNEXPECTED_RESPONSE: something answered, but not as Kafdo answers (an HTML
 *     page, a proxy's error, JSON of another shape): baseUrl is likely not a Kafdo;
 *   - INVALID_CONFIG, INVALID_REQUEST (Kafka's names): the client refused its own
 *     configuration or arguments before sending anything.
 *
 * `status` is the HTTP status of the answer, 0 when there was none. The message
 * names the request (method and URL), so a log line says what failed where.
 *
 * Like KafdoError in the Worker, the error's `name` is its code, so it prints as
 * "UNKNOWN_TOPIC_OR_PARTITION: topic \"x\" does not exist (GET http://…: 404)".
 */
import { KAFKA_ERROR_NAMES } from "../common/errors";

export type ClientErrorCode =
  | "REQUEST_TIMED_OUT"
  | "NETWORK_EXCEPTION"
  | "UNEXPECTED_RESPONSE"
  | "INVALID_CONFIG"
  | "INVALID_REQUEST"
  | (string & {});

let kafkaCodes: Map<string, number> | undefined;

/* Kafka's numeric code for an error name; undefined for a name Kafka does not have. */
function kafkaCodeOf(name: string): number | undefined {
  if (!kafkaCodes) {
    kafkaCodes = new Map();
    for (const [code, n] of Object.entries(KAFKA_ERROR_NAMES)) kafkaCodes.set(n, Number(code));
  }
  return kafkaCodes.get(name);
}

export interface ClientErrorDetails {
  /* The HTTP status of the answer; 0 when no answer came. */
  status?: number;
  method?: string;
  url?: string;
  cause?: unknown;
}

export class KafdoClientError extends Error {
  /* The error's name: Kafka's, the REST API's, or the client's own (above). */
  readonly code: ClientErrorCode;
  /* The HTTP status of the answer; 0 when no answer came (timeout, network, refused locally). */
  readonly status: number;
  /* The request that failed, when one was sent. */
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = code;
    this.code = code;
    this.status = details.status ?? 0;
    this.method = details.method;
    this.url = details.url;
  }

  /* Kafka's numeric error code for `code`, when Kafka has one (3 for
   * UNKNOWN_TOPIC_OR_PARTITION); undefined for the HTTP front's and the client's own. */
  get kafkaCode(): number | undefined {
    return kafkaCodeOf(this.code);
  }
}
