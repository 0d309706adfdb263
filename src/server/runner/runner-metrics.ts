/**
 * The runner's Prometheus metrics (issue: events in/out per topic, invalid, late, DLQ, consumer
 * lag, watermark, state bytes, batch duration and event-to-output latency histograms).
 */
import { Registry } from "../metrics/registry";

/** Live values the registry reads at scrape time. */
export interface RunnerGauges {
  watermarks(): Record<string, number>;
  lag(): Record<string, number>;
  stateBytes(): number;
}

/** Metrics of one runner, registered in `registry`. */
export class RunnerMetrics {
  readonly eventsIn;
  readonly invalid;
  readonly late;
  readonly rowsOut;
  readonly sideOut;
  readonly batchSeconds;
  readonly latencySeconds;
  readonly checkpoints;
  readonly future;
  readonly sumOverflows;

  constructor(readonly registry: Registry = new Registry()) {
    const r = registry;
    this.eventsIn = r.counter("eddy_events_in_total", "Input records read, per topic.");
    this.invalid = r.counter("eddy_invalid_events_total", "Invalid records sent to the dead-letter output, per topic.");
    this.late = r.counter("late_events_total", "Valid events late for at least one metric, per stream (topic) and metric.");
    this.rowsOut = r.counter("eddy_rows_out_total", "Final result rows emitted, per metric.");
    this.sideOut = r.counter("eddy_side_out_total", "Records written to side outputs, per kind (dlq, late).");
    this.batchSeconds = r.histogram("eddy_batch_duration_seconds", "Time to validate and process one polled batch.");
    this.latencySeconds = r.histogram("eddy_event_to_output_latency_seconds", "From an event's read (or Kafka timestamp) to its batch's rows.");
    this.checkpoints = r.counter("eddy_checkpoints_total", "Checkpoint epochs committed.");
    this.future = r.counter("eddy_future_events_total", "Invalid records stamped beyond --max-future-skew ahead of the wall clock, per topic (also in eddy_invalid_events_total).");
    this.sumOverflows = r.counter("eddy_sum_overflow_rows_total", "Final rows whose money sum left ±2^53 cents and reads null, per metric.");
  }

  /** Registers the gauges that read live state at scrape time. */
  bindGauges(g: RunnerGauges): void {
    const wm = this.registry.gauge("eddy_watermark_ms", "Pipeline watermark per lane, epoch ms (-Inf before the first event).");
    const lag = this.registry.gauge("eddy_consumer_lag", "Records behind the end of each topic partition.");
    const state = this.registry.gauge("eddy_state_bytes", "Bytes of pipeline state (last snapshot size).");
    this.registry.onCollect(() => {
      for (const [lane, v] of Object.entries(g.watermarks())) wm.set({ lane }, v);
      for (const [tp, v] of Object.entries(g.lag())) lag.set({ partition: tp }, v);
      state.set({}, g.stateBytes());
    });
  }
}
