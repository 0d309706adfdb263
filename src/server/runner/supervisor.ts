/**
 * The in-process supervisor of `eddy run`: a failed run (the broker lost past the source's
 * deadline, a transaction that could not commit, a full disk) restarts from the last checkpoint,
 * which is exactly what a process restart would do, with exponential back-off; it gives up after
 * `maxRestarts` failures in a row without a new checkpoint. Each retry is a warning that says
 * "attempt n/N". Errors that no retry can fix — a usage or configuration error (a read-only
 * folder, a topic name the broker refuses: src/server/io/config-errors.ts), a checkpoint this
 * build cannot restore — end the run at once instead (exit code 2 for the first two).
 */
import { UsageError } from "../args";
import { humanDuration } from "../human-duration";
import { kafkaConfigError } from "../io/config-errors";
import type { LogFn } from "../log";
import { CheckpointRestoreError } from "./restore-errors";

/** One attempt: runs until done, or throws. `committed` says whether it checkpointed anything. */
export interface Attempt {
  run(): Promise<void>;
  close(): Promise<void>;
  readonly committed: number;
}

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** Makes the next attempt (after a failure). */
  next(): Promise<Attempt>;
  maxRestarts: number;
  log: LogFn;
  /** True once a signal asked the run to stop: a failure then ends it. */
  stopping(): boolean;
  /** Back-off before attempt n (default min(30 s, 0.5 s × 2^n)). */
  backoffMs?(failures: number): number;
  sleep?(ms: number): Promise<void>;
}

/** True for errors that no retry can fix. */
export function isPermanent(err: unknown): boolean {
  return err instanceof UsageError || err instanceof CheckpointRestoreError;
}

/** Runs `first`, then new attempts after failures; resolves with the attempt that finished. */
export async function supervise(first: Attempt, o: SuperviseOptions): Promise<Attempt> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backoffMs = o.backoffMs ?? ((n: number) => Math.min(30_000, 500 * 2 ** n));
  let current = first;
  let failures = 0;
  for (;;) {
    try {
      await current.run();
      return current;
    } catch (caught) {
      const err = kafkaConfigError(caught) ?? caught;
      await current.close().catch(() => {});
      if (current.committed > 0) failures = 0;
      failures++;
      if (o.stopping() || isPermanent(err) || failures > o.maxRestarts) throw err;
      const backoff = backoffMs(failures);
      const error = err instanceof Error ? err.message : String(err);
      o.log("restart", {
        level: "warn",
        msg: `attempt ${failures}/${o.maxRestarts}: ${error}; restarting from the last checkpoint in ${humanDuration(backoff)}`,
        error,
        attempt: failures,
        of: o.maxRestarts,
        inMs: backoff,
      });
      await sleep(backoff);
      if (o.stopping()) throw err;
      current = await o.next();
    }
  }
}
