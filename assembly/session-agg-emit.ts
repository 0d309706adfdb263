// Closing and emission of the session aggregate kernel (session-agg.ts): advance() sweeps the
// due timer-wheel slots (session-agg-events.ts), and rows leave ordered by (end, key), a total
// order on sessions (one key's sessions never share an end).
import {
  SA, OPEN, DETACHED, ZOMBIE, WHEEL, OUT_KEY, OUT_START, OUT_END, OUT_EVENTS, OUT_VALUE, OUT_DISTINCT,
  V_SUM, V_MIN, V_MAX, hdr, recAt, presentAt, valAt, disAt, col, ensureOut, ensureSort,
} from "./session-agg-state";
import { slotOf, ring, wheelLink, unlink, freeRec } from "./session-agg-events";
import { setSize } from "./session-agg-set";

/** Appends (end, key, record) to the sort buffer at position k. */
// @ts-ignore: decorator
@inline function sortPut(s: SA, k: i32, end: f64, key: u32, i: i32): void {
  const q = s.sortBuf + (<usize>k << 4);
  store<f64>(q, end);
  store<u32>(q, key, 8);
  store<i32>(q, i, 12);
}

// @ts-ignore: decorator
@inline function less(a: usize, b: usize): bool {
  const ea = load<f64>(a), eb = load<f64>(b);
  return ea < eb || (ea == eb && load<u32>(a, 8) < load<u32>(b, 8));
}

// @ts-ignore: decorator
@inline function swap16(a: usize, b: usize): void {
  const x = load<u64>(a), y = load<u64>(a, 8);
  store<u64>(a, load<u64>(b));
  store<u64>(a, load<u64>(b, 8), 8);
  store<u64>(b, x);
  store<u64>(b, y, 8);
}

/** Sorts 16-byte entries [lo, hi] by (f64, u32): quicksort on the smaller side, insertion below 16. */
function sortEntries(base: usize, lo: i32, hi: i32): void {
  while (hi - lo >= 16) {
    swap16(base + (<usize>((lo + hi) >> 1) << 4), base + (<usize>hi << 4)); // middle as pivot
    const pv = base + (<usize>hi << 4);
    let k = lo;
    for (let j = lo; j < hi; j++) {
      if (less(base + (<usize>j << 4), pv)) {
        swap16(base + (<usize>j << 4), base + (<usize>k << 4));
        k++;
      }
    }
    swap16(base + (<usize>k << 4), pv);
    if (k - lo < hi - k) {
      sortEntries(base, lo, k - 1);
      lo = k + 1;
    } else {
      sortEntries(base, k + 1, hi);
      hi = k - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    for (let j = i; j > lo && less(base + (<usize>j << 4), base + (<usize>(j - 1) << 4)); j--) {
      swap16(base + (<usize>j << 4), base + (<usize>(j - 1) << 4));
    }
  }
}

/** Writes record i as output row `row`. min / max read NaN for a value column with no value. */
function emitRow(s: SA, row: i32, i: i32): void {
  const o4 = <usize>row << 2, o8 = <usize>row << 3;
  const p = recAt(s, i);
  const r = hdr(s, i);
  const outs = s.outs;
  store<u32>(col(outs, OUT_KEY) + o4, r.key);
  store<f64>(col(outs, OUT_START) + o8, r.start);
  store<f64>(col(outs, OUT_END) + o8, r.last + s.gap);
  store<u32>(col(outs, OUT_EVENTS) + o4, r.events);
  for (let j = 0; j < s.nValues; j++) {
    const v = valAt(s, p, j);
    const c = OUT_VALUE + 4 * j;
    const present = load<u32>(presentAt(p, j));
    store<u32>(col(outs, c) + o4, present);
    store<f64>(col(outs, c + 1) + o8, load<f64>(v, V_SUM));
    store<f64>(col(outs, c + 2) + o8, present ? load<f64>(v, V_MIN) : NaN);
    store<f64>(col(outs, c + 3) + o8, present ? load<f64>(v, V_MAX) : NaN);
  }
  for (let d = 0; d < s.nDistinct; d++) store<u32>(col(outs, OUT_DISTINCT + d) + o4, setSize(disAt(s, p, d)));
}

/** Sorts the first `rows` entries and writes their rows; with `free`, frees the records. */
function emitSorted(s: SA, rows: i32, free: bool): void {
  sortEntries(s.sortBuf, 0, rows - 1);
  ensureOut(s, rows);
  for (let k = 0; k < rows; k++) {
    const i = load<i32>(s.sortBuf + (<usize>k << 4), 12);
    emitRow(s, k, i);
    if (free) freeRec(s, i);
  }
}

/**
 * Examines the records of one wheel list: a zombie is freed, a session with end <= wm is
 * queued for emission, any other is relinked by its current end. Returns the new row count.
 */
function sweep(s: SA, head: i32, wm: f64, rows: i32): i32 {
  const gap = s.gap;
  let i = head;
  while (i != 0) {
    const r = hdr(s, i);
    const next = r.tnext;
    s.linked--;
    if (r.state == ZOMBIE) {
      freeRec(s, i);
    } else {
      const end = r.last + gap;
      if (end <= wm) {
        if (r.state == OPEN) {
          unlink(s, i);
          r.state = DETACHED;
        }
        ensureSort(s, rows + 1);
        sortPut(s, rows++, end, r.key, i);
      } else {
        wheelLink(s, i, end);
      }
    }
    i = next;
  }
  return rows;
}

/** Emits and frees every session final at `wm` (end <= wm); returns the row count. */
export function advanceTo(s: SA, wm: f64): i32 {
  let rows = 0;
  if (s.linked > 0 && (wm >= s.cursor * s.slotMs || wm >= s.clampMin)) {
    // Due: every slot from the cursor to the watermark's, the latter only in part (it stays
    // the cursor, to be swept again). A jump past the wheel's reach sweeps each slot once.
    const target = wm == Infinity ? s.cursor + <f64>WHEEL : Math.max(s.cursor, slotOf(s, wm));
    const last = Math.min(target, s.cursor + <f64>(WHEEL - 1));
    for (let slot = s.cursor; slot <= last; slot++) {
      const hp = ring(s, slot);
      const head = load<i32>(hp);
      store<i32>(hp, 0);
      s.cursor = slot; // links made while sweeping go to this slot or later
      s.clampMin = Infinity;
      rows = sweep(s, head, wm, rows);
    }
    if (target > last) s.cursor = target;
    // The overflow is rare (sessions ending far beyond the watermark): re-examined each time.
    if (s.overflow != 0) {
      const head = s.overflow;
      s.overflow = 0;
      rows = sweep(s, head, wm, rows);
    }
  }
  if (rows > 0) emitSorted(s, rows, true);
  return rows;
}

/** Writes the partial rows of all open sessions, ordered by (end, key); changes nothing. */
export function peekAll(s: SA): i32 {
  ensureSort(s, s.live);
  let rows = 0;
  for (let i = 1; i < s.recHi; i++) {
    const r = hdr(s, i);
    if (r.state == OPEN) sortPut(s, rows++, r.last + s.gap, r.key, i);
  }
  if (rows > 0) emitSorted(s, rows, false);
  return rows;
}
