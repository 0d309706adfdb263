/**
 * Spawns the pass-through runner (kafka-pass-through-main.ts) as a child process, so a test can
 * kill -9 it at an arbitrary point and start another.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PassThroughOptions } from "./kafka-pass-through";

const MAIN = fileURLToPath(new URL("./kafka-pass-through-main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A running pass-through child. */
export interface PassThroughChild {
  child: ChildProcess;
  /** Resolves once the child printed `ready` (rejects if it exits first). */
  ready: Promise<void>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lines printed so far (stdout and stderr). */
  output: string[];
  /** Number of `commit` lines seen so far. */
  commits(): number;
}

/** Starts a pass-through runner with `options` (callbacks are the child's own). */
export function spawnPassThrough(options: Omit<PassThroughOptions, "onReady" | "onCommit">): PassThroughChild {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: "1" },
  });
  const output: string[] = [];
  let onReady: () => void = () => {};
  let onEarlyExit: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onEarlyExit = reject;
  });
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      output.push(line);
      if (line === "ready") onReady();
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      onEarlyExit(new Error(`pass-through exited (${code ?? signal}) before ready:\n${output.join("\n")}`));
      resolve({ code, signal });
    });
  });
  ready.catch(() => {});
  return { child, ready, exited, output, commits: () => output.filter((l) => l.startsWith("commit ")).length };
}
