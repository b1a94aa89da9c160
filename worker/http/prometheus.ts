/*
 * prometheus.ts — a MetricsSnapshot (common/metrics.ts) in Prometheus' text
 * exposition format 0.0.4, as GET /metrics serves it. Every name starts kafdo_;
 * counters end _total; latencies are a histogram in seconds, as Prometheus names
 * them. Labels name topics, partitions, groups, doors, operations (REST route
 * patterns, Kafka API names, RPC method names) and error codes.
 */
import { DOORS, type MetricsSnapshot, type SqlRowCounts } from "../common/metrics";

type Labels = Record<string, string | number>;

/* Label values escape \, " and newlines (the format's rule). */
function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Exposition {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  add(name: string, type: "counter" | "gauge" | "histogram", help: string, labels: Labels, value: number): void {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    }
    this.sample(name, labels, value);
  }

  sample(name: string, labels: Labels, value: number): void {
    this.lines.push(`${name}${labelText(labels)} ${Number.isFinite(value) ? value : value > 0 ? "+Inf" : "NaN"}`);
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

function sqlRows(out: Exposition, labels: Labels, rows: SqlRowCounts): void {
  out.add(
    "kafdo_sqlite_rows_read_total",
    "counter",
    "Rows Durable Object SQLite read (the billed unit), since the object started.",
    labels,
    rows.rowsRead,
  );
  out.add(
    "kafdo_sqlite_rows_written_total",
    "counter",
    "Rows Durable Object SQLite wrote (the billed unit), since the object started.",
    labels,
    rows.rowsWritten,
  );
}

export function renderPrometheus(m: MetricsSnapshot): string {
  const out = new Exposition();
  for (const t of m.topics) {
    for (const p of t.partitions) {
      const l = { topic: t.topic, partition: p.partition };
      out.add(
        "kafdo_partition_appended_records_total",
        "counter",
        "Records appended to the partition since its object started.",
        l,
        p.appended.records,
      );
      out.add(
        "kafdo_partition_appended_bytes_total",
        "counter",
        "RecordBatch bytes appended to the partition since its object started.",
        l,
        p.appended.bytes,
      );
      out.add(
        "kafdo_partition_fetched_records_total",
        "counter",
        "Records fetched or read from the partition since its object started.",
        l,
        p.fetched.records,
      );
      out.add(
        "kafdo_partition_fetched_bytes_total",
        "counter",
        "Bytes fetched (RecordBatch bytes) or read (keys, values, headers) since its object started.",
        l,
        p.fetched.bytes,
      );
      out.add("kafdo_partition_log_start_offset", "gauge", "The partition's log start offset.", l, p.logStartOffset);
      out.add("kafdo_partition_high_watermark", "gauge", "The partition's high watermark.", l, p.highWatermark);
      out.add(
        "kafdo_partition_stored_bytes",
        "gauge",
        "Stored RecordBatch bytes, by tier (hot: SQLite, cold: the object store).",
        { ...l, tier: "hot" },
        p.stored.hot.bytes,
      );
      out.sample("kafdo_partition_stored_bytes", { ...l, tier: "cold" }, p.stored.cold.bytes);
      out.add(
        "kafdo_partition_stored_rows",
        "gauge",
        "Stored rows, by tier (hot: batches in SQLite, cold: segments).",
        { ...l, tier: "hot" },
        p.stored.hot.rows,
      );
      out.sample("kafdo_partition_stored_rows", { ...l, tier: "cold" }, p.stored.cold.segments);
      sqlRows(out, { object: "partition", ...l }, p.sql);
    }
  }
  for (const g of m.groups) {
    const l = { group: g.groupId };
    out.add("kafdo_group_members", "gauge", "The group's live members.", l, g.members);
    out.add("kafdo_group_generation", "gauge", "The group's generation.", l, g.generationId);
    out.add("kafdo_group_state", "gauge", "1 for the group's state.", { ...l, state: g.state }, 1);
    out.add("kafdo_group_lag_sum", "gauge", "The group's lag over its committed partitions.", l, g.lag);
    for (const o of g.offsets) {
      const lo = { ...l, topic: o.topic, partition: o.partition };
      out.add("kafdo_group_committed_offset", "gauge", "The group's committed offset.", lo, o.offset);
      out.add(
        "kafdo_group_lag",
        "gauge",
        "High watermark minus the committed offset (-1: the partition is gone).",
        lo,
        o.lag,
      );
    }
    sqlRows(out, { object: "group", group: g.groupId }, g.sql);
  }
  sqlRows(out, { object: "cluster" }, m.sql.cluster);
  for (const door of DOORS) {
    for (const [operation, op] of Object.entries(m.doors[door])) {
      const l = { door, operation };
      out.add("kafdo_requests_total", "counter", "Requests, by door and operation.", l, op.requests);
      for (const [code, n] of Object.entries(op.errors)) {
        out.add(
          "kafdo_request_errors_total",
          "counter",
          "Requests answered with an error, by code.",
          { ...l, code },
          n,
        );
      }
      let cumulative = 0;
      m.latencyBucketsMs.forEach((le, i) => {
        cumulative += op.latencyMs.buckets[i] ?? 0;
        out.add(
          "kafdo_request_duration_seconds_bucket",
          "histogram",
          "Request latency.",
          { ...l, le: le / 1000 },
          cumulative,
        );
      });
      out.sample("kafdo_request_duration_seconds_bucket", { ...l, le: "+Inf" }, op.latencyMs.count);
      out.sample("kafdo_request_duration_seconds_sum", l, op.latencyMs.sum / 1000);
      out.sample("kafdo_request_duration_seconds_count", l, op.latencyMs.count);
    }
  }
  out.add(
    "kafdo_metrics_isolates",
    "gauge",
    "Worker isolates whose request counts are in these totals.",
    {},
    m.isolates,
  );
  out.add("kafdo_metrics_enabled", "gauge", "1 unless KAFDO_METRICS=off.", {}, m.enabled ? 1 : 0);
  return out.text();
}
