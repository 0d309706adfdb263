/**
 * `eddy run --metrics-file` / `--only` in-process, with no broker: a bad definition or an
 * unknown name is a usage error (exit 2) before anything is contacted, naming what to fix; a
 * checkpoint whose state was computed under another definition of a metric is refused (exit 2)
 * naming the metric, while the unchanged file continues from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, withoutBrokerEnv } from "../helpers/cli-in-process";
import type { MetricsFileJson } from "../../src/core/metrics/user/definition";
import { jsonlLine } from "../../src/server/generator";
import { records } from "../helpers/pipeline";

const dir = mkdtempSync(join(tmpdir(), "eddy-udm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const eddy = runCli;

// Nothing may be contacted: no broker from the environment, and an address nobody listens on.
withoutBrokerEnv();
const NO_BROKER = ["--brokers", "192.0.2.1:9092"];

const example = (): MetricsFileJson => JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8")) as MetricsFileJson;

function write(name: string, content: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}

describe("eddy run --metrics-file: bad definitions stop eddy at once", () => {
  it.each([
    ["a sliding window that is not a multiple of its slide", (f: MetricsFileJson) => (f.metrics[1]!.window = { sliding: "10m", every: "3m" }), "revenue_by_currency", "window.sliding", /a multiple of every \(3m\)/, '"10m"'],
    ["sum over a string field", (f: MetricsFileJson) => (f.metrics[0]!.aggregates.errors = { fn: "sum", field: "device" }), "errors_by_device", "aggregates.errors.field", /a number field for sum/, "'device', a string"],
    ["an unknown field path", (f: MetricsFileJson) => (f.metrics[4]!.groupBy = ["user.name"]), "verified_ratings", "groupBy[0]", /a field of input 'reviews' \(review_id, product_id, user\.id/, '"user.name"'],
    ["a value outside a closed set", (f: MetricsFileJson) => (f.metrics[0]!.where = [{ field: "action", eq: "purchase" }]), "errors_by_device", "where[0].eq", /values of action: view, click/, '"purchase"'],
    ["a session window without groupBy", (f: MetricsFileJson) => delete f.metrics[3]!.groupBy, "browsing_sessions", "groupBy", /at least one field/, "no groupBy"],
    ["a built-in metric's name", (f: MetricsFileJson) => (f.metrics[2]!.name = "page_views"), "page_views", "name", /a name other than the built-in metrics/, '"page_views"'],
  ])("%s: exit 2 naming metric, key, expected and found", async (_, mutate, metric, key, expected, found) => {
    const f = example();
    mutate(f);
    const file = write("bad.json", f);
    const r = await eddy("run", ...NO_BROKER, "--metrics-file", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(file);
    expect(r.err).toContain(`metric '${metric}', key '${key}': expected `);
    expect(r.err).toMatch(expected);
    expect(r.err).toContain(`found ${found}`);
    // Stopped while reading flags: no "waiting for the broker" line, no run.
    expect(r.err).not.toMatch(/broker|waiting|connect/i);
  });

  it("lists every problem of a file at once, and names a file that is not JSON or not there", async () => {
    const f = example();
    f.metrics[0]!.window = { tumbling: "1 minute" };
    (f.inputs!.reviews!.fields as Record<string, string>).rating = "float";
    const many = await eddy("run", ...NO_BROKER, "--metrics-file", write("many.json", f));
    expect(many.code).toBe(2);
    expect(many.err).toMatch(/2 metric definition problems/);
    expect(many.err).toContain(`metric 'errors_by_device', key 'window.tumbling': expected a duration such as 500ms, 30s, 5m, 1h, 1d, found "1 minute"`);
    expect(many.err).toContain(`input 'reviews', key 'fields.rating': expected a type: "string", "number" or "boolean", found "float"`);

    const notJson = await eddy("run", ...NO_BROKER, "--metrics-file", write("comments.json", '{ "metrics": [] // no\n}'));
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/key '\(JSON\)': expected valid JSON \(comments are not JSON\), found /);

    const missing = await eddy("run", ...NO_BROKER, "--metrics-file", join(dir, "nope.json"));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--metrics-file ${join(dir, "nope.json")}: no such file`);
  });
});

describe("eddy run --only", () => {
  it("an unknown name exits 2 and lists the metrics there are, built-in and user-defined", async () => {
    const r = await eddy("run", ...NO_BROKER, "--metrics-file", write("ok.json", example()), "--only", "errors_by_device,error_by_device");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`flag --only, key 'error_by_device': expected metric names: page_views, `);
    for (const name of [...example().metrics.map((m) => m.name), "sessions", "funnel"]) expect(r.err).toContain(name);
    expect(r.err).not.toMatch(/broker|waiting|connect/i);
  });

  it("keeps only the named metrics: their files, and no other", async () => {
    const input = write("in.jsonl", records(3000, { seed: 3, late: 0, invalid: 0 }).map((r) => jsonlLine(r) + "\n").join(""));
    const out = join(dir, "only");
    const r = await eddy("run", "--input", input, "--output", out, "--sink", "jsonl", "--metrics-file", write("ok.json", example()), "--only", "browsing_sessions,page_views", "--log-format", "json");
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { rows_out: Record<string, number> };
    expect(Object.keys(summary.rows_out).sort()).toEqual(["browsing_sessions", "page_views"]);
    expect(summary.rows_out.browsing_sessions).toBeGreaterThan(0);
  });
});

describe("eddy run: a changed definition on restart from a checkpoint", () => {
  it("is refused with exit 2 naming the metric; the same file (or a new metric) continues", async () => {
    const input = write("restart.jsonl", records(2000, { seed: 4, late: 0, invalid: 0 }).map((r) => jsonlLine(r) + "\n").join(""));
    const out = join(dir, "restart");
    const cp = join(dir, "restart-checkpoints");
    const args = ["run", "--input", input, "--output", out, "--sink", "jsonl", "--checkpoint-dir", cp, "--log-format", "json"];
    const first = example();
    expect((await eddy(...args, "--metrics-file", write("v1.json", first))).code).toBe(0);

    const changed = example();
    changed.metrics[2]!.where = [{ field: "action", eq: "click" }];
    const r = await eddy(...args, "--metrics-file", write("v2.json", changed));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds the state of 'cart_adds_by_category' under another definition/);
    expect(r.err).not.toMatch(/'errors_by_device'|'browsing_sessions'/);
    expect(r.err).toMatch(/rename the changed metric/);

    // A changed window is a changed definition too; a metric under a new name starts empty.
    const window = example();
    window.metrics[3]!.window = { session: "20m" };
    const w = await eddy(...args, "--metrics-file", write("v3.json", window));
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/'browsing_sessions'/);
    const added = example();
    added.metrics.push({ ...changed.metrics[2]!, name: "clicks_by_category" });
    expect((await eddy(...args, "--metrics-file", write("v4.json", added))).code).toBe(0);
    expect((await eddy(...args, "--metrics-file", write("v1.json", first))).code).toBe(0);
  });
});
