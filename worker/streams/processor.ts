/*
 * processor.ts — runs a pipeline's steps over records: the stateless steps (filter,
 * map, flatMap, tap, selectKey) record by record, and the aggregations (count, reduce,
 * aggregate; grouped, windowed or not) with their state held here, so that both ways
 * of running a pipeline — once (once.ts) and hosted (PipelineDO.ts) — share one
 * meaning of every step.
 *
 * An aggregation emits a result record that the steps after it then see:
 *   - windowed: when the window closes (windows.ts), once, its final result;
 *   - not windowed: at the end of each batch (endBatch), each key's new result.
 *   - at the end of a run once (endBatch(true)), every window still open as well.
 * A result's value is { key, count } or { key, value } ({ key, windowStart,
 * windowEnd, ... } when windowed), its record key the group key (as text when it is
 * not a string), its timestamp the window start (else the latest record counted).
 *
 * The state is plain JSON (the user's accumulators must be JSON values when the
 * pipeline is hosted: the hosting object stores them); changes() says which entries
 * a batch changed, for the host to commit with its input offsets.
 */
import type { ConsumedBytes } from "../common/records";
import { windowClosed, windowStarts, type WindowSpec } from "./windows";

/* A record as the pipeline's functions see it beside its value. */
export interface StreamRecord<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: ConsumedBytes;
  value: T;
  headers: Record<string, ConsumedBytes>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the user's functions take and return any values */
type Fn = (value: any, record: StreamRecord<any>) => any;

export type Step =
  | { kind: "filter" | "map" | "flatMap" | "tap" | "selectKey"; fn: Fn }
  | {
      kind: "aggregate";
      window?: WindowSpec;
      groupKey?: Fn;
      /* count: { count }; reduce / aggregate: { value } */
      field: "count" | "value";
      init?: () => unknown;
      add: (acc: any, value: any, record: StreamRecord<any>) => any;
    };
/* eslint-enable @typescript-eslint/no-explicit-any */

/* One aggregate's entry: a key's accumulator (in one window when windowed). */
export interface Entry {
  key: unknown;
  windowStart?: number;
  acc: unknown;
  /* The latest timestamp counted. */
  ts: number;
}

/* What a batch changed: entries set or removed (value null), each aggregation's stream time. */
export interface StateChanges {
  entries: { step: number; id: string; entry: Entry | null }[];
  streamTimes: { step: number; time: number }[];
}

export interface SavedState {
  entries: { step: number; id: string; entry: Entry }[];
  streamTimes: { step: number; time: number }[];
}

interface AggregateState {
  entries: Map<string, Entry>;
  streamTime: number;
  /* the earliest start of an open window (windowed): none closes before its close time */
  earliestStart: number;
  /* ids changed since changes() was last asked (for the host's commit) */
  touched: Set<string>;
  /* ids whose new result a batch's end emits (not windowed) */
  dirty: Set<string>;
}

export type Emit = (record: StreamRecord) => void | Promise<void>;

function keyOut(key: unknown): ConsumedBytes {
  if (key === undefined || key === null) return null;
  if (typeof key === "string" || key instanceof Uint8Array) return key;
  return typeof key === "object" ? JSON.stringify(key) : String(key);
}

export class Processor {
  private readonly states: AggregateState[];

  constructor(
    private readonly steps: readonly Step[],
    private readonly emit: Emit,
    saved?: SavedState,
  ) {
    this.states = steps.map(() => ({
      entries: new Map(),
      streamTime: -1,
      earliestStart: Infinity,
      touched: new Set(),
      dirty: new Set(),
    }));
    for (const { step, id, entry } of saved?.entries ?? []) {
      const state = this.states[step]!;
      state.entries.set(id, entry);
      if (entry.windowStart !== undefined) state.earliestStart = Math.min(state.earliestStart, entry.windowStart);
    }
    for (const { step, time } of saved?.streamTimes ?? []) this.states[step]!.streamTime = time;
  }

