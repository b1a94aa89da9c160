/*
 * stream.ts — the stream DSL: a topic's records through filter, map, flatMap, tap,
 * selectKey, window, groupBy and count / reduce / aggregate, ending in a sink.
 *
 *   await stream(env, "orders").filter(o => o.amount > 100).to("high-value-orders")
 *   await kafka`orders`.filter(o => o.amount > 100).to("high-value-orders")   (the same)
 *
 * Each call returns a new stream (steps are never shared between pipelines). Nothing
 * is read until a sink runs:
 *   - .to(topic) and .branch([predicate, topic], ...) return a Pipeline: awaiting it
 *     runs the pipeline once (once.ts); a PipelineDO reads its steps instead and runs
 *     them continuously (PipelineDO.ts). Not awaited, it never runs.
 *   - .collect() and .reduce(fn, initial?) run once at once and resolve to the values
 *     (or the folded value).
 *
 * The functions are given each record's value, and the record (key, timestamp,
 * partition, offset, headers) as a second argument; they may be async.
 */
import type { KafdoBindings } from "../durable-objects/bindings";
import { KafdoError, KafkaCode } from "../common/errors";
import type { QueryOptions, QueryResult } from "../common/query";
import { queryTopic } from "../api/query";
import { runCollect, runFold, runToSink } from "./once";
import type { StreamRecord, Step } from "./processor";
import type { Plan, RunSummary, Source, StreamOptions, StreamStart } from "./plan";
import { windowSpec, type WindowOptions, type WindowSpec } from "./windows";

/* eslint-disable @typescript-eslint/no-explicit-any -- values are the user's JSON */

type Fn<T, R> = (value: T, record: StreamRecord<T>) => R | Promise<R>;

/* A pipeline with its sink: awaiting it runs it once. */
export class Pipeline implements PromiseLike<RunSummary> {
  private running: Promise<RunSummary> | undefined;

  constructor(readonly plan: Plan) {}

  then<A = RunSummary, B = never>(
    onfulfilled?: ((value: RunSummary) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.running ??= runToSink(this.plan);
    return this.running.then(onfulfilled, onrejected);
  }
}

export class Stream<T = any> {
  constructor(
    readonly source: Source,
    readonly steps: readonly Step[] = [],
  ) {}

  filter(predicate: Fn<T, unknown>): Stream<T> {
    return this.with({ kind: "filter", fn: checked(predicate, "filter") });
  }

  map<U>(fn: Fn<T, U>): Stream<Awaited<U>> {
    return this.with({ kind: "map", fn: checked(fn, "map") });
  }

  flatMap<U>(fn: Fn<T, Iterable<U>>): Stream<U> {
    return this.with({ kind: "flatMap", fn: checked(fn, "flatMap") });
  }

  /* Calls fn with each value (awaited) and passes the value on unchanged. */
  tap(fn: Fn<T, unknown>): Stream<T> {
    return this.with({ kind: "tap", fn: checked(fn, "tap") });
  }

  /* Gives each record a new key (the value unchanged): what .to() then writes. */
  selectKey(fn: Fn<T, unknown>): Stream<T> {
    return this.with({ kind: "selectKey", fn: checked(fn, "selectKey") });
  }

  /* Windows over event time: tumbling (size), hopping (options.advance), with grace. */
  window(size: string | number, options?: WindowOptions): WindowedStream<T> {
    return new WindowedStream(this, windowSpec(size, options));
  }

  groupBy<K>(keyFn: Fn<T, K>): GroupedStream<T, K> {
    return new GroupedStream(this, undefined, checked(keyFn, "groupBy"));
  }

  /* Writes each value to `topic`, with its record's key and headers. */
  to(topic: string): Pipeline {
    return new Pipeline({ source: this.source, steps: this.steps, sink: { kind: "to", topic: topicName(topic) } });
  }

  /* Writes each value to the topic of the first predicate it matches; a value that
   * matches none is dropped. */
  branch(...branches: [Fn<T, unknown>, string][]): Pipeline {
    if (branches.length === 0) throw refused(".branch takes at least one [predicate, topic] pair");
    for (const b of branches) {
      if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== "function") {
        throw refused(".branch takes [predicate, topic] pairs: .branch([o => o.region === 'us', 'us-orders'], ...)");
      }
      topicName(b[1]);
    }
    return new Pipeline({ source: this.source, steps: this.steps, sink: { kind: "branch", branches } });
  }

  /* Reads to the topic's current end and resolves to the values that come out. */
  async collect(): Promise<T[]> {
    return (await runCollect({ source: this.source, steps: this.steps })) as T[];
  }

