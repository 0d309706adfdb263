/**
 * Chart data of user-defined metrics (src/web/shared/user-charts.ts): a keyed series of the first
 * aggregate for the top groups over the shown windows, or a table of the latest rows. Closed
 * windows come from the kept final rows, open ones from the pipeline's peek, as for the built-in
 * charts.
 */
import { centsToCurrency } from "../../core/metrics/declaration";
import type { OutputRow } from "../../core/pipeline/rows";
import type { KeyedSeries, TableData } from "../shared/chart-data";
import { TOP_GROUPS, type UserChartSpec } from "../shared/user-charts";
import { keyed, type Point, recent } from "./keyed-series";
import type { WindowStore } from "./window-store";

/** Label of a missing groupBy value. */
export const MISSING = "(missing)";

/** The series key of a row: its groupBy values joined, or the aggregate's name without groupBy. */
export function groupKey(spec: UserChartSpec, row: OutputRow): string {
  if (spec.keys.length === 0) return spec.value.name;
  return spec.keys.map((k) => (row[k] === null || row[k] === undefined ? MISSING : String(row[k]))).join(" · ");
}

/** The drawn value of a row (currency units for money), or null when it has none (an avg of nothing). */
function valueOf(spec: UserChartSpec, row: OutputRow): number | null {
  const v = row[spec.value.name];
  if (typeof v !== "number" || !Number.isFinite(v)) return null;
  return spec.value.cents ? centsToCurrency(v) : v;
}

/** Watermark delay the console's pipeline runs with (SPEC): windows that long past their end are still open. */
const WATERMARK_DELAY_MS = 5 * 60_000;

/**
 * Window starts a chart of `rangeMs` shows: those ending in the range, plus the windows still
 * open beyond it (a window's size past its start, and the watermark delay past its end).
 */
export function startsShown(spec: UserChartSpec, rangeMs: number): number {
  return Math.ceil(rangeMs / spec.stepMs) + Math.ceil((spec.sizeMs + WATERMARK_DELAY_MS) / spec.stepMs);
}

/** The series of a lines chart: the top {@link TOP_GROUPS} groups by total over the windows of the shown range. */
export function userSeries(spec: UserChartSpec, store: WindowStore | undefined, peek: OutputRow[], rangeMs: number): KeyedSeries {
  const rows = recent(store, peek, spec.metric, startsShown(spec, rangeMs));
  const totals = new Map<string, number>();
  const points: Point[] = [];
  for (const { row, partial } of rows) {
    const y = valueOf(spec, row);
    if (y === null) continue;
    const key = groupKey(spec, row);
    totals.set(key, (totals.get(key) ?? 0) + y);
    points.push({ x: row.window_end!, x0: row.window_start!, x1: row.window_end!, y, key, partial });
  }
  const top = new Set([...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_GROUPS).map(([k]) => k));
  const shown = points.filter((p) => top.has(p.key));
  shown.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.x - b.x));
  return keyed(shown);
}

/** The newest `limit` rows (closed and open) by window end, newest first. */
export function userTable(spec: UserChartSpec, store: WindowStore | undefined, peek: OutputRow[], limit: number): TableData {
  const all: { row: OutputRow; open: boolean }[] = [];
  for (const row of store?.all() ?? []) all.push({ row, open: false });
  for (const row of peek) if (row.metric === spec.metric) all.push({ row, open: true });
  all.sort((a, b) => b.row.window_end! - a.row.window_end! || b.row.window_start! - a.row.window_start!);
  const newest = all.slice(0, limit);
  return {
    rows: newest.map(({ row }) => spec.columns.map((c) => (row[c.name] ?? null) as string | number | boolean | null)),
    x0: newest.map(({ row }) => row.window_start!),
    x1: newest.map(({ row }) => row.window_end!),
    open: newest.map(({ open }) => open),
  };
}
