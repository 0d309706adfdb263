/**
 * Hand-tuned JavaScript port of the WASM join kernel (assembly/join.ts), for the bench: the
 * same algorithm, organised by click window ("bucket": dense per-product counters, touched
 * products, an append-only log of pending clicks with an open-addressing index), a shared
 * transaction log with a fingerprinted index and a Bloom filter, buckets finalised from the
 * front and recycled. Typed arrays (structure of arrays), grown by doubling, no allocation per
 * event. (user, product) stays two u32 columns: as one number it would pass 2^53. Checked
 * against the reference by test/unit/join-port.test.ts, so the bench compares equals.
 */
import type { ConversionRows, JoinBatch, JoinKernel, JoinOptions } from "../../src/core/kernels/join";
import { JOIN_KIND_CLICK, JOIN_KIND_TX, normalizeJoinOptions } from "../../src/core/kernels/join";

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Slot of (user, product) under `mask`, and a second hash for fingerprints / the filter. */
const hash = (u: number, p: number, mask: number): number => (Math.imul(u ^ Math.imul(p, 0x9e3779b1), 0x85ebca6b) >>> 9) & mask;
const hash2 = (u: number, p: number): number => Math.imul(Math.imul(u, 0xcc9e2d51) ^ p, 0x1b873593) | 1;

class Bucket {
  start = 0;
  clicks: Uint32Array;
  conv: Uint32Array;
  touched = new Uint32Array(64);
  nTouched = 0;
  logUser = new Uint32Array(1024);
  logProduct = new Uint32Array(1024);
  logT = new Float64Array(1024);
  logLen = 0;
  idx = new Int32Array(4096);
  idxUsed = 0;
  pending = 0;
  txs = 0;
  constructor(products: number) {
    this.clicks = new Uint32Array(products);
    this.conv = new Uint32Array(products);
  }
}

export class JsPortJoin implements JoinKernel {
  readonly options: Readonly<Required<JoinOptions>>;
  private readonly W: number;
  private readonly H: number;
  private productCap = 256;
  private live: Bucket[] = [];
  private pool: Bucket[] = [];
  private lastB = 0;
  private txUser = new Uint32Array(1024);
  private txProduct = new Uint32Array(1024);
  private txT = new Float64Array(1024);
  private txLen = 0;
  private txIdx = new Int32Array(4096);
  private txFp = new Int32Array(4096);
  private txBloom = new Uint8Array(2048);
  private advWm = -Infinity;
  private readonly late: Uint32Array;
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

  private windowStart(t: number): number {
    const w = this.W;
    return t - (((t % w) + w) % w);
  }

