/**
 * The SPEC metrics' output shapes, read from their declarations (builtin-pack.ts): names, fields
 * and keys for code that only ever deals with the built-in metrics. Everything that also serves
 * user-defined metrics takes a {@link MetricRegistry} instead.
 */
import { builtinMetrics } from "./builtin-pack";
import type { FieldSpec } from "./declaration";
import { MetricRegistry } from "./registry";

export type { FieldSpec, FieldType } from "./declaration";
export { jsonValue } from "./declaration";

const PACK = builtinMetrics();

/** The SPEC metrics, in the order SPEC lists them. */
export const METRIC_NAMES = [
  "page_views",
  "product_activity",
  "category_revenue",
  "conversions",
  "sessions",
  "purchase_anomalies",
  "orders_metrics",
  "traffic",
  "funnel",
  "processed_orders",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Fields after `metric`, per SPEC metric. */
export const METRIC_FIELDS: Record<MetricName, readonly FieldSpec[]> = Object.fromEntries(PACK.map((m) => [m.name, m.fields])) as Record<MetricName, readonly FieldSpec[]>;

/** Key fields of each SPEC metric (Kafka message key = metric + these values). */
export const METRIC_KEYS: Record<MetricName, readonly string[]> = Object.fromEntries(PACK.map((m) => [m.name, m.key])) as Record<MetricName, readonly string[]>;

/** A SPEC metric's row in SPEC JSON shape (`metric` first, then its fields in order). */
export function toJsonRow(row: { metric: string; [k: string]: unknown }): Record<string, unknown> {
  return MetricRegistry.builtin().toJson(row);
}
