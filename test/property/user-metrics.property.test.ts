/**
 * User-defined metrics, compiled onto the WASM kernels through the whole pipeline, against the
 * plain-TypeScript reference (src/core/reference/user-metrics.ts), which shares no code with the
 * compiled path: random valid definitions (every input kind, every where operator, 0–3 groupBy
 * fields of every type, tumbling / sliding / session windows, every aggregate) over random
 * events (disorder, late events, missing and mistyped fields, several streams) give the same
 * final rows and the same late counts; random batch boundaries and a snapshot/restore at a
 * random point give exactly the same rows again.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { categoryOf, DEFAULT_CATALOG } from "../../src/core/catalog";
import { ACTIONS, DEVICES, validate, type TopicKind } from "../../src/core/events";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { groupOfInput } from "../../src/core/metrics/user/declare";
import type { AggregateJson, ConditionJson, MetricJson, MetricsFileJson, UserMetrics, WindowJson } from "../../src/core/metrics/user/definition";
import { resolveMetrics } from "../../src/core/metrics/user/parse";
import { validateDeclared } from "../../src/core/metrics/user/validate-event";
import { wasmKernels, type KernelFactory } from "../../src/core/pipeline/kernel-factory";
import { Pipeline, type PipelineOptions } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { referenceUserMetrics, type ReferenceEvent } from "../../src/core/reference/user-metrics";
import { instantiateCore } from "../../src/core/wasm";

const METRIC_NAMES = MetricRegistry.builtin().names;

let kernels: KernelFactory;
beforeAll(async () => {
  kernels = wasmKernels(await instantiateCore());
});

const T0 = Date.UTC(2026, 0, 1, 10);
const SEC = 1000;

/** The declared input: nested paths, every field type, one required field. */
const SIGNALS = {
  topic: "signals",
  time: "meta.at",
  fields: { "user.id": "string", "user.tier": "string", "item.price": "number", "item.qty": "number", "flags.ok": "boolean", region: "string" },
  required: ["user.id"],
} as const;

type Scalar = string | number | boolean;

/** Per input, each field with the values events draw it from (so conditions and groups meet). */
const DOMAINS: Record<string, Record<string, readonly Scalar[]>> = {
  clickstream: {
    event_id: ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"],
    user_id: ["u1", "u2", "u3", "u4"],
    product_id: ["prod-001", "prod-002", "prod-013", "prod-999"],
    action: ACTIONS,
    timestamp: [T0, T0 + 60 * SEC, T0 + 300 * SEC],
    category: ["electronics", "books", "unknown"],
    url: ["/a", "/b", "/c"],
    session_id: ["s1", "s2"],
    device: DEVICES,
    browser: ["chrome", "firefox"],
  },
  transactions: {
    transaction_id: ["t1", "t2", "t3", "t4", "t5", "t6"],
    user_id: ["u1", "u2", "u3", "u4"],
    product_id: ["prod-001", "prod-002", "prod-013", "prod-999"],
    amount: [0.01, 1, 9.99, 10, 12.345, 100.5, 250],
    timestamp: [T0, T0 + 60 * SEC, T0 + 300 * SEC],
    category: ["electronics", "books", "unknown"],
    currency: ["USD", "EUR"],
  },
  signals: {
    "user.id": ["r1", "r2", "r3", "r4", "r5"],
    "user.tier": ["gold", "silver"],
    "item.price": [-5, 0, 1 / 3, 2.5, 10, 1000],
    "item.qty": [0, 1, 2, 3],
    "flags.ok": [true, false],
    region: ["eu", "us", "apac"],
  },
};
const INPUTS = ["clickstream", "transactions", "signals"] as const;
type InputName = (typeof INPUTS)[number];
const REQUIRED: Record<InputName, readonly string[]> = {
  clickstream: ["event_id", "user_id", "product_id", "action", "timestamp"],
  transactions: ["transaction_id", "user_id", "product_id", "amount", "timestamp"],
  signals: ["user.id"],
};
const typeOf = (input: InputName, field: string): "string" | "number" | "boolean" => {
  if (input === "signals") return SIGNALS.fields[field as keyof typeof SIGNALS.fields];
  return field === "amount" || field === "timestamp" ? "number" : "string";
};
const fieldsOf = (input: InputName) => Object.keys(DOMAINS[input]!);

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

