/**
 * Turns pipeline rows into chart data in the worker: final rows of closed windows are kept
 * (bounded by the time range shown), the open windows' partial rows come from `Pipeline.peek()`
 * at each update (SPEC update mode), and `build` merges both into the small typed columns of
 * {@link ChartData}. Runs at most 4 times a second, so it may allocate; per-event work is none.
 *
 * Charts of one windowed metric are declared as data ({@link WINDOW_SERIES}): a metric's rows
 * become one keyed series (key field, value, x at window start or end). A new metric's chart
 * needs one more entry there and one chart declaration (src/web/charts/index.ts).
 */
import { DEFAULT_CATALOG, productName } from "../../core/catalog";
import { centsToCurrency } from "../../core/metrics/declaration";
import type { OutputRow } from "../../core/pipeline/rows";
import type { AnomalySeries, KeyedSeries, Series, TableData } from "../shared/chart-data";
import type { UserChartSpec } from "../shared/user-charts";
import { keyed, type Point, recent } from "./keyed-series";
import { startsShown, userSeries, userTable } from "./user-series";
import { WindowStore } from "./window-store";

/** Options of {@link ChartAggregator}. */
export interface AggregatorOptions {
  /** Window starts shown per windowed chart (default 15: 15 minutes of 1-minute windows). */
  windows?: number;
  /** Page views are summed into buckets of this many ms (default 60,000: one per window). */
  heatBucketMs?: number;
  /** Products shown in the page-view chart, most viewed first (default 12). */
  topProducts?: number;
  /** Newest anomalies kept (default 500: each is a dot drawn at every update). */
  anomalies?: number;
  /** Open-session samples kept (default 600). */
  sessionSamples?: number;
  /** Least event time between two open-session samples, ms (default 2,000). */
  sessionStepMs?: number;
  /** Closed windows of final rows kept per metric (default: `windows` + 5, at least 60). */
  keepFinal?: number;
  /** Charts of the user-defined metrics (their final rows are kept too). */
  user?: UserChartSpec[];
  /** Latest rows shown in a user metric's table (default 12). */
  tableRows?: number;
}

/** Most window starts kept for one user metric (a 10-second slide over 6 hours would be 2,160). */
const MAX_USER_STARTS = 2500;

/** Series names of the conversion chart. */
export const CONVERSION_KEYS = ["click → purchase within 10 min", "purchases / views"] as const;

/** The windowed metrics whose final rows are kept (also for the debug handle). */
export const KEPT_METRICS = ["page_views", "product_activity", "category_revenue", "conversions"] as const;
export type KeptMetric = (typeof KEPT_METRICS)[number];

/** How one windowed metric's rows become a keyed series. */
export interface WindowSeriesSpec {
  /** The row's `metric`. */
  metric: string;
  /** Series key of a row (e.g. its category). */
  key(row: OutputRow): string;
  /** Value of a row in display units. */
  value(row: OutputRow): number;
  /** Which window bound is the point's x (default window_end: a window is drawn when it ends). */
  x?: "window_start" | "window_end";
}

/**
 * Keyed series made generically from one metric each, by series id. User-defined metrics add
 * an entry per metric (and a chart declaration reading `d.series[id]`).
 */
export const WINDOW_SERIES: Record<string, WindowSeriesSpec> = {
  category_revenue: { metric: "category_revenue", key: (r) => r.category as string, value: (r) => centsToCurrency(r.revenue as number) },
};

/** "prod-004 4K Monitor" for a catalog product, else the id. */
export function productLabel(id: string): string {
  const name = productName(DEFAULT_CATALOG, id);
  return name && name !== id ? `${id} ${name}` : id;
}

/** See the module comment. */
export class ChartAggregator {
  private readonly o: Required<AggregatorOptions>;
  private readonly finals = new Map<string, WindowStore>();
  private readonly kept: Set<string>;
  private readonly anomalyRows: OutputRow[] = [];
  private readonly sessionX: Float64Array;
  private readonly sessionY: Float64Array;
  private sessionN = 0;
  private sessionAt = 0;
  private keep: number;

