/**
 * Packing rows into the small typed columns of a {@link KeyedSeries}, and the rows of the shown
 * windows of a metric: closed ones from its kept final rows, open ones from the pipeline's peek.
 */
import type { OutputRow } from "../../core/pipeline/rows";
import type { KeyedSeries } from "../shared/chart-data";
import type { WindowStore } from "./window-store";

/** One point of a keyed series before packing. */
export interface Point {
  x: number;
  y: number;
  x0: number;
  x1: number;
  key: string;
  partial: boolean;
  num?: number;
  den?: number;
}

/** Packs points into a {@link KeyedSeries}, keys in first-seen order unless `keys` is given. */
export function keyed(points: Point[], keys?: string[]): KeyedSeries {
  const ks = keys ?? [];
  const index = new Map(ks.map((k, i) => [k, i]));
  const n = points.length;
  const ratio = points.some((p) => p.den !== undefined);
  const out: KeyedSeries = {
    keys: ks, x: new Float64Array(n), y: new Float64Array(n), k: new Uint16Array(n), x0: new Float64Array(n), x1: new Float64Array(n), partial: new Uint8Array(n),
    ...(ratio ? { num: new Float64Array(n), den: new Float64Array(n) } : {}),
  };
  points.forEach((p, i) => {
    let k = index.get(p.key);
    if (k === undefined) {
      k = ks.length;
      ks.push(p.key);
      index.set(p.key, k);
    }
    out.x[i] = p.x;
    out.y[i] = p.y;
    out.k[i] = k;
    out.x0[i] = p.x0;
    out.x1[i] = p.x1;
    out.partial[i] = p.partial ? 1 : 0;
    if (out.num) out.num[i] = p.num ?? NaN;
    if (out.den) out.den[i] = p.den ?? NaN;
  });
  return out;
}

/** Rows of `metric` from final windows and peek, restricted to the newest `windows` starts. */
export function recent(store: WindowStore | undefined, peek: OutputRow[], metric: string, windows: number): { row: OutputRow; partial: boolean }[] {
  const open = peek.filter((r) => r.metric === metric);
  const closed = store?.starts() ?? [];
  const starts = new Set<number>(closed);
  for (const r of open) starts.add(r.window_start!);
  const keep = new Set([...starts].sort((a, b) => a - b).slice(-windows));
  const out: { row: OutputRow; partial: boolean }[] = [];
  for (const s of closed) if (keep.has(s)) for (const row of store!.rows(s)) out.push({ row, partial: false });
  for (const row of open) if (keep.has(row.window_start!)) out.push({ row, partial: true });
  return out;
}

