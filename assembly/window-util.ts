// State of the window kernel (window.ts): instance and per-window structs, the map from
// window index to open window, key-capacity growth (emission: window-emit-util.ts).
//
// Shape: keys are dense u32 ids, so each open window ("slot") holds a direct-indexed slab
// of records, one per key id below keyCap (no hashing on the hot path), plus the list of
// keys it touched (to emit and reset only those). Slots of closed windows go back to a pool
// with their slabs and are reused, so a stream with an advancing watermark reaches a steady
// set of blocks and linear memory stays flat. Memory is (open windows) x keyCap x stride.
import { setAlloc, setInsert, setRehash, setSlot, hash64 } from "./hash-util";
import { regrow, zalloc } from "./mem-util";
export { zalloc };

// Aggregate flags (mirrored in src/core/kernels/window.ts). Count is always kept.
export const F_SUM: i32 = 1;
export const F_MIN: i32 = 2;
export const F_MAX: i32 = 4;
export const F_DISTINCT: i32 = 8;
/**
 * With F_SUM: the sum accumulates the f64 values themselves (user fields that are plain
 * doubles) instead of integer cents. The 8 bytes at R_SUM then hold an f64.
 */
export const F_FSUM: i32 = 16;

// Record layout per (window, key): count u32 | distinct count u32 | sum i64 (f64 with F_FSUM) |
// min f64 | max f64.
// Stride 16 without min/max (count+sum in one 16-byte record: one cache line touch per event).
export const R_COUNT: usize = 0;
export const R_DCOUNT: usize = 4;
export const R_SUM: usize = 8;
export const R_MIN: usize = 16;
export const R_MAX: usize = 24;

/** One open window. */
// @ts-ignore: decorator
@unmanaged
export class Slot {
  /** Window index j: start = j * slide, end = start + size. */
  win: i64 = 0;
  start: f64 = 0;
  end: f64 = 0;
  /** keyCap records of `stride` bytes, zero = untouched. */
  recs: usize = 0;
  /** Keys touched in this window (u32, each once), capacity keyCap. */
  keys: usize = 0;
  nkeys: i32 = 0;
  /** Distinct set of (key << 32 | id) values (hash-util), when F_DISTINCT. */
  set: usize = 0;
  setCap: i32 = 0;
  setSize: i32 = 0;
}

/** One window-kernel instance. */
// @ts-ignore: decorator
@unmanaged
export class Win {
  size: i64 = 0;
  slide: i64 = 0;
  /** Windows per event = size / slide (1 for tumbling). */
  per: i32 = 1;
  flags: i32 = 0;
  stride: i32 = 16;
  batchCap: i32 = 0;
  keyCap: i32 = 0;
  // input columns
  inTime: usize = 0;
  inKey: usize = 0;
  inValue: usize = 0;
  inDistinct: usize = 0;
  inWm: usize = 0;
  /** Holds the scalar watermark when a batch has one watermark for all events. */
  wmCell: usize = 0;
  /** The batch's watermark column and its stride (0 for a scalar), during window_process. */
  wmPtr: usize = 0;
  wmStride: usize = 0;
  // Entry B of the two-entry window cache of the process loops (entry A lives in locals):
  // the previously current window (tumbling) or pane (pane mode), valid during one batch.
  bLo: f64 = Infinity;
  bHi: f64 = -Infinity;
  /** Tumbling: the window's end; pane mode: end of the last window holding the pane. */
  bEnd: f64 = 0;
  bIdx: i64 = 0;
  bSlot: usize = 0;
  bLateAt: i32 = 0;
  late: usize = 0;
  /** Per-batch window cache of the generic path: `per` slot pointers and their f64 ends. */
  cacheSlots: usize = 0;
  cacheEnds: usize = 0;
  // open windows: list + map (window index -> slot), and the pool of free slots
  open: usize = 0;
  nOpen: i32 = 0;
  openCap: i32 = 0;
  pool: usize = 0;
  nPool: i32 = 0;
  /** Scratch list of openCap slot pointers (closing / peeking order). */
  scratch: usize = 0;
  map: usize = 0; // entries of 16 bytes: win i64 | slot usize (0 = empty)
  mapCap: i32 = 0;
  // output columns
  outCap: i32 = 0;
  outStart: usize = 0;
  outEnd: usize = 0;
  outKey: usize = 0;
  outCount: usize = 0;
  outSum: usize = 0;
  outMin: usize = 0;
  outMax: usize = 0;
  outDistinct: usize = 0;
  /** Bumped when slots close or slabs move, so process() drops its window cache. */
  epoch: i32 = 0;
  // Pane mode (window-pane-util.ts): slots are panes of one slide each.
  paneMode: i32 = 0;
  /** Highest window index already frozen (final rows computed), i64.MIN_VALUE = none. */
  lastFrozen: i64 = i64.MIN_VALUE;
  /** End of window lastFrozen + 1: the watermark at which the next freeze is due. */
  nextFreezeEnd: f64 = -Infinity;
  /** Accumulator slab (keyCap records) and key list used to combine panes into a window. */
  acc: usize = 0;
  accKeys: usize = 0;
  /** Output rows [0, pend) are frozen windows waiting for window_advance. */
  pend: i32 = 0;
  /** Rows [0, shift) were returned by the last advance; dropped at the next call. */
  shift: i32 = 0;
  /** Rows window_advance returned whose integer-cent sum was out of range (reads NaN). */
  overflows: i32 = 0;
  /** Non-zero while window_advance writes its rows outside pane mode (emitRow counts then). */
  counting: i32 = 0;
}

