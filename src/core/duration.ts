/**
 * Durations as people write them (`500ms`, `30s`, `5m`, `1h`, `1d`) and back, shared by the CLI,
 * config files and metric definitions so that one spelling means one thing everywhere.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `5m`, `1h`, `250ms`, `1.5h` or a bare number of milliseconds; undefined if not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "ms"]);
}

/** Parses a duration that must carry a unit (`5m`, not `300000`): metric definitions. */
export function parseDurationWithUnit(text: string): number | undefined {
  return /^\s*\d+(?:\.\d+)?\s*(ms|s|m|min|h|d)\s*$/.test(text) ? parseDuration(text) : undefined;
}

/** Renders ms in the largest unit that divides it: 300000 → `5m`, 1500 → `1500ms`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
