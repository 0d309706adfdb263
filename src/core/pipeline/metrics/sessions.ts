/** `sessions` (SPEC): per user, events of both topics grouped while gaps are < 30 min. */
import { ACTION, TOPIC_CLICKSTREAM, TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import { SESSION_KIND_OTHER, SESSION_KIND_PURCHASE, SESSION_KIND_VIEW, type SessionKernel, type SessionRows } from "../../kernels/session";
import { type MetricOp, type OpContext, type OpStates, Scratch } from "./op";


export class SessionsOp implements MetricOp {
  readonly name = "sessions";
  private readonly kernel: SessionKernel;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, states?: OpStates) {
    this.kernel = ctx.kernels.session({ gapMs: ctx.config.sessionGapMs }, states?.get("sessions"));
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      const topic = b.topic[i];
      if (topic !== TOPIC_CLICKSTREAM && topic !== TOPIC_TRANSACTIONS) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.user[i];
      s.kind[j] = topic === TOPIC_TRANSACTIONS ? SESSION_KIND_PURCHASE : b.action[i] === ACTION.view ? SESSION_KIND_VIEW : SESSION_KIND_OTHER;
      s.value[j] = b.cents[i];
    }
    if (s.n === 0) return;
    s.markLate(this.kernel.process({ n: s.n, user: s.key, time: s.t, kind: s.kind, amount: s.value, wm: s.wm }), late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.kernel.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.kernel.peek(), out);
  }

  /** Rows come ordered by session end, then user (the kernel contract): emitted as they are. */
  private emit(r: SessionRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      out.push({
        metric: "sessions",
        window_start: r.start[i],
        window_end: r.end[i],
        user_id: this.ctx.users.decode(r.user[i]),
        session_start: r.start[i],
        session_end: r.end[i],
        duration_ms: r.duration[i],
        events: r.events[i],
        views: r.views[i],
        purchases: r.purchases[i],
        revenue: r.revenue[i],
      });
    }
  }

  openCount(): number {
    return this.kernel.openSessions();
  }

  states(): Map<string, Uint8Array> {
    return new Map([["sessions", this.kernel.snapshot()]]);
  }

  destroy(): void {
    this.kernel.destroy();
  }
}
