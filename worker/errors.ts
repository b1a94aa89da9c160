/*
 * errors.ts — the one error type of Kafdo, and Kafka's table of error names.
 *
 * The C core answers every call with a number: 0, a positive Kafka error code, or a
 * negative code of its own (kafdo.h). The wasm binding turns each non-zero answer into
 * a KafdoError carrying that number, the Kafka name of it, and the core's message. The
 * HTTP front maps KafdoErrors to statuses and the JSON error shape in one place; the
 * wire protocol sends `kafkaCode` as it is.
 *
 * This module imports nothing, so every layer (DOs, HTTP, api/, client/) may use it.
 */

/* Kafka's error codes by name, as apache/kafka's Errors.java spells them. */
export const KAFKA_ERROR_NAMES: Readonly<Record<number, string>> = {
  [-1]: "UNKNOWN_SERVER_ERROR",
  0: "NONE",
  1: "OFFSET_OUT_OF_RANGE",
  2: "CORRUPT_MESSAGE",
  3: "UNKNOWN_TOPIC_OR_PARTITION",
  4: "INVALID_FETCH_SIZE",
  5: "LEADER_NOT_AVAILABLE",
  6: "NOT_LEADER_OR_FOLLOWER",
  7: "REQUEST_TIMED_OUT",
  8: "BROKER_NOT_AVAILABLE",
  9: "REPLICA_NOT_AVAILABLE",
  10: "MESSAGE_TOO_LARGE",
  11: "STALE_CONTROLLER_EPOCH",
  12: "OFFSET_METADATA_TOO_LARGE",
  13: "NETWORK_EXCEPTION",
  14: "COORDINATOR_LOAD_IN_PROGRESS",
  15: "COORDINATOR_NOT_AVAILABLE",
  16: "NOT_COORDINATOR",
  17: "INVALID_TOPIC_EXCEPTION",
  18: "RECORD_LIST_TOO_LARGE",
  19: "NOT_ENOUGH_REPLICAS",
  20: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  21: "INVALID_REQUIRED_ACKS",
  22: "ILLEGAL_GENERATION",
  23: "INCONSISTENT_GROUP_PROTOCOL",
  24: "INVALID_GROUP_ID",
  25: "UNKNOWN_MEMBER_ID",
  26: "INVALID_SESSION_TIMEOUT",
  27: "REBALANCE_IN_PROGRESS",
  28: "INVALID_COMMIT_OFFSET_SIZE",
  29: "TOPIC_AUTHORIZATION_FAILED",
  30: "GROUP_AUTHORIZATION_FAILED",
  31: "CLUSTER_AUTHORIZATION_FAILED",
  32: "INVALID_TIMESTAMP",
  33: "UNSUPPORTED_SASL_MECHANISM",
  34: "ILLEGAL_SASL_STATE",
  35: "UNSUPPORTED_VERSION",
  36: "TOPIC_ALREADY_EXISTS",
  37: "INVALID_PARTITIONS",
  38: "INVALID_REPLICATION_FACTOR",
  39: "INVALID_REPLICA_ASSIGNMENT",
  40: "INVALID_CONFIG",
  41: "NOT_CONTROLLER",
  42: "INVALID_REQUEST",
  43: "UNSUPPORTED_FOR_MESSAGE_FORMAT",
  44: "POLICY_VIOLATION",
  45: "OUT_OF_ORDER_SEQUENCE_NUMBER",
  46: "DUPLICATE_SEQUENCE_NUMBER",
  47: "INVALID_PRODUCER_EPOCH",
  48: "INVALID_TXN_STATE",
  49: "INVALID_PRODUCER_ID_MAPPING",
  50: "INVALID_TRANSACTION_TIMEOUT",
  51: "CONCURRENT_TRANSACTIONS",
  52: "TRANSACTION_COORDINATOR_FENCED",
  53: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  54: "SECURITY_DISABLED",
  55: "OPERATION_NOT_ATTEMPTED",
  56: "KAFKA_STORAGE_ERROR",
  57: "LOG_DIR_NOT_FOUND",
  58: "SASL_AUTHENTICATION_FAILED",
  59: "UNKNOWN_PRODUCER_ID",
  60: "REASSIGNMENT_IN_PROGRESS",
  61: "DELEGATION_TOKEN_AUTH_DISABLED",
  62: "DELEGATION_TOKEN_NOT_FOUND",
  63: "DELEGATION_TOKEN_OWNER_MISMATCH",
  64: "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
  65: "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
  66: "DELEGATION_TOKEN_EXPIRED",
  67: "INVALID_PRINCIPAL_TYPE",
  68: "NON_EMPTY_GROUP",
  69: "GROUP_ID_NOT_FOUND",
  70: "FETCH_SESSION_ID_NOT_FOUND",
  71: "INVALID_FETCH_SESSION_EPOCH",
  72: "LISTENER_NOT_FOUND",
  73: "TOPIC_DELETION_DISABLED",
  74: "FENCED_LEADER_EPOCH",
  75: "UNKNOWN_LEADER_EPOCH",
  76: "UNSUPPORTED_COMPRESSION_TYPE",
  77: "STALE_BROKER_EPOCH",
  78: "OFFSET_NOT_AVAILABLE",
  79: "MEMBER_ID_REQUIRED",
  80: "PREFERRED_LEADER_NOT_AVAILABLE",
  81: "GROUP_MAX_SIZE_REACHED",
  82: "FENCED_INSTANCE_ID",
  83: "ELIGIBLE_LEADERS_NOT_AVAILABLE",
  84: "ELECTION_NOT_NEEDED",
  85: "NO_REASSIGNMENT_IN_PROGRESS",
  86: "GROUP_SUBSCRIBED_TO_TOPIC",
  87: "INVALID_RECORD",
  88: "UNSTABLE_OFFSET_COMMIT",
  89: "THROTTLING_QUOTA_EXCEEDED",
  90: "PRODUCER_FENCED",
  91: "RESOURCE_NOT_FOUND",
  92: "DUPLICATE_RESOURCE",
  93: "UNACCEPTABLE_CREDENTIAL",
  94: "INCONSISTENT_VOTER_SET",
  95: "INVALID_UPDATE_VERSION",
  96: "FEATURE_UPDATE_FAILED",
  97: "PRINCIPAL_DESERIALIZATION_FAILURE",
  98: "SNAPSHOT_NOT_FOUND",
  99: "POSITION_OUT_OF_RANGE",
  100: "UNKNOWN_TOPIC_ID",
  101: "DUPLICATE_BROKER_REGISTRATION",
  102: "BROKER_ID_NOT_REGISTERED",
  103: "INCONSISTENT_TOPIC_ID",
  104: "INCONSISTENT_CLUSTER_ID",
  105: "TRANSACTIONAL_ID_NOT_FOUND",
  106: "FETCH_SESSION_TOPIC_ID_ERROR",
  107: "INELIGIBLE_REPLICA",
  108: "NEW_LEADER_ELECTED",
  109: "OFFSET_MOVED_TO_TIERED_STORAGE",
  110: "FENCED_MEMBER_EPOCH",
  111: "UNRELEASED_INSTANCE_ID",
  112: "UNSUPPORTED_ASSIGNOR",
  113: "STALE_MEMBER_EPOCH",
  114: "MISMATCHED_ENDPOINT_TYPE",
  115: "UNSUPPORTED_ENDPOINT_TYPE",
  116: "UNKNOWN_CONTROLLER_ID",
};

