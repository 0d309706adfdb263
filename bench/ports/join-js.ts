/**
 * Hand-tuned JavaScript port of the WASM join kernel (assembly/join.ts), for the bench: the
 * same algorithm (rows and (user, product) pairs in chained hash tables, pending clicks and
 * kept transactions as items in per-pair lists, window-start buckets that finalise from the
 * front, a click converted on arrival never stored) with structure-of-arrays typed arrays
 * grown by doubling and no allocation per event. Checked against the reference by
 * test/unit/join-port.test.ts, so the bench compares equals.
 */
import type { ConversionRows, JoinBatch, JoinKernel, JoinOptions } from "../../src/core/kernels/join";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, normalizeJoinOptions } from "../../src/core/kernels/join";

const PENDING = 1;
const TXN = 2;
const DEAD = 3;

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class JsPortJoin implements JoinKernel {
  readonly options: Readonly<Required<JoinOptions>>;
  private readonly W: number;
  private readonly H: number;
  // rows (aggs), 1-based
  private aStart = new Float64Array(256);
  private aProduct = new Uint32Array(256);
  private aClicks = new Uint32Array(256);
  private aConv = new Uint32Array(256);
  private aChain = new Int32Array(256);
  private aBnext = new Int32Array(256);
  private aHi = 1;
  private aFree = 0;
  private aLive = 0;
  private aTab = new Int32Array(256);
  // pairs
  private pUser = new Uint32Array(256);
  private pProduct = new Uint32Array(256);
  private pClick = new Int32Array(256);
  private pTx = new Int32Array(256);
  private pChain = new Int32Array(256);
  private pHi = 1;
  private pFree = 0;
  private pLive = 0;
  private pTab = new Int32Array(256);
  // items
  private iT = new Float64Array(256);
  private iPair = new Int32Array(256);
  private iPrev = new Int32Array(256);
  private iNext = new Int32Array(256);
  private iBnext = new Int32Array(256);
  private iAgg = new Int32Array(256);
  private iState = new Uint8Array(256);
  private iHi = 1;
  private iFree = 0;
  // buckets, sorted by start
  private bStart = new Float64Array(64);
  private bAgg = new Int32Array(64);
  private bItem = new Int32Array(64);
  private nb = 0;
  private lastB = 0;
  private pending = 0;
  private txs = 0;
  private readonly late: Uint32Array;
  private sortIdx = new Uint32Array(256);
  private out = JsPortJoin.rowsOf(256);

  constructor(options: JoinOptions = {}, opts: { batchCap?: number } = {}) {
    this.options = normalizeJoinOptions(options);
    this.W = this.options.windowMs;
    this.H = this.options.horizonMs;
    this.late = new Uint32Array(opts.batchCap ?? 65_536);
  }

  private static rowsOf(n: number): ConversionRows {
    return { n: 0, product: new Uint32Array(n), start: new Float64Array(n), end: new Float64Array(n), clicks: new Uint32Array(n), converted: new Uint32Array(n) };
  }

  private static aggHash(product: number, start: number, mask: number): number {
    return (Math.imul((start / 1000) | 0, 0x9e3779b1) ^ Math.imul(product + 0x7f4a7c15, 0x85ebca6b)) >>> 7 & mask;
  }
  private static pairHash(user: number, product: number, mask: number): number {
    return (Math.imul(user, 0x9e3779b1) ^ Math.imul(product + 0x7f4a7c15, 0x85ebca6b)) >>> 7 & mask;
  }

  private bucketOf(ws: number): number {
    const c = this.lastB;
    if (c < this.nb && this.bStart[c] === ws) return c;
    let lo = 0, hi = this.nb;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bStart[mid]! < ws) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.nb || this.bStart[lo] !== ws) {
      if (this.nb >= this.bStart.length) {
        const n = this.bStart.length * 2;
        this.bStart = grown(this.bStart, n);
        this.bAgg = grown(this.bAgg, n);
        this.bItem = grown(this.bItem, n);
      }
      this.bStart.copyWithin(lo + 1, lo, this.nb);
      this.bAgg.copyWithin(lo + 1, lo, this.nb);
      this.bItem.copyWithin(lo + 1, lo, this.nb);
      this.bStart[lo] = ws;
      this.bAgg[lo] = 0;
      this.bItem[lo] = 0;
      this.nb++;
    }
    this.lastB = lo;
    return lo;
  }

  private aggGet(product: number, ws: number, b: number): number {
    let mask = this.aTab.length - 1;
    let i = this.aTab[JsPortJoin.aggHash(product, ws, mask)]!;
    while (i !== 0) {
      if (this.aProduct[i] === product && this.aStart[i] === ws) return i;
      i = this.aChain[i]!;
    }
    if (this.aLive >= this.aTab.length) {
      const tab = new Int32Array(this.aTab.length * 2);
      const m = tab.length - 1;
      for (let h = 0; h < this.aTab.length; h++) {
        let j = this.aTab[h]!;
        while (j !== 0) {
          const next = this.aChain[j]!;
          const s = JsPortJoin.aggHash(this.aProduct[j]!, this.aStart[j]!, m);
          this.aChain[j] = tab[s]!;
          tab[s] = j;
          j = next;
        }
      }
      this.aTab = tab;
      mask = m;
    }
    i = this.aFree;
    if (i !== 0) this.aFree = this.aChain[i]!;
    else {
      if (this.aHi >= this.aStart.length) {
        const n = this.aStart.length * 2;
        this.aStart = grown(this.aStart, n);
        this.aProduct = grown(this.aProduct, n);
        this.aClicks = grown(this.aClicks, n);
        this.aConv = grown(this.aConv, n);
        this.aChain = grown(this.aChain, n);
        this.aBnext = grown(this.aBnext, n);
      }
      i = this.aHi++;
    }
    this.aLive++;
    this.aStart[i] = ws;
    this.aProduct[i] = product;
    this.aClicks[i] = 0;
    this.aConv[i] = 0;
    const s = JsPortJoin.aggHash(product, ws, mask);
    this.aChain[i] = this.aTab[s]!;
    this.aTab[s] = i;
    this.aBnext[i] = this.bAgg[b]!;
    this.bAgg[b] = i;
    return i;
  }

  private aggRemove(i: number): void {
    const s = JsPortJoin.aggHash(this.aProduct[i]!, this.aStart[i]!, this.aTab.length - 1);
    if (this.aTab[s] === i) this.aTab[s] = this.aChain[i]!;
    else {
      let p = this.aTab[s]!;
      while (this.aChain[p] !== i) p = this.aChain[p]!;
      this.aChain[p] = this.aChain[i]!;
    }
    this.aChain[i] = this.aFree;
    this.aFree = i;
    this.aLive--;
  }

  private pairFind(user: number, product: number): number {
    let i = this.pTab[JsPortJoin.pairHash(user, product, this.pTab.length - 1)]!;
    while (i !== 0) {
      if (this.pUser[i] === user && this.pProduct[i] === product) return i;
      i = this.pChain[i]!;
    }
    return 0;
  }

  private pairNew(user: number, product: number): number {
    if (this.pLive >= this.pTab.length) {
      const tab = new Int32Array(this.pTab.length * 2);
      const m = tab.length - 1;
      for (let h = 0; h < this.pTab.length; h++) {
        let j = this.pTab[h]!;
        while (j !== 0) {
          const next = this.pChain[j]!;
          const s = JsPortJoin.pairHash(this.pUser[j]!, this.pProduct[j]!, m);
          this.pChain[j] = tab[s]!;
          tab[s] = j;
          j = next;
        }
      }
      this.pTab = tab;
    }
    let i = this.pFree;
    if (i !== 0) this.pFree = this.pChain[i]!;
    else {
      if (this.pHi >= this.pUser.length) {
        const n = this.pUser.length * 2;
        this.pUser = grown(this.pUser, n);
        this.pProduct = grown(this.pProduct, n);
        this.pClick = grown(this.pClick, n);
        this.pTx = grown(this.pTx, n);
        this.pChain = grown(this.pChain, n);
      }
      i = this.pHi++;
    }
    this.pLive++;
    this.pUser[i] = user;
    this.pProduct[i] = product;
    this.pClick[i] = 0;
    this.pTx[i] = 0;
    const s = JsPortJoin.pairHash(user, product, this.pTab.length - 1);
    this.pChain[i] = this.pTab[s]!;
    this.pTab[s] = i;
    return i;
  }

  private pairRemove(i: number): void {
    const s = JsPortJoin.pairHash(this.pUser[i]!, this.pProduct[i]!, this.pTab.length - 1);
    if (this.pTab[s] === i) this.pTab[s] = this.pChain[i]!;
    else {
      let p = this.pTab[s]!;
      while (this.pChain[p] !== i) p = this.pChain[p]!;
      this.pChain[p] = this.pChain[i]!;
    }
    this.pChain[i] = this.pFree;
    this.pFree = i;
    this.pLive--;
  }

  private itemNew(pi: number, b: number, t: number, state: number, agg: number): void {
    let i = this.iFree;
    if (i !== 0) this.iFree = this.iNext[i]!;
    else {
      if (this.iHi >= this.iT.length) {
        const n = this.iT.length * 2;
        this.iT = grown(this.iT, n);
        this.iPair = grown(this.iPair, n);
        this.iPrev = grown(this.iPrev, n);
        this.iNext = grown(this.iNext, n);
        this.iBnext = grown(this.iBnext, n);
        this.iAgg = grown(this.iAgg, n);
        this.iState = grown(this.iState, n);
      }
      i = this.iHi++;
    }
    this.iT[i] = t;
    this.iPair[i] = pi;
    this.iPrev[i] = 0;
    this.iAgg[i] = agg;
    this.iState[i] = state;
    const head = state === TXN ? this.pTx : this.pClick;
    const h = head[pi]!;
    this.iNext[i] = h;
    if (h !== 0) this.iPrev[h] = i;
    head[pi] = i;
    this.iBnext[i] = this.bItem[b]!;
    this.bItem[b] = i;
  }

  private itemUnlink(i: number): void {
    const prev = this.iPrev[i]!, next = this.iNext[i]!;
    if (prev !== 0) this.iNext[prev] = next;
    else if (this.iState[i] === TXN) this.pTx[this.iPair[i]!] = next;
    else this.pClick[this.iPair[i]!] = next;
    if (next !== 0) this.iPrev[next] = prev;
  }

  process(batch: JoinBatch): Uint32Array {
    const { n, kind, user, product, time, wm } = batch;
    const W = this.W, reach = this.W + this.H;
    const scalar = typeof wm === "number";
    let late = 0;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k !== JOIN_KIND_CLICK && k !== JOIN_KIND_TX) continue;
      const t = time[i]!;
      const w = scalar ? wm : wm[i]!;
      let ws = 0;
      let isLate = t - t !== 0;
      if (!isLate) {
        ws = t - (((t % W) + W) % W);
        isLate = w >= ws + reach;
      }
      if (isLate) {
        this.late[late++] = i;
        continue;
      }
      if (k === JOIN_KIND_CLICK) this.click(user[i]!, product[i]!, t, ws);
      else this.transaction(user[i]!, product[i]!, t, ws, w);
    }
    return this.late.subarray(0, late);
  }

  private click(user: number, product: number, t: number, ws: number): void {
    const b = this.bucketOf(ws);
    const ai = this.aggGet(product, ws, b);
    this.aClicks[ai]++;
    let pi = this.pairFind(user, product);
    if (pi !== 0) {
      const limit = t + this.H;
      for (let j = this.pTx[pi]!; j !== 0; j = this.iNext[j]!) {
        const tt = this.iT[j]!;
        if (tt >= t && tt <= limit) {
          this.aConv[ai]++;
          return;
        }
      }
    } else {
      pi = this.pairNew(user, product);
    }
    this.itemNew(pi, b, t, PENDING, ai);
    this.pending++;
  }

  private transaction(user: number, product: number, t: number, ws: number, wm: number): void {
    const b = this.bucketOf(ws);
    let pi = this.pairFind(user, product);
    if (pi === 0) pi = this.pairNew(user, product);
    const h = this.H, reach = this.W + this.H;
    let j = this.pClick[pi]!;
    while (j !== 0) {
      const next = this.iNext[j]!;
      const ct = this.iT[j]!;
      if (ct <= t && t <= ct + h) {
        const a = this.iAgg[j]!;
        if (this.aStart[a]! + reach > wm) {
          this.aConv[a]++;
          this.itemUnlink(j);
          this.iState[j] = DEAD;
          this.pending--;
        }
      }
      j = next;
    }
    this.itemNew(pi, b, t, TXN, 0);
    this.txs++;
  }

  /** Appends the rows of bucket b, ordered by product, at row `row`; returns the next row. */
  private emitBucket(b: number, row: number, free: boolean): number {
    let n = 0;
    for (let i = this.bAgg[b]!; i !== 0; i = this.aBnext[i]!) {
      if (n >= this.sortIdx.length) this.sortIdx = grown(this.sortIdx, this.sortIdx.length * 2);
      this.sortIdx[n++] = i;
    }
    const idx = this.sortIdx.subarray(0, n);
    const prod = this.aProduct;
    idx.sort((x, y) => prod[x]! - prod[y]!);
    if (row + n > this.out.product.length) {
      let cap = this.out.product.length;
      while (cap < row + n) cap *= 2;
      const o = JsPortJoin.rowsOf(cap);
      o.product.set(this.out.product.subarray(0, row));
      o.start.set(this.out.start.subarray(0, row));
      o.end.set(this.out.end.subarray(0, row));
      o.clicks.set(this.out.clicks.subarray(0, row));
      o.converted.set(this.out.converted.subarray(0, row));
      this.out = o;
    }
    const o = this.out;
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      o.product[row] = prod[i]!;
      o.start[row] = this.aStart[i]!;
      o.end[row] = this.aStart[i]! + this.W;
      o.clicks[row] = this.aClicks[i]!;
      o.converted[row] = this.aConv[i]!;
      row++;
      if (free) this.aggRemove(i);
    }
    return row;
  }

  private freeItems(b: number): void {
    let i = this.bItem[b]!;
    while (i !== 0) {
      const next = this.iBnext[i]!;
      const st = this.iState[i]!;
      if (st !== DEAD) {
        this.itemUnlink(i);
        if (st === TXN) this.txs--;
        else this.pending--;
        const p = this.iPair[i]!;
        if (this.pClick[p] === 0 && this.pTx[p] === 0) this.pairRemove(p);
      }
      this.iNext[i] = this.iFree;
      this.iFree = i;
      i = next;
    }
  }

  private view(n: number): ConversionRows {
    const o = this.out;
    return { n, product: o.product.subarray(0, n), start: o.start.subarray(0, n), end: o.end.subarray(0, n), clicks: o.clicks.subarray(0, n), converted: o.converted.subarray(0, n) };
  }

  advance(wm: number): ConversionRows {
    const reach = this.W + this.H;
    let done = 0, rows = 0;
    while (done < this.nb && this.bStart[done]! + reach <= wm) {
      rows = this.emitBucket(done, rows, true);
      this.freeItems(done);
      done++;
    }
    if (done > 0) {
      this.bStart.copyWithin(0, done, this.nb);
      this.bAgg.copyWithin(0, done, this.nb);
      this.bItem.copyWithin(0, done, this.nb);
      this.nb -= done;
      this.lastB = 0;
    }
    return this.view(rows);
  }

  peek(): ConversionRows {
    let rows = 0;
    for (let b = 0; b < this.nb; b++) rows = this.emitBucket(b, rows, false);
    return this.view(rows);
  }

  openEntries(): number {
    return this.aLive + this.pending + this.txs;
  }

  snapshot(): Uint8Array {
    throw new Error("the JS port is a bench comparison, it has no snapshots");
  }

  destroy(): void {
    this.nb = 0;
  }
}
