/**
 * The console's chart of each user-defined metric, as data both threads share: the worker builds
 * its series or table from it, the main thread its chart declaration. A windowed metric is a time
 * series of its first aggregate for its top groups (by total over the shown windows); a metric
 * whose rows do not make a series — session windows, whose rows are sessions, not windows, or a
 * first aggregate that is not a number — is a table of its latest rows.
 */
import { formatDuration } from "../../core/duration";
import type { FieldSpec } from "../../core/metrics/declaration";
import { declareUserMetric } from "../../core/metrics/user/declare";
import type { UserMetric, UserMetrics } from "../../core/metrics/user/definition";

/** How a column's values read: counts, money (rows hold cents), plain numbers, text, booleans. */
export type ColumnFormat = "count" | "money" | "number" | "text" | "bool";

/** One column of a user metric's row (groupBy fields, then aggregates). */
export interface UserColumn {
  name: string;
  format: ColumnFormat;
  /** True when rows hold the value in cents (shown in currency units). */
  cents: boolean;
}

/** See the module comment. */
export interface UserChartSpec {
  /** Chart id and the key of its data in ChartData (`series` or `tables`). */
  id: string;
  metric: string;
  kind: "lines" | "table";
  title: string;
  caption: string;
  empty: string;
  /** groupBy paths (the series key), in order. */
  keys: string[];
  /** The aggregate drawn (the first). */
  value: UserColumn;
  /** The groupBy field is a category (SPEC `category`): coloured as categories everywhere. */
  category: boolean;
  /** What one window is, for tooltips ("1-minute tumbling window"). */
  window: string;
  /** Window size and the step between window starts (slide, or the size of a tumbling window), ms; 0 for sessions. */
  sizeMs: number;
  stepMs: number;
  columns: UserColumn[];
}

/** Groups drawn per series chart (the top ones by total over the shown windows). */
export const TOP_GROUPS = 5;

function columnOf(f: FieldSpec): UserColumn {
  const cents = f.type === "cents" || f.type === "money";
  const format: ColumnFormat = cents ? "money" : f.unit === "count" ? "count" : f.type === "string" ? "text" : f.type === "bool" ? "bool" : "number";
  return { name: f.name, format, cents };
}

function windowText(m: UserMetric): string {
  const w = m.window;
  if (w.kind === "session") return `session (gap ${formatDuration(w.gapMs)})`;
  if (w.kind === "sliding") return `${formatDuration(w.sizeMs)} window every ${formatDuration(w.slideMs)}`;
  return `${formatDuration(w.sizeMs)} tumbling window`;
}

/** The chart of one user metric. */
export function userChartSpec(m: UserMetric): UserChartSpec {
  const decl = declareUserMetric(m);
  const keys = m.groupBy.map((g) => g.path);
  const byName = new Map(decl.fields.map((f) => [f.name, f]));
  const columns = [...keys, ...m.aggregates.map((a) => a.name)].map((n) => columnOf(byName.get(n)!));
  const value = columns[keys.length];
  const numeric = value.format !== "text" && value.format !== "bool";
  const kind = m.window.kind === "session" || !numeric ? "table" : "lines";
  const win = windowText(m);
  const by = keys.length ? ` by ${keys.join(", ")}` : "";
  const what = `${decl.description.replace(/^user-defined: /, "")}${by}`;
  return {
    id: `user-${m.name}`,
    metric: m.name,
    kind,
    title: m.name,
    caption:
      kind === "lines"
        ? `your metric: ${value.name} per ${win}${by} (top ${TOP_GROUPS} by total), at window end; open windows dashed and hollow — ${what}`
        : `your metric: the latest rows, one per ${win}; open ones marked — ${what}`,
    empty: `No rows of ${m.name} yet: waiting for ${m.input.builtin ? m.input.name : `input '${m.input.name}' (topic ${m.input.topic})`} events${m.where.length ? " that pass its where" : ""}.`,
    keys,
    value,
    category: keys.length === 1 && keys[0] === "category" && m.input.builtin,
    window: win,
    sizeMs: m.window.kind === "session" ? 0 : m.window.sizeMs,
    stepMs: m.window.kind === "session" ? 0 : m.window.kind === "sliding" ? m.window.slideMs : m.window.sizeMs,
    columns,
  };
}

/** The charts of every user metric, in file order. */
export function userChartSpecs(user: UserMetrics): UserChartSpec[] {
  return user.metrics.map(userChartSpec);
}
