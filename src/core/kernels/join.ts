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
import { f64, u32, u8, type KernelDecl } from "./kernel-decl";
import { KIND_JOIN } from "./memory";
import { WasmWindowedKernel, type KernelOptions } from "./wasm-kernel";

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

/** The input columns of a WASM join instance (views; capacity `batchCap`). */
export interface JoinInputs {
  kind: Uint8Array;
  user: Uint32Array;
  product: Uint32Array;
  time: Float64Array;
  wm: Float64Array;
}

type Config = Required<JoinOptions>;

/** assembly/join.ts: join_create(windowMs, horizonMs, batchCap), its columns, its snapshot payload. */
const JOIN: KernelDecl<Config, JoinInputs, ConversionRows> = {
  name: "join",
  header: [["windowMs", "f64"], ["horizonMs", "f64"], ["batchCap", "i32"]],
  inputs: { kind: u8(0), user: u32(1), product: u32(2), time: f64(3), wm: f64(4) },
  rows: (n, o) => ({ n, product: o.u32(0), start: o.f64(1), end: o.f64(2), clicks: o.u32(3), converted: o.u32(4) }),
};

/** The WASM join kernel behind {@link JoinKernel}; see also `inputs()` for zero-copy. */
export class WasmJoin extends WasmWindowedKernel<Config, JoinInputs, ConversionRows, JoinBatch> implements JoinKernel {
  readonly options: Readonly<Config> = this.config;

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: JoinOptions = {}, opts: KernelOptions = {}): WasmJoin {
    return new WasmJoin(core, JOIN, { config: normalizeJoinOptions(options), opts });
  }

  /** Restores a {@link WasmJoin.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmJoin {
    return new WasmJoin(core, JOIN, bytes);
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column. Returns the late indices (a view).
   */
  processInPlace(n: number, wm?: number): Uint32Array {
    return this.lateIndices(this.processCount(n, wm));
  }

  openEntries(): number {
    return this.openCount();
  }
}

export { KIND_JOIN };
