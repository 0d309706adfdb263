/**
 * The SPEC metrics as declarations (SPEC "The metrics" and "Output row shape"), in SPEC's order.
 * Window sizes come from the pipeline configuration, so flags and checkpoints agree with rows.
 */
import type { PipelineConfig } from "../pipeline/config";
import { DEFAULT_PIPELINE_CONFIG } from "../pipeline/config";
import type { FieldSpec, FieldType, FieldUnit, MetricDeclaration, WindowShape } from "./declaration";
import { WINDOW_FIELDS } from "./declaration";

/** Watermark groups of the SPEC metrics: the seeds' two jobs. */
export const MAIN_GROUP = "main";
export const ORDERS_GROUP = "orders";

const f = (name: string, type: FieldType, unit?: FieldUnit, nullable = false): FieldSpec => ({ name, type, unit, nullable });
const count = (name: string) => f(name, "int", "count");
const money = (name: string) => f(name, "cents", "money");
const rate = (name: string) => f(name, "double", "ratio", true);
const text = (name: string, nullable = false) => f(name, "string", "text", nullable);
const time = (name: string) => f(name, "timestamp", "time");

type Decl = Omit<MetricDeclaration, "builtin" | "group" | "late" | "state"> & Partial<Pick<MetricDeclaration, "group" | "late" | "state">>;

function windowed(d: Decl): MetricDeclaration {
  return { group: MAIN_GROUP, late: "side-output", state: [], ...d, fields: [...WINDOW_FIELDS, ...d.fields], builtin: true };
}

function perEvent(d: Decl): MetricDeclaration {
  return { group: MAIN_GROUP, late: "never-late", state: [], ...d, builtin: true };
}

const tumbling = (sizeMs: number): WindowShape => ({ kind: "tumbling", sizeMs });
const sliding = (sizeMs: number, slideMs: number): WindowShape => ({ kind: "sliding", sizeMs, slideMs });
const ACTIONS_OUT = ["view", "click", "add_to_cart", "scroll", "hover", "error"] as const;
const DEVICES_OUT = ["mobile", "desktop", "tablet", "unknown"] as const;
const sums = (...names: string[]) => Object.fromEntries(names.map((n) => [n, "sum" as const]));

/** Hidden field of traffic's partial rows: every viewed url's views in the window, `[url, views][]`. */
export const URL_VIEWS = "__url_views";

