/**
 * Keyed session windows with configurable aggregates (user-defined metrics with a session
 * window): the interface shared by the WASM kernel (assembly/session-agg.ts, wrapped by
 * {@link WasmSessionAgg}) and the TypeScript reference (src/core/reference/session-agg.ts).
 *
 * Semantics are those of the SPEC session kernel (./session.ts, Spark's `session_window`) with
 * any dense u32 group key instead of the user: an event at t opens [t, t + gap); overlapping
 * windows of a key merge (events exactly `gap` apart do not); an event is late when
 * t + gap <= wm[i]; a session is final once wm >= last + gap. Per session: events; per value
 * column the count of values present (finite; NaN or any non-finite value = missing), their
 * double sum, min and max; per distinct column the exact number of distinct ids
 * ({@link SESSION_AGG_MISSING_ID} = missing).
 */
import type { CoreExports } from "../wasm";
import { f64, u32, type KernelDecl } from "./kernel-decl";
import { KIND_SESSION_AGG } from "./memory";
import { WasmWindowedKernel, type KernelOptions } from "./wasm-kernel";

/** Configuration of a session aggregate. */
export interface SessionAggOptions {
  /** Inactivity gap in ms (integer >= 1); events exactly `gap` apart are in different sessions. */
  gapMs: number;
  /** Value columns, 0..8 (default 0). */
  nValues?: number;
  /** Distinct-id columns, 0..4 (default 0). */
  nDistinct?: number;
}

export const SESSION_AGG_MAX_VALUES = 8;
export const SESSION_AGG_MAX_DISTINCT = 4;
/** The distinct-column id that means "missing" (skipped). */
export const SESSION_AGG_MISSING_ID = 0xffffffff;

/** Fills in defaults and validates (the reference shares this). */
export function normalizeSessionAggOptions(o: SessionAggOptions): Required<SessionAggOptions> {
  const { gapMs, nValues = 0, nDistinct = 0 } = o;
  if (!Number.isSafeInteger(gapMs) || gapMs < 1) throw new RangeError(`invalid session gap: ${gapMs} ms (an integer >= 1)`);
  if (!Number.isInteger(nValues) || nValues < 0 || nValues > SESSION_AGG_MAX_VALUES) throw new RangeError(`invalid nValues: ${nValues} (0 to ${SESSION_AGG_MAX_VALUES})`);
  if (!Number.isInteger(nDistinct) || nDistinct < 0 || nDistinct > SESSION_AGG_MAX_DISTINCT) throw new RangeError(`invalid nDistinct: ${nDistinct} (0 to ${SESSION_AGG_MAX_DISTINCT})`);
  return { gapMs, nValues, nDistinct };
}

/** One batch of events in arrival order, columnar. */
export interface SessionAggBatch {
  n: number;
  /** Dense group keys. */
  key: ArrayLike<number>;
  /** Event time, epoch ms (integers). */
  time: ArrayLike<number>;
  /** nValues columns of doubles (NaN = missing); omitted = all missing. */
  values?: ArrayLike<number>[];
  /** nDistinct columns of u32 ids (SESSION_AGG_MISSING_ID = missing); omitted = all missing. */
  distinct?: ArrayLike<number>[];
  /** The watermark in force before each event (watermark kernel's column), or one for all. */
  wm: ArrayLike<number> | number;
}

/** The aggregates of one value column, one entry per row. */
export interface SessionAggValueColumns {
  /** Values present (finite). */
  present: Uint32Array;
  /** Their sum (0 when none). */
  sum: Float64Array;
  /** NaN when none. */
  min: Float64Array;
  /** NaN when none. */
  max: Float64Array;
}

/** Rows, columnar, ordered by end then key; WASM arrays are views valid until the next call. */
export interface SessionAggRows {
  n: number;
  key: Uint32Array;
  /** First event time. */
  start: Float64Array;
  /** Last event time + gap. */
  end: Float64Array;
  events: Uint32Array;
  values: SessionAggValueColumns[];
  /** Distinct count per distinct column. */
  distinct: Uint32Array[];
}

/** One row as a plain object. */
export interface SessionAggRow {
  key: number;
  start: number;
  end: number;
  events: number;
  values: { present: number; sum: number; min: number; max: number }[];
  distinct: number[];
}