  private bucketOf(ws: number): Bucket {
    const live = this.live;
    const c = this.lastB;
    if (c < live.length && live[c]!.start === ws) return live[c]!;
    let lo = 0, hi = live.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (live[mid]!.start < ws) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= live.length || live[lo]!.start !== ws) {
      const b = this.pool.pop() ?? new Bucket(this.productCap);
      b.start = ws;
      live.splice(lo, 0, b);
    }
    this.lastB = lo;
    return live[lo]!;
  }

  private ensureProducts(need: number): void {
    if (need <= this.productCap) return;
    let cap = this.productCap;
    while (cap < need) cap *= 2;
    for (const b of [...this.live, ...this.pool]) {
      b.clicks = grown(b.clicks, cap);
      b.conv = grown(b.conv, cap);
    }
    this.productCap = cap;
  }

  private countClick(b: Bucket, product: number, converted: boolean): void {
    if (b.clicks[product] === 0) {
      if (b.nTouched >= b.touched.length) b.touched = grown(b.touched, b.touched.length * 2);
      b.touched[b.nTouched++] = product;
    }
    b.clicks[product]++;
    if (converted) b.conv[product]++;
  }

  private reindex(b: Bucket): void {
    let cap = b.idx.length;
    while ((b.pending + 1) * 4 > cap) cap *= 2;
    if (cap !== b.idx.length) b.idx = new Int32Array(cap);
    else b.idx.fill(0);
    const mask = cap - 1, idx = b.idx;
    for (let j = 0; j < b.logLen; j++) {
      if (b.logT[j] === -Infinity) continue;
      let i = hash(b.logUser[j]!, b.logProduct[j]!, mask);
      while (idx[i] !== 0) i = (i + 1) & mask;
      idx[i] = j + 1;
    }
    b.idxUsed = b.pending;
  }

  private keepClick(b: Bucket, user: number, product: number, t: number): void {
    if (b.logLen >= b.logT.length) {
      const n = b.logT.length * 2;
      b.logUser = grown(b.logUser, n);
      b.logProduct = grown(b.logProduct, n);
      b.logT = grown(b.logT, n);
    }
    const j = b.logLen++;
    b.logUser[j] = user;
    b.logProduct[j] = product;
    b.logT[j] = t;
    b.pending++;
    if ((b.idxUsed + 1) * 2 > b.idx.length) {
      this.reindex(b);
      return;
    }
    b.idxUsed++;
    const mask = b.idx.length - 1;
    let i = hash(user, product, mask);
    while (b.idx[i] !== 0) i = (i + 1) & mask;
    b.idx[i] = j + 1;
  }

  private txIndex(j: number): void {
    const u = this.txUser[j]!, p = this.txProduct[j]!;
    const h2 = hash2(u, p);
    const bmask = this.txIdx.length * 4 - 1;
    const a = (h2 >>> 8) & bmask, c = Math.imul(h2, 0x2c1b3c6d) >>> 8 & bmask;
    this.txBloom[a >>> 3] |= 1 << (a & 7);
    this.txBloom[c >>> 3] |= 1 << (c & 7);
    const mask = this.txIdx.length - 1;
    let i = hash(u, p, mask);
    while (this.txIdx[i] !== 0) i = (i + 1) & mask;
    this.txIdx[i] = j + 1;
    this.txFp[i] = h2;
  }

  private bloomHas(u: number, p: number): boolean {
    const h2 = hash2(u, p);
    const bmask = this.txIdx.length * 4 - 1;
    const a = (h2 >>> 8) & bmask, c = Math.imul(h2, 0x2c1b3c6d) >>> 8 & bmask;
    return ((this.txBloom[a >>> 3]! >> (a & 7)) & (this.txBloom[c >>> 3]! >> (c & 7)) & 1) !== 0;
  }

  private txCompact(): void {
    const reach = this.W + this.H;
    let keep = 0;
    for (let j = 0; j < this.txLen; j++) {
      const t = this.txT[j]!;
      if (this.windowStart(t) + reach > this.advWm) {
        this.txUser[keep] = this.txUser[j]!;
        this.txProduct[keep] = this.txProduct[j]!;
        this.txT[keep] = t;
        keep++;
      }
    }
    this.txLen = keep;
    let cap = this.txIdx.length;
    while ((keep + 1) * 4 > cap) cap *= 2;
    if (cap !== this.txIdx.length) {
      this.txIdx = new Int32Array(cap);
      this.txFp = new Int32Array(cap);
      this.txBloom = new Uint8Array(cap / 2);
    } else {
      this.txIdx.fill(0);
      this.txBloom.fill(0);
    }
    for (let j = 0; j < keep; j++) this.txIndex(j);
  }

  private keepTx(user: number, product: number, t: number): void {
    if (this.txLen * 2 >= this.txIdx.length) this.txCompact();
    if (this.txLen >= this.txT.length) {
      const n = this.txT.length * 2;
      this.txUser = grown(this.txUser, n);
      this.txProduct = grown(this.txProduct, n);
      this.txT = grown(this.txT, n);
    }
    const j = this.txLen++;
    this.txUser[j] = user;
    this.txProduct[j] = product;
    this.txT[j] = t;
    this.txIndex(j);
  }

  process(batch: JoinBatch): Uint32Array {
    const { n, kind, user, product, time, wm } = batch;
    let hiP = 0;
    for (let i = 0; i < n; i++) if (product[i]! > hiP) hiP = product[i]!;
    if (n > 0) this.ensureProducts(hiP + 1);
    const W = this.W, reach = this.W + this.H;
    const scalar = typeof wm === "number";
    let cws = 0, cend = -Infinity, late = 0;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k !== JOIN_KIND_CLICK && k !== JOIN_KIND_TX) continue;
      const t = time[i]!;
      const w = scalar ? wm : wm[i]!;
      let ws = 0;
      let isLate = t - t !== 0;
      if (!isLate) {
        if (t >= cws && t < cend) ws = cws;
        else {
          ws = t - (((t % W) + W) % W);
          cws = ws;
          cend = ws + W;
        }
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
    if (this.bloomHas(user, product)) {
      const limit = t + this.H;
      const fp = hash2(user, product);
      const mask = this.txIdx.length - 1;
      for (let i = hash(user, product, mask); this.txIdx[i] !== 0; i = (i + 1) & mask) {
        if (this.txFp[i] !== fp) continue;
        const j = this.txIdx[i]! - 1;
        const tt = this.txT[j]!;
        if (this.txUser[j] === user && this.txProduct[j] === product && tt >= t && tt <= limit) {
          this.countClick(b, product, true);
          return;
        }
      }
    }
    this.countClick(b, product, false);
    this.keepClick(b, user, product, t);
  }

  private transaction(user: number, product: number, t: number, ws: number, wm: number): void {
    this.bucketOf(ws).txs++;
    this.keepTx(user, product, t);
    const h = this.H, reach = this.W + h;
    const lo = this.windowStart(t - h);
    for (const b of this.live) {
      if (b.start > ws) break;
      if (b.start < lo || b.start + reach <= wm || b.pending === 0) continue;
      const mask = b.idx.length - 1;
      for (let i = hash(user, product, mask); b.idx[i] !== 0; i = (i + 1) & mask) {
        const j = b.idx[i]! - 1;
        if (b.logUser[j] !== user || b.logProduct[j] !== product) continue;
        const c = b.logT[j]!;
        if (c <= t && t <= c + h) {
          b.logT[j] = -Infinity;
          b.pending--;
          b.conv[product]++;
        }
      }
    }
  }

  private emitBucket(b: Bucket, row: number, clear: boolean): number {
    const n = b.nTouched;
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
    const touched = b.touched.subarray(0, n).sort();
    const o = this.out;
    for (let k = 0; k < n; k++) {
      const p = touched[k]!;
      o.product[row + k] = p;
      o.start[row + k] = b.start;
      o.end[row + k] = b.start + this.W;
      o.clicks[row + k] = b.clicks[p]!;
      o.converted[row + k] = b.conv[p]!;
      if (clear) {
        b.clicks[p] = 0;
        b.conv[p] = 0;
      }
    }
    return row + n;
  }

  private view(n: number): ConversionRows {
    const o = this.out;
    return { n, product: o.product.subarray(0, n), start: o.start.subarray(0, n), end: o.end.subarray(0, n), clicks: o.clicks.subarray(0, n), converted: o.converted.subarray(0, n) };
  }

  advance(wm: number): ConversionRows {
    const reach = this.W + this.H;
    if (wm > this.advWm) this.advWm = wm;
    let done = 0, rows = 0;
    while (done < this.live.length && this.live[done]!.start + reach <= wm) {
      const b = this.live[done]!;
      rows = this.emitBucket(b, rows, true);
      b.nTouched = 0;
      b.idx.fill(0);
      b.logLen = 0;
      b.idxUsed = 0;
      b.pending = 0;
      b.txs = 0;
      this.pool.push(b);
      done++;
    }
    if (done > 0) {
      this.live.splice(0, done);
      this.lastB = 0;
    }
    return this.view(rows);
  }

  peek(): ConversionRows {
    let rows = 0;
    for (const b of this.live) rows = this.emitBucket(b, rows, false);
    return this.view(rows);
  }

  openEntries(): number {
    let n = 0;
    for (const b of this.live) n += b.nTouched + b.pending + b.txs;
    return n;
  }

  snapshot(): Uint8Array {
    throw new Error("the JS port is a bench comparison, it has no snapshots");
  }

  destroy(): void {
    this.live = [];
    this.pool = [];
  }
}
