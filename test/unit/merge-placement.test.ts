/**
 * Where each metric runs in a parallel run (src/core/merge/placement.ts), which metrics are
 * refused and how the refusal reads, that every merged metric has a rule for each field, and
 * the partial rows a task's pipeline writes (PipelineOptions.partials).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { validateValue } from "../../src/core/events";
import { HIDDEN_PREFIX } from "../../src/core/metrics/declaration";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricJson } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { checkRules } from "../../src/core/merge/merge-rules";
import { parallelRefusals, placementOf } from "../../src/core/merge/placement";
import { DEFAULT_PIPELINE_CONFIG } from "../../src/core/pipeline/config";
import { wasmKernels, type KernelFactory } from "../../src/core/pipeline/kernel-factory";
import { Pipeline, type PipelineOptions } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { instantiateCore } from "../../src/core/wasm";

const BUILTINS = MetricRegistry.builtin().names;
const registryOf = (metrics: MetricJson[], inputs?: object) => MetricRegistry.forRun(DEFAULT_PIPELINE_CONFIG, resolveMetrics({ inputs, metrics }, { builtins: BUILTINS }));

describe("placement", () => {
  it("built-in metrics: per user and per event in the task, across users merged, anomalies by category", () => {
    const placements = Object.fromEntries(MetricRegistry.builtin().metrics.map((d) => [d.name, placementOf(d)]));
    expect(placements).toEqual({
      page_views: "merge",
      product_activity: "merge",
      category_revenue: "merge",
      conversions: "merge",
      sessions: "task",
      purchase_anomalies: "category",
      orders_metrics: "merge",
      traffic: "merge",
      funnel: "merge",
      processed_orders: "task",
    });
    expect(parallelRefusals(MetricRegistry.builtin())).toEqual([]);
  });

  it("user metrics: windows merge; sessions per user_id stay in the task; sessions per anything else are refused with the fix", () => {
    const r = registryOf(
      [
        { name: "w", from: "clickstream", groupBy: ["device"], window: { tumbling: "1m" }, aggregates: { n: { fn: "count" }, u: { fn: "count_distinct", field: "user_id" } } },
        { name: "s_user", from: "clickstream", groupBy: ["device", "user_id"], window: { session: "5m" }, aggregates: { n: { fn: "count" } } },
        { name: "s_device", from: "clickstream", groupBy: ["device"], window: { session: "5m" }, aggregates: { n: { fn: "count" } } },
        { name: "s_who", from: "signals", groupBy: ["who"], window: { session: "5m" }, aggregates: { n: { fn: "count" } } },
      ],
      { signals: { time: "at", fields: { who: "string" } } },
    );
    expect(placementOf(r.get("w"))).toBe("merge");
    expect(placementOf(r.get("s_user"))).toBe("task");
    const refusals = parallelRefusals(r);
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatch(/^metric 's_device' cannot run split across parallel runners: its session windows are per 'device'.*Fix: add "user_id" to its groupBy, or run a single runner without --parallel\.$/);
    expect(refusals[1]).toMatch(/^metric 's_who' .*per 'who'/);
    expect(() => placementOf(r.get("s_device"))).toThrow(refusals[0]);
  });

  it("every merged metric has a merge rule for each of its fields, and derived rules read ruled fields", () => {
    const r = registryOf([
      {
        name: "all_fns",
        from: "transactions",
        groupBy: ["category"],
        window: { sliding: "2m", every: "1m" },
        aggregates: {
          n: { fn: "count" }, s: { fn: "sum", field: "amount" }, a: { fn: "avg", field: "amount" }, lo: { fn: "min", field: "amount" },
          hi: { fn: "max", field: "amount" }, users: { fn: "count_distinct", field: "user_id" }, products: { fn: "count_distinct", field: "product_id" },
        },
      },
    ]);
    const merged = r.metrics.filter((d) => placementOf(d) === "merge");
    expect(merged.map((d) => d.name)).toContain("all_fns");
    for (const d of merged) expect(() => checkRules(d), d.name).not.toThrow();
    const rules = r.get("all_fns").merge;
    expect(rules).toMatchObject({ kind: "fields", fields: { users: "sum", products: { distinct: "__distinct_products" }, a: { mean: ["__sum_a", "__count_a"] } } });
    expect(r.get("conversions").closeDelayMs).toBe(DEFAULT_PIPELINE_CONFIG.conversionHorizonMs);
  });
});

let kernels: KernelFactory;
beforeAll(async () => {
  kernels = wasmKernels(await instantiateCore());
});

describe("partial rows (PipelineOptions.partials)", () => {
  const T0 = Date.UTC(2026, 0, 1, 10);
  const user = resolveMetrics(
    {
      metrics: [
        {
          name: "by_product",
          from: "clickstream",
          groupBy: ["product_id"],
          window: { tumbling: "1m" },
          aggregates: { n: { fn: "count" }, users: { fn: "count_distinct", field: "user_id" }, urls: { fn: "count_distinct", field: "url" }, t: { fn: "avg", field: "timestamp" } },
        },
      ],
    },
    { builtins: BUILTINS },
  );
  const clicks = [
    { user: "u1", url: "/b", sec: 1 },
    { user: "u2", url: "/a", sec: 2 },
    { user: "u1", url: "/b", sec: 4 },
    { user: "u3", url: undefined, sec: 6 },
  ];
  const run = (opts: Partial<PipelineOptions>, snapshotAt?: number): OutputRow[] => {
    let p = Pipeline.create({ kernels, user, ...opts });
    clicks.forEach((c, k) => {
      if (k === snapshotAt) {
        const snap = p.snapshot();
        p.destroy();
        p = Pipeline.create({ kernels, user, ...opts }, snap);
      }
      const v = validateValue("clickstream", { event_id: `e${k}`, user_id: c.user, product_id: "prod-001", action: "view", url: c.url, timestamp: T0 + c.sec * 1000 });
      if (!v.ok) throw new Error(v.reason);
      p.add("clickstream", v.event, v.t, "clickstream:0", 0);
      p.process(0);
    });
    const rows = p.finish();
    p.destroy();
    return rows;
  };

  it("rows of merged metrics carry their hidden fields; other rows and a single runner's rows are unchanged", () => {
    const single = run({});
    const task = run({ partials: true });
    const strip = (r: OutputRow) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith(HIDDEN_PREFIX)));
    expect(task.map(strip)).toEqual(single);
    for (const r of single) expect(Object.keys(r).filter((k) => k.startsWith(HIDDEN_PREFIX))).toEqual([]);
    const hidden = (metric: string) => task.filter((r) => r.metric === metric).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith(HIDDEN_PREFIX))));
    // Three views of two urls (the third view has none), most viewed first.
    expect(hidden("traffic")[0]).toEqual({ __url_views: [["/b", 2], ["/a", 1]] });
    // count_distinct(user_id) of a SPEC input adds up across tasks: no set; the urls' set, sorted.
    expect(hidden("by_product")).toEqual([{ __distinct_urls: ["/a", "/b"], __sum_t: 4 * T0 + 13_000, __count_t: 4 }]);
    for (const m of ["sessions", "page_views", "product_activity", "funnel", "conversions"]) expect(hidden(m).flatMap((h) => Object.keys(h)), m).toEqual([]);
  });

  it("the value sets survive a snapshot, and a snapshot restores only with the same setting", () => {
    const whole = run({ partials: true });
    for (let at = 0; at <= clicks.length; at++) expect(run({ partials: true }, at), `snapshot at ${at}`).toEqual(whole);
    const p = Pipeline.create({ kernels, user, partials: true });
    const snap = p.snapshot();
    p.destroy();
    expect(() => Pipeline.create({ kernels, user }, snap)).toThrow(/written by a task of a parallel run.*restore it with partials/);
    const q = Pipeline.create({ kernels, user });
    const single = q.snapshot();
    q.destroy();
    expect(() => Pipeline.create({ kernels, user, partials: true }, single)).toThrow(/written by a single runner/);
  });
});