  /* Runs one record through the steps from `from` on. */
  async push(record: StreamRecord, from = 0): Promise<void> {
    let r = record;
    for (let i = from; i < this.steps.length; i++) {
      const step = this.steps[i]!;
      switch (step.kind) {
        case "filter":
          if (!(await step.fn(r.value, r))) return;
          break;
        case "map":
          r = { ...r, value: await step.fn(r.value, r) };
          break;
        case "selectKey":
          r = { ...r, key: keyOut(await step.fn(r.value, r)) };
          break;
        case "tap":
          await step.fn(r.value, r);
          break;
        case "flatMap":
          for (const value of await step.fn(r.value, r)) await this.push({ ...r, value }, i + 1);
          return;
        case "aggregate":
          await this.aggregate(i, step, r);
          return;
      }
    }
    await this.emit(r);
  }

  /* The end of a batch: each changed key's result of the aggregations that are not
   * windowed; with `final` (the end of a run once), every open window's as well. */
  async endBatch(final = false): Promise<void> {
    for (const [i, step] of this.steps.entries()) {
      if (step.kind !== "aggregate") continue;
      const state = this.states[i]!;
      if (step.window) {
        if (!final) continue;
        for (const [id, entry] of [...state.entries]) await this.close(i, step, state, id, entry);
        state.earliestStart = Infinity;
      } else {
        const dirty = [...state.dirty];
        state.dirty.clear();
        for (const id of dirty) await this.push(this.result(step, state.entries.get(id)!), i + 1);
      }
    }
  }

  /* What changed since the last call, for the host to commit. */
  changes(): StateChanges {
    const changes: StateChanges = { entries: [], streamTimes: [] };
    for (const [step, state] of this.states.entries()) {
      if (this.steps[step]!.kind !== "aggregate") continue;
      for (const id of state.touched) changes.entries.push({ step, id, entry: state.entries.get(id) ?? null });
      state.touched.clear();
      changes.streamTimes.push({ step, time: state.streamTime });
    }
    return changes;
  }

  private async aggregate(i: number, step: Extract<Step, { kind: "aggregate" }>, r: StreamRecord): Promise<void> {
    const state = this.states[i]!;
    const key = step.groupKey ? await step.groupKey(r.value, r) : null;
    const keyId = JSON.stringify(key ?? null);
    const advanced = r.timestamp > state.streamTime;
    state.streamTime = Math.max(state.streamTime, r.timestamp);
    const starts = step.window ? windowStarts(step.window, r.timestamp) : [undefined];
    for (const windowStart of starts) {
      /* late beyond grace: the window has closed (and emitted) without this record */
      if (windowStart !== undefined && windowClosed(step.window!, windowStart, state.streamTime)) continue;
      const id = windowStart === undefined ? keyId : `${windowStart}:${keyId}`;
      const had = state.entries.get(id);
      const acc =
        had !== undefined
          ? await step.add(had.acc, r.value, r)
          : step.init
            ? await step.add(step.init(), r.value, r)
            : r.value; /* reduce: the first value is the accumulator */
      state.entries.set(id, { key, windowStart, acc, ts: Math.max(had?.ts ?? -1, r.timestamp) });
      if (windowStart !== undefined) state.earliestStart = Math.min(state.earliestStart, windowStart);
      state.touched.add(id);
      state.dirty.add(id);
    }
    /* only a record that moves stream time on can close a window */
    if (step.window && advanced && windowClosed(step.window, state.earliestStart, state.streamTime)) {
      let earliest = Infinity;
      for (const [id, entry] of [...state.entries]) {
        if (windowClosed(step.window, entry.windowStart!, state.streamTime))
          await this.close(i, step, state, id, entry);
        else earliest = Math.min(earliest, entry.windowStart!);
      }
      state.earliestStart = earliest;
    }
  }

  private async close(
    i: number,
    step: Extract<Step, { kind: "aggregate" }>,
    state: AggregateState,
    id: string,
    entry: Entry,
  ): Promise<void> {
    state.entries.delete(id);
    state.dirty.delete(id);
    state.touched.add(id);
    await this.push(this.result(step, entry), i + 1);
  }

  private result(step: Extract<Step, { kind: "aggregate" }>, entry: Entry): StreamRecord {
    const value: Record<string, unknown> = { key: entry.key };
    if (entry.windowStart !== undefined) {
      value.windowStart = entry.windowStart;
      value.windowEnd = entry.windowStart + step.window!.sizeMs;
    }
    value[step.field] = entry.acc;
    return {
      topic: "",
      partition: -1,
      offset: -1,
      timestamp: entry.windowStart ?? entry.ts,
      key: keyOut(entry.key),
      value,
      headers: {},
    };
  }
}
