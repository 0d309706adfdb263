/**
 * The distinct values behind a user metric's count_distinct per open window and group, kept
 * only when the pipeline writes partial rows for a merge stage: the window kernel counts
 * distinct ids but cannot list them, and counts of two tasks do not add up when both saw a value
 * (src/core/merge/merge-rules.ts unions the sets instead). An event is added to each of its
 * windows whose end is past the watermark in force before it, exactly the kernel's rule
 * (src/core/reference/window.ts), so the sets and the kernel's counts describe the same events.
 */
import type { Scratch } from "../../pipeline/metrics/op";

/** Window end → group id → distinct ids. */
export type WindowSets = Map<number, Map<number, Set<number>>>;

/** See the module comment. */
export class DistinctSets {
  private windows: WindowSets = new Map();

  constructor(
    private readonly sizeMs: number,
    private readonly slideMs: number,
    snapshot?: Uint8Array,
  ) {
    if (!snapshot) return;
    const j = JSON.parse(new TextDecoder().decode(snapshot)) as [number, [number, number[]][]][];
    this.windows = new Map(j.map(([end, keys]) => [end, new Map(keys.map(([k, ids]) => [k, new Set(ids)]))]));
  }

  /** Adds the scratch slots `[0, s.n)`: time `t`, watermark `wm`, group `key`, distinct id `key2`. */
  add(s: Scratch): void {
    const size = this.sizeMs, slide = this.slideMs;
    for (let j = 0; j < s.n; j++) {
      const t = s.t[j], wm = s.wm[j];
      for (let start = Math.floor(t / slide) * slide; start > t - size; start -= slide) {
        const end = start + size;
        if (end <= wm) continue;
        let w = this.windows.get(end);
        if (!w) this.windows.set(end, (w = new Map()));
        let ids = w.get(s.key[j]);
        if (!ids) w.set(s.key[j], (ids = new Set()));
        ids.add(s.key2[j]);
      }
    }
  }

  /** Removes and returns the windows with end <= wm (the kernel's close rule). */
  close(wm: number): WindowSets {
    const out: WindowSets = new Map();
    for (const [end, w] of this.windows) {
      if (end > wm) continue;
      out.set(end, w);
      this.windows.delete(end);
    }
    return out;
  }

  /** Every open window (update mode); closes nothing. */
  open(): WindowSets {
    return this.windows;
  }

  snapshot(): Uint8Array {
    const j = [...this.windows].map(([end, w]) => [end, [...w].map(([k, ids]) => [k, [...ids]])]);
    return new TextEncoder().encode(JSON.stringify(j));
  }
}
