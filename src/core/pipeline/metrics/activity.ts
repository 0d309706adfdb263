/**
 * `product_activity` and `page_views` (SPEC): one 1-minute tumbling window aggregate keyed by
 * product × kind (view, click, add_to_cart, purchase), summing purchase cents. page_views is the
 * view count of the same windows, so it costs no second kernel.
 */
import { TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowAggregate, WindowRows } from "../../kernels/window";
import { type MetricOp, type OpContext, ratio, Scratch } from "./op";

const KINDS = 4; // view, click, add_to_cart, purchase
const K_PURCHASE = 3;
// ACTIONS order: view, click, add_to_cart, scroll, hover, error — the first three are counted.
const ACTION_TO_KIND = [0, 1, 2, -1, -1, -1];

export class ActivityOp implements MetricOp {
  readonly name = "product_activity";
  private readonly win: WindowAggregate;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, snaps?: Uint8Array[]) {
    this.win = ctx.kernels.window({ sizeMs: ctx.config.activityWindowMs, sum: true }, snaps?.[0]);
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      const topic = b.topic[i];
      let kind = -1;
      if (topic === TOPIC_CLICKSTREAM) kind = ACTION_TO_KIND[b.action[i]] ?? -1;
      else if (topic === TOPIC_TRANSACTIONS) kind = K_PURCHASE;
      if (kind < 0) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.product[i] * KINDS + kind;
      s.value[j] = kind === K_PURCHASE ? b.cents[i] : 0;
    }
    if (s.n === 0) return;
    s.markLate(this.win.process({ n: s.n, time: s.t, key: s.key, value: s.value, wm: s.wm }), late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.win.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.win.peek(), out);
  }

  /** Rows come ordered by window end then key, so a product's kinds are adjacent. */
  private emit(r: WindowRows, out: OutputRow[]): void {
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

  snapshot(): Uint8Array[] {
    return [this.win.snapshot()];
  }

  destroy(): void {
    this.win.destroy();
  }
}
