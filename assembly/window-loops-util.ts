// The process loops of the window kernel (window.ts): the tumbling count(+sum) hot path,
// pane mode for sliding count / sum / min / max, and the generic path for every other shape.
// Semantics are in window.ts's header; state layout in window-util.ts.
import { ERR_KEY_RANGE, MAX_KEYS } from "./layout";
import { floorDiv, toMs } from "./time-util";
import { Win, Slot, F_SUM, F_FSUM, F_DISTINCT, R_COUNT, R_DCOUNT, R_SUM, R_MIN, R_MAX, slotFor, growKeys, distinctAdd } from "./window-util";
import { addCents, fixCents, CENTS_FAST } from "./window-cents-util";
import { paneCompact, freezeTo } from "./window-pane-util";

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

// Sum modes, as the type argument of the loops below so that each mode compiles to its own
// loop without a per-event test: i32 = no sum, i64 = integer cents (window-cents-util.ts),
// f64 = F_FSUM.
// The kernel's sums add in event order per record, which the reference repeats exactly.

// The hot path for tumbling count(+sum): one window per event, 16-byte records.
// Two windows are cached: A (current) in locals, B (the previous one) in the instance, so
// the floor division and the slot lookup run only when an event leaves both (out-of-order
// events near a boundary alternate between two windows). Keeping B out of the locals keeps
// the loop's live values in registers. Per cached window, lateAt = the first event index
// from which the watermark has passed its end (firstAtLeast), so lateness is an integer
// compare and the wm column is read only when an event enters a new window; the slot is made
// on entry unless the event is already late (then every later event of that window is too).
// Cents are added unchecked and OR-ed into `big`; fixCents repairs the rare batch that held
// an addend outside [0, CENTS_FAST).
export function processTumbling<S>(w: Win, n: i32): i32 {
  const inTime = w.inTime, inKey = w.inKey, inValue = w.inValue;
  let keyCap = <u32>w.keyCap;
  let big: u64 = 0;
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
      if (k >= <u32>MAX_KEYS) {
        if (big >= CENTS_FAST) fixCents(w, 0, i);
        return ERR_KEY_RANGE;
      }
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
    if (isFloat<S>()) {
      store<f64>(rec, load<f64>(rec, R_SUM) + load<f64>(inValue + (<usize>i << 3)), R_SUM);
    } else if (sizeof<S>() == 8) {
      const x = <i64>load<f64>(inValue + (<usize>i << 3));
      store<i64>(rec, load<i64>(rec, R_SUM) + x, R_SUM);
      big |= <u64>x;
    }
  }
  if (big >= CENTS_FAST) fixCents(w, 0, n);
  return nl;
}

// Sliding count / sum / min / max in pane mode (window-pane-util.ts): one pane record per
// event; windows whose end the watermark passes are frozen before the event is added. The
// pane cache works as in processTumbling (lateAt per pane: from there its last window has
// closed); freezeAt = the first index whose watermark reaches the next window end. Cents are
// checked per event (addCents): here that measured faster than processTumbling's OR and repair,
// which would have to repair before every freeze.
export function processPanes<S>(w: Win, n: i32): i32 {
  paneCompact(w);
  const inTime = w.inTime, inKey = w.inKey, inValue = w.inValue;
  const stride = <usize>w.stride;
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
    if (isFloat<S>()) store<f64>(rec, load<f64>(rec, R_SUM) + v, R_SUM);
    else if (sizeof<S>() == 8) addCents(rec, v);
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
  if (flags & F_SUM) {
    if (flags & F_FSUM) store<f64>(rec, load<f64>(rec, R_SUM) + v, R_SUM);
    else addCents(rec, v);
  }
  if (flags & F_DISTINCT) {
    if (distinctAdd(s, k, d)) store<u32>(rec, load<u32>(rec, R_DCOUNT) + 1, R_DCOUNT);
  }
}

// Every other shape: sliding windows (size/slide windows per event), min/max, distinct.
// The `per` windows of the current slide-step are cached (slot pointers made lazily).
export function processGeneric(w: Win, n: i32, wmPtr: usize, wmStride: usize): i32 {
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
