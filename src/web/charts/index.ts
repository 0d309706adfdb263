/**
 * The console's charts, as data: the grid draws this list in order (see chart.ts). A chart for
 * another metric is one more entry here reading its series (the worker's WINDOW_SERIES adds the
 * series, src/web/worker/chart-aggregator.ts); user-defined metrics get theirs from their
 * definitions (user-metrics.ts), after these.
 */
import { CONVERSION_KEYS } from "../worker/chart-aggregator";
import type { ChartDeclaration, Renderer } from "./chart";
import { renderDots } from "./render-dots";
import { renderGauge } from "./render-gauge";
import { renderHeat } from "./render-heat";
import { renderLines } from "./render-lines";
import { renderTable } from "./render-table";

/** Every chart, in page order. */
export const CHARTS: ChartDeclaration[] = [
  {
    id: "page-views",
    title: "Page views per product",
    caption: "page_views, 1-minute tumbling windows (5-minute buckets beyond 1 h), most viewed products; open windows faded with a dashed outline",
    empty: "No page views yet: waiting for clickstream events with action view.",
    kind: "heat",
    data: "page_views",
    metrics: ["page_views"],
    y: { label: "views per window", format: "count" },
    window: "window",
  },
  {
    id: "category-revenue",
    title: "Revenue per category (5-minute sliding)",
    caption: "category_revenue, 5-minute windows every minute, at window end; dashed, hollow = window still open (shown once half seen)",
    empty: "No revenue yet: waiting for transactions.",
    kind: "lines",
    data: "category_revenue",
    metrics: ["category_revenue"],
    y: { label: "revenue ($)", format: "money" },
    color: "category",
    window: "5-minute window",
  },
  {
    id: "conversion-rate",
    title: "Conversion rate",
    caption: "conversions (click → purchase within 10 min) and purchases / views, per 1-minute window at its end; an open window shows once half seen (conversions: with their 10 minutes) and with 50 clicks (views)",
    empty: "No conversion data yet: waiting for views and clicks.",
    kind: "lines",
    data: "conversion",
    metrics: ["conversions", "product_activity"],
    y: { label: "rate", format: "percent" },
    color: "series",
    window: "1-minute window",
    ratio: {
      minDenominator: 50,
      terms: { [CONVERSION_KEYS[0]]: ["converted", "clicks"], [CONVERSION_KEYS[1]]: ["purchases", "views"] },
    },
    horizonMs: { [CONVERSION_KEYS[0]]: 10 * 60_000 },
  },
  {
    id: "active-sessions",
    title: "Active sessions",
    caption: "sessions open in the session operator (gap 30 min), sampled as event time advances",
    empty: "No sessions yet.",
    kind: "gauge",
    data: "sessions",
    metrics: ["sessions"],
    y: { label: "open sessions", format: "count" },
  },
  {
    id: "anomalies",
    title: "Purchase anomalies",
    caption: "purchase_anomalies: |z| > 3 against the category's earlier transactions (the newest 500); dot size = amount; hover for the transaction",
    empty: "No anomalies in this range (each category needs 30 transactions first).",
    kind: "dots",
    data: "anomalies",
    metrics: ["purchase_anomalies"],
    wide: true,
    y: { label: "z-score", format: "z" },
    color: "category",
  },
];

/** The renderer of each chart kind. */
export const RENDERERS: Record<ChartDeclaration["kind"], Renderer> = { heat: renderHeat, lines: renderLines, gauge: renderGauge, dots: renderDots, table: renderTable };

/**
 * The charts of a run: the built-in ones whose metrics run (all unless `--only` narrowed them),
 * then one per user-defined metric (charts/user-metrics.ts), in file order.
 */
export function chartsFor(builtins: readonly string[], user: readonly ChartDeclaration[]): ChartDeclaration[] {
  return [...CHARTS.filter((c) => !c.metrics || c.metrics.some((m) => builtins.includes(m))), ...user];
}
