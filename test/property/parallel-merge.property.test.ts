/**
 * Parallel runners (SPEC "Parallel runners"): random events over many users, split by user into
 * N = 1..6 tasks, each task a Pipeline writing partial rows, the "merge" metrics' partial rows
 * combined by a MergeStore fed each task's watermarks, give exactly the rows of one Pipeline over
 * all the events: every built-in metric but purchase_anomalies (which runs after a repartition
 * by category) and user-defined window and session metrics with every aggregate. Tasks flush at
 * random points; the store and each task restore from snapshots in the middle; partial rows pass
 * through JSON as they do through the repartition topic.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTIONS, DEVICES, validate, type TopicKind } from "../../src/core/events";
import { HIDDEN_PREFIX } from "../../src/core/metrics/declaration";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricJson, MetricsFileJson, UserMetrics } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { validateDeclared } from "../../src/core/metrics/user/validate-event";
import { MergeStore } from "../../src/core/merge/merge-store";
import { placementOf } from "../../src/core/merge/placement";
import { wasmKernels, type KernelFactory } from "../../src/core/pipeline/kernel-factory";
import { Pipeline, type PipelineOptions } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { instantiateCore } from "../../src/core/wasm";

let kernels: KernelFactory;
beforeAll(async () => {
  kernels = wasmKernels(await instantiateCore());
});

const T0 = Date.UTC(2026, 0, 1, 10);
const SEC = 1000;
const USERS = Array.from({ length: 60 }, (_, k) => `u${String(k).padStart(2, "0")}`);
const PRODUCTS = ["prod-001", "prod-002", "prod-003", "prod-011", "prod-012", "prod-021", "prod-999"];
// More urls than the top 10, so that per-task top lists would not merge.
const URLS = Array.from({ length: 14 }, (_, k) => `/p/${k}`);
const PRICES = [-5, 0, 1 / 3, 2.5, 10, 1000];

const SIGNALS = {
  topic: "signals",
  time: "meta.at",
  fields: { "user.id": "string", region: "string", "item.price": "number", "item.qty": "number", "flags.ok": "boolean" },
  required: ["user.id"],
} as const;

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 4 });

/** The user metrics of a case: every aggregate, over SPEC and declared inputs, windows and sessions. */
const metricsArb: fc.Arbitrary<MetricJson[]> = fc
  .record({
    clickGroup: pick([[], ["product_id"], ["category", "device"]]),
    clickWindow: pick([{ tumbling: "1m" }, { sliding: "2m", every: "30s" }]),
    txGroup: pick([[], ["category"], ["product_id"]]),
    sigGroup: pick([[], ["region"]]),
    sigWindow: pick([{ tumbling: "30s" }, { sliding: "3m", every: "1m" }]),
    sessionGroup: pick([["user_id"], ["device", "user_id"]]),
  })
  .map(({ clickGroup, clickWindow, txGroup, sigGroup, sigWindow, sessionGroup }): MetricJson[] => [
    {
      name: "u_clicks",
      from: "clickstream",
      where: [{ field: "action", ne: "error" }],
      groupBy: clickGroup,
      window: clickWindow,
      aggregates: {
        events: { fn: "count" },
        users: { fn: "count_distinct", field: "user_id" },
        urls: { fn: "count_distinct", field: "url" },
        devices: { fn: "count_distinct", field: "device" },
      },
    },
    {
      name: "u_spend",
      from: "transactions",
      groupBy: txGroup,
      window: { sliding: "5m", every: "1m" },
      aggregates: {
        revenue: { fn: "sum", field: "amount" },
        avg_amount: { fn: "avg", field: "amount" },
        low: { fn: "min", field: "amount" },
        high: { fn: "max", field: "amount" },
        buyers: { fn: "count_distinct", field: "user_id" },
        products: { fn: "count_distinct", field: "product_id" },
      },
    },
    {
      name: "u_signals",
      from: "signals",
      groupBy: sigGroup,
      window: sigWindow,
      aggregates: {
        n: { fn: "count" },
        total: { fn: "sum", field: "item.price" },
        mean: { fn: "avg", field: "item.price" },
        low: { fn: "min", field: "item.price" },
        high: { fn: "max", field: "item.price" },
        qtys: { fn: "count_distinct", field: "item.qty" },
        oks: { fn: "count_distinct", field: "flags.ok" },
        who: { fn: "count_distinct", field: "user.id" },
      },
    },
    {
      name: "u_visits",
      from: "clickstream",
      groupBy: sessionGroup,
      window: { session: "2m" },
      aggregates: { events: { fn: "count" }, urls: { fn: "count_distinct", field: "url" }, first: { fn: "min", field: "timestamp" } },
    },
  ]);

