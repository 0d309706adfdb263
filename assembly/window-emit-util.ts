// Row emission of the window kernel: the output columns (structure of arrays, growing) and
// writing a window's rows in ascending key order, by scanning the slab when it is dense or
// sorting the touched-key list when it is sparse.
import { sortU32 } from "./sort-util";
import { regrow } from "./mem-util";
import { Win, Slot, F_SUM, F_FSUM, R_COUNT, R_DCOUNT, R_SUM, R_MIN, R_MAX } from "./window-util";
import { CENTS_MAX_EXACT } from "./window-cents-util";

/** Grows the output columns to hold `need` rows (keeping the rows already there). */
export function ensureOut(w: Win, need: i32): void {
  if (need <= w.outCap) return;
  let ncap = w.outCap == 0 ? 1024 : w.outCap;
  while (ncap < need) ncap <<= 1;
  const n8 = <usize>ncap << 3, n4 = <usize>ncap << 2;
  w.outStart = regrow(w.outStart, n8);
  w.outEnd = regrow(w.outEnd, n8);
  w.outKey = regrow(w.outKey, n4);
  w.outCount = regrow(w.outCount, n4);
  w.outSum = regrow(w.outSum, n8);
  w.outMin = regrow(w.outMin, n8);
  w.outMax = regrow(w.outMax, n8);
  w.outDistinct = regrow(w.outDistinct, n4);
  w.outCap = ncap;
}

/** The row value of a record's sum: 0 without F_SUM, NaN out of range (counted while counting). */
// @ts-ignore: decorator
@inline function sumOf(w: Win, rec: usize): f64 {
  const flags = w.flags;
  if ((flags & F_SUM) == 0) return 0;
  if (flags & F_FSUM) return load<f64>(rec, R_SUM);
  const s = load<i64>(rec, R_SUM);
  if (s >= -CENTS_MAX_EXACT && s <= CENTS_MAX_EXACT) return <f64>s;
  if (w.counting) w.overflows++;
  return NaN;
}

// @ts-ignore: decorator
@inline function emitRow(w: Win, start: f64, end: f64, row: i32, key: u32, rec: usize): void {
  const r8 = <usize>row << 3, r4 = <usize>row << 2;
  store<f64>(w.outStart + r8, start);
  store<f64>(w.outEnd + r8, end);
  store<u32>(w.outKey + r4, key);
  store<u32>(w.outCount + r4, load<u32>(rec, R_COUNT));
  store<f64>(w.outSum + r8, sumOf(w, rec));
  if (w.stride > 16) {
    store<f64>(w.outMin + r8, load<f64>(rec, R_MIN));
    store<f64>(w.outMax + r8, load<f64>(rec, R_MAX));
  } else {
    store<f64>(w.outMin + r8, 0);
    store<f64>(w.outMax + r8, 0);
  }
  store<u32>(w.outDistinct + r4, load<u32>(rec, R_DCOUNT));
}

/**
 * Writes rows [start, end) for the `nkeys` touched keys of slab `recs` (key list `keys`) at
 * output row `row`, in ascending key order; returns the next row. With `reset`, zeroes the
 * records it emitted.
 */
export function emitRecs(w: Win, start: f64, end: f64, recs: usize, keys: usize, nkeys: i32, row: i32, reset: bool): i32 {
  const stride = <usize>w.stride;
  ensureOut(w, row + nkeys);
  if (<i64>nkeys * 32 >= <i64>w.keyCap) {
    // dense: scanning the slab in key order is cheaper than sorting the key list
    for (let k: i32 = 0; k < w.keyCap; k++) {
      const rec = recs + <usize>k * stride;
      if (load<u32>(rec) != 0) {
        emitRow(w, start, end, row++, <u32>k, rec);
        if (reset) memory.fill(rec, 0, stride);
      }
    }
  } else {
    sortU32(keys, nkeys);
    for (let i = 0; i < nkeys; i++) {
      const k = load<u32>(keys + (<usize>i << 2));
      const rec = recs + <usize>k * stride;
      emitRow(w, start, end, row++, k, rec);
      if (reset) memory.fill(rec, 0, stride);
    }
  }
  return row;
}

/** Zeroes a slot's state (records, key list, distinct set). */
export function resetSlot(w: Win, s: Slot): void {
  const stride = <usize>w.stride;
  for (let i = 0; i < s.nkeys; i++) {
    memory.fill(s.recs + <usize>load<u32>(s.keys + (<usize>i << 2)) * stride, 0, stride);
  }
  s.nkeys = 0;
  if (s.setSize > 0) {
    memory.fill(s.set, 0, <usize>s.setCap << 3);
    s.setSize = 0;
  }
}

/**
 * Writes the rows of slot `s` (ascending key) at output row `row`; returns the next row.
 * With `reset`, also clears the slot's state (records, key list, distinct set).
 */
export function emitSlot(w: Win, s: Slot, row: i32, reset: bool): i32 {
  row = emitRecs(w, s.start, s.end, s.recs, s.keys, s.nkeys, row, reset);
  if (reset) {
    s.nkeys = 0;
    if (s.setSize > 0) {
      memory.fill(s.set, 0, <usize>s.setCap << 3);
      s.setSize = 0;
    }
  }
  return row;
}
