/**
 * `funnel` (SPEC): per 5-minute tumbling window, the distinct users who viewed, added to cart and
 * purchased, and the step rates (null when a step's denominator is 0).
 */
import { ACTION, TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowRows } from "../../kernels/window";
import { type OpContext, type OpStates, ratio } from "./op";
import { SingleWindowOp } from "./window-op";

const STEP_VIEW = 0;
const STEP_CART = 1;
const STEP_PURCHASE = 2;

export class FunnelOp extends SingleWindowOp {
  readonly name = "funnel";

  constructor(ctx: OpContext, states?: OpStates) {
    super(ctx, { sizeMs: ctx.config.funnelWindowMs, distinct: true }, "steps", states);
  }

  protected gather(b: EventBatch, wm: Float64Array): void {
    const s = this.s;
    for (let i = 0; i < b.n; i++) {
      let step = -1;
      if (b.topic[i] === TOPIC_CLICKSTREAM) {
        if (b.action[i] === ACTION.view) step = STEP_VIEW;
        else if (b.action[i] === ACTION.add_to_cart) step = STEP_CART;
      } else if (b.topic[i] === TOPIC_TRANSACTIONS) step = STEP_PURCHASE;
      if (step < 0) continue;
      const j = s.take(b, wm, i);
      s.key[j] = step;
      s.key2[j] = b.user[i];
    }
  }

  protected emit(r: WindowRows, out: OutputRow[]): void {
    let i = 0;
    while (i < r.n) {
      const end = r.end[i];
      const start = r.start[i];
      const users = [0, 0, 0];
      for (; i < r.n && r.end[i] === end; i++) users[r.key[i]] = r.distinct[i];
      const [viewers, carters, purchasers] = users;
      out.push({
        metric: "funnel",
        window_start: start,
        window_end: end,
        viewers,
        carters,
        purchasers,
        view_to_cart_rate: ratio(carters, viewers),
        cart_to_purchase_rate: ratio(purchasers, carters),
        view_to_purchase_rate: ratio(purchasers, viewers),
      });
    }
  }
}
