/**
 * The crash test for file runs: `eddy run --input … --sink files` killed with SIGKILL at
 * random times (during start-up, recovery, mid-epoch, mid-checkpoint), restarted until it
 * completes. Every metric's JSONL and Parquet rows, the DLQ and the late output must equal an
 * uninterrupted run's: no row missing, none repeated, no torn file. Rows are compared as sorted
 * multisets, since epoch boundaries (hence the order of rows within one watermark step) depend on
 * wall-clock checkpoint timing.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { METRIC_NAMES } from "../../src/core/metrics/schema";
import { EventSource, jsonlLine } from "../../src/server/generator/source";
import { readAllWithPyarrow } from "./file-sink-helpers";

const root = mkdtempSync(join(tmpdir(), "eddy-run-kill-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const BIN = join(import.meta.dirname, "../../bin/eddy.js");

/** Runs `eddy run`; with `killAfterMs`, SIGKILLs it that long after it started (unless done). */
function runEddy(input: string, out: string, killAfterMs?: number): Promise<"done" | "killed"> {
  return new Promise((resolve, reject) => {
    const args = [BIN, "run", "--input", input, "--output", out, "--sink", "files", "--checkpoint-interval", "100ms"];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      err = (err + chunk).slice(-4000);
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0) resolve("done");
      else reject(new Error(`eddy run exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Sorted lines of a JSONL file ([] when absent); a torn last line fails the JSON.parse. */
function lines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  expect(text === "" || text.endsWith("\n"), `${path} ends mid-line`).toBe(true);
  const ls = text.split("\n").slice(0, -1);
  for (const l of ls) JSON.parse(l);
  return ls.sort();
}

/** Everything a file run outputs, order-insensitive. */
function outputs(out: string): Record<string, string[]> {
  const res: Record<string, string[]> = {};
  for (const m of METRIC_NAMES) {
    res[`${m}.jsonl`] = lines(join(out, `${m}.jsonl`));
    const dir = join(out, m);
    const parts = existsSync(dir) ? readdirSync(dir).map((p) => join(dir, p)) : [];
    expect(parts.every((p) => /part-\d{12}\.parquet$/.test(p)), `stray file in ${dir}`).toBe(true);
    res[`${m}/*.parquet`] = parts.length ? readAllWithPyarrow(parts).flatMap((t) => t.rows.map((r) => JSON.stringify(r))).sort() : [];
  }
  for (const side of ["dlq", "late"]) {
    for (const f of existsSync(join(out, side)) ? readdirSync(join(out, side)) : []) res[`${side}/${f}`] = lines(join(out, side, f));
  }
  expect(existsSync(join(out, ".staging")), "staging left behind").toBe(false);
  return res;
}

it("eddy run over a file, killed with -9 at random points and restarted, outputs exactly the rows of an uninterrupted run", async () => {
  const gen = new EventSource({ seed: 11, startMs: Date.UTC(2026, 0, 1), invalidFraction: 0.01, lateFraction: 0.01, anomalyFraction: 0.01 });
  const input = join(root, "in.jsonl");
  writeFileSync(input, Array.from({ length: 60_000 }, () => jsonlLine(gen.next())).join("\n") + "\nnot a record\n");

  const t0 = Date.now();
  expect(await runEddy(input, join(root, "ref"))).toBe("done");
  const refMs = Date.now() - t0;
  const expected = outputs(join(root, "ref"));
  expect(expected["page_views.jsonl"].length).toBeGreaterThan(100);
  expect(expected["page_views/*.parquet"].length).toBe(expected["page_views.jsonl"].length);
  expect(Object.keys(expected).some((k) => k.startsWith("dlq/"))).toBe(true);
  expect(Object.keys(expected).some((k) => k.startsWith("late/"))).toBe(true);

  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = join(root, "crashed");
  let kills = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    // Early enough that restarts (which have less left to do) are still killed: start-up,
    // recovery and mid-run.
    const killAfterMs = attempt < 6 ? Math.floor(refMs * (0.1 + 0.4 * rand())) : undefined;
    if ((await runEddy(input, out, killAfterMs)) === "done") break;
    kills++;
  }
  expect(kills).toBeGreaterThanOrEqual(3);
  expect(outputs(out)).toEqual(expected);
}, 300_000);
