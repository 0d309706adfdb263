/**
 * Running z-score per key (SPEC `purchase_anomalies`): the interface shared by the WASM kernel
 * (assembly/zscore.ts, wrapped by {@link WasmZScore}) and the TypeScript reference
 * (src/core/reference/zscore.ts), so the runner and the tests can swap them.
 *
 * Each event is scored on arrival, in input order (late events included: there is no
 * watermark), against the mean and population stddev of the EARLIER samples of its key, when
 * the key has >= minSamples of them and stddev > 0; |z| > threshold flags it; then it is added.
 * Both implementations do the same float operations in the same order: results are bit-equal.
 */
import type { CoreExports } from "../wasm";
import { KIND_ZSCORE, check, coreMemory, readSnapshot, writeSnapshot, type CoreMemory } from "./memory";

/** Configuration of a z-score kernel. */
export interface ZScoreOptions {
  /** Earlier samples a key needs before its events are scored (SPEC: 30). */
  minSamples?: number;
  /** An event is anomalous when |z| > threshold (SPEC: 3). */
  threshold?: number;
}

/** SPEC defaults. */
export const ZSCORE_DEFAULTS: Required<ZScoreOptions> = { minSamples: 30, threshold: 3 };

/** Fills in defaults and validates (the reference shares this). */
export function normalizeZScoreOptions(o: ZScoreOptions = {}): Required<ZScoreOptions> {
  const minSamples = o.minSamples ?? ZSCORE_DEFAULTS.minSamples;
  const threshold = o.threshold ?? ZSCORE_DEFAULTS.threshold;
  if (!Number.isSafeInteger(minSamples) || minSamples < 0 || minSamples > 2 ** 31 - 1 || !(threshold >= 0)) {
    throw new RangeError(`invalid z-score options: minSamples ${minSamples}, threshold ${threshold}`);
  }
  return { minSamples, threshold };
}

/** One batch, columnar: the sample `value` of key `key`, in arrival order. */
export interface ZScoreBatch {
  n: number;
  /** Dense key ids (e.g. category). */
  key: ArrayLike<number>;
  /** The sample (amounts: integer cents). */
  value: ArrayLike<number>;
}

/**
 * Anomalies of one batch, in input order, columnar. For the WASM kernel the arrays are views
 * into linear memory, valid until the next call on the same instance.
 */
export interface ZScoreAnomalies {
  n: number;
  /** Index of the anomalous event in the batch. */
  index: Uint32Array;
  /** Mean of the key's earlier samples. */
  mean: Float64Array;
  /** Population standard deviation of the key's earlier samples. */
  stddev: Float64Array;
  z: Float64Array;
}

/** Running statistics of one key (an update read: changes nothing). */
export interface ZScoreStats {
  count: number;
  mean: number;
  stddev: number;
}

/** A running z-score kernel: the WASM kernel or the TypeScript reference. */
export interface ZScoreKernel {
  readonly options: Readonly<Required<ZScoreOptions>>;
  /** Scores events 0..n-1 in order (each against the earlier samples of its key), then adds them. */
  process(batch: ZScoreBatch): ZScoreAnomalies;
  /** Current statistics of `key`. */
  stats(key: number): ZScoreStats;
  /** All state as bytes (restore with the implementation's static `restore`). */
  snapshot(): Uint8Array;
  /** Frees the instance. */
  destroy(): void;
}

interface ZScoreExports {
  zscore_create(batchCap: number, minSamples: number, threshold: number): number;
  zscore_in(h: number, col: number): number;
  zscore_out(h: number, col: number): number;
  zscore_process(h: number, n: number): number;
  zscore_stat(h: number, key: number, field: number): number;
  zscore_snapshot(h: number): number;
  zscore_restore(len: number): number;
  zscore_destroy(h: number): number;
}

/** The input columns of a WASM z-score instance (views; capacity `batchCap`). */
export interface ZScoreInputs {
  key: Uint32Array;
  value: Float64Array;
}

function copyColumn(dst: Float64Array | Uint32Array | Uint8Array, src: ArrayLike<number>, from: number, m: number): void {
  if (ArrayBuffer.isView(src)) dst.set((src as unknown as Float64Array).subarray(from, from + m));
  else for (let i = 0; i < m; i++) dst[i] = src[from + i]!;
}

