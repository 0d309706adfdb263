/**
 * The console's Web Worker (comlink): loads eddy.wasm through src/core, owns the WebSocket to
 * the gateway, computes every SPEC metric in update mode on the incoming frames, and pushes
 * pre-aggregated chart data to the main thread at most 4 times a second (typed arrays
 * transferred). The main thread only draws.
 */
import * as Comlink from "comlink";
import { decodeFrame } from "../core/frames/decode";
import { FrameError } from "../core/frames/format";
import type { SourceInfo, TopicInfo } from "../core/frames/protocol";
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
let socket: GatewaySocket | undefined;
let timer: ReturnType<typeof setInterval> | undefined;
let inFlight = false;
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
      engine ??= new ConsoleEngine(wasmKernels(await instantiateCore()));
    } catch (err) {
      onState({ kind: "failed", reason: `could not load eddy.wasm: ${err instanceof Error ? err.message : String(err)}` });
      throw err;
    }
    const e = engine;
    socket?.close();
    socket = new GatewaySocket(opts.url, {
      hello: () => ({ type: "hello", v: 1, ...e.helloState(), ...(opts.topics ? { topics: opts.topics } : {}), results: false }),
      onWelcome: (w) => onInfo({ source: w.source, topics: w.topics }),
      onFrame: (data) => {
        try {
          e.ingest(decodeFrame(data), Date.now());
        } catch (err) {
          e.rejected();
          // A delta that does not fit means our dictionaries diverged: start over with epoch null.
          if (err instanceof FrameError) socket?.reconnect(`bad frame: ${err.message}`);
          else throw err;
        }
      },
      onMessage: () => {},
      onState,
    });
    socket.open();
    clearInterval(timer);
    timer = setInterval(() => {
      // Never queue updates behind a busy main thread: skip this one and count it.
      if (inFlight) {
        skippedUpdates++;
        return;
      }
      const d = e.update(Date.now());
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

  /** The gateway's consumer lag, as the main thread read it from /api/topics. */
  setLag(lag: number | null): void {
    engine?.setLag(lag);
  },

  /** Counters, plus updates skipped because the main thread was still drawing. */
  stats(): EngineStats & { skippedUpdates: number } {
    return { ...(engine?.stats() ?? emptyStats()), skippedUpdates };
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

function emptyStats(): EngineStats {
  return { epoch: null, frames: 0, eventsTotal: 0, droppedEvents: 0, invalidTotal: 0, lateTotal: 0, badFrames: 0, watermark: -Infinity, openSessions: 0, updates: 0, resets: 0 };
}

/** The worker's API as the main thread sees it through comlink. */
export type ConsoleWorkerApi = typeof api;

Comlink.expose(api);
