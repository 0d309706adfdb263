// Pane mode of the window kernel, for sliding windows of count / sum / min / max (no distinct).
// A sliding window of size S every D is the union of S/D consecutive "panes" of length D, and
// these aggregates combine across panes, so each event updates ONE pane record instead of S/D
// window records (the slicing of Flink's sliding windows; Spark updates every window).
//
// Exactness with per-event watermarks: event i must not count in a window whose end <= wm[i].
// Before adding event i, every window with end <= wm[i] is therefore FROZEN: its final rows
// are computed from its panes into the pending output area and the oldest pane, which no
// unfrozen window needs any more, is freed. wm is non-decreasing, so windows freeze in order
// of end, and frozen rows wait in the output columns until window_advance hands them out.
// A window's panes thus hold exactly the events the reference adds to it.
// Sums combine in pane order: integer cents exactly (window-cents-util.ts),
// float sums (F_FSUM) as p_first + p_next + ... in ascending pane index, each pane's sum being
// its events' values added in event order; the reference adds in that same order.
import { Win, Slot, F_SUM, F_DISTINCT, F_FSUM, R_COUNT, R_SUM, R_MIN, R_MAX, mapGet, sortedOpen, slotAt, retireSlot } from "./window-util";
import { centsCombine } from "./window-cents-util";
import { emitRecs, resetSlot, ensureOut } from "./window-emit-util";
import { floorDiv, toMs } from "./time-util";
import { zalloc } from "./mem-util";

/** True when this window shape runs in pane mode. */
export function paneEligible(per: i32, flags: i32): bool {
  return per > 1 && (flags & F_DISTINCT) == 0;
}

/** Allocates the accumulator (at create, and after key growth through growKeys). */
export function paneInit(w: Win): void {
  w.paneMode = 1;
  w.acc = zalloc(<usize>w.keyCap * <usize>w.stride);
  w.accKeys = zalloc(<usize>w.keyCap << 2);
}

// Adds pane `s` into the accumulator.
function accumulate(w: Win, s: Slot, nacc: i32): i32 {
  const stride = <usize>w.stride, fsum = (w.flags & F_FSUM) != 0, sum = (w.flags & F_SUM) != 0;
  for (let i = 0; i < s.nkeys; i++) {
    const k = load<u32>(s.keys + (<usize>i << 2));
    const rec = s.recs + <usize>k * stride;
    const a = w.acc + <usize>k * stride;
    const c = load<u32>(a, R_COUNT);
    if (c == 0) {
      store<u32>(w.accKeys + (<usize>(nacc++) << 2), k);
      memory.copy(a, rec, stride);
    } else {
      store<u32>(a, c + load<u32>(rec, R_COUNT), R_COUNT);
      if (fsum) store<f64>(a, load<f64>(a, R_SUM) + load<f64>(rec, R_SUM), R_SUM);
      else if (sum) store<i64>(a, centsCombine(load<i64>(a, R_SUM), load<i64>(rec, R_SUM)), R_SUM);
      if (stride > 16) {
        store<f64>(a, min(load<f64>(a, R_MIN), load<f64>(rec, R_MIN)), R_MIN);
        store<f64>(a, max(load<f64>(a, R_MAX), load<f64>(rec, R_MAX)), R_MAX);
      }
    }
  }
  return nacc;
}

/** Writes window j's rows (combined from its panes) at output row `row`; returns the next row. */
function windowRows(w: Win, j: i64, row: i32): i32 {
  let nacc = 0;
  for (let q = j; q < j + <i64>w.per; q++) {
    const sp = mapGet(w, q);
    if (sp) nacc = accumulate(w, changetype<Slot>(sp), nacc);
  }
  const start = <f64>(j * w.slide);
  return emitRecs(w, start, start + <f64>w.size, w.acc, w.accKeys, nacc, row, true);
}

// Smallest open pane index (open panes are few: horizon / slide).
function minPane(w: Win): i64 {
  let m = i64.MAX_VALUE;
  for (let i = 0; i < w.nOpen; i++) m = min(m, slotAt(w.open, i).win);
  return m;
}

