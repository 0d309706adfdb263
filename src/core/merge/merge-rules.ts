/**
 * Combines the partial rows several tasks wrote for one metric, window and key into the row a
 * single runner writes, by the declaration's field rules ({@link FieldMerge}): accumulated fields
 * first (sums, min / max, unions, tallies), then the derived ones recomputed from them (ratios,
 * means, top lists, distinct counts). Hidden `__` fields never reach the merged row.
 */
import type { FieldMerge, MetricDeclaration } from "../metrics/declaration";
import { ratio } from "../metrics/declaration";
import type { OutputRow } from "../pipeline/rows";

type Scalar = string | number | boolean;

/** The field rules of a metric that merges by fields; throws for any other. */
export function fieldRules(decl: MetricDeclaration): Record<string, FieldMerge> {
  if (decl.merge.kind !== "fields") throw new Error(`metric '${decl.name}' does not merge partial rows (merge rule '${decl.merge.kind}')`);
  return decl.merge.fields;
}

/** Checks that every output field of `decl` has a rule and every derived rule names a ruled field. */
export function checkRules(decl: MetricDeclaration): void {
  const rules = fieldRules(decl);
  for (const f of decl.fields) if (!(f.name in rules)) throw new Error(`metric '${decl.name}': no merge rule for field '${f.name}'`);
  for (const [name, r] of Object.entries(rules)) {
    if (typeof r === "string") continue;
    const refs = "ratio" in r ? r.ratio : "mean" in r ? r.mean : "top" in r ? [r.top[0]] : [r.distinct];
    for (const x of refs) if (!(x in rules)) throw new Error(`metric '${decl.name}': merge rule of '${name}' reads '${x}', which has no rule`);
  }
}

const num = (v: unknown): number => (typeof v === "number" ? v : NaN);

function compare(a: Scalar, b: Scalar): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The accumulated value of one field over `rows` (derived fields: undefined). */
function accumulate(rule: FieldMerge, field: string, rows: readonly OutputRow[]): unknown {
  switch (rule) {
    case "key":
    case "window":
      return rows[0][field];
    case "sum": {
      // A null sum is one JSON could not carry (NaN): it poisons the total as NaN did.
      let s = num(rows[0][field]);
      for (let k = 1; k < rows.length; k++) s += num(rows[k][field]);
      return s;
    }
    case "min":
    case "max": {
      let best: number | null = null;
      for (const r of rows) {
        const v = r[field];
        if (typeof v !== "number" || Number.isNaN(v)) continue;
        if (best === null || (rule === "min" ? v < best : v > best)) best = v;
      }
      return best;
    }
    case "union": {
      const all = new Set<Scalar>();
      for (const r of rows) for (const v of (r[field] as Scalar[] | undefined) ?? []) all.add(v);
      return [...all].sort(compare);
    }
    case "tally": {
      const counts = new Map<string, number>();
      for (const r of rows) for (const [label, n] of (r[field] as [string, number][] | undefined) ?? []) counts.set(label, (counts.get(label) ?? 0) + n);
      return [...counts].sort((a, b) => compare(a[0], b[0]));
    }
    default:
      return undefined;
  }
}

/** A derived field from the accumulated ones. */
function derive(rule: Exclude<FieldMerge, string>, acc: Record<string, unknown>): unknown {
  if ("ratio" in rule) return ratio(num(acc[rule.ratio[0]]), num(acc[rule.ratio[1]]));
  if ("mean" in rule) {
    const count = num(acc[rule.mean[1]]);
    return count === 0 ? null : num(acc[rule.mean[0]]) / count;
  }
  if ("distinct" in rule) return (acc[rule.distinct] as unknown[]).length;
  const [field, n] = rule.top;
  return (acc[field] as [string, number][])
    .slice()
    .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
    .slice(0, n)
    .map(([url, views]) => ({ url, views }));
}

/**
 * The merged row of the partial rows `rows` (one per task, in task order, at least one) of one
 * metric, window and key: `metric`, then the declaration's fields in order.
 */
export function mergeRows(decl: MetricDeclaration, rows: readonly OutputRow[]): OutputRow {
  const rules = fieldRules(decl);
  const acc: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(rules)) if (typeof rule === "string") acc[field] = accumulate(rule, field, rows);
  for (const [field, rule] of Object.entries(rules)) if (typeof rule !== "string") acc[field] = derive(rule, acc);
  const out: OutputRow = { metric: decl.name };
  for (const f of decl.fields) out[f.name] = acc[f.name];
  return out;
}