  constructor(opts: AggregatorOptions = {}) {
    this.o = { windows: 15, heatBucketMs: 60_000, topProducts: 12, anomalies: 500, sessionSamples: 600, sessionStepMs: 2000, keepFinal: 0, user: [], tableRows: 12, ...opts };
    this.keep = Math.max(this.o.keepFinal || 60, this.o.windows + 5);
    this.kept = new Set<string>([...KEPT_METRICS, ...Object.values(WINDOW_SERIES).map((s) => s.metric), ...this.o.user.map((u) => u.metric)]);
    this.sessionX = new Float64Array(this.o.sessionSamples);
    this.sessionY = new Float64Array(this.o.sessionSamples);
  }

  private store(metric: string): WindowStore {
    let s = this.finals.get(metric);
    if (!s) this.finals.set(metric, (s = new WindowStore(this.keepOf(metric))));
    return s;
  }

  /** Window starts kept for `metric`: a user metric's chart may show more than 1-minute windows do (bounded). */
  private keepOf(metric: string): number {
    const spec = this.o.user.find((u) => u.metric === metric && u.kind === "lines");
    return spec ? Math.min(MAX_USER_STARTS, Math.max(this.keep, startsShown(spec, this.o.windows * 60_000) + 5)) : this.keep;
  }

  /** Takes rows the pipeline emitted (final window rows and on-arrival anomalies). */
  addRows(rows: OutputRow[]): void {
    for (const r of rows) {
      if (r.metric === "purchase_anomalies") this.anomalyRows.push(r);
      else if (this.kept.has(r.metric)) this.store(r.metric).add(r);
    }
    const over = this.anomalyRows.length - this.o.anomalies;
    if (over > 0) this.anomalyRows.splice(0, over);
  }

  /**
   * Records the number of open sessions at event time `t` (the newest event time seen), at
   * most one sample per `sessionStepMs` of event time (a ring of samples).
   */
  sampleSessions(t: number, open: number): void {
    const cap = this.o.sessionSamples;
    if (!Number.isFinite(t)) return;
    const last = this.sessionN ? this.sessionX[(this.sessionAt - 1 + cap) % cap] : -Infinity;
    if (t < last + this.o.sessionStepMs) {
      // Same step: the newest sample follows the count (the gauge's right edge stays current).
      if (this.sessionN && t >= last) this.sessionY[(this.sessionAt - 1 + cap) % cap] = open;
      return;
    }
    this.sessionX[this.sessionAt] = t;
    this.sessionY[this.sessionAt] = open;
    this.sessionAt = (this.sessionAt + 1) % cap;
    if (this.sessionN < cap) this.sessionN++;
  }

