/**
 * `funnel` (SPEC): per 5-minute tumbling window, the distinct users who viewed, added to cart and
 * purchased, and the step rates (null when a step's denominator is 0).
 */
import { TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowAggregate, WindowRows } from "../../kernels/window";
import { type MetricOp, type OpContext, ratio, Scratch } from "./op";

const STEP_VIEW = 0;
const STEP_CART = 1;
const STEP_PURCHASE = 2;
const ACTION_VIEW = 0;
const ACTION_ADD_TO_CART = 2;

export class FunnelOp implements MetricOp {
  readonly name = "funnel";
  private readonly win: WindowAggregate;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, snaps?: Uint8Array[]) {
    this.win = ctx.kernels.window({ sizeMs: ctx.config.funnelWindowMs, distinct: true }, snaps?.[0]);
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      let step = -1;
      if (b.topic[i] === TOPIC_CLICKSTREAM) {
        if (b.action[i] === ACTION_VIEW) step = STEP_VIEW;
        else if (b.action[i] === ACTION_ADD_TO_CART) step = STEP_CART;
      } else if (b.topic[i] === TOPIC_TRANSACTIONS) step = STEP_PURCHASE;
      if (step < 0) continue;
      const j = s.take(b, wm, i);
      s.key[j] = step;
      s.key2[j] = b.user[i];
    }
    if (s.n === 0) return;
    s.markLate(this.win.process({ n: s.n, time: s.t, key: s.key, distinct: s.key2, wm: s.wm }), late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.win.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.win.peek(), out);
  }

  private emit(r: WindowRows, out: OutputRow[]): void {
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

  snapshot(): Uint8Array[] {
    return [this.win.snapshot()];
  }

  destroy(): void {
    this.win.destroy();
  }
}
