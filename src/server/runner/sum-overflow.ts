/**
 * Watching final rows for sums that overflowed. The kernels sum money in integer cents, exact up to
 * ±2^53; a row whose sum went beyond reads NaN (null in JSON and Parquet) rather than a wrong
 * number. Such rows are counted per metric in `eddy_sum_overflow_rows_total` and warned about once
 * per metric and run, naming that counter, so that the nulls are never a silent surprise.
 */
import type { OutputRow } from "../../core/pipeline/rows";
import type { LogFn } from "../log";
import type { RunnerMetrics } from "./runner-metrics";

/** True when a row holds a NaN number: only an overflowed sum (or a value derived from it) does. */
export function hasNaN(row: OutputRow): boolean {
  for (const k in row) {
    const v = row[k];
    if (typeof v === "number" && v !== v) return true;
  }
  return false;
}

/** See the module comment. */
export class SumOverflowWatch {
  private readonly warned = new Set<string>();
  /** Overflowed rows per metric since start (also without a metrics registry). */
  readonly rows = new Map<string, number>();

  constructor(
    private readonly metrics?: RunnerMetrics,
    private readonly log?: LogFn,
  ) {}

  /** Counts (and warns about) the overflowed rows among `rows`, final rows only. */
  check(rows: readonly OutputRow[]): void {
    let found: Map<string, number> | undefined;
    for (const row of rows) if (hasNaN(row)) (found ??= new Map()).set(row.metric, (found.get(row.metric) ?? 0) + 1);
    if (!found) return;
    for (const [metric, n] of found) {
      this.rows.set(metric, (this.rows.get(metric) ?? 0) + n);
      this.metrics?.sumOverflows.inc({ metric }, n);
      if (this.warned.has(metric)) continue;
      this.warned.add(metric);
      this.log?.("sum-overflow", {
        level: "warn",
        msg:
          `${n} final ${metric} row(s) had a sum beyond ±2^53 cents (about ±90 trillion currency units), ` +
          `which cannot be exact, so those values are null in the output. Watch ` +
          `eddy_sum_overflow_rows_total{metric="${metric}"} (warned once per metric and run).`,
        metric,
        rows: n,
      });
    }
  }
}
