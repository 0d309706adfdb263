/**
 * How a WASM kernel's interface is declared, once, as data: its create arguments / snapshot
 * header, its input columns and its output columns (conventions: assembly/layout.ts).
 * {@link WasmKernel} (./wasm-kernel.ts) derives from such a declaration everything the typed
 * wrappers used to repeat: the column views rebuilt after memory growth, the chunked copy of
 * a batch into the input columns, the row views, create, restore, snapshot and destroy.
 *
 * The column declarations are typed against the wrapper's public interfaces (e.g.
 * `Columns<JoinInputs, Cfg>`), so a declaration that disagrees with them does not compile.
 */
import type { CoreMemory } from "./memory";

/** Element type of a kernel column in linear memory. */
export type ColumnType = "f64" | "u32" | "u8";

/** Type of one field of a snapshot payload's config header (little-endian). */
export type HeaderType = "f64" | "i32" | "i64";

/** The typed-array view of a column type. */
export type ViewOf<T extends ColumnType> = T extends "f64" ? Float64Array : T extends "u32" ? Uint32Array : Uint8Array;

type TypeOf<V> = V extends Float64Array ? "f64" : V extends Uint32Array ? "u32" : V extends Uint8Array ? "u8" : never;

/** One column: its element type and number (`<kernel>_in(h, col)` / `<kernel>_out(h, col)`). */
export interface Column<T extends ColumnType = ColumnType, Cfg = unknown> {
  readonly type: T;
  readonly col: number;
  /** Input only: written to the chunk when the batch leaves the column out; without it the batch must give it. */
  readonly missing?: number;
  /** Input only: false = the kernel does not read the column under this config, so it is not written. */
  readonly used?: (cfg: Cfg) => boolean;
}

/**
 * `count(cfg)` columns, or column records, at col, col + stride, col + 2 * stride, ...: one per
 * configured value (e.g. the session aggregate's value columns). A record's `col`s are offsets.
 */
export interface ColumnGroup<E, Cfg = unknown> {
  readonly count: (cfg: Cfg) => number;
  readonly col: number;
  readonly stride: number;
  readonly each: E extends ArrayBufferView ? TypeOf<E> : { readonly [K in keyof E]-?: Column<TypeOf<E[K]>> };
  /** Input only: written to the chunk of a group member that the batch leaves out. */
  readonly missing?: number;
}

type Decl<V, Cfg> = V extends readonly (infer E)[] ? ColumnGroup<E, Cfg> : Column<TypeOf<V>, Cfg>;

/** The declaration of a block of columns whose views have the shape `V` (one entry per field). */
export type Columns<V, Cfg> = { readonly [K in keyof V]-?: Decl<V[K], Cfg> };

/** What an input column may add to its type and number. */
export type ColumnExtra<Cfg> = Pick<Column<ColumnType, Cfg>, "missing" | "used">;

/** Shorthands for column declarations. */
export const f64 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"f64", Cfg> => ({ type: "f64", col, ...extra });
export const u32 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"u32", Cfg> => ({ type: "u32", col, ...extra });
export const u8 = <Cfg = unknown>(col: number, extra: ColumnExtra<Cfg> = {}): Column<"u8", Cfg> => ({ type: "u8", col, ...extra });

/**
 * One WASM kernel's interface. Every kernel takes its `<name>_create` arguments in the order
 * its snapshot payload starts with them (`header`; batchCap among them), so one list serves
 * create and restore.
 */
export interface KernelDecl<Cfg, In, Out, Opts = unknown> {
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
  /** The row columns (every field of the rows but `n`). */
  readonly outputs: Columns<Out, Cfg>;
}

/** One entry of a compiled column block: a field and how to view it. */
export interface ViewPlan {
  readonly name: string;
  readonly col: number;
  /** A single column's type, or a group's. */
  readonly type?: ColumnType;
  /** Group: member column numbers (record members: per record, name to [type, col]). */
  readonly members?: readonly (number | readonly (readonly [string, ColumnType, number])[])[];
  readonly missing?: number;
  /** An input the kernel does not read under this config: viewed, not copied. */
  readonly unused?: boolean;
}

/** Resolves a column block for one config: groups get their counts, unused inputs are marked. */
export function planColumns<Cfg>(cols: Columns<unknown, Cfg>, cfg: Cfg): ViewPlan[] {
  const out: ViewPlan[] = [];
  for (const [name, d] of Object.entries(cols as Record<string, Column<ColumnType, Cfg> | ColumnGroup<object, Cfg>>)) {
    if ("count" in d) {
      const each = d.each as ColumnType | Record<string, Column>;
      const members = Array.from({ length: d.count(cfg) }, (_, j) => {
        const base = d.col + j * d.stride;
        return typeof each === "string" ? base : Object.entries(each).map(([k, c]) => [k, c.type, base + c.col] as const);
      });
      out.push({ name, col: d.col, type: typeof each === "string" ? each : undefined, members, missing: d.missing });
    } else {
      out.push({ name, col: d.col, type: d.type, missing: d.missing, unused: d.used && !d.used(cfg) });
    }
  }
  return out;
}

function view(mem: CoreMemory, type: ColumnType, ptr: number, len: number): Float64Array | Uint32Array | Uint8Array {
  return type === "f64" ? mem.f64(ptr, len) : type === "u32" ? mem.u32(ptr, len) : mem.u8(ptr, len);
}

/**
 * Adds to `into` the views of a planned block, each `len` elements long: `ptr(handle, col)` (the
 * kernel's `<name>_in` or `<name>_out`) gives a column's pointer.
 */
export function viewColumns(plan: readonly ViewPlan[], mem: CoreMemory, ptr: (h: number, col: number) => number, handle: number, len: number, into: Record<string, unknown>): void {
  for (const p of plan) {
    if (!p.members) {
      into[p.name] = view(mem, p.type!, ptr(handle, p.col), len);
    } else if (p.type) {
      into[p.name] = p.members.map((c) => view(mem, p.type!, ptr(handle, c as number), len));
    } else {
      into[p.name] = p.members.map((rec) => {
        const r: Record<string, unknown> = {};
        for (const [k, t, c] of rec as readonly (readonly [string, ColumnType, number])[]) r[k] = view(mem, t, ptr(handle, c), len);
        return r;
      });
    }
  }
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
