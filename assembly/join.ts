// Interval join of clicks to transactions (SPEC `conversions`), conventions in layout.ts; the
// semantics, and why lateness is what it is, are in src/core/reference/join.ts. In short, with
// window W, horizon H and fin(t) = floor(t / W) * W + W + H:
// - a click at c converts when a transaction of the same (user, product) has c <= T <= c + H;
//   rows per (product, click window) are final once wm >= fin(c);
// - a click is late when wm[i] >= fin(c); a transaction when wm[i] >= fin(T) (every row it
//   could change is final); a transaction meeting a click whose row is final at wm[i] skips it.
//
// State, all bounded by the horizon:
// - aggs: one 32-byte row per (product, window), in a chained hash table;
// - pairs: per (user, product) the lists of pending (unconverted) clicks and kept
//   transactions, in a chained hash table; a pair is freed when both lists are empty;
// - items: 32-byte clicks / transactions; a click converted on arrival is never stored;
// - buckets: one per window start, sorted, listing the aggs and items that start there.
//   advance(wm) finalises buckets from the front (start + W + H <= wm): emits their rows
//   ordered by product, and frees their aggs and items. A transaction's bucket is that of
//   its own time, whose finalisation is exactly when it can no longer convert anything open.
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_JOIN, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wU32, wF64, rBegin, rI32, rU32, rF64, rDone, rFailed } from "./bytes-util";
import { floorDiv } from "./time-util";
import { hash64 } from "./hash-util";

const FORMAT: i32 = 1;
const KIND_CLICK: u8 = 0;
const KIND_TX: u8 = 1;

const ITEM_PENDING: u32 = 1; // a click waiting for its transaction
const ITEM_TX: u32 = 2;
const ITEM_DEAD: u32 = 3; // a click converted after it was stored (freed with its bucket)

@unmanaged class Agg {
  start: f64;
  product: u32;
  clicks: u32;
  converted: u32;
  chain: i32; // next in hash chain, or next free
  bnext: i32; // next agg of the bucket
  pad: u32;
}
@unmanaged class Pair {
  user: u32;
  product: u32;
  clickHead: i32;
  txHead: i32;
  chain: i32; // next in hash chain, or next free
  pad: u32;
}
@unmanaged class Item {
  t: f64;
  pair: i32;
  prev: i32; // pair list
  next: i32; // pair list, or next free
  bnext: i32; // bucket list
  agg: i32; // clicks: their row
  state: u32;
}
const AGG_BYTES: usize = 32;
const PAIR_BYTES: usize = 24;
const ITEM_BYTES: usize = 32;
const BUCKET_BYTES: usize = 16; // start f64 | aggHead i32 | itemHead i32

/** A growable slab of fixed-size records, 1-based, with a free list threaded through `link`. */
@unmanaged class Slab {
  base: usize;
  cap: i32;
  hi: i32; // records ever handed out: 1..hi-1
  free: i32;
  live: i32;
}

@unmanaged class JState {
  window: f64;
  horizon: f64;
  windowI: i64;
  batchCap: i32;
  inKind: usize;
  inUser: usize;
  inProduct: usize;
  inT: usize;
  inWm: usize;
  late: usize;
  aggs: Slab;
  pairs: Slab;
  items: Slab;
  aggTab: usize;
  aggMask: u32;
  pairTab: usize;
  pairMask: u32;
  buckets: usize;
  nb: i32;
  bcap: i32;
  lastB: i32; // cached bucket index of the previous lookup
  pending: i32;
  txs: i32;
  outCap: i32;
  oProduct: usize;
  oStart: usize;
  oEnd: usize;
  oClicks: usize;
  oConverted: usize;
  sortBuf: usize; // u64 (product << 32 | agg) per row of a bucket
  sortCap: i32;
}

// @ts-ignore: decorator
@inline function resize(p: usize, bytes: usize): usize {
  return p == 0 ? heap.alloc(bytes) : heap.realloc(p, bytes); // TLSF cannot realloc null
}

