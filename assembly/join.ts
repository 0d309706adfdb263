// Interval join of clicks to transactions (SPEC `conversions`), conventions in layout.ts; the
// semantics, and why lateness is what it is, are in src/core/reference/join.ts. In short, with
// window W, horizon H and fin(t) = floor(t / W) * W + W + H:
// - a click at c converts when a transaction of the same (user, product) has c <= T <= c + H;
//   rows per (product, click window) are final once wm >= fin(c);
// - a click is late when wm[i] >= fin(c); a transaction when wm[i] >= fin(T) (every row it
//   could change is final); a transaction meeting a click whose row is final at wm[i] skips it.
//
// State is organised by click window ("bucket"), so that it dies with the window:
// - per bucket, dense per-product counters (clicks, converted) plus the list of products
//   touched, and the clicks still waiting for a transaction: an append-only log of 16-byte
//   (key + 1, time) entries (a converted click's time is set to -Infinity) indexed by an
//   open-addressing table of u32 log positions keyed by (user, product). Most events are
//   clicks of the newest window: the append is sequential and the index small and hot;
// - one log of the transactions (key + 1, time), shared by all buckets, indexed by u64
//   slots (32-bit fingerprint | position): a click probes it once and reads the log only on a
//   fingerprint match. Transactions of finalised windows are dropped when the log is
//   compacted (they can never match an on-time click: T < c for any such click);
// - advance(wm) finalises buckets from the front (start + W + H <= wm): emits their rows
//   ordered by product, clears them and keeps them in a pool for the next windows, so a
//   steady stream leaves memory flat.
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { KIND_JOIN, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { wBegin, wEnd, wI32, wU32, wF64, rBegin, rI32, rU32, rF64, rDone, rFailed } from "./bytes-util";
import { floorDiv } from "./time-util";
import { hash64 } from "./hash-util";
import { sortU32 } from "./sort-util";

const FORMAT: i32 = 1;
const KIND_CLICK: u8 = 0;
const KIND_TX: u8 = 1;
/** (user, product) as one key: user << 28 | product (both < MAX_KEYS = 2^28). */
const KEY_SHIFT: u64 = 28;
const DEAD: f64 = -Infinity;

@unmanaged class Bucket {
  start: f64 = 0;
  clicks: usize = 0; // u32 per product
  conv: usize = 0; // u32 per product
  touched: usize = 0; // u32 products with clicks > 0
  nTouched: i32 = 0;
  tCap: i32 = 0;
  log: usize = 0; // clicks kept: (key + 1 u64, t f64)
  logLen: i32 = 0;
  logCap: i32 = 0;
  idx: usize = 0; // u32 log position + 1 per slot, 0 = empty
  idxCap: i32 = 0;
  idxUsed: i32 = 0; // slots taken, converted clicks included
  pending: i32 = 0;
  txs: i32 = 0; // transactions whose own time falls in this window
}

@unmanaged class JState {
  window: f64 = 0;
  horizon: f64 = 0;
  windowI: i64 = 0;
  batchCap: i32 = 0;
  inKind: usize = 0;
  inUser: usize = 0;
  inProduct: usize = 0;
  inT: usize = 0;
  inWm: usize = 0;
  late: usize = 0;
  productCap: i32 = 0;
  // buckets: live ones sorted by start (pointers), recycled ones in a pool
  live: usize = 0;
  nLive: i32 = 0;
  liveCap: i32 = 0;
  pool: usize = 0;
  nPool: i32 = 0;
  poolCap: i32 = 0;
  lastB: i32 = 0;
  // transactions: log of (key + 1 u64, t f64), index of (fingerprint << 32 | position + 1)
  txLog: usize = 0;
  txLen: i32 = 0;
  txLogCap: i32 = 0;
  txIdx: usize = 0;
  txIdxCap: i32 = 0;
  // Bloom filter (2 bits per key, txIdxCap * 4 bits): most clicks have no transaction, and
  // this small array answers for them without touching the index.
  txBloom: usize = 0;
  advWm: f64 = 0; // largest watermark advance() saw: buckets with fin <= advWm are gone
  outCap: i32 = 0;
  oProduct: usize = 0;
  oStart: usize = 0;
  oEnd: usize = 0;
  oClicks: usize = 0;
  oConv: usize = 0;
}

// @ts-ignore: decorator
@inline function resize(p: usize, bytes: usize): usize {
  return p == 0 ? heap.alloc(bytes) : heap.realloc(p, bytes); // TLSF cannot realloc null
}

function zeroed(bytes: usize): usize {
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

// @ts-ignore: decorator
@inline function liveAt(s: JState, i: i32): Bucket {
  return changetype<Bucket>(load<usize>(s.live + (<usize>i << alignof<usize>())));
}

// @ts-ignore: decorator
@inline function windowStart(s: JState, t: f64): f64 {
  return <f64>(floorDiv(<i64>t, s.windowI) * s.windowI);
}

function create(window: f64, horizon: f64, batchCap: i32): i32 {
  if (batchCap <= 0 || !(window >= 1) || !(horizon >= 0) || window > 9e15 || horizon > 9e15 || window != Math.floor(window)) return ERR_CONFIG;
  const s = changetype<JState>(zeroed(offsetof<JState>()));
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
  s.productCap = 256;
  s.liveCap = 32;
  s.live = heap.alloc(<usize>s.liveCap << alignof<usize>());
  s.poolCap = 32;
  s.pool = heap.alloc(<usize>s.poolCap << alignof<usize>());
  s.txLogCap = 1024;
  s.txLog = heap.alloc(<usize>s.txLogCap << 4);
  s.txIdxCap = 4096;
  s.txIdx = zeroed(<usize>s.txIdxCap << 3);
  s.txBloom = zeroed(<usize>s.txIdxCap >> 1);
  s.advWm = -Infinity;
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
  s.oConv = resize(s.oConv, n << 2);
  s.outCap = ncap;
}

// ---- buckets ----

function bucketNew(s: JState): Bucket {
  const b = changetype<Bucket>(zeroed(offsetof<Bucket>()));
  b.clicks = zeroed(<usize>s.productCap << 2);
  b.conv = zeroed(<usize>s.productCap << 2);
  b.tCap = 64;
  b.touched = heap.alloc(<usize>b.tCap << 2);
  b.logCap = 1024;
  b.log = heap.alloc(<usize>b.logCap << 4);
  b.idxCap = 4096;
  b.idx = zeroed(<usize>b.idxCap << 2);
  return b;
}

/** Grows a bucket's per-product counters to `cap` products (the tail zeroed). */
function bucketProducts(b: Bucket, old: i32, cap: i32): void {
  b.clicks = heap.realloc(b.clicks, <usize>cap << 2);
  b.conv = heap.realloc(b.conv, <usize>cap << 2);
  memory.fill(b.clicks + (<usize>old << 2), 0, <usize>(cap - old) << 2);
  memory.fill(b.conv + (<usize>old << 2), 0, <usize>(cap - old) << 2);
}

function ensureProducts(s: JState, need: i32): void {
  if (need <= s.productCap) return;
  let ncap = s.productCap;
  while (ncap < need) ncap <<= 1;
  for (let i = 0; i < s.nLive; i++) bucketProducts(liveAt(s, i), s.productCap, ncap);
  for (let i = 0; i < s.nPool; i++) bucketProducts(changetype<Bucket>(load<usize>(s.pool + (<usize>i << alignof<usize>()))), s.productCap, ncap);
  s.productCap = ncap;
}

/** The live bucket of window start `ws`, taken from the pool (or made) if missing. */
function bucketOf(s: JState, ws: f64): Bucket {
  const c = s.lastB;
  if (c < s.nLive && liveAt(s, c).start == ws) return liveAt(s, c);
  let lo = 0;
  let hi = s.nLive;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (liveAt(s, mid).start < ws) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= s.nLive || liveAt(s, lo).start != ws) {
    let b: Bucket;
    if (s.nPool > 0) {
      s.nPool--;
      b = changetype<Bucket>(load<usize>(s.pool + (<usize>s.nPool << alignof<usize>())));
    } else {
      b = bucketNew(s);
    }
    b.start = ws;
    if (s.nLive >= s.liveCap) {
      s.liveCap <<= 1;
      s.live = heap.realloc(s.live, <usize>s.liveCap << alignof<usize>());
    }
    const at = s.live + (<usize>lo << alignof<usize>());
    memory.copy(at + sizeof<usize>(), at, <usize>(s.nLive - lo) << alignof<usize>());
    store<usize>(at, changetype<usize>(b));
    s.nLive++;
  }
  s.lastB = lo;
  return liveAt(s, lo);
}

/** Counts a click of `product` in bucket b (remembering the product the first time). */
// @ts-ignore: decorator
@inline function countClick(b: Bucket, product: u32, converted: bool): void {
  const cp = b.clicks + (<usize>product << 2);
  const n = load<u32>(cp);
  if (n == 0) {
    if (b.nTouched >= b.tCap) {
      b.tCap <<= 1;
      b.touched = heap.realloc(b.touched, <usize>b.tCap << 2);
    }
    store<u32>(b.touched + (<usize>b.nTouched << 2), product);
    b.nTouched++;
  }
  store<u32>(cp, n + 1);
  if (converted) store<u32>(b.conv + (<usize>product << 2), load<u32>(b.conv + (<usize>product << 2)) + 1);
}

// ---- logs and their open-addressing indexes (linear probing, load <= 1/2) ----

/** Second hash of a key, stored in the transaction index to skip most log reads. */
// @ts-ignore: decorator
@inline function fingerprint(k1: u64): u64 {
  return ((k1 * 0xff51afd7ed558ccd) >> 32) << 32;
}

/** Rebuilds a bucket's index over its live (unconverted) clicks, at a load <= 1/4. */
function bucketReindex(b: Bucket): void {
  let ncap = b.idxCap;
  while ((b.pending + 1) << 2 > ncap) ncap <<= 1;
  if (ncap != b.idxCap) {
    heap.free(b.idx);
    b.idx = heap.alloc(<usize>ncap << 2);
    b.idxCap = ncap;
  }
  memory.fill(b.idx, 0, <usize>ncap << 2);
  const mask = <u32>(ncap - 1);
  for (let j = 0; j < b.logLen; j++) {
    const e = b.log + (<usize>j << 4);
    if (load<f64>(e, 8) == DEAD) continue;
    let i = hash64(load<u64>(e), mask);
    while (load<u32>(b.idx + (<usize>i << 2)) != 0) i = (i + 1) & mask;
    store<u32>(b.idx + (<usize>i << 2), <u32>j + 1);
  }
  b.idxUsed = b.pending;
}

function keepClick(b: Bucket, k1: u64, t: f64): void {
  if (b.logLen >= b.logCap) {
    b.logCap <<= 1;
    b.log = heap.realloc(b.log, <usize>b.logCap << 4);
  }
  const j = b.logLen++;
  const e = b.log + (<usize>j << 4);
  store<u64>(e, k1);
  store<f64>(e, t, 8);
  b.pending++;
  // Converted clicks stay in the log (and index) until the window closes; reindex (and
  // grow) when slots, dead or alive, would pass half the index.
  if ((b.idxUsed + 1) << 1 > b.idxCap) {
    bucketReindex(b);
    return;
  }
  b.idxUsed++;
  const mask = <u32>(b.idxCap - 1);
  let i = hash64(k1, mask);
  while (load<u32>(b.idx + (<usize>i << 2)) != 0) i = (i + 1) & mask;
  store<u32>(b.idx + (<usize>i << 2), <u32>j + 1);
}

/** The two filter bits of a key: bit numbers from the high and low halves of a second hash. */
// @ts-ignore: decorator
@inline function bloomHash(k1: u64): u64 {
  return k1 * 0xc2b2ae3d27d4eb4f;
}

// @ts-ignore: decorator
@inline function bloomHas(s: JState, k1: u64): bool {
  const x = bloomHash(k1);
  const mask = <u32>(s.txIdxCap << 2) - 1;
  const a = <u32>(x >> 40) & mask;
  const b = <u32>(x >> 8) & mask;
  return ((load<u8>(s.txBloom + (a >> 3)) >> (a & 7)) & (load<u8>(s.txBloom + (b >> 3)) >> (b & 7)) & 1) != 0;
}

/** Puts transaction log entry j into the index and the filter. */
// @ts-ignore: decorator
@inline function txIndex(s: JState, j: i32): void {
  const k1 = load<u64>(s.txLog + (<usize>j << 4));
  const x = bloomHash(k1);
  const bmask = <u32>(s.txIdxCap << 2) - 1;
  const a = <u32>(x >> 40) & bmask;
  const b = <u32>(x >> 8) & bmask;
  const pa = s.txBloom + (a >> 3);
  const pb = s.txBloom + (b >> 3);
  store<u8>(pa, <u8>(<u32>load<u8>(pa) | (<u32>1 << (a & 7))));
  store<u8>(pb, <u8>(<u32>load<u8>(pb) | (<u32>1 << (b & 7))));
  const mask = <u32>(s.txIdxCap - 1);
  let i = hash64(k1, mask);
  while (load<u64>(s.txIdx + (<usize>i << 3)) != 0) i = (i + 1) & mask;
  store<u64>(s.txIdx + (<usize>i << 3), fingerprint(k1) | <u64>(j + 1));
}

/** Compacts the transaction log (dropping those of finalised windows) and rebuilds its index. */
function txCompact(s: JState): void {
  const reach = s.window + s.horizon;
  let keep = 0;
  for (let j = 0; j < s.txLen; j++) {
    const e = s.txLog + (<usize>j << 4);
    if (windowStart(s, load<f64>(e, 8)) + reach > s.advWm) {
      if (keep != j) {
        const d = s.txLog + (<usize>keep << 4);
        store<u64>(d, load<u64>(e));
        store<f64>(d, load<f64>(e, 8), 8);
      }
      keep++;
    }
  }
  s.txLen = keep;
  let ncap = s.txIdxCap;
  while ((keep + 1) << 2 > ncap) ncap <<= 1;
  if (ncap != s.txIdxCap) {
    heap.free(s.txIdx);
    heap.free(s.txBloom);
    s.txIdx = heap.alloc(<usize>ncap << 3);
    s.txBloom = heap.alloc(<usize>ncap >> 1);
    s.txIdxCap = ncap;
  }
  memory.fill(s.txIdx, 0, <usize>ncap << 3);
  memory.fill(s.txBloom, 0, <usize>ncap >> 1);
  for (let j = 0; j < keep; j++) txIndex(s, j);
}

function keepTx(s: JState, k1: u64, t: f64): void {
  if (s.txLen << 1 >= s.txIdxCap) txCompact(s);
  if (s.txLen >= s.txLogCap) {
    s.txLogCap <<= 1;
    s.txLog = heap.realloc(s.txLog, <usize>s.txLogCap << 4);
  }
  const j = s.txLen++;
  const e = s.txLog + (<usize>j << 4);
  store<u64>(e, k1);
  store<f64>(e, t, 8);
  txIndex(s, j);
}

// ---- events ----

function click(s: JState, k1: u64, product: u32, t: f64, ws: f64): void {
  const b = bucketOf(s, ws);
  // A transaction already kept converts the click on arrival: then nothing is stored.
  if (!bloomHas(s, k1)) {
    countClick(b, product, false);
    keepClick(b, k1, t);
    return;
  }
  const limit = t + s.horizon;
  const mask = <u32>(s.txIdxCap - 1);
  const fp = fingerprint(k1);
  let i = hash64(k1, mask);
  while (true) {
    const slot = load<u64>(s.txIdx + (<usize>i << 3));
    if (slot == 0) break;
    if ((slot & 0xffffffff00000000) == fp) {
      const e = s.txLog + (<usize>((<u32>slot) - 1) << 4);
      const tt = load<f64>(e, 8);
      if (load<u64>(e) == k1 && tt >= t && tt <= limit) {
        countClick(b, product, true);
        return;
      }
    }
    i = (i + 1) & mask;
  }
  countClick(b, product, false);
  keepClick(b, k1, t);
}

function transaction(s: JState, k1: u64, product: u32, t: f64, ws: f64, wm: f64): void {
  bucketOf(s, ws).txs++;
  keepTx(s, k1, t);
  // Clicks it can convert have t - H <= c <= t: buckets from ws(t - H) to ws(t).
  const h = s.horizon;
  const reach = s.window + h;
  const lo = windowStart(s, t - h);
  for (let j = 0; j < s.nLive; j++) {
    const b = liveAt(s, j);
    if (b.start > ws) break;
    // Skip windows before the reach, and windows final at wm (not yet emitted only because
    // advance() runs after the batch).
    if (b.start < lo || b.start + reach <= wm || b.pending == 0) continue;
    const mask = <u32>(b.idxCap - 1);
    let i = hash64(k1, mask);
    while (true) {
      const pos = load<u32>(b.idx + (<usize>i << 2));
      if (pos == 0) break;
      const e = b.log + (<usize>(pos - 1) << 4);
      if (load<u64>(e) == k1) {
        const c = load<f64>(e, 8);
        if (c <= t && t <= c + h) {
          store<f64>(e, DEAD, 8);
          b.pending--;
          store<u32>(b.conv + (<usize>product << 2), load<u32>(b.conv + (<usize>product << 2)) + 1);
        }
      }
      i = (i + 1) & mask;
    }
  }
}

// ---- emission ----

/** Writes the rows of bucket b, ordered by product, from output row `row`; returns the next row. */
function emitBucket(s: JState, b: Bucket, row: i32, clear: bool): i32 {
  const n = b.nTouched;
  ensureOut(s, row + n);
  sortU32(b.touched, n);
  const start = b.start;
  const end = start + s.window;
  for (let k = 0; k < n; k++) {
    const p = load<u32>(b.touched + (<usize>k << 2));
    const o = <usize>(row + k);
    store<u32>(s.oProduct + (o << 2), p);
    store<f64>(s.oStart + (o << 3), start);
    store<f64>(s.oEnd + (o << 3), end);
    store<u32>(s.oClicks + (o << 2), load<u32>(b.clicks + (<usize>p << 2)));
    store<u32>(s.oConv + (o << 2), load<u32>(b.conv + (<usize>p << 2)));
    if (clear) {
      store<u32>(b.clicks + (<usize>p << 2), 0);
      store<u32>(b.conv + (<usize>p << 2), 0);
    }
  }
  return row + n;
}

/** Empties a finalised bucket and puts it in the pool. */
function recycle(s: JState, b: Bucket): void {
  b.nTouched = 0;
  memory.fill(b.idx, 0, <usize>b.idxCap << 2);
  b.logLen = 0;
  b.idxUsed = 0;
  b.pending = 0;
  b.txs = 0;
  if (s.nPool >= s.poolCap) {
    s.poolCap <<= 1;
    s.pool = heap.realloc(s.pool, <usize>s.poolCap << alignof<usize>());
  }
  store<usize>(s.pool + (<usize>s.nPool << alignof<usize>()), changetype<usize>(b));
  s.nPool++;
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
    case 4: return s.oConv;
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
  let hiP: u32 = 0;
  for (let i = 0; i < n; i++) {
    const u = load<u32>(s.inUser + (<usize>i << 2));
    const pr = load<u32>(s.inProduct + (<usize>i << 2));
    if ((u | pr) >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
    hiP = max(hiP, pr);
  }
  if (n > 0) ensureProducts(s, <i32>hiP + 1);
  const wI = s.windowI;
  const window = s.window;
  const reach = window + s.horizon;
  // The window of the previous event: i64 division is slow, and most events share one.
  let cws: f64 = 0;
  let cend: f64 = -Infinity;
  let late = 0;
  for (let i = 0; i < n; i++) {
    const kind = load<u8>(s.inKind + <usize>i);
    if (kind > KIND_TX) continue;
    const t = load<f64>(s.inT + (<usize>i << 3));
    const w = useWmColumn != 0 ? load<f64>(s.inWm + (<usize>i << 3)) : wm;
    let ws: f64 = 0;
    let isLate = t - t != 0; // non-finite
    if (!isLate) {
      if (t >= cws && t < cend) {
        ws = cws;
      } else {
        ws = <f64>(floorDiv(<i64>t, wI) * wI);
        cws = ws;
        cend = ws + window;
      }
      isLate = w >= ws + reach;
    }
    if (isLate) {
      store<u32>(s.late + (<usize>late << 2), <u32>i);
      late++;
      continue;
    }
    const product = load<u32>(s.inProduct + (<usize>i << 2));
    const k1 = ((<u64>load<u32>(s.inUser + (<usize>i << 2)) << KEY_SHIFT) | <u64>product) + 1;
    if (kind == KIND_CLICK) click(s, k1, product, t, ws);
    else transaction(s, k1, product, t, ws, w);
  }
  return late;
}

/** Emits the rows final at `wm` (window end + horizon <= wm), ordered by end then product, and frees them. */
export function join_advance(h: i32, wm: f64): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  const reach = s.window + s.horizon;
  if (wm > s.advWm) s.advWm = wm;
  let done = 0;
  let rows = 0;
  while (done < s.nLive && liveAt(s, done).start + reach <= wm) {
    const b = liveAt(s, done);
    rows = emitBucket(s, b, rows, true);
    recycle(s, b);
    done++;
  }
  if (done > 0) {
    memory.copy(s.live, s.live + (<usize>done << alignof<usize>()), <usize>(s.nLive - done) << alignof<usize>());
    s.nLive -= done;
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
  for (let i = 0; i < s.nLive; i++) rows = emitBucket(s, liveAt(s, i), rows, false);
  return rows;
}

/** State entries held: open rows + pending clicks + kept transactions. */
export function join_open_count(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  let n = 0;
  for (let i = 0; i < s.nLive; i++) {
    const b = liveAt(s, i);
    n += b.nTouched + b.pending + b.txs;
  }
  return n;
}

// @ts-ignore: decorator
@inline function writeKey(k1: u64): void {
  wU32(<u32>((k1 - 1) >> KEY_SHIFT));
  wU32(<u32>((k1 - 1) & ((1 << KEY_SHIFT) - 1)));
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
  wF64(s.advWm);
  wI32(s.nLive);
  let txs = 0;
  for (let i = 0; i < s.nLive; i++) {
    const b = liveAt(s, i);
    txs += b.txs;
    wF64(b.start);
    wI32(b.nTouched);
    for (let k = 0; k < b.nTouched; k++) {
      const pr = load<u32>(b.touched + (<usize>k << 2));
      wU32(pr);
      wU32(load<u32>(b.clicks + (<usize>pr << 2)));
      wU32(load<u32>(b.conv + (<usize>pr << 2)));
    }
    wI32(b.pending);
    for (let j = 0; j < b.logLen; j++) {
      const q = b.log + (<usize>j << 4);
      const t = load<f64>(q, 8);
      if (t != DEAD) {
        writeKey(load<u64>(q));
        wF64(t);
      }
    }
  }
  // Transactions of live windows only (those of finalised ones may linger until a rebuild).
  wI32(txs);
  const reach = s.window + s.horizon;
  for (let j = 0; j < s.txLen; j++) {
    const q = s.txLog + (<usize>j << 4);
    const t = load<f64>(q, 8);
    if (windowStart(s, t) + reach > s.advWm) {
      writeKey(load<u64>(q));
      wF64(t);
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
  s.advWm = rF64();
  const nb = rI32();
  for (let i = 0; i < nb && !rFailed(); i++) {
    const b = bucketOf(s, rF64());
    const nt = rI32();
    for (let k = 0; k < nt && !rFailed(); k++) {
      const pr = rU32();
      if (pr >= <u32>MAX_KEYS) break;
      ensureProducts(s, <i32>pr + 1);
      countClick(b, pr, false);
      store<u32>(b.clicks + (<usize>pr << 2), rU32());
      store<u32>(b.conv + (<usize>pr << 2), rU32());
    }
    const np = rI32();
    for (let k = 0; k < np && !rFailed(); k++) {
      const u = rU32();
      const pr = rU32();
      keepClick(b, ((<u64>u << KEY_SHIFT) | <u64>pr) + 1, rF64());
    }
  }
  const nt = rI32();
  for (let k = 0; k < nt && !rFailed(); k++) {
    const u = rU32();
    const pr = rU32();
    const t = rF64();
    bucketOf(s, windowStart(s, t)).txs++;
    keepTx(s, ((<u64>u << KEY_SHIFT) | <u64>pr) + 1, t);
  }
  if (!rDone()) {
    join_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

function freeBucket(b: Bucket): void {
  heap.free(b.clicks);
  heap.free(b.conv);
  heap.free(b.touched);
  heap.free(b.log);
  heap.free(b.idx);
  heap.free(changetype<usize>(b));
}

/** Frees the instance and its handle. */
export function join_destroy(h: i32): i32 {
  const p = handlePtr(h, KIND_JOIN);
  if (p == 0) return ERR_HANDLE;
  const s = changetype<JState>(p);
  for (let i = 0; i < s.nLive; i++) freeBucket(liveAt(s, i));
  for (let i = 0; i < s.nPool; i++) freeBucket(changetype<Bucket>(load<usize>(s.pool + (<usize>i << alignof<usize>()))));
  heap.free(s.live);
  heap.free(s.pool);
  heap.free(s.txLog);
  heap.free(s.txIdx);
  heap.free(s.txBloom);
  heap.free(s.inKind);
  heap.free(s.inUser);
  heap.free(s.inProduct);
  heap.free(s.inT);
  heap.free(s.inWm);
  heap.free(s.late);
  heap.free(s.oProduct);
  heap.free(s.oStart);
  heap.free(s.oEnd);
  heap.free(s.oClicks);
  heap.free(s.oConv);
  heap.free(p);
  handleFree(h);
  return 0;
}
