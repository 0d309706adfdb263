/**
 * `DIR/metrics.json`: the summary of a run, replaced atomically each time it is written so a
 * reader never sees half of one.
 */
import { join } from "node:path";
import { latencyPercentiles, type RunStats } from "../runner/run-stats";
import { writeFileAtomic } from "./atomic-fs";

/** The JSON document of `metrics.json`. */
export interface RunSummary {
  started_at: string;
  updated_at: string;
  duration_s: number;
  events: { in: number; valid: number; invalid: number; late: number };
  rows_out: Record<string, number>;
  rows_out_total: number;
  /** Input records per second of wall clock over the whole run. */
  throughput_events_per_s: number;
  latency_ms: { samples: number; p50: number | null; p90: number | null; p99: number | null; max: number | null };
  epochs: number;
  restarts: number;
}

/** Builds the summary document from the runner's stats. */
export function runSummary(stats: RunStats): RunSummary {
  const durationMs = Math.max(0, stats.updatedAt - stats.startedAt);
  const [p50, p90, p99] = latencyPercentiles(stats.latency, [50, 90, 99]);
  const rows = Object.fromEntries(Object.entries(stats.rowsOut).sort(([a], [b]) => a.localeCompare(b)));
  return {
    started_at: new Date(stats.startedAt).toISOString(),
    updated_at: new Date(stats.updatedAt).toISOString(),
    duration_s: durationMs / 1000,
    events: { in: stats.eventsIn, valid: stats.valid, invalid: stats.invalid, late: stats.late },
    rows_out: rows,
    rows_out_total: Object.values(rows).reduce((a, b) => a + b, 0),
    throughput_events_per_s: durationMs > 0 ? Math.round((stats.eventsIn / durationMs) * 1000 * 10) / 10 : 0,
    latency_ms: { samples: stats.latency.total, p50, p90, p99, max: stats.latency.total ? stats.latency.max : null },
    epochs: stats.epochs,
    restarts: stats.restarts,
  };
}

/** Writes `dir/metrics.json` atomically; returns what it wrote. */
export async function writeRunSummary(dir: string, stats: RunStats): Promise<RunSummary> {
  const summary = runSummary(stats);
  await writeFileAtomic(join(dir, "metrics.json"), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}
