// Keyed tumbling and sliding window aggregates: count, sum, min, max and distinct count per
// (window, key), event time in ms, keys as dense u32 ids, money as integer cents.
//
// Semantics (SPEC "Time, windows and watermarks"): windows are [start, end) with start a
// multiple of the slide; an event at t belongs to the size/slide windows with
// start <= t < start + size. Event i is added to each of its windows whose end > wm[i] (the
// pipeline watermark in force before it, from the watermark kernel); it is LATE when none
// is, and its index goes to the late list. `window_advance(h, wm)` then closes every window
// with end <= wm, in order of end and then key id, writes each final row once and frees the
// window's state. Because wm never moves back, a window that closed can never receive an
// event again (its end <= every later wm[i]), and the rows are exactly those of per-event
// processing whatever the batch boundaries. Non-finite event times are reported late.
// Conventions (handles, columns, growth, snapshots): layout.ts.
import { KIND_WINDOW, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_KEY_RANGE, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { floorDiv, toMs } from "./time-util";
import { sortU32 } from "./sort-util";
import { wBegin, wEnd, wI32, wU32, wI64, wF64, rBegin, rI32, rU32, rI64, rF64, rFailed, rDone } from "./bytes-util";
import {
  Win, Slot, F_SUM, F_MIN, F_MAX, F_DISTINCT, R_COUNT, R_DCOUNT, R_SUM, R_MIN, R_MAX,
  zalloc, slotFor, growKeys, distinctAdd, sortedOpen, emitSlot, retireSlot, freeSlot, slotAt, setValue,
  ensureOut,
} from "./window-util";
import { paneEligible, paneInit, paneCompact, freezeTo, paneAdvance, panePeek, paneOpenCount } from "./window-pane-util";

/** Snapshot payload format of this kernel. */
const VERSION: i32 = 1;

// Input columns (window_in): time f64, key u32, value f64 (cents), distinct id u32, wm f64.
const IN_TIME: i32 = 0;
const IN_KEY: i32 = 1;
const IN_VALUE: i32 = 2;
const IN_DISTINCT: i32 = 3;
const IN_WM: i32 = 4;

function get(h: i32): Win | null {
  const p = handlePtr(h, KIND_WINDOW);
  return p ? changetype<Win>(p) : null;
}

/**
 * Creates a window aggregate: windows of `sizeMs`, sliding every `slideMs` (= size for
 * tumbling), aggregates `flags` (1 sum, 2 min, 4 max, 8 distinct; count always), at most
 * `batchCap` events per batch, slabs pre-sized for `keyCapHint` keys. Returns a handle.
 */
export function window_create(sizeMs: f64, slideMs: f64, flags: i32, batchCap: i32, keyCapHint: i32): i32 {
  if (!(sizeMs >= 1 && slideMs >= 1 && sizeMs <= 9.0e15 && slideMs <= sizeMs)) return ERR_CONFIG;
  const size = <i64>sizeMs, slide = <i64>slideMs;
  if (<f64>size != sizeMs || <f64>slide != slideMs || size % slide != 0) return ERR_CONFIG;
  if (size / slide > 65536 || batchCap <= 0 || batchCap > (1 << 26) || (flags & ~15) != 0) return ERR_CONFIG;
  const w = new Win();
  w.size = size;
  w.slide = slide;
  w.per = <i32>(size / slide);
  w.flags = flags;
  w.stride = flags & (F_MIN | F_MAX) ? 32 : 16;
  w.batchCap = batchCap;
  let cap = 16;
  while (cap < keyCapHint && cap < MAX_KEYS) cap <<= 1;
  w.keyCap = cap;
  const b = <usize>batchCap;
  w.inTime = zalloc(b << 3);
  w.inKey = zalloc(b << 2);
  w.inValue = zalloc(b << 3);
  w.inDistinct = zalloc(b << 2);
  w.inWm = zalloc(b << 3);
  w.wmCell = zalloc(16);
  w.late = zalloc(b << 2);
  w.cacheSlots = zalloc(<usize>w.per << alignof<usize>());
  w.cacheEnds = zalloc(<usize>w.per << 3);
  if (paneEligible(w.per, flags)) paneInit(w);
  return handleNew(KIND_WINDOW, changetype<usize>(w));
}

function freeAll(a: usize, b: usize, c: usize, d: usize, e: usize, f: usize, g: usize, i: usize): void {
  if (a) heap.free(a);
  if (b) heap.free(b);
  if (c) heap.free(c);
  if (d) heap.free(d);
  if (e) heap.free(e);
  if (f) heap.free(f);
  if (g) heap.free(g);
  if (i) heap.free(i);
}

/** Frees an instance and all its memory. */
export function window_destroy(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  for (let i = 0; i < w.nOpen; i++) freeSlot(changetype<usize>(slotAt(w.open, i)));
  for (let i = 0; i < w.nPool; i++) freeSlot(changetype<usize>(slotAt(w.pool, i)));
  freeAll(w.inTime, w.inKey, w.inValue, w.inDistinct, w.inWm, w.wmCell, w.late, w.cacheSlots);
  freeAll(w.cacheEnds, w.open, w.pool, w.scratch, w.map, w.outStart, w.outEnd, w.outKey);
  freeAll(w.outCount, w.outSum, w.outMin, w.outMax, w.outDistinct, w.acc, w.accKeys, 0);
  heap.free(changetype<usize>(w));
  handleFree(h);
  return 0;
}

/** Pointer of input column `col` (0 time, 1 key, 2 value, 3 distinct id, 4 wm), 0 if invalid. */
export function window_in(h: i32, col: i32): usize {
  const w = get(h);
  if (!w) return 0;
  if (col == IN_TIME) return w.inTime;
  if (col == IN_KEY) return w.inKey;
  if (col == IN_VALUE) return w.inValue;
  if (col == IN_DISTINCT) return w.inDistinct;
  if (col == IN_WM) return w.inWm;
  return 0;
}

/** Pointer of output column `col` (0 start, 1 end, 2 key, 3 count, 4 sum, 5 min, 6 max, 7 distinct). */
export function window_out(h: i32, col: i32): usize {
  const w = get(h);
  if (!w) return 0;
  switch (col) {
    case 0: return w.outStart;
    case 1: return w.outEnd;
    case 2: return w.outKey;
    case 3: return w.outCount;
    case 4: return w.outSum;
    case 5: return w.outMin;
    case 6: return w.outMax;
    case 7: return w.outDistinct;
  }
  return 0;
}

/** Pointer of the late-index list (u32) the last window_process filled. */
export function window_late(h: i32): usize {
  const w = get(h);
  return w ? w.late : 0;
}

/** Number of open windows (state held), or ERR_HANDLE. */
export function window_open_count(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  return w.paneMode ? paneOpenCount(w) : w.nOpen;
}

/**
 * First index j in [from, n) with wm[j] >= x, else n: galloping then binary search, which is
 * exact because a wm column never decreases (the watermark kernel's guarantee, required of
 * every caller). With a scalar watermark (stride 0) all events share it.
 */
function firstAtLeast(wmPtr: usize, wmStride: usize, from: i32, n: i32, x: f64): i32 {
  if (wmStride == 0) return load<f64>(wmPtr) >= x ? from : n;
  if (from >= n || load<f64>(wmPtr + (<usize>from << 3)) >= x) return from;
  // wm[lo] < x; gallop until wm[hi] >= x or past the end
  let lo = from, step = 1;
  let hi = from + 1;
  while (hi < n && !(load<f64>(wmPtr + (<usize>hi << 3)) >= x)) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  // invariant: wm[lo] < x, and hi == n or wm[hi] >= x
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >> 1);
    if (load<f64>(wmPtr + (<usize>mid << 3)) >= x) hi = mid;
    else lo = mid;
  }
  return hi;
}

