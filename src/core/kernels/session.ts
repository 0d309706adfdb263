/**
 * Session windows per user (SPEC `sessions`): the interface shared by the WASM kernel
 * (assembly/session.ts, wrapped by {@link WasmSession}) and the TypeScript reference
 * (src/core/reference/session.ts), so the runner and the tests can swap them.
 *
 * Semantics (Spark's `session_window`, see the reference for the reasoning): an event at t
 * opens [t, t + gap); overlapping windows of a user merge (events exactly `gap` apart do not);
 * an event is late when t + gap <= wm[i]; a session is final once wm >= last + gap.
 */
import type { CoreExports } from "../wasm";
import { KIND_SESSION, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

/** Configuration of a session kernel. */
export interface SessionOptions {
  /** Inactivity gap in ms (SPEC: 30 min); events exactly `gap` apart are in different sessions. */
  gapMs?: number;
}

/** SPEC defaults. */
export const SESSION_DEFAULTS: Required<SessionOptions> = { gapMs: 30 * 60_000 };

/** Fills in defaults and validates (the reference shares this). */
export function normalizeSessionOptions(o: SessionOptions = {}): Required<SessionOptions> {
  const gapMs = o.gapMs ?? SESSION_DEFAULTS.gapMs;
  if (!Number.isSafeInteger(gapMs) || gapMs < 1) throw new RangeError(`invalid session gap: ${gapMs} ms`);
  return { gapMs };
}

/** Event kinds of the `kind` column. */
export const SESSION_KIND_OTHER = 0; // a clickstream event that is not a view
export const SESSION_KIND_VIEW = 1; // clickstream action `view`
export const SESSION_KIND_PURCHASE = 2; // a transaction

/** One batch of events of both topics in arrival order, columnar. */
export interface SessionBatch {
  n: number;
  /** Dense user ids. */
  user: ArrayLike<number>;
  /** Event time, epoch ms (integers). */
  time: ArrayLike<number>;
  /** SESSION_KIND_*. */
  kind: ArrayLike<number>;
  /** Transaction amount in integer cents (read for purchases only; omitted = 0). */
  amount?: ArrayLike<number>;
  /** The watermark in force before each event (watermark kernel's column), or one for all. */
  wm: ArrayLike<number> | number;
}

/**
 * Session rows, columnar, ordered by end then user. For the WASM kernel the arrays are views
 * into linear memory, valid until the next call on the same instance.
 */
export interface SessionRows {
  n: number;
  user: Uint32Array;
  /** First event time. */
  start: Float64Array;
  /** Last event time + gap. */
  end: Float64Array;
  /** Last − first event time. */
  duration: Float64Array;
  events: Uint32Array;
  views: Uint32Array;
  purchases: Uint32Array;
  /** Sum of transaction amounts, integer cents. */
  revenue: Float64Array;
}

/** One session row as a plain object. */
export interface SessionRow {
  user: number;
  start: number;
  end: number;
  duration: number;
  events: number;
  views: number;
  purchases: number;
  revenue: number;
}

/** Converts columnar rows to objects (allocates; for tests and low rates). */
export function sessionRowsToObjects(r: SessionRows): SessionRow[] {
  const out: SessionRow[] = [];
  for (let i = 0; i < r.n; i++) {
    out.push({
      user: r.user[i]!, start: r.start[i]!, end: r.end[i]!, duration: r.duration[i]!,
      events: r.events[i]!, views: r.views[i]!, purchases: r.purchases[i]!, revenue: r.revenue[i]!,
    });
  }
  return out;
}

/** A session-window kernel: the WASM kernel or the TypeScript reference. */
export interface SessionKernel {
  readonly options: Readonly<Required<SessionOptions>>;
  /**
   * Adds a batch; returns the indices (ascending, within the batch) of its late events, which
   * change nothing. Sessions found final while processing are emitted by the next advance().
   */
  process(batch: SessionBatch): Uint32Array;
  /** Emits (once) and frees every session with end <= wm. */
  advance(wm: number): SessionRows;
  /** Current partial rows of the open sessions; closes nothing. */
  peek(): SessionRows;
  /** Sessions holding state (open ones and those awaiting emission). */
  openSessions(): number;
  /** All state as bytes (restore with the implementation's static `restore`). */
  snapshot(): Uint8Array;
  /** Frees the instance. */
  destroy(): void;
}

interface SessionExports {
  session_create(gapMs: number, batchCap: number): number;
  session_in(h: number, col: number): number;
  session_late(h: number): number;
  session_out(h: number, col: number): number;
  session_process(h: number, n: number, useWmColumn: number, wm: number): number;
  session_advance(h: number, wm: number): number;
  session_peek(h: number): number;
  session_open_count(h: number): number;
  session_snapshot(h: number): number;
  session_restore(len: number): number;
  session_destroy(h: number): number;
}

/** The input columns of a WASM session instance (views; capacity `batchCap`). */
export interface SessionInputs {
  user: Uint32Array;
  time: Float64Array;
  kind: Uint8Array;
  amount: Float64Array;
  wm: Float64Array;
}

function copyColumn(dst: Float64Array | Uint32Array | Uint8Array, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) dst.set((src as unknown as Float64Array).subarray(from, from + m));
  else for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
}

