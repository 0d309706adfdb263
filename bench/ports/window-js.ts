/**
 * Hand-tuned JavaScript port of the WASM window kernel (assembly/window.ts), for the bench:
 * the same algorithm (dense key-indexed slabs per open window, touched-key lists, the current
 * window cached across events, a pool of reused slots) written the way fast JS is written:
 * typed arrays (structure of arrays, which suits JS better than the kernel's 16-byte records),
 * monomorphic classes, no allocation per event, no Map lookup on the hot path.
 *
 * Sliding windows without distinct run in pane mode, as in the kernel (window-pane-util.ts):
 * one pane record per event, windows frozen from their panes as the watermark passes them.
 *
 * Differences, all invisible on valid input: sums are f64 (exact up to 2^53 cents, like the
 * kernel's output; a sum beyond that is rounded, not reported as an overflow row, and
 * `floatSum` changes nothing); the distinct set packs (key, id) into one f64, exact for key < 2^21.
 * It implements the same WindowAggregate interface and is checked against the reference by
 * test/unit/window-port.test.ts, so the bench compares equals.
 */
import type { WindowAggregate, WindowBatch, WindowRows, WindowSpec } from "../../src/core/kernels/window";
import { normalizeWindowSpec } from "../../src/core/kernels/window";

import { Slot, growU32, growF64, floorDiv, firstAtLeast, setInsert } from "./window-js-util";

export class JsPortWindow implements WindowAggregate {
  readonly spec: Readonly<Required<WindowSpec>>;
  private keyCap: number;
  private readonly minmax: boolean;
  private open = new Map<number, Slot>();
  private pool: Slot[] = [];
  private late: Uint32Array;
  private readonly wmCell = new Float64Array(1);
  private readonly cacheSlots: (Slot | null)[];
  private readonly cacheEnds: Float64Array;
  private outCap = 0;
  private out!: WindowRows;
  // pane mode
  private readonly paneMode: boolean;
  private acc: Slot;
  private lastFrozen = -Infinity;
  private nextFreezeEnd = -Infinity;
  private pend = 0;
  private shift = 0;

  constructor(spec: WindowSpec, opts: { batchCap?: number; keyCapHint?: number } = {}) {
    this.spec = normalizeWindowSpec(spec);
    this.minmax = this.spec.min || this.spec.max;
    let cap = 16;
    while (cap < (opts.keyCapHint ?? 1024)) cap *= 2;
    this.keyCap = cap;
    this.late = new Uint32Array(opts.batchCap ?? 65_536);
    const per = this.spec.sizeMs / this.spec.slideMs;
    this.cacheSlots = new Array<Slot | null>(per).fill(null);
    this.cacheEnds = new Float64Array(per);
    this.paneMode = per > 1 && !this.spec.distinct;
    this.acc = new Slot(this.paneMode ? cap : 0, this.minmax, false);
    this.ensureOut(1024);
  }

  private slotFor(win: number): Slot {
    let s = this.open.get(win);
    if (s !== undefined) return s;
    s = this.pool.pop() ?? new Slot(this.keyCap, this.minmax, this.spec.distinct);
    s.win = win;
    s.start = win * this.spec.slideMs;
    s.end = s.start + this.spec.sizeMs;
    this.open.set(win, s);
    return s;
  }

  private growKeys(k: number): void {
    let cap = this.keyCap;
    while (cap <= k) cap *= 2;
    for (const s of [...this.open.values(), ...this.pool, ...(this.paneMode ? [this.acc] : [])]) {
      s.count = growU32(s.count, cap);
      s.sum = growF64(s.sum, cap);
      s.keys = growU32(s.keys, cap);
      if (this.minmax) {
        s.min = growF64(s.min, cap);
        s.max = growF64(s.max, cap);
      }
      if (this.spec.distinct) s.dcount = growU32(s.dcount, cap);
    }
    this.keyCap = cap;
  }

  process(batch: WindowBatch): Uint32Array {
    const n = batch.n;
    if (this.late.length < n) this.late = new Uint32Array(n);
    let wm = batch.wm as Float64Array;
    let wmStride = 1;
    if (typeof batch.wm === "number") {
      this.wmCell[0] = batch.wm;
      wm = this.wmCell;
      wmStride = 0;
    }
    const time = batch.time as Float64Array, key = batch.key as Uint32Array;
    const value = (batch.value ?? new Float64Array(n)) as Float64Array;
    const s = this.spec;
    const nl = this.paneMode
      ? this.panes(n, time, key, value, wm, wmStride)
      : s.sizeMs === s.slideMs && !this.minmax && !s.distinct
      ? this.tumbling(n, time, key, value, wm, wmStride)
      : this.generic(n, time, key, value, (batch.distinct ?? new Uint32Array(n)) as Uint32Array, wm, wmStride);
    return this.late.subarray(0, nl);
  }