// The hot path for tumbling count(+sum): one window per event, 16-byte records.
// Two windows are cached: A (current) in locals, B (the previous one) in the instance, so
// the floor division and the slot lookup run only when an event leaves both (out-of-order
// events near a boundary alternate between two windows). Keeping B out of the locals keeps
// the loop's live values in registers. Per cached window, lateAt = the first event index
// from which the watermark has passed its end (firstAtLeast), so lateness is an integer
// compare and the wm column is read only when an event enters a new window; the slot is made
// on entry unless the event is already late (then every later event of that window is too).
function processTumbling(w: Win, n: i32): i32 {
  const inTime = w.inTime, inKey = w.inKey, inValue = w.inValue;
  let keyCap = <u32>w.keyCap;
  let lo = Infinity, hi = -Infinity, lateAt = 0, sp: usize = 0, recs: usize = 0;
  w.bLo = Infinity;
  w.bHi = -Infinity;
  w.bSlot = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(inTime + (<usize>i << 3));
    if (!(t >= lo && t < hi)) {
      if (t >= w.bLo && t < w.bHi) {
        const x = lo, y = hi, z = lateAt, q = sp;
        lo = w.bLo;
        hi = w.bHi;
        lateAt = w.bLateAt;
        sp = w.bSlot;
        w.bLo = x;
        w.bHi = y;
        w.bLateAt = z;
        w.bSlot = q;
      } else {
        if (!(t - t == 0)) {
          store<u32>(w.late + (<usize>(nl++) << 2), i);
          continue;
        }
        w.bLo = lo;
        w.bHi = hi;
        w.bLateAt = lateAt;
        w.bSlot = sp;
        const win = floorDiv(toMs(t), w.size);
        lo = <f64>(win * w.size);
        hi = lo + <f64>w.size; // tumbling: the window's end
        lateAt = firstAtLeast(w.wmPtr, w.wmStride, i, n, hi);
        sp = lateAt > i ? changetype<usize>(slotFor(w, win)) : 0;
      }
      recs = sp ? changetype<Slot>(sp).recs : 0;
    }
    if (i >= lateAt) {
      store<u32>(w.late + (<usize>(nl++) << 2), i);
      continue;
    }
    const k = load<u32>(inKey + (<usize>i << 2));
    if (k >= keyCap) {
      if (k >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
      growKeys(w, k);
      keyCap = <u32>w.keyCap;
      recs = changetype<Slot>(sp).recs;
    }
    const rec = recs + (<usize>k << 4);
    const c = load<u32>(rec, R_COUNT);
    if (c == 0) {
      const s = changetype<Slot>(sp);
      store<u32>(s.keys + (<usize>s.nkeys << 2), k);
      s.nkeys++;
    }
    store<u32>(rec, c + 1, R_COUNT);
    store<i64>(rec, load<i64>(rec, R_SUM) + <i64>load<f64>(inValue + (<usize>i << 3)), R_SUM);
  }
  return nl;
}

