/**
 * The generator's event clock: which event time may be stamped at a given wall-clock time.
 *
 * - speed 1 (the default): event time is the wall clock. A record is released when the wall
 *   clock reaches its model time, so its timestamp is "now" minus the requested disorder.
 * - speed N > 1: event time runs N× faster, from a start in the past, and is capped at the wall
 *   clock: once it catches up it keeps wall speed. By default it starts (N − 1) × 1 h ago, so
 *   it reaches the wall clock after an hour of running (a demo or a test run stays accelerated).
 * - speed Infinity ("max"): event time advances as fast as records are produced (paced by the
 *   rate, not by a clock); still capped at the wall clock.
 *
 * Never ahead of the wall clock in any mode: a stream pipeline reading these events next to real
 * ones (or restarting from a checkpoint) must not see a watermark from the future.
 */
import { humanDuration } from "../human-duration";

/** Wall time an accelerated run (--speed N) takes to reach the wall clock when no start is given. */
export const ACCELERATED_RUN_MS = 3_600_000;

/** See the module comment. */
export class EventClock {
  /**
   * @param speed event-time ms per wall ms: 1, N > 1, or Infinity.
   * @param startMs event time at `wallStartMs`; never after it.
   * @param wallStartMs the wall clock (epoch ms) when the run starts.
   */
  constructor(
    readonly speed: number,
    readonly startMs: number,
    readonly wallStartMs: number,
  ) {
    if (!(speed >= 1)) throw new RangeError(`event-time speed must be >= 1 or Infinity, got ${speed}`);
    if (!(startMs <= wallStartMs)) {
      throw new RangeError(`event time cannot start ahead of the wall clock (start ${new Date(startMs).toISOString()}, now ${new Date(wallStartMs).toISOString()})`);
    }
  }

  /** Default start of a run at `speed` that begins at `wallMs`: now at speed 1, else {@link ACCELERATED_RUN_MS} of catching up. */
  static defaultStart(speed: number, wallMs: number): number {
    return Number.isFinite(speed) ? wallMs - Math.round((speed - 1) * ACCELERATED_RUN_MS) : wallMs;
  }

  /** The latest event time that may be stamped when the wall clock shows `wallMs`. */
  limit(wallMs: number): number {
    if (!Number.isFinite(this.speed)) return wallMs;
    return Math.min(wallMs, this.startMs + this.speed * (wallMs - this.wallStartMs));
  }

  /** True when event time has reached the wall clock (it runs at wall speed from then on). */
  caughtUp(wallMs: number): boolean {
    return Number.isFinite(this.speed) && this.startMs + this.speed * (wallMs - this.wallStartMs) >= wallMs;
  }

  /** Wall ms from `wallMs` until event time `t` may be stamped (0 when it may now). */
  wallUntil(t: number, wallMs: number): number {
    // Due once both the accelerated clock and the wall-clock cap have reached t.
    const accelerated = Number.isFinite(this.speed) ? this.wallStartMs + (t - this.startMs) / this.speed : -Infinity;
    return Math.max(0, Math.max(accelerated, t) - wallMs);
  }

  /** Wall time at which an accelerated clock reaches the wall clock (undefined unless speed is N > 1). */
  get catchUpWallMs(): number | undefined {
    if (!Number.isFinite(this.speed) || this.speed === 1) return undefined;
    return this.wallStartMs + (this.wallStartMs - this.startMs) / (this.speed - 1);
  }

  /** One sentence for start-up lines: how event time relates to the wall clock. */
  describe(): string {
    const ago = this.wallStartMs - this.startMs;
    const start = `${new Date(this.startMs).toISOString()}, ${humanDuration(ago)} ago`;
    if (!Number.isFinite(this.speed)) {
      return `event time is simulated as fast as events are produced, not the wall clock: it starts at ${start} and never passes the wall clock`;
    }
    if (this.speed === 1) {
      return ago === 0 ? "event time is the wall clock" : `event time runs at wall speed, ${humanDuration(ago)} behind the wall clock`;
    }
    const x = Number.isInteger(this.speed) ? String(this.speed) : this.speed.toFixed(1);
    return `event time runs ${x}× faster than the wall clock, starting ${start}; it reaches the wall clock after ${humanDuration(this.catchUpWallMs! - this.wallStartMs)} and then keeps wall speed`;
  }
}
