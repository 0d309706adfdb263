/**
 * What the worker sends the main thread (at most 4 times a second): every chart's data already
 * aggregated into small typed columns, so that the main thread only draws. The typed arrays are
 * transferred, never copied; string keys travel as short arrays (products, categories).
 */

/** A keyed series: point i is (x[i], y[i]) of series keys[k[i]]. */
export interface KeyedSeries {
  keys: string[];
  x: Float64Array;
  y: Float64Array;
  k: Uint16Array;
  /** 1 where the point is a partial (update-mode) value of a window still open. */
  partial: Uint8Array;
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
  /** Amount in currency units. */
  amount: Float64Array;
}

/** Numbers of the health strip that the worker knows. */
export interface WorkerHealth {
  /** Events per second processed by the worker pipeline (last second). */
  eventsPerSec: number;
  eventsTotal: number;
  /** Events the gateway sampled away or dropped for this client (frame header `dropped`). */
  droppedEvents: number;
  /** Invalid messages the gateway saw on the subscribed topics. */
  invalidTotal: number;
  /** Late events (for at least one operator) since start. */
  lateTotal: number;
  /** Main-lane watermark, epoch ms (-Infinity before the first event). */
  watermark: number;
  /** Consumer lag on the subscribed topics (messages), null when unknown. */
  lag: number | null;
  /** Whose lag: "gateway" (from its stats) or the consumer group with the most lag. */
  lagOf: string | null;
  /** Frames received. */
  frames: number;
  /** Open sessions held by the session operator. */
  openSessions: number;
}

/** One update of every chart. */
export interface ChartData {
  /** Update number (1, 2, …). */
  seq: number;
  /** Worker wall clock (epoch ms) when the update was posted. */
  sentAt: number;
  pageViews: KeyedSeries;
  categoryRevenue: KeyedSeries;
  /** Conversion rate per 1-minute click window (all products): y = converted / clicks. */
  conversion: KeyedSeries;
  /** Open sessions sampled at each update, x = wall clock. */
  sessions: Series;
  anomalies: AnomalySeries;
  /**
   * Event-to-update latency of the events first included in this update: counts per bucket of
   * {@link LATENCY_BUCKETS} (see latency-histogram.ts), measured up to `sentAt`.
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
  const add = (a: ArrayBufferView) => {
    if (a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  };
  for (const s of [d.pageViews, d.categoryRevenue, d.conversion]) [s.x, s.y, s.k, s.partial].forEach(add);
  [d.sessions.x, d.sessions.y, d.anomalies.x, d.anomalies.y, d.anomalies.k, d.anomalies.amount, d.latency].forEach(add);
  return out;
}
