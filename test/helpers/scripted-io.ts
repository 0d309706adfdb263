/** In-memory runner I/O for unit tests of the run loop: a scripted live source and a checkpoint store. */
import type { Checkpoint, CheckpointStore, Source, SourceRecord } from "../../src/server/io/types";

/** One poll's records, and optionally the wall-clock time the poll happens at. */
export type ScriptedPoll = SourceRecord[] | { wall: number; records: SourceRecord[] };

/**
 * A live (unbounded) source that hands out its polls in order, then calls `stop` (set it to the
 * runner's stop). A poll with a `wall` time moves `clock.now` there first.
 */
export class ScriptedSource implements Source {
  readonly kind = "generator";
  readonly bounded = false;
  stop = () => {};
  constructor(
    private readonly script: ScriptedPoll[],
    private readonly clock?: { now: number },
  ) {}
  async start(): Promise<void> {}
  async poll(): Promise<SourceRecord[]> {
    const next = this.script.shift();
    if (!next) {
      this.stop();
      return [];
    }
    if (Array.isArray(next)) return next;
    if (this.clock) this.clock.now = next.wall;
    return next.records;
  }
  positions() {
    return {};
  }
  lag() {
    return {};
  }
  async close(): Promise<void> {}
}

/** A checkpoint store that keeps the last committed checkpoint in memory. */
export class MemoryStore implements CheckpointStore {
  saved: Checkpoint | undefined;
  readonly freshStart = "use a new --group (this checkpoint belongs to group 'demo')";
  async load(): Promise<Checkpoint | undefined> {
    return this.saved;
  }
  async commit(cp: Checkpoint): Promise<void> {
    this.saved = cp;
  }
  async close(): Promise<void> {}
}
