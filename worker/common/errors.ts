/*
 * errors.ts — the one error type of Kafdo, KafdoError, and what a code means.
 *
 * The C core answers every call with a number: 0, a positive Kafka error code, or a
 * negative code of its own (kafdo.h). The wasm binding turns each non-zero answer into
 * a KafdoError carrying that number, the Kafka name of it, and the core's message. The
 * HTTP front maps KafdoErrors to statuses and the JSON error shape in one place; the
 * wire protocol sends `kafkaCode` as it is.
 *
 * The codes themselves come from one list in the core, src-c/errors.def, by way of
 * generated/errors.ts (scripts/gen-core-tables.mjs); nothing here restates a number.
 * Part of worker/common: imports nothing outside it, so every layer may use it.
 */
import {
  CORE_ERROR_KAFKA_CODES,
  CORE_ERROR_NAMES,
  KAFKA_ERROR_NAMES,
  KD_ERR_INVALID_ARG,
  KafkaCode,
  RETRIABLE_CODES,
} from "./generated/errors";

export {
  CORE_ERROR_NAMES,
  KAFKA_ERROR_NAMES,
  KD_ERR_COLD,
  KD_ERR_INVALID_ARG,
  KD_ERR_NOMEM,
  KD_ERR_STORAGE,
  KafkaCode,
  type KafkaCodeName,
} from "./generated/errors";

/* The name of a code the core returned: Kafka's name for a positive code, the core's
 * own for a negative one. */
export function errorName(code: number): string {
  if (code < 0) return CORE_ERROR_NAMES[code] ?? `KD_ERR_${-code}`;
  return KAFKA_ERROR_NAMES[code] ?? `KAFKA_ERROR_${code}`;
}

/* What a Kafka client is told for a code the core returned: a positive code as it is;
 * a core code as errors.def maps it (storage failure: KAFKA_STORAGE_ERROR; the rest:
 * UNKNOWN_SERVER_ERROR). */
export function kafkaCode(code: number): number {
  if (code >= 0) return code;
  return CORE_ERROR_KAFKA_CODES[code] ?? KafkaCode.UNKNOWN_SERVER_ERROR;
}

/* Whether Kafdo's producer and consumer try a call again after it failed with `code`
 * (errors.def's retriable: stale metadata, storage trouble); any other code is the
 * partition's verdict. */
export function isRetriable(code: number): boolean {
  return RETRIABLE_CODES.has(code);
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