function slabInit(size: usize): Slab {
  const s = changetype<Slab>(heap.alloc(offsetof<Slab>()));
  s.cap = 256;
  s.base = heap.alloc(<usize>s.cap * size);
  s.hi = 1;
  s.free = 0;
  s.live = 0;
  return s;
}

/** Takes a record (its `link` field, at byte offset linkOff, threads the free list). */
function slabTake(s: Slab, size: usize, linkOff: usize): i32 {
  let i = s.free;
  if (i != 0) {
    s.free = load<i32>(s.base + <usize>i * size + linkOff);
  } else {
    if (s.hi >= s.cap) {
      s.cap <<= 1;
      s.base = heap.realloc(s.base, <usize>s.cap * size);
    }
    i = s.hi++;
  }
  s.live++;
  return i;
}

// @ts-ignore: decorator
@inline function slabPut(s: Slab, size: usize, linkOff: usize, i: i32): void {
  store<i32>(s.base + <usize>i * size + linkOff, s.free);
  s.free = i;
  s.live--;
}

// @ts-ignore: decorator
@inline function agg(s: JState, i: i32): Agg { return changetype<Agg>(s.aggs.base + <usize>i * AGG_BYTES); }
// @ts-ignore: decorator
@inline function pair(s: JState, i: i32): Pair { return changetype<Pair>(s.pairs.base + <usize>i * PAIR_BYTES); }
// @ts-ignore: decorator
@inline function item(s: JState, i: i32): Item { return changetype<Item>(s.items.base + <usize>i * ITEM_BYTES); }
// @ts-ignore: decorator
@inline function bucketP(s: JState, b: i32): usize { return s.buckets + (<usize>b << 4); }

// @ts-ignore: decorator
@inline function aggHash(product: u32, start: f64, mask: u32): u32 {
  return hash64((<u64>reinterpret<u64>(start) * 31) ^ <u64>product, mask);
}
// @ts-ignore: decorator
@inline function pairHash(user: u32, product: u32, mask: u32): u32 {
  return hash64((<u64>user << 32) | <u64>product, mask);
}

function newTable(cap: u32): usize {
  const p = heap.alloc(<usize>cap << 2);
  memory.fill(p, 0, <usize>cap << 2);
  return p;
}

function create(window: f64, horizon: f64, batchCap: i32): i32 {
  if (batchCap <= 0 || !(window >= 1) || !(horizon >= 0) || window > 9e15 || horizon > 9e15 || window != Math.floor(window)) return ERR_CONFIG;
  const s = changetype<JState>(heap.alloc(offsetof<JState>()));
  memory.fill(changetype<usize>(s), 0, offsetof<JState>());
  s.window = window;
  s.horizon = horizon;
  s.windowI = <i64>window;
  s.batchCap = batchCap;
  const cap = <usize>batchCap;
  s.inKind = heap.alloc(cap);
  s.inUser = heap.alloc(cap << 2);
  s.inProduct = heap.alloc(cap << 2);
  s.inT = heap.alloc(cap << 3);
  s.inWm = heap.alloc(cap << 3);
  s.late = heap.alloc(cap << 2);
  s.aggs = slabInit(AGG_BYTES);
  s.pairs = slabInit(PAIR_BYTES);
  s.items = slabInit(ITEM_BYTES);
  s.aggMask = 255;
  s.aggTab = newTable(256);
  s.pairMask = 255;
  s.pairTab = newTable(256);
  s.bcap = 64;
  s.buckets = heap.alloc(<usize>s.bcap * BUCKET_BYTES);
  ensureOut(s, 256);
  return handleNew(KIND_JOIN, changetype<usize>(s));
}

