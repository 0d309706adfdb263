/**
 * The console's analytics in the worker, without the socket: decoded event frames go into the
 * same SPEC {@link Pipeline} the headless runner uses (on eddy.wasm), final and on-arrival rows
 * go to the {@link ChartAggregator}, and `update()` packs one {@link ChartData} (charts,
 * health, event-to-update latency). Kept free of WebSocket and comlink so that Node tests drive
 * it with frames built by the gateway's encoder.
 */
import type { EventFrame } from "../../core/frames/format";
import type { MetricsInfo } from "../../core/frames/protocol";
import { MetricRegistry } from "../../core/metrics/registry";
import type { UserMetrics } from "../../core/metrics/user/definition";
import { appendFrame, applyFrameDeltas, frameDictionarySizes, frameStartsOver } from "../../core/pipeline/frame-input";
import type { KernelFactory } from "../../core/pipeline/kernel-factory";
import { Pipeline } from "../../core/pipeline/pipeline";
import type { OutputRow } from "../../core/pipeline/rows";
import type { ChartData, HistoryProgress } from "../shared/chart-data";
import { bucketOf, LATENCY_BUCKETS } from "../shared/latency-histogram";
import { type UserChartSpec, userChartSpecs } from "../shared/user-charts";
import { type AggregatorOptions, ChartAggregator, WINDOW_SERIES } from "./chart-aggregator";
import { nameProducts } from "./name-products";
import { RateMeter } from "./rate-meter";
import { welcomeMetrics } from "./welcome-metrics";

/** Most Kafka timestamps held between two updates (32 MB). */
const MAX_PENDING_TIMESTAMPS = 4 * 1024 * 1024;

/** Counters the debug handle and the e2e test read. */
export interface EngineStats {
  epoch: number | null;
  frames: number;
  eventsTotal: number;
  droppedEvents: number;
  invalidTotal: number;
  lateTotal: number;
  badFrames: number;
  watermark: number;
  openSessions: number;
  updates: number;
  /** Times the pipeline was started over (new gateway epoch or FLAG_RESET). */
  resets: number;
  /**
   * Sum over events of (frame sentAt − Kafka timestamp), ms, and its count: the part of the
   * event-to-screen latency spent before the gateway sent the event (Kafka, the gateway's batching).
   */
  upstreamSumMs: number;
  upstreamN: number;
  /** Events that came from the replay of the time range (their latency is not counted). */
  historyEvents: number;
}

/** What an update reports beside the engine's own figures. */
export interface UpdateContext {
  /** The shown time range, ms: anomalies older than the newest event time minus it are left out. */
  rangeMs?: number;
  /** Events/s arriving at the gateway on the subscribed topics. */
  inputPerSec?: number | null;
  backpressure?: string;
}

/** The metrics a gateway's `welcome` asks for: user-defined ones, and the built-in ones kept. */
export interface EngineMetrics {
  /** Built-in metric names run (all unless `--only` narrowed them). */
  builtins: string[];
  /** The chart of each user metric. */
  charts: UserChartSpec[];
}

/** See the module comment. */
export class ConsoleEngine {
  private pipeline: Pipeline;
  private user: UserMetrics = { inputs: [], metrics: [] };
  private builtins: string[] | undefined;
  private charts: UserChartSpec[] = [];
  /** The welcome's metrics as configured (JSON), to see whether a new welcome changes them. */
  private configured = "null";
  private aggregator: ChartAggregator;
  private epoch: number | null = null;
  private hasState = false;
  // Kafka timestamps of events not yet in an update (for the latency histogram); grows, never per event.
  private pendingTs = new Float64Array(1 << 16);
  private pendingN = 0;
  private readonly rate = new RateMeter();
  private lag: { lag: number; of: string } | null = null;
  private latestT = -Infinity;
  private history: HistoryProgress = { state: "none", events: 0, total: null, sinceMs: null };
  private readonly s: EngineStats = {
    epoch: null, frames: 0, eventsTotal: 0, droppedEvents: 0, invalidTotal: 0, lateTotal: 0,
    badFrames: 0, watermark: -Infinity, openSessions: 0, updates: 0, resets: 0, upstreamSumMs: 0, upstreamN: 0, historyEvents: 0,
  };

