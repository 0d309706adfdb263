/**
 * The merge stage of task q of a parallel runner: it reads partition q of the repartition
 * topics, merges the partial rows of every input task with each metric's merge rule (final once
 * every upstream task's watermark passed the window, see MergeStore) and scores the transactions
 * of its categories for `purchase_anomalies`, in the order they arrive. Like an input task it is
 * read-process-write in Kafka transactions of its own producer: merged rows, its checkpoint and
 * its partitions' offsets commit together, so a read_committed consumer sees each row once
 * through rebalances and kill -9.
 */
import { validate } from "../../core/events";
import type { MergeStore } from "../../core/merge/merge-store";
import type { Pipeline } from "../../core/pipeline/pipeline";
import type { OutputRow } from "../../core/pipeline/rows";
import type { KafkaCheckpointStore } from "../checkpoint/kafka-checkpoint-store";
import type { Epoch, SourceRecord } from "../io/types";
import type { LogFn } from "../log";
import type { KafkaSink } from "../sinks/kafka-sink";
import { decodeRepartition } from "./repartition";
import { packState, unpackState } from "./task-state";
import type { TaskSource } from "./task-source";

/** Options of {@link MergeTask}. */
export interface MergeTaskOptions {
  task: number;
  /** Partition `task` of the partials and by-category topics. */
  source: TaskSource;
  sink: KafkaSink;
  checkpoints: KafkaCheckpointStore;
  createStore(snapshot?: Uint8Array): MergeStore;
  /** The `purchase_anomalies` pipeline, when that metric runs. */
  createAnomalies?(snapshot?: Uint8Array): Pipeline;
  /** Input tasks that write to the repartition topics. */
  upstreamTasks: number;
  /** The topics whose end markers this task waits for in a bounded run. */
  topics: readonly string[];
  /**
   * The topic of partial rows. Only its markers move the merged watermark: a task's partials and
   * markers are ordered within one partition, but the source interleaves the two topics, so a
   * marker read on the other topic may overtake the partials it covers.
   */
  partialsTopic: string;
  /** Bounded run: end once every upstream task ended (watermark +∞ on every topic read). */
  bounded: boolean;
  checkpointIntervalMs: number;
  log?: LogFn;
  /** Called with the rows of each poll (counters, the console). */
  onRows?(rows: readonly OutputRow[]): void;
}

/** See the module comment. */
export class MergeTask {
  committed = 0;
  private stopping = false;
  private abandoned = false;
  private store!: MergeStore;
  private anomalies: Pipeline | undefined;
  /** Per topic, the upstream tasks whose end (all watermarks +∞) arrived on it. */
  private ended = new Map<string, Set<number>>();
  private epoch: Epoch = { id: 1, rows: [], dlq: [], late: [] };
  private lateWarned = false;
  /** Last marker per upstream task (for the late-partial warning). */
  private readonly lastMarker = new Map<number, Record<string, number>>();

  constructor(private readonly o: MergeTaskOptions) {}

  /** Finishes the poll, checkpoints and returns. */
  stop(): void {
    this.stopping = true;
  }

  /** Returns without checkpointing: the task moved to another runner. */
  abandon(): void {
    this.abandoned = this.stopping = true;
    void this.o.source.close();
  }

  /** True once a bounded run's upstream tasks all ended on every topic. */
  private get done(): boolean {
    if (!this.o.bounded) return false;
    return this.o.topics.every((t) => (this.ended.get(t)?.size ?? 0) >= this.o.upstreamTasks);
  }

  async run(): Promise<void> {
    const o = this.o;
    await o.sink.open();
    const cp = await o.checkpoints.load();
    await o.sink.recover(cp);
    const parts = cp ? unpackState(cp.state) : undefined;
    this.store = o.createStore(parts?.store);
    this.anomalies = o.createAnomalies?.(parts?.anomalies);
    const ended = (parts?.meta.ended ?? {}) as Record<string, number[]>;
    for (const [topic, tasks] of Object.entries(ended)) this.ended.set(topic, new Set(tasks));
    this.epoch = { id: (cp?.epoch ?? 0) + 1, rows: [], dlq: [], late: [] };
    await o.source.start(cp?.positions);
    let lastCheckpoint = Date.now();
    while (!this.stopping && !this.done) {
      const recs = await o.source.poll(100, 5000);
      if (recs === null) break;
      const rows: OutputRow[] = [];
      for (const r of recs) this.ingest(r, rows);
      if (this.anomalies && this.anomalies.batch.n > 0) rows.push(...this.anomalies.process(0).rows);
      rows.push(...this.store.drain());
      this.epoch.rows.push(...rows);
      if (rows.length) o.onRows?.(rows);
      if (Date.now() - lastCheckpoint >= o.checkpointIntervalMs) {
        await this.checkpoint();
        lastCheckpoint = Date.now();
      }
    }
    if (this.abandoned) return;
    await this.checkpoint();
  }

  private ingest(r: SourceRecord, rows: OutputRow[]): void {
    const rec = decodeRepartition(r.value);
    if (rec.kind === "watermark") {
      const { task, watermarks, idle } = rec.marker;
      this.lastMarker.set(task, watermarks);
      if (r.topic === this.o.partialsTopic) {
        // A task's pipeline reports every lane it has (main and orders always); the store knows
        // the groups of the metrics that merge.
        const known = this.store.watermarks();
        for (const [group, wm] of Object.entries(watermarks)) if (group in known) this.store.watermark(task, group, wm, idle.includes(group));
      }
      const values = Object.values(watermarks);
      if (values.length > 0 && values.every((w) => w === Infinity)) {
        let set = this.ended.get(r.topic);
        if (!set) this.ended.set(r.topic, (set = new Set()));
        set.add(task);
      }
    } else if (rec.kind === "partials") {
      for (const row of rec.rows) {
        if (this.store.add(rec.task, row, rec.provisional) || this.lateWarned) continue;
        this.lateWarned = true;
        this.o.log?.("merge-late", {
          level: "warn",
          message:
            `task ${rec.task} sent a ${row.metric} partial for a window already merged and emitted (it was idle past the idle timeout, then spoke again); counted, not emitted again. (Warned once.)`,
          window: [row.window_start, row.window_end],
          merged: this.store.watermarks(),
          markers: Object.fromEntries(this.lastMarker),
        });
      }
    } else if (this.anomalies) {
      for (const raw of rec.raws) {
        const v = validate("transactions", raw);
        if (!v.ok) continue;
        if (this.anomalies.batch.full) rows.push(...this.anomalies.process(0).rows);
        this.anomalies.add("transactions", v.event, v.t, `task-${rec.task}`, r.timestamp ?? r.readAt);
      }
    }
  }

  private async checkpoint(): Promise<void> {
    const epoch = this.epoch;
    const book = await this.o.sink.prepare(epoch);
    const meta = { ended: Object.fromEntries([...this.ended].map(([t, s]) => [t, [...s]])) };
    await this.o.checkpoints.commit({
      epoch: epoch.id,
      positions: this.o.source.positions(),
      state: packState({ store: this.store.snapshot(), anomalies: this.anomalies?.snapshot(), meta }),
      sinks: { kafka: book },
      committedAt: Date.now(),
      ended: this.done,
    });
    this.committed++;
    this.epoch = { id: epoch.id + 1, rows: [], dlq: [], late: [] };
  }

  /** Releases the pipeline's kernels and the producer. */
  async close(): Promise<void> {
    await this.o.source.close();
    await this.o.sink.close();
    await this.o.checkpoints.close();
    this.anomalies?.destroy();
  }
}