type InputName = "clickstream" | "transactions" | "orders" | "signals";

interface Raw {
  input: InputName;
  user: string;
  value: Record<string, unknown>;
}

const clickArb = fc
  .record({ user: pick(USERS), product: pick(PRODUCTS), action: fc.oneof(fc.constant("view"), pick(ACTIONS)), url: optional(pick(URLS)), device: optional(pick(DEVICES)), category: optional(pick(["books", "toys"])) })
  .map(({ user, product, action, url, device, category }): Raw => ({
    input: "clickstream",
    user,
    value: { event_id: "e", user_id: user, product_id: product, action, url, device, category },
  }));
const txArb = fc
  .record({ user: pick(USERS), product: pick(PRODUCTS), amount: pick([0.01, 9.99, 10, 12.34, 250]), category: optional(pick(["books", "home"])) })
  .map(({ user, product, amount, category }): Raw => ({ input: "transactions", user, value: { transaction_id: "t", user_id: user, product_id: product, amount, category } }));
const orderArb = fc
  .record({ user: pick(USERS), product: pick(PRODUCTS), amount: pick([5, 19.99, 120]) })
  .map(({ user, product, amount }): Raw => ({ input: "orders", user, value: { order_id: "o", user_id: user, product_id: product, amount } }));
const signalArb = fc
  .record({ user: pick(USERS), region: optional(pick(["eu", "us"])), price: optional(pick(PRICES)), qty: optional(pick([0, 1, 2])), ok: optional(fc.boolean()) })
  .map(({ user, region, price, qty, ok }): Raw => ({ input: "signals", user, value: { user: { id: user }, region, item: { price, qty }, flags: { ok } } }));

/** Events drifting forward, each at most `delay` behind the latest before it: none is late anywhere. */
function eventsArb(delay: number) {
  return fc
    .array(
      fc.record({
        raw: fc.oneof({ weight: 5, arbitrary: clickArb }, { weight: 2, arbitrary: txArb }, { weight: 1, arbitrary: orderArb }, { weight: 2, arbitrary: signalArb }),
        step: fc.integer({ min: 0, max: 8 * SEC }),
        back: fc.integer({ min: 0, max: delay }),
      }),
      { minLength: 1, maxLength: 260, size: "max" },
    )
    .map((xs) => {
      let clock = T0;
      return xs.map(({ raw, step, back }) => {
        clock += step;
        return { ...raw, t: clock - back };
      });
    });
}

const caseArb = fc
  .record({ delay: pick([0, 20 * SEC, 2 * 60 * SEC]), tasks: fc.integer({ min: 1, max: 6 }), topUrls: fc.integer({ min: 2, max: 10 }), metrics: metricsArb })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      events: eventsArb(c.delay),
      cuts: fc.array(fc.integer({ min: 0, max: 260 }), { maxLength: 40, size: "max" }),
      drains: fc.array(fc.integer({ min: 0, max: 260 }), { maxLength: 20, size: "max" }),
      restoreAt: fc.integer({ min: 0, max: 260 }),
      capacity: pick([8, 64, 4096]),
    }),
  );

/** A validated event with its task and stream (the stream is its input's partition = its task). */
interface Valid {
  input: InputName;
  task: number;
  stream: string;
  t: number;
  event: Record<string, unknown>;
}

