/*
 * Random event times and the windowed count they must give, computed here from the
 * rule alone (windows.ts's header), for the window tests run once and hosted.
 */
export const T0 = Date.UTC(2026, 2, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/* A small seeded generator (mulberry32), so a failure can be run again. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Event {
  user: string;
  ts: number;
}

/* Events mostly in time order; one in 8 is late by up to 40 s (within a 20 s grace or
 * beyond it), one in 20 by 2 to 4 minutes (beyond it). */
export function events(n: number, seed: number): Event[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const r = next();
    const late = r < 0.05 ? 2 * MINUTE + next() * 2 * MINUTE : r < 0.175 ? next() * 40 * SECOND : 0;
    return { user: `u${Math.floor(next() * 4)}`, ts: Math.max(0, Math.round(T0 + i * 2500 - late)) };
  });
}

/* The rule, in the order the records are read: stream time is the greatest timestamp
 * so far (this record's included); a window [s, s+size) takes the record while stream
 * time is before s + size + grace. */
export function reference(input: Event[], size: number, advance: number, grace: number): Map<string, number> {
  const counts = new Map<string, number>();
  let streamTime = -1;
  for (const e of input) {
    streamTime = Math.max(streamTime, e.ts);
    for (let s = Math.floor(e.ts / advance) * advance; s > e.ts - size; s -= advance) {
      if (s + size + grace <= streamTime) continue;
      const id = `${e.user}@${s}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}
