/**
 * A validated user metric as a {@link MetricDeclaration}: the same registry entry a built-in
 * metric has, so every sink, the snapshot and the console treat both alike.
 */
import { MAIN_GROUP, ORDERS_GROUP } from "../builtin-pack";
import { type FieldMerge, type FieldSpec, type FieldType, type MergeRule, type MetricDeclaration, WINDOW_FIELDS, type WindowShape } from "../declaration";
import type { AggregateDef, FieldRef, UserMetric } from "./definition";

/** The watermark group of an input: the SPEC lanes for SPEC inputs, its own for a declared one. */
export function groupOfInput(input: string, builtin: boolean): string {
  if (!builtin) return `input:${input}`;
  return input === "orders" ? ORDERS_GROUP : MAIN_GROUP;
}

function groupType(f: FieldRef): FieldType {
  return f.type === "string" ? "string" : f.type === "boolean" ? "bool" : "double";
}

/** True when the field holds SPEC `amount` (integer cents). */
function isCents(m: UserMetric, f: FieldRef | undefined): boolean {
  return !!f && m.input.builtin && f.path === "amount";
}

function aggregateField(m: UserMetric, a: AggregateDef): FieldSpec {
  switch (a.fn) {
    case "count":
    case "count_distinct":
      return { name: a.name, type: "int", unit: "count" };
    case "sum":
      return isCents(m, a.field) ? { name: a.name, type: "cents", unit: "money" } : { name: a.name, type: "double", unit: "number" };
    default:
      return isCents(m, a.field) ? { name: a.name, type: "money", unit: "money", nullable: true } : { name: a.name, type: "double", unit: "number", nullable: true };
  }
}

/** Hidden fields of a user metric's partial rows (see {@link MergeRule}): names per aggregate. */
export const partialField = {
  sum: (agg: string) => `__sum_${agg}`,
  count: (agg: string) => `__count_${agg}`,
  distinct: (agg: string) => `__distinct_${agg}`,
};

/**
 * True when a count_distinct adds up across tasks as it is: the distinct field is the user_id of
 * a SPEC input, which is the Kafka key, so no two tasks see the same value. Any other field's
 * partial rows carry their set of distinct values.
 */
export function distinctAddsUp(m: UserMetric, a: AggregateDef): boolean {
  return a.fn === "count_distinct" && m.input.builtin && a.field?.path === "user_id";
}

function merge(m: UserMetric): MergeRule {
  if (m.window.kind === "session") {
    // A session needs all events of its key in one task: only user_id, the inputs' Kafka key,
    // keeps them there (src/core/merge/placement.ts refuses the rest).
    return { kind: "by-key", key: m.groupBy.some((g) => g.path === "user_id") ? "user_id" : m.groupBy.map((g) => g.path).join(",") };
  }
  const fields: Record<string, FieldMerge> = { window_start: "window", window_end: "window" };
  for (const g of m.groupBy) fields[g.path] = "key";
  for (const a of m.aggregates) {
    switch (a.fn) {
      case "min":
      case "max":
        fields[a.name] = a.fn;
        break;
      case "avg":
        fields[partialField.sum(a.name)] = "sum";
        fields[partialField.count(a.name)] = "sum";
        fields[a.name] = { mean: [partialField.sum(a.name), partialField.count(a.name)] };
        break;
      case "count_distinct":
        if (distinctAddsUp(m, a)) fields[a.name] = "sum";
        else {
          fields[partialField.distinct(a.name)] = "union";
          fields[a.name] = { distinct: partialField.distinct(a.name) };
        }
        break;
      default:
        fields[a.name] = "sum";
    }
  }
  return { kind: "fields", fields };
}

function windowShape(m: UserMetric): WindowShape {
  const w = m.window;
  return w.kind === "session" ? { kind: "session", gapMs: w.gapMs } : w.kind === "sliding" ? { kind: "sliding", sizeMs: w.sizeMs, slideMs: w.slideMs } : { kind: "tumbling", sizeMs: w.sizeMs };
}

/** The declaration of a validated user metric. */
export function declareUserMetric(m: UserMetric): MetricDeclaration {
  const fields: FieldSpec[] = [
    ...WINDOW_FIELDS,
    ...m.groupBy.map((g) => ({ name: g.path, type: groupType(g), nullable: true, unit: g.type === "string" ? ("text" as const) : ("number" as const) })),
    ...m.aggregates.map((a) => aggregateField(m, a)),
  ];
  const state = [{ name: "groups", version: 1 }, { name: "events", version: 1 }];
  for (const a of m.aggregates) {
    if (!a.field) continue;
    const name = `${a.fn === "count_distinct" ? "distinct" : "values"}:${a.field.path}`;
    if (!state.some((s) => s.name === name)) state.push({ name, version: 1 });
  }
  return {
    name: m.name,
    inputs: [m.input.name],
    key: m.groupBy.map((g) => g.path),
    window: windowShape(m),
    fields,
    group: groupOfInput(m.input.name, m.input.builtin),
    late: "side-output",
    main: m.aggregates[0].name,
    merge: merge(m),
    operator: m.name,
    state: m.window.kind === "session" ? [{ name: "groups", version: 1 }, { name: "sessions", version: 1 }] : state,
    builtin: false,
    description: `user-defined: ${m.aggregates.map((a) => (a.field ? `${a.fn}(${a.field.path})` : a.fn)).join(", ")} from ${m.input.name}`,
  };
}
