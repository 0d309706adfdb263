// Keyed tumbling and sliding window aggregates: count, sum, min, max and distinct count per
// (window, key), event time in ms, keys as dense u32 ids, money as integer cents (or, with
// F_FSUM, sums of plain doubles).
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
// Integer-cent sums are exact; a final row whose sum leaves the exact range of its f64
// (|sum| > 2^53 - 1) reads NaN and is counted by window_overflows (window-cents-util.ts). Float sums
// (F_FSUM) add in event order per window and key; in pane mode per pane, and a window's sum is
// its panes' sums added in pane order (the reference repeats both orders bit for bit).
// Conventions (handles, columns, growth, snapshots): layout.ts.
import { KIND_WINDOW, ERR_HANDLE, ERR_BATCH, ERR_CONFIG, ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { handleNew, handlePtr, handleFree } from "./handle-util";
import { wBegin, wEnd, rBegin, rI32, rI64, rFailed } from "./bytes-util";
import { Win, F_SUM, F_FSUM, F_MIN, F_MAX, zalloc, sortedOpen, retireSlot, freeSlot, slotAt } from "./window-util";
import { emitSlot } from "./window-emit-util";
import { paneEligible, paneInit, paneAdvance, panePeek, paneOpenCount } from "./window-pane-util";
import { processTumbling, processPanes, processGeneric } from "./window-loops-util";
import { writeState, restoreSlots } from "./window-snapshot-util";

/**
 * Snapshot payload format of this kernel. F_FSUM needed no new version: the payload already
 * records the flags, and a record's 8 sum bytes (written as i64) are the f64's bits under it.
 */
const VERSION: i32 = 1;

// Input columns (window_in): time f64, key u32, value f64 (cents, or any double with F_FSUM),
// distinct id u32, wm f64.
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
 * tumbling), aggregates `flags` (1 sum, 2 min, 4 max, 8 distinct, 16 = the sum is of f64
 * values rather than integer cents, with 1 only; count always), at most
 * `batchCap` events per batch, slabs pre-sized for `keyCapHint` keys. Returns a handle.
 */
export function window_create(sizeMs: f64, slideMs: f64, flags: i32, batchCap: i32, keyCapHint: i32): i32 {
  if (!(sizeMs >= 1 && slideMs >= 1 && sizeMs <= 9.0e15 && slideMs <= sizeMs)) return ERR_CONFIG;
  const size = <i64>sizeMs, slide = <i64>slideMs;
  if (<f64>size != sizeMs || <f64>slide != slideMs || size % slide != 0) return ERR_CONFIG;
  if (size / slide > 65536 || batchCap <= 0 || batchCap > (1 << 26) || (flags & ~31) != 0) return ERR_CONFIG;
  if ((flags & F_FSUM) != 0 && (flags & F_SUM) == 0) return ERR_CONFIG;
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
  const sum = w.flags & (F_SUM | F_FSUM);
  if (w.paneMode) {
    if (sum == 0) return processPanes<i32>(w, n);
    return sum == F_SUM ? processPanes<i64>(w, n) : processPanes<f64>(w, n);
  }
  if (w.per == 1 && (w.flags & ~(F_SUM | F_FSUM)) == 0) {
    if (sum == 0) return processTumbling<i32>(w, n);
    return sum == F_SUM ? processTumbling<i64>(w, n) : processTumbling<f64>(w, n);
  }
  return processGeneric(w, n, w.wmPtr, w.wmStride);
}

/**
 * Closes every open window with end <= wm, in order of end then key id: writes their final
 * rows to the output columns, frees their state. Returns the row count.
 */
export function window_advance(h: i32, wm: f64): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  if (w.paneMode) {
    const rows = paneAdvance(w, wm);
    // pane mode computes rows when windows freeze, which may be during window_process
    if ((w.flags & (F_SUM | F_FSUM)) == F_SUM) {
      for (let i = 0; i < rows; i++) if (isNaN(load<f64>(w.outSum + (<usize>i << 3)))) w.overflows++;
    }
    return rows;
  }
  const n = sortedOpen(w, wm);
  let row = 0;
  w.counting = 1;
  for (let i = 0; i < n; i++) {
    const s = slotAt(w.scratch, i);
    row = emitSlot(w, s, row, true);
    retireSlot(w, s);
  }
  w.counting = 0;
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

/**
 * Rows window_advance returned so far whose integer-cent sum was out of the exact range of
 * an f64 (|sum| > 2^53 - 1), so reads NaN. Peeked rows are not counted; the count is not part
 * of snapshots (a restored instance counts from 0). ERR_HANDLE for a bad handle.
 */
export function window_overflows(h: i32): i32 {
  const w = get(h);
  return w ? w.overflows : ERR_HANDLE;
}

/** Serialises the instance into the IO buffer; returns the byte length. */
export function window_snapshot(h: i32): i32 {
  const w = get(h);
  if (!w) return ERR_HANDLE;
  wBegin();
  writeState(w);
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
