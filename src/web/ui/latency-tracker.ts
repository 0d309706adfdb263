/**
 * Event-to-screen latency on the main thread: each update brings the worker's histogram of
 * (update posted − Kafka timestamp); when the update has been drawn, every bucket is moved by
 * (drawn − posted) and added to a rolling 10-second view (the health strip) and to a
 * cumulative one since the last reset (what the e2e measurement reads).
 */
import { addShifted, LATENCY_BUCKETS, quantile, total } from "../shared/latency-histogram";

interface Slot {
  at: number;
  h: Float64Array;
}

/** See the module comment. */
export class LatencyTracker {
  private readonly ring: Slot[] = [];
  private cumulative = new Float64Array(LATENCY_BUCKETS);

  constructor(private readonly windowMs = 10_000) {}

  /** Adds the latencies of an update posted at `sentAt` and drawn at `drawnAt` (epoch ms). */
  add(h: Uint32Array, sentAt: number, drawnAt: number): void {
    const shifted = new Float64Array(LATENCY_BUCKETS);
    addShifted(shifted, h, drawnAt - sentAt);
    this.ring.push({ at: drawnAt, h: shifted });
    for (let b = 0; b < LATENCY_BUCKETS; b++) this.cumulative[b] += shifted[b];
    while (this.ring.length && this.ring[0].at < drawnAt - this.windowMs) this.ring.shift();
  }

  /** p50/p99 (ms) and count over the last window. */
  recent(): { p50: number; p99: number; n: number } {
    const sum = new Float64Array(LATENCY_BUCKETS);
    for (const s of this.ring) for (let b = 0; b < LATENCY_BUCKETS; b++) sum[b] += s.h[b];
    return { p50: quantile(sum, 0.5), p99: quantile(sum, 0.99), n: total(sum) };
  }

  /** p50/p99 (ms) and count since the last {@link reset}. */
  sinceReset(): { p50: number; p99: number; n: number } {
    return { p50: quantile(this.cumulative, 0.5), p99: quantile(this.cumulative, 0.99), n: total(this.cumulative) };
  }

  reset(): void {
    this.cumulative = new Float64Array(LATENCY_BUCKETS);
  }
}