/* The core's own codes (negative), as kafdo.h defines them. They share the negative
 * range with nothing in Kafka but UNKNOWN_SERVER_ERROR (-1), so a KafdoError keeps the
 * core's code in `code` and says what Kafka would send in `kafkaCode`. */
export const KD_ERR_NOMEM = -1;
export const KD_ERR_STORAGE = -2;
export const KD_ERR_INVALID_ARG = -3;
/* Not a failure: a read's offset is in the cold tier, which the caller reads itself. */
export const KD_ERR_COLD = -4;

const CORE_ERROR_NAMES: Readonly<Record<number, string>> = {
  [KD_ERR_NOMEM]: "KD_ERR_NOMEM",
  [KD_ERR_STORAGE]: "KD_ERR_STORAGE",
  [KD_ERR_INVALID_ARG]: "KD_ERR_INVALID_ARG",
  [KD_ERR_COLD]: "KD_ERR_COLD",
};

/* The name of a code the core returned: Kafka's name for a positive code, the core's
 * own for a negative one. */
/* The Kafka error codes the Worker raises itself, by name, so no module keeps its
 * own copy of a number. */
export const KafkaCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SASL_AUTHENTICATION_FAILED: 58,
  GROUP_ID_NOT_FOUND: 69,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  UNKNOWN_TOPIC_ID: 100,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
} as const;

