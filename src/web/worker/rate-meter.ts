/**
 * Events per second over the last second or so, from a cumulative counter sampled at each
 * update (a few samples, no per-event work).
 */

/** See the module comment. */
export class RateMeter {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private at = 0;
  private n = 0;

  /** @param spanMs the rate is measured over the newest samples covering at least this span */
  constructor(private readonly spanMs = 1000, capacity = 64) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  /** Records the cumulative `total` at time `now` (ms) and returns the current rate per second. */
  sample(now: number, total: number): number {
    const cap = this.t.length;
    this.t[this.at] = now;
    this.v[this.at] = total;
    this.at = (this.at + 1) % cap;
    if (this.n < cap) this.n++;
    // Walk back to the newest sample at least spanMs old (or the oldest there is).
    let j = (this.at - 1 + cap) % cap;
    for (let k = 1; k < this.n; k++) {
      j = (j - 1 + cap) % cap;
      if (now - this.t[j] >= this.spanMs) break;
    }
    const dt = now - this.t[j];
    return dt > 0 ? ((total - this.v[j]) * 1000) / dt : 0;
  }
}
