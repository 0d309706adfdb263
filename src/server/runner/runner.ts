/**
 * The headless run loop: Source → validate (invalid → DLQ) → pipeline (late → side output) →
 * sinks, with a checkpoint epoch every `checkpointIntervalMs` committed through the
 * {@link CheckpointStore} (two-phase, see src/server/io/types.ts). The epoch is captured in the
 * loop and committed in the background while processing goes on (epoch-commit.ts); a commit
 * that fails fails the run. Update rows go to sinks that take them every `triggerMs`.
 */
import { DEFAULT_MAX_FUTURE_SKEW_MS, type FutureBound, TOPIC_KINDS, type TopicKind, validate, type Validation } from "../../core/events";
import { validateDeclared } from "../../core/metrics/user/validate-event";
import { PipelineSettingsError } from "../../core/pipeline/config";
import { MetricDefinitionChangedError, type Pipeline } from "../../core/pipeline/pipeline";
import type { OutputRow } from "../../core/pipeline/rows";
import type { LogFn } from "../log";
import { MALFORMED_TOPIC } from "../sources/file-source";
import type { Checkpoint, CheckpointStore, Epoch, ForwardRecord, SideRecord, Sink, Source, SourceRecord } from "../io/types";
import { splitPositionKey } from "../io/types";
import { CheckpointRestoreError, CheckpointSettingsError, settingsMismatchMessage } from "./restore-errors";
import { humanDuration } from "../human-duration";
import { EpochCommitter } from "./epoch-commit";
import { newRunStats, recordLatency, type RunStats } from "./run-stats";
import type { RunnerMetrics } from "./runner-metrics";
import { SumOverflowWatch } from "./sum-overflow";

function isTopicKind(input: string): input is TopicKind {
  return (TOPIC_KINDS as readonly string[]).includes(input);
}

export { CheckpointRestoreError, CheckpointSettingsError } from "./restore-errors";

/** Smallest poll (valid events) that can trigger the mostly-late warning: a handful proves nothing. */
export const LATE_WARN_MIN_EVENTS = 100;

/** Options of {@link Runner}. */
export interface RunnerOptions {
  source: Source;
  sinks: Sink[];
  checkpoints: CheckpointStore;
  /** Makes the pipeline, restored from `snapshot` when given. */
  createPipeline(snapshot?: Uint8Array): Pipeline;
  /** Topic name → input name: a SPEC topic kind, or a declared input of user-defined metrics. */
  topics: Record<string, string>;
  checkpointIntervalMs: number;
  triggerMs: number;
  /** Records per poll (default 10,000). */
  maxPoll?: number;
  /**
   * An event stamped further than this ahead of the wall clock is invalid (default 1 h), as in
   * Beam's allowed timestamp skew: one far-future event would otherwise carry the watermark past
   * every real one for good. Only the future is bounded; replays of old data are unaffected.
   */
  maxFutureSkewMs?: number;
  /** Wall clock (injectable for tests). */
  now?: () => number;
  /**
   * Where the runner logs (`restored`, `checkpoint`, …). A warning or an error is raised by
   * passing `fields.level` (`"warn"`, `"error"`; `"info"` when absent), see {@link LogFn}.
   */
  log?: LogFn;
  /** Prometheus metrics to update (optional). */
  metrics?: RunnerMetrics;
  /**
   * Called after each poll's records went through the pipeline and its update rows (if a trigger
   * fired) reached the sinks, with the wall-clock time — for latency probes and tests.
   */
  onProcessed?(records: readonly SourceRecord[], at: number): void;
  /**
   * A valid event to send on to an internal topic with the epoch (parallel runners forward
   * transactions by category), or undefined.
   */
  forward?(input: string, event: object, record: SourceRecord): ForwardRecord | undefined;
  /**
   * Wall-clock quiet time after which an epoch is cut as idle, carrying the open windows' rows
   * (see {@link Epoch.idle}); parallel tasks set it to the idle timeout. Off when absent.
   */
  idleAfterMs?: number;
}

/** See the module comment. */
export class Runner {
  readonly stats: RunStats;
  private pipeline!: Pipeline;
  private epoch!: Epoch;
  private inBatch: SourceRecord[] = [];
  private stopping = false;
  private abandoned = false;
  private lastRecordAt = 0;
  private lastCheckpoint = 0;
  private lastTrigger = 0;
  private readonly now: () => number;
  private lastStateBytes = 0;
  /** Records per topic of the current poll (Prometheus counters are bumped once per poll). */
  private readonly polledPerTopic = new Map<string, number>();
  /** Event time and lane (orders or not) of each event of the current batch, for late-event diagnostics. */
  private inBatchT: number[] = [];
  private inBatchInput: string[] = [];
  /** Valid events of the current poll, and how far behind its lane's watermark each late one was. */
  private pollValid = 0;
  private pollBehind: number[] = [];
  private warnedLate = false;
  private restoredEpoch: number | undefined;
  /** Wall-clock bound on event time, renewed once per poll. */
  private readonly future: FutureBound;
  private readonly overflows: SumOverflowWatch;
  private readonly commits: EpochCommitter;

