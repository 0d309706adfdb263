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
import { f64, u32, u8, type KernelDecl } from "./kernel-decl";
import { KIND_SESSION } from "./memory";
import { WasmWindowedKernel, type KernelOptions } from "./wasm-kernel";

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

/** The input columns of a WASM session instance (views; capacity `batchCap`). */
export interface SessionInputs {
  user: Uint32Array;
  time: Float64Array;
  kind: Uint8Array;
  amount: Float64Array;
  wm: Float64Array;
}

type Config = Required<SessionOptions>;

/** assembly/session.ts: session_create(gapMs, batchCap), its columns, its snapshot payload. */
const SESSION: KernelDecl<Config, SessionInputs, SessionRows> = {
  name: "session",
  header: [["gapMs", "f64"], ["batchCap", "i32"]],
  inputs: { user: u32(0), time: f64(1), kind: u8(2), amount: f64(3, { missing: 0 }), wm: f64(4) },
  rows: (n, o) => ({
    n, user: o.u32(0), start: o.f64(1), end: o.f64(2), duration: o.f64(3),
    events: o.u32(4), views: o.u32(5), purchases: o.u32(6), revenue: o.f64(7),
  }),
};

/** The WASM session kernel behind {@link SessionKernel}; see also `inputs()` for zero-copy. */
export class WasmSession extends WasmWindowedKernel<Config, SessionInputs, SessionRows, SessionBatch> implements SessionKernel {
  readonly options: Readonly<Config> = this.config;

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: SessionOptions = {}, opts: KernelOptions = {}): WasmSession {
    return new WasmSession(core, SESSION, { config: normalizeSessionOptions(options), opts });
  }

  /** Restores a {@link WasmSession.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmSession {
    return new WasmSession(core, SESSION, bytes);
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

export { KIND_SESSION };