  constructor(
    private readonly kernels: KernelFactory,
    private aggOptions: AggregatorOptions = {},
  ) {
    this.pipeline = this.newPipeline();
    this.aggregator = this.newAggregator();
  }

  private newPipeline(): Pipeline {
    return Pipeline.create({ kernels: this.kernels, user: this.user, ...(this.builtins ? { builtins: this.builtins } : {}) });
  }

  private newAggregator(): ChartAggregator {
    return new ChartAggregator({ ...this.aggOptions, user: this.charts });
  }

  /**
   * Runs the user-defined metrics of a gateway's `welcome` (none for null), validated and selected
   * with the same code as the gateway's (`eddy run --metrics-file --only`), so that both derive the
   * same inputs and frame field columns. A change starts the pipeline over. Throws the
   * DefinitionError of definitions this build cannot run.
   */
  configure(info: MetricsInfo | null | undefined): EngineMetrics {
    const key = JSON.stringify(info ?? null);
    if (key !== this.configured) {
      ({ user: this.user, builtins: this.builtins } = welcomeMetrics(info));
      this.charts = userChartSpecs(this.user);
      this.configured = key;
      this.startOver();
    }
    return { builtins: this.builtins ?? MetricRegistry.builtin().names, charts: this.charts };
  }

  /** What a `hello` sends so that a reconnect receives only the strings it lacks. */
  helloState(): { epoch: number | null; dicts: number[] | null } {
    return this.epoch === null ? { epoch: null, dicts: null } : { epoch: this.epoch, dicts: frameDictionarySizes(this.pipeline) };
  }

  /**
   * Feeds one frame and processes it at wall-clock `now` (idle-stream detection). Throws the
   * decoder's FrameError for a frame whose deltas or ids do not fit (the caller reconnects).
   */
  ingest(frame: EventFrame, now: number): void {
    if (frameStartsOver(frame, this.epoch)) {
      if (this.hasState) this.startOver();
      this.epoch = frame.epoch;
      this.s.epoch = frame.epoch;
    }
    applyFrameDeltas(this.pipeline, frame);
    this.s.frames++;
    this.s.droppedEvents += frame.dropped;
    this.s.invalidTotal += frame.invalid;
    this.keepTimestamps(frame);
    const p = this.pipeline;
    for (let i = 0; i < frame.n; ) {
      const from = i;
      i = appendFrame(p, frame, i);
      this.hasState = true;
      if (p.batch.full || i === frame.n) this.process(now, frame, from, i);
    }
    this.s.eventsTotal += frame.n;
    if (this.history.state === "replaying") {
      this.s.historyEvents += frame.n;
      this.history.events += frame.n;
    }
  }

  /** The gateway's report on the time range's replay (frames between start and done are history). */
  setHistory(h: HistoryProgress): void {
    this.history = { ...h };
  }

  /** Counts a frame that could not be decoded. */
  rejected(): void {
    this.s.badFrames++;
  }

  /** Consumer lag to show: the gateway's own, or a consumer group's from /api/topics. */
  setLag(lag: { lag: number; of: string } | null): void {
    this.lag = lag;
  }

  private process(now: number, frame: EventFrame, from: number, to: number): void {
    const p = this.pipeline;
    if (p.batch.n === 0) return;
    const r = p.process(now);
    this.s.lateTotal += r.lateCount;
    if (r.rows.length) {
      nameProducts(r.rows, frame, from, to, p);
      this.aggregator.addRows(r.rows);
    }
    const closed = p.advance();
    if (closed.length) this.aggregator.addRows(closed);
    this.aggregator.sampleSessions(this.latestT, p.openCount("sessions"));
  }

