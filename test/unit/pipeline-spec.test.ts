/**
 * SPEC semantics checked by hand on tiny streams (independent of the reference oracle): every
 * expected number below is worked out from SPEC.md, not produced by eddy.
 */
import { MetricRegistry } from "../../src/core/metrics/registry";
import { describe, expect, it } from "vitest";
import type { TopicKind } from "../../src/core/events";
import { validateValue } from "../../src/core/events";
import { referenceKernels, wasmKernels, type KernelFactory } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { instantiateCore } from "../../src/core/wasm";

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const s = (sec: number) => T0 + sec * 1000;

type Ev = [TopicKind, Record<string, unknown>];
const view = (user: string, product: string, sec: number, extra: Record<string, unknown> = {}): Ev => [
  "clickstream",
  { event_id: `e-${user}-${sec}`, user_id: user, product_id: product, action: "view", timestamp: s(sec), ...extra },
];
const act = (action: string, user: string, product: string, sec: number): Ev => [
  "clickstream",
  { event_id: `e-${user}-${action}-${sec}`, user_id: user, product_id: product, action, timestamp: s(sec) },
];
const tx = (id: string, user: string, product: string, amount: number, sec: number, category?: string): Ev => [
  "transactions",
  { transaction_id: id, user_id: user, product_id: product, amount, timestamp: s(sec), ...(category ? { category } : {}) },
];

function run(kernels: KernelFactory, events: Ev[]): { rows: OutputRow[]; late: number } {
  const p = Pipeline.create({ kernels, capacity: 64 });
  let late = 0;
  const rows: OutputRow[] = [];
  for (const [kind, value] of events) {
    const v = validateValue(kind, value);
    if (!v.ok) throw new Error(v.reason);
    p.add(kind, v.event, v.t, `${kind}:0`, 0);
    const r = p.process(0); // one event per batch: the strictest arrival order
    late += r.lateCount;
    rows.push(...r.rows, ...p.advance());
  }
  rows.push(...p.finish());
  return { rows, late };
}

const impls: Array<[string, () => Promise<KernelFactory>]> = [
  ["reference", async () => referenceKernels()],
  ["wasm", async () => wasmKernels(await instantiateCore())],
];

describe.each(impls)("SPEC by hand (%s)", (_name, make) => {
  it("product_activity, page_views, conversions and sessions of a small story", async () => {
    const { rows } = run(await make(), [
      view("u1", "prod-001", 10),
      act("click", "u1", "prod-001", 20),
      act("add_to_cart", "u1", "prod-001", 30),
      view("u2", "prod-001", 50),
      act("scroll", "u2", "prod-001", 55),
      tx("t1", "u1", "prod-001", 19.99, 300), // 10:05:00, exactly... within 10 min of both u1 clicks
    ]);
    const pa = rows.filter((r) => r.metric === "product_activity");
    expect(pa).toEqual([
      { metric: "product_activity", window_start: s(0), window_end: s(60), product_id: "prod-001", views: 2, clicks: 1, add_to_carts: 1, purchases: 0, revenue: 0, conversion_rate: 0 },
      { metric: "product_activity", window_start: s(300), window_end: s(360), product_id: "prod-001", views: 0, clicks: 0, add_to_carts: 0, purchases: 1, revenue: 1999, conversion_rate: null },
    ]);
    expect(rows.filter((r) => r.metric === "page_views")).toEqual([
      { metric: "page_views", window_start: s(0), window_end: s(60), product_id: "prod-001", views: 2 },
    ]);
    // clicks = views + clicks of the window (3); u1's view and click convert (tx 290 s and 280 s later), u2's does not.
    expect(rows.filter((r) => r.metric === "conversions")).toEqual([
      { metric: "conversions", window_start: s(0), window_end: s(60), product_id: "prod-001", clicks: 3, converted_clicks: 2, conversion_rate: 2 / 3 },
    ]);
    const sessions = rows.filter((r) => r.metric === "sessions");
    expect(sessions).toContainEqual({
      metric: "sessions", window_start: s(10), window_end: s(300) + 30 * 60_000, user_id: "u1",
      session_start: s(10), session_end: s(300) + 30 * 60_000, duration_ms: 290_000, events: 4, views: 1, purchases: 1, revenue: 1999,
    });
    expect(sessions).toContainEqual({
      metric: "sessions", window_start: s(50), window_end: s(55) + 30 * 60_000, user_id: "u2",
      session_start: s(50), session_end: s(55) + 30 * 60_000, duration_ms: 5000, events: 2, views: 1, purchases: 0, revenue: 0,
    });
  });

  it("category_revenue slides over five windows and averages from exact cents", async () => {
    const { rows } = run(await make(), [tx("a", "u1", "prod-001", 0.1, 130, "books"), tx("b", "u2", "prod-002", 0.2, 170, "books")]);
    const cr = rows.filter((r) => r.metric === "category_revenue");
    // Events at 10:02:10 and 10:02:50 lie in the 5 windows starting 09:58 … 10:02.
    expect(cr.map((r) => [r.window_start, r.window_end])).toEqual([-2, -1, 0, 1, 2].map((m) => [s(m * 60), s(m * 60 + 300)]));
    // Rows hold cents (revenue exact, avg_amount a mean of cents); JSON renders currency units.
    for (const r of cr) expect(r).toMatchObject({ category: "books", revenue: 30, transactions: 2, avg_amount: 15 });
    expect(MetricRegistry.builtin().toJson(cr[0])).toMatchObject({ revenue: 0.3, avg_amount: 0.15 });
  });

  it("an event late for the 1-minute windows leaves them unchanged and is reported", async () => {
    const { rows, late } = run(await make(), [
      view("u1", "prod-001", 0),
      view("u1", "prod-001", 10 * 60), // watermark -> 10:05
      view("u2", "prod-001", 30), // window [10:00,10:01) closed: late for the 1-minute metrics
    ]);
    expect(late).toBe(1);
    const pv = rows.filter((r) => r.metric === "page_views" && r.window_start === s(0));
    expect(pv).toEqual([{ metric: "page_views", window_start: s(0), window_end: s(60), product_id: "prod-001", views: 1 }]);
  });

  it("flags a purchase far from its category's earlier 30 purchases", async () => {
    const evs: Ev[] = [];
    for (let i = 0; i < 30; i++) evs.push(tx(`n${i}`, "u1", "prod-001", i % 2 ? 10 : 12, i, "books"));
    evs.push(tx("big", "u2", "prod-001", 500, 40, "books"));
    const { rows } = run(await make(), evs);
    const a = rows.filter((r) => r.metric === "purchase_anomalies");
    // 30 samples alternating 12 and 10: mean 11, population stddev 1, z = (500 - 11) / 1 = 489.
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ metric: "purchase_anomalies", transaction_id: "big", user_id: "u2", category: "books", amount: 50_000, timestamp: s(40) });
    expect(a[0].mean).toBeCloseTo(1100, 7);
    expect(a[0].stddev).toBeCloseTo(100, 7);
    const json = MetricRegistry.builtin().toJson(a[0]);
    expect(json.amount).toBe(500);
    expect(json.mean).toBeCloseTo(11, 9);
    expect(json.stddev).toBeCloseTo(1, 9);
    expect(a[0].z).toBeCloseTo(489, 6);
  });
});
