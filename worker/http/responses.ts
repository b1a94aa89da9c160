/*
 * responses.ts — the answers an endpoint declares: its successes (Reply), and the
 * error answers, each declared once here (Refusal) and named by the endpoints that
 * give it. Every error has the one shape of errors.ts (the Error schema).
 *
 * Every endpoint may answer BadRequest, Unauthorized and ServerError, and one that
 * reads a JSON body TooLarge and UnsupportedMediaType too; openapi.ts adds those.
 * An endpoint lists in `errors` only the others, or one that takes the place of a
 * default of the same status (WebhookUnauthorized for Unauthorized).
 */
import { MAX_BODY_BYTES } from "./input";
import { Struct, Type, named, type TSchema } from "./schema";

export interface Reply {
  description: string;
  schema?: TSchema;
  /* The body's media type when it is not JSON (GET /metrics' text). */
  mediaType?: string;
  headers?: Record<string, { description: string; schema: TSchema }>;
}

export interface Refusal {
  status: number;
  /* Its key in the document's components/responses. */
  name: string;
  description: string;
  headers?: Record<string, { description: string; schema: TSchema }>;
}

export const ok = (description: string, schema: TSchema): Reply => ({ description, schema });
export const noContent = (description = "Done; no body."): Reply => ({ description });
export const text = (description: string): Reply => ({ description, schema: Type.String(), mediaType: "text/plain" });

export const ErrorBody = named(
  "Error",
  Struct({
    error: Struct({
      code: Type.String({ description: "A Kafka error name, or an HTTP-level code." }),
      message: Type.String(),
    }),
  }),
);

const refusal = (status: number, name: string, description: string, headers?: Refusal["headers"]): Refusal => ({
  status,
  name,
  description,
  ...(headers ? { headers } : {}),
});

const CHALLENGE = {
  "WWW-Authenticate": {
    description: 'The challenge (RFC 6750): Bearer realm="kafdo", with error="invalid_token" for a wrong token.',
    schema: Type.String(),
  },
};

/* ---- what every endpoint may answer ---------------------------------------------- */

export const BadRequest = refusal(
  400,
  "BadRequest",
  "INVALID_REQUEST (malformed JSON, wrong body shape, bad path or query parameter), or " +
    "Kafka's INVALID_* and CORRUPT_MESSAGE (INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, " +
    "INVALID_CONFIG, INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, OFFSET_METADATA_TOO_LARGE, ...).",
);
export const Unauthorized = refusal(
  401,
  "Unauthorized",
  "UNAUTHORIZED: the Worker has a KAFDO_TOKEN and the request's bearer token is missing " +
    "or wrong. Checked before routing, so any request but GET /health may get it.",
  CHALLENGE,
);
export const ServerError = refusal(
  500,
  "ServerError",
  "UNKNOWN_SERVER_ERROR, KAFKA_STORAGE_ERROR or another Kafka error.",
);
/* With a JSON body. */
export const TooLarge = refusal(
  413,
  "TooLarge",
  "MESSAGE_TOO_LARGE (a record batch over the topic's max.message.bytes), RECORD_LIST_TOO_LARGE, " +
    `or PAYLOAD_TOO_LARGE (a body over the request limit, ${MAX_BODY_BYTES} bytes for JSON).`,
);
export const UnsupportedMediaType = refusal(
  415,
  "UnsupportedMediaType",
  "UNSUPPORTED_MEDIA_TYPE: the body is not sent as JSON.",
);

/* ---- named by the endpoints that give them ---------------------------------------- */

export const NotFound = refusal(404, "NotFound", "UNKNOWN_TOPIC_OR_PARTITION.");
export const Conflict = refusal(409, "Conflict", "TOPIC_ALREADY_EXISTS.");
export const OffsetOutOfRange = refusal(416, "OffsetOutOfRange", "OFFSET_OUT_OF_RANGE.");
export const OverBudget = refusal(
  422,
  "OverBudget",
  "POLICY_VIOLATION: the query would read past its row or byte budget.",
);
export const GroupConflict = refusal(
  409,
  "GroupConflict",
  "The member's view of the group is out of date: REBALANCE_IN_PROGRESS (join again), " +
    "ILLEGAL_GENERATION (a generation that is over), UNKNOWN_MEMBER_ID (the member left or " +
    "expired: join as a new member); or INCONSISTENT_GROUP_PROTOCOL (a strategy other than " +
    "the group's).",
);
export const GroupNotFound = refusal(
  404,
  "GroupNotFound",
  "GROUP_ID_NOT_FOUND: no such group (never joined nor committed to, or deleted).",
);
export const NonEmptyGroup = refusal(409, "NonEmptyGroup", "NON_EMPTY_GROUP: the group has members.");
export const WebhookUnauthorized = refusal(
  401,
  "WebhookUnauthorized",
  "UNAUTHORIZED: the topic's settings ask for a signature and it is missing, malformed, " +
    "stale (stripe's t) or does not match; or they ask for none, the Worker has a " +
    "KAFDO_TOKEN, and the bearer token is missing or wrong (then with WWW-Authenticate).",
  CHALLENGE,
);
export const NoSubscription = refusal(
  404,
  "NoSubscription",
  "GROUP_ID_NOT_FOUND: the group has no webhook subscription.",
);
export const TransactionNotFound = refusal(
  404,
  "TransactionNotFound",
  "TRANSACTIONAL_ID_NOT_FOUND: no producer ever initialised this transactional id.",
);
export const ProducerFenced = refusal(
  409,
  "ProducerFenced",
  "PRODUCER_FENCED or INVALID_PRODUCER_EPOCH: a newer producer holds the transactional id; " +
    "CONCURRENT_TRANSACTIONS: its last transaction is still ending (retry). Nothing of the request is visible.",
);
export const NoCredential = refusal(404, "NoCredential", "RESOURCE_NOT_FOUND: the SASL user has no such credential.");
