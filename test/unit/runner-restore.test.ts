import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { FileCheckpointStore } from "../../src/server/checkpoint/file-checkpoint-store";
import { main } from "../../src/server/cli";
import { jsonlLine } from "../../src/server/generator";
import { records } from "../helpers/pipeline";

const dir = mkdtempSync(join(tmpdir(), "eddy-restore-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("refuses a checkpoint it cannot restore with a clear error, without retrying", async () => {
  const input = join(dir, "in.jsonl");
  writeFileSync(input, records(200).map((r) => jsonlLine(r) + "\n").join(""));
  const out = join(dir, "out");
  // A well-formed checkpoint whose state is not a pipeline snapshot (as from an incompatible build).
  await new FileCheckpointStore({ dir: join(out, "_checkpoints") }).commit({
    epoch: 3, positions: {}, state: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), sinks: {}, committedAt: Date.now(),
  });
  const errors: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((m: unknown) => void errors.push(String(m)));
  const logs = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    expect(await main(["run", "--input", input, "--output", out, "--sink", "files"])).toBe(1);
  } finally {
    spy.mockRestore();
    logs.mockRestore();
  }
  expect(errors.join("\n")).toMatch(/cannot restore checkpoint epoch 3: .*new --group/);
});
