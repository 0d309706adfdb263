/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that the same
 * seed gives the same sequence on every engine: `Math.random` cannot be seeded, and a
 * generator whose output must be byte-identical across runs may not touch it.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Deterministic PRNG (sfc32). Not for cryptography. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any integer (only its low 53 bits matter); equal seeds give equal sequences. */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
    const mix = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    // The first outputs of sfc32 are correlated with the seed; discard them.
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** Exponentially distributed value with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** One element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random lowercase hex digits (n <= 8 per call is cheapest). */
  hex(n: number): string {
    let out = "";
    while (out.length < n) out += this.u32().toString(16).padStart(8, "0");
    return out.slice(0, n);
  }

  /** A fresh, independent generator derived from this one (for sub-streams). */
  fork(): Prng {
    return new Prng(this.u32() * 0x20_0000 + (this.u32() >>> 11));
  }
}

/**
 * Samples indices 0..n-1 with probability proportional to 1 / (rank + 1)^s (Zipf), by binary
 * search in a precomputed cumulative table: O(log n) per draw, no allocation.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(n: number, s = 1.1) {
    if (!(n >= 1)) throw new RangeError(`ZipfSampler needs n >= 1, got ${n}`);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) this.cdf[i] = sum += 1 / Math.pow(i + 1, s);
    for (let i = 0; i < n; i++) this.cdf[i] /= sum;
    this.cdf[n - 1] = 1;
  }

  /** Draws one rank (0 = most popular). */
  sample(rng: Prng): number {
    const u = rng.float();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
