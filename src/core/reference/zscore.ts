/**
 * Plain TypeScript reference of the running z-score (SPEC `purchase_anomalies`): the oracle the
 * WASM kernel (assembly/zscore.ts) is tested against, written for clarity rather than speed.
 *
 * Welford's update with the population variance m2 / n, in exactly the kernel's float
 * operations and order, so mean, stddev and z match the kernel bit for bit.
 */
import type { ZScoreAnomalies, ZScoreBatch, ZScoreKernel, ZScoreOptions, ZScoreStats } from "../kernels/zscore";
import { normalizeZScoreOptions } from "../kernels/zscore";

interface KeyState {
  n: number;
  mean: number;
  m2: number;
}

/** Reference z-score kernel: one Map entry per key. */
export class ReferenceZScore implements ZScoreKernel {
  readonly options: Readonly<Required<ZScoreOptions>>;
  private keys = new Map<number, KeyState>();

  constructor(options: ZScoreOptions = {}) {
    this.options = normalizeZScoreOptions(options);
  }

  /** Restores a {@link ReferenceZScore.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceZScore {
    const { options, keys } = JSON.parse(new TextDecoder().decode(bytes)) as { options: ZScoreOptions; keys: [number, KeyState][] };
    const k = new ReferenceZScore(options);
    k.keys = new Map(keys);
    return k;
  }

  process(batch: ZScoreBatch): ZScoreAnomalies {
    const { minSamples, threshold } = this.options;
    const found = { index: [] as number[], mean: [] as number[], stddev: [] as number[], z: [] as number[] };
    for (let i = 0; i < batch.n; i++) {
      let s = this.keys.get(batch.key[i]!);
      if (s === undefined) {
        s = { n: 0, mean: 0, m2: 0 };
        this.keys.set(batch.key[i]!, s);
      }
      const x = batch.value[i]!;
      // Score against the EARLIER samples only...
      if (s.n >= minSamples) {
        const sd = Math.sqrt(s.m2 / s.n);
        if (sd > 0) {
          const z = (x - s.mean) / sd;
          if (Math.abs(z) > threshold) {
            found.index.push(i);
            found.mean.push(s.mean);
            found.stddev.push(sd);
            found.z.push(z);
          }
        }
      }
      // ...then learn from this one (Welford).
      const delta = x - s.mean;
      s.n += 1;
      s.mean += delta / s.n;
      s.m2 += delta * (x - s.mean);
    }
    return {
      n: found.index.length,
      index: Uint32Array.from(found.index),
      mean: Float64Array.from(found.mean),
      stddev: Float64Array.from(found.stddev),
      z: Float64Array.from(found.z),
    };
  }

  stats(key: number): ZScoreStats {
    const s = this.keys.get(key);
    if (s === undefined || s.n === 0) return { count: 0, mean: 0, stddev: 0 };
    return { count: s.n, mean: s.mean, stddev: Math.sqrt(s.m2 / s.n) };
  }

  /** JSON (numbers round-trip exactly through their shortest decimal form). */
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ options: this.options, keys: [...this.keys] }));
  }

  destroy(): void {
    this.keys.clear();
  }
}
