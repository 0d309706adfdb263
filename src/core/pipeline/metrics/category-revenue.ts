/** `category_revenue` (SPEC): sum, count and average of transaction amounts per category, 5-min windows sliding every minute. */
import { TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowAggregate, WindowRows } from "../../kernels/window";
import { type MetricOp, type OpContext, Scratch } from "./op";

export class CategoryRevenueOp implements MetricOp {
  readonly name = "category_revenue";
  private readonly win: WindowAggregate;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, snaps?: Uint8Array[]) {
    const c = ctx.config;
    this.win = ctx.kernels.window({ sizeMs: c.revenueWindowMs, slideMs: c.revenueSlideMs, sum: true }, snaps?.[0]);
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== TOPIC_TRANSACTIONS) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.category[i];
      s.value[j] = b.cents[i];
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

  private emit(r: WindowRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      out.push({
        metric: "category_revenue",
        window_start: r.start[i],
        window_end: r.end[i],
        category: this.ctx.categories.decode(r.key[i]),
        revenue: r.sum[i],
        transactions: r.count[i],
        // Average in currency units, from the exact cent sum.
        avg_amount: r.sum[i] / r.count[i] / 100,
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
