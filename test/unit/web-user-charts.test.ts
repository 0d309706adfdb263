/**
 * The console's charts of user-defined metrics, as data: which metric becomes lines and which a
 * table, formats and colours, the top groups of a series (by total, missing values named, money
 * in currency units, empty averages skipped), the latest rows of a table, and the charts of a
 * run after `--only`, laid out with no empty grid cell.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { parseMetrics } from "../../src/core/metrics/user/parse";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { chartsFor } from "../../src/web/charts";
import { userChart } from "../../src/web/charts/user-metrics";
import { TOP_GROUPS, userChartSpecs } from "../../src/web/shared/user-charts";
import { fullRows } from "../../src/web/ui/chart-grid";
import { ChartAggregator } from "../../src/web/worker/chart-aggregator";
import { MISSING } from "../../src/web/worker/user-series";

const user = parseMetrics(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8"), { builtins: MetricRegistry.builtin().names });
const specs = userChartSpecs(user);
const spec = (name: string) => specs.find((s) => s.metric === name)!;
const T0 = Date.UTC(2026, 0, 1, 10);
const MIN = 60_000;

describe("user metric charts", () => {
  it("a series of the first aggregate for windowed metrics, a table for the session metric", () => {
    expect(specs.map((s) => [s.id, s.kind, s.value.name, s.value.format])).toEqual([
      ["user-errors_by_device", "lines", "errors", "count"],
      ["user-revenue_by_currency", "lines", "revenue", "money"],
      ["user-cart_adds_by_category", "lines", "adds", "count"],
      ["user-browsing_sessions", "table", "events", "count"],
      ["user-verified_ratings", "lines", "reviews", "count"],
      ["user-reviews_by_country", "lines", "reviews", "count"],
    ]);
    expect(specs.filter((s) => s.category).map((s) => s.metric)).toEqual(["cart_adds_by_category"]);
    expect(userChart(spec("cart_adds_by_category"))).toMatchObject({ kind: "lines", color: "category", openAtNewest: true, openMinSeen: 0 });
    expect(userChart(spec("revenue_by_currency"))).toMatchObject({ color: "series", openMinSeen: 0.5, y: { label: "revenue ($)", format: "money" } });
    expect(userChart(spec("browsing_sessions")).table!.map((c) => [c.name, c.format])).toEqual([["user_id", "text"], ["events", "count"], ["products", "count"]]);
    expect(spec("verified_ratings").columns.map((c) => c.format)).toEqual(["text", "count", "number", "number"]);
  });

  it("draws the top groups by total, names missing values, shows money in currency units and skips empty averages", () => {
    const agg = new ChartAggregator({ user: specs, windows: 15 });
    const rows: OutputRow[] = [];
    const currencies = ["USD", "EUR", "GBP", "JPY", "CHF", "SEK", null];
    currencies.forEach((c, k) => {
      for (let w = 0; w < 3; w++) rows.push({ metric: "revenue_by_currency", window_start: T0 + w * MIN, window_end: T0 + (w + 10) * MIN, currency: c, revenue: (k + 1) * 1000, avg_amount: null, largest: null });
    });
    rows.push({ metric: "verified_ratings", window_start: T0, window_end: T0 + 60 * MIN, product_id: "prod-001", reviews: 0, avg_rating: null, lowest: null });
    agg.addRows(rows);
    const open: OutputRow[] = [{ metric: "revenue_by_currency", window_start: T0 + 3 * MIN, window_end: T0 + 13 * MIN, currency: null, revenue: 99_900, avg_amount: null, largest: null }];
    const { series, tables } = agg.userCharts(open);
    const s = series["user-revenue_by_currency"];
    // The five largest totals: the missing currency (3 × $70 closed + $999 open), then the four largest of the rest.
    expect([...s.keys].sort()).toEqual([MISSING, "CHF", "GBP", "JPY", "SEK"].sort());
    expect(s.keys.length).toBe(TOP_GROUPS);
    const missing = s.keys.indexOf(MISSING);
    const ys = Array.from(s.y).filter((_, i) => s.k[i] === missing);
    expect(ys).toEqual([70, 70, 70, 999]);
    expect(Array.from(s.partial).filter((_, i) => s.k[i] === missing)).toEqual([0, 0, 0, 1]);
    expect(series["user-verified_ratings"].keys).toEqual(["prod-001"]);
    expect(tables).toEqual({ "user-browsing_sessions": { rows: [], x0: [], x1: [], open: [] } });
  });

  it("a table holds the newest rows first, open ones marked, at most `tableRows`", () => {
    const agg = new ChartAggregator({ user: specs, tableRows: 3 });
    const session = (u: string, start: number, end: number, events: number) => ({ metric: "browsing_sessions", window_start: T0 + start * MIN, window_end: T0 + end * MIN, user_id: u, events, products: 1 });
    agg.addRows([session("u1", 0, 40, 5), session("u2", 5, 50, 7), session("u3", 1, 31, 2)]);
    const t = agg.userCharts([session("u4", 30, 70, 9)]).tables["user-browsing_sessions"];
    expect(t.rows).toEqual([["u4", 9, 1], ["u2", 7, 1], ["u1", 5, 1]]);
    expect(t.open).toEqual([true, false, false]);
    expect(t.x1).toEqual([T0 + 70 * MIN, T0 + 50 * MIN, T0 + 40 * MIN]);
  });

  it("the charts of a run: built-in ones whose metrics run, then the user metrics', with every grid row full", () => {
    const all = chartsFor(MetricRegistry.builtin().names, specs.map(userChart));
    expect(all.map((c) => c.id)).toEqual(["page-views", "category-revenue", "conversion-rate", "active-sessions", "anomalies", ...specs.map((s) => s.id)]);
    const only = chartsFor(["page_views", "sessions"], [userChart(spec("errors_by_device"))]);
    expect(only.map((c) => c.id)).toEqual(["page-views", "active-sessions", "user-errors_by_device"]);
    for (const charts of [all, only, all.slice(0, 7), all.slice(0, 8)]) {
      const full = fullRows(charts);
      let half = 0;
      for (let i = 0; i < charts.length; i++) {
        if (full[i]) expect(half % 2, `chart ${i} of ${charts.length}`).toBe(0);
        else half++;
      }
      expect(half % 2).toBe(0);
    }
  });
});
