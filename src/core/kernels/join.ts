/**
 * Interval join of clicks to transactions (SPEC `conversions`): the interface shared by the
 * WASM kernel (assembly/join.ts, wrapped by {@link WasmJoin}) and the TypeScript reference
 * (src/core/reference/join.ts, where the lateness rules are derived), so the runner and the
 * tests can swap them.
 *
 * A click converts when a transaction of the same user and product has
 * click.t <= tx.t <= click.t + horizon, whichever arrives first. Rows per product and tumbling
 * click window [s, e) are final once the watermark is >= e + horizon.
 */
import type { CoreExports } from "../wasm";
import { KIND_JOIN, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

/** Configuration of a join kernel. */
export interface JoinOptions {
  /** Tumbling click-window size in ms (SPEC: 1 min). */
  windowMs?: number;
  /** A click converts when a transaction has click.t <= tx.t <= click.t + horizon (SPEC: 10 min). */
  horizonMs?: number;
}

/** SPEC defaults. */
export const JOIN_DEFAULTS: Required<JoinOptions> = { windowMs: 60_000, horizonMs: 10 * 60_000 };

/** Fills in defaults and validates (the reference shares this). */
export function normalizeJoinOptions(o: JoinOptions = {}): Required<JoinOptions> {
  const windowMs = o.windowMs ?? JOIN_DEFAULTS.windowMs;
  const horizonMs = o.horizonMs ?? JOIN_DEFAULTS.horizonMs;
  if (!Number.isSafeInteger(windowMs) || windowMs < 1 || !Number.isSafeInteger(horizonMs) || horizonMs < 0) {
    throw new RangeError(`invalid join options: window ${windowMs} ms, horizon ${horizonMs} ms`);
  }
  return { windowMs, horizonMs };
}

/** Event kinds of the `kind` column; any other value is skipped (neither a click nor late). */
export const JOIN_KIND_CLICK = 0; // clickstream action `view` or `click`
export const JOIN_KIND_TX = 1; // a transaction

/**
 * One batch of clicks and transactions interleaved in arrival order, columnar: one batch
 * keeps the relative order of both topics, on which lateness depends.
 */
export interface JoinBatch {
  n: number;
  /** JOIN_KIND_*. */
  kind: ArrayLike<number>;
  /** Dense user ids. */
  user: ArrayLike<number>;
  /** Dense product ids. */
  product: ArrayLike<number>;
  /** Event time, epoch ms (integers). */
  time: ArrayLike<number>;
  /** The watermark in force before each event (watermark kernel's column), or one for all. */
  wm: ArrayLike<number> | number;
}

/**
 * Conversion rows, columnar, ordered by window end then product. For the WASM kernel the
 * arrays are views into linear memory, valid until the next call on the same instance.
 */
export interface ConversionRows {
  n: number;
  product: Uint32Array;
  start: Float64Array;
  end: Float64Array;
  clicks: Uint32Array;
  /** Distinct clicks with at least one matching transaction. */
  converted: Uint32Array;
}

/** One conversions row as a plain object. */
export interface ConversionRow {
  product: number;
  start: number;
  end: number;
  clicks: number;
  converted: number;
}

/** Converts columnar rows to objects (allocates; for tests and low rates). */
export function conversionRowsToObjects(r: ConversionRows): ConversionRow[] {
  const out: ConversionRow[] = [];
  for (let i = 0; i < r.n; i++) {
    out.push({ product: r.product[i]!, start: r.start[i]!, end: r.end[i]!, clicks: r.clicks[i]!, converted: r.converted[i]! });
  }
  return out;
}

/** A conversions join kernel: the WASM kernel or the TypeScript reference. */
export interface JoinKernel {
  readonly options: Readonly<Required<JoinOptions>>;
  /** Adds a batch; returns the indices (ascending, within the batch) of its late events, which change nothing. */
  process(batch: JoinBatch): Uint32Array;
  /** Emits (once) every row final at wm (window end + horizon <= wm) and frees what no open row can use. */
  advance(wm: number): ConversionRows;
  /** Current partial rows of the open click windows; closes nothing. */
  peek(): ConversionRows;
  /** State held: open rows + clicks still waiting for a transaction + transactions kept. */
  openEntries(): number;
  /** All state as bytes (restore with the implementation's static `restore`). */
  snapshot(): Uint8Array;
  /** Frees the instance. */
  destroy(): void;
}

interface JoinExports {
  join_create(windowMs: number, horizonMs: number, batchCap: number): number;
  join_in(h: number, col: number): number;
  join_late(h: number): number;
  join_out(h: number, col: number): number;
  join_process(h: number, n: number, useWmColumn: number, wm: number): number;
  join_advance(h: number, wm: number): number;
  join_peek(h: number): number;
  join_open_count(h: number): number;
  join_snapshot(h: number): number;
  join_restore(len: number): number;
  join_destroy(h: number): number;
}

/** The input columns of a WASM join instance (views; capacity `batchCap`). */
export interface JoinInputs {
  kind: Uint8Array;
  user: Uint32Array;
  product: Uint32Array;
  time: Float64Array;
  wm: Float64Array;
}

function copyColumn(dst: Float64Array | Uint32Array | Uint8Array, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) dst.set((src as unknown as Float64Array).subarray(from, from + m));
  else for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
}

