/**
 * The merge stage's rules (src/core/merge/merge-store.ts): when merged rows leave (every upstream
 * task reported; idle and silent tasks left out; conversions wait for their horizon), how a
 * task's later partial replaces its earlier one, what a late partial does, the merged values
 * (sums, ratios and means recomputed, top lists from tallies, unions of distinct values, hidden
 * fields stripped), and that a snapshot in the middle changes nothing. Expected values are
 * worked out by hand.
 */
import { describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { MergeStore, type MergeStoreOptions } from "../../src/core/merge/merge-store";
import { DEFAULT_PIPELINE_CONFIG } from "../../src/core/pipeline/config";
import type { OutputRow } from "../../src/core/pipeline/rows";

const MIN = 60_000;
const user = resolveMetrics(
  {
    inputs: { signals: { time: "at", fields: { who: "string", price: "number" } } },
    metrics: [
      {
        name: "spend",
        from: "signals",
        window: { tumbling: "1m" },
        aggregates: { n: { fn: "count" }, mean: { fn: "avg", field: "price" }, low: { fn: "min", field: "price" }, who: { fn: "count_distinct", field: "who" } },
      },
    ],
  },
  { builtins: MetricRegistry.builtin().names },
);
const registry = MetricRegistry.forRun(DEFAULT_PIPELINE_CONFIG, user);
const opts = (tasks = 2): MergeStoreOptions => ({ registry, config: DEFAULT_PIPELINE_CONFIG, upstream: { main: tasks, orders: tasks, "input:signals": tasks } });

const pv = (start: number, product: string, views: number): OutputRow => ({ metric: "page_views", window_start: start, window_end: start + MIN, product_id: product, views });
const report = (s: MergeStore, wms: number[], group = "main") => wms.forEach((wm, task) => s.watermark(task, group, wm, false));

describe("MergeStore: when merged rows leave", () => {
  it("drains nothing until every upstream task has reported, then the minimum closes windows", () => {
    const s = new MergeStore(opts(2));
    s.add(0, pv(0, "p1", 2));
    s.add(1, pv(0, "p1", 3));
    s.watermark(0, "main", 10 * MIN, false);
    expect(s.drain()).toEqual([]);
    expect(s.watermarks().main).toBe(-Infinity);
    s.watermark(1, "main", MIN - 1, false);
    expect(s.watermarks().main).toBe(MIN - 1);
    expect(s.drain()).toEqual([]);
    s.watermark(1, "main", MIN, false);
    expect(s.drain()).toEqual([{ metric: "page_views", window_start: 0, window_end: MIN, product_id: "p1", views: 5 }]);
    expect(s.size).toBe(0);
  });

  it("leaves idle tasks and tasks that saw no event out of the minimum, holds when all are out, and never moves back", () => {
    const s = new MergeStore(opts(3));
    s.add(0, pv(0, "p1", 1));
    s.add(0, pv(MIN, "p1", 1));
    s.watermark(0, "main", 1.5 * MIN, false);
    s.watermark(1, "main", 0, true);
    s.watermark(2, "main", -Infinity, false);
    expect(s.watermarks().main).toBe(1.5 * MIN);
    expect(s.drain().map((r) => r.window_start)).toEqual([0]);
    // Task 1 speaks again, behind: the merged watermark does not move back.
    s.watermark(1, "main", MIN / 2, false);
    expect(s.watermarks().main).toBe(1.5 * MIN);
    s.watermark(0, "main", 5 * MIN, true);
    s.watermark(1, "main", 3 * MIN, true);
    // Every task idle or silent: the watermark holds.
    expect(s.watermarks().main).toBe(1.5 * MIN);
    s.watermark(1, "main", 2 * MIN, false);
    // A task's own watermark never moves back either: task 1 stays at 3 min.
    expect(s.watermarks().main).toBe(3 * MIN);
    expect(s.drain().map((r) => r.window_start)).toEqual([MIN]);
  });

  it("is +Infinity once every task reported +Infinity, and groups are independent", () => {
    const s = new MergeStore(opts(2));
    s.add(1, { metric: "orders_metrics", window_start: 0, window_end: MIN, product_id: "p1", product_name: "P", order_count: 1, total_revenue: 500, avg_order_value: 500 });
    report(s, [Infinity, Infinity]);
    expect(s.watermarks()).toMatchObject({ main: Infinity, orders: -Infinity });
    expect(s.drain()).toEqual([]);
    report(s, [-Infinity, Infinity], "orders");
    expect(s.drain()).toHaveLength(1);
  });

  it("closes conversions at window end + the conversion horizon", () => {
    const s = new MergeStore(opts(1));
    s.add(0, { metric: "conversions", window_start: 0, window_end: MIN, product_id: "p1", clicks: 4, converted_clicks: 1, conversion_rate: 0.25 });
    report(s, [MIN + DEFAULT_PIPELINE_CONFIG.conversionHorizonMs - 1]);
    expect(s.drain()).toEqual([]);
    report(s, [MIN + DEFAULT_PIPELINE_CONFIG.conversionHorizonMs]);
    expect(s.drain()).toHaveLength(1);
  });

  it("drains in (window end, metric, key) order", () => {
    const s = new MergeStore(opts(1));
    s.add(0, pv(MIN, "b", 1));
    s.add(0, pv(MIN, "a", 1));
    s.add(0, { metric: "funnel", window_start: 0, window_end: 5 * MIN, viewers: 1, carters: 0, purchasers: 0, view_to_cart_rate: 0, cart_to_purchase_rate: null, view_to_purchase_rate: 0 });
    s.add(0, pv(0, "c", 1));
    s.add(0, { ...pv(MIN, "a", 1), metric: "product_activity", clicks: 0, add_to_carts: 0, purchases: 0, revenue: 0, conversion_rate: 0 });
    report(s, [Infinity]);
    expect(s.drain().map((r) => `${r.window_end! / MIN} ${r.metric} ${String(r.product_id)}`)).toEqual(["1 page_views c", "2 page_views a", "2 page_views b", "2 product_activity a", "5 funnel undefined"]);
  });
});

describe("MergeStore: contributions", () => {
  it("a task's later partial replaces its earlier one; a provisional one never replaces a final one", () => {
    const s = new MergeStore(opts(2));
    expect(s.add(0, pv(0, "p1", 1), true)).toBe(true);
    expect(s.add(0, pv(0, "p1", 4), true)).toBe(true);
    expect(s.peek()).toEqual([pv(0, "p1", 4)]);
    expect(s.add(0, pv(0, "p1", 6))).toBe(true);
    expect(s.add(0, pv(0, "p1", 2), true)).toBe(true);
    s.add(1, pv(0, "p1", 10));
    report(s, [MIN, MIN]);
    expect(s.drain()).toEqual([pv(0, "p1", 16)]);
  });

  it("a partial after its merged row left is late: false, counted, not emitted again", () => {
    const s = new MergeStore(opts(2));
    s.add(0, pv(0, "p1", 1), true);
    s.watermark(0, "main", 2 * MIN, true);
    s.watermark(1, "main", 2 * MIN, false);
    expect(s.drain()).toEqual([pv(0, "p1", 1)]);
    expect(s.add(0, pv(0, "p1", 1))).toBe(false);
    expect(s.add(1, pv(MIN, "p2", 1))).toBe(false);
    expect(s.lateRows).toBe(2);
    expect(s.add(1, pv(2 * MIN, "p2", 1))).toBe(true);
    expect(s.drain()).toEqual([]);
    expect(s.size).toBe(1);
  });

  it("merges like one runner: sums, ratios and means from the merged sums, top urls from all views, distinct unions, no hidden field", () => {
    const s = new MergeStore(opts(2));
    const activity = (views: number, purchases: number, revenue: number): OutputRow => ({ metric: "product_activity", window_start: 0, window_end: MIN, product_id: "p1", views, clicks: 1, add_to_carts: 0, purchases, revenue, conversion_rate: purchases / views });
    s.add(0, activity(3, 1, 1999));
    s.add(1, activity(1, 1, 1));
    const devices = { device_mobile: 0, device_desktop: 0, device_tablet: 0, device_unknown: 0, action_view: 0, action_click: 0, action_add_to_cart: 0, action_scroll: 0, action_hover: 0, action_error: 0 };
    const traffic = (users: number, views: [string, number][]): OutputRow => ({
      metric: "traffic", window_start: 0, window_end: 5 * MIN, active_users: users, events: users, ...devices,
      top_urls: views.slice(0, 10).map(([url, v]) => ({ url, views: v })), __url_views: views,
    });
    // Task 0 alone would rank /a first; all views together rank /c, then /a and /b tied (url order).
    s.add(0, traffic(2, [["/a", 5], ["/b", 1], ["/c", 1]]));
    s.add(1, traffic(3, [["/c", 9], ["/b", 4], ["/d", 1]]));
    const spend = (n: number, sum: number, count: number, low: number | null, who: string[]): OutputRow => ({
      metric: "spend", window_start: 0, window_end: MIN, n, mean: count ? sum / count : null, low, who: who.length,
      __sum_mean: sum, __count_mean: count, __distinct_who: who,
    });
    s.add(0, spend(3, 7, 2, 1.5, ["x", "y"]));
    s.add(1, spend(2, 0, 0, null, ["w", "y"]));
    report(s, [Infinity, Infinity]);
    report(s, [Infinity, Infinity], "input:signals");
    const rows = s.drain();
    expect(rows.find((r) => r.metric === "product_activity")).toEqual({ ...activity(4, 2, 2000), clicks: 2, conversion_rate: 0.5 });
    expect(rows.find((r) => r.metric === "traffic")).toEqual({
      metric: "traffic", window_start: 0, window_end: 5 * MIN, active_users: 5, events: 5, ...devices,
      top_urls: [{ url: "/c", views: 10 }, { url: "/a", views: 5 }, { url: "/b", views: 5 }, { url: "/d", views: 1 }],
    });
    expect(rows.find((r) => r.metric === "spend")).toEqual({ metric: "spend", window_start: 0, window_end: MIN, n: 5, mean: 3.5, low: 1.5, who: 3 });
  });

  it("a snapshot in the middle gives the same drained rows, late count and watermarks", () => {
    const steps: Array<(s: MergeStore) => unknown> = [
      (s) => s.add(0, pv(0, "p1", 2)),
      (s) => s.add(1, pv(0, "p1", 1), true),
      (s) => s.add(0, { metric: "spend", window_start: 0, window_end: MIN, n: 1, mean: -0, low: -0, who: 1, __sum_mean: -0, __count_mean: 1, __distinct_who: ["x"] }),
      (s) => s.watermark(0, "main", MIN, false),
      (s) => s.watermark(1, "main", MIN, true),
      (s) => s.watermark(0, "input:signals", -Infinity, false),
      (s) => s.drain(),
      (s) => s.add(1, pv(0, "p1", 5)),
      (s) => s.add(1, pv(MIN, "p2", 5)),
      (s) => s.watermark(1, "input:signals", Infinity, false),
      (s) => s.add(1, { metric: "spend", window_start: 0, window_end: MIN, n: 1, mean: 2, low: 2, who: 1, __sum_mean: 2, __count_mean: 1, __distinct_who: ["x"] }),
      (s) => s.watermark(0, "main", 3 * MIN, false),
      (s) => s.watermark(1, "main", 3 * MIN, false),
      (s) => s.watermark(0, "input:signals", Infinity, false),
    ];
    const run = (cut?: number) => {
      let s = new MergeStore(opts(2));
      const out: unknown[] = [];
      steps.forEach((f, k) => {
        if (k === cut) s = new MergeStore(opts(2), s.snapshot());
        out.push(f(s));
      });
      out.push(s.drain(), s.lateRows, s.watermarks(), s.size);
      return out;
    };
    const want = run();
    expect(want.at(-4)).toHaveLength(2);
    expect(want.at(-3)).toBe(1);
    for (let cut = 0; cut <= steps.length; cut++) expect(run(cut), `snapshot before step ${cut}`).toEqual(want);
  });
});

describe("MergeStore: bad use", () => {
  it("names the problem", () => {
    expect(() => new MergeStore({ ...opts(), upstream: { main: 2 } })).toThrow(/'orders_metrics' belongs to watermark group 'orders'.*upstream\['orders'\]/);
    expect(() => new MergeStore({ ...opts(), upstream: { main: 0, orders: 1, "input:signals": 1 } })).toThrow(/group 'main'.*>= 1/);
    const s = new MergeStore(opts(2));
    expect(() => s.add(0, { metric: "sessions", user_id: "u", session_start: 0 })).toThrow(/'sessions' is not merged.*'task'/);
    expect(() => s.add(2, pv(0, "p", 1))).toThrow(/task 2 is not an upstream task of watermark group 'main' \(0 to 1\)/);
    expect(() => s.add(0, { metric: "page_views", product_id: "p", views: 1 })).toThrow(/window_start and window_end/);
    expect(() => s.watermark(0, "nope", 0, false)).toThrow(/unknown watermark group 'nope'/);
    expect(() => new MergeStore(opts(), new Uint8Array([1, 2, 3, 4, 5, 6]))).toThrow(/not an eddy merge-store snapshot/);
  });
});
