/**
 * The console's Web Worker (comlink): loads eddy.wasm through src/core, owns the WebSocket to
 * the gateway, computes every SPEC metric in update mode on the incoming frames, and pushes
 * pre-aggregated chart data to the main thread at most 4 times a second (typed arrays
 * transferred). The main thread only draws.
 */
import * as Comlink from "comlink";
import { decodeFrame } from "../core/frames/decode";
import { FrameError } from "../core/frames/format";
import type { BackpressureMessage, SourceInfo, StatsMessage, TopicInfo } from "../core/frames/protocol";
import { wasmKernels } from "../core/pipeline/kernel-factory";
import type { OutputRow } from "../core/pipeline/rows";
import { instantiateCore } from "../core/wasm";
import { type ChartData, type ConnectionState, transferables } from "./shared/chart-data";
import type { AggregatorOptions } from "./worker/chart-aggregator";
import { ConsoleEngine, type EngineMetrics, type EngineStats } from "./worker/console-engine";
import { GatewaySocket } from "./worker/gateway-socket";
import { RateMeter } from "./worker/rate-meter";

/** Options of {@link ConsoleWorkerApi.start}. */
export interface StartOptions {
  /** ws:// or wss:// URL of the gateway's /ws. */
  url: string;
  /** Input topics to subscribe to (default: all the gateway forwards). */
  topics?: string[];
  /** Update interval, ms (default 250: at most 4 updates a second). */
  intervalMs?: number;
  /** The time range shown and replayed from Kafka at each connection, ms (default 15 min). */
  rangeMs?: number;
}

/**
 * The aggregator's settings for a time range: every 1-minute window of it, page views in
 * 5-minute buckets beyond an hour (a 6-hour heat map stays 72 columns wide), and open-session
 * samples spaced so that about 500 cover the range.
 */
export function aggregatorFor(rangeMs: number): AggregatorOptions {
  const windows = Math.max(1, Math.round(rangeMs / 60_000));
  return {
    windows,
    heatBucketMs: rangeMs > 3_600_000 ? 300_000 : 60_000,
    sessionStepMs: Math.max(1000, Math.round(rangeMs / 500)),
    sessionSamples: 600,
  };
}

/** What the gateway said about itself in `welcome`, and the metrics the worker runs for it. */
export interface GatewayInfo {
  source: SourceInfo;
  topics: TopicInfo[];
  metrics: EngineMetrics;
}

let engine: ConsoleEngine | undefined;
let notify: (s: ConnectionState) => void = () => {};
let recovering = false;
let coreErrors = 0;
let lastCoreError: string | null = null;
let socket: GatewaySocket | undefined;
let timer: ReturnType<typeof setInterval> | undefined;
let inFlight = false;
let gatewayStats: StatsMessage | null = null;
let backpressure: BackpressureMessage["state"] = "ok";
let skippedUpdates = 0;
let rangeMs = 15 * 60_000;
let subscribed: string[] | null = null;
let inputRate = new RateMeter(5000);
let inputPerSec: number | null = null;
/** Whether this connection's gateway answered the hello's history request (older ones do not). */
let historyAnswered = false;

