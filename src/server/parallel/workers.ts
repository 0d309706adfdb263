/**
 * `eddy run --workers N`: N runner processes in one group on this machine, each `eddy run
 * --parallel` with the same flags. Processes rather than worker threads: each gets its own heap,
 * event loop and Kafka clients, and a crashed one is just a member leaving the group (its tasks
 * move to the others), exactly as on several machines. Their output lines are prefixed with the
 * worker number; Ctrl-C and SIGTERM go to every worker, which finish their batch and checkpoint.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { createInterface } from "node:readline";
import type { LogFn } from "../log";

/** argv without `--workers N` / `--workers=N`, with `--parallel` added once. */
export function workerArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--workers") {
      i++;
      continue;
    }
    if (a.startsWith("--workers=")) continue;
    out.push(a);
  }
  if (!out.includes("--parallel")) out.push("--parallel");
  return out;
}

/** Copies `from` to `to` line by line with `prefix`; resolves once `from` ended. */
function pipeLines(from: NodeJS.ReadableStream | null, to: NodeJS.WriteStream, prefix: string): Promise<void> {
  if (!from) return Promise.resolve();
  const lines = createInterface({ input: from });
  lines.on("line", (line) => to.write(`${prefix}${line}\n`));
  return new Promise((resolve) => lines.on("close", resolve));
}

/**
 * Starts `n` workers running `eddy run <argv>` (argv as given to `eddy run`) and resolves with
 * the worst exit code once all ended. `entry`: the CLI script to start (this process's by default).
 */
export async function runWorkers(argv: readonly string[], n: number, log: LogFn, entry = process.argv[1]): Promise<number> {
  const args = workerArgv(argv);
  const env = { ...process.env, EDDY_WORKERS: undefined };
  const children: ChildProcess[] = [];
  const drained: Promise<void>[] = [];
  for (let i = 1; i <= n; i++) {
    const child = spawn(process.execPath, [...process.execArgv, entry, "run", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    drained.push(pipeLines(child.stdout, process.stdout, `[w${i}] `), pipeLines(child.stderr, process.stderr, `[w${i}] `));
    children.push(child);
  }
  log("workers", { message: `started ${n} parallel runners in one group (pids ${children.map((c) => c.pid).join(", ")})` });
  const forward = (sig: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null) c.kill(sig);
  };
  const onInt = () => forward("SIGINT");
  const onTerm = () => forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const codes = await Promise.all(
      children.map((c) => new Promise<number>((resolve) => c.on("exit", (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1))))),
    );
    // The last lines (a worker's exit summary) arrive after its exit event.
    await Promise.all(drained);
    return Math.max(...codes);
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
