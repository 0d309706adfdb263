/**
 * Crash safety of the file sink with the file checkpoint store: a crash at every step boundary,
 * random sequences of crashes, torn appends, leftovers of uncommitted epochs and a corrupted
 * newest checkpoint must all end, after restarts, in output byte-identical to an uninterrupted run.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";

const toJsonRow = (r: { metric: string; [k: string]: unknown }) => MetricRegistry.builtin().toJson(r);
import { checkpointFileName } from "../../src/server/checkpoint/file-checkpoint-store";
import { partName } from "../../src/server/sinks/file-sink";
import { readParquetFiles } from "../helpers/parquet-read";
import { Crash, drive, epochData, snapshot } from "./file-sink-helpers";

const LAST = 6;
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "eddy-crash-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Output folder and checkpoint folder of one simulated run. */
function run(): { out: string; ck: string } {
  const root = tmp();
  return { out: join(root, "out"), ck: join(root, "ck") };
}

let reference: Map<string, Buffer>;
let steps: string[];
beforeAll(async () => {
  const r = run();
  steps = await drive(r.out, r.ck, LAST);
  reference = snapshot(r.out);
});

/** Restarts (fresh instances over the same folders) until the run completes. */
async function restartUntilDone(r: { out: string; ck: string }, crashAt: (s: string) => boolean): Promise<number> {
  let crashes = 0;
  for (;;) {
    try {
      await drive(r.out, r.ck, LAST, crashAt);
      return crashes;
    } catch (err) {
      if (!(err instanceof Crash)) throw err;
      crashes++;
      if (crashes > 100) throw new Error("no progress");
    }
  }
}

describe("file sink crash safety", () => {
  it("the uninterrupted run holds every epoch's rows exactly once", async () => {
    const expected = Array.from({ length: LAST }, (_, i) => epochData(i + 1).rows.filter((r) => r.metric === "page_views"));
    const lines = reference.get("page_views.jsonl")!.toString("utf8").trimEnd().split("\n");
    expect(lines).toEqual(expected.flat().map((r) => JSON.stringify(toJsonRow(r))));
    const parts = [...reference.keys()].filter((k) => k.startsWith("product_activity/"));
    const fromParquet = (await readParquetFiles(parts.map((p) => join(dirs[0], "out", p)))).flatMap((t) => t.rows.map((r) => r.product_id));
    expect(fromParquet).toEqual(expected.flatMap((_, i) => epochData(i + 1).rows.filter((r) => r.metric === "product_activity").map((r) => r.product_id)));
    expect([...reference.keys()].some((k) => k.startsWith(".staging"))).toBe(false);
    // Every kind of step boundary is exercised by the tests below.
    for (const s of ["prepare:staged", "driver:prepared", "driver:committed", "finish:published", "driver:finished"]) expect(steps).toContain(s);
    expect(steps.some((s) => s.startsWith("finish:part:"))).toBe(true);
    expect(steps.some((s) => s.startsWith("finish:append:dlq/"))).toBe(true);
  });

  it("a crash at any single step boundary, then restarts, gives the uninterrupted output", async () => {
    // Each index of `steps` is one crash point (after prepare, after commit, mid-finish, ...);
    // independent folders, so a few run at once (the work is fsync-bound).
    const one = async (k: number) => {
      const r = run();
      let seen = 0;
      const crashes = await restartUntilDone(r, () => seen++ === k);
      expect(crashes, `crash point ${k} (${steps[k]})`).toBe(1);
      expect(snapshot(r.out), `crash at step ${k}: ${steps[k]}`).toEqual(reference);
    };
    for (let k = 0; k < steps.length; k += 8) {
      await Promise.all(Array.from({ length: Math.min(8, steps.length - k) }, (_, i) => one(k + i)));
    }
  });

  it("random sequences of crashes (also during recovery) give the uninterrupted output", async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let total = 0;
    for (let trial = 0; trial < 10; trial++) {
      const r = run();
      total += await restartUntilDone(r, () => rand() < 0.1);
      expect(snapshot(r.out), `trial ${trial}`).toEqual(reference);
    }
    expect(total).toBeGreaterThan(10);
  });

  it("a torn append, a stray part and staging of an uncommitted epoch are rolled back", async () => {
    const r = run();
    await drive(r.out, r.ck, 3);
    // What a kill -9 in the middle of an uncommitted epoch 4 could have left (and worse):
    appendFileSync(join(r.out, "page_views.jsonl"), '{"metric":"page_views","window_st');
    mkdirSync(join(r.out, ".staging", "4", "dlq"), { recursive: true });
    writeFileSync(join(r.out, ".staging", "4", "page_views.jsonl"), "half");
    writeFileSync(join(r.out, "page_views", partName(4)), "not parquet");
    writeFileSync(join(r.out, "dlq", "orders.jsonl"), "{}\n");
    await drive(r.out, r.ck, LAST);
    expect(snapshot(r.out)).toEqual(reference);
  });

  it("a restart truncates every JSONL file to its committed length, written again or not", async () => {
    const r = run();
    await drive(r.out, r.ck, LAST);
    for (const f of ["page_views.jsonl", "product_activity.jsonl", "dlq/clickstream.jsonl", "late/transactions.jsonl"]) {
      appendFileSync(join(r.out, f), '{"torn":');
    }
    await drive(r.out, r.ck, LAST); // nothing left to run: only recover
    expect(snapshot(r.out)).toEqual(reference);
  });

  it("falls back to the previous checkpoint when the newest is corrupt, rolling the files back with it", async () => {
    const r = run();
    await drive(r.out, r.ck, 5);
    const newest = join(r.ck, checkpointFileName(5));
    const b = readFileSync(newest);
    b[b.length - 40] ^= 0xff;
    writeFileSync(newest, b);
    await drive(r.out, r.ck, LAST);
    expect(snapshot(r.out)).toEqual(reference);
    expect(readdirSync(r.ck).sort()).toEqual([checkpointFileName(5), checkpointFileName(6)]);
  });

  it("a fresh run (no checkpoint) replaces an old output instead of appending to it", async () => {
    const r = run();
    await drive(r.out, r.ck, 4);
    rmSync(r.ck, { recursive: true });
    await drive(r.out, r.ck, LAST);
    expect(snapshot(r.out)).toEqual(reference);
  });
});

describe("file sink damage outside eddy", () => {
  it("refuses to resume over a JSONL file shorter than the checkpoint committed", async () => {
    const root = mkdtempSync(join(tmpdir(), "eddy-crash-"));
    dirs.push(root);
    const out = join(root, "out");
    const ck = join(root, "ck");
    await drive(out, ck, 3);
    writeFileSync(join(out, "page_views.jsonl"), "");
    await expect(drive(out, ck, LAST)).rejects.toThrow(/page_views.jsonl has 0 bytes, the checkpoint committed \d+/);
  });
});
