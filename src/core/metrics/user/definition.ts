/**
 * User-defined metrics (SPEC "User-defined metrics"): the JSON a `--metrics-file` holds, its
 * resolved form after validation, and {@link defineMetrics}, a typed helper that produces the
 * same JSON from TypeScript.
 */

/** Types a declared input field may have; a value of another type counts as missing. */
export type FieldType = "string" | "number" | "boolean";

/** A declared input as written in the file. */
export interface InputJson {
  topic?: string;
  time: string;
  fields: Record<string, FieldType>;
  required?: string[];
}

/** One `where` condition as written: `{ field, OP: value }` or `{ field, exists }`. */
export type ConditionJson = { field: string } & (
  | { eq: string | number | boolean }
  | { ne: string | number | boolean }
  | { in: Array<string | number | boolean> }
  | { gt: number | string }
  | { gte: number | string }
  | { lt: number | string }
  | { lte: number | string }
  | { exists: boolean }
);

/** A window as written: durations such as `500ms`, `30s`, `5m`, `1h`, `1d`. */
export type WindowJson = { tumbling: string } | { sliding: string; every: string } | { session: string };

/** Aggregate functions. */
export const AGGREGATE_FNS = ["count", "sum", "avg", "min", "max", "count_distinct"] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

/** An aggregate as written. */
export type AggregateJson = { fn: "count" } | { fn: Exclude<AggregateFn, "count">; field: string };

/** One metric as written. */
export interface MetricJson {
  name: string;
  from: string;
  where?: ConditionJson[];
  groupBy?: string[];
  window: WindowJson;
  aggregates: Record<string, AggregateJson>;
}

/** A whole metrics file as written. */
export interface MetricsFileJson {
  inputs?: Record<string, InputJson>;
  metrics: MetricJson[];
}

/** Condition operators. */
export const CONDITION_OPS = ["eq", "ne", "in", "gt", "gte", "lt", "lte", "exists"] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A field path split once, with its declared type. */
export interface FieldRef {
  path: string;
  parts: string[];
  type: FieldType;
}

/** A validated condition. `value` is a list for `in`, a boolean for `exists`. */
export interface Condition {
  field: FieldRef;
  op: ConditionOp;
  value: string | number | boolean | Array<string | number | boolean>;
}

/** A validated window, in ms. */
export type WindowDef =
  | { kind: "tumbling"; sizeMs: number }
  | { kind: "sliding"; sizeMs: number; slideMs: number }
  | { kind: "session"; gapMs: number };

/** A validated aggregate: output field `name`. `field` is set for every fn but `count`. */
export interface AggregateDef {
  name: string;
  fn: AggregateFn;
  field?: FieldRef;
}

/** An input a metric reads: a SPEC topic kind or a declared input. */
export interface InputDef {
  name: string;
  /** Topic name (SPEC inputs: their default name; the runner maps configured names). */
  topic: string;
  /** True for clickstream, transactions and orders. */
  builtin: boolean;
  /** Path of the event time (declared inputs; SPEC inputs use `timestamp`). */
  time: FieldRef;
  fields: ReadonlyMap<string, FieldRef>;
  /** Paths whose absence (or wrong type) makes an event invalid. */
  required: readonly string[];
}

/** A validated user-defined metric. */
export interface UserMetric {
  name: string;
  input: InputDef;
  where: Condition[];
  groupBy: FieldRef[];
  window: WindowDef;
  aggregates: AggregateDef[];
}

/** A validated metrics file: the declared inputs and the metrics, in file order. */
export interface UserMetrics {
  inputs: InputDef[];
  metrics: UserMetric[];
}

/**
 * Typed helper for metric files written in TypeScript: returns its argument unchanged, so
 * `JSON.stringify(defineMetrics({...}))` is exactly what `--metrics-file` reads.
 */
export function defineMetrics<T extends MetricsFileJson>(file: T): T {
  return file;
}
