/**
 * Counters of one `eddy run`, filled by the runner and summarised into `DIR/metrics.json` and the
 * console status. Plain data (JSON-serialisable) so that the runner can carry it in a checkpoint
 * and keep counting across restarts.
 */

/** Latencies above this many ms are counted in the last bucket (and still set `max`). */
export const LATENCY_CAP_MS = 600_000;

/**
 * Event-to-output latency distribution with 1 ms resolution: a sparse histogram (ms → count),
 * exact for every percentile up to {@link LATENCY_CAP_MS}, bounded in memory on any run length.
 */
export interface LatencyHistogram {
  counts: Record<string, number>;
  total: number;
  max: number;
}

/** What the runner counts. */
export interface RunStats {
  /** Wall-clock ms of the run's start (the first start, across restarts). */
  startedAt: number;
  /** Wall-clock ms of the last update. */
  updatedAt: number;
  /** Input records read. */
  eventsIn: number;
  valid: number;
  /** Records sent to the DLQ. */
  invalid: number;
  /** Valid events that arrived too late for every window (late side output). */
  late: number;
  /** Final rows emitted, per metric. */
  rowsOut: Record<string, number>;
  /** Checkpoint epochs committed. */
  epochs: number;
  /** Number of times the run resumed from a checkpoint. */
  restarts: number;
  latency: LatencyHistogram;
}

/** A fresh stats object. */
export function newRunStats(now = Date.now()): RunStats {
  return {
    startedAt: now,
    updatedAt: now,
    eventsIn: 0,
    valid: 0,
    invalid: 0,
    late: 0,
    rowsOut: {},
    epochs: 0,
    restarts: 0,
    latency: { counts: {}, total: 0, max: 0 },
  };
}

/** Counts one latency sample (ms, wall clock read → row out). */
export function recordLatency(h: LatencyHistogram, ms: number): void {
  const v = Math.min(LATENCY_CAP_MS, Math.max(0, Math.round(ms)));
  h.counts[v] = (h.counts[v] ?? 0) + 1;
  h.total++;
  if (ms > h.max) h.max = ms;
}

/**
 * Percentiles (0..100) of the histogram by the nearest-rank method: the smallest sample value
 * with at least p% of the samples at or below it. `null` without samples.
 */
export function latencyPercentiles(h: LatencyHistogram, ps: readonly number[]): (number | null)[] {
  if (h.total === 0) return ps.map(() => null);
  const buckets = Object.keys(h.counts)
    .map(Number)
    .sort((a, b) => a - b);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * h.total));
    let seen = 0;
    for (const b of buckets) {
      seen += h.counts[b];
      if (seen >= rank) return b;
    }
    return buckets[buckets.length - 1];
  });
}
