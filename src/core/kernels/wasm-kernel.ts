/**
 * The typed wrapper of one WASM kernel instance, derived from the kernel's declaration
 * (./kernel-decl.ts): create and restore, input views rebuilt after memory growth, the chunked
 * copy of batches larger than batchCap, late indices, row views, snapshot and destroy. Each
 * kernel's wrapper (window.ts, join.ts, ...) is its declaration plus what is its own.
 */
import type { CoreExports } from "../wasm";
import { check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";
import { ColumnViews, copyBatch, planColumns, viewColumns, type KernelDecl, type ViewPlan } from "./kernel-decl";

/** Options every kernel's create takes. */
export interface KernelOptions {
  /** Most events per kernel call (larger batches are split); default 65,536. */
  batchCap?: number;
}

type Export = (...args: number[]) => number;

/** Where an instance comes from: a new config, or snapshot bytes. */
export type KernelSource<Cfg, Opts> = { config: Cfg; opts: Opts } | Uint8Array;

function readHeader(decl: KernelDecl<unknown, unknown, unknown, never>, bytes: Uint8Array): Record<string, number> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Record<string, number> = {};
  let at = 16; // the payload follows the snapshot header (assembly/layout.ts)
  for (const [name, type] of decl.header) {
    fields[name] = type === "f64" ? dv.getFloat64(at, true) : type === "i32" ? dv.getInt32(at, true) : Number(dv.getBigInt64(at, true));
    at += type === "i32" ? 4 : 8;
  }
  return fields;
}

function configOf<Cfg>(decl: KernelDecl<Cfg, unknown, unknown, never>, fields: Record<string, number>): Cfg {
  if (decl.fromHeader) return decl.fromHeader(fields);
  const { batchCap: _, ...rest } = fields;
  return rest as Cfg;
}

/** A WASM kernel instance (one of many in a core); subclasses add the kernel's own calls. */
export abstract class WasmKernel<Cfg, In, Rows, Opts extends KernelOptions = KernelOptions> {
  readonly batchCap: number;
  protected readonly config: Cfg;
  protected handle: number;
  protected readonly mem: CoreMemory;
  private readonly x: Record<string, Export>;
  private readonly fIn: Export;
  private readonly inPlan: ViewPlan[];
  private readonly out: ColumnViews;
  private gen = -1;
  private ins!: In;

  protected constructor(
    readonly core: CoreExports,
    protected readonly decl: KernelDecl<Cfg, In, Rows, Opts>,
    from: KernelSource<Cfg, Opts>,
  ) {
    this.x = core as unknown as Record<string, Export>;
    this.mem = coreMemory(core);
    this.fIn = this.fn("in");
    this.out = new ColumnViews(this.mem, this.fn("out"));
    if (from instanceof Uint8Array) {
      this.handle = check(this.fn("restore")(writeSnapshot(core, from)), `${decl.name}_restore`);
      const fields = readHeader(decl as KernelDecl<unknown, unknown, unknown, never>, from);
      this.config = configOf(decl as KernelDecl<Cfg, unknown, unknown, never>, fields);
      this.batchCap = fields.batchCap!;
    } else {
      this.config = from.config;
      this.batchCap = from.opts.batchCap ?? 65_536;
      const fields: Record<string, number> = { ...(decl.toHeader?.(from.config) ?? (from.config as Record<string, number>)), batchCap: this.batchCap };
      const args = [...decl.header.map(([name]) => fields[name]!), ...(decl.createTail?.(from.opts) ?? [])];
      this.handle = check(this.fn("create")(...args), `${decl.name}_create`);
    }
    this.inPlan = planColumns(decl.inputs, this.config);
  }

  /** The export `<name>_<verb>`. */
  protected fn(verb: string): Export {
    return this.x[`${this.decl.name}_${verb}`]!;
  }

