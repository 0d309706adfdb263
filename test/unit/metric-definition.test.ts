import { describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import { DefinitionError } from "../../src/core/metrics/user/definition-error";
import { parseMetrics, resolveMetrics, selectMetrics } from "../../src/core/metrics/user/parse";

const builtins = MetricRegistry.builtin().names;

function valid(): any {
  return {
    inputs: {
      signups: {
        topic: "signups",
        time: "meta.created_at",
        fields: { "user.id": "string", plan: "string", seats: "number", trial: "boolean" },
        required: ["user.id", "plan"],
      },
    },
    metrics: [
      {
        name: "errors_by_device",
        from: "clickstream",
        where: [{ field: "action", in: ["error"] }],
        groupBy: ["device"],
        window: { tumbling: "1m" },
        aggregates: { errors: { fn: "count" }, users: { fn: "count_distinct", field: "user_id" } },
      },
      {
        name: "seats_by_plan",
        from: "signups",
        where: [{ field: "trial", eq: false }, { field: "seats", gte: 1 }],
        groupBy: ["plan"],
        window: { sliding: "10m", every: "1m" },
        aggregates: { signups: { fn: "count" }, seats: { fn: "sum", field: "seats" }, avg_seats: { fn: "avg", field: "seats" } },
      },
      {
        name: "user_visits",
        from: "clickstream",
        groupBy: ["user_id"],
        window: { session: "30m" },
        aggregates: { events: { fn: "count" }, products: { fn: "count_distinct", field: "product_id" } },
      },
    ],
  };
}

function problems(mutate: (f: any) => void): DefinitionError {
  const f = valid();
  mutate(f);
  try {
    resolveMetrics(f, { builtins, source: "m.json" });
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return err as DefinitionError;
  }
  throw new Error("the definition was accepted");
}

describe("metric definitions", () => {
  it("accepts the SPEC example shapes and resolves fields, windows and aggregates", () => {
    const m = resolveMetrics(valid(), { builtins });
    expect(m.inputs.map((i) => i.name)).toEqual(["signups"]);
    expect(m.metrics.map((x) => x.name)).toEqual(["errors_by_device", "seats_by_plan", "user_visits"]);
    expect(m.metrics[1].window).toEqual({ kind: "sliding", sizeMs: 600_000, slideMs: 60_000 });
    expect(m.metrics[2].window).toEqual({ kind: "session", gapMs: 1_800_000 });
    expect(m.metrics[1].aggregates.map((a) => [a.name, a.fn, a.field?.path])).toEqual([
      ["signups", "count", undefined],
      ["seats", "sum", "seats"],
      ["avg_seats", "avg", "seats"],
    ]);
    expect(m.metrics[1].input.fields.get("user.id")?.parts).toEqual(["user", "id"]);
  });

  // Each case: what is wrong, the mutation, and the subject and key the message must name.
  const cases: Array<[string, (f: any) => void, string, string]> = [
    ["an unknown input", (f) => (f.metrics[0].from = "clicks"), "metric 'errors_by_device'", "from"],
    ["an unknown field in where", (f) => (f.metrics[0].where[0].field = "acton"), "metric 'errors_by_device'", "where[0].field"],
    ["an unknown groupBy field", (f) => (f.metrics[1].groupBy = ["plan", "region"]), "metric 'seats_by_plan'", "groupBy[1]"],
    ["an unknown aggregate field", (f) => (f.metrics[1].aggregates.seats.field = "seat"), "metric 'seats_by_plan'", "aggregates.seats.field"],
    ["sum over a string field", (f) => (f.metrics[1].aggregates.seats.field = "plan"), "metric 'seats_by_plan'", "aggregates.seats.field"],
    ["a comparison value of the wrong type", (f) => (f.metrics[1].where[1].gte = "1"), "metric 'seats_by_plan'", "where[1].gte"],
    ["eq with a string on a boolean field", (f) => (f.metrics[1].where[0].eq = "false"), "metric 'seats_by_plan'", "where[0].eq"],
    ["in that is not a list", (f) => (f.metrics[0].where[0].in = "error"), "metric 'errors_by_device'", "where[0].in"],
    ["a value outside action's set", (f) => (f.metrics[0].where[0].in = ["eror"]), "metric 'errors_by_device'", "where[0].in"],
    ["an unknown operator", (f) => (f.metrics[0].where[0] = { field: "action", like: "err%" }), "metric 'errors_by_device'", "where[0].like"],
    ["two operators in one condition", (f) => (f.metrics[1].where[1].lt = 9), "metric 'seats_by_plan'", "where[1]"],
    ["exists that is not a boolean", (f) => (f.metrics[0].where[0] = { field: "url", exists: "yes" }), "metric 'errors_by_device'", "where[0].exists"],
    ["a sliding window not a multiple of its slide", (f) => (f.metrics[1].window = { sliding: "10m", every: "3m" }), "metric 'seats_by_plan'", "window.sliding"],
    ["a sliding window without every", (f) => (f.metrics[1].window = { sliding: "10m" }), "metric 'seats_by_plan'", "window.every"],
    ["every on a tumbling window", (f) => (f.metrics[0].window = { tumbling: "1m", every: "1m" }), "metric 'errors_by_device'", "window.every"],
    ["a session window without groupBy", (f) => delete f.metrics[2].groupBy, "metric 'user_visits'", "groupBy"],
    ["a bad duration", (f) => (f.metrics[0].window = { tumbling: "1 minute" }), "metric 'errors_by_device'", "window.tumbling"],
    ["a duration without unit", (f) => (f.metrics[0].window = { tumbling: "60000" }), "metric 'errors_by_device'", "window.tumbling"],
    ["an unknown window kind", (f) => (f.metrics[0].window = { hopping: "1m" }), "metric 'errors_by_device'", "window"],
    ["a duplicate name", (f) => (f.metrics[1].name = "errors_by_device"), "metric 'errors_by_device'", "name"],
    ["a built-in name", (f) => (f.metrics[0].name = "page_views"), "metric 'page_views'", "name"],
    ["a name with capitals", (f) => (f.metrics[0].name = "ErrorsByDevice"), "metric 'ErrorsByDevice'", "name"],
    ["an unknown aggregate function", (f) => (f.metrics[0].aggregates.errors = { fn: "median", field: "amount" }), "metric 'errors_by_device'", "aggregates.errors.fn"],
    ["count with a field", (f) => (f.metrics[0].aggregates.errors = { fn: "count", field: "user_id" }), "metric 'errors_by_device'", "aggregates.errors.field"],
    ["an aggregate without field", (f) => (f.metrics[1].aggregates.seats = { fn: "sum" }), "metric 'seats_by_plan'", "aggregates.seats.field"],
    ["no aggregates", (f) => (f.metrics[0].aggregates = {}), "metric 'errors_by_device'", "aggregates"],
    ["an aggregate named like a groupBy field", (f) => (f.metrics[0].aggregates.device = { fn: "count" }), "metric 'errors_by_device'", "aggregates.device"],
    ["an aggregate named window_start", (f) => (f.metrics[0].aggregates.window_start = { fn: "count" }), "metric 'errors_by_device'", "aggregates.window_start"],
    ["four groupBy fields", (f) => (f.metrics[0].groupBy = ["device", "action", "browser", "url"]), "metric 'errors_by_device'", "groupBy"],
    ["the same groupBy field twice", (f) => (f.metrics[0].groupBy = ["device", "device"]), "metric 'errors_by_device'", "groupBy[1]"],
    ["an unknown metric key", (f) => (f.metrics[0].group_by = ["device"]), "metric 'errors_by_device'", "group_by"],
    ["a metric that is not an object", (f) => (f.metrics[1] = "seats"), "metrics[1]", "(value)"],
    ["no metrics", (f) => (f.metrics = []), "file", "metrics"],
    ["an unknown top-level key", (f) => (f.metric = []), "file", "metric"],
    ["an input field of an unknown type", (f) => (f.inputs.signups.fields.seats = "int"), "input 'signups'", "fields.seats"],
    ["a required path not declared", (f) => (f.inputs.signups.required = ["user.id", "email"]), "input 'signups'", "required"],
    ["an input without time", (f) => delete f.inputs.signups.time, "input 'signups'", "time"],
    ["an input named like a SPEC input", (f) => (f.inputs.orders = f.inputs.signups), "input 'orders'", "(name)"],
    ["an input reading a SPEC topic", (f) => (f.inputs.signups.topic = "transactions"), "input 'signups'", "topic"],
    ["two inputs on one topic", (f) => (f.inputs.more = { ...f.inputs.signups }), "input 'more'", "topic"],
    ["a bad field path", (f) => (f.inputs.signups.fields["user..id"] = "string"), "input 'signups'", "fields.user..id"],
  ];

  it.each(cases)("refuses %s, naming the metric and key", (_what, mutate, subject, key) => {
    const err = problems(mutate);
    const p = err.problems.find((x) => x.subject === subject && x.key === key);
    expect(p, `problems were: ${err.message}`).toBeDefined();
    expect(p!.expected.length).toBeGreaterThan(5);
    expect(p!.found.length).toBeGreaterThan(0);
    expect(err.message).toContain(`${subject}, key '${key}': expected `);
    expect(err.exitCode).toBe(2);
  });

  it("names every problem of a file at once", () => {
    const err = problems((f) => {
      f.metrics[0].from = "nope";
      f.metrics[1].window = { tumbling: "soon" };
    });
    expect(err.problems.map((p) => p.key)).toEqual(["from", "window.tumbling"]);
    expect(err.message).toMatch(/^m\.json: 2 metric definition problems:/);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseMetrics("{ // comment\n}", { builtins, source: "x.json" })).toThrow(/x\.json.*\n.*key '\(JSON\)': expected valid JSON/);
  });

  it("--only keeps the named metrics and refuses unknown names", () => {
    const m = resolveMetrics(valid(), { builtins });
    const s = selectMetrics(m, builtins, ["seats_by_plan", "page_views"]);
    expect(s.user.metrics.map((x) => x.name)).toEqual(["seats_by_plan"]);
    expect(s.user.inputs.map((x) => x.name)).toEqual(["signups"]);
    expect(s.builtins).toEqual(["page_views"]);
    expect(() => selectMetrics(m, builtins, ["seat_by_plan"])).toThrow(DefinitionError);
  });
});
