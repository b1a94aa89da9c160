/*
 * plan.ts — what a pipeline is, as data: its source (a topic, where to start, its
 * name), its steps (processor.ts) and its sink. The DSL (stream.ts) builds one; a run
 * once (once.ts) and a hosting object (PipelineDO.ts) run one.
 */
import type { KafdoBindings } from "../durable-objects/bindings";
import type { StreamRecord, Step } from "./processor";

/* eslint-disable @typescript-eslint/no-explicit-any -- values are the user's JSON */

/* Where a run once starts when its pipeline has no committed offsets (or no name). */
export type StreamStart = { at: "earliest" } | { at: "latest" } | { at: "time"; timestamp: number };

export interface StreamOptions {
  /* A named pipeline resumes where its last run stopped: its offsets are committed
   * to the consumer group of this name. */
  name?: string;
  /* Where to start without committed offsets: "earliest" (default), "latest", or a
   * time (ms since the epoch, or a Date): each partition's first record at or after it. */
  from?: "earliest" | "latest" | number | Date;
}

export interface Source {
  bindings: () => KafdoBindings;
  topic: string;
  start: StreamStart;
  name?: string;
}

/* What a pipeline writes its results to. */
export type Sink =
  | { kind: "to"; topic: string }
  | { kind: "branch"; branches: [(value: any, record: StreamRecord<any>) => unknown, string][] };

/* A pipeline's whole definition: what PipelineDO hosts and once.ts runs. */
export interface Plan {
  source: Source;
  steps: readonly Step[];
  sink: Sink;
}

/* What a run once did. */
export interface RunSummary {
  /* input records read */
  read: number;
  /* records written to the sink's topics */
  written: number;
  /* each input partition's next offset after the run */
  offsets: { partition: number; offset: number }[];
}
