/**
 * The metrics of one run: the built-in pack (those selected) plus the user-defined ones, looked
 * up by name. Everything that needs a metric's shape asks here: sinks (JSON, Parquet schema,
 * console columns, Kafka key), the pipeline (operators, state, watermark groups) and the console.
 */
import type { PipelineConfig } from "../pipeline/config";
import { builtinMetrics } from "./builtin-pack";
import { type FieldSpec, jsonValue, type MetricDeclaration } from "./declaration";
import { declareUserMetric } from "./user/declare";
import type { UserMetrics } from "./user/definition";

/** See the module comment. */
export class MetricRegistry {
  private readonly byName = new Map<string, MetricDeclaration>();

  constructor(readonly metrics: readonly MetricDeclaration[]) {
    for (const m of metrics) {
      if (this.byName.has(m.name)) throw new Error(`metric '${m.name}' is declared twice`);
      this.byName.set(m.name, m);
    }
  }

  /** The SPEC metrics with SPEC's windows. */
  static builtin(): MetricRegistry {
    return BUILTIN;
  }

  /**
   * The metrics of a run: the built-in ones named in `builtins` (all when undefined) with the
   * run's windows, then the user-defined ones. The pipeline and the sinks both build it this way.
   */
  static forRun(config: PipelineConfig | undefined, user?: UserMetrics, builtins?: readonly string[]): MetricRegistry {
    const pack = builtinMetrics(config).filter((m) => !builtins || builtins.includes(m.name));
    return new MetricRegistry([...pack, ...(user?.metrics ?? []).map(declareUserMetric)]);
  }

  /** True when every built-in metric is in (no --only narrowed them). */
  get allBuiltins(): boolean {
    return this.metrics.filter((m) => m.builtin).length === BUILTIN.metrics.length;
  }

  /** Metric names, in declaration order. */
  get names(): string[] {
    return this.metrics.map((m) => m.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The declaration of `name`; throws for a metric this run does not have. */
  get(name: string): MetricDeclaration {
    const m = this.byName.get(name);
    if (!m) throw new Error(`unknown metric '${name}'`);
    return m;
  }

  /** Fields after `metric`, in column order. */
  fields(name: string): readonly FieldSpec[] {
    return this.get(name).fields;
  }

  /** A row in SPEC JSON shape: `metric` first, then the fields in order, money in currency units. */
  toJson(row: { metric: string; [k: string]: unknown }): Record<string, unknown> {
    const out: Record<string, unknown> = { metric: row.metric };
    for (const f of this.fields(row.metric)) out[f.name] = jsonValue(f.type, row[f.name]);
    return out;
  }

  /** The Kafka message key of a row: the metric and its key values joined by `|` (`page_views|prod-001`). */
  messageKey(row: { metric: string; [k: string]: unknown }): string {
    return [row.metric, ...this.get(row.metric).key.map((k) => String(row[k] ?? ""))].join("|");
  }

  /** Declarations grouped by operator, in first-declaration order. */
  operators(): Map<string, MetricDeclaration[]> {
    const out = new Map<string, MetricDeclaration[]>();
    for (const m of this.metrics) out.set(m.operator, [...(out.get(m.operator) ?? []), m]);
    return out;
  }
}

const BUILTIN = new MetricRegistry(builtinMetrics());
