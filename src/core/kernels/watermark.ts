/**
 * Typed API over the WASM watermark tracker (assembly/watermark.ts). Given a batch of
 * (stream id, event time) and the batch's wall-clock arrival time, it fills the per-event
 * column wm[i] = the pipeline watermark in force before event i, which the windowed kernels
 * take to decide lateness, and returns the watermark after the batch, which the runner passes
 * to their `advance`. Semantics: SPEC "Time, windows and watermarks" (see the kernel's header).
 *
 * {@link ReferenceWatermark} (src/core/reference/watermark.ts) implements the same interface.
 */
import type { CoreExports } from "../wasm";
import { KIND_WATERMARK, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

/** Watermark parameters (SPEC defaults: delay 5 min, idle timeout 30 s). */
export interface WatermarkSpec {
  /** Allowed lateness: stream watermark = max event time - delayMs. */
  delayMs: number;
  /** A stream without events for this long (wall clock) is left out of the minimum. */
  idleTimeoutMs: number;
}

/** One batch: stream ids (dense u32, e.g. one per topic partition) and event times. */
export interface WatermarkBatch {
  n: number;
  stream: ArrayLike<number>;
  time: ArrayLike<number>;
  /** Wall-clock arrival time of the batch (ms), for idleness. */
  now: number;
}

/** A watermark tracker: the WASM kernel or the TypeScript reference. */
export interface WatermarkTracker {
  readonly spec: Readonly<WatermarkSpec>;
  /**
   * Processes a batch; returns wm[i] for each event (for the WASM kernel a view valid until
   * the next call). The watermark after the batch is {@link WatermarkTracker.value}.
   */
  process(batch: WatermarkBatch): Float64Array;
  /** The pipeline watermark now (-Infinity before the first event). */
  value(): number;
  /** End of bounded input: the watermark jumps to +Infinity and stays. */
  finish(): void;
  snapshot(): Uint8Array;
  destroy(): void;
}

interface WatermarkExports {
  watermark_create(delay: number, idle: number, batchCap: number): number;
  watermark_destroy(h: number): number;
  watermark_in(h: number, col: number): number;
  watermark_out(h: number): number;
  watermark_value(h: number): number;
  watermark_finish(h: number): number;
  watermark_process(h: number, n: number, now: number): number;
  watermark_snapshot(h: number): number;
  watermark_restore(len: number): number;
}

/** Validates a spec (shared with the reference). */
export function normalizeWatermarkSpec(spec: WatermarkSpec): WatermarkSpec {
  if (!(spec.delayMs >= 0 && Number.isFinite(spec.delayMs)) || !(spec.idleTimeoutMs >= 0)) {
    throw new RangeError(`invalid watermark spec: delay ${spec.delayMs} ms, idle timeout ${spec.idleTimeoutMs} ms`);
  }
  return { delayMs: spec.delayMs, idleTimeoutMs: spec.idleTimeoutMs };
}

/** The WASM watermark tracker. */
export class WasmWatermark implements WatermarkTracker {
  readonly spec: Readonly<WatermarkSpec>;
  private readonly x: WatermarkExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private inStream!: Uint32Array;
  private inTime!: Float64Array;
  private out!: Float64Array;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    spec: WatermarkSpec,
    readonly batchCap: number,
  ) {
    this.x = core as unknown as WatermarkExports;
    this.mem = coreMemory(core);
    this.spec = spec;
  }

  static create(core: CoreExports, spec: WatermarkSpec, opts: { batchCap?: number } = {}): WasmWatermark {
    const s = normalizeWatermarkSpec(spec);
    const batchCap = opts.batchCap ?? 65_536;
    const h = check((core as unknown as WatermarkExports).watermark_create(s.delayMs, s.idleTimeoutMs, batchCap), "watermark_create");
    return new WasmWatermark(core, h, s, batchCap);
  }

  static restore(core: CoreExports, bytes: Uint8Array): WasmWatermark {
    const h = check((core as unknown as WatermarkExports).watermark_restore(writeSnapshot(core, bytes)), "watermark_restore");
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const spec = { delayMs: dv.getFloat64(16, true), idleTimeoutMs: dv.getFloat64(24, true) };
    return new WasmWatermark(core, h, spec, dv.getInt32(32, true));
  }

  private views(): void {
    const g = this.mem.generation();
    if (g === this.gen) return;
    const h = this.handle, cap = this.batchCap;
    this.inStream = this.mem.u32(this.x.watermark_in(h, 0), cap);
    this.inTime = this.mem.f64(this.x.watermark_in(h, 1), cap);
    this.out = this.mem.f64(this.x.watermark_out(h), cap);
    this.gen = g;
  }

  /** Input column views (capacity batchCap) for writing events in place. */
  inputs(): { stream: Uint32Array; time: Float64Array } {
    this.views();
    return { stream: this.inStream, time: this.inTime };
  }

  /** Processes events 0..n-1 written to {@link inputs}; returns the wm column view. */
  processInPlace(n: number, now: number): Float64Array {
    check(this.x.watermark_process(this.handle, n, now), "watermark_process");
    this.views();
    return this.out.subarray(0, n);
  }

  process(batch: WatermarkBatch): Float64Array {
    const { n } = batch;
    if (n <= this.batchCap) {
      this.views();
      for (let i = 0; i < n; i++) {
        this.inStream[i] = batch.stream[i]!;
        this.inTime[i] = batch.time[i]!;
      }
      return this.processInPlace(n, batch.now);
    }
    const all = new Float64Array(n);
    for (let from = 0; from < n; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      this.views();
      for (let i = 0; i < m; i++) {
        this.inStream[i] = batch.stream[from + i]!;
        this.inTime[i] = batch.time[from + i]!;
      }
      all.set(this.processInPlace(m, batch.now), from);
    }
    return all;
  }

  value(): number {
    return this.x.watermark_value(this.handle);
  }

  finish(): void {
    check(this.x.watermark_finish(this.handle), "watermark_finish");
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.watermark_snapshot(this.handle), "watermark_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.watermark_destroy(this.handle), "watermark_destroy");
    this.handle = 0;
  }
}

/** Shorthand for {@link WasmWatermark.create}. */
export function createWatermark(core: CoreExports, spec: WatermarkSpec, opts?: { batchCap?: number }): WasmWatermark {
  return WasmWatermark.create(core, spec, opts);
}

export { KIND_WATERMARK };
