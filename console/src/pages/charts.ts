/*
 * charts.ts — #/charts: throughput and lag over the last hour, from the per-minute
 * samples of /metrics.json.
 */
import { h, replace } from "../dom";
import { loadMetrics } from "../metrics";

export async function renderCharts(main: HTMLElement): Promise<void> {
  const metrics = await loadMetrics();
  replace(main, h("h1", null, "The last hour"), metrics ? h("p", null, "…") : h("p", null, "This Worker serves no /metrics.json."));
}