  /** Calls `<name>_<verb>(handle, ...args)` and checks its status. */
  protected call(verb: string, ...args: number[]): number {
    return check(this.fn(verb)(this.handle, ...args), `${this.decl.name}_${verb}`);
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): In {
    const g = this.mem.generation();
    if (g !== this.gen) {
      this.ins = viewColumns(this.inPlan, this.mem, this.fIn, this.handle, this.batchCap) as In;
      this.gen = g;
    }
    return this.ins;
  }

  /**
   * Copies events from..from+m-1 of `batch` into the input columns. Not after destroy: the
   * columns are freed (the process call that follows reports the dead handle).
   */
  protected load(batch: object, from: number, m: number): void {
    if (this.handle > 0) copyBatch(this.inPlan, this.inputs() as Record<string, unknown>, batch, from, m);
  }

  /** Loads a batch larger than batchCap chunk by chunk, calling `run(m, from)` after each load. */
  protected chunks(batch: { n: number }, run: (m: number, from: number) => void): void {
    for (let from = 0; from < batch.n; from += this.batchCap) {
      const m = Math.min(this.batchCap, batch.n - from);
      this.load(batch, from, m);
      run(m, from);
    }
  }

  /** Views of the `n` rows the last emitting call wrote (valid until the next call). */
  outputRows(n: number): Rows {
    const out = this.out;
    out.handle = this.handle;
    out.len = n;
    return this.decl.rows(n, out, this.config);
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.fn("snapshot")(this.handle), `${this.decl.name}_snapshot`);
  }

  destroy(): void {
    if (this.handle > 0) this.call("destroy");
    this.handle = 0;
  }
}

/** What every batch of a watermark-driven kernel has, besides its columns. */
export interface WindowedBatch {
  n: number;
  /** The watermark in force before each event, or one for the whole batch. */
  wm: ArrayLike<number> | number;
}

/**
 * A watermark-driven kernel: `<name>_process(h, n, useWmColumn, wm)` returns the late count
 * (indices at `<name>_late`), `<name>_advance(h, wm)` and `<name>_peek(h)` emit rows.
 */
export abstract class WasmWindowedKernel<Cfg, In, Rows, Batch extends WindowedBatch, Opts extends KernelOptions = KernelOptions> extends WasmKernel<Cfg, In, Rows, Opts> {
  private readonly fProcess = this.fn("process");
  private readonly fLate = this.fn("late");
  private readonly fAdvance = this.fn("advance");
  private readonly names = { process: `${this.decl.name}_process`, advance: `${this.decl.name}_advance` };

  /**
   * Processes events 0..n-1 already written to the inputs; `wm` given = one watermark for the
   * batch, else the wm column. Returns the number of late events.
   */
  protected processCount(n: number, wm?: number): number {
    return check(this.fProcess(this.handle, n, wm === undefined ? 1 : 0, wm ?? 0), this.names.process);
  }

  /** View of the late indices of the last process call (`count` of them). */
  lateIndices(count: number): Uint32Array {
    return this.mem.u32(this.fLate(this.handle), count);
  }

  /** Adds a batch, split into calls of at most batchCap events; returns its late indices. */
  process(batch: Batch): Uint32Array {
    const { n } = batch;
    const wm = typeof batch.wm === "number" ? batch.wm : undefined;
    if (n <= this.batchCap) {
      this.load(batch, 0, n);
      return this.lateIndices(this.processCount(n, wm));
    }
    const lateAll: number[] = [];
    this.chunks(batch, (m, from) => {
      const idx = this.lateIndices(this.processCount(m, wm));
      for (let i = 0; i < idx.length; i++) lateAll.push(idx[i]! + from);
    });
    return Uint32Array.from(lateAll);
  }

  /** Closes what the watermark passed; returns the number of final rows (read with {@link outputRows}). */
  advanceCount(wm: number): number {
    return check(this.fAdvance(this.handle, wm), this.names.advance);
  }

  advance(wm: number): Rows {
    return this.outputRows(this.advanceCount(wm));
  }

  peek(): Rows {
    return this.outputRows(this.call("peek"));
  }

  /** State held: `<name>_open_count`. */
  protected openCount(): number {
    return this.call("open_count");
  }
}