/** Converts columnar rows to objects (allocates; for tests and low rates). */
export function sessionAggRowsToObjects(r: SessionAggRows): SessionAggRow[] {
  const out: SessionAggRow[] = [];
  for (let i = 0; i < r.n; i++) {
    out.push({
      key: r.key[i]!, start: r.start[i]!, end: r.end[i]!, events: r.events[i]!,
      values: r.values.map((v) => ({ present: v.present[i]!, sum: v.sum[i]!, min: v.min[i]!, max: v.max[i]! })),
      distinct: r.distinct.map((d) => d[i]!),
    });
  }
  return out;
}

/** A session aggregate: the WASM kernel or the TypeScript reference. */
export interface SessionAggKernel {
  readonly options: Readonly<Required<SessionAggOptions>>;
  /** Adds a batch; returns the (ascending) indices of its late events, which change nothing. */
  process(batch: SessionAggBatch): Uint32Array;
  /** Emits (once) and frees every session with end <= wm. */
  advance(wm: number): SessionAggRows;
  /** Current partial rows of the open sessions; closes nothing. */
  peek(): SessionAggRows;
  /** Sessions holding state (open ones and those awaiting emission). */
  openSessions(): number;
  /** All state as bytes (restore with the implementation's static `restore`). */
  snapshot(): Uint8Array;
  /** Frees the instance. */
  destroy(): void;
}

/** The input columns of a WASM instance (views; capacity `batchCap`). */
export interface SessionAggInputs {
  key: Uint32Array;
  time: Float64Array;
  wm: Float64Array;
  values: Float64Array[];
  distinct: Uint32Array[];
}

type Config = Required<SessionAggOptions>;

// Column numbers (assembly/session-agg-state.ts): value j's input is IN_VALUE + j; its four
// outputs (present, sum, min, max) start at OUT_VALUE + 4 * j.
const IN_VALUE = 3;
const IN_DISTINCT = IN_VALUE + SESSION_AGG_MAX_VALUES;
const OUT_VALUE = 4;
const OUT_DISTINCT = OUT_VALUE + 4 * SESSION_AGG_MAX_VALUES;

/** assembly/session-agg.ts: session_agg_create(gapMs, nValues, nDistinct, batchCap), columns, snapshot payload. */
const SESSION_AGG: KernelDecl<Config, SessionAggInputs, SessionAggRows> = {
  name: "session_agg",
  header: [["gapMs", "f64"], ["nValues", "i32"], ["nDistinct", "i32"], ["batchCap", "i32"]],
  inputs: {
    key: u32(0), time: f64(1), wm: f64(2),
    values: { count: (c) => c.nValues, col: IN_VALUE, each: "f64", missing: NaN },
    distinct: { count: (c) => c.nDistinct, col: IN_DISTINCT, each: "u32", missing: SESSION_AGG_MISSING_ID },
  },
  rows: (n, o, c) => ({
    n, key: o.u32(0), start: o.f64(1), end: o.f64(2), events: o.u32(3),
    values: Array.from({ length: c.nValues }, (_, j) => {
      const at = OUT_VALUE + 4 * j;
      return { present: o.u32(at), sum: o.f64(at + 1), min: o.f64(at + 2), max: o.f64(at + 3) };
    }),
    distinct: Array.from({ length: c.nDistinct }, (_, d) => o.u32(OUT_DISTINCT + d)),
  }),
};

/** The WASM kernel behind {@link SessionAggKernel}; see also `inputs()` for zero-copy. */
export class WasmSessionAgg extends WasmWindowedKernel<Config, SessionAggInputs, SessionAggRows, SessionAggBatch> implements SessionAggKernel {
  readonly options: Readonly<Config> = this.config;

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: SessionAggOptions, opts: KernelOptions = {}): WasmSessionAgg {
    return new WasmSessionAgg(core, SESSION_AGG, { config: normalizeSessionAggOptions(options), opts });
  }

  /** Restores a {@link WasmSessionAgg.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmSessionAgg {
    return new WasmSessionAgg(core, SESSION_AGG, bytes);
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column. Returns the late indices (a view).
   */
  processInPlace(n: number, wm?: number): Uint32Array {
    return this.lateIndices(this.processCount(n, wm));
  }

  openSessions(): number {
    return this.openCount();
  }
}

export { KIND_SESSION_AGG };