function ensureOut(s: JState, need: i32): void {
  if (need <= s.outCap) return;
  let ncap = s.outCap == 0 ? 256 : s.outCap;
  while (ncap < need) ncap <<= 1;
  const n = <usize>ncap;
  s.oProduct = resize(s.oProduct, n << 2);
  s.oStart = resize(s.oStart, n << 3);
  s.oEnd = resize(s.oEnd, n << 3);
  s.oClicks = resize(s.oClicks, n << 2);
  s.oConverted = resize(s.oConverted, n << 2);
  s.sortBuf = resize(s.sortBuf, n << 3);
  s.outCap = ncap;
}

// ---- buckets (sorted by start) ----

/** Index of the bucket of window start `ws`, created if missing. */
function bucketOf(s: JState, ws: f64): i32 {
  const c = s.lastB;
  if (c < s.nb && load<f64>(bucketP(s, c)) == ws) return c;
  let lo = 0;
  let hi = s.nb;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<f64>(bucketP(s, mid)) < ws) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= s.nb || load<f64>(bucketP(s, lo)) != ws) {
    if (s.nb >= s.bcap) {
      s.bcap <<= 1;
      s.buckets = heap.realloc(s.buckets, <usize>s.bcap * BUCKET_BYTES);
    }
    memory.copy(bucketP(s, lo + 1), bucketP(s, lo), <usize>(s.nb - lo) * BUCKET_BYTES);
    const p = bucketP(s, lo);
    store<f64>(p, ws);
    store<i32>(p, 0, 8);
    store<i32>(p, 0, 12);
    s.nb++;
  }
  s.lastB = lo;
  return lo;
}

// ---- hash tables ----

function aggFind(s: JState, product: u32, start: f64): i32 {
  let i = load<i32>(s.aggTab + (<usize>aggHash(product, start, s.aggMask) << 2));
  while (i != 0) {
    const a = agg(s, i);
    if (a.product == product && a.start == start) return i;
    i = a.chain;
  }
  return 0;
}

function aggGrow(s: JState): void {
  const ncap = (s.aggMask + 1) << 1;
  const tab = newTable(ncap);
  for (let h: u32 = 0; h <= s.aggMask; h++) {
    let i = load<i32>(s.aggTab + (<usize>h << 2));
    while (i != 0) {
      const a = agg(s, i);
      const next = a.chain;
      const slot = tab + (<usize>aggHash(a.product, a.start, ncap - 1) << 2);
      a.chain = load<i32>(slot);
      store<i32>(slot, i);
      i = next;
    }
  }
  heap.free(s.aggTab);
  s.aggTab = tab;
  s.aggMask = ncap - 1;
}

/** The row of (product, window start ws), created in bucket b if missing. */
function aggGet(s: JState, product: u32, ws: f64, b: i32): i32 {
  const found = aggFind(s, product, ws);
  if (found != 0) return found;
  if (<u32>s.aggs.live > s.aggMask) aggGrow(s);
  const i = slabTake(s.aggs, AGG_BYTES, offsetof<Agg>("chain"));
  const a = agg(s, i);
  a.start = ws;
  a.product = product;
  a.clicks = 0;
  a.converted = 0;
  const slot = s.aggTab + (<usize>aggHash(product, ws, s.aggMask) << 2);
  a.chain = load<i32>(slot);
  store<i32>(slot, i);
  const bp = bucketP(s, b);
  a.bnext = load<i32>(bp, 8);
  store<i32>(bp, i, 8);
  return i;
}

function aggRemove(s: JState, i: i32): void {
  const a = agg(s, i);
  let p = s.aggTab + (<usize>aggHash(a.product, a.start, s.aggMask) << 2);
  while (load<i32>(p) != i) p = changetype<usize>(agg(s, load<i32>(p))) + offsetof<Agg>("chain");
  store<i32>(p, a.chain);
  slabPut(s.aggs, AGG_BYTES, offsetof<Agg>("chain"), i);
}