// Sliding count / sum / min / max in pane mode (window-pane-util.ts): one pane record per
// event; windows whose end the watermark passes are frozen before the event is added. The
// pane cache works as in processTumbling (lateAt per pane: from there its last window has
// closed); freezeAt = the first index whose watermark reaches the next window end.
function processPanes(w: Win, n: i32): i32 {
  paneCompact(w);
  const inTime = w.inTime, inKey = w.inKey, inValue = w.inValue;
  const stride = <usize>w.stride, doSum = (w.flags & F_SUM) != 0;
  let keyCap = <u32>w.keyCap;
  let freezeAt = firstAtLeast(w.wmPtr, w.wmStride, 0, n, w.nextFreezeEnd);
  let lo = Infinity, hi = -Infinity, lateAt = 0, sp: usize = 0, recs: usize = 0;
  w.bLo = Infinity;
  w.bHi = -Infinity;
  w.bSlot = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(inTime + (<usize>i << 3));
    if (!(t >= lo && t < hi)) {
      if (t >= w.bLo && t < w.bHi) {
        const x = lo, y = hi, z = lateAt, q = sp;
        lo = w.bLo;
        hi = w.bHi;
        lateAt = w.bLateAt;
        sp = w.bSlot;
        w.bLo = x;
        w.bHi = y;
        w.bLateAt = z;
        w.bSlot = q;
      } else {
        if (!(t - t == 0)) {
          store<u32>(w.late + (<usize>(nl++) << 2), i);
          continue;
        }
        w.bLo = lo;
        w.bHi = hi;
        w.bLateAt = lateAt;
        w.bSlot = sp;
        const pane = floorDiv(toMs(t), w.slide);
        lo = <f64>(pane * w.slide);
        hi = lo + <f64>w.slide;
        // late once the last window holding the pane has closed
        lateAt = firstAtLeast(w.wmPtr, w.wmStride, i, n, lo + <f64>w.size);
        sp = lateAt > i ? changetype<usize>(slotFor(w, pane)) : 0;
      }
      recs = sp ? changetype<Slot>(sp).recs : 0;
    }
    if (i >= lateAt) {
      store<u32>(w.late + (<usize>(nl++) << 2), i);
      continue;
    }
    if (i >= freezeAt) {
      freezeTo(w, load<f64>(w.wmPtr + <usize>i * w.wmStride));
      freezeAt = firstAtLeast(w.wmPtr, w.wmStride, i, n, w.nextFreezeEnd);
      // freezing may retire pane B (never A: its last window is still open); forget B
      w.bLo = Infinity;
      w.bHi = -Infinity;
      w.bSlot = 0;
    }
    const k = load<u32>(inKey + (<usize>i << 2));
    if (k >= keyCap) {
      if (k >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
      growKeys(w, k);
      keyCap = <u32>w.keyCap;
      recs = changetype<Slot>(sp).recs;
    }
    const v = load<f64>(inValue + (<usize>i << 3));
    const rec = recs + <usize>k * stride;
    const c = load<u32>(rec, R_COUNT);
    if (c == 0) {
      const s = changetype<Slot>(sp);
      store<u32>(s.keys + (<usize>s.nkeys << 2), k);
      s.nkeys++;
      if (stride > 16) {
        store<f64>(rec, v, R_MIN);
        store<f64>(rec, v, R_MAX);
      }
    } else if (stride > 16) {
      store<f64>(rec, min(load<f64>(rec, R_MIN), v), R_MIN);
      store<f64>(rec, max(load<f64>(rec, R_MAX), v), R_MAX);
    }
    store<u32>(rec, c + 1, R_COUNT);
    if (doSum) store<i64>(rec, load<i64>(rec, R_SUM) + <i64>v, R_SUM);
  }
  return nl;
}

