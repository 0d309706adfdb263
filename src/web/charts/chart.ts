/**
 * Charts are declared as data: a {@link ChartDeclaration} names where its series is in
 * {@link ChartData}, how to draw it (one of a few renderers) and how to label it; the grid draws
 * the list in charts/index.ts. A renderer turns one update into a Plot figure plus a hit test,
 * which the panel's tooltip uses (the figure is replaced at every update, so the tooltip lives
 * outside it and follows the pointer across redraws).
 */
import type * as Plot from "@observablehq/plot";
import type { ChartData } from "../shared/chart-data";
import type { TimeBase } from "../ui/time-base";

/** How values are written on axes and in tooltips. */
export type ValueFormat = "count" | "money" | "percent" | "z" | "number";

/** One chart of the console (see the module comment). */
export interface ChartDeclaration {
  /** Element id suffix: the panel is `#chart-<id>`. */
  id: string;
  title: string;
  /** One line under the title: what is drawn, from which SPEC metric, how open windows look. */
  caption: string;
  /** Shown instead of the chart while it has nothing to draw. */
  empty: string;
  /** The renderer: heat strip, lines per key, an area gauge, dots, or a table of rows. */
  kind: "heat" | "lines" | "gauge" | "dots" | "table";
  /** Where the data is: a key of `ChartData.series` (heat, lines) or `ChartData.tables` (table), or `sessions` / `anomalies`. */
  data: string;
  /** The metrics it draws: a chart none of whose metrics runs (`--only`) is left out. */
  metrics?: string[];
  /** Spans the whole grid row. */
  wide?: boolean;
  /** Axis label and value format. */
  y: { label: string; format: ValueFormat };
  /** Keys coloured as categories (the same colours everywhere) or as plain series. */
  color?: "category" | "series";
  /** What one window is, for tooltips ("5-minute window"). */
  window?: string;
  /**
   * A ratio: an open window is drawn only once its denominator reaches `minDenominator`, and the
   * tooltip shows numerator and denominator (per key: `[numerator, denominator]` nouns).
   */
  ratio?: { minDenominator: number; terms: Record<string, [string, string]> };
  /**
   * Per key, how long after its window's end a value can still grow (conversions wait 10 min for
   * the purchase): an open window counts as seen over its span plus this.
   */
  horizonMs?: Record<string, number>;
  /**
   * Share of an open window's span that must have been seen before it is drawn (default 0.5: a
   * sliding window that began a moment ago holds almost nothing and would read as a collapse).
   */
  openMinSeen?: number;
  /**
   * Draw an open window at the newest event time instead of its end, when that is later: the
   * value so far, as of now. For tumbling windows that may be longer than the range shown (a
   * 1-hour window in a 15-minute range would otherwise stretch the time axis by up to an hour).
   */
  openAtNewest?: boolean;
  /** Columns of a table chart: name, format, and whether rows hold the value in cents. */
  table?: { name: string; format: ValueFormat | "text" | "bool"; cents: boolean }[];
}

/** What a renderer gets besides the data. */
export interface RenderContext {
  width: number;
  height: number;
  time: TimeBase;
  /** The event-time domain shared by every chart: [newest − range, newest]. */
  domain: [number, number];
}

/** A tooltip's content and where it points (px in the figure's SVG). */
export interface Tip {
  x: number;
  y: number;
  title: string;
  rows: [string, string][];
  color?: string;
  /** A note under the rows, e.g. "open window: partial". */
  note?: string;
}

/** A drawn figure and its hit test (px relative to the figure's SVG). */
export interface Rendered {
  figure: Element;
  hit(px: number, py: number): Tip | null;
}

/** A renderer: the figure for `d`, or null when there is nothing to draw. */
export type Renderer = (c: ChartDeclaration, d: ChartData, ctx: RenderContext) => Rendered | null;

/** Height of every chart's plot area, px. */
export const CHART_HEIGHT = 230;

/** Formats a value for tooltips. */
export function formatValue(v: number, f: ValueFormat): string {
  if (!Number.isFinite(v)) return "–";
  switch (f) {
    case "money":
      return `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    case "percent":
      return `${(v * 100).toFixed(1)} %`;
    case "z":
      return v.toFixed(2);
    case "count":
      return Math.round(v).toLocaleString("en-US");
    case "number":
      return v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 3 });
  }
}

/** Plot tick format for a value format. */
export function tickFormat(f: ValueFormat): string | undefined {
  return f === "percent" ? ".0%" : f === "money" ? "$~s" : f === "count" ? "~s" : undefined;
}

/** The SVG of a Plot figure (a `<figure>` when it has a legend). */
export function svgOf(figure: Element): SVGSVGElement | null {
  if (figure instanceof SVGSVGElement) return figure;
  const all = figure.querySelectorAll("svg");
  // The legend's swatches are SVGs too: the plot is the last one.
  return (all[all.length - 1] as SVGSVGElement | undefined) ?? null;
}

/**
 * A hit test over the points of a rendered figure in its own x and y scales: the index of the
 * point nearest to (px, py) within `radius` px with its screen position, or null (also when the
 * figure has no plot).
 */
export function pointHitter(fig: (SVGSVGElement | HTMLElement) & Plot.Plot, n: number, x: (i: number) => unknown, y: (i: number) => unknown, radius: number) {
  const svg = svgOf(fig);
  const sx = fig.scale("x")!;
  const sy = fig.scale("y")!;
  const at = (i: number): [number, number] => [sx.apply(x(i)) as number, sy.apply(y(i)) as number];
  return (px: number, py: number): { i: number; x: number; y: number } | null => {
    if (!svg) return null;
    const i = nearest(n, px, py, at, radius);
    if (i < 0) return null;
    const [sxi, syi] = at(i);
    return { i, x: sxi, y: syi };
  };
}

/** Index of the point nearest to (px, py) within `radius` px, or -1. */
export function nearest(n: number, px: number, py: number, at: (i: number) => [number, number], radius = 24): number {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < n; i++) {
    const [x, y] = at(i);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** "10:10–10:15" for a window, in the time base. */
export function windowLabel(time: TimeBase, x0: number, x1: number): string {
  return `${time.minute(x0)}–${time.minute(x1)}`;
}

/** Open-window note: how much of the window's event time has been seen so far. */
export function openNote(x0: number, x1: number, newest: number): string {
  const seen = Math.max(0, Math.min(newest, x1) - x0);
  const min = (ms: number) => `${Math.round(ms / 60_000 * 10) / 10} min`;
  return `open window, partial: ${min(seen)} of ${min(x1 - x0)} seen so far`;
}

/** The x axis every chart shares: event time in the time base, labelled with its zone. */
export function timeAxis(ctx: RenderContext): Record<string, unknown> {
  return { type: ctx.time.plotType, domain: ctx.domain, label: `event time (${ctx.time.label}) →`, labelAnchor: "right", labelOffset: 44, ticks: Math.max(2, Math.floor(ctx.width / 110)) };
}