/** The SPEC metrics for a configuration (defaults: SPEC's windows). */
export function builtinMetrics(c: PipelineConfig = DEFAULT_PIPELINE_CONFIG): MetricDeclaration[] {
  const window = { window_start: "window" as const, window_end: "window" as const };
  return [
    windowed({
      name: "page_views",
      description: "views per product",
      inputs: ["clickstream"],
      key: ["product_id"],
      window: tumbling(c.activityWindowMs),
      fields: [text("product_id"), count("views")],
      main: "views",
      merge: { kind: "fields", fields: { ...window, product_id: "key", ...sums("views") } },
      operator: "activity",
      state: [{ name: "activity", version: 1 }],
    }),
    windowed({
      name: "product_activity",
      description: "views, clicks, add-to-carts, purchases and revenue per product",
      inputs: ["clickstream", "transactions"],
      key: ["product_id"],
      window: tumbling(c.activityWindowMs),
      fields: [text("product_id"), count("views"), count("clicks"), count("add_to_carts"), count("purchases"), money("revenue"), rate("conversion_rate")],
      main: "revenue",
      merge: { kind: "fields", fields: { ...window, product_id: "key", ...sums("views", "clicks", "add_to_carts", "purchases", "revenue"), conversion_rate: { ratio: ["purchases", "views"] } } },
      view: { columns: ["product_id", "views", "clicks", "add_to_carts", "purchases", "revenue", "conversion_rate"] },
      operator: "activity",
      state: [{ name: "activity", version: 1 }],
    }),
    windowed({
      name: "category_revenue",
      description: "revenue, transactions and average amount per category",
      inputs: ["transactions"],
      key: ["category"],
      window: sliding(c.revenueWindowMs, c.revenueSlideMs),
      fields: [text("category"), money("revenue"), count("transactions"), f("avg_amount", "money", "money")],
      main: "revenue",
      merge: { kind: "fields", fields: { ...window, category: "key", ...sums("revenue", "transactions"), avg_amount: { mean: ["revenue", "transactions"] } } },
      operator: "category_revenue",
      state: [{ name: "revenue", version: 1 }],
    }),
    windowed({
      name: "conversions",
      description: "clicks followed by a purchase of the same product by the same user within the horizon",
      inputs: ["clickstream", "transactions"],
      key: ["product_id"],
      window: tumbling(c.conversionWindowMs),
      fields: [text("product_id"), count("clicks"), count("converted_clicks"), rate("conversion_rate")],
      main: "clicks",
      // Users are disjoint across tasks (inputs keyed by user_id) and a click joins only its own
      // user's transactions, so per-task counts add up exactly.
      merge: { kind: "fields", fields: { ...window, product_id: "key", ...sums("clicks", "converted_clicks"), conversion_rate: { ratio: ["converted_clicks", "clicks"] } } },
      closeDelayMs: c.conversionHorizonMs,
      operator: "conversions",
      state: [{ name: "join", version: 1 }],
    }),
    windowed({
      name: "sessions",
      description: "per user, activity grouped while gaps stay under the session gap",
      inputs: ["clickstream", "transactions"],
      key: ["user_id", "session_start"],
      window: { kind: "session", gapMs: c.sessionGapMs },
      fields: [text("user_id"), time("session_start"), time("session_end"), f("duration_ms", "int", "ms"), count("events"), count("views"), count("purchases"), money("revenue")],
      main: "events",
      merge: { kind: "by-key", key: "user_id" },
      view: { columns: ["user_id", "duration_ms", "events", "views", "purchases", "revenue"] },
      operator: "sessions",
      state: [{ name: "sessions", version: 1 }],
    }),
    perEvent({
      name: "purchase_anomalies",
      description: "transactions whose amount is far from their category's earlier mean",
      inputs: ["transactions"],
      key: ["transaction_id"],
      window: { kind: "none" },
      fields: [text("transaction_id"), text("user_id"), text("category"), f("amount", "money", "money"), f("mean", "money", "money"), f("stddev", "money", "money"), f("z", "double", "number"), time("timestamp")],
      main: "z",
      merge: { kind: "by-key", key: "category" },
      view: { columns: ["timestamp", "transaction_id", "user_id", "category", "amount", "mean", "z"], rankAbs: true },
      operator: "anomalies",
      state: [{ name: "zscore", version: 1 }],
    }),
    windowed({
      name: "orders_metrics",
      description: "orders, revenue and average order value per product",
      inputs: ["orders"],
      key: ["product_id"],
      window: tumbling(c.activityWindowMs),
      fields: [text("product_id"), text("product_name", true), count("order_count"), money("total_revenue"), f("avg_order_value", "money", "money")],
      group: ORDERS_GROUP,
      main: "total_revenue",
      merge: { kind: "fields", fields: { ...window, product_id: "key", product_name: "key", ...sums("order_count", "total_revenue"), avg_order_value: { mean: ["total_revenue", "order_count"] } } },
      operator: "orders",
      state: [{ name: "orders", version: 1 }],
    }),
    windowed({
      name: "traffic",
      description: "active users, events per device and action, top urls",
      inputs: ["clickstream"],
      key: [],
      window: sliding(c.trafficWindowMs, c.trafficSlideMs),
      fields: [
        count("active_users"),
        count("events"),
        ...DEVICES_OUT.map((d) => count(`device_${d}`)),
        ...ACTIONS_OUT.map((a) => count(`action_${a}`)),
        // [{ "url": string, "views": number }], most viewed first (ties: url ascending).
        f("top_urls", "json"),
      ],
      main: "active_users",
      // Distinct users add up across tasks (users are disjoint); the top urls cannot come from
      // per-task top lists, so partial rows carry every url's views (__url_views).
      merge: {
        kind: "fields",
        fields: {
          ...window,
          ...sums("active_users", "events", ...DEVICES_OUT.map((d) => `device_${d}`), ...ACTIONS_OUT.map((a) => `action_${a}`)),
          [URL_VIEWS]: "tally",
          top_urls: { top: [URL_VIEWS, c.topUrls] },
        },
      },
      view: { columns: ["active_users", "events", "action_view", "action_add_to_cart", "action_error", "top_urls"] },
      operator: "traffic",
      state: [{ name: "users", version: 1 }, { name: "counts", version: 1 }],
    }),
    windowed({
      name: "funnel",
      description: "users who viewed, added to cart and purchased, and the step rates",
      inputs: ["clickstream", "transactions"],
      key: [],
      window: tumbling(c.funnelWindowMs),
      fields: [count("viewers"), count("carters"), count("purchasers"), rate("view_to_cart_rate"), rate("cart_to_purchase_rate"), rate("view_to_purchase_rate")],
      main: "viewers",
      // Users are disjoint across tasks: each step's distinct users add up.
      merge: {
        kind: "fields",
        fields: {
          ...window,
          ...sums("viewers", "carters", "purchasers"),
          view_to_cart_rate: { ratio: ["carters", "viewers"] },
          cart_to_purchase_rate: { ratio: ["purchasers", "carters"] },
          view_to_purchase_rate: { ratio: ["purchasers", "viewers"] },
        },
      },
      operator: "funnel",
      state: [{ name: "steps", version: 1 }],
    }),
    perEvent({
      name: "processed_orders",
      description: "every valid order enriched with its product name, on arrival",
      inputs: ["orders"],
      key: ["order_id"],
      window: { kind: "none" },
      fields: [text("order_id"), text("user_id"), text("product_id"), text("product_name", true), money("amount"), time("timestamp")],
      group: ORDERS_GROUP,
      // One row per order as it arrives: the latest are the interesting ones.
      main: "timestamp",
      merge: { kind: "per-event" },
      view: { columns: ["timestamp", "order_id", "user_id", "product_name", "amount"], rankLabel: "latest" },
      operator: "orders",
      state: [{ name: "orders", version: 1 }],
    }),
  ];
}
