/**
 * Typed API over the WASM window kernel (assembly/window.ts): keyed tumbling / sliding window
 * aggregates (count, sum, min, max, distinct count) with watermark-driven closing.
 *
 * The same {@link WindowAggregate} interface is implemented by the plain TypeScript reference
 * (src/core/reference/window.ts), so the runner and the tests can swap them.
 *
 * Rows come back COLUMNAR ({@link WindowRows}: one typed array per field, `n` rows) so that the
 * runner can read hundreds of thousands of rows per second without allocating an object per
 * row; for the WASM kernel the arrays are views into linear memory, valid until the next call
 * on the same instance (copy what you keep). {@link rowsToObjects} converts for low rates.
 */
import type { CoreExports } from "../wasm";
import { f64, u32, type KernelDecl } from "./kernel-decl";
import { KIND_WINDOW } from "./memory";
import { WasmWindowedKernel, type KernelOptions } from "./wasm-kernel";

/** What one window aggregate computes. */
export interface WindowSpec {
  /** Window size in ms (integer > 0). */
  sizeMs: number;
  /** Slide in ms; omitted or equal to `sizeMs` = tumbling. `sizeMs` must be a multiple of it. */
  slideMs?: number;
  /** Keep the sum of `value` (integer cents unless `floatSum`) per window and key. */
  sum?: boolean;
  /**
   * With `sum`: sum `value` as plain doubles (a user field that is not a SPEC amount) instead
   * of integer cents. Values add in event order per window and key; a sliding window without
   * `distinct` adds them per slide and then its slides' sums in slide order (the kernel's pane
   * mode), and the reference repeats both orders, so results are bit-identical.
   */
  floatSum?: boolean;
  /** Keep the minimum / maximum of `value`. */
  min?: boolean;
  max?: boolean;
  /** Keep the number of distinct `distinct` ids (e.g. users) per window and key. */
  distinct?: boolean;
}

/** One batch of events, columnar. */
export interface WindowBatch {
  n: number;
  /** Event time, epoch ms (integers). */
  time: ArrayLike<number>;
  /** Dense key ids (src/core/dictionary.ts). */
  key: ArrayLike<number>;
  /**
   * Integer cents, or any double with `floatSum` (when sum/min/max are kept). Events whose
   * value is missing must be left out by the caller (NaN would poison min/max and float sums).
   */
  value?: ArrayLike<number>;
  /** Dense ids counted distinctly (when distinct is kept). */
  distinct?: ArrayLike<number>;
  /**
   * The watermark in force before each event (the watermark kernel's column), or one for the
   * whole batch. It must never decrease, within and across batches (a watermark never moves
   * back); the kernel relies on it to test lateness with an index compare.
   */
  wm: ArrayLike<number> | number;
}

/**
 * Rows, columnar, ordered by window end then key id. Aggregates that the spec does not keep
 * read 0. `min`, `max` are the values as given; `sum` is integer cents, exact, or NaN when the
 * sum is outside the exact integers of a double (|sum| > 2^53 - 1; such final rows are counted
 * by {@link WindowAggregate.overflowRows}), or with `floatSum` the double sum.
 */
export interface WindowRows {
  n: number;
  start: Float64Array;
  end: Float64Array;
  key: Uint32Array;
  count: Uint32Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  distinct: Uint32Array;
}

/** One row as a plain object (see {@link rowsToObjects}). */
export interface WindowRow {
  start: number;
  end: number;
  key: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  distinct: number;
}

/** A window aggregate: the WASM kernel or the TypeScript reference. */
export interface WindowAggregate {
  readonly spec: Readonly<WindowSpec>;
  /** Adds a batch; returns the indices (ascending, within the batch) of its late events. */
  process(batch: WindowBatch): Uint32Array;
  /** Closes every window with end <= wm (in order) and returns their final rows; frees them. */
  advance(wm: number): WindowRows;
  /** Current partial rows of all open windows; closes nothing. */
  peek(): WindowRows;
  /** Number of open windows holding state. */
  openWindows(): number;
  /**
   * Rows advance() returned so far whose integer-cent sum was out of range (|sum| > 2^53 - 1)
   * and so reads NaN. Peeked rows are not counted; a restored instance counts from 0.
   */
  overflowRows(): number;
  /** All state as bytes (restore with the implementation's `restore`). */
  snapshot(): Uint8Array;
  /** Frees the instance. */
  destroy(): void;
}

const F_SUM = 1;
const F_MIN = 2;
const F_MAX = 4;
const F_DISTINCT = 8;
const F_FSUM = 16;