export function errorName(code: number): string {
  if (code < 0) return CORE_ERROR_NAMES[code] ?? `KD_ERR_${-code}`;
  return KAFKA_ERROR_NAMES[code] ?? `KAFKA_ERROR_${code}`;
}

/* What a Kafka client is told for a code the core returned: a positive code as it is;
 * a storage failure as KAFKA_STORAGE_ERROR; any other core failure as
 * UNKNOWN_SERVER_ERROR. */
export function kafkaCode(code: number): number {
  if (code >= 0) return code;
  return code === KD_ERR_STORAGE ? 56 : -1;
}

/*
 * A KafdoError's name is its error name (CORRUPT_MESSAGE, ...), so it prints as
 * Kafka would say it. Errors that cross a Durable Object RPC boundary arrive as plain
 * Errors: workerd keeps neither the class nor own fields like `code`, and folds a
 * name it does not know into the message ("OFFSET_OUT_OF_RANGE: offset 3 is ...",
 * name "Error"). KafdoError.from() reads the name back from either place and
 * restores the KafdoError on the calling side.
 */
export class KafdoError extends Error {
  readonly code: number;

  constructor(code: number, message?: string) {
    super(message || errorName(code));
    this.name = errorName(code);
    this.code = code;
  }

  get kafkaCode(): number {
    return kafkaCode(this.code);
  }

  /* The KafdoError behind `e`, whether thrown here or received over RPC; undefined
   * when `e` is some other error. */
  static from(e: unknown): KafdoError | undefined {
    if (e instanceof KafdoError) return e;
    if (!(e instanceof Error)) return undefined;
    const code = codeOfName(e.name);
    if (code !== undefined) return new KafdoError(code, e.message);
    const folded = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(e.message);
    const foldedCode = folded ? codeOfName(folded[1]!) : undefined;
    return foldedCode === undefined ? undefined : new KafdoError(foldedCode, folded![2]);
  }
}

/*
 * What a Worker configured too old for Kafdo is told, by the first part that finds
 * the runtime lacking `feature`: Durable Object RPC (durable-objects/rpc.ts) is on
 * from compatibility_date 2024-04-03, WeakRef (wasm/storage-host.ts) from 2025-05-05.
 */
export function runtimeLacks(feature: string): KafdoError {
  return new KafdoError(
    KD_ERR_INVALID_ARG,
    `Kafdo needs ${feature}, which this Worker's compatibility settings leave off. ` +
      `Set compatibility_date = "2025-05-05" or later in wrangler.toml: Durable Object RPC needs ` +
      `2024-04-03 or later (or the "rpc" compatibility flag), WeakRef 2025-05-05 or later ` +
      `(or the "enable_weak_ref" compatibility flag).`,
  );
}

let codesByName: Map<string, number> | undefined;

function codeOfName(name: string): number | undefined {
  if (!codesByName) {
    codesByName = new Map();
    for (const [code, n] of Object.entries(KAFKA_ERROR_NAMES)) {
      if (Number(code) >= 0) codesByName.set(n, Number(code));
    }
    for (const [code, n] of Object.entries(CORE_ERROR_NAMES)) codesByName.set(n, Number(code));
  }
  return codesByName.get(name);
}
