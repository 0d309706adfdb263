/**
 * What the worker sends the main thread (at most 4 times a second): every chart's data already
 * aggregated into small typed columns, so that the main thread only draws. The typed arrays are
 * transferred, never copied; string keys travel as short arrays (products, categories).
 */

/**
 * A keyed series: point i is (x[i], y[i]) of series keys[k[i]], over the window
 * [x0[i], x1[i]) of event time. Charts pick x0 or x1 as their x (revenue at window end, page
 * views as a band from start to end).
 */
export interface KeyedSeries {
  keys: string[];
  /** Display names of the keys (product names), when they differ from the keys. */
  labels?: string[];
  x: Float64Array;
  y: Float64Array;
  k: Uint16Array;
  /** Window start and end of each point, epoch ms. */
  x0: Float64Array;
  x1: Float64Array;
  /** 1 where the point is a partial (update-mode) value of a window still open. */
  partial: Uint8Array;
  /** For ratios: numerator and denominator of each point (NaN when not a ratio). */
  num?: Float64Array;
  den?: Float64Array;
}

/** A plain time series. */
export interface Series {
  x: Float64Array;
  y: Float64Array;
}

/** The purchase-anomaly timeline: one point per alert, newest last. */
export interface AnomalySeries {
  /** Categories; `k[i]` indexes them. */
  keys: string[];
  /** Transaction event time, epoch ms. */
  x: Float64Array;
  /** z-score. */
  y: Float64Array;
  k: Uint16Array;
  /** Amount, category mean and standard deviation before it, in currency units. */
  amount: Float64Array;
  mean: Float64Array;
  stddev: Float64Array;
  /** Transaction ids and products ("prod-004 4K Monitor"), one per alert. */
  ids: string[];
  products: string[];
}

/**
 * The latest rows of a metric drawn as a table (a user metric with session windows): raw values
 * in the chart's column order (money still in cents), newest first, with each row's window.
 */
export interface TableData {
  rows: Array<Array<string | number | boolean | null>>;
  x0: number[];
  x1: number[];
  /** True for a window or session still open (a partial row). */
  open: boolean[];
}

/** Replay of the time range from Kafka, as the gateway reports it. */
export interface HistoryProgress {
  state: "none" | "replaying" | "done" | "failed" | "unavailable";
  /** Events replayed so far. */
  events: number;
  /** Messages to replay (the offsets' difference; includes invalid ones), when known. */
  total: number | null;
  /** Kafka timestamp the replay started from, epoch ms. */
  sinceMs: number | null;
  reason?: string;
}

/** Numbers of the health strip that the worker knows. */
export interface WorkerHealth {
  /** Events per second processed by the worker pipeline (last second). */
  eventsPerSec: number;
  /** Events per second arriving at the gateway on the subscribed topics (its stats). */
  inputPerSec: number | null;
  eventsTotal: number;
  /** Events the gateway sampled away or dropped for this client (frame header `dropped`). */
  droppedEvents: number;
  /** Invalid messages the gateway saw on the subscribed topics. */
  invalidTotal: number;
  /** Late events (for at least one operator) since start. */
  lateTotal: number;
  /** Main-lane watermark, epoch ms (-Infinity before the first event). */
  watermark: number;
  /** Newest event time seen, epoch ms (-Infinity before the first event). */
  latestEventTime: number;
  /** Consumer lag on the subscribed topics (messages), null when unknown. */
  lag: number | null;
  /** Whose lag: "gateway" (the console's own consumer) or a consumer group. */
  lagOf: string | null;
  /** Frames received. */
  frames: number;
  /** Open sessions held by the session operator. */
  openSessions: number;
  history: HistoryProgress;
  /** The gateway's backpressure state for this tab. */
  backpressure: string;
  badFrames: number;
}

/** One update of every chart. */
export interface ChartData {
  /** Update number (1, 2, …). */
  seq: number;
  /** Worker wall clock (epoch ms) when the update was posted. */
  sentAt: number;
  /** Keyed series by id: `page_views`, `category_revenue`, `conversion`, and `user-<metric>` (see charts/). */
  series: Record<string, KeyedSeries>;
  /** Tables by id: `user-<metric>` of user metrics whose rows make no series (shared/user-charts.ts). */
  tables: Record<string, TableData>;
  /** Open sessions sampled as event time advances, x = newest event time. */
  sessions: Series;
  anomalies: AnomalySeries;
  /**
   * Event-to-update latency of the live events first included in this update: counts per bucket
   * of {@link LATENCY_BUCKETS} (see latency-histogram.ts), measured up to `sentAt`.
   */
  latency: Uint32Array;
  health: WorkerHealth;
}

/** Connection states of the console (shown by the state views). */
export type ConnectionState =
  | { kind: "loading"; detail: string }
  | { kind: "connecting"; url: string }
  | { kind: "connected"; url: string }
  | { kind: "reconnecting"; attempt: number; inMs: number; reason: string }
  | { kind: "disconnected"; reason: string }
  | { kind: "failed"; reason: string };

/** The typed arrays of an update, for `postMessage` transfer lists. */
export function transferables(d: ChartData): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: ArrayBufferView | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  };
  for (const s of Object.values(d.series)) [s.x, s.y, s.k, s.x0, s.x1, s.partial, s.num, s.den].forEach(add);
  const a = d.anomalies;
  [d.sessions.x, d.sessions.y, a.x, a.y, a.k, a.amount, a.mean, a.stddev, d.latency].forEach(add);
  return out;
}
