// Snapshot payload of the window kernel (format version in window.ts; header in layout.ts):
// config, pane-mode state (last frozen window, pending frozen rows), then every open window
// (slot) with its touched keys' records in key order and, with distinct counts, its set.
import { ERR_SNAPSHOT_CORRUPT, MAX_KEYS } from "./layout";
import { sortU32 } from "./sort-util";
import { wI32, wU32, wI64, wF64, rI32, rU32, rI64, rF64, rFailed, rDone } from "./bytes-util";
import { Win, F_DISTINCT, R_COUNT, R_DCOUNT, R_SUM, R_MIN, R_MAX, slotFor, growKeys, distinctAdd, sortedOpen, slotAt, setValue } from "./window-util";
import { ensureOut } from "./window-emit-util";
import { paneCompact } from "./window-pane-util";

/** Writes the payload of instance `w` (after wBegin). */
export function writeState(w: Win): void {
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
}

/** Reads the state part of a payload (after the config) into the fresh instance `w`. */
export function restoreSlots(w: Win): bool {
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
