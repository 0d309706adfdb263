/**
 * The bounded queue between kafkajs's push consumer and the runner's pull-based `poll()`, with
 * the per-partition bookkeeping that makes the source exact whatever kafkajs re-delivers.
 *
 * Two positions per partition: `fetched` (next offset the queue expects from kafkajs) and
 * `returned` (next offset after the last record handed to the runner: what a checkpoint stores).
 * A batch whose offsets are below `fetched` is a re-delivery (kafkajs restarts its consumer after
 * a broker outage or a rebalance from the group's committed offsets, which lag behind) and is
 * dropped, so a record is never returned twice.
 */
import type { SourceRecord } from "../io/types";

interface Chunk {
  key: string;
  records: SourceRecord[];
  /** Records of `records` already returned. */
  taken: number;
  /** Offset after the raw batch (past control records and aborted records, which are never returned). */
  next: number;
}

/** Bounded FIFO of fetched batches; see the module comment. */
export class FetchQueue {
  private readonly chunks: Chunk[] = [];
  private readonly fetched = new Map<string, number>();
  private readonly returned = new Map<string, number>();
  private queued = 0;
  private waiter: (() => void) | undefined;

  /** Sets where a partition starts (a checkpoint position or the earliest offset). */
  setStart(key: string, offset: number): void {
    this.fetched.set(key, offset);
    this.returned.set(key, offset);
  }

  /** Next offset the queue expects from kafkajs for `key` (where to seek after a rejoin). */
  fetchPosition(key: string): number | undefined {
    return this.fetched.get(key);
  }

  /** Records waiting to be polled. */
  get size(): number {
    return this.queued;
  }

  /**
   * Adds a fetched batch: `records` in offset order and `next`, the offset after the batch's raw
   * last record. Records below the partition's fetch position are dropped as re-deliveries.
   */
  push(key: string, records: SourceRecord[], next: number): void {
    const from = this.fetched.get(key);
    if (from !== undefined && next <= from) return;
    const fresh = from === undefined ? records : records.filter((r) => r.offset >= from);
    this.fetched.set(key, next);
    this.chunks.push({ key, records: fresh, taken: 0, next });
    this.queued += fresh.length;
    this.wake();
  }

  /** Takes up to `max` records in arrival order, advancing the returned positions. */
  take(max: number): SourceRecord[] {
    const out: SourceRecord[] = [];
    while (this.chunks.length > 0 && out.length < max) {
      const c = this.chunks[0];
      const n = Math.min(max - out.length, c.records.length - c.taken);
      for (let i = 0; i < n; i++) out.push(c.records[c.taken + i]);
      c.taken += n;
      this.queued -= n;
      if (n > 0) this.returned.set(c.key, c.records[c.taken - 1].offset + 1);
      if (c.taken < c.records.length) break;
      this.returned.set(c.key, Math.max(this.returned.get(c.key) ?? 0, c.next));
      this.chunks.shift();
    }
    return out;
  }

  /** True when nothing is queued, not even a batch of only control records. */
  get empty(): boolean {
    return this.chunks.length === 0;
  }

  /** Positions after the last returned record, per `topic:partition`. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.returned);
  }

  returnedPosition(key: string): number | undefined {
    return this.returned.get(key);
  }

  /** Resolves when something is pushed, `wake()` is called, or `ms` passed. */
  wait(ms: number): Promise<void> {
    if (!this.empty || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.waiter === done) self.waiter = undefined;
        resolve();
      }
      this.waiter?.();
      this.waiter = done;
    });
  }

  /** Ends a pending `wait` (new data, an error, or close). */
  wake(): void {
    this.waiter?.();
  }
}
