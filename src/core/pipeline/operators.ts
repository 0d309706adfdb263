/**
 * The operators behind the metric declarations: the built-in ones by the operator name their
 * declarations give (src/core/metrics/builtin-pack.ts), and the compiled operator of each
 * user-defined metric. One lifecycle for all (src/core/pipeline/metrics/op.ts).
 */
import type { UserMetric } from "../metrics/user/definition";
import { UserSessionOp } from "../metrics/user/session-op";
import { type UserOpContext, UserWindowOp } from "../metrics/user/window-op";
import { ActivityOp } from "./metrics/activity";
import { AnomaliesOp } from "./metrics/anomalies";
import { CategoryRevenueOp } from "./metrics/category-revenue";
import { ConversionsOp } from "./metrics/conversions";
import { FunnelOp } from "./metrics/funnel";
import type { MetricOp, OpContext, OpStates } from "./metrics/op";
import { OrdersOp } from "./metrics/orders";
import { SessionsOp } from "./metrics/sessions";
import { TrafficOp } from "./metrics/traffic";

type OpCtor = new (ctx: OpContext, states?: OpStates) => MetricOp;

/** Built-in operators by name. */
export const BUILTIN_OPERATORS: Readonly<Record<string, OpCtor>> = {
  activity: ActivityOp,
  category_revenue: CategoryRevenueOp,
  conversions: ConversionsOp,
  sessions: SessionsOp,
  anomalies: AnomaliesOp,
  orders: OrdersOp,
  traffic: TrafficOp,
  funnel: FunnelOp,
};

/** The operator of a user-defined metric. */
export function userOperator(ctx: UserOpContext, m: UserMetric, states?: OpStates): MetricOp {
  return m.window.kind === "session" ? new UserSessionOp(ctx, m, states) : new UserWindowOp(ctx, m, states);
}

/**
 * What identifies a user metric's computation: a restored state is only reused when this is
 * unchanged (its input's topic, fields and time, where, groupBy, window and aggregates).
 */
export function definitionFingerprint(m: UserMetric): string {
  const path = (f: { path: string; type: string }) => `${f.path}:${f.type}`;
  return JSON.stringify({
    input: { name: m.input.name, topic: m.input.topic, time: m.input.time.path, required: m.input.required },
    where: m.where.map((c) => [path(c.field), c.op, c.value]),
    groupBy: m.groupBy.map(path),
    window: m.window,
    aggregates: m.aggregates.map((a) => [a.name, a.fn, a.field ? path(a.field) : null]),
  });
}
