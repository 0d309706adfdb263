/**
 * The bounded queue between kafkajs's push consumer and the runner's pull-based `poll()`, with
 * the per-partition bookkeeping that makes the source exact whatever kafkajs re-delivers.
 *
 * Two positions per partition: `fetched` (next offset the queue expects from kafkajs) and
 * `returned` (next offset after the last record handed to the runner: what a checkpoint stores).
 * A batch whose offsets are below `fetched` is a re-delivery (kafkajs restarts its consumer after
 * a broker outage or a rebalance from the group's committed offsets, which lag behind) and is
 * dropped, so a record is never returned twice.
 *
 * `take` merges the partitions' queued records by Kafka timestamp (ties: arrival order), so that
 * topics and partitions fetched in big per-partition batches still reach the pipeline roughly in
 * production order: the watermark (a minimum over streams) then never races ahead on one topic's
 * batch while another's older records wait in the queue. A partition whose first record has not
 * been returned yet goes first: SPEC's watermark is the minimum over the streams that have seen
 * an event, so every stream must have been seen before any one of them runs ahead (producers
 * batch, so many records share one timestamp and the merge alone cannot order them).
 *
 * The merge is also ALIGNED: while a partition has nothing queued but its log holds more (its
 * next fetch is on the way), records newer than that partition's last returned timestamp wait,
 * at most `maxAlignWaitMs`. Without it a backlog replay runs far ahead on whichever partition was
 * fetched first, and the lagging partition's records would meet a watermark they never saw coming
 * (Flink calls this watermark alignment). The wait is per lagging partition and starts when it
 * first holds a record back, not when it fell behind: a partition is behind whenever its queue ran
 * dry before its next fetch (all of them, through a broker outage), and a clock started then would
 * have run out by the time records arrive again, letting the first partition fetched after the
 * outage run ahead unaligned. The wait ends when the partition delivers a batch, or when the
 * consumer (re)joins its group ({@link FetchQueue.realign}: every partition is fetched afresh).
 */
import type { SourceRecord } from "../io/types";

interface Chunk {
  key: string;
  /** Arrival sequence number (tie-break of the merge). */
  seq: number;
  records: SourceRecord[];
  /** Records of `records` already returned. */
  taken: number;
  /** Offset after the raw batch (past control records and aborted records, which are never returned). */
  next: number;
}

/** Bounded FIFO of fetched batches; see the module comment. */
export class FetchQueue {
  /** Queued chunks per `topic:partition`, each list in offset order. */
  private readonly parts = new Map<string, Chunk[]>();
  private seq = 0;
  /** Partitions none of whose records has been returned yet (they go first, see the module comment). */
  private readonly unseen = new Set<string>();
  private readonly fetched = new Map<string, number>();
  private readonly returned = new Map<string, number>();
  private queued = 0;
  private waiter: (() => void) | undefined;
  /** Log end offset per partition, as the last fetch reported it. */
  private readonly highs = new Map<string, number>();
  /** Kafka timestamp of the last record returned per partition. */
  private readonly lastTs = new Map<string, number>();
  private readonly queuedBy = new Map<string, number>();
  /** Lagging partitions that hold records back, with when they started to (see the module comment). */
  private readonly holding = new Map<string, number>();