// Adds one event to one window's record.
// @ts-ignore: decorator
@inline function update(w: Win, s: Slot, k: u32, v: f64, d: u32, flags: i32, stride: usize): void {
  const rec = s.recs + <usize>k * stride;
  const c = load<u32>(rec, R_COUNT);
  if (c == 0) {
    store<u32>(s.keys + (<usize>s.nkeys << 2), k);
    s.nkeys++;
    if (stride > 16) {
      store<f64>(rec, v, R_MIN);
      store<f64>(rec, v, R_MAX);
    }
  } else if (stride > 16) {
    store<f64>(rec, min(load<f64>(rec, R_MIN), v), R_MIN);
    store<f64>(rec, max(load<f64>(rec, R_MAX), v), R_MAX);
  }
  store<u32>(rec, c + 1, R_COUNT);
  if (flags & F_SUM) store<i64>(rec, load<i64>(rec, R_SUM) + <i64>v, R_SUM);
  if (flags & F_DISTINCT) {
    if (distinctAdd(s, k, d)) store<u32>(rec, load<u32>(rec, R_DCOUNT) + 1, R_DCOUNT);
  }
}

// Every other shape: sliding windows (size/slide windows per event), min/max, distinct.
// The `per` windows of the current slide-step are cached (slot pointers made lazily).
function processGeneric(w: Win, n: i32, wmPtr: usize, wmStride: usize): i32 {
  const inTime = w.inTime, inKey = w.inKey, inValue = w.inValue, inDistinct = w.inDistinct, late = w.late;
  const size = w.size, slide = w.slide, per = w.per, flags = w.flags, stride = <usize>w.stride;
  const cs = w.cacheSlots, ce = w.cacheEnds;
  let lo = Infinity, hi = -Infinity;
  let cw: i64 = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    const t = load<f64>(inTime + (<usize>i << 3));
    const wmi = load<f64>(wmPtr + <usize>i * wmStride);
    if (!(t >= lo && t < hi)) {
      if (!(t - t == 0)) {
        store<u32>(late + (<usize>(nl++) << 2), i);
        continue;
      }
      cw = floorDiv(toMs(t), slide);
      lo = <f64>(cw * slide);
      hi = lo + <f64>slide;
      for (let j = 0; j < per; j++) {
        store<f64>(ce + (<usize>j << 3), <f64>((cw - j) * slide + size));
        store<usize>(cs + (<usize>j << alignof<usize>()), 0);
      }
    }
    // the windows' ends decrease with j: the first is the last to close
    if (load<f64>(ce) <= wmi) {
      store<u32>(late + (<usize>(nl++) << 2), i);
      continue;
    }
    const k = load<u32>(inKey + (<usize>i << 2));
    if (k >= <u32>w.keyCap) {
      if (k >= <u32>MAX_KEYS) return ERR_KEY_RANGE;
      growKeys(w, k);
    }
    const v = load<f64>(inValue + (<usize>i << 3));
    const d = load<u32>(inDistinct + (<usize>i << 2));
    for (let j = 0; j < per; j++) {
      if (load<f64>(ce + (<usize>j << 3)) <= wmi) break;
      let sp = load<usize>(cs + (<usize>j << alignof<usize>()));
      if (sp == 0) {
        sp = changetype<usize>(slotFor(w, cw - j));
        store<usize>(cs + (<usize>j << alignof<usize>()), sp);
      }
      update(w, changetype<Slot>(sp), k, v, d, flags, stride);
    }
  }
  return nl;
}

