import { describe, expect, it } from "vitest";
import { addShifted, bucketLow, bucketOf, LATENCY_BUCKETS, quantile, total } from "../../src/web/shared/latency-histogram";

describe("web latency histogram", () => {
  it("puts each latency in a bucket whose bounds hold it (10 % wide)", () => {
    for (const ms of [1, 1.5, 9.9, 10, 57, 249, 250, 1000, 12_345]) {
      const b = bucketOf(ms);
      expect(bucketLow(b)).toBeLessThanOrEqual(ms * (1 + 1e-12));
      expect(bucketLow(b + 1)).toBeGreaterThan(ms);
    }
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(0.3)).toBe(0);
    expect(bucketOf(1e12)).toBe(LATENCY_BUCKETS - 1);
  });

  it("gives p50 and p99 within a bucket's width", () => {
    const h = new Uint32Array(LATENCY_BUCKETS);
    for (let i = 1; i <= 1000; i++) h[bucketOf(i)]++;
    expect(total(h)).toBe(1000);
    expect(quantile(h, 0.5)).toBeGreaterThan(500 / 1.1);
    expect(quantile(h, 0.5)).toBeLessThan(500 * 1.1);
    expect(quantile(h, 0.99)).toBeGreaterThan(990 / 1.1);
    expect(quantile(h, 0.99)).toBeLessThan(990 * 1.1);
    expect(quantile(new Uint32Array(LATENCY_BUCKETS), 0.5)).toBeNaN();
  });

  it("shifts a histogram by the render delay", () => {
    const src = new Uint32Array(LATENCY_BUCKETS);
    src[bucketOf(10)] = 3;
    src[bucketOf(100)] = 1;
    const dst = new Uint32Array(LATENCY_BUCKETS);
    addShifted(dst, src, 40);
    expect(dst[bucketOf(50)]).toBe(3);
    expect(dst[bucketOf(140)]).toBe(1);
    expect(total(dst)).toBe(4);
  });
});
