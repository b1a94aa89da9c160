/*
 * chart.ts — a line chart as plain SVG: one or more series of (time, value) points on
 * shared axes, with the y axis from 0 to the largest value and a legend.
 */
const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563", "#ca8a04"];

export interface Series {
  label: string;
  points: [number, number][];
}

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function shortNumber(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export function lineChart(title: string, series: Series[], fromMs: number, toMs: number): SVGSVGElement {
  const W = 720;
  const H = 220;
  const L = 56;
  const R = 12;
  const T = 24;
  const B = 28;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (t: number) => L + ((t - fromMs) / Math.max(1, toMs - fromMs)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${H + 18 * Math.ceil(series.length / 3)}`,
    class: "chart",
    role: "img",
  }) as SVGSVGElement;
  svg.append(el("title", {}, title), el("text", { x: L, y: 14, class: "chart-title" }, title));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(
      el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }),
      el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, shortNumber(v)),
    );
  }
  for (let i = 0; i <= 6; i++) {
    const t = fromMs + ((toMs - fromMs) * i) / 6;
    const anchor = i === 0 ? "start" : i === 6 ? "end" : "middle";
    svg.append(el("text", { x: x(t), y: H - 8, "text-anchor": anchor, class: "axis" }, clock(t)));
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (s.points.length) {
      const d = s.points.map(([t, v], j) => `${j ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2, "data-series": s.label }));
      /* A sparse series (lag, sampled only by scrapes) gets dots, so one sample still shows. */
      if (s.points.length < 30) {
        for (const [t, v] of s.points) svg.append(el("circle", { cx: x(t), cy: y(v), r: 3, fill: color }));
      }
    }
    const lx = L + (i % 3) * 220;
    const ly = H + 10 + 18 * Math.floor(i / 3);
    svg.append(
      el("rect", { x: lx, y: ly - 8, width: 10, height: 10, fill: color }),
      el("text", { x: lx + 14, y: ly + 1, class: "legend" }, s.label),
    );
  });
  if (series.every((s) => s.points.length === 0)) {
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis" }, "no samples yet"));
  }
  return svg;
}