function pairFind(s: JState, user: u32, product: u32): i32 {
  let i = load<i32>(s.pairTab + (<usize>pairHash(user, product, s.pairMask) << 2));
  while (i != 0) {
    const q = pair(s, i);
    if (q.user == user && q.product == product) return i;
    i = q.chain;
  }
  return 0;
}

function pairGrow(s: JState): void {
  const ncap = (s.pairMask + 1) << 1;
  const tab = newTable(ncap);
  for (let h: u32 = 0; h <= s.pairMask; h++) {
    let i = load<i32>(s.pairTab + (<usize>h << 2));
    while (i != 0) {
      const q = pair(s, i);
      const next = q.chain;
      const slot = tab + (<usize>pairHash(q.user, q.product, ncap - 1) << 2);
      q.chain = load<i32>(slot);
      store<i32>(slot, i);
      i = next;
    }
  }
  heap.free(s.pairTab);
  s.pairTab = tab;
  s.pairMask = ncap - 1;
}

function pairNew(s: JState, user: u32, product: u32): i32 {
  if (<u32>s.pairs.live > s.pairMask) pairGrow(s);
  const i = slabTake(s.pairs, PAIR_BYTES, offsetof<Pair>("chain"));
  const q = pair(s, i);
  q.user = user;
  q.product = product;
  q.clickHead = 0;
  q.txHead = 0;
  const slot = s.pairTab + (<usize>pairHash(user, product, s.pairMask) << 2);
  q.chain = load<i32>(slot);
  store<i32>(slot, i);
  return i;
}

function pairRemove(s: JState, i: i32): void {
  const q = pair(s, i);
  let p = s.pairTab + (<usize>pairHash(q.user, q.product, s.pairMask) << 2);
  while (load<i32>(p) != i) p = changetype<usize>(pair(s, load<i32>(p))) + offsetof<Pair>("chain");
  store<i32>(p, q.chain);
  slabPut(s.pairs, PAIR_BYTES, offsetof<Pair>("chain"), i);
}

// ---- items ----

/** Stores a click (aggIdx set) or transaction in its pair's list and its bucket's list. */
function itemNew(s: JState, pi: i32, b: i32, t: f64, state: u32, aggIdx: i32): void {
  const i = slabTake(s.items, ITEM_BYTES, offsetof<Item>("next"));
  const it = item(s, i);
  const q = pair(s, pi);
  it.t = t;
  it.pair = pi;
  it.prev = 0;
  it.agg = aggIdx;
  it.state = state;
  if (state == ITEM_TX) {
    it.next = q.txHead;
    if (q.txHead != 0) item(s, q.txHead).prev = i;
    q.txHead = i;
  } else {
    it.next = q.clickHead;
    if (q.clickHead != 0) item(s, q.clickHead).prev = i;
    q.clickHead = i;
  }
  const bp = bucketP(s, b);
  it.bnext = load<i32>(bp, 12);
  store<i32>(bp, i, 12);
}

/** Takes a live item out of its pair's list. */
function itemUnlink(s: JState, i: i32): void {
  const it = item(s, i);
  const q = pair(s, it.pair);
  if (it.prev != 0) item(s, it.prev).next = it.next;
  else if (it.state == ITEM_TX) q.txHead = it.next;
  else q.clickHead = it.next;
  if (it.next != 0) item(s, it.next).prev = it.prev;
}

// ---- events ----

function click(s: JState, user: u32, product: u32, t: f64, ws: f64): void {
  const b = bucketOf(s, ws);
  const ai = aggGet(s, product, ws, b);
  agg(s, ai).clicks++;
  let pi = pairFind(s, user, product);
  if (pi != 0) {
    const limit = t + s.horizon;
    let j = pair(s, pi).txHead;
    while (j != 0) {
      const tx = item(s, j);
      if (tx.t >= t && tx.t <= limit) {
        agg(s, ai).converted++; // converted on arrival: nothing to keep
        return;
      }
      j = tx.next;
    }
  } else {
    pi = pairNew(s, user, product);
  }
  itemNew(s, pi, b, t, ITEM_PENDING, ai);
  s.pending++;
}

