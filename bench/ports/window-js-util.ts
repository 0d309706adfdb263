/** Data structures and helpers of the JS port of the window kernel (bench/ports/window-js.ts). */

/** One open window (or pane): structure-of-arrays slabs indexed by key id. */
export class Slot {
  win = 0;
  start = 0;
  end = 0;
  nkeys = 0;
  count: Uint32Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  dcount: Uint32Array;
  keys: Uint32Array;
  set: Float64Array;
  setSize = 0;
  constructor(keyCap: number, minmax: boolean, distinct: boolean) {
    this.count = new Uint32Array(keyCap);
    this.sum = new Float64Array(keyCap);
    this.min = new Float64Array(minmax ? keyCap : 0);
    this.max = new Float64Array(minmax ? keyCap : 0);
    this.dcount = new Uint32Array(distinct ? keyCap : 0);
    this.keys = new Uint32Array(keyCap);
    this.set = new Float64Array(distinct ? 64 : 0);
  }
}

export function growU32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
export function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** floor(t / d) exactly for integer t, d (f64 division may round across an integer). */
export function floorDiv(t: number, d: number): number {
  let q = Math.floor(t / d);
  if (q * d > t) q--;
  else if ((q + 1) * d <= t) q++;
  return q;
}

/** First index j in [from, n) with wm[j] >= x (wm never decreases), else n. */
export function firstAtLeast(wm: Float64Array, stride: number, from: number, n: number, x: number): number {
  if (stride === 0) return wm[0]! >= x ? from : n;
  if (from >= n || wm[from]! >= x) return from;
  let lo = from, step = 1, hi = from + 1;
  while (hi < n && !(wm[hi]! >= x)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (wm[mid]! >= x) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Adds v to the slot's distinct set (open addressing, stored + 1); true when new. */
export function setInsert(s: Slot, v: number): boolean {
  let set = s.set;
  if ((s.setSize + 1) * 2 > set.length) {
    const old = set;
    set = s.set = new Float64Array(old.length * 2);
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) insertRaw(set, old[i]!);
  }
  if (insertRaw(set, v + 1)) {
    s.setSize++;
    return true;
  }
  return false;
}

function insertRaw(set: Float64Array, v: number): boolean {
  const mask = set.length - 1;
  let h = Math.imul((v | 0) ^ Math.imul((v / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  let i = h & mask;
  for (;;) {
    const cur = set[i]!;
    if (cur === v) return false;
    if (cur === 0) {
      set[i] = v;
      return true;
    }
    i = (i + 1) & mask;
  }
}
