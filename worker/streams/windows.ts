/*
 * windows.ts — which windows a record belongs to, by its event time (the record's
 * timestamp), and when a window closes.
 *
 * Windows are aligned to the epoch, as Kafka Streams' are: a tumbling window of size S
 * holds [k*S, (k+1)*S); a hopping window of size S advancing by A holds [k*A, k*A+S)
 * for every k, so a record belongs to S/A windows (rounded up). A window accepts a
 * record while stream time (the greatest timestamp the aggregation has seen, this
 * record's included) is before the window's end plus its grace; once stream time
 * reaches end + grace the window is closed: its result is emitted once and a record
 * for it that arrives later is dropped (late beyond grace).
 */
import { KafdoError, KafkaCode } from "../common/errors";
import { parseDuration } from "./duration";

export interface WindowOptions {
  /* Hopping windows: how far each window starts after the previous one (≤ the size). */
  advance?: string | number;
  /* How long after its end a window still accepts late records. 0. */
  grace?: string | number;
}

export interface WindowSpec {
  sizeMs: number;
  advanceMs: number;
  graceMs: number;
}

export function windowSpec(size: string | number, options: WindowOptions = {}): WindowSpec {
  const sizeMs = parseDuration(size, "window size");
  const advanceMs = options.advance === undefined ? sizeMs : parseDuration(options.advance, "window advance");
  const graceMs = options.grace === undefined ? 0 : parseDuration(options.grace, "window grace", true);
  if (advanceMs > sizeMs) {
    throw new KafdoError(
      KafkaCode.INVALID_CONFIG,
      `window advance ${advanceMs} ms is longer than its size ${sizeMs} ms: records between windows would be lost`,
    );
  }
  return { sizeMs, advanceMs, graceMs };
}

/* The starts of every window holding `timestamp`, earliest first. */
export function windowStarts(spec: WindowSpec, timestamp: number): number[] {
  const last = Math.floor(timestamp / spec.advanceMs) * spec.advanceMs;
  const starts: number[] = [];
  for (let start = last; start > timestamp - spec.sizeMs; start -= spec.advanceMs) starts.unshift(start);
  return starts;
}

/* Whether the window starting at `start` is closed at stream time `streamTime`. */
export function windowClosed(spec: WindowSpec, start: number, streamTime: number): boolean {
  return start + spec.sizeMs + spec.graceMs <= streamTime;
}
