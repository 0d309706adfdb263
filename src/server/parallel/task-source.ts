/**
 * The {@link Source} of one task of a parallel runner: the partitions of one partition index
 * that the group consumer (group-consumer.ts) fetches for it, through the same aligned
 * {@link FetchQueue} as the single runner's source, so a task sees its clickstream and
 * transactions partitions interleaved by time and primed like one runner sees all of them.
 *
 * Records fetched before `start` (kafkajs fetches as soon as the group assigns the partitions,
 * while the task still restores its checkpoint) wait, then go through the queue, which drops
 * those below the restored position: the checkpoint is the only truth about where to resume.
 */
import { type Positions, type Source, type SourceRecord } from "../io/types";
import { FetchQueue } from "../sources/kafka-fetch-queue";

/** What a task source asks of the shared consumer. */
export interface ConsumerControl {
  seek(key: string, offset: number): void;
  pause(key: string, paused: boolean): void;
  /** Throws when the shared consumer failed for good (the whole runner then restarts). */
  check(): void;
}

/** Offsets of one partition when the runner started: its log start and end. */
export interface PartitionBounds {
  low: number;
  high: number;
}

/** Options of {@link TaskSource}. */
export interface TaskSourceOptions {
  /**
   * `topic:partition` keys this task reads, with their offsets when the runner started: a bounded
   * task ends at those ends.
   */
  partitions: ReadonlyMap<string, PartitionBounds>;
  /**
   * The partitions' offsets now, read when the task starts (a task taken over long after the
   * runner started must not judge its checkpoint against old ends).
   */
  currentBounds(): Promise<ReadonlyMap<string, PartitionBounds>>;
  /** `--until-end`: end once every partition reached its end at start. */
  bounded: boolean;
  consumer: ConsumerControl;
  /** Queued records per partition above which it is paused (default 5,000; resumed at half). */
  partitionCap?: number;
  /** Longest wait for every partition with a backlog to deliver its first batch (default 5 s). */
  primeTimeoutMs?: number;
  log?: (message: string) => void;
}

/** See the module comment. */
export class TaskSource implements Source {
  readonly kind = "kafka" as const;
  readonly bounded: boolean;
  private readonly queue = new FetchQueue();
  private pending: Array<[string, SourceRecord[], number, number | undefined]> | undefined = [];
  private readonly paused = new Set<string>();
  private readonly unprimed = new Map<string, number>();
  private primeDeadline = Infinity;
  private readonly cap: number;
  private closed = false;

  constructor(private readonly o: TaskSourceOptions) {
    this.bounded = o.bounded;
    this.cap = o.partitionCap ?? 5000;
  }

  /** The partitions of this task. */
  get keys(): string[] {
    return [...this.o.partitions.keys()];
  }

  /** A fetched batch of one of this task's partitions (`next`: offset after the raw batch). */
  push(key: string, records: SourceRecord[], next: number, high?: number): void {
    if (this.closed) return;
    if (this.pending) {
      this.pending.push([key, records, next, high]);
      return;
    }
    this.queue.push(key, records, next, high);
    if (!this.paused.has(key) && this.queue.queuedOf(key) >= this.cap) this.setPaused(key, true);
  }

  /** Where the consumer should fetch `key` from after a rebalance (undefined before start). */
  fetchPosition(key: string): number | undefined {
    return this.pending ? undefined : this.queue.fetchPosition(key);
  }

  /** Partitions this task paused (a rejoined consumer forgets pauses). */
  get pausedKeys(): string[] {
    return [...this.paused];
  }

  async start(from?: Positions): Promise<void> {
    const now = await this.o.currentBounds();
    for (const key of this.o.partitions.keys()) {
      const { low, high } = now.get(key) ?? this.o.partitions.get(key)!;
      let start = from?.[key] ?? low;
      if (start < low || start > high) {
        // Retention deleted the checkpointed records: like Spark with failOnDataLoss=false.
        this.o.log?.(`${key}: checkpointed offset ${start} is outside [${low}, ${high}]; reading from ${low}`);
        start = low;
      }
      this.queue.setStart(key, start, high);
      if (high > start) this.unprimed.set(key, start);
      this.o.consumer.seek(key, start);
    }
    const held = this.pending ?? [];
    this.pending = undefined;
    for (const [key, records, next, high] of held) this.push(key, records, next, high);
    this.primeDeadline = Date.now() + (this.o.primeTimeoutMs ?? 5000);
  }

  private setPaused(key: string, pause: boolean): void {
    if (pause) this.paused.add(key);
    else this.paused.delete(key);
    this.o.consumer.pause(key, pause);
  }

  private primed(): boolean {
    for (const [key, start] of this.unprimed) if ((this.queue.fetchPosition(key) ?? start) > start) this.unprimed.delete(key);
    if (this.unprimed.size === 0) return true;
    if (Date.now() < this.primeDeadline) return false;
    this.o.log?.(`no data yet from ${[...this.unprimed.keys()].join(", ")}; starting without waiting for them`);
    this.unprimed.clear();
    return true;
  }

  /** True once a bounded task read every partition to its end at start. */
  get exhausted(): boolean {
    if (!this.bounded || this.pending) return false;
    for (const [key, { high }] of this.o.partitions) if ((this.queue.returnedPosition(key) ?? 0) < high) return false;
    return true;
  }

  async poll(maxWaitMs: number, maxRecords: number): Promise<SourceRecord[] | null> {
    this.o.consumer.check();
    if (this.closed) return null;
    if (!this.primed()) {
      await this.queue.wait(Math.min(maxWaitMs, 50), true);
      return [];
    }
    if (this.exhausted && this.queue.empty) return null;
    if (this.queue.empty) await this.queue.wait(maxWaitMs);
    this.o.consumer.check();
    let records = this.queue.take(maxRecords);
    if (records.length === 0 && !this.queue.empty) {
      await this.queue.wait(Math.min(maxWaitMs, 50), true);
      records = this.queue.take(maxRecords);
    }
    for (const key of this.paused) if (this.queue.queuedOf(key) <= this.cap / 2) this.setPaused(key, false);
    if (records.length === 0 && this.exhausted && this.queue.empty) return null;
    return records;
  }

  positions(): Positions {
    return this.queue.positions();
  }

  lag(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, { high }] of this.o.partitions) out[key] = Math.max(0, high - (this.queue.returnedPosition(key) ?? high));
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.wake();
  }
}
