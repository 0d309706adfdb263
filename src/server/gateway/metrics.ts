/** Prometheus metrics of the gateway (served at /metrics). */
import { type Counter, type Gauge, Registry } from "../metrics/registry";

/** The gateway's counters and gauges, registered in one {@link Registry}. */
export class GatewayMetrics {
  readonly events: Counter;
  readonly invalid: Counter;
  readonly frames: Counter;
  readonly frameBytes: Counter;
  readonly frameEvents: Counter;
  readonly dropped: Counter;
  readonly closedSlow: Counter;
  readonly clients: Gauge;
  readonly collected: Counter;
  readonly collectRejected: Counter;
  readonly epochs: Counter;

  constructor(readonly registry: Registry = new Registry()) {
    const r = registry;
    this.events = r.counter("eddy_gateway_events_total", "Valid input events received, by topic");
    this.invalid = r.counter("eddy_gateway_invalid_total", "Invalid input messages (not forwarded), by topic");
    this.frames = r.counter("eddy_gateway_frames_total", "Event frames sent to clients");
    this.frameBytes = r.counter("eddy_gateway_frame_bytes_total", "Bytes of event frames sent to clients (divide by frame_events for bytes per event)");
    this.frameEvents = r.counter("eddy_gateway_frame_events_total", "Events sent to clients in frames (counted once per client)");
    this.dropped = r.counter("eddy_gateway_dropped_events_total", "Events skipped for slow clients (backpressure)");
    this.closedSlow = r.counter("eddy_gateway_slow_clients_closed_total", "Clients closed because their send buffer stayed full");
    this.clients = r.gauge("eddy_gateway_clients", "Connected WebSocket clients");
    this.collected = r.counter("eddy_gateway_collect_events_total", "Events accepted by POST /collect");
    this.collectRejected = r.counter("eddy_gateway_collect_rejected_total", "POST /collect requests rejected, by reason");
    this.epochs = r.counter("eddy_gateway_dictionary_rollovers_total", "New dictionary epochs started because the dictionaries grew past their limit");
    this.clients.set({}, 0);
  }
}