  // entry B of the two-entry window cache (entry A lives in locals), as in the kernel
  private bLo = Infinity;
  private bHi = -Infinity;
  private bLateAt = 0;
  private bSlot: Slot | null = null;

  private tumbling(n: number, time: Float64Array, key: Uint32Array, value: Float64Array, wm: Float64Array, wmStride: number): number {
    const size = this.spec.sizeMs, late = this.late, doSum = this.spec.sum;
    let keyCap = this.keyCap;
    let lo = Infinity, hi = -Infinity, lateAt = 0, slot = null as Slot | null;
    let count: Uint32Array = late, sum: Float64Array = this.wmCell;
    this.bLo = Infinity;
    this.bHi = -Infinity;
    this.bSlot = null;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      if (!(t >= lo && t < hi)) {
        if (t >= this.bLo && t < this.bHi) {
          const x = lo, y = hi, z = lateAt, q = slot;
          lo = this.bLo;
          hi = this.bHi;
          lateAt = this.bLateAt;
          slot = this.bSlot;
          this.bLo = x;
          this.bHi = y;
          this.bLateAt = z;
          this.bSlot = q;
        } else {
          if (!Number.isFinite(t)) {
            late[nl++] = i;
            continue;
          }
          this.bLo = lo;
          this.bHi = hi;
          this.bLateAt = lateAt;
          this.bSlot = slot;
          const win = floorDiv(t, size);
          lo = win * size;
          hi = lo + size;
          lateAt = firstAtLeast(wm, wmStride, i, n, hi);
          slot = lateAt > i ? this.slotFor(win) : null;
        }
        if (slot !== null) {
          count = slot.count;
          sum = slot.sum;
        }
      }
      if (i >= lateAt) {
        late[nl++] = i;
        continue;
      }
      const k = key[i]!;
      if (k >= keyCap) {
        this.growKeys(k);
        keyCap = this.keyCap;
        count = slot!.count;
        sum = slot!.sum;
      }
      const c = count[k]!;
      if (c === 0) slot!.keys[slot!.nkeys++] = k;
      count[k] = c + 1;
      if (doSum) sum[k] += value[i]!;
    }
    return nl;
  }

  private panes(n: number, time: Float64Array, key: Uint32Array, value: Float64Array, wm: Float64Array, wmStride: number): number {
    this.compact();
    const { sizeMs: size, slideMs: slide, sum: doSum } = this.spec;
    const late = this.late, minmax = this.minmax;
    let keyCap = this.keyCap;
    let freezeAt = firstAtLeast(wm, wmStride, 0, n, this.nextFreezeEnd);
    let lo = Infinity, hi = -Infinity, lateAt = 0, slot = null as Slot | null;
    this.bLo = Infinity;
    this.bHi = -Infinity;
    this.bSlot = null;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      if (!(t >= lo && t < hi)) {
        if (t >= this.bLo && t < this.bHi) {
          const x = lo, y = hi, z = lateAt, q = slot;
          lo = this.bLo;
          hi = this.bHi;
          lateAt = this.bLateAt;
          slot = this.bSlot;
          this.bLo = x;
          this.bHi = y;
          this.bLateAt = z;
          this.bSlot = q;
        } else {
          if (!Number.isFinite(t)) {
            late[nl++] = i;
            continue;
          }
          this.bLo = lo;
          this.bHi = hi;
          this.bLateAt = lateAt;
          this.bSlot = slot;
          const pane = floorDiv(t, slide);
          lo = pane * slide;
          hi = lo + slide;
          lateAt = firstAtLeast(wm, wmStride, i, n, lo + size);
          slot = lateAt > i ? this.slotFor(pane) : null;
        }
      }
      if (i >= lateAt) {
        late[nl++] = i;
        continue;
      }
      if (i >= freezeAt) {
        this.freezeTo(wm[i * wmStride]!);
        freezeAt = firstAtLeast(wm, wmStride, i, n, this.nextFreezeEnd);
        this.bLo = Infinity;
        this.bHi = -Infinity;
        this.bSlot = null;
      }
      const s = slot!;
      const k = key[i]!;
      if (k >= keyCap) {
        this.growKeys(k);
        keyCap = this.keyCap;
      }
      const v = value[i]!;
      const c = s.count[k]!;
      if (c === 0) {
        s.keys[s.nkeys++] = k;
        if (minmax) {
          s.min[k] = v;
          s.max[k] = v;
        }
      } else if (minmax) {
        if (v < s.min[k]!) s.min[k] = v;
        if (v > s.max[k]!) s.max[k] = v;
      }
      s.count[k] = c + 1;
      if (doSum) s.sum[k] += v;
    }
    return nl;
  }

  /** Rows of window j combined from its panes, written at `row`. */
  private windowRows(j: number, row: number): number {
    const a = this.acc, per = this.spec.sizeMs / this.spec.slideMs, minmax = this.minmax;
    for (let q = j; q < j + per; q++) {
      const s = this.open.get(q);
      if (s === undefined) continue;
      for (let i = 0; i < s.nkeys; i++) {
        const k = s.keys[i]!;
        const c = a.count[k]!;
        if (c === 0) {
          a.keys[a.nkeys++] = k;
          if (minmax) {
            a.min[k] = s.min[k]!;
            a.max[k] = s.max[k]!;
          }
        } else if (minmax) {
          if (s.min[k]! < a.min[k]!) a.min[k] = s.min[k]!;
          if (s.max[k]! > a.max[k]!) a.max[k] = s.max[k]!;
        }
        a.count[k] = c + s.count[k]!;
        a.sum[k] += s.sum[k]!;
      }
    }
    a.start = j * this.spec.slideMs;
    a.end = a.start + this.spec.sizeMs;
    return this.emit(a, row, true);
  }

  private freezeTo(wm: number): void {
    if (!(wm > -Infinity)) return;
    const { sizeMs: size, slideMs: slide } = this.spec;
    const per = size / slide;
    const jmax = wm === Infinity ? Infinity : floorDiv(Math.floor(wm) - size, slide);
    while (this.open.size > 0) {
      let pmin = Infinity;
      for (const p of this.open.keys()) if (p < pmin) pmin = p;
      const j = Math.max(pmin - per + 1, this.lastFrozen + 1);
      if (j > jmax) break;
      this.pend = this.windowRows(j, this.pend);
      this.lastFrozen = j;
      if (pmin === j) {
        const s = this.open.get(j)!;
        for (let i = 0; i < s.nkeys; i++) {
          const k = s.keys[i]!;
          s.count[k] = 0;
          s.sum[k] = 0;
        }
        s.nkeys = 0;
        this.open.delete(j);
        this.pool.push(s);
      }
    }
    if (jmax > this.lastFrozen) this.lastFrozen = jmax;
    this.nextFreezeEnd = this.lastFrozen === Infinity ? Infinity : (this.lastFrozen + 1) * slide + size;
  }

  private compact(): void {
    const k = this.shift;
    if (k === 0) return;
    const o = this.out, p = this.pend;
    for (const col of [o.start, o.end, o.key, o.count, o.sum, o.min, o.max, o.distinct]) col.copyWithin(0, k, p);
    this.pend -= k;
    this.shift = 0;
  }

  /** Calls windowRows for each unfrozen window with data, in order; returns the row or count. */
  private openPaneWindows(row: number, emit: boolean): number {
    const per = this.spec.sizeMs / this.spec.slideMs;
    const panes = [...this.open.keys()].sort((a, b) => a - b);
    let cursor = -Infinity, count = 0;
    for (const p of panes) {
      for (let j = Math.max(p - per + 1, cursor, this.lastFrozen + 1); j <= p; j++) {
        if (emit) row = this.windowRows(j, row);
        count++;
      }
      cursor = p + 1;
    }
    return emit ? row : count;
  }

  private generic(n: number, time: Float64Array, key: Uint32Array, value: Float64Array, distinct: Uint32Array, wm: Float64Array, wmStride: number): number {
    const { sizeMs: size, slideMs: slide, sum: doSum, distinct: doDistinct } = this.spec;
    const per = size / slide, minmax = this.minmax, late = this.late;
    const cs = this.cacheSlots, ce = this.cacheEnds;
    let lo = Infinity, hi = -Infinity, cw = 0, nl = 0;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      const wmi = wm[i * wmStride]!;
      if (!(t >= lo && t < hi)) {
        if (!Number.isFinite(t)) {
          late[nl++] = i;
          continue;
        }
        cw = floorDiv(t, slide);
        lo = cw * slide;
        hi = lo + slide;
        for (let j = 0; j < per; j++) {
          ce[j] = (cw - j) * slide + size;
          cs[j] = null;
        }
      }
      if (ce[0]! <= wmi) {
        late[nl++] = i;
        continue;
      }
      const k = key[i]!;
      if (k >= this.keyCap) this.growKeys(k);
      const v = value[i]!;
      for (let j = 0; j < per; j++) {
        if (ce[j]! <= wmi) break;
        let s = cs[j]!;
        if (s === null) s = cs[j] = this.slotFor(cw - j);
        const c = s.count[k]!;
        if (c === 0) {
          s.keys[s.nkeys++] = k;
          if (minmax) {
            s.min[k] = v;
            s.max[k] = v;
          }
        } else if (minmax) {
          if (v < s.min[k]!) s.min[k] = v;
          if (v > s.max[k]!) s.max[k] = v;
        }
        s.count[k] = c + 1;
        if (doSum) s.sum[k] += v;
        if (doDistinct && setInsert(s, k * 4294967296 + distinct[i]!)) s.dcount[k]!++;
      }
    }
    return nl;
  }

  private ensureOut(need: number): void {
    if (need <= this.outCap) return;
    let cap = Math.max(1024, this.outCap);
    while (cap < need) cap *= 2;
    const o = this.out;
    const f = (a: Float64Array | undefined) => (a ? growF64(a, cap) : new Float64Array(cap));
    const u = (a: Uint32Array | undefined) => (a ? growU32(a, cap) : new Uint32Array(cap));
    this.out = { n: 0, start: f(o?.start), end: f(o?.end), key: u(o?.key), count: u(o?.count), sum: f(o?.sum), min: f(o?.min), max: f(o?.max), distinct: u(o?.distinct) };
    this.outCap = cap;
  }

  private emit(s: Slot, row: number, reset: boolean): number {
    this.ensureOut(row + s.nkeys);
    const o = this.out;
    // like the kernel: scan the slab in key order when dense, else sort the touched keys
    const dense = s.nkeys * 32 >= this.keyCap;
    const keys = dense ? s.count : s.keys.subarray(0, s.nkeys);
    if (!dense) keys.sort();
    const { sum: doSum, distinct: doDistinct } = this.spec;
    for (let i = 0; i < keys.length; i++) {
      const k = dense ? i : keys[i]!;
      if (dense && s.count[k] === 0) continue;
      o.start[row] = s.start;
      o.end[row] = s.end;
      o.key[row] = k;
      o.count[row] = s.count[k]!;
      o.sum[row] = doSum ? s.sum[k]! : 0;
      o.min[row] = this.minmax ? s.min[k]! : 0;
      o.max[row] = this.minmax ? s.max[k]! : 0;
      o.distinct[row] = doDistinct ? s.dcount[k]! : 0;
      row++;
      if (reset) {
        s.count[k] = 0;
        s.sum[k] = 0;
        if (doDistinct) s.dcount[k] = 0;
      }
    }
    if (reset) {
      s.nkeys = 0;
      if (s.setSize > 0) {
        s.set.fill(0);
        s.setSize = 0;
      }
    }
    return row;
  }

  private view(n: number): WindowRows {
    const o = this.out;
    return { n, start: o.start.subarray(0, n), end: o.end.subarray(0, n), key: o.key.subarray(0, n), count: o.count.subarray(0, n), sum: o.sum.subarray(0, n), min: o.min.subarray(0, n), max: o.max.subarray(0, n), distinct: o.distinct.subarray(0, n) };
  }

  advance(wm: number): WindowRows {
    if (this.paneMode) {
      this.compact();
      this.freezeTo(wm);
      let n = 0;
      while (n < this.pend && this.out.end[n]! <= wm) n++;
      this.shift = n;
      return this.view(n);
    }
    const closing = [...this.open.values()].filter((s) => s.end <= wm).sort((a, b) => a.win - b.win);
    let row = 0;
    for (const s of closing) {
      row = this.emit(s, row, true);
      this.open.delete(s.win);
      this.pool.push(s);
    }
    return this.view(row);
  }

  peek(): WindowRows {
    if (this.paneMode) {
      this.compact();
      return this.view(this.openPaneWindows(this.pend, true));
    }
    let row = 0;
    for (const s of [...this.open.values()].sort((a, b) => a.win - b.win)) row = this.emit(s, row, false);
    return this.view(row);
  }

  /** The port does not detect cents overflow (see the header): always 0. */
  overflowRows(): number {
    return 0;
  }

  openWindows(): number {
    if (this.paneMode) {
      let pending = 0;
      for (let i = this.shift; i < this.pend; i++) if (i === this.shift || this.out.end[i] !== this.out.end[i - 1]) pending++;
      return pending + this.openPaneWindows(0, false);
    }
    return this.open.size;
  }

  snapshot(): Uint8Array {
    throw new Error("the JS port is a bench baseline; it has no snapshot");
  }

  destroy(): void {
    this.open.clear();
    this.pool = [];
  }
}
