/**
 * Content-defined anchors of a state, the index the delta encoder (state-delta.ts) finds shifted
 * runs with. An anchor is a position where a rolling hash of the 16 bytes ending there has its
 * top 4 bits clear — one position in 16 on average, wherever the content puts them, so a run
 * that moved keeps its anchors and their hashes.
 *
 * The anchors are kept as a list sorted by position, not as a hash table over the whole state:
 * building and probing a table of millions of entries is random memory access, which cost more
 * than the rest of the encoding together. A shift is usually local (a record inserted or dropped
 * nearby), so the encoder looks near the expected position first, then in a small table of the
 * rarer "super" anchors (top 8 bits clear) for a shift from anywhere. And the list of the new
 * state is derived from the old one while encoding — a copied run carries its anchors along,
 * only literals and the first bytes of each copy are hashed — so an epoch costs what changed,
 * not a pass over the whole state.
 */

const GEAR = (() => {
  const g = new Int32Array(256);
  let x = 0x2545f491;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    g[i] = x;
  }
  return g;
})();

/** Bytes a hash covers: shifting by 2 per byte pushes older bytes out of 32 bits after 16. */
export const WINDOW = 16;
const ANCHOR_SHIFT = 28;
const SUPER_SHIFT = 24;
const MUL = 0x9e3779b1 | 0;

/** The rolling hash after byte `b`. */
export function roll(h: number, b: number): number {
  return ((h << 2) + GEAR[b]) | 0;
}

/** The hash of the window ending at byte `i` (inclusive), from scratch. */
export function hashAt(a: Uint8Array, i: number): number {
  let h = 0;
  for (let k = Math.max(0, i - WINDOW + 1); k <= i; k++) h = ((h << 2) + GEAR[a[k]]) | 0;
  return h;
}

/** True when a window with hash `h` is an anchor. */
export function isAnchor(h: number): boolean {
  return h >>> ANCHOR_SHIFT === 0;
}

/** A state's anchors, ascending by position, with their hashes. */
export interface Anchors {
  pos: Int32Array;
  hash: Int32Array;
  length: number;
}

/** Collects anchors in ascending position. */
export class AnchorList {
  private pos: Int32Array;
  private hash: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.pos = new Int32Array(Math.max(16, capacity));
    this.hash = new Int32Array(this.pos.length);
  }

  private grow(k: number): void {
    if (this.n + k <= this.pos.length) return;
    const cap = Math.max(this.n + k, Math.ceil(this.pos.length * 1.5));
    const pos = new Int32Array(cap);
    const hash = new Int32Array(cap);
    pos.set(this.pos.subarray(0, this.n));
    hash.set(this.hash.subarray(0, this.n));
    this.pos = pos;
    this.hash = hash;
  }

  /** Hashes `a[from, to)` (with the 15 bytes before as context) and adds its anchors. */
  scan(a: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    let h = from > 0 ? hashAt(a, from - 1) : 0;
    for (let i = from; i < to; i++) {
      h = ((h << 2) + GEAR[a[i]]) | 0;
      if (h >>> ANCHOR_SHIFT === 0) {
        this.grow(1);
        this.pos[this.n] = i;
        this.hash[this.n++] = h;
      }
    }
  }

  /**
   * Adds the anchors of `neu[s, s + len)`, a copy of `old[o, o + len)` whose anchors are `old`:
   * where a window lies wholly in the copy its anchor is the old one moved; the first 15 bytes,
   * whose windows reach back before the copy, are hashed.
   */
  copy(neu: Uint8Array, s: number, len: number, old: Anchors, o: number): void {
    const head = Math.min(len, WINDOW - 1);
    this.scan(neu, s, s + head);
    if (len <= head) return;
    let i = lowerBound(old, o + head);
    let end = i;
    while (end < old.length && old.pos[end] < o + len) end++;
    if (end === i) return;
    this.grow(end - i);
    const shift = s - o;
    for (; i < end; i++) {
      this.pos[this.n] = old.pos[i] + shift;
      this.hash[this.n++] = old.hash[i];
    }
  }

  done(): Anchors {
    return { pos: this.pos, hash: this.hash, length: this.n };
  }
}

/** The anchors of `a`, by a pass over all of it. */
export function anchorsOf(a: Uint8Array): Anchors {
  const list = new AnchorList(a.length >> 4);
  list.scan(a, 0, a.length);
  return list.done();
}

/** First index of `x` whose position is >= `p`. */
export function lowerBound(x: Anchors, p: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x.pos[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Finds, for a hash, an anchor of the old state with that hash. */
export class AnchorFinder {
  private table: Int32Array | undefined;
  private shift = 0;

  constructor(private readonly old: Anchors) {}

  /** The super anchors by hash, built when first needed (most epochs shift nothing far). */
  private supers(): Int32Array {
    if (this.table) return this.table;
    const old = this.old;
    let supers = 0;
    for (let i = 0; i < old.length; i++) if (old.hash[i] >>> SUPER_SHIFT === 0) supers++;
    const bits = Math.max(8, Math.ceil(Math.log2(supers * 2 + 1)));
    this.table = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    for (let i = 0; i < old.length; i++) {
      const h = old.hash[i];
      if (h >>> SUPER_SHIFT === 0) this.table[Math.imul(h, MUL) >>> this.shift] = old.pos[i] + 1;
    }
    return this.table;
  }

  /**
   * An old anchor with hash `h`: the nearest within `reach` bytes of `near`, else (for a super
   * anchor) any; -1 when none.
   */
  find(h: number, near: number, reach: number): number {
    const old = this.old;
    let best = -1;
    let bestDist = reach + 1;
    for (let i = lowerBound(old, near - reach); i < old.length && old.pos[i] <= near + reach; i++) {
      if (old.hash[i] !== h) continue;
      const dist = Math.abs(old.pos[i] - near);
      if (dist < bestDist) {
        best = old.pos[i];
        bestDist = dist;
      }
    }
    if (best >= 0 || h >>> SUPER_SHIFT !== 0) return best;
    const table = this.supers();
    return table[Math.imul(h, MUL) >>> this.shift] - 1;
  }
}
