/**
 * Durations for people: the two largest units, rounded, e.g. `2 h 14 min`, `59 h`, `45 s`,
 * `3 d 2 h`. Used by messages that explain event time (generator start-up lines, the runner's
 * late-event warning).
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
];

/** `ms` in at most two units, the second rounded; below a second, `N ms`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? "forever" : "-forever";
  if (ms < 0) return `-${humanDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  let i = UNITS.findIndex(([, size]) => ms >= size);
  // Round to the second unit first: 59 min 59.9 s is "1 h", not "60 min".
  const step = UNITS[Math.min(i + 1, UNITS.length - 1)][1];
  const rounded = Math.round(ms / step) * step;
  i = UNITS.findIndex(([, size]) => rounded >= size);
  const [name, size] = UNITS[i];
  const whole = Math.floor(rounded / size);
  const next = UNITS[i + 1];
  const rest = next ? Math.round((rounded - whole * size) / next[1]) : 0;
  return rest === 0 ? `${whole} ${name}` : `${whole} ${name} ${rest} ${next![0]}`;
}