/**
 * Adds events 0..n-1 of the input columns. Watermark per event: the wm column when
 * `useWmColumn` is non-zero (it must never decrease, within and across batches: the
 * watermark kernel's output does not), else `wm` for the whole batch. Returns the number of late
 * events (indices at window_late) or a negative ERR_*. ERR_KEY_RANGE leaves the batch
 * partly applied (a key id >= 2^28 is a host bug).
 */
export function window_process(h: i32, n: i32, useWmColumn: i32, wm: f64): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  if (n < 0 || n > w.batchCap) return ERR_BATCH;
  w.wmPtr = w.inWm;
  w.wmStride = 8;
  if (!useWmColumn) {
    store<f64>(w.wmCell, wm);
    w.wmPtr = w.wmCell;
    w.wmStride = 0;
  }
  if (w.paneMode) return processPanes(w, n);
  if (w.per == 1 && (w.flags & ~F_SUM) == 0) return processTumbling(w, n);
  return processGeneric(w, n, w.wmPtr, w.wmStride);
}

/**
 * Closes every open window with end <= wm, in order of end then key id: writes their final
 * rows to the output columns, frees their state. Returns the row count.
 */
export function window_advance(h: i32, wm: f64): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  if (w.paneMode) return paneAdvance(w, wm);
  const n = sortedOpen(w, wm);
  let row = 0;
  for (let i = 0; i < n; i++) {
    const s = slotAt(w.scratch, i);
    row = emitSlot(w, s, row, true);
    retireSlot(w, s);
  }
  return row;
}

/** Writes the current partial rows of all open windows (end, key order); changes nothing. */
export function window_peek(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  if (w.paneMode) return panePeek(w);
  const n = sortedOpen(w, Infinity);
  let row = 0;
  for (let i = 0; i < n; i++) row = emitSlot(w, slotAt(w.scratch, i), row, false);
  return row;
}

/** Serialises the instance into the IO buffer; returns the byte length. */
export function window_snapshot(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  wBegin();
  wI64(w.size);
  wI64(w.slide);
  wI32(w.flags);
  wI32(w.batchCap);
  wI32(w.keyCap);
  if (w.paneMode) paneCompact(w);
  wI64(w.lastFrozen);
  wI32(w.pend);
  for (let i = 0; i < w.pend; i++) {
    const r8 = <usize>i << 3, r4 = <usize>i << 2;
    wF64(load<f64>(w.outStart + r8));
    wF64(load<f64>(w.outEnd + r8));
    wU32(load<u32>(w.outKey + r4));
    wU32(load<u32>(w.outCount + r4));
    wF64(load<f64>(w.outSum + r8));
    wF64(load<f64>(w.outMin + r8));
    wF64(load<f64>(w.outMax + r8));
    wU32(load<u32>(w.outDistinct + r4));
  }
  const n = sortedOpen(w, Infinity);
  wI32(n);
  const stride = <usize>w.stride;
  for (let i = 0; i < n; i++) {
    const s = slotAt(w.scratch, i);
    wI64(s.win);
    sortU32(s.keys, s.nkeys);
    wI32(s.nkeys);
    for (let j = 0; j < s.nkeys; j++) {
      const k = load<u32>(s.keys + (<usize>j << 2));
      const rec = s.recs + <usize>k * stride;
      wU32(k);
      wU32(load<u32>(rec, R_COUNT));
      wU32(load<u32>(rec, R_DCOUNT));
      wI64(load<i64>(rec, R_SUM));
      if (stride > 16) {
        wF64(load<f64>(rec, R_MIN));
        wF64(load<f64>(rec, R_MAX));
      }
    }
    if (w.flags & F_DISTINCT) {
      wI32(s.setSize);
      for (let j = 0; j < s.setCap; j++) {
        const v = setValue(s, j);
        if (v) wI64(<i64>(v - 1));
      }
    }
  }
  return wEnd(KIND_WINDOW, VERSION);
}

