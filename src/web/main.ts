/**
 * The console's main thread: builds the page, starts the worker (which owns the socket and the
 * analytics), and draws what the worker sends on animation frames. It computes nothing per
 * event. `window.eddy` is a small debug handle (state, counters, the worker's final rows,
 * latency, long tasks) used by the end-to-end test and handy in DevTools.
 */
import * as Comlink from "comlink";
import { CHARTS, chartsFor } from "./charts";
import type { ChartDeclaration } from "./charts/chart";
import { userChart } from "./charts/user-metrics";
import type { ChartData, ConnectionState } from "./shared/chart-data";
import { ChartPanel, type ViewContext } from "./ui/chart-panel";
import { layoutGrid } from "./ui/chart-grid";
import { count, ms } from "./ui/dom";
import { judge } from "./ui/health-rules";
import { HealthStrip } from "./ui/health-strip";
import { LastMinuteCounter } from "./ui/last-minute";
import { LatencyTracker } from "./ui/latency-tracker";
import { LongTaskMonitor } from "./ui/long-tasks";
import { RenderScheduler } from "./ui/render-scheduler";
import { StateView } from "./ui/state-view";
import { timeBase } from "./ui/time-base";
import { fromUrl, RANGES, Toolbar } from "./ui/toolbar";
import { TopicBrowser } from "./ui/topic-browser";
import type { ConsoleWorkerApi, GatewayInfo } from "./worker";
import "./styles.css";

/** SPEC watermark delay (the console runs the pipeline with SPEC defaults). */
const WATERMARK_DELAY_MS = 5 * 60_000;

const params = new URLSearchParams(location.search);
const token = params.get("token");
const topics = params.get("topics")?.split(",").filter(Boolean);
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
const initial = fromUrl(params);
let rangeMs = RANGES[initial.range].ms;
let time = timeBase(initial.zone);

const $ = (id: string) => document.getElementById(id)!;
const stateView = new StateView($("state"));
const health = new HealthStrip($("health"), $("dev"));
const panels = CHARTS.map((c) => new ChartPanel(c));
layoutGrid($("charts"), panels);

/**
 * Shows the charts of the metrics the gateway runs: built-in ones narrowed by `--only`, one per
 * user-defined metric. Panels of charts kept are reused; the grid is laid out again (no empty cell).
 */
function setCharts(decls: ChartDeclaration[]): void {
  const ids = decls.map((c) => c.id).join("|");
  if (ids === panels.map((p) => p.chart.id).join("|")) return;
  const byId = new Map(panels.map((p) => [p.chart.id, p]));
  // The scheduler holds this array: replace its contents rather than the array.
  panels.splice(0, panels.length, ...decls.map((c) => byId.get(c.id) ?? new ChartPanel(c)));
  layoutGrid($("charts"), panels);
  scheduler.redraw();
}

const latency = new LatencyTracker();
const longTasks = new LongTaskMonitor();
const minute = new LastMinuteCounter();
let state: ConnectionState = { kind: "loading", detail: "starting the worker" };
let info: GatewayInfo | null = null;
let eventsTotal = 0;
let updatesDrawn = 0;
let skippedUpdates = 0;
let last: ChartData | null = null;
let lastUpdateAt: number | null = null;
let pausedAt: number | null = null;

/** The view every chart shares: the time base and [newest event − range, newest event]. */
function view(d: ChartData): ViewContext {
  const newest = Number.isFinite(d.health.latestEventTime) ? d.health.latestEventTime : Date.now();
  return { time, domain: [newest - rangeMs, newest] };
}

function showState(): void {
  stateView.show(state, eventsTotal, info, last?.health.history);
  const stale = state.kind !== "connected";
  document.body.dataset.stale = String(stale);
  const badge = stale ? `stale${lastUpdateAt ? ` since ${time.clock(lastUpdateAt)}` : ""}` : pausedAt !== null ? `paused at ${time.clock(pausedAt)}` : null;
  for (const p of panels) p.setBadge(badge);
  showHealth();
}

