/**
 * How a WASM kernel's interface is declared, once: its create arguments / snapshot header, its
 * input columns and its output rows (conventions: assembly/layout.ts). {@link WasmKernel}
 * (./wasm-kernel.ts) derives from such a declaration everything the typed wrappers used to
 * repeat: the column views rebuilt after memory growth, the chunked copy of a batch into the
 * input columns, the row views, create, restore, snapshot and destroy.
 *
 * Input columns are data typed against the wrapper's public interfaces (e.g.
 * `Columns<JoinInputs, Cfg>`), so a declaration that disagrees with them does not compile.
 * Output rows are an object literal over {@link ColumnViews} (typed as the rows interface):
 * they are built on every emitting call, and V8 builds a literal's object in one step, where
 * adding fields by name in a loop made small batches measurably slower.
 */
import type { CoreMemory } from "./memory";

/** Element type of a kernel column in linear memory. */
export type ColumnType = "f64" | "u32" | "u8";

/** Type of one field of a snapshot payload's config header (little-endian). */
export type HeaderType = "f64" | "i32" | "i64";

type TypeOf<V> = V extends Float64Array ? "f64" : V extends Uint32Array ? "u32" : V extends Uint8Array ? "u8" : never;

/** One input column: its element type and number (`<kernel>_in(h, col)`). */
export interface Column<T extends ColumnType = ColumnType, Cfg = unknown> {
  readonly type: T;
  readonly col: number;
  /** Written to the chunk when the batch leaves the column out; without it the batch must give it. */
  readonly missing?: number;
  /** False = the kernel does not read the column under this config, so it is not written. */
  readonly used?: (cfg: Cfg) => boolean;
}

/** `count(cfg)` input columns at col, col + 1, ...: one per configured value (e.g. value columns). */
export interface ColumnGroup<E, Cfg = unknown> {
  readonly count: (cfg: Cfg) => number;
  readonly col: number;
  readonly each: TypeOf<E>;
  /** Written to the chunk of a member that the batch leaves out. */
  readonly missing?: number;
}

type Decl<V, Cfg> = V extends readonly (infer E)[] ? ColumnGroup<E, Cfg> : Column<TypeOf<V>, Cfg>;

/** The declaration of a block of columns whose views have the shape `V` (one entry per field). */
export type Columns<V, Cfg> = { readonly [K in keyof V]-?: Decl<V[K], Cfg> };

/** What a column may add to its type and number. */
export type ColumnExtra<Cfg> = Pick<Column<ColumnType, Cfg>, "missing" | "used">;

/** Shorthands for input column declarations. */
export const f64 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"f64", Cfg> => ({ type: "f64", col, ...extra });
export const u32 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"u32", Cfg> => ({ type: "u32", col, ...extra });
export const u8 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"u8", Cfg> => ({ type: "u8", col, ...extra });

/**
 * Views of the `len` first elements of an instance's output columns (`<kernel>_out(h, col)`),
 * for a declaration's `rows`. One per instance, reused.
 */
export class ColumnViews {
  handle = 0;
  len = 0;

  constructor(
    private readonly mem: CoreMemory,
    private readonly ptr: (h: number, col: number) => number,
  ) {}

  f64(col: number): Float64Array {
    return this.mem.f64(this.ptr(this.handle, col), this.len);
  }
  u32(col: number): Uint32Array {
    return this.mem.u32(this.ptr(this.handle, col), this.len);
  }
}

/**
 * One WASM kernel's interface. Every kernel takes its `<name>_create` arguments in the order
 * its snapshot payload starts with them (`header`; batchCap among them), so one list serves
 * create and restore.
 */
