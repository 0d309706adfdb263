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
import { KIND_WINDOW, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

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

interface WindowExports {
  window_create(size: number, slide: number, flags: number, batchCap: number, keyCapHint: number): number;
  window_destroy(h: number): number;
  window_in(h: number, col: number): number;
  window_out(h: number, col: number): number;
  window_late(h: number): number;
  window_open_count(h: number): number;
  window_process(h: number, n: number, useWmColumn: number, wm: number): number;
  window_advance(h: number, wm: number): number;
  window_peek(h: number): number;
  window_overflows(h: number): number;
  window_snapshot(h: number): number;
  window_restore(len: number): number;
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
export interface WindowOptions {
  /** Most events per kernel call (larger batches are split); default 65,536. */
  batchCap?: number;
  /** Expected number of distinct keys (slabs are pre-sized; they grow anyway). */
  keyCapHint?: number;
}

function copyInto(dst: Float64Array | Uint32Array, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) {
    dst.set((src as unknown as Float64Array).subarray(from, from + m));
  } else {
    for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
  }
}

/** The WASM window kernel behind {@link WindowAggregate}; see also `inputs()` for zero-copy. */
export class WasmWindow implements WindowAggregate {
  readonly spec: Readonly<Required<WindowSpec>>;
  readonly batchCap: number;
  private readonly x: WindowExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private ins!: WindowInputs;
  private late!: Uint32Array;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    spec: Required<WindowSpec>,
    batchCap: number,
  ) {
    this.x = core as unknown as WindowExports;
    this.mem = coreMemory(core);
    this.spec = spec;
    this.batchCap = batchCap;
  }

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, spec: WindowSpec, opts: WindowOptions = {}): WasmWindow {
    const s = normalizeWindowSpec(spec);
    const batchCap = opts.batchCap ?? 65_536;
    const flags = (s.sum ? F_SUM : 0) | (s.floatSum ? F_FSUM : 0) | (s.min ? F_MIN : 0) | (s.max ? F_MAX : 0) | (s.distinct ? F_DISTINCT : 0);
    const x = core as unknown as WindowExports;
    const h = check(x.window_create(s.sizeMs, s.slideMs, flags, batchCap, opts.keyCapHint ?? 1024), "window_create");
    return new WasmWindow(core, h, s, batchCap);
  }

  /** Restores a {@link WasmWindow.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmWindow {
    const x = core as unknown as WindowExports;
    const h = check(x.window_restore(writeSnapshot(core, bytes)), "window_restore");
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = Number(dv.getBigInt64(16, true));
    const slide = Number(dv.getBigInt64(24, true));
    const flags = dv.getInt32(32, true);
    const batchCap = dv.getInt32(36, true);
    const spec = { sizeMs: size, slideMs: slide, sum: !!(flags & F_SUM), floatSum: !!(flags & F_FSUM), min: !!(flags & F_MIN), max: !!(flags & F_MAX), distinct: !!(flags & F_DISTINCT) };
    return new WasmWindow(core, h, spec, batchCap);
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): WindowInputs {
    this.views();
    return this.ins;
  }

  private views(): void {
    const g = this.mem.generation();
    if (g === this.gen) return;
    const h = this.handle, cap = this.batchCap, m = this.mem, x = this.x;
    this.ins = {
      time: m.f64(x.window_in(h, 0), cap),
      key: m.u32(x.window_in(h, 1), cap),
      value: m.f64(x.window_in(h, 2), cap),
      distinct: m.u32(x.window_in(h, 3), cap),
      wm: m.f64(x.window_in(h, 4), cap),
    };
    this.late = m.u32(x.window_late(h), cap);
    this.gen = g;
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column is used. Returns the late count (indices: {@link lateIndices}).
   */
  processInPlace(n: number, wm?: number): number {
    return check(this.x.window_process(this.handle, n, wm === undefined ? 1 : 0, wm ?? 0), "window_process");
  }

  /** View of the late indices of the last {@link processInPlace} (`count` of them). */
  lateIndices(count: number): Uint32Array {
    this.views();
    return this.late.subarray(0, count);
  }

  process(batch: WindowBatch): Uint32Array {
    const { n } = batch;
    const lateAll: number[] = [];
    for (let from = 0; from < n || from === 0; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      const ins = this.inputs();
      copyInto(ins.time, batch.time, from, m);
      copyInto(ins.key, batch.key, from, m);
      if (this.spec.sum || this.spec.min || this.spec.max) {
        if (batch.value) copyInto(ins.value, batch.value, from, m);
        else ins.value.fill(0, 0, m);
      }
      if (this.spec.distinct) {
        if (batch.distinct) copyInto(ins.distinct, batch.distinct, from, m);
        else ins.distinct.fill(0, 0, m);
      }
      let scalar: number | undefined;
      if (typeof batch.wm === "number") scalar = batch.wm;
      else copyInto(ins.wm, batch.wm, from, m);
      const late = this.processInPlace(m, scalar);
      if (from === 0 && m === n) return this.lateIndices(late);
      const idx = this.lateIndices(late);
      for (let i = 0; i < late; i++) lateAll.push(idx[i]! + from);
      if (m === 0) break;
    }
    return Uint32Array.from(lateAll);
  }

  private rows(n: number): WindowRows {
    const h = this.handle, m = this.mem, x = this.x;
    return {
      n,
      start: m.f64(x.window_out(h, 0), n),
      end: m.f64(x.window_out(h, 1), n),
      key: m.u32(x.window_out(h, 2), n),
      count: m.u32(x.window_out(h, 3), n),
      sum: m.f64(x.window_out(h, 4), n),
      min: m.f64(x.window_out(h, 5), n),
      max: m.f64(x.window_out(h, 6), n),
      distinct: m.u32(x.window_out(h, 7), n),
    };
  }

  /** Closes windows with end <= wm and returns the number of final rows (read with {@link outputRows}). */
  advanceCount(wm: number): number {
    return check(this.x.window_advance(this.handle, wm), "window_advance");
  }

  /** The `n` rows the last advance / peek wrote (views). */
  outputRows(n: number): WindowRows {
    return this.rows(n);
  }

  advance(wm: number): WindowRows {
    return this.rows(this.advanceCount(wm));
  }

  peek(): WindowRows {
    return this.rows(check(this.x.window_peek(this.handle), "window_peek"));
  }

  openWindows(): number {
    return check(this.x.window_open_count(this.handle), "window_open_count");
  }

  overflowRows(): number {
    return check(this.x.window_overflows(this.handle), "window_overflows");
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.window_snapshot(this.handle), "window_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.window_destroy(this.handle), "window_destroy");
    this.handle = 0;
  }
}

/** Shorthand for {@link WasmWindow.create}. */
export function createWindow(core: CoreExports, spec: WindowSpec, opts?: WindowOptions): WasmWindow {
  return WasmWindow.create(core, spec, opts);
}

export { KIND_WINDOW };