/** Validates a spec the way the kernel does (the reference shares this). */
export function normalizeWindowSpec(spec: WindowSpec): Required<WindowSpec> {
  const slideMs = spec.slideMs ?? spec.sizeMs;
  const { sizeMs } = spec;
  if (!Number.isSafeInteger(sizeMs) || !Number.isSafeInteger(slideMs) || sizeMs < 1 || slideMs < 1 || sizeMs % slideMs !== 0 || sizeMs / slideMs > 65536) {
    throw new RangeError(`invalid window: size ${sizeMs} ms, slide ${slideMs} ms (size must be a positive multiple of slide)`);
  }
  if (spec.floatSum && !spec.sum) throw new RangeError("invalid window: floatSum needs sum: true (it says how the sum adds)");
  return { sizeMs, slideMs, sum: !!spec.sum, floatSum: !!spec.floatSum, min: !!spec.min, max: !!spec.max, distinct: !!spec.distinct };
}

/** Converts columnar rows to objects (allocates; for tests and low rates). */
export function rowsToObjects(r: WindowRows): WindowRow[] {
  const out: WindowRow[] = [];
  for (let i = 0; i < r.n; i++) {
    out.push({ start: r.start[i]!, end: r.end[i]!, key: r.key[i]!, count: r.count[i]!, sum: r.sum[i]!, min: r.min[i]!, max: r.max[i]!, distinct: r.distinct[i]! });
  }
  return out;
}

/** The input columns of a WASM window instance (views; capacity `batchCap`). */
export interface WindowInputs {
  time: Float64Array;
  key: Uint32Array;
  value: Float64Array;
  distinct: Uint32Array;
  wm: Float64Array;
}

/** Options for {@link createWindow}. */
export interface WindowOptions extends KernelOptions {
  /** Expected number of distinct keys (slabs are pre-sized; they grow anyway). */
  keyCapHint?: number;
}

type Spec = Required<WindowSpec>;

/** assembly/window.ts: window_create(size, slide, flags, batchCap, keyCapHint), its columns, its snapshot payload. */
const WINDOW: KernelDecl<Spec, WindowInputs, WindowRows, WindowOptions> = {
  name: "window",
  header: [["sizeMs", "i64"], ["slideMs", "i64"], ["flags", "i32"], ["batchCap", "i32"]],
  toHeader: (s) => ({
    sizeMs: s.sizeMs, slideMs: s.slideMs,
    flags: (s.sum ? F_SUM : 0) | (s.floatSum ? F_FSUM : 0) | (s.min ? F_MIN : 0) | (s.max ? F_MAX : 0) | (s.distinct ? F_DISTINCT : 0),
  }),
  fromHeader: ({ sizeMs, slideMs, flags }) => ({
    sizeMs: sizeMs!, slideMs: slideMs!,
    sum: !!(flags! & F_SUM), floatSum: !!(flags! & F_FSUM), min: !!(flags! & F_MIN), max: !!(flags! & F_MAX), distinct: !!(flags! & F_DISTINCT),
  }),
  createTail: (o) => [o.keyCapHint ?? 1024],
  inputs: {
    time: f64(0), key: u32(1),
    value: f64(2, { missing: 0, used: (s: Spec) => s.sum || s.min || s.max }),
    distinct: u32(3, { missing: 0, used: (s: Spec) => s.distinct }),
    wm: f64(4),
  },
  rows: (n, o) => ({
    n, start: o.f64(0), end: o.f64(1), key: o.u32(2), count: o.u32(3), sum: o.f64(4), min: o.f64(5), max: o.f64(6), distinct: o.u32(7),
  }),
};

/** The WASM window kernel behind {@link WindowAggregate}; see also `inputs()` for zero-copy. */
export class WasmWindow extends WasmWindowedKernel<Spec, WindowInputs, WindowRows, WindowBatch, WindowOptions> implements WindowAggregate {
  readonly spec: Readonly<Spec> = this.config;

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, spec: WindowSpec, opts: WindowOptions = {}): WasmWindow {
    return new WasmWindow(core, WINDOW, { config: normalizeWindowSpec(spec), opts });
  }

  /** Restores a {@link WasmWindow.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmWindow {
    return new WasmWindow(core, WINDOW, bytes);
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column is used. Returns the late count (indices: {@link lateIndices}).
   */
  processInPlace(n: number, wm?: number): number {
    return this.processCount(n, wm);
  }

  openWindows(): number {
    return this.openCount();
  }

  overflowRows(): number {
    return this.call("overflows");
  }
}

/** Shorthand for {@link WasmWindow.create}. */
export function createWindow(core: CoreExports, spec: WindowSpec, opts?: WindowOptions): WasmWindow {
  return WasmWindow.create(core, spec, opts);
}

export { KIND_WINDOW };
