/**
 * Event-to-screen latency as a log-bucketed histogram: 10 % wide buckets from 1 ms to about
 * 3 hours, so that p50/p99 cost O(buckets) whatever the event rate, and the worker can ship one
 * update's latencies as 128 counts. The worker measures event → update posted; the main thread
 * shifts that by update posted → drawn (every event of one update is drawn at the same time).
 */

/** Number of buckets; bucket 0 holds everything under 1 ms (and clock-skew negatives). */
export const LATENCY_BUCKETS = 128;
const RATIO = 1.1;
const LN_RATIO = Math.log(RATIO);

/** Bucket of a latency in ms. */
export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  const b = 1 + Math.floor(Math.log(ms) / LN_RATIO);
  return b >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : b;
}

/** Lower bound of a bucket in ms. */
export function bucketLow(b: number): number {
  return b === 0 ? 0 : RATIO ** (b - 1);
}

/** Representative value of a bucket (its geometric middle), in ms. */
export function bucketValue(b: number): number {
  return b === 0 ? 0.5 : RATIO ** (b - 0.5);
}

/** Adds every bucket of `src`, each moved by `shiftMs`, to `dst`. */
export function addShifted(dst: Uint32Array | Float64Array, src: ArrayLike<number>, shiftMs: number): void {
  for (let b = 0; b < src.length; b++) {
    const c = src[b];
    if (c !== 0) dst[bucketOf(bucketValue(b) + shiftMs)] += c;
  }
}

/** Total count of a histogram. */
export function total(h: ArrayLike<number>): number {
  let n = 0;
  for (let b = 0; b < h.length; b++) n += h[b];
  return n;
}

/** The q-quantile (0 < q <= 1) in ms as its bucket's representative value, or NaN when empty. */
export function quantile(h: ArrayLike<number>, q: number): number {
  const n = total(h);
  if (n === 0) return NaN;
  const rank = Math.ceil(q * n);
  let seen = 0;
  for (let b = 0; b < h.length; b++) {
    seen += h[b];
    if (seen >= rank) return bucketValue(b);
  }
  return bucketValue(h.length - 1);
}
