/**
 * Reference watermark tracker, written for clarity: the oracle for assembly/watermark.ts.
 * SPEC "Time, windows and watermarks": per stream, watermark = max event time - delay; the
 * pipeline watermark is the minimum over streams that have seen an event and are not idle
 * (no event for idleTimeout of wall clock, judged at each batch's arrival time `now`), and it
 * never moves back; when every stream that spoke is idle it holds. wm[i] is the watermark in
 * force before event i. Non-finite event times are ignored. finish() = +Infinity for good.
 */
import type { WatermarkBatch, WatermarkSpec, WatermarkTracker } from "../kernels/watermark";
import { normalizeWatermarkSpec } from "../kernels/watermark";

interface StreamState {
  max: number;
  lastSeen: number;
}

export class ReferenceWatermark implements WatermarkTracker {
  readonly spec: Readonly<WatermarkSpec>;
  private streams = new Map<number, StreamState>();
  private wm = -Infinity;
  private finished = false;

  constructor(spec: WatermarkSpec) {
    this.spec = normalizeWatermarkSpec(spec);
  }

  /** min over streams not idle at the batch start or spoken since (in `awake`). */
  private candidate(awake: Set<number>): number | undefined {
    let m: number | undefined;
    for (const [id, s] of this.streams) {
      if (!awake.has(id)) continue;
      const w = s.max - this.spec.delayMs;
      m = m === undefined ? w : Math.min(m, w);
    }
    return m;
  }

  process(batch: WatermarkBatch): Float64Array {
    const out = new Float64Array(batch.n);
    if (this.finished) return out.fill(Infinity);
    const awake = new Set<number>();
    for (const [id, s] of this.streams) {
      if (batch.now - s.lastSeen < this.spec.idleTimeoutMs) awake.add(id);
    }
    this.raise(awake);
    for (let i = 0; i < batch.n; i++) {
      out[i] = this.wm;
      const t = batch.time[i]!;
      if (!Number.isFinite(t)) continue;
      const id = batch.stream[i]!;
      const s = this.streams.get(id) ?? { max: -Infinity, lastSeen: 0 };
      s.max = Math.max(s.max, t);
      s.lastSeen = batch.now;
      this.streams.set(id, s);
      awake.add(id);
      this.raise(awake);
    }
    return out;
  }

  private raise(awake: Set<number>): void {
    const c = this.candidate(awake);
    if (c !== undefined && c > this.wm) this.wm = c;
  }

  value(): number {
    return this.wm;
  }

  finish(): void {
    this.finished = true;
    this.wm = Infinity;
  }

  snapshot(): Uint8Array {
    const state = { spec: this.spec, wm: this.wm, finished: this.finished, streams: [...this.streams] };
    // -Infinity (no event yet) does not survive JSON: encode it as null
    return new TextEncoder().encode(JSON.stringify(state, (_k, v: unknown) => (v === -Infinity ? null : v)));
  }

  static restore(bytes: Uint8Array): ReferenceWatermark {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as {
      spec: WatermarkSpec;
      wm: number | null;
      finished: boolean;
      streams: [number, StreamState][];
    };
    const r = new ReferenceWatermark(state.spec);
    r.wm = state.finished ? Infinity : (state.wm ?? -Infinity);
    r.finished = state.finished;
    r.streams = new Map(state.streams);
    return r;
  }

  destroy(): void {
    this.streams.clear();
  }
}