  /** Page views per product per bucket: the top products of the shown windows, named. */
  pageViews(peek: OutputRow[]): KeyedSeries {
    const rows = recent(this.finals.get("page_views"), peek, "page_views", this.o.windows);
    const totals = new Map<string, number>();
    for (const { row } of rows) totals.set(row.product_id as string, (totals.get(row.product_id as string) ?? 0) + (row.views as number));
    const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.o.topProducts).map(([p]) => p);
    const shown = new Set(top);
    const b = this.o.heatBucketMs;
    const cells = new Map<string, Point>();
    for (const { row, partial } of rows) {
      const p = row.product_id as string;
      if (!shown.has(p)) continue;
      const x0 = Math.floor(row.window_start! / b) * b;
      const id = `${p}@${x0}`;
      const c = cells.get(id);
      if (c) {
        c.y += row.views as number;
        c.partial ||= partial;
      } else {
        cells.set(id, { x: x0, x0, x1: Math.max(x0 + b, row.window_end!), y: row.views as number, key: p, partial });
      }
    }
    const s = keyed([...cells.values()], top);
    s.labels = top.map(productLabel);
    return s;
  }

  /** The keyed series of {@link WINDOW_SERIES} entry `id`, sorted by key then x. */
  windowSeries(id: string, peek: OutputRow[]): KeyedSeries {
    const spec = WINDOW_SERIES[id];
    const at = spec.x ?? "window_end";
    const rows = recent(this.finals.get(spec.metric), peek, spec.metric, this.o.windows);
    const points = rows.map(({ row, partial }) => ({ x: row[at] as number, x0: row.window_start!, x1: row.window_end!, y: spec.value(row), key: spec.key(row), partial }));
    points.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.x - b.x));
    return keyed(points);
  }

  /** The chart data of every user metric: series (lines) and tables, by chart id. */
  userCharts(peek: OutputRow[]): { series: Record<string, KeyedSeries>; tables: Record<string, TableData> } {
    const series: Record<string, KeyedSeries> = {};
    const tables: Record<string, TableData> = {};
    for (const spec of this.o.user) {
      const store = this.finals.get(spec.metric);
      // `windows` is the range in 1-minute windows.
      if (spec.kind === "lines") series[spec.id] = userSeries(spec, store, peek, this.o.windows * 60_000);
      else tables[spec.id] = userTable(spec, store, peek, this.o.tableRows);
    }
    return { series, tables };
  }

  /** Revenue per category per 5-minute sliding window, x = window end, y in currency units. */
  categoryRevenue(peek: OutputRow[]): KeyedSeries {
    return this.windowSeries("category_revenue", peek);
  }

  /**
   * Conversion rate per 1-minute window over all products, at window end: the SPEC `conversions` join
   * (converted clicks / clicks) and product_activity's purchases / views, with numerator and
   * denominator. Windows without clicks (views) have no point rather than a 0, as SPEC makes
   * such rates null.
   */
  conversion(peek: OutputRow[]): KeyedSeries {
    const points: Point[] = [];
    const sum = (metric: KeptMetric, num: string, den: string, key: string) => {
      const acc = new Map<number, { num: number; den: number; end: number; partial: boolean }>();
      for (const { row, partial } of recent(this.finals.get(metric), peek, metric, this.o.windows)) {
        const a = acc.get(row.window_start!) ?? { num: 0, den: 0, end: row.window_end!, partial: false };
        a.num += row[num] as number;
        a.den += row[den] as number;
        a.partial ||= partial;
        acc.set(row.window_start!, a);
      }
      for (const [x, a] of [...acc].sort((p, q) => p[0] - q[0])) {
        if (a.den > 0) points.push({ x: a.end, x0: x, x1: a.end, y: a.num / a.den, key, partial: a.partial, num: a.num, den: a.den });
      }
    };
    sum("conversions", "converted_clicks", "clicks", CONVERSION_KEYS[0]);
    sum("product_activity", "purchases", "views", CONVERSION_KEYS[1]);
    return keyed(points, [...CONVERSION_KEYS]);
  }

  /** Open-session samples, oldest first. */
  sessions(): Series {
    const n = this.sessionN;
    const cap = this.o.sessionSamples;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const from = n < cap ? 0 : this.sessionAt;
    for (let i = 0; i < n; i++) {
      x[i] = this.sessionX[(from + i) % cap];
      y[i] = this.sessionY[(from + i) % cap];
    }
    return { x, y };
  }

  /** The newest anomalies at or after event time `since`, in arrival order. */
  anomalies(since = -Infinity): AnomalySeries {
    const rows = this.anomalyRows.filter((r) => (r.timestamp as number) >= since);
    const n = rows.length;
    const keys: string[] = [];
    const index = new Map<string, number>();
    const out: AnomalySeries = {
      keys, x: new Float64Array(n), y: new Float64Array(n), k: new Uint16Array(n), amount: new Float64Array(n),
      mean: new Float64Array(n), stddev: new Float64Array(n), ids: new Array<string>(n), products: new Array<string>(n),
    };
    rows.forEach((r, i) => {
      const c = r.category as string;
      let k = index.get(c);
      if (k === undefined) {
        k = keys.length;
        keys.push(c);
        index.set(c, k);
      }
      out.x[i] = r.timestamp as number;
      out.y[i] = r.z as number;
      out.k[i] = k;
      // Rows hold cents; the chart shows currency units.
      out.amount[i] = centsToCurrency(r.amount as number);
      out.mean[i] = centsToCurrency(r.mean as number);
      out.stddev[i] = centsToCurrency(r.stddev as number);
      out.ids[i] = String(r.transaction_id ?? "");
      out.products[i] = typeof r.product_id === "string" ? productLabel(r.product_id) : "–";
    });
    return out;
  }

  /** Final rows held for `metric` (a kept built-in or a user metric), optionally of one window start only. */
  finalRows(metric: string, windowStart?: number): OutputRow[] {
    const store = this.finals.get(metric);
    if (!store) return [];
    return windowStart === undefined ? store.all() : store.rows(windowStart);
  }

  /** Window starts of closed windows held for `metric`, ascending. */
  closedWindows(metric: string): number[] {
    return this.finals.get(metric)?.starts() ?? [];
  }
}
