/**
 * The runner commits a checkpoint epoch in the background: processing (and update rows) go on
 * while a commit is held open, the committed epoch holds only what was captured at its end, a
 * restart from it reproduces an uninterrupted run exactly, and a commit that fails fails the run.
 */
import { describe, expect, it } from "vitest";
import { referenceKernels } from "../../src/core/pipeline/kernel-factory";
import { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { EventSource } from "../../src/server/generator/source";
import type { Checkpoint, CheckpointStore, Epoch, Positions, Sink, Source, SourceRecord } from "../../src/server/io/types";
import { Runner } from "../../src/server/runner/runner";
import type { RunStats } from "../../src/server/runner/run-stats";

const BASE = Date.UTC(2026, 0, 1, 10);
const POLL = 200;
const POS = "gen:0";

/** Generator records (with invalid and late ones), offset = index. */
function recordsOf(n: number): SourceRecord[] {
  const src = new EventSource({ seed: 5, startMs: BASE, users: 300, lateFraction: 0.02, invalidFraction: 0.01 });
  return Array.from({ length: n }, (_, i) => {
    const r = src.next();
    return { topic: r.topic, partition: 0, offset: i, key: r.key, value: r.text, readAt: 0 };
  });
}

/** A bounded source over `records` in polls of POLL; every poll moves the shared clock by 1 s. */
class ArraySource implements Source {
  readonly kind = "generator";
  readonly bounded = true;
  private at = 0;
  onPoll = () => {};
  constructor(
    private readonly records: SourceRecord[],
    private readonly clock: { t: number },
  ) {}
  async start(from?: Positions): Promise<void> {
    this.at = from?.[POS] ?? 0;
  }
  async poll(): Promise<SourceRecord[] | null> {
    await new Promise((r) => setImmediate(r)); // a real source yields to I/O between polls
    this.clock.t += 1000;
    this.onPoll();
    if (this.at >= this.records.length) return null;
    const out = this.records.slice(this.at, this.at + POLL);
    this.at += out.length;
    return out;
  }
  positions(): Positions {
    return { [POS]: this.at };
  }
  lag() {
    return {};
  }
  async close(): Promise<void> {}
}

/** A checkpoint store whose commits can be held open and failed by the test. */
class GatedStore implements CheckpointStore {
  saved: Checkpoint | undefined;
  committed: number[] = [];
  /** Commits of these epochs wait for `release()`. */
  hold = new Set<number>();
  /** The commit of this epoch fails (after being held, if it is). */
  failEpoch: number | undefined;
  held: number | undefined;
  private open: (() => void) | undefined;
  async load() {
    return this.saved;
  }
  async commit(cp: Checkpoint) {
    if (this.hold.has(cp.epoch)) {
      this.held = cp.epoch;
      // The test releases it after some polls; a runner that stops polling while it commits
      // would never get there, so it is released after a while anyway (and the test fails).
      const fallback = setTimeout(() => this.release(), 5000);
      await new Promise<void>((r) => (this.open = r));
      clearTimeout(fallback);
      this.held = undefined;
    }
    if (cp.epoch === this.failEpoch) throw new Error(`disk full committing epoch ${cp.epoch}`);
    this.saved = cp;
    this.committed.push(cp.epoch);
  }
  release(): void {
    this.open?.();
  }
  async close() {}
}

/** Per epoch, what the sink was asked to prepare (copied at prepare time) and whether it finished. */
interface Seen {
  rows: OutputRow[];
  dlq: number[];
  late: number[];
  finished: boolean;
  /** Row count of the same Epoch object when `finish` ran (must not have grown meanwhile). */
  rowsAtFinish?: number;
}

class RecordingSink implements Sink {
  readonly name = "recording";
  readonly epochs = new Map<number, Seen>();
  updatesCalls = 0;
  async open() {}
  updates(): void {
    this.updatesCalls++;
  }
  async prepare(e: Epoch) {
    this.epochs.set(e.id, { rows: [...e.rows], dlq: e.dlq.map((s) => s.record.offset), late: e.late.map((s) => s.record.offset), finished: false });
    return { rows: e.rows.length };
  }
  async finish(e: Epoch) {
    const seen = this.epochs.get(e.id)!;
    seen.finished = true;
    seen.rowsAtFinish = e.rows.length;
  }
  async close() {}
}

function runnerOf(source: ArraySource, sink: RecordingSink, store: CheckpointStore, clock: { t: number }, onProcessed?: () => void): Runner {
  return new Runner({
    source, sinks: [sink], checkpoints: store,
    createPipeline: (snap) => Pipeline.create({ kernels: referenceKernels() }, snap),
    topics: { clickstream: "clickstream", transactions: "transactions", orders: "orders" },
    checkpointIntervalMs: 2500, triggerMs: 0, maxPoll: POLL, now: () => clock.t, maxFutureSkewMs: 1e12, onProcessed,
  });
}

/** What committed epochs delivered: rows (canonical), DLQ and late offsets. */
function delivered(sink: RecordingSink, store: GatedStore): { rows: string[]; dlq: number[]; late: number[] } {
  const out = { rows: [] as string[], dlq: [] as number[], late: [] as number[] };
  for (const id of store.committed) {
    const e = sink.epochs.get(id)!;
    out.rows.push(...e.rows.map((r) => JSON.stringify(r)));
    out.dlq.push(...e.dlq);
    out.late.push(...e.late);
  }
  out.rows.sort();
  out.dlq.sort((a, b) => a - b);
  out.late.sort((a, b) => a - b);
  return out;
}

const RECORDS = recordsOf(40 * POLL);

describe("background checkpoint commits", () => {
  it("keep processing during a slow commit; the committed epoch holds only what was captured; a restart from it is exact", async () => {
    // Reference: one uninterrupted run.
    const refClock = { t: BASE };
    const refSink = new RecordingSink();
    const refStore = new GatedStore();
    const ref = runnerOf(new ArraySource(RECORDS, refClock), refSink, refStore, refClock);
    await ref.run();
    await ref.close();
    const expected = delivered(refSink, refStore);
    expect(expected.rows.length).toBeGreaterThan(0);
    expect(expected.dlq.length).toBeGreaterThan(0);
    expect(expected.late.length).toBeGreaterThan(0);

    // Epoch 1's commit is held for 6 polls; epoch 3's fails after the run moved on.
    const clock = { t: BASE };
    const sink = new RecordingSink();
    const store = new GatedStore();
    store.hold.add(1);
    store.hold.add(3);
    store.failEpoch = 3;
    let processedWhileHeld = 0;
    let updatesWhileHeld = 0;
    let pollsHeld = 0;
    const source = new ArraySource(RECORDS, clock);
    const runner = runnerOf(source, sink, store, clock, () => {
      if (store.held === undefined) return;
      processedWhileHeld++;
      updatesWhileHeld++;
    });
    source.onPoll = () => {
      if (store.held !== undefined && ++pollsHeld % 6 === 0) store.release();
    };
    await expect(runner.run()).rejects.toThrow("disk full committing epoch 3");
    await runner.close();

    // Both held commits saw the loop keep polling, processing and emitting update rows.
    expect(processedWhileHeld).toBeGreaterThanOrEqual(10);
    expect(updatesWhileHeld).toBeGreaterThan(0);
    expect(store.committed).toEqual([1, 2]);
    const cp = store.saved!;
    expect(cp.epoch).toBe(2);
    // The epoch's rows did not grow while its commit ran, and its stats and positions are the
    // capture's: the events counted are exactly those before the committed position.
    for (const id of [1, 2]) {
      const e = sink.epochs.get(id)!;
      expect(e.finished).toBe(true);
      expect(e.rowsAtFinish).toBe(e.rows.length);
    }
    expect(sink.epochs.get(3)!.finished).toBe(false);
    const stats = cp.sinks.__stats as RunStats;
    expect(stats.eventsIn).toBe(cp.positions[POS]);
    expect(stats.epochs).toBe(2);
    const rowsOut = Object.values(stats.rowsOut).reduce((a, b) => a + b, 0);
    expect(rowsOut).toBe(sink.epochs.get(1)!.rows.length + sink.epochs.get(2)!.rows.length);
    expect(cp.positions[POS]).toBeLessThan(RECORDS.length);
    // Nothing of the failed epoch 3 or of the epoch after it reached a committed epoch.
    const committedOffsets = new Set([...sink.epochs.get(1)!.dlq, ...sink.epochs.get(2)!.dlq, ...sink.epochs.get(1)!.late, ...sink.epochs.get(2)!.late]);
    for (const o of committedOffsets) expect(o).toBeLessThan(cp.positions[POS]);

    // Restart from the committed checkpoint (as the supervisor does): committed + replayed = reference.
    store.failEpoch = undefined;
    store.hold.clear();
    const sink2 = new RecordingSink();
    const clock2 = { t: clock.t };
    const rerun = runnerOf(new ArraySource(RECORDS, clock2), sink2, store, clock2);
    await rerun.run();
    await rerun.close();
    const first = delivered(sink, { committed: [1, 2] } as GatedStore);
    const rest = delivered(sink2, { committed: store.committed.filter((id) => id > 2) } as GatedStore);
    const got = {
      rows: [...first.rows, ...rest.rows].sort(),
      dlq: [...first.dlq, ...rest.dlq].sort((a, b) => a - b),
      late: [...first.late, ...rest.late].sort((a, b) => a - b),
    };
    expect(got).toEqual(expected);
    expect(rerun.stats.eventsIn).toBe(RECORDS.length);
  });

  it("a failed background commit fails the run even when no other checkpoint comes", async () => {
    const clock = { t: BASE };
    const store = new GatedStore();
    store.failEpoch = 1;
    store.hold.add(1);
    const sink = new RecordingSink();
    // An endless live source whose clock stops once epoch 1 is committing: no second checkpoint
    // ever falls due, so only the failed commit itself can end the run.
    let polls = 0;
    const source: Source = {
      kind: "generator",
      bounded: false,
      async start() {},
      async poll() {
        await new Promise((r) => setImmediate(r));
        if (store.held === undefined && store.committed.length === 0 && polls === 0) clock.t += 1000;
        else if (++polls === 3) store.release();
        return [];
      },
      positions: () => ({}),
      lag: () => ({}),
      async close() {},
    };
    const runner = new Runner({
      source, sinks: [sink], checkpoints: store,
      createPipeline: (snap) => Pipeline.create({ kernels: referenceKernels() }, snap),
      topics: { clickstream: "clickstream" },
      checkpointIntervalMs: 2500, triggerMs: 0, now: () => clock.t,
    });
    await expect(runner.run()).rejects.toThrow("disk full committing epoch 1");
    await runner.close();
    expect(store.committed).toEqual([]);
    expect(sink.epochs.get(1)?.finished).toBe(false);
    expect(polls).toBeGreaterThanOrEqual(3);
  });
});
