/**
 * The output row shapes of every SPEC metric, as data: field names, types and nullability, in
 * column order. Sinks derive their encodings from this (Parquet schema, console columns), so a
 * metric's shape is stated once. Window bounds are epoch ms in rows and ISO-8601 UTC in JSON.
 */

/** Column type of an output field. `cents` is integer cents in rows, rendered as currency units. */
export type FieldType = "string" | "int" | "double" | "cents" | "timestamp" | "json";

export interface FieldSpec {
  name: string;
  type: FieldType;
  nullable?: boolean;
}

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

const windowed: FieldSpec[] = [
  { name: "window_start", type: "timestamp" },
  { name: "window_end", type: "timestamp" },
];
const f = (name: string, type: FieldType, nullable = false): FieldSpec => ({ name, type, nullable });

/** Fields after `metric`, per metric. */
export const METRIC_FIELDS: Record<MetricName, FieldSpec[]> = {
  page_views: [...windowed, f("product_id", "string"), f("views", "int")],
  product_activity: [
    ...windowed,
    f("product_id", "string"),
    f("views", "int"),
    f("clicks", "int"),
    f("add_to_carts", "int"),
    f("purchases", "int"),
    f("revenue", "cents"),
    f("conversion_rate", "double", true),
  ],
  category_revenue: [...windowed, f("category", "string"), f("revenue", "cents"), f("transactions", "int"), f("avg_amount", "double")],
  conversions: [...windowed, f("product_id", "string"), f("clicks", "int"), f("converted_clicks", "int"), f("conversion_rate", "double", true)],
  sessions: [
    ...windowed,
    f("user_id", "string"),
    f("session_start", "timestamp"),
    f("session_end", "timestamp"),
    f("duration_ms", "int"),
    f("events", "int"),
    f("views", "int"),
    f("purchases", "int"),
    f("revenue", "cents"),
  ],
  purchase_anomalies: [
    f("transaction_id", "string"),
    f("user_id", "string"),
    f("category", "string"),
    f("amount", "double"),
    f("mean", "double"),
    f("stddev", "double"),
    f("z", "double"),
    f("timestamp", "timestamp"),
  ],
  orders_metrics: [
    ...windowed,
    f("product_id", "string"),
    f("product_name", "string", true),
    f("order_count", "int"),
    f("total_revenue", "cents"),
    f("avg_order_value", "double"),
  ],
  traffic: [
    ...windowed,
    f("active_users", "int"),
    f("events", "int"),
    f("device_mobile", "int"),
    f("device_desktop", "int"),
    f("device_tablet", "int"),
    f("device_unknown", "int"),
    f("action_view", "int"),
    f("action_click", "int"),
    f("action_add_to_cart", "int"),
    f("action_scroll", "int"),
    f("action_hover", "int"),
    f("action_error", "int"),
    // [{ "url": string, "views": number }], at most 10, most viewed first (ties: url ascending).
    f("top_urls", "json"),
  ],
  // The seeds' orders job: every valid order, enriched with its product name, on arrival.
  processed_orders: [
    f("order_id", "string"),
    f("user_id", "string"),
    f("product_id", "string"),
    f("product_name", "string", true),
    f("amount", "cents"),
    f("timestamp", "timestamp"),
  ],
  funnel: [
    ...windowed,
    f("viewers", "int"),
    f("carters", "int"),
    f("purchasers", "int"),
    f("view_to_cart_rate", "double", true),
    f("cart_to_purchase_rate", "double", true),
    f("view_to_purchase_rate", "double", true),
  ],
};

/** Key fields of each metric (Kafka message key = metric + these values). */
export const METRIC_KEYS: Record<MetricName, string[]> = {
  page_views: ["product_id"],
  product_activity: ["product_id"],
  category_revenue: ["category"],
  conversions: ["product_id"],
  sessions: ["user_id", "session_start"],
  purchase_anomalies: ["transaction_id"],
  orders_metrics: ["product_id"],
  traffic: [],
  funnel: [],
  processed_orders: ["order_id"],
};

/** Renders a row value for JSON output: timestamps as ISO-8601 UTC, cents as currency units. */
export function jsonValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  // A time Date cannot render (NaN, beyond ±8.64e15 ms) is null rather than a crash of the sink.
  if (type === "timestamp") return Number.isFinite(new Date(v as number).getTime()) ? new Date(v as number).toISOString() : null;
  if (type === "cents") return (v as number) / 100;
  return v;
}

/** A row in SPEC JSON shape (`metric` first, then the metric's fields in order). */
export function toJsonRow(row: { metric: string; [k: string]: unknown }): Record<string, unknown> {
  const fields = METRIC_FIELDS[row.metric as MetricName];
  if (!fields) throw new Error(`unknown metric '${row.metric}'`);
  const out: Record<string, unknown> = { metric: row.metric };
  for (const fs of fields) out[fs.name] = jsonValue(fs.type, row[fs.name]);
  return out;
}
