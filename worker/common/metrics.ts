/*
 * metrics.ts — the in-memory counters behind GET /metrics and /metrics.json, and
 * their shapes. A leaf: it imports nothing, so the doors, the Durable Objects and
 * the wasm binding's storage host can all count into it.
 *
 * Nothing here is stored: counting adds to numbers in this isolate's (or this
 * Durable Object's) memory, never a storage write per request. A scrape gathers the
 * numbers by asking the objects (api/metrics.ts). What a restart loses is said in
 * each shape's comment: counters count from when their isolate or object started
 * (`since`), as a Prometheus counter restarts from 0 with its process.
 *
 * KAFDO_METRICS=off turns the counting off (metricsEnabled); what the storage itself
 * answers (offsets, sizes, groups and lag) is still served.
 */

/* The three ways in: the REST API, the Kafka protocol (per API key, through
 * `kafdo gateway`), and RPC from a Worker bound to KafdoService. */
export type Door = "rest" | "kafka" | "rpc";
export const DOORS: readonly Door[] = ["rest", "kafka", "rpc"];

/* Upper bounds of the latency histogram's buckets, in ms (the last bucket, +Inf, is
 * implied): from a cached metadata answer to a long-polling fetch. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
];

export function metricsEnabled(env: { KAFDO_METRICS?: string }): boolean {
  return env.KAFDO_METRICS !== "off";
}

/* ---- per door: requests, errors by code, latency ------------------------------- */

export interface OperationStats {
  requests: number;
  /* Error code name (Kafka's, or an HTTP one such as NOT_FOUND) → count. */
  errors: Record<string, number>;
  latencyMs: {
    /* Non-cumulative counts per bucket of LATENCY_BUCKETS_MS, then one for +Inf. */
    buckets: number[];
    sum: number;
    count: number;
  };
}

/* Door → operation (a REST route as "METHOD /path/:param", a Kafka API's name, an
 * RPC method's name) → its stats. */
export type DoorStats = Record<Door, Record<string, OperationStats>>;

export function emptyDoorStats(): DoorStats {
  return { rest: {}, kafka: {}, rpc: {} };
}

const isolate = {
  doors: emptyDoorStats(),
  id: "",
  since: 0,
};

/* This isolate's id and start, made on first use (not at global scope, where a
 * Worker has no clock and no randomness). */
export function isolateIdentity(): { id: string; since: number } {
  if (!isolate.id) {
    isolate.id = crypto.randomUUID();
    isolate.since = Date.now();
  }
  return { id: isolate.id, since: isolate.since };
}

function newOperation(): OperationStats {
  return {
    requests: 0,
    errors: {},
    latencyMs: { buckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 },
  };
}

/* Counts one request of `operation` at `door` that took `ms`, failed with `errorCode`
 * unless it is undefined. */
export function recordRequest(door: Door, operation: string, ms: number, errorCode?: string): void {
  isolateIdentity();
  const ops = isolate.doors[door];
  const op = (ops[operation] ??= newOperation());
  op.requests++;
  if (errorCode !== undefined) op.errors[errorCode] = (op.errors[errorCode] ?? 0) + 1;
  let bucket = 0;
  while (bucket < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[bucket]!) bucket++;
  op.latencyMs.buckets[bucket]!++;
  op.latencyMs.sum += ms;
  op.latencyMs.count++;
}

/* A copy of this isolate's door stats, to send or to merge. */
export function isolateDoorStats(): DoorStats {
  return structuredClone(isolate.doors);
}

/* Adds `from` into `into` (several isolates' stats into one). */
export function addDoorStats(into: DoorStats, from: DoorStats): DoorStats {
  for (const door of DOORS) {
    for (const [name, op] of Object.entries(from[door] ?? {})) {
      const to = (into[door][name] ??= newOperation());
      to.requests += op.requests;
      for (const [code, n] of Object.entries(op.errors)) to.errors[code] = (to.errors[code] ?? 0) + n;
      op.latencyMs.buckets.forEach((n, i) => (to.latencyMs.buckets[i] = (to.latencyMs.buckets[i] ?? 0) + n));
      to.latencyMs.sum += op.latencyMs.sum;
      to.latencyMs.count += op.latencyMs.count;
    }
  }
  return into;
}

/* ---- a partition's traffic, and the last hour by minute ------------------------ */

export interface Traffic {
  appendedRecords: number;
  appendedBytes: number;
  fetchedRecords: number;
  fetchedBytes: number;
}

export function noTraffic(): Traffic {
  return { appendedRecords: 0, appendedBytes: 0, fetchedRecords: 0, fetchedBytes: 0 };
}

export function addTraffic(into: Traffic, from: Partial<Traffic>): void {
  into.appendedRecords += from.appendedRecords ?? 0;
  into.appendedBytes += from.appendedBytes ?? 0;
  into.fetchedRecords += from.fetchedRecords ?? 0;
  into.fetchedBytes += from.fetchedBytes ?? 0;
}

export const MINUTE_MS = 60000;
export const SERIES_MINUTES = 60;

