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
import { f64, u32, type KernelDecl } from "./kernel-decl";
import { KIND_WATERMARK, check } from "./memory";
import { WasmKernel, type KernelOptions } from "./wasm-kernel";

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

/** Validates a spec (shared with the reference). */
export function normalizeWatermarkSpec(spec: WatermarkSpec): WatermarkSpec {
  if (!(spec.delayMs >= 0 && Number.isFinite(spec.delayMs)) || !(spec.idleTimeoutMs >= 0)) {
    throw new RangeError(`invalid watermark spec: delay ${spec.delayMs} ms, idle timeout ${spec.idleTimeoutMs} ms`);
  }
  return { delayMs: spec.delayMs, idleTimeoutMs: spec.idleTimeoutMs };
}

/** The input columns of a WASM watermark instance (views; capacity `batchCap`). */
export interface WatermarkInputs {
  stream: Uint32Array;
  time: Float64Array;
}

/** assembly/watermark.ts: watermark_create(delay, idle, batchCap), its columns, its snapshot payload. */
const WATERMARK: KernelDecl<WatermarkSpec, WatermarkInputs, Float64Array> = {
  name: "watermark",
  header: [["delayMs", "f64"], ["idleTimeoutMs", "f64"], ["batchCap", "i32"]],
  inputs: { stream: u32(0), time: f64(1) },
  rows: (_, o) => o.f64(0), // wm[i]: watermark_out(h) has one column and no column argument
};

/** The WASM watermark tracker. */
export class WasmWatermark extends WasmKernel<WatermarkSpec, WatermarkInputs, Float64Array> implements WatermarkTracker {
  readonly spec: Readonly<WatermarkSpec> = this.config;
  private readonly fProcess = this.fn("process");
  private readonly fValue = this.fn("value");

  static create(core: CoreExports, spec: WatermarkSpec, opts: KernelOptions = {}): WasmWatermark {
    return new WasmWatermark(core, WATERMARK, { config: normalizeWatermarkSpec(spec), opts });
  }

  static restore(core: CoreExports, bytes: Uint8Array): WasmWatermark {
    return new WasmWatermark(core, WATERMARK, bytes);
  }

  /** Processes events 0..n-1 written to {@link inputs}; returns the wm column view. */
  processInPlace(n: number, now: number): Float64Array {
    check(this.fProcess(this.handle, n, now), "watermark_process");
    return this.outputRows(n);
  }

  process(batch: WatermarkBatch): Float64Array {
    if (batch.n <= this.batchCap) {
      this.load(batch, 0, batch.n);
      return this.processInPlace(batch.n, batch.now);
    }
    const all = new Float64Array(batch.n);
    this.chunks(batch, (m, from) => all.set(this.processInPlace(m, batch.now), from));
    return all;
  }

  value(): number {
    return this.fValue(this.handle);
  }

  finish(): void {
    this.call("finish");
  }
}

/** Shorthand for {@link WasmWatermark.create}. */
export function createWatermark(core: CoreExports, spec: WatermarkSpec, opts?: { batchCap?: number }): WasmWatermark {
  return WasmWatermark.create(core, spec, opts);
}

export { KIND_WATERMARK };