/** The WASM session kernel behind {@link SessionKernel}; see also `inputs()` for zero-copy. */
export class WasmSession implements SessionKernel {
  private readonly x: SessionExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private ins!: SessionInputs;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    readonly options: Readonly<Required<SessionOptions>>,
    readonly batchCap: number,
  ) {
    this.x = core as unknown as SessionExports;
    this.mem = coreMemory(core);
  }

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: SessionOptions = {}, opts: { batchCap?: number } = {}): WasmSession {
    const o = normalizeSessionOptions(options);
    const batchCap = opts.batchCap ?? 65_536;
    const h = check((core as unknown as SessionExports).session_create(o.gapMs, batchCap), "session_create");
    return new WasmSession(core, h, o, batchCap);
  }

  /** Restores a {@link WasmSession.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmSession {
    const h = check((core as unknown as SessionExports).session_restore(writeSnapshot(core, bytes)), "session_restore");
    // payload (assembly/session.ts): gap f64 | batchCap i32 | ...
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new WasmSession(core, h, { gapMs: dv.getFloat64(16, true) }, dv.getInt32(24, true));
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): SessionInputs {
    const g = this.mem.generation();
    if (g !== this.gen) {
      const { x, handle: h, mem: m, batchCap: cap } = this;
      this.gen = g;
      this.ins = {
        user: m.u32(x.session_in(h, 0), cap),
        time: m.f64(x.session_in(h, 1), cap),
        kind: m.u8(x.session_in(h, 2), cap),
        amount: m.f64(x.session_in(h, 3), cap),
        wm: m.f64(x.session_in(h, 4), cap),
      };
    }
    return this.ins;
  }

  /**
   * Processes events 0..n-1 already written to {@link inputs}; `wm` given = one watermark for
   * the batch, else the wm column. Returns the late indices (a view).
   */
  processInPlace(n: number, wm?: number): Uint32Array {
    const late = check(this.x.session_process(this.handle, n, wm === undefined ? 1 : 0, wm ?? 0), "session_process");
    return this.mem.u32(this.x.session_late(this.handle), late);
  }

  process(batch: SessionBatch): Uint32Array {
    const { n } = batch;
    const lateAll: number[] = [];
    for (let from = 0; from < n || from === 0; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      const ins = this.inputs();
      copyColumn(ins.user, batch.user, from, m);
      copyColumn(ins.time, batch.time, from, m);
      copyColumn(ins.kind, batch.kind, from, m);
      if (batch.amount) copyColumn(ins.amount, batch.amount, from, m);
      else ins.amount.fill(0, 0, m);
      if (typeof batch.wm !== "number") copyColumn(ins.wm, batch.wm, from, m);
      const late = this.processInPlace(m, typeof batch.wm === "number" ? batch.wm : undefined);
      if (from === 0 && m === n) return late;
      for (let i = 0; i < late.length; i++) lateAll.push(late[i]! + from);
      if (m === 0) break;
    }
    return Uint32Array.from(lateAll);
  }

  advance(wm: number): SessionRows {
    return this.rows(check(this.x.session_advance(this.handle, wm), "session_advance"));
  }

  peek(): SessionRows {
    return this.rows(check(this.x.session_peek(this.handle), "session_peek"));
  }

  openSessions(): number {
    return check(this.x.session_open_count(this.handle), "session_open_count");
  }

  private rows(n: number): SessionRows {
    const { x, handle: h, mem: m } = this;
    return {
      n,
      user: m.u32(x.session_out(h, 0), n),
      start: m.f64(x.session_out(h, 1), n),
      end: m.f64(x.session_out(h, 2), n),
      duration: m.f64(x.session_out(h, 3), n),
      events: m.u32(x.session_out(h, 4), n),
      views: m.u32(x.session_out(h, 5), n),
      purchases: m.u32(x.session_out(h, 6), n),
      revenue: m.f64(x.session_out(h, 7), n),
    };
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.session_snapshot(this.handle), "session_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.session_destroy(this.handle), "session_destroy");
    this.handle = 0;
  }
}

export { KIND_SESSION };