function conditionArb(input: InputName): fc.Arbitrary<ConditionJson> {
  return pick(fieldsOf(input)).chain((field): fc.Arbitrary<ConditionJson> => {
    const domain = DOMAINS[input]![field]!;
    const type = typeOf(input, field);
    const ops = type === "boolean" ? ["eq", "ne", "in", "exists"] : ["eq", "ne", "in", "gt", "gte", "lt", "lte", "exists"];
    return pick(ops).chain((op) => {
      if (op === "exists") return fc.boolean().map((v) => ({ field, exists: v }));
      if (op === "in") return fc.uniqueArray(pick(domain), { minLength: 1, maxLength: 3 }).map((v) => ({ field, in: v }));
      return pick(domain).map((v) => ({ field, [op]: v }) as ConditionJson);
    });
  });
}

const windowArb: fc.Arbitrary<WindowJson> = fc.oneof(
  pick(["1s", "10s", "1m", "5m"]).map((d) => ({ tumbling: d })),
  fc.record({ every: pick([1, 10, 30, 60]), k: fc.integer({ min: 1, max: 5 }) }).map(({ every, k }) => ({ sliding: `${every * k}s`, every: `${every}s` })),
  pick(["5s", "30s", "2m", "10m"]).map((d) => ({ session: d })),
);

function aggregateArb(input: InputName): fc.Arbitrary<AggregateJson> {
  const numbers = fieldsOf(input).filter((f) => typeOf(input, f) === "number");
  return fc.oneof(
    fc.constant({ fn: "count" } as const),
    fc.record({ fn: pick(["sum", "avg", "min", "max"] as const), field: pick(numbers) }),
    fc.record({ fn: fc.constant("count_distinct" as const), field: pick(fieldsOf(input)) }),
  );
}

function metricArb(name: string): fc.Arbitrary<MetricJson> {
  return pick(INPUTS).chain((from) =>
    fc
      .record({
        where: fc.array(conditionArb(from), { maxLength: 3 }),
        groupBy: fc.uniqueArray(pick(fieldsOf(from).filter((f) => !["event_id", "transaction_id", "timestamp"].includes(f))), { maxLength: 3 }),
        window: windowArb,
        aggregates: fc.array(aggregateArb(from), { minLength: 1, maxLength: 4 }),
      })
      .map(({ where, groupBy, window, aggregates }) => ({
        name,
        from,
        where,
        // A session window is per group: give it one.
        groupBy: "session" in window && groupBy.length === 0 ? [from === "signals" ? "user.id" : "user_id"] : groupBy,
        window,
        aggregates: Object.fromEntries(aggregates.map((a, k) => [`a${k}`, a])),
      })),
  );
}

/** One random raw event before serialisation. */
interface RawEvent {
  input: InputName;
  partition: number;
  t: number;
  iso: boolean;
  value: Record<string, unknown>;
}

/** A field value: usually from its domain, sometimes absent, and (declared input) sometimes of another type. */
function fieldValue(input: InputName, field: string): fc.Arbitrary<unknown> {
  const own = pick(DOMAINS[input]![field]!);
  const required = REQUIRED[input].includes(field);
  if (input !== "signals") return required ? own : fc.oneof({ weight: 3, arbitrary: own }, { weight: 1, arbitrary: fc.constant(undefined) });
  // Declared input: a value of another type counts as missing (or, for a required field, is invalid).
  const wrong = pick<unknown>(["7", 7, true, null, [1], { x: 1 }]);
  return fc.oneof({ weight: required ? 30 : 6, arbitrary: own }, { weight: required ? 1 : 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: wrong });
}

function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  if (v === undefined) return;
  const parts = path.split(".");
  let at = o;
  for (const p of parts.slice(0, -1)) {
    if (typeof at[p] !== "object" || at[p] === null) at[p] = {};
    at = at[p] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = v;
}

