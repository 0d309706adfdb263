/**
 * Compact text tables for the console sink: a header row, two spaces between columns, numbers
 * right-aligned and text left-aligned, long text cut with `…`. No rules or borders: a block per
 * trigger should fit a terminal, which Spark's `+---+` tables (20 rows, every column) do not.
 */
import { styles, type Styles } from "../term/ansi";

/** One column: its header and which side its cells align to. */
export interface Column {
  header: string;
  align: "left" | "right";
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Prefix of every line (default two spaces). */
  indent?: string;
  /** Text cells longer than this are cut to it, ending in `…` (default 28; 0 keeps them whole). */
  maxWidth?: number;
  /** Header styling (plain by default). */
  style?: Styles;
}

/** Cuts `s` to `max` characters, the last being `…`. */
export function cut(s: string, max: number): string {
  return max > 0 && s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** Renders `rows` (cells already formatted, one array per row) under `columns`. */
export function renderTable(columns: Column[], rows: string[][], options: TableOptions = {}): string {
  const indent = options.indent ?? "  ";
  const max = options.maxWidth ?? 28;
  const style = options.style ?? styles(false);
  const body = rows.map((r) => columns.map((c, i) => (c.align === "left" ? cut(r[i] ?? "", max) : (r[i] ?? ""))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (columns[i].align === "right" ? s.padStart(widths[i]) : i === cells.length - 1 ? s : s.padEnd(widths[i])))
      .join("  ");
  const head = style.dim(line(columns.map((c) => c.header)).trimEnd());
  return [head, ...body.map((r) => line(r).trimEnd())].map((l) => indent + l).join("\n") + "\n";
}
