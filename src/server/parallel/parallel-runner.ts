/**
 * One parallel runner (`eddy run --parallel`): a member of consumer group `--group` that runs the
 * tasks Kafka's group protocol gives it. Task p is two stages, each read-process-write in Kafka
 * transactions of its own producer, fenced by its transactional id when the task moves (Kafka
 * Streams' exactly-once v1 model: kafkajs cannot send the group generation with offsets, which
 * the per-runner producer of v2 relies on):
 *
 * - the input task (`eddy-<group>-task-<p>`): partition p of the inputs through a full pipeline
 *   (the single runner's {@link Runner}); per-user and per-event rows go out, partial rows of
 *   metrics merged across tasks and the transactions go on to the repartition topics with the
 *   task's watermark;
 * - the merge task (`eddy-<group>-merge-<p>`): partition p of the repartition topics, see
 *   merge-task.ts.
 *
 * When an assignment takes a task away, its stages stop without a checkpoint; the new owner
 * restores the last committed one (its producer fences ours first). A bounded run ends once every
 * task this runner holds has ended.
 */
import type { Admin, Kafka } from "kafkajs";
import type { MergeStore } from "../../core/merge/merge-store";
import type { Pipeline } from "../../core/pipeline/pipeline";
import { CheckpointScan } from "../checkpoint/checkpoint-scan";
import { CHECKPOINT_TOPIC, ENDED_OFFSET_METADATA, KafkaCheckpointStore } from "../checkpoint/kafka-checkpoint-store";
import type { ForwardRecord, SourceRecord } from "../io/types";
import { splitPositionKey } from "../io/types";
import type { LogFn } from "../log";
import { TransactionalProducer } from "../kafka/transactional-producer";
import type { Runner, RunnerOptions } from "../runner/runner";
import type { RunnerGauges } from "../runner/runner-metrics";
import type { KafkaSink } from "../sinks/kafka-sink";
import { GroupConsumer } from "./group-consumer";
import type { TaskLayout } from "./layout";
import { MergeTask } from "./merge-task";
import { type PartitionBounds, TaskSource } from "./task-source";
import { offsetsWithRetry } from "../sources/kafka-source";

/** What a parallel runner is made of; the command wires it from the run's configuration. */
export interface ParallelRunnerOptions {
  kafka: Kafka;
  group: string;
  layout: TaskLayout;
  /** Input topic name → input name. */
  topics: Record<string, string>;
  bounded: boolean;
  checkpointIntervalMs: number;
  log: LogFn;
  /** The Kafka sink of a stage, on its producer. */
  sinkFor(producer: TransactionalProducer): KafkaSink;
  /** The input task's runner over `source`, writing through `producer` (see task-output-sink.ts). */
  inputRunner(task: number, o: Pick<RunnerOptions, "source" | "checkpoints"> & { producer: TransactionalProducer }): Runner;
  createStore(snapshot?: Uint8Array): MergeStore;
  createAnomalies?(snapshot?: Uint8Array): Pipeline;
  /** Forwards a valid transaction to the by-category topic (set when anomalies run). */
  forward?(task: number): (input: string, event: object, record: SourceRecord) => ForwardRecord | undefined;
}

interface TaskUnit {
  input: Runner;
  merge: MergeTask;
  sources: TaskSource[];
  done: Promise<void>;
  ended: boolean;
}

/** See the module comment. */
export class ParallelRunner {
  private readonly units = new Map<number, TaskUnit>();
  private consumer: GroupConsumer | undefined;
  private stopping = false;
  private assignedOnce = false;
  private settle: { resolve(): void; reject(err: unknown): void } | undefined;
  private closedCommits = 0;
  private admin: Admin | undefined;
  /** One read of the checkpoint topic for the stages a (re)assignment starts together. */
  private readonly scan: CheckpointScan;
  private endPoll: NodeJS.Timeout | undefined;

  constructor(private readonly o: ParallelRunnerOptions) {
    this.scan = new CheckpointScan(o.kafka, CHECKPOINT_TOPIC);
  }

