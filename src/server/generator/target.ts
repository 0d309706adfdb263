/**
 * Where generated records go. A target accepts batches in production order; `write` may keep
 * several batches in flight and resolves once there is room for the next one, so the caller
 * never has to know how a target buffers.
 */
import type { GeneratedRecord } from "./source";

/** Delivery counters of a target. */
export interface TargetStats {
  /** Records confirmed written / acknowledged. */
  delivered: number;
  /** Records that could not be delivered after every retry. */
  errors: number;
  /** Send attempts that failed and were retried. */
  retries: number;
}

/** A destination for generated records. */
export interface Target {
  readonly stats: TargetStats;
  /** Prepares the destination (connects, creates topics); rejects with a clear error. */
  open(topics: readonly string[]): Promise<void>;
  /** Accepts one batch; rejects once the target has failed for good. */
  write(records: GeneratedRecord[]): Promise<void>;
  /** Waits until everything accepted so far is delivered (or rejects with the failure). */
  flush(): Promise<void>;
  /** Releases resources; safe to call after a failure and more than once. */
  close(): Promise<void>;
}

/** Collects records in memory, or hands each batch to a callback (tests, embedded sources). */
export class MemoryTarget implements Target {
  readonly stats: TargetStats = { delivered: 0, errors: 0, retries: 0 };
  readonly records: GeneratedRecord[] = [];

  /** With `onBatch`, records are passed on instead of kept. */
  constructor(private readonly onBatch?: (records: GeneratedRecord[]) => void | Promise<void>) {}

  async open(): Promise<void> {}

  async write(records: GeneratedRecord[]): Promise<void> {
    if (this.onBatch) await this.onBatch(records);
    else for (const r of records) this.records.push(r);
    this.stats.delivered += records.length;
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