/** Drops the rows the last advance returned (moves the still-pending ones to row 0). */
export function paneCompact(w: Win): void {
  const k = w.shift;
  if (k == 0) return;
  const rest = <usize>(w.pend - k);
  if (rest > 0) {
    const k8 = <usize>k << 3, k4 = <usize>k << 2;
    memory.copy(w.outStart, w.outStart + k8, rest << 3);
    memory.copy(w.outEnd, w.outEnd + k8, rest << 3);
    memory.copy(w.outKey, w.outKey + k4, rest << 2);
    memory.copy(w.outCount, w.outCount + k4, rest << 2);
    memory.copy(w.outSum, w.outSum + k8, rest << 3);
    memory.copy(w.outMin, w.outMin + k8, rest << 3);
    memory.copy(w.outMax, w.outMax + k8, rest << 3);
    memory.copy(w.outDistinct, w.outDistinct + k4, rest << 2);
  }
  w.pend -= k;
  w.shift = 0;
}

/** Freezes every window with end <= wm (see the header), in order. */
export function freezeTo(w: Win, wm: f64): void {
  if (!(wm > -Infinity)) return;
  const jmax = wm == Infinity ? i64.MAX_VALUE : floorDiv(toMs(Math.floor(wm)) - w.size, w.slide);
  while (w.nOpen > 0) {
    const pmin = minPane(w);
    let j = pmin - <i64>(w.per - 1);
    if (w.lastFrozen != i64.MIN_VALUE && j <= w.lastFrozen) j = w.lastFrozen + 1;
    if (j > jmax) break;
    w.pend = windowRows(w, j, w.pend);
    w.lastFrozen = j;
    if (pmin == j) {
      const s = changetype<Slot>(mapGet(w, j));
      resetSlot(w, s);
      retireSlot(w, s);
    }
  }
  if (w.lastFrozen == i64.MIN_VALUE || jmax > w.lastFrozen) w.lastFrozen = jmax;
  w.nextFreezeEnd = w.lastFrozen == i64.MAX_VALUE ? Infinity : <f64>((w.lastFrozen + 1) * w.slide + w.size);
}

/** window_advance in pane mode: freeze up to wm, hand out the pending rows with end <= wm. */
export function paneAdvance(w: Win, wm: f64): i32 {
  paneCompact(w);
  freezeTo(w, wm);
  let n = 0;
  while (n < w.pend && load<f64>(w.outEnd + (<usize>n << 3)) <= wm) n++;
  w.shift = n;
  return n;
}

/**
 * Calls `visit(j)` for each unfrozen window with data, in order (windows with data are the
 * union of [p - per + 1, p] over open panes p).
 */
function eachOpenWindow(w: Win, row: i32, emit: bool): i32 {
  const n = sortedOpen(w, Infinity);
  let cursor = i64.MIN_VALUE, count = 0;
  for (let i = 0; i < n; i++) {
    const p = slotAt(w.scratch, i).win;
    let j = p - <i64>(w.per - 1);
    if (cursor != i64.MIN_VALUE && j < cursor) j = cursor;
    if (w.lastFrozen != i64.MIN_VALUE && j <= w.lastFrozen) j = w.lastFrozen + 1;
    for (; j <= p; j++) {
      if (emit) row = windowRows(w, j, row);
      count++;
    }
    cursor = p + 1;
  }
  return emit ? row : count;
}

/** window_peek in pane mode: pending frozen rows, then the partial rows of unfrozen windows. */
export function panePeek(w: Win): i32 {
  paneCompact(w);
  ensureOut(w, w.pend);
  return eachOpenWindow(w, w.pend, true);
}

/** Windows holding state: pending frozen windows plus unfrozen windows with data. */
export function paneOpenCount(w: Win): i32 {
  let pendWindows = 0;
  let last = NaN;
  for (let i = w.shift; i < w.pend; i++) {
    const e = load<f64>(w.outEnd + (<usize>i << 3));
    if (e != last) pendWindows++;
    last = e;
  }
  return pendWindows + eachOpenWindow(w, 0, false);
}
