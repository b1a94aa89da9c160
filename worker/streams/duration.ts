/*
 * duration.ts — the lengths of time a stream's window takes: `5 minutes`, `1 minute`,
 * `30s`, `1h`, `250 ms`, `2 days`, or a whole number of milliseconds.
 *
 * A duration that does not parse is INVALID_CONFIG with a message saying what was
 * given and what is understood, thrown where the window is declared, so a pipeline
 * with a bad window never reads a record.
 */
import { KafdoError, KafkaCode } from "../common/errors";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
};

export const DURATION_FORMS = "a whole number of ms, or <n> ms|seconds|minutes|hours|days|weeks (5 minutes, 30s, 1h)";

function unit(word: string): number | undefined {
  const w = word.toLowerCase();
  return UNIT_MS[w] ?? (w.length > 2 && w.endsWith("s") ? UNIT_MS[w.slice(0, -1)] : undefined);
}

/* `what` names the parameter in the error ("window size", "grace"). `zero` allows 0. */
export function parseDuration(input: unknown, what: string, zero = false): number {
  let ms: number | undefined;
  if (typeof input === "number") ms = input;
  else if (typeof input === "string") {
    const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(input);
    const per = m ? unit(m[2]!) : undefined;
    if (m && per !== undefined) ms = Number(m[1]) * per;
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < (zero ? 0 : 1)) {
    throw new KafdoError(
      KafkaCode.INVALID_CONFIG,
      `${what} ${JSON.stringify(input)} is not a duration: expected ${DURATION_FORMS}${zero ? "" : ", more than 0"}`,
    );
  }
  return ms;
}