/** The WASM z-score kernel behind {@link ZScoreKernel}; see also `inputs()` for zero-copy. */
export class WasmZScore implements ZScoreKernel {
  private readonly x: ZScoreExports;
  private readonly mem: CoreMemory;
  private gen = -1;
  private ins!: ZScoreInputs;

  private constructor(
    readonly core: CoreExports,
    private handle: number,
    readonly options: Readonly<Required<ZScoreOptions>>,
    readonly batchCap: number,
  ) {
    this.x = core as unknown as ZScoreExports;
    this.mem = coreMemory(core);
  }

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: ZScoreOptions = {}, opts: { batchCap?: number } = {}): WasmZScore {
    const o = normalizeZScoreOptions(options);
    const batchCap = opts.batchCap ?? 65_536;
    const h = check((core as unknown as ZScoreExports).zscore_create(batchCap, o.minSamples, o.threshold), "zscore_create");
    return new WasmZScore(core, h, o, batchCap);
  }

  /** Restores a {@link WasmZScore.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmZScore {
    const h = check((core as unknown as ZScoreExports).zscore_restore(writeSnapshot(core, bytes)), "zscore_restore");
    // payload (assembly/zscore.ts): batchCap i32 | minSamples i32 | threshold f64 | ...
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const o = { minSamples: dv.getInt32(20, true), threshold: dv.getFloat64(24, true) };
    return new WasmZScore(core, h, o, dv.getInt32(16, true));
  }

  /** Input column views (capacity batchCap) for callers that write events in place. */
  inputs(): ZScoreInputs {
    const g = this.mem.generation();
    if (g !== this.gen) {
      this.gen = g;
      this.ins = {
        key: this.mem.u32(this.x.zscore_in(this.handle, 0), this.batchCap),
        value: this.mem.f64(this.x.zscore_in(this.handle, 1), this.batchCap),
      };
    }
    return this.ins;
  }

  /** Scores events 0..n-1 already written to {@link inputs}; the result views kernel memory. */
  processInPlace(n: number): ZScoreAnomalies {
    const found = check(this.x.zscore_process(this.handle, n), "zscore_process");
    const { mem: m, x, handle: h } = this;
    return {
      n: found,
      index: m.u32(x.zscore_out(h, 0), found),
      mean: m.f64(x.zscore_out(h, 1), found),
      stddev: m.f64(x.zscore_out(h, 2), found),
      z: m.f64(x.zscore_out(h, 3), found),
    };
  }

  process(batch: ZScoreBatch): ZScoreAnomalies {
    const { n } = batch;
    const parts: ZScoreAnomalies[] = [];
    for (let from = 0; from < n || from === 0; from += this.batchCap) {
      const m = Math.min(this.batchCap, n - from);
      const ins = this.inputs();
      copyColumn(ins.key, batch.key, from, m);
      copyColumn(ins.value, batch.value, from, m);
      const r = this.processInPlace(m);
      if (from === 0 && m === n) return r;
      parts.push({ n: r.n, index: r.index.map((i) => i + from), mean: r.mean.slice(), stddev: r.stddev.slice(), z: r.z.slice() });
      if (m === 0) break;
    }
    const total = parts.reduce((s, p) => s + p.n, 0);
    const out: ZScoreAnomalies = { n: total, index: new Uint32Array(total), mean: new Float64Array(total), stddev: new Float64Array(total), z: new Float64Array(total) };
    let at = 0;
    for (const p of parts) {
      out.index.set(p.index, at);
      out.mean.set(p.mean, at);
      out.stddev.set(p.stddev, at);
      out.z.set(p.z, at);
      at += p.n;
    }
    return out;
  }

  stats(key: number): ZScoreStats {
    const { x, handle: h } = this;
    return { count: x.zscore_stat(h, key, 0), mean: x.zscore_stat(h, key, 1), stddev: x.zscore_stat(h, key, 2) };
  }

  snapshot(): Uint8Array {
    return readSnapshot(this.core, this.x.zscore_snapshot(this.handle), "zscore_snapshot");
  }

  destroy(): void {
    if (this.handle > 0) check(this.x.zscore_destroy(this.handle), "zscore_destroy");
    this.handle = 0;
  }
}

export { KIND_ZSCORE };