/** The WASM join kernel behind {@link JoinKernel}; see also `inputs()` for zero-copy. */
export class WasmJoin implements JoinKernel {
  private readonly x: JoinExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private ins!: JoinInputs;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    readonly options: Readonly<Required<JoinOptions>>,
    readonly batchCap: number,
  ) {
    this.x = core as unknown as JoinExports;
    this.mem = coreMemory(core);
  }

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: JoinOptions = {}, opts: { batchCap?: number } = {}): WasmJoin {
    const o = normalizeJoinOptions(options);
    const batchCap = opts.batchCap ?? 65_536;
    const h = check((core as unknown as JoinExports).join_create(o.windowMs, o.horizonMs, batchCap), "join_create");
    return new WasmJoin(core, h, o, batchCap);
  }

  /** Restores a {@link WasmJoin.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmJoin {
    const h = check((core as unknown as JoinExports).join_restore(writeSnapshot(core, bytes)), "join_restore");
    // payload (assembly/join.ts): window f64 | horizon f64 | batchCap i32 | ...
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const o = { windowMs: dv.getFloat64(16, true), horizonMs: dv.getFloat64(24, true) };
    return new WasmJoin(core, h, o, dv.getInt32(32, true));
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): JoinInputs {
    const g = this.mem.generation();
    if (g !== this.gen) {
      const { x, handle: h, mem: m, batchCap: cap } = this;
      this.gen = g;
      this.ins = {
        kind: m.u8(x.join_in(h, 0), cap),
        user: m.u32(x.join_in(h, 1), cap),
        product: m.u32(x.join_in(h, 2), cap),
        time: m.f64(x.join_in(h, 3), cap),
        wm: m.f64(x.join_in(h, 4), cap),
      };
    }
    return this.ins;
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column. Returns the late indices (a view).
   */
  processInPlace(n: number, wm?: number): Uint32Array {
    const late = check(this.x.join_process(this.handle, n, wm === undefined ? 1 : 0, wm ?? 0), "join_process");
    return this.mem.u32(this.x.join_late(this.handle), late);
  }

  process(batch: JoinBatch): Uint32Array {
    const { n } = batch;
    const lateAll: number[] = [];
    for (let from = 0; from < n || from === 0; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      const ins = this.inputs();
      copyColumn(ins.kind, batch.kind, from, m);
      copyColumn(ins.user, batch.user, from, m);
      copyColumn(ins.product, batch.product, from, m);
      copyColumn(ins.time, batch.time, from, m);
      if (typeof batch.wm !== "number") copyColumn(ins.wm, batch.wm, from, m);
      const late = this.processInPlace(m, typeof batch.wm === "number" ? batch.wm : undefined);
      if (from === 0 && m === n) return late;
      for (let i = 0; i < late.length; i++) lateAll.push(late[i]! + from);
      if (m === 0) break;
    }
    return Uint32Array.from(lateAll);
  }

  advance(wm: number): ConversionRows {
    return this.rows(check(this.x.join_advance(this.handle, wm), "join_advance"));
  }

  peek(): ConversionRows {
    return this.rows(check(this.x.join_peek(this.handle), "join_peek"));
  }

  openEntries(): number {
    return check(this.x.join_open_count(this.handle), "join_open_count");
  }

  private rows(n: number): ConversionRows {
    const { x, handle: h, mem: m } = this;
    return {
      n,
      product: m.u32(x.join_out(h, 0), n),
      start: m.f64(x.join_out(h, 1), n),
      end: m.f64(x.join_out(h, 2), n),
      clicks: m.u32(x.join_out(h, 3), n),
      converted: m.u32(x.join_out(h, 4), n),
    };
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.join_snapshot(this.handle), "join_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.join_destroy(this.handle), "join_destroy");
    this.handle = 0;
  }
}

export { KIND_JOIN };