/** Restores a snapshot of `len` bytes from the IO buffer into a new instance; returns its handle. */
export function window_restore(len: i32): i32 {
  const e = rBegin(len, KIND_WINDOW, VERSION);
  if (e < 0) return e;
  const size = rI64(), slide = rI64(), flags = rI32(), batchCap = rI32(), keyCap = rI32();
  if (rFailed()) return ERR_SNAPSHOT_CORRUPT;
  const h = window_create(<f64>size, <f64>slide, flags, batchCap, keyCap);
  if (h < 0) return ERR_SNAPSHOT_CORRUPT;
  const w = changetype<Win>(handlePtr(h, KIND_WINDOW));
  if (!restoreSlots(w)) {
    window_destroy(h);
    return ERR_SNAPSHOT_CORRUPT;
  }
  return h;
}

function restoreSlots(w: Win): bool {
  const lastFrozen = rI64();
  const pend = rI32();
  if (rFailed() || pend < 0 || (!w.paneMode && (pend != 0 || lastFrozen != i64.MIN_VALUE))) return false;
  if (w.paneMode) {
    ensureOut(w, pend);
    for (let i = 0; i < pend && !rFailed(); i++) {
      const r8 = <usize>i << 3, r4 = <usize>i << 2;
      store<f64>(w.outStart + r8, rF64());
      store<f64>(w.outEnd + r8, rF64());
      store<u32>(w.outKey + r4, rU32());
      store<u32>(w.outCount + r4, rU32());
      store<f64>(w.outSum + r8, rF64());
      store<f64>(w.outMin + r8, rF64());
      store<f64>(w.outMax + r8, rF64());
      store<u32>(w.outDistinct + r4, rU32());
    }
    w.pend = pend;
    w.lastFrozen = lastFrozen;
    w.nextFreezeEnd = lastFrozen == i64.MIN_VALUE ? -Infinity : lastFrozen == i64.MAX_VALUE ? Infinity : <f64>((lastFrozen + 1) * w.slide + w.size);
  }
  const n = rI32();
  if (rFailed() || n < 0) return false;
  const stride = <usize>w.stride;
  for (let i = 0; i < n; i++) {
    const s = slotFor(w, rI64());
    const nk = rI32();
    if (rFailed() || nk < 0 || s.nkeys != 0) return false;
    for (let j = 0; j < nk; j++) {
      const k = rU32();
      if (rFailed() || k >= <u32>MAX_KEYS) return false;
      if (k >= <u32>w.keyCap) growKeys(w, k);
      const rec = s.recs + <usize>k * stride;
      if (load<u32>(rec, R_COUNT) != 0) return false;
      const count = rU32();
      if (count == 0) return false;
      store<u32>(rec, count, R_COUNT);
      store<u32>(rec, rU32(), R_DCOUNT);
      store<i64>(rec, rI64(), R_SUM);
      if (stride > 16) {
        store<f64>(rec, rF64(), R_MIN);
        store<f64>(rec, rF64(), R_MAX);
      }
      store<u32>(s.keys + (<usize>s.nkeys << 2), k);
      s.nkeys++;
    }
    if (w.flags & F_DISTINCT) {
      const ns = rI32();
      if (rFailed() || ns < 0) return false;
      for (let j = 0; j < ns; j++) {
        const x = <u64>rI64();
        if (rFailed()) return false;
        distinctAdd(s, <u32>(x >> 32), <u32>x);
      }
    }
  }
  return rDone();
}
