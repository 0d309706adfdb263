/**
 * Hand-tuned JavaScript port of the WASM z-score kernel (assembly/zscore.ts), for the bench:
 * the same algorithm (per-key (mean, m2, n) records indexed by dense key id, the cheap
 * no-sqrt pre-test, the exact test only for candidates) with typed arrays, preallocated
 * outputs and no allocation per event. Bit-equal to the kernel and the reference (checked by
 * test/unit/zscore-port.test.ts), so the bench compares equals.
 */
import type { ZScoreAnomalies, ZScoreBatch, ZScoreKernel, ZScoreOptions, ZScoreStats } from "../../src/core/kernels/zscore";
import { normalizeZScoreOptions } from "../../src/core/kernels/zscore";

const MARGIN = 1e-9;
const RHS_MIN = 1e-280;
const RHS_MAX = 1e280;

export class JsPortZScore implements ZScoreKernel {
  readonly options: Readonly<Required<ZScoreOptions>>;
  /** mean, m2, n per key, interleaved (one cache line touch per event, as in the kernel). */
  private st = new Float64Array(3 * 1024);
  private keyCap = 1024;
  private readonly idx: Uint32Array;
  private readonly mean: Float64Array;
  private readonly sd: Float64Array;
  private readonly z: Float64Array;

  constructor(options: ZScoreOptions = {}, opts: { batchCap?: number } = {}) {
    this.options = normalizeZScoreOptions(options);
    const cap = opts.batchCap ?? 65_536;
    this.idx = new Uint32Array(cap);
    this.mean = new Float64Array(cap);
    this.sd = new Float64Array(cap);
    this.z = new Float64Array(cap);
  }

  private grow(need: number): void {
    let cap = this.keyCap;
    while (cap < need) cap *= 2;
    const st = new Float64Array(3 * cap);
    st.set(this.st);
    this.st = st;
    this.keyCap = cap;
  }

  process(batch: ZScoreBatch): ZScoreAnomalies {
    const { n, key, value } = batch;
    if (n > this.idx.length) throw new RangeError("batch larger than batchCap");
    let hi = 0;
    for (let i = 0; i < n; i++) if (key[i]! > hi) hi = key[i]!;
    if (hi >= this.keyCap) this.grow(hi + 1);
    const st = this.st;
    const minN = this.options.minSamples;
    const thr = this.options.threshold;
    const thr2lo = thr * thr * (1 - MARGIN);
    const { idx, mean: om, sd: osd, z: oz } = this;
    let found = 0;
    for (let i = 0; i < n; i++) {
      const k = key[i]! * 3;
      const x = value[i]!;
      let mean = st[k]!;
      let m2 = st[k + 1]!;
      let cnt = st[k + 2]!;
      const delta = x - mean;
      const rhs = thr2lo * m2;
      if (cnt >= minN && !(delta * delta * cnt <= rhs && rhs > RHS_MIN && rhs < RHS_MAX)) {
        const sd = Math.sqrt(m2 / cnt);
        if (sd > 0) {
          const z = (x - mean) / sd;
          if (Math.abs(z) > thr) {
            idx[found] = i;
            om[found] = mean;
            osd[found] = sd;
            oz[found] = z;
            found++;
          }
        }
      }
      cnt += 1;
      mean += delta / cnt;
      m2 += delta * (x - mean);
      st[k] = mean;
      st[k + 1] = m2;
      st[k + 2] = cnt;
    }
    return { n: found, index: idx.subarray(0, found), mean: om.subarray(0, found), stddev: osd.subarray(0, found), z: oz.subarray(0, found) };
  }

  stats(key: number): ZScoreStats {
    const cnt = key < this.keyCap ? this.st[key * 3 + 2]! : 0;
    if (cnt === 0) return { count: 0, mean: 0, stddev: 0 };
    return { count: cnt, mean: this.st[key * 3]!, stddev: Math.sqrt(this.st[key * 3 + 1]! / cnt) };
  }

  snapshot(): Uint8Array {
    return new Uint8Array(this.st.buffer.slice(0));
  }

  destroy(): void {
    this.st = new Float64Array(0);
    this.keyCap = 0;
  }
}