function eventArb(input: InputName): fc.Arbitrary<Omit<RawEvent, "t">> {
  const fields = fieldsOf(input).filter((f) => f !== "timestamp");
  return fc
    .record({
      partition: fc.integer({ min: 0, max: 2 }),
      iso: fc.boolean(),
      values: fc.tuple(...fields.map((f) => fieldValue(input, f))),
      // A declared event whose `user` is a string, not an object: its nested fields are missing.
      flatUser: input === "signals" ? fc.integer({ min: 0, max: 99 }).map((x) => x < 3) : fc.constant(false),
    })
    .map(({ partition, iso, values, flatUser }) => {
      const value: Record<string, unknown> = {};
      fields.forEach((f, k) => setPath(value, f, values[k]));
      if (flatUser) value.user = "r1";
      return { input, partition, iso, value };
    });
}

/** Events drifting forward with disorder within the delay and some late ones far behind. */
const eventsArb = fc.array(
  fc.record({
    ev: pick(INPUTS).chain(eventArb),
    step: fc.integer({ min: 0, max: 20 * SEC }),
    back: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 90 * SEC }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 * 60 * SEC }) }),
  }),
  { maxLength: 220, size: "max" },
).map((xs) => {
  let clock = T0;
  return xs.map(({ ev, step, back }): RawEvent => {
    clock += step;
    return { ...ev, t: clock - back };
  });
});

/** A validated event as the runner hands it to the pipeline, and as the reference reads it. */
interface Valid {
  input: InputName;
  stream: string;
  t: number;
  event: Record<string, unknown>;
}

/** Serialises, then validates like the runner (invalid events never reach either side). */
function validated(raw: RawEvent[], user: UserMetrics): Valid[] {
  const def = user.inputs.find((i) => i.name === "signals");
  const out: Valid[] = [];
  for (const r of raw) {
    const value = structuredClone(r.value);
    const time = r.iso ? new Date(r.t).toISOString() : r.t;
    if (r.input === "signals") setPath(value, "meta.at", time);
    else value.timestamp = time;
    const text = JSON.stringify(value);
    const v = r.input === "signals" ? (def ? validateDeclared(def, text) : undefined) : validate(r.input as TopicKind, text);
    if (!v?.ok) continue;
    expect(v.t).toBe(r.t);
    out.push({ input: r.input, stream: `${r.input}:${r.partition}`, t: v.t, event: v.event as Record<string, unknown> });
  }
  return out;
}

interface Run {
  rows: OutputRow[];
  late: Map<string, number>;
}

/**
 * Feeds `events[from, to)` to `p`, processing at each cut in `cuts` (and when the batch is full),
 * advancing after each batch; `finish` ends the input.
 */
function feed(p: Pipeline, events: Valid[], from: number, to: number, cuts: Set<number>, out: Run, finish: boolean): void {
  const flush = () => {
    const n = p.batch.n;
    if (n === 0) return;
    const r = p.process(0);
    for (let i = 0; i < n; i++) {
      const mask = r.late[i]!;
      if (mask) for (const m of p.lateOps(mask)) out.late.set(m, (out.late.get(m) ?? 0) + 1);
    }
    out.rows.push(...r.rows, ...p.advance());
  };
  for (let k = from; k < to; k++) {
    const e = events[k]!;
    if (p.add(e.input, e.event, e.t, e.stream, 0) < 0) {
      flush();
      p.add(e.input, e.event, e.t, e.stream, 0);
    }
    if (cuts.has(k)) flush();
  }
  flush();
  if (!finish) return;
  // Update mode: the partial rows of what is open are what the end of input then closes.
  const peeked = p.peek();
  const last = p.finish();
  const exact = (rows: OutputRow[]) => rows.map((x) => key(x, new Set())).sort();
  expect(exact(peeked)).toEqual(exact(last));
  out.rows.push(...last);
}

function run(opts: PipelineOptions, events: Valid[], cuts: Set<number>, restoreAt?: number): Run {
  const out: Run = { rows: [], late: new Map() };
  let p = Pipeline.create(opts);
  if (restoreAt !== undefined) {
    feed(p, events, 0, restoreAt, cuts, out, false);
    const snap = p.snapshot();
    p.destroy();
    p = Pipeline.create(opts, snap);
    feed(p, events, restoreAt, events.length, cuts, out, true);
  } else feed(p, events, 0, events.length, cuts, out, true);
  p.destroy();
  return out;
}

