/**
 * The one-line status of a running `eddy run`:
 * `▶ 1,234 ev/s · 45,678 events · watermark 10:42:05 CET · lag 120 · 3 anomalies · 12 late · 2 invalid`.
 * Shown in place on a terminal (see live-line.ts) and after each console block otherwise.
 */
import type { Source } from "../io/types";
import type { Runner } from "../runner/runner";
import { formatInt, formatPercent, type TimeZone } from "./format";

/** Live numbers of a run. */
export interface RunStatus {
  /** Input records per second since the previous sample. */
  eventsPerSecond: number;
  /** Input records so far (across restarts). */
  eventsIn: number;
  /** Pipeline watermark, epoch ms; null before any event, +Infinity at the end of bounded input. */
  watermark: number | null;
  /** Consumer lag per `topic:partition`; {} when unknown. */
  lag: Record<string, number>;
  anomalies: number;
  late: number;
  invalid: number;
  /** Share of the input file read (file input only), 0..1. */
  read?: number;
}

/** Renders `s` as one line; watermark in `zone`. */
export function formatStatus(s: RunStatus, zone: TimeZone, now = Date.now()): string {
  const wm =
    s.watermark === null ? "watermark –" : s.watermark === Infinity ? "watermark end of input" : `watermark ${zone.time(s.watermark, now)} ${zone.name(s.watermark)}`;
  const lag = Object.values(s.lag);
  const parts = [
    `▶ ${formatInt(s.eventsPerSecond)} ev/s`,
    `${formatInt(s.eventsIn)} events`,
    ...(s.read !== undefined ? [`${formatPercent(s.read)} read`] : []),
    wm,
    ...(lag.length ? [`lag ${formatInt(lag.reduce((a, b) => a + b, 0))}`] : []),
    `${formatInt(s.anomalies)} anomal${s.anomalies === 1 ? "y" : "ies"}`,
    `${formatInt(s.late)} late`,
    `${formatInt(s.invalid)} invalid`,
  ];
  return parts.join(" · ");
}

/** What a status is read from; `runner` is undefined until the run is built. */
export type StatusInput = () => { runner?: Runner; source?: Source };

/**
 * Takes {@link RunStatus} samples of a run, the rate being over the time since the previous
 * sample. Undefined before the pipeline exists.
 */
export function statusSampler(input: StatusInput, now: () => number = Date.now): () => RunStatus | undefined {
  let lastIn: number | undefined;
  let lastAt = now();
  return () => {
    const { runner: r, source } = input();
    if (!r?.started || !source) return undefined;
    const t = now();
    const eventsIn = r.stats.eventsIn;
    // The first sample of a fresh run averages since its start; after a restore that would count
    // the restored events, so it shows 0 until the next. A restore may also go below the last sample.
    const since = lastIn ?? (r.stats.restarts === 0 ? 0 : eventsIn);
    const from = lastIn === undefined && r.stats.restarts === 0 ? r.stats.startedAt : lastAt;
    const rate = (Math.max(0, eventsIn - since) * 1000) / Math.max(1, t - from);
    lastIn = eventsIn;
    lastAt = t;
    const wm = r.current.watermarks().main;
    const progress = (source as { progress?: () => { bytesRead: number; totalBytes: number } }).progress?.();
    return {
      eventsPerSecond: rate,
      eventsIn,
      watermark: wm === -Infinity ? null : wm,
      lag: source.lag(),
      anomalies: r.stats.rowsOut.purchase_anomalies ?? 0,
      late: r.stats.late,
      invalid: r.stats.invalid,
      read: progress && progress.totalBytes > 0 ? progress.bytesRead / progress.totalBytes : undefined,
    };
  };
}
