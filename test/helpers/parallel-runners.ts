/** A runner process for parallel-runner tests: wait for its checkpoints, signal it, await its exit code. */
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";

const CLI = join(__dirname, "../../bin/eddy.js");

/** A started `eddy` process. */
export interface RunnerProcess {
  /** Resolves once the process logged `n` checkpoints (rejects if it exits first). */
  checkpoints(n: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Exit code (128 + n for a signal). */
  exit: Promise<number>;
  stderr(): string;
}

/** Starts `eddy <args>`; its JSON log lines go to stderr (not a terminal). */
export function spawnRunner(args: string[]): RunnerProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  let count = 0;
  const waiters: Array<{ n: number; resolve(): void; reject(e: Error): void }> = [];
  const dump = process.env.EDDY_TEST_RUNNER_LOG;
  child.stderr.on("data", (d: Buffer) => {
    err += d;
    if (dump) appendFileSync(`${dump}-${child.pid}.log`, d);
    count += (d.toString().match(/"event":"checkpoint"/g) ?? []).length;
    for (const w of waiters.splice(0)) {
      if (count >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  const exit = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`runner exited (${code ?? signal}) before ${w.n} checkpoints: ${err.slice(-2000)}`));
      resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15));
    });
  });
  return {
    checkpoints: (n) => (count >= n ? Promise.resolve() : new Promise((resolve, reject) => waiters.push({ n, resolve, reject }))),
    kill: (signal) => child.kill(signal),
    exit,
    stderr: () => err,
  };
}
