/**
 * `orders_metrics` (SPEC, the seeds' orders pipeline): per product and 1-minute window the order
 * count, total revenue and average order value of valid orders, enriched with the product name;
 * and `processed_orders`, each valid order enriched with its product name as it arrives (the seeds'
 * validate → enrich → processed-orders step), late ones included.
 */
import { TOPIC_ORDERS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowRows } from "../../kernels/window";
import type { OpContext, OpStates } from "./op";
import { SingleWindowOp } from "./window-op";

export class OrdersOp extends SingleWindowOp {
  readonly name = "orders_metrics";

  constructor(ctx: OpContext, states?: OpStates) {
    super(ctx, { sizeMs: ctx.config.activityWindowMs, sum: true }, "orders", states);
  }

  protected gather(b: EventBatch, wm: Float64Array, out: OutputRow[]): void {
    const s = this.s;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== TOPIC_ORDERS) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.product[i];
      s.value[j] = b.cents[i];
      const product_id = this.ctx.products.decode(b.product[i]);
      out.push({
        metric: "processed_orders",
        order_id: b.id[i],
        user_id: this.ctx.users.decode(b.user[i]),
        product_id,
        product_name: this.ctx.productName(product_id),
        amount: b.cents[i],
        timestamp: b.t[i],
      });
    }
  }

  protected emit(r: WindowRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      const product_id = this.ctx.products.decode(r.key[i]);
      out.push({
        metric: "orders_metrics",
        window_start: r.start[i],
        window_end: r.end[i],
        product_id,
        product_name: this.ctx.productName(product_id),
        order_count: r.count[i],
        total_revenue: r.sum[i],
        avg_order_value: r.sum[i] / r.count[i],
      });
    }
  }
}
