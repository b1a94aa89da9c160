/*
 * metrics.ts — GET /metrics.json, the Worker's metrics in JSON (the figures of
 * /metrics, and an hour of per-minute samples), read for stored sizes and the charts.
 * A Worker without it (404) leaves those parts of the pages empty.
 */
import { ApiError, get } from "./api";

/* The parts of /metrics.json (worker/common/metrics.ts, MetricsSnapshot) the console reads. */
export interface MinuteSample {
  minute: number;
  appendedRecords: number;
  appendedBytes: number;
  fetchedRecords: number;
  fetchedBytes: number;
  /* Group id → its total lag, as the scrapes in that minute saw it. */
  lag?: Record<string, number>;
}

interface Stored {
  hot: { rows: number; bytes: number };
  cold: { segments: number; bytes: number };
}

export interface Metrics {
  collectedAt: number;
  enabled: boolean;
  topics: { topic: string; partitions: { partition: number; stored: Stored }[]; series: MinuteSample[] }[];
  groups: { groupId: string; state: string; lag: number }[];
  series: MinuteSample[];
}

export async function loadMetrics(): Promise<Metrics | undefined> {
  try {
    return await get<Metrics>("/metrics.json");
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

const storedBytes = (s: Stored) => s.hot.bytes + s.cold.bytes;

/* A partition's stored bytes, hot tier and cold. */
export function partitionBytes(m: Metrics | undefined, topic: string, partition: number): number | undefined {
  const p = m?.topics.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === partition);
  return p ? storedBytes(p.stored) : undefined;
}

export function topicBytes(m: Metrics | undefined, topic: string): number | undefined {
  const t = m?.topics.find((x) => x.topic === topic);
  return t ? t.partitions.reduce((n, p) => n + storedBytes(p.stored), 0) : undefined;
}
