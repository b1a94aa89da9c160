/*
 * ui.ts — small pieces every page uses: links between pages, numbers and times as
 * people read them, a notice for an error.
 */
import { ApiError } from "./api";
import { h } from "./dom";

/* A hash route of the console: page(["topics", name], { partition: "0" }). */
export function page(parts: string[], query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return "#/" + parts.map(encodeURIComponent).join("/") + (qs ? `?${qs}` : "");
}

export function link(parts: string[], text: string, query: Record<string, string | number | undefined> = {}) {
  return h("a", { href: page(parts, query) }, text);
}

export function bytes(n: number | undefined): string {
  if (n === undefined || n < 0 || !Number.isFinite(n)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

export function count(n: number | undefined): string {
  return n === undefined || n < 0 ? "—" : n.toLocaleString("en-US");
}

export function time(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return "—";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

export function errorNotice(e: unknown): HTMLElement {
  const text = e instanceof ApiError ? `${e.status} ${e.message}` : String(e instanceof Error ? e.message : e);
  return h("p", { class: "error", role: "alert" }, text);
}

export function notice(text: string): HTMLElement {
  return h("p", { class: "notice", role: "status" }, text);
}

/* Runs `fn` for each item, at most `limit` at once; results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