function showHealth(): void {
  const h = last?.health;
  if (!h) return;
  const m = minute.sample(Date.now(), { events: h.eventsTotal, dropped: h.droppedEvents, late: h.lateTotal, invalid: h.invalidTotal });
  const tiles = judge({
    w: h,
    latency: latency.recent(),
    minute: m,
    connection: state,
    sourceKind: info?.source.kind ?? null,
    time,
    watermarkDelayMs: WATERMARK_DELAY_MS,
    lastUpdateAt,
  });
  const lt = longTasks.summary();
  health.show(tiles, [
    ["main-thread tasks > 50 ms", `${lt.count} (longest ${ms(lt.maxMs)})`],
    ["updates skipped (page busy)", count(skippedUpdates)],
    ["updates drawn", count(updatesDrawn)],
    ["longest chart draw / frame", `${ms(scheduler.maxDrawMs)} / ${ms(scheduler.maxFrameMs)}`],
    ["frames received / rejected", `${count(h.frames)} / ${count(h.badFrames)}`],
    ["events in this tab (history)", `${count(h.eventsTotal)} (${count(h.history.events)})`],
    ["gateway backpressure", h.backpressure],
    ["open sessions", count(h.openSessions)],
  ]);
}

const scheduler = new RenderScheduler(panels, view, (d, lat, drawnAt) => {
  for (const l of lat) latency.add(l.h, l.sentAt, drawnAt);
  updatesDrawn++;
  toolbar.setNote(pausedAt === null ? `updated ${time.clock(drawnAt)}` : `paused at ${time.clock(pausedAt)}: data keeps arriving; resume to see it`);
});
scheduler.watchVisibility();

const worker = Comlink.wrap<ConsoleWorkerApi>(new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }));

const toolbar = new Toolbar($("toolbar"), initial, {
  onRange(msRange) {
    rangeMs = msRange;
    minute.reset();
    void worker.setRange(msRange);
  },
  onZone(z) {
    time = timeBase(z);
    scheduler.redraw();
    showState();
  },
  onPause(paused) {
    pausedAt = paused ? Date.now() : null;
    scheduler.setPaused(paused);
    toolbar.setNote(paused ? `paused at ${time.clock(pausedAt!)}: data keeps arriving; resume to see it` : "");
    showState();
  },
});

const browser = new TopicBrowser($("topics"), () => state.kind === "connected", () => time);
browser.start();

/** Every update: kept for the health strip even while paused (the numbers stay current). */
function accept(d: ChartData): Promise<void> {
  eventsTotal = d.health.eventsTotal;
  last = d;
  lastUpdateAt = Date.now();
  showState();
  return scheduler.accept(d);
}

void worker
  .start(
    { url: wsUrl, rangeMs, ...(topics ? { topics } : {}) },
    Comlink.proxy(accept),
    Comlink.proxy((s: ConnectionState) => {
      state = s;
      showState();
    }),
    Comlink.proxy((i: GatewayInfo) => {
      info = i;
      setCharts(chartsFor(i.metrics.builtins, i.metrics.charts.map(userChart)));
      showState();
    }),
  )
  .catch((err: unknown) => {
    state = { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
    showState();
  });

// Refresh the worker's skipped-update count now and then (it is not worth a message per update),
// and the tiles' stale notes while no update comes.
setInterval(() => {
  void worker.stats().then((s) => {
    skippedUpdates = s.skippedUpdates;
  });
  if (state.kind !== "connected") showState();
}, 1000);

/** The debug handle (see the module comment). */
const debug = {
  state: () => state,
  info: () => info,
  updatesDrawn: () => updatesDrawn,
  lastHealth: () => last?.health ?? null,
  stats: () => worker.stats(),
  finalRows: (metric: string, windowStart?: number) => worker.finalRows(metric, windowStart),
  closedWindows: (metric: string) => worker.closedWindows(metric),
  latency: () => latency.sinceReset(),
  recentLatency: () => latency.recent(),
  resetLatency: () => latency.reset(),
  longTasks: () => ({ supported: longTasks.supported, ...longTasks.summary() }),
  resetLongTasks: () => longTasks.reset(),
  maxDrawMs: () => scheduler.maxDrawMs,
  maxFrameMs: () => scheduler.maxFrameMs,
  drawStats: () => Object.fromEntries(panels.map((p) => [p.chart.id, { ...p.drawStats }])),
  drawn: () => Object.fromEntries(panels.map((p) => [p.chart.id, p.root.dataset.drawn ?? "none"])),
  /** Width each chart is drawn at, px. */
  widths: () => Object.fromEntries(panels.map((p) => [p.chart.id, p.width])),
  /** The shown range and the event-time domain of the charts. */
  view: () => ({ rangeMs, zone: time.zone, domain: last ? view(last).domain : null }),
};
(window as unknown as { eddy: typeof debug }).eddy = debug;
/** Type of `window.eddy`. */
export type EddyDebug = typeof debug;
