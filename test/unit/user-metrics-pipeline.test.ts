/**
 * User metrics read SPEC string fields (user_id, product_id, category, url, action) straight
 * from the batch's dictionary-encoded columns. Their `where` constants must not be added to
 * those dictionaries (the browser keeps them in step with the gateway's, id for id): a constant
 * no event had yet matches nothing until an event brings it, then matches from that event on.
 * Expected values are worked out by hand from the events below.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { validateValue } from "../../src/core/events";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { wasmKernels, type KernelFactory } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { instantiateCore } from "../../src/core/wasm";

const METRIC_NAMES = MetricRegistry.builtin().names;

let kernels: KernelFactory;
beforeAll(async () => {
  kernels = wasmKernels(await instantiateCore());
});

const T0 = Date.UTC(2026, 0, 1, 10);
const click = (user: string, product: string, sec: number) => ({ event_id: `e-${user}-${sec}`, user_id: user, product_id: product, action: "view", timestamp: T0 + sec * 1000 });

const user = resolveMetrics(
  {
    metrics: [
      { name: "by_eq", from: "clickstream", where: [{ field: "user_id", eq: "u-new" }], window: { tumbling: "1m" }, aggregates: { n: { fn: "count" } } },
      { name: "by_ne", from: "clickstream", where: [{ field: "user_id", ne: "u-new" }], window: { tumbling: "1m" }, aggregates: { n: { fn: "count" } } },
      { name: "by_in", from: "clickstream", where: [{ field: "product_id", in: ["p-new", "p-1"] }], window: { tumbling: "1m" }, aggregates: { n: { fn: "count" } } },
    ],
  },
  { builtins: METRIC_NAMES },
);

describe("user metrics over the batch's own dictionaries", () => {
  it("a where constant is not added to the users or products dictionary, and matches once an event brings it", () => {
    const p = Pipeline.create({ kernels, user, builtins: [], capacity: 8 });
    const rows: OutputRow[] = [];
    const feed = (evs: object[]) => {
      for (const e of evs) {
        const v = validateValue("clickstream", e);
        if (!v.ok) throw new Error(v.reason);
        p.add("clickstream", v.event, v.t, "clickstream:0", 0);
      }
      p.process(0);
      rows.push(...p.advance());
    };
    feed([click("u-1", "p-1", 1), click("u-2", "p-2", 2)]);
    // Two users, two products: the constants u-new and p-new took no id.
    expect(p.dictionarySizes()).toMatchObject({ users: 2, products: 2 });
    feed([click("u-new", "p-new", 3), click("u-new", "p-2", 4), click("u-1", "p-new", 5)]);
    feed([click("u-new", "p-1", 70)]);
    rows.push(...p.finish());
    const count = (metric: string, start: number) => rows.find((r) => r.metric === metric && r.window_start === T0 + start * 1000)?.n;
    expect(count("by_eq", 0)).toBe(2);
    expect(count("by_ne", 0)).toBe(3);
    expect(count("by_in", 0)).toBe(3);
    expect(count("by_eq", 60)).toBe(1);
    expect(count("by_ne", 60)).toBeUndefined();
    expect(count("by_in", 60)).toBe(1);
    expect(p.dictionarySizes()).toMatchObject({ users: 3, products: 3 });
    p.destroy();
  });
});
