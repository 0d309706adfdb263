import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_PIPELINE_CONFIG, PipelineSettingsError } from "../../src/core/pipeline/config";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import { decodeSnapshot, encodeSnapshot } from "../../src/core/pipeline/snapshot";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { FileCheckpointStore } from "../../src/server/checkpoint/file-checkpoint-store";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { drive, records } from "../helpers/pipeline";

const dir = mkdtempSync(join(tmpdir(), "eddy-restore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process; returns the exit code, console.error text and the JSON log lines. */
async function cli(argv: string[]): Promise<{ code: number; errors: string; logs: string }> {
  const errors: string[] = [];
  const logs: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((m: unknown) => void errors.push(String(m)));
  const out = vi.spyOn(process.stderr, "write").mockImplementation((m: unknown) => (logs.push(String(m)), true));
  try {
    return { code: await main(argv), errors: errors.join("\n"), logs: logs.join("") };
  } finally {
    spy.mockRestore();
    out.mockRestore();
  }
}

function inputFile(name: string): string {
  const input = join(dir, name);
  writeFileSync(input, records(2000).map((r) => jsonlLine(r) + "\n").join(""));
  return input;
}

it("refuses a checkpoint it cannot restore with a clear error, without retrying", async () => {
  const input = inputFile("bad.jsonl");
  const out = join(dir, "out-bad");
  // A well-formed checkpoint whose state is not a pipeline snapshot (as from an incompatible build).
  await new FileCheckpointStore({ dir: join(out, "_checkpoints") }).commit({
    epoch: 3, positions: {}, state: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), sinks: {}, committedAt: Date.now(),
  });
  const { code, errors } = await cli(["run", "--input", input, "--output", out, "--sink", "files"]);
  expect(code).toBe(1);
  expect(errors).toMatch(/cannot restore checkpoint epoch 3: .*new --output or --checkpoint-dir/);
});

it("treats a snapshot without recorded settings as one from an incompatible build", async () => {
  const input = inputFile("old.jsonl");
  const out = join(dir, "out-old");
  const p = Pipeline.create({ kernels: referenceKernels() });
  drive(p, records(500), 100, undefined, 0, 500, false);
  const parts = decodeSnapshot(p.snapshot());
  const { config: _dropped, ...rest } = parts;
  const state = encodeSnapshot({ ...rest, config: undefined as never });
  await new FileCheckpointStore({ dir: join(out, "_checkpoints") }).commit({ epoch: 4, positions: {}, state, sinks: {}, committedAt: Date.now() });
  const { code, errors } = await cli(["run", "--input", input, "--output", out, "--sink", "files"]);
  expect(code).toBe(1);
  expect(errors).toMatch(/cannot restore checkpoint epoch 4: the snapshot records no pipeline settings/);
});

describe("a checkpoint written with other settings", () => {
  const input = inputFile("in.jsonl");
  const out = join(dir, "out");

  it("is refused with exit 2, naming each changed flag with both values and both ways out", async () => {
    const first = await cli(["run", "--input", input, "--output", out, "--sink", "files"]);
    expect(first.code, first.errors).toBe(0);
    const { code, errors, logs } = await cli(["run", "--input", input, "--output", out, "--sink", "files", "--session-gap", "20m", "--watermark-delay", "90s", "--z-threshold", "2.5"]);
    expect(code).toBe(2);
    expect(errors).toContain("--session-gap: checkpoint has 30m, flags say 20m");
    expect(errors).toContain("--watermark-delay: checkpoint has 5m, flags say 90s");
    expect(errors).toContain("--z-threshold: checkpoint has 3, flags say 2.5");
    expect(errors).not.toContain("--activity-window");
    expect(errors).toContain("(--watermark-delay 5m --session-gap 30m --z-threshold 3)");
    expect(errors).toContain(`use a new --output or --checkpoint-dir folder (this checkpoint is in ${join(out, "_checkpoints")})`);
    // Refused at once: the supervisor does not retry a usage error.
    expect(logs).not.toContain('"event":"restart"');
  });

  it("restores when the flags give the same settings, spelled out or by default", async () => {
    for (const extra of [[], ["--session-gap", "30m", "--watermark-delay", "300s"]]) {
      const { code, errors, logs } = await cli(["run", "--input", input, "--output", out, "--sink", "files", ...extra]);
      expect(code, errors).toBe(0);
      expect(logs).toContain('"event":"restored"');
    }
  });
});

describe("Pipeline.create from a snapshot", () => {
  const snap = (() => {
    const p = Pipeline.create({ kernels: referenceKernels(), config: { sessionGapMs: 20 * 60_000 } });
    drive(p, records(500), 100, undefined, 0, 500, false);
    return p.snapshot();
  })();

  it("refuses other settings, listing every change", () => {
    const err = (() => {
      try {
        Pipeline.create({ kernels: referenceKernels(), config: { funnelWindowMs: 60_000 } }, snap);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PipelineSettingsError);
    expect((err as PipelineSettingsError).changes).toEqual([
      { key: "sessionGapMs", stored: 20 * 60_000, wanted: DEFAULT_PIPELINE_CONFIG.sessionGapMs },
      { key: "funnelWindowMs", stored: DEFAULT_PIPELINE_CONFIG.funnelWindowMs, wanted: 60_000 },
    ]);
  });

  it("restores with the same settings, or with none asked for (the snapshot's)", () => {
    expect(Pipeline.create({ kernels: referenceKernels(), config: { sessionGapMs: 20 * 60_000 } }, snap).config.sessionGapMs).toBe(20 * 60_000);
    expect(Pipeline.create({ kernels: referenceKernels() }, snap).config.sessionGapMs).toBe(20 * 60_000);
  });
});
