/**
 * The two-phase commit of one checkpoint epoch (sinks prepare → checkpoint store commit → sinks
 * finish, see src/server/io/types.ts), run beside the runner's loop instead of inside it.
 *
 * The runner captures an epoch synchronously — its rows and side records, the source positions,
 * the pipeline snapshot and the run stats, all copies the loop no longer touches — and hands it
 * to {@link EpochCommitter.start}; processing then continues into the next epoch while the commit
 * is sent. At most one commit is in flight: sinks and stores keep per-epoch state (the file
 * sink's staged epoch, the Kafka transaction shared by the sink and the store) that assumes one
 * prepare → commit → finish at a time, in epoch order. Spark's micro-batch engine likewise
 * starts the next batch only after the previous one committed its offset and commit logs, while
 * Flink's asynchronous checkpoints overlap processing the same way as here.
 *
 * A failed commit is kept and thrown by the next {@link EpochCommitter.check} or
 * {@link EpochCommitter.settle}: the runner then fails as if it had awaited the commit, and the
 * supervisor restarts from the last committed checkpoint. Nothing of the failed epoch was
 * visible (the transaction was aborted, or the file sink's staging is discarded by `recover`).
 */
import type { Checkpoint, CheckpointStore, Epoch, Positions, Sink } from "../io/types";
import type { RunStats } from "./run-stats";

/** Everything one epoch's commit needs, captured at the epoch's end. */
export interface CapturedEpoch {
  epoch: Epoch;
  positions: Positions;
  /** Pipeline snapshot (its own bytes, not a view of kernel memory). */
  state: Uint8Array;
  /** The run's counters as of the epoch's end (a deep copy). */
  stats: RunStats;
  /** How long `pipeline.snapshot()` took, ms. */
  snapshotMs: number;
}

/** What {@link EpochCommitter} reports once an epoch is committed and finished. */
export interface CommittedEpoch {
  captured: CapturedEpoch;
  checkpoint: Checkpoint;
  /** Wall time from the start of prepare to the end of finish, ms. */
  commitMs: number;
}

/** Options of {@link EpochCommitter}. */
export interface EpochCommitterOptions {
  sinks: readonly Sink[];
  checkpoints: CheckpointStore;
  now: () => number;
  /** Called once the checkpoint store committed an epoch (before the sinks publish it). */
  onCommitted(checkpoint: Checkpoint): void;
  /** Called after the sinks finished (published) a committed epoch. */
  onFinished(done: CommittedEpoch): void;
}

/** Runs one epoch's two-phase commit at a time in the background; see the module comment. */
export class EpochCommitter {
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly o: EpochCommitterOptions) {}

  /** True while a commit is in flight. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Starts committing `captured`; throws if a commit is still in flight or one failed. */
  start(captured: CapturedEpoch): void {
    this.check();
    if (this.running) throw new Error(`epoch ${captured.epoch.id} captured while another checkpoint commit is in flight`);
    this.running = this.commit(captured).then(
      () => {
        this.running = undefined;
      },
      (error: unknown) => {
        this.failure = { error };
        this.running = undefined;
      },
    );
  }

  /** Throws the error of a background commit that failed. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for the commit in flight, then throws if it (or an earlier one) failed. */
  async settle(): Promise<void> {
    await this.running;
    this.check();
  }

  /** Waits for the commit in flight without throwing (when the run already fails for another reason). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async commit(c: CapturedEpoch): Promise<void> {
    const o = this.o;
    const t0 = o.now();
    const sinks: Record<string, unknown> = {};
    for (const s of o.sinks) sinks[s.name] = await s.prepare(c.epoch);
    sinks.__stats = c.stats;
    const checkpoint: Checkpoint = { epoch: c.epoch.id, positions: c.positions, state: c.state, sinks, committedAt: o.now() };
    await o.checkpoints.commit(checkpoint);
    o.onCommitted(checkpoint);
    for (const s of o.sinks) await s.finish?.(c.epoch);
    o.onFinished({ captured: c, checkpoint, commitMs: o.now() - t0 });
  }
}
