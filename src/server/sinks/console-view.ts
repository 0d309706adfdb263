/**
 * What the console shows of each metric, read from its declaration: its main value (rows are
 * ranked by it and the top N shown), the columns worth a terminal's width, and how each cell reads
 * from the field's type and unit (thousands separators, money with two decimals, ratios as
 * percentages, times in a named zone). Files and Kafka keep every field.
 */
import { centsToCurrency, type FieldSpec, type MetricDeclaration } from "../../core/metrics/declaration";
import type { OutputRow } from "../io/types";
import { styles, type Styles } from "../term/ansi";
import { formatDuration, formatInt, formatMoney, formatNumber, formatPercent, type TimeZone } from "../term/format";
import { type Column, renderTable } from "./console-table";

/** How a cell reads. */
type Kind = "int" | "money" | "pct" | "num" | "text" | "time" | "dur" | "urls";

/** How a field's cells read, from its type and unit. */
export function kindOf(f: FieldSpec): Kind {
  if (f.unit === "ratio") return "pct";
  if (f.unit === "ms") return "dur";
  switch (f.type) {
    case "cents":
    case "money":
      return "money";
    case "int":
      return "int";
    case "double":
      return "num";
    case "timestamp":
      return "time";
    case "json":
      return "urls";
    default:
      return "text";
  }
}

/** The label of a metric's main value: `views`, `|z|`. */
export function mainLabel(m: MetricDeclaration): string {
  return m.view?.rankLabel ?? (m.view?.rankAbs ? `|${m.main}|` : m.main);
}

function rank(m: MetricDeclaration, row: OutputRow): number {
  const x = row[m.main];
  if (typeof x !== "number" || Number.isNaN(x)) return -Infinity;
  return m.view?.rankAbs ? Math.abs(x) : x;
}

/**
 * The `n` rows of `rows` (all of one metric) with the largest main value; ties go to the later
 * window, then to the smaller key, so the choice does not depend on arrival order. `n <= 0`: all.
 */
export function topRows(m: MetricDeclaration, rows: OutputRow[], n: number): OutputRow[] {
  const keyText = (r: OutputRow) => m.key.map((k) => String(r[k] ?? "")).join("\u0000");
  const sorted = [...rows].sort(
    (a, b) =>
      rank(m, b) - rank(m, a) ||
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
    case "money":
      return formatMoney(centsToCurrency(v));
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
export function renderMetric(m: MetricDeclaration, rows: OutputRow[], finals: number, o: RenderOptions): string {
  const style = o.style ?? styles(false);
  const fields = new Map(m.fields.map((f) => [f.name, f]));
  const shown = topRows(m, rows, o.top);
  const zoneName = o.zone.name(Number(shown[0]?.window_start ?? shown[0]?.timestamp ?? o.now));
  const columns: Column[] = [];
  const cells: Array<(r: OutputRow) => string> = [];
  if (fields.has("window_start")) {
    columns.push({ header: `window (${zoneName})`, align: "left" });
    cells.push((r) => o.zone.window(Number(r.window_start), Number(r.window_end), o.now));
  }
  const shownFields = m.view?.columns ?? m.fields.filter((f) => f.name !== "window_start" && f.name !== "window_end").map((f) => f.name);
  for (const name of shownFields) {
    const f = fields.get(name);
    const kind = f ? kindOf(f) : "text";
    const numeric = kind !== "text" && kind !== "urls" && kind !== "time";
    columns.push({ header: kind === "time" ? `${name} (${zoneName})` : name, align: numeric ? "right" : "left" });
    cells.push((r) => formatValue(kind, r[name], o.zone, o.now));
  }
  const counts = `${formatInt(rows.length)} changed${finals ? `, ${formatInt(finals)} final` : ""}`;
  const top = shown.length < rows.length ? ` · top ${shown.length} by ${mainLabel(m)}` : ` · by ${mainLabel(m)}`;
  const title = `${style.bold(m.name)} ${style.dim(`· ${counts}${top}`)}\n`;
  return title + renderTable(columns, shown.map((r) => cells.map((c) => c(r))), { style });
}
