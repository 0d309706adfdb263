/**
 * A metric as one declaration: what it reads, its key, its window, its named and versioned
 * state, its typed output row (units included), its watermark group and late policy, and how two
 * partial results of it merge. The pipeline, snapshots, every sink and the console's charts are
 * built from these; the built-in SPEC metrics are the first pack (builtin-pack.ts), user-defined
 * metrics compile to more (user/compile.ts).
 */

/**
 * Column type of an output field. Money is cents in rows and currency units everywhere a
 * person or another engine reads it (JSON, Parquet, console, charts), converted only by
 * {@link centsToCurrency}: `cents` is an exact integer sum (Parquet decimal(18,2)), `money` a
 * derived amount such as a mean (a double). Timestamps are epoch ms in rows.
 */
export type FieldType = "string" | "int" | "double" | "cents" | "money" | "timestamp" | "json" | "bool";

/** How a value reads to a person (console, charts); the type says how it is stored. */
export type FieldUnit = "count" | "money" | "ratio" | "ms" | "time" | "text" | "number";

/** One field of an output row. */
export interface FieldSpec {
  name: string;
  type: FieldType;
  nullable?: boolean;
  unit?: FieldUnit;
}

/** The window of a metric; `none` = rows leave per event (anomalies, processed orders). */
export type WindowShape =
  | { kind: "tumbling"; sizeMs: number }
  | { kind: "sliding"; sizeMs: number; slideMs: number }
  | { kind: "session"; gapMs: number }
  | { kind: "none" };

/**
 * How a field of two partial rows of the same window and key (from two tasks) combines into
 * the row one runner would have written: add, keep the lower or higher (nulls skipped), or
 * `key` / `window` (equal on both sides). Hidden fields (named `__…`, present only in partial
 * rows) carry what a visible field needs: `union` joins sorted arrays of distinct values,
 * `tally` adds `[label, count]` pairs per label. Derived fields are recomputed from merged
 * fields: `ratio` num/den (null when den is 0), `mean` sum/count in the sum's unit (null when
 * count is 0), `top` the first n labels of a tally by count (ties: label ascending) as
 * `{ url, views }`, `distinct` the size of a union.
 */
export type FieldMerge =
  | "key"
  | "window"
  | "sum"
  | "min"
  | "max"
  | "union"
  | "tally"
  | { ratio: [string, string] }
  | { mean: [string, string] }
  | { top: [string, number] }
  | { distinct: string };

/**
 * How partial results merge. `fields`: per-field rules, the metric is pre-aggregated per task and
 * its partial rows combined (local-global aggregation); `by-key`: all events of one `key` value
 * must reach one task (sessions, anomalies per category), after which a task's rows are final as
 * they are; `per-event`: rows describe single events and need no merging.
 */
export type MergeRule = { kind: "fields"; fields: Record<string, FieldMerge> } | { kind: "by-key"; key: string } | { kind: "per-event" };

/** Prefix of the fields partial rows carry for their merge only (never in a final row). */
export const HIDDEN_PREFIX = "__";

/** What happens to an event that comes after its windows closed. */
export type LatePolicy = "side-output" | "never-late";

/** A named piece of operator state with the version of its layout. */
export interface StateDecl {
  name: string;
  version: number;
}

/** How a person sees a metric on the console: the columns worth a terminal's width, how rows rank. */
export interface ViewHints {
  /** Fields shown after the window (default: all). */
  columns?: readonly string[];
  /** Rank by the absolute main value (a z of −4 is as notable as +4). */
  rankAbs?: boolean;
  /** How the ranking reads in a title (default: the main field's name). */
  rankLabel?: string;
}

/** One metric. */
export interface MetricDeclaration {
  name: string;
  /** Input names it reads (SPEC topic kinds or declared inputs). */
  inputs: readonly string[];
  /** Key fields of a row: the Kafka message key is the metric name and these values. */
  key: readonly string[];
  window: WindowShape;
  /** The row's fields after `metric`, in column order (window bounds first when windowed). */
  fields: readonly FieldSpec[];
  /** Watermark group: metrics of one group share one watermark. */
  group: string;
  late: LatePolicy;
  /** The value a person ranks rows by (console top N, chart series). */
  main: string;
  merge: MergeRule;
  /**
   * A window's row is final once the watermark is >= window_end + this (default 0); conversions
   * wait for the join horizon, as a click just before the end can still convert.
   */
  closeDelayMs?: number;
  /** The operator computing it (one operator may compute several metrics over shared state). */
  operator: string;
  /** State the operator keeps for it, by name. */
  state: readonly StateDecl[];
  /** True for the SPEC metrics. */
  builtin: boolean;
  /** One line for help texts and chart captions. */
  description: string;
  view?: ViewHints;
}

/** Integer cents → currency units: the only place money changes scale. */
export function centsToCurrency(cents: number): number {
  return cents / 100;
}

/** Currency units → integer cents (SPEC: money is summed in integer cents). */
export function currencyToCents(amount: number): number {
  return Math.round(amount * 100);
}

/** A ratio, or null when the denominator is 0 (SPEC: rates are null when nothing was seen). */
export function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

/** Window bounds, the first fields of every windowed row. */
export const WINDOW_FIELDS: readonly FieldSpec[] = [
  { name: "window_start", type: "timestamp", unit: "time" },
  { name: "window_end", type: "timestamp", unit: "time" },
];

/** Renders a row value for JSON output: timestamps as ISO-8601 UTC, cents as currency units. */
export function jsonValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  // A time Date cannot render (NaN, beyond ±8.64e15 ms) is null rather than a crash of the sink.
  if (type === "timestamp") return Number.isFinite(new Date(v as number).getTime()) ? new Date(v as number).toISOString() : null;
  if (type === "cents" || type === "money") return centsToCurrency(v as number);
  return v;
}