  /* Reads to the topic's current end and folds the values: fn(acc, value); without
   * `initial` the first value is the accumulator (undefined when there is none). */
  async reduce<A = T>(fn: (acc: A, value: T, record: StreamRecord<T>) => A | Promise<A>, initial?: A): Promise<A> {
    checked(fn, "reduce");
    return (await runFold({ source: this.source, steps: this.steps }, fn as never, arguments.length > 1, initial)) as A;
  }

  /* SQL over the topic (api/query.ts): one read-only SELECT over the records the topic
   * holds. It reads the topic itself, so it is a method of a topic's stream before any
   * step (a step's closure cannot run inside the partitions' SQLite). */
  query(sql: string, options?: QueryOptions): Promise<QueryResult> {
    if (this.steps.length > 0) {
      throw refused(".query(sql) reads the topic itself: call it before any step, as kafka`orders`.query(sql)");
    }
    return queryTopic(this.source.bindings(), this.source.topic, sql, options);
  }

  with(step: Step): Stream<any> {
    return new Stream(this.source, [...this.steps, step]);
  }
}

/* After .window(): group, or aggregate every record of a window together (key null). */
export class WindowedStream<T> {
  constructor(
    private readonly stream: Stream<T>,
    private readonly spec: WindowSpec,
  ) {}

  groupBy<K>(keyFn: Fn<T, K>): GroupedStream<T, K> {
    return new GroupedStream(this.stream, this.spec, checked(keyFn, "groupBy"));
  }

  count() {
    return new GroupedStream<T, null>(this.stream, this.spec, undefined).count();
  }

  reduce(fn: (acc: T, value: T, record: StreamRecord<T>) => T | Promise<T>) {
    return new GroupedStream<T, null>(this.stream, this.spec, undefined).reduce(fn);
  }

  aggregate<A>(initial: () => A, fn: (acc: A, value: T, record: StreamRecord<T>) => A | Promise<A>) {
    return new GroupedStream<T, null>(this.stream, this.spec, undefined).aggregate(initial, fn);
  }
}

export interface Windowed {
  windowStart: number;
  windowEnd: number;
}

/* What an aggregation puts out: the group key and its result (with its window). */
export type Counted<K, W> = { key: K; count: number } & W;
export type Aggregated<K, A, W> = { key: K; value: A } & W;

/* After .groupBy(): count, reduce or aggregate per key (per window when windowed). */
export class GroupedStream<T, K, W = object> {
  constructor(
    private readonly stream: Stream<T>,
    private readonly spec: WindowSpec | undefined,
    private readonly keyFn: Fn<T, K> | undefined,
  ) {}

  count(): Stream<Counted<K, W>> {
    return this.aggregateStep(
      "count",
      () => 0,
      (n: number) => n + 1,
    );
  }

  /* fn(acc, value): the first value of a key (in a window) is its accumulator. */
  reduce(fn: (acc: T, value: T, record: StreamRecord<T>) => T | Promise<T>): Stream<Aggregated<K, T, W>> {
    return this.aggregateStep("value", undefined, checked(fn, "reduce"));
  }

  aggregate<A>(
    initial: () => A,
    fn: (acc: A, value: T, record: StreamRecord<T>) => A | Promise<A>,
  ): Stream<Aggregated<K, A, W>> {
    checked(initial, "aggregate's initial");
    return this.aggregateStep("value", initial, checked(fn, "aggregate"));
  }

  private aggregateStep(field: "count" | "value", init: (() => unknown) | undefined, add: any): Stream<any> {
    const step: Step = { kind: "aggregate", field, add };
    if (this.spec) step.window = this.spec;
    if (this.keyFn) step.groupKey = this.keyFn as never;
    if (init) step.init = init;
    return this.stream.with(step);
  }
}

function refused(message: string): KafdoError {
  return new KafdoError(KafkaCode.INVALID_REQUEST, message);
}

function checked<F>(fn: F, what: string): F {
  if (typeof fn !== "function") throw refused(`.${what} takes a function`);
  return fn;
}

function topicName(topic: unknown): string {
  if (typeof topic !== "string" || topic.length === 0) throw refused("a stream's output topic is a topic name");
  return topic;
}

export function startOf(from: StreamOptions["from"]): StreamStart {
  if (from === undefined || from === "earliest") return { at: "earliest" };
  if (from === "latest") return { at: "latest" };
  const timestamp = from instanceof Date ? from.getTime() : from;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw refused(
      `a stream starts "earliest", "latest" or at a time (ms since the epoch or a Date), not ${String(from)}`,
    );
  }
  return { at: "time", timestamp };
}

/* The function form: stream(env, "orders", { name?, from? }). */
export function stream<T = any>(env: KafdoBindings, topic: string, options: StreamOptions = {}): Stream<T> {
  const source: Source = { bindings: () => env, topic: topicName(topic), start: startOf(options.from) };
  if (options.name !== undefined) source.name = options.name;
  return new Stream<T>(source);
}