function transaction(s: JState, user: u32, product: u32, t: f64, ws: f64, wm: f64): void {
  const b = bucketOf(s, ws);
  let pi = pairFind(s, user, product);
  if (pi == 0) pi = pairNew(s, user, product);
  const h = s.horizon;
  const reach = s.window + h;
  let j = pair(s, pi).clickHead;
  while (j != 0) {
    const c = item(s, j);
    const next = c.next;
    // Converts the click unless its row is final at wm (not yet emitted only because
    // advance() runs after the batch).
    if (c.t <= t && t <= c.t + h) {
      const a = agg(s, c.agg);
      if (a.start + reach > wm) {
        a.converted++;
        itemUnlink(s, j);
        c.state = ITEM_DEAD;
        s.pending--;
      }
    }
    j = next;
  }
  itemNew(s, pi, b, t, ITEM_TX, 0);
  s.txs++;
}

// ---- emission ----

/** Writes the rows of bucket b ordered by product at output row `row`; returns the next row. */
function emitBucket(s: JState, b: i32, row: i32, free: bool): i32 {
  let n = 0;
  let i = load<i32>(bucketP(s, b), 8);
  while (i != 0) {
    n++;
    i = agg(s, i).bnext;
  }
  ensureOut(s, row + n);
  const buf = s.sortBuf;
  n = 0;
  i = load<i32>(bucketP(s, b), 8);
  while (i != 0) {
    store<u64>(buf + (<usize>n << 3), (<u64>agg(s, i).product << 32) | <u64>i);
    n++;
    i = agg(s, i).bnext;
  }
  sortU64(buf, n);
  const w = s.window;
  for (let k = 0; k < n; k++) {
    const ai = <i32>(<u32>load<u64>(buf + (<usize>k << 3)));
    const a = agg(s, ai);
    const o = <usize>row;
    row++;
    store<u32>(s.oProduct + (o << 2), a.product);
    store<f64>(s.oStart + (o << 3), a.start);
    store<f64>(s.oEnd + (o << 3), a.start + w);
    store<u32>(s.oClicks + (o << 2), a.clicks);
    store<u32>(s.oConverted + (o << 2), a.converted);
    if (free) aggRemove(s, ai);
  }
  return row;
}

