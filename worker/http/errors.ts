/*
 * errors.ts — the one place where a failure becomes an HTTP answer.
 *
 * Every error the REST API sends has one shape,
 *
 *   {"error": {"code": "<NAME>", "message": "..."}}
 *
 * and its status follows from the code alone (STATUS below). Codes are Kafka's error
 * names (KafdoError, thrown by api/ and by the input checks here as INVALID_REQUEST),
 * or, for failures Kafka has no name for because they concern HTTP itself, one of
 * HttpCode (HttpError, thrown by the router and the body reader).
 *
 * Anything else that reaches errorResponse is a bug or an infrastructure failure: it
 * answers 500 UNKNOWN_SERVER_ERROR with a fixed message and is logged, so a stack
 * trace or an internal detail never reaches a client.
 */
import { KAFKA_ERROR_NAMES, KafdoError, errorName, KafkaCode } from "../common/errors";

export type HttpCode =
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "UPGRADE_REQUIRED";

export class HttpError extends Error {
  constructor(
    readonly code: HttpCode,
    message: string,
    /* Extra response headers (Allow on a 405). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/* Kafka's INVALID_REQUEST: what every malformed body, query or path answers. */

export function invalidRequest(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

/*
 * Statuses by code; a code not listed is 400 when it names an invalid input
 * (Kafka's INVALID_*), else 500.
 *
 * A consumer group's fencing errors (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID) are all 409: the request is well formed but the member's view
 * of the group is out of date, and the client's answer to each is the same, to
 * join again. UNKNOWN_MEMBER_ID is not 404 because no URL names a member; 404
 * stays for what the path names (no such route, topic or group).
 */
const STATUS: Readonly<Record<string, number>> = {
  CORRUPT_MESSAGE: 400,
  OFFSET_METADATA_TOO_LARGE: 400,
  UNAUTHORIZED: 401,
  TOPIC_AUTHORIZATION_FAILED: 403,
  GROUP_AUTHORIZATION_FAILED: 403,
  CLUSTER_AUTHORIZATION_FAILED: 403,
  RESOURCE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  GROUP_ID_NOT_FOUND: 404,
  TRANSACTIONAL_ID_NOT_FOUND: 404,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 403,
  METHOD_NOT_ALLOWED: 405,
  TOPIC_ALREADY_EXISTS: 409,
  REBALANCE_IN_PROGRESS: 409,
  ILLEGAL_GENERATION: 409,
  UNKNOWN_MEMBER_ID: 409,
  INCONSISTENT_GROUP_PROTOCOL: 409,
  NON_EMPTY_GROUP: 409,
  GROUP_MAX_SIZE_REACHED: 409,
  /* A transactional id held by a newer producer, or a transaction still ending. */
  PRODUCER_FENCED: 409,
  INVALID_PRODUCER_EPOCH: 409,
  CONCURRENT_TRANSACTIONS: 409,
  UNACCEPTABLE_CREDENTIAL: 400,
  UNSUPPORTED_SASL_MECHANISM: 400,
  MESSAGE_TOO_LARGE: 413,
  RECORD_LIST_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OFFSET_OUT_OF_RANGE: 416,
  /* A query over its budget (api/query.ts): well formed, but not run. */
  POLICY_VIOLATION: 422,
  UPGRADE_REQUIRED: 426,
};

export function statusOf(code: string): number {
  return STATUS[code] ?? (code.startsWith("INVALID_") ? 400 : 500);
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/* The code a failure is answered with (metrics count errors by it). */
export function errorCode(e: unknown): string {
  if (e instanceof HttpError) return e.code;
  const kafdo = KafdoError.from(e);
  /* The core's own failures (negative codes) are told as Kafka would tell them
   * (errorName would read a negative code as the core's). */
  if (kafdo) return KAFKA_ERROR_NAMES[kafdo.kafkaCode] ?? errorName(kafdo.kafkaCode);
  return "UNKNOWN_SERVER_ERROR";
}

export function errorResponse(e: unknown): Response {
  let code: string;
  let message: string;
  let headers: Record<string, string> = {};
  const kafdo = KafdoError.from(e);
  if (e instanceof HttpError) {
    ({ code, message, headers } = e);
  } else if (kafdo) {
    code = errorCode(e);
    message = kafdo.message;
  } else {
    console.error("kafdo: unexpected failure", e);
    code = "UNKNOWN_SERVER_ERROR";
    message = "the server failed to answer this request";
  }
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status: statusOf(code), headers });
}
