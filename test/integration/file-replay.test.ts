/**
 * Headless replay of a generator file, checked against the reference oracle, and crash safety
 * of the file sinks: `kill -9` the runner at random points, restart, compare with a clean run.
 * Every Parquet part is read back with DuckDB and must hold exactly the JSON lines' rows.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";

const toJsonRow = (r: { metric: string; [k: string]: unknown }) => MetricRegistry.builtin().toJson(r);
const METRIC_NAMES = MetricRegistry.builtin().names;
type MetricName = string;
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { type ParquetTable, readParquetFiles } from "../helpers/parquet-read";
import { drive, records } from "../helpers/pipeline";
import { runChild } from "../helpers/run-kafka";

const dir = mkdtempSync(join(tmpdir(), "eddy-replay-"));
const recs = records(60_000, { seed: 11, late: 0.01, invalid: 0.01, anomaly: 0.005 });
const input = join(dir, "events.jsonl");
writeFileSync(input, recs.map((r) => jsonlLine(r) + "\n").join(""));

function readJsonl(path: string): unknown[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function outputs(out: string): Record<string, unknown[]> {
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, readJsonl(join(out, `${m}.jsonl`))]));
}

/** A row as DuckDB read it, rendered the way the JSON lines render rows (SPEC output shape). */
function asJsonRow(metric: MetricName, schema: ParquetTable["schema"], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { metric };
  for (const { name, type } of schema) {
    const v = row[name];
    if (v === null) out[name] = null;
    else if (type.startsWith("TIMESTAMP")) out[name] = new Date(v as number).toISOString();
    else if (type.startsWith("DECIMAL")) out[name] = Number(v);
    else if (type === "JSON") out[name] = JSON.parse(v as string);
    else out[name] = v;
  }
  return out;
}

/** Every metric's Parquet parts under `out`, read with DuckDB in epoch order. */
async function parquetOutputs(out: string): Promise<Record<string, unknown[]>> {
  const res: Record<string, unknown[]> = {};
  for (const m of METRIC_NAMES) {
    const d = join(out, m);
    const parts = existsSync(d) ? readdirSync(d).sort() : [];
    expect(parts.every((f) => f.endsWith(".parquet")), `${m}: only published parts`).toBe(true);
    res[m] = (await readParquetFiles(parts.map((f) => join(d, f)))).flatMap((t) => t.rows.map((r) => asJsonRow(m, t.schema, r)));
  }
  return res;
}

function sideOutputs(out: string, kind: "dlq" | "late"): string[] {
  const d = join(out, kind);
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((f) => readFileSync(join(d, f), "utf8").split("\n").filter(Boolean)).sort();
}

afterAll(() => {
  // Leave the folder for inspection when EDDY_KEEP is set.
  if (!process.env.EDDY_KEEP) void import("node:fs").then((fs) => fs.rmSync(dir, { recursive: true, force: true }));
});

describe("eddy run --input (file replay)", () => {
  const clean = join(dir, "clean");

  it("writes exactly the reference implementation's rows for every metric", async () => {
    expect(await main(["run", "--input", input, "--output", clean, "--sink", "files"])).toBe(0);
    const ref = drive(Pipeline.create({ kernels: referenceKernels() }), recs, 5000);
    const got = outputs(clean);
    for (const metric of METRIC_NAMES) {
      const want = ref.rows.filter((r) => r.metric === metric).map((r) => toJsonRow(r));
      expect(want.length, metric).toBeGreaterThan(0);
      expect(got[metric], metric).toEqual(want);
    }
    const summary = JSON.parse(readFileSync(join(clean, "metrics.json"), "utf8")) as { events: { in: number; valid: number; invalid: number; late: number } };
    expect(summary.events.in).toBe(recs.length);
    expect(summary.events.valid + summary.events.invalid).toBe(recs.length);
    expect(summary.events.invalid).toBe(ref.invalid);
    expect(summary.events.late).toBe(ref.late.length);
    expect(await parquetOutputs(clean)).toEqual(got);
    expect(sideOutputs(clean, "dlq")).toHaveLength(ref.invalid);
    expect(sideOutputs(clean, "late")).toHaveLength(ref.late.length);
  });

  it("survives kill -9 at random points: the output equals the uninterrupted run", async () => {
    const crashed = join(dir, "crashed");
    const args = ["run", "--input", input, "--output", crashed, "--sink", "files", "--checkpoint-interval", "100ms", "--poll-records", "1000"];
    let kills = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      // Up to 50 ms after the attempt's first published epoch: mid-stream when commits are quick,
      // inside the last epoch's commit when they are slow (commits overlap processing, so on a
      // busy disk the whole rest of the input is read while the first epoch commits).
      const kill = kills < 3 ? { afterCheckpoints: 1, delayMs: Math.floor(Math.random() * 50) } : undefined;
      const r = await runChild(args, kill);
      if (r.signal === "SIGKILL") kills++;
      if (r.code === 0) break;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    // At least one restart resumed from a checkpoint (not only from scratch).
    const summary = JSON.parse(readFileSync(join(crashed, "metrics.json"), "utf8")) as { restarts: number; epochs: number };
    expect(summary.restarts).toBeGreaterThanOrEqual(1);
    expect(summary.epochs).toBeGreaterThan(3);
    expect(outputs(crashed)).toEqual(outputs(clean));
    expect(sideOutputs(crashed, "dlq")).toEqual(sideOutputs(clean, "dlq"));
    expect(sideOutputs(crashed, "late")).toEqual(sideOutputs(clean, "late"));
    // No temporary, torn or duplicate Parquet part: DuckDB reads exactly the clean run's rows.
    expect(await parquetOutputs(crashed)).toEqual(outputs(clean));
  });
});
