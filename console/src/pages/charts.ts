/*
 * charts.ts — #/charts: throughput and lag over the last hour, from the per-minute
 * samples of /metrics.json (kept in the Worker's memory, so they start again when its
 * objects restart). Lag is sampled when /metrics or /metrics.json is scraped (this
 * page's loading is one), so its line has points only for minutes with a scrape.
 */
import { lineChart, type Series } from "../chart";
import { h, replace, table } from "../dom";
import { loadMetrics, type MinuteSample } from "../metrics";
import { count, link, notice, time } from "../ui";

const MINUTE = 60_000;
const MOST_TOPICS = 8;

function series(label: string, samples: MinuteSample[], pick: (s: MinuteSample) => number | undefined): Series {
  const points: [number, number][] = [];
  for (const s of samples) {
    const v = pick(s);
    if (v !== undefined) points.push([s.minute, v]);
  }
  return { label, points };
}

export async function renderCharts(main: HTMLElement): Promise<void> {
  const m = await loadMetrics();
  if (!m) return replace(main, h("h1", null, "The last hour"), notice("This Worker serves no /metrics.json."));
  const to = m.collectedAt - (m.collectedAt % MINUTE);
  const from = to - 59 * MINUTE;
  const busiest = [...m.topics]
    .map((t) => ({ t, total: t.series.reduce((n, s) => n + s.appendedRecords, 0) }))
    .sort((a, b) => b.total - a.total)
    .slice(0, MOST_TOPICS)
    .filter((x) => x.total > 0);
  const groups = m.groups.map((g) => g.groupId);
  replace(
    main,
    h("h1", null, "The last hour"),
    m.enabled ? null : notice("Metrics are off on this Worker (KAFDO_METRICS=off): the traffic counters stay at 0."),
    h("p", { class: "meta" }, `Per minute, up to ${time(m.collectedAt)}.`),
    h(
      "div",
      { id: "charts" },
      lineChart(
        "Records per minute",
        [series("produced", m.series, (s) => s.appendedRecords), series("fetched", m.series, (s) => s.fetchedRecords)],
        from,
        to,
      ),
      lineChart(
        "Bytes per minute",
        [series("in", m.series, (s) => s.appendedBytes), series("out", m.series, (s) => s.fetchedBytes)],
        from,
        to,
      ),
      lineChart(
        `Records produced per minute, by topic${m.topics.length > MOST_TOPICS ? ` (the ${MOST_TOPICS} busiest)` : ""}`,
        busiest.map(({ t }) => series(t.topic, t.series, (s) => s.appendedRecords)),
        from,
        to,
      ),
      lineChart(
        "Consumer group lag (records)",
        groups.map((g) => series(g, m.series, (s) => s.lag?.[g])),
        from,
        to,
      ),
    ),
    h("h2", null, "Lag now"),
    groups.length
      ? table(
          ["Group", "State", "Lag"],
          m.groups.map((g) => [link(["groups", g.groupId], g.groupId), g.state, count(g.lag)]),
        )
      : h("p", null, "No consumer groups."),
  );
}
