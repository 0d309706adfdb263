/**
 * What every chart module provides: a title, the text shown while it has no data, and a render
 * function from one {@link ChartData} to a Plot figure. Render functions read the transferred
 * typed columns directly (Plot takes arrays as channel values), so drawing allocates no rows.
 */
import type { ChartData, KeyedSeries } from "../shared/chart-data";

/** A chart of the console. */
export interface ChartModule {
  id: string;
  title: string;
  /** One line under the title: what is drawn and from which SPEC metric. */
  caption: string;
  /** Shown instead of the chart while it has nothing to draw. */
  empty: string;
  /** The figure for `d` at `width` px, or null when there is nothing to draw yet. */
  render(d: ChartData, width: number): Element | null;
  /** A cheap summary of what `render` would draw: when it equals the last drawn one, the draw is skipped. */
  signature?(d: ChartData): string;
}

/** Height of every chart's plot area, px. */
export const CHART_HEIGHT = 220;

/** Series name of each point of a keyed series. */
export function names(s: KeyedSeries): string[] {
  return Array.from(s.k, (k) => s.keys[k]);
}

/** Opacity per point: partial (open-window) values are drawn lighter. */
export function partialOpacity(s: KeyedSeries): number[] {
  return Array.from(s.partial, (p) => (p ? 0.45 : 1));
}

/** `a + d` for each element, as a new array. */
export function plus(a: Float64Array, d: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + d;
  return out;
}

/** Points of a keyed series split into closed-window (final) and open-window (partial) ones. */
export function byFinality(s: KeyedSeries): Record<"final" | "open", { x: number[]; y: number[]; z: string[] }> {
  const out = { final: { x: [] as number[], y: [] as number[], z: [] as string[] }, open: { x: [] as number[], y: [] as number[], z: [] as string[] } };
  for (let i = 0; i < s.x.length; i++) {
    const o = s.partial[i] ? out.open : out.final;
    o.x.push(s.x[i]);
    o.y.push(s.y[i]);
    o.z.push(s.keys[s.k[i]]);
  }
  return out;
}
