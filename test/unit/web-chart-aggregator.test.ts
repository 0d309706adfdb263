import { describe, expect, it } from "vitest";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import type { OutputRow } from "../../src/core/pipeline/rows";
import type { KeyedSeries } from "../../src/web/shared/chart-data";
import { ChartAggregator, CONVERSION_KEYS, productLabel } from "../../src/web/worker/chart-aggregator";
import { drive, records } from "../helpers/pipeline";

const run = drive(Pipeline.create({ kernels: referenceKernels(), capacity: 4096 }), records(20_000, { seed: 11 }), 4096);
const finals = run.rows;
const of = (m: string) => finals.filter((r) => r.metric === m);

function points(s: KeyedSeries) {
  return Array.from(s.x, (x, i) => ({ x, y: s.y[i], key: s.keys[s.k[i]], partial: s.partial[i] === 1 }));
}

describe("web chart aggregator", () => {
  it("shows the newest windows' page views of the most viewed products, equal to the final rows", () => {
    const agg = new ChartAggregator({ windows: 5, topProducts: 4 });
    agg.addRows(finals);
    const pv = of("page_views");
    const starts = [...new Set(pv.map((r) => r.window_start!))].sort((a, b) => a - b).slice(-5);
    const shown = pv.filter((r) => starts.includes(r.window_start!));
    const totals = new Map<string, number>();
    for (const r of shown) totals.set(r.product_id as string, (totals.get(r.product_id as string) ?? 0) + (r.views as number));
    const top = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4).map(([p]) => p);
    const s = agg.pageViews([]);
    expect(s.keys).toEqual(top);
    const expected = shown.filter((r) => top.includes(r.product_id as string)).map((r) => ({ x: r.window_start, y: r.views, key: r.product_id, partial: false }));
    expect(points(s).sort((a, b) => a.x - b.x || (a.key < b.key ? -1 : 1))).toEqual(expected.sort((a, b) => a.x! - b.x! || (a.key! < b.key! ? -1 : 1)));
    expect(s.x.length).toBeGreaterThan(4);
  });

  it("marks peeked (open) windows as partial and keeps only the newest window starts", () => {
    const agg = new ChartAggregator({ windows: 3 });
    const closed = of("page_views");
    const last = Math.max(...closed.map((r) => r.window_start!));
    agg.addRows(closed);
    const open: OutputRow[] = [{ metric: "page_views", window_start: last + 60_000, window_end: last + 120_000, product_id: "prod-001", views: 7 }];
    const s = points(agg.pageViews(open));
    expect(new Set(s.map((p) => p.x))).toEqual(new Set([last - 60_000, last, last + 60_000]));
    expect(s.filter((p) => p.partial)).toEqual([{ x: last + 60_000, y: 7, key: "prod-001", partial: true }]);
  });

  it("sums revenue per category window in currency units", () => {
    const agg = new ChartAggregator({ windows: 1000, keepFinal: 1000 });
    agg.addRows(finals);
    const rev = of("category_revenue");
    expect(new Set(rev.map((r) => r.window_start)).size).toBeLessThan(1000);
    const s = points(agg.categoryRevenue([]));
    const key = (p: { x: unknown; key: unknown }) => `${String(p.key)}@${String(p.x)}`;
    const expected = rev.map((r) => ({ x: r.window_end, y: (r.revenue as number) / 100, key: r.category, partial: false }));
    expect(s.sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(expected.sort((a, b) => (key(a) < key(b) ? -1 : 1)));
  });

  it("computes both conversion rates per window over all products, at window end, with numerator and denominator", () => {
    const agg = new ChartAggregator({ windows: 1000, keepFinal: 1000 });
    agg.addRows(finals);
    const c = agg.conversion([]);
    const s = Array.from(c.x, (x, i) => ({ x, y: c.y[i], key: c.keys[c.k[i]], num: c.num![i], den: c.den![i], x0: c.x0[i] }));
    const conv = of("conversions");
    const w = conv[Math.floor(conv.length / 2)].window_start!;
    const end = conv[Math.floor(conv.length / 2)].window_end!;
    const inW = conv.filter((r) => r.window_start === w);
    const clicks = inW.reduce((a, r) => a + (r.clicks as number), 0);
    const converted = inW.reduce((a, r) => a + (r.converted_clicks as number), 0);
    expect(converted).toBeGreaterThan(0);
    expect(s).toContainEqual({ x: end, y: converted / clicks, key: CONVERSION_KEYS[0], num: converted, den: clicks, x0: w });
    const act = of("product_activity").filter((r) => r.window_start === w);
    const views = act.reduce((a, r) => a + (r.views as number), 0);
    const purchases = act.reduce((a, r) => a + (r.purchases as number), 0);
    expect(s).toContainEqual({ x: end, y: purchases / views, key: CONVERSION_KEYS[1], num: purchases, den: views, x0: w });
  });

  it("sums page views into buckets when asked (longer ranges) and names the products", () => {
    const agg = new ChartAggregator({ windows: 1000, keepFinal: 1000, heatBucketMs: 300_000, topProducts: 3 });
    agg.addRows(finals);
    const s = agg.pageViews([]);
    expect(s.labels).toEqual(s.keys.map(productLabel));
    expect(s.labels![0]).toMatch(/^prod-\d{3} \S/);
    const p = points(s)[0];
    expect(p.x % 300_000).toBe(0);
    const expected = of("page_views")
      .filter((r) => r.product_id === p.key && r.window_start! >= p.x && r.window_start! < p.x + 300_000)
      .reduce((a, r) => a + (r.views as number), 0);
    expect(p.y).toBe(expected);
  });

  it("keeps the newest anomalies in arrival order and a ring of session samples", () => {
    const agg = new ChartAggregator({ anomalies: 5, sessionSamples: 3, sessionStepMs: 1000 });
    agg.addRows(finals);
    const an = of("purchase_anomalies").slice(-5);
    expect(an.length).toBe(5);
    const a = agg.anomalies();
    expect(Array.from(a.y)).toEqual(an.map((r) => r.z));
    expect(Array.from(a.x)).toEqual(an.map((r) => r.timestamp));
    expect(Array.from(a.k, (k) => a.keys[k])).toEqual(an.map((r) => r.category));
    for (let i = 1; i <= 5; i++) agg.sampleSessions(i * 1000, i * 10);
    const s = agg.sessions();
    expect(Array.from(s.x)).toEqual([3000, 4000, 5000]);
    expect(Array.from(s.y)).toEqual([30, 40, 50]);
    // Within one step the newest sample follows the count instead of adding a sample.
    agg.sampleSessions(5500, 55);
    expect(Array.from(agg.sessions().y)).toEqual([30, 40, 55]);
    // The anomalies carry what the hover shows.
    // Rows hold cents; the chart data is in currency units.
    expect(Array.from(a.mean)).toEqual(an.map((r) => (r.mean as number) / 100));
    expect(Array.from(a.amount)).toEqual(an.map((r) => (r.amount as number) / 100));
    expect(a.ids).toEqual(an.map((r) => r.transaction_id));
  });

  it("returns the kept final rows of a closed window for comparisons", () => {
    const agg = new ChartAggregator({ keepFinal: 1000 });
    agg.addRows(finals);
    const pa = of("product_activity");
    const w = pa[0].window_start!;
    expect(agg.finalRows("product_activity", w)).toEqual(pa.filter((r) => r.window_start === w));
    expect(agg.closedWindows("product_activity")).toEqual([...new Set(pa.map((r) => r.window_start!))].sort((a, b) => a - b));
  });
});
