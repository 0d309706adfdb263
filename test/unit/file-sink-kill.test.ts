/**
 * The real thing: the file sink and checkpoint store in a child process killed with SIGKILL at
 * random step boundaries, restarted until it completes; the output must be byte-identical to an
 * uninterrupted run (no row missing or repeated, no torn or stray file).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { drive, snapshot } from "./file-sink-helpers";

const LAST = 30;
const root = mkdtempSync(join(tmpdir(), "eddy-kill-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the driver; kills it once `killAfter` steps have been printed. Resolves true if it completed. */
function runChild(out: string, ck: string, killAfter: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "file-sink-kill-driver.ts"), out, ck, String(LAST)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let steps = 0;
    let done = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (line === "done") done = true;
        else if (line && ++steps === killAfter) child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || done) resolve(done && code === 0);
      else reject(new Error(`driver exited with ${code}`));
    });
  });
}

it("output after kill -9 at random points and restarts equals an uninterrupted run", async () => {
  const ref = join(root, "ref");
  await drive(join(ref, "out"), join(ref, "ck"), LAST);
  const expected = snapshot(join(ref, "out"));

  const out = join(root, "out");
  const ck = join(root, "ck");
  let seed = 99;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let kills = 0;
  for (let attempt = 0; attempt < 12; attempt++) {
    // A kill after 1..40 printed steps: anywhere in recovery, prepare, commit or finish.
    const completed = await runChild(out, ck, attempt < 8 ? 1 + Math.floor(rand() * 40) : Infinity);
    if (completed) break;
    kills++;
  }
  expect(kills).toBeGreaterThanOrEqual(4);
  expect(snapshot(out)).toEqual(expected);
}, 120_000);
