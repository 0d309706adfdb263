import { describe, expect, it } from "vitest";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { ChartAggregator, CONVERSION_KEYS } from "../../src/web/worker/chart-aggregator";
import { drive, records } from "../helpers/pipeline";

const run = drive(Pipeline.create({ kernels: referenceKernels(), capacity: 4096 }), records(20_000, { seed: 11 }), 4096);
const finals = run.rows;
const of = (m: string) => finals.filter((r) => r.metric === m);

function points(s: { keys: string[]; x: Float64Array; y: Float64Array; k: Uint16Array; partial: Uint8Array }) {
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

  it("computes both conversion rates per window over all products", () => {
    const agg = new ChartAggregator({ windows: 1000, keepFinal: 1000 });
    agg.addRows(finals);
    const s = points(agg.conversion([]));
    const conv = of("conversions");
    const w = conv[Math.floor(conv.length / 2)].window_start!;
    const inW = conv.filter((r) => r.window_start === w);
    const clicks = inW.reduce((a, r) => a + (r.clicks as number), 0);
    const converted = inW.reduce((a, r) => a + (r.converted_clicks as number), 0);
    expect(converted).toBeGreaterThan(0);
    expect(s).toContainEqual({ x: w, y: converted / clicks, key: CONVERSION_KEYS[0], partial: false });
    const act = of("product_activity").filter((r) => r.window_start === w);
    const views = act.reduce((a, r) => a + (r.views as number), 0);
    const purchases = act.reduce((a, r) => a + (r.purchases as number), 0);
    expect(s).toContainEqual({ x: w, y: purchases / views, key: CONVERSION_KEYS[1], partial: false });
  });

  it("keeps the newest anomalies in arrival order and a ring of session samples", () => {
    const agg = new ChartAggregator({ anomalies: 5, sessionSamples: 3 });
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
