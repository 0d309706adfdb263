/**
 * `purchase_anomalies` (SPEC): each transaction is scored on arrival against the earlier
 * transactions of its category (Welford, population variance); |z| > 3 leaves as a row at once.
 */
import { TOPIC_TRANSACTIONS, type EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { ZScoreKernel } from "../../kernels/zscore";
import { type MetricOp, type OpContext, type OpStates, Scratch } from "./op";

export class AnomaliesOp implements MetricOp {
  readonly name = "purchase_anomalies";
  private readonly kernel: ZScoreKernel;
  private readonly s: Scratch;

  constructor(private readonly ctx: OpContext, states?: OpStates) {
    const c = ctx.config;
    this.kernel = ctx.kernels.zscore({ minSamples: c.zMinSamples, threshold: c.zThreshold }, states?.get("zscore"));
    this.s = new Scratch(ctx.capacity);
  }

  /** No watermark: SPEC scores late transactions too, in read order. */
  ingest(b: EventBatch, wm: Float64Array, _late: Uint32Array, _bit: number, out: OutputRow[]): void {
    const s = this.s;
    s.n = 0;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== TOPIC_TRANSACTIONS) continue;
      const j = s.take(b, wm, i);
      s.key[j] = b.category[i];
      s.value[j] = b.cents[i];
    }
    if (s.n === 0) return;
    const a = this.kernel.process({ n: s.n, key: s.key, value: s.value });
    for (let k = 0; k < a.n; k++) {
      const i = s.idx[a.index[k]];
      out.push({
        metric: "purchase_anomalies",
        transaction_id: b.id[i],
        user_id: this.ctx.users.decode(b.user[i]),
        category: this.ctx.categories.decode(b.category[i]),
        // In cents like the kernel (z is scale-free); the declaration's `money` type renders currency.
        amount: b.cents[i],
        mean: a.mean[k],
        stddev: a.stddev[k],
        z: a.z[k],
        timestamp: b.t[i],
      });
    }
  }

  close(): void {}

  peek(): void {}

  states(): Map<string, Uint8Array> {
    return new Map([["zscore", this.kernel.snapshot()]]);
  }

  destroy(): void {
    this.kernel.destroy();
  }
}
