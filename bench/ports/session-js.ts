/**
 * Hand-tuned JavaScript port of the WASM session kernel (assembly/session.ts), for the bench:
 * the same algorithm (a slab of session records, per-user lists ordered by start, a timer
 * wheel of 1,024 slots of gap/64 ms in which sessions are linked by end and relinked lazily
 * when found extended, rows sorted by (end, user)) with
 * structure-of-arrays typed arrays, grown by doubling, no allocation per event. Revenue is an
 * f64 sum of integer cents (exact up to 2^53, like the kernel's output). Checked against the
 * reference by test/unit/session-port.test.ts, so the bench compares equals.
 */
import type { SessionBatch, SessionKernel, SessionOptions, SessionRows } from "../../src/core/kernels/session";
import { SESSION_KIND_PURCHASE, SESSION_KIND_VIEW, normalizeSessionOptions } from "../../src/core/kernels/session";

const FREE = 0;
const OPEN = 1;
const DETACHED = 2;
const ZOMBIE = 3;
const WHEEL = 1024;

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class JsPortSession implements SessionKernel {
  readonly options: Readonly<Required<SessionOptions>>;
  private readonly gap: number;
  private heads = new Int32Array(1024);
  // session records, 1-based
  private rStart = new Float64Array(1024);
  private rLast = new Float64Array(1024);
  private rRev = new Float64Array(1024);
  private rUser = new Uint32Array(1024);
  private rEvents = new Uint32Array(1024);
  private rViews = new Uint32Array(1024);
  private rPurch = new Uint32Array(1024);
  private rNext = new Int32Array(1024);
  private rTnext = new Int32Array(1024);
  private rState = new Uint8Array(1024);
  private recHi = 1;
  private freeHead = 0;
  private live = 0;
  // timer wheel
  private readonly wheel = new Int32Array(WHEEL);
  private readonly slotMs: number;
  private cursor = 0;
  private linked = 0;
  private clampMin = Infinity;
  private overflow = 0;
  private readonly late: Uint32Array;
  private sortIdx = new Uint32Array(1024);
  private out: SessionRows = JsPortSession.rowsOf(1024);

  constructor(options: SessionOptions = {}, opts: { batchCap?: number } = {}) {
    this.options = normalizeSessionOptions(options);
    this.gap = this.options.gapMs;
    this.slotMs = Math.max(1, Math.floor(this.gap / 64));
    this.late = new Uint32Array(opts.batchCap ?? 65_536);
  }

  private static rowsOf(n: number): SessionRows {
    return {
      n: 0, user: new Uint32Array(n), start: new Float64Array(n), end: new Float64Array(n), duration: new Float64Array(n),
      events: new Uint32Array(n), views: new Uint32Array(n), purchases: new Uint32Array(n), revenue: new Float64Array(n),
    };
  }

  private newRec(): number {
    let i = this.freeHead;
    if (i !== 0) {
      this.freeHead = this.rNext[i]!;
    } else {
      if (this.recHi >= this.rStart.length) {
        const n = this.rStart.length * 2;
        this.rStart = grown(this.rStart, n);
        this.rLast = grown(this.rLast, n);
        this.rRev = grown(this.rRev, n);
        this.rUser = grown(this.rUser, n);
        this.rEvents = grown(this.rEvents, n);
        this.rViews = grown(this.rViews, n);
        this.rPurch = grown(this.rPurch, n);
        this.rNext = grown(this.rNext, n);
        this.rTnext = grown(this.rTnext, n);
        this.rState = grown(this.rState, n);
      }
      i = this.recHi++;
    }
    this.live++;
    return i;
  }

  private freeRec(i: number): void {
    if (this.rState[i] !== ZOMBIE) this.live--;
    this.rState[i] = FREE;
    this.rNext[i] = this.freeHead;
    this.freeHead = i;
  }

  private slotOf(t: number): number {
    let q = Math.floor(t / this.slotMs);
    if (q * this.slotMs > t) q -= 1;
    return q;
  }

  private wheelLink(i: number, end: number): void {
    let slot = this.slotOf(end);
    if (this.linked === 0) this.cursor = slot;
    this.linked++;
    if (slot < this.cursor) {
      slot = this.cursor;
      if (end < this.clampMin) this.clampMin = end;
    }
    if (slot >= this.cursor + WHEEL) {
      this.rTnext[i] = this.overflow;
      this.overflow = i;
      return;
    }
    const h = slot & (WHEEL - 1);
    this.rTnext[i] = this.wheel[h]!;
    this.wheel[h] = i;
  }

  private relink(u: number, prev: number, to: number): void {
    if (prev === 0) this.heads[u] = to;
    else this.rNext[prev] = to;
  }

  process(batch: SessionBatch): Uint32Array {
    const { n, user, time, kind, amount, wm } = batch;
    let hi = 0;
    for (let i = 0; i < n; i++) if (user[i]! > hi) hi = user[i]!;
    if (hi >= this.heads.length) {
      let cap = this.heads.length;
      while (cap <= hi) cap *= 2;
      this.heads = grown(this.heads, cap);
    }
    const gap = this.gap;
    const scalar = typeof wm === "number";
    let late = 0;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      const w = scalar ? wm : wm[i]!;
      if (!(t + gap > w) || t - t !== 0) {
        this.late[late++] = i;
        continue;
      }
      this.add(user[i]!, t, kind[i]!, amount ? amount[i]! : 0, w);
    }
    return this.late.subarray(0, late);
  }

  private add(u: number, t: number, kind: number, amount: number, wm: number): void {
    const gap = this.gap;
    const { rStart, rLast, rNext } = this;
    let prev = 0;
    let cur = this.heads[u]!;
    let target = 0;
    while (cur !== 0) {
      const next = rNext[cur]!;
      const end = rLast[cur]! + gap;
      if (end <= wm) {
        this.relink(u, prev, next);
        this.rState[cur] = DETACHED;
        cur = next;
        continue;
      }
      if (rStart[cur]! >= t + gap) break;
      if (t < end) {
        if (target === 0) {
          target = cur;
          if (t < rStart[cur]!) rStart[cur] = t;
          if (t > rLast[cur]!) rLast[cur] = t;
          this.rEvents[cur]++;
          if (kind === SESSION_KIND_VIEW) this.rViews[cur]++;
          else if (kind === SESSION_KIND_PURCHASE) {
            this.rPurch[cur]++;
            this.rRev[cur] += Math.trunc(amount);
          }
        } else {
          if (rLast[cur]! > rLast[target]!) rLast[target] = rLast[cur]!;
          this.rEvents[target] += this.rEvents[cur]!;
          this.rViews[target] += this.rViews[cur]!;
          this.rPurch[target] += this.rPurch[cur]!;
          this.rRev[target] += this.rRev[cur]!;
          this.relink(u, prev, next);
          this.rState[cur] = ZOMBIE;
          this.live--;
          cur = next;
          continue;
        }
      }
      prev = cur;
      cur = next;
    }
    if (target !== 0) return;
    const i = this.newRec();
    this.rStart[i] = t;
    this.rLast[i] = t;
    this.rUser[i] = u;
    this.rEvents[i] = 1;
    this.rViews[i] = kind === SESSION_KIND_VIEW ? 1 : 0;
    this.rPurch[i] = kind === SESSION_KIND_PURCHASE ? 1 : 0;
    this.rRev[i] = kind === SESSION_KIND_PURCHASE ? Math.trunc(amount) : 0;
    this.rState[i] = OPEN;
    this.rNext[i] = cur;
    this.relink(u, prev, i);
    this.wheelLink(i, t + gap);
  }

  private unlink(i: number): void {
    const u = this.rUser[i]!;
    let cur = this.heads[u]!;
    if (cur === i) {
      this.heads[u] = this.rNext[i]!;
      return;
    }
    while (cur !== 0) {
      if (this.rNext[cur] === i) {
        this.rNext[cur] = this.rNext[i]!;
        return;
      }
      cur = this.rNext[cur]!;
    }
  }

  private pushSort(k: number, i: number): void {
    if (k >= this.sortIdx.length) this.sortIdx = grown(this.sortIdx, this.sortIdx.length * 2);
    this.sortIdx[k] = i;
  }

  /** Sorts the first `rows` record indices by (end, user) and writes their rows. */
  private emitSorted(rows: number, free: boolean): SessionRows {
    const { rLast, rUser } = this;
    const idx = this.sortIdx.subarray(0, rows);
    idx.sort((a, b) => rLast[a]! - rLast[b]! || rUser[a]! - rUser[b]!);
    if (rows > this.out.user.length) {
      let cap = this.out.user.length;
      while (cap < rows) cap *= 2;
      this.out = JsPortSession.rowsOf(cap);
    }
    const o = this.out;
    const gap = this.gap;
    for (let k = 0; k < rows; k++) {
      const i = idx[k]!;
      o.user[k] = rUser[i]!;
      o.start[k] = this.rStart[i]!;
      o.end[k] = rLast[i]! + gap;
      o.duration[k] = rLast[i]! - this.rStart[i]!;
      o.events[k] = this.rEvents[i]!;
      o.views[k] = this.rViews[i]!;
      o.purchases[k] = this.rPurch[i]!;
      o.revenue[k] = this.rRev[i]!;
      if (free) this.freeRec(i);
    }
    return {
      n: rows, user: o.user.subarray(0, rows), start: o.start.subarray(0, rows), end: o.end.subarray(0, rows),
      duration: o.duration.subarray(0, rows), events: o.events.subarray(0, rows), views: o.views.subarray(0, rows),
      purchases: o.purchases.subarray(0, rows), revenue: o.revenue.subarray(0, rows),
    };
  }

  private sweep(head: number, wm: number, rows: number): number {
    const gap = this.gap;
    let i = head;
    while (i !== 0) {
      const next = this.rTnext[i]!;
      this.linked--;
      if (this.rState[i] === ZOMBIE) {
        this.freeRec(i);
      } else {
        const end = this.rLast[i]! + gap;
        if (end <= wm) {
          if (this.rState[i] === OPEN) {
            this.unlink(i);
            this.rState[i] = DETACHED;
          }
          this.pushSort(rows++, i);
        } else {
          this.wheelLink(i, end);
        }
      }
      i = next;
    }
    return rows;
  }

  advance(wm: number): SessionRows {
    let rows = 0;
    if (this.linked > 0 && (wm >= this.cursor * this.slotMs || wm >= this.clampMin)) {
      const target = wm === Infinity ? this.cursor + WHEEL : Math.max(this.cursor, this.slotOf(wm));
      const last = Math.min(target, this.cursor + WHEEL - 1);
      for (let slot = this.cursor; slot <= last; slot++) {
        const h = slot & (WHEEL - 1);
        const head = this.wheel[h]!;
        this.wheel[h] = 0;
        this.cursor = slot;
        this.clampMin = Infinity;
        rows = this.sweep(head, wm, rows);
      }
      if (target > last) this.cursor = target;
      if (this.overflow !== 0) {
        const head = this.overflow;
        this.overflow = 0;
        rows = this.sweep(head, wm, rows);
      }
    }
    return this.emitSorted(rows, true);
  }

  peek(): SessionRows {
    let rows = 0;
    for (let i = 1; i < this.recHi; i++) if (this.rState[i] === OPEN) this.pushSort(rows++, i);
    return this.emitSorted(rows, false);
  }

  openSessions(): number {
    return this.live;
  }

  snapshot(): Uint8Array {
    throw new Error("the JS port is a bench comparison, it has no snapshots");
  }

  destroy(): void {
    this.heads = new Int32Array(0);
    this.live = 0;
  }
}