  constructor(private readonly o: RunnerOptions) {
    this.now = o.now ?? Date.now;
    this.stats = newRunStats(this.now());
    this.future = { now: this.now(), maxFutureSkewMs: o.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS };
    this.overflows = new SumOverflowWatch(o.metrics, o.log);
    this.commits = new EpochCommitter({
      sinks: o.sinks,
      checkpoints: o.checkpoints,
      now: this.now,
      onCommitted: (cp) => {
        this.lastStateBytes = cp.state.byteLength;
        o.metrics?.checkpoints.inc();
        this.committed++;
      },
      onFinished: ({ captured: { epoch, snapshotMs }, checkpoint, commitMs }) => {
        o.log?.("checkpoint", {
          epoch: epoch.id, rows: epoch.rows.length, dlq: epoch.dlq.length, late: epoch.late.length, positions: checkpoint.positions,
          snapshotMs: Math.round(snapshotMs), commitMs: Math.round(commitMs),
        });
      },
    });
  }

  /** Current pipeline (after `run` started). */
  get current(): Pipeline {
    return this.pipeline;
  }

  /** True once the pipeline exists (restored or new). */
  get started(): boolean {
    return this.pipeline !== undefined;
  }

  /** Checkpoints this runner committed itself (not counting those it restored). */
  committed = 0;

  /** Size of the last checkpointed state, bytes. */
  get stateBytes(): number {
    return this.lastStateBytes;
  }

  /** Asks the loop to finish its batch, checkpoint and return. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Stops without a last checkpoint: a parallel task whose partitions moved to another runner
   * leaves its uncommitted epoch for the new owner to redo from the last checkpoint.
   */
  abandon(): void {
    this.abandoned = this.stopping = true;
  }

  /** Runs until the source ends (bounded) or {@link stop}; resolves after the last checkpoint. */
  async run(): Promise<void> {
    const o = this.o;
    const log = o.log ?? (() => {});
    for (const s of o.sinks) await s.open();
    const cp = await o.checkpoints.load();
    for (const s of o.sinks) await s.recover?.(cp);
    try {
      this.pipeline = o.createPipeline(cp?.state);
    } catch (err) {
      if (!cp) throw err;
      const fresh = o.checkpoints.freshStart ?? "use a new --group";
      if (err instanceof PipelineSettingsError) throw new CheckpointSettingsError(settingsMismatchMessage(cp.epoch, err, fresh));
      if (err instanceof MetricDefinitionChangedError) {
        throw new CheckpointSettingsError(
          `checkpoint epoch ${cp.epoch} holds the state of ${err.metrics.map((m) => `'${m}'`).join(", ")} under another definition than the metrics file gives now. ` +
            `Either restore the definition, rename the changed metric (a new name starts empty), or ${fresh} to start every metric afresh.`,
        );
      }
      throw new CheckpointRestoreError(
        `cannot restore checkpoint epoch ${cp.epoch}: ${err instanceof Error ? err.message : String(err)}. ` +
          `It was probably written by another eddy version; ${fresh} (or delete that checkpoint).`,
      );
    }
    if (cp) {
      const restored = (cp.sinks.__stats as RunStats | undefined) ?? undefined;
      if (restored) Object.assign(this.stats, restored, { restarts: restored.restarts + 1 });
      log("restored", { epoch: cp.epoch, positions: cp.positions });
      this.restoredEpoch = cp.epoch;
    }
    this.epoch = { id: (cp?.epoch ?? 0) + 1, rows: [], dlq: [], late: [], forwards: [] };
    await o.source.start(cp?.positions);
    this.lastCheckpoint = this.lastTrigger = this.lastRecordAt = this.now();
    const maxPoll = Math.min(o.maxPoll ?? 10_000, this.pipeline.batch.capacity);
    // Bounded replays must not depend on wall-clock speed: no stream ever counts as idle.
    const wallForWatermark = o.source.bounded ? () => 0 : this.now;
    try {
      while (!this.stopping) {
        const recs = await o.source.poll(100, maxPoll);
        this.commits.check();
        if (recs === null) {
          if (this.abandoned) break;
          this.flush(wallForWatermark());
          this.emit(this.pipeline.finish());
          break;
        }
        const t0 = this.now();
        this.future.now = t0;
        if (recs.length > 0) this.lastRecordAt = t0;
        for (const r of recs) this.ingest(r, wallForWatermark);
        this.flush(wallForWatermark());
        this.checkLate(log);
        this.emit(this.pipeline.advance());
        const t = this.now();
        if (recs.length > 0) o.metrics?.batchSeconds.observe((t - t0) / 1000);
        for (const [topic, n] of this.polledPerTopic) o.metrics?.eventsIn.inc({ topic }, n);
        this.polledPerTopic.clear();
        if (t - this.lastTrigger >= o.triggerMs) {
          this.lastTrigger = t;
          const updates = this.pipeline.peek();
          for (const s of o.sinks) s.updates?.(updates);
        }
        o.onProcessed?.(recs, this.now());
        // A checkpoint due while the previous one still commits waits for it without stopping
        // the loop: the epoch just runs longer.
        if (t - this.lastCheckpoint >= o.checkpointIntervalMs && !this.commits.busy) this.checkpoint();
        // A poll with records queued resolves without reaching the event loop's I/O phase: let
        // the commit's socket replies in between polls, or it advances only when the input idles.
        if (this.commits.busy) await new Promise((resolve) => setImmediate(resolve));
      }
      // A task taken away leaves its epoch uncommitted: the new owner redoes it from the last checkpoint.
      if (this.abandoned) return;
      await this.commits.settle();
      this.checkpoint();
      await this.commits.settle();
    } finally {
      // Never return (or fail) with a commit still using the sinks and the store.
      await this.commits.idle();
    }
    this.stats.updatedAt = this.now();
    const updates = this.pipeline.peek();
    for (const s of o.sinks) s.updates?.(updates);
  }

