/**
 * The console's analytics in the worker, without the socket: decoded event frames go into the
 * same SPEC {@link Pipeline} the headless runner uses (on eddy.wasm), final and on-arrival rows
 * go to the {@link ChartAggregator}, and `update()` packs one {@link ChartData} (charts,
 * health, event-to-update latency). Kept free of WebSocket and comlink so that Node tests drive
 * it with frames built by the gateway's encoder.
 */
import type { EventFrame } from "../../core/frames/format";
import { appendFrame, applyFrameDeltas, frameDictionarySizes, frameStartsOver } from "../../core/pipeline/frame-input";
import type { KernelFactory } from "../../core/pipeline/kernel-factory";
import { Pipeline } from "../../core/pipeline/pipeline";
import type { OutputRow } from "../../core/pipeline/rows";
import type { ChartData } from "../shared/chart-data";
import { bucketOf, LATENCY_BUCKETS } from "../shared/latency-histogram";
import { type AggregatorOptions, ChartAggregator, type KeptMetric } from "./chart-aggregator";
import { RateMeter } from "./rate-meter";

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
}

/** See the module comment. */
export class ConsoleEngine {
  private pipeline: Pipeline;
  private aggregator: ChartAggregator;
  private epoch: number | null = null;
  private hasState = false;
  // Kafka timestamps of events not yet in an update (for the latency histogram); grows, never per event.
  private pendingTs = new Float64Array(1 << 16);
  private pendingN = 0;
  private readonly rate = new RateMeter();
  private lag: { lag: number; of: string } | null = null;
  private readonly s: EngineStats = {
    epoch: null, frames: 0, eventsTotal: 0, droppedEvents: 0, invalidTotal: 0, lateTotal: 0,
    badFrames: 0, watermark: -Infinity, openSessions: 0, updates: 0, resets: 0, upstreamSumMs: 0, upstreamN: 0,
  };

  constructor(
    private readonly kernels: KernelFactory,
    private readonly aggOptions: AggregatorOptions = {},
  ) {
    this.pipeline = Pipeline.create({ kernels });
    this.aggregator = new ChartAggregator(aggOptions);
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
      i = appendFrame(p, frame, i);
      this.hasState = true;
      if (p.batch.full || i === frame.n) this.process(now);
    }
    this.s.eventsTotal += frame.n;
  }

  /** Counts a frame that could not be decoded. */
  rejected(): void {
    this.s.badFrames++;
  }

  /** Consumer lag to show: the gateway's own, or a consumer group's from /api/topics. */
  setLag(lag: { lag: number; of: string } | null): void {
    this.lag = lag;
  }

  private process(now: number): void {
    const p = this.pipeline;
    if (p.batch.n === 0) return;
    const r = p.process(now);
    this.s.lateTotal += r.lateCount;
    if (r.rows.length) this.aggregator.addRows(r.rows);
    const closed = p.advance();
    if (closed.length) this.aggregator.addRows(closed);
  }

  private keepTimestamps(frame: EventFrame): void {
    let up = 0;
    for (let i = 0; i < frame.n; i++) up += frame.sentAt - frame.kafkaTs[i];
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
    this.pipeline = Pipeline.create({ kernels: this.kernels });
    this.aggregator = new ChartAggregator(this.aggOptions);
    this.hasState = false;
    this.s.resets++;
  }

  /** One update of every chart at wall-clock `now` (epoch ms). */
  update(now: number): ChartData {
    const p = this.pipeline;
    const agg = this.aggregator;
    const peek = this.hasState ? p.peek() : [];
    const openSessions = p.openCount("sessions");
    agg.sampleSessions(now, openSessions);
    const latency = new Uint32Array(LATENCY_BUCKETS);
    const ts = this.pendingTs;
    for (let i = 0; i < this.pendingN; i++) latency[bucketOf(now - ts[i])]++;
    this.pendingN = 0;
    this.s.watermark = p.watermarks().main;
    this.s.openSessions = openSessions;
    this.s.updates++;
    return {
      seq: this.s.updates,
      sentAt: now,
      pageViews: agg.pageViews(peek),
      categoryRevenue: agg.categoryRevenue(peek),
      conversion: agg.conversion(peek),
      sessions: agg.sessions(),
      anomalies: agg.anomalies(),
      latency,
      health: {
        eventsPerSec: this.rate.sample(now, this.s.eventsTotal),
        eventsTotal: this.s.eventsTotal,
        droppedEvents: this.s.droppedEvents,
        invalidTotal: this.s.invalidTotal,
        lateTotal: this.s.lateTotal,
        watermark: this.s.watermark,
        lag: this.lag?.lag ?? null,
        lagOf: this.lag?.of ?? null,
        frames: this.s.frames,
        openSessions,
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
  finalRows(metric: KeptMetric, windowStart?: number): OutputRow[] {
    return this.aggregator.finalRows(metric, windowStart);
  }

  /** Starts of the closed windows held for `metric`, ascending. */
  closedWindows(metric: KeptMetric): number[] {
    return this.aggregator.closedWindows(metric);
  }
}
