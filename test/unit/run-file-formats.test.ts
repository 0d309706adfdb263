/**
 * `eddy run --sink jsonl` / `--sink parquet` write only the chosen format; `files` writes both.
 * A real replay of a generator file through the WASM pipeline, in process.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { records } from "../helpers/pipeline";

const dir = mkdtempSync(join(tmpdir(), "eddy-formats-"));
const input = join(dir, "events.jsonl");
writeFileSync(input, records(4000, { seed: 5, late: 0.01, invalid: 0.01 }).map((r) => jsonlLine(r) + "\n").join(""));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative to it, without the checkpoint folder. */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== "_checkpoints") walk(p);
      } else out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

async function replay(sink: string): Promise<string[]> {
  const out = join(dir, sink);
  const quiet = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    expect(await main(["run", "--input", input, "--output", out, "--sink", sink])).toBe(0);
  } finally {
    quiet.mockRestore();
  }
  return files(out);
}

const metricJsonl = (f: string) => /^[a-z_]+\.jsonl$/.test(f);
const parquet = (f: string) => f.endsWith(".parquet");

describe("eddy run file formats", () => {
  it("--sink jsonl writes JSON Lines and no Parquet", async () => {
    const got = await replay("jsonl");
    expect(got.filter(metricJsonl).length).toBeGreaterThan(3);
    expect(got.filter(parquet)).toEqual([]);
    expect(got).toContain("metrics.json");
  });

  it("--sink parquet writes Parquet parts and no metric JSON Lines (DLQ and late records stay JSONL)", async () => {
    const got = await replay("parquet");
    expect(got.filter(parquet).length).toBeGreaterThan(3);
    expect(got.filter(metricJsonl)).toEqual([]);
    expect(got.some((f) => f.startsWith("dlq/") && f.endsWith(".jsonl"))).toBe(true);
  });

  it("--sink files writes both, the same metrics in each", async () => {
    const got = await replay("files");
    const jsonl = got.filter(metricJsonl).map((f) => f.replace(/\.jsonl$/, "")).sort();
    const parts = [...new Set(got.filter(parquet).map((f) => f.split("/")[0]))].sort();
    expect(jsonl.length).toBeGreaterThan(3);
    expect(parts).toEqual(jsonl);
  });
});