  /** Checkpoints committed by this runner's tasks. */
  get committed(): number {
    let n = this.closedCommits;
    for (const u of this.units.values()) n += u.input.committed + u.merge.committed;
    return n;
  }

  /**
   * The gauges of this runner's tasks (see RunnerGauges): per watermark group the lowest of its
   * input tasks' watermarks, the lag of its input partitions, and its tasks' checkpointed
   * state bytes added up.
   */
  gauges(): RunnerGauges {
    const units = () => [...this.units.values()];
    return {
      watermarks: () => {
        const out: Record<string, number> = {};
        for (const u of units()) {
          if (!u.input.started) continue;
          for (const [g, w] of Object.entries(u.input.current.watermarks())) out[g] = Math.min(out[g] ?? Infinity, w);
        }
        return out;
      },
      // Input partitions only: a repartition partition's end grows while it is read, and its lag
      // against the end at start would read 0.
      lag: () => Object.assign({}, ...units().map((u) => u.sources[0].lag())) as Record<string, number>,
      stateBytes: () => units().reduce((n, u) => n + u.input.stateBytes, 0),
    };
  }

  /** Tasks this runner holds now. */
  get tasks(): number[] {
    return [...this.units.keys()].sort((a, b) => a - b);
  }

  stop(): void {
    this.stopping = true;
    for (const u of this.units.values()) {
      u.input.stop();
      u.merge.stop();
    }
    this.check();
  }

  async run(): Promise<void> {
    const o = this.o;
    const inputs = Object.keys(o.topics);
    const finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.consumer = new GroupConsumer({
      kafka: o.kafka,
      group: o.group,
      topics: [...inputs, o.layout.partialsTopic, o.layout.byCategoryTopic],
      held: () => this.tasks,
      sourceOf: (key) => this.sourceOf(key),
      onAssign: (tasks) => this.assign(tasks),
      log: (level, message) => o.log("kafka", { level, message }),
    });
    this.admin = o.kafka.admin();
    await this.admin.connect();
    await this.consumer.start();
    await finished;
  }

  private sourceOf(key: string): TaskSource | undefined {
    const p = splitPositionKey(key).partition;
    const unit = this.units.get(p);
    if (!unit) return undefined;
    return unit.sources.find((s) => s.keys.includes(key));
  }

  private assign(tasks: number[]): void {
    const keep = new Set(tasks);
    for (const [p, u] of this.units) {
      if (keep.has(p)) continue;
      u.input.abandon();
      u.merge.abandon();
      for (const s of u.sources) void s.close();
      this.units.delete(p);
      this.closedCommits += u.input.committed + u.merge.committed;
      void u.done.catch(() => {});
    }
    for (const p of tasks) if (!this.units.has(p) && !this.stopping) this.units.set(p, this.startTask(p));
    this.o.log("assigned", { tasks, message: `holding tasks ${tasks.join(", ") || "(none)"} of ${this.o.layout.tasks}` });
    this.assignedOnce = true;
    this.check();
  }

  private partitionsOf(p: number, topics: readonly string[]): Map<string, PartitionBounds> {
    const out = new Map<string, PartitionBounds>();
    for (const t of topics) {
      const key = `${t}:${p}`;
      const b = this.o.layout.bounds.get(key);
      if (b) out.set(key, b);
    }
    return out;
  }

  /** Offsets now of partition `p` of `topics`. */
  private async boundsNow(p: number, topics: readonly string[]): Promise<Map<string, PartitionBounds>> {
    const out = new Map<string, PartitionBounds>();
    for (const topic of topics) {
      const at = (await offsetsWithRetry(this.admin!, topic)).find((o) => o.partition === p);
      if (at) out.set(`${topic}:${p}`, { low: Number(at.low), high: Number(at.high) });
    }
    return out;
  }

