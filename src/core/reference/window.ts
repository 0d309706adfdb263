/**
 * Reference implementation of keyed tumbling / sliding window aggregates, written for clarity:
 * the oracle the WASM kernel (assembly/window.ts) is tested against. Same interface as the
 * WASM wrapper ({@link WindowAggregate}); the semantics are SPEC "Time, windows and watermarks":
 *
 * - windows are [start, end); an event at t belongs to every window with start a multiple of
 *   the slide and start <= t < start + size;
 * - event i is added to each of its windows whose end > wm[i] (the watermark in force before
 *   it); it is late when none is (non-finite times are late too);
 * - advance(wm) closes windows with end <= wm, emitting their rows ordered by end then key,
 *   exactly once, and forgets them.
 *
 * Sums follow the kernel's rules (./sums.ts): integer cents exact or NaN out of range; float
 * sums (`floatSum`) in event order per window and key, except that a sliding window without
 * `distinct` sums per slide ("pane") and then adds its panes' sums in pane order, which is the
 * order the kernel's pane mode adds in, so that every sum is bit-identical.
 */
import type { WindowAggregate, WindowBatch, WindowRow, WindowRows, WindowSpec } from "../kernels/window";
import { normalizeWindowSpec } from "../kernels/window";
import { type Cents, addCents, centsValue, decodeCents, decodeNum, encodeCents, encodeNum, toI64 } from "./sums";

interface Agg {
  count: number;
  /** Float sum in event order (floatSum outside pane order). */
  fsum: number;
  /** Float sum per pane start (floatSum in pane order). */
  panes?: Map<number, number>;
  cents: Cents;
  min: number;
  max: number;
  /** Distinct ids, only when the spec keeps a distinct count. */
  users?: Set<number>;
}

type AggJson = [number, number, number | string, [number, number | string][] | null, string | null, number | string, number | string, number[] | null];

interface OpenWindow {
  start: number;
  end: number;
  keys: Map<number, Agg>;
}

function floorDiv(a: number, b: number): number {
  // exact for integers: BigInt avoids the rounding of a / b near multiples
  const q = BigInt(a) / BigInt(b);
  const r = BigInt(a) % BigInt(b);
  return Number(r < 0n ? q - 1n : q);
}

function toRows(rows: WindowRow[]): WindowRows {
  return {
    n: rows.length,
    start: Float64Array.from(rows, (r) => r.start),
    end: Float64Array.from(rows, (r) => r.end),
    key: Uint32Array.from(rows, (r) => r.key),
    count: Uint32Array.from(rows, (r) => r.count),
    sum: Float64Array.from(rows, (r) => r.sum),
    min: Float64Array.from(rows, (r) => r.min),
    max: Float64Array.from(rows, (r) => r.max),
    distinct: Uint32Array.from(rows, (r) => r.distinct),
  };
}

/** Plain-TypeScript window aggregate (Maps and objects). */
export class ReferenceWindow implements WindowAggregate {
  readonly spec: Readonly<Required<WindowSpec>>;
  /** Open windows by start. */
  private windows = new Map<number, OpenWindow>();
  /** Float sums add per pane (see the header). */
  private readonly paneOrder: boolean;
  private overflows = 0;

  constructor(spec: WindowSpec) {
    this.spec = normalizeWindowSpec(spec);
    this.paneOrder = this.spec.floatSum && this.spec.sizeMs > this.spec.slideMs && !this.spec.distinct;
  }

  process(batch: WindowBatch): Uint32Array {
    const late: number[] = [];
    const { sizeMs, slideMs } = this.spec;
    for (let i = 0; i < batch.n; i++) {
      const t = batch.time[i]!;
      const wm = typeof batch.wm === "number" ? batch.wm : batch.wm[i]!;
      if (!Number.isFinite(t)) {
        late.push(i);
        continue;
      }
      let added = false;
      // starts: multiples of the slide with start <= t < start + size
      const last = floorDiv(t, slideMs) * slideMs;
      for (let start = last; start > t - sizeMs; start -= slideMs) {
        const end = start + sizeMs;
        if (end <= wm) continue; // this window has closed
        this.add(start, end, batch, i);
        added = true;
      }
      if (!added) late.push(i);
    }
    return Uint32Array.from(late);
  }

