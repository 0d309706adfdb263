/**
 * Turns pipeline rows into chart data in the worker: final rows of closed windows are kept
 * (bounded), the open windows' partial rows come from `Pipeline.peek()` at each update (SPEC
 * update mode), and `build` merges both into the small typed columns of {@link ChartData}.
 * Runs at most 4 times a second, so it may allocate; per-event work is none.
 */
import { centsToCurrency } from "../../core/metrics/declaration";
import type { OutputRow } from "../../core/pipeline/rows";
import type { AnomalySeries, KeyedSeries, Series } from "../shared/chart-data";
import { WindowStore } from "./window-store";

/** Options of {@link ChartAggregator}. */
export interface AggregatorOptions {
  /** Window starts shown per windowed chart (default 15). */
  windows?: number;
  /** Products shown in the page-view chart, most viewed first (default 12). */
  topProducts?: number;
  /** Newest anomalies shown (default 200). */
  anomalies?: number;
  /** Open-session samples kept (default 480: two minutes at 4 updates a second). */
  sessionSamples?: number;
  /** Closed windows of final rows kept per metric for the debug handle (default 60). */
  keepFinal?: number;
}

/** Series names of the conversion chart. */
export const CONVERSION_KEYS = ["click → purchase within 10 min", "purchases / views"] as const;

/** The windowed metrics whose final rows are kept. */
export const KEPT_METRICS = ["page_views", "product_activity", "category_revenue", "conversions"] as const;
export type KeptMetric = (typeof KEPT_METRICS)[number];

interface Point {
  x: number;
  y: number;
  key: string;
  partial: boolean;
}

/** Packs points into a {@link KeyedSeries}, keys in first-seen order unless `keys` is given. */
export function keyed(points: Point[], keys?: string[]): KeyedSeries {
  const ks = keys ?? [];
  const index = new Map(ks.map((k, i) => [k, i]));
  const n = points.length;
  const out: KeyedSeries = { keys: ks, x: new Float64Array(n), y: new Float64Array(n), k: new Uint16Array(n), partial: new Uint8Array(n) };
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
    out.partial[i] = p.partial ? 1 : 0;
  });
  return out;
}

/** Rows of `metric` from final windows and peek, restricted to the newest `windows` starts. */
function recent(store: WindowStore, peek: OutputRow[], metric: string, windows: number): { row: OutputRow; partial: boolean }[] {
  const open = peek.filter((r) => r.metric === metric);
  const starts = new Set<number>(store.starts());
  for (const r of open) starts.add(r.window_start!);
  const keep = new Set([...starts].sort((a, b) => a - b).slice(-windows));
  const out: { row: OutputRow; partial: boolean }[] = [];
  for (const s of store.starts()) if (keep.has(s)) for (const row of store.rows(s)) out.push({ row, partial: false });
  for (const row of open) if (keep.has(row.window_start!)) out.push({ row, partial: true });
  return out;
}

/** See the module comment. */
export class ChartAggregator {
  private readonly o: Required<AggregatorOptions>;
  private readonly finals: Record<KeptMetric, WindowStore>;
  private readonly anomalyRows: OutputRow[] = [];
  private readonly sessionX: Float64Array;
  private readonly sessionY: Float64Array;
  private sessionN = 0;
  private sessionAt = 0;

  constructor(opts: AggregatorOptions = {}) {
    this.o = { windows: 15, topProducts: 12, anomalies: 200, sessionSamples: 480, keepFinal: 60, ...opts };
    const keep = Math.max(this.o.keepFinal, this.o.windows + 5);
    this.finals = Object.fromEntries(KEPT_METRICS.map((m) => [m, new WindowStore(keep)])) as Record<KeptMetric, WindowStore>;
    this.sessionX = new Float64Array(this.o.sessionSamples);
    this.sessionY = new Float64Array(this.o.sessionSamples);
  }

