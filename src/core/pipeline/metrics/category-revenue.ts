/** `category_revenue` (SPEC): sum, count and average of transaction amounts per category, 5-min windows sliding every minute. */
import { TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowRows } from "../../kernels/window";
import type { OpContext, OpStates } from "./op";
import { SingleWindowOp } from "./window-op";

export class CategoryRevenueOp extends SingleWindowOp {
  readonly name = "category_revenue";

  constructor(ctx: OpContext, states?: OpStates) {
    super(ctx, { sizeMs: ctx.config.revenueWindowMs, slideMs: ctx.config.revenueSlideMs, sum: true }, "revenue", states);
  }

  protected gather(b: EventBatch, wm: Float64Array): void {
    const s = this.s;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== TOPIC_TRANSACTIONS) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.category[i];
      s.value[j] = b.cents[i];
    }
  }

  protected emit(r: WindowRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      out.push({
        metric: "category_revenue",
        window_start: r.start[i],
        window_end: r.end[i],
        category: this.ctx.categories.decode(r.key[i]),
        revenue: r.sum[i],
        transactions: r.count[i],
        // Average in cents from the exact cent sum; rendered in currency units as `money`.
        avg_amount: r.sum[i] / r.count[i],
      });
    }
  }
}