  /** Closes sinks and the checkpoint store. */
  async close(): Promise<void> {
    await this.o.source.close();
    for (const s of this.o.sinks) await s.close();
    await this.o.checkpoints.close();
    this.pipeline?.destroy();
  }

  private ingest(r: SourceRecord, wall: () => number): void {
    this.stats.eventsIn++;
    this.polledPerTopic.set(r.topic, (this.polledPerTopic.get(r.topic) ?? 0) + 1);
    const input = this.o.topics[r.topic];
    const v = input ? this.validate(input, r.value ?? "") : undefined;
    if (!v || !v.ok) {
      this.stats.invalid++;
      this.o.metrics?.invalid.inc({ topic: r.topic });
      if (v?.future) this.o.metrics?.future.inc({ topic: r.topic });
      this.o.metrics?.sideOut.inc({ kind: "dlq" });
      const reason = v ? v.reason : r.topic === MALFORMED_TOPIC ? "not a record: the line is not a {\"topic\", \"key\", \"value\"} JSON object" : `topic '${r.topic}' is not an input topic of this pipeline`;
      this.epoch.dlq.push({ record: r, reason });
      return;
    }
    this.stats.valid++;
    this.pollValid++;
    const forward = this.o.forward?.(input!, v.event, r);
    if (forward) this.epoch.forwards!.push(forward);
    if (this.pipeline.batch.full) this.flush(wall());
    this.pipeline.add(input!, v.event, v.t, `${r.topic}:${r.partition}`, r.timestamp ?? r.readAt);
    this.inBatch.push(r);
    this.inBatchT.push(v.t);
    this.inBatchInput.push(input!);
  }

