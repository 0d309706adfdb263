/**
 * The shape shared by the operators that are one window aggregate: gather the batch's relevant
 * events into scratch columns, run them through the kernel, and turn closed (or peeked) rows into
 * SPEC rows. Subclasses say which events count and how rows read.
 */
import type { EventBatch } from "../batch";
import type { OutputRow } from "../rows";
import type { WindowAggregate, WindowRows, WindowSpec } from "../../kernels/window";
import { type MetricOp, type OpContext, type OpStates, Scratch } from "./op";

export abstract class SingleWindowOp implements MetricOp {
  abstract readonly name: string;
  protected readonly win: WindowAggregate;
  protected readonly s: Scratch;

  constructor(
    protected readonly ctx: OpContext,
    private readonly spec: WindowSpec,
    /** Name of the kernel's state (the metric declaration's state name). */
    private readonly stateName: string,
    states?: OpStates,
  ) {
    this.win = ctx.kernels.window(spec, states?.get(stateName));
    this.s = new Scratch(ctx.capacity);
  }

  /** Appends the operator's events to `this.s` (`s.take`, then key, value or key2 = distinct id). */
  protected abstract gather(b: EventBatch, wm: Float64Array, out: OutputRow[]): void;

  /** Appends the SPEC rows of kernel rows (ordered by window end, then key). */
  protected abstract emit(r: WindowRows, out: OutputRow[]): void;

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number, out: OutputRow[]): void {
    const s = this.s;
    s.n = 0;
    this.gather(b, wm, out);
    if (s.n === 0) return;
    const value = this.spec.sum || this.spec.min || this.spec.max ? s.value : undefined;
    const distinct = this.spec.distinct ? s.key2 : undefined;
    s.markLate(this.win.process({ n: s.n, time: s.t, key: s.key, value, distinct, wm: s.wm }), late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.win.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.win.peek(), out);
  }

  states(): Map<string, Uint8Array> {
    return new Map([[this.stateName, this.win.snapshot()]]);
  }

  destroy(): void {
    this.win.destroy();
  }
}
