/**
 * Purchase amounts per category. A product sells at a price drawn from its own band, but kept
 * inside its category's regular range: the range a category's z-score (SPEC purchase_anomalies,
 * |z| > 3 against the category's earlier transactions) treats as normal. Without it a category
 * mixes cheap best-sellers with a few dear, rarely bought products (a $299 robot vacuum among
 * $30 candles), and each sale of those reads as an anomaly: about 1.5 % of all transactions.
 *
 * The range is a fixed point: clamped to `[lo, hi]`, the category's amounts (products weighted
 * by how often they are bought) have mean m and standard deviation s with `[lo, hi]` equal to
 * `m ± k·s` for k = {@link REGULAR_RANGE_SIGMAS}. Every normal amount then has |z| <= k against
 * the category's true moments, and a margin under 3 absorbs the running estimate's noise, so
 * normal traffic rarely crosses 3 while injected anomalies (8–20 times the category's dearest
 * price, see inject.ts) stand far out.
 */
import type { Catalog } from "../../core/catalog";

/** Half-width of a category's regular range in standard deviations of its clamped amounts. */
export const REGULAR_RANGE_SIGMAS = 2.4;

/** A category's regular amount range, cents. */
export interface AmountRange {
  lo: number;
  hi: number;
}

interface Band {
  a: number;
  b: number;
  w: number;
}

/** Mean and variance of a mixture of uniform bands, each clamped to [lo, hi]. */
function clampedMoments(bands: Band[], lo: number, hi: number): { mean: number; variance: number } {
  let w = 0;
  let m1 = 0;
  let m2 = 0;
  for (const { a, b, w: wi } of bands) {
    w += wi;
    if (b <= a) {
      const x = Math.min(hi, Math.max(lo, a));
      m1 += wi * x;
      m2 += wi * x * x;
      continue;
    }
    const width = b - a;
    // Mass below lo sits at lo, above hi at hi, the rest stays uniform on [max(a,lo), min(b,hi)].
    const pLow = Math.min(1, Math.max(0, (lo - a) / width));
    const pHigh = Math.min(1, Math.max(0, (b - hi) / width));
    const u0 = Math.max(a, lo);
    const u1 = Math.min(b, hi);
    const pMid = Math.max(0, 1 - pLow - pHigh);
    let e1 = pLow * lo + pHigh * hi;
    let e2 = pLow * lo * lo + pHigh * hi * hi;
    if (pMid > 0 && u1 > u0) {
      e1 += pMid * ((u0 + u1) / 2);
      e2 += pMid * ((u0 * u0 + u0 * u1 + u1 * u1) / 3);
    }
    m1 += wi * e1;
    m2 += wi * e2;
  }
  const mean = m1 / w;
  return { mean, variance: Math.max(0, m2 / w - mean * mean) };
}

/**
 * The regular range of each category of `catalog`, given how often each product (by catalog
 * index) is bought relative to the others (`weights`, any positive scale).
 */
export function regularRanges(catalog: Catalog, weights: ArrayLike<number>, sigmas = REGULAR_RANGE_SIGMAS): Map<string, AmountRange> {
  const byCategory = new Map<string, Band[]>();
  catalog.products.forEach((p, i) => {
    let list = byCategory.get(p.category);
    if (!list) byCategory.set(p.category, (list = []));
    list.push({ a: p.price_min_cents, b: p.price_max_cents, w: weights[i] });
  });
  const out = new Map<string, AmountRange>();
  for (const [category, bands] of byCategory) {
    let lo = Math.min(...bands.map((x) => x.a));
    let hi = Math.max(...bands.map((x) => x.b));
    // Shrinking the range lowers the spread, which shrinks the range again; the steps get
    // smaller each time, and a few dozen settle it to well under a cent.
    for (let k = 0; k < 200; k++) {
      const { mean, variance } = clampedMoments(bands, lo, hi);
      const s = Math.sqrt(variance);
      const nlo = Math.max(lo, mean - sigmas * s);
      const nhi = Math.min(hi, mean + sigmas * s);
      if (Math.abs(nlo - lo) < 0.01 && Math.abs(nhi - hi) < 0.01) break;
      lo = nlo;
      hi = nhi;
    }
    out.set(category, { lo: Math.ceil(lo), hi: Math.floor(Math.max(hi, Math.ceil(lo))) });
  }
  return out;
}

/** Clamps `cents` into `range`. */
export function clampAmount(cents: number, range: AmountRange | undefined): number {
  if (!range) return cents;
  return cents < range.lo ? range.lo : cents > range.hi ? range.hi : cents;
}
