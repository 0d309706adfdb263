/**
 * `conversions` (SPEC): clicks (clickstream `view` or `click`) interval-joined to transactions of
 * the same user and product with click.t <= tx.t <= click.t + 10 min, per 1-minute click window.
 */
import { ACTION, TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, type ConversionRows, type JoinKernel } from "../../kernels/join";
import { type MetricOp, type OpContext, type OpStates, ratio, Scratch } from "./op";


export class ConversionsOp implements MetricOp {
  readonly name = "conversions";
  private readonly join: JoinKernel;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, states?: OpStates) {
    const c = ctx.config;
    this.join = ctx.kernels.join({ windowMs: c.conversionWindowMs, horizonMs: c.conversionHorizonMs }, states?.get("join"));
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      const topic = b.topic[i];
      let kind = -1;
      if (topic === TOPIC_CLICKSTREAM && (b.action[i] === ACTION.view || b.action[i] === ACTION.click)) kind = JOIN_KIND_CLICK;
      else if (topic === TOPIC_TRANSACTIONS) kind = JOIN_KIND_TX;
      if (kind < 0) continue;
      const j = s.take(b, wm, i);
      s.kind[j] = kind;
      s.key[j] = b.user[i];
      s.key2[j] = b.product[i];
    }
    if (s.n === 0) return;
    const lateSlots = this.join.process({ n: s.n, kind: s.kind, user: s.key, product: s.key2, time: s.t, wm: s.wm });
    s.markLate(lateSlots, late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.join.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.join.peek(), out);
  }

  /** Rows come ordered by window end, then product (the kernel contract): emitted as they are. */
  private emit(r: ConversionRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      out.push({
        metric: "conversions",
        window_start: r.start[i],
        window_end: r.end[i],
        product_id: this.ctx.products.decode(r.product[i]),
        clicks: r.clicks[i],
        converted_clicks: r.converted[i],
        conversion_rate: ratio(r.converted[i], r.clicks[i]),
      });
    }
  }

  states(): Map<string, Uint8Array> {
    return new Map([["join", this.join.snapshot()]]);
  }

  destroy(): void {
    this.join.destroy();
  }
}
