/*
 * cluster-metrics.ts — what the cluster's one ClusterMetadataDO keeps for /metrics,
 * in its memory only: each isolate's door stats (requests, errors, latency: they
 * are counted where the requests arrive, in many isolates, and reported here at
 * most every REPORT_INTERVAL_MS and at each scrape), and the last hour of each
 * group's lag, sampled by the scrapes (the last scrape in a minute gives that
 * minute's sample).
 *
 * An isolate's stats are cumulative from its start, so a report replaces its last
 * one; an isolate silent for an hour is forgotten (its counts leave the totals, as
 * a Prometheus counter of a process that exited). All of it is lost when this
 * object restarts; the isolates' next reports bring their counts back.
 */
import {
  MINUTE_MS,
  SERIES_MINUTES,
  addDoorStats,
  emptyDoorStats,
  type DoorStats,
  type IsolateReport,
  type LagSample,
} from "../common/metrics";

/* How often an isolate reports its door stats at most (api/metrics.ts). */
export const REPORT_INTERVAL_MS = 30000;
const FORGET_ISOLATE_MS = 3600000;

export class ClusterMetricsBoard {
  private readonly isolates = new Map<string, { since: number; doors: DoorStats; at: number }>();
  private readonly lag: LagSample[] = [];

  report(isolate: IsolateReport, now: number): void {
    if (!isolate || typeof isolate.id !== "string" || typeof isolate.doors !== "object") return;
    this.isolates.set(isolate.id, { since: isolate.since, doors: isolate.doors, at: now });
  }

  /* Every isolate's stats heard from in the last hour, added up. */
  doors(now: number): { doors: DoorStats; isolates: number } {
    const total = emptyDoorStats();
    for (const [id, entry] of this.isolates) {
      if (now - entry.at > FORGET_ISOLATE_MS) this.isolates.delete(id);
      else addDoorStats(total, entry.doors);
    }
    return { doors: total, isolates: this.isolates.size };
  }

  sampleLag(lag: Record<string, number>, now: number): void {
    const minute = now - (now % MINUTE_MS);
    const last = this.lag[this.lag.length - 1];
    if (last && last.minute === minute) last.lag = { ...lag };
    else this.lag.push({ minute, lag: { ...lag } });
    const oldest = minute - (SERIES_MINUTES - 1) * MINUTE_MS;
    while (this.lag.length > 0 && this.lag[0]!.minute < oldest) this.lag.shift();
  }

  lagSeries(): LagSample[] {
    return this.lag.map((s) => ({ minute: s.minute, lag: { ...s.lag } }));
  }
}