/** Partition of a user: a string hash, as Kafka's partitioner hashes the key. */
function taskOf(user: string, tasks: number): number {
  let h = 2166136261;
  for (let k = 0; k < user.length; k++) h = Math.imul(h ^ user.charCodeAt(k), 16777619);
  return (h >>> 0) % tasks;
}

function validated(raws: Array<Raw & { t: number }>, user: UserMetrics, tasks: number): Valid[] {
  const def = user.inputs.find((i) => i.name === "signals")!;
  return raws.map((r, k) => {
    const value = structuredClone(r.value);
    if (r.input === "signals") value.meta = { at: r.t };
    else {
      value.timestamp = r.t;
      for (const id of ["event_id", "transaction_id", "order_id"]) if (id in value) value[id] = `${id}-${k}`;
    }
    const v = r.input === "signals" ? validateDeclared(def, JSON.stringify(value)) : validate(r.input as TopicKind, JSON.stringify(value));
    if (!v.ok) throw new Error(`generated an invalid event: ${v.reason}`);
    const task = taskOf(r.user, tasks);
    return { input: r.input, task, stream: `${r.input}:${task}`, t: v.t, event: v.event as Record<string, unknown> };
  });
}

/** Feeds `p` one event, processing first when its batch is full; returns the rows a process left. */
function add(p: Pipeline, e: Valid, rows: OutputRow[], late: { n: number }): void {
  if (p.add(e.input, e.event, e.t, e.stream, 0) >= 0) return;
  flush(p, rows, late);
  p.add(e.input, e.event, e.t, e.stream, 0);
}

function flush(p: Pipeline, rows: OutputRow[], late: { n: number }): void {
  if (p.batch.n === 0) return;
  const r = p.process(0);
  late.n += r.lateCount;
  rows.push(...r.rows, ...p.advance());
}

const isAnomaly = (r: OutputRow) => r.metric === "purchase_anomalies";

/** One runner over every event. */
function single(opts: PipelineOptions, events: Valid[], cuts: Set<number>): OutputRow[] {
  const p = Pipeline.create(opts);
  const rows: OutputRow[] = [];
  const late = { n: 0 };
  events.forEach((e, k) => {
    add(p, e, rows, late);
    if (cuts.has(k)) flush(p, rows, late);
  });
  flush(p, rows, late);
  rows.push(...p.finish());
  p.destroy();
  expect(late.n, "no event is late for one runner").toBe(0);
  return rows.filter((r) => !isAnomaly(r));
}

interface Parallel {
  rows: OutputRow[];
  partials: number;
}

/** N tasks writing partial rows, a merge stage combining them. */
function parallel(opts: PipelineOptions, n: number, events: Valid[], cuts: Set<number>, drains: Set<number>, restoreAt: number): Parallel {
  const taskOpts: PipelineOptions = { ...opts, partials: true };
  const tasks = Array.from({ length: n }, () => Pipeline.create(taskOpts));
  const groups = Object.keys(tasks[0].watermarks());
  const upstream = Object.fromEntries(groups.map((g) => [g, n]));
  const storeOpts = { registry: tasks[0].registry, config: tasks[0].config, upstream };
  let store = new MergeStore(storeOpts);
  const out: OutputRow[] = [];
  let partials = 0;
  const late = { n: 0 };
  /** What a task's rows and watermarks do once they leave it. */
  const send = (task: number, rows: OutputRow[], wms: Record<string, number>) => {
    for (const r of rows) {
      const placement = placementOf(tasks[task].registry.get(r.metric));
      if (placement === "merge") {
        partials++;
        // Through the repartition topic as JSON.
        expect(store.add(task, JSON.parse(JSON.stringify(r)) as OutputRow), `late partial row ${JSON.stringify(r)}`).toBe(true);
      } else {
        expect(Object.keys(r).filter((k) => k.startsWith(HIDDEN_PREFIX)), `${r.metric} rows carry no hidden fields`).toEqual([]);
        if (placement === "task") out.push(r);
      }
    }
    for (const g of groups) store.watermark(task, g, wms[g], false);
  };
  const step = (task: number, finish: boolean) => {
    const p = tasks[task];
    const rows: OutputRow[] = [];
    flush(p, rows, late);
    if (finish) rows.push(...p.finish());
    send(task, rows, finish ? Object.fromEntries(groups.map((g) => [g, Infinity])) : p.watermarks());
  };
  events.forEach((e, k) => {
    if (k === restoreAt) {
      // A snapshot holds what was processed: flush every task first, as a checkpoint does.
      for (let t = 0; t < n; t++) step(t, false);
      store = new MergeStore(storeOpts, store.snapshot());
      tasks.forEach((p, i) => {
        tasks[i] = Pipeline.create(taskOpts, p.snapshot());
        p.destroy();
      });
    }
    const rows: OutputRow[] = [];
    // A task's first event of a group is processed at once: until then the merged watermark
    // leaves the task out, and holding the event back would make it arrive later than for one runner.
    const first = tasks[e.task].watermarkOf(e.input) === -Infinity;
    add(tasks[e.task], e, rows, late);
    if (rows.length > 0) send(e.task, rows, tasks[e.task].watermarks());
    if (cuts.has(k) || first) step(e.task, false);
    if (drains.has(k)) out.push(...store.drain());
  });
  for (let t = 0; t < n; t++) step(t, true);
  out.push(...store.drain());
  expect(store.size, "every merged row left").toBe(0);
  expect(store.lateRows).toBe(0);
  expect(late.n, "no event is late for a task").toBe(0);
  for (const p of tasks) p.destroy();
  return { rows: out, partials };
}