// @ts-ignore: decorator
@inline function ptrAt(base: usize, i: i32): usize {
  return load<usize>(base + (<usize>i << alignof<usize>()));
}
// @ts-ignore: decorator
@inline function ptrPut(base: usize, i: i32, v: usize): void {
  store<usize>(base + (<usize>i << alignof<usize>()), v);
}


// ---- map: window index -> slot (linear probing, backward-shift deletion) ----

function mapGrow(w: Win): void {
  const oldCap = w.mapCap, old = w.map;
  const ncap = oldCap == 0 ? 16 : oldCap << 1;
  w.map = zalloc(<usize>ncap << 4);
  w.mapCap = ncap;
  for (let i = 0; i < oldCap; i++) {
    const e = old + (<usize>i << 4);
    const s = load<usize>(e, 8);
    if (s) mapPut(w, load<i64>(e), s);
  }
  if (old) heap.free(old);
}

function mapPut(w: Win, win: i64, s: usize): void {
  const mask = <u32>(w.mapCap - 1);
  let i = hash64(<u64>win, mask);
  while (load<usize>(w.map + (<usize>i << 4), 8) != 0) i = (i + 1) & mask;
  const e = w.map + (<usize>i << 4);
  store<i64>(e, win);
  store<usize>(e, s, 8);
}

/** The open slot of window index `win`, or 0. */
export function mapGet(w: Win, win: i64): usize {
  if (w.mapCap == 0) return 0;
  const mask = <u32>(w.mapCap - 1);
  let i = hash64(<u64>win, mask);
  while (true) {
    const e = w.map + (<usize>i << 4);
    const s = load<usize>(e, 8);
    if (s == 0) return 0;
    if (load<i64>(e) == win) return s;
    i = (i + 1) & mask;
  }
  return 0;
}

function mapDel(w: Win, win: i64): void {
  const mask = <u32>(w.mapCap - 1);
  let i = hash64(<u64>win, mask);
  while (load<i64>(w.map + (<usize>i << 4)) != win || load<usize>(w.map + (<usize>i << 4), 8) == 0) {
    i = (i + 1) & mask;
  }
  // backward-shift: move later entries of the probe run into the hole
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const ej = w.map + (<usize>j << 4);
    const s = load<usize>(ej, 8);
    if (s == 0) break;
    const home = hash64(<u64>load<i64>(ej), mask);
    // entry j may move to hole i when its home is not in the cyclic range (i, j]
    if (((j - home) & mask) >= ((j - i) & mask)) {
      memory.copy(w.map + (<usize>i << 4), ej, 16);
      i = j;
    }
  }
  store<usize>(w.map + (<usize>i << 4), 0, 8);
}

// ---- slots ----

function slotNew(w: Win): usize {
  if (w.nPool > 0) {
    w.nPool--;
    return ptrAt(w.pool, w.nPool);
  }
  const s = new Slot();
  s.recs = zalloc(<usize>w.keyCap * <usize>w.stride);
  s.keys = heap.alloc(<usize>w.keyCap << 2);
  if (w.flags & F_DISTINCT) {
    s.setCap = 64;
    s.set = setAlloc(64);
  }
  return changetype<usize>(s);
}