  private add(start: number, end: number, batch: WindowBatch, i: number): void {
    let w = this.windows.get(start);
    if (!w) {
      w = { start, end, keys: new Map() };
      this.windows.set(start, w);
    }
    const key = batch.key[i]!;
    let a = w.keys.get(key);
    if (!a) {
      a = { count: 0, fsum: 0, panes: this.paneOrder ? new Map() : undefined, cents: 0n, min: Infinity, max: -Infinity, users: this.spec.distinct ? new Set() : undefined };
      w.keys.set(key, a);
    }
    const v = batch.value ? batch.value[i]! : 0;
    a.count++;
    if (a.panes) {
      const pane = floorDiv(batch.time[i]!, this.spec.slideMs);
      a.panes.set(pane, (a.panes.get(pane) ?? 0) + v);
    } else if (this.spec.floatSum) {
      a.fsum += v;
    } else if (this.spec.sum) {
      a.cents = addCents(a.cents, toI64(v));
    }
    a.min = Math.min(a.min, v);
    a.max = Math.max(a.max, v);
    a.users?.add(batch.distinct ? batch.distinct[i]! : 0);
  }

  private sumOf(a: Agg, final: boolean): number {
    if (!this.spec.sum) return 0;
    if (a.panes) {
      // the first pane's sum, then each later one added, ascending pane index
      let acc: number | undefined;
      for (const p of [...a.panes.keys()].sort((x, y) => x - y)) acc = acc === undefined ? a.panes.get(p)! : acc + a.panes.get(p)!;
      return acc ?? 0;
    }
    if (this.spec.floatSum) return a.fsum;
    const v = centsValue(a.cents);
    if (final && Number.isNaN(v)) this.overflows++;
    return v;
  }

  private rowsOf(w: OpenWindow, final: boolean): WindowRow[] {
    const keys = [...w.keys.keys()].sort((a, b) => a - b);
    const keepMinMax = this.spec.min || this.spec.max;
    return keys.map((key) => {
      const a = w.keys.get(key)!;
      return {
        start: w.start,
        end: w.end,
        key,
        count: a.count,
        sum: this.sumOf(a, final),
        min: keepMinMax ? a.min : 0,
        max: keepMinMax ? a.max : 0,
        distinct: a.users?.size ?? 0,
      };
    });
  }

  private sortedWindows(): OpenWindow[] {
    return [...this.windows.values()].sort((a, b) => a.end - b.end);
  }

  advance(wm: number): WindowRows {
    const rows: WindowRow[] = [];
    for (const w of this.sortedWindows()) {
      if (w.end > wm) continue;
      rows.push(...this.rowsOf(w, true));
      this.windows.delete(w.start);
    }
    return toRows(rows);
  }

  peek(): WindowRows {
    return toRows(this.sortedWindows().flatMap((w) => this.rowsOf(w, false)));
  }

  openWindows(): number {
    return this.windows.size;
  }

  overflowRows(): number {
    return this.overflows;
  }

  snapshot(): Uint8Array {
    const state = {
      spec: this.spec,
      windows: this.sortedWindows().map((w) => ({
        start: w.start,
        end: w.end,
        keys: [...w.keys].map(([k, a]): AggJson => [
          k, a.count, encodeNum(a.fsum), a.panes ? [...a.panes].map(([p, x]) => [p, encodeNum(x)]) : null,
          encodeCents(a.cents), encodeNum(a.min), encodeNum(a.max), a.users ? [...a.users] : null,
        ]),
      })),
    };
    return new TextEncoder().encode(JSON.stringify(state));
  }

  /** Restores a {@link ReferenceWindow.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceWindow {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as {
      spec: WindowSpec;
      windows: { start: number; end: number; keys: AggJson[] }[];
    };
    const r = new ReferenceWindow(state.spec);
    for (const w of state.windows) {
      const keys = new Map<number, Agg>();
      for (const [k, count, fsum, panes, cents, min, max, users] of w.keys) {
        keys.set(k, {
          count, fsum: decodeNum(fsum), panes: panes ? new Map(panes.map(([p, x]) => [p, decodeNum(x)])) : undefined,
          cents: decodeCents(cents), min: decodeNum(min), max: decodeNum(max), users: users ? new Set(users) : undefined,
        });
      }
      r.windows.set(w.start, { start: w.start, end: w.end, keys });
    }
    return r;
  }

  destroy(): void {
    this.windows.clear();
  }
}