  /** Takes rows the pipeline emitted (final window rows and on-arrival anomalies). */
  addRows(rows: OutputRow[]): void {
    for (const r of rows) {
      if (r.metric === "purchase_anomalies") this.anomalyRows.push(r);
      else if ((KEPT_METRICS as readonly string[]).includes(r.metric)) this.finals[r.metric as KeptMetric].add(r);
    }
    const over = this.anomalyRows.length - this.o.anomalies;
    if (over > 0) this.anomalyRows.splice(0, over);
  }

  /** Records the number of open sessions at wall-clock time `now` (a ring of samples). */
  sampleSessions(now: number, open: number): void {
    const cap = this.o.sessionSamples;
    this.sessionX[this.sessionAt] = now;
    this.sessionY[this.sessionAt] = open;
    this.sessionAt = (this.sessionAt + 1) % cap;
    if (this.sessionN < cap) this.sessionN++;
  }

  /** Page views per product per minute: the top products of the shown windows. */
  pageViews(peek: OutputRow[]): KeyedSeries {
    const rows = recent(this.finals.page_views, peek, "page_views", this.o.windows);
    const totals = new Map<string, number>();
    for (const { row } of rows) totals.set(row.product_id as string, (totals.get(row.product_id as string) ?? 0) + (row.views as number));
    const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.o.topProducts).map(([p]) => p);
    const shown = new Set(top);
    const points = rows
      .filter(({ row }) => shown.has(row.product_id as string))
      .map(({ row, partial }) => ({ x: row.window_start!, y: row.views as number, key: row.product_id as string, partial }));
    return keyed(points, top);
  }

  /** Revenue per category per 5-minute sliding window, x = window end, y in currency units. */
  categoryRevenue(peek: OutputRow[]): KeyedSeries {
    const rows = recent(this.finals.category_revenue, peek, "category_revenue", this.o.windows);
    const points = rows.map(({ row, partial }) => ({ x: row.window_end!, y: centsToCurrency(row.revenue as number), key: row.category as string, partial }));
    points.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.x - b.x));
    return keyed(points);
  }

  /**
   * Conversion rate per 1-minute window over all products: the SPEC `conversions` join
   * (converted clicks / clicks) and product_activity's purchases / views. Windows without
   * clicks (views) have no point rather than a 0, as SPEC makes such rates null.
   */
  conversion(peek: OutputRow[]): KeyedSeries {
    const points: Point[] = [];
    const sum = (metric: KeptMetric, num: string, den: string, key: string) => {
      const acc = new Map<number, { num: number; den: number; partial: boolean }>();
      for (const { row, partial } of recent(this.finals[metric], peek, metric, this.o.windows)) {
        const a = acc.get(row.window_start!) ?? { num: 0, den: 0, partial: false };
        a.num += row[num] as number;
        a.den += row[den] as number;
        a.partial ||= partial;
        acc.set(row.window_start!, a);
      }
      for (const [x, a] of [...acc].sort((p, q) => p[0] - q[0])) if (a.den > 0) points.push({ x, y: a.num / a.den, key, partial: a.partial });
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

  /** The newest anomalies, in arrival order. */
  anomalies(): AnomalySeries {
    const rows = this.anomalyRows;
    const n = rows.length;
    const keys: string[] = [];
    const index = new Map<string, number>();
    const out: AnomalySeries = { keys, x: new Float64Array(n), y: new Float64Array(n), k: new Uint16Array(n), amount: new Float64Array(n) };
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
      out.amount[i] = centsToCurrency(r.amount as number);
    });
    return out;
  }

  /** Final rows held for `metric`, optionally of one window start only. */
  finalRows(metric: KeptMetric, windowStart?: number): OutputRow[] {
    const store = this.finals[metric];
    return windowStart === undefined ? store.all() : store.rows(windowStart);
  }

  /** Window starts of closed windows held for `metric`, ascending. */
  closedWindows(metric: KeptMetric): number[] {
    return this.finals[metric].starts();
  }
}