/** The open slot of window index `win`, created when missing. */
export function slotFor(w: Win, win: i64): Slot {
  let sp = mapGet(w, win);
  if (sp) return changetype<Slot>(sp);
  sp = slotNew(w);
  const s = changetype<Slot>(sp);
  s.win = win;
  s.start = <f64>(win * w.slide);
  s.end = <f64>(win * w.slide + w.size);
  if ((w.nOpen + 1) * 2 > w.mapCap) mapGrow(w);
  mapPut(w, win, sp);
  if (w.nOpen == w.openCap) {
    const ncap = w.openCap == 0 ? 16 : w.openCap << 1;
    w.open = regrow(w.open, <usize>ncap << alignof<usize>());
    w.pool = regrow(w.pool, <usize>ncap << alignof<usize>());
    w.scratch = regrow(w.scratch, <usize>ncap << alignof<usize>());
    w.openCap = ncap;
  }
  ptrPut(w.open, w.nOpen++, sp);
  return s;
}

/** Grows every slab so that key id `key` fits (amortised doubling; rare). */
export function growKeys(w: Win, key: u32): void {
  let ncap = w.keyCap;
  while (<u32>ncap <= key) ncap <<= 1;
  const stride = <usize>w.stride;
  for (let pass = 0; pass < 2; pass++) {
    const list = pass == 0 ? w.open : w.pool;
    const n = pass == 0 ? w.nOpen : w.nPool;
    for (let i = 0; i < n; i++) {
      const s = changetype<Slot>(ptrAt(list, i));
      s.recs = regrow(s.recs, <usize>ncap * stride);
      memory.fill(s.recs + <usize>w.keyCap * stride, 0, <usize>(ncap - w.keyCap) * stride);
      s.keys = regrow(s.keys, <usize>ncap << 2);
    }
  }
  if (w.acc) {
    w.acc = regrow(w.acc, <usize>ncap * stride);
    memory.fill(w.acc + <usize>w.keyCap * stride, 0, <usize>(ncap - w.keyCap) * stride);
    w.accKeys = regrow(w.accKeys, <usize>ncap << 2);
  }
  w.keyCap = ncap;
  w.epoch++;
}

/** Inserts (key, id) into the slot's distinct set; true when new. */
// @ts-ignore: decorator
@inline
export function distinctAdd(s: Slot, key: u32, id: u32): bool {
  if ((s.setSize + 1) * 2 > s.setCap) {
    s.set = setRehash(s.set, s.setCap, s.setCap << 1);
    s.setCap <<= 1;
  }
  if (setInsert(s.set, s.setCap, (<u64>key << 32) | <u64>id)) {
    s.setSize++;
    return true;
  }
  return false;
}

/** Lists into w.scratch the open slots with end <= `endAtMost`, ordered by end; returns how many. */
export function sortedOpen(w: Win, endAtMost: f64): i32 {
  const dst = w.scratch;
  let n = 0;
  for (let i = 0; i < w.nOpen; i++) {
    const sp = ptrAt(w.open, i);
    if (changetype<Slot>(sp).end <= endAtMost) ptrPut(dst, n++, sp);
  }
  // insertion sort: open windows are few (horizon / slide)
  for (let i = 1; i < n; i++) {
    const v = ptrAt(dst, i);
    const e = changetype<Slot>(v).win;
    let j = i - 1;
    while (j >= 0 && changetype<Slot>(ptrAt(dst, j)).win > e) {
      ptrPut(dst, j + 1, ptrAt(dst, j));
      j--;
    }
    ptrPut(dst, j + 1, v);
  }
  return n;
}


/** Removes closed slot `s` from the open list and map, and returns it to the pool. */
export function retireSlot(w: Win, s: Slot): void {
  const sp = changetype<usize>(s);
  mapDel(w, s.win);
  for (let i = 0; i < w.nOpen; i++) {
    if (ptrAt(w.open, i) == sp) {
      w.nOpen--;
      ptrPut(w.open, i, ptrAt(w.open, w.nOpen));
      break;
    }
  }
  ptrPut(w.pool, w.nPool++, sp);
  w.epoch++;
}

/** Frees a slot's blocks and the slot. */
export function freeSlot(sp: usize): void {
  const s = changetype<Slot>(sp);
  heap.free(s.recs);
  heap.free(s.keys);
  if (s.set) heap.free(s.set);
  heap.free(sp);
}

export function slotAt(list: usize, i: i32): Slot {
  return changetype<Slot>(ptrAt(list, i));
}

/** The distinct-set values (x + 1) of slot `s` are at setSlot(s.set, i) for i < s.setCap. */
export function setValue(s: Slot, i: i32): u64 {
  return setSlot(s.set, i);
}