  private keepTimestamps(frame: EventFrame): void {
    let up = 0;
    let latest = this.latestT;
    for (let i = 0; i < frame.n; i++) {
      up += frame.sentAt - frame.kafkaTs[i];
      if (frame.t[i] > latest) latest = frame.t[i];
    }
    this.latestT = latest;
    // Replayed events are hours old: their latency says nothing about the console.
    if (this.history.state === "replaying") return;
    this.s.upstreamSumMs += up;
    this.s.upstreamN += frame.n;
    const need = this.pendingN + frame.n;
    // Updates stalled (nothing drew for a long while): stop sampling latency rather than grow.
    if (need > MAX_PENDING_TIMESTAMPS) return;
    if (need > this.pendingTs.length) {
      const grown = new Float64Array(Math.max(need, this.pendingTs.length * 2));
      grown.set(this.pendingTs.subarray(0, this.pendingN));
      this.pendingTs = grown;
    }
    this.pendingTs.set(frame.kafkaTs.subarray(0, frame.n), this.pendingN);
    this.pendingN = need;
  }

  private startOver(): void {
    // The gateway restarted (new dictionary epoch): ids changed, so state built on them goes.
    this.pipeline.destroy();
    this.pipeline = this.newPipeline();
    this.aggregator = this.newAggregator();
    this.hasState = false;
    this.latestT = -Infinity;
    this.pendingN = 0;
    this.s.resets++;
  }

  /**
   * Drops every result and the dictionaries (the next hello asks for everything again), e.g.
   * before the time range is replayed anew; `aggOptions` replaces the aggregator's options.
   */
  reset(aggOptions?: AggregatorOptions): void {
    if (aggOptions) this.aggOptions = aggOptions;
    this.startOver();
    this.epoch = null;
    this.s.epoch = null;
    this.history = { state: "none", events: 0, total: null, sinceMs: null };
  }

  /** One update of every chart at wall-clock `now` (epoch ms). */
  update(now: number, ctx: UpdateContext = {}): ChartData {
    const p = this.pipeline;
    const agg = this.aggregator;
    const peek = this.hasState ? p.peek() : [];
    const openSessions = p.openCount("sessions");
    agg.sampleSessions(this.latestT, openSessions);
    const latency = new Uint32Array(LATENCY_BUCKETS);
    const ts = this.pendingTs;
    for (let i = 0; i < this.pendingN; i++) latency[bucketOf(now - ts[i])]++;
    this.pendingN = 0;
    this.s.watermark = p.watermarks().main;
    this.s.openSessions = openSessions;
    this.s.updates++;
    const series: ChartData["series"] = { page_views: agg.pageViews(peek), conversion: agg.conversion(peek) };
    for (const id of Object.keys(WINDOW_SERIES)) series[id] = agg.windowSeries(id, peek);
    const user = agg.userCharts(peek);
    Object.assign(series, user.series);
    return {
      seq: this.s.updates,
      sentAt: now,
      series,
      tables: user.tables,
      sessions: agg.sessions(),
      anomalies: agg.anomalies(ctx.rangeMs ? this.latestT - ctx.rangeMs : -Infinity),
      latency,
      health: {
        eventsPerSec: this.rate.sample(now, this.s.eventsTotal),
        inputPerSec: ctx.inputPerSec ?? null,
        eventsTotal: this.s.eventsTotal,
        droppedEvents: this.s.droppedEvents,
        invalidTotal: this.s.invalidTotal,
        lateTotal: this.s.lateTotal,
        watermark: this.s.watermark,
        lag: this.lag?.lag ?? null,
        lagOf: this.lag?.of ?? null,
        frames: this.s.frames,
        openSessions,
        latestEventTime: this.latestT,
        history: { ...this.history },
        backpressure: ctx.backpressure ?? "ok",
        badFrames: this.s.badFrames,
      },
    };
  }

  /** Frees the pipeline's kernels. */
  destroy(): void {
    this.pipeline.destroy();
  }

  /** Counters (a copy). */
  stats(): EngineStats {
    return { ...this.s, watermark: this.pipeline.watermarks().main };
  }

  /** Final rows the worker computed for `metric` (closed windows only), optionally one window. */
  finalRows(metric: string, windowStart?: number): OutputRow[] {
    return this.aggregator.finalRows(metric, windowStart);
  }

  /** Starts of the closed windows held for `metric`, ascending. */
  closedWindows(metric: string): number[] {
    return this.aggregator.closedWindows(metric);
  }
}
