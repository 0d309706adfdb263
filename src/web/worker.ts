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
import type { KeptMetric } from "./worker/chart-aggregator";
import { ConsoleEngine, type EngineStats } from "./worker/console-engine";
import { GatewaySocket } from "./worker/gateway-socket";

/** Options of {@link ConsoleWorkerApi.start}. */
export interface StartOptions {
  /** ws:// or wss:// URL of the gateway's /ws. */
  url: string;
  /** Input topics to subscribe to (default: all the gateway forwards). */
  topics?: string[];
  /** Update interval, ms (default 250: at most 4 updates a second). */
  intervalMs?: number;
}

/** What the gateway said about itself in `welcome`. */
export interface GatewayInfo {
  source: SourceInfo;
  topics: TopicInfo[];
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
let gatewayLagKnown = false;
let skippedUpdates = 0;

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
    try {
      engine ??= await newEngine();
    } catch (err) {
      onState({ kind: "failed", reason: `could not load eddy.wasm: ${message(err)}` });
      throw err;
    }
    notify = onState;
    socket?.close();
    socket = new GatewaySocket(opts.url, {
      hello: () => ({ type: "hello", v: 1, ...engine!.helloState(), ...(opts.topics ? { topics: opts.topics } : {}), results: false }),
      onWelcome: (w) => onInfo({ source: w.source, topics: w.topics }),
      onFrame: (data) => {
        if (recovering) return;
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
          // Additive protocol field: a gateway that reports its own lag wins over group lags.
          const lag = (m as { lag?: unknown }).lag;
          if (typeof lag === "number") {
            gatewayLagKnown = true;
            engine!.setLag({ lag, of: "gateway" });
          }
        } else if (m.type === "backpressure") {
          backpressure = m.state;
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
        d = engine!.update(Date.now());
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

  /** Disconnects and stops updating (the computed state is kept). */
  stop(): void {
    clearInterval(timer);
    socket?.close();
    socket = undefined;
  },

  /** A consumer group's lag from /api/topics (shown unless the gateway reports its own). */
  setGroupLag(lag: { lag: number; of: string } | null): void {
    if (!gatewayLagKnown) engine?.setLag(lag);
  },

  /** Counters, updates skipped because the main thread was still drawing, and the gateway's view. */
  stats(): EngineStats & { skippedUpdates: number; backpressure: string; gateway: StatsMessage | null; coreErrors: number; lastCoreError: string | null } {
    return { ...(engine?.stats() ?? emptyStats()), skippedUpdates, backpressure, gateway: gatewayStats, coreErrors, lastCoreError };
  },

  /** Final rows of closed windows the worker computed (for checks against the headless runner). */
  finalRows(metric: KeptMetric, windowStart?: number): OutputRow[] {
    return engine?.finalRows(metric, windowStart) ?? [];
  },

  /** Starts of the closed windows held for `metric`. */
  closedWindows(metric: KeptMetric): number[] {
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
  return { epoch: null, frames: 0, eventsTotal: 0, droppedEvents: 0, invalidTotal: 0, lateTotal: 0, badFrames: 0, watermark: -Infinity, openSessions: 0, updates: 0, resets: 0, upstreamSumMs: 0, upstreamN: 0 };
}

/** The worker's API as the main thread sees it through comlink. */
export type ConsoleWorkerApi = typeof api;

Comlink.expose(api);
