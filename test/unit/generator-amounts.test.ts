import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG, loadCatalog } from "../../src/core/catalog";
import { validate } from "../../src/core/events";
import { clampAmount, REGULAR_RANGE_SIGMAS, regularRanges } from "../../src/server/generator/amounts";
import { EventSource } from "../../src/server/generator/source";

/** SPEC purchase_anomalies by hand: Welford per category, population variance, >= 30 earlier. */
function scores(amounts: { category: string; cents: number }[]): number[] {
  const st = new Map<string, { n: number; mean: number; m2: number }>();
  return amounts.map(({ category, cents }) => {
    const s = st.get(category) ?? { n: 0, mean: 0, m2: 0 };
    st.set(category, s);
    const sd = Math.sqrt(s.m2 / s.n);
    const z = s.n >= 30 && sd > 0 ? (cents - s.mean) / sd : 0;
    s.n++;
    const d = cents - s.mean;
    s.mean += d / s.n;
    s.m2 += d * (cents - s.mean);
    return z;
  });
}

function transactions(seed: number, n: number, anomalyFraction = 0) {
  const src = new EventSource({ seed, startMs: Date.UTC(2026, 0, 1), users: 3000, topics: ["transactions"], anomalyFraction });
  return Array.from({ length: n }, () => {
    const r = src.next();
    const v = validate("transactions", r.text);
    if (!v.ok) throw new Error(v.reason);
    const e = v.event as { category?: string; product_id: string; amount: number };
    return { category: DEFAULT_CATALOG.byId.get(e.product_id)!.category, cents: Math.round(e.amount * 100), anomaly: r.anomaly === true };
  });
}

describe("generator purchase amounts per category", () => {
  it("a category's regular range is its clamped amounts' mean ± k standard deviations", () => {
    const catalog = loadCatalog([
      { product_id: "a", name: "A", category: "x", price_min_cents: 1000, price_max_cents: 2000 },
      { product_id: "b", name: "B", category: "x", price_min_cents: 1500, price_max_cents: 2500 },
      { product_id: "c", name: "C", category: "x", price_min_cents: 20_000, price_max_cents: 30_000 },
    ]);
    const weights = [10, 5, 0.2];
    const r = regularRanges(catalog, weights).get("x")!;
    // The dear, rarely bought product is pulled into the range, the cheap ones keep their bands.
    expect(r.hi).toBeLessThan(20_000);
    expect(r.lo).toBeLessThanOrEqual(1000);
    // Moments of the clamped mixture, by sampling each band finely.
    let w = 0, m1 = 0, m2 = 0;
    catalog.products.forEach((p, i) => {
      for (let k = 0; k <= 1000; k++) {
        const x = clampAmount(p.price_min_cents + ((p.price_max_cents - p.price_min_cents) * k) / 1000, r);
        w += weights[i];
        m1 += weights[i] * x;
        m2 += weights[i] * x * x;
      }
    });
    const mean = m1 / w;
    const sd = Math.sqrt(m2 / w - mean * mean);
    expect(Math.abs(r.hi - (mean + REGULAR_RANGE_SIGMAS * sd))).toBeLessThan(0.01 * sd + 1);
  });

  it("normal traffic rarely has |z| > 3 (well under 0.3 % of transactions) for several seeds", () => {
    for (const seed of [1, 2, 3]) {
      const tx = transactions(seed, 30_000);
      const z = scores(tx);
      const over = z.filter((v) => Math.abs(v) > 3).length;
      expect(over / tx.length, `seed ${seed}: ${over} of ${tx.length}`).toBeLessThan(0.001);
    }
  });

  it("injected anomalies stand out: all but the first few per category score far above 3", () => {
    const tx = transactions(7, 30_000, 0.003);
    const z = scores(tx);
    const injected = tx.map((t, i) => ({ ...t, z: z[i] })).filter((t, i) => t.anomaly && i > 2000);
    expect(injected.length).toBeGreaterThan(50);
    expect(injected.filter((t) => t.z > 3).length / injected.length).toBeGreaterThan(0.95);
    const normalOver = tx.filter((t, i) => !t.anomaly && Math.abs(z[i]) > 3).length;
    expect(normalOver / tx.length).toBeLessThan(0.003);
  });
});
