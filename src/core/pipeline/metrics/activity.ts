/**
 * `product_activity` and `page_views` (SPEC): one 1-minute tumbling window aggregate keyed by
 * product × kind (view, click, add_to_cart, purchase), summing purchase cents. page_views is the
 * view count of the same windows, so it costs no second kernel.
 */
import { ACTIONS } from "../../events";
import { ACTION, TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowRows } from "../../kernels/window";
import { type OpContext, type OpStates, ratio } from "./op";
import { SingleWindowOp } from "./window-op";

const KINDS = 4; // view, click, add_to_cart, purchase
const K_PURCHASE = 3;
// The kind counted for each action code: views, clicks and add-to-carts; the other actions are not counted.
const ACTION_TO_KIND: number[] = new Array<number>(ACTIONS.length).fill(-1);
ACTION_TO_KIND[ACTION.view] = 0;
ACTION_TO_KIND[ACTION.click] = 1;
ACTION_TO_KIND[ACTION.add_to_cart] = 2;

export class ActivityOp extends SingleWindowOp {
  readonly name = "product_activity";

  constructor(ctx: OpContext, states?: OpStates) {
    super(ctx, { sizeMs: ctx.config.activityWindowMs, sum: true }, "activity", states);
  }

  protected gather(b: EventBatch, wm: Float64Array): void {
    const s = this.s;
    for (let i = 0; i < b.n; i++) {
      const topic = b.topic[i];
      let kind = -1;
      if (topic === TOPIC_CLICKSTREAM) kind = ACTION_TO_KIND[b.action[i]];
      else if (topic === TOPIC_TRANSACTIONS) kind = K_PURCHASE;
      if (kind < 0) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.product[i] * KINDS + kind;
      s.value[j] = kind === K_PURCHASE ? b.cents[i] : 0;
    }
  }

  /** Rows come ordered by window end then key, so a product's kinds are adjacent. */
  protected emit(r: WindowRows, out: OutputRow[]): void {
    let i = 0;
    while (i < r.n) {
      const end = r.end[i];
      const start = r.start[i];
      const product = Math.floor(r.key[i] / KINDS);
      const counts = [0, 0, 0, 0];
      let revenue = 0;
      while (i < r.n && r.end[i] === end && Math.floor(r.key[i] / KINDS) === product) {
        const kind = r.key[i] % KINDS;
        counts[kind] = r.count[i];
        if (kind === K_PURCHASE) revenue = r.sum[i];
        i++;
      }
      const product_id = this.ctx.products.decode(product);
      const [views, clicks, add_to_carts, purchases] = counts;
      if (views > 0) out.push({ metric: "page_views", window_start: start, window_end: end, product_id, views });
      out.push({
        metric: "product_activity",
        window_start: start,
        window_end: end,
        product_id,
        views,
        clicks,
        add_to_carts,
        purchases,
        revenue,
        conversion_rate: ratio(purchases, views),
      });
    }
  }
}