/** Insertion sort below 16, else quicksort on the smaller side (rows of one window: few). */
function sortU64(p: usize, n: i32): void {
  quick64(p, 0, n - 1);
}
function quick64(p: usize, lo: i32, hi: i32): void {
  while (hi - lo >= 16) {
    const pv = load<u64>(p + (<usize>((lo + hi) >> 1) << 3));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<u64>(p + (<usize>i << 3)) < pv) i++;
      while (load<u64>(p + (<usize>j << 3)) > pv) j--;
      if (i <= j) {
        const x = load<u64>(p + (<usize>i << 3));
        store<u64>(p + (<usize>i << 3), load<u64>(p + (<usize>j << 3)));
        store<u64>(p + (<usize>j << 3), x);
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quick64(p, lo, j);
      lo = i;
    } else {
      quick64(p, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = load<u64>(p + (<usize>i << 3));
    let j = i - 1;
    while (j >= lo && load<u64>(p + (<usize>j << 3)) > v) {
      store<u64>(p + (<usize>(j + 1) << 3), load<u64>(p + (<usize>j << 3)));
      j--;
    }
    store<u64>(p + (<usize>(j + 1) << 3), v);
  }
}

/** Frees the items of bucket b (unlinking live ones from their pairs, freeing emptied pairs). */
function freeItems(s: JState, b: i32): void {
  let i = load<i32>(bucketP(s, b), 12);
  while (i != 0) {
    const it = item(s, i);
    const next = it.bnext;
    if (it.state != ITEM_DEAD) {
      itemUnlink(s, i);
      if (it.state == ITEM_TX) s.txs--;
      else s.pending--;
      const q = pair(s, it.pair);
      if (q.clickHead == 0 && q.txHead == 0) pairRemove(s, it.pair);
    }
    slabPut(s.items, ITEM_BYTES, offsetof<Item>("next"), i);
    i = next;
  }
}

// ---- exports ----

/** Creates a join kernel (click window and horizon in ms) for batches of up to `batchCap` events. */
export function join_create(windowMs: f64, horizonMs: f64, batchCap: i32): i32 {
  return create(windowMs, horizonMs, batchCap);
}

/** Input column pointer: 0 = kind (u8), 1 = user (u32), 2 = product (u32), 3 = t (f64), 4 = wm (f64). */
export function join_in(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return 0;
  const s = changetype<JState>(p);
  switch (col) {
    case 0: return s.inKind;
    case 1: return s.inUser;
    case 2: return s.inProduct;
    case 3: return s.inT;
    case 4: return s.inWm;
  }
  return 0;
}

/** Ascending indices (u32) of the late events of the last process call. */
export function join_late(h: i32): usize {
  const p = handlePtr(h, KIND_JOIN);
  return p == 0 ? 0 : changetype<JState>(p).late;
}

/** Output column pointer: 0 = product (u32), 1 = start, 2 = end (f64), 3 = clicks, 4 = converted (u32). */
export function join_out(h: i32, col: i32): usize {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return 0;
  const s = changetype<JState>(p);
  switch (col) {
    case 0: return s.oProduct;
    case 1: return s.oStart;
    case 2: return s.oEnd;
    case 3: return s.oClicks;
    case 4: return s.oConverted;
  }
  return 0;
}

/**
 * Joins events 0..n-1 of the input columns (kind 0 = click, 1 = transaction, others ignored);
 * `useWmColumn` = 0 takes `wm` for the whole batch. Returns the late count (or ERR_*).
 */
export function join_process(h: i32, n: i32, useWmColumn: i32, wm: f64): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  if (n < 0 || n > s.batchCap) return ERR_BATCH;
  for (let i = 0; i < n; i++) {
    if ((load<u32>(s.inUser + (<usize>i << 2)) | load<u32>(s.inProduct + (<usize>i << 2))) >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
  }
  const wI = s.windowI;
  const reach = s.window + s.horizon;
  let late = 0;
  for (let i = 0; i < n; i++) {
    const kind = load<u8>(s.inKind + <usize>i);
    if (kind > KIND_TX) continue;
    const t = load<f64>(s.inT + (<usize>i << 3));
    const w = useWmColumn != 0 ? load<f64>(s.inWm + (<usize>i << 3)) : wm;
    let ws: f64 = 0;
    let isLate = t - t != 0; // non-finite
    if (!isLate) {
      ws = <f64>(floorDiv(<i64>t, wI) * wI);
      isLate = w >= ws + reach;
    }
    if (isLate) {
      store<u32>(s.late + (<usize>late << 2), <u32>i);
      late++;
      continue;
    }
    const user = load<u32>(s.inUser + (<usize>i << 2));
    const product = load<u32>(s.inProduct + (<usize>i << 2));
    if (kind == KIND_CLICK) click(s, user, product, t, ws);
    else transaction(s, user, product, t, ws, w);
  }
  return late;
}

/** Emits the rows final at `wm` (window end + horizon <= wm), ordered by end then product, and frees them. */
export function join_advance(h: i32, wm: f64): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  const reach = s.window + s.horizon;
  let done = 0;
  let rows = 0;
  while (done < s.nb && load<f64>(bucketP(s, done)) + reach <= wm) {
    rows = emitBucket(s, done, rows, true);
    freeItems(s, done);
    done++;
  }
  if (done > 0) {
    memory.copy(s.buckets, bucketP(s, done), <usize>(s.nb - done) * BUCKET_BYTES);
    s.nb -= done;
    s.lastB = 0;
  }
  return rows;
}