  /**
   * Validates a message of `input`: SPEC rules for SPEC topics, the declaration for declared
   * inputs. A validator that throws (it must not) rejects the message instead of stopping the job.
   */
  private validate(input: string, raw: string | Uint8Array): Validation<object> {
    try {
      if (isTopicKind(input)) return validate(input, raw, { future: this.future });
      const def = this.pipeline.input(input)?.def;
      return def ? validateDeclared(def, raw, { future: this.future }) : { ok: false, reason: `input '${input}' is not read by this pipeline` };
    } catch (err) {
      return { ok: false, reason: `could not be validated: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /**
   * Warns once when most (> 50 %) of a poll's valid events (at least {@link LATE_WARN_MIN_EVENTS})
   * were late: the results then silently miss most of the input, and the usual causes are a source
   * whose clock is behind or a checkpoint restored from a run whose event time was ahead.
   */
  private checkLate(log: NonNullable<RunnerOptions["log"]>): void {
    const valid = this.pollValid;
    const behind = this.pollBehind;
    this.pollValid = 0;
    this.pollBehind = [];
    if (this.warnedLate || valid < LATE_WARN_MIN_EVENTS || behind.length * 2 <= valid) return;
    this.warnedLate = true;
    behind.sort((a, b) => a - b);
    const median = behind[behind.length >> 1];
    const fresh = this.o.checkpoints.freshStart ?? "use a new --group";
    const cause =
      this.restoredEpoch !== undefined
        ? `this run restored checkpoint epoch ${this.restoredEpoch}, probably written by a run whose event time was ahead (a generator at --speed N or max), or the source's clock is behind`
        : "the source's clock is behind (a producer replaying old data, a generator started in the past)";
    log("late-events", {
      level: "warn",
      message:
        `${behind.length} of ${valid} events in one poll were late, typically ${humanDuration(median)} behind the watermark, ` +
        `so they reach only the late side output, not the results. Likely cause: ${cause}. ` +
        `To start afresh: ${fresh}. (Warned once per run.)`,
      late: behind.length,
      valid,
      medianBehindMs: median,
    });
  }

  private flush(wallNow: number): void {
    if (this.pipeline.batch.n === 0) return;
    const res = this.pipeline.process(wallNow);
    if (res.lateCount > 0) {
      const wm = this.pipeline.watermarks();
      for (let i = 0; i < this.inBatch.length; i++) {
        const mask = res.late[i];
        if (mask === 0) continue;
        this.stats.late++;
        this.pollBehind.push(this.pipeline.watermarkOf(this.inBatchInput[i]) - this.inBatchT[i]);
        const ops = this.pipeline.lateOps(mask);
        for (const metric of ops) this.o.metrics?.late.inc({ stream: this.inBatch[i].topic, metric });
        this.o.metrics?.sideOut.inc({ kind: "late" });
        const reason: SideRecord["reason"] = `late for ${ops.join(", ")} (watermark passed its windows)`;
        this.epoch.late.push({ record: this.inBatch[i], reason });
      }
    }
    // Latency sample per batch: from the oldest event's read (or Kafka timestamp) to its rows.
    let oldest = Infinity;
    for (const r of this.inBatch) oldest = Math.min(oldest, r.timestamp ?? r.readAt);
    this.inBatch = [];
    this.inBatchT = [];
    this.inBatchInput = [];
    const t = this.now();
    recordLatency(this.stats.latency, t - oldest);
    this.o.metrics?.latencySeconds.observe(Math.max(0, t - oldest) / 1000);
    this.emit(res.rows);
  }

  private emit(rows: OutputRow[]): void {
    const counts = new Map<string, number>();
    for (const row of rows) {
      this.epoch.rows.push(row);
      counts.set(row.metric, (counts.get(row.metric) ?? 0) + 1);
    }
    this.overflows.check(rows);
    for (const [metric, n] of counts) {
      this.stats.rowsOut[metric] = (this.stats.rowsOut[metric] ?? 0) + n;
      this.o.metrics?.rowsOut.inc({ metric }, n);
    }
  }

  /**
   * The pipeline's watermark per group, leaving out a group that has seen no event yet while its
   * input still has records to read: -Infinity would say "nothing here" (left out of a merged
   * minimum), when it only means "not read yet" — the cross-task form of the source's priming.
   */
  private reportableWatermarks(): Record<string, number> {
    const wms: Record<string, number> = this.pipeline.watermarks();
    for (const [key, behind] of Object.entries(this.o.source.lag())) {
      if (behind <= 0) continue;
      const input = this.o.topics[splitPositionKey(key).topic];
      const group = input ? this.pipeline.input(input)?.group : undefined;
      if (group !== undefined && wms[group] === -Infinity) delete wms[group];
    }
    return wms;
  }

  /**
   * Ends the current epoch: captures it (rows, side records, positions, pipeline snapshot,
   * stats) synchronously, starts its commit in the background and opens the next epoch.
   */
  private checkpoint(): void {
    const epoch = this.epoch;
    this.stats.updatedAt = this.now();
    this.stats.epochs++;
    // Parallel tasks publish these with the epoch; both must describe the epoch as captured.
    epoch.watermarks = this.reportableWatermarks();
    if (this.o.idleAfterMs !== undefined && this.now() - this.lastRecordAt >= this.o.idleAfterMs) epoch.idle = { rows: this.pipeline.peek() };
    const positions = { ...this.o.source.positions() };
    const t0 = performance.now();
    const state = this.pipeline.snapshot();
    const snapshotMs = performance.now() - t0;
    // A deep copy: the latency histogram and row counts keep changing while the commit runs.
    const stats = structuredClone(this.stats);
    this.commits.start({ epoch, positions, state, stats, snapshotMs });
    this.epoch = { id: epoch.id + 1, rows: [], dlq: [], late: [], forwards: [] };
    this.lastCheckpoint = this.now();
  }
}
