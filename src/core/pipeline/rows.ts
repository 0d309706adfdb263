/**
 * A result row in SPEC shape as the pipeline emits it: `metric`, window bounds (epoch ms), key
 * fields and values; timestamps in epoch ms and money in integer cents (sinks render them, see
 * MetricRegistry.toJson in src/core/metrics/registry.ts).
 */
export interface OutputRow {
  metric: string;
  window_start?: number;
  window_end?: number;
  [field: string]: unknown;
}
