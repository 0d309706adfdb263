/**
 * Per-client backpressure policy of the gateway (docs/frames.md, "Backpressure"). Pure: it
 * looks at the socket's buffered bytes before each frame and says send, skip or close, so a slow
 * tab costs its own frames and never blocks the fan-out, the Kafka consumer or other clients.
 */

/** Thresholds of {@link Backpressure}. */
export interface BackpressureLimits {
  /** From this many buffered bytes, only every `sampleEvery`-th frame is sent (default 256 KiB). */
  sampleAtBytes: number;
  /** From this many, nothing is sent until the buffer is back under `sampleAtBytes` (default 1 MiB). */
  dropAtBytes: number;
  /** One frame in this many is sent while sampling (default 4). */
  sampleEvery: number;
  /** A client above this many buffered bytes for `stuckMs` is closed (default 8 MiB, 30 s). */
  closeAtBytes: number;
  stuckMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureLimits = {
  sampleAtBytes: 256 * 1024,
  dropAtBytes: 1024 * 1024,
  sampleEvery: 4,
  closeAtBytes: 8 * 1024 * 1024,
  stuckMs: 30_000,
};

export type BackpressureState = "ok" | "sampling" | "dropping";
export type Decision = "send" | "skip" | "close";

/** One client's backpressure state machine. */
export class Backpressure {
  state: BackpressureState = "ok";
  private tick = 0;
  private stuckSince: number | undefined;

  constructor(private readonly limits: BackpressureLimits = DEFAULT_BACKPRESSURE) {}

  /**
   * What to do with the next frame given the socket's `buffered` bytes at wall time `now`.
   * `changed` tells the caller to announce the new state to the client.
   */
  decide(buffered: number, now: number): { decision: Decision; changed: boolean } {
    const l = this.limits;
    const before = this.state;
    if (buffered >= l.closeAtBytes) {
      this.stuckSince ??= now;
      if (now - this.stuckSince >= l.stuckMs) return { decision: "close", changed: false };
    } else {
      this.stuckSince = undefined;
    }
    if (buffered >= l.dropAtBytes) this.state = "dropping";
    else if (buffered < l.sampleAtBytes) this.state = "ok";
    // Between the thresholds a dropping client stays dropping until it drains (hysteresis).
    else if (this.state === "ok") this.state = "sampling";
    let decision: Decision = "send";
    if (this.state === "dropping") decision = "skip";
    else if (this.state === "sampling") decision = this.tick++ % l.sampleEvery === 0 ? "send" : "skip";
    if (this.state !== "sampling") this.tick = 0;
    return { decision, changed: this.state !== before };
  }
}
