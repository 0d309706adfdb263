/**
 * A binary min-heap of (time, id) pairs on typed arrays: the behaviour model keeps one pending
 * action per user in it, so popping the minimum gives the next thing to happen in event time.
 * Ties break on the smaller id so that the order is deterministic.
 */
export class TimeHeap {
  private times: Float64Array;
  private ids: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(Math.max(1, capacity));
    this.ids = new Int32Array(Math.max(1, capacity));
  }

  /** Number of entries. */
  get size(): number {
    return this.n;
  }

  /** Time of the earliest entry (undefined when empty). */
  peekTime(): number | undefined {
    return this.n > 0 ? this.times[0] : undefined;
  }

  /** Id of the earliest entry (-1 when empty). */
  peekId(): number {
    return this.n > 0 ? this.ids[0] : -1;
  }

  private less(i: number, j: number): boolean {
    const a = this.times[i];
    const b = this.times[j];
    return a < b || (a === b && this.ids[i] < this.ids[j]);
  }

  private swap(i: number, j: number): void {
    const t = this.times[i];
    this.times[i] = this.times[j];
    this.times[j] = t;
    const d = this.ids[i];
    this.ids[i] = this.ids[j];
    this.ids[j] = d;
  }

  /** Adds an entry. */
  push(time: number, id: number): void {
    if (this.n === this.times.length) {
      const times = new Float64Array(this.n * 2);
      times.set(this.times);
      const ids = new Int32Array(this.n * 2);
      ids.set(this.ids);
      this.times = times;
      this.ids = ids;
    }
    let i = this.n++;
    this.times[i] = time;
    this.ids[i] = id;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the earliest entry and returns its id (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const id = this.ids[0];
    this.n--;
    if (this.n > 0) {
      this.times[0] = this.times[this.n];
      this.ids[0] = this.ids[this.n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return id;
  }
}
