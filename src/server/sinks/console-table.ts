/**
 * Spark-style text tables (`Dataset.show()`): `+---+` rules, `|`-separated cells right-aligned to
 * the column width, cells over `truncate` characters cut to `truncate - 3` plus `...`.
 */
import type { FieldType } from "../../core/metrics/schema";

/** Spark's `yyyy-MM-dd HH:mm:ss[.SSS]`, in UTC (eddy has no session time zone). */
export function formatTimestamp(ms: number): string {
  if (ms === Infinity) return "+inf";
  if (ms === -Infinity) return "-inf";
  const iso = new Date(ms).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms % 1000 === 0 ? base : `${base}${iso.slice(19, 23)}`;
}

/** Renders one value of `type` for display. */
export function formatCell(type: FieldType, v: unknown): string {
  if (v === null || v === undefined) return "null";
  switch (type) {
    case "timestamp":
      return typeof v === "number" ? formatTimestamp(v) : String(v);
    case "cents":
      return typeof v === "number" ? (v / 100).toFixed(2) : String(v);
    case "double":
      // Ratios and z-scores: 6 significant digits are enough to read; files keep full precision.
      return typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v);
    case "json":
      return JSON.stringify(v);
    default:
      return String(v);
  }
}

/**
 * Renders a table; `rows` are already formatted cells, one array per row. Columns flagged in
 * `whole` are never truncated (timestamps: a cut one is unreadable, and they are at most 23 wide).
 */
export function renderTable(header: string[], rows: string[][], truncate = 20, whole: boolean[] = []): string {
  const cut = (s: string, i: number) =>
    truncate > 0 && !whole[i] && s.length > truncate ? `${s.slice(0, Math.max(0, truncate - 3))}...` : s;
  const head = header.map(cut);
  const body = rows.map((r) => r.map(cut));
  const widths = head.map((h, i) => Math.max(3, h.length, ...body.map((r) => (r[i] ?? "").length)));
  const rule = `+${widths.map((w) => "-".repeat(w)).join("+")}+`;
  const line = (cells: string[]) => `|${cells.map((c, i) => (c ?? "").padStart(widths[i])).join("|")}|`;
  return [rule, line(head), rule, ...body.map(line), rule].join("\n") + "\n";
}