  constructor(
    private readonly maxAlignWaitMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Sets where a partition starts (a checkpoint position or the earliest offset) and, when known,
   * the end of its log (so the aligned merge waits for its first fetch too).
   */
  setStart(key: string, offset: number, high?: number): void {
    this.fetched.set(key, offset);
    this.returned.set(key, offset);
    this.unseen.add(key);
    if (high !== undefined) this.highs.set(key, high);
  }

  /** Next offset the queue expects from kafkajs for `key` (where to seek after a rejoin). */
  fetchPosition(key: string): number | undefined {
    return this.fetched.get(key);
  }

  /** Records waiting to be polled. */
  get size(): number {
    return this.queued;
  }

  /** Records of one partition waiting to be polled. */
  queuedOf(key: string): number {
    return this.queuedBy.get(key) ?? 0;
  }

  /** True when `key` has nothing queued although its log holds more records. */
  private behind(key: string): boolean {
    const high = this.highs.get(key);
    return high !== undefined && !this.parts.has(key) && (this.fetched.get(key) ?? high) < high;
  }

  /**
   * Newest timestamp the merge may hand out now: the oldest last-returned timestamp of the
   * partitions that are behind, leaving out those that have held records back for longer than
   * `maxAlignWaitMs` (a partition whose fetch does not come, e.g. records past an open
   * transaction, must not stall the others).
   */
  private alignLimit(): number {
    let limit = Infinity;
    const now = this.now();
    for (const key of this.highs.keys()) {
      if (!this.behind(key)) continue;
      const since = this.holding.get(key);
      if (since !== undefined && now - since > this.maxAlignWaitMs) continue;
      limit = Math.min(limit, this.lastTs.get(key) ?? -Infinity);
    }
    return limit;
  }

  /** Starts the wait of every lagging partition that holds back a record stamped `ts`. */
  private hold(ts: number): void {
    const now = this.now();
    for (const key of this.highs.keys()) {
      if (!this.holding.has(key) && this.behind(key) && (this.lastTs.get(key) ?? -Infinity) < ts) this.holding.set(key, now);
    }
  }

  /**
   * Restarts every alignment wait: after the consumer (re)joined its group (a rebalance, a broker
   * back from an outage) each partition is fetched afresh, so one that had stopped being waited
   * for gets its full wait again.
   */
  realign(): void {
    this.holding.clear();
  }

  /**
   * Adds a fetched batch: `records` in offset order and `next`, the offset after the batch's raw
   * last record. Records below the partition's fetch position are dropped as re-deliveries.
   */
  push(key: string, records: SourceRecord[], next: number, high?: number): void {
    if (high !== undefined && high > (this.highs.get(key) ?? -1)) this.highs.set(key, high);
    const from = this.fetched.get(key);
    if (from !== undefined && next <= from) return;
    const fresh = from === undefined ? records : records.filter((r) => r.offset >= from);
    this.fetched.set(key, next);
    this.holding.delete(key);
    let list = this.parts.get(key);
    if (!list) this.parts.set(key, (list = []));
    list.push({ key, seq: this.seq++, records: fresh, taken: 0, next });
    this.queued += fresh.length;
    this.queuedBy.set(key, (this.queuedBy.get(key) ?? 0) + fresh.length);
    this.wake();
  }

  /** Drops the exhausted chunks at the head of `list`, moving the partition past them. */
  private dropExhausted(key: string, list: Chunk[]): void {
    while (list.length > 0 && list[0].taken >= list[0].records.length) {
      const c = list.shift()!;
      this.returned.set(key, Math.max(this.returned.get(key) ?? 0, c.next));
    }
    if (list.length === 0) this.parts.delete(key);
  }

  /** Takes up to `max` records, merged across partitions by Kafka timestamp (see the module comment). */
  take(max: number): SourceRecord[] {
    const out: SourceRecord[] = [];
    for (const [key, list] of this.parts) this.dropExhausted(key, list);
    let limit = this.alignLimit();
    while (out.length < max) {
      let best: Chunk | undefined;
      let bestTs = 0;
      let bestFirst = false;
      for (const list of this.parts.values()) {
        const c = list[0];
        const ts = c.records[c.taken].timestamp ?? 0;
        const first = this.unseen.has(c.key);
        const better = best === undefined || (first && !bestFirst) || (first === bestFirst && (ts < bestTs || (ts === bestTs && c.seq < best.seq)));
        if (better) {
          best = c;
          bestTs = ts;
          bestFirst = first;
        }
      }
      if (best === undefined) break;
      if (!bestFirst && bestTs > limit) {
        this.hold(bestTs);
        break;
      }
      const r = best.records[best.taken++];
      if (bestFirst) this.unseen.delete(best.key);
      out.push(r);
      this.queued--;
      this.queuedBy.set(best.key, this.queuedBy.get(best.key)! - 1);
      this.returned.set(best.key, r.offset + 1);
      if (r.timestamp !== undefined) this.lastTs.set(best.key, r.timestamp);
      if (best.taken >= best.records.length) {
        this.dropExhausted(best.key, this.parts.get(best.key)!);
        if (limit !== Infinity || this.behind(best.key)) limit = this.alignLimit();
      }
    }
    return out;
  }

  /** True when nothing is queued, not even a batch of only control records. */
  get empty(): boolean {
    return this.parts.size === 0;
  }

  /** Positions after the last returned record, per `topic:partition`. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.returned);
  }

  returnedPosition(key: string): number | undefined {
    return this.returned.get(key);
  }

  /**
   * Resolves when something is pushed, `wake()` is called, or `ms` passed; at once when records
   * are queued, unless `evenIfQueued` (waiting for another partition's first batch).
   */
  wait(ms: number, evenIfQueued = false): Promise<void> {
    if ((!this.empty && !evenIfQueued) || ms <= 0) return Promise.resolve();
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