/* One minute of traffic: `minute` is its start (ms since the epoch). */
export interface MinuteTraffic extends Traffic {
  minute: number;
}

/*
 * The last hour of a partition's traffic, one sample a minute, kept in the
 * object's memory (SERIES_MINUTES samples at most; lost when the object restarts).
 */
export class TrafficSeries {
  private readonly minutes: MinuteTraffic[] = [];

  add(now: number, traffic: Partial<Traffic>): void {
    const minute = now - (now % MINUTE_MS);
    let last = this.minutes[this.minutes.length - 1];
    if (!last || last.minute !== minute) {
      last = { minute, ...noTraffic() };
      this.minutes.push(last);
      if (this.minutes.length > SERIES_MINUTES) this.minutes.shift();
    }
    addTraffic(last, traffic);
  }

  /* The samples of the last hour up to `now`, oldest first (minutes without traffic
   * left out). */
  lastHour(now: number): MinuteTraffic[] {
    const from = now - (now % MINUTE_MS) - (SERIES_MINUTES - 1) * MINUTE_MS;
    return this.minutes.filter((m) => m.minute >= from).map((m) => ({ ...m }));
  }
}

/* The minute starts of the last hour up to `now`, oldest first: the series' x axis. */
export function lastHourMinutes(now: number): number[] {
  const current = now - (now % MINUTE_MS);
  return Array.from({ length: SERIES_MINUTES }, (_, i) => current - (SERIES_MINUTES - 1 - i) * MINUTE_MS);
}

/* ---- what each object answers a scrape ---------------------------------------- */

export interface SqlRowCounts {
  rowsRead: number;
  rowsWritten: number;
}

/* A TopicPartitionDO's answer. Counters (traffic, sql) count from `since`, when the
 * object started in memory; the rest is read from its storage. */
export interface PartitionMetrics {
  logStartOffset: number;
  highWatermark: number;
  stored: { hot: { rows: number; bytes: number }; cold: { segments: number; bytes: number } };
  traffic: Traffic;
  sql: SqlRowCounts;
  series: MinuteTraffic[];
  since: number;
}

/* A ConsumerGroupDO's answer. */
export interface GroupMetrics {
  state: string;
  members: number;
  generationId: number;
  offsets: { topic: string; partition: number; offset: number }[];
  sql: SqlRowCounts;
  since: number;
}

/* An isolate's door stats, as it reports them to the cluster object (cumulative
 * from the isolate's start, `since`). */
export interface IsolateReport {
  id: string;
  since: number;
  doors: DoorStats;
}

/* One minute of the groups' lag, as the scrapes in that minute saw it. */
export interface LagSample {
  minute: number;
  /* Group id → the group's total lag. */
  lag: Record<string, number>;
}

/* The ClusterMetadataDO's answer: every isolate's door stats added up, the groups'
 * lag of the last hour, and its own SQLite rows. */
export interface ClusterMetrics {
  doors: DoorStats;
  isolates: number;
  lagSeries: LagSample[];
  sql: SqlRowCounts;
  since: number;
}

/* ---- GET /metrics.json ------------------------------------------------------- */

export interface PartitionSnapshot {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  /* Since the partition's object started (`since`). */
  appended: { records: number; bytes: number };
  fetched: { records: number; bytes: number };
  stored: { hot: { rows: number; bytes: number }; cold: { segments: number; bytes: number } };
  sql: SqlRowCounts;
  since: number;
}

export interface TopicSnapshot {
  topic: string;
  topicId: string;
  partitions: PartitionSnapshot[];
  /* The topic's traffic by minute, the last hour (all its partitions). */
  series: MinuteTraffic[];
}

export interface GroupSnapshot {
  groupId: string;
  state: string;
  members: number;
  generationId: number;
  /* Per committed partition: the offset, the partition's high watermark and the lag
   * (high watermark - offset; the high watermark when the offset is Kafka's -1/-2
   * marker; -1 for both when the partition no longer exists). */
  offsets: { topic: string; partition: number; offset: number; highWatermark: number; lag: number }[];
  lag: number;
  sql: SqlRowCounts;
  since: number;
}

export interface MetricsSnapshot {
  collectedAt: number;
  /* false under KAFDO_METRICS=off: the counters stay 0. */
  enabled: boolean;
  topics: TopicSnapshot[];
  groups: GroupSnapshot[];
  /* Every isolate heard from in the last hour, added up (`isolates` of them). */
  doors: DoorStats;
  isolates: number;
  latencyBucketsMs: readonly number[];
  /* Rows DO SQLite read and wrote (what it bills), by kind of object and in all,
   * since each object started. */
  sql: { partitions: SqlRowCounts; groups: SqlRowCounts; cluster: SqlRowCounts; total: SqlRowCounts };
  /* The last hour by minute, oldest first, one entry per minute (zeros where
   * nothing happened): every topic's traffic added up, and each group's total lag
   * as the scrapes in that minute saw it (absent when no scrape ran then). */
  series: (MinuteTraffic & { lag?: Record<string, number> })[];
}
