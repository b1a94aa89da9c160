/*
 * Random event times and the windowed count they must give, computed here from the
 * rule alone (windows.ts's header), for the window tests run once and hosted in
 * workerd, and the kill -9 test under wrangler dev (plain JavaScript, so Node runs it
 * as it is).
 */
export const T0 = Date.UTC(2026, 2, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/* A small seeded generator (mulberry32), so a failure can be run again. */
/** @param {number} seed @returns {() => number} */
export function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @typedef {{ user: string, ts: number }} Event */

/**
 * Events mostly in time order, 2.5 s apart (the first at T0 + from * 2.5 s); one in 8
 * is late by up to 40 s (within a 20 s grace or beyond it), one in 20 by 2 to 4
 * minutes (beyond it).
 * @param {number} n @param {number} seed @param {number} [from] @returns {Event[]}
 */
export function events(n, seed, from = 0) {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const r = next();
    const late = r < 0.05 ? 2 * MINUTE + next() * 2 * MINUTE : r < 0.175 ? next() * 40 * SECOND : 0;
    return { user: `u${Math.floor(next() * 4)}`, ts: Math.max(0, Math.round(T0 + (from + i) * 2500 - late)) };
  });
}

/* The rule, in the order the records are read: stream time is the greatest timestamp
 * so far (this record's included); a window [s, s+size) takes the record while stream
 * time is before s + size + grace. */
/**
 * @param {Event[]} input @param {number} size @param {number} advance @param {number} grace
 * @returns {Map<string, number>} each `${user}@${windowStart}`'s count
 */
export function reference(input, size, advance, grace) {
  const counts = new Map();
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