export interface KernelDecl<Cfg, In, Rows, Opts = unknown> {
  /** Export prefix: `window` for window_create, window_in, window_process, ... */
  readonly name: string;
  /** The create arguments = the first fields of the snapshot payload, in order. */
  readonly header: readonly (readonly [name: string, type: HeaderType])[];
  /** The header fields of a config (default: the config's own fields). batchCap is added. */
  readonly toHeader?: (cfg: Cfg) => Record<string, number>;
  /** The config of header fields read from a snapshot (default: the fields but batchCap). */
  readonly fromHeader?: (fields: Record<string, number>) => Cfg;
  /** Create arguments after the header ones, from the create options (not in snapshots). */
  readonly createTail?: (opts: Opts) => number[];
  /** The input columns, named as the fields of the kernel's batch. */
  readonly inputs: Columns<In, Cfg>;
  /** The `n` rows the last emitting call wrote, as views of the output columns. */
  readonly rows: (n: number, out: ColumnViews, cfg: Cfg) => Rows;
}

/** One entry of a compiled input block: a field and how to view and fill it. */
export interface ViewPlan {
  readonly name: string;
  readonly col: number;
  readonly type: ColumnType;
  /** Group: member column numbers. */
  readonly members?: readonly number[];
  readonly missing?: number;
  /** An input the kernel does not read under this config: viewed, not copied. */
  readonly unused?: boolean;
}

/** Resolves the input columns for one config: groups get their members, unused columns are marked. */
export function planColumns<Cfg>(cols: Columns<unknown, Cfg>, cfg: Cfg): ViewPlan[] {
  const out: ViewPlan[] = [];
  for (const [name, d] of Object.entries(cols as Record<string, Column<ColumnType, Cfg> | ColumnGroup<Float64Array, Cfg>>)) {
    if ("count" in d) {
      const members = Array.from({ length: d.count(cfg) }, (_, j) => d.col + j);
      out.push({ name, col: d.col, type: d.each, members, missing: d.missing });
    } else {
      out.push({ name, col: d.col, type: d.type, missing: d.missing, unused: d.used && !d.used(cfg) });
    }
  }
  return out;
}

function view(mem: CoreMemory, type: ColumnType, ptr: number, len: number): Float64Array | Uint32Array | Uint8Array {
  return type === "f64" ? mem.f64(ptr, len) : type === "u32" ? mem.u32(ptr, len) : mem.u8(ptr, len);
}

/** The views (capacity `len`) of planned input columns; `ptr(handle, col)` is `<kernel>_in`. */
export function viewColumns(plan: readonly ViewPlan[], mem: CoreMemory, ptr: (h: number, col: number) => number, handle: number, len: number): Record<string, unknown> {
  const views: Record<string, unknown> = {};
  for (const p of plan) {
    views[p.name] = p.members ? p.members.map((c) => view(mem, p.type, ptr(handle, c), len)) : view(mem, p.type, ptr(handle, p.col), len);
  }
  return views;
}

type Dst = Float64Array | Uint32Array | Uint8Array;

function copyColumn(dst: Dst, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) dst.set((src as unknown as Float64Array).subarray(from, from + m));
  else for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
}

function copyOrFill(dst: Dst, src: ArrayLike<number> | undefined, missing: number | undefined, from: number, m: number): void {
  if (src === undefined && missing !== undefined) dst.fill(missing, 0, m);
  else copyColumn(dst, src!, from, m);
}

/**
 * Copies events from..from+m-1 of a columnar batch (fields named like the input columns) to
 * events 0..m-1 of the input views. A field given as one number (the batch watermark) is not a
 * column: the kernel takes it as a process argument.
 */
export function copyBatch(plan: readonly ViewPlan[], ins: Record<string, unknown>, batch: object, from: number, m: number): void {
  const b = batch as Record<string, unknown>;
  for (const p of plan) {
    const src = b[p.name];
    if (typeof src === "number" || p.unused) continue;
    if (!p.members) {
      copyOrFill(ins[p.name] as Dst, src as ArrayLike<number> | undefined, p.missing, from, m);
    } else {
      const dsts = ins[p.name] as Dst[];
      const srcs = src as (ArrayLike<number> | undefined)[] | undefined;
      for (let j = 0; j < dsts.length; j++) copyOrFill(dsts[j]!, srcs?.[j], p.missing, from, m);
    }
  }
}
