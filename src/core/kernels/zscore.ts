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
import { f64, u32, type KernelDecl } from "./kernel-decl";
import { KIND_ZSCORE, check } from "./memory";
import { WasmKernel, type KernelOptions } from "./wasm-kernel";

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

/** The input columns of a WASM z-score instance (views; capacity `batchCap`). */
export interface ZScoreInputs {
  key: Uint32Array;
  value: Float64Array;
}

type Config = Required<ZScoreOptions>;

/** assembly/zscore.ts: zscore_create(batchCap, minSamples, threshold), its columns, its snapshot payload. */
const ZSCORE: KernelDecl<Config, ZScoreInputs, ZScoreAnomalies> = {
  name: "zscore",
  header: [["batchCap", "i32"], ["minSamples", "i32"], ["threshold", "f64"]],
  inputs: { key: u32(0), value: f64(1) },
  rows: (n, o) => ({ n, index: o.u32(0), mean: o.f64(1), stddev: o.f64(2), z: o.f64(3) }),
};

/** The WASM z-score kernel behind {@link ZScoreKernel}; see also `inputs()` for zero-copy. */
export class WasmZScore extends WasmKernel<Config, ZScoreInputs, ZScoreAnomalies> implements ZScoreKernel {
  readonly options: Readonly<Config> = this.config;
  private readonly fProcess = this.fn("process");
  private readonly fStat = this.fn("stat");

  /** Creates an instance in `core` (one core holds many instances). */
  static create(core: CoreExports, options: ZScoreOptions = {}, opts: KernelOptions = {}): WasmZScore {
    return new WasmZScore(core, ZSCORE, { config: normalizeZScoreOptions(options), opts });
  }

  /** Restores a {@link WasmZScore.snapshot} into a new instance in `core`. */
  static restore(core: CoreExports, bytes: Uint8Array): WasmZScore {
    return new WasmZScore(core, ZSCORE, bytes);
  }

  /** Scores events 0..n-1 already written to {@link inputs}; the result views kernel memory. */
  processInPlace(n: number): ZScoreAnomalies {
    return this.outputRows(check(this.fProcess(this.handle, n), "zscore_process"));
  }

  process(batch: ZScoreBatch): ZScoreAnomalies {
    if (batch.n <= this.batchCap) {
      this.load(batch, 0, batch.n);
      return this.processInPlace(batch.n);
    }
    const parts: ZScoreAnomalies[] = [];
    this.chunks(batch, (m, from) => {
      const r = this.processInPlace(m);
      parts.push({ n: r.n, index: r.index.map((i) => i + from), mean: r.mean.slice(), stddev: r.stddev.slice(), z: r.z.slice() });
    });
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
    const { fStat: f, handle: h } = this;
    return { count: f(h, key, 0), mean: f(h, key, 1), stddev: f(h, key, 2) };
  }
}

export { KIND_ZSCORE };
