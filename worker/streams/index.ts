/*
 * Stream processing in a Worker (issue 18): the stream DSL, run once or hosted.
 *
 *   await stream(env, "orders").filter((o) => o.amount > 100).to("high-value-orders")
 *   await kafka`orders`.window("5 minutes").groupBy((e) => e.userId).count().to("user-activity")
 *   export class OrdersPipeline extends PipelineDO { pipeline(from) { return from("orders")...to("x") } }
 */
export { stream, Stream, WindowedStream, GroupedStream, Pipeline } from "./stream";
export type { Aggregated, Counted, Windowed } from "./stream";
export type { RunSummary, StreamOptions } from "./plan";
export type { StreamRecord } from "./processor";
export type { WindowOptions } from "./windows";
export { PipelineDO, type PipelineStatus } from "./PipelineDO";
export { parseDuration } from "./duration";