/** Writes the partial rows of every open click window (ordered by end, product); closes nothing. */
export function join_peek(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  let rows = 0;
  for (let b = 0; b < s.nb; b++) rows = emitBucket(s, b, rows, false);
  return rows;
}

/** State entries held: open rows + pending clicks + kept transactions. */
export function join_open_count(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  return s.aggs.live + s.pending + s.txs;
}

/** Serialises the instance into the IO buffer; returns the byte length (or ERR_HANDLE). */
export function join_snapshot(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  wBegin();
  wF64(s.window);
  wF64(s.horizon);
  wI32(s.batchCap);
  wI32(s.aggs.live);
  for (let b = 0; b < s.nb; b++) {
    let i = load<i32>(bucketP(s, b), 8);
    while (i != 0) {
      const a = agg(s, i);
      wU32(a.product);
      wF64(a.start);
      wU32(a.clicks);
      wU32(a.converted);
      i = a.bnext;
    }
  }
  wI32(s.pending + s.txs);
  for (let b = 0; b < s.nb; b++) {
    let i = load<i32>(bucketP(s, b), 12);
    while (i != 0) {
      const it = item(s, i);
      if (it.state != ITEM_DEAD) {
        const q = pair(s, it.pair);
        wU32(it.state);
        wU32(q.user);
        wU32(q.product);
        wF64(it.t);
      }
      i = it.bnext;
    }
  }
  return wEnd(KIND_JOIN, FORMAT);
}

/** Restores a snapshot of `len` bytes from the IO buffer into a new instance; returns its handle. */
export function join_restore(len: i32): i32 {
  const err = rBegin(len, KIND_JOIN, FORMAT);
  if (err < 0) return err;
  const window = rF64();
  const horizon = rF64();
  const batchCap = rI32();
  const h = create(window, horizon, batchCap);
  if (h < 0) return h;
  const s = changetype<JState>(handlePtr(h, KIND_JOIN));
  const nAggs = rI32();
  for (let k = 0; k < nAggs && !rFailed(); k++) {
    const product = rU32();
    const start = rF64();
    const ai = aggGet(s, product, start, bucketOf(s, start));
    agg(s, ai).clicks = rU32();
    agg(s, ai).converted = rU32();
  }
  const nItems = rI32();
  for (let k = 0; k < nItems && !rFailed(); k++) {
    const state = rU32();
    const user = rU32();
    const product = rU32();
    const t = rF64();
    const ws = <f64>(floorDiv(<i64>t, s.windowI) * s.windowI);
    const b = bucketOf(s, ws);
    let pi = pairFind(s, user, product);
    if (pi == 0) pi = pairNew(s, user, product);
    if (state == ITEM_TX) {
      itemNew(s, pi, b, t, ITEM_TX, 0);
      s.txs++;
    } else {
      itemNew(s, pi, b, t, ITEM_PENDING, aggGet(s, product, ws, b));
      s.pending++;
    }
  }
  if (!rDone() || nAggs < 0 || nItems < 0) {
    join_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

/** Frees the instance and its handle. */
export function join_destroy(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  heap.free(s.inKind);
  heap.free(s.inUser);
  heap.free(s.inProduct);
  heap.free(s.inT);
  heap.free(s.inWm);
  heap.free(s.late);
  heap.free(s.aggs.base);
  heap.free(changetype<usize>(s.aggs));
  heap.free(s.pairs.base);
  heap.free(changetype<usize>(s.pairs));
  heap.free(s.items.base);
  heap.free(changetype<usize>(s.items));
  heap.free(s.aggTab);
  heap.free(s.pairTab);
  heap.free(s.buckets);
  heap.free(s.oProduct);
  heap.free(s.oStart);
  heap.free(s.oEnd);
  heap.free(s.oClicks);
  heap.free(s.oConverted);
  heap.free(s.sortBuf);
  heap.free(p);
  handleFree(h);
  return 0;
}