  private startTask(p: number): TaskUnit {
    const o = this.o;
    const consumer = this.consumer!;
    const slog = (message: string) => o.log("task", { level: "warn", task: p, message });
    const inputs = Object.keys(o.topics);
    const inputSource = new TaskSource({
      partitions: this.partitionsOf(p, inputs), bounded: o.bounded, consumer, log: slog, currentBounds: () => this.boundsNow(p, inputs),
    });
    const repartition = [o.layout.partialsTopic, o.layout.byCategoryTopic];
    const mergeSource = new TaskSource({
      partitions: this.partitionsOf(p, repartition), bounded: false, consumer, log: slog, currentBounds: () => this.boundsNow(p, repartition),
    });
    const inputProducer = new TransactionalProducer(o.kafka, { transactionalId: `eddy-${o.group}-task-${p}`, reinitialise: false });
    const input = o.inputRunner(p, {
      source: inputSource,
      producer: inputProducer,
      checkpoints: new KafkaCheckpointStore({ producer: inputProducer, group: o.group, key: `${o.group}#task-${p}`, scan: this.scan }),
    });
    const mergeProducer = new TransactionalProducer(o.kafka, { transactionalId: `eddy-${o.group}-merge-${p}`, reinitialise: false });
    const merge = new MergeTask({
      task: p,
      source: mergeSource,
      sink: o.sinkFor(mergeProducer),
      checkpoints: new KafkaCheckpointStore({ producer: mergeProducer, group: o.group, key: `${o.group}#merge-${p}`, scan: this.scan }),
      createStore: o.createStore,
      createAnomalies: o.createAnomalies,
      upstreamTasks: o.layout.tasks,
      topics: repartition,
      partialsTopic: o.layout.partialsTopic,
      bounded: o.bounded,
      checkpointIntervalMs: o.checkpointIntervalMs,
      log: o.log,
    });
    const stage = async (name: string, body: () => Promise<void>, close: () => Promise<void>) => {
      try {
        await body();
      } finally {
        await close().catch((err: unknown) => o.log("close", { level: "warn", task: p, stage: name, error: String(err) }));
      }
    };
    const done = Promise.all([
      stage("input", () => input.run(), () => input.close()),
      stage("merge", () => merge.run(), () => merge.close()),
    ]).then(() => undefined);
    const unit: TaskUnit = { input, merge, sources: [inputSource, mergeSource], done, ended: false };
    done.then(
      () => {
        unit.ended = true;
        if (this.units.get(p) === unit) this.o.log("task-ended", { task: p });
        this.check();
      },
      (err: unknown) => {
        // A task taken away mid-commit may fail on its fenced producer: that is the handover, not a failure.
        if (this.units.get(p) === unit) this.settle?.reject(err);
      },
    );
    return unit;
  }

  /**
   * Settles `run` once nothing is left to do: stopped and every held task checkpointed; or, in a
   * bounded run, every task of the whole group ended. A runner whose own tasks ended stays in the
   * group until then, because the tasks of a runner that died are reassigned only among members
   * still there.
   */
  private check(): void {
    if (!this.assignedOnce || (!this.stopping && !this.o.bounded)) return;
    if (![...this.units.values()].every((u) => u.ended)) return;
    if (this.stopping) return this.settle?.resolve();
    this.endPoll ??= setInterval(() => void this.pollGroupEnd(), 250);
  }

  /** True once every merge task of the group committed its end (see ENDED_OFFSET_METADATA). */
  private async pollGroupEnd(): Promise<void> {
    if (![...this.units.values()].every((u) => u.ended)) return;
    try {
      const [offsets] = await this.admin!.fetchOffsets({ groupId: this.o.group, topics: [this.o.layout.partialsTopic] });
      if (offsets && offsets.partitions.length === this.o.layout.tasks && offsets.partitions.every((p) => p.metadata === ENDED_OFFSET_METADATA)) {
        clearInterval(this.endPoll);
        this.settle?.resolve();
      }
    } catch (err) {
      this.o.log("kafka", { level: "warn", message: `cannot read group ${this.o.group}'s offsets yet: ${String(err)}` });
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    for (const u of this.units.values()) {
      u.input.abandon();
      u.merge.abandon();
    }
    clearInterval(this.endPoll);
    await Promise.allSettled([...this.units.values()].map((u) => u.done));
    await this.consumer?.close();
    await this.admin?.disconnect().catch(() => {});
  }
}