/** Fields that are double sums: tasks add them in another order than one runner. */
const DOUBLES: Record<string, readonly string[]> = { u_signals: ["total", "mean"] };

function key(r: OutputRow): string {
  const skip = DOUBLES[r.metric] ?? [];
  return JSON.stringify(Object.entries(r).filter(([k]) => !skip.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function expectSameRows(got: OutputRow[], want: OutputRow[]): void {
  const sort = (rows: OutputRow[]) => rows.map((r) => ({ r, k: key(r) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const g = sort(got), w = sort(want);
  expect(g.map((x) => x.k)).toEqual(w.map((x) => x.k));
  g.forEach(({ r }, i) => {
    for (const f of DOUBLES[r.metric] ?? []) {
      const a = r[f] as number | null, b = w[i].r[f] as number | null;
      if (a === null || b === null) expect(a, `${r.metric}.${f}`).toBe(b);
      else expect(Math.abs(a - b), `${r.metric}.${f}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
    }
  });
}

describe("parallel runners: tasks' partial rows merged equal one runner's rows", () => {
  it("random events split by user into 1..6 tasks, random flushes, drains and a restore", () => {
    const seen = new Map<string, number>();
    let merged = 0;
    fc.assert(
      fc.property(caseArb, ({ c, events: raws, cuts, drains, restoreAt, capacity }) => {
        const file: MetricsFileJson = { inputs: { signals: structuredClone(SIGNALS) as never }, metrics: c.metrics };
        const user = resolveMetrics(file, { builtins: MetricRegistry.builtin().names });
        const events = validated(raws, user, c.tasks);
        const opts: PipelineOptions = { kernels, user, config: { watermarkDelayMs: c.delay, topUrls: c.topUrls }, capacity };
        const want = single(opts, events, new Set(cuts));
        const got = parallel(opts, c.tasks, events, new Set(cuts), new Set(drains), restoreAt);
        expectSameRows(got.rows, want);
        merged += got.partials;
        for (const r of want) seen.set(r.metric, (seen.get(r.metric) ?? 0) + 1);
      }),
      { numRuns: 40 },
    );
    // The generators must reach every metric, or the property proves nothing for it.
    for (const m of [...MetricRegistry.builtin().names.filter((x) => x !== "purchase_anomalies"), "u_clicks", "u_spend", "u_signals", "u_visits"]) {
      expect(seen.get(m) ?? 0, m).toBeGreaterThan(20);
    }
    expect(merged).toBeGreaterThan(1000);
  }, 240_000);
});
