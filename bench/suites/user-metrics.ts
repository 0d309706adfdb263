/**
 * Bench of user-defined metrics through the whole pipeline (not a bare kernel), against the
 * built-in metrics they resemble, on the SAME generated events:
 *   user-defined: views and distinct viewers per product, 1-min tumbling
 *                 (where action = view, count + count_distinct(user_id) by product_id), and
 *                 revenue per category, 5-min sliding every 1 min (sum(amount) by category),
 *                 with `builtins: []`;
 *   built-in:     page_views (its operator also computes product_activity) and
 *                 category_revenue (sum, count, average), with no user metric.
 * Each batch of 16,384 validated events goes through both pipelines back to back, in
 * alternating order (load that varies over seconds hits both alike). Timed per pipeline:
 * `add` of every event (dictionary encoding, and for user metrics the field columns), then
 * `process` and `advance`. Generating and validating the events is untimed. Both pipelines must
 * emit the same number of final rows per batch as a check that they did the work.
 *
 * No per-kernel variants: only compare() (the harness prints it with the paired comparisons).
 */
import { validate, type TopicKind } from "../../src/core/events";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricsFileJson } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { wasmKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { instantiateCore } from "../../src/core/wasm";
import { EventSource } from "../../src/server/generator";
import type { BenchSuite, ComparisonReport } from "../suite";
import { median } from "../report";

const METRIC_NAMES = MetricRegistry.builtin().names;

const BATCH = 16_384;
const WARM = 3;

/** The user-defined metrics of this bench. */
export const BENCH_METRICS: MetricsFileJson = {
  metrics: [
    {
      name: "views_by_product",
      from: "clickstream",
      where: [{ field: "action", eq: "view" }],
      groupBy: ["product_id"],
      window: { tumbling: "1m" },
      aggregates: { views: { fn: "count" }, viewers: { fn: "count_distinct", field: "user_id" } },
    },
    {
      name: "revenue_by_category",
      from: "transactions",
      groupBy: ["category"],
      window: { sliding: "5m", every: "1m" },
      aggregates: { revenue: { fn: "sum", field: "amount" } },
    },
  ],
};

interface Ev {
  kind: TopicKind;
  event: object;
  t: number;
  stream: string;
}

/** The next `n` valid events of `src` (untimed). */
function nextEvents(src: EventSource, n: number): Ev[] {
  const out: Ev[] = [];
  while (out.length < n) {
    const r = src.next();
    const v = validate(r.kind, r.text);
    if (v.ok) out.push({ kind: r.kind, event: v.event, t: v.t, stream: `${r.topic}:0` });
  }
  return out;
}

/** One batch through `p`; returns the seconds it took and the final rows it emitted. */
function step(p: Pipeline, evs: Ev[]): [number, number] {
  const t0 = process.hrtime.bigint();
  for (const e of evs) p.add(e.kind, e.event, e.t, e.stream, 0);
  const r = p.process(0);
  const rows = r.rows.length + p.advance().length;
  return [Number(process.hrtime.bigint() - t0) / 1e9, rows];
}

/** `events` generated events through both pipelines, batch by batch (see the module comment). */
async function compare(events: number): Promise<ComparisonReport[]> {
  const out: ComparisonReport[] = [];
  const user = resolveMetrics(BENCH_METRICS, { builtins: METRIC_NAMES });
  for (const users of [1_000, 100_000]) {
    const udm = Pipeline.create({ kernels: wasmKernels(await instantiateCore()), user, builtins: [], capacity: BATCH });
    const builtin = Pipeline.create({ kernels: wasmKernels(await instantiateCore()), builtins: ["page_views", "category_revenue"], capacity: BATCH });
    const src = new EventSource({ seed: 1, startMs: Date.UTC(2026, 0, 1), users, orderShare: 0 });
    const rates: [number[], number[]] = [[], []], ratios: number[] = [];
    const time = [0, 0], rows = [0, 0];
    let done = 0;
    for (let b = 0; done < events; b++) {
      const evs = nextEvents(src, b < WARM ? BATCH : Math.min(BATCH, events - done));
      const dt = [0, 0];
      for (const which of b % 2 ? [1, 0] : [0, 1]) {
        const [s, n] = step(which === 0 ? udm : builtin, evs);
        dt[which] = s;
        rows[which]! += n;
      }
      if (b < WARM) continue;
      rates[0].push(evs.length / dt[0]!);
      rates[1].push(evs.length / dt[1]!);
      ratios.push(dt[1]! / dt[0]!);
      time[0]! += dt[0]!;
      time[1]! += dt[1]!;
      done += evs.length;
    }
    rows[0]! += udm.finish().length;
    rows[1]! += builtin.finish().length;
    udm.destroy();
    builtin.destroy();
    if (rows[0] === 0 || rows[1] === 0) throw new Error(`user-metrics compare: no rows (user-defined ${rows[0]}, built-in ${rows[1]})`);
    out.push({
      variant: "pipeline: views+viewers by product 1m, revenue by category 5m/1m",
      events: done,
      keys: users,
      batchSize: BATCH,
      rates: {
        "user-defined": median(rates[0]),
        "built-in page_views+category_revenue": median(rates[1]),
        "user-defined (mean)": done / time[0]!,
        "built-in (mean)": done / time[1]!,
      },
      medianRatio: median(ratios),
      ratioOf: "user-defined speed / built-in speed",
    });
  }
  return out;
}

const suite: BenchSuite = {
  kernel: "user-metrics",
  variants: [],
  create: () => Promise.reject(new Error("user-metrics has no per-kernel variants: see compare()")),
  compare,
};
export default suite;