/** Every value but doubles, exactly; -0 reads as 0 (as in JSON). */
function key(r: OutputRow, doubles: Set<string>): string {
  return JSON.stringify(Object.entries(r).filter(([k]) => !doubles.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Aggregates whose values are doubles that the kernels may add in another order. */
function floatFields(user: UserMetrics): Map<string, Set<string>> {
  return new Map(
    user.metrics.map((m) => [
      m.name,
      new Set(m.aggregates.filter((a) => (a.fn === "sum" || a.fn === "avg") && !(m.input.builtin && a.field!.path === "amount")).map((a) => a.name)),
    ]),
  );
}

function expectSameRows(got: OutputRow[], want: OutputRow[], doubles: Map<string, Set<string>>): void {
  const sort = (rows: OutputRow[]) => rows.map((r) => ({ r, k: key(r, doubles.get(r.metric)!) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const g = sort(got), w = sort(want);
  expect(g.map((x) => x.k)).toEqual(w.map((x) => x.k));
  g.forEach(({ r }, i) => {
    const x = w[i]!.r;
    for (const f of doubles.get(r.metric)!) {
      const a = r[f] as number | null, b = x[f] as number | null;
      if (a === null || b === null) expect(a, `${r.metric}.${f}`).toBe(b);
      else expect(Math.abs(a - b), `${r.metric}.${f}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
    }
  });
}

const caseArb = fc.record({
  metrics: fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => metricArb(`m${k}`)))),
  delay: pick([0, 30 * SEC, 2 * 60 * SEC]),
  raw: eventsArb,
  capacity: pick([16, 64, 4096]),
  cuts: fc.array(fc.integer({ min: 0, max: 220 }), { maxLength: 20 }),
  restoreAt: fc.integer({ min: 0, max: 100 }).map((x) => x / 100),
});

describe("user-defined metrics: pipeline on WASM kernels vs the reference", () => {
  it("random definitions over random events: same rows and late counts; batch cuts and a restore change nothing", () => {
    let rows = 0, late = 0;
    fc.assert(
      fc.property(caseArb, ({ metrics, delay, raw, capacity, cuts, restoreAt }) => {
        const file: MetricsFileJson = { inputs: { signals: structuredClone(SIGNALS) as never }, metrics };
        const user = resolveMetrics(file, { builtins: METRIC_NAMES });
        const events = validated(raw, user);
        const ref = referenceUserMetrics(
          user.metrics,
          events.map((e): ReferenceEvent => ({
            input: e.input,
            stream: e.stream,
            t: e.t,
            value: e.event,
            category: e.input === "signals" ? undefined : ((e.event.category as string | undefined) ?? categoryOf(DEFAULT_CATALOG, e.event.product_id as string)),
          })),
          { delayMs: delay, groupOf: (input) => groupOfInput(input, input !== "signals") },
        );
        const opts: PipelineOptions = { kernels, user, builtins: [], config: { watermarkDelayMs: delay }, capacity };
        const doubles = floatFields(user);
        // One event per batch: every event sees the watermark of all before it, like the reference.
        const single = run(opts, events, new Set(events.map((_, k) => k)));
        expectSameRows(single.rows, ref.rows, doubles);
        for (const m of user.metrics) expect(single.late.get(m.name) ?? 0, `late ${m.name}`).toBe(ref.late.get(m.name));
        // Random batch boundaries, then also a snapshot/restore at a random point: exactly the same.
        const batched = run(opts, events, new Set(cuts));
        const restored = run(opts, events, new Set(cuts), Math.floor(restoreAt * events.length));
        const exact = (r: Run) => r.rows.map((x) => key(x, new Set())).sort();
        expect(exact(batched)).toEqual(exact(single));
        expect(exact(restored)).toEqual(exact(single));
        expect(batched.late).toEqual(single.late);
        expect(restored.late).toEqual(single.late);
        rows += ref.rows.length;
        late += [...ref.late.values()].reduce((a, b) => a + b, 0);
      }),
      { numRuns: 120 },
    );
    // The generators must produce real work, or the property proves nothing.
    expect(rows).toBeGreaterThan(1000);
    expect(late).toBeGreaterThan(20);
  });
});
