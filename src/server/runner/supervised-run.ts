/**
 * `eddy run`'s life around its attempts: Ctrl-C or SIGTERM stops the current attempt gracefully
 * (it finishes its batch and checkpoints; a second signal exits at once), failures restart it
 * from the last checkpoint (see supervisor.ts), and the last attempt is closed however it ended.
 * The single runner and a parallel runner share it.
 */
import type { LogFn } from "../log";
import { type Attempt, supervise } from "./supervisor";

/** An attempt that a signal can stop gracefully. */
export interface StoppableAttempt extends Attempt {
  stop(): void;
}

/** Options of {@link superviseUntilSignal}. */
export interface SupervisedRunOptions<A extends StoppableAttempt> {
  /** Makes the next attempt after a failure. */
  next(): Promise<A>;
  maxRestarts: number;
  log: LogFn;
  /** What a graceful stop does, for the `shutdown` log line. */
  graceful: string;
}

/** Runs `first` (and its successors) until it ends or a signal stops it; see the module comment. */
export async function superviseUntilSignal<A extends StoppableAttempt>(first: A, o: SupervisedRunOptions<A>): Promise<{ last: A; stoppedBy?: string }> {
  let current = first;
  let signals = 0;
  let stoppedBy: string | undefined;
  const onSignal = (sig: string) => {
    if (++signals > 1) {
      o.log("shutdown", { signal: sig, mode: "immediate" });
      process.exit(130);
    }
    o.log("shutdown", { signal: sig, mode: o.graceful });
    stoppedBy ??= sig;
    current.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // Restarts from the last checkpoint after a failure; configuration errors end it at once.
    await supervise(current, {
      next: async () => (current = await o.next()),
      maxRestarts: o.maxRestarts,
      log: o.log,
      stopping: () => stoppedBy !== undefined,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await current.close().catch((err: unknown) => o.log("close", { level: "warn", error: String(err) }));
  }
  return { last: current, stoppedBy };
}
