/**
 * What the console shows of each metric: its main value (rows are ranked by it and the top N
 * shown), the columns worth a terminal's width, and how each cell reads (thousands separators,
 * money with two decimals, ratios as percentages, times in a named zone). The whole choice is the
 * one table {@link CONSOLE_VIEWS}; files and Kafka keep every field.
 */
import { METRIC_FIELDS, METRIC_KEYS, type FieldType, type MetricName } from "../../core/metrics/schema";
import type { OutputRow } from "../io/types";
import { styles, type Styles } from "../term/ansi";
import { formatDuration, formatInt, formatMoney, formatNumber, formatPercent, type TimeZone } from "../term/format";
import { type Column, renderTable } from "./console-table";

/** How a cell reads. Defaults follow the field type; doubles name theirs (money, ratio, plain). */
type Kind = "int" | "money" | "cents" | "pct" | "num" | "text" | "time" | "dur" | "urls";

/** The console view of one metric. */
export interface MetricView {
  /** The main value: a metric's changed rows are ranked by it, largest first. */
  main: string;
  /** Rank by absolute value (a z-score of −4 is as notable as +4). */
  abs?: boolean;
  /** How the ranking reads in a title (default: the main field's name). */
  label?: string;
  /** Fields shown after the window, `field` or `field:kind` when the type alone does not say. */
  columns: string[];
}

/** Main value and columns of every metric: the only place they are chosen. */
export const CONSOLE_VIEWS: Record<MetricName, MetricView> = {
  page_views: { main: "views", columns: ["product_id", "views"] },
  product_activity: { main: "revenue", columns: ["product_id", "views", "clicks", "add_to_carts", "purchases", "revenue", "conversion_rate:pct"] },
  category_revenue: { main: "revenue", columns: ["category", "revenue", "transactions", "avg_amount:money"] },
  conversions: { main: "clicks", columns: ["product_id", "clicks", "converted_clicks", "conversion_rate:pct"] },
  sessions: { main: "events", columns: ["user_id", "duration_ms:dur", "events", "views", "purchases", "revenue"] },
  purchase_anomalies: { main: "z", abs: true, columns: ["timestamp", "transaction_id", "user_id", "category", "amount:money", "mean:money", "z"] },
  orders_metrics: { main: "total_revenue", columns: ["product_id", "product_name", "order_count", "total_revenue", "avg_order_value:money"] },
  traffic: { main: "active_users", columns: ["active_users", "events", "action_view", "action_add_to_cart", "action_error", "top_urls"] },
  funnel: { main: "viewers", columns: ["viewers", "carters", "purchasers", "view_to_cart_rate:pct", "cart_to_purchase_rate:pct", "view_to_purchase_rate:pct"] },
  // One row per order as it arrives: the latest are the interesting ones.
  processed_orders: { main: "timestamp", label: "latest", columns: ["timestamp", "order_id", "user_id", "product_name", "amount"] },
};

const KIND_OF_TYPE: Record<FieldType, Kind> = { int: "int", cents: "cents", double: "num", string: "text", timestamp: "time", json: "urls" };

/** The label of a metric's main value: `views`, `|z|`. */
export function mainLabel(metric: MetricName): string {
  const v = CONSOLE_VIEWS[metric];
  return v.label ?? (v.abs ? `|${v.main}|` : v.main);
}

function rank(metric: MetricName, row: OutputRow): number {
  const v = CONSOLE_VIEWS[metric];
  const x = row[v.main];
  if (typeof x !== "number" || Number.isNaN(x)) return -Infinity;
  return v.abs ? Math.abs(x) : x;
}

/**
 * The `n` rows of `rows` (all of one metric) with the largest main value; ties go to the later
 * window, then to the smaller key, so the choice does not depend on arrival order. `n <= 0`: all.
 */
export function topRows(metric: MetricName, rows: OutputRow[], n: number): OutputRow[] {
  const keys = METRIC_KEYS[metric];
  const keyText = (r: OutputRow) => keys.map((k) => String(r[k] ?? "")).join("\u0000");
  const sorted = [...rows].sort(
    (a, b) =>
      rank(metric, b) - rank(metric, a) ||
      Number(b.window_start ?? 0) - Number(a.window_start ?? 0) ||
      (keyText(a) < keyText(b) ? -1 : keyText(a) > keyText(b) ? 1 : 0),
  );
  return n > 0 ? sorted.slice(0, n) : sorted;
}

/** A page address without the scheme and host every one of them shares. */
function path(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]+(\/.*)?$/i.exec(url);
  return m ? (m[1] ?? "/") : url;
}

function urls(v: unknown): string {
  if (!Array.isArray(v)) return JSON.stringify(v);
  return v
    .map((u: { url?: unknown; views?: unknown }) => (u && typeof u === "object" && "url" in u ? `${path(String(u.url))} ${String(u.views ?? "")}`.trim() : JSON.stringify(u)))
    .join(", ");
}

/** One cell as read on the console. */
export function formatValue(kind: Kind, v: unknown, zone: TimeZone, now: number): string {
  if (v === null || v === undefined) return "–";
  if (kind === "urls") return urls(v);
  if (typeof v !== "number") return String(v);
  switch (kind) {
    case "int":
      return formatInt(v);
    case "cents":
      return formatMoney(v / 100);
    case "money":
      return formatMoney(v);
    case "pct":
      return formatPercent(v);
    case "time":
      return zone.time(v, now);
    case "dur":
      return formatDuration(v);
    default:
      return formatNumber(v);
  }
}

/** Options of {@link renderMetric}. */
export interface RenderOptions {
  zone: TimeZone;
  /** Wall clock of the trigger: times on another day show their date. */
  now: number;
  /** Rows shown (0: all). */
  top: number;
  style?: Styles;
}

/**
 * A metric's block: a title line (`page_views · 37 changed, 4 final · top 10 by views`) and a
 * table of its top rows, the window first, in the zone of `options.zone` (named in the header).
 */
export function renderMetric(metric: MetricName, rows: OutputRow[], finals: number, o: RenderOptions): string {
  const style = o.style ?? styles(false);
  const fields = new Map(METRIC_FIELDS[metric].map((f) => [f.name, f.type]));
  const shown = topRows(metric, rows, o.top);
  const zoneName = o.zone.name(Number(shown[0]?.window_start ?? shown[0]?.timestamp ?? o.now));
  const columns: Column[] = [];
  const cells: Array<(r: OutputRow) => string> = [];
  if (fields.has("window_start")) {
    columns.push({ header: `window (${zoneName})`, align: "left" });
    cells.push((r) => o.zone.window(Number(r.window_start), Number(r.window_end), o.now));
  }
  for (const spec of CONSOLE_VIEWS[metric].columns) {
    const [name, override] = spec.split(":");
    const kind = (override as Kind | undefined) ?? KIND_OF_TYPE[fields.get(name) ?? "string"];
    const numeric = kind !== "text" && kind !== "urls" && kind !== "time";
    columns.push({ header: kind === "time" ? `${name} (${zoneName})` : name, align: numeric ? "right" : "left" });
    cells.push((r) => formatValue(kind, r[name], o.zone, o.now));
  }
  const counts = `${formatInt(rows.length)} changed${finals ? `, ${formatInt(finals)} final` : ""}`;
  const top = shown.length < rows.length ? ` · top ${shown.length} by ${mainLabel(metric)}` : ` · by ${mainLabel(metric)}`;
  const title = `${style.bold(metric)} ${style.dim(`· ${counts}${top}`)}\n`;
  return title + renderTable(columns, shown.map((r) => cells.map((c) => c(r))), { style });
}