const api = {
  /**
   * Loads the core, connects and starts pushing updates. `onUpdate`, `onState` and `onInfo`
   * must be `Comlink.proxy` callbacks of the main thread.
   */
  async start(
    opts: StartOptions,
    onUpdate: (d: ChartData) => Promise<void> | void,
    onState: (s: ConnectionState) => void,
    onInfo: (i: GatewayInfo) => void,
  ): Promise<void> {
    onState({ kind: "loading", detail: "loading the analytics core (eddy.wasm)" });
    rangeMs = opts.rangeMs ?? rangeMs;
    try {
      engine ??= await newEngine();
    } catch (err) {
      onState({ kind: "failed", reason: `could not load eddy.wasm: ${message(err)}` });
      throw err;
    }
    notify = onState;
    socket?.close();
    socket = new GatewaySocket(opts.url, {
      // Every connection starts from scratch and replays the time range: what Kafka holds is
      // exact (offsets), whereas resuming after a gap could only guess by timestamps.
      hello: () => {
        engine!.reset(aggregatorFor(rangeMs));
        inputRate = new RateMeter(5000);
        inputPerSec = null;
        const sinceMs = Date.now() - rangeMs;
        engine!.setHistory({ state: "replaying", events: 0, total: null, sinceMs });
        historyAnswered = false;
        return { type: "hello", v: 1, epoch: null, dicts: null, ...(opts.topics ? { topics: opts.topics } : {}), results: false, history: { sinceMs } };
      },
      onWelcome: (w) => {
        subscribed = w.subscribed.topics;
        let metrics: EngineMetrics;
        try {
          metrics = engine!.configure(w.metrics);
        } catch (err) {
          // The gateway checked the same definitions with the same code: only another build of
          // eddy can disagree. Its frames would not fit this pipeline, so stop rather than loop.
          socket?.close();
          onState({ kind: "failed", reason: `cannot run the gateway's metrics (${message(err)}); reload once the gateway and this page are the same version` });
          return;
        }
        onInfo({ source: w.source, topics: w.topics, metrics });
      },
      onFrame: (data) => {
        if (recovering) return;
        // A gateway that says nothing about history before its first frame does not replay any.
        if (!historyAnswered) {
          historyAnswered = true;
          engine!.setHistory({ state: "unavailable", events: 0, total: null, sinceMs: null, reason: "the gateway does not replay history" });
        }
        try {
          engine!.ingest(decodeFrame(data), Date.now());
        } catch (err) {
          engine!.rejected();
          // A delta that does not fit means our dictionaries diverged: start over with epoch null.
          if (err instanceof FrameError) socket?.reconnect(`bad frame: ${err.message}`);
          else void recover(err);
        }
      },
      onMessage: (m) => {
        if (m.type === "stats") {
          gatewayStats = m;
          let seen = 0;
          for (const [topic, n] of Object.entries(m.events)) if (!subscribed || subscribed.includes(topic)) seen += n;
          inputPerSec = inputRate.sample(Date.now(), seen);
          // Additive protocol field: the gateway's own consumer lag, i.e. this console's.
          if (typeof m.lag === "number") engine!.setLag({ lag: m.lag, of: "gateway" });
        } else if (m.type === "backpressure") {
          backpressure = m.state;
        } else if (m.type === "history") {
          historyAnswered = true;
          engine!.setHistory({
            state: m.state,
            events: engine!.stats().historyEvents,
            total: m.total,
            sinceMs: m.sinceMs,
            ...(m.reason ? { reason: m.reason } : {}),
          });
        }
      },
      onState,
    });
    socket.open();
    clearInterval(timer);
    timer = setInterval(() => {
      // Never queue updates behind a busy main thread: skip this one and count it.
      if (inFlight || recovering) {
        if (inFlight) skippedUpdates++;
        return;
      }
      let d: ChartData;
      try {
        d = engine!.update(Date.now(), { rangeMs, inputPerSec, backpressure });
      } catch (err) {
        void recover(err);
        return;
      }
      inFlight = true;
      Promise.resolve(onUpdate(Comlink.transfer(d, transferables(d)))).finally(() => {
        inFlight = false;
      });
    }, opts.intervalMs ?? 250);
  },

  /** Shows another time range: replays it from Kafka on a new connection. */
  setRange(ms: number): void {
    if (!(ms > 0) || ms === rangeMs) return;
    rangeMs = ms;
    socket?.reconnect("time range changed");
  },

  /** Disconnects and stops updating (the computed state is kept). */
  stop(): void {
    clearInterval(timer);
    socket?.close();
    socket = undefined;
  },

  /** Counters, updates skipped because the main thread was still drawing, and the gateway's view. */
  stats(): EngineStats & { skippedUpdates: number; backpressure: string; gateway: StatsMessage | null; coreErrors: number; lastCoreError: string | null } {
    return { ...(engine?.stats() ?? emptyStats()), skippedUpdates, backpressure, gateway: gatewayStats, coreErrors, lastCoreError };
  },

  /** Final rows of closed windows the worker computed (for checks against the headless runner). */
  finalRows(metric: string, windowStart?: number): OutputRow[] {
    return engine?.finalRows(metric, windowStart) ?? [];
  },

  /** Starts of the closed windows held for `metric`. */
  closedWindows(metric: string): number[] {
    return engine?.closedWindows(metric) ?? [];
  },
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A pipeline on a fresh core instance (its own linear memory). */
async function newEngine(): Promise<ConsoleEngine> {
  return new ConsoleEngine(wasmKernels(await instantiateCore()));
}

/**
 * The analytics core trapped (a kernel bug, out of memory): its memory can no longer be
 * trusted, so the worker says so, waits (longer after each failure, up to 30 s), starts a new
 * core with empty state and reconnects with no dictionaries. The page keeps its last charts.
 */
async function recover(err: unknown): Promise<void> {
  if (recovering) return;
  recovering = true;
  coreErrors++;
  lastCoreError = message(err);
  const waitMs = Math.min(30_000, 1000 * 2 ** Math.min(coreErrors - 1, 5));
  notify({ kind: "failed", reason: `analytics core error (${lastCoreError}); restarting it with empty state in ${waitMs / 1000} s` });
  console.error("eddy worker: analytics core error", err);
  await new Promise((r) => setTimeout(r, waitMs));
  try {
    engine?.destroy();
  } catch {
    // The broken instance is dropped whatever its state.
  }
  engine = await newEngine();
  recovering = false;
  socket?.reconnect("analytics core restarted");
}

function emptyStats(): EngineStats {
  return { epoch: null, frames: 0, eventsTotal: 0, droppedEvents: 0, invalidTotal: 0, lateTotal: 0, badFrames: 0, watermark: -Infinity, openSessions: 0, updates: 0, resets: 0, upstreamSumMs: 0, upstreamN: 0, historyEvents: 0 };
}

/** The worker's API as the main thread sees it through comlink. */
export type ConsoleWorkerApi = typeof api;

Comlink.expose(api);
