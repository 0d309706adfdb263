/**
 * The console's main thread: builds the page, starts the worker (which owns the socket and the
 * analytics), and draws what the worker sends on animation frames. It computes nothing per
 * event. `window.eddy` is a small debug handle (state, counters, the worker's final rows,
 * latency, long tasks) used by the end-to-end test and handy in DevTools.
 */
import * as Comlink from "comlink";
import { CHARTS } from "./charts";
import type { ChartData, ConnectionState } from "./shared/chart-data";
import { ChartPanel } from "./ui/chart-panel";
import { HealthStrip } from "./ui/health-strip";
import { LatencyTracker } from "./ui/latency-tracker";
import { LongTaskMonitor } from "./ui/long-tasks";
import { RenderScheduler } from "./ui/render-scheduler";
import { StateView } from "./ui/state-view";
import { consumerLag, TopicBrowser } from "./ui/topic-browser";
import type { ConsoleWorkerApi, GatewayInfo } from "./worker";
import type { KeptMetric } from "./worker/chart-aggregator";
import "./styles.css";

const params = new URLSearchParams(location.search);
const token = params.get("token");
const topics = params.get("topics")?.split(",").filter(Boolean);
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;

const $ = (id: string) => document.getElementById(id)!;
const stateView = new StateView($("state"));
const health = new HealthStrip($("health"));
const panels = CHARTS.map((c) => new ChartPanel(c));
$("charts").replaceChildren(...panels.map((p) => p.root));

const latency = new LatencyTracker();
const longTasks = new LongTaskMonitor();
let state: ConnectionState = { kind: "loading", detail: "starting the worker" };
let info: GatewayInfo | null = null;
let eventsTotal = 0;
let updatesDrawn = 0;
let skippedUpdates = 0;
let last: ChartData | null = null;
stateView.show(state, 0, null);

const scheduler = new RenderScheduler(panels, (d, lat, drawnAt) => {
  for (const l of lat) latency.add(l.h, l.sentAt, drawnAt);
  updatesDrawn++;
  eventsTotal = d.health.eventsTotal;
  last = d;
  health.show(d.health, { latency: latency.recent(), longTasks: longTasks.summary().count, skippedUpdates });
  stateView.show(state, eventsTotal, info);
});

scheduler.watchVisibility();

const worker = Comlink.wrap<ConsoleWorkerApi>(new Worker(new URL("./worker.ts", import.meta.url), { type: "module" }));

const browser = new TopicBrowser($("topics"), (body) => {
  const subscribed = info?.topics.map((t) => t.name) ?? topics ?? [];
  void worker.setGroupLag(consumerLag(body, subscribed));
});
browser.start();

void worker
  .start(
    { url: wsUrl, ...(topics ? { topics } : {}) },
    Comlink.proxy((d: ChartData) => scheduler.accept(d)),
    Comlink.proxy((s: ConnectionState) => {
      state = s;
      stateView.show(s, eventsTotal, info);
    }),
    Comlink.proxy((i: GatewayInfo) => {
      info = i;
      stateView.show(state, eventsTotal, info);
    }),
  )
  .catch((err: unknown) => {
    state = { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
    stateView.show(state, eventsTotal, info);
  });

// Refresh the worker's skipped-update count now and then (it is not worth a message per update).
setInterval(() => {
  void worker.stats().then((s) => {
    skippedUpdates = s.skippedUpdates;
  });
}, 1000);

/** The debug handle (see the module comment). */
const debug = {
  state: () => state,
  info: () => info,
  updatesDrawn: () => updatesDrawn,
  lastHealth: () => last?.health ?? null,
  stats: () => worker.stats(),
  finalRows: (metric: KeptMetric, windowStart?: number) => worker.finalRows(metric, windowStart),
  closedWindows: (metric: KeptMetric) => worker.closedWindows(metric),
  latency: () => latency.sinceReset(),
  recentLatency: () => latency.recent(),
  resetLatency: () => latency.reset(),
  longTasks: () => ({ supported: longTasks.supported, ...longTasks.summary() }),
  resetLongTasks: () => longTasks.reset(),
  maxDrawMs: () => scheduler.maxDrawMs,
  maxFrameMs: () => scheduler.maxFrameMs,
  drawStats: () => Object.fromEntries(panels.map((p) => [p.chart.id, { ...p.drawStats }])),
  drawn: () => Object.fromEntries(panels.map((p) => [p.chart.id, p.root.dataset.drawn ?? "none"])),
};
(window as unknown as { eddy: typeof debug }).eddy = debug;
/** Type of `window.eddy`. */
export type EddyDebug = typeof debug;
