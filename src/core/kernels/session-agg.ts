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
import { KIND_SESSION_AGG, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

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

interface SessionAggExports {
  session_agg_create(gapMs: number, nValues: number, nDistinct: number, batchCap: number): number;
  session_agg_in(h: number, col: number): number;
  session_agg_late(h: number): number;
  session_agg_out(h: number, col: number): number;
  session_agg_process(h: number, n: number, useWmColumn: number, wm: number): number;
  session_agg_advance(h: number, wm: number): number;
  session_agg_peek(h: number): number;
  session_agg_open_count(h: number): number;
  session_agg_snapshot(h: number): number;
  session_agg_restore(len: number): number;
  session_agg_destroy(h: number): number;
}

// Column numbers (assembly/session-agg-state.ts).
const IN_VALUE = 3;
const IN_DISTINCT = IN_VALUE + SESSION_AGG_MAX_VALUES;
const OUT_VALUE = 4;
const OUT_DISTINCT = OUT_VALUE + 4 * SESSION_AGG_MAX_VALUES;

/** The input columns of a WASM instance (views; capacity `batchCap`). */
export interface SessionAggInputs {
  key: Uint32Array;
  time: Float64Array;
  wm: Float64Array;
  values: Float64Array[];
  distinct: Uint32Array[];
}

function copyColumn(dst: Float64Array | Uint32Array, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) dst.set((src as unknown as Float64Array).subarray(from, from + m));
  else for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
}

/** The WASM kernel behind {@link SessionAggKernel}; see also `inputs()` for zero-copy. */
export class WasmSessionAgg implements SessionAggKernel {
  private readonly x: SessionAggExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private ins!: SessionAggInputs;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    readonly options: Readonly<Required<SessionAggOptions>>,
    readonly batchCap: number,
  ) {
    this.x = core as unknown as SessionAggExports;
    this.mem = coreMemory(core);
  }

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: SessionAggOptions, opts: { batchCap?: number } = {}): WasmSessionAgg {
    const o = normalizeSessionAggOptions(options);
    const batchCap = opts.batchCap ?? 65_536;
    const h = check((core as unknown as SessionAggExports).session_agg_create(o.gapMs, o.nValues, o.nDistinct, batchCap), "session_agg_create");
    return new WasmSessionAgg(core, h, o, batchCap);
  }

  /** Restores a {@link WasmSessionAgg.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmSessionAgg {
    const h = check((core as unknown as SessionAggExports).session_agg_restore(writeSnapshot(core, bytes)), "session_agg_restore");
    // payload (assembly/session-agg.ts): gap f64 | nValues i32 | nDistinct i32 | batchCap i32 | ...
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const options = { gapMs: dv.getFloat64(16, true), nValues: dv.getInt32(24, true), nDistinct: dv.getInt32(28, true) };
    return new WasmSessionAgg(core, h, options, dv.getInt32(32, true));
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): SessionAggInputs {
    const g = this.mem.generation();
    if (g !== this.gen) {
      const { x, handle: h, mem: m, batchCap: cap } = this;
      const { nValues, nDistinct } = this.options;
      this.gen = g;
      this.ins = {
        key: m.u32(x.session_agg_in(h, 0), cap),
        time: m.f64(x.session_agg_in(h, 1), cap),
        wm: m.f64(x.session_agg_in(h, 2), cap),
        values: Array.from({ length: nValues }, (_, j) => m.f64(x.session_agg_in(h, IN_VALUE + j), cap)),
        distinct: Array.from({ length: nDistinct }, (_, d) => m.u32(x.session_agg_in(h, IN_DISTINCT + d), cap)),
      };
    }
    return this.ins;
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column. Returns the late indices (a view).
   */
  processInPlace(n: number, wm?: number): Uint32Array {
    const late = check(this.x.session_agg_process(this.handle, n, wm === undefined ? 1 : 0, wm ?? 0), "session_agg_process");
    return this.mem.u32(this.x.session_agg_late(this.handle), late);
  }

  process(batch: SessionAggBatch): Uint32Array {
    const { n } = batch;
    const lateAll: number[] = [];
    for (let from = 0; from < n || from === 0; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      const ins = this.inputs();
      copyColumn(ins.key, batch.key, from, m);
      copyColumn(ins.time, batch.time, from, m);
      ins.values.forEach((dst, j) => (batch.values?.[j] ? copyColumn(dst, batch.values[j], from, m) : dst.fill(NaN, 0, m)));
      ins.distinct.forEach((dst, d) => (batch.distinct?.[d] ? copyColumn(dst, batch.distinct[d], from, m) : dst.fill(SESSION_AGG_MISSING_ID, 0, m)));
      if (typeof batch.wm !== "number") copyColumn(ins.wm, batch.wm, from, m);
      const late = this.processInPlace(m, typeof batch.wm === "number" ? batch.wm : undefined);
      if (from === 0 && m === n) return late;
      for (let i = 0; i < late.length; i++) lateAll.push(late[i]! + from);
      if (m === 0) break;
    }
    return Uint32Array.from(lateAll);
  }

  advance(wm: number): SessionAggRows {
    return this.rows(check(this.x.session_agg_advance(this.handle, wm), "session_agg_advance"));
  }

  peek(): SessionAggRows {
    return this.rows(check(this.x.session_agg_peek(this.handle), "session_agg_peek"));
  }

  openSessions(): number {
    return check(this.x.session_agg_open_count(this.handle), "session_agg_open_count");
  }

  private rows(n: number): SessionAggRows {
    const { x, handle: h, mem: m } = this;
    const out = (c: number) => x.session_agg_out(h, c);
    return {
      n,
      key: m.u32(out(0), n),
      start: m.f64(out(1), n),
      end: m.f64(out(2), n),
      events: m.u32(out(3), n),
      values: Array.from({ length: this.options.nValues }, (_, j) => {
        const c = OUT_VALUE + 4 * j;
        return { present: m.u32(out(c), n), sum: m.f64(out(c + 1), n), min: m.f64(out(c + 2), n), max: m.f64(out(c + 3), n) };
      }),
      distinct: Array.from({ length: this.options.nDistinct }, (_, d) => m.u32(out(OUT_DISTINCT + d), n)),
    };
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.session_agg_snapshot(this.handle), "session_agg_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.session_agg_destroy(this.handle), "session_agg_destroy");
    this.handle = 0;
  }
}

export { KIND_SESSION_AGG };
